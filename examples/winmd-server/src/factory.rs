//! The class factory of [`Thermometer`], implemented with windows-core's `#[implement]` over
//! windows-bindgen's `IClassFactory`.

use std::ffi::c_void;

use windows_core::{GUID, IUnknown, Interface, Ref, implement};

use crate::abi::{CLASS_E_NOAGGREGATION, E_UNEXPECTED, clear_out, read_guid};
use crate::alive::{LOCKS, OBJECTS};
use crate::bindings::{IClassFactory, IClassFactory_Impl};
use crate::thermometer::Thermometer;

/// Creates [`Thermometer`]s; alive, it keeps the module loaded.
#[derive(Debug)]
#[implement(IClassFactory)]
pub struct ThermometerFactory(());

impl ThermometerFactory {
    /// A factory, counted by `DllCanUnloadNow` until its last `Release`.
    pub fn new() -> Self {
        OBJECTS.hold();
        Self(())
    }
}

impl Default for ThermometerFactory {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ThermometerFactory {
    fn drop(&mut self) {
        OBJECTS.release();
    }
}

impl IClassFactory_Impl for ThermometerFactory_Impl {
    fn CreateInstance(
        &self,
        outer: Ref<'_, IUnknown>,
        riid: *const GUID,
        ppv: *mut *mut c_void,
    ) -> windows_core::Result<()> {
        // SAFETY: COM's contract for CreateInstance: `ppv`, when not null, is writable.
        unsafe { clear_out(ppv) }?;
        // SAFETY: `riid`, when not null, points to a GUID; it is read unaligned.
        let iid = unsafe { read_guid(riid) }?;
        if !outer.is_null() {
            return Err(CLASS_E_NOAGGREGATION.into());
        }
        let object: IUnknown = Thermometer::new().into();
        // SAFETY: `iid` is a local GUID and `ppv` was checked above.
        unsafe { object.query(&iid, ppv) }.ok()
    }

    fn LockServer(&self, lock: windows_core::BOOL) -> windows_core::Result<()> {
        if lock.as_bool() {
            LOCKS.hold();
            Ok(())
        } else if LOCKS.release() {
            Ok(())
        } else {
            // An unlock with no lock held: the caller's count is wrong.
            Err(E_UNEXPECTED.into())
        }
    }
}
