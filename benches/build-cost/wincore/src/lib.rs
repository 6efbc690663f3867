//! The same small Sync Manager handler as `../ours`, written against windows-core 0.100: the
//! interfaces declared with `#[interface]` (windows-core has no Sync Manager bindings), the
//! objects implemented with `#[implement]`, the enumerator, class factory and DLL exports by hand.
//! Registration (`DllRegisterServer`) is left out, which only makes this side smaller.

#![allow(non_snake_case, non_camel_case_types, clippy::missing_safety_doc)]

use std::ffi::c_void;
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use windows_core::{GUID, HRESULT, IUnknown, Interface, implement, interface};

const S_OK: HRESULT = HRESULT(0);
const S_FALSE: HRESULT = HRESULT(1);
const E_NOTIMPL: HRESULT = HRESULT(0x8000_4001_u32 as i32);
const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);
const E_INVALIDARG: HRESULT = HRESULT(0x8007_0057_u32 as i32);
const E_OUTOFMEMORY: HRESULT = HRESULT(0x8007_000E_u32 as i32);
const CLASS_E_NOAGGREGATION: HRESULT = HRESULT(0x8004_0110_u32 as i32);
const CLASS_E_CLASSNOTAVAILABLE: HRESULT = HRESULT(0x8004_0111_u32 as i32);
const SYNCMGRSTATUS_SUCCEEDED: u32 = 4;
const SYNCMGRITEMSTATE_CHECKED: u32 = 1;
const SYNCMGRPROGRESSITEM_STATUSTEXT: u32 = 1;
const SYNCMGRPROGRESSITEM_STATUSTYPE: u32 = 2;
const SYNCMGRPROGRESSITEM_PROGVALUE: u32 = 4;
const SYNCMGRPROGRESSITEM_MAXVALUE: u32 = 8;
const S_SYNCMGR_CANCELITEM: HRESULT = HRESULT(0x0004_0203);
const S_SYNCMGR_CANCELALL: HRESULT = HRESULT(0x0004_0204);
const CLSID_NOTES_SYNC: GUID = GUID::from_u128(0x3f2a7c10_5b1e_4d7a_9c61_2e8f0a4b7d00);

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct FILETIME {
    pub dwLowDateTime: u32,
    pub dwHighDateTime: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct SYNCMGRITEM {
    pub cbSize: u32,
    pub dwFlags: u32,
    pub ItemID: GUID,
    pub dwItemState: u32,
    pub hIcon: *mut c_void,
    pub wszItemName: [u16; 128],
    pub ftLastUpdate: FILETIME,
}

#[repr(C)]
pub struct SYNCMGRHANDLERINFO {
    pub cbSize: u32,
    pub hIcon: *mut c_void,
    pub SyncMgrHandlerFlags: u32,
    pub wszHandlerName: [u16; 32],
}

#[repr(C)]
pub struct SYNCMGRPROGRESSITEM {
    pub cbSize: u32,
    pub mask: u32,
    pub lpcStatusText: *const u16,
    pub dwStatusType: u32,
    pub iProgValue: i32,
    pub iMaxValue: i32,
}

#[interface("6295DF40-35EE-11D1-8707-00C04FD93327")]
pub unsafe trait ISyncMgrSynchronize: IUnknown {
    fn Initialize(&self, reserved: u32, flags: u32, cookie_len: u32, cookie: *const u8) -> HRESULT;
    fn GetHandlerInfo(&self, info: *mut *mut SYNCMGRHANDLERINFO) -> HRESULT;
    fn EnumSyncMgrItems(&self, items: *mut *mut c_void) -> HRESULT;
    fn GetItemObject(&self, item: *const GUID, iid: *const GUID, ppv: *mut *mut c_void) -> HRESULT;
    fn ShowProperties(&self, parent: *mut c_void, item: *const GUID) -> HRESULT;
    fn SetProgressCallback(&self, callback: *mut c_void) -> HRESULT;
    fn PrepareForSync(
        &self,
        count: u32,
        items: *const GUID,
        parent: *mut c_void,
        reserved: u32,
    ) -> HRESULT;
    fn Synchronize(&self, parent: *mut c_void) -> HRESULT;
    fn SetItemStatus(&self, item: *const GUID, status: u32) -> HRESULT;
    fn ShowError(&self, parent: *mut c_void, error: *const GUID) -> HRESULT;
}

#[interface("6295DF41-35EE-11D1-8707-00C04FD93327")]
pub unsafe trait ISyncMgrSynchronizeCallback: IUnknown {
    fn ShowPropertiesCompleted(&self, hr: HRESULT) -> HRESULT;
    fn PrepareForSyncCompleted(&self, hr: HRESULT) -> HRESULT;
    fn SynchronizeCompleted(&self, hr: HRESULT) -> HRESULT;
    fn ShowErrorCompleted(&self, hr: HRESULT, count: u32, items: *const GUID) -> HRESULT;
    fn EnableModeless(&self, enable: i32) -> HRESULT;
    fn Progress(&self, item: *const GUID, progress: *const SYNCMGRPROGRESSITEM) -> HRESULT;
    fn LogError(&self, level: u32, text: *const u16, info: *const c_void) -> HRESULT;
    fn DeleteLogError(&self, error: *const GUID, reserved: u32) -> HRESULT;
    fn EstablishConnection(&self, connection: *const u16, reserved: u32) -> HRESULT;
}

#[interface("6295DF2A-35EE-11D1-8707-00C04FD93327")]
pub unsafe trait ISyncMgrEnumItems: IUnknown {
    fn Next(&self, count: u32, items: *mut SYNCMGRITEM, fetched: *mut u32) -> HRESULT;
    fn Skip(&self, count: u32) -> HRESULT;
    fn Reset(&self) -> HRESULT;
    fn Clone(&self, enumerator: *mut *mut c_void) -> HRESULT;
}

#[interface("00000001-0000-0000-C000-000000000046")]
pub unsafe trait IClassFactory: IUnknown {
    fn CreateInstance(
        &self,
        outer: *mut c_void,
        iid: *const GUID,
        ppv: *mut *mut c_void,
    ) -> HRESULT;
    fn LockServer(&self, lock: i32) -> HRESULT;
}

#[cfg(windows)]
#[link(name = "ole32")]
unsafe extern "system" {
    fn CoTaskMemAlloc(size: usize) -> *mut c_void;
}

#[cfg(not(windows))]
unsafe fn CoTaskMemAlloc(size: usize) -> *mut c_void {
    unsafe extern "C" {
        fn malloc(size: usize) -> *mut c_void;
    }
    // SAFETY: plain C allocation; the caller frees it with CoTaskMemFree (= free here).
    unsafe { malloc(size.max(1)) }
}

static OBJECTS: AtomicUsize = AtomicUsize::new(0);
static LOCKS: AtomicUsize = AtomicUsize::new(0);

/// Counts a live object for DllCanUnloadNow.
struct Counted;

impl Counted {
    fn new() -> Self {
        OBJECTS.fetch_add(1, Ordering::AcqRel);
        Counted
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        OBJECTS.fetch_sub(1, Ordering::AcqRel);
    }
}

fn copy_wide(text: &str, out: &mut [u16]) {
    let mut n = 0;
    for unit in text.encode_utf16().take(out.len() - 1) {
        out[n] = unit;
        n += 1;
    }
    out[n] = 0;
}

const ITEMS: [(u128, &str); 3] = [
    (0x3f2a7c10_5b1e_4d7a_9c61_2e8f0a4b7d01, "Notes"),
    (0x3f2a7c10_5b1e_4d7a_9c61_2e8f0a4b7d02, "Contacts"),
    (0x3f2a7c10_5b1e_4d7a_9c61_2e8f0a4b7d03, "Calendar"),
];

#[implement(ISyncMgrEnumItems)]
struct Items {
    position: AtomicUsize,
    _counted: Counted,
}

impl Items {
    fn new(position: usize) -> Self {
        Items {
            position: AtomicUsize::new(position),
            _counted: Counted::new(),
        }
    }

    fn advance(&self, count: usize) -> std::ops::Range<usize> {
        let mut start = self.position.load(Ordering::Acquire);
        loop {
            let end = start.saturating_add(count).min(ITEMS.len()).max(start);
            match self.position.compare_exchange_weak(
                start,
                end,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return start..end,
                Err(actual) => start = actual,
            }
        }
    }
}

impl ISyncMgrEnumItems_Impl for Items_Impl {
    unsafe fn Next(&self, count: u32, items: *mut SYNCMGRITEM, fetched: *mut u32) -> HRESULT {
        if fetched.is_null() && count != 1 {
            return E_POINTER;
        }
        if items.is_null() && count != 0 {
            return E_INVALIDARG;
        }
        let range = self.advance(count as usize);
        let n = range.len();
        for (k, &(id, name)) in ITEMS[range].iter().enumerate() {
            let mut item = SYNCMGRITEM {
                cbSize: size_of::<SYNCMGRITEM>() as u32,
                dwFlags: 0,
                ItemID: GUID::from_u128(id),
                dwItemState: SYNCMGRITEMSTATE_CHECKED,
                hIcon: ptr::null_mut(),
                wszItemName: [0; 128],
                ftLastUpdate: FILETIME::default(),
            };
            copy_wide(name, &mut item.wszItemName);
            // SAFETY: the caller's array holds `count` items and `k < count`.
            unsafe { items.add(k).write(item) };
        }
        if !fetched.is_null() {
            // SAFETY: non-null out pointer.
            unsafe { *fetched = n as u32 };
        }
        if n == count as usize { S_OK } else { S_FALSE }
    }

    unsafe fn Skip(&self, count: u32) -> HRESULT {
        if self.advance(count as usize).len() == count as usize {
            S_OK
        } else {
            S_FALSE
        }
    }

    unsafe fn Reset(&self) -> HRESULT {
        self.position.store(0, Ordering::Release);
        S_OK
    }

    unsafe fn Clone(&self, enumerator: *mut *mut c_void) -> HRESULT {
        if enumerator.is_null() {
            return E_POINTER;
        }
        let copy: ISyncMgrEnumItems = Items::new(self.position.load(Ordering::Acquire)).into();
        // SAFETY: non-null out pointer; the reference goes to the caller.
        unsafe { *enumerator = copy.into_raw() };
        S_OK
    }
}

#[implement(ISyncMgrSynchronize)]
struct NotesSync {
    callback: Mutex<Option<ISyncMgrSynchronizeCallback>>,
    chosen: Mutex<Vec<GUID>>,
    _counted: Counted,
}

impl NotesSync {
    fn new() -> Self {
        NotesSync {
            callback: Mutex::new(None),
            chosen: Mutex::new(Vec::new()),
            _counted: Counted::new(),
        }
    }
}

impl ISyncMgrSynchronize_Impl for NotesSync_Impl {
    unsafe fn Initialize(&self, _: u32, _: u32, cookie_len: u32, cookie: *const u8) -> HRESULT {
        if cookie.is_null() && cookie_len != 0 {
            return E_INVALIDARG;
        }
        S_OK
    }

    unsafe fn GetHandlerInfo(&self, info: *mut *mut SYNCMGRHANDLERINFO) -> HRESULT {
        if info.is_null() {
            return E_POINTER;
        }
        // SAFETY: task memory of the structure's size, filled before it is handed out.
        unsafe {
            *info = ptr::null_mut();
            let block =
                CoTaskMemAlloc(size_of::<SYNCMGRHANDLERINFO>()).cast::<SYNCMGRHANDLERINFO>();
            if block.is_null() {
                return E_OUTOFMEMORY;
            }
            let mut value = SYNCMGRHANDLERINFO {
                cbSize: size_of::<SYNCMGRHANDLERINFO>() as u32,
                hIcon: ptr::null_mut(),
                SyncMgrHandlerFlags: 0,
                wszHandlerName: [0; 32],
            };
            copy_wide("Notes Sync", &mut value.wszHandlerName);
            block.write(value);
            *info = block;
        }
        S_OK
    }

    unsafe fn EnumSyncMgrItems(&self, items: *mut *mut c_void) -> HRESULT {
        if items.is_null() {
            return E_POINTER;
        }
        let enumerator: ISyncMgrEnumItems = Items::new(0).into();
        // SAFETY: non-null out pointer; the reference goes to the caller.
        unsafe { *items = enumerator.into_raw() };
        S_OK
    }

    unsafe fn GetItemObject(
        &self,
        _: *const GUID,
        _: *const GUID,
        ppv: *mut *mut c_void,
    ) -> HRESULT {
        if !ppv.is_null() {
            // SAFETY: non-null out pointer.
            unsafe { *ppv = ptr::null_mut() };
        }
        E_NOTIMPL
    }

    unsafe fn ShowProperties(&self, _: *mut c_void, _: *const GUID) -> HRESULT {
        E_NOTIMPL
    }

    unsafe fn SetProgressCallback(&self, callback: *mut c_void) -> HRESULT {
        // SAFETY: a borrowed interface pointer or null; `from_raw_borrowed` + clone adds our reference.
        let callback =
            unsafe { ISyncMgrSynchronizeCallback::from_raw_borrowed(&callback) }.cloned();
        *self.callback.lock().unwrap() = callback;
        S_OK
    }

    unsafe fn PrepareForSync(
        &self,
        count: u32,
        items: *const GUID,
        _: *mut c_void,
        _: u32,
    ) -> HRESULT {
        if items.is_null() && count != 0 {
            return E_INVALIDARG;
        }
        let chosen = if count == 0 {
            Vec::new()
        } else {
            // SAFETY: `count` readable GUIDs per the COM contract.
            unsafe { std::slice::from_raw_parts(items, count as usize) }.to_vec()
        };
        *self.chosen.lock().unwrap() = chosen;
        if let Some(callback) = self.callback.lock().unwrap().clone() {
            // SAFETY: a live callback.
            let _ = unsafe { callback.PrepareForSyncCompleted(S_OK) };
        }
        S_OK
    }

    unsafe fn Synchronize(&self, _: *mut c_void) -> HRESULT {
        let Some(callback) = self.callback.lock().unwrap().clone() else {
            return S_OK;
        };
        let text: Vec<u16> = "Synchronized".encode_utf16().chain([0]).collect();
        let max = 1; // build-cost: incremental edit
        for item in self.chosen.lock().unwrap().iter() {
            let done = SYNCMGRPROGRESSITEM {
                cbSize: size_of::<SYNCMGRPROGRESSITEM>() as u32,
                mask: SYNCMGRPROGRESSITEM_STATUSTEXT
                    | SYNCMGRPROGRESSITEM_STATUSTYPE
                    | SYNCMGRPROGRESSITEM_PROGVALUE
                    | SYNCMGRPROGRESSITEM_MAXVALUE,
                lpcStatusText: text.as_ptr(),
                dwStatusType: SYNCMGRSTATUS_SUCCEEDED,
                iProgValue: max,
                iMaxValue: max,
            };
            // SAFETY: a live callback; `item`, `done` and `text` outlive the call.
            let hr = unsafe { callback.Progress(item, &done) };
            if hr == S_SYNCMGR_CANCELITEM || hr == S_SYNCMGR_CANCELALL || hr.is_err() {
                break;
            }
        }
        // SAFETY: a live callback.
        unsafe { callback.SynchronizeCompleted(S_OK) }
    }

    unsafe fn SetItemStatus(&self, item: *const GUID, _: u32) -> HRESULT {
        if item.is_null() { E_POINTER } else { S_OK }
    }

    unsafe fn ShowError(&self, _: *mut c_void, _: *const GUID) -> HRESULT {
        E_NOTIMPL
    }
}

#[implement(IClassFactory)]
struct Factory {
    _counted: Counted,
}

impl IClassFactory_Impl for Factory_Impl {
    unsafe fn CreateInstance(
        &self,
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
        let unknown: IUnknown = NotesSync::new().into();
        // SAFETY: the caller's IID and out pointer.
        unsafe { unknown.query(iid, ppv) }
    }

    unsafe fn LockServer(&self, lock: i32) -> HRESULT {
        if lock != 0 {
            LOCKS.fetch_add(1, Ordering::AcqRel);
        } else {
            LOCKS.fetch_sub(1, Ordering::AcqRel);
        }
        S_OK
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "system" fn DllGetClassObject(
    clsid: *const GUID,
    iid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    if ppv.is_null() {
        return E_POINTER;
    }
    // SAFETY: non-null out pointer.
    unsafe { *ppv = ptr::null_mut() };
    if clsid.is_null() || iid.is_null() {
        return E_POINTER;
    }
    // SAFETY: readable per the COM contract.
    if unsafe { *clsid } != CLSID_NOTES_SYNC {
        return CLASS_E_CLASSNOTAVAILABLE;
    }
    let factory: IUnknown = Factory {
        _counted: Counted::new(),
    }
    .into();
    // SAFETY: the caller's IID and out pointer.
    unsafe { factory.query(iid, ppv) }
}

#[unsafe(no_mangle)]
pub extern "system" fn DllCanUnloadNow() -> HRESULT {
    if OBJECTS.load(Ordering::Acquire) == 0 && LOCKS.load(Ordering::Acquire) == 0 {
        S_OK
    } else {
        S_FALSE
    }
}
