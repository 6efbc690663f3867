//! The Windows backend of the registration store against a real registry, checked independently
//! with `reg.exe`. Run under Wine by `cargo xtask wine-test` (and natively on Windows).
#![cfg(windows)]

use std::hash::{BuildHasher, RandomState};
use std::path::Path;
use std::process::Command;

use mobsync_runtime::registry::{
    Registration, Store, SyncMgrRegistration, ThreadingModel, braced, current_module_path,
};
use windows_core::GUID;

/// A CLSID no other test run uses.
fn fresh_clsid(salt: u64) -> GUID {
    let random = RandomState::new().hash_one((std::process::id(), salt));
    GUID::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0000 | u128::from(random))
}

/// Runs `reg.exe`; returns (success, output).
fn reg(args: &[&str]) -> (bool, String) {
    let out = Command::new("reg")
        .args(args)
        .output()
        .expect("reg.exe runs");
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    (out.status.success(), text)
}

/// The data of value `name` (`(Default)` for the default value) of `key`, per `reg query`.
fn reg_value(key: &str, name: &str) -> Option<String> {
    let (ok, out) = reg(&["query", key]);
    if !ok {
        return None;
    }
    out.lines().find_map(|line| {
        let mut fields = line.trim().splitn(3, "    ");
        match (fields.next(), fields.next(), fields.next()) {
            (Some(n), Some(_kind), Some(data)) if n.eq_ignore_ascii_case(name) => {
                Some(data.trim().to_owned())
            }
            _ => None,
        }
    })
}

fn key_exists(key: &str) -> bool {
    reg(&["query", key]).0
}

fn class_key(clsid: &GUID) -> String {
    format!(r"HKCR\CLSID\{}", braced(clsid))
}

fn handler_key(clsid: &GUID) -> String {
    format!(r"HKCU\Software\mobsync-rs\Handlers\{}", braced(clsid))
}

fn registration(clsid: GUID, module: &Path) -> Registration<'_> {
    Registration {
        sync_center: false,
        clsid,
        name: "Registry test handler",
        module_path: Some(module),
        threading_model: ThreadingModel::Apartment,
        sync_mgr: Some(SyncMgrRegistration {
            description: "Registry test",
            flags: 0x4,
        }),
    }
}

#[test]
fn register_writes_the_documented_keys_and_unregister_removes_them() {
    let store = Store::open().unwrap();
    let clsid = fresh_clsid(1);
    let module = Path::new(r"C:\handlers\registry test.dll");
    store.register(&registration(clsid, module)).unwrap();

    let class = class_key(&clsid);
    let inproc = format!(r"{class}\InprocServer32");
    assert_eq!(
        reg_value(&class, "(Default)").as_deref(),
        Some("Registry test handler")
    );
    assert_eq!(
        reg_value(&inproc, "(Default)").as_deref(),
        Some(r"C:\handlers\registry test.dll")
    );
    assert_eq!(
        reg_value(&inproc, "ThreadingModel").as_deref(),
        Some("Apartment")
    );
    // Through Sync Manager where it exists, else recorded under our key (Wine).
    assert_eq!(store.sync_handler_flags(&clsid).unwrap(), Some(4));
    if key_exists(&handler_key(&clsid)) {
        assert_eq!(
            reg_value(&handler_key(&clsid), "Description").as_deref(),
            Some("Registry test")
        );
        assert_eq!(
            reg_value(&handler_key(&clsid), "Flags").as_deref(),
            Some("0x4")
        );
        assert!(store.handlers().unwrap().iter().any(|h| h.clsid == clsid));
    }
    let entry = store.handler(&clsid).unwrap().unwrap();
    assert_eq!(entry.name.as_deref(), Some("Registry test handler"));
    assert_eq!(entry.module_path.as_deref(), Some(module));
    assert_eq!(entry.threading_model, Some(ThreadingModel::Apartment));
    assert_eq!(entry.sync_mgr.map(|s| s.flags), Some(4));

    store.unregister(&registration(clsid, module)).unwrap();
    assert!(!key_exists(&class), "{class} is left");
    assert!(!key_exists(&handler_key(&clsid)));
    assert_eq!(store.handler(&clsid).unwrap(), None);
    assert_eq!(store.sync_handler_flags(&clsid).unwrap(), None);
}

#[test]
fn unregister_keeps_what_others_added() {
    let store = Store::open().unwrap();
    let clsid = fresh_clsid(2);
    let class = class_key(&clsid);
    assert!(reg(&["add", &class, "/v", "AppID", "/d", "{someone-else}", "/f"]).0);
    assert!(
        reg(&[
            "add",
            &format!(r"{class}\ProgID"),
            "/ve",
            "/d",
            "Other.1",
            "/f"
        ])
        .0
    );

    let module = Path::new(r"C:\handlers\x.dll");
    store.register(&registration(clsid, module)).unwrap();
    store.unregister(&registration(clsid, module)).unwrap();

    assert_eq!(
        reg_value(&class, "AppID").as_deref(),
        Some("{someone-else}")
    );
    assert_eq!(
        reg_value(&format!(r"{class}\ProgID"), "(Default)").as_deref(),
        Some("Other.1")
    );
    assert!(!key_exists(&format!(r"{class}\InprocServer32")));
    assert_eq!(reg_value(&class, "(Default)"), None);
    assert!(reg(&["delete", &class, "/f"]).0);
}

#[test]
fn a_class_registered_to_another_module_is_left_alone() {
    let store = Store::open().unwrap();
    let clsid = fresh_clsid(3);
    let old = Path::new(r"C:\old\x.dll");
    let new = Path::new(r"C:\new\x.dll");
    store.register(&registration(clsid, old)).unwrap();
    store.register(&registration(clsid, new)).unwrap();
    store.unregister(&registration(clsid, old)).unwrap();
    assert_eq!(
        reg_value(
            &format!(r"{}\InprocServer32", class_key(&clsid)),
            "(Default)"
        )
        .as_deref(),
        Some(r"C:\new\x.dll")
    );
    store.unregister(&registration(clsid, new)).unwrap();
    assert!(!key_exists(&class_key(&clsid)));
}

#[test]
fn the_module_path_defaults_to_this_executable() {
    let exe = std::env::current_exe().unwrap();
    let found = current_module_path().unwrap();
    assert!(
        found
            .to_string_lossy()
            .eq_ignore_ascii_case(&exe.to_string_lossy()),
        "{} vs {}",
        found.display(),
        exe.display()
    );
}

#[test]
fn register_sync_handler_api() {
    let store = Store::open().unwrap();
    let clsid = fresh_clsid(4);
    assert!(!store.unregister_sync_handler(&clsid).unwrap());
    store.register_sync_handler(&clsid, "Direct", 2).unwrap();
    assert_eq!(store.sync_handler_flags(&clsid).unwrap(), Some(2));
    assert!(store.unregister_sync_handler(&clsid).unwrap());
    assert_eq!(store.sync_handler_flags(&clsid).unwrap(), None);
}
