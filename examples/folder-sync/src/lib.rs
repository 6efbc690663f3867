//! folder-sync: an example Sync Manager handler that copies folders.
//!
//! Its items are the subfolders of a source directory; `Synchronize` copies new and changed files
//! of the selected items to a destination directory on a worker thread, reporting `Progress` per
//! file, logging files it cannot read with `LogError`, honouring cancellation mid-item (the
//! `Progress` answer `S_SYNCMGR_CANCELITEM`/`S_SYNCMGR_CANCELALL`, or `SetItemStatus(SKIPPED)`),
//! and writing every file atomically (a temporary file, then a rename), so a cancel never leaves
//! a partial file.
//!
//! - CLSID `{632306B6-690C-48C1-AB87-953A6833A855}`, name "Folder Sync", ThreadingModel Both.
//! - Configuration: the cookie passed to `Initialize` (see [`config`] for the format,
//!   `source=<dir>;dest=<dir>`), or, without a cookie, the environment variable
//!   `FOLDER_SYNC_COOKIE` in the same format; with neither, `Initialize` returns `S_FALSE` (the
//!   handler does not take part).
//! - Item IDs are derived from the folder names (see [`item_id`]), so they are stable.
//!
//! A second class serves Sync Center (Windows Vista and later) from the same DLL: see
//! [`sync_center`] (CLSID `{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}`, "Folder Sync (Sync
//! Center)").
//!
//! The crate is a `cdylib` (the handler module, with `DllGetClassObject`, `DllCanUnloadNow`,
//! `DllRegisterServer` and `DllUnregisterServer`) and an `rlib` (for tests).

pub mod config;
pub mod conflicts;
pub mod copier;
pub mod engine;
pub mod events;
mod handler;
pub mod item_id;
pub mod items;
pub mod sync_center;

pub use handler::{COOKIE_ENV, FolderSync, NAME};
pub use sync_center::FolderSyncCenter;

mobsync_runtime::export_handlers!(FolderSync, FolderSyncCenter);
