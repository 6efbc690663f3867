//! The caller's side of resolving a conflict: [`ResolveInfo`] (a ready
//! `ISyncMgrConflictResolveInfo`, what Sync Center passes to `ISyncMgrConflict::Resolve`) and
//! [`ResolutionItems`] (a ready `ISyncMgrConflictResolutionItems`, what it passes to
//! `ISyncMgrResolutionHandler::KeepItems`). Hosts and tests use them to play Sync Center.

use std::sync::Mutex;

use crate::ComObject;
use crate::abi;
use crate::hresults::E_INVALIDARG;
use crate::syncmgr::interfaces::{SyncMgrConflictResolutionItems, SyncMgrConflictResolveInfo};
use crate::syncmgr::sys::{
    CONFIRM_CONFLICT_RESULT_INFO, ISyncMgrConflictResolutionItems, ISyncMgrConflictResolveInfo,
    SYNCMGR_PC_NO_CHOICE, SYNCMGR_PNS_CONTINUE, SYNCMGR_PRESENTER_CHOICE,
    SYNCMGR_PRESENTER_NEXT_STEP,
};

/// What a [`ResolveInfo`] holds: the presenter's choice and the versions chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveState {
    /// `GetPresenterChoice`'s choice.
    pub choice: SYNCMGR_PRESENTER_CHOICE,
    /// `GetPresenterChoice`'s "apply to all".
    pub apply_to_all: bool,
    /// The indexes of the versions to keep (`GetItemChoiceCount`, `GetItemChoice`).
    pub item_choices: Vec<u32>,
    /// `GetPresenterNextStep`.
    pub next_step: SYNCMGR_PRESENTER_NEXT_STEP,
    /// `GetIterationInfo`: this conflict's number, the total, and how many more "apply to all"
    /// covers.
    pub iteration: (u32, u32, u32),
}

/// A ready `ISyncMgrConflictResolveInfo`: the getters answer what the setters (or
/// [`new`](Self::new)) recorded. `GetItemChoice` past the count answers `E_INVALIDARG`.
///
/// ```
/// use mobsync_runtime::syncmgr::ResolveInfo;
/// use mobsync_runtime::syncmgr::sys::SYNCMGR_PC_KEEP_MULTIPLE;
///
/// let info = ResolveInfo::new(SYNCMGR_PC_KEEP_MULTIPLE, vec![0, 1]).into_interface();
/// assert_eq!(info.GetItemChoiceCount().unwrap(), 2);
/// assert_eq!(info.GetItemChoice(1).unwrap(), 1);
/// ```
#[derive(Debug)]
pub struct ResolveInfo {
    state: Mutex<ResolveState>,
}

crate::com_class::com_class!(ResolveInfo => crate::syncmgr::sys::ISyncMgrConflictResolveInfo);

impl ResolveInfo {
    /// The choice `choice` keeping the versions `item_choices`, for conflict 1 of 1, next step
    /// `SYNCMGR_PNS_CONTINUE`, not applied to all.
    pub fn new(choice: SYNCMGR_PRESENTER_CHOICE, item_choices: Vec<u32>) -> Self {
        ResolveInfo {
            state: Mutex::new(ResolveState {
                choice,
                apply_to_all: false,
                item_choices,
                next_step: SYNCMGR_PNS_CONTINUE,
                iteration: (1, 1, 0),
            }),
        }
    }

    /// No choice made yet (`SYNCMGR_PC_NO_CHOICE`).
    pub fn empty() -> Self {
        ResolveInfo::new(SYNCMGR_PC_NO_CHOICE, Vec::new())
    }

    /// What it holds now.
    pub fn state(&self) -> ResolveState {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ResolveState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves it into a new COM object and returns its `ISyncMgrConflictResolveInfo`.
    pub fn into_interface(self) -> ISyncMgrConflictResolveInfo {
        ComObject::new(self).into_interface()
    }
}

impl SyncMgrConflictResolveInfo for ResolveInfo {
    fn get_iteration_info(&self) -> windows_core::Result<(u32, u32, u32)> {
        Ok(self.lock().iteration)
    }

    fn get_presenter_next_step(&self) -> windows_core::Result<SYNCMGR_PRESENTER_NEXT_STEP> {
        Ok(self.lock().next_step)
    }

    fn get_presenter_choice(&self) -> windows_core::Result<(SYNCMGR_PRESENTER_CHOICE, i32)> {
        let state = self.lock();
        Ok((state.choice, i32::from(state.apply_to_all)))
    }

    fn get_item_choice_count(&self) -> windows_core::Result<u32> {
        u32::try_from(self.lock().item_choices.len()).map_err(|_| E_INVALIDARG.into())
    }

    fn get_item_choice(&self, choice: u32) -> windows_core::Result<u32> {
        self.lock()
            .item_choices
            .get(choice as usize)
            .copied()
            .ok_or_else(|| E_INVALIDARG.into())
    }

    fn set_presenter_next_step(
        &self,
        presenter_next_step: SYNCMGR_PRESENTER_NEXT_STEP,
    ) -> windows_core::Result<()> {
        self.lock().next_step = presenter_next_step;
        Ok(())
    }

    fn set_presenter_choice(
        &self,
        presenter_choice: SYNCMGR_PRESENTER_CHOICE,
        apply_to_all: bool,
    ) -> windows_core::Result<()> {
        let mut state = self.lock();
        state.choice = presenter_choice;
        state.apply_to_all = apply_to_all;
        Ok(())
    }

    fn set_item_choices(&self, indexes: &[u32]) -> windows_core::Result<()> {
        self.lock().item_choices = indexes.to_vec();
        Ok(())
    }
}

/// A ready `ISyncMgrConflictResolutionItems`: the versions to keep, each an index and an
/// optional new name. `GetItem` returns the name in COM task memory (the caller frees it with
/// `CoTaskMemFree`; null when there is none); an index past the count answers `E_INVALIDARG`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolutionItems {
    items: Vec<(u32, Option<String>)>,
}

crate::com_class::com_class!(
    ResolutionItems => crate::syncmgr::sys::ISyncMgrConflictResolutionItems
);

impl ResolutionItems {
    /// Keep the versions `items` (index, new name).
    pub fn new(items: Vec<(u32, Option<String>)>) -> Self {
        ResolutionItems { items }
    }

    /// Moves them into a new COM object and returns its `ISyncMgrConflictResolutionItems`.
    pub fn into_interface(self) -> ISyncMgrConflictResolutionItems {
        ComObject::new(self).into_interface()
    }
}

impl SyncMgrConflictResolutionItems for ResolutionItems {
    fn get_count(&self) -> windows_core::Result<u32> {
        u32::try_from(self.items.len()).map_err(|_| E_INVALIDARG.into())
    }

    fn get_item(&self, index: u32) -> windows_core::Result<CONFIRM_CONFLICT_RESULT_INFO> {
        let (item_index, name) = self.items.get(index as usize).ok_or(E_INVALIDARG)?;
        let new_name = match name {
            Some(name) => abi::task_wstr(name)?,
            None => std::ptr::null_mut(),
        };
        Ok(CONFIRM_CONFLICT_RESULT_INFO {
            pszNewName: new_name,
            iItemIndex: *item_index,
        })
    }
}
