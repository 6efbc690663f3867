//! The DLL's exports, and the count of live objects and server locks that `DllCanUnloadNow`
//! reports.

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};

use windows_core::{GUID, HRESULT, IUnknown, Interface};

use crate::bindings::CLSID_Thermometer;
use crate::factory::ThermometerFactory;
use crate::thermometer::{E_INVALIDARG, E_POINTER};

/// `CLASS_E_CLASSNOTAVAILABLE`: the module serves no class of that CLSID.
pub const CLASS_E_CLASSNOTAVAILABLE: HRESULT = HRESULT(0x8004_0111_u32 as i32);
const S_FALSE: HRESULT = HRESULT(1);

/// A count that `DllCanUnloadNow` reads.
#[derive(Debug)]
pub(crate) struct Count(AtomicUsize);

impl Count {
    /// Counts one more.
    pub(crate) fn hold(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }

    /// Counts one fewer; false (and no change) when the count is 0.
    pub(crate) fn release(&self) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    fn is_zero(&self) -> bool {
        self.0.load(Ordering::Acquire) == 0
    }
}

/// Objects of this module alive, factories included.
pub(crate) static OBJECTS: Count = Count(AtomicUsize::new(0));
/// `LockServer(TRUE)` locks held.
pub(crate) static LOCKS: Count = Count(AtomicUsize::new(0));

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

/// Gives the class factory of `CLSID_Thermometer` as the interface `riid` (`IClassFactory` or
/// `IUnknown`). `E_POINTER` for a null pointer, `E_INVALIDARG` for a misaligned `ppv`,
/// `CLASS_E_CLASSNOTAVAILABLE` for another CLSID, `E_NOINTERFACE` for another interface.
///
/// # Safety
/// Each pointer, when not null, points to what COM says: two GUIDs and a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn DllGetClassObject(
    rclsid: *const GUID,
    riid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    // SAFETY: the caller's promise, passed on.
    if let Err(hr) = unsafe { clear_out(ppv) } {
        return hr;
    }
    // SAFETY: the caller's promise, passed on.
    let (clsid, iid) = match unsafe { (read_guid(rclsid), read_guid(riid)) } {
        (Ok(clsid), Ok(iid)) => (clsid, iid),
        (Err(hr), _) | (_, Err(hr)) => return hr,
    };
    if clsid != CLSID_Thermometer {
        return CLASS_E_CLASSNOTAVAILABLE;
    }
    let factory: IUnknown = ThermometerFactory::new().into();
    // SAFETY: `iid` is a local GUID and `ppv` was checked above.
    unsafe { factory.query(&iid, ppv) }
}

/// `S_OK` when no object of this module is alive and no server lock is held, else `S_FALSE`.
#[unsafe(no_mangle)]
pub extern "system" fn DllCanUnloadNow() -> HRESULT {
    if OBJECTS.is_zero() && LOCKS.is_zero() {
        HRESULT(0)
    } else {
        S_FALSE
    }
}
