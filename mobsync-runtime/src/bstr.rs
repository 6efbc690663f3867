//! `BSTR`s: the length-prefixed strings of Automation, which `IErrorInfo` hands out.
//!
//! A `BSTR` points to UTF-16 text preceded by its length in bytes (a `u32`) and followed by a
//! NUL; the callee allocates it with `SysAllocStringLen`, the caller frees it with
//! `SysFreeString`, whatever module either lives in.
//!
//! * **Windows**: oleaut32's functions.
//! * **Other systems** there is no oleaut32, so every module that links mobsync-runtime exports
//!   these C symbols itself, with the same contract as the task allocator
//!   ([`crate::task_mem`]): the memory is the process's C heap, so every definition in the
//!   process is interchangeable.
//!
//!   ```c
//!   /* malloc(4 + 2*len + 2): the byte length, len units copied from s (or left zero when s
//!      is NULL), a NUL; returns the address of the text, or NULL when out of memory. */
//!   WCHAR *SysAllocStringLen(const WCHAR *s, UINT32 len);
//!   void   SysFreeString(WCHAR *bstr);   /* free((char *)bstr - 4); NULL is ignored */
//!   UINT32 SysStringLen(const WCHAR *bstr); /* the length in units; 0 for NULL */
//!   ```

use crate::abi::Checked;
use crate::hresults::E_OUTOFMEMORY;

#[cfg(windows)]
mod sys {
    #[link(name = "oleaut32")]
    unsafe extern "system" {
        pub(super) fn SysAllocStringLen(s: *const u16, len: u32) -> *mut u16;
        pub(super) fn SysFreeString(bstr: *mut u16);
        pub(super) fn SysStringLen(bstr: *const u16) -> u32;
    }
}

#[cfg(not(windows))]
mod sys {
    //! The exported functions (see the module documentation for the contract).

    use std::ffi::c_void;

    unsafe extern "C" {
        fn malloc(size: usize) -> *mut c_void;
        fn free(ptr: *mut c_void);
    }

    /// The size of the length prefix.
    const PREFIX: usize = size_of::<u32>();

    /// A new `BSTR` of `len` units copied from `s` (zeros when `s` is null); null when out of
    /// memory or when `len` is too long for the prefix.
    ///
    /// # Safety
    ///
    /// `s` is null or readable for `len` units.
    #[unsafe(no_mangle)]
    pub unsafe extern "system" fn SysAllocStringLen(s: *const u16, len: u32) -> *mut u16 {
        let units = len as usize;
        let Some(bytes) = units.checked_mul(2).filter(|&b| b <= u32::MAX as usize) else {
            return std::ptr::null_mut();
        };
        // SAFETY: malloc accepts any size and returns null or a fresh block aligned for `u32`.
        let block = unsafe { malloc(PREFIX + bytes + 2) }.cast::<u8>();
        if block.is_null() {
            return block.cast();
        }
        // SAFETY: the block has PREFIX + bytes + 2 bytes: the prefix (aligned, as malloc's
        // blocks are), `units` text units, the NUL; `s` is readable for `units` per the contract.
        unsafe {
            block.cast::<u32>().write(bytes as u32);
            let text = block.add(PREFIX).cast::<u16>();
            if s.is_null() {
                text.write_bytes(0, units);
            } else {
                std::ptr::copy_nonoverlapping(s, text, units);
            }
            text.add(units).write(0);
            text
        }
    }

    /// Frees a `BSTR` of any module of the process; null is ignored.
    ///
    /// # Safety
    ///
    /// `bstr` is null or a live `BSTR` from [`SysAllocStringLen`], not used afterwards.
    #[unsafe(no_mangle)]
    pub unsafe extern "system" fn SysFreeString(bstr: *mut u16) {
        if !bstr.is_null() {
            // SAFETY: a BSTR's block starts PREFIX bytes before its text.
            unsafe { free(bstr.cast::<u8>().sub(PREFIX).cast()) }
        }
    }

    /// The length of a `BSTR` in units; 0 for null.
    ///
    /// # Safety
    ///
    /// `bstr` is null or a live `BSTR`.
    #[unsafe(no_mangle)]
    pub unsafe extern "system" fn SysStringLen(bstr: *const u16) -> u32 {
        if bstr.is_null() {
            return 0;
        }
        // SAFETY: a live BSTR's byte length sits PREFIX bytes before its text, aligned.
        unsafe { bstr.cast::<u8>().sub(PREFIX).cast::<u32>().read() / 2 }
    }
}

/// A new `BSTR` holding `text` (`E_OUTOFMEMORY` when the allocation fails).
pub fn alloc(text: &str) -> Checked<*mut u16> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let len = u32::try_from(units.len()).map_err(|_| E_OUTOFMEMORY)?;
    // SAFETY: `units` is readable for `len` units.
    let bstr = unsafe { sys::SysAllocStringLen(units.as_ptr(), len) };
    if bstr.is_null() {
        Err(E_OUTOFMEMORY)
    } else {
        Ok(bstr)
    }
}

/// The text of a `BSTR` (empty for null).
///
/// # Safety
///
/// `bstr` is null or a live `BSTR`.
pub unsafe fn to_string(bstr: *const u16) -> String {
    if bstr.is_null() {
        return String::new();
    }
    // SAFETY: a live BSTR holds `SysStringLen` units.
    let units = unsafe { std::slice::from_raw_parts(bstr, sys::SysStringLen(bstr) as usize) };
    String::from_utf16_lossy(units)
}

/// Frees a `BSTR` (`SysFreeString`); null is ignored.
///
/// # Safety
///
/// `bstr` is null or a live `BSTR`, not used afterwards.
pub unsafe fn free(bstr: *mut u16) {
    // SAFETY: guaranteed by the caller.
    unsafe { sys::SysFreeString(bstr) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let bstr = alloc("héllo").unwrap();
        // SAFETY: a live BSTR from `alloc`: 4-byte length before it, NUL after its 5 units.
        unsafe {
            assert_eq!(bstr.cast::<u8>().sub(4).cast::<u32>().read(), 10);
            assert_eq!(bstr.add(5).read(), 0);
            assert_eq!(to_string(bstr), "héllo");
            free(bstr);
        }
        let empty = alloc("").unwrap();
        // SAFETY: a live BSTR, freed once; null is accepted by both.
        unsafe {
            assert_eq!(to_string(empty), "");
            free(empty);
            assert_eq!(to_string(std::ptr::null()), "");
            free(std::ptr::null_mut());
        }
    }
}
