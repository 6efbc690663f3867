//! mobsync-host validates what a handler returns over the raw ABI. The handlers here are written
//! by hand against `mobsync_runtime::sys` (no derive), so they can break the rules on purpose.

use std::ffi::c_void;
use std::time::Duration;

use mobsync_host::model::{HandlerOutcome, Phase};
use mobsync_host::{HandlerSource, Host, InProcessHandler, SyncOptions};
use mobsync_runtime::hresults::{E_NOINTERFACE, E_NOTIMPL, S_FALSE, S_OK};
use mobsync_runtime::sys::{
    HWND, IID_ISyncMgrEnumItems, IID_ISyncMgrSynchronize, ISyncMgrEnumItems_Vtbl,
    ISyncMgrSynchronize_Vtbl, LPSYNCMGRHANDLERINFO, LPSYNCMGRITEM, REFSYNCMGRITEMID,
    SYNCMGRHANDLERINFO, SYNCMGRITEM, SYNCMGRITEMID,
};
use mobsync_test_support::handmade::{self, HandMade};
use windows_core::{GUID, HRESULT, IUnknown, Interface};

/// How the raw handler breaks the rules.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    /// `GetHandlerInfo` returns a structure whose `cbSize` is wrong.
    InfoSize,
    /// `GetHandlerInfo` succeeds with a null pointer.
    NullInfo,
    /// `EnumSyncMgrItems` succeeds with a null enumerator.
    NullEnumerator,
    /// `Next` claims more items than asked for.
    OverFetch,
    /// `Next` returns an item whose `cbSize` is wrong and a name without a NUL.
    BadItem,
}

/// The fault of the hand-written handler or enumerator behind `this`.
fn fault(this: *mut c_void) -> Fault {
    // SAFETY: only called from the slots of HANDLER_VTBL and ENUM_VTBL, which are reached only
    // through live `HandMade<Fault>` objects (see `run` and `enum_items`) whose caller holds a
    // reference for the call.
    *unsafe { HandMade::<Fault>::from_raw(this) }.value()
}

unsafe extern "system" fn initialize(
    _: *mut c_void,
    _: u32,
    _: u32,
    _: u32,
    _: *const u8,
) -> HRESULT {
    S_OK
}

unsafe extern "system" fn get_handler_info(
    this: *mut c_void,
    out: *mut LPSYNCMGRHANDLERINFO,
) -> HRESULT {
    let fault = fault(this);
    if fault == Fault::NullInfo {
        // SAFETY: the host passes a valid out-pointer.
        unsafe { *out = std::ptr::null_mut() };
        return S_OK;
    }
    let info = mobsync_runtime::task_mem::task_alloc(size_of::<SYNCMGRHANDLERINFO>())
        .unwrap()
        .cast::<SYNCMGRHANDLERINFO>();
    let mut value = SYNCMGRHANDLERINFO {
        cbSize: if fault == Fault::InfoSize {
            1
        } else {
            size_of::<SYNCMGRHANDLERINFO>() as u32
        },
        ..SYNCMGRHANDLERINFO::default()
    };
    value.wszHandlerName[..3].copy_from_slice(&[u16::from(b'R'), u16::from(b'a'), u16::from(b'w')]);
    // SAFETY: `info` is fresh task memory of the right size; `out` is the host's out-pointer.
    unsafe {
        info.as_ptr().write(value);
        *out = info.as_ptr();
    }
    S_OK
}

static ENUM_VTBL: ISyncMgrEnumItems_Vtbl = ISyncMgrEnumItems_Vtbl {
    base__: handmade::unknown::<Fault>(),
    Next: next,
    Skip: skip,
    Reset: reset,
    Clone: clone_enum,
};

unsafe extern "system" fn enum_items(this: *mut c_void, out: *mut *mut c_void) -> HRESULT {
    let fault = fault(this);
    let value = if fault == Fault::NullEnumerator {
        std::ptr::null_mut()
    } else {
        HandMade::create(&ENUM_VTBL, IID_ISyncMgrEnumItems, fault)
    };
    // SAFETY: the host passes a valid out-pointer.
    unsafe { *out = value };
    S_OK
}

unsafe extern "system" fn next(
    this: *mut c_void,
    celt: u32,
    items: LPSYNCMGRITEM,
    fetched: *mut u32,
) -> HRESULT {
    let fault = fault(this);
    // SAFETY: the host passes `celt` (at least 1) writable items and a valid `fetched`.
    unsafe {
        if fault == Fault::OverFetch {
            *fetched = celt + 1;
            return S_OK;
        }
        let item = SYNCMGRITEM {
            cbSize: if fault == Fault::BadItem {
                4
            } else {
                size_of::<SYNCMGRITEM>() as u32
            },
            ItemID: GUID::from_u128(42),
            wszItemName: [u16::from(b'x'); 128], // no terminating NUL
            ..SYNCMGRITEM::default()
        };
        items.write(item);
        *fetched = 1;
    }
    S_FALSE
}

unsafe extern "system" fn skip(_: *mut c_void, _: u32) -> HRESULT {
    E_NOTIMPL
}
unsafe extern "system" fn reset(_: *mut c_void) -> HRESULT {
    E_NOTIMPL
}
unsafe extern "system" fn clone_enum(_: *mut c_void, _: *mut *mut c_void) -> HRESULT {
    E_NOTIMPL
}
unsafe extern "system" fn get_item_object(
    _: *mut c_void,
    _: REFSYNCMGRITEMID,
    _: *const GUID,
    _: *mut *mut c_void,
) -> HRESULT {
    E_NOINTERFACE
}
unsafe extern "system" fn hwnd_item(_: *mut c_void, _: HWND, _: REFSYNCMGRITEMID) -> HRESULT {
    E_NOTIMPL
}
unsafe extern "system" fn set_callback(_: *mut c_void, _: *mut c_void) -> HRESULT {
    S_OK
}
unsafe extern "system" fn prepare(
    _: *mut c_void,
    _: u32,
    _: *mut SYNCMGRITEMID,
    _: HWND,
    _: u32,
) -> HRESULT {
    E_NOTIMPL
}
unsafe extern "system" fn synchronize(_: *mut c_void, _: HWND) -> HRESULT {
    E_NOTIMPL
}
unsafe extern "system" fn set_item_status(_: *mut c_void, _: REFSYNCMGRITEMID, _: u32) -> HRESULT {
    E_NOTIMPL
}

static HANDLER_VTBL: ISyncMgrSynchronize_Vtbl = ISyncMgrSynchronize_Vtbl {
    base__: handmade::unknown::<Fault>(),
    Initialize: initialize,
    GetHandlerInfo: get_handler_info,
    EnumSyncMgrItems: enum_items,
    GetItemObject: get_item_object,
    ShowProperties: hwnd_item,
    SetProgressCallback: set_callback,
    PrepareForSync: prepare,
    Synchronize: synchronize,
    SetItemStatus: set_item_status,
    ShowError: hwnd_item,
};

fn run(fault: Fault) -> mobsync_host::model::HandlerReport {
    let raw = HandMade::create(&HANDLER_VTBL, IID_ISyncMgrSynchronize, fault);
    // SAFETY: `raw` is a new object with one reference, which the IUnknown takes over; its
    // vtable begins with IUnknown's slots.
    let unknown = unsafe { IUnknown::from_raw(raw) };
    let handler = InProcessHandler::new(GUID::from_u128(0xABC), unknown).unwrap();
    let options = SyncOptions::default().with_timeouts(Duration::from_secs(10));
    Host::new(options)
        .sync(vec![HandlerSource::Instance(handler)])
        .handlers
        .remove(0)
}

fn failed(report: &mobsync_host::model::HandlerReport) -> (Phase, String) {
    match &report.outcome {
        HandlerOutcome::Failed { phase, hresult, .. } => (*phase, hresult.clone()),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn wrong_handler_info_size_is_rejected() {
    assert_eq!(
        failed(&run(Fault::InfoSize)),
        (Phase::HandlerInfo, "0x80070057".into())
    );
}

#[test]
fn null_handler_info_is_rejected() {
    assert_eq!(
        failed(&run(Fault::NullInfo)),
        (Phase::HandlerInfo, "0x80004003".into())
    );
}

#[test]
fn null_enumerator_is_rejected() {
    assert_eq!(
        failed(&run(Fault::NullEnumerator)),
        (Phase::Enumerate, "0x80004003".into())
    );
}

#[test]
fn fetched_count_above_celt_is_rejected() {
    assert_eq!(
        failed(&run(Fault::OverFetch)),
        (Phase::Enumerate, "0x80070057".into())
    );
}

#[test]
fn malformed_items_are_left_out_and_reported() {
    let report = run(Fault::BadItem);
    assert_eq!(report.name, "Raw");
    assert!(report.items.is_empty(), "{:?}", report.items);
    assert!(
        report.problems.iter().any(|p| p.contains("cbSize 4")),
        "{:?}",
        report.problems
    );
    // No items selected: nothing to prepare, the run completes.
    assert_eq!(report.outcome, HandlerOutcome::Completed);
}
