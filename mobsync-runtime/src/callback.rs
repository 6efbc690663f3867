//! [`SyncCallback`]: the handler's safe, thread-safe handle on Sync Manager's
//! `ISyncMgrSynchronizeCallback`.

use std::mem::size_of;
use std::ptr;

use windows_core::{GUID, HRESULT, Interface};

use crate::hresults::{E_INVALIDARG, S_FALSE, S_OK};
use crate::sys::{
    ISyncMgrSynchronizeCallback, S_SYNCMGR_CANCELALL, S_SYNCMGR_CANCELITEM,
    SYNCMGRERRORFLAG_ENABLEJUMPTEXT, SYNCMGRLOGERROR_ERRORFLAGS, SYNCMGRLOGERROR_ERRORID,
    SYNCMGRLOGERROR_ITEMID, SYNCMGRLOGERRORINFO, SYNCMGRLOGLEVEL_ERROR,
    SYNCMGRLOGLEVEL_INFORMATION, SYNCMGRLOGLEVEL_WARNING, SYNCMGRPROGRESSITEM,
    SYNCMGRPROGRESSITEM_MAXVALUE, SYNCMGRPROGRESSITEM_PROGVALUE, SYNCMGRPROGRESSITEM_STATUSTEXT,
    SYNCMGRPROGRESSITEM_STATUSTYPE,
};

/// What Sync Manager answered to a progress report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProgressResponse {
    /// `S_OK`: go on.
    Continue,
    /// `S_SYNCMGR_CANCELITEM`: the user cancelled this item; stop working on it.
    CancelItem,
    /// `S_SYNCMGR_CANCELALL`: the user cancelled the whole synchronization; stop as soon as you can.
    CancelAll,
}

impl ProgressResponse {
    /// The response a success code stands for: the cancel codes, anything else is `Continue`.
    pub fn from_hresult(hr: HRESULT) -> Self {
        if hr == S_SYNCMGR_CANCELITEM {
            ProgressResponse::CancelItem
        } else if hr == S_SYNCMGR_CANCELALL {
            ProgressResponse::CancelAll
        } else {
            ProgressResponse::Continue
        }
    }

    /// Whether the user asked to stop (this item or everything).
    pub fn is_cancel(self) -> bool {
        self != ProgressResponse::Continue
    }
}

/// A progress report for one item: each field that is `Some` is sent (and flagged in `mask`).
///
/// ```
/// use mobsync_runtime::ProgressUpdate;
/// use mobsync_runtime::sys::SYNCMGRSTATUS_UPDATING;
/// let update = ProgressUpdate::new()
///     .status(SYNCMGRSTATUS_UPDATING.0 as u32)
///     .text("Copying notes.txt")
///     .progress(3, 10);
/// assert_eq!(update.value, Some(3));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgressUpdate {
    /// A status message.
    pub text: Option<String>,
    /// The item's status, a `SYNCMGRSTATUS` value.
    pub status: Option<u32>,
    /// The current progress value.
    pub value: Option<i32>,
    /// The value meaning complete.
    pub max: Option<i32>,
}

impl ProgressUpdate {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }

    /// With a status message.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// With a `SYNCMGRSTATUS` value.
    pub fn status(mut self, status: u32) -> Self {
        self.status = Some(status);
        self
    }

    /// With the current progress `value` out of `max`.
    pub fn progress(mut self, value: i32, max: i32) -> Self {
        self.value = Some(value);
        self.max = Some(max);
        self
    }
}

/// The severity of a logged message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogLevel {
    /// `SYNCMGRLOGLEVEL_INFORMATION`.
    Information,
    /// `SYNCMGRLOGLEVEL_WARNING`.
    Warning,
    /// `SYNCMGRLOGLEVEL_ERROR`.
    Error,
}

impl LogLevel {
    /// The `SYNCMGRLOGLEVEL` value.
    pub fn raw(self) -> u32 {
        let level = match self {
            LogLevel::Information => SYNCMGRLOGLEVEL_INFORMATION,
            LogLevel::Warning => SYNCMGRLOGLEVEL_WARNING,
            LogLevel::Error => SYNCMGRLOGLEVEL_ERROR,
        };
        level.0 as u32
    }
}

/// Optional details of a logged error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogDetails {
    /// The handler's identifier for the error, later passed to `ShowError`.
    pub error_id: Option<GUID>,
    /// The item the error is about.
    pub item_id: Option<GUID>,
    /// Show a link that calls `ShowError` (`SYNCMGRERRORFLAG_ENABLEJUMPTEXT`).
    pub jump_text: bool,
}

/// Sync Manager's callback, as handed to
/// [`SyncMgrSynchronize::set_progress_callback`](crate::SyncMgrSynchronize::set_progress_callback):
/// every method of `ISyncMgrSynchronizeCallback`, safe, and `Send + Sync` so a worker thread can
/// own a clone.
///
/// [`progress`](SyncCallback::progress) returns the caller's answer as a [`ProgressResponse`]:
/// a cancel request (`S_SYNCMGR_CANCELITEM` / `S_SYNCMGR_CANCELALL`) is never folded into "ok".
#[derive(Clone, Debug)]
pub struct SyncCallback {
    inner: ISyncMgrSynchronizeCallback,
}

// SAFETY: Sync Manager's callback is designed to be called from the handler's worker threads
// (handlers report progress from the threads that do the work); in-process hosts (mobsync-host's
// callback is a `Send + Sync` Rust object) and Sync Manager's proxies accept calls from any thread.
unsafe impl Send for SyncCallback {}
// SAFETY: as above; every method takes `&self` and only calls through the interface.
unsafe impl Sync for SyncCallback {}

impl From<ISyncMgrSynchronizeCallback> for SyncCallback {
    fn from(inner: ISyncMgrSynchronizeCallback) -> Self {
        SyncCallback { inner }
    }
}

impl SyncCallback {
    /// Wraps the callback interface.
    pub fn new(inner: ISyncMgrSynchronizeCallback) -> Self {
        SyncCallback { inner }
    }

    /// The interface.
    pub fn interface(&self) -> &ISyncMgrSynchronizeCallback {
        &self.inner
    }

    fn vtable(&self) -> &crate::sys::ISyncMgrSynchronizeCallback_Vtbl {
        self.inner.vtable()
    }

    /// `ShowPropertiesCompleted(hr)`.
    pub fn show_properties_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        // SAFETY: a live interface and a by-value argument.
        unsafe { (self.vtable().ShowPropertiesCompleted)(self.inner.as_raw(), hr) }.ok()
    }

    /// `PrepareForSyncCompleted(hr)`.
    pub fn prepare_for_sync_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        // SAFETY: a live interface and a by-value argument.
        unsafe { (self.vtable().PrepareForSyncCompleted)(self.inner.as_raw(), hr) }.ok()
    }

    /// `SynchronizeCompleted(hr)`.
    pub fn synchronize_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        // SAFETY: a live interface and a by-value argument.
        unsafe { (self.vtable().SynchronizeCompleted)(self.inner.as_raw(), hr) }.ok()
    }

    /// `ShowErrorCompleted(hr, items)`: with `S_SYNCMGR_RETRYSYNC`, the items to synchronize again.
    pub fn show_error_completed(&self, hr: HRESULT, items: &[GUID]) -> windows_core::Result<()> {
        let count = u32::try_from(items.len()).map_err(|_| E_INVALIDARG)?;
        let ptr = if items.is_empty() {
            ptr::null_mut()
        } else {
            items.as_ptr().cast_mut()
        };
        // SAFETY: `ptr` points to `count` GUIDs that the callee only reads during the call.
        unsafe { (self.vtable().ShowErrorCompleted)(self.inner.as_raw(), hr, count, ptr) }.ok()
    }

    /// `EnableModeless(enable)`: `Ok(true)` when the handler may show (or has closed) its dialog,
    /// `Ok(false)` when Sync Manager answered `S_FALSE` (do not show it now).
    pub fn enable_modeless(&self, enable: bool) -> windows_core::Result<bool> {
        // SAFETY: a live interface and a by-value argument.
        let hr = unsafe { (self.vtable().EnableModeless)(self.inner.as_raw(), i32::from(enable)) };
        hr.ok()?;
        Ok(hr != S_FALSE)
    }

    /// `Progress(item, update)`: reports progress and returns whether the user cancelled.
    pub fn progress(
        &self,
        item: &GUID,
        update: &ProgressUpdate,
    ) -> windows_core::Result<ProgressResponse> {
        let text: Option<Vec<u16>> = update
            .text
            .as_deref()
            .map(|t| t.encode_utf16().chain(std::iter::once(0)).collect());
        let mut mask = 0;
        let mut raw = SYNCMGRPROGRESSITEM {
            cbSize: size_of::<SYNCMGRPROGRESSITEM>() as u32,
            mask: 0,
            lpcStatusText: ptr::null(),
            dwStatusType: 0,
            iProgValue: 0,
            iMaxValue: 0,
        };
        if let Some(text) = &text {
            raw.lpcStatusText = text.as_ptr();
            mask |= SYNCMGRPROGRESSITEM_STATUSTEXT;
        }
        if let Some(status) = update.status {
            raw.dwStatusType = status;
            mask |= SYNCMGRPROGRESSITEM_STATUSTYPE;
        }
        if let Some(value) = update.value {
            raw.iProgValue = value;
            mask |= SYNCMGRPROGRESSITEM_PROGVALUE;
        }
        if let Some(max) = update.max {
            raw.iMaxValue = max;
            mask |= SYNCMGRPROGRESSITEM_MAXVALUE;
        }
        raw.mask = mask;
        // SAFETY: `item` and `raw` (with its string, kept alive in `text`) stay valid for the call.
        let hr = unsafe { (self.vtable().Progress)(self.inner.as_raw(), item, &mut raw) };
        hr.ok()?;
        if hr != S_OK && hr != S_SYNCMGR_CANCELITEM && hr != S_SYNCMGR_CANCELALL {
            log::debug!("ISyncMgrSynchronizeCallback::Progress returned the success code {hr}");
        }
        Ok(ProgressResponse::from_hresult(hr))
    }

    /// `LogError(level, text, details)`: adds a message to Sync Manager's error list.
    pub fn log_error(
        &self,
        level: LogLevel,
        text: &str,
        details: Option<&LogDetails>,
    ) -> windows_core::Result<()> {
        let text: Vec<u16> = text.encode_utf16().chain(std::iter::once(0)).collect();
        let mut info = details.map(|d| {
            let mut raw = SYNCMGRLOGERRORINFO {
                cbSize: size_of::<SYNCMGRLOGERRORINFO>() as u32,
                mask: 0,
                dwSyncMgrErrorFlags: 0,
                ErrorID: GUID::zeroed(),
                ItemID: GUID::zeroed(),
            };
            if let Some(id) = d.error_id {
                raw.ErrorID = id;
                raw.mask |= SYNCMGRLOGERROR_ERRORID;
            }
            if let Some(id) = d.item_id {
                raw.ItemID = id;
                raw.mask |= SYNCMGRLOGERROR_ITEMID;
            }
            if d.jump_text {
                raw.dwSyncMgrErrorFlags = SYNCMGRERRORFLAG_ENABLEJUMPTEXT.0 as u32;
                raw.mask |= SYNCMGRLOGERROR_ERRORFLAGS;
            }
            raw
        });
        let info_ptr = info.as_mut().map_or(ptr::null_mut(), ptr::from_mut);
        // SAFETY: the string and the optional structure stay alive for the call.
        unsafe {
            (self.vtable().LogError)(self.inner.as_raw(), level.raw(), text.as_ptr(), info_ptr)
        }
        .ok()
    }

    /// `DeleteLogError(error_id, 0)`: removes a logged error (all of the handler's with `GUID_NULL`).
    pub fn delete_log_error(&self, error_id: &GUID) -> windows_core::Result<()> {
        // SAFETY: `error_id` is valid for the call.
        unsafe { (self.vtable().DeleteLogError)(self.inner.as_raw(), error_id, 0) }.ok()
    }

    /// `EstablishConnection(name, 0)`: asks for a network connection (the default one for `None`).
    pub fn establish_connection(&self, connection: Option<&str>) -> windows_core::Result<()> {
        let name: Option<Vec<u16>> =
            connection.map(|c| c.encode_utf16().chain(std::iter::once(0)).collect());
        let ptr = name.as_ref().map_or(ptr::null(), |n| n.as_ptr());
        // SAFETY: the optional string stays alive for the call.
        unsafe { (self.vtable().EstablishConnection)(self.inner.as_raw(), ptr, 0) }.ok()
    }
}
