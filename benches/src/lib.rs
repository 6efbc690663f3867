//! Benchmark fixtures for mobsync-rs: the same Sync Manager objects written three ways, so that
//! criterion can measure them side by side in one run.
//!
//! - [`floor`]: hand-written `extern "system"` functions behind `static` vtables, with an atomic
//!   reference count and the argument checks a careful C programmer writes (null pointers), and
//!   nothing else. The fastest a correct COM object can be; the floor of every ratio.
//! - [`wincore`]: the same interfaces declared with windows-core's `#[interface]` and implemented
//!   with its `#[implement]` (raw `unsafe fn`s over pointers, as windows-core users write them).
//! - [`ours`]: `#[derive(SyncMgrHandler)]` and the runtime's [`ItemEnumerator`](mobsync_runtime::ItemEnumerator),
//!   through the shims generated from the IDL (argument checks, panic guard, typed outcomes).
//!
//! [`bulk`] holds the handler and the minimal driver of the host-sync benchmark, and [`raw`] the
//! helpers that call any of them through its vtable, as a COM client does.
//!
//! Every object does the same work per call (a relaxed store of the argument), so the
//! measurements compare the call machinery, not the method bodies. The benches are in
//! `benches/benches/`; `cargo xtask bench` runs them and writes the README table.

pub mod bulk;
pub mod floor;
pub mod ours;
pub mod raw;
pub mod wincore;

use windows_core::GUID;

/// The item ID the handlers watch in `SetItemStatus`.
pub const WATCHED_ITEM: GUID = GUID::from_u128(0x5eed_b0b0_0000_4000_8000_0000_0000_0001);

/// An IID no object implements (the `QueryInterface` miss).
pub const UNKNOWN_IID: GUID = GUID::from_u128(0xdead_beef_0000_4000_8000_0000_0000_0002);

/// `count` items named like real folders (`"Folder 00042"`), half of them checked.
pub fn sample_items(count: usize) -> Vec<mobsync_runtime::SyncItem> {
    (0..count)
        .map(|n| {
            mobsync_runtime::SyncItem::new(
                GUID::from_u128(0x5eed_17e0_0000_4000_8000_0000_0000_0000 | n as u128),
                format!("Folder {n:05}"),
            )
            .checked(n % 2 == 0)
        })
        .collect()
}
