//! The Sync Center side of the host: what it reports about `ISyncMgrHandler` handlers and their
//! synchronizations ([`model`]) and the live events of a synchronization ([`events`]).

pub mod events;
pub mod model;
