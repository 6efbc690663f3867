//! mobsync-host: plays Windows Sync Manager's (and Sync Center's) part anywhere, so handlers can
//! be developed and tested on any OS.
//!
//! - [`Host`] loads handlers ([`HandlerSource`]: by CLSID through the registration store, from a
//!   module path, or from an in-process class factory) and drives the documented sequence over
//!   the raw ABI: `Initialize` (`S_FALSE`: the handler declines) → `GetHandlerInfo` (freed with
//!   the task allocator) → `EnumSyncMgrItems` (`Next` in batches) → `SetProgressCallback` →
//!   `PrepareForSync` → `PrepareForSyncCompleted` → `Synchronize` → `SynchronizeCompleted`, then
//!   optionally `ShowError` → `ShowErrorCompleted` and a retry on `S_SYNCMGR_RETRYSYNC`.
//!   `S_SYNCMGR_ENUMITEMS`/`S_SYNCMGR_ITEMDELETED` make it enumerate again and
//!   `S_SYNCMGR_MISSINGITEMS` keeps items the enumerator left out. After the last `Release` it
//!   asks `DllCanUnloadNow` and reports a leak.
//! - Every returned pointer and count is validated; a handler that hangs (a call that does not
//!   return, a completion that never comes), fails, panics or completes twice is reported in its
//!   [`model::HandlerReport`] and never blocks the other handlers, which run concurrently. A
//!   failure is reported with the handler's own HRESULT (also one passed to
//!   `SynchronizeCompleted`); a success code a call or completion is not documented to return
//!   (see the `custom` contract attributes in `idl/mobsync.idl`) is reported as a problem and
//!   otherwise handled as `S_OK`, so it fails nothing.
//! - Its `ISyncMgrSynchronizeCallback` is a COM object built with the runtime's derive; it records
//!   progress, statuses and logged errors per item and answers `Progress` with
//!   `S_SYNCMGR_CANCELITEM`/`S_SYNCMGR_CANCELALL` after [`CancelHandle`] calls, sending
//!   `SetItemStatus(..., SYNCMGRSTATUS_SKIPPED)` for every cancelled item. The handler gets a
//!   guarded stand-in for it, whose reference count a handler cannot take to zero: a `Release`
//!   beyond the references the handler added is refused and reported as an over-release, and the
//!   stand-in lives as long as the process (so as long as handler modules stay loaded); after the
//!   run its calls return `RPC_E_DISCONNECTED`.
//! - Contract breaks it can see are reported, never dropped silently: calls the runtime refuses
//!   for a null or wrong-sized argument, unknown items, statuses and levels, completions twice or
//!   at the wrong time, out-of-range progress values, over-releases.
//! - What a handler's module logs with the `log` crate, and its panics (one line each), reach the
//!   report and the live events through the module's `MobsyncSetLogSink` export
//!   ([`module_log`]): never raw text on stderr.
//! - Nothing is loaded from, or read out of, a place another user could write ([`trust`]): a
//!   handler library or registration store that is, or sits below, a group- or world-writable
//!   directory without the sticky bit, or that another user owns, is refused
//!   (`TRUST_E_SUBJECT_NOT_TRUSTED`), with a message naming the path, the cause and the fix.
//! - [`sync_center::SyncCenterHost`] plays Sync Center (Windows Vista and later) for
//!   `ISyncMgrHandler` handlers: it describes a handler and its items (`GetName`,
//!   `GetHandlerInfo`, capabilities, policies, the item enumerator and each item's info) and
//!   synchronizes chosen items through `Synchronize` with a lent `ISyncMgrSessionCreator` and
//!   `ISyncMgrSyncCallback`, recording progress, handler progress text and reported events,
//!   answering cancellation through `CanContinue` and the cancel requests, and naming the
//!   handler, the item and the method in every error ([`sync_center::model::CallError`]).
//! - [`objects::Registrar`] (`ISyncMgrRegister`) and [`objects::Invoker`]
//!   (`ISyncMgrSynchronizeInvoke`) are COM objects applications can call.
//!
//! Handler modules stay loaded for the life of the process (a handler that was abandoned may
//! still run code in its module).

mod callback;
pub mod error_info;
pub mod events;
mod host;
pub mod hresult;
mod lent;
mod loader;
pub mod model;
pub mod module_log;
pub mod objects;
mod options;
mod raw;
mod session;
mod state;
pub mod sync_center;
pub mod trust;

pub use events::{EventSink, HostEvent};
pub use host::{CancelHandle, Host};
pub use loader::{
    HandlerSource, InProcessFactory, InProcessHandler, LoadError, Module, store_location,
};
pub use mobsync_runtime::registry;
pub use options::{ItemSelection, SyncEvent, SyncOptions};
