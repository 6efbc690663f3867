//! The success codes each call the host makes, and each completion it waits for, is documented
//! to return. A handler that answers with any other success code is not failed for it (Sync
//! Manager treats every success code as success), but the code is reported as a problem, since a
//! handler that returns it relies on behaviour nobody promised.
//!
//! A call's codes are read from the code generated from `idl/mobsync.idl` (its
//! `custom(5A2B5787-..., "S_OK ...")` contract attributes; a method without one documents `S_OK`
//! alone), through [`documented`], the one place this module looks them up. A few calls accept
//! more as host policy, and the completion tables list the codes Sync Manager acts on when a
//! handler passes them to the completion callback; both name the IDL's constants.

use mobsync_runtime::abi::{FetchedCount, SuccessCodes};
use mobsync_runtime::interfaces::{InitializeOutcome, PrepareForSyncOutcome};
use mobsync_runtime::sys::{
    S_SYNCMGR_ENUMITEMS, S_SYNCMGR_ITEMDELETED, S_SYNCMGR_MISSINGITEMS, S_SYNCMGR_RETRYSYNC,
};
use windows_core::HRESULT;

use crate::hresult::S_OK;
use crate::model::hresult_string;

/// Success codes with their names.
type Codes = &'static [(&'static str, HRESULT)];

/// A code constant with its name.
macro_rules! code {
    ($name:ident) => {
        (stringify!($name), $name)
    };
}

/// The success codes `idl/mobsync.idl` documents for a method whose trait method succeeds with
/// `O` (its outcome enum, `()` for `S_OK` alone, [`FetchedCount`] for an enumerator's `Next`).
const fn documented<O: SuccessCodes>() -> Codes {
    O::CODES
}

/// A call or completion and the success codes it is documented to return (`S_OK` first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Contract {
    /// The method or callback name, as in the SDK.
    pub name: &'static str,
    /// The documented success codes, with their names: the IDL's for a call, those Sync Manager
    /// acts on for a completion.
    pub codes: Codes,
    /// Codes the host accepts as documented beyond `codes` (host policy).
    pub also: Codes,
    /// Whether this is a completion callback (the handler passes the code) rather than a call
    /// (the handler returns it).
    pub completion: bool,
}

impl Contract {
    /// A call whose trait method succeeds with `O`.
    const fn call<O: SuccessCodes>(name: &'static str) -> Self {
        Contract {
            name,
            codes: documented::<O>(),
            also: &[],
            completion: false,
        }
    }

    /// A call that also accepts `also` (host policy).
    const fn also(self, also: Codes) -> Self {
        Contract { also, ..self }
    }

    /// A completion callback and the codes Sync Manager acts on.
    const fn completion(name: &'static str, codes: Codes) -> Self {
        Contract {
            name,
            codes,
            also: &[],
            completion: true,
        }
    }
}

/// `ISyncMgrSynchronize::Initialize`.
pub(crate) const INITIALIZE: Contract = Contract::call::<InitializeOutcome>("Initialize");
/// `ISyncMgrSynchronize::GetHandlerInfo`.
pub(crate) const GET_HANDLER_INFO: Contract = Contract::call::<()>("GetHandlerInfo");
/// `ISyncMgrSynchronize::EnumSyncMgrItems`. Host policy: `S_SYNCMGR_MISSINGITEMS` says some items
/// are missing from the enumeration (they are kept, not deleted).
pub(crate) const ENUM_ITEMS: Contract =
    Contract::call::<()>("EnumSyncMgrItems").also(&[code!(S_SYNCMGR_MISSINGITEMS)]);
/// `ISyncMgrEnumItems::Next`.
pub(crate) const NEXT: Contract = Contract::call::<FetchedCount>("ISyncMgrEnumItems::Next");
/// `ISyncMgrSynchronize::SetProgressCallback`.
pub(crate) const SET_PROGRESS_CALLBACK: Contract = Contract::call::<()>("SetProgressCallback");
/// `ISyncMgrSynchronize::ShowProperties`.
pub(crate) const SHOW_PROPERTIES: Contract = Contract::call::<()>("ShowProperties");
/// `ISyncMgrSynchronize::PrepareForSync`.
pub(crate) const PREPARE_FOR_SYNC: Contract =
    Contract::call::<PrepareForSyncOutcome>("PrepareForSync");
/// `ISyncMgrSynchronize::Synchronize`.
pub(crate) const SYNCHRONIZE: Contract = Contract::call::<()>("Synchronize");
/// `ISyncMgrSynchronize::SetItemStatus`.
pub(crate) const SET_ITEM_STATUS: Contract = Contract::call::<()>("SetItemStatus");
/// `ISyncMgrSynchronize::ShowError`. Host policy: `S_SYNCMGR_RETRYSYNC` from the call itself is
/// what older handlers return instead of passing it to `ShowErrorCompleted`; the host honours it.
pub(crate) const SHOW_ERROR: Contract =
    Contract::call::<()>("ShowError").also(&[code!(S_SYNCMGR_RETRYSYNC)]);
/// `ISyncMgrSynchronizeCallback::ShowPropertiesCompleted`.
pub(crate) const SHOW_PROPERTIES_COMPLETED: Contract = Contract::completion(
    "ShowPropertiesCompleted",
    &[
        code!(S_OK),
        code!(S_SYNCMGR_ENUMITEMS),
        code!(S_SYNCMGR_ITEMDELETED),
    ],
);
/// `ISyncMgrSynchronizeCallback::PrepareForSyncCompleted`.
pub(crate) const PREPARE_FOR_SYNC_COMPLETED: Contract = Contract::completion(
    "PrepareForSyncCompleted",
    &[code!(S_OK), code!(S_SYNCMGR_ENUMITEMS)],
);
/// `ISyncMgrSynchronizeCallback::SynchronizeCompleted`.
pub(crate) const SYNCHRONIZE_COMPLETED: Contract = Contract::completion(
    "SynchronizeCompleted",
    &[
        code!(S_OK),
        code!(S_SYNCMGR_ENUMITEMS),
        code!(S_SYNCMGR_ITEMDELETED),
    ],
);
/// `ISyncMgrSynchronizeCallback::ShowErrorCompleted`.
pub(crate) const SHOW_ERROR_COMPLETED: Contract = Contract::completion(
    "ShowErrorCompleted",
    &[code!(S_OK), code!(S_SYNCMGR_RETRYSYNC)],
);

impl Contract {
    /// Every accepted code: the documented ones, then the host's additions.
    fn accepted(&self) -> impl Iterator<Item = &(&'static str, HRESULT)> {
        self.codes.iter().chain(self.also)
    }

    /// Whether `hr` is one of the documented (or accepted) success codes.
    pub fn documents(&self, hr: HRESULT) -> bool {
        self.accepted().any(|&(_, code)| code == hr)
    }

    /// For a success code the contract does not document, the problem to report (`None` for
    /// failures and documented codes). `handled_as` says what the host made of it.
    pub fn undocumented_success(&self, hr: HRESULT, handled_as: &str) -> Option<String> {
        if hr.is_err() || self.documents(hr) {
            return None;
        }
        let documented: Vec<&str> = self.accepted().map(|&(name, _)| name).collect();
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
    use crate::hresult::S_FALSE;
    use mobsync_runtime::sys::S_SYNCMGR_CANCELITEM;

    const ODD: [HRESULT; 3] = [
        HRESULT(2),
        HRESULT(0x0004_0abc),
        S_SYNCMGR_CANCELITEM, // a Progress answer, not a call's
    ];

    /// The names the tables list, in order.
    fn names(contract: &Contract) -> Vec<&'static str> {
        contract.accepted().map(|&(name, _)| name).collect()
    }

    #[test]
    fn method_tables_are_the_codes_generated_from_the_idl() {
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
        assert_eq!(names(&SYNCHRONIZE), ["S_OK"]);
        assert_eq!(names(&ENUM_ITEMS), ["S_OK", "S_SYNCMGR_MISSINGITEMS"]);
        assert_eq!(names(&SHOW_ERROR), ["S_OK", "S_SYNCMGR_RETRYSYNC"]);
        for contract in [
            INITIALIZE,
            GET_HANDLER_INFO,
            NEXT,
            SHOW_ERROR,
            SHOW_ERROR_COMPLETED,
        ] {
            assert_eq!(
                contract.codes.first(),
                Some(&("S_OK", S_OK)),
                "{contract:?}"
            );
        }
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
        assert!(
            ENUM_ITEMS
                .undocumented_success(S_SYNCMGR_MISSINGITEMS, "S_OK")
                .is_none()
        );
    }
}
