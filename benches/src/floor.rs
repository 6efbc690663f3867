//! The floor: COM objects written by hand, with `static` vtables of `extern "system"` functions.
//!
//! Each object is a [`HandMade`] heap block `{ vtable pointer, reference count, IID, value }`
//! with its shared `IUnknown` slots: `AddRef` is a relaxed increment, `Release` a release
//! decrement with an acquire fence before freeing, `QueryInterface` compares the IID with
//! `IUnknown` and the object's one interface. Methods check their pointers for null and do nothing
//! else: no panic guard, no `cbSize` checks, no module object count. This is what a correct
//! hand-written object costs at least.

#![allow(non_snake_case)]

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicUsize, Ordering};

use mobsync_runtime::SyncItem;
use mobsync_runtime::factory::IClassFactory_Vtbl;
use mobsync_runtime::sys::{
    HWND, IID_ISyncMgrEnumItems, IID_ISyncMgrSynchronize, IID_ISyncMgrSynchronizeCallback,
    ISyncMgrEnumItems_Vtbl, ISyncMgrSynchronize_Vtbl, ISyncMgrSynchronizeCallback_Vtbl,
    LPSYNCMGRHANDLERINFO, LPSYNCMGRITEM, LPSYNCMGRLOGERRORINFO, LPSYNCMGRPROGRESSITEM,
    REFSYNCMGRITEMID,
};
use mobsync_test_support::handmade::{self, HandMade, unknown};
use mobsync_test_support::{ComRef, IID_ICLASSFACTORY};
use windows_core::{GUID, HRESULT};

use crate::WATCHED_ITEM;

const S_OK: HRESULT = HRESULT(0);
const S_FALSE: HRESULT = HRESULT(1);
const E_NOTIMPL: HRESULT = HRESULT(0x8000_4001_u32 as i32);
const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);
const E_INVALIDARG: HRESULT = HRESULT(0x8007_0057_u32 as i32);
const CLASS_E_NOAGGREGATION: HRESULT = HRESULT(0x8004_0110_u32 as i32);

/// The value of the object behind `this`, a `HandMade<T>`.
///
/// # Safety
///
/// `this` was made by [`HandMade::create`] with this `T` and is alive for `'a`: true in the
/// slots of this module's vtables, which are reached only through live objects of their type
/// under the caller's reference.
unsafe fn value<'a, T>(this: *mut c_void) -> &'a T {
    // SAFETY: by the contract `this` is a live `HandMade<T>` for 'a.
    unsafe { HandMade::<T>::from_raw(this) }.value()
}

// ---------------------------------------------------------------------------------------------
// ISyncMgrSynchronize

/// What the handlers of every implementation record: the last status set for
/// [`crate::WATCHED_ITEM`] and the last `Synchronize` parent window.
///
/// A value is stored only when it changes. The benchmarks call with the same arguments in a
/// loop, and a store on every call made the timings depend on where the allocator and the
/// stack happened to be in that process: a store whose address shares its low 12 bits with a
/// load of the loop's next iteration holds that load back (4K aliasing), which moved one
/// implementation's `SetItemStatus` from 1.9 ns to 3.3 ns between two runs of the same binary.
#[derive(Debug, Default)]
pub struct HandlerState {
    /// Last `SetItemStatus` status for the watched item.
    pub last_status: AtomicU32,
    /// Last `Synchronize` window handle, as an integer.
    pub last_parent: AtomicUsize,
}

impl HandlerState {
    /// The body of `SetItemStatus` shared by every implementation.
    #[inline(always)]
    pub fn set_item_status(&self, item: &GUID, status: u32) {
        if *item == WATCHED_ITEM && self.last_status.load(Ordering::Relaxed) != status {
            self.last_status.store(status, Ordering::Relaxed);
        }
    }

    /// The body of `Synchronize` shared by every implementation.
    #[inline(always)]
    pub fn synchronize(&self, parent: HWND) {
        let parent = parent.0 as usize;
        if self.last_parent.load(Ordering::Relaxed) != parent {
            self.last_parent.store(parent, Ordering::Relaxed);
        }
    }
}

unsafe extern "system" fn Initialize(
    _: *mut c_void,
    _: u32,
    _: u32,
    _: u32,
    _: *const u8,
) -> HRESULT {
    S_OK
}
unsafe extern "system" fn GetHandlerInfo(
    _: *mut c_void,
    ppinfo: *mut LPSYNCMGRHANDLERINFO,
) -> HRESULT {
    if !ppinfo.is_null() {
        // SAFETY: a non-null out pointer is writable per the COM contract.
        unsafe { *ppinfo = ptr::null_mut() };
    }
    E_NOTIMPL
}
unsafe extern "system" fn EnumSyncMgrItems(_: *mut c_void, ppenum: *mut *mut c_void) -> HRESULT {
    if !ppenum.is_null() {
        // SAFETY: a non-null out pointer is writable per the COM contract.
        unsafe { *ppenum = ptr::null_mut() };
    }
    E_NOTIMPL
}
unsafe extern "system" fn GetItemObject(
    _: *mut c_void,
    _: REFSYNCMGRITEMID,
    _: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    if !ppv.is_null() {
        // SAFETY: a non-null out pointer is writable per the COM contract.
        unsafe { *ppv = ptr::null_mut() };
    }
    E_NOTIMPL
}
unsafe extern "system" fn ShowProperties(_: *mut c_void, _: HWND, _: REFSYNCMGRITEMID) -> HRESULT {
    E_NOTIMPL
}
unsafe extern "system" fn SetProgressCallback(_: *mut c_void, _: *mut c_void) -> HRESULT {
    S_OK
}
unsafe extern "system" fn PrepareForSync(
    _: *mut c_void,
    _: u32,
    _: *mut GUID,
    _: HWND,
    _: u32,
) -> HRESULT {
    S_OK
}
unsafe extern "system" fn Synchronize(this: *mut c_void, parent: HWND) -> HRESULT {
    // SAFETY: a slot of HANDLER_VTBL: `this` is a live handler (see `value`).
    unsafe { value::<HandlerState>(this) }.synchronize(parent);
    S_OK
}
unsafe extern "system" fn SetItemStatus(
    this: *mut c_void,
    item: REFSYNCMGRITEMID,
    status: u32,
) -> HRESULT {
    if item.is_null() {
        return E_POINTER;
    }
    // SAFETY: a slot of HANDLER_VTBL: `this` is a live handler (see `value`); `item` is
    // non-null, so readable per the COM contract.
    unsafe { value::<HandlerState>(this).set_item_status(&*item, status) };
    S_OK
}
unsafe extern "system" fn ShowError(_: *mut c_void, _: HWND, _: REFSYNCMGRITEMID) -> HRESULT {
    E_NOTIMPL
}

static HANDLER_VTBL: ISyncMgrSynchronize_Vtbl = ISyncMgrSynchronize_Vtbl {
    base__: unknown::<HandlerState>(),
    Initialize,
    GetHandlerInfo,
    EnumSyncMgrItems,
    GetItemObject,
    ShowProperties,
    SetProgressCallback,
    PrepareForSync,
    Synchronize,
    SetItemStatus,
    ShowError,
};

/// A new hand-written handler with one reference, as a raw `ISyncMgrSynchronize` pointer.
fn create_handler() -> *mut c_void {
    HandMade::create(
        &HANDLER_VTBL,
        IID_ISyncMgrSynchronize,
        HandlerState::default(),
    )
}

/// A new hand-written handler: its `ISyncMgrSynchronize`, one reference.
pub fn new_handler() -> ComRef<ISyncMgrSynchronize_Vtbl> {
    // SAFETY: a new `HandMade` object whose one reference we hand over; HANDLER_VTBL is an
    // ISyncMgrSynchronize_Vtbl whose slots all take a `HandMade<HandlerState>`.
    unsafe { ComRef::from_raw(create_handler()) }
}

/// The state of a handler made by [`new_handler`].
///
/// # Safety
///
/// `this` is the interface pointer of a handler made by [`new_handler`], alive for `'a`.
pub unsafe fn handler_state<'a>(this: *mut c_void) -> &'a HandlerState {
    // SAFETY: per the contract, `this` is a live `HandMade<HandlerState>`.
    unsafe { value(this) }
}

// ---------------------------------------------------------------------------------------------
// IClassFactory

unsafe extern "system" fn CreateInstance(
    _: *mut c_void,
    outer: *mut c_void,
    iid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    if ppv.is_null() {
        return E_POINTER;
    }
    // SAFETY: a non-null out pointer is writable per the COM contract.
    unsafe { *ppv = ptr::null_mut() };
    if !outer.is_null() {
        return CLASS_E_NOAGGREGATION;
    }
    let handler = create_handler();
    // SAFETY: `handler` is a live `HandMade<HandlerState>` with one reference, which the Release
    // below gives up; `iid` and `ppv` are the caller's, passed on (`ppv` is non-null, and the
    // QueryInterface slot checks `iid` for null).
    unsafe {
        let hr = handmade::query_interface::<HandlerState>(handler, iid, ppv);
        handmade::release::<HandlerState>(handler);
        hr
    }
}
unsafe extern "system" fn LockServer(_: *mut c_void, _: i32) -> HRESULT {
    S_OK
}

static FACTORY_VTBL: IClassFactory_Vtbl = IClassFactory_Vtbl {
    base__: unknown::<()>(),
    CreateInstance,
    LockServer,
};

/// A new hand-written class factory of [`new_handler`] objects: its `IClassFactory`, one reference.
pub fn new_factory() -> ComRef<IClassFactory_Vtbl> {
    let factory = HandMade::create(&FACTORY_VTBL, IID_ICLASSFACTORY, ());
    // SAFETY: a new `HandMade` object whose one reference we hand over; FACTORY_VTBL is an
    // IClassFactory_Vtbl whose slots all take a `HandMade<()>`.
    unsafe { ComRef::from_raw(factory) }
}

// ---------------------------------------------------------------------------------------------
// ISyncMgrEnumItems

/// The hand-written enumerator's state.
struct EnumState {
    items: Vec<SyncItem>,
    position: AtomicUsize,
}

unsafe extern "system" fn Next(
    this: *mut c_void,
    celt: u32,
    rgelt: LPSYNCMGRITEM,
    fetched: *mut u32,
) -> HRESULT {
    if fetched.is_null() && celt != 1 {
        return E_POINTER;
    }
    if rgelt.is_null() && celt != 0 {
        return E_INVALIDARG;
    }
    // SAFETY: a slot of ENUM_VTBL: `this` is a live enumerator (see `value`).
    let state = unsafe { value::<EnumState>(this) };
    // One enumerator, one client at a time in the benchmark: a load and a store suffice.
    let start = state.position.load(Ordering::Relaxed);
    let end = (start + celt as usize).min(state.items.len());
    state.position.store(end, Ordering::Relaxed);
    for (k, item) in state.items[start..end].iter().enumerate() {
        // SAFETY: `rgelt` is non-null (checked above for `celt != 0`, and `k < celt`), so per the
        // COM contract it holds `celt` writable items.
        unsafe { rgelt.add(k).write(item.to_raw()) };
    }
    let n = (end - start) as u32;
    if !fetched.is_null() {
        // SAFETY: a non-null `pceltFetched` is writable per the COM contract.
        unsafe { *fetched = n };
    }
    if n == celt { S_OK } else { S_FALSE }
}
unsafe extern "system" fn Skip(this: *mut c_void, celt: u32) -> HRESULT {
    // SAFETY: a slot of ENUM_VTBL: `this` is a live enumerator (see `value`).
    let state = unsafe { value::<EnumState>(this) };
    let start = state.position.load(Ordering::Relaxed);
    let end = (start + celt as usize).min(state.items.len());
    state.position.store(end, Ordering::Relaxed);
    if end - start == celt as usize {
        S_OK
    } else {
        S_FALSE
    }
}
unsafe extern "system" fn Reset(this: *mut c_void) -> HRESULT {
    // SAFETY: a slot of ENUM_VTBL: `this` is a live enumerator (see `value`).
    unsafe { value::<EnumState>(this) }
        .position
        .store(0, Ordering::Relaxed);
    S_OK
}
unsafe extern "system" fn Clone(_: *mut c_void, ppenum: *mut *mut c_void) -> HRESULT {
    if !ppenum.is_null() {
        // SAFETY: a non-null out pointer is writable per the COM contract.
        unsafe { *ppenum = ptr::null_mut() };
    }
    E_NOTIMPL
}

static ENUM_VTBL: ISyncMgrEnumItems_Vtbl = ISyncMgrEnumItems_Vtbl {
    base__: unknown::<EnumState>(),
    Next,
    Skip,
    Reset,
    Clone,
};

/// A new hand-written enumerator over `items` (converted with [`SyncItem::to_raw`] as `Next`
/// hands them out, as [`ItemEnumerator`](mobsync_runtime::ItemEnumerator) does): its
/// `ISyncMgrEnumItems`, one reference.
pub fn new_enumerator(items: Vec<SyncItem>) -> ComRef<ISyncMgrEnumItems_Vtbl> {
    let enumerator = HandMade::create(
        &ENUM_VTBL,
        IID_ISyncMgrEnumItems,
        EnumState {
            items,
            position: AtomicUsize::new(0),
        },
    );
    // SAFETY: a new `HandMade` object whose one reference we hand over; ENUM_VTBL is an
    // ISyncMgrEnumItems_Vtbl whose slots all take a `HandMade<EnumState>`.
    unsafe { ComRef::from_raw(enumerator) }
}

// ---------------------------------------------------------------------------------------------
// ISyncMgrSynchronizeCallback

/// What the hand-written callback records.
#[derive(Debug)]
pub struct CallbackState {
    /// `Progress` calls.
    pub progress: AtomicUsize,
    /// The last `PrepareForSyncCompleted` result (`i32::MIN` before the first).
    pub prepared: AtomicI32,
    /// The last `SynchronizeCompleted` result (`i32::MIN` before the first).
    pub synchronized: AtomicI32,
}

unsafe extern "system" fn ShowPropertiesCompleted(_: *mut c_void, _: HRESULT) -> HRESULT {
    S_OK
}
unsafe extern "system" fn PrepareForSyncCompleted(this: *mut c_void, hr: HRESULT) -> HRESULT {
    // SAFETY: a slot of CALLBACK_VTBL: `this` is a live callback (see `value`).
    unsafe { value::<CallbackState>(this) }
        .prepared
        .store(hr.0, Ordering::Release);
    S_OK
}
unsafe extern "system" fn SynchronizeCompleted(this: *mut c_void, hr: HRESULT) -> HRESULT {
    // SAFETY: a slot of CALLBACK_VTBL: `this` is a live callback (see `value`).
    unsafe { value::<CallbackState>(this) }
        .synchronized
        .store(hr.0, Ordering::Release);
    S_OK
}
unsafe extern "system" fn ShowErrorCompleted(
    _: *mut c_void,
    _: HRESULT,
    _: u32,
    _: *mut GUID,
) -> HRESULT {
    S_OK
}
unsafe extern "system" fn EnableModeless(_: *mut c_void, _: i32) -> HRESULT {
    S_OK
}
unsafe extern "system" fn Progress(
    this: *mut c_void,
    item: REFSYNCMGRITEMID,
    progress: LPSYNCMGRPROGRESSITEM,
) -> HRESULT {
    if item.is_null() || progress.is_null() {
        return E_POINTER;
    }
    // SAFETY: a slot of CALLBACK_VTBL: `this` is a live callback (see `value`).
    unsafe { value::<CallbackState>(this) }
        .progress
        .fetch_add(1, Ordering::Relaxed);
    S_OK
}
unsafe extern "system" fn LogError(
    _: *mut c_void,
    _: u32,
    _: *const u16,
    _: LPSYNCMGRLOGERRORINFO,
) -> HRESULT {
    S_OK
}
unsafe extern "system" fn DeleteLogError(_: *mut c_void, _: *const GUID, _: u32) -> HRESULT {
    S_OK
}
unsafe extern "system" fn EstablishConnection(_: *mut c_void, _: *const u16, _: u32) -> HRESULT {
    S_OK
}

static CALLBACK_VTBL: ISyncMgrSynchronizeCallback_Vtbl = ISyncMgrSynchronizeCallback_Vtbl {
    base__: unknown::<CallbackState>(),
    ShowPropertiesCompleted,
    PrepareForSyncCompleted,
    SynchronizeCompleted,
    ShowErrorCompleted,
    EnableModeless,
    Progress,
    LogError,
    DeleteLogError,
    EstablishConnection,
};

/// A new hand-written `ISyncMgrSynchronizeCallback` that counts `Progress` calls and records
/// the completions: its interface pointer, one reference.
pub fn new_callback() -> *mut c_void {
    HandMade::create(
        &CALLBACK_VTBL,
        IID_ISyncMgrSynchronizeCallback,
        CallbackState {
            progress: AtomicUsize::new(0),
            prepared: AtomicI32::new(i32::MIN),
            synchronized: AtomicI32::new(i32::MIN),
        },
    )
}

/// The state of a callback made by [`new_callback`].
///
/// # Safety
///
/// `this` came from [`new_callback`] and is alive for `'a`.
pub unsafe fn callback_state<'a>(this: *mut c_void) -> &'a CallbackState {
    // SAFETY: per the contract, `this` is a live `HandMade<CallbackState>`.
    unsafe { value(this) }
}
