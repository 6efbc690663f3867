//! Live events of a sync, for user interfaces (progress bars, logs).

use windows_core::GUID;

use crate::model::{HandlerReport, ItemReport, ItemStatus, LoggedError, ModuleLogLevel, Phase};

/// Something that happened during a sync. `handler` is the index of the handler in the list given
/// to [`crate::Host::sync`].
#[derive(Debug, Clone)]
pub enum HostEvent {
    /// A handler's run started.
    HandlerStarted {
        /// Handler index.
        handler: usize,
        /// Its CLSID.
        clsid: GUID,
    },
    /// The run entered a new step.
    PhaseChanged {
        /// Handler index.
        handler: usize,
        /// The step.
        phase: Phase,
    },
    /// `GetHandlerInfo` answered.
    HandlerInfo {
        /// Handler index.
        handler: usize,
        /// The handler's name.
        name: String,
    },
    /// The items were (re-)enumerated; `selected` ones will be synchronized.
    ItemsEnumerated {
        /// Handler index.
        handler: usize,
        /// All items, in enumeration order.
        items: Vec<ItemReport>,
    },
    /// A `Progress` call (or the host's own conclusion about an item's status).
    ItemProgress {
        /// Handler index.
        handler: usize,
        /// The item.
        item: GUID,
        /// Its status now.
        status: ItemStatus,
        /// The latest status text.
        text: Option<String>,
        /// The latest progress value.
        value: i32,
        /// The latest maximum.
        max: i32,
    },
    /// A `LogError` call.
    ErrorLogged {
        /// Handler index.
        handler: usize,
        /// What was logged.
        error: LoggedError,
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
    /// A protocol violation or other problem the host noticed.
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
        report: Box<HandlerReport>,
    },
}

/// Receives [`HostEvent`]s; called from the host's threads and from handlers' threads.
pub trait EventSink: Send + Sync {
    /// One event.
    fn event(&self, event: HostEvent);

    /// Whether the sink wants events at all: `false` spares the host copying the items and
    /// reports that events carry (`true` unless the sink says otherwise).
    fn is_listening(&self) -> bool {
        true
    }
}

/// Drops every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn event(&self, _event: HostEvent) {}

    fn is_listening(&self) -> bool {
        false
    }
}

impl<F: Fn(HostEvent) + Send + Sync> EventSink for F {
    fn event(&self, event: HostEvent) {
        self(event)
    }
}
