//! Sync Center handlers (`syncmgr.h`, Windows Vista and later), behind the `sync-center`
//! feature: the bindings ([`sys`]) and safe traits ([`interfaces`], re-exported here)
//! generated from `idl/syncmgr.idl` by `cargo xtask regen`, `#[derive(SyncCenterHandler)]`,
//! and ready objects for what every handler hands out: [`HandlerInfo`]
//! (`ISyncMgrHandlerInfo`), [`SyncItem`] (`ISyncMgrSyncItem` + `ISyncMgrSyncItemInfo`),
//! [`SyncItems`] (the answers of `ISyncMgrSyncItemContainer` over a list), [`ItemEnumerator`]
//! (`IEnumSyncMgrSyncItems`) and [`SyncSession`] (the safe side of `ISyncMgrSyncCallback`:
//! progress, handler progress text, events, `CanContinue`, cancellation), and for conflicts
//! [`ConflictStore`] (`ISyncMgrConflictStore` over a list of [`Conflict`]s, with the conflict
//! objects, their versions and resolution; a [`ConflictResolver`] says what resolving does) and,
//! for the caller's side, [`ResolveInfo`] and [`ResolutionItems`].
//!
//! A Sync Center handler implements [`SyncMgrHandler`] (name, handler info, capabilities,
//! policies, `Synchronize`) and [`SyncMgrSyncItemContainer`] (its items), which Sync Center asks
//! the handler object itself for. `Synchronize` gets the item identifiers as `&[&WStr]` and an
//! `ISyncMgrSessionCreator`, through which it opens a [`SyncSession`].
//!
//! # Quick start
//!
//! ```
//! use mobsync_runtime::WStr;
//! use mobsync_runtime::syncmgr::sys::*;
//! use mobsync_runtime::syncmgr::{
//!     HandlerInfo, SyncCenterHandler, SyncItem, SyncItems, SyncMgrHandler,
//!     SyncMgrSyncItemContainer, SyncSession,
//! };
//! use windows_core::{IUnknown, Result};
//!
//! /// A handler with one item, "Notes". Build the crate as a `cdylib` and register it with
//! /// `regsvr32` (Windows) or `mobsync-host regsvr` (elsewhere).
//! #[derive(SyncCenterHandler)]
//! #[sync_center(clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D10", name = "Notes Sync Center")]
//! pub struct NotesHandler {
//!     items: SyncItems,
//! }
//!
//! impl Default for NotesHandler {
//!     fn default() -> Self {
//!         let notes = SyncItem::new("notes", "Notes").comment("3 notebooks");
//!         NotesHandler { items: SyncItems::new(vec![notes]) }
//!     }
//! }
//!
//! impl SyncMgrHandler for NotesHandler {
//!     fn get_name(&self) -> Result<String> {
//!         Ok("Notes".into())
//!     }
//!     fn get_handler_info(&self) -> Result<ISyncMgrHandlerInfo> {
//!         Ok(HandlerInfo::new(SYNCMGR_HT_APPLICATION).type_label("Notebooks").into_interface())
//!     }
//!     fn get_capabilities(&self) -> Result<SYNCMGR_HANDLER_CAPABILITIES> {
//!         Ok(SYNCMGR_HCM_NONE)
//!     }
//!     fn get_policies(&self) -> Result<SYNCMGR_HANDLER_POLICIES> {
//!         Ok(SYNCMGR_HPM_NONE)
//!     }
//!     fn synchronize(
//!         &self,
//!         item_ids: &[&WStr],
//!         _owner: HWND,
//!         creator: ISyncMgrSessionCreator,
//!         _punk: Option<IUnknown>,
//!     ) -> Result<()> {
//!         let session = SyncSession::create(&creator, "notes-handler", item_ids)?;
//!         for id in item_ids {
//!             let id = id.to_string_lossy();
//!             if !session.can_continue(&id)? {
//!                 session.report_progress(&id, None, SYNCMGR_PS_CANCELED, 0, 1)?;
//!                 continue;
//!             }
//!             // ... synchronize the item ...
//!             let cancel = session.report_progress(&id, Some("Done"), SYNCMGR_PS_SUCCEEDED, 1, 1)?;
//!             if cancel.is_cancel() {
//!                 break;
//!             }
//!         }
//!         Ok(())
//!     }
//! }
//!
//! impl SyncMgrSyncItemContainer for NotesHandler {
//!     fn get_sync_item(&self, id: &WStr) -> Result<ISyncMgrSyncItem> {
//!         self.items.get(id)
//!     }
//!     fn get_sync_item_enumerator(&self) -> Result<IEnumSyncMgrSyncItems> {
//!         self.items.enumerator()
//!     }
//!     fn get_sync_item_count(&self) -> Result<u32> {
//!         self.items.count()
//!     }
//! }
//!
//! // DllGetClassObject, DllCanUnloadNow, DllRegisterServer and DllUnregisterServer.
//! mobsync_runtime::export_handlers!(NotesHandler);
//! # fn main() {
//! #     let handler: ISyncMgrHandler =
//! #         mobsync_runtime::class_factory::<NotesHandler>().create_instance().unwrap();
//! #     let info = handler.GetHandlerInfo().unwrap();
//! #     assert_eq!(info.GetType().unwrap(), SYNCMGR_HT_APPLICATION);
//! #     let container: ISyncMgrSyncItemContainer = windows_core::Interface::cast(&handler).unwrap();
//! #     assert_eq!(container.GetSyncItemCount().unwrap(), 1);
//! #     drop((info, container, handler));
//! #     assert_eq!(mobsync_runtime::module::can_unload_now(), mobsync_runtime::hresults::S_OK);
//! # }
//! ```
//!
//! # `#[derive(SyncCenterHandler)]`
//!
//! ```text
//! #[derive(Default, SyncCenterHandler)]
//! #[sync_center(
//!     clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D10", // required; braces optional
//!     name = "Notes Sync Center",                   // required: registry and Sync Center name
//!     interfaces(ISyncMgrEventStore),               // optional extra interfaces
//!     threading = "both",                           // "both" (default), "free" or "apartment"
//! )]
//! ```
//!
//! `ISyncMgrHandler` and `ISyncMgrSyncItemContainer` are implied; a bare interface name is
//! one of [`sys`], a path is used as written. The class factory creates the handler with
//! `Default`. `export_handlers!` registers it as a COM class and under Sync Center's handler
//! key (see [`registry`](crate::registry)); one DLL may export Sync Manager handlers
//! (`#[derive(SyncMgrHandler)]`) and Sync Center handlers side by side.

mod conflicts;
#[cfg(test)]
mod conflicts_tests;
mod events;
#[cfg(test)]
mod events_tests;
mod info;
// Generated by `cargo xtask regen` (documented inside); prettyplease formats it, not rustfmt.
#[rustfmt::skip]
pub mod interfaces;
mod items;
mod resolve_info;
mod session;
#[cfg(test)]
mod tests;
// Generated by `cargo xtask regen` (documented inside); prettyplease formats it, not rustfmt.
#[rustfmt::skip]
pub mod sys;

pub use conflicts::{
    Conflict, ConflictResolver, ConflictStore, ConflictVersion, E_CONFLICT_NOT_FOUND, KeptVersion,
    MAX_CONFLICT_ID_BYTES, PKEY_COMMENT, PKEY_ITEM_NAME_DISPLAY, Resolution,
};
pub use events::{E_EVENT_NOT_FOUND, EventRemover, EventStore, StoredEvent};
pub use info::{HandlerInfo, filetime};
pub use interfaces::*;
pub use items::{ItemEnumerator, SyncItem, SyncItems};
#[cfg(feature = "derive")]
pub use mobsync_derive::SyncCenterHandler;
pub use resolve_info::{ResolutionItems, ResolveInfo, ResolveState};
pub use session::{CancelRequest, Event, SyncSession};
