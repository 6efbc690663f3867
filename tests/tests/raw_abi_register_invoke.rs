//! `ISyncMgrRegister` and `ISyncMgrSynchronizeInvoke` implemented with `#[derive(ComObject)]` on
//! one object, every slot through the vtable with valid and invalid arguments.

mod raw_abi_support;

use std::collections::HashMap;
use std::ptr;
use std::sync::Mutex;

use mobsync_runtime::hresults::*;
use mobsync_runtime::sys::*;
use mobsync_runtime::{
    ComObject, GetHandlerRegistrationInfoOutcome, SyncMgrRegister, SyncMgrSynchronizeInvoke, WStr,
};
use raw_abi_support::*;
use windows_core::{GUID, IUnknown};

/// A Sync Manager stand-in: registrations in memory, invocations recorded.
#[derive(Default, mobsync_runtime::ComObject)]
#[com_object(interfaces(ISyncMgrRegister, ISyncMgrSynchronizeInvoke))]
struct Manager {
    registered: Mutex<HashMap<u128, (Option<String>, u32)>>,
    invoked: Mutex<Vec<(u32, GUID, Vec<u8>)>>,
}

impl SyncMgrRegister for Manager {
    fn register_sync_mgr_handler(
        &self,
        clsid: &GUID,
        description: Option<&WStr>,
        flags: u32,
    ) -> windows_core::Result<()> {
        let description = description.map(WStr::to_string_lossy);
        self.registered
            .lock()
            .unwrap()
            .insert(clsid.to_u128(), (description, flags));
        Ok(())
    }
    fn unregister_sync_mgr_handler(&self, clsid: &GUID, reserved: u32) -> windows_core::Result<()> {
        if reserved != 0 {
            return Err(E_INVALIDARG.into());
        }
        self.registered.lock().unwrap().remove(&clsid.to_u128());
        Ok(())
    }
    fn get_handler_registration_info(
        &self,
        clsid: &GUID,
        flags: &mut u32,
    ) -> windows_core::Result<GetHandlerRegistrationInfoOutcome> {
        Ok(
            match self.registered.lock().unwrap().get(&clsid.to_u128()) {
                Some((_, registered)) => {
                    *flags = *registered;
                    GetHandlerRegistrationInfoOutcome::S_OK
                }
                None => GetHandlerRegistrationInfoOutcome::S_FALSE,
            },
        )
    }
}

impl SyncMgrSynchronizeInvoke for Manager {
    fn update_items(&self, flags: u32, clsid: &GUID, cookie: &[u8]) -> windows_core::Result<()> {
        self.invoked
            .lock()
            .unwrap()
            .push((flags, *clsid, cookie.to_vec()));
        Ok(())
    }
    fn update_all(&self) -> windows_core::Result<()> {
        self.invoked
            .lock()
            .unwrap()
            .push((0, GUID::zeroed(), Vec::new()));
        Ok(())
    }
}

const HANDLER: GUID = GUID::from_u128(0x632306b6_690c_48c1_ab87_953a6833a855);

#[test]
fn register_unregister_and_query_registration() {
    let object = ComObject::new(Manager::default());
    let register = ComRef::new(object.cast::<ISyncMgrRegister>().unwrap());
    let description = wide("Folder Sync");
    let v = register.vtbl();
    // SAFETY: `register` holds a reference, so `reg` is the live object; the CLSIDs are
    // constants or the refused nulls, the description is `description` (NUL-terminated) or the
    // allowed null, and the flags out pointer a local or the refused null.
    unsafe {
        let reg = register.as_raw();
        let flags = SYNCMGRREGISTERFLAG_CONNECT.0 as u32 | SYNCMGRREGISTERFLAG_IDLE.0 as u32;
        assert_eq!(
            (v.RegisterSyncMgrHandler)(reg, ptr::null(), description.as_ptr(), flags),
            E_POINTER
        );
        assert_eq!(
            (v.RegisterSyncMgrHandler)(reg, &HANDLER, description.as_ptr(), flags),
            S_OK
        );
        let mut out = 0;
        assert_eq!(
            (v.GetHandlerRegistrationInfo)(reg, &HANDLER, ptr::null_mut()),
            E_POINTER
        );
        assert_eq!(
            (v.GetHandlerRegistrationInfo)(reg, ptr::null(), &mut out),
            E_POINTER
        );
        assert_eq!(
            (v.GetHandlerRegistrationInfo)(reg, &HANDLER, &mut out),
            S_OK
        );
        assert_eq!(out, flags);
        // A null description is allowed ([unique]).
        assert_eq!(
            (v.RegisterSyncMgrHandler)(reg, &ITEM_A, ptr::null(), 0),
            S_OK
        );
        assert_eq!(
            object.registered.lock().unwrap()[&ITEM_A.to_u128()],
            (None, 0)
        );
        assert_eq!(
            object.registered.lock().unwrap()[&HANDLER.to_u128()],
            (Some("Folder Sync".into()), flags)
        );
        assert_eq!((v.UnregisterSyncMgrHandler)(reg, ptr::null(), 0), E_POINTER);
        assert_eq!((v.UnregisterSyncMgrHandler)(reg, &HANDLER, 1), E_INVALIDARG);
        assert_eq!((v.UnregisterSyncMgrHandler)(reg, &HANDLER, 0), S_OK);
        // Not registered: S_FALSE, the in/out value untouched by the handler.
        out = 0x55;
        assert_eq!(
            (v.GetHandlerRegistrationInfo)(reg, &HANDLER, &mut out),
            S_FALSE
        );
        assert_eq!(out, 0x55);
    }
    register.release();
}

#[test]
fn invoke_checks_the_cookie_and_the_clsid() {
    let object = ComObject::new(Manager::default());
    let invoker = ComRef::new(object.cast::<ISyncMgrSynchronizeInvoke>().unwrap());
    let v = invoker.vtbl();
    // SAFETY: `invoker` holds a reference, so `invoke` is the live object; the CLSID is a
    // constant or the refused null, and each cookie is a byte string of the length passed with
    // it, or null with a length of 4 (refused before any read) or 0.
    unsafe {
        let invoke = invoker.as_raw();
        let start = SYNCMGRINVOKE_STARTSYNC.0 as u32;
        let cookie = b"source=/a";
        assert_eq!(
            (v.UpdateItems)(invoke, start, ptr::null(), 0, ptr::null()),
            E_POINTER
        );
        assert_eq!(
            (v.UpdateItems)(invoke, start, &HANDLER, 4, ptr::null()),
            E_INVALIDARG
        );
        assert_eq!(
            (v.UpdateItems)(
                invoke,
                start,
                &HANDLER,
                cookie.len() as u32,
                cookie.as_ptr()
            ),
            S_OK
        );
        assert_eq!((v.UpdateItems)(invoke, 0, &HANDLER, 0, ptr::null()), S_OK);
        assert_eq!((v.UpdateAll)(invoke), S_OK);
    }
    // Both interfaces belong to one object (`cast` asserts S_OK with an interface).
    let reg = invoker.cast::<ISyncMgrRegister>().unwrap();
    let a = reg.cast::<IUnknown>().unwrap();
    let b = invoker.cast::<IUnknown>().unwrap();
    assert_eq!(a, b);
    reg.release();
    a.release();
    b.release();
    invoker.release();
    let invoked = object.invoked.lock().unwrap();
    assert_eq!(invoked.len(), 3);
    assert_eq!(
        invoked[0],
        (SYNCMGRINVOKE_STARTSYNC.0 as u32, HANDLER, cookie_vec())
    );
    assert_eq!(invoked[1].2, Vec::<u8>::new());
}

fn cookie_vec() -> Vec<u8> {
    b"source=/a".to_vec()
}
