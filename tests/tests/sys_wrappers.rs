//! The generated methods of `mobsync_runtime::sys` interfaces pass the right ABI arguments and
//! keep every HRESULT: each test builds a fake COM object from a raw vtable whose slots record
//! what they receive, and calls it through the generated safe wrappers.

use std::cell::RefCell;
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

use mobsync_runtime::sys::*;
use mobsync_test_support::handmade::{self, HandMade};
use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

const S_OK: HRESULT = HRESULT(0);
const S_FALSE: HRESULT = HRESULT(1);
const E_NOINTERFACE: HRESULT = HRESULT(0x8000_4002_u32 as i32);
const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);
const E_INVALIDARG: HRESULT = HRESULT(0x8007_0057_u32 as i32);

/// What the slots saw: (slot name, arguments as integers).
type Calls = Rc<RefCell<Vec<(&'static str, Vec<usize>)>>>;

/// What a fake COM object (a `HandMade<Fake>`) holds besides its vtable pointer and count.
struct Fake {
    calls: Calls,
    /// Counts the live fakes: incremented by `make`, decremented when the last reference goes.
    alive: Rc<AtomicU32>,
    /// What some slots return.
    result: HRESULT,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.alive.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The `IUnknown` slots of every fake.
const UNKNOWN: IUnknown_Vtbl = handmade::unknown::<Fake>();

/// Creates a fake object with one reference and returns it as `I`.
fn make<I: Interface>(
    vtbl: &'static impl Sized,
    calls: &Calls,
    alive: &Rc<AtomicU32>,
    result: HRESULT,
) -> I {
    alive.fetch_add(1, Ordering::SeqCst);
    let fake = Fake {
        calls: calls.clone(),
        alive: alive.clone(),
        result,
    };
    let raw = HandMade::create(vtbl, I::IID, fake);
    // SAFETY: `raw` is a new object with one reference, which we hand over; its vtable is the one
    // for `I` (each caller passes the vtable of the interface it asks for, with `UNKNOWN` first).
    unsafe { I::from_raw(raw) }
}

/// # Safety
/// `this` is a live fake (made by `make`) and stays alive for `'a`.
unsafe fn fake<'a>(this: *mut c_void) -> &'a Fake {
    // SAFETY: guaranteed by the caller; `make` creates every fake as a `HandMade<Fake>`.
    unsafe { HandMade::<Fake>::from_raw(this) }.value()
}

fn record(this: *mut c_void, slot: &'static str, args: Vec<usize>) -> HRESULT {
    // SAFETY: called only from the fakes' slots, which are reached only through live fakes whose
    // caller holds a reference for the call.
    let f = unsafe { fake(this) };
    f.calls.borrow_mut().push((slot, args));
    f.result
}

fn addr<T>(p: *const T) -> usize {
    p as usize
}

// ----- ISyncMgrSynchronizeCallback ------------------------------------------------------------

unsafe extern "system" fn cb_completed(this: *mut c_void, hr: HRESULT) -> HRESULT {
    record(this, "Completed", vec![hr.0 as u32 as usize])
}
unsafe extern "system" fn cb_show_error_completed(
    this: *mut c_void,
    hr: HRESULT,
    n: u32,
    ids: *mut GUID,
) -> HRESULT {
    record(
        this,
        "ShowErrorCompleted",
        vec![hr.0 as u32 as usize, n as usize, addr(ids)],
    )
}
unsafe extern "system" fn cb_enable_modeless(this: *mut c_void, enable: i32) -> HRESULT {
    record(this, "EnableModeless", vec![enable as usize])
}
unsafe extern "system" fn cb_progress(
    this: *mut c_void,
    item: *const GUID,
    progress: *mut SYNCMGRPROGRESSITEM,
) -> HRESULT {
    record(this, "Progress", vec![addr(item), addr(progress)])
}
unsafe extern "system" fn cb_log_error(
    this: *mut c_void,
    level: u32,
    text: *const u16,
    info: *mut SYNCMGRLOGERRORINFO,
) -> HRESULT {
    record(
        this,
        "LogError",
        vec![level as usize, addr(text), addr(info)],
    )
}
unsafe extern "system" fn cb_delete_log_error(
    this: *mut c_void,
    id: *const GUID,
    reserved: u32,
) -> HRESULT {
    record(this, "DeleteLogError", vec![addr(id), reserved as usize])
}
unsafe extern "system" fn cb_establish_connection(
    this: *mut c_void,
    name: *const u16,
    reserved: u32,
) -> HRESULT {
    record(
        this,
        "EstablishConnection",
        vec![addr(name), reserved as usize],
    )
}

static CALLBACK_VTBL: ISyncMgrSynchronizeCallback_Vtbl = ISyncMgrSynchronizeCallback_Vtbl {
    base__: UNKNOWN,
    ShowPropertiesCompleted: cb_completed,
    PrepareForSyncCompleted: cb_completed,
    SynchronizeCompleted: cb_completed,
    ShowErrorCompleted: cb_show_error_completed,
    EnableModeless: cb_enable_modeless,
    Progress: cb_progress,
    LogError: cb_log_error,
    DeleteLogError: cb_delete_log_error,
    EstablishConnection: cb_establish_connection,
};

#[test]
fn callback_methods_pass_references_slices_and_strings_and_keep_success_codes() {
    let calls = Calls::default();
    let alive = Rc::new(AtomicU32::new(0));
    let cb: ISyncMgrSynchronizeCallback =
        make(&CALLBACK_VTBL, &calls, &alive, S_SYNCMGR_CANCELITEM);

    let item = GUID::from_u128(0x1234);
    let progress = SYNCMGRPROGRESSITEM {
        cbSize: size_of::<SYNCMGRPROGRESSITEM>() as u32,
        ..Default::default()
    };
    // Success codes other than S_OK come back unchanged.
    assert_eq!(cb.Progress(&item, Some(&progress)), S_SYNCMGR_CANCELITEM);
    assert_eq!(cb.Progress(&item, None), S_SYNCMGR_CANCELITEM);
    let ids = [GUID::from_u128(1), GUID::from_u128(2)];
    assert_eq!(
        cb.ShowErrorCompleted(S_SYNCMGR_RETRYSYNC, &ids),
        S_SYNCMGR_CANCELITEM
    );
    assert_eq!(cb.EnableModeless(1), S_SYNCMGR_CANCELITEM);

    let text: Vec<u16> = "disk full\0".encode_utf16().collect();
    assert_eq!(cb.LogError(3, &text, None), S_SYNCMGR_CANCELITEM);
    // A string without its terminator never reaches the object.
    let unterminated: Vec<u16> = "disk full".encode_utf16().collect();
    assert_eq!(cb.LogError(3, &unterminated, None), E_INVALIDARG);
    assert_eq!(cb.EstablishConnection(None, 0), S_SYNCMGR_CANCELITEM);
    assert_eq!(cb.EstablishConnection(Some(&unterminated), 0), E_INVALIDARG);

    let seen = calls.borrow().clone();
    assert_eq!(
        seen,
        vec![
            ("Progress", vec![addr(&item), addr(&progress)]),
            ("Progress", vec![addr(&item), 0]),
            (
                "ShowErrorCompleted",
                vec![0x0004_0202, 2, addr(ids.as_ptr())]
            ),
            ("EnableModeless", vec![1]),
            ("LogError", vec![3, addr(text.as_ptr()), 0]),
            ("EstablishConnection", vec![0, 0]),
        ]
    );

    // Clone = AddRef, drop = Release; the last drop frees the object.
    let second = cb.clone();
    drop(cb);
    assert_eq!(alive.load(Ordering::SeqCst), 1);
    // Deref to IUnknown and QueryInterface through `cast`.
    let unknown: &IUnknown = &second;
    let again: ISyncMgrSynchronizeCallback = unknown.cast().expect("QueryInterface");
    assert!(second.cast::<ISyncMgrEnumItems>().is_err());
    drop(again);
    drop(second);
    assert_eq!(alive.load(Ordering::SeqCst), 0);
}

// ----- ISyncMgrEnumItems -----------------------------------------------------------------------

unsafe extern "system" fn enum_next(
    this: *mut c_void,
    celt: u32,
    items: *mut SYNCMGRITEM,
    fetched: *mut u32,
) -> HRESULT {
    let _ = record(
        this,
        "Next",
        vec![celt as usize, addr(items), addr(fetched)],
    );
    // SAFETY: the only caller is the generated `Next` wrapper, which passes its `&mut` slice with
    // its length as `celt` (`celt.min(2)` items are written) and its `&mut u32` count.
    unsafe {
        let n = celt.min(2);
        for i in 0..n {
            (*items.add(i as usize)).ItemID = GUID::from_u128(u128::from(i) + 10);
        }
        *fetched = n;
        if n < celt { S_FALSE } else { S_OK }
    }
}
unsafe extern "system" fn enum_skip(this: *mut c_void, celt: u32) -> HRESULT {
    record(this, "Skip", vec![celt as usize])
}
unsafe extern "system" fn enum_reset(this: *mut c_void) -> HRESULT {
    record(this, "Reset", vec![])
}
unsafe extern "system" fn enum_clone(this: *mut c_void, out: *mut *mut c_void) -> HRESULT {
    let _ = record(this, "Clone", vec![]);
    // SAFETY: a live fake (see `record`); the generated `Clone` wrapper passes a pointer to its
    // local out variable.
    unsafe {
        let f = fake(this);
        if f.result == S_OK {
            let copy: ISyncMgrEnumItems = make(&ENUM_VTBL, &f.calls, &f.alive, f.result);
            *out = copy.into_raw();
        } else {
            // A broken object: success without an interface.
            *out = std::ptr::null_mut();
        }
    }
    S_OK
}

static ENUM_VTBL: ISyncMgrEnumItems_Vtbl = ISyncMgrEnumItems_Vtbl {
    base__: UNKNOWN,
    Next: enum_next,
    Skip: enum_skip,
    Reset: enum_reset,
    Clone: enum_clone,
};

#[test]
fn enumerator_next_fills_a_slice_and_keeps_s_false() {
    let calls = Calls::default();
    let alive = Rc::new(AtomicU32::new(0));
    let items: ISyncMgrEnumItems = make(&ENUM_VTBL, &calls, &alive, S_OK);

    let mut buffer = [SYNCMGRITEM::default(); 3];
    let mut fetched = 99;
    assert_eq!(items.Next(&mut buffer, &mut fetched), S_FALSE);
    assert_eq!(fetched, 2);
    assert_eq!(buffer[1].ItemID, GUID::from_u128(11));
    assert_eq!(buffer[2].ItemID, GUID::zeroed());
    let mut one = [SYNCMGRITEM::default(); 1];
    assert_eq!(items.Next(&mut one, &mut fetched), S_OK);
    assert_eq!(items.Skip(4), S_OK);
    assert_eq!(items.Reset(), S_OK);

    let copy = items.Clone().expect("Clone");
    assert_eq!(alive.load(Ordering::SeqCst), 2);
    drop(copy);
    let seen = calls.borrow().clone();
    assert_eq!(
        seen[0],
        ("Next", vec![3, addr(buffer.as_ptr()), addr(&fetched)])
    );
    assert_eq!(
        seen[1],
        ("Next", vec![1, addr(one.as_ptr()), addr(&fetched)])
    );
    assert_eq!(seen[2], ("Skip", vec![4]));
    assert_eq!(seen[3], ("Reset", vec![]));
    drop(items);
    assert_eq!(alive.load(Ordering::SeqCst), 0);

    // A "successful" Clone that returns no interface is E_POINTER, not a null interface.
    let broken: ISyncMgrEnumItems = make(&ENUM_VTBL, &calls, &alive, S_FALSE);
    assert_eq!(broken.Clone().unwrap_err().code(), E_POINTER);
}

// ----- ISyncMgrSynchronize ---------------------------------------------------------------------

unsafe extern "system" fn sync_initialize(
    this: *mut c_void,
    reserved: u32,
    flags: u32,
    cb: u32,
    cookie: *const u8,
) -> HRESULT {
    record(
        this,
        "Initialize",
        vec![reserved as usize, flags as usize, cb as usize, addr(cookie)],
    )
}
unsafe extern "system" fn sync_get_handler_info(
    this: *mut c_void,
    out: *mut LPSYNCMGRHANDLERINFO,
) -> HRESULT {
    let _ = record(this, "GetHandlerInfo", vec![]);
    // SAFETY: the generated `GetHandlerInfo` wrapper passes a pointer to its local out variable;
    // the "allocation" is a leaked box that the test takes back with `Box::from_raw`.
    unsafe {
        *out = Box::into_raw(Box::new(SYNCMGRHANDLERINFO {
            cbSize: 88,
            ..Default::default()
        }))
    };
    S_OK
}
unsafe extern "system" fn sync_enum_items(this: *mut c_void, out: *mut *mut c_void) -> HRESULT {
    // SAFETY: a live fake (see `record`); the generated `EnumSyncMgrItems` wrapper passes a
    // pointer to its local out variable.
    unsafe {
        let f = fake(this);
        let items: ISyncMgrEnumItems = make(&ENUM_VTBL, &f.calls, &f.alive, S_OK);
        *out = items.into_raw();
    }
    S_OK
}
unsafe extern "system" fn sync_get_item_object(
    this: *mut c_void,
    item: *const GUID,
    iid: *const GUID,
    out: *mut *mut c_void,
) -> HRESULT {
    // SAFETY: the generated `GetItemObject::<T>` wrapper passes `&T::IID`, a readable GUID.
    let iid_value = unsafe { *iid };
    let _ = record(
        this,
        "GetItemObject",
        vec![addr(item), (iid_value.data1) as usize],
    );
    // SAFETY: a live fake (see `record`); the wrapper's `out` points to its local out variable.
    // Answers with a fresh enumerator when asked for one.
    unsafe {
        if iid_value == ISyncMgrEnumItems::IID {
            let f = fake(this);
            let items: ISyncMgrEnumItems = make(&ENUM_VTBL, &f.calls, &f.alive, S_OK);
            *out = items.into_raw();
            S_OK
        } else {
            *out = std::ptr::null_mut();
            E_NOINTERFACE
        }
    }
}
unsafe extern "system" fn sync_hwnd_guid(
    this: *mut c_void,
    hwnd: HWND,
    id: *const GUID,
) -> HRESULT {
    record(this, "HwndGuid", vec![hwnd.0 as usize, addr(id)])
}
unsafe extern "system" fn sync_set_callback(this: *mut c_void, cb: *mut c_void) -> HRESULT {
    record(this, "SetProgressCallback", vec![cb as usize])
}
unsafe extern "system" fn sync_prepare(
    this: *mut c_void,
    n: u32,
    ids: *mut GUID,
    hwnd: HWND,
    reserved: u32,
) -> HRESULT {
    record(
        this,
        "PrepareForSync",
        vec![n as usize, addr(ids), hwnd.0 as usize, reserved as usize],
    )
}
unsafe extern "system" fn sync_synchronize(this: *mut c_void, hwnd: HWND) -> HRESULT {
    record(this, "Synchronize", vec![hwnd.0 as usize])
}
unsafe extern "system" fn sync_set_item_status(
    this: *mut c_void,
    id: *const GUID,
    status: u32,
) -> HRESULT {
    record(this, "SetItemStatus", vec![addr(id), status as usize])
}

static SYNC_VTBL: ISyncMgrSynchronize_Vtbl = ISyncMgrSynchronize_Vtbl {
    base__: UNKNOWN,
    Initialize: sync_initialize,
    GetHandlerInfo: sync_get_handler_info,
    EnumSyncMgrItems: sync_enum_items,
    GetItemObject: sync_get_item_object,
    ShowProperties: sync_hwnd_guid,
    SetProgressCallback: sync_set_callback,
    PrepareForSync: sync_prepare,
    Synchronize: sync_synchronize,
    SetItemStatus: sync_set_item_status,
    ShowError: sync_hwnd_guid,
};

#[test]
fn handler_methods_pass_cookies_item_lists_and_interfaces() {
    let calls = Calls::default();
    let alive = Rc::new(AtomicU32::new(0));
    let handler: ISyncMgrSynchronize = make(&SYNC_VTBL, &calls, &alive, S_FALSE);

    // Optional byte slices: the count comes from the slice; None is a null pointer and zero.
    let cookie = [1u8, 2, 3];
    assert_eq!(
        handler.Initialize(0, SYNCMGRFLAG_MANUAL.0 as u32, Some(&cookie)),
        S_FALSE
    );
    assert_eq!(handler.Initialize(0, 0, None), S_FALSE);
    let ids = [GUID::from_u128(7); 4];
    let hwnd = HWND(0x1000 as *mut c_void);
    assert_eq!(handler.PrepareForSync(&ids, hwnd, 0), S_FALSE);
    assert_eq!(handler.PrepareForSync(&[], HWND::default(), 0), S_FALSE);
    assert_eq!(handler.Synchronize(hwnd), S_FALSE);
    let item = GUID::from_u128(5);
    assert_eq!(
        handler.SetItemStatus(&item, SYNCMGRSTATUS_SKIPPED.0 as u32),
        S_FALSE
    );
    assert_eq!(handler.ShowProperties(hwnd, &item), S_FALSE);

    let cb_calls = Calls::default();
    let cb: ISyncMgrSynchronizeCallback = make(&CALLBACK_VTBL, &cb_calls, &alive, S_OK);
    assert_eq!(handler.SetProgressCallback(Some(&cb)), S_FALSE);
    assert_eq!(handler.SetProgressCallback(None), S_FALSE);

    // Out values.
    let info = handler.GetHandlerInfo().expect("GetHandlerInfo");
    // SAFETY: `sync_get_handler_info` made this pointer with `Box::into_raw` of a
    // SYNCMGRHANDLERINFO; it is taken back exactly once, here.
    let info = unsafe { Box::from_raw(info) };
    assert_eq!(info.cbSize, 88);
    let items = handler.EnumSyncMgrItems().expect("EnumSyncMgrItems");
    let object: ISyncMgrEnumItems = handler.GetItemObject(&item).expect("GetItemObject");
    assert_eq!(
        handler
            .GetItemObject::<ISyncMgrRegister>(&item)
            .unwrap_err()
            .code(),
        E_NOINTERFACE
    );

    let seen = calls.borrow().clone();
    let expected = vec![
        ("Initialize", vec![0, 3, 3, addr(cookie.as_ptr())]),
        ("Initialize", vec![0, 0, 0, 0]),
        ("PrepareForSync", vec![4, addr(ids.as_ptr()), 0x1000, 0]),
        ("PrepareForSync", vec![0, seen[3].1[1], 0, 0]),
        ("Synchronize", vec![0x1000]),
        ("SetItemStatus", vec![addr(&item), 1]),
        ("HwndGuid", vec![0x1000, addr(&item)]),
        ("SetProgressCallback", vec![cb.as_raw() as usize]),
        ("SetProgressCallback", vec![0]),
        ("GetHandlerInfo", vec![]),
        ("GetItemObject", vec![addr(&item), 0x6295_DF2A]),
        ("GetItemObject", vec![addr(&item), 0x6295_DF42]),
    ];
    assert_eq!(seen, expected);
    drop((items, object, cb, handler));
    assert_eq!(alive.load(Ordering::SeqCst), 0);
}

// ----- ISyncMgrRegister ------------------------------------------------------------------------

unsafe extern "system" fn reg_register(
    this: *mut c_void,
    clsid: *const GUID,
    text: *const u16,
    flags: u32,
) -> HRESULT {
    record(
        this,
        "Register",
        vec![addr(clsid), addr(text), flags as usize],
    )
}
unsafe extern "system" fn reg_unregister(
    this: *mut c_void,
    clsid: *const GUID,
    reserved: u32,
) -> HRESULT {
    record(this, "Unregister", vec![addr(clsid), reserved as usize])
}
unsafe extern "system" fn reg_info(
    this: *mut c_void,
    clsid: *const GUID,
    flags: *mut u32,
) -> HRESULT {
    // SAFETY: the generated `GetHandlerRegistrationInfo` wrapper passes its `&mut u32`, an
    // initialized in/out DWORD.
    let before = unsafe { *flags };
    let _ = record(this, "Info", vec![addr(clsid), before as usize]);
    // SAFETY: the same `&mut u32`, writable.
    unsafe { *flags = before | SYNCMGRREGISTERFLAG_IDLE.0 as u32 };
    S_FALSE
}

static REGISTER_VTBL: ISyncMgrRegister_Vtbl = ISyncMgrRegister_Vtbl {
    base__: UNKNOWN,
    RegisterSyncMgrHandler: reg_register,
    UnregisterSyncMgrHandler: reg_unregister,
    GetHandlerRegistrationInfo: reg_info,
};

#[test]
fn register_methods_pass_in_out_values() {
    let calls = Calls::default();
    let alive = Rc::new(AtomicU32::new(0));
    let register: ISyncMgrRegister = make(&REGISTER_VTBL, &calls, &alive, S_OK);
    let clsid = GUID::from_u128(0xABCD);
    let name: Vec<u16> = "Folder sync\0".encode_utf16().collect();
    assert_eq!(
        register.RegisterSyncMgrHandler(&clsid, Some(&name), 1),
        S_OK
    );
    assert_eq!(register.RegisterSyncMgrHandler(&clsid, None, 1), S_OK);
    assert_eq!(register.UnregisterSyncMgrHandler(&clsid, 0), S_OK);
    let mut flags = SYNCMGRREGISTERFLAG_CONNECT.0 as u32;
    assert_eq!(
        register.GetHandlerRegistrationInfo(&clsid, &mut flags),
        S_FALSE
    );
    assert_eq!(flags, 0x5);
    assert_eq!(
        calls.borrow().clone(),
        vec![
            ("Register", vec![addr(&clsid), addr(name.as_ptr()), 1]),
            ("Register", vec![addr(&clsid), 0, 1]),
            ("Unregister", vec![addr(&clsid), 0]),
            ("Info", vec![addr(&clsid), 1]),
        ]
    );
    drop(register);
    assert_eq!(alive.load(Ordering::SeqCst), 0);
}
