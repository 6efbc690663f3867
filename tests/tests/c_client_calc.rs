//! The C client proof of `mobsync-idl rust --implement` (through `mobsync_idl::Builder`):
//! `tests/c/client_calc.c`, compiled with `cc` against the C header generated from
//! `examples/idl-server/idl/calc.idl`, `dlopen`s the idl-server example and drives the Rust
//! implementation of `ICalculator` through the raw vtable: results, null and misaligned
//! pointers, a count without its array, unknown IIDs and CLSIDs, a panic.

#![cfg(target_os = "linux")]

mod common;

use std::path::Path;
use std::process::Command;

use common::build::{cargo_build, compile_c_client, profile_dir, workspace_root};
use mobsync_idl::codegen::{Api, CHeaderOptions, Stamp, c_header};
use mobsync_idl::{BUNDLED_INCLUDE_DIR, Options, Session};

/// Writes `calc.h` into `dir` with the C header generator, as `mobsync-idl c-header` does.
fn write_header(dir: &Path) {
    let idl = workspace_root().join("examples/idl-server/idl/calc.idl");
    let mut session = Session::new(Options {
        include_dirs: vec![BUNDLED_INCLUDE_DIR.into()],
        ..Options::default()
    });
    let id = session.load_file(&idl).unwrap_or_else(|d| panic!("{d}"));
    let api = Api::from_compilation(&session.into_compilation(vec![id]))
        .unwrap_or_else(|d| panic!("{d}"));
    let header = c_header::generate(
        &api,
        &CHeaderOptions {
            stamp: Stamp::new("tests/tests/c_client_calc.rs", "calc.idl"),
            file_name: "calc.h".into(),
            replaces: None,
            title: "The calculator of the idl-server example.".into(),
        },
    );
    std::fs::write(dir.join("calc.h"), header).unwrap();
}

#[test]
fn c_client_drives_the_rust_implementation_of_an_interface_from_its_own_idl() {
    cargo_build(&["idl-server"]);
    let module = profile_dir().join(format!(
        "{}idl_server{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(module.is_file(), "{} was not built", module.display());
    let tmp = tempfile::tempdir().unwrap();
    write_header(tmp.path());
    let exe = compile_c_client("client_calc", tmp.path(), tmp.path(), &["-ldl"]);
    let run = Command::new(&exe).arg(&module).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&run.stderr));
    assert!(
        run.status.success(),
        "the C client failed (exit {:?})",
        run.status.code()
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with("passed, 0 failed"),
        "summary line: {summary}"
    );
    let passed: usize = summary.split_whitespace().next().unwrap().parse().unwrap();
    assert!(passed >= 20, "only {passed} checks ran");
}
