//! What the commands that reach into a handler's stores (`conflicts`, `resolve`, `events`)
//! share: loading and describing the handler around one call, the `DllCanUnloadNow` check
//! after it is released, and finding one of its store objects.

use mobsync_runtime::syncmgr::sys::ISyncMgrHandler;
use windows_core::{GUID, Interface};

use super::describe::describe;
use super::host::load;
use super::model::{CallError, HandlerDescription, display_name};
use crate::hresult::{E_NOINTERFACE, E_NOTIMPL};
use crate::loader::{HandlerSource, LoadError};

/// A store object a handler may offer, and the names its contract is stated with.
pub(super) struct StoreKind {
    /// The capability bit that advertises it (`SYNCMGR_HCM_EVENT_STORE`).
    pub(super) capability: u32,
    /// Its name, for the report of a broken contract.
    pub(super) capability_name: &'static str,
    /// The `GetObject` ID that reaches it (`SYNCMGR_OBJECTID_EventStore`).
    pub(super) object_id: GUID,
    /// Its name.
    pub(super) object_id_name: &'static str,
    /// The interface's name (`ISyncMgrEventStore`).
    pub(super) interface_name: &'static str,
}

/// Loads the handler of `source`, describes it and runs `call` on it; after the handler is
/// released, asks its module whether it can unload. Returns what `call` returned, the module
/// the handler came from, and the leak the module reports, if any.
pub(super) fn with_handler<R>(
    source: HandlerSource,
    call: impl FnOnce(&ISyncMgrHandler, &HandlerDescription) -> Result<R, CallError>,
) -> Result<(R, Option<std::path::PathBuf>, Option<String>), CallError> {
    let clsid = source.clsid();
    let (handler, loaded) = load(source)?;
    let description = describe(&handler, clsid)?;
    let result = call(&handler, &description)?;
    drop(handler);
    let leak = leak_problem(&description.name, &clsid, loaded.unload.leaked());
    Ok((result, loaded.module.clone(), leak))
}

/// What a module's answer to `DllCanUnloadNow` after its handler was released says is wrong.
fn leak_problem(
    name: &str,
    clsid: &GUID,
    leaked: Result<Option<bool>, LoadError>,
) -> Option<String> {
    match leaked {
        Ok(Some(true)) => Some(format!(
            "{}: DllCanUnloadNow returned S_FALSE after the handler was released (a leaked \
             object or lock)",
            display_name(name, clsid)
        )),
        Ok(_) => None,
        Err(e) => Some(format!(
            "{}: DllCanUnloadNow could not be asked: {}",
            display_name(name, clsid),
            e.message
        )),
    }
}

/// The handler's store of `kind`, if it has one: through `GetObject` when its capabilities
/// advertise it, else by `QueryInterface` on the handler. An advertised store that neither
/// gives is a broken contract, pushed onto `problems`.
pub(super) fn store<I: Interface>(
    handler: &ISyncMgrHandler,
    description: &HandlerDescription,
    kind: &StoreKind,
    who: &str,
    problems: &mut Vec<String>,
) -> Result<Option<I>, CallError> {
    let advertised = description.capabilities.value & kind.capability != 0;
    if advertised {
        match handler.GetObject::<I>(&kind.object_id) {
            Ok(store) => return Ok(Some(store)),
            Err(e) if e.code() == E_NOTIMPL || e.code() == E_NOINTERFACE => {}
            Err(e) => {
                return Err(CallError::from_object(
                    who,
                    None,
                    "ISyncMgrHandler::GetObject",
                    e.code(),
                    handler,
                    &ISyncMgrHandler::IID,
                ));
            }
        }
    }
    match handler.cast::<I>() {
        Ok(store) => Ok(Some(store)),
        Err(_) if advertised => {
            problems.push(format!(
                "{who}: its capabilities include {}, but neither GetObject({}) nor \
                 QueryInterface gives an {}",
                kind.capability_name, kind.object_id_name, kind.interface_name
            ));
            Ok(None)
        }
        Err(_) => Ok(None),
    }
}
