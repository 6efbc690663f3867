//! ABI proof, C side: the generated header `mobsync-runtime/include/mobsync_rs.h` has the
//! numbers the Rust bindings report, for Linux (LP64) and Windows x64 (LLP64) C compilers, and
//! so has the SDK's `<mobsync.h>` from mingw-w64.
//!
//! The test writes `abi_expected.h` from `abi_support` (Rust's `size_of`/`offset_of` and
//! constant values) and compiles the C harnesses in `tests/c/`:
//! - `abi_header.c` with the system `cc` (C11, warnings as errors) and runs it, and as C++;
//! - with `x86_64-w64-mingw32-gcc`, `abi_header.c` alone, after and before `<windows.h>`, and
//!   `abi_sdk.c` against `<mobsync.h>` (compile-time assertions only; nothing runs under Wine).
//!
//! The mingw checks run where the cross compiler is installed; when the environment variable
//! `CI` is set, a missing cross compiler fails the test instead.

mod abi_support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use windows_core::GUID;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is one level below the workspace root")
        .to_path_buf()
}

fn include_dir() -> PathBuf {
    workspace_root().join("mobsync-runtime/include")
}

fn harness(name: &str) -> PathBuf {
    workspace_root().join("tests/c").join(name)
}

fn guid_components(g: &GUID) -> String {
    let d = &g.data4;
    format!(
        "{:#010x}, {:#06x}, {:#06x}, {:#04x}, {:#04x}, {:#04x}, {:#04x}, {:#04x}, {:#04x}, {:#04x}, {:#04x}",
        g.data1, g.data2, g.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
    )
}

/// `abi_expected.h`: the Rust side's numbers as X-macro invocations.
fn expected_header(tamper: impl Fn(&str) -> String) -> String {
    let mut h = String::from(
        "/* Written by tests/tests/c_header.rs from mobsync_runtime::sys. No include guard:\n   \
         the harnesses include it several times with different macro definitions. */\n",
    );
    h.push_str("#ifdef MOBSYNC_ABI_PART_GUIDS\n");
    for g in abi_support::guids() {
        let _ = writeln!(
            h,
            "#define MOBSYNC_EXPECT_{} {}",
            g.name,
            guid_components(&g.value)
        );
    }
    h.push_str("#else\n");
    let mut structs = vec![abi_support::guid_layout()];
    structs.extend(abi_support::structs());
    for s in &structs {
        let _ = writeln!(h, "MOBSYNC_ABI_STRUCT({}, {}, {})", s.name, s.size, s.align);
        for (field, offset) in &s.fields {
            let _ = writeln!(h, "MOBSYNC_ABI_FIELD({}, {field}, {offset})", s.name);
        }
    }
    for s in abi_support::scalars() {
        let _ = writeln!(h, "MOBSYNC_ABI_STRUCT({}, {}, {})", s.name, s.size, s.align);
    }
    for v in abi_support::vtables() {
        let _ = writeln!(h, "MOBSYNC_ABI_VTBL({}, {})", v.interface, v.slots);
        for (method, slot) in &v.methods {
            let _ = writeln!(h, "MOBSYNC_ABI_SLOT({}, {method}, {slot})", v.interface);
        }
    }
    for c in abi_support::constants() {
        let _ = writeln!(h, "MOBSYNC_ABI_CONST({}, {})", c.name, c.value);
    }
    for g in abi_support::guids() {
        let _ = writeln!(h, "MOBSYNC_ABI_GUID({})", g.name);
    }
    h.push_str("#endif\n");
    tamper(&h)
}

/// Runs a command; returns (success, stdout, stderr).
fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether an optional compiler may be used: `true` when installed; `false` (with a note) when
/// missing outside CI; a failure when missing in CI.
fn optional_compiler(program: &str) -> bool {
    if available(program) {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "`{program}` is required in CI (.ci/run installs it)"
    );
    eprintln!("note: `{program}` is not installed; its ABI checks did not run");
    false
}

struct Build {
    dir: tempfile::TempDir,
}

impl Build {
    fn new(tamper: impl Fn(&str) -> String) -> Build {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("abi_expected.h"), expected_header(tamper))
            .expect("write abi_expected.h");
        Build { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A compiler command with both include directories.
    fn compiler(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.arg("-I")
            .arg(include_dir())
            .arg("-I")
            .arg(self.dir.path());
        cmd
    }
}

const C_FLAGS: &[&str] = &[
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pedantic-errors",
];

#[test]
fn native_c_compiler_agrees_with_rust_and_runs() {
    let build = Build::new(str::to_string);
    let exe = build.path("abi_header");
    let (ok, _, stderr) = run(build
        .compiler("cc")
        .args(C_FLAGS)
        .arg(harness("abi_header.c"))
        .arg("-o")
        .arg(&exe));
    assert!(ok, "cc rejected the generated header:\n{stderr}");
    let (ok, stdout, stderr) = run(&mut Command::new(&exe));
    assert!(ok, "the ABI check program failed:\n{stdout}{stderr}");
    let checks: usize = stdout
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output: {stdout}"));
    // At least one check per struct field, vtable slot, constant and GUID.
    let minimum = abi_support::structs()
        .iter()
        .map(|s| s.fields.len())
        .sum::<usize>()
        + abi_support::vtables()
            .iter()
            .map(|v| v.methods.len())
            .sum::<usize>()
        + abi_support::constants().len()
        + abi_support::guids().len();
    assert!(
        checks >= minimum,
        "{checks} checks, expected at least {minimum}"
    );
}

#[test]
fn native_cxx_compiler_accepts_the_header() {
    if !optional_compiler("c++") {
        return;
    }
    let build = Build::new(str::to_string);
    let exe = build.path("abi_header_cxx");
    let (ok, _, stderr) = run(build
        .compiler("c++")
        .args(["-std=c++11", "-x", "c++", "-Wall", "-Wextra", "-Werror"])
        .arg(harness("abi_header.c"))
        .arg("-o")
        .arg(&exe));
    assert!(ok, "c++ rejected the generated header:\n{stderr}");
    let (ok, stdout, stderr) = run(&mut Command::new(&exe));
    assert!(ok, "the C++ ABI check program failed:\n{stdout}{stderr}");
}

/// The harness is not vacuous: a wrong number or a wrong IID byte fails the build, naming
/// what differs.
#[test]
fn a_mismatch_fails_the_c_build() {
    let cases: [(&str, &str, &str); 3] = [
        (
            "MOBSYNC_ABI_STRUCT(SYNCMGRITEM, 304, 8)",
            "MOBSYNC_ABI_STRUCT(SYNCMGRITEM, 300, 8)",
            "sizeof(SYNCMGRITEM)",
        ),
        (
            "MOBSYNC_ABI_SLOT(ISyncMgrSynchronizeCallback, Progress, 8)",
            "MOBSYNC_ABI_SLOT(ISyncMgrSynchronizeCallback, Progress, 9)",
            "ISyncMgrSynchronizeCallback::Progress",
        ),
        (
            "#define MOBSYNC_EXPECT_IID_ISyncMgrEnumItems 0x6295df2a",
            "#define MOBSYNC_EXPECT_IID_ISyncMgrEnumItems 0x6295df2b",
            "IID_ISyncMgrEnumItems",
        ),
    ];
    for (from, to, named) in cases {
        let build = Build::new(|h| {
            assert!(h.contains(from), "expected header lacks `{from}`");
            h.replace(from, to)
        });
        let (ok, _, stderr) = run(build
            .compiler("cc")
            .args(C_FLAGS)
            .arg("-c")
            .arg(harness("abi_header.c"))
            .arg("-o")
            .arg(build.path("abi_header.o")));
        assert!(!ok, "a tampered expectation ({to}) compiled");
        assert!(
            stderr.contains(named),
            "the error does not name {named}:\n{stderr}"
        );
    }
}

const MINGW: &str = "x86_64-w64-mingw32-gcc";

#[test]
fn windows_x64_compiler_agrees_with_rust() {
    if !optional_compiler(MINGW) {
        return;
    }
    let build = Build::new(str::to_string);
    // The header alone (it includes <windows.h> itself), after and before <windows.h>, and
    // standalone without any Windows header (strict ISO C).
    let variants: [(&str, &[&str]); 4] = [
        ("header alone", &[]),
        ("after <windows.h>", &["-DMOBSYNC_ABI_WINDOWS_FIRST"]),
        ("before <windows.h>", &["-DMOBSYNC_ABI_WINDOWS_AFTER"]),
        (
            "standalone",
            &["-DMOBSYNC_RS_STANDALONE", "-pedantic-errors"],
        ),
    ];
    for (what, flags) in variants {
        let (ok, _, stderr) = run(build
            .compiler(MINGW)
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror"])
            .args(flags)
            .arg("-c")
            .arg(harness("abi_header.c"))
            .arg("-o")
            .arg(build.path("abi_header.obj")));
        assert!(
            ok,
            "{MINGW} ({what}) rejected the generated header:\n{stderr}"
        );
    }
}

#[test]
fn the_sdk_header_agrees_with_rust() {
    if !optional_compiler(MINGW) {
        return;
    }
    let build = Build::new(str::to_string);
    let (ok, _, stderr) = run(build
        .compiler(MINGW)
        .args(["-std=c11", "-Wall", "-Werror"])
        .arg("-c")
        .arg(harness("abi_sdk.c"))
        .arg("-o")
        .arg(build.path("abi_sdk.obj")));
    assert!(ok, "<mobsync.h> disagrees with the Rust side:\n{stderr}");
}

/// The SDK comparison is not vacuous either: a wrong IID byte or slot fails it.
#[test]
fn a_mismatch_fails_the_sdk_build() {
    if !optional_compiler(MINGW) {
        return;
    }
    let cases: [(&str, &str, &str); 2] = [
        (
            "#define MOBSYNC_EXPECT_CLSID_SyncMgr 0x6295df27",
            "#define MOBSYNC_EXPECT_CLSID_SyncMgr 0x6295df28",
            "CLSID_SyncMgr",
        ),
        (
            "MOBSYNC_ABI_FIELD(SYNCMGRLOGERRORINFO, ItemID, 28)",
            "MOBSYNC_ABI_FIELD(SYNCMGRLOGERRORINFO, ItemID, 32)",
            "SYNCMGRLOGERRORINFO, ItemID",
        ),
    ];
    for (from, to, named) in cases {
        let build = Build::new(|h| {
            assert!(h.contains(from), "expected header lacks `{from}`");
            h.replace(from, to)
        });
        let (ok, _, stderr) = run(build
            .compiler(MINGW)
            .args(["-std=c11", "-Wall", "-Werror"])
            .arg("-c")
            .arg(harness("abi_sdk.c"))
            .arg("-o")
            .arg(build.path("abi_sdk.obj")));
        assert!(
            !ok,
            "a tampered expectation ({to}) compiled against <mobsync.h>"
        );
        assert!(
            stderr.contains(named),
            "the error does not name {named}:\n{stderr}"
        );
    }
}
