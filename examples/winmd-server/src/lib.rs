//! An in-process COM server of a windows-rs user, from an IDL file of its own to a DLL:
//!
//! 1. `build.rs` turns `idl/thermometer.idl` into `OUT_DIR/thermometer.winmd` with
//!    [`mobsync_idl::Builder::winmd`](https://docs.rs/mobsync-idl), and windows-bindgen turns that
//!    `.winmd` into [`bindings`] (`IThermometer`, `ILabelled` and their `_Impl` traits,
//!    `TemperatureSample`, `CLSID_Thermometer`, and COM's `IClassFactory` from the Windows metadata
//!    windows-bindgen bundles).
//! 2. [`Thermometer`] implements the two interfaces with windows-core's `#[implement]`, and
//!    [`ThermometerFactory`] creates it.
//! 3. [`DllGetClassObject`] and [`DllCanUnloadNow`] export the class from the cdylib.
//!
//! `tests/tests/c_client_thermometer.rs` drives the DLL from C (`tests/c/client_thermometer.c`) through the C
//! header that `mobsync-idl c-header` makes from the same IDL file: windows-bindgen's bindings and
//! mobsync-idl's header describe one ABI.
//!
//! windows-bindgen's shims write a `[retval]` result through its pointer without checking it: a
//! caller passing a null or misaligned `[retval]` pointer is not protected. Every other pointer
//! is checked here (null, or null with a non-zero count: `E_POINTER`; misaligned:
//! `E_INVALIDARG`), and nothing in this crate panics across the ABI.

mod abi;
mod alive;
mod exports;
mod factory;
mod thermometer;

/// The Rust that windows-bindgen generates from `OUT_DIR/thermometer.winmd`.
#[allow(
    non_snake_case,
    non_camel_case_types,
    non_upper_case_globals,
    dead_code,
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    missing_debug_implementations,
    rust_2018_idioms,
    reason = "windows-bindgen's output keeps the IDL's names and wraps every call"
)]
pub mod bindings {
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}

pub use exports::{DllCanUnloadNow, DllGetClassObject};
pub use factory::ThermometerFactory;
pub use thermometer::Thermometer;
