//! mobsync-host's COM objects for applications, called through their raw vtables as a C program
//! would: `ISyncMgrRegister` over a store, and `ISyncMgrSynchronizeInvoke` starting real syncs of
//! the folder-sync module. One test: it points `MOBSYNC_REGISTRY` at a temporary store.

mod common;

use std::fs;

use common::build::folder_sync_module;
use mobsync_host::objects::{Invoker, Registrar};
use mobsync_host::{Module, SyncOptions};
use mobsync_runtime::hresults::{E_INVALIDARG, E_POINTER, S_FALSE, S_OK};
use mobsync_runtime::registry::Store;
use mobsync_runtime::sys::{ISyncMgrRegister_Vtbl, ISyncMgrSynchronizeInvoke_Vtbl};
use mobsync_test_support::raw::vtbl;
use mobsync_test_support::wide;
use windows_core::{GUID, HRESULT};

const REGDB_E_CLASSNOTREG: HRESULT = HRESULT(0x8004_0154_u32 as i32);
const FOLDER_SYNC: GUID = GUID::from_u128(0x632306B6_690C_48C1_AB87_953A6833A855);

#[test]
fn register_and_invoke_objects_work_over_the_abi() {
    let tmp = tempfile::tempdir().unwrap();
    let store_path = tmp.path().join("registry.json");
    // SAFETY: the only test in this binary sets the variable before any thread reads it.
    unsafe { std::env::set_var("MOBSYNC_REGISTRY", &store_path) };
    // SAFETY: as for `set_var` just above: no other thread reads the environment yet.
    unsafe { std::env::remove_var("FOLDER_SYNC_COOKIE") };

    // ---- ISyncMgrRegister ----
    let registrar = Registrar::create(Store::at(&store_path));
    let this = registrar.as_raw();
    // SAFETY: `registrar` keeps the object alive until it is dropped below, after the last call;
    // slot 0 of the registrar is its ISyncMgrRegister.
    let vt = unsafe { vtbl::<ISyncMgrRegister_Vtbl>(this) };
    let clsid = GUID::from_u128(0x1234_5678_9abc_4def_8000_0000_0000_0001);
    let description = wide("Test description");
    let mut flags = 99u32;
    // SAFETY: `this` is the live registrar (see above); the CLSID and flags are locals, the
    // description is `description` (NUL-terminated), and the nulls are the refused arguments
    // under test, which the object must check before dereferencing.
    unsafe {
        assert_eq!(
            (vt.GetHandlerRegistrationInfo)(this, &clsid, &mut flags),
            S_FALSE
        );
        assert_eq!(flags, 0, "unregistered: no flags");
        assert_eq!(
            (vt.RegisterSyncMgrHandler)(this, &clsid, description.as_ptr(), 0x4),
            S_OK
        );
        assert_eq!(
            (vt.GetHandlerRegistrationInfo)(this, &clsid, &mut flags),
            S_OK
        );
        assert_eq!(flags, 0x4);
        assert_eq!(
            (vt.RegisterSyncMgrHandler)(this, &clsid, description.as_ptr(), 0x80),
            E_INVALIDARG
        );
        assert_eq!(
            (vt.RegisterSyncMgrHandler)(this, std::ptr::null(), description.as_ptr(), 0),
            E_POINTER
        );
        assert_eq!(
            (vt.GetHandlerRegistrationInfo)(this, &clsid, std::ptr::null_mut()),
            E_POINTER
        );
    }
    let entry = Store::at(&store_path)
        .handler(&clsid)
        .unwrap()
        .expect("registered in the store");
    assert_eq!(entry.sync_mgr.unwrap().description, "Test description");
    // SAFETY: `this` is still the live registrar; the CLSID and flags are locals.
    unsafe {
        assert_eq!((vt.UnregisterSyncMgrHandler)(this, &clsid, 0), S_OK);
        assert_eq!(
            (vt.UnregisterSyncMgrHandler)(this, &clsid, 0),
            REGDB_E_CLASSNOTREG
        );
        assert_eq!(
            (vt.GetHandlerRegistrationInfo)(this, &clsid, &mut flags),
            S_FALSE
        );
    }
    drop(registrar);

    // ---- ISyncMgrSynchronizeInvoke with the real folder-sync module ----
    let module = Module::load(&folder_sync_module()).unwrap();
    assert_eq!(
        module.register_server().unwrap(),
        S_OK,
        "DllRegisterServer into the temporary store"
    );
    let source = tmp.path().join("source");
    fs::create_dir_all(source.join("Docs")).unwrap();
    fs::write(source.join("Docs/note.txt"), b"invoked").unwrap();
    let cookie = format!(
        "source={};dest={}",
        source.display(),
        tmp.path().join("dest").display()
    );

    let invoker = Invoker::create(SyncOptions::default(), None);
    let this = invoker.as_raw();
    // SAFETY: `invoker` keeps the object alive to the end of the test; slot 0 of the invoker is
    // its ISyncMgrSynchronizeInvoke.
    let vt = unsafe { vtbl::<ISyncMgrSynchronizeInvoke_Vtbl>(this) };
    let unknown = GUID::from_u128(7);
    // SAFETY: `this` is the live invoker (see above); the CLSIDs are locals and the cookie is
    // `cookie`'s bytes with their length, or null with a length of 0 or of 5 (refused before
    // any read).
    unsafe {
        assert_eq!(
            (vt.UpdateItems)(this, 0x2, &unknown, 0, std::ptr::null()),
            REGDB_E_CLASSNOTREG
        );
        assert_eq!(
            (vt.UpdateItems)(this, 0x2, &FOLDER_SYNC, 5, std::ptr::null()),
            E_INVALIDARG,
            "count without buffer"
        );
        assert_eq!(
            (vt.UpdateItems)(
                this,
                0x2,
                &FOLDER_SYNC,
                cookie.len() as u32,
                cookie.as_ptr()
            ),
            S_OK
        );
    }
    let reports = invoker.wait();
    assert_eq!(reports.len(), 1);
    let handler = &reports[0].handlers[0];
    assert!(reports[0].succeeded(), "{handler:#?}");
    assert_eq!(handler.items[0].name, "Docs");
    assert_eq!(
        fs::read(tmp.path().join("dest/Docs/note.txt")).unwrap(),
        b"invoked"
    );

    // UpdateAll: every registered handler; without a cookie folder-sync declines the event.
    // SAFETY: `this` is the live invoker; UpdateAll takes nothing else.
    assert_eq!(unsafe { (vt.UpdateAll)(this) }, S_OK);
    let reports = invoker.wait();
    assert_eq!(reports[0].handlers.len(), 1);
    assert_eq!(
        reports[0].handlers[0].outcome,
        mobsync_host::model::HandlerOutcome::Declined
    );

    // A store another user could write is not read: both calls refuse it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |m| fs::set_permissions(&store_path, fs::Permissions::from_mode(m)).unwrap();
        mode(0o666);
        // SAFETY: `this` is the live invoker; the CLSID is a local and the cookie null with 0.
        let answers = unsafe {
            [
                (vt.UpdateItems)(this, 0x2, &FOLDER_SYNC, 0, std::ptr::null()),
                (vt.UpdateAll)(this),
            ]
        };
        assert_eq!(
            answers,
            [mobsync_host::trust::TRUST_E_SUBJECT_NOT_TRUSTED; 2]
        );
        assert!(invoker.wait().is_empty(), "nothing was started");
        mode(0o644);
    }

    assert_eq!(module.unregister_server().unwrap(), S_OK);
}
