//! folder-sync: an example Sync Manager handler that copies folders.
//!
//! Work in progress: the COM handler lands once the runtime does.

pub mod config;
pub mod copier;
pub mod engine;
pub mod item_id;
pub mod items;
