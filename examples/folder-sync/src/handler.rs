//! The COM face of folder-sync: `ISyncMgrSynchronize` over the [`Engine`], built with
//! `#[derive(SyncMgrHandler)]`.

use std::sync::Mutex;

use mobsync_runtime::hresults::{E_INVALIDARG, E_NOTIMPL, E_UNEXPECTED};
use mobsync_runtime::interfaces::{InitializeOutcome, PrepareForSyncOutcome, SyncMgrSynchronize};
use mobsync_runtime::sys::{
    HWND, ISyncMgrEnumItems, ISyncMgrSynchronizeCallback, SYNCMGRSTATUS_SKIPPED,
};
use mobsync_runtime::{
    HandlerInfo, ItemEnumerator, LogDetails, LogLevel, ProgressResponse, ProgressUpdate,
    SyncCallback, SyncItem, SyncMgrHandler,
};
use windows_core::{GUID, HRESULT};

use crate::config::FolderConfig;
use crate::engine::{Engine, EngineError, ProgressReport, Reporter, Verdict, level};

/// The handler's display name.
pub const NAME: &str = "Folder Sync";

/// The environment variable read when `Initialize` gets no cookie (same format as the cookie).
pub const COOKIE_ENV: &str = "FOLDER_SYNC_COOKIE";

/// The folder-sync handler: items are the subfolders of the source directory.
#[derive(SyncMgrHandler, Default)]
#[sync_mgr(clsid = "632306B6-690C-48C1-AB87-953A6833A855", name = "Folder Sync")]
pub struct FolderSync {
    engine: Engine,
    callback: Mutex<Option<SyncCallback>>,
}

impl std::fmt::Debug for FolderSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolderSync")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl Drop for FolderSync {
    fn drop(&mut self) {
        // The worker holds the callback, not the handler; wait for it so that the module's
        // object count is exact when the host asks DllCanUnloadNow.
        self.engine.join_worker();
    }
}

/// The method's error: its HRESULT, with the text for the caller (the thread's error object).
fn engine_error(error: EngineError) -> windows_core::Error {
    log::debug!("folder-sync: {error}");
    let hr = match &error {
        EngineError::Config(_) | EngineError::UnknownItem(_) => E_INVALIDARG,
        EngineError::NotReady(_) => E_UNEXPECTED,
        EngineError::Listing { error, .. } | EngineError::Thread(error) => io_hresult(error),
    };
    mobsync_runtime::error(hr, error.to_string())
}

/// `HRESULT_FROM_WIN32` of the OS error, or `E_FAIL`.
fn io_hresult(error: &std::io::Error) -> HRESULT {
    match error.kind() {
        std::io::ErrorKind::NotFound => HRESULT(0x8007_0003_u32 as i32), // ERROR_PATH_NOT_FOUND
        std::io::ErrorKind::PermissionDenied => HRESULT(0x8007_0005_u32 as i32), // E_ACCESSDENIED
        _ => mobsync_runtime::hresults::E_FAIL,
    }
}

impl FolderSync {
    fn callback(&self) -> Option<SyncCallback> {
        self.callback
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl SyncMgrSynchronize for FolderSync {
    fn initialize(
        &self,
        _reserved: u32,
        _flags: u32,
        cookie: &[u8],
    ) -> windows_core::Result<InitializeOutcome> {
        let cookie = if cookie.is_empty() {
            match std::env::var(COOKIE_ENV) {
                Ok(text) => text.into_bytes(),
                // Nothing configured: folder-sync does not take part in this sync.
                Err(_) => return Ok(InitializeOutcome::S_FALSE),
            }
        } else {
            cookie.to_vec()
        };
        let config = FolderConfig::from_cookie(&cookie)
            .map_err(|e| engine_error(EngineError::Config(e.to_string())))?;
        self.engine.initialize(config).map_err(engine_error)?;
        Ok(InitializeOutcome::S_OK)
    }

    fn get_handler_info(&self) -> windows_core::Result<HandlerInfo> {
        Ok(HandlerInfo::new(NAME))
    }

    fn enum_sync_mgr_items(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        let items = self.engine.refresh_items().map_err(engine_error)?;
        let items: Vec<SyncItem> = items
            .into_iter()
            .map(|i| SyncItem::new(GUID::from_u128(i.id), i.name).checked(true))
            .collect();
        Ok(ItemEnumerator::new(items).into_interface())
    }

    fn set_progress_callback(
        &self,
        callback: Option<ISyncMgrSynchronizeCallback>,
    ) -> windows_core::Result<()> {
        *self.callback.lock().unwrap_or_else(|p| p.into_inner()) = callback.map(SyncCallback::new);
        Ok(())
    }

    fn prepare_for_sync(
        &self,
        items: &[GUID],
        _parent: HWND,
        _reserved: u32,
    ) -> windows_core::Result<PrepareForSyncOutcome> {
        let callback = self.callback().ok_or_else(|| {
            engine_error(EngineError::NotReady("SetProgressCallback was not called"))
        })?;
        let ids: Vec<u128> = items.iter().map(GUID::to_u128).collect();
        self.engine.prepare(&ids).map_err(engine_error)?;
        // Nothing to ask the user: complete before returning, which the protocol allows.
        callback.prepare_for_sync_completed(HRESULT(0))?;
        Ok(PrepareForSyncOutcome::S_OK)
    }

    fn synchronize(&self, _parent: HWND) -> windows_core::Result<()> {
        if std::env::var_os(crate::config::FAULT_ENV).is_some_and(|v| v == "panic") {
            panic!(
                "{}=panic: a deliberate panic in Synchronize",
                crate::config::FAULT_ENV
            );
        }
        let callback = self.callback().ok_or_else(|| {
            engine_error(EngineError::NotReady("SetProgressCallback was not called"))
        })?;
        self.engine
            .synchronize(CallbackReporter(callback))
            .map_err(engine_error)
    }

    fn set_item_status(&self, item: &GUID, status: u32) -> windows_core::Result<()> {
        if status != SYNCMGRSTATUS_SKIPPED.0 as u32 {
            // Sync Manager only ever sets SKIPPED.
            return Err(E_NOTIMPL.into());
        }
        if self.engine.skip(item.to_u128()) {
            Ok(())
        } else {
            Err(E_INVALIDARG.into())
        }
    }
}

/// Reports the worker's progress to Sync Manager's callback.
struct CallbackReporter(SyncCallback);

impl Reporter for CallbackReporter {
    fn progress(&self, item: u128, report: &ProgressReport) -> Verdict {
        let update = ProgressUpdate::new()
            .text(report.text.clone())
            .status(report.status)
            .progress(report.value, report.max);
        match self.0.progress(&GUID::from_u128(item), &update) {
            Ok(ProgressResponse::Continue) => Verdict::Continue,
            Ok(ProgressResponse::CancelItem) => Verdict::CancelItem,
            Ok(ProgressResponse::CancelAll) => Verdict::CancelAll,
            Err(error) => {
                log::warn!("folder-sync: Progress failed: {error}");
                Verdict::Continue
            }
        }
    }

    fn log_error(&self, level: u32, text: &str, item: Option<u128>) {
        let level = match level {
            level::ERROR => LogLevel::Error,
            level::WARNING => LogLevel::Warning,
            _ => LogLevel::Information,
        };
        let details = LogDetails {
            item_id: item.map(GUID::from_u128),
            ..LogDetails::default()
        };
        if let Err(error) = self.0.log_error(level, text, Some(&details)) {
            log::warn!("folder-sync: LogError failed: {error}");
        }
    }

    fn synchronize_completed(&self, ok: bool) {
        let hr = if ok {
            HRESULT(0)
        } else {
            mobsync_runtime::hresults::E_FAIL
        };
        if let Err(error) = self.0.synchronize_completed(hr) {
            log::warn!("folder-sync: SynchronizeCompleted failed: {error}");
        }
    }
}
