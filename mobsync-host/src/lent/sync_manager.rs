//! The `ISyncMgrSynchronizeCallback` the host lends a Sync Manager handler (see [`crate::lent`]),
//! in front of the host's own callback object ([`HostCallback`]), with the contract checks of
//! its nine methods.

use std::ffi::c_void;
use std::sync::Arc;

use mobsync_runtime::sys::{
    IID_ISyncMgrSynchronizeCallback, ISyncMgrSynchronizeCallback, ISyncMgrSynchronizeCallback_Vtbl,
    LPSYNCMGRLOGERRORINFO, LPSYNCMGRPROGRESSITEM, REFSYNCMGRERRORID, REFSYNCMGRITEMID,
    SYNCMGRITEMID, SYNCMGRPROGRESSITEM_STATUSTEXT,
};
use mobsync_runtime::{ComObject, abi};
use windows_core::{HRESULT, Interface};

use super::{Lent, forward, no_contract, pointer_fault, refused};
use crate::callback::HostCallback;
use crate::raw::ComRef;

/// Lends the host's callback object `callback`; contract breaks go to its run's problems.
pub(crate) fn lend(callback: ComObject<HostCallback>) -> Lent {
    let interface = callback
        .cast::<ISyncMgrSynchronizeCallback>()
        .expect("the host's callback object implements ISyncMgrSynchronizeCallback");
    // SAFETY: `into_raw` hands over the reference `cast` added.
    let interface = unsafe { ComRef::from_raw(interface.into_raw()) }
        .expect("an interface value is never null");
    let shared = Arc::clone(callback.get().shared());
    Lent::new(
        &VTBL,
        IID_ISyncMgrSynchronizeCallback,
        "ISyncMgrSynchronizeCallback",
        interface,
        Arc::new(move |text| shared.problem_while_running(text)),
    )
}

/// The callee's vtable, for the forwarding shims.
///
/// # Safety
///
/// `target` is the `ISyncMgrSynchronizeCallback` slot of a live object.
unsafe fn vt<'a>(target: *mut c_void) -> &'a ISyncMgrSynchronizeCallback_Vtbl {
    // SAFETY: forwarded contract.
    unsafe { super::vt(target) }
}

/// What is wrong with an `[in]` structure that starts with `cbSize`, as the runtime will see it.
///
/// # Safety
///
/// As for `mobsync_runtime::abi::in_sized_struct_opt`: a non-null `ptr` points to a readable
/// `u32`, and to a whole `S` when that `u32` is `size_of::<S>()`.
unsafe fn sized_struct_fault<S>(ptr: *const S, name: &str) -> Option<String> {
    // SAFETY: forwarded contract.
    match unsafe { abi::in_sized_struct_opt(ptr) } {
        Ok(_) => None,
        Err(_) if !ptr.is_aligned() => Some(format!("a misaligned {name} pointer")),
        Err(_) => {
            // SAFETY: non-null (in_sized_struct_opt accepts null) and aligned, so its first
            // field, a u32, is readable per the contract.
            let size = unsafe { ptr.cast::<u32>().read() };
            Some(format!(
                "a {name} whose cbSize is {size} (expected {})",
                size_of::<S>()
            ))
        }
    }
}

unsafe extern "system" fn show_properties_completed(this: *mut c_void, hr: HRESULT) -> HRESULT {
    // SAFETY: as in `query_interface`; `forward` passes the live target's slot, and the
    // arguments go through unchanged (the target checks them). The same for every shim below.
    unsafe {
        forward(this, no_contract, |t| {
            (vt(t).ShowPropertiesCompleted)(t, hr)
        })
    }
}

unsafe extern "system" fn prepare_for_sync_completed(this: *mut c_void, hr: HRESULT) -> HRESULT {
    // SAFETY: see `show_properties_completed`.
    unsafe {
        forward(this, no_contract, |t| {
            (vt(t).PrepareForSyncCompleted)(t, hr)
        })
    }
}

unsafe extern "system" fn synchronize_completed(this: *mut c_void, hr: HRESULT) -> HRESULT {
    // SAFETY: see `show_properties_completed`.
    unsafe { forward(this, no_contract, |t| (vt(t).SynchronizeCompleted)(t, hr)) }
}

unsafe extern "system" fn show_error_completed(
    this: *mut c_void,
    hr: HRESULT,
    count: u32,
    items: *mut SYNCMGRITEMID,
) -> HRESULT {
    let contract = || {
        // SAFETY: checks the pointer and count only; nothing is read.
        let array = unsafe { abi::in_slice(items.cast_const(), count) };
        array.err().map(|_| {
            if items.is_null() {
                format!("ShowErrorCompleted refused: {count} item IDs with a null array")
            } else {
                "ShowErrorCompleted refused: a misaligned item ID array".to_owned()
            }
        })
    };
    // SAFETY: see `show_properties_completed`.
    unsafe {
        forward(this, contract, |t| {
            (vt(t).ShowErrorCompleted)(t, hr, count, items)
        })
    }
}

unsafe extern "system" fn enable_modeless(this: *mut c_void, enable: i32) -> HRESULT {
    // SAFETY: see `show_properties_completed`.
    unsafe { forward(this, no_contract, |t| (vt(t).EnableModeless)(t, enable)) }
}

unsafe extern "system" fn progress(
    this: *mut c_void,
    item: REFSYNCMGRITEMID,
    update: LPSYNCMGRPROGRESSITEM,
) -> HRESULT {
    let contract = || {
        // SAFETY: the handler passes a readable structure behind a non-null `update`, as the
        // runtime's shim assumes too; only its `cbSize` is read unless it is right.
        let structure = unsafe { sized_struct_fault(update.cast_const(), "SYNCMGRPROGRESSITEM") };
        let fault = refused("Progress", [pointer_fault(item, "item ID"), structure]);
        if fault.is_some() || update.is_null() {
            return fault;
        }
        // SAFETY: checked above: non-null, aligned and of the right size.
        let update = unsafe { &*update };
        (update.mask & SYNCMGRPROGRESSITEM_STATUSTEXT != 0 && update.lpcStatusText.is_null()).then(
            || {
                "Progress: SYNCMGRPROGRESSITEM_STATUSTEXT is set with a null lpcStatusText (read \
                 as no text)"
                    .to_owned()
            },
        )
    };
    // SAFETY: see `show_properties_completed`.
    unsafe { forward(this, contract, |t| (vt(t).Progress)(t, item, update)) }
}

unsafe extern "system" fn log_error(
    this: *mut c_void,
    level: u32,
    text: *const u16,
    info: LPSYNCMGRLOGERRORINFO,
) -> HRESULT {
    let contract = || {
        // SAFETY: the handler passes a readable structure behind a non-null `info`, as the
        // runtime's shim assumes too; only its `cbSize` is read unless it is right.
        let structure = unsafe { sized_struct_fault(info.cast_const(), "SYNCMGRLOGERRORINFO") };
        refused("LogError", [pointer_fault(text, "error text"), structure])
    };
    // SAFETY: see `show_properties_completed`.
    unsafe { forward(this, contract, |t| (vt(t).LogError)(t, level, text, info)) }
}

unsafe extern "system" fn delete_log_error(
    this: *mut c_void,
    error_id: REFSYNCMGRERRORID,
    reserved: u32,
) -> HRESULT {
    let contract = || {
        let null = error_id.is_null().then(|| "a null error ID".to_owned());
        refused("DeleteLogError", [null])
    };
    // SAFETY: see `show_properties_completed`.
    unsafe {
        forward(this, contract, |t| {
            (vt(t).DeleteLogError)(t, error_id, reserved)
        })
    }
}

unsafe extern "system" fn establish_connection(
    this: *mut c_void,
    connection: *const u16,
    reserved: u32,
) -> HRESULT {
    let contract = || {
        let misaligned = !connection.is_null() && !connection.is_aligned();
        let fault = misaligned.then(|| "a misaligned connection name".to_owned());
        refused("EstablishConnection", [fault])
    };
    // SAFETY: see `show_properties_completed`.
    unsafe {
        forward(this, contract, |t| {
            (vt(t).EstablishConnection)(t, connection, reserved)
        })
    }
}

static VTBL: ISyncMgrSynchronizeCallback_Vtbl = ISyncMgrSynchronizeCallback_Vtbl {
    base__: super::UNKNOWN,
    ShowPropertiesCompleted: show_properties_completed,
    PrepareForSyncCompleted: prepare_for_sync_completed,
    SynchronizeCompleted: synchronize_completed,
    ShowErrorCompleted: show_error_completed,
    EnableModeless: enable_modeless,
    Progress: progress,
    LogError: log_error,
    DeleteLogError: delete_log_error,
    EstablishConnection: establish_connection,
};

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use mobsync_runtime::sys::{SYNCMGRPROGRESSITEM, SYNCMGRPROGRESSITEM_STATUSTYPE};

    use super::*;
    use crate::events::NoEvents;
    use crate::hresult::{E_INVALIDARG, E_NOINTERFACE, E_POINTER, S_OK};
    use crate::lent::{RPC_E_DISCONNECTED, Returned};
    use crate::state::{Completion, Shared};
    use windows_core::{GUID, IUnknown, IUnknown_Vtbl};

    const ITEM: GUID = GUID::from_u128(0x11);

    fn lent() -> (Lent, Arc<Shared>) {
        let shared = Shared::new(0, GUID::from_u128(1), Arc::new(NoEvents));
        let object = HostCallback::create(Arc::clone(&shared));
        (lend(object), shared)
    }

    /// The IUnknown slots of the lent object.
    fn unknown(raw: *mut c_void) -> &'static IUnknown_Vtbl {
        // SAFETY: `raw` is a lent object, never freed, whose vtable begins with IUnknown's.
        unsafe { &**raw.cast::<*const IUnknown_Vtbl>() }
    }

    #[test]
    fn over_releases_are_counted_and_never_free_anything() {
        let (lent, shared) = lent();
        let raw = lent.as_raw();
        let v = unknown(raw);
        // SAFETY: `raw` is live for the whole test (lent objects are never freed); AddRef and
        // Release take only `this`, and the extra Releases are the over-releases under test.
        unsafe {
            assert_eq!((v.AddRef)(raw), 2);
            assert_eq!((v.Release)(raw), 1);
            assert_eq!((v.Release)(raw), 1, "the host's reference is the floor");
            assert_eq!((v.Release)(raw), 1);
        }
        shared.expect(Completion::Synchronize);
        // SAFETY: the lent object is still connected and live; the completion takes an HRESULT.
        let hr = unsafe { (VTBL.SynchronizeCompleted)(raw, S_OK) };
        assert_eq!(hr, S_OK, "the object still works after the over-releases");
        assert_eq!(lent.disconnect(), Returned { over_releases: 2 });
    }

    #[test]
    fn query_interface_gives_the_lent_object_itself() {
        let (lent, _shared) = lent();
        let raw = lent.as_raw();
        let v = unknown(raw);
        for iid in [IUnknown::IID, IID_ISyncMgrSynchronizeCallback] {
            let mut out = std::ptr::null_mut();
            // SAFETY: `raw` is live; `iid` and `out` are valid for the call.
            assert_eq!(unsafe { (v.QueryInterface)(raw, &iid, &mut out) }, S_OK);
            assert_eq!(out, raw);
            // SAFETY: gives back the reference QueryInterface added.
            unsafe { (v.Release)(raw) };
        }
        let mut out: *mut c_void = std::ptr::without_provenance_mut(0xdead_beef);
        let other = GUID::from_u128(0x1234);
        // SAFETY: as above.
        let hr = unsafe { (v.QueryInterface)(raw, &other, &mut out) };
        assert_eq!((hr, out), (E_NOINTERFACE, std::ptr::null_mut()));
        // SAFETY: null `ppv` and `iid` are checked before anything is read or written.
        unsafe {
            assert_eq!(
                (v.QueryInterface)(raw, &other, std::ptr::null_mut()),
                E_POINTER
            );
            assert_eq!(
                (v.QueryInterface)(raw, std::ptr::null(), &mut out),
                E_POINTER
            );
        }
        assert_eq!(lent.disconnect(), Returned { over_releases: 0 });
    }

    #[test]
    fn contract_breaks_the_runtime_refuses_are_reported_with_its_answer() {
        let (lent, shared) = lent();
        let raw = lent.as_raw();
        shared.set_items(
            vec![crate::model::ItemReport::new(ITEM, "a".into(), 0, true)],
            false,
        );
        let mut update = SYNCMGRPROGRESSITEM {
            cbSize: 3,
            mask: SYNCMGRPROGRESSITEM_STATUSTYPE,
            lpcStatusText: std::ptr::null(),
            dwStatusType: 2,
            iProgValue: 0,
            iMaxValue: 0,
        };
        let text = [u16::from(b'e'), 0];
        // SAFETY: the lent object is live; every pointer is a local, a NUL-terminated text or a
        // null the runtime refuses without reading.
        let answers = unsafe {
            let bad_size = (VTBL.Progress)(raw, &ITEM, &mut update);
            let null_item = (VTBL.Progress)(raw, std::ptr::null(), std::ptr::null_mut());
            update.cbSize = size_of::<SYNCMGRPROGRESSITEM>() as u32;
            update.mask |= SYNCMGRPROGRESSITEM_STATUSTEXT;
            let null_text = (VTBL.Progress)(raw, &ITEM, &mut update);
            [
                bad_size,
                null_item,
                null_text,
                (VTBL.LogError)(raw, 3, std::ptr::null(), std::ptr::null_mut()),
                (VTBL.ShowErrorCompleted)(raw, S_OK, 2, std::ptr::null_mut()),
                (VTBL.DeleteLogError)(raw, std::ptr::null(), 0),
                (VTBL.LogError)(raw, 3, text.as_ptr(), std::ptr::null_mut()),
            ]
        };
        assert_eq!(
            answers,
            [
                E_INVALIDARG,
                E_POINTER,
                S_OK,
                E_POINTER,
                E_INVALIDARG,
                E_POINTER,
                S_OK
            ]
        );
        let expected = [
            format!(
                "Progress refused: a SYNCMGRPROGRESSITEM whose cbSize is 3 (expected {})",
                size_of::<SYNCMGRPROGRESSITEM>()
            ),
            "Progress refused: a null item ID".into(),
            "Progress: SYNCMGRPROGRESSITEM_STATUSTEXT is set with a null lpcStatusText (read as \
             no text)"
                .into(),
            "LogError refused: a null error text".into(),
            "ShowErrorCompleted refused: 2 item IDs with a null array".into(),
            "DeleteLogError refused: a null error ID".into(),
        ];
        assert_eq!(shared.snapshot().problems, expected);
        lent.disconnect();
    }

    #[test]
    fn calls_after_the_disconnect_get_rpc_e_disconnected() {
        let (lent, shared) = lent();
        let raw = lent.as_raw();
        let v = unknown(raw);
        // SAFETY: the handler's reference, kept past the disconnect as a late caller would.
        unsafe { (v.AddRef)(raw) };
        shared.set_items(
            vec![crate::model::ItemReport::new(ITEM, "a".into(), 0, true)],
            false,
        );
        let mut update = SYNCMGRPROGRESSITEM {
            cbSize: size_of::<SYNCMGRPROGRESSITEM>() as u32,
            mask: SYNCMGRPROGRESSITEM_STATUSTYPE,
            lpcStatusText: std::ptr::null(),
            dwStatusType: 2,
            iProgValue: 0,
            iMaxValue: 0,
        };
        assert_eq!(lent.disconnect(), Returned { over_releases: 0 });
        // SAFETY: the lent object outlives the disconnect; the arguments are valid locals.
        unsafe {
            assert_eq!((VTBL.Progress)(raw, &ITEM, &mut update), RPC_E_DISCONNECTED);
            assert_eq!((VTBL.SynchronizeCompleted)(raw, S_OK), RPC_E_DISCONNECTED);
            assert_eq!(
                (VTBL.Progress)(std::ptr::null_mut(), &ITEM, &mut update),
                E_POINTER
            );
            assert_eq!((v.Release)(raw), 1);
            assert_eq!(
                (v.Release)(raw),
                1,
                "an over-release after the run is refused too"
            );
        }
    }
}
