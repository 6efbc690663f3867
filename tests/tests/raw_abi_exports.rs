//! The DLL exports of `export_handlers!` and the class factories, called as a COM client would:
//! `DllGetClassObject`, `IClassFactory::CreateInstance`/`LockServer`, `DllCanUnloadNow`,
//! `DllRegisterServer`/`DllUnregisterServer` (against a temporary portable registry store).
//!
//! One test function: the module-wide object and lock counts are process-wide.

mod raw_abi_support;

use std::ffi::c_void;
use std::ptr;

use mobsync_runtime::factory::IClassFactory_Vtbl;
use mobsync_runtime::hresults::*;
use mobsync_runtime::registry::{Store, ThreadingModel};
use mobsync_runtime::sys::*;
use mobsync_runtime::{Class, module};
use raw_abi_support::*;
use windows_core::{GUID, HRESULT};

mobsync_runtime::export_handlers!(TestHandler, MinimalHandler);

// The exports, bound by symbol name as a COM client binds them (they live in an anonymous
// `const _` block and cannot be named from Rust).
unsafe extern "system" {
    fn DllGetClassObject(rclsid: *const GUID, riid: *const GUID, ppv: *mut *mut c_void) -> HRESULT;
    fn DllCanUnloadNow() -> HRESULT;
    fn DllRegisterServer() -> HRESULT;
    fn DllUnregisterServer() -> HRESULT;
}

#[test]
fn exports_factories_counts_and_registration() {
    // SAFETY: DllCanUnloadNow takes no arguments and only reads the module's counts.
    assert_eq!(unsafe { DllCanUnloadNow() }, S_OK, "nothing alive yet");
    // SAFETY: the exports are the ones `export_handlers!` generated in this binary. Every CLSID,
    // IID and out pointer passed is a constant or a local, or a null under test that the callee
    // must refuse before dereferencing it (`outer` is a live object, used only to be refused).
    // Each interface pointer used was just handed out with S_OK and one reference, which the
    // test holds until the `release` that gives it up; nothing is used after its last release.
    unsafe {
        // DllGetClassObject checks its pointers and the CLSID.
        let mut out = 0x10 as *mut c_void;
        assert_eq!(
            DllGetClassObject(&TestHandler::CLSID, &IID_ICLASSFACTORY, ptr::null_mut()),
            E_POINTER
        );
        assert_eq!(
            DllGetClassObject(ptr::null(), &IID_ICLASSFACTORY, &mut out),
            E_POINTER
        );
        assert!(out.is_null());
        out = 0x10 as *mut c_void;
        assert_eq!(
            DllGetClassObject(&IID_UNRELATED, &IID_ICLASSFACTORY, &mut out),
            CLASS_E_CLASSNOTAVAILABLE
        );
        assert!(out.is_null());
        assert_eq!(
            DllGetClassObject(&TestHandler::CLSID, &IID_ISyncMgrSynchronize, &mut out),
            E_NOINTERFACE
        );
        assert!(out.is_null());
        assert_eq!(DllCanUnloadNow(), S_OK, "a refused factory is gone");

        // Each class has its own factory.
        let mut factory = ptr::null_mut();
        assert_eq!(
            DllGetClassObject(&TestHandler::CLSID, &IID_ICLASSFACTORY, &mut factory),
            S_OK
        );
        let mut minimal_factory = ptr::null_mut();
        assert_eq!(
            DllGetClassObject(&MinimalHandler::CLSID, &IID_IUNKNOWN, &mut minimal_factory),
            S_OK
        );
        assert_ne!(factory, minimal_factory);
        assert_eq!(DllCanUnloadNow(), S_FALSE, "factories are alive");
        assert_eq!(module::object_count(), 2);

        // CreateInstance: null out pointer, aggregation, unknown IID, success.
        let f = vtbl::<IClassFactory_Vtbl>(factory);
        assert_eq!(
            (f.CreateInstance)(
                factory,
                ptr::null_mut(),
                &IID_ISyncMgrSynchronize,
                ptr::null_mut()
            ),
            E_POINTER
        );
        let mut object = 0x10 as *mut c_void;
        let outer = minimal_factory; // any non-null IUnknown
        assert_eq!(
            (f.CreateInstance)(factory, outer, &IID_IUNKNOWN, &mut object),
            CLASS_E_NOAGGREGATION
        );
        assert!(object.is_null());
        assert_eq!(
            (f.CreateInstance)(factory, ptr::null_mut(), ptr::null(), &mut object),
            E_POINTER
        );
        assert_eq!(
            (f.CreateInstance)(
                factory,
                ptr::null_mut(),
                &IID_ISyncMgrSynchronizeCallback,
                &mut object
            ),
            E_NOINTERFACE
        );
        assert!(object.is_null());
        assert_eq!(
            module::object_count(),
            2,
            "the refused object was destroyed"
        );
        assert_eq!(
            (f.CreateInstance)(
                factory,
                ptr::null_mut(),
                &IID_ISyncMgrEnumItems,
                &mut object
            ),
            S_OK
        );
        assert!(!object.is_null());
        // A created handler works through its vtable.
        let (hr, sync) = query(object, &IID_ISyncMgrSynchronize);
        assert_eq!(hr, S_OK);
        assert_eq!(
            (vtbl::<ISyncMgrSynchronize_Vtbl>(sync).Initialize)(sync, 0, 0, 0, ptr::null()),
            S_OK
        );
        release(sync);

        // The factories go; the object keeps the module loaded.
        assert_eq!(release(factory), 0);
        assert_eq!(release(minimal_factory), 0);
        assert_eq!(DllCanUnloadNow(), S_FALSE);
        assert_eq!(release(object), 0);
        assert_eq!(DllCanUnloadNow(), S_OK);

        // LockServer keeps the module loaded without objects... (the factory itself counts, so
        // lock, release the factory, then check).
        let mut factory = ptr::null_mut();
        assert_eq!(
            DllGetClassObject(&MinimalHandler::CLSID, &IID_ICLASSFACTORY, &mut factory),
            S_OK
        );
        let f = vtbl::<IClassFactory_Vtbl>(factory);
        assert_eq!((f.LockServer)(factory, 1), S_OK);
        assert_eq!((f.LockServer)(factory, 1), S_OK);
        release(factory);
        assert_eq!(module::lock_count(), 2);
        assert_eq!(DllCanUnloadNow(), S_FALSE);
        let mut factory = ptr::null_mut();
        assert_eq!(
            DllGetClassObject(&MinimalHandler::CLSID, &IID_ICLASSFACTORY, &mut factory),
            S_OK
        );
        let f = vtbl::<IClassFactory_Vtbl>(factory);
        assert_eq!((f.LockServer)(factory, 0), S_OK);
        assert_eq!((f.LockServer)(factory, 0), S_OK);
        // An unlock without a lock is refused and does not wrap.
        assert_eq!((f.LockServer)(factory, 0), E_UNEXPECTED);
        assert_eq!(module::lock_count(), 0);
        assert_eq!((f.LockServer)(ptr::null_mut(), 1), E_POINTER);
        release(factory);
        assert_eq!(DllCanUnloadNow(), S_OK);
    }

    // Registration, into a temporary portable store.
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("registry.json");
    // SAFETY: this binary has one test and it starts no threads, so nothing reads the
    // environment concurrently.
    unsafe { std::env::set_var("MOBSYNC_REGISTRY", &store_path) };
    // SAFETY: DllRegisterServer takes no arguments; it writes the store named just above.
    assert_eq!(unsafe { DllRegisterServer() }, S_OK);
    let store = Store::at(&store_path);
    let entry = store
        .handler(&TestHandler::CLSID)
        .unwrap()
        .expect("registered");
    assert_eq!(entry.name.as_deref(), Some(TestHandler::NAME));
    assert_eq!(entry.threading_model, Some(ThreadingModel::Both));
    let module = entry.module_path.expect("module path");
    assert_eq!(
        module.canonicalize().unwrap(),
        std::env::current_exe().unwrap().canonicalize().unwrap()
    );
    assert_eq!(
        entry
            .sync_mgr
            .expect("registered with Sync Manager")
            .description,
        TestHandler::NAME
    );
    let minimal = store
        .handler(&MinimalHandler::CLSID)
        .unwrap()
        .expect("registered");
    assert_eq!(minimal.threading_model, Some(ThreadingModel::Free));
    // SAFETY: DllUnregisterServer takes no arguments; it edits the same store.
    assert_eq!(unsafe { DllUnregisterServer() }, S_OK);
    assert!(store.handler(&TestHandler::CLSID).unwrap().is_none());
    assert!(store.handler(&MinimalHandler::CLSID).unwrap().is_none());
}
