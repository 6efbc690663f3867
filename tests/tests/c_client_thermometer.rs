//! The C client proof of the windows-rs route (issue "Into the windows-rs toolchain"): the
//! winmd-server example's build script writes a `.winmd` from its own IDL with
//! `mobsync_idl::Builder::winmd`, windows-bindgen writes Rust from it, and windows-core's
//! `#[implement]` serves it. `tests/c/client_thermometer.c`, compiled against the C header of the
//! same IDL, drives the server through the raw vtables.

#![cfg(target_os = "linux")]

mod common;

use common::build::{
    compile_c_client, library_module, run_c_client, workspace_root, write_c_header,
};

#[test]
fn c_client_drives_the_windows_bindgen_server() {
    let module = library_module("winmd-server");
    let tmp = tempfile::tempdir().unwrap();
    let idl = workspace_root().join("examples/winmd-server/idl/thermometer.idl");
    write_c_header(&idl, &[], tmp.path(), "thermometer.h");
    let exe = compile_c_client("client_thermometer", tmp.path(), tmp.path(), &["-ldl"]);
    run_c_client(&exe, &[module.as_os_str()], 80);
}
