//! The host's `ISyncMgrSynchronizeCallback`, built with the runtime's `#[derive(ComObject)]`.
//!
//! Handlers call it from any thread, before or after the call they complete has returned. It
//! records progress, statuses and logged errors in the run's shared state, wakes the driver on
//! completions, and answers `Progress` with `S_SYNCMGR_CANCELITEM` / `S_SYNCMGR_CANCELALL` after
//! a user's cancel.

use std::sync::Arc;

use mobsync_runtime::hresults::{E_INVALIDARG, E_UNEXPECTED};
use mobsync_runtime::interfaces::{
    EnableModelessOutcome, ProgressOutcome, SyncMgrSynchronizeCallback,
};
use mobsync_runtime::{ComObject, LogErrorInfo, ProgressItem, WStr};
use windows_core::{GUID, HRESULT};

use crate::state::{Completion, CompletionAnswer, ProgressAnswer, ProgressUpdate, Shared};

/// The callback object of one handler's run.
#[derive(mobsync_runtime::ComObject)]
#[com_object(interfaces(ISyncMgrSynchronizeCallback))]
pub struct HostCallback {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for HostCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostCallback")
            .field("handler", &self.shared.handler)
            .finish()
    }
}

impl HostCallback {
    /// A new callback object for the run `shared`.
    pub(crate) fn create(shared: Arc<Shared>) -> ComObject<HostCallback> {
        ComObject::new(HostCallback { shared })
    }

    /// The run's shared state.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    fn complete(
        &self,
        completion: Completion,
        hr: HRESULT,
        items: Vec<GUID>,
    ) -> windows_core::Result<()> {
        match self.shared.complete(completion, hr, items) {
            CompletionAnswer::Accepted => Ok(()),
            CompletionAnswer::Unexpected => Err(E_UNEXPECTED.into()),
        }
    }
}

impl SyncMgrSynchronizeCallback for HostCallback {
    fn show_properties_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        self.complete(Completion::ShowProperties, hr, Vec::new())
    }

    fn prepare_for_sync_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        self.complete(Completion::Prepare, hr, Vec::new())
    }

    fn synchronize_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        self.complete(Completion::Synchronize, hr, Vec::new())
    }

    fn show_error_completed(&self, hr: HRESULT, items: &[GUID]) -> windows_core::Result<()> {
        self.complete(Completion::ShowError, hr, items.to_vec())
    }

    fn enable_modeless(&self, _enable: bool) -> windows_core::Result<EnableModelessOutcome> {
        // The host shows no modal user interface of its own, so a handler's dialog never
        // conflicts with one: always allowed.
        Ok(EnableModelessOutcome::S_OK)
    }

    fn progress(
        &self,
        item: &GUID,
        progress: Option<ProgressItem<'_>>,
    ) -> windows_core::Result<ProgressOutcome> {
        let update = match progress {
            Some(p) => ProgressUpdate {
                text: p.status_text().map(WStr::to_string_lossy),
                status: p.status_type(),
                value: p.progress_value(),
                max: p.max_value(),
            },
            None => ProgressUpdate::default(),
        };
        match self.shared.progress(item, update) {
            ProgressAnswer::Continue => Ok(ProgressOutcome::S_OK),
            ProgressAnswer::CancelItem => Ok(ProgressOutcome::S_SYNCMGR_CANCELITEM),
            ProgressAnswer::CancelAll => Ok(ProgressOutcome::S_SYNCMGR_CANCELALL),
            ProgressAnswer::Invalid => Err(E_INVALIDARG.into()),
        }
    }

    fn log_error(
        &self,
        level: u32,
        text: &WStr,
        info: Option<LogErrorInfo<'_>>,
    ) -> windows_core::Result<()> {
        let (flags, error_id, item) = match &info {
            Some(info) => (info.error_flags(), info.error_id(), info.item_id()),
            None => (None, None, None),
        };
        if self
            .shared
            .log_error(level, text.to_string_lossy(), flags, error_id, item)
        {
            Ok(())
        } else {
            Err(E_INVALIDARG.into())
        }
    }

    fn delete_log_error(&self, error_id: &GUID, _reserved: u32) -> windows_core::Result<()> {
        if *error_id == GUID::zeroed() {
            self.shared
                .with_report(|r| r.errors.iter_mut().for_each(|e| e.deleted = true));
            return Ok(());
        }
        if self.shared.delete_log_error(error_id) {
            Ok(())
        } else {
            Err(E_INVALIDARG.into())
        }
    }

    fn establish_connection(
        &self,
        _connection: Option<&WStr>,
        _reserved: u32,
    ) -> windows_core::Result<()> {
        // The host is always "connected": there is no dial-up to establish.
        Ok(())
    }
}
