//! The portable registration store: layout, reader API, exact unregistration, corruption handling,
//! locking. (Concurrency across processes: `registry_concurrent.rs`.)
#![cfg(not(windows))]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use mobsync_runtime::registry::{
    HandlerEntry, Registration, RegistryError, Store, SyncMgrEntry, SyncMgrRegistration,
    ThreadingModel, current_module_path,
};
use serde_json::{Value, json};
use windows_core::GUID;

const FOLDER_SYNC: GUID = GUID::from_u128(0x632306b6_690c_48c1_ab87_953a6833a855);
const OTHER: GUID = GUID::from_u128(0x0123abcd_0000_4000_8000_00000000beef);

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    // A directory that does not exist yet: the store creates it.
    let store = Store::at(dir.path().join("nested").join("registry.json"));
    (dir, store)
}

fn folder_sync(module: &Path) -> Registration<'_> {
    Registration {
        sync_center: false,
        clsid: FOLDER_SYNC,
        name: "Folder Sync",
        module_path: Some(module),
        threading_model: ThreadingModel::Both,
        sync_mgr: Some(SyncMgrRegistration {
            description: "Folder Sync example",
            flags: 0x5,
        }),
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

#[test]
fn the_file_is_json_as_serde_json_prints_it() {
    // The runtime writes the store without a JSON crate: the text must be what serde_json's
    // pretty printer makes of the same value, byte for byte, non-ASCII and escapes included.
    let (_dir, store) = temp_store();
    let module = PathBuf::from("/opt/h\u{e9}ndlers/\"quoted\"\\lib\tx.so");
    store.register(&folder_sync(&module)).unwrap();
    let text = fs::read_to_string(store.path()).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(text, serde_json::to_string_pretty(&value).unwrap() + "\n");
    assert_eq!(
        value["keys"]["HKCR\\CLSID\\{632306B6-690C-48C1-AB87-953A6833A855}\\InprocServer32"][""],
        json!(module.to_str().unwrap())
    );
}

#[test]
fn register_writes_the_documented_keys() {
    let (_dir, store) = temp_store();
    let module = PathBuf::from("/opt/handlers/libfolder_sync.so");
    store.register(&folder_sync(&module)).unwrap();
    assert_eq!(
        read_json(store.path()),
        json!({
            "format": "mobsync-rs registry 1",
            "keys": {
                "HKCR\\CLSID\\{632306B6-690C-48C1-AB87-953A6833A855}": { "": "Folder Sync" },
                "HKCR\\CLSID\\{632306B6-690C-48C1-AB87-953A6833A855}\\InprocServer32": {
                    "": "/opt/handlers/libfolder_sync.so",
                    "ThreadingModel": "Both"
                },
                "HKCU\\Software\\mobsync-rs\\Handlers\\{632306B6-690C-48C1-AB87-953A6833A855}": {
                    "Description": "Folder Sync example",
                    "Flags": 5
                }
            }
        })
    );
}

#[test]
fn reader_api_returns_what_was_registered() {
    let (_dir, store) = temp_store();
    assert_eq!(store.handlers().unwrap(), vec![]);
    assert_eq!(store.handler(&FOLDER_SYNC).unwrap(), None);

    let module = PathBuf::from("/opt/handlers/libfolder_sync.so");
    store.register(&folder_sync(&module)).unwrap();
    let other_module = PathBuf::from("/opt/handlers/libother.so");
    store
        .register(&Registration {
            sync_center: false,
            clsid: OTHER,
            name: "Plain class",
            module_path: Some(&other_module),
            threading_model: ThreadingModel::Apartment,
            sync_mgr: None,
        })
        .unwrap();

    let expected_folder = HandlerEntry {
        clsid: FOLDER_SYNC,
        name: Some("Folder Sync".into()),
        module_path: Some(module.clone()),
        threading_model: Some(ThreadingModel::Both),
        sync_mgr: Some(SyncMgrEntry {
            description: "Folder Sync example".into(),
            flags: 5,
        }),
    };
    let expected_other = HandlerEntry {
        clsid: OTHER,
        name: Some("Plain class".into()),
        module_path: Some(other_module),
        threading_model: Some(ThreadingModel::Apartment),
        sync_mgr: None,
    };
    assert_eq!(
        store.handler(&FOLDER_SYNC).unwrap(),
        Some(expected_folder.clone())
    );
    assert_eq!(store.handler(&OTHER).unwrap(), Some(expected_other.clone()));
    // Sorted by CLSID.
    assert_eq!(
        store.handlers().unwrap(),
        vec![expected_other, expected_folder]
    );
    assert_eq!(store.sync_handler_flags(&FOLDER_SYNC).unwrap(), Some(5));
    assert_eq!(store.sync_handler_flags(&OTHER).unwrap(), None);
}

#[test]
fn unregister_removes_exactly_what_register_added() {
    let (_dir, store) = temp_store();
    // Someone else's content, including keys and values inside "our" class key.
    let before = json!({
        "format": "mobsync-rs registry 1",
        "keys": {
            "HKCR\\CLSID\\{632306B6-690C-48C1-AB87-953A6833A855}": { "AppID": "{x}" },
            "HKCR\\CLSID\\{632306B6-690C-48C1-AB87-953A6833A855}\\ProgID": { "": "Folder.Sync.1" },
            "HKCR\\CLSID\\{11111111-2222-3333-4444-555555555555}\\InprocServer32": { "": "/x.so" },
            "HKCU\\Software\\mobsync-rs\\Settings": { "Verbose": 1 }
        }
    });
    fs::create_dir_all(store.path().parent().unwrap()).unwrap();
    fs::write(store.path(), serde_json::to_vec_pretty(&before).unwrap()).unwrap();

    let module = PathBuf::from("/opt/libfolder_sync.so");
    let reg = folder_sync(&module);
    store.register(&reg).unwrap();
    assert_ne!(read_json(store.path()), before);
    store.unregister(&reg).unwrap();
    assert_eq!(read_json(store.path()), before);
    // Unregistering again changes nothing and is not an error.
    store.unregister(&reg).unwrap();
    assert_eq!(read_json(store.path()), before);
}

#[test]
fn register_then_unregister_leaves_an_empty_store() {
    let (_dir, store) = temp_store();
    let module = PathBuf::from("/opt/libfolder_sync.so");
    store.register(&folder_sync(&module)).unwrap();
    store.unregister(&folder_sync(&module)).unwrap();
    assert_eq!(
        read_json(store.path()),
        json!({ "format": "mobsync-rs registry 1", "keys": {} })
    );
    assert_eq!(store.handlers().unwrap(), vec![]);
}

#[test]
fn unregister_leaves_a_class_reregistered_by_another_module_alone() {
    let (_dir, store) = temp_store();
    let old = PathBuf::from("/old/libfolder_sync.so");
    let new = PathBuf::from("/new/libfolder_sync.so");
    store.register(&folder_sync(&old)).unwrap();
    store.register(&folder_sync(&new)).unwrap();
    let content = fs::read(store.path()).unwrap();
    store.unregister(&folder_sync(&old)).unwrap();
    assert_eq!(fs::read(store.path()).unwrap(), content);
    let entry = store.handler(&FOLDER_SYNC).unwrap().unwrap();
    assert_eq!(entry.module_path, Some(new.clone()));
    store.unregister(&folder_sync(&new)).unwrap();
    assert_eq!(store.handler(&FOLDER_SYNC).unwrap(), None);
}

#[test]
fn reregistering_replaces_values() {
    let (_dir, store) = temp_store();
    let module = PathBuf::from("/opt/libfolder_sync.so");
    store.register(&folder_sync(&module)).unwrap();
    let mut reg = folder_sync(&module);
    reg.name = "Renamed";
    reg.threading_model = ThreadingModel::Free;
    reg.sync_mgr = Some(SyncMgrRegistration {
        description: "new",
        flags: 1,
    });
    store.register(&reg).unwrap();
    let entry = store.handler(&FOLDER_SYNC).unwrap().unwrap();
    assert_eq!(entry.name.as_deref(), Some("Renamed"));
    assert_eq!(entry.threading_model, Some(ThreadingModel::Free));
    assert_eq!(
        entry.sync_mgr,
        Some(SyncMgrEntry {
            description: "new".into(),
            flags: 1
        })
    );
    assert_eq!(store.handlers().unwrap().len(), 1);
}

#[test]
fn sync_manager_registration_api() {
    let (_dir, store) = temp_store();
    assert!(!store.unregister_sync_handler(&OTHER).unwrap());
    store.register_sync_handler(&OTHER, "Other", 2).unwrap();
    assert_eq!(store.sync_handler_flags(&OTHER).unwrap(), Some(2));
    store.register_sync_handler(&OTHER, "Other", 4).unwrap();
    assert_eq!(store.sync_handler_flags(&OTHER).unwrap(), Some(4));
    // Listed although no COM class is registered for it.
    let all = store.handlers().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].clsid, OTHER);
    assert_eq!(all[0].module_path, None);
    assert!(store.unregister_sync_handler(&OTHER).unwrap());
    assert!(!store.unregister_sync_handler(&OTHER).unwrap());
    assert_eq!(store.sync_handler_flags(&OTHER).unwrap(), None);
    assert_eq!(store.handlers().unwrap(), vec![]);
}

#[test]
fn default_module_path_is_the_module_linking_the_runtime() {
    let (_dir, store) = temp_store();
    let reg = Registration {
        sync_center: false,
        clsid: OTHER,
        name: "Self",
        module_path: None,
        threading_model: ThreadingModel::Both,
        sync_mgr: None,
    };
    store.register(&reg).unwrap();
    let exe = std::env::current_exe().unwrap();
    assert_eq!(current_module_path().unwrap(), exe);
    assert_eq!(
        store.handler(&OTHER).unwrap().unwrap().module_path,
        Some(exe)
    );
    store.unregister(&reg).unwrap();
    assert_eq!(store.handler(&OTHER).unwrap(), None);
}

#[test]
fn relative_module_paths_are_made_absolute() {
    let (_dir, store) = temp_store();
    let reg = Registration {
        sync_center: false,
        clsid: OTHER,
        name: "Relative",
        module_path: Some(Path::new("target/libx.so")),
        threading_model: ThreadingModel::Both,
        sync_mgr: None,
    };
    store.register(&reg).unwrap();
    let path = store.handler(&OTHER).unwrap().unwrap().module_path.unwrap();
    assert!(path.is_absolute(), "{}", path.display());
    assert!(path.ends_with("target/libx.so"));
    store.unregister(&reg).unwrap();
    assert_eq!(store.handler(&OTHER).unwrap(), None);
}

fn assert_corrupt(err: RegistryError, path: &Path, detail_part: &str) {
    let text = err.to_string();
    match &err {
        RegistryError::Corrupt { path: p, detail } => {
            assert_eq!(p, path);
            assert!(detail.contains(detail_part), "{detail:?}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("left unchanged"), "{text}");
}

#[test]
fn a_truncated_store_is_reported_and_kept() {
    let (_dir, store) = temp_store();
    let module = PathBuf::from("/opt/libfolder_sync.so");
    store.register(&folder_sync(&module)).unwrap();
    let full = fs::read(store.path()).unwrap();
    let truncated = &full[..full.len() / 2];
    fs::write(store.path(), truncated).unwrap();

    let other = Registration {
        sync_center: false,
        clsid: OTHER,
        name: "Other",
        module_path: Some(&module),
        threading_model: ThreadingModel::Both,
        sync_mgr: None,
    };
    assert_corrupt(
        store.register(&other).unwrap_err(),
        store.path(),
        "truncated",
    );
    assert_corrupt(
        store.unregister(&folder_sync(&module)).unwrap_err(),
        store.path(),
        "truncated",
    );
    assert_corrupt(store.handlers().unwrap_err(), store.path(), "truncated");
    assert_corrupt(
        store.handler(&FOLDER_SYNC).unwrap_err(),
        store.path(),
        "truncated",
    );
    assert_eq!(fs::read(store.path()).unwrap(), truncated);
}

#[test]
fn corrupt_stores_are_reported_and_kept() {
    let (_dir, store) = temp_store();
    fs::create_dir_all(store.path().parent().unwrap()).unwrap();
    let module = PathBuf::from("/opt/libfolder_sync.so");
    for (content, detail) in [
        (&b""[..], "empty"),
        (b"not json at all", "invalid JSON"),
        (
            b"{\"format\": \"mobsync-rs registry 2\", \"keys\": {}}",
            "unsupported",
        ),
        (
            b"{\"format\": \"mobsync-rs registry 1\", \"keys\": {\"HKCR\": {\"v\": [1]}}}",
            "neither a string nor a number",
        ),
    ] {
        fs::write(store.path(), content).unwrap();
        assert_corrupt(
            store.register(&folder_sync(&module)).unwrap_err(),
            store.path(),
            detail,
        );
        assert_eq!(fs::read(store.path()).unwrap(), content);
        assert!(matches!(
            store.register_sync_handler(&OTHER, "x", 0),
            Err(RegistryError::Corrupt { .. })
        ));
        assert_eq!(fs::read(store.path()).unwrap(), content);
    }
}

#[test]
fn writes_leave_no_temporary_files() {
    let (_dir, store) = temp_store();
    let module = PathBuf::from("/opt/libfolder_sync.so");
    for _ in 0..3 {
        store.register(&folder_sync(&module)).unwrap();
        store.unregister(&folder_sync(&module)).unwrap();
    }
    let mut names: Vec<String> = fs::read_dir(store.path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["registry.json", "registry.json.lock"]);
}

#[test]
fn writers_wait_for_the_lock_and_readers_do_not() {
    let (_dir, store) = temp_store();
    let module = PathBuf::from("/opt/libfolder_sync.so");
    store.register(&folder_sync(&module)).unwrap();

    let lock_path = PathBuf::from(format!("{}.lock", store.path().display()));
    let lock = fs::OpenOptions::new().write(true).open(&lock_path).unwrap();
    lock.lock().unwrap();

    // A reader goes ahead.
    assert_eq!(store.handlers().unwrap().len(), 1);

    // A writer waits.
    let (done_tx, done_rx) = mpsc::channel();
    let writer_store = store.clone();
    let writer = std::thread::spawn(move || {
        let module = PathBuf::from("/opt/other.so");
        let result = writer_store.register(&Registration {
            sync_center: false,
            clsid: OTHER,
            name: "Other",
            module_path: Some(&module),
            threading_model: ThreadingModel::Both,
            sync_mgr: None,
        });
        done_tx.send(result.is_ok()).unwrap();
    });
    assert_eq!(
        done_rx.recv_timeout(Duration::from_millis(300)),
        Err(mpsc::RecvTimeoutError::Timeout),
        "the writer did not wait for the lock"
    );
    assert_eq!(store.handler(&OTHER).unwrap(), None);
    drop(lock);
    assert!(done_rx.recv_timeout(Duration::from_secs(30)).unwrap());
    writer.join().unwrap();
    assert_eq!(store.handlers().unwrap().len(), 2);
}

#[test]
fn errors_convert_to_hresults() {
    let (_dir, store) = temp_store();
    fs::create_dir_all(store.path().parent().unwrap()).unwrap();
    fs::write(store.path(), "{").unwrap();
    let err = store.handlers().unwrap_err();
    assert_eq!(err.hresult().0 as u32, 0x8007_0570);
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn writers_remove_temporary_files_of_killed_writers() {
    let (_dir, store) = temp_store();
    let module = PathBuf::from("/opt/libfolder_sync.so");
    store.register(&folder_sync(&module)).unwrap();
    let dir = store.path().parent().unwrap();
    let stale = dir.join(".registry.json.4242.0.tmp");
    fs::write(&stale, "{ half a store").unwrap();
    let unrelated = dir.join("notes.tmp");
    fs::write(&unrelated, "someone else's").unwrap();
    // Readers leave it alone; the next writer, holding the lock, removes it.
    store.handlers().unwrap();
    assert!(stale.exists());
    store.unregister(&folder_sync(&module)).unwrap();
    assert!(!stale.exists());
    assert!(unrelated.exists());
}

#[test]
fn a_sync_center_handler_is_listed_under_sync_centers_key_and_removed_exactly() {
    let (_dir, store) = temp_store();
    let module = PathBuf::from("/opt/handlers/libfolder_sync.so");
    let reg = Registration {
        clsid: OTHER,
        name: "Folder Sync (Sync Center)",
        module_path: Some(&module),
        threading_model: ThreadingModel::Both,
        sync_mgr: None,
        sync_center: true,
    };
    store.register(&reg).unwrap();
    let key = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Explorer\\SyncMgr\\\
               HandlerInstances\\{0123ABCD-0000-4000-8000-00000000BEEF}";
    assert_eq!(
        read_json(store.path())["keys"][key],
        json!({ "": "Folder Sync (Sync Center)" })
    );
    assert_eq!(
        store.sync_center_handlers().unwrap(),
        [(OTHER, "Folder Sync (Sync Center)".to_string())]
    );
    // The legacy handler of the same DLL is not a Sync Center handler.
    store.register(&folder_sync(&module)).unwrap();
    assert_eq!(store.sync_center_handlers().unwrap().len(), 1);

    store.unregister(&reg).unwrap();
    assert_eq!(store.sync_center_handlers().unwrap(), []);
    assert!(read_json(store.path())["keys"].get(key).is_none());
    store.unregister(&folder_sync(&module)).unwrap();
    assert_eq!(read_json(store.path())["keys"], json!({}));
}
