//! Every slot of `ISyncMgrSynchronize`, through the vtable's function pointers, with valid and
//! invalid arguments.

mod raw_abi_support;

use std::ffi::c_void;
use std::mem::size_of;
use std::ptr;

use mobsync_runtime::hresults::*;
use mobsync_runtime::sys::*;
use mobsync_runtime::{ComObject, ProgressOutcome, ProgressResponse};
use raw_abi_support::*;
use windows_core::{GUID, HRESULT};

/// A handler object: the Rust handle (for assertions only) and its ISyncMgrSynchronize.
fn handler(drops: &DropCounter) -> (ComObject<TestHandler>, ComRef<ISyncMgrSynchronize_Vtbl>) {
    let object = ComObject::new(TestHandler::new(drops.clone()));
    let sync = ComRef::new(object.cast::<ISyncMgrSynchronize>().unwrap());
    (object, sync)
}

#[test]
fn initialize_passes_the_cookie_and_every_success_code() {
    capture();
    let drops = DropCounter::default();
    let (object, sync) = handler(&drops);
    let init = sync.vtbl().Initialize;
    // SAFETY: `sync` holds a reference, so `this` is the live handler. Each cookie pointer is a
    // byte string literal at least as long as the length passed with it, or null with length 0
    // (an empty cookie) or with length 5, which the shim must refuse before reading.
    unsafe {
        let sync = sync.as_raw();
        let cookie = b"source=/a;dest=/b";
        assert_eq!(
            init(
                sync,
                0,
                SYNCMGRFLAG_MANUAL.0 as u32,
                cookie.len() as u32,
                cookie.as_ptr()
            ),
            S_OK
        );
        assert_eq!(object.record.lock().unwrap().cookie, cookie);
        // S_FALSE ("do not take part") reaches the caller unchanged.
        assert_eq!(init(sync, 0, 0, 4, b"skip".as_ptr()), S_FALSE);
        // A failure code passes through.
        assert_eq!(init(sync, 0, 0, 4, b"fail".as_ptr()), E_ACCESSDENIED);
        // An Err carrying a success code never reads as success.
        assert_eq!(init(sync, 0, 0, 16, b"success-as-error".as_ptr()), E_FAIL);
        assert!(logged("returned Err with the success code"));
        // A null cookie with a zero length is an empty cookie...
        assert_eq!(init(sync, 0, 0, 0, ptr::null()), S_OK);
        assert!(object.record.lock().unwrap().cookie.is_empty());
        // ...with a length it is refused before the handler runs.
        let before = object.calls().len();
        assert_eq!(init(sync, 0, 0, 5, ptr::null()), E_INVALIDARG);
        assert_eq!(object.calls().len(), before);
    }
    sync.release();
    drop(object);
    assert_eq!(drops.count(), 1);
}

#[test]
fn get_handler_info_allocates_with_the_task_allocator() {
    let drops = DropCounter::default();
    let (object, sync) = handler(&drops);
    let get = sync.vtbl().GetHandlerInfo;
    // SAFETY: `sync` holds a reference, so `this` is the live handler; the null out pointer is
    // the refused argument under test and `info` a writable local. On S_OK `info` points to a
    // task-allocated SYNCMGRHANDLERINFO that we own: read while it lives, then freed once.
    unsafe {
        let sync = sync.as_raw();
        assert_eq!(get(sync, ptr::null_mut()), E_POINTER);
        let mut info: *mut SYNCMGRHANDLERINFO = 0x10 as *mut _;
        assert_eq!(get(sync, &mut info), S_OK);
        assert!(!info.is_null());
        let raw = &*info;
        assert_eq!(raw.cbSize as usize, size_of::<SYNCMGRHANDLERINFO>());
        assert_eq!(
            raw.SyncMgrHandlerFlags,
            SYNCMGRHANDLER_HASPROPERTIES.0 as u32
        );
        // The name is truncated to 31 units plus the terminator.
        let name = from_wide(&raw.wszHandlerName);
        assert_eq!(
            name.encode_utf16().count(),
            MAX_SYNCMGRHANDLERNAME as usize - 1
        );
        assert!("A handler whose name is longer than thirty-one UTF-16 units".starts_with(&name));
        assert_eq!(raw.wszHandlerName[MAX_SYNCMGRHANDLERNAME as usize - 1], 0);
        // The caller frees it with CoTaskMemFree.
        mobsync_runtime::task_mem::task_free(info.cast());
    }
    sync.release();
    assert_eq!(object.calls(), ["get_handler_info"]);
}

#[test]
fn enum_sync_mgr_items_returns_an_owned_enumerator() {
    let drops = DropCounter::default();
    let (object, sync) = handler(&drops);
    let enum_items = sync.vtbl().EnumSyncMgrItems;
    // SAFETY: `sync` holds a reference, so `this` is the live handler; the null out pointer is
    // the refused argument under test and `items` a writable local, which the S_OK call sets to
    // an ISyncMgrEnumItems with one reference for us (taken over by the ComRef).
    let items = unsafe {
        assert_eq!(enum_items(sync.as_raw(), ptr::null_mut()), E_POINTER);
        let mut items = 0x10 as *mut c_void;
        assert_eq!(enum_items(sync.as_raw(), &mut items), S_OK);
        ComRef::<ISyncMgrEnumItems_Vtbl>::from_raw(items)
    };
    let mut buf = [SYNCMGRITEM::default(); 4];
    assert_eq!(items.next(&mut buf), (S_FALSE, 3));
    assert_eq!(buf[0].ItemID, ITEM_A);
    assert_eq!(from_wide(&buf[2].wszItemName), "Gamma");
    assert_eq!(items.release(), 0);
    sync.release();
    drop(object);
    assert_eq!(drops.count(), 1);
}

#[test]
fn get_item_object_checks_every_pointer_and_answers_the_requested_iid() {
    let drops = DropCounter::default();
    let (object, sync) = handler(&drops);
    let get = sync.vtbl().GetItemObject;
    // SAFETY: `sync` holds a reference, so `this` is the live handler; item IDs and IIDs are
    // constants or the nulls under test, which the shim must refuse before reading, and `out` is
    // a writable local. The enumerator of the one S_OK call carries a reference, released here.
    unsafe {
        let sync = sync.as_raw();
        let mut out = 0x10 as *mut c_void;
        assert_eq!(
            get(sync, &ITEM_A, &IID_ISyncMgrEnumItems, ptr::null_mut()),
            E_POINTER
        );
        assert_eq!(get(sync, &ITEM_A, ptr::null(), &mut out), E_POINTER);
        assert!(out.is_null(), "cleared before the IID check");
        out = 0x10 as *mut c_void;
        assert_eq!(
            get(sync, ptr::null(), &IID_ISyncMgrEnumItems, &mut out),
            E_POINTER
        );
        assert!(out.is_null());
        // The handler's own error.
        assert_eq!(
            get(sync, &ITEM_B, &IID_ISyncMgrEnumItems, &mut out),
            E_INVALIDARG
        );
        assert!(out.is_null());
        // An interface the item object does not have.
        assert_eq!(
            get(sync, &ITEM_A, &IID_ISyncMgrRegister, &mut out),
            E_NOINTERFACE
        );
        assert!(out.is_null());
        // The requested interface.
        assert_eq!(get(sync, &ITEM_A, &IID_ISyncMgrEnumItems, &mut out), S_OK);
        assert!(!out.is_null());
        let out = ComRef::<ISyncMgrEnumItems_Vtbl>::from_raw(out);
        assert_eq!(out.reset(), S_OK);
        assert_eq!(out.release(), 0);
    }
    sync.release();
    assert_eq!(
        object
            .calls()
            .iter()
            .filter(|c| *c == "get_item_object")
            .count(),
        3
    );
}

#[test]
fn show_properties_show_error_and_set_item_status_check_their_guids() {
    let drops = DropCounter::default();
    let (object, sync) = handler(&drops);
    let v = sync.vtbl();
    // SAFETY: `sync` holds a reference, so `this` is the live handler; the GUID pointers are
    // constants or the nulls under test, which the shims must refuse before reading.
    unsafe {
        let sync = sync.as_raw();
        assert_eq!(
            (v.ShowProperties)(sync, HWND::default(), ptr::null()),
            E_POINTER
        );
        assert_eq!((v.ShowProperties)(sync, HWND::default(), &ITEM_B), S_OK);
        assert_eq!((v.ShowError)(sync, HWND::default(), ptr::null()), E_POINTER);
        assert_eq!((v.ShowError)(sync, HWND::default(), &ITEM_C), S_OK);
        assert_eq!((v.SetItemStatus)(sync, ptr::null(), 1), E_POINTER);
        assert_eq!(
            (v.SetItemStatus)(sync, &ITEM_A, SYNCMGRSTATUS_SKIPPED.0 as u32),
            S_OK
        );
    }
    sync.release();
    assert_eq!(
        object.calls(),
        [
            format!("show_properties({})", ITEM_B.to_u128()),
            format!("show_error({})", ITEM_C.to_u128()),
            format!("set_item_status({},1)", ITEM_A.to_u128()),
        ]
    );
}

#[test]
fn optional_methods_default_to_e_notimpl() {
    let object = ComObject::new(MinimalHandler);
    let sync = ComRef::new(object.cast::<ISyncMgrSynchronize>().unwrap());
    let v = sync.vtbl();
    // SAFETY: `sync` holds a reference, so `this` is the live handler; GUIDs are constants, the
    // empty item array may be null with a count of 0, and the out pointers are writable locals.
    unsafe {
        let sync = sync.as_raw();
        let mut out = 0x10 as *mut c_void;
        assert_eq!(
            (v.GetItemObject)(sync, &ITEM_A, &IID_IUNKNOWN, &mut out),
            E_NOTIMPL
        );
        assert!(
            out.is_null(),
            "cleared even when the method is not implemented"
        );
        assert_eq!(
            (v.ShowProperties)(sync, HWND::default(), &ITEM_A),
            E_NOTIMPL
        );
        assert_eq!((v.ShowError)(sync, HWND::default(), &ITEM_A), E_NOTIMPL);
        // The other outcome codes of a minimal handler.
        assert_eq!(
            (v.PrepareForSync)(sync, 0, ptr::null_mut(), HWND::default(), 0),
            S_FALSE
        );
        let mut items = 0x10 as *mut c_void;
        assert_eq!((v.EnumSyncMgrItems)(sync, &mut items), E_NOTIMPL);
        assert!(items.is_null());
    }
    // Not an enumerator.
    assert_eq!(sync.query(&IID_ISyncMgrEnumItems).0, E_NOINTERFACE);
    sync.release();
}

#[test]
fn prepare_for_sync_checks_the_count_against_the_array() {
    let drops = DropCounter::default();
    let (object, sync) = handler(&drops);
    let prepare = sync.vtbl().PrepareForSync;
    // SAFETY: `sync` holds a reference, so `this` is the live handler; `ids` holds the 2 items
    // passed with it, and the null arrays come with a count of 3 (refused before any read) or 0.
    unsafe {
        let sync = sync.as_raw();
        let mut ids = [ITEM_A, ITEM_C];
        assert_eq!(prepare(sync, 2, ids.as_mut_ptr(), HWND::default(), 0), S_OK);
        assert_eq!(object.record.lock().unwrap().prepared, [ITEM_A, ITEM_C]);
        assert_eq!(
            prepare(sync, 3, ptr::null_mut(), HWND::default(), 0),
            E_INVALIDARG
        );
        assert_eq!(prepare(sync, 0, ptr::null_mut(), HWND::default(), 0), S_OK);
        assert!(object.record.lock().unwrap().prepared.is_empty());
    }
    sync.release();
    assert_eq!(
        object.calls(),
        ["prepare_for_sync(2)", "prepare_for_sync(0)"]
    );
}

#[test]
fn set_progress_callback_keeps_a_reference_and_synchronize_reports_cancel_codes() {
    let drops = DropCounter::default();
    let callback_drops = DropCounter::default();
    let (object, sync) = handler(&drops);
    let (callback, callback_ref) = new_callback(&callback_drops);
    let v = sync.vtbl();
    // SAFETY: `sync` and `callback_ref` hold references, so both pointers are live objects (the
    // handler takes its own reference to the callback); `ids` holds the 2 items passed with it;
    // a null callback is allowed.
    unsafe {
        let sync = sync.as_raw();
        assert_eq!((v.SetProgressCallback)(sync, callback_ref.as_raw()), S_OK);
        assert_eq!(
            callback.ref_count(),
            3,
            "the handle, our pointer and the handler's reference"
        );
        let mut ids = [ITEM_A, ITEM_B];
        assert_eq!(
            (v.PrepareForSync)(sync, 2, ids.as_mut_ptr(), HWND::default(), 0),
            S_OK
        );
        // The host cancels the first item, then everything: the handler sees both answers.
        *callback.progress_answer.lock().unwrap() = ProgressOutcome::S_SYNCMGR_CANCELITEM;
        assert_eq!((v.Synchronize)(sync, HWND::default()), S_OK);
        *callback.progress_answer.lock().unwrap() = ProgressOutcome::S_SYNCMGR_CANCELALL;
        assert_eq!((v.Synchronize)(sync, HWND::default()), S_OK);
        assert_eq!(
            object.record.lock().unwrap().responses,
            [
                ProgressResponse::CancelItem,
                ProgressResponse::CancelItem,
                ProgressResponse::CancelAll,
                ProgressResponse::CancelAll
            ]
        );
        let seen = callback.record.lock().unwrap().progress_items.clone();
        assert_eq!(seen.len(), 4);
        assert_eq!(
            seen[0],
            (ITEM_A, Some("working".into()), None, Some(1), Some(2))
        );
        // A null callback clears it and releases the handler's reference.
        assert_eq!((v.SetProgressCallback)(sync, ptr::null_mut()), S_OK);
        assert_eq!(callback.ref_count(), 2);
    }
    callback_ref.release();
    sync.release();
    assert_eq!(
        callback
            .calls()
            .iter()
            .filter(|c| c.starts_with("synchronize_completed"))
            .count(),
        2
    );
    drop((object, callback));
    assert_eq!((drops.count(), callback_drops.count()), (1, 1));
}

#[test]
fn every_slot_is_in_sdk_order() {
    let drops = DropCounter::default();
    let (_object, sync) = handler(&drops);
    let v = sync.vtbl();
    // The vtable is an array of 13 function pointers: IUnknown's 3, then the 10 methods.
    let slots = std::ptr::from_ref(v).cast::<usize>();
    // SAFETY: ISyncMgrSynchronize_Vtbl is a repr(C) struct of 13 function pointers, each the
    // size and alignment of a usize, and `v` borrows the live handler's vtable.
    let all: Vec<usize> = (0..13).map(|i| unsafe { *slots.add(i) }).collect();
    assert_eq!(all[3], v.Initialize as usize);
    assert_eq!(all[12], v.ShowError as usize);
    assert!(all.iter().all(|&p| p != 0));
    let _: HRESULT = sync.synchronize(HWND::default());
    sync.release();
    let _ = GUID::zeroed();
}
