//! The COM objects applications call, as Sync Manager's `SyncMgr` class offers them:
//! [`Registrar`] (`ISyncMgrRegister`) and [`Invoker`] (`ISyncMgrSynchronizeInvoke`), both built
//! with the runtime's `#[derive(ComObject)]` and working over the same registration store that
//! `mobsync-host list` and `sync --all` read.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use mobsync_runtime::hresults::E_INVALIDARG;
use mobsync_runtime::interfaces::{
    GetHandlerRegistrationInfoOutcome as RegistrationInfoOutcome, SyncMgrRegister,
    SyncMgrSynchronizeInvoke,
};
use mobsync_runtime::registry::Store;
use mobsync_runtime::sys::{
    SYNCMGRREGISTERFLAG_CONNECT, SYNCMGRREGISTERFLAG_IDLE, SYNCMGRREGISTERFLAG_PENDINGDISCONNECT,
};
use mobsync_runtime::{ComObject, WStr};
use windows_core::GUID;

use crate::Host;
use crate::events::{EventSink, NoEvents};
use crate::hresult::REGDB_E_CLASSNOTREG;
use crate::loader::HandlerSource;
use crate::model::SyncReport;
use crate::options::{SyncEvent, SyncOptions};

/// All valid `SYNCMGRREGISTERFLAG_*` bits.
const REGISTER_FLAGS_MASK: u32 = (SYNCMGRREGISTERFLAG_CONNECT.0
    | SYNCMGRREGISTERFLAG_PENDINGDISCONNECT.0
    | SYNCMGRREGISTERFLAG_IDLE.0) as u32;

/// `ISyncMgrRegister` over a registration store.
#[derive(mobsync_runtime::ComObject)]
#[com_object(interfaces(ISyncMgrRegister))]
pub struct Registrar {
    store: Store,
}

impl std::fmt::Debug for Registrar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registrar").finish_non_exhaustive()
    }
}

impl Registrar {
    /// A new `ISyncMgrRegister` object over `store` (`Store::open()` for the user's store).
    pub fn create(store: Store) -> ComObject<Registrar> {
        ComObject::new(Registrar { store })
    }
}

fn store_error(error: mobsync_runtime::registry::RegistryError) -> windows_core::Error {
    log::error!("registration store: {error}");
    error.hresult().into()
}

impl SyncMgrRegister for Registrar {
    fn register_sync_mgr_handler(
        &self,
        clsid: &GUID,
        description: Option<&WStr>,
        flags: u32,
    ) -> windows_core::Result<()> {
        if flags & !REGISTER_FLAGS_MASK != 0 {
            return Err(E_INVALIDARG.into());
        }
        let description = description.map(WStr::to_string_lossy).unwrap_or_default();
        self.store
            .register_sync_handler(clsid, &description, flags)
            .map_err(store_error)
    }

    fn unregister_sync_mgr_handler(
        &self,
        clsid: &GUID,
        _reserved: u32,
    ) -> windows_core::Result<()> {
        match self.store.unregister_sync_handler(clsid) {
            Ok(true) => Ok(()),
            Ok(false) => Err(REGDB_E_CLASSNOTREG.into()),
            Err(error) => Err(store_error(error)),
        }
    }

    fn get_handler_registration_info(
        &self,
        clsid: &GUID,
        flags: &mut u32,
    ) -> windows_core::Result<RegistrationInfoOutcome> {
        match self.store.sync_handler_flags(clsid).map_err(store_error)? {
            Some(registered) => {
                *flags = registered;
                Ok(RegistrationInfoOutcome::S_OK)
            }
            None => {
                *flags = 0;
                Ok(RegistrationInfoOutcome::S_FALSE)
            }
        }
    }
}

/// The user's store, refused (`TRUST_E_SUBJECT_NOT_TRUSTED`) when another user could write it.
fn open_store() -> windows_core::Result<Store> {
    let store = Store::open().map_err(store_error)?;
    if let Err(error) = crate::trust::check_store(&store) {
        log::error!("{error}");
        return Err(crate::trust::TRUST_E_SUBJECT_NOT_TRUSTED.into());
    }
    Ok(store)
}

/// `ISyncMgrSynchronizeInvoke`: starts syncs in the background, as Sync Manager does, and lets
/// the embedding program wait for their reports.
#[derive(mobsync_runtime::ComObject)]
#[com_object(interfaces(ISyncMgrSynchronizeInvoke))]
pub struct Invoker {
    options: SyncOptions,
    sink: Arc<dyn EventSink>,
    runs: Mutex<Vec<JoinHandle<SyncReport>>>,
}

impl std::fmt::Debug for Invoker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invoker")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Invoker {
    /// A new `ISyncMgrSynchronizeInvoke` object; every sync it starts uses `options` (with the
    /// cookie and event of the call) and sends its events to `sink`.
    pub fn create(options: SyncOptions, sink: Option<Arc<dyn EventSink>>) -> ComObject<Invoker> {
        ComObject::new(Invoker {
            options,
            sink: sink.unwrap_or_else(|| Arc::new(NoEvents)),
            runs: Mutex::new(Vec::new()),
        })
    }

    /// Waits for every sync started so far and returns their reports, in start order.
    pub fn wait(&self) -> Vec<SyncReport> {
        let runs = std::mem::take(&mut *self.runs.lock().unwrap_or_else(|p| p.into_inner()));
        runs.into_iter()
            .map(|run| {
                run.join().unwrap_or_else(|_| SyncReport {
                    handlers: Vec::new(),
                })
            })
            .collect()
    }

    fn start(&self, options: SyncOptions, sources: Vec<HandlerSource>) -> windows_core::Result<()> {
        let sink = Arc::clone(&self.sink);
        let run = std::thread::Builder::new()
            .name("mobsync-host invoke".into())
            .spawn(move || Host::new(options).with_events(sink).sync(sources))
            .map_err(|_| windows_core::Error::from(mobsync_runtime::hresults::E_FAIL))?;
        self.runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(run);
        Ok(())
    }
}

impl SyncMgrSynchronizeInvoke for Invoker {
    fn update_items(&self, _flags: u32, clsid: &GUID, cookie: &[u8]) -> windows_core::Result<()> {
        let store = open_store()?;
        if store.handler(clsid).map_err(store_error)?.is_none() {
            return Err(REGDB_E_CLASSNOTREG.into());
        }
        let options = SyncOptions {
            event: SyncEvent::Invoke,
            cookie: cookie.to_vec(),
            ..self.options.clone()
        };
        self.start(options, vec![HandlerSource::Registered(*clsid)])
    }

    fn update_all(&self) -> windows_core::Result<()> {
        let store = open_store()?;
        let sources: Vec<HandlerSource> = store
            .handlers()
            .map_err(store_error)?
            .into_iter()
            .filter(|h| h.sync_mgr.is_some())
            .map(|h| HandlerSource::Registered(h.clsid))
            .collect();
        let options = SyncOptions {
            event: SyncEvent::Manual,
            cookie: Vec::new(),
            ..self.options.clone()
        };
        self.start(options, sources)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_flags_are_the_idl_mask() {
        assert_eq!(
            REGISTER_FLAGS_MASK,
            mobsync_runtime::sys::SYNCMGRREGISTERFLAGS_MASK
        );
    }
}
