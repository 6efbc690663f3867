//! The C client proof of `mobsync-idl rust --implement` (through `mobsync_idl::Builder`):
//! `tests/c/client_calc.c`, compiled with `cc` against the C header generated from
//! `examples/idl-server/idl/calc.idl`, `dlopen`s the idl-server example and drives the Rust
//! implementation of `ICalculator` through the raw vtable: results, null and misaligned
//! pointers, a count without its array, unknown IIDs and CLSIDs, a panic.

#![cfg(target_os = "linux")]

mod common;

use common::build::{
    compile_c_client, library_module, run_c_client, workspace_root, write_c_header,
};

#[test]
fn c_client_drives_the_rust_implementation_of_an_interface_from_its_own_idl() {
    let module = library_module("idl-server");
    let tmp = tempfile::tempdir().unwrap();
    let idl = workspace_root().join("examples/idl-server/idl/calc.idl");
    write_c_header(&idl, &[], tmp.path(), "calc.h");
    let exe = compile_c_client("client_calc", tmp.path(), tmp.path(), &["-ldl"]);
    run_c_client(&exe, &[module.as_os_str()], 20);
}
