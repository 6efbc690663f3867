//! The process's error-object functions where there is no oleaut32: `CreateErrorInfo`,
//! `SetErrorInfo` and `GetErrorInfo`, exported by the `mobsync-host` executable.
//!
//! Handler modules find them with `dlsym(RTLD_DEFAULT, ...)` (see `mobsync_runtime::error_info`)
//! and hand their error text to the host the COM way: the failing object stores an `IErrorInfo`
//! made by the host's `CreateErrorInfo` with `SetErrorInfo`; the host takes it with
//! `GetErrorInfo` after asking the object's `ISupportErrorInfo`. The executable exports them
//! through its build script (`-Wl,--export-dynamic-symbol=...`); a program that embeds the host
//! library and wants handlers' error text does the same. On Windows oleaut32 has them.

#![cfg(not(windows))]

use std::ffi::c_void;

use mobsync_runtime::error_object::{ErrorObject, ThreadErrorInfo};
use windows_core::{HRESULT, Interface};

use crate::hresult::E_POINTER;

/// `HRESULT CreateErrorInfo(ICreateErrorInfo **pperrinfo)`: a new, empty error object.
///
/// # Safety
///
/// `out` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn CreateErrorInfo(out: *mut *mut c_void) -> HRESULT {
    if out.is_null() {
        return E_POINTER;
    }
    if !out.is_aligned() {
        return crate::hresult::E_INVALIDARG;
    }
    // SAFETY: checked non-null and aligned; writable per the contract. The caller takes over
    // the reference.
    unsafe { out.write(ErrorObject::create().into_raw()) };
    HRESULT(0)
}

/// `HRESULT SetErrorInfo(ULONG reserved, IErrorInfo *perrinfo)`: the thread's error object
/// (null clears it).
///
/// # Safety
///
/// `info` is null or a live `IErrorInfo`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn SetErrorInfo(reserved: u32, info: *mut c_void) -> HRESULT {
    // SAFETY: guaranteed by the caller.
    unsafe { ThreadErrorInfo::set(reserved, info) }
}

/// `HRESULT GetErrorInfo(ULONG reserved, IErrorInfo **pperrinfo)`: takes the thread's error
/// object (`S_OK`), or `S_FALSE` with null.
///
/// # Safety
///
/// `out` is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn GetErrorInfo(reserved: u32, out: *mut *mut c_void) -> HRESULT {
    // SAFETY: guaranteed by the caller.
    unsafe { ThreadErrorInfo::take(reserved, out) }
}
