//! The thermometer class: `IThermometer` and `ILabelled` of `idl/thermometer.idl` on one object,
//! implemented with windows-core's `#[implement]` over windows-bindgen's `_Impl` traits.

use std::sync::{Mutex, MutexGuard};

use windows_core::{HRESULT, PCWSTR, implement};

use crate::abi::{E_BOUNDS, E_INVALIDARG, E_NOT_SUFFICIENT_BUFFER, E_POINTER};
use crate::alive::OBJECTS;
use crate::bindings::{
    ILabelled, ILabelled_Impl, IThermometer, IThermometer_Impl, TemperatureSample, TemperatureUnit,
    UNIT_MILLICELSIUS, UNIT_MILLIFAHRENHEIT, UNIT_MILLIKELVIN,
};

/// The longest label, in UTF-16 code units without its NUL.
pub const MAX_LABEL: usize = 64;

/// 0 °C in millikelvin.
const ZERO_CELSIUS_MK: i128 = 273_150;
/// 0 °C in millidegrees Fahrenheit.
const ZERO_CELSIUS_MF: i128 = 32_000;

/// Samples in the order they were recorded, and the label.
#[derive(Debug, Default)]
struct State {
    samples: Vec<TemperatureSample>,
    label: Vec<u16>,
}

/// The thermometer: samples kept in memory, and a label.
#[derive(Debug)]
#[implement(IThermometer, ILabelled)]
pub struct Thermometer {
    state: Mutex<State>,
}

impl Thermometer {
    /// An empty thermometer with an empty label, counted by `DllCanUnloadNow` until its last
    /// `Release`.
    pub fn new() -> Self {
        OBJECTS.hold();
        Self {
            state: Mutex::default(),
        }
    }

    /// The state; a poisoned lock cannot happen (nothing panics while holding it), and its data
    /// would be whole anyway.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for Thermometer {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Thermometer {
    fn drop(&mut self) {
        OBJECTS.release();
    }
}

/// `value` of `unit` in ninths of a millikelvin (exact for every unit); `E_INVALIDARG` for an
/// unknown unit or a value below absolute zero.
fn ninths_of_millikelvin(value: i32, unit: TemperatureUnit) -> Result<i128, HRESULT> {
    let value = i128::from(value);
    let ninths = match unit {
        UNIT_MILLIKELVIN => 9 * value,
        UNIT_MILLICELSIUS => 9 * (value + ZERO_CELSIUS_MK),
        // K = (F - 32) * 5/9 + 273.15
        UNIT_MILLIFAHRENHEIT => 5 * (value - ZERO_CELSIUS_MF) + 9 * ZERO_CELSIUS_MK,
        _ => return Err(E_INVALIDARG),
    };
    if ninths < 0 {
        return Err(E_INVALIDARG);
    }
    Ok(ninths)
}

/// The mean of `sum` ninths of a millikelvin over `n` samples, in `unit`, rounded toward zero;
/// `E_INVALIDARG` for an unknown unit or a mean `i32` cannot hold.
fn mean_in(sum: i128, n: i128, unit: TemperatureUnit) -> Result<i32, HRESULT> {
    let mean = match unit {
        UNIT_MILLIKELVIN => sum / (9 * n),
        // C = K - 273.15, that is (sum / n - 9 * 273150) / 9
        UNIT_MILLICELSIUS => (sum - 9 * ZERO_CELSIUS_MK * n) / (9 * n),
        // F = C * 9/5 + 32, that is (sum / n - 9 * 273150) / 5 + 32000
        UNIT_MILLIFAHRENHEIT => (sum - 9 * ZERO_CELSIUS_MK * n + 5 * ZERO_CELSIUS_MF * n) / (5 * n),
        _ => return Err(E_INVALIDARG),
    };
    i32::try_from(mean).map_err(|_| E_INVALIDARG)
}

/// The sequence number the next sample of `samples` gets; `E_BOUNDS` when the record is full.
fn next_sequence(samples: &[TemperatureSample]) -> Result<u32, HRESULT> {
    u32::try_from(samples.len())
        .ok()
        .and_then(|n| n.checked_add(1))
        .ok_or(E_BOUNDS)
}

impl IThermometer_Impl for Thermometer_Impl {
    fn Record(&self, value: i32, unit: TemperatureUnit) -> windows_core::Result<u32> {
        ninths_of_millikelvin(value, unit)?;
        let mut state = self.state();
        let sequence = next_sequence(&state.samples)?;
        state.samples.push(TemperatureSample {
            value,
            unit,
            sequence,
        });
        Ok(sequence)
    }

    fn RecordMany(
        &self,
        count: u32,
        samples: *const TemperatureSample,
    ) -> windows_core::Result<()> {
        if count == 0 {
            return Ok(());
        }
        if samples.is_null() {
            return Err(E_POINTER.into());
        }
        if !samples.is_aligned() {
            return Err(E_INVALIDARG.into());
        }
        // SAFETY: not null, aligned, and `size_is(count)` in the IDL: the caller promises
        // `count` samples there.
        let given = unsafe { std::slice::from_raw_parts(samples, count as usize) };
        for sample in given {
            ninths_of_millikelvin(sample.value, sample.unit)?;
        }
        let mut state = self.state();
        // All or none: the whole batch must fit before any is recorded.
        let last = state.samples.len().checked_add(given.len());
        if last.and_then(|n| u32::try_from(n).ok()).is_none() {
            return Err(E_BOUNDS.into());
        }
        for sample in given {
            let sequence = next_sequence(&state.samples)?;
            state.samples.push(TemperatureSample {
                sequence,
                ..*sample
            });
        }
        Ok(())
    }

    fn Latest(&self) -> windows_core::Result<TemperatureSample> {
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
    ) -> windows_core::Result<()> {
        if written.is_null() {
            return Err(E_POINTER.into());
        }
        if !written.is_aligned() {
            return Err(E_INVALIDARG.into());
        }
        // SAFETY: not null and aligned (checked above); the caller promises a writable ULONG.
        // Nothing is copied until the array is checked too.
        unsafe { written.write(0) };
        if capacity > 0 && samples.is_null() {
            return Err(E_POINTER.into());
        }
        if capacity > 0 && !samples.is_aligned() {
            return Err(E_INVALIDARG.into());
        }
        let state = self.state();
        let copied = state.samples.len().min(capacity as usize);
        let newest = &state.samples[state.samples.len() - copied..];
        if copied > 0 {
            // SAFETY: `samples` is not null and aligned (checked above), and `size_is(capacity)`
            // in the IDL: the caller promises room for `capacity` >= `copied` samples, which are
            // not in our own vector.
            unsafe { std::ptr::copy_nonoverlapping(newest.as_ptr(), samples, copied) };
        }
        // SAFETY: not null and aligned (checked above); the caller promises a writable ULONG.
        // `copied` <= `capacity`, a u32.
        unsafe { written.write(copied as u32) };
        Ok(())
    }

    fn Mean(&self, unit: TemperatureUnit) -> windows_core::Result<i32> {
        let state = self.state();
        if state.samples.is_empty() {
            return Err(E_BOUNDS.into());
        }
        let mut sum: i128 = 0;
        for sample in &state.samples {
            // Every recorded sample was checked when it was recorded.
            sum += ninths_of_millikelvin(sample.value, sample.unit)?;
        }
        Ok(mean_in(sum, state.samples.len() as i128, unit)?)
    }
}

impl ILabelled_Impl for Thermometer_Impl {
    fn SetLabel(&self, label: &PCWSTR) -> windows_core::Result<()> {
        let start = label.0;
        if start.is_null() {
            return Err(E_POINTER.into());
        }
        if !start.is_aligned() {
            return Err(E_INVALIDARG.into());
        }
        let mut units = Vec::with_capacity(MAX_LABEL);
        loop {
            // SAFETY: `start` is not null and aligned, and `[string]` in the IDL: the units up to
            // the NUL are readable. The loop stops at the NUL, or at the first unit past the
            // longest label (still before the NUL of a longer string).
            let unit = unsafe { start.add(units.len()).read() };
            if unit == 0 {
                break;
            }
            if units.len() == MAX_LABEL {
                return Err(E_INVALIDARG.into());
            }
            units.push(unit);
        }
        self.state().label = units;
        Ok(())
    }

    fn GetLabel(&self, capacity: u32, buffer: *mut u16) -> windows_core::Result<u32> {
        if capacity > 0 && buffer.is_null() {
            return Err(E_POINTER.into());
        }
        if capacity > 0 && !buffer.is_aligned() {
            return Err(E_INVALIDARG.into());
        }
        let state = self.state();
        let length = state.label.len();
        if length >= capacity as usize {
            return Err(E_NOT_SUFFICIENT_BUFFER.into());
        }
        // SAFETY: `buffer` is not null and aligned (capacity > length >= 0, checked above), and
        // `size_is(capacity)` in the IDL: the caller promises room for `capacity` > `length`
        // units, which are not in our own vector.
        unsafe {
            std::ptr::copy_nonoverlapping(state.label.as_ptr(), buffer, length);
            buffer.add(length).write(0);
        }
        // At most MAX_LABEL.
        Ok(length as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::{ILabelled, IThermometer};
    use windows_core::Interface;

    #[test]
    fn conversions_are_exact_and_stop_at_absolute_zero() {
        // 68 F = 20 C = 293.15 K, exactly, in ninths of a millikelvin.
        let twenty = ninths_of_millikelvin(20_000, UNIT_MILLICELSIUS).unwrap();
        assert_eq!(
            ninths_of_millikelvin(68_000, UNIT_MILLIFAHRENHEIT),
            Ok(twenty)
        );
        assert_eq!(ninths_of_millikelvin(293_150, UNIT_MILLIKELVIN), Ok(twenty));
        // -459.67 F is absolute zero; a thousandth below it is not a temperature.
        assert_eq!(ninths_of_millikelvin(-459_670, UNIT_MILLIFAHRENHEIT), Ok(0));
        assert_eq!(
            ninths_of_millikelvin(-459_671, UNIT_MILLIFAHRENHEIT),
            Err(E_INVALIDARG)
        );
        assert_eq!(
            ninths_of_millikelvin(-273_151, UNIT_MILLICELSIUS),
            Err(E_INVALIDARG)
        );
        assert_eq!(ninths_of_millikelvin(0, 7), Err(E_INVALIDARG));
    }

    #[test]
    fn means_round_toward_zero() {
        // -0.5 C and -0.001 C: -250.5 mC, 272899.5 mK.
        let sum = ninths_of_millikelvin(-500, UNIT_MILLICELSIUS).unwrap()
            + ninths_of_millikelvin(-1, UNIT_MILLICELSIUS).unwrap();
        assert_eq!(mean_in(sum, 2, UNIT_MILLICELSIUS), Ok(-250));
        assert_eq!(mean_in(sum, 2, UNIT_MILLIKELVIN), Ok(272_899));
        // 25 C is 77 F exactly.
        let sum = ninths_of_millikelvin(25_000, UNIT_MILLICELSIUS).unwrap();
        assert_eq!(mean_in(sum, 1, UNIT_MILLIFAHRENHEIT), Ok(77_000));
        assert_eq!(mean_in(sum, 1, 3), Err(E_INVALIDARG));
    }

    #[test]
    fn the_interfaces_are_windows_bindgens() {
        let thermometer: IThermometer = Thermometer::new().into();
        // SAFETY: windows-bindgen's wrappers call a live object through its vtable.
        let sequence = unsafe { thermometer.Record(21_500, UNIT_MILLICELSIUS) }.unwrap();
        assert_eq!(sequence, 1);
        // SAFETY: as above; the slice is windows-bindgen's form of `[in, size_is(count)]`.
        unsafe { thermometer.RecordMany(&[TemperatureSample::default()]) }.unwrap();
        // SAFETY: as above.
        let latest = unsafe { thermometer.Latest() }.unwrap();
        assert_eq!(
            (latest.value, latest.unit, latest.sequence),
            (0, UNIT_MILLICELSIUS, 2)
        );
        let labelled: ILabelled = thermometer.cast().unwrap();
        let mut buffer = [0u16; 4];
        // SAFETY: as above, with a buffer of `buffer.len()` units.
        let length = unsafe { labelled.GetLabel(buffer.len() as u32, buffer.as_mut_ptr()) };
        assert_eq!(length, Ok(0));
    }
}
