//! The Sync Center interfaces the host lends a handler (see [`crate::lent`]): the
//! `ISyncMgrSessionCreator` passed to `Synchronize`, the `ISyncMgrSyncCallback` it hands
//! out, and the `ISyncMgrConflictResolveInfo` passed to `ISyncMgrConflict::Resolve`. Each method
//! forwards to the host's object; those taking strings a handler must pass record a null one as
//! a problem first (the host's object, through the runtime's checks, answers `E_POINTER`).

use std::ffi::c_void;

use mobsync_runtime::syncmgr::sys::{
    IID_ISyncMgrConflictResolveInfo, IID_ISyncMgrSessionCreator, IID_ISyncMgrSyncCallback,
    ISyncMgrConflictResolveInfo_Vtbl, ISyncMgrSessionCreator_Vtbl, ISyncMgrSyncCallback_Vtbl,
    SYNCMGR_CANCEL_REQUEST, SYNCMGR_EVENT_FLAGS, SYNCMGR_EVENT_LEVEL, SYNCMGR_PRESENTER_CHOICE,
    SYNCMGR_PRESENTER_NEXT_STEP, SYNCMGR_PROGRESS_STATUS,
};
use windows_core::{GUID, HRESULT, Interface};

use super::{Lent, Problems, forward, no_contract, pointer_fault, refused, vt};
use crate::raw::ComRef;

/// Lends `interface` (one reference) as the interface `I`, whose lent vtable is `vtbl`.
fn lend<I: Interface, V: Sync + 'static>(
    vtbl: &'static V,
    iid: GUID,
    name: &'static str,
    interface: I,
    problems: Problems,
) -> Lent {
    // SAFETY: `into_raw` hands over the interface's reference.
    let interface =
        unsafe { ComRef::from_raw(interface.into_raw()) }.expect("an interface is never null");
    Lent::new(vtbl, iid, name, interface, problems)
}

/// Lends the host's session creator.
pub(crate) fn lend_session_creator(
    creator: mobsync_runtime::syncmgr::sys::ISyncMgrSessionCreator,
    problems: Problems,
) -> Lent {
    lend(
        &CREATOR_VTBL,
        IID_ISyncMgrSessionCreator,
        "ISyncMgrSessionCreator",
        creator,
        problems,
    )
}

/// Lends the host's sync callback.
pub(crate) fn lend_sync_callback(
    callback: mobsync_runtime::syncmgr::sys::ISyncMgrSyncCallback,
    problems: Problems,
) -> Lent {
    lend(
        &CALLBACK_VTBL,
        IID_ISyncMgrSyncCallback,
        "ISyncMgrSyncCallback",
        callback,
        problems,
    )
}

/// Lends the host's conflict resolve info.
pub(crate) fn lend_resolve_info(
    info: mobsync_runtime::syncmgr::sys::ISyncMgrConflictResolveInfo,
    problems: Problems,
) -> Lent {
    lend(
        &RESOLVE_INFO_VTBL,
        IID_ISyncMgrConflictResolveInfo,
        "ISyncMgrConflictResolveInfo",
        info,
        problems,
    )
}

/// Forwarding shims: `name => Slot(args) [where contract];`, each calling the same slot of the
/// host object's vtable `V` with the same arguments, after the contract check (an expression
/// giving `Option<String>`, or none).
macro_rules! forwarders {
    ($vtbl:ty; $( $name:ident => $slot:ident ( $($arg:ident : $ty:ty),* ) $(where $contract:expr)? ; )*) => {
        $(
            unsafe extern "system" fn $name(this: *mut c_void, $($arg: $ty),*) -> HRESULT {
                let contract = || -> Option<String> { no_contract() $( .or_else(|| $contract) )? };
                // SAFETY: `this` reaches this slot only through a lent object's vtable (or is
                // null); `forward` passes the live target's interface pointer, whose vtable is
                // `$vtbl`, and the arguments go through unchanged (the target checks them).
                unsafe {
                    forward(this, contract, |t| (vt::<$vtbl>(t).$slot)(t, $($arg),*))
                }
            }
        )*
    };
}

forwarders! {
    ISyncMgrSessionCreator_Vtbl;
    create_session => CreateSession(
        handler_id: *const u16,
        item_ids: *mut *const u16,
        count: u32,
        callback: *mut *mut c_void
    ) where refused("CreateSession", [
        pointer_fault(handler_id, "handler ID"),
        pointer_fault(callback.cast_const(), "callback out-pointer"),
        (item_ids.is_null() && count > 0)
            .then(|| format!("{count} item IDs with a null array")),
    ]);
}

forwarders! {
    ISyncMgrSyncCallback_Vtbl;
    report_progress => ReportProgress(
        item_id: *const u16,
        text: *const u16,
        status: SYNCMGR_PROGRESS_STATUS,
        step: u32,
        max: u32,
        cancel: *mut SYNCMGR_CANCEL_REQUEST
    ) where refused("ReportProgress", [
        pointer_fault(item_id, "item ID"),
        pointer_fault(cancel.cast_const(), "cancel request pointer"),
    ]);
    set_handler_progress_text => SetHandlerProgressText(
        text: *const u16,
        cancel: *mut SYNCMGR_CANCEL_REQUEST
    ) where refused("SetHandlerProgressText", [
        pointer_fault(text, "progress text"),
        pointer_fault(cancel.cast_const(), "cancel request pointer"),
    ]);
    report_event => ReportEvent(
        item_id: *const u16,
        level: SYNCMGR_EVENT_LEVEL,
        flags: SYNCMGR_EVENT_FLAGS,
        name: *const u16,
        description: *const u16,
        link_text: *const u16,
        link_reference: *const u16,
        context: *const u16,
        event_id: *mut GUID
    ) where refused("ReportEvent", [
        pointer_fault(name, "event name"),
        pointer_fault(description, "event description"),
        pointer_fault(event_id.cast_const(), "event ID out-pointer"),
    ]);
    can_continue => CanContinue(item_id: *const u16)
        where refused("CanContinue", [pointer_fault(item_id, "item ID")]);
    query_for_additional_items => QueryForAdditionalItems(
        item_ids: *mut *mut c_void,
        punks: *mut *mut c_void
    );
    add_item_to_session => AddItemToSession(item_id: *const u16)
        where refused("AddItemToSession", [pointer_fault(item_id, "item ID")]);
    add_iunknown_to_session => AddIUnknownToSession(punk: *mut c_void);
    propose_item => ProposeItem(item: *mut c_void);
    commit_item => CommitItem(item_id: *const u16)
        where refused("CommitItem", [pointer_fault(item_id, "item ID")]);
    report_manual_sync => ReportManualSync();
}

forwarders! {
    ISyncMgrConflictResolveInfo_Vtbl;
    get_iteration_info => GetIterationInfo(
        current: *mut u32,
        count: *mut u32,
        remaining: *mut u32
    ) where refused("GetIterationInfo", [
        pointer_fault(current.cast_const(), "current conflict out-pointer"),
        pointer_fault(count.cast_const(), "conflict count out-pointer"),
        pointer_fault(remaining.cast_const(), "remaining count out-pointer"),
    ]);
    get_presenter_next_step => GetPresenterNextStep(next: *mut SYNCMGR_PRESENTER_NEXT_STEP)
        where refused("GetPresenterNextStep", [pointer_fault(next.cast_const(), "next step out-pointer")]);
    get_presenter_choice => GetPresenterChoice(
        choice: *mut SYNCMGR_PRESENTER_CHOICE,
        apply_to_all: *mut i32
    ) where refused("GetPresenterChoice", [
        pointer_fault(choice.cast_const(), "choice out-pointer"),
        pointer_fault(apply_to_all.cast_const(), "apply-to-all out-pointer"),
    ]);
    get_item_choice_count => GetItemChoiceCount(count: *mut u32)
        where refused("GetItemChoiceCount", [pointer_fault(count.cast_const(), "count out-pointer")]);
    get_item_choice => GetItemChoice(choice: u32, index: *mut u32)
        where refused("GetItemChoice", [pointer_fault(index.cast_const(), "index out-pointer")]);
    set_presenter_next_step => SetPresenterNextStep(next: SYNCMGR_PRESENTER_NEXT_STEP);
    set_presenter_choice => SetPresenterChoice(choice: SYNCMGR_PRESENTER_CHOICE, apply_to_all: i32);
    set_item_choices => SetItemChoices(indexes: *mut u32, count: u32)
        where refused("SetItemChoices", [
            (indexes.is_null() && count > 0).then(|| format!("{count} indexes with a null array")),
        ]);
}

static RESOLVE_INFO_VTBL: ISyncMgrConflictResolveInfo_Vtbl = ISyncMgrConflictResolveInfo_Vtbl {
    base__: super::UNKNOWN,
    GetIterationInfo: get_iteration_info,
    GetPresenterNextStep: get_presenter_next_step,
    GetPresenterChoice: get_presenter_choice,
    GetItemChoiceCount: get_item_choice_count,
    GetItemChoice: get_item_choice,
    SetPresenterNextStep: set_presenter_next_step,
    SetPresenterChoice: set_presenter_choice,
    SetItemChoices: set_item_choices,
};

static CREATOR_VTBL: ISyncMgrSessionCreator_Vtbl = ISyncMgrSessionCreator_Vtbl {
    base__: super::UNKNOWN,
    CreateSession: create_session,
};

static CALLBACK_VTBL: ISyncMgrSyncCallback_Vtbl = ISyncMgrSyncCallback_Vtbl {
    base__: super::UNKNOWN,
    ReportProgress: report_progress,
    SetHandlerProgressText: set_handler_progress_text,
    ReportEvent: report_event,
    CanContinue: can_continue,
    QueryForAdditionalItems: query_for_additional_items,
    AddItemToSession: add_item_to_session,
    AddIUnknownToSession: add_iunknown_to_session,
    ProposeItem: propose_item,
    CommitItem: commit_item,
    ReportManualSync: report_manual_sync,
};
