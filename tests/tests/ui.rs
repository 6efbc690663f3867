//! Compile-fail tests of `#[derive(SyncMgrHandler)]`, `#[derive(ComObject)]`, the handler traits
//! and `export_handlers!`: each case under `tests/ui/<category>/` must fail to compile with the
//! error in its `.stderr` snapshot, which points at the user's code and says what to write.
//!
//! Refresh the snapshots with `TRYBUILD=overwrite cargo test -p mobsync-tests --test ui` (with
//! the pinned toolchain) and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/derive/*.rs");
    cases.compile_fail("ui/traits/*.rs");
    cases.compile_fail("ui/export/*.rs");
}
