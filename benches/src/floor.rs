//! The floor: COM objects written by hand, with `static` vtables of `extern "system"` functions.
//!
//! Each object is one heap block `{ vtable pointer, reference count, value }`. `AddRef` is a
//! relaxed increment, `Release` a release decrement with an acquire fence before freeing,
//! `QueryInterface` compares the IID with `IUnknown` and the object's one interface. Methods check
//! their pointers for null and do nothing else: no panic guard, no `cbSize` checks, no module
//! object count. This is what a correct hand-written object costs at least.

#![allow(non_snake_case)]

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicUsize, Ordering, fence};

use mobsync_runtime::SyncItem;
use mobsync_runtime::factory::IClassFactory_Vtbl;
use mobsync_runtime::sys::{
    HWND, IID_ISyncMgrEnumItems, IID_ISyncMgrSynchronize, IID_ISyncMgrSynchronizeCallback,
    ISyncMgrEnumItems_Vtbl, ISyncMgrSynchronize_Vtbl, ISyncMgrSynchronizeCallback_Vtbl,
    LPSYNCMGRHANDLERINFO, LPSYNCMGRITEM, LPSYNCMGRLOGERRORINFO, LPSYNCMGRPROGRESSITEM,
    REFSYNCMGRITEMID,
};
use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

use crate::WATCHED_ITEM;

const S_OK: HRESULT = HRESULT(0);
const S_FALSE: HRESULT = HRESULT(1);
const E_NOTIMPL: HRESULT = HRESULT(0x8000_4001_u32 as i32);
const E_NOINTERFACE: HRESULT = HRESULT(0x8000_4002_u32 as i32);
const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);
const E_INVALIDARG: HRESULT = HRESULT(0x8007_0057_u32 as i32);
const CLASS_E_NOAGGREGATION: HRESULT = HRESULT(0x8004_0110_u32 as i32);
const IID_ICLASSFACTORY: GUID = GUID::from_u128(0x00000001_0000_0000_c000_000000000046);

/// A hand-written object: vtable pointer, count, value.
#[repr(C)]
struct Object<V: 'static, T> {
    vtbl: &'static V,
    refs: AtomicU32,
    iid: GUID,
    value: T,
}

impl<V: 'static, T> Object<V, T> {
    /// A new object with one reference, as a raw interface pointer.
    fn create(vtbl: &'static V, iid: GUID, value: T) -> *mut c_void {
        Box::into_raw(Box::new(Object {
            vtbl,
            refs: AtomicU32::new(1),
            iid,
            value,
        }))
        .cast()
    }

    /// # Safety
    ///
    /// `this` was returned by [`Object::create`] with the same `V` and `T` and is alive.
    unsafe fn from<'a>(this: *mut c_void) -> &'a Self {
        // SAFETY: as documented.
        unsafe { &*this.cast::<Self>() }
    }
}

unsafe extern "system" fn QueryInterface<V: 'static, T>(
    this: *mut c_void,
    iid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    if ppv.is_null() {
        return E_POINTER;
    }
    // SAFETY: non-null out pointer.
    unsafe { *ppv = ptr::null_mut() };
    if iid.is_null() {
        return E_POINTER;
    }
    // SAFETY: `this` is a live object of this layout (the vtable is only reachable from there);
    // `iid` is readable.
    unsafe {
        let object = Object::<V, T>::from(this);
        let iid = *iid;
        if iid == IUnknown::IID || iid == object.iid {
            object.refs.fetch_add(1, Ordering::Relaxed);
            *ppv = this;
            S_OK
        } else {
            E_NOINTERFACE
        }
    }
}

unsafe extern "system" fn AddRef<V: 'static, T>(this: *mut c_void) -> u32 {
    // SAFETY: a live object of this layout.
    unsafe { Object::<V, T>::from(this) }
        .refs
        .fetch_add(1, Ordering::Relaxed)
        + 1
}

unsafe extern "system" fn Release<V: 'static, T>(this: *mut c_void) -> u32 {
    // SAFETY: a live object of this layout; the caller gives up its reference.
    let remaining = unsafe { Object::<V, T>::from(this) }
        .refs
        .fetch_sub(1, Ordering::Release)
        - 1;
    if remaining == 0 {
        fence(Ordering::Acquire);
        // SAFETY: the last reference is gone; the block came from `Box::into_raw`.
        drop(unsafe { Box::from_raw(this.cast::<Object<V, T>>()) });
    }
    remaining
}

const fn unknown<V: 'static, T>() -> IUnknown_Vtbl {
    IUnknown_Vtbl {
        QueryInterface: QueryInterface::<V, T>,
        AddRef: AddRef::<V, T>,
        Release: Release::<V, T>,
    }
}

// ---------------------------------------------------------------------------------------------
// ISyncMgrSynchronize

/// What the handlers of every implementation record: the last status set for
/// [`crate::WATCHED_ITEM`] and the last `Synchronize` parent window.
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
        if *item == WATCHED_ITEM {
            self.last_status.store(status, Ordering::Relaxed);
        }
    }

    /// The body of `Synchronize` shared by every implementation.
    #[inline(always)]
    pub fn synchronize(&self, parent: HWND) {
        self.last_parent.store(parent.0 as usize, Ordering::Relaxed);
    }
}

type Handler = Object<ISyncMgrSynchronize_Vtbl, HandlerState>;

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
        // SAFETY: non-null out pointer.
        unsafe { *ppinfo = ptr::null_mut() };
    }
    E_NOTIMPL
}
unsafe extern "system" fn EnumSyncMgrItems(_: *mut c_void, ppenum: *mut *mut c_void) -> HRESULT {
    if !ppenum.is_null() {
        // SAFETY: non-null out pointer.
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
        // SAFETY: non-null out pointer.
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
    // SAFETY: a live handler object.
    unsafe { Handler::from(this) }.value.synchronize(parent);
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
    // SAFETY: a live handler object; `item` is non-null and readable.
    unsafe { Handler::from(this).value.set_item_status(&*item, status) };
    S_OK
}
unsafe extern "system" fn ShowError(_: *mut c_void, _: HWND, _: REFSYNCMGRITEMID) -> HRESULT {
    E_NOTIMPL
}

static HANDLER_VTBL: ISyncMgrSynchronize_Vtbl = ISyncMgrSynchronize_Vtbl {
    base__: unknown::<ISyncMgrSynchronize_Vtbl, HandlerState>(),
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

/// A new hand-written handler: its `ISyncMgrSynchronize` pointer, one reference.
pub fn new_handler() -> *mut c_void {
    Handler::create(
        &HANDLER_VTBL,
        IID_ISyncMgrSynchronize,
        HandlerState::default(),
    )
}

/// The state of a handler made by [`new_handler`].
///
/// # Safety
///
/// `this` came from [`new_handler`] and is alive for `'a`.
pub unsafe fn handler_state<'a>(this: *mut c_void) -> &'a HandlerState {
    // SAFETY: as documented.
    unsafe { &Handler::from(this).value }
}

// ---------------------------------------------------------------------------------------------
// IClassFactory

type Factory = Object<IClassFactory_Vtbl, ()>;

unsafe extern "system" fn CreateInstance(
    _: *mut c_void,
    outer: *mut c_void,
    iid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    if ppv.is_null() {
        return E_POINTER;
    }
    // SAFETY: non-null out pointer.
    unsafe { *ppv = ptr::null_mut() };
    if !outer.is_null() {
        return CLASS_E_NOAGGREGATION;
    }
    let handler = new_handler();
    // SAFETY: `handler` is live with one reference, which the Release below gives up.
    unsafe {
        let hr = QueryInterface::<ISyncMgrSynchronize_Vtbl, HandlerState>(handler, iid, ppv);
        Release::<ISyncMgrSynchronize_Vtbl, HandlerState>(handler);
        hr
    }
}
unsafe extern "system" fn LockServer(_: *mut c_void, _: i32) -> HRESULT {
    S_OK
}

static FACTORY_VTBL: IClassFactory_Vtbl = IClassFactory_Vtbl {
    base__: unknown::<IClassFactory_Vtbl, ()>(),
    CreateInstance,
    LockServer,
};

/// A new hand-written class factory of [`new_handler`] objects: its `IClassFactory`, one reference.
pub fn new_factory() -> *mut c_void {
    Factory::create(&FACTORY_VTBL, IID_ICLASSFACTORY, ())
}

// ---------------------------------------------------------------------------------------------
// ISyncMgrEnumItems

/// The hand-written enumerator's state.
struct EnumState {
    items: Vec<SyncItem>,
    position: AtomicUsize,
}

type Enumerator = Object<ISyncMgrEnumItems_Vtbl, EnumState>;

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
    // SAFETY: a live enumerator object.
    let state = unsafe { &Enumerator::from(this).value };
    // One enumerator, one client at a time in the benchmark: a load and a store suffice.
    let start = state.position.load(Ordering::Relaxed);
    let end = (start + celt as usize).min(state.items.len());
    state.position.store(end, Ordering::Relaxed);
    for (k, item) in state.items[start..end].iter().enumerate() {
        // SAFETY: the caller's buffer holds `celt` items and `k < celt`.
        unsafe { rgelt.add(k).write(item.to_raw()) };
    }
    let n = (end - start) as u32;
    if !fetched.is_null() {
        // SAFETY: non-null out pointer.
        unsafe { *fetched = n };
    }
    if n == celt { S_OK } else { S_FALSE }
}
unsafe extern "system" fn Skip(this: *mut c_void, celt: u32) -> HRESULT {
    // SAFETY: a live enumerator object.
    let state = unsafe { &Enumerator::from(this).value };
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
    // SAFETY: a live enumerator object.
    unsafe { Enumerator::from(this) }
        .value
        .position
        .store(0, Ordering::Relaxed);
    S_OK
}
unsafe extern "system" fn Clone(_: *mut c_void, ppenum: *mut *mut c_void) -> HRESULT {
    if !ppenum.is_null() {
        // SAFETY: non-null out pointer.
        unsafe { *ppenum = ptr::null_mut() };
    }
    E_NOTIMPL
}

static ENUM_VTBL: ISyncMgrEnumItems_Vtbl = ISyncMgrEnumItems_Vtbl {
    base__: unknown::<ISyncMgrEnumItems_Vtbl, EnumState>(),
    Next,
    Skip,
    Reset,
    Clone,
};

/// A new hand-written enumerator over `items` (converted with [`SyncItem::to_raw`] as `Next`
/// hands them out, as [`ItemEnumerator`](mobsync_runtime::ItemEnumerator) does): its
/// `ISyncMgrEnumItems`, one reference.
pub fn new_enumerator(items: Vec<SyncItem>) -> *mut c_void {
    Enumerator::create(
        &ENUM_VTBL,
        IID_ISyncMgrEnumItems,
        EnumState {
            items,
            position: AtomicUsize::new(0),
        },
    )
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

type Callback = Object<ISyncMgrSynchronizeCallback_Vtbl, CallbackState>;

unsafe fn callback<'a>(this: *mut c_void) -> &'a CallbackState {
    // SAFETY: the caller passes a live callback object.
    unsafe { &Callback::from(this).value }
}

unsafe extern "system" fn ShowPropertiesCompleted(_: *mut c_void, _: HRESULT) -> HRESULT {
    S_OK
}
unsafe extern "system" fn PrepareForSyncCompleted(this: *mut c_void, hr: HRESULT) -> HRESULT {
    // SAFETY: a live callback object.
    unsafe { callback(this) }
        .prepared
        .store(hr.0, Ordering::Release);
    S_OK
}
unsafe extern "system" fn SynchronizeCompleted(this: *mut c_void, hr: HRESULT) -> HRESULT {
    // SAFETY: a live callback object.
    unsafe { callback(this) }
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
    // SAFETY: a live callback object.
    unsafe { callback(this) }
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
    base__: unknown::<ISyncMgrSynchronizeCallback_Vtbl, CallbackState>(),
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
    Callback::create(
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
    // SAFETY: as documented.
    unsafe { callback(this) }
}
