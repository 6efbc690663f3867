//! A ready error object and the thread's error-object slot, for a process that plays the COM
//! runtime where there is no oleaut32 (`mobsync-host` builds its exported `CreateErrorInfo`,
//! `SetErrorInfo` and `GetErrorInfo` from them). See [`crate::error_info`] for the protocol.

#![allow(non_snake_case)]

use std::cell::RefCell;
use std::ffi::c_void;
use std::sync::Mutex;

use windows_core::{GUID, HRESULT, IUnknown, Interface};

use crate::abi::{self, Checked};
use crate::bstr;
use crate::error_info::{ICreateErrorInfo, ICreateErrorInfo_Vtbl, IErrorInfo, IErrorInfo_Vtbl};
use crate::hresults::{E_POINTER, S_FALSE, S_OK};
use crate::object::{ComClass, ComObject, Implement, VtablePtr, dispatch, unknown_vtable};
use crate::threading::Both;

/// A ready error object (`ICreateErrorInfo` and `IErrorInfo`), for a process that plays the COM
/// runtime where there is no oleaut32: its `CreateErrorInfo` returns [`ErrorObject::create`].
#[derive(Debug, Default)]
pub struct ErrorObject {
    fields: Mutex<ErrorFields>,
}

#[derive(Debug, Default, Clone)]
struct ErrorFields {
    guid: GUID,
    source: String,
    description: String,
    help_file: String,
    help_context: u32,
}

impl ErrorObject {
    /// A new, empty error object, as `CreateErrorInfo` returns it.
    pub fn create() -> ICreateErrorInfo {
        ComObject::new(ErrorObject::default()).into_interface()
    }

    fn fields(&self) -> std::sync::MutexGuard<'_, ErrorFields> {
        self.fields.lock().unwrap_or_else(|p| p.into_inner())
    }
}

// SAFETY: slot 0 holds ICreateErrorInfo (see `IIDS` and `VTABLES`).
unsafe impl crate::object::HasInterface<ICreateErrorInfo> for ErrorObject {
    const SLOT: usize = 0;
}

// SAFETY: two slots, ICreateErrorInfo and IErrorInfo, whose vtables treat `this` as slot 0 and 1
// of `Object<ErrorObject>`; the value is `Send + Sync`.
unsafe impl ComClass for ErrorObject {
    type Vtables = [VtablePtr; 2];
    const VTABLES: Self::Vtables = [
        VtablePtr::new(&<ICreateErrorInfo as Implement<Self, 0>>::VTABLE),
        VtablePtr::new(&<IErrorInfo as Implement<Self, 1>>::VTABLE),
    ];
    const IIDS: &'static [GUID] = &[ICreateErrorInfo::IID, IErrorInfo::IID];
    type Threading = Both;
    // The error object itself does not store error objects.
    const SUPPORTS_ERROR_INFO: bool = false;
}

/// Runs `f` on the error object behind slot `K` (see [`dispatch`]).
///
/// # Safety
///
/// `this` is null or slot `K` of a live `Object<ErrorObject>` held by the caller.
unsafe fn on_object<const K: usize>(
    this: *mut c_void,
    method: &'static str,
    f: impl FnOnce(&ErrorObject) -> Checked<HRESULT>,
) -> HRESULT {
    // SAFETY: guaranteed by the caller.
    unsafe { dispatch::<ErrorObject, K>(this, method, |object| abi::respond(|| f(object))) }
}

// SAFETY: the shims treat `this` as slot `K` of `Object<ErrorObject>` through `dispatch`.
unsafe impl<const K: usize> Implement<ErrorObject, K> for ICreateErrorInfo {
    const VTABLE: ICreateErrorInfo_Vtbl = ICreateErrorInfo_Vtbl {
        base__: unknown_vtable::<ErrorObject, K>(),
        SetGUID: set_guid::<K>,
        SetSource: set_source::<K>,
        SetDescription: set_description::<K>,
        SetHelpFile: set_help_file::<K>,
        SetHelpContext: set_help_context::<K>,
    };
}

unsafe extern "system" fn set_guid<const K: usize>(
    this: *mut c_void,
    guid: *const GUID,
) -> HRESULT {
    // SAFETY: COM passes `this` as slot K of the object and `guid` null or readable.
    unsafe {
        on_object::<K>(this, "ICreateErrorInfo::SetGUID", |o| {
            o.fields().guid = abi::in_guid(guid)?;
            Ok(S_OK)
        })
    }
}

/// A `LPOLESTR` setter: null stores an empty text.
///
/// # Safety
///
/// `this` is null or slot K of a live error object; `text` is null or a NUL-terminated string.
unsafe fn set_text<const K: usize>(
    this: *mut c_void,
    method: &'static str,
    text: *const u16,
    field: fn(&mut ErrorFields) -> &mut String,
) -> HRESULT {
    // SAFETY: guaranteed by the caller.
    unsafe {
        on_object::<K>(this, method, |o| {
            let text = abi::in_wstr_opt(text)?.map(|t| t.to_string_lossy());
            *field(&mut o.fields()) = text.unwrap_or_default();
            Ok(S_OK)
        })
    }
}

unsafe extern "system" fn set_source<const K: usize>(this: *mut c_void, s: *const u16) -> HRESULT {
    // SAFETY: COM passes `this` as slot K and `s` null or NUL-terminated.
    unsafe { set_text::<K>(this, "ICreateErrorInfo::SetSource", s, |f| &mut f.source) }
}

unsafe extern "system" fn set_description<const K: usize>(
    this: *mut c_void,
    s: *const u16,
) -> HRESULT {
    // SAFETY: COM passes `this` as slot K and `s` null or NUL-terminated.
    unsafe {
        set_text::<K>(this, "ICreateErrorInfo::SetDescription", s, |f| {
            &mut f.description
        })
    }
}

unsafe extern "system" fn set_help_file<const K: usize>(
    this: *mut c_void,
    s: *const u16,
) -> HRESULT {
    // SAFETY: COM passes `this` as slot K and `s` null or NUL-terminated.
    unsafe {
        set_text::<K>(this, "ICreateErrorInfo::SetHelpFile", s, |f| {
            &mut f.help_file
        })
    }
}

unsafe extern "system" fn set_help_context<const K: usize>(
    this: *mut c_void,
    context: u32,
) -> HRESULT {
    // SAFETY: COM passes `this` as slot K.
    unsafe {
        on_object::<K>(this, "ICreateErrorInfo::SetHelpContext", |o| {
            o.fields().help_context = context;
            Ok(S_OK)
        })
    }
}

// SAFETY: the shims treat `this` as slot `K` of `Object<ErrorObject>` through `dispatch`.
unsafe impl<const K: usize> Implement<ErrorObject, K> for IErrorInfo {
    const VTABLE: IErrorInfo_Vtbl = IErrorInfo_Vtbl {
        base__: unknown_vtable::<ErrorObject, K>(),
        GetGUID: get_guid::<K>,
        GetSource: get_source::<K>,
        GetDescription: get_description::<K>,
        GetHelpFile: get_help_file::<K>,
        GetHelpContext: get_help_context::<K>,
    };
}

unsafe extern "system" fn get_guid<const K: usize>(this: *mut c_void, out: *mut GUID) -> HRESULT {
    // SAFETY: COM passes `this` as slot K and `out` null or writable.
    unsafe {
        on_object::<K>(this, "IErrorInfo::GetGUID", |o| {
            let slot = abi::out_zeroed(out)?;
            abi::write_out(slot, o.fields().guid);
            Ok(S_OK)
        })
    }
}

/// A BSTR getter: the field's text, or null for an empty help file.
///
/// # Safety
///
/// `this` is null or slot K of a live error object; `out` is null or writable.
unsafe fn get_text<const K: usize>(
    this: *mut c_void,
    method: &'static str,
    out: *mut *mut u16,
    field: fn(&ErrorFields) -> &str,
) -> HRESULT {
    // SAFETY: guaranteed by the caller.
    unsafe {
        on_object::<K>(this, method, |o| {
            let slot = abi::out_zeroed(out)?;
            let text = field(&o.fields()).to_owned();
            abi::write_out(slot, bstr::alloc(&text)?);
            Ok(S_OK)
        })
    }
}

unsafe extern "system" fn get_source<const K: usize>(
    this: *mut c_void,
    out: *mut *mut u16,
) -> HRESULT {
    // SAFETY: COM passes `this` as slot K and `out` null or writable.
    unsafe { get_text::<K>(this, "IErrorInfo::GetSource", out, |f| &f.source) }
}

unsafe extern "system" fn get_description<const K: usize>(
    this: *mut c_void,
    out: *mut *mut u16,
) -> HRESULT {
    // SAFETY: COM passes `this` as slot K and `out` null or writable.
    unsafe { get_text::<K>(this, "IErrorInfo::GetDescription", out, |f| &f.description) }
}

unsafe extern "system" fn get_help_file<const K: usize>(
    this: *mut c_void,
    out: *mut *mut u16,
) -> HRESULT {
    // SAFETY: COM passes `this` as slot K and `out` null or writable.
    unsafe { get_text::<K>(this, "IErrorInfo::GetHelpFile", out, |f| &f.help_file) }
}

unsafe extern "system" fn get_help_context<const K: usize>(
    this: *mut c_void,
    out: *mut u32,
) -> HRESULT {
    // SAFETY: COM passes `this` as slot K and `out` null or writable.
    unsafe {
        on_object::<K>(this, "IErrorInfo::GetHelpContext", |o| {
            let slot = abi::out_zeroed(out)?;
            abi::write_out(slot, o.fields().help_context);
            Ok(S_OK)
        })
    }
}

/// The thread's error object, for a process that plays the COM runtime where there is no
/// oleaut32: its exported `SetErrorInfo` and `GetErrorInfo` call [`ThreadErrorInfo::set`] and
/// [`ThreadErrorInfo::take`].
#[derive(Debug)]
pub enum ThreadErrorInfo {}

thread_local! {
    static THREAD_ERROR_INFO: RefCell<Option<IErrorInfo>> = const { RefCell::new(None) };
}

impl ThreadErrorInfo {
    /// `SetErrorInfo(reserved, info)`: stores `info` (null clears), with a reference of its own.
    /// `E_INVALIDARG` for a non-zero `reserved`.
    ///
    /// # Safety
    ///
    /// `info` is null or a live `IErrorInfo` (or an interface pointer whose object implements
    /// it: it is asked for `IErrorInfo`).
    pub unsafe fn set(reserved: u32, info: *mut c_void) -> HRESULT {
        if reserved != 0 {
            return crate::hresults::E_INVALIDARG;
        }
        // SAFETY: null or a live interface pointer per the contract; borrowed, not released.
        let stored = unsafe { IUnknown::from_raw_borrowed(&info) }
            .map(|unknown| unknown.cast::<IErrorInfo>())
            .transpose();
        let Ok(stored) = stored else {
            return crate::hresults::E_NOINTERFACE;
        };
        // The previous object is released outside the borrow (its Release may call back).
        let previous = THREAD_ERROR_INFO.with(|slot| slot.replace(stored));
        drop(previous);
        S_OK
    }

    /// `GetErrorInfo(reserved, out)`: hands the thread's error object over (`S_OK`) and clears
    /// it, or `S_FALSE` with null when there is none.
    ///
    /// # Safety
    ///
    /// `out` is null or writable.
    pub unsafe fn take(reserved: u32, out: *mut *mut c_void) -> HRESULT {
        if out.is_null() {
            return E_POINTER;
        }
        if !out.cast::<*mut c_void>().is_aligned() {
            return crate::hresults::E_INVALIDARG;
        }
        // SAFETY: checked non-null and aligned; writable per the contract.
        unsafe { out.write(std::ptr::null_mut()) };
        if reserved != 0 {
            return crate::hresults::E_INVALIDARG;
        }
        match THREAD_ERROR_INFO.with(|slot| slot.borrow_mut().take()) {
            Some(info) => {
                // SAFETY: as above; the caller takes over the reference.
                unsafe { out.write(info.into_raw()) };
                S_OK
            }
            None => S_FALSE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_info::ISupportErrorInfo;

    #[test]
    fn the_error_object_keeps_what_it_is_given() {
        let create = ErrorObject::create();
        let text: Vec<u16> = "cannot list /src".encode_utf16().chain([0]).collect();
        let iid = GUID::from_u128(0x1234);
        // SAFETY: live object; the string is NUL-terminated, the GUID readable.
        unsafe {
            assert_eq!((create.vtable().SetGUID)(create.as_raw(), &iid), S_OK);
            assert_eq!(
                (create.vtable().SetDescription)(create.as_raw(), text.as_ptr()),
                S_OK
            );
            assert_eq!(
                (create.vtable().SetGUID)(create.as_raw(), std::ptr::null()),
                E_POINTER
            );
        }
        let info: IErrorInfo = create.cast().unwrap();
        assert_eq!(info.description().unwrap(), "cannot list /src");
        assert_eq!(info.source().unwrap(), "");
        assert_eq!(info.guid().unwrap(), iid);
        // SAFETY: live object; a null out-pointer is refused.
        unsafe {
            assert_eq!(
                (info.vtable().GetDescription)(info.as_raw(), std::ptr::null_mut()),
                E_POINTER
            );
        }
        // The error object does not claim error objects of its own.
        assert!(info.cast::<ISupportErrorInfo>().is_err());
    }

    #[test]
    fn the_thread_slot_hands_the_object_over_once() {
        let info: IErrorInfo = ErrorObject::create().cast().unwrap();
        // SAFETY: a live IErrorInfo; a writable out-pointer.
        unsafe {
            assert_eq!(ThreadErrorInfo::set(0, info.as_raw()), S_OK);
            let mut out = std::ptr::null_mut();
            assert_eq!(ThreadErrorInfo::take(0, &mut out), S_OK);
            assert_eq!(out, info.as_raw());
            drop(IErrorInfo::from_raw(out));
            assert_eq!(ThreadErrorInfo::take(0, &mut out), S_FALSE);
            assert!(out.is_null());
            assert_eq!(ThreadErrorInfo::take(0, std::ptr::null_mut()), E_POINTER);
            assert_eq!(
                ThreadErrorInfo::set(1, std::ptr::null_mut()),
                crate::hresults::E_INVALIDARG
            );
        }
    }
}
