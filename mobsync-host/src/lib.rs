//! mobsync-host: plays Windows Sync Manager's part anywhere.
//!
//! Work in progress.

pub mod model;
