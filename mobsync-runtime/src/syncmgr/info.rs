//! [`HandlerInfo`]: a ready `ISyncMgrHandlerInfo` over plain values, and the FILETIME
//! conversion the Sync Center objects share.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::ComObject;
use crate::hresults::E_NOTIMPL;
use crate::syncmgr::interfaces::{
    IsActiveOutcome, SyncMgrHandlerInfo, SyncMgrHandlerInfoIsConnectedOutcome,
    SyncMgrHandlerInfoIsEnabledOutcome,
};
use crate::syncmgr::sys::{
    FILETIME, ISyncMgrHandlerInfo, SYNCMGR_HANDLER_TYPE, SYNCMGR_HT_UNSPECIFIED,
};

/// Seconds from 1601-01-01 (the FILETIME epoch) to 1970-01-01.
const FILETIME_UNIX_OFFSET_SECS: u64 = 11_644_473_600;

/// `time` as a FILETIME (100 ns ticks since 1601-01-01; times before 1601 are clamped to it).
pub fn filetime(time: SystemTime) -> FILETIME {
    let offset = u128::from(FILETIME_UNIX_OFFSET_SECS) * 10_000_000;
    let ticks = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_nanos() / 100 + offset,
        Err(before) => offset.saturating_sub(before.duration().as_nanos() / 100),
    };
    let ticks = u64::try_from(ticks).unwrap_or(u64::MAX);
    FILETIME {
        dwLowDateTime: ticks as u32,
        dwHighDateTime: (ticks >> 32) as u32,
    }
}

/// What Sync Center shows about a handler (its `ISyncMgrHandlerInfo`), as plain values:
/// return [`into_interface`](HandlerInfo::into_interface) from
/// [`SyncMgrHandler::get_handler_info`](crate::syncmgr::SyncMgrHandler::get_handler_info).
///
/// `IsActive` and `IsEnabled` answer `S_OK`/`S_FALSE` when set, `E_NOTIMPL` (Sync Center keeps
/// the state itself) when `None`; `GetLastSyncTime` answers `E_NOTIMPL` until a time is set.
///
/// ```
/// use mobsync_runtime::syncmgr::HandlerInfo;
/// use mobsync_runtime::syncmgr::sys::SYNCMGR_HT_FOLDER;
///
/// let info = HandlerInfo::new(SYNCMGR_HT_FOLDER)
///     .type_label("Folders")
///     .comment("2 folders")
///     .connected(true);
/// let interface = info.into_interface();
/// assert_eq!(interface.GetType().unwrap(), SYNCMGR_HT_FOLDER);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandlerInfo {
    /// The kind of handler (`SYNCMGR_HT_*`).
    pub kind: SYNCMGR_HANDLER_TYPE,
    /// A label for the handler's kind (typically a device model).
    pub type_label: String,
    /// A short summary, at most `MAX_SYNCMGR_NAME` UTF-16 units, such as "32 contacts".
    pub comment: String,
    /// When the handler last synchronized.
    pub last_sync: Option<FILETIME>,
    /// Whether the handler is active, or `None` to let Sync Center keep track.
    pub active: Option<bool>,
    /// Whether the handler is enabled, or `None` to let Sync Center keep track.
    pub enabled: Option<bool>,
    /// Whether the handler's partner is connected.
    pub connected: bool,
}

crate::com_class::com_class!(HandlerInfo => crate::syncmgr::sys::ISyncMgrHandlerInfo);

impl Default for HandlerInfo {
    fn default() -> Self {
        HandlerInfo::new(SYNCMGR_HT_UNSPECIFIED)
    }
}

impl HandlerInfo {
    /// A handler of this kind, connected, with no labels and no state of its own.
    pub fn new(kind: SYNCMGR_HANDLER_TYPE) -> Self {
        HandlerInfo {
            kind,
            type_label: String::new(),
            comment: String::new(),
            last_sync: None,
            active: None,
            enabled: None,
            connected: true,
        }
    }

    /// With this type label.
    pub fn type_label(mut self, label: impl Into<String>) -> Self {
        self.type_label = label.into();
        self
    }

    /// With this comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = comment.into();
        self
    }

    /// Last synchronized at `time`.
    pub fn last_sync(mut self, time: SystemTime) -> Self {
        self.last_sync = Some(filetime(time));
        self
    }

    /// Active (`true`) or not.
    pub fn active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Enabled (`true`) or not.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Connected (`true`, the default) or not.
    pub fn connected(mut self, connected: bool) -> Self {
        self.connected = connected;
        self
    }

    /// Moves the description into a new COM object and returns its `ISyncMgrHandlerInfo`.
    pub fn into_interface(self) -> ISyncMgrHandlerInfo {
        ComObject::new(self).into_interface()
    }
}

impl SyncMgrHandlerInfo for HandlerInfo {
    fn get_type(&self) -> windows_core::Result<SYNCMGR_HANDLER_TYPE> {
        Ok(self.kind)
    }

    fn get_type_label(&self) -> windows_core::Result<String> {
        Ok(self.type_label.clone())
    }

    fn get_comment(&self) -> windows_core::Result<String> {
        Ok(self.comment.clone())
    }

    fn get_last_sync_time(&self) -> windows_core::Result<FILETIME> {
        self.last_sync.ok_or_else(|| E_NOTIMPL.into())
    }

    fn is_active(&self) -> windows_core::Result<IsActiveOutcome> {
        match self.active {
            Some(true) => Ok(IsActiveOutcome::S_OK),
            Some(false) => Ok(IsActiveOutcome::S_FALSE),
            None => Err(E_NOTIMPL.into()),
        }
    }

    fn is_enabled(&self) -> windows_core::Result<SyncMgrHandlerInfoIsEnabledOutcome> {
        match self.enabled {
            Some(true) => Ok(SyncMgrHandlerInfoIsEnabledOutcome::S_OK),
            Some(false) => Ok(SyncMgrHandlerInfoIsEnabledOutcome::S_FALSE),
            None => Err(E_NOTIMPL.into()),
        }
    }

    fn is_connected(&self) -> windows_core::Result<SyncMgrHandlerInfoIsConnectedOutcome> {
        Ok(if self.connected {
            SyncMgrHandlerInfoIsConnectedOutcome::S_OK
        } else {
            SyncMgrHandlerInfoIsConnectedOutcome::S_FALSE
        })
    }
}
