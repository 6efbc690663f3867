//! The C client proof: `tests/c/client_folder_sync.c`, compiled with `cc` against the generated
//! header `mobsync-runtime/include/mobsync_rs.h`, dlopen()s the folder-sync example's shared
//! library and runs the whole Sync Manager protocol with a callback object written in C.

#![cfg(target_os = "linux")]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::build::{compile_c_client, count_files, folder_sync_module, workspace_root};

/// Source tree: three subfolders (items), nested folders, an empty file and a larger one.
fn sample_tree(source: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let files: Vec<(PathBuf, Vec<u8>)> = vec![
        ("Alpha/readme.txt".into(), b"alpha\n".to_vec()),
        ("Alpha/empty.dat".into(), Vec::new()),
        (
            "Beta/nested/deeper/data.bin".into(),
            (0..200_000u32).map(|i| (i % 251) as u8).collect(),
        ),
        ("Beta/top.txt".into(), b"beta top".to_vec()),
        ("Gamma/one.txt".into(), b"1".to_vec()),
    ];
    for (path, bytes) in &files {
        let path = source.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    fs::write(source.join("loose-file.txt"), b"not an item").unwrap();
    files
}

#[test]
fn c_client_runs_the_whole_protocol_against_folder_sync() {
    let library = folder_sync_module();
    let tmp = tempfile::tempdir().unwrap();
    let client = compile_c_client(
        "client_folder_sync",
        &workspace_root().join("mobsync-runtime/include"),
        tmp.path(),
        &["-ldl", "-lpthread"],
    );
    let (source, dest, cancel_dest) = (
        tmp.path().join("source"),
        tmp.path().join("dest"),
        tmp.path().join("cancelled"),
    );
    let files = sample_tree(&source);

    let output = Command::new(&client)
        .arg(&library)
        .arg(&source)
        .arg(&dest)
        .arg(&cancel_dest)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the C client failed (exit {:?})",
        output.status.code()
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with("passed, 0 failed"),
        "summary line: {summary}"
    );
    let passed: usize = summary.split_whitespace().next().unwrap().parse().unwrap();
    assert!(passed >= 40, "only {passed} checks ran");

    for (path, bytes) in &files {
        assert_eq!(
            &fs::read(dest.join(path)).unwrap(),
            bytes,
            "{} copied exactly",
            path.display()
        );
    }
    assert_eq!(
        count_files(&dest),
        files.len(),
        "nothing but the items' files is copied"
    );
    assert_eq!(
        count_files(&cancel_dest),
        0,
        "the cancelled run copied nothing"
    );
}
