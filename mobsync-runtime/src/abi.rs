//! Checked conversions between raw ABI arguments and the safe types of the handler traits.
//!
//! The generated shims (in [`crate::interfaces`]) call these for every argument before the user's
//! code sees it: null pointers give `E_POINTER`, a count with a null array or an oversized count
//! gives `E_INVALIDARG`, and an in-structure whose `cbSize` is not its size gives `E_INVALIDARG`.
//! Out-parameters are cleared before the call so that a failing method leaves null/zero behind.

use std::ffi::c_void;
use std::mem::size_of;
use std::ptr;

use windows_core::{GUID, HRESULT, Interface};

use crate::hresults::{
    E_FAIL, E_INVALIDARG, E_NOINTERFACE, E_POINTER, E_UNEXPECTED, S_FALSE, S_OK,
};
use crate::wstr::WStr;

/// The result type of the shims' argument checks: the error is the HRESULT to return.
pub type Checked<T> = Result<T, HRESULT>;

/// `[in] REFGUID`-like argument: the GUID, copied (the caller's pointer may be unaligned).
///
/// # Safety
///
/// `ptr` is null or readable for a `GUID`.
pub unsafe fn in_guid(ptr: *const GUID) -> Checked<GUID> {
    if ptr.is_null() {
        return Err(E_POINTER);
    }
    // SAFETY: non-null and readable per the contract.
    Ok(unsafe { ptr.read_unaligned() })
}

/// `[in, unique] REFGUID`-like argument: `None` for null.
///
/// # Safety
///
/// `ptr` is null or readable for a `GUID`.
pub unsafe fn in_guid_opt(ptr: *const GUID) -> Option<GUID> {
    // SAFETY: forwarded contract.
    unsafe { in_guid(ptr) }.ok()
}

/// `[in] T*` for a structure without `cbSize`: a reference (`E_POINTER` for null,
/// `E_INVALIDARG` when misaligned).
///
/// # Safety
///
/// A non-null `ptr` points to a readable, initialized `T` unchanged for `'a`.
pub unsafe fn in_ref<'a, T>(ptr: *const T) -> Checked<&'a T> {
    if ptr.is_null() {
        return Err(E_POINTER);
    }
    if !(ptr as usize).is_multiple_of(align_of::<T>()) {
        return Err(E_INVALIDARG);
    }
    // SAFETY: non-null, aligned, valid per the contract.
    Ok(unsafe { &*ptr })
}

/// `[in] size_is(len) T*` with `[in] count len`: a slice; a null pointer is allowed only with a
/// zero count (`E_INVALIDARG` otherwise).
///
/// # Safety
///
/// A non-null `ptr` points to `len` readable, initialized `T`s that stay unchanged for `'a`.
pub unsafe fn in_slice<'a, T>(ptr: *const T, len: u32) -> Checked<&'a [T]> {
    let len = len as usize;
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(E_INVALIDARG) };
    }
    if !(ptr as usize).is_multiple_of(align_of::<T>())
        || len
            .checked_mul(size_of::<T>())
            .is_none_or(|n| n > isize::MAX as usize)
    {
        return Err(E_INVALIDARG);
    }
    // SAFETY: checked non-null, aligned and within isize::MAX bytes; readable per the contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `[out] size_is(len) T*`: the caller's buffer, zero-filled, as a mutable slice; a null pointer
/// is allowed only with a zero count (`E_INVALIDARG` otherwise).
///
/// # Safety
///
/// A non-null `ptr` points to `len` writable `T`s, exclusively ours for `'a`; `T` is plain data
/// for which all-zero bytes are a valid value.
pub unsafe fn out_slice<'a, T>(ptr: *mut T, len: u32) -> Checked<&'a mut [T]> {
    let len = len as usize;
    if ptr.is_null() {
        return if len == 0 {
            Ok(&mut [])
        } else {
            Err(E_INVALIDARG)
        };
    }
    if !(ptr as usize).is_multiple_of(align_of::<T>())
        || len
            .checked_mul(size_of::<T>())
            .is_none_or(|n| n > isize::MAX as usize)
    {
        return Err(E_INVALIDARG);
    }
    // SAFETY: writable for `len` elements per the contract; zero is a valid `T`.
    unsafe {
        ptr::write_bytes(ptr, 0, len);
        Ok(std::slice::from_raw_parts_mut(ptr, len))
    }
}

/// `[in] S*` for a structure that starts with `DWORD cbSize`: a reference after checking that
/// `cbSize` is the structure's size (`E_POINTER` for null, `E_INVALIDARG` for a wrong size).
///
/// # Safety
///
/// A non-null `ptr` points to a readable `u32`, and to a whole readable `S` when that `u32` equals
/// `size_of::<S>()`; `S` begins with a `u32` field.
pub unsafe fn in_sized_struct<'a, S>(ptr: *const S) -> Checked<&'a S> {
    if ptr.is_null() {
        return Err(E_POINTER);
    }
    if !(ptr as usize).is_multiple_of(align_of::<S>()) {
        return Err(E_INVALIDARG);
    }
    // SAFETY: the first field is a readable u32.
    let cb_size = unsafe { ptr.cast::<u32>().read() };
    if cb_size as usize != size_of::<S>() {
        return Err(E_INVALIDARG);
    }
    // SAFETY: the caller's structure has our size, so the whole `S` is readable.
    Ok(unsafe { &*ptr })
}

/// Optional (`[unique]`) variant of [`in_sized_struct`]: null gives `None`.
///
/// # Safety
///
/// As for [`in_sized_struct`].
pub unsafe fn in_sized_struct_opt<'a, S>(ptr: *const S) -> Checked<Option<&'a S>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { in_sized_struct(ptr) }.map(Some)
}

/// `[in, string] LPCWSTR`: a view of the string (`E_POINTER` for null or misaligned).
///
/// # Safety
///
/// A non-null `ptr` points to a NUL-terminated string unchanged for `'a`.
pub unsafe fn in_wstr<'a>(ptr: *const u16) -> Checked<&'a WStr> {
    // SAFETY: forwarded contract.
    unsafe { WStr::from_ptr(ptr) }.ok_or(E_POINTER)
}

/// `[in, unique, string] LPCWSTR`: `None` for null.
///
/// # Safety
///
/// As for [`in_wstr`].
pub unsafe fn in_wstr_opt<'a>(ptr: *const u16) -> Checked<Option<&'a WStr>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { in_wstr(ptr) }.map(Some)
}

/// `[in] I*` (optional): an owned, counted interface (one `AddRef`), or `None` for null.
///
/// # Safety
///
/// A non-null `ptr` is a live interface pointer of type `I`.
pub unsafe fn in_interface<I: Interface>(ptr: *mut c_void) -> Option<I> {
    // SAFETY: per the contract; cloning adds the reference the returned value owns.
    unsafe { I::from_raw_borrowed(&ptr) }.cloned()
}

/// `[in] I*` (required): as [`in_interface`], `E_POINTER` for null.
///
/// # Safety
///
/// As for [`in_interface`].
pub unsafe fn in_interface_required<I: Interface>(ptr: *mut c_void) -> Checked<I> {
    // SAFETY: forwarded contract.
    unsafe { in_interface(ptr) }.ok_or(E_POINTER)
}

/// `[out] T*` (a value, a pointer or an interface pointer): checks the pointer (`E_POINTER`
/// for null) and stores zero (null for pointers), so a failing call leaves a defined value.
///
/// # Safety
///
/// A non-null `ptr` is writable for a `T`, and all-zero bytes are a valid `T`.
pub unsafe fn out_zeroed<T>(ptr: *mut T) -> Checked<*mut T> {
    if ptr.is_null() {
        return Err(E_POINTER);
    }
    // SAFETY: writable per the contract; zero is a valid `T`; the old content is not dropped.
    unsafe { ptr.write_unaligned(std::mem::zeroed()) };
    Ok(ptr)
}

/// The `[out] ULONG *pceltFetched` of an enumerator's `Next`: may be null only when
/// `requested == 1` (`E_POINTER` otherwise); stores 0.
///
/// # Safety
///
/// A non-null `ptr` is writable for a `u32`.
pub unsafe fn fetched_init(ptr: *mut u32, requested: u32) -> Checked<*mut u32> {
    if ptr.is_null() {
        return if requested == 1 {
            Ok(ptr)
        } else {
            Err(E_POINTER)
        };
    }
    // SAFETY: writable per the contract.
    unsafe { ptr.write_unaligned(0) };
    Ok(ptr)
}

/// After an enumerator's `Next` filled `filled` of `requested` elements: stores the count
/// (when the caller gave a pointer) and returns `S_OK` when all were filled, else `S_FALSE`.
/// A count larger than the buffer is a bug in the implementation: `E_UNEXPECTED`.
///
/// # Safety
///
/// `fetched` came from [`fetched_init`].
pub unsafe fn finish_fetched(
    method: &str,
    filled: usize,
    requested: u32,
    fetched: *mut u32,
) -> Checked<HRESULT> {
    let Ok(count) = u32::try_from(filled) else {
        log::error!("{method} reported {filled} elements for a buffer of {requested}");
        return Err(E_UNEXPECTED);
    };
    if count > requested {
        log::error!("{method} reported {filled} elements for a buffer of {requested}");
        return Err(E_UNEXPECTED);
    }
    if !fetched.is_null() {
        // SAFETY: checked by `fetched_init`.
        unsafe { fetched.write_unaligned(count) };
    }
    Ok(fetched_status(filled, requested as usize))
}

/// Stores a converted out value into a slot cleared by [`out_zeroed`].
///
/// # Safety
///
/// `slot` came from [`out_zeroed`].
pub unsafe fn write_out<T>(slot: *mut T, value: T) {
    // SAFETY: writable per `out_zeroed`'s check; the zero left there needs no drop.
    unsafe { slot.write_unaligned(value) };
}

/// Runs a shim body whose argument checks return early with an HRESULT.
pub fn respond(body: impl FnOnce() -> Checked<HRESULT>) -> HRESULT {
    body().unwrap_or_else(|hr| hr)
}

/// Conversion of a trait method's returned value into the raw value stored in an out-parameter.
///
/// The identity for plain values; owned types such as [`HandlerInfo`](crate::HandlerInfo) move
/// themselves into COM task memory.
pub trait IntoAbi<Raw> {
    /// The raw value (`E_OUTOFMEMORY` when an allocation fails).
    fn into_abi(self) -> Checked<Raw>;
}

impl<T> IntoAbi<T> for T {
    fn into_abi(self) -> Checked<T> {
        Ok(self)
    }
}

impl<T> IntoAbi<*mut T> for crate::task_mem::TaskBox<T> {
    fn into_abi(self) -> Checked<*mut T> {
        Ok(self.into_raw())
    }
}

/// `[in, out] T*`: a mutable reference (`E_POINTER` for null).
///
/// # Safety
///
/// A non-null `ptr` is readable and writable for an initialized `T`, exclusively ours for `'a`.
pub unsafe fn in_out<'a, T>(ptr: *mut T) -> Checked<&'a mut T> {
    if ptr.is_null() {
        return Err(E_POINTER);
    }
    if !(ptr as usize).is_multiple_of(align_of::<T>()) {
        return Err(E_INVALIDARG);
    }
    // SAFETY: non-null, aligned, valid per the contract.
    Ok(unsafe { &mut *ptr })
}

/// Writes an owned interface into a cleared `[out] I**` slot, transferring its reference.
///
/// # Safety
///
/// `slot` came from [`out_zeroed`].
pub unsafe fn write_interface<I: Interface>(slot: *mut *mut c_void, value: I) {
    // SAFETY: writable per `out_zeroed`'s check.
    unsafe { slot.write_unaligned(value.into_raw()) };
}

/// `BOOL` → `bool`.
pub fn in_bool(value: i32) -> bool {
    value != 0
}

/// The `[out, iid_is(riid)] void **ppv` of a method: the interface the caller asked for and the
/// slot to store it in.
///
/// The trait method receives it, and either fills it with [`set`](InterfaceOut::set) (which
/// queries the given object for the requested IID) or returns an error, leaving null behind.
#[derive(Debug)]
pub struct InterfaceOut<'a> {
    iid: GUID,
    slot: &'a mut *mut c_void,
}

impl<'a> InterfaceOut<'a> {
    /// Checks `riid` and `ppv` (`E_POINTER` for null) and clears `*ppv`.
    ///
    /// # Safety
    ///
    /// `riid` is null or readable; `ppv` is null or writable and exclusively ours for `'a`.
    pub unsafe fn new(riid: *const GUID, ppv: *mut *mut c_void) -> Checked<InterfaceOut<'a>> {
        // SAFETY: forwarded contract.
        let ppv = unsafe { out_zeroed(ppv) }?;
        // SAFETY: forwarded contract.
        let iid = unsafe { in_guid(riid) }?;
        if !(ppv as usize).is_multiple_of(align_of::<*mut c_void>()) {
            return Err(E_INVALIDARG);
        }
        // SAFETY: non-null, aligned, writable and ours for `'a`.
        let slot = unsafe { &mut *ppv };
        Ok(InterfaceOut { iid, slot })
    }

    /// The IID the caller asked for.
    pub fn iid(&self) -> &GUID {
        &self.iid
    }

    /// Stores `object`'s interface for the requested IID (via `QueryInterface`); fails with
    /// `E_NOINTERFACE` when the object does not implement it.
    pub fn set<I: Interface>(self, object: &I) -> windows_core::Result<()> {
        let mut out = ptr::null_mut();
        // SAFETY: `object` is live; `iid` and `out` are valid for the call.
        let hr = unsafe { object.query(&self.iid, &mut out) };
        if hr.is_err() {
            return Err(hr.into());
        }
        if out.is_null() {
            return Err(E_NOINTERFACE.into());
        }
        *self.slot = out;
        Ok(())
    }
}

/// A method's successful outcome as an HRESULT: `()` is `S_OK`; generated outcome enums carry
/// their code.
pub trait IntoSuccess {
    /// The success HRESULT.
    fn into_success(self) -> HRESULT;
}

impl IntoSuccess for () {
    fn into_success(self) -> HRESULT {
        S_OK
    }
}

/// The HRESULT of an error: its code, or `E_FAIL` (logged) when someone made an `Error` out of a
/// success code, so that a failure is never reported as success.
pub fn error_code(method: &str, error: windows_core::Error) -> HRESULT {
    let code = HRESULT::from(error);
    if code.is_ok() {
        log::error!("{method} returned Err with the success code {code}; returning E_FAIL");
        E_FAIL
    } else {
        code
    }
}

/// `S_OK` when `filled == requested`, else `S_FALSE` (the enumerator contract).
pub fn fetched_status(filled: usize, requested: usize) -> HRESULT {
    if filled == requested { S_OK } else { S_FALSE }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_check_null_and_count() {
        // SAFETY: null pointers and a live array.
        unsafe {
            assert_eq!(in_slice::<u8>(ptr::null(), 0), Ok(&[][..]));
            assert_eq!(in_slice::<u8>(ptr::null(), 3), Err(E_INVALIDARG));
            let data = [1u8, 2, 3];
            assert_eq!(in_slice(data.as_ptr(), 2), Ok(&data[..2]));
            assert_eq!(
                out_slice::<u32>(ptr::null_mut(), 1).unwrap_err(),
                E_INVALIDARG
            );
            let mut buf = [9u32; 3];
            let s = out_slice(buf.as_mut_ptr(), 3).unwrap();
            assert_eq!(s, &[0, 0, 0]);
        }
    }

    #[test]
    fn sized_struct_checks_cb_size() {
        #[repr(C)]
        struct S {
            cb_size: u32,
            x: u64,
        }
        let good = S {
            cb_size: size_of::<S>() as u32,
            x: 5,
        };
        let bad = S { cb_size: 4, x: 5 };
        // SAFETY: live structs and null.
        unsafe {
            assert_eq!(in_sized_struct(&good).unwrap().x, 5);
            assert_eq!(in_sized_struct(&bad).err(), Some(E_INVALIDARG));
            assert_eq!(in_sized_struct::<S>(ptr::null()).err(), Some(E_POINTER));
            assert!(in_sized_struct_opt::<S>(ptr::null()).unwrap().is_none());
        }
    }

    #[test]
    fn outs_are_cleared() {
        let mut value = 7u32;
        // SAFETY: live out pointer and null.
        unsafe {
            assert!(out_zeroed(&mut value).is_ok());
            assert_eq!(out_zeroed::<u32>(ptr::null_mut()), Err(E_POINTER));
            assert_eq!(fetched_init(ptr::null_mut(), 1), Ok(ptr::null_mut()));
            assert_eq!(fetched_init(ptr::null_mut(), 2), Err(E_POINTER));
        }
        assert_eq!(value, 0);
        assert_eq!(fetched_status(1, 2), S_FALSE);
        assert_eq!(fetched_status(2, 2), S_OK);
        assert_eq!(
            error_code("t", windows_core::Error::from_hresult(S_FALSE)),
            E_FAIL
        );
        assert_eq!(error_code("t", E_POINTER.into()), E_POINTER);
    }
}
