//! Plain data the host records and reports: item statuses, logged errors, per-handler and
//! per-item outcomes. Everything here is `serde::Serialize` for `mobsync-host sync --json`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use mobsync_runtime::sys::{
    SYNCMGRLOGLEVEL, SYNCMGRLOGLEVEL_ERROR, SYNCMGRLOGLEVEL_INFORMATION, SYNCMGRLOGLEVEL_WARNING,
    SYNCMGRSTATUS, SYNCMGRSTATUS_DELETED, SYNCMGRSTATUS_FAILED, SYNCMGRSTATUS_PAUSED,
    SYNCMGRSTATUS_PENDING, SYNCMGRSTATUS_RESUMING, SYNCMGRSTATUS_SKIPPED, SYNCMGRSTATUS_STOPPED,
    SYNCMGRSTATUS_SUCCEEDED, SYNCMGRSTATUS_UPDATING,
};
use serde::Serialize;
use serde::ser::SerializeStruct;
use windows_core::{GUID, HRESULT};

/// Formats a GUID the registry way: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
pub fn guid_string(guid: &GUID) -> String {
    format!("{{{guid:?}}}")
}

/// Parses a GUID with or without braces (case-insensitive).
pub fn parse_guid(text: &str) -> Option<GUID> {
    let text = text.trim();
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    GUID::try_from(inner).ok()
}

/// Formats an HRESULT as `0x8000FFFF`.
pub fn hresult_string(hr: HRESULT) -> String {
    format!("0x{:08X}", hr.0 as u32)
}

/// An item's state as Sync Manager shows it (the `SYNCMGRSTATUS` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Selected, not started.
    Pending,
    /// Being synchronized.
    Updating,
    /// Finished successfully.
    Succeeded,
    /// Finished with a failure.
    Failed,
    /// Skipped (for example after a cancel).
    Skipped,
    /// Stopped by the handler.
    Stopped,
    /// Paused by the handler.
    Paused,
    /// Resuming after a pause.
    Resuming,
    /// The item was deleted.
    Deleted,
    /// Not selected for this sync.
    NotSelected,
}

impl ItemStatus {
    /// Maps a `SYNCMGRSTATUS` value; `None` for values the SDK does not define.
    pub fn from_raw(value: u32) -> Option<Self> {
        Some(match SYNCMGRSTATUS(i32::try_from(value).ok()?) {
            SYNCMGRSTATUS_STOPPED => Self::Stopped,
            SYNCMGRSTATUS_SKIPPED => Self::Skipped,
            SYNCMGRSTATUS_PENDING => Self::Pending,
            SYNCMGRSTATUS_UPDATING => Self::Updating,
            SYNCMGRSTATUS_SUCCEEDED => Self::Succeeded,
            SYNCMGRSTATUS_FAILED => Self::Failed,
            SYNCMGRSTATUS_PAUSED => Self::Paused,
            SYNCMGRSTATUS_RESUMING => Self::Resuming,
            SYNCMGRSTATUS_DELETED => Self::Deleted,
            _ => return None,
        })
    }

    /// Whether the item will not change any more in this sync.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Skipped | Self::Stopped | Self::Deleted
        )
    }
}

impl fmt::Display for ItemStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Pending => "pending",
            Self::Updating => "updating",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Stopped => "stopped",
            Self::Paused => "paused",
            Self::Resuming => "resuming",
            Self::Deleted => "deleted",
            Self::NotSelected => "not selected",
        };
        f.write_str(text)
    }
}

/// The level of a logged error (`SYNCMGRLOGLEVEL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// `SYNCMGRLOGLEVEL_INFORMATION`.
    Information,
    /// `SYNCMGRLOGLEVEL_WARNING`.
    Warning,
    /// `SYNCMGRLOGLEVEL_ERROR`.
    Error,
}

impl LogLevel {
    /// Maps a `SYNCMGRLOGLEVEL` value.
    pub fn from_raw(value: u32) -> Option<Self> {
        match SYNCMGRLOGLEVEL(i32::try_from(value).ok()?) {
            SYNCMGRLOGLEVEL_INFORMATION => Some(Self::Information),
            SYNCMGRLOGLEVEL_WARNING => Some(Self::Warning),
            SYNCMGRLOGLEVEL_ERROR => Some(Self::Error),
            _ => None,
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Information => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// The level of a record a handler's module logged ([`ModuleLogRecord`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleLogLevel {
    /// `log::Level::Error` (a panic is one too).
    Error,
    /// `log::Level::Warn`.
    Warn,
    /// `log::Level::Info`.
    Info,
    /// `log::Level::Debug`.
    Debug,
    /// `log::Level::Trace` (and any level above it a module sends).
    Trace,
}

impl ModuleLogLevel {
    /// Maps the level `MobsyncSetLogSink`'s sink receives (1 error ... 5 trace).
    pub fn from_raw(level: u32) -> Self {
        match level {
            0 | 1 => Self::Error,
            2 => Self::Warn,
            3 => Self::Info,
            4 => Self::Debug,
            _ => Self::Trace,
        }
    }

    /// The `log` crate's level.
    pub fn as_log(self) -> log::Level {
        match self {
            Self::Error => log::Level::Error,
            Self::Warn => log::Level::Warn,
            Self::Info => log::Level::Info,
            Self::Debug => log::Level::Debug,
            Self::Trace => log::Level::Trace,
        }
    }
}

impl fmt::Display for ModuleLogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warn => "warning",
            Self::Info => "info",
            Self::Debug => "debug",
            Self::Trace => "trace",
        })
    }
}

/// One record the handler's module logged with the `log` crate, or one of its panics, received
/// through the module's `MobsyncSetLogSink` export (see `mobsync_runtime::host_log`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleLogRecord {
    /// Its level.
    pub level: ModuleLogLevel,
    /// The text.
    pub text: String,
}

/// One `LogError` call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedError {
    /// Its level.
    pub level: LogLevel,
    /// The text the handler gave.
    pub text: String,
    /// The item it is about, when the handler said (`SYNCMGRLOGERROR_ITEMID`).
    #[serde(serialize_with = "ser_opt_guid")]
    pub item: Option<GUID>,
    /// Its error ID, when the handler gave one (`SYNCMGRLOGERROR_ERRORID`); `ShowError` takes it.
    #[serde(serialize_with = "ser_opt_guid")]
    pub error_id: Option<GUID>,
    /// The `SYNCMGRERRORFLAGS` (`SYNCMGRERRORFLAG_ENABLEJUMPTEXT`), when given.
    pub flags: u32,
    /// Whether the handler removed it again with `DeleteLogError`.
    pub deleted: bool,
}

/// One item as the host saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemReport {
    /// The item ID.
    #[serde(serialize_with = "ser_guid")]
    pub id: GUID,
    /// The item name from the enumerator.
    pub name: String,
    /// The `SYNCMGRITEM` flags.
    pub flags: u32,
    /// Whether the handler proposed it checked (`SYNCMGRITEMSTATE_CHECKED`).
    pub checked: bool,
    /// Whether it was selected for this sync.
    pub selected: bool,
    /// Its final status.
    pub status: ItemStatus,
    /// The last status text from `Progress`.
    pub status_text: Option<String>,
    /// The last progress value.
    pub progress: i32,
    /// The last maximum value.
    pub max: i32,
    /// How many `Progress` calls named this item.
    pub progress_calls: u32,
    /// Whether the user cancelled it (or everything).
    pub cancelled: bool,
}

impl ItemReport {
    /// A fresh record for an enumerated item.
    pub fn new(id: GUID, name: String, flags: u32, checked: bool) -> Self {
        Self {
            id,
            name,
            flags,
            checked,
            selected: false,
            status: ItemStatus::NotSelected,
            status_text: None,
            progress: 0,
            max: 0,
            progress_calls: 0,
            cancelled: false,
        }
    }
}

/// A step of the protocol, for reports and timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Loading the module and creating the object.
    Load,
    /// `Initialize`.
    Initialize,
    /// `GetHandlerInfo`.
    HandlerInfo,
    /// `EnumSyncMgrItems` and `Next`.
    Enumerate,
    /// `SetProgressCallback`.
    SetCallback,
    /// `PrepareForSync` until `PrepareForSyncCompleted`.
    Prepare,
    /// `Synchronize` until `SynchronizeCompleted`.
    Synchronize,
    /// `ShowError` until `ShowErrorCompleted`.
    ShowError,
    /// Releasing the handler and checking `DllCanUnloadNow`.
    Unload,
    /// Finished.
    Done,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Load => "load",
            Self::Initialize => "Initialize",
            Self::HandlerInfo => "GetHandlerInfo",
            Self::Enumerate => "EnumSyncMgrItems",
            Self::SetCallback => "SetProgressCallback",
            Self::Prepare => "PrepareForSync",
            Self::Synchronize => "Synchronize",
            Self::ShowError => "ShowError",
            Self::Unload => "unload",
            Self::Done => "done",
        };
        f.write_str(text)
    }
}

/// How a handler's run ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HandlerOutcome {
    /// The protocol ran to the end (items may still have failed).
    Completed,
    /// `Initialize` returned `S_FALSE`: the handler does not take part in this event.
    Declined,
    /// A call or a completion failed; the run stopped.
    Failed {
        /// The step.
        phase: Phase,
        /// The HRESULT, as `0x...`.
        hresult: String,
        /// What it means.
        message: String,
    },
    /// A call did not return, or a completion did not come, in time.
    TimedOut {
        /// The step.
        phase: Phase,
        /// The time waited, in milliseconds.
        waited_ms: u64,
    },
    /// The user cancelled before the handler finished.
    Cancelled,
}

/// Everything about one handler's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandlerReport {
    /// The CLSID.
    #[serde(serialize_with = "ser_guid")]
    pub clsid: GUID,
    /// The name from `GetHandlerInfo`; before that call (and for a handler that declined), the
    /// class name from its registration; empty when neither is known.
    pub name: String,
    /// The module the handler was loaded from (`None` for a handler in this process).
    pub module: Option<PathBuf>,
    /// The `SYNCMGRHANDLERFLAGS` from `GetHandlerInfo`.
    pub handler_flags: u32,
    /// How it ended.
    pub outcome: HandlerOutcome,
    /// The items, in enumeration order.
    pub items: Vec<ItemReport>,
    /// Everything the handler logged.
    pub errors: Vec<LoggedError>,
    /// What the handler's module logged with the `log` crate while this run used it, and its
    /// panics, at the level the host asked for (`MOBSYNC_LOG`, `warn` by default).
    pub log: Vec<ModuleLogRecord>,
    /// Protocol violations and other problems noticed (double completion, bad pointers, ...).
    pub problems: Vec<String>,
    /// How many times the items were enumerated (more than 1 after `S_SYNCMGR_ENUMITEMS`).
    pub enumerations: u32,
    /// How many retries `ShowErrorCompleted(S_SYNCMGR_RETRYSYNC)` caused.
    pub retries: u32,
    /// What the module's `DllCanUnloadNow` said after the last release of the last handler that
    /// used the module in this sync: `Some(true)` for `S_FALSE`, a leak. It is the module's answer,
    /// so every handler of one module gets the same value. `None` when it could not be asked: an
    /// in-process handler without a check, or a run of the module was abandoned (hung), so the
    /// module was never free.
    pub leaked: Option<bool>,
    /// Wall time of the run.
    #[serde(serialize_with = "ser_duration_ms")]
    pub elapsed: Duration,
}

impl HandlerReport {
    /// An empty report for `clsid`.
    pub fn new(clsid: GUID) -> Self {
        Self {
            clsid,
            name: String::new(),
            module: None,
            handler_flags: 0,
            outcome: HandlerOutcome::Completed,
            items: Vec::new(),
            errors: Vec::new(),
            log: Vec::new(),
            problems: Vec::new(),
            enumerations: 0,
            retries: 0,
            leaked: None,
            elapsed: Duration::ZERO,
        }
    }

    /// Whether the handler completed (or declined) and every selected item succeeded.
    pub fn succeeded(&self) -> bool {
        match self.outcome {
            HandlerOutcome::Declined => true,
            HandlerOutcome::Completed => self
                .items
                .iter()
                .filter(|i| i.selected)
                .all(|i| i.status == ItemStatus::Succeeded),
            _ => false,
        }
    }
}

/// The result of one `sync`. Serialized as `{"handlers": [...], "summary": {...}}`, the summary
/// being [`SyncReport::summary`].
#[derive(Debug, Clone, PartialEq)]
pub struct SyncReport {
    /// One entry per handler, in the order they were given.
    pub handlers: Vec<HandlerReport>,
}

impl SyncReport {
    /// Whether every handler completed (or declined) and every selected item succeeded.
    pub fn succeeded(&self) -> bool {
        self.handlers.iter().all(HandlerReport::succeeded)
    }

    /// How many handlers ended how, and how many selected items ended in which status.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for handler in &self.handlers {
            let h = &mut summary.handlers;
            h.total += 1;
            match handler.outcome {
                HandlerOutcome::Completed => h.completed += 1,
                HandlerOutcome::Declined => h.declined += 1,
                HandlerOutcome::Failed { .. } => h.failed += 1,
                HandlerOutcome::TimedOut { .. } => h.timed_out += 1,
                HandlerOutcome::Cancelled => h.cancelled += 1,
            }
            for item in handler.items.iter().filter(|i| i.selected) {
                let i = &mut summary.items;
                i.selected += 1;
                match item.status {
                    ItemStatus::Succeeded => i.succeeded += 1,
                    ItemStatus::Failed => i.failed += 1,
                    ItemStatus::Skipped => i.skipped += 1,
                    _ => i.other += 1,
                }
            }
        }
        summary
    }
}

impl Serialize for SyncReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut report = s.serialize_struct("SyncReport", 2)?;
        report.serialize_field("handlers", &self.handlers)?;
        report.serialize_field("summary", &self.summary())?;
        report.end()
    }
}

/// Counts over a [`SyncReport`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Handlers by outcome.
    pub handlers: HandlerCounts,
    /// Selected items by final status.
    pub items: ItemCounts,
}

/// Handlers by [`HandlerOutcome`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HandlerCounts {
    /// Every handler.
    pub total: usize,
    /// [`HandlerOutcome::Completed`].
    pub completed: usize,
    /// [`HandlerOutcome::Declined`].
    pub declined: usize,
    /// [`HandlerOutcome::Failed`].
    pub failed: usize,
    /// [`HandlerOutcome::TimedOut`].
    pub timed_out: usize,
    /// [`HandlerOutcome::Cancelled`].
    pub cancelled: usize,
}

/// Selected items by final [`ItemStatus`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ItemCounts {
    /// Every selected item.
    pub selected: usize,
    /// [`ItemStatus::Succeeded`].
    pub succeeded: usize,
    /// [`ItemStatus::Failed`].
    pub failed: usize,
    /// [`ItemStatus::Skipped`] (cancelled items included).
    pub skipped: usize,
    /// Any other status (stopped, deleted, or unfinished after a timeout).
    pub other: usize,
}

pub(crate) fn ser_guid<S: serde::Serializer>(guid: &GUID, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&guid_string(guid))
}

fn ser_opt_guid<S: serde::Serializer>(guid: &Option<GUID>, s: S) -> Result<S::Ok, S::Error> {
    match guid {
        Some(guid) => s.serialize_some(&guid_string(guid)),
        None => s.serialize_none(),
    }
}

fn ser_duration_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_round_trip_with_and_without_braces() {
        let text = "{632306B6-690C-48C1-AB87-953A6833A855}";
        let guid = parse_guid(text).unwrap();
        assert_eq!(guid_string(&guid), text);
        assert_eq!(
            parse_guid("632306b6-690c-48c1-ab87-953a6833a855"),
            Some(guid)
        );
        assert_eq!(parse_guid("{632306B6}"), None);
        assert_eq!(parse_guid(""), None);
    }

    #[test]
    fn success_needs_every_selected_item() {
        let mut report = HandlerReport::new(GUID::zeroed());
        let mut a = ItemReport::new(GUID::from_u128(1), "a".into(), 0, true);
        a.selected = true;
        a.status = ItemStatus::Succeeded;
        let b = ItemReport::new(GUID::from_u128(2), "b".into(), 0, false); // not selected
        report.items = vec![a.clone(), b];
        assert!(report.succeeded());
        a.status = ItemStatus::Skipped;
        report.items[0] = a;
        assert!(!report.succeeded());
        report.outcome = HandlerOutcome::Declined;
        assert!(report.succeeded());
        report.outcome = HandlerOutcome::TimedOut {
            phase: Phase::Synchronize,
            waited_ms: 5,
        };
        assert!(!report.succeeded());
    }
}
