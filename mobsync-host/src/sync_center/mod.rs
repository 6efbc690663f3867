//! The Sync Center side of the host: [`SyncCenterHost`] lists `ISyncMgrHandler` handlers and
//! their items and synchronizes them over the raw ABI, with a host `ISyncMgrSessionCreator` and
//! `ISyncMgrSyncCallback` lent to the handler; [`model`] is what it reports, [`events`] the live
//! events of a synchronization, [`conflicts`] a handler's conflicts and their resolution,
//! [`event_store`] the events a handler's event store keeps.

pub mod conflicts;
mod describe;
pub mod event_store;
pub mod events;
mod host;
pub mod model;
mod session;
mod stores;

pub use events::{CenterEvent, CenterSink};
pub use host::{CHOOSE_ITEMS, CenterCancel, ItemChoice, LOAD, SyncCenterHost};
