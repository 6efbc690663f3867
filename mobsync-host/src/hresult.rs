//! HRESULT values the host checks for or returns (the runtime's standard ones, plus the COM
//! loader's), and their descriptions. The Sync Manager codes are the IDL's, from
//! `mobsync_runtime::sys`.

use mobsync_runtime::sys::{
    S_SYNCMGR_CANCELALL, S_SYNCMGR_CANCELITEM, S_SYNCMGR_ENUMITEMS, S_SYNCMGR_ITEMDELETED,
    S_SYNCMGR_MISSINGITEMS, S_SYNCMGR_RETRYSYNC,
};
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
    match hr {
        S_OK => "success",
        S_FALSE => "success (S_FALSE)",
        E_NOTIMPL => "not implemented (E_NOTIMPL)",
        E_NOINTERFACE => "interface not supported (E_NOINTERFACE)",
        E_POINTER => "null pointer (E_POINTER)",
        E_FAIL => "unspecified failure (E_FAIL)",
        E_UNEXPECTED => "catastrophic failure (E_UNEXPECTED; a handler panic is reported so)",
        E_OUTOFMEMORY => "out of memory (E_OUTOFMEMORY)",
        E_INVALIDARG => "invalid argument (E_INVALIDARG)",
        CLASS_E_NOAGGREGATION => "aggregation not supported (CLASS_E_NOAGGREGATION)",
        CLASS_E_CLASSNOTAVAILABLE => {
            "class not available from this module (CLASS_E_CLASSNOTAVAILABLE)"
        }
        REGDB_E_CLASSNOTREG => "class not registered (REGDB_E_CLASSNOTREG)",
        CO_E_ERRORINDLL => "error in the module (CO_E_ERRORINDLL)",
        SELFREG_E_CLASS => "self-registration failed (SELFREG_E_CLASS)",
        S_SYNCMGR_MISSINGITEMS => "some items are missing (S_SYNCMGR_MISSINGITEMS)",
        S_SYNCMGR_RETRYSYNC => "retry the sync (S_SYNCMGR_RETRYSYNC)",
        S_SYNCMGR_CANCELITEM => "cancel this item (S_SYNCMGR_CANCELITEM)",
        S_SYNCMGR_CANCELALL => "cancel everything (S_SYNCMGR_CANCELALL)",
        S_SYNCMGR_ITEMDELETED => "an item was deleted (S_SYNCMGR_ITEMDELETED)",
        S_SYNCMGR_ENUMITEMS => "enumerate the items again (S_SYNCMGR_ENUMITEMS)",
        _ if hr.is_ok() => "success code",
        _ => "failure",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_name_their_code() {
        assert_eq!(describe(S_OK), "success");
        assert_eq!(
            describe(S_SYNCMGR_MISSINGITEMS),
            "some items are missing (S_SYNCMGR_MISSINGITEMS)"
        );
        assert_eq!(
            describe(SELFREG_E_CLASS),
            "self-registration failed (SELFREG_E_CLASS)"
        );
        assert_eq!(describe(HRESULT(2)), "success code");
        assert_eq!(describe(HRESULT(0x8bad_f00d_u32 as i32)), "failure");
    }
}
