//! How a sync is run: the event, the cookie, which items, and the time limits.

use std::time::Duration;

use mobsync_runtime::sys::{
    SYNCMGRFLAG, SYNCMGRFLAG_CONNECT, SYNCMGRFLAG_IDLE, SYNCMGRFLAG_INVOKE, SYNCMGRFLAG_MANUAL,
    SYNCMGRFLAG_MAYBOTHERUSER, SYNCMGRFLAG_PENDINGDISCONNECT, SYNCMGRFLAG_SCHEDULED,
    SYNCMGRREGISTERFLAG_CONNECT, SYNCMGRREGISTERFLAG_IDLE, SYNCMGRREGISTERFLAG_PENDINGDISCONNECT,
    SYNCMGRREGISTERFLAGS,
};
use windows_core::GUID;

/// The event that starts a sync (`SYNCMGRFLAG_*` event values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncEvent {
    /// `SYNCMGRFLAG_CONNECT`: a network connection was made.
    Connect,
    /// `SYNCMGRFLAG_PENDINGDISCONNECT`: a connection is about to close.
    PendingDisconnect,
    /// `SYNCMGRFLAG_MANUAL`: the user asked for it.
    Manual,
    /// `SYNCMGRFLAG_IDLE`: the machine is idle.
    Idle,
    /// `SYNCMGRFLAG_INVOKE`: an application called `ISyncMgrSynchronizeInvoke::UpdateItems`.
    Invoke,
    /// `SYNCMGRFLAG_SCHEDULED`: a scheduled sync.
    Scheduled,
}

impl SyncEvent {
    /// The `SYNCMGRFLAG` event value.
    pub fn flag(self) -> u32 {
        let flag: SYNCMGRFLAG = match self {
            Self::Connect => SYNCMGRFLAG_CONNECT,
            Self::PendingDisconnect => SYNCMGRFLAG_PENDINGDISCONNECT,
            Self::Manual => SYNCMGRFLAG_MANUAL,
            Self::Idle => SYNCMGRFLAG_IDLE,
            Self::Invoke => SYNCMGRFLAG_INVOKE,
            Self::Scheduled => SYNCMGRFLAG_SCHEDULED,
        };
        flag.0 as u32
    }

    /// Whether a handler registered with `SYNCMGRREGISTERFLAG_*` flags `register_flags` takes part:
    /// connect, pending-disconnect and idle syncs only go to handlers registered for them; the
    /// others go to every handler.
    pub fn wanted_by(self, register_flags: u32) -> bool {
        let registered = |flag: SYNCMGRREGISTERFLAGS| register_flags & flag.0 as u32 != 0;
        match self {
            Self::Connect => registered(SYNCMGRREGISTERFLAG_CONNECT),
            Self::PendingDisconnect => registered(SYNCMGRREGISTERFLAG_PENDINGDISCONNECT),
            Self::Idle => registered(SYNCMGRREGISTERFLAG_IDLE),
            Self::Manual | Self::Invoke | Self::Scheduled => true,
        }
    }
}

/// Which items to synchronize.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ItemSelection {
    /// The items the handler proposes checked (`SYNCMGRITEMSTATE_CHECKED`).
    #[default]
    Checked,
    /// Every item.
    All,
    /// Items named by ID (`{GUID}`) or by exact item name; unknown ones are reported.
    Named(Vec<String>),
}

/// Options of one sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// The event passed to `Initialize`.
    pub event: SyncEvent,
    /// Add `SYNCMGRFLAG_MAYBOTHERUSER` (the handler may show user interface).
    pub may_bother_user: bool,
    /// The cookie passed to `Initialize`. Empty: a handler found through the registration store
    /// ([`crate::HandlerSource::Registered`]) gets the settings stored for it
    /// ([`crate::registry::Store::handler_settings`]), any other a null cookie.
    pub cookie: Vec<u8>,
    /// Which items.
    pub items: ItemSelection,
    /// Items (by `{GUID}` or exact name) whose first `Progress` call is answered with
    /// `S_SYNCMGR_CANCELITEM`, followed by `SetItemStatus(SKIPPED)`: what Sync Manager does when
    /// the user skips an item in its progress dialog. Names no handler has are ignored.
    pub cancel_items: Vec<String>,
    /// How many items to ask `ISyncMgrEnumItems::Next` for at once.
    pub batch: u32,
    /// Limit for a synchronous call (`Initialize`, `GetHandlerInfo`, `Next`, ...) to return.
    pub call_timeout: Duration,
    /// Limit for `PrepareForSyncCompleted` after `PrepareForSync` was called.
    pub prepare_timeout: Duration,
    /// Limit for `SynchronizeCompleted` after `Synchronize` was called.
    pub sync_timeout: Duration,
    /// Limit for `ShowErrorCompleted` / `ShowPropertiesCompleted`.
    pub dialog_timeout: Duration,
    /// After a cancel, how long the handler has to finish before the host stops waiting.
    pub cancel_grace: Duration,
    /// Call `ShowError` for each logged error that has an error ID (as if the user double-clicked
    /// it), and retry when the handler answers `S_SYNCMGR_RETRYSYNC`.
    pub show_errors: bool,
    /// At most this many retries per handler.
    pub max_retries: u32,
    /// Call `ShowProperties` for this item (`GUID_NULL`: the handler) before preparing, as if the
    /// user clicked "Properties"; `S_SYNCMGR_ENUMITEMS` then makes the host enumerate again.
    pub show_properties: Option<GUID>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            event: SyncEvent::Manual,
            may_bother_user: false,
            cookie: Vec::new(),
            items: ItemSelection::Checked,
            cancel_items: Vec::new(),
            batch: 8,
            call_timeout: Duration::from_secs(30),
            prepare_timeout: Duration::from_secs(60),
            sync_timeout: Duration::from_secs(600),
            dialog_timeout: Duration::from_secs(60),
            cancel_grace: Duration::from_secs(10),
            show_errors: false,
            max_retries: 1,
            show_properties: None,
        }
    }
}

impl SyncOptions {
    /// The `dwSyncMgrFlags` for `Initialize`.
    pub fn initialize_flags(&self) -> u32 {
        let bother = if self.may_bother_user {
            SYNCMGRFLAG_MAYBOTHERUSER.0 as u32
        } else {
            0
        };
        self.event.flag() | bother
    }

    /// Sets every completion limit to `limit` (handy for tests and the CLI's `--timeout`).
    pub fn with_timeouts(mut self, limit: Duration) -> Self {
        self.call_timeout = limit;
        self.prepare_timeout = limit;
        self.sync_timeout = limit;
        self.dialog_timeout = limit;
        self
    }
}
