//! Live events of a Sync Center synchronization, for user interfaces (progress bars, logs).

use windows_core::GUID;

use super::model::{EventRecord, HandlerRun, ItemRun, ProgressStatus};
use crate::model::ModuleLogLevel;

/// Something that happened during a synchronization. `handler` is the index of the handler in
/// the list given to [`super::SyncCenterHost::sync`].
#[derive(Debug, Clone)]
pub enum CenterEvent {
    /// A handler's run started.
    HandlerStarted {
        /// Handler index.
        handler: usize,
        /// Its CLSID.
        clsid: GUID,
    },
    /// The handler was described and its items chosen; `selected` ones are synchronized.
    ItemsSelected {
        /// Handler index.
        handler: usize,
        /// The handler's name (`GetName`).
        name: String,
        /// Every item.
        items: Vec<ItemRun>,
    },
    /// A `ReportProgress` call.
    ItemProgress {
        /// Handler index.
        handler: usize,
        /// The item ID.
        item: String,
        /// Its state now.
        status: ProgressStatus,
        /// The latest progress text.
        text: Option<String>,
        /// The step.
        step: u32,
        /// The step count.
        max: u32,
    },
    /// A `SetHandlerProgressText` call.
    HandlerProgressText {
        /// Handler index.
        handler: usize,
        /// The text.
        text: String,
    },
    /// A `ReportEvent` call.
    EventReported {
        /// Handler index.
        handler: usize,
        /// The event.
        event: EventRecord,
    },
    /// The handler's module logged a record (or panicked): see [`crate::module_log`].
    HandlerLog {
        /// Handler index.
        handler: usize,
        /// Its level.
        level: ModuleLogLevel,
        /// The text.
        text: String,
    },
    /// A contract break or other problem the host noticed.
    Problem {
        /// Handler index.
        handler: usize,
        /// Description.
        text: String,
    },
    /// The handler's run is over.
    HandlerFinished {
        /// Handler index.
        handler: usize,
        /// Its report.
        run: Box<HandlerRun>,
    },
}

/// Receives [`CenterEvent`]s; called from the host's threads and from handlers' threads.
pub trait CenterSink: Send + Sync {
    /// One event.
    fn event(&self, event: CenterEvent);
}

impl<F: Fn(CenterEvent) + Send + Sync> CenterSink for F {
    fn event(&self, event: CenterEvent) {
        self(event)
    }
}
