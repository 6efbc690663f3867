//! An in-process COM server whose interface comes from its own IDL file (`idl/calc.idl`):
//! `build.rs` runs [`mobsync_idl::Builder`](https://docs.rs/mobsync-idl) with
//! `.implement(true)`, which writes the bindings (`calc::ICalculator`, `calc::CLSID_Calculator`)
//! and the safe trait `calc::implement::Calculator` with its checked shims; the type below
//! implements the trait, and `#[derive(ComObject)]` with a `clsid` makes it a creatable class
//! that `export_classes!` serves through `DllGetClassObject`.
//!
//! `tests/tests/c_client_calc.rs` drives it from C through the raw vtables.
//!
//! The second class, [`NoteDocument`], implements an interface of the Windows SDK's IDL:
//! `idl/notes.idl` imports `objidl.idl` (Wine's copy) and names `IPersistStream` in its
//! coclass, so build.rs generates that interface, its bases and what its methods take, and
//! says with `.success_codes(...)` that `IsDirty` answers `S_OK` or `S_FALSE` (Wine's IDL does
//! not). `tests/tests/c_client_notes.rs` drives it from C with a C memory stream.

use std::sync::atomic::{AtomicU32, Ordering};

use mobsync_runtime::{ComObject, WStr};

include!(concat!(env!("OUT_DIR"), "/calc.rs"));
include!(concat!(env!("OUT_DIR"), "/notes.rs"));

mod note_document;

pub use note_document::{MAX_TEXT, NoteDocument};

/// The calculator: counts the calls it serves.
#[derive(Debug, Default, ComObject)]
#[com_object(
    clsid = "C94F4F7D-B848-43AA-A220-6A127B226BF1",
    name = "mobsync-rs example calculator",
    interfaces(calc::ICalculator)
)]
pub struct Calc {
    calls: AtomicU32,
}

impl Calc {
    fn count(&self) -> u32 {
        self.calls.fetch_add(1, Ordering::Relaxed) + 1
    }
}

impl calc::implement::Calculator for Calc {
    fn add(&self, a: i32, b: i32) -> windows_core::Result<i32> {
        self.count();
        // An overflow is the caller's bad input: E_INVALIDARG, as the contract says.
        a.checked_add(b).ok_or_else(|| {
            windows_core::Error::from_hresult(mobsync_runtime::hresults::E_INVALIDARG)
        })
    }

    fn sum(&self, values: &[i32]) -> windows_core::Result<i32> {
        self.count();
        values
            .iter()
            .try_fold(0i32, |acc, v| acc.checked_add(*v))
            .ok_or_else(|| {
                windows_core::Error::from_hresult(mobsync_runtime::hresults::E_INVALIDARG)
            })
    }

    fn length(&self, text: &WStr) -> windows_core::Result<u32> {
        self.count();
        u32::try_from(text.len())
            .map_err(|_| windows_core::Error::from_hresult(mobsync_runtime::hresults::E_INVALIDARG))
    }

    fn calls(&self) -> u32 {
        self.count()
    }

    fn fail(&self) -> windows_core::Result<()> {
        self.count();
        panic!("the example's Fail method always panics");
    }
}

mobsync_runtime::export_classes!(Calc, NoteDocument);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_clsid_is_the_class_clsid() {
        use mobsync_runtime::__private::Class as _;
        assert_eq!(calc::CLSID_Calculator, Calc::CLSID);
        assert_eq!(notes::CLSID_NoteDocument, NoteDocument::CLSID);
    }
}
