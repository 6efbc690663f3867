//! The `mobsync-host` command line.

pub mod table;
pub mod ui;
