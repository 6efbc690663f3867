//! The runtime's one vocabulary for raw ABI arguments: every pointer a COM caller hands the
//! runtime (the generated shims in [`crate::interfaces`], `QueryInterface`,
//! `IClassFactory::CreateInstance`, `DllGetClassObject`) is checked here before it is read or
//! written, and converted to the safe types of the handler traits.
//!
//! The codes are the same everywhere:
//!
//! - a null pointer gives `E_POINTER` (a null array is allowed only with a zero count);
//! - a pointer that is not aligned for its type gives `E_INVALIDARG` ([`MISALIGNED`]), and nothing
//!   is read or written through it;
//! - a count with a null array, a count too large for memory, or an in-structure whose `cbSize`
//!   is not its size gives `E_INVALIDARG`.
//!
//! Out-parameters are checked and cleared ([`OutPtr`]) before anything else, so that a failing
//! call leaves null/zero behind; the only unaligned access is the copy of an `[in]` GUID
//! ([`in_guid`]), which COM callers may pass at any address.

use std::ffi::c_void;
use std::fmt;
use std::mem::{MaybeUninit, size_of};
use std::ptr::{self, NonNull};

use windows_core::{GUID, HRESULT, Interface};

use crate::hresults::{
    E_FAIL, E_INVALIDARG, E_NOINTERFACE, E_POINTER, E_UNEXPECTED, S_FALSE, S_OK,
};
use crate::wstr::WStr;

/// The result type of the shims' argument checks: the error is the HRESULT to return.
pub type Checked<T> = Result<T, HRESULT>;

/// What a pointer that is not aligned for its type gives, wherever the runtime receives one.
pub const MISALIGNED: HRESULT = E_INVALIDARG;

/// Checks a caller's pointer to one `T` without touching it: `E_POINTER` for null,
/// [`MISALIGNED`] when it is not aligned for `T`.
pub fn checked_ptr<T>(ptr: *const T) -> Checked<NonNull<T>> {
    let Some(ptr) = NonNull::new(ptr.cast_mut()) else {
        return Err(E_POINTER);
    };
    if !ptr.as_ptr().is_aligned() {
        return Err(MISALIGNED);
    }
    Ok(ptr)
}

/// Checks a caller's array of `len` `T`s without touching it: `Ok(None)` for a null pointer with
/// a zero count, `E_INVALIDARG` for a null pointer with a count or a count too large for memory,
/// [`MISALIGNED`] for a misaligned pointer.
fn checked_array<T>(
    ptr: *const T,
    len: impl TryInto<usize>,
) -> Checked<Option<(NonNull<T>, usize)>> {
    // A count of any integer type (`ULONG`, `LONG`, `USHORT` ...); a negative one is refused.
    let len: usize = len.try_into().map_err(|_| E_INVALIDARG)?;
    if ptr.is_null() {
        return if len == 0 {
            Ok(None)
        } else {
            Err(E_INVALIDARG)
        };
    }
    let ptr = checked_ptr(ptr)?;
    if len
        .checked_mul(size_of::<T>())
        .is_none_or(|n| n > isize::MAX as usize)
    {
        return Err(E_INVALIDARG);
    }
    Ok(Some((ptr, len)))
}

/// A caller's `[out] T*` (a value, a pointer or an interface pointer), checked with
/// [`checked_ptr`] and cleared: the one way the runtime writes an out-parameter.
///
/// Created before any other argument is looked at, so that every failure after the check leaves
/// zero (null) behind; [`set`](OutPtr::set) stores the result.
pub struct OutPtr<'a, T> {
    slot: &'a mut T,
}

impl<'a, T> OutPtr<'a, T> {
    /// Checks `ptr` (`E_POINTER` for null, [`MISALIGNED`] when misaligned; nothing is written
    /// then) and stores zero in it.
    ///
    /// # Safety
    ///
    /// A non-null, aligned `ptr` is writable for a `T` and exclusively ours for `'a`; all-zero
    /// bytes are a valid `T`.
    pub unsafe fn new(ptr: *mut T) -> Checked<Self> {
        let ptr = checked_ptr(ptr)?.as_ptr();
        // SAFETY: non-null, aligned and writable per the contract; zero is a valid `T`; the old
        // content (possibly uninitialized) is overwritten without being dropped.
        unsafe { ptr.write(std::mem::zeroed()) };
        // SAFETY: now initialized, aligned, and exclusively ours for `'a` per the contract.
        let slot = unsafe { &mut *ptr };
        Ok(OutPtr { slot })
    }

    /// Stores `value` (the caller owns it from now on).
    pub fn set(self, value: T) {
        // The zero left by `new` is not dropped: it never owned anything.
        std::mem::forget(std::mem::replace(self.slot, value));
    }

    /// The checked, cleared pointer, for code that writes it through raw pointers.
    pub fn into_raw(self) -> *mut T {
        self.slot
    }
}

impl<T> fmt::Debug for OutPtr<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OutPtr")
            .field(&ptr::from_ref::<T>(self.slot))
            .finish()
    }
}

/// `[in] REFGUID`-like argument: the GUID, copied (the caller's pointer may be unaligned).
///
/// # Safety
///
/// `ptr` is null or readable for a `GUID`.
#[inline]
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
#[inline]
pub unsafe fn in_guid_opt(ptr: *const GUID) -> Option<GUID> {
    // SAFETY: forwarded contract.
    unsafe { in_guid(ptr) }.ok()
}

/// `[in] T*` for a structure without `cbSize`: a reference (checked with [`checked_ptr`]).
///
/// # Safety
///
/// A non-null `ptr` points to a readable, initialized `T` unchanged for `'a`.
pub unsafe fn in_ref<'a, T>(ptr: *const T) -> Checked<&'a T> {
    let ptr = checked_ptr(ptr)?;
    // SAFETY: non-null and aligned (checked), readable and unchanged for `'a` per the contract.
    Ok(unsafe { ptr.as_ref() })
}

/// `[in] size_is(len) T*` with `[in] count len` (of any integer type): a slice; a null pointer is
/// allowed only with a zero count, and a negative count is refused (`E_INVALIDARG`).
///
/// # Safety
///
/// A non-null `ptr` points to `len` readable, initialized `T`s that stay unchanged for `'a`.
pub unsafe fn in_slice<'a, T>(ptr: *const T, len: impl TryInto<usize>) -> Checked<&'a [T]> {
    let Some((ptr, len)) = checked_array(ptr, len)? else {
        return Ok(&[]);
    };
    // SAFETY: checked non-null, aligned and within isize::MAX bytes; readable per the contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr.as_ptr(), len) })
}

/// `[out] size_is(len) T*`: the caller's buffer, zero-filled, as a mutable slice; a null pointer
/// is allowed only with a zero count (`E_INVALIDARG` otherwise).
///
/// # Safety
///
/// A non-null `ptr` points to `len` writable `T`s, exclusively ours for `'a`; `T` is plain data
/// for which all-zero bytes are a valid value.
pub unsafe fn out_slice<'a, T>(ptr: *mut T, len: impl TryInto<usize>) -> Checked<&'a mut [T]> {
    // SAFETY: forwarded contract.
    let slots = unsafe { out_slice_uninit(ptr, len) }?;
    // SAFETY: zero is a valid `T` per the contract.
    Ok(unsafe { zeroed_slice(slots) })
}

/// `[out] size_is(len) T*`: the caller's buffer as it is, not read and not yet written, as a
/// slice of [`MaybeUninit`]; a null pointer is allowed only with a zero count (`E_INVALIDARG`
/// otherwise). What a shim hands the `_uninit` method of an out-array (`next_uninit`), which
/// writes each item once instead of after [`out_slice`] has zeroed them all.
///
/// # Safety
///
/// A non-null `ptr` points to `len` writable `T`s, exclusively ours for `'a`.
pub unsafe fn out_slice_uninit<'a, T>(
    ptr: *mut T,
    len: impl TryInto<usize>,
) -> Checked<&'a mut [MaybeUninit<T>]> {
    let Some((ptr, len)) = checked_array(ptr, len)? else {
        return Ok(&mut []);
    };
    // SAFETY: checked non-null, aligned and within isize::MAX bytes; writable for `len` elements
    // and exclusively ours per the contract. `MaybeUninit<T>` has `T`'s layout and asks nothing
    // of the bytes, so the slice claims nothing about what the caller left there.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr().cast::<MaybeUninit<T>>(), len) })
}

/// Zeroes every slot and returns them as `T`s: the default `_uninit` method of an out-array,
/// for the trait method that takes `&mut [T]`.
///
/// # Safety
///
/// `T` is plain data for which all-zero bytes are a valid value.
pub unsafe fn zeroed_slice<T>(slots: &mut [MaybeUninit<T>]) -> &mut [T] {
    let len = slots.len();
    let ptr = slots.as_mut_ptr();
    // SAFETY: `len` slots of `T`'s layout, ours for the borrow; after writing zeros to each,
    // each holds a valid `T` per the contract.
    unsafe {
        ptr::write_bytes(ptr, 0, len);
        std::slice::from_raw_parts_mut(ptr.cast::<T>(), len)
    }
}

/// `[in] S*` for a structure that starts with `DWORD cbSize`: a reference after checking the
/// pointer ([`checked_ptr`]) and that `cbSize` is the structure's size (`E_INVALIDARG` otherwise).
///
/// # Safety
///
/// A non-null `ptr` points to a readable `u32`, and to a whole readable `S` when that `u32` equals
/// `size_of::<S>()`; `S` begins with a `u32` field.
pub unsafe fn in_sized_struct<'a, S>(ptr: *const S) -> Checked<&'a S> {
    let ptr = checked_ptr(ptr)?;
    // SAFETY: non-null and aligned for `S`, hence for its first field, a readable u32.
    let cb_size = unsafe { ptr.cast::<u32>().read() };
    if cb_size as usize != size_of::<S>() {
        return Err(E_INVALIDARG);
    }
    // SAFETY: the caller's structure has our size, so the whole `S` is readable, unchanged for
    // `'a` per the contract.
    Ok(unsafe { ptr.as_ref() })
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

/// `[in, string] LPCWSTR`: a view of the string (checked with [`checked_ptr`]).
///
/// # Safety
///
/// A non-null `ptr` points to a NUL-terminated string unchanged for `'a`.
#[inline]
pub unsafe fn in_wstr<'a>(ptr: *const u16) -> Checked<&'a WStr> {
    let ptr = checked_ptr(ptr)?;
    // SAFETY: non-null and aligned (checked); a NUL-terminated string unchanged for `'a` per the
    // contract.
    unsafe { WStr::from_ptr(ptr.as_ptr()) }.ok_or(E_POINTER)
}

/// `[in, unique, string] LPCWSTR`: `None` for null.
///
/// # Safety
///
/// As for [`in_wstr`].
#[inline]
pub unsafe fn in_wstr_opt<'a>(ptr: *const u16) -> Checked<Option<&'a WStr>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { in_wstr(ptr) }.map(Some)
}

/// `[out, size_is(len)] I**`: the caller's array of interface pointers, cleared, as `Option<I>`
/// slots (a null array is allowed only with a zero count, `E_INVALIDARG` otherwise). What the
/// method stores in a slot is handed to the caller with its reference, unless the shim releases
/// it ([`release_interfaces_from`]).
///
/// # Safety
///
/// A non-null `ptr` points to `len` writable interface pointers, exclusively ours for `'a`.
pub unsafe fn out_interface_slice<'a, I: Interface>(
    ptr: *mut *mut c_void,
    len: impl TryInto<usize>,
) -> Checked<&'a mut [Option<I>]> {
    const {
        assert!(
            size_of::<Option<I>>() == size_of::<*mut c_void>()
                && align_of::<Option<I>>() == align_of::<*mut c_void>(),
            "an interface type is a nullable pointer"
        );
    }
    // SAFETY: forwarded contract; a null pointer is a valid value.
    let slots = unsafe { out_slice(ptr, len) }?;
    // SAFETY: a windows-core interface is a `repr(transparent)` non-null pointer, so `Option<I>`
    // has the layout of `*mut c_void` (asserted above) with null as `None`; every slot was just
    // cleared to null, and a non-null value stored later is an owned reference of an `I`.
    Ok(unsafe { &mut *(std::ptr::from_mut(slots) as *mut [Option<I>]) })
}

/// Releases the interfaces in `slots[from..]` (all of them when `from` is past the end: a
/// count the method got wrong hands out nothing), leaving null behind.
pub fn release_interfaces_from<I>(slots: &mut [Option<I>], from: usize) {
    let from = if from <= slots.len() { from } else { 0 };
    for slot in &mut slots[from..] {
        *slot = None;
    }
}

/// `[in] size_is(len) LPCWSTR*` with `[in] count len`: views of the strings, in order. A null
/// array is allowed only with a zero count (`E_INVALIDARG` otherwise); a null or misaligned
/// string in it gives `E_POINTER` / [`MISALIGNED`].
///
/// # Safety
///
/// A non-null `ptr` points to `len` readable pointers, each null or pointing to a
/// NUL-terminated string, all unchanged for `'a`.
pub unsafe fn in_wstr_array<'a>(
    ptr: *const *const u16,
    len: impl TryInto<usize>,
) -> Checked<Vec<&'a WStr>> {
    // SAFETY: forwarded contract: `len` readable pointers.
    let pointers: &'a [*const u16] = unsafe { in_slice(ptr, len) }?;
    pointers
        .iter()
        // SAFETY: each pointer is null (refused) or a NUL-terminated string per the contract.
        .map(|&p| unsafe { in_wstr(p) })
        .collect()
}

/// `[out, string] LPWSTR*`: `text` as a NUL-terminated UTF-16 string in a fresh block of the
/// COM task allocator, for the caller to free with `CoTaskMemFree` (`E_OUTOFMEMORY` when there
/// is no memory). A NUL in `text` ends the string the caller reads.
pub fn task_wstr(text: &str) -> Checked<*mut u16> {
    let units: Vec<u16> = text.encode_utf16().chain(std::iter::once(0)).collect();
    let bytes = units
        .len()
        .checked_mul(size_of::<u16>())
        .ok_or(crate::hresults::E_OUTOFMEMORY)?;
    let block = crate::task_mem::task_alloc(bytes)
        .ok_or(crate::hresults::E_OUTOFMEMORY)?
        .cast::<u16>();
    // SAFETY: the block is fresh, at least `bytes` long and aligned to TASK_ALIGN >= 2.
    unsafe { ptr::copy_nonoverlapping(units.as_ptr(), block.as_ptr(), units.len()) };
    Ok(block.as_ptr())
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

/// `[out] T*` (a value, a pointer or an interface pointer) for the generated shims: an
/// [`OutPtr`] as a raw pointer, for [`write_out`] / [`write_interface`].
///
/// # Safety
///
/// As for [`OutPtr::new`], for the duration of the shim.
pub unsafe fn out_zeroed<T>(ptr: *mut T) -> Checked<*mut T> {
    // SAFETY: forwarded contract.
    unsafe { OutPtr::new(ptr) }.map(OutPtr::into_raw)
}

/// The `[out] ULONG *pceltFetched` of an enumerator's `Next`: may be null only when
/// `requested == 1` (`E_POINTER` otherwise); otherwise an [`OutPtr`] (so 0 is stored).
///
/// # Safety
///
/// A non-null `ptr` is writable for a `u32` for the duration of the shim.
#[inline]
pub unsafe fn fetched_init(ptr: *mut u32, requested: u32) -> Checked<*mut u32> {
    if ptr.is_null() && requested == 1 {
        return Ok(ptr);
    }
    // SAFETY: forwarded contract; zero is a valid `u32`.
    unsafe { OutPtr::new(ptr) }.map(OutPtr::into_raw)
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
        // SAFETY: checked (non-null, aligned, writable) by `fetched_init`.
        unsafe { fetched.write(count) };
    }
    Ok(fetched_status(filled, requested as usize))
}

/// Stores a converted out value into a slot cleared by [`out_zeroed`].
///
/// # Safety
///
/// `slot` came from [`out_zeroed`].
pub unsafe fn write_out<T>(slot: *mut T, value: T) {
    // SAFETY: non-null, aligned and writable per `out_zeroed`'s check; the zero left there needs
    // no drop.
    unsafe { slot.write(value) };
}

/// Runs a shim body whose argument checks return early with an HRESULT.
#[inline(always)]
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

/// `[in, out] T*`: a mutable reference (checked with [`checked_ptr`]).
///
/// # Safety
///
/// A non-null `ptr` is readable and writable for an initialized `T`, exclusively ours for `'a`.
pub unsafe fn in_out<'a, T>(ptr: *mut T) -> Checked<&'a mut T> {
    let mut ptr = checked_ptr(ptr)?;
    // SAFETY: non-null and aligned (checked), initialized and exclusively ours per the contract.
    Ok(unsafe { ptr.as_mut() })
}

/// Writes an owned interface into a cleared `[out] I**` slot, transferring its reference.
///
/// # Safety
///
/// `slot` came from [`out_zeroed`].
pub unsafe fn write_interface<I: Interface>(slot: *mut *mut c_void, value: I) {
    // SAFETY: non-null, aligned and writable per `out_zeroed`'s check.
    unsafe { slot.write(value.into_raw()) };
}

/// `BOOL` → `bool`.
#[inline]
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
    slot: OutPtr<'a, *mut c_void>,
}

impl<'a> InterfaceOut<'a> {
    /// Checks and clears `ppv` ([`OutPtr`]), then reads `riid` (`E_POINTER` for null).
    ///
    /// # Safety
    ///
    /// `riid` is null or readable; `ppv` is null, misaligned, or writable and exclusively ours
    /// for `'a`.
    pub unsafe fn new(riid: *const GUID, ppv: *mut *mut c_void) -> Checked<InterfaceOut<'a>> {
        // SAFETY: forwarded contract; null is a valid `*mut c_void`.
        let slot = unsafe { OutPtr::new(ppv) }?;
        // SAFETY: forwarded contract.
        let iid = unsafe { in_guid(riid) }?;
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
        self.slot.set(out);
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

/// The success codes a method is documented to return, with their names, `S_OK` first: every
/// code a caller of the method may be answered with.
///
/// Implemented for `()` (a method without a contract attribute succeeds with `S_OK` alone), for
/// [`FetchedCount`], and for the outcome enums of [`crate::interfaces`] (the codes of their
/// method's `custom(5A2B5787-...)` contract attribute in `idl/mobsync.idl`).
pub trait SuccessCodes {
    /// `(name, code)` pairs, `S_OK` first.
    const CODES: &'static [(&'static str, HRESULT)];
}

impl SuccessCodes for () {
    const CODES: &'static [(&'static str, HRESULT)] = &[("S_OK", S_OK)];
}

/// The success codes of a method that fills a buffer and reports how many elements it fetched
/// (an enumerator's `Next`): `S_OK` when the buffer was filled, `S_FALSE` when fewer were left
/// ([`fetched_status`]).
#[derive(Debug)]
pub enum FetchedCount {}

impl SuccessCodes for FetchedCount {
    const CODES: &'static [(&'static str, HRESULT)] = &[("S_OK", S_OK), ("S_FALSE", S_FALSE)];
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
#[inline]
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
    fn uninit_out_slices_check_null_and_count_and_leave_the_buffer_alone() {
        let mut buf = [9u32; 3];
        // SAFETY: null pointers and a live array of 3.
        unsafe {
            assert_eq!(
                out_slice_uninit::<u32>(ptr::null_mut(), 1).unwrap_err(),
                E_INVALIDARG
            );
            assert!(
                out_slice_uninit::<u32>(ptr::null_mut(), 0)
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(
                out_slice_uninit::<u32>(buf.as_mut_ptr(), -1i32).unwrap_err(),
                E_INVALIDARG
            );
            let slots = out_slice_uninit(buf.as_mut_ptr(), 2).unwrap();
            assert_eq!(slots.len(), 2);
            slots[1].write(5);
        }
        assert_eq!(buf, [9, 5, 9], "only the slot written changed");
        let mut slots = [MaybeUninit::<u64>::new(7); 2];
        // SAFETY: zero is a valid u64.
        let zeroed = unsafe { zeroed_slice(&mut slots) };
        assert_eq!(zeroed, &[0, 0]);
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

    /// 8-aligned bytes filled with a pattern, and a pointer one byte in: misaligned for every
    /// type aligned to 2 or more.
    #[repr(C, align(8))]
    struct Bytes([u8; 32]);

    impl Bytes {
        fn odd<T>(&mut self) -> *mut T {
            self.0.as_mut_ptr().wrapping_add(1).cast()
        }

        fn untouched(&self) -> bool {
            self.0.iter().all(|&b| b == 0xA5)
        }
    }

    #[test]
    fn misaligned_pointers_are_refused_untouched() {
        let mut bytes = Bytes([0xA5; 32]);
        assert_eq!(
            checked_ptr(bytes.odd::<u32>().cast_const()),
            Err(MISALIGNED)
        );
        assert_eq!(checked_ptr::<u32>(ptr::null()), Err(E_POINTER));
        // SAFETY: every pointer is null, misaligned (refused before any access) or live.
        unsafe {
            assert_eq!(
                OutPtr::new(bytes.odd::<*mut c_void>()).err(),
                Some(MISALIGNED)
            );
            assert_eq!(out_zeroed(bytes.odd::<u32>()), Err(MISALIGNED));
            assert_eq!(fetched_init(bytes.odd(), 1), Err(MISALIGNED));
            let ppv = bytes.odd::<*mut c_void>();
            assert_eq!(
                InterfaceOut::new(&GUID::zeroed(), ppv).err(),
                Some(MISALIGNED)
            );
            assert_eq!(in_out(bytes.odd::<u32>()).err(), Some(MISALIGNED));
            assert_eq!(
                in_ref(bytes.odd::<u32>().cast_const()).err(),
                Some(MISALIGNED)
            );
            assert_eq!(
                in_wstr(bytes.odd::<u16>().cast_const()).err(),
                Some(MISALIGNED)
            );
            assert_eq!(
                in_slice(bytes.odd::<u32>().cast_const(), 2),
                Err(MISALIGNED)
            );
            assert_eq!(out_slice(bytes.odd::<u32>(), 2).err(), Some(MISALIGNED));
            assert_eq!(
                in_sized_struct(bytes.odd::<u64>().cast_const()),
                Err(MISALIGNED)
            );
        }
        assert!(bytes.untouched());
    }

    #[test]
    fn out_ptr_clears_then_stores() {
        let mut slot: *mut c_void = ptr::NonNull::dangling().as_ptr();
        // SAFETY: a live, aligned slot, ours for the test.
        let out = unsafe { OutPtr::new(&mut slot) }.unwrap();
        out.set(ptr::NonNull::<u8>::dangling().as_ptr().cast());
        assert!(!slot.is_null());
        let mut value = 7u32;
        // SAFETY: as above.
        let _cleared = unsafe { OutPtr::new(&mut value) }.unwrap();
        assert_eq!(value, 0, "a checked out-pointer is cleared");
    }
}
