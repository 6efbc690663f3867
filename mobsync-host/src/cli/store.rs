//! The registration store as the command line uses it: every error names the store.

use anyhow::{Result, anyhow};
use mobsync_host::model::guid_string;
use mobsync_host::registry::{HandlerEntry, Store};
use mobsync_host::store_location;
use mobsync_host::trust::{self, CheckError};
use windows_core::GUID;

/// Opens the system store (`MOBSYNC_REGISTRY`, else the user's configuration directory),
/// refusing one that another user could write (the error is then a [`trust::Untrusted`], which
/// `main` turns into exit status 3).
pub fn open() -> Result<Store> {
    let store = Store::open().map_err(|e| anyhow!("cannot open the registration store: {e}"))?;
    match trust::check_store(&store) {
        Ok(()) => Ok(store),
        Err(CheckError::Untrusted(refusal)) => Err(refusal.into()),
        Err(error) => Err(anyhow!("cannot open the registration store: {error}")),
    }
}

/// Every handler in the store; an error (unreadable, corrupt) names the store file.
pub fn handlers(store: &Store) -> Result<Vec<HandlerEntry>> {
    store.handlers().map_err(|e| anyhow!("{e}"))
}

/// The registration of `clsid`; an error when the store cannot be read or the class is not in
/// it.
pub fn registered(store: &Store, clsid: &GUID) -> Result<HandlerEntry> {
    store
        .handler(clsid)
        .map_err(|e| anyhow!("{e}"))?
        .ok_or_else(|| {
            anyhow!(
                "{} is not registered in {} (register its library with `mobsync-host regsvr \
                 LIBRARY`, or pass --module LIBRARY)",
                guid_string(clsid),
                store_location(store)
            )
        })
}

/// The settings stored for `clsid` (the stored text), if any.
pub fn settings(store: &Store, clsid: &GUID) -> Result<Option<String>> {
    store.handler_settings(clsid).map_err(|e| anyhow!("{e}"))
}

/// A handler's name for messages: `Name {CLSID}`, or the CLSID alone.
pub fn display_name(name: Option<&str>, clsid: &GUID) -> String {
    match name {
        Some(name) if !name.is_empty() => format!("{name} {}", guid_string(clsid)),
        _ => guid_string(clsid),
    }
}
