//! The C client proof of the Sync Center side: `tests/c/client_sync_center.c`, compiled with
//! `cc` against the header generated from `idl/syncmgr.idl`
//! (`mobsync-runtime/include/syncmgr_rs.h`), `dlopen`s the folder-sync example and plays Sync
//! Center against its Sync Center class: name and handler info, item enumeration, a
//! synchronization with a session creator and an `ISyncMgrSyncCallback` written in C, a refused
//! item, a cancelled run, a failing callback, bad pointers and a panic; then a conflict
//! (`Gamma/one.txt` changed on both sides) enumerated, bound by ID and resolved keeping both
//! versions through an `ISyncMgrConflictResolveInfo` written in C; last the events the
//! synchronizations reported, read back through the handler's `ISyncMgrEventStore`.

#![cfg(target_os = "linux")]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::build::{compile_c_client, count_files, folder_sync_module, workspace_root};

/// Three subfolders (the items), Alpha with two files so a cancel after its first one shows.
fn sample_tree(source: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let files: Vec<(PathBuf, Vec<u8>)> = vec![
        ("Alpha/readme.txt".into(), b"alpha\n".to_vec()),
        ("Alpha/notes.txt".into(), b"more alpha".to_vec()),
        (
            "Beta/nested/data.bin".into(),
            (0..100_000u32).map(|i| (i % 251) as u8).collect(),
        ),
        ("Beta/top.txt".into(), b"beta".to_vec()),
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
fn c_client_plays_sync_center_against_the_folder_sync_handler() {
    let module = folder_sync_module();
    let tmp = tempfile::tempdir().unwrap();
    let client = compile_c_client(
        "client_sync_center",
        &workspace_root().join("mobsync-runtime/include"),
        tmp.path(),
        &["-ldl"],
    );
    let (source, dest, cancel_dest) = (
        tmp.path().join("source"),
        tmp.path().join("dest"),
        tmp.path().join("cancelled"),
    );
    let files = sample_tree(&source);

    let output = Command::new(&client)
        .arg(&module)
        .env(
            "FOLDER_SYNC_COOKIE",
            format!("source={};dest={}", source.display(), dest.display()),
        )
        .env(
            "FOLDER_SYNC_CANCEL_COOKIE",
            format!("source={};dest={}", source.display(), cancel_dest.display()),
        )
        .env("FOLDER_SYNC_CONFLICT_SOURCE", source.join("Gamma/one.txt"))
        .env("FOLDER_SYNC_CONFLICT_DEST", dest.join("Gamma/one.txt"))
        .env_remove("FOLDER_SYNC_FAULT")
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
    assert!(passed >= 60, "only {passed} checks ran");

    for (path, bytes) in &files {
        // The conflict resolved keeping both: the source's edit, the backup's under its
        // alternate name.
        let expected = if path.ends_with("Gamma/one.txt") {
            b"1, edited in the source".to_vec()
        } else {
            bytes.clone()
        };
        assert_eq!(
            fs::read(dest.join(path)).unwrap(),
            expected,
            "{} copied exactly",
            path.display()
        );
    }
    assert_eq!(
        fs::read(dest.join("Gamma/one (backup).txt")).unwrap(),
        b"1, edited in the backup copy"
    );
    // The items' files, the kept backup, and each folder's Sync Center state file.
    let state_files = ["Alpha", "Beta", "Gamma"]
        .iter()
        .filter(|f| dest.join(f).join(".folder-sync-state").is_file())
        .count();
    assert_eq!(state_files, 3, "every synchronized folder keeps its state");
    // The events the synchronizations reported (one left after the client removed one).
    let events = fs::read_to_string(dest.join(".folder-sync-events")).unwrap();
    assert_eq!(
        events.lines().count(),
        2,
        "the header and one event: {events}"
    );
    assert_eq!(
        count_files(&dest),
        files.len() + 1 + state_files + 1,
        "only the items' files, the kept backup, the state files and the events file"
    );
    assert!(
        count_files(&cancel_dest) <= 1 + 3,
        "the run cancelled at its first report copied at most the file in flight (and state files)"
    );
}
