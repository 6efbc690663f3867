//! `#[derive(SyncMgrHandler)]`, `#[derive(SyncCenterHandler)]` and `#[derive(ComObject)]` for
//! mobsync-rs.
//!
//! Use them through `mobsync_runtime`, which re-exports both and documents the attributes. The
//! macros emit only the object layout (the interface slots and their vtables, which the runtime
//! builds from the IDL-generated shims), the `QueryInterface` table and the class-factory glue,
//! inside `const _: () = { ... };` with absolute paths to `::mobsync_runtime::__private`.
//!
//! Attribute errors are collected (not reported one at a time) and point at the offending
//! tokens; on error the macro still emits a stub implementation so that the user sees the
//! attribute error instead of a cascade of missing-trait errors.

#![warn(missing_docs)]

mod attr;
mod ctxt;
mod expand;
mod guid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Makes a struct a creatable COM class implementing `ISyncMgrSynchronize` (and any extra
/// interfaces listed), for `mobsync_runtime::export_handlers!`.
///
/// See `mobsync_runtime`'s documentation for the attributes.
#[proc_macro_derive(SyncMgrHandler, attributes(sync_mgr))]
pub fn derive_sync_mgr_handler(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::expand(&input, expand::Kind::Handler).into()
}

/// Makes a struct a creatable COM class implementing the Sync Center interfaces
/// `ISyncMgrHandler` and `ISyncMgrSyncItemContainer` (and any extra interfaces listed),
/// registered with Sync Center, for `mobsync_runtime::export_handlers!`.
///
/// See `mobsync_runtime::syncmgr` (feature `sync-center`) for the attributes.
#[proc_macro_derive(SyncCenterHandler, attributes(sync_center))]
pub fn derive_sync_center_handler(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::expand(&input, expand::Kind::SyncCenter).into()
}

/// Makes a struct a (non-creatable) COM object implementing the listed interfaces, for
/// `mobsync_runtime::ComObject::new`.
///
/// See `mobsync_runtime`'s documentation for the attributes.
#[proc_macro_derive(ComObject, attributes(com_object))]
pub fn derive_com_object(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::expand(&input, expand::Kind::Object).into()
}
