//! HRESULT values the host checks for or returns (the runtime's standard ones, plus the COM
//! loader's), and their descriptions.

use windows_core::HRESULT;

pub use mobsync_runtime::hresults::*;

/// `REGDB_E_CLASSNOTREG`: the CLSID is not in the registration store.
pub const REGDB_E_CLASSNOTREG: HRESULT = HRESULT(0x8004_0154_u32 as i32);
/// `CO_E_ERRORINDLL`: the module could not be loaded or lacks an export.
pub const CO_E_ERRORINDLL: HRESULT = HRESULT(0x8004_01F9_u32 as i32);
/// `SELFREG_E_CLASS`: DllRegisterServer failed to register a class.
pub const SELFREG_E_CLASS: HRESULT = HRESULT(0x8004_0201_u32 as i32);

/// A short description of well-known HRESULTs (the Sync Manager ones included).
pub fn describe(hr: HRESULT) -> &'static str {
    match hr.0 as u32 {
        0 => "success",
        1 => "success (S_FALSE)",
        0x8000_4001 => "not implemented (E_NOTIMPL)",
        0x8000_4002 => "interface not supported (E_NOINTERFACE)",
        0x8000_4003 => "null pointer (E_POINTER)",
        0x8000_4005 => "unspecified failure (E_FAIL)",
        0x8000_FFFF => "catastrophic failure (E_UNEXPECTED; a handler panic is reported so)",
        0x8007_000E => "out of memory (E_OUTOFMEMORY)",
        0x8007_0057 => "invalid argument (E_INVALIDARG)",
        0x8004_0110 => "aggregation not supported (CLASS_E_NOAGGREGATION)",
        0x8004_0111 => "class not available from this module (CLASS_E_CLASSNOTAVAILABLE)",
        0x8004_0154 => "class not registered (REGDB_E_CLASSNOTREG)",
        0x8004_01F9 => "error in the module (CO_E_ERRORINDLL)",
        0x8004_0201 => "self-registration failed (SELFREG_E_CLASS)",
        0x0004_0201 => "some items are missing (S_SYNCMGR_MISSINGITEMS)",
        0x0004_0202 => "retry the sync (S_SYNCMGR_RETRYSYNC)",
        0x0004_0203 => "cancel this item (S_SYNCMGR_CANCELITEM)",
        0x0004_0204 => "cancel everything (S_SYNCMGR_CANCELALL)",
        0x0004_0210 => "an item was deleted (S_SYNCMGR_ITEMDELETED)",
        0x0004_0211 => "enumerate the items again (S_SYNCMGR_ENUMITEMS)",
        _ if hr.is_ok() => "success code",
        _ => "failure",
    }
}
