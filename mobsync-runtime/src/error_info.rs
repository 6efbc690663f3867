//! Error text across the ABI, the COM way: `ISupportErrorInfo`, `SetErrorInfo`, `IErrorInfo`.
//!
//! An HRESULT says what failed, not why. COM's answer: the failing object stores an error object
//! (`IErrorInfo`: a description, a source, the interface's IID) as the thread's error
//! information with `SetErrorInfo`, and answers `ISupportErrorInfo` for its interfaces; the caller
//! asks `ISupportErrorInfo::InterfaceSupportsErrorInfo(iid)`, and when it says `S_OK`, takes the
//! error object with `GetErrorInfo`.
//!
//! - In a handler, return [`error`]`(code, text)` from a trait method: the shim hands `text` to
//!   the caller as the description of the thread's error object, the interface's IID as its GUID
//!   and the Rust type of the object as its source. A panic's one line becomes the description of
//!   its `E_UNEXPECTED`. A failure without text clears the thread's error information (except on
//!   Windows, where `windows_core::Error::new` may have stored its own through
//!   `RoOriginateError`), so a caller never reads an older error's text.
//! - Every object the runtime makes answers `ISupportErrorInfo`: `S_OK` for its interfaces,
//!   `S_FALSE` for others.
//! - The error object comes from the process's COM runtime: on Windows oleaut32's
//!   `CreateErrorInfo` and `SetErrorInfo`. Elsewhere the process provides them as C symbols that
//!   the runtime finds with `dlsym(RTLD_DEFAULT, ...)`: `mobsync-host` exports
//!   `CreateErrorInfo`, `SetErrorInfo` and `GetErrorInfo` (made with
//!   [`ErrorObject`](crate::error_object::ErrorObject) and
//!   [`ThreadErrorInfo`](crate::error_object::ThreadErrorInfo)); in a process without them, no error object is made, and callers see
//!   the HRESULT alone. The object then lives in the host, never in the handler's module, so the
//!   module can be unloaded while a caller still holds it.
//! - Callers: [`error_description`] runs the caller's side of the protocol.

#![allow(non_snake_case)]

use std::cell::{Cell, RefCell};
use std::ffi::c_void;

use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

use crate::bstr;
use crate::hresults::S_OK;

/// The vtable of `IErrorInfo` (SDK order).
#[repr(C)]
#[allow(missing_debug_implementations)]
pub struct IErrorInfo_Vtbl {
    /// `QueryInterface`, `AddRef`, `Release`.
    pub base__: IUnknown_Vtbl,
    /// `HRESULT GetGUID(GUID *pGUID)`.
    pub GetGUID: unsafe extern "system" fn(*mut c_void, *mut GUID) -> HRESULT,
    /// `HRESULT GetSource(BSTR *pBstrSource)`.
    pub GetSource: unsafe extern "system" fn(*mut c_void, *mut *mut u16) -> HRESULT,
    /// `HRESULT GetDescription(BSTR *pBstrDescription)`.
    pub GetDescription: unsafe extern "system" fn(*mut c_void, *mut *mut u16) -> HRESULT,
    /// `HRESULT GetHelpFile(BSTR *pBstrHelpFile)`.
    pub GetHelpFile: unsafe extern "system" fn(*mut c_void, *mut *mut u16) -> HRESULT,
    /// `HRESULT GetHelpContext(DWORD *pdwHelpContext)`.
    pub GetHelpContext: unsafe extern "system" fn(*mut c_void, *mut u32) -> HRESULT,
}

/// `IErrorInfo`: an error's description, source and interface.
#[repr(transparent)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IErrorInfo(IUnknown);

// SAFETY: a transparent wrapper over an owned interface pointer whose vtable is `IErrorInfo_Vtbl`.
unsafe impl Interface for IErrorInfo {
    type Vtable = IErrorInfo_Vtbl;
    const IID: GUID = GUID::from_u128(0x1cf2b120_547d_101b_8e65_08002b2bd119);
}

impl IErrorInfo {
    fn bstr_out(
        &self,
        f: unsafe extern "system" fn(*mut c_void, *mut *mut u16) -> HRESULT,
    ) -> windows_core::Result<String> {
        let mut out = std::ptr::null_mut();
        // SAFETY: `self` is a live IErrorInfo and `f` one of its BSTR getters; `out` is writable.
        unsafe { f(self.as_raw(), &mut out) }.ok()?;
        // SAFETY: on success the callee handed over a BSTR (or null), which is the caller's to
        // free.
        unsafe {
            let text = bstr::to_string(out);
            bstr::free(out);
            Ok(text)
        }
    }

    /// `GetDescription`.
    pub fn description(&self) -> windows_core::Result<String> {
        self.bstr_out(self.vtable().GetDescription)
    }

    /// `GetSource`.
    pub fn source(&self) -> windows_core::Result<String> {
        self.bstr_out(self.vtable().GetSource)
    }

    /// `GetGUID`.
    pub fn guid(&self) -> windows_core::Result<GUID> {
        let mut guid = GUID::zeroed();
        // SAFETY: `self` is a live IErrorInfo; `guid` is writable.
        unsafe { (self.vtable().GetGUID)(self.as_raw(), &mut guid) }.ok()?;
        Ok(guid)
    }
}

/// The vtable of `ICreateErrorInfo` (SDK order).
#[repr(C)]
#[allow(missing_debug_implementations)]
pub struct ICreateErrorInfo_Vtbl {
    /// `QueryInterface`, `AddRef`, `Release`.
    pub base__: IUnknown_Vtbl,
    /// `HRESULT SetGUID(REFGUID rguid)`.
    pub SetGUID: unsafe extern "system" fn(*mut c_void, *const GUID) -> HRESULT,
    /// `HRESULT SetSource(LPOLESTR szSource)`.
    pub SetSource: unsafe extern "system" fn(*mut c_void, *const u16) -> HRESULT,
    /// `HRESULT SetDescription(LPOLESTR szDescription)`.
    pub SetDescription: unsafe extern "system" fn(*mut c_void, *const u16) -> HRESULT,
    /// `HRESULT SetHelpFile(LPOLESTR szHelpFile)`.
    pub SetHelpFile: unsafe extern "system" fn(*mut c_void, *const u16) -> HRESULT,
    /// `HRESULT SetHelpContext(DWORD dwHelpContext)`.
    pub SetHelpContext: unsafe extern "system" fn(*mut c_void, u32) -> HRESULT,
}

/// `ICreateErrorInfo`: fills in a new error object (`CreateErrorInfo` makes one).
#[repr(transparent)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ICreateErrorInfo(IUnknown);

// SAFETY: a transparent wrapper over an owned interface pointer whose vtable is
// `ICreateErrorInfo_Vtbl`.
unsafe impl Interface for ICreateErrorInfo {
    type Vtable = ICreateErrorInfo_Vtbl;
    const IID: GUID = GUID::from_u128(0x22f03340_547d_101b_8e65_08002b2bd119);
}

/// The vtable of `ISupportErrorInfo`.
#[repr(C)]
#[allow(missing_debug_implementations)]
pub struct ISupportErrorInfo_Vtbl {
    /// `QueryInterface`, `AddRef`, `Release`.
    pub base__: IUnknown_Vtbl,
    /// `HRESULT InterfaceSupportsErrorInfo(REFIID riid)`.
    pub InterfaceSupportsErrorInfo: unsafe extern "system" fn(*mut c_void, *const GUID) -> HRESULT,
}

/// `ISupportErrorInfo`: whether an object's interface reports errors with an error object.
#[repr(transparent)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ISupportErrorInfo(IUnknown);

// SAFETY: a transparent wrapper over an owned interface pointer whose vtable is
// `ISupportErrorInfo_Vtbl`.
unsafe impl Interface for ISupportErrorInfo {
    type Vtable = ISupportErrorInfo_Vtbl;
    const IID: GUID = GUID::from_u128(0xdf0b3d60_548f_101b_8e65_08002b2bd119);
}

thread_local! {
    /// The text [`error`] recorded for the failure the current method is about to return.
    static PENDING: RefCell<Option<(HRESULT, String)>> = const { RefCell::new(None) };
    /// Whether `PENDING` holds something (a cheap check on every successful call).
    static HAS_PENDING: Cell<bool> = const { Cell::new(false) };
}

/// An error with a text the caller can read: returns `code` as a `windows_core::Error` and keeps
/// `description` for the method's shim, which hands it to the caller as the thread's error object
/// when the method fails with this code (see the module documentation). Call it in the method
/// that returns the error, on the thread that runs the method.
///
/// ```
/// use mobsync_runtime::hresults::E_INVALIDARG;
///
/// fn check(source: &str) -> windows_core::Result<()> {
///     if source.is_empty() {
///         return Err(mobsync_runtime::error(E_INVALIDARG, "the cookie names no source folder"));
///     }
///     Ok(())
/// }
/// assert_eq!(check("").unwrap_err().code(), E_INVALIDARG);
/// ```
pub fn error(code: HRESULT, description: impl Into<String>) -> windows_core::Error {
    set_pending(code, description.into());
    windows_core::Error::from_hresult(code)
}

/// Records `description` for a failure with `code` of the current method.
pub(crate) fn set_pending(code: HRESULT, description: String) {
    PENDING.with(|p| *p.borrow_mut() = Some((code, description)));
    HAS_PENDING.with(|h| h.set(true));
}

fn take_pending() -> Option<(HRESULT, String)> {
    if !HAS_PENDING.with(Cell::get) {
        return None;
    }
    HAS_PENDING.with(|h| h.set(false));
    PENDING.with(|p| p.borrow_mut().take())
}

/// After a shim's call: a failure gets the thread's error object with the recorded text (or the
/// thread's error information cleared); a success drops any recorded text.
pub(crate) fn finish_call(hr: HRESULT, iid: &GUID, source: &'static str) {
    let pending = take_pending();
    if !hr.is_err() {
        return;
    }
    match pending {
        Some((code, description)) if code == hr => {
            if let Some(info) = new_error_info(iid, source, &description) {
                set_error_info(Some(&info));
            }
        }
        // On Windows, windows-core's `Error::new` may have set the thread's error object.
        _ if cfg!(windows) => {}
        _ => set_error_info(None),
    }
}

/// A new error object from the process's `CreateErrorInfo`, filled in.
fn new_error_info(iid: &GUID, source: &str, description: &str) -> Option<IErrorInfo> {
    let create = process::create_error_info()?;
    let wide = |s: &str| s.encode_utf16().chain([0]).collect::<Vec<u16>>();
    let (source, description) = (wide(source), wide(description));
    let vtable = create.vtable();
    // SAFETY: `create` is a live ICreateErrorInfo; the strings are NUL-terminated and outlive
    // the calls, the GUID is readable.
    let filled = unsafe {
        (vtable.SetGUID)(create.as_raw(), iid).is_ok()
            && (vtable.SetSource)(create.as_raw(), source.as_ptr()).is_ok()
            && (vtable.SetDescription)(create.as_raw(), description.as_ptr()).is_ok()
    };
    if !filled {
        return None;
    }
    create.cast().ok()
}

/// `SetErrorInfo(0, info)` of the process (nothing when the process has none).
fn set_error_info(info: Option<&IErrorInfo>) {
    process::set_error_info(info.map_or(std::ptr::null_mut(), Interface::as_raw));
}

/// The caller's side: when `object` answers `ISupportErrorInfo` with `S_OK` for `iid`, the
/// description of the thread's error object (taken, so it is reported once); else `None`. Call it
/// right after a method of `iid` on `object` failed, on the same thread.
pub fn error_description(object: &IUnknown, iid: &GUID) -> Option<String> {
    let support: ISupportErrorInfo = object.cast().ok()?;
    // SAFETY: `support` is a live ISupportErrorInfo; `iid` is readable.
    let hr = unsafe { (support.vtable().InterfaceSupportsErrorInfo)(support.as_raw(), iid) };
    if hr != S_OK {
        return None;
    }
    let info = take_error_info()?;
    info.description().ok().filter(|d| !d.is_empty())
}

/// `GetErrorInfo(0, ...)` of the process: the thread's error object, taken.
pub fn take_error_info() -> Option<IErrorInfo> {
    let raw = process::get_error_info();
    // SAFETY: GetErrorInfo hands over one reference to an IErrorInfo (or null).
    (!raw.is_null()).then(|| unsafe { IErrorInfo::from_raw(raw) })
}

/// Where `CreateErrorInfo`, `SetErrorInfo` and `GetErrorInfo` come from.
#[cfg(windows)]
mod process {
    use std::ffi::c_void;

    use windows_core::{HRESULT, Interface};

    use super::ICreateErrorInfo;

    #[link(name = "oleaut32")]
    unsafe extern "system" {
        fn CreateErrorInfo(out: *mut *mut c_void) -> HRESULT;
        fn SetErrorInfo(reserved: u32, info: *mut c_void) -> HRESULT;
        fn GetErrorInfo(reserved: u32, out: *mut *mut c_void) -> HRESULT;
    }

    pub(super) fn create_error_info() -> Option<ICreateErrorInfo> {
        let mut out = std::ptr::null_mut();
        // SAFETY: `out` is writable; on success it holds one reference.
        let hr = unsafe { CreateErrorInfo(&mut out) };
        // SAFETY: on success `out` is an ICreateErrorInfo we own.
        (hr.is_ok() && !out.is_null()).then(|| unsafe { ICreateErrorInfo::from_raw(out) })
    }

    pub(super) fn set_error_info(info: *mut c_void) {
        // SAFETY: `info` is null or a live IErrorInfo; SetErrorInfo adds its own reference.
        let _ = unsafe { SetErrorInfo(0, info) };
    }

    pub(super) fn get_error_info() -> *mut c_void {
        let mut out = std::ptr::null_mut();
        // SAFETY: `out` is writable; S_OK hands over one reference, S_FALSE leaves it null.
        if unsafe { GetErrorInfo(0, &mut out) } != super::S_OK {
            return std::ptr::null_mut();
        }
        out
    }
}

/// Where `CreateErrorInfo`, `SetErrorInfo` and `GetErrorInfo` come from: the process's own
/// (`dlsym(RTLD_DEFAULT, ...)`), looked up once.
#[cfg(not(windows))]
mod process {
    use std::ffi::{CStr, c_char, c_void};
    use std::sync::OnceLock;

    use windows_core::{HRESULT, Interface};

    use super::ICreateErrorInfo;

    unsafe extern "C" {
        fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    }

    /// `RTLD_DEFAULT`: the global symbol scope of the process.
    #[cfg(not(target_vendor = "apple"))]
    fn rtld_default() -> *mut c_void {
        std::ptr::null_mut()
    }

    /// `RTLD_DEFAULT` on Apple systems.
    #[cfg(target_vendor = "apple")]
    fn rtld_default() -> *mut c_void {
        std::ptr::without_provenance_mut(usize::MAX - 1)
    }

    type CreateFn = unsafe extern "system" fn(*mut *mut c_void) -> HRESULT;
    type SetFn = unsafe extern "system" fn(u32, *mut c_void) -> HRESULT;
    type GetFn = unsafe extern "system" fn(u32, *mut *mut c_void) -> HRESULT;

    #[derive(Clone, Copy)]
    struct Functions {
        create: CreateFn,
        set: SetFn,
        get: GetFn,
    }

    /// The three functions, when the process has all of them (never under Miri, which cannot
    /// call `dlsym`).
    fn functions() -> Option<Functions> {
        if cfg!(miri) {
            return None;
        }
        static FUNCTIONS: OnceLock<Option<Functions>> = OnceLock::new();
        *FUNCTIONS.get_or_init(|| {
            let find = |name: &CStr| {
                // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name only looks up.
                let address = unsafe { dlsym(rtld_default(), name.as_ptr()) };
                (!address.is_null()).then_some(address)
            };
            let (create, set, get) = (
                find(c"CreateErrorInfo")?,
                find(c"SetErrorInfo")?,
                find(c"GetErrorInfo")?,
            );
            // SAFETY: a process that exports these names gives them oleaut32's signatures (the
            // documented contract of this module).
            unsafe {
                Some(Functions {
                    create: std::mem::transmute::<*mut c_void, CreateFn>(create),
                    set: std::mem::transmute::<*mut c_void, SetFn>(set),
                    get: std::mem::transmute::<*mut c_void, GetFn>(get),
                })
            }
        })
    }

    pub(super) fn create_error_info() -> Option<ICreateErrorInfo> {
        let f = functions()?;
        let mut out = std::ptr::null_mut();
        // SAFETY: `out` is writable; on success it holds one reference.
        let hr = unsafe { (f.create)(&mut out) };
        // SAFETY: on success `out` is an ICreateErrorInfo we own.
        (hr.is_ok() && !out.is_null()).then(|| unsafe { ICreateErrorInfo::from_raw(out) })
    }

    pub(super) fn set_error_info(info: *mut c_void) {
        if let Some(f) = functions() {
            // SAFETY: `info` is null or a live IErrorInfo; SetErrorInfo adds its own reference.
            let _ = unsafe { (f.set)(0, info) };
        }
    }

    pub(super) fn get_error_info() -> *mut c_void {
        let Some(f) = functions() else {
            return std::ptr::null_mut();
        };
        let mut out = std::ptr::null_mut();
        // SAFETY: `out` is writable; S_OK hands over one reference, S_FALSE leaves it null.
        if unsafe { (f.get)(0, &mut out) } != super::S_OK {
            return std::ptr::null_mut();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_text_is_used_only_for_its_own_failure() {
        let _ = error(crate::hresults::E_FAIL, "old");
        // A success drops it.
        finish_call(S_OK, &GUID::zeroed(), "test");
        assert!(take_pending().is_none());
        let _ = error(crate::hresults::E_FAIL, "mine");
        assert_eq!(take_pending().map(|p| p.1).as_deref(), Some("mine"));
    }
}
