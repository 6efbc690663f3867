//! mobsync-runtime: the COM object runtime for Windows Sync Manager handlers.
//!
//! (crate docs are written below once the handler API lands)

pub mod abi;
mod exports;
pub mod factory;
mod guard;
pub mod hresults;
pub mod module;
pub mod object;
pub mod registry;
pub mod task_mem;
pub mod threading;
pub mod wstr;

pub use exports::{
    ClassEntry, dll_can_unload_now, dll_get_class_object, dll_register_server,
    dll_unregister_server,
};
pub use factory::{Class, IClassFactory, class_factory};
pub use mobsync_derive::{ComObject, SyncMgrHandler};
pub use object::ComObject;
pub use wstr::WStr;

/// What `#[derive(SyncMgrHandler)]`, `#[derive(ComObject)]` and `export_handlers!` expand to.
/// Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::exports::{
        ClassEntry, dll_can_unload_now, dll_get_class_object, dll_register_server,
        dll_unregister_server, guid_eq,
    };
    pub use crate::factory::Class;
    pub use crate::object::{ComClass, Implement, VtablePtr};
    pub use crate::threading::{Apartment, Both, Free};
    pub use windows_core::{GUID, HRESULT, Interface};
}
