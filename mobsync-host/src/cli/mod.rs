//! The `mobsync-host` command line: one module per subcommand, and what they share.

pub mod center;
pub mod config;
pub mod exit;
pub mod list;
pub mod regsvr;
pub mod settings;
pub mod store;
pub mod sync;
pub mod table;
pub mod ui;
