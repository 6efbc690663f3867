//! The DLL's exports: `DllGetClassObject` and `DllCanUnloadNow`.

use std::ffi::c_void;

use windows_core::{GUID, HRESULT, IUnknown, Interface};

use crate::abi::{CLASS_E_CLASSNOTAVAILABLE, S_FALSE, clear_out, read_guid};
use crate::alive::{LOCKS, OBJECTS};
use crate::bindings::CLSID_Thermometer;
use crate::factory::ThermometerFactory;

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
