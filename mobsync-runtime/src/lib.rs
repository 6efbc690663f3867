//! mobsync-runtime: write Windows Sync Manager handlers in safe Rust.
//!
//! A Sync Manager handler is an in-process COM server implementing `ISyncMgrSynchronize` (and
//! usually handing out an `ISyncMgrEnumItems`). With this crate you implement one safe trait per
//! interface, derive the COM object, and export the DLL entry points with one macro call; the
//! runtime does the COM part and gets it right:
//!
//! - **Object model** ([`object`]): one heap block per object with one interface slot per
//!   implemented interface, an atomic reference count (`Relaxed` `AddRef`; `Release` ordering and
//!   an `Acquire` fence before destruction), the value dropped exactly once (an over-release is
//!   logged and refused), `QueryInterface` answering exactly the listed interfaces (no
//!   `IInspectable`, no `IAgileObject`) with COM identity for `IUnknown`.
//! - **Checked arguments** ([`abi`]): before your method runs, null pointers give `E_POINTER`,
//!   a misaligned pointer, a count without its array or a wrong `cbSize` gives `E_INVALIDARG`,
//!   out-parameters are cleared. The same checks guard `QueryInterface`,
//!   `IClassFactory::CreateInstance` and `DllGetClassObject`.
//! - **No panic crosses the ABI**: a panic in your code becomes `E_UNEXPECTED`, one line naming
//!   the method and the message goes to the host (see [`host_log`]) or else to the
//!   [`log`](https://docs.rs/log) facade, and the object stays usable. Catching needs
//!   `panic = "unwind"`: a DLL built with `panic = "abort"` aborts the host process instead.
//! - **Success codes are typed**: methods documented to return more than `S_OK` return an outcome
//!   enum ([`InitializeOutcome::S_FALSE`], [`ProgressOutcome::S_SYNCMGR_CANCELALL`] ...), and
//!   [`SyncCallback::progress`] tells you when the user cancelled.
//! - **Threading**: handlers are `ThreadingModel=Both` and must be `Send + Sync`, unless they ask
//!   for `threading = "apartment"`, which the runtime then enforces (`RPC_E_WRONG_THREAD` from
//!   other threads).
//! - **DLL exports** ([`export_handlers!`]): `DllGetClassObject` (a class factory per class,
//!   `CLASS_E_NOAGGREGATION`, counted `LockServer`), `DllCanUnloadNow` (`S_OK` only with no live
//!   object and no lock), `DllRegisterServer`/`DllUnregisterServer` (the [`registry`]: the Windows
//!   registry and Sync Manager, or a portable file store elsewhere).
//! - **Sync Center** (Windows Vista and later, `syncmgr.h`): with the cargo feature
//!   `sync-center`, the module `syncmgr` holds the bindings and traits generated from
//!   `idl/syncmgr.idl`, `#[derive(SyncCenterHandler)]` and ready objects (handler info, items,
//!   the item enumerator, a safe `ISyncMgrSyncCallback` session); see its documentation.
//!
//! # Quick start
//!
//! ```
//! use std::sync::Mutex;
//!
//! use mobsync_runtime::sys::{HWND, ISyncMgrEnumItems, ISyncMgrSynchronizeCallback, SYNCMGRSTATUS_SUCCEEDED};
//! use mobsync_runtime::{
//!     HandlerInfo, InitializeOutcome, ItemEnumerator, PrepareForSyncOutcome, ProgressUpdate,
//!     SyncCallback, SyncItem, SyncMgrHandler, SyncMgrSynchronize, hresults::S_OK,
//! };
//! use windows_core::{GUID, Result};
//!
//! const NOTES: GUID = GUID::from_u128(0x3f2a7c10_5b1e_4d7a_9c61_2e8f0a4b7d01);
//!
//! /// A handler with one item, "Notes". Build the crate as a `cdylib` and register it with
//! /// `regsvr32` (Windows) or `mobsync-host regsvr` (elsewhere).
//! #[derive(Default, SyncMgrHandler)]
//! #[sync_mgr(clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D00", name = "Notes Sync")]
//! pub struct NotesSync {
//!     callback: Mutex<Option<SyncCallback>>,
//!     chosen: Mutex<Vec<GUID>>,
//! }
//!
//! impl SyncMgrSynchronize for NotesSync {
//!     fn initialize(&self, _reserved: u32, _flags: u32, _cookie: &[u8]) -> Result<InitializeOutcome> {
//!         Ok(InitializeOutcome::S_OK) // S_FALSE would decline this session
//!     }
//!     fn get_handler_info(&self) -> Result<HandlerInfo> {
//!         Ok(HandlerInfo::new("Notes Sync"))
//!     }
//!     fn enum_sync_mgr_items(&self) -> Result<ISyncMgrEnumItems> {
//!         let notes = SyncItem::new(NOTES, "Notes").checked(true);
//!         Ok(ItemEnumerator::new(vec![notes]).into_interface())
//!     }
//!     fn set_progress_callback(&self, callback: Option<ISyncMgrSynchronizeCallback>) -> Result<()> {
//!         *self.callback.lock().unwrap() = callback.map(SyncCallback::new);
//!         Ok(())
//!     }
//!     fn prepare_for_sync(&self, items: &[GUID], _: HWND, _: u32) -> Result<PrepareForSyncOutcome> {
//!         *self.chosen.lock().unwrap() = items.to_vec();
//!         let callback = self.callback.lock().unwrap().clone();
//!         callback.map_or(Ok(()), |cb| cb.prepare_for_sync_completed(S_OK))?;
//!         Ok(PrepareForSyncOutcome::S_OK)
//!     }
//!     fn synchronize(&self, _: HWND) -> Result<()> {
//!         let Some(cb) = self.callback.lock().unwrap().clone() else { return Ok(()) };
//!         for item in self.chosen.lock().unwrap().iter() {
//!             let done = ProgressUpdate::new().text("Synchronized").status(SYNCMGRSTATUS_SUCCEEDED.0 as u32);
//!             if cb.progress(item, &done)?.is_cancel() {
//!                 break; // the user cancelled: S_SYNCMGR_CANCELITEM / S_SYNCMGR_CANCELALL
//!             }
//!         }
//!         cb.synchronize_completed(S_OK)
//!     }
//!     fn set_item_status(&self, _item: &GUID, _status: u32) -> Result<()> {
//!         Ok(())
//!     }
//! }
//!
//! // DllGetClassObject, DllCanUnloadNow, DllRegisterServer and DllUnregisterServer.
//! mobsync_runtime::export_handlers!(NotesSync);
//! # fn main() {
//! #     use mobsync_runtime::sys::{ISyncMgrSynchronize, SYNCMGRFLAG_MANUAL};
//! #     let handler: ISyncMgrSynchronize =
//! #         mobsync_runtime::class_factory::<NotesSync>().create_instance().unwrap();
//! #     assert_eq!(handler.Initialize(0, SYNCMGRFLAG_MANUAL.0 as u32, None), S_OK);
//! #     let items = handler.EnumSyncMgrItems().unwrap();
//! #     assert_eq!(handler.PrepareForSync(&[NOTES], HWND::default(), 0), S_OK);
//! #     assert_eq!(handler.Synchronize(HWND::default()), S_OK);
//! #     drop((items, handler));
//! #     assert_eq!(mobsync_runtime::module::can_unload_now(), S_OK);
//! # }
//! ```
//!
//! # The traits
//!
//! [`SyncMgrSynchronize`], [`SyncMgrEnumItems`], [`SyncMgrSynchronizeCallback`],
//! [`SyncMgrRegister`] and [`SyncMgrSynchronizeInvoke`] are generated from `idl/mobsync.idl` by
//! `cargo xtask regen` into [`interfaces`], by rules rather than by hand: snake-case method
//! names; `[in] size_is` arrays become slices; `[out]` values are returned; `REFGUID` becomes
//! `&GUID`; strings become [`WStr`] views; interface pointers become owned interface types;
//! structures with string pointers become mask-aware views ([`ProgressItem`],
//! [`LogErrorInfo`]); `GetHandlerInfo` returns a [`HandlerInfo`] that the runtime copies into COM
//! task memory. Optional methods (`GetItemObject`, `ShowProperties`, `ShowError`) default to
//! `E_NOTIMPL`.
//!
//! # `#[derive(SyncMgrHandler)]`
//!
//! ```text
//! #[derive(Default, SyncMgrHandler)]
//! #[sync_mgr(
//!     clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D00", // required; braces optional
//!     name = "Notes Sync",                          // required: registry and Sync Manager name
//!     interfaces(ISyncMgrEnumItems),                // optional extra interfaces (ISyncMgrSynchronize is implied)
//!     threading = "both",                           // "both" (default), "free" or "apartment"
//!     events(connect, pending_disconnect, idle),    // optional Sync Manager registration events
//! )]
//! ```
//!
//! The class factory creates handlers with `Default`. Objects that are not creatable classes
//! (a host's `ISyncMgrSynchronizeCallback`, an `ISyncMgrRegister`) use `#[derive(ComObject)]`
//! with `#[com_object(interfaces(...), threading = "...")]` and [`ComObject::new`].
//!
//! The derives emit only the object layout (the interface slots), the `QueryInterface` table and
//! the factory glue; the vtables and shims are generic code generated from the IDL ahead of time,
//! so handler crates compile fast and mistakes are reported against the traits, in your code.

#![warn(missing_docs)]

// The derives name `::mobsync_runtime`; the unit tests use them on their own types.
#[cfg(test)]
extern crate self as mobsync_runtime;

pub mod abi;
#[cfg(test)]
mod abi_entry_tests;
pub mod bstr;
mod callback;
mod com_class;
mod enumerator;
pub mod error_info;
pub mod error_object;
mod exports;
pub mod factory;
mod guard;
mod handler_info;
pub mod host_log;
pub mod hresults;
// Generated by `cargo xtask regen` (documented inside); prettyplease formats it, not rustfmt.
#[rustfmt::skip]
pub mod interfaces;
pub mod module;
pub mod object;
#[cfg(test)]
mod object_model_tests;
pub mod registry;
#[cfg(feature = "sync-center")]
pub mod syncmgr;
// Generated by `cargo xtask regen` (documented inside); prettyplease formats it, not rustfmt.
#[rustfmt::skip]
pub mod sys;
pub mod task_mem;
pub mod threading;
mod views;
pub mod wstr;

pub use abi::InterfaceOut;
pub use callback::{LogDetails, LogLevel, ProgressResponse, ProgressUpdate, SyncCallback};
pub use enumerator::{ItemEnumerator, SyncItem};
pub use error_info::error;
pub use exports::{
    ClassEntry, dll_can_unload_now, dll_get_class_object, dll_register_server,
    dll_unregister_server,
};
pub use factory::{Class, IClassFactory, class_factory};
pub use handler_info::HandlerInfo;
pub use interfaces::*;
#[cfg(feature = "derive")]
pub use mobsync_derive::{ComObject, SyncMgrHandler};
pub use object::{ComObject, HasInterface};
pub use views::{LogErrorInfo, ProgressItem};
pub use wstr::WStr;

/// What `#[derive(SyncMgrHandler)]`, `#[derive(ComObject)]` and `export_handlers!` expand to.
/// Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::exports::{
        ClassEntry, dll_can_unload_now, dll_get_class_object, dll_register_server,
        dll_unregister_server, guid_eq,
    };
    pub use crate::factory::{Class, handler_is_created_with_default};
    pub use crate::object::{ComClass, HasInterface, Implement, VtablePtr};
    pub use crate::threading::{Apartment, Both, Free};
    pub use windows_core::{GUID, HRESULT, Interface};
}
