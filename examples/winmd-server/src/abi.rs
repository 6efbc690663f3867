//! What crosses the ABI: the HRESULTs this server answers, and the checks of the pointers it is
//! given.

use std::ffi::c_void;

use windows_core::{GUID, HRESULT};

/// `S_FALSE`: `DllCanUnloadNow`'s "not now".
pub(crate) const S_FALSE: HRESULT = HRESULT(1);
/// `E_POINTER`: a null pointer where one is required (an array with a non-zero count too).
pub const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);
/// `E_INVALIDARG`: an unknown unit, a temperature below absolute zero, a misaligned pointer, a
/// label longer than 64 UTF-16 code units.
pub const E_INVALIDARG: HRESULT = HRESULT(0x8007_0057_u32 as i32);
/// `E_BOUNDS`: no sample recorded yet, or the record is full (`u32::MAX` samples).
pub const E_BOUNDS: HRESULT = HRESULT(0x8000_000B_u32 as i32);
/// `E_UNEXPECTED`: `LockServer(FALSE)` with no lock held.
pub const E_UNEXPECTED: HRESULT = HRESULT(0x8000_FFFF_u32 as i32);
/// `E_NOT_SUFFICIENT_BUFFER` (`HRESULT_FROM_WIN32(ERROR_INSUFFICIENT_BUFFER)`).
pub const E_NOT_SUFFICIENT_BUFFER: HRESULT = HRESULT(0x8007_007A_u32 as i32);

/// `CLASS_E_NOAGGREGATION`: the class cannot be aggregated.
pub const CLASS_E_NOAGGREGATION: HRESULT = HRESULT(0x8004_0110_u32 as i32);
/// `CLASS_E_CLASSNOTAVAILABLE`: the module serves no class of that CLSID.
pub const CLASS_E_CLASSNOTAVAILABLE: HRESULT = HRESULT(0x8004_0111_u32 as i32);

/// Reads a GUID the caller passed by pointer, whatever its alignment: `E_POINTER` when null.
///
/// # Safety
/// `guid`, when not null, points to 16 readable bytes.
pub(crate) unsafe fn read_guid(guid: *const GUID) -> Result<GUID, HRESULT> {
    if guid.is_null() {
        return Err(E_POINTER);
    }
    // SAFETY: not null, and the caller promises 16 readable bytes; read_unaligned needs no
    // alignment.
    Ok(unsafe { guid.read_unaligned() })
}

/// Checks an interface out-pointer and clears it: `E_POINTER` when null, `E_INVALIDARG` when
/// misaligned.
///
/// # Safety
/// `out`, when not null and aligned, points to a writable pointer.
pub(crate) unsafe fn clear_out(out: *mut *mut c_void) -> Result<(), HRESULT> {
    if out.is_null() {
        return Err(E_POINTER);
    }
    if !out.is_aligned() {
        return Err(E_INVALIDARG);
    }
    // SAFETY: not null, aligned, and writable as the caller promises.
    unsafe { out.write(std::ptr::null_mut()) };
    Ok(())
}
