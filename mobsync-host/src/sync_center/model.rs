//! Plain data of the Sync Center side: what a handler says about itself and its items, how a
//! synchronization went, the events it reported, and the failures of its calls. Everything here
//! is `serde::Serialize` for `mobsync-host sync-center ... --json` (documented in the README).

use std::path::PathBuf;

use mobsync_runtime::syncmgr::sys::{
    SYNCMGR_EL_ERROR, SYNCMGR_EL_INFORMATION, SYNCMGR_EL_WARNING, SYNCMGR_EVENT_LEVEL,
    SYNCMGR_HANDLER_TYPE, SYNCMGR_HCM_CAN_BROWSE_CONTENT, SYNCMGR_HCM_CAN_SHOW_SCHEDULE,
    SYNCMGR_HCM_CONFLICT_STORE, SYNCMGR_HCM_EVENT_STORE, SYNCMGR_HCM_PROVIDES_ICON,
    SYNCMGR_HCM_QUERY_BEFORE_ACTIVATE, SYNCMGR_HCM_QUERY_BEFORE_DEACTIVATE,
    SYNCMGR_HCM_QUERY_BEFORE_DISABLE, SYNCMGR_HCM_QUERY_BEFORE_ENABLE,
    SYNCMGR_HCM_SUPPORTS_CONCURRENT_SESSIONS, SYNCMGR_HPM_BACKGROUND_SYNC_ONLY,
    SYNCMGR_HPM_DISABLE_BROWSE, SYNCMGR_HPM_DISABLE_DISABLE, SYNCMGR_HPM_DISABLE_ENABLE,
    SYNCMGR_HPM_DISABLE_SCHEDULE, SYNCMGR_HPM_DISABLE_START_SYNC, SYNCMGR_HPM_DISABLE_STOP_SYNC,
    SYNCMGR_HPM_HIDDEN_BY_DEFAULT, SYNCMGR_HPM_PREVENT_ACTIVATE, SYNCMGR_HPM_PREVENT_DEACTIVATE,
    SYNCMGR_HPM_PREVENT_DISABLE, SYNCMGR_HPM_PREVENT_ENABLE, SYNCMGR_HPM_PREVENT_START_SYNC,
    SYNCMGR_HPM_PREVENT_STOP_SYNC, SYNCMGR_HT_APPLICATION, SYNCMGR_HT_COMPUTER, SYNCMGR_HT_DEVICE,
    SYNCMGR_HT_FOLDER, SYNCMGR_HT_SERVICE, SYNCMGR_HT_UNSPECIFIED, SYNCMGR_ICM_CAN_BROWSE_CONTENT,
    SYNCMGR_ICM_CAN_DELETE, SYNCMGR_ICM_CONFLICT_STORE, SYNCMGR_ICM_EVENT_STORE,
    SYNCMGR_ICM_PROVIDES_ICON, SYNCMGR_ICM_QUERY_BEFORE_DELETE, SYNCMGR_ICM_QUERY_BEFORE_DISABLE,
    SYNCMGR_ICM_QUERY_BEFORE_ENABLE, SYNCMGR_IPM_DISABLE_BROWSE, SYNCMGR_IPM_DISABLE_DELETE,
    SYNCMGR_IPM_DISABLE_DISABLE, SYNCMGR_IPM_DISABLE_ENABLE, SYNCMGR_IPM_DISABLE_START_SYNC,
    SYNCMGR_IPM_DISABLE_STOP_SYNC, SYNCMGR_IPM_HIDDEN_BY_DEFAULT, SYNCMGR_IPM_PREVENT_DISABLE,
    SYNCMGR_IPM_PREVENT_ENABLE, SYNCMGR_IPM_PREVENT_START_SYNC, SYNCMGR_IPM_PREVENT_STOP_SYNC,
    SYNCMGR_PROGRESS_STATUS, SYNCMGR_PS_CANCELED, SYNCMGR_PS_DISCONNECTED, SYNCMGR_PS_FAILED,
    SYNCMGR_PS_SUCCEEDED, SYNCMGR_PS_UPDATING, SYNCMGR_PS_UPDATING_INDETERMINATE,
};
use serde::Serialize;
use windows_core::{GUID, HRESULT};

use crate::hresult::describe;
use crate::model::{ModuleLogRecord, guid_string, hresult_string};

/// A call of the handler (or of one of its objects) that failed: which handler, which item (if
/// the call was about one), which method, and the code. Its text names all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{handler}: {method}{} failed: {message}", item_phrase(.item))]
pub struct CallError {
    /// The handler: `Name {CLSID}`, or the CLSID alone when no name is known yet.
    pub handler: String,
    /// The item the call was about, if any.
    pub item: Option<String>,
    /// The method: `ISyncMgrHandler::Synchronize`, `IEnumSyncMgrSyncItems::Next`, ...
    pub method: String,
    /// The code, `0x80004005` style.
    pub hresult: String,
    /// What went wrong: the code's meaning, or the contract the answer broke.
    pub message: String,
}

fn item_phrase(item: &Option<String>) -> String {
    item.as_ref()
        .map(|i| format!(" for item {i}"))
        .unwrap_or_default()
}

impl CallError {
    /// A failure code `hr` of `method`.
    pub fn code(handler: &str, item: Option<&str>, method: &str, hr: HRESULT) -> Self {
        Self::new(
            handler,
            item,
            method,
            hr,
            format!("{} ({})", hresult_string(hr), describe(hr)),
        )
    }

    /// A failure code `hr` of `method`, an `iid` method of `object`: with the handler's own error
    /// text when it gave one the COM way (`ISupportErrorInfo` for `iid` and the thread's error
    /// object, as `mobsync_runtime::error(code, text)` sets it), else the code's meaning. Call it
    /// on the thread of the failed call, right after it.
    pub fn from_object(
        handler: &str,
        item: Option<&str>,
        method: &str,
        hr: HRESULT,
        object: &impl windows_core::Interface,
        iid: &GUID,
    ) -> Self {
        let text = object
            .cast::<windows_core::IUnknown>()
            .ok()
            .and_then(|unknown| mobsync_runtime::error_info::error_description(&unknown, iid));
        match text {
            Some(text) => Self::new(
                handler,
                item,
                method,
                hr,
                format!("{}: {text}", hresult_string(hr)),
            ),
            None => Self::code(handler, item, method, hr),
        }
    }

    /// A failure of `method` with the code `hr` and this explanation.
    pub fn new(
        handler: &str,
        item: Option<&str>,
        method: &str,
        hr: HRESULT,
        message: String,
    ) -> Self {
        CallError {
            handler: handler.to_owned(),
            item: item.map(str::to_owned),
            method: method.to_owned(),
            hresult: hresult_string(hr),
            message,
        }
    }
}

/// Names of the set bits of `value`, from a table of (flag, name).
fn flag_names(value: u32, table: &[(i32, &'static str)]) -> Vec<&'static str> {
    table
        .iter()
        .filter(|(flag, _)| value & (*flag as u32) != 0)
        .map(|(_, name)| *name)
        .collect()
}

/// The names of `SYNCMGR_HCM_*` flags in `value`.
pub fn handler_capability_names(value: u32) -> Vec<&'static str> {
    flag_names(
        value,
        &[
            (SYNCMGR_HCM_PROVIDES_ICON.0, "provides_icon"),
            (SYNCMGR_HCM_EVENT_STORE.0, "event_store"),
            (SYNCMGR_HCM_CONFLICT_STORE.0, "conflict_store"),
            (
                SYNCMGR_HCM_SUPPORTS_CONCURRENT_SESSIONS.0,
                "supports_concurrent_sessions",
            ),
            (SYNCMGR_HCM_CAN_BROWSE_CONTENT.0, "can_browse_content"),
            (SYNCMGR_HCM_CAN_SHOW_SCHEDULE.0, "can_show_schedule"),
            (SYNCMGR_HCM_QUERY_BEFORE_ACTIVATE.0, "query_before_activate"),
            (
                SYNCMGR_HCM_QUERY_BEFORE_DEACTIVATE.0,
                "query_before_deactivate",
            ),
            (SYNCMGR_HCM_QUERY_BEFORE_ENABLE.0, "query_before_enable"),
            (SYNCMGR_HCM_QUERY_BEFORE_DISABLE.0, "query_before_disable"),
        ],
    )
}

/// The names of `SYNCMGR_HPM_*` flags in `value`.
pub fn handler_policy_names(value: u32) -> Vec<&'static str> {
    flag_names(
        value,
        &[
            (SYNCMGR_HPM_PREVENT_ACTIVATE.0, "prevent_activate"),
            (SYNCMGR_HPM_PREVENT_DEACTIVATE.0, "prevent_deactivate"),
            (SYNCMGR_HPM_PREVENT_ENABLE.0, "prevent_enable"),
            (SYNCMGR_HPM_PREVENT_DISABLE.0, "prevent_disable"),
            (SYNCMGR_HPM_PREVENT_START_SYNC.0, "prevent_start_sync"),
            (SYNCMGR_HPM_PREVENT_STOP_SYNC.0, "prevent_stop_sync"),
            (SYNCMGR_HPM_DISABLE_ENABLE.0, "disable_enable"),
            (SYNCMGR_HPM_DISABLE_DISABLE.0, "disable_disable"),
            (SYNCMGR_HPM_DISABLE_START_SYNC.0, "disable_start_sync"),
            (SYNCMGR_HPM_DISABLE_STOP_SYNC.0, "disable_stop_sync"),
            (SYNCMGR_HPM_DISABLE_BROWSE.0, "disable_browse"),
            (SYNCMGR_HPM_DISABLE_SCHEDULE.0, "disable_schedule"),
            (SYNCMGR_HPM_HIDDEN_BY_DEFAULT.0, "hidden_by_default"),
            (SYNCMGR_HPM_BACKGROUND_SYNC_ONLY.0, "background_sync_only"),
        ],
    )
}

/// The names of `SYNCMGR_ICM_*` flags in `value`.
pub fn item_capability_names(value: u32) -> Vec<&'static str> {
    flag_names(
        value,
        &[
            (SYNCMGR_ICM_PROVIDES_ICON.0, "provides_icon"),
            (SYNCMGR_ICM_EVENT_STORE.0, "event_store"),
            (SYNCMGR_ICM_CONFLICT_STORE.0, "conflict_store"),
            (SYNCMGR_ICM_CAN_DELETE.0, "can_delete"),
            (SYNCMGR_ICM_CAN_BROWSE_CONTENT.0, "can_browse_content"),
            (SYNCMGR_ICM_QUERY_BEFORE_ENABLE.0, "query_before_enable"),
            (SYNCMGR_ICM_QUERY_BEFORE_DISABLE.0, "query_before_disable"),
            (SYNCMGR_ICM_QUERY_BEFORE_DELETE.0, "query_before_delete"),
        ],
    )
}

/// The names of `SYNCMGR_IPM_*` flags in `value`.
pub fn item_policy_names(value: u32) -> Vec<&'static str> {
    flag_names(
        value,
        &[
            (SYNCMGR_IPM_PREVENT_ENABLE.0, "prevent_enable"),
            (SYNCMGR_IPM_PREVENT_DISABLE.0, "prevent_disable"),
            (SYNCMGR_IPM_PREVENT_START_SYNC.0, "prevent_start_sync"),
            (SYNCMGR_IPM_PREVENT_STOP_SYNC.0, "prevent_stop_sync"),
            (SYNCMGR_IPM_DISABLE_ENABLE.0, "disable_enable"),
            (SYNCMGR_IPM_DISABLE_DISABLE.0, "disable_disable"),
            (SYNCMGR_IPM_DISABLE_START_SYNC.0, "disable_start_sync"),
            (SYNCMGR_IPM_DISABLE_STOP_SYNC.0, "disable_stop_sync"),
            (SYNCMGR_IPM_DISABLE_BROWSE.0, "disable_browse"),
            (SYNCMGR_IPM_DISABLE_DELETE.0, "disable_delete"),
            (SYNCMGR_IPM_HIDDEN_BY_DEFAULT.0, "hidden_by_default"),
        ],
    )
}

/// The name of a `SYNCMGR_HANDLER_TYPE` value (`unknown` for one the SDK does not define).
pub fn handler_type_name(kind: SYNCMGR_HANDLER_TYPE) -> &'static str {
    match kind {
        SYNCMGR_HT_UNSPECIFIED => "unspecified",
        SYNCMGR_HT_APPLICATION => "application",
        SYNCMGR_HT_DEVICE => "device",
        SYNCMGR_HT_FOLDER => "folder",
        SYNCMGR_HT_SERVICE => "service",
        SYNCMGR_HT_COMPUTER => "computer",
        _ => "unknown",
    }
}

/// Flags with their names, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flags {
    /// The raw value.
    pub value: u32,
    /// The names of its bits (bits the SDK does not define have none).
    pub names: Vec<&'static str>,
}

impl Flags {
    /// `value` named by `names`.
    pub fn new(value: u32, names: fn(u32) -> Vec<&'static str>) -> Self {
        Flags {
            value,
            names: names(value),
        }
    }
}

/// What `ISyncMgrHandlerInfo` says; `None` fields are the ones the handler leaves to Sync
/// Center (`E_NOTIMPL`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandlerInfoReport {
    /// `GetType`, named (`folder`, `device`, ...).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `GetTypeLabel`.
    pub type_label: Option<String>,
    /// `GetComment`.
    pub comment: Option<String>,
    /// `GetLastSyncTime`, in milliseconds since 1970-01-01 UTC.
    pub last_sync_ms: Option<i64>,
    /// `IsActive`.
    pub active: Option<bool>,
    /// `IsEnabled`.
    pub enabled: Option<bool>,
    /// `IsConnected`.
    pub connected: Option<bool>,
}

/// One item, as `ISyncMgrSyncItem` and its `ISyncMgrSyncItemInfo` describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemDescription {
    /// `GetItemID`.
    pub id: String,
    /// `GetName`.
    pub name: String,
    /// `GetCapabilities`.
    pub capabilities: Flags,
    /// `GetPolicies`.
    pub policies: Flags,
    /// `ISyncMgrSyncItemInfo::GetTypeLabel`.
    pub type_label: Option<String>,
    /// `ISyncMgrSyncItemInfo::GetComment`.
    pub comment: Option<String>,
    /// `ISyncMgrSyncItemInfo::GetLastSyncTime`, in milliseconds since 1970-01-01 UTC.
    pub last_sync_ms: Option<i64>,
    /// `ISyncMgrSyncItemInfo::IsEnabled`.
    pub enabled: Option<bool>,
    /// `ISyncMgrSyncItemInfo::IsConnected`.
    pub connected: Option<bool>,
}

/// A handler as Sync Center lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandlerDescription {
    /// The CLSID.
    #[serde(serialize_with = "crate::model::ser_guid")]
    pub clsid: GUID,
    /// `ISyncMgrHandler::GetName`.
    pub name: String,
    /// The library it was loaded from (none in this process).
    pub module: Option<PathBuf>,
    /// `GetHandlerInfo`; `None` when it failed (Sync Center then shows default properties; the
    /// failure is in `problems`).
    pub info: Option<HandlerInfoReport>,
    /// `GetCapabilities`.
    pub capabilities: Flags,
    /// `GetPolicies`.
    pub policies: Flags,
    /// The items, in enumeration order.
    pub items: Vec<ItemDescription>,
    /// Calls that failed without stopping the listing, and broken contracts.
    pub problems: Vec<String>,
}

/// An item's state in a synchronization: the `SYNCMGR_PS_*` values, plus the host's own
/// `pending` (selected, nothing reported yet) and `not_selected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressStatus {
    /// Selected; no progress reported yet.
    Pending,
    /// `SYNCMGR_PS_UPDATING`.
    Updating,
    /// `SYNCMGR_PS_UPDATING_INDETERMINATE`.
    UpdatingIndeterminate,
    /// `SYNCMGR_PS_SUCCEEDED`.
    Succeeded,
    /// `SYNCMGR_PS_FAILED`.
    Failed,
    /// `SYNCMGR_PS_CANCELED`.
    Canceled,
    /// `SYNCMGR_PS_DISCONNECTED`.
    Disconnected,
    /// Not part of this synchronization.
    NotSelected,
}

impl ProgressStatus {
    /// The status a raw value stands for; `None` for values the SDK does not define.
    pub fn from_raw(raw: SYNCMGR_PROGRESS_STATUS) -> Option<Self> {
        Some(match raw {
            SYNCMGR_PS_UPDATING => Self::Updating,
            SYNCMGR_PS_UPDATING_INDETERMINATE => Self::UpdatingIndeterminate,
            SYNCMGR_PS_SUCCEEDED => Self::Succeeded,
            SYNCMGR_PS_FAILED => Self::Failed,
            SYNCMGR_PS_CANCELED => Self::Canceled,
            SYNCMGR_PS_DISCONNECTED => Self::Disconnected,
            _ => return None,
        })
    }

    /// A final state: the item is done in this synchronization.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Canceled | Self::Disconnected
        )
    }
}

impl std::fmt::Display for ProgressStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::Updating => "updating",
            Self::UpdatingIndeterminate => "updating",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
            Self::Disconnected => "disconnected",
            Self::NotSelected => "not selected",
        })
    }
}

/// One item's synchronization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRun {
    /// The item ID.
    pub id: String,
    /// The item name.
    pub name: String,
    /// Whether it was passed to `Synchronize`.
    pub selected: bool,
    /// Its last state.
    pub status: ProgressStatus,
    /// The last progress text.
    pub text: Option<String>,
    /// The last step.
    pub step: u32,
    /// The last step count.
    pub max: u32,
    /// How many `ReportProgress` calls named it.
    pub progress_calls: u32,
    /// Whether the host asked for it to stop (Ctrl-C, `--cancel`).
    pub cancelled: bool,
}

/// The level of a reported event (`SYNCMGR_EL_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventLevel {
    /// `SYNCMGR_EL_INFORMATION`.
    Information,
    /// `SYNCMGR_EL_WARNING`.
    Warning,
    /// `SYNCMGR_EL_ERROR`.
    Error,
}

impl EventLevel {
    /// The level a raw value stands for; `None` for values the SDK does not define.
    pub fn from_raw(raw: SYNCMGR_EVENT_LEVEL) -> Option<Self> {
        Some(match raw {
            SYNCMGR_EL_INFORMATION => Self::Information,
            SYNCMGR_EL_WARNING => Self::Warning,
            SYNCMGR_EL_ERROR => Self::Error,
            _ => return None,
        })
    }
}

impl std::fmt::Display for EventLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Information => "information",
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// An event the handler reported with `ReportEvent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    /// The identifier the host gave it.
    #[serde(serialize_with = "crate::model::ser_guid")]
    pub id: GUID,
    /// The item it is about, if any.
    pub item: Option<String>,
    /// Its level.
    pub level: EventLevel,
    /// `SYNCMGR_EF_*` flags.
    pub flags: u32,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The text of its link, if any.
    pub link_text: Option<String>,
    /// What the link refers to, if any.
    pub link_reference: Option<String>,
    /// The handler's context, if any.
    pub context: Option<String>,
}

/// How a handler's synchronization ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunOutcome {
    /// `Synchronize` returned success (items may still have failed).
    Completed,
    /// Cancelled by the host (Ctrl-C), and `Synchronize` returned.
    Cancelled,
    /// The handler's policies prevent starting a synchronization (`SYNCMGR_HPM_PREVENT_START_SYNC`).
    Refused,
    /// A call failed (loading, describing, or `Synchronize` itself).
    Failed {
        /// The failed call.
        #[serde(flatten)]
        error: CallError,
    },
    /// `Synchronize` did not return in time; the handler was abandoned.
    TimedOut {
        /// How long the host waited, in milliseconds.
        waited_ms: u64,
    },
}

/// One handler's synchronization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandlerRun {
    /// The CLSID.
    #[serde(serialize_with = "crate::model::ser_guid")]
    pub clsid: GUID,
    /// `GetName`; before that the registered name, or `""`.
    pub name: String,
    /// The library it was loaded from.
    pub module: Option<PathBuf>,
    /// How it ended.
    pub outcome: RunOutcome,
    /// The last `SetHandlerProgressText`.
    pub handler_progress_text: Option<String>,
    /// How many sessions the handler created (`ISyncMgrSessionCreator::CreateSession`).
    pub sessions: u32,
    /// Every item the handler listed, in enumeration order.
    pub items: Vec<ItemRun>,
    /// Every event it reported.
    pub events: Vec<EventRecord>,
    /// What the handler's module logged during the run, and its panics (see
    /// [`crate::module_log`]).
    pub log: Vec<ModuleLogRecord>,
    /// Contract breaks and other problems the host noticed.
    pub problems: Vec<String>,
    /// `DllCanUnloadNow` after the last release: true for a leak, null when not asked.
    pub leaked: Option<bool>,
    /// Wall time in milliseconds.
    #[serde(rename = "elapsed")]
    pub elapsed_ms: u64,
}

impl HandlerRun {
    /// An empty run of `clsid`.
    pub fn new(clsid: GUID) -> Self {
        HandlerRun {
            clsid,
            name: String::new(),
            module: None,
            outcome: RunOutcome::Completed,
            handler_progress_text: None,
            sessions: 0,
            items: Vec::new(),
            events: Vec::new(),
            log: Vec::new(),
            problems: Vec::new(),
            leaked: None,
            elapsed_ms: 0,
        }
    }

    /// `Name {CLSID}`, or the CLSID alone.
    pub fn display_name(&self) -> String {
        display_name(&self.name, &self.clsid)
    }
}

/// `Name {CLSID}`, or the CLSID alone when the name is empty.
pub fn display_name(name: &str, clsid: &GUID) -> String {
    if name.is_empty() {
        guid_string(clsid)
    } else {
        format!("{name} {}", guid_string(clsid))
    }
}

/// A synchronization of one or more handlers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CenterReport {
    /// One entry per handler, in the order given.
    pub handlers: Vec<HandlerRun>,
}

impl CenterReport {
    /// Whether every handler completed, reported no error-level event, and every selected item
    /// succeeded.
    pub fn succeeded(&self) -> bool {
        self.handlers.iter().all(|h| {
            h.outcome == RunOutcome::Completed
                && h.events.iter().all(|e| e.level != EventLevel::Error)
                && h.items
                    .iter()
                    .filter(|i| i.selected)
                    .all(|i| i.status == ProgressStatus::Succeeded)
        })
    }
}
