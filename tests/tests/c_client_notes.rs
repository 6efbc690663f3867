//! The C client proof that a Rust type implements an interface of the Windows SDK's IDL:
//! the idl-server example's `NoteDocument` implements `IPersistStream` from Wine's
//! `objidl.idl` (through `examples/idl-server/idl/notes.idl`, `mobsync_idl::Builder` with
//! `.include_wine_idl()` and `.success_codes(..)`). `tests/c/client_notes.c`, compiled against
//! the C header generated from the same IDL, drives it through the raw vtables with a C memory
//! stream: identity, both success codes of `IsDirty`, Save/Load round trips, null and
//! misaligned pointers, bad streams, a panic, references returned.

#![cfg(target_os = "linux")]

mod common;

use common::build::{
    compile_c_client, library_module, run_c_client, workspace_root, write_c_header,
};

#[test]
fn c_client_drives_a_rust_ipersiststream() {
    let module = library_module("idl-server");
    let tmp = tempfile::tempdir().unwrap();
    let idl = workspace_root().join("examples/idl-server/idl/notes.idl");
    let wine = mobsync_idl::wine_idl_root();
    write_c_header(&idl, &[wine.join("windows"), wine], tmp.path(), "notes.h");
    let exe = compile_c_client("client_notes", tmp.path(), tmp.path(), &["-ldl"]);
    run_c_client(&exe, &[module.as_os_str()], 35);
}
