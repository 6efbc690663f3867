//! An in-process COM server written the windows-rs way, from an IDL file of its own:
//! `build.rs` turns `idl/thermometer.idl` into `thermometer.winmd` with
//! [`mobsync_idl::Builder::winmd`](https://docs.rs/mobsync-idl), then windows-bindgen turns the
//! `.winmd` into Rust (`IThermometer`, `IThermometer_Impl`, `TemperatureSample`,
//! `CLSID_Thermometer` ...), and the types below implement the interfaces with windows-core's
//! `#[implement]`. Nothing of mobsync-rs is linked into the library: the IDL's meaning reaches
//! windows-rs through the metadata (`[out, retval]` values are results, `[size_is]` arrays
//! pointers with their counts).
//!
//! `tests/tests/c_client_thermometer.rs` drives it from C through the header `mobsync-idl
//! c-header` writes for the same IDL file.
//!
//! windows-core's `_Impl` traits pass arrays and strings as raw pointers, so every method
//! checks them before use (null with a non-zero count: `E_POINTER`; misaligned:
//! `E_INVALIDARG`), as a COM server must.

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use windows_core::{
    BOOL, Error, GUID, HRESULT, IUnknown, Interface, PCWSTR, Ref, Result, implement,
};

#[allow(
    missing_docs,
    missing_debug_implementations,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    elided_lifetimes_in_paths,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
mod bindings {
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}

pub use bindings::{
    CLSID_Thermometer, ILabelled, IThermometer, TemperatureSample, TemperatureUnit,
    UNIT_MILLICELSIUS, UNIT_MILLIFAHRENHEIT, UNIT_MILLIKELVIN,
};
use bindings::{IClassFactory, IClassFactory_Impl, ILabelled_Impl, IThermometer_Impl};

const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);
const E_INVALIDARG: HRESULT = HRESULT(0x8007_0057_u32 as i32);
const E_BOUNDS: HRESULT = HRESULT(0x8000_000B_u32 as i32);
const E_NOT_SUFFICIENT_BUFFER: HRESULT = HRESULT(0x8007_007A_u32 as i32);
const CLASS_E_NOAGGREGATION: HRESULT = HRESULT(0x8004_0110_u32 as i32);
const CLASS_E_CLASSNOTAVAILABLE: HRESULT = HRESULT(0x8004_0111_u32 as i32);
const S_OK: HRESULT = HRESULT(0);
const S_FALSE: HRESULT = HRESULT(1);

/// The longest label, in UTF-16 code units.
pub const MAX_LABEL: usize = 64;

/// Live objects and `LockServer` locks, for `DllCanUnloadNow` (windows-core does not count
/// them: a server does).
static OBJECTS: AtomicUsize = AtomicUsize::new(0);
static LOCKS: AtomicUsize = AtomicUsize::new(0);

/// Counts one live object from creation to drop.
#[derive(Debug)]
struct Counted;

impl Counted {
    fn new() -> Self {
        OBJECTS.fetch_add(1, Ordering::AcqRel);
        Counted
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        OBJECTS.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The thermometer: samples in the order recorded, and a label.
#[implement(IThermometer, ILabelled)]
#[derive(Debug)]
pub struct Thermometer {
    state: Mutex<State>,
    _counted: Counted,
}

#[derive(Debug, Default)]
struct State {
    samples: Vec<TemperatureSample>,
    label: Vec<u16>,
}

impl Default for Thermometer {
    fn default() -> Self {
        Thermometer {
            state: Mutex::default(),
            _counted: Counted::new(),
        }
    }
}

impl Thermometer {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `value` of `unit` in thousandths of a kelvin, or `E_INVALIDARG` for an unknown unit or a
/// temperature below absolute zero.
fn to_millikelvin(value: i32, unit: TemperatureUnit) -> Result<i64> {
    let value = i64::from(value);
    let mk = match unit {
        UNIT_MILLICELSIUS => value + 273_150,
        UNIT_MILLIFAHRENHEIT => (value - 32_000) * 5 / 9 + 273_150,
        UNIT_MILLIKELVIN => value,
        _ => return Err(E_INVALIDARG.into()),
    };
    if mk < 0 {
        return Err(E_INVALIDARG.into());
    }
    Ok(mk)
}

/// Thousandths of a kelvin in `unit` (rounded toward zero).
fn from_millikelvin(mk: i64, unit: TemperatureUnit) -> Result<i32> {
    let value = match unit {
        UNIT_MILLICELSIUS => mk - 273_150,
        UNIT_MILLIFAHRENHEIT => (mk - 273_150) * 9 / 5 + 32_000,
        UNIT_MILLIKELVIN => mk,
        _ => return Err(E_INVALIDARG.into()),
    };
    i32::try_from(value).map_err(|_| E_INVALIDARG.into())
}

/// `count` elements at `ptr`, checked: null with a non-zero count is `E_POINTER`, a misaligned
/// pointer `E_INVALIDARG`.
///
/// # Safety
///
/// A non-null, aligned `ptr` is valid for reads of `count` elements for `'a`.
unsafe fn checked_slice<'a, T>(ptr: *const T, count: u32) -> Result<&'a [T]> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(E_POINTER.into());
    }
    if !ptr.is_aligned() {
        return Err(E_INVALIDARG.into());
    }
    // SAFETY: non-null and aligned, and valid for `count` reads per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count as usize) })
}

/// `count` writable elements at `ptr`, checked as [`checked_slice`].
///
/// # Safety
///
/// A non-null, aligned `ptr` is valid for writes of `count` elements for `'a`.
unsafe fn checked_slice_mut<'a, T>(ptr: *mut T, count: u32) -> Result<&'a mut [T]> {
    if count == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(E_POINTER.into());
    }
    if !ptr.is_aligned() {
        return Err(E_INVALIDARG.into());
    }
    // SAFETY: non-null and aligned, and valid for `count` writes per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, count as usize) })
}

impl IThermometer_Impl for Thermometer_Impl {
    fn Record(&self, value: i32, unit: TemperatureUnit) -> Result<u32> {
        to_millikelvin(value, unit)?;
        let mut state = self.state();
        let sequence = u32::try_from(state.samples.len() + 1).map_err(|_| E_BOUNDS)?;
        state.samples.push(TemperatureSample {
            value,
            unit,
            sequence,
        });
        Ok(sequence)
    }

    fn RecordMany(&self, count: u32, samples: *const TemperatureSample) -> Result<()> {
        // SAFETY: the caller passes `count` readable samples per `[size_is(count)]`.
        let samples = unsafe { checked_slice(samples, count) }?;
        for sample in samples {
            to_millikelvin(sample.value, sample.unit)?;
        }
        let mut state = self.state();
        for sample in samples {
            let sequence = u32::try_from(state.samples.len() + 1).map_err(|_| E_BOUNDS)?;
            state.samples.push(TemperatureSample {
                sequence,
                ..*sample
            });
        }
        Ok(())
    }

    fn Latest(&self) -> Result<TemperatureSample> {
        self.state()
            .samples
            .last()
            .copied()
            .ok_or_else(|| E_BOUNDS.into())
    }

    fn History(
        &self,
        capacity: u32,
        samples: *mut TemperatureSample,
        written: *mut u32,
    ) -> Result<()> {
        if written.is_null() {
            return Err(E_POINTER.into());
        }
        if !written.is_aligned() {
            return Err(E_INVALIDARG.into());
        }
        // SAFETY: checked non-null and aligned; writable per the COM contract.
        unsafe { written.write(0) };
        // SAFETY: the caller passes room for `capacity` samples per `[size_is(capacity)]`.
        let out = unsafe { checked_slice_mut(samples, capacity) }?;
        let state = self.state();
        let n = out.len().min(state.samples.len());
        out[..n].copy_from_slice(&state.samples[state.samples.len() - n..]);
        // SAFETY: as above; `n <= capacity`, which is a u32.
        unsafe { written.write(n as u32) };
        Ok(())
    }

    fn Mean(&self, unit: TemperatureUnit) -> Result<i32> {
        // The unit is checked first: an unknown unit is E_INVALIDARG even without samples.
        from_millikelvin(0, unit)?;
        let state = self.state();
        if state.samples.is_empty() {
            return Err(E_BOUNDS.into());
        }
        let mut total: i64 = 0;
        for s in &state.samples {
            total += to_millikelvin(s.value, s.unit)?;
        }
        from_millikelvin(total / state.samples.len() as i64, unit)
    }
}

impl ILabelled_Impl for Thermometer_Impl {
    fn SetLabel(&self, label: &PCWSTR) -> Result<()> {
        if label.is_null() {
            return Err(E_POINTER.into());
        }
        if !label.0.is_aligned() {
            return Err(E_INVALIDARG.into());
        }
        // Reads at most MAX_LABEL + 1 units, so that a string without its NUL is not read past
        // what the contract allows.
        let mut units = Vec::new();
        for i in 0..=MAX_LABEL {
            // SAFETY: a NUL-terminated string per `[string]`; the loop stops at its NUL or
            // after MAX_LABEL + 1 units, within a label the contract allows.
            let unit = unsafe { label.0.add(i).read() };
            if unit == 0 {
                self.state().label = units;
                return Ok(());
            }
            units.push(unit);
        }
        Err(Error::new(
            E_INVALIDARG,
            format!("a label has at most {MAX_LABEL} code units"),
        ))
    }

    fn GetLabel(&self, capacity: u32, buffer: *mut u16) -> Result<u32> {
        // SAFETY: the caller passes room for `capacity` units per `[size_is(capacity)]`.
        let out = unsafe { checked_slice_mut(buffer, capacity) }?;
        let state = self.state();
        let len = state.label.len();
        if out.len() <= len {
            return Err(E_NOT_SUFFICIENT_BUFFER.into());
        }
        out[..len].copy_from_slice(&state.label);
        out[len] = 0;
        Ok(len as u32)
    }
}

/// The class factory of [`Thermometer`].
#[implement(IClassFactory)]
#[derive(Debug)]
pub struct Factory {
    _counted: Counted,
}

impl IClassFactory_Impl for Factory_Impl {
    fn CreateInstance(
        &self,
        outer: Ref<'_, IUnknown>,
        iid: *const GUID,
        ppv: *mut *mut c_void,
    ) -> Result<()> {
        if ppv.is_null() {
            return Err(E_POINTER.into());
        }
        if !ppv.is_aligned() {
            return Err(E_INVALIDARG.into());
        }
        // SAFETY: checked non-null and aligned; writable per the COM contract.
        unsafe { ppv.write(std::ptr::null_mut()) };
        if iid.is_null() {
            return Err(E_POINTER.into());
        }
        if outer.is_some() {
            return Err(CLASS_E_NOAGGREGATION.into());
        }
        let unknown: IUnknown = Thermometer::default().into();
        // SAFETY: `iid` is non-null and `ppv` writable (checked above).
        unsafe { unknown.query(iid, ppv) }.ok()
    }

    fn LockServer(&self, lock: BOOL) -> Result<()> {
        if lock.as_bool() {
            LOCKS.fetch_add(1, Ordering::AcqRel);
        } else {
            // Saturating: an unbalanced unlock must not wrap to "locked forever".
            let _ = LOCKS.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        }
        Ok(())
    }
}

/// `DllGetClassObject`: the class factory of `CLSID_Thermometer`.
///
/// # Safety
///
/// COM's contract: `clsid` and `iid` are null or readable, `ppv` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn DllGetClassObject(
    clsid: *const GUID,
    iid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    if ppv.is_null() {
        return E_POINTER;
    }
    if !ppv.is_aligned() || !clsid.is_aligned() || !iid.is_aligned() {
        return E_INVALIDARG;
    }
    // SAFETY: checked non-null and aligned; writable per the contract.
    unsafe { ppv.write(std::ptr::null_mut()) };
    if clsid.is_null() || iid.is_null() {
        return E_POINTER;
    }
    // SAFETY: checked non-null and aligned; readable per the contract.
    if unsafe { *clsid } != CLSID_Thermometer {
        return CLASS_E_CLASSNOTAVAILABLE;
    }
    let factory: IUnknown = Factory {
        _counted: Counted::new(),
    }
    .into();
    // SAFETY: `iid` readable and `ppv` writable (checked above).
    unsafe { factory.query(iid, ppv) }
}

/// `DllCanUnloadNow`: `S_OK` once no object is alive and no lock is held.
#[unsafe(no_mangle)]
pub extern "system" fn DllCanUnloadNow() -> HRESULT {
    if OBJECTS.load(Ordering::Acquire) == 0 && LOCKS.load(Ordering::Acquire) == 0 {
        S_OK
    } else {
        S_FALSE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip() {
        let mk = to_millikelvin(25_000, UNIT_MILLICELSIUS).unwrap();
        assert_eq!(mk, 298_150);
        assert_eq!(from_millikelvin(mk, UNIT_MILLIFAHRENHEIT).unwrap(), 77_000);
        assert!(to_millikelvin(-300_000, UNIT_MILLICELSIUS).is_err());
        assert!(to_millikelvin(0, 7).is_err());
    }

    #[test]
    fn the_interfaces_are_windows_bindgens() {
        let thermometer: IThermometer = Thermometer::default().into();
        // SAFETY: windows-bindgen's wrappers call a live object through its vtable.
        let sequence = unsafe { thermometer.Record(21_500, UNIT_MILLICELSIUS) }.unwrap();
        assert_eq!(sequence, 1);
        // SAFETY: as above.
        let latest = unsafe { thermometer.Latest() }.unwrap();
        assert_eq!((latest.value, latest.sequence), (21_500, 1));
        let labelled: ILabelled = thermometer.cast().unwrap();
        drop(labelled);
    }
}
