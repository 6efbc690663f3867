//! `cargo xtask parse --dump`: standard output carries only the JSON, so it can be piped.

use std::process::Command;

#[test]
fn dump_writes_only_json_to_stdout() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ sits in the workspace root");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["parse", "--dump", "idl/mobsync.idl"])
        .current_dir(root)
        .output()
        .expect("xtask runs");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is one JSON value");
    assert!(json.is_object() || json.is_array());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("parsed 1 of 1 files"), "{stderr}");
}
