//! The success codes each call the host makes, and each completion it waits for, is documented
//! to return. A handler that answers with any other success code is not failed for it (Sync
//! Manager treats every success code as success), but the code is reported as a problem, since a
//! handler that returns it relies on behaviour nobody promised.
//!
//! The method tables follow the `custom(5A2B5787-..., "S_OK ...")` contract attributes of
//! `idl/mobsync.idl` (a method without one documents `S_OK` alone); the unit tests below check
//! them against the outcome types the runtime generates from that IDL. The completion tables list
//! the codes Sync Manager acts on when a handler passes them to the completion callback.

use windows_core::HRESULT;

use crate::hresult::{S_FALSE, S_OK};
use crate::model::hresult_string;
use mobsync_runtime::sys::{
    S_SYNCMGR_ENUMITEMS, S_SYNCMGR_ITEMDELETED, S_SYNCMGR_MISSINGITEMS, S_SYNCMGR_RETRYSYNC,
};

/// A call or completion and the success codes it is documented to return (`S_OK` first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Contract {
    /// The method or callback name, as in the SDK.
    pub name: &'static str,
    /// The documented success codes, with their names.
    pub codes: &'static [(&'static str, HRESULT)],
    /// Whether this is a completion callback (the handler passes the code) rather than a call
    /// (the handler returns it).
    pub completion: bool,
}

const OK: (&str, HRESULT) = ("S_OK", S_OK);
const FALSE: (&str, HRESULT) = ("S_FALSE", S_FALSE);
const ENUMITEMS: (&str, HRESULT) = ("S_SYNCMGR_ENUMITEMS", S_SYNCMGR_ENUMITEMS);
const ITEMDELETED: (&str, HRESULT) = ("S_SYNCMGR_ITEMDELETED", S_SYNCMGR_ITEMDELETED);
const RETRYSYNC: (&str, HRESULT) = ("S_SYNCMGR_RETRYSYNC", S_SYNCMGR_RETRYSYNC);
const MISSINGITEMS: (&str, HRESULT) = ("S_SYNCMGR_MISSINGITEMS", S_SYNCMGR_MISSINGITEMS);

/// `ISyncMgrSynchronize::Initialize`: `S_OK S_FALSE`.
pub(crate) const INITIALIZE: Contract = Contract {
    name: "Initialize",
    codes: &[OK, FALSE],
    completion: false,
};
/// `ISyncMgrSynchronize::GetHandlerInfo`.
pub(crate) const GET_HANDLER_INFO: Contract = Contract {
    name: "GetHandlerInfo",
    codes: &[OK],
    completion: false,
};
/// `ISyncMgrSynchronize::EnumSyncMgrItems`: `S_SYNCMGR_MISSINGITEMS` says some items are
/// missing from the enumeration (they are kept, not deleted).
pub(crate) const ENUM_ITEMS: Contract = Contract {
    name: "EnumSyncMgrItems",
    codes: &[OK, MISSINGITEMS],
    completion: false,
};
/// `ISyncMgrEnumItems::Next`: `S_OK S_FALSE`.
pub(crate) const NEXT: Contract = Contract {
    name: "ISyncMgrEnumItems::Next",
    codes: &[OK, FALSE],
    completion: false,
};
/// `ISyncMgrSynchronize::SetProgressCallback`.
pub(crate) const SET_PROGRESS_CALLBACK: Contract = Contract {
    name: "SetProgressCallback",
    codes: &[OK],
    completion: false,
};
/// `ISyncMgrSynchronize::ShowProperties`.
pub(crate) const SHOW_PROPERTIES: Contract = Contract {
    name: "ShowProperties",
    codes: &[OK],
    completion: false,
};
/// `ISyncMgrSynchronize::PrepareForSync`: `S_OK S_FALSE`.
pub(crate) const PREPARE_FOR_SYNC: Contract = Contract {
    name: "PrepareForSync",
    codes: &[OK, FALSE],
    completion: false,
};
/// `ISyncMgrSynchronize::Synchronize`.
pub(crate) const SYNCHRONIZE: Contract = Contract {
    name: "Synchronize",
    codes: &[OK],
    completion: false,
};
/// `ISyncMgrSynchronize::SetItemStatus`.
pub(crate) const SET_ITEM_STATUS: Contract = Contract {
    name: "SetItemStatus",
    codes: &[OK],
    completion: false,
};
/// `ISyncMgrSynchronize::ShowError`. `S_SYNCMGR_RETRYSYNC` from the call itself is what older
/// handlers return instead of passing it to `ShowErrorCompleted`; the host honours it.
pub(crate) const SHOW_ERROR: Contract = Contract {
    name: "ShowError",
    codes: &[OK, RETRYSYNC],
    completion: false,
};
/// `ISyncMgrSynchronizeCallback::ShowPropertiesCompleted`.
pub(crate) const SHOW_PROPERTIES_COMPLETED: Contract = Contract {
    name: "ShowPropertiesCompleted",
    codes: &[OK, ENUMITEMS, ITEMDELETED],
    completion: true,
};
/// `ISyncMgrSynchronizeCallback::PrepareForSyncCompleted`.
pub(crate) const PREPARE_FOR_SYNC_COMPLETED: Contract = Contract {
    name: "PrepareForSyncCompleted",
    codes: &[OK, ENUMITEMS],
    completion: true,
};
/// `ISyncMgrSynchronizeCallback::SynchronizeCompleted`.
pub(crate) const SYNCHRONIZE_COMPLETED: Contract = Contract {
    name: "SynchronizeCompleted",
    codes: &[OK, ENUMITEMS, ITEMDELETED],
    completion: true,
};
/// `ISyncMgrSynchronizeCallback::ShowErrorCompleted`.
pub(crate) const SHOW_ERROR_COMPLETED: Contract = Contract {
    name: "ShowErrorCompleted",
    codes: &[OK, RETRYSYNC],
    completion: true,
};

impl Contract {
    /// Whether `hr` is one of the documented success codes.
    pub fn documents(&self, hr: HRESULT) -> bool {
        self.codes.iter().any(|&(_, code)| code == hr)
    }

    /// For a success code the contract does not document, the problem to report (`None` for
    /// failures and documented codes). `handled_as` says what the host made of it.
    pub fn undocumented_success(&self, hr: HRESULT, handled_as: &str) -> Option<String> {
        if hr.is_err() || self.documents(hr) {
            return None;
        }
        let documented: Vec<&str> = self.codes.iter().map(|&(name, _)| name).collect();
        let verb = if self.completion {
            "was called with"
        } else {
            "returned"
        };
        Some(format!(
            "{} {verb} the undocumented success code {} (documented: {}); handled as {handled_as}",
            self.name,
            hresult_string(hr),
            documented.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mobsync_runtime::interfaces::{InitializeOutcome, PrepareForSyncOutcome};

    const ODD: [HRESULT; 3] = [
        HRESULT(2),
        HRESULT(0x0004_0abc),
        HRESULT(0x0004_0203), // S_SYNCMGR_CANCELITEM: a Progress answer, not a call's
    ];

    #[test]
    fn method_tables_match_the_codes_generated_from_the_idl() {
        for &(_, hr) in INITIALIZE.codes {
            assert!(InitializeOutcome::from_hresult(hr).is_some(), "{hr:?}");
        }
        for &(_, hr) in PREPARE_FOR_SYNC.codes {
            assert!(PrepareForSyncOutcome::from_hresult(hr).is_some(), "{hr:?}");
        }
        for hr in ODD {
            assert_eq!(InitializeOutcome::from_hresult(hr), None);
            assert!(!INITIALIZE.documents(hr));
            assert_eq!(PrepareForSyncOutcome::from_hresult(hr), None);
            assert!(!PREPARE_FOR_SYNC.documents(hr));
        }
        let model = [
            InitializeOutcome::S_OK.hresult(),
            InitializeOutcome::S_FALSE.hresult(),
        ];
        assert!(model.iter().all(|&hr| INITIALIZE.documents(hr)));
    }

    #[test]
    fn undocumented_success_codes_make_a_problem_and_failures_do_not() {
        let text = SYNCHRONIZE
            .undocumented_success(HRESULT(0x0004_0abc), "S_OK")
            .unwrap();
        assert_eq!(
            text,
            "Synchronize returned the undocumented success code 0x00040ABC (documented: S_OK); \
             handled as S_OK"
        );
        assert!(SYNCHRONIZE.undocumented_success(S_OK, "S_OK").is_none());
        assert!(
            SYNCHRONIZE
                .undocumented_success(HRESULT(0x8bad_f00d_u32 as i32), "S_OK")
                .is_none()
        );
        assert!(
            SYNCHRONIZE_COMPLETED
                .undocumented_success(S_SYNCMGR_ITEMDELETED, "S_OK")
                .is_none()
        );
        assert!(
            SYNCHRONIZE_COMPLETED
                .undocumented_success(S_FALSE, "S_OK")
                .unwrap()
                .contains(
                    "SynchronizeCompleted was called with the undocumented success code 0x00000001"
                )
        );
    }
}
