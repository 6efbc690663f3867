//! The registration layout (which keys and values), written once over an abstract key/value view
//! that both the Windows registry and the portable store implement.

use std::collections::BTreeMap;
use std::path::Path;

use windows_core::GUID;

use super::{
    HandlerEntry, Registration, RegistryError, SyncMgrEntry, ThreadingModel, braced, parse_braced,
};

/// `HKCR\CLSID`: parent of the class keys.
pub(crate) const CLSID_ROOT: &str = r"HKCR\CLSID";
/// Our own key, parent of [`HANDLERS_ROOT`].
pub(crate) const VENDOR_ROOT: &str = r"HKCU\Software\mobsync-rs";
/// Where Sync Manager registrations are recorded when Sync Manager itself is not there.
pub(crate) const HANDLERS_ROOT: &str = r"HKCU\Software\mobsync-rs\Handlers";
/// Where handler settings are kept (one key per class, see [`write_settings`]).
pub(crate) const SETTINGS_ROOT: &str = r"HKCU\Software\mobsync-rs\Settings";
/// The settings value: the text a host passes to `Initialize` as the cookie.
const COOKIE: &str = "Cookie";
/// Where Sync Center (Windows Vista and later) finds the handler classes it loads: one subkey
/// per handler CLSID, whose default value is the handler's name.
pub(crate) const SYNC_CENTER_ROOT: &str =
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer\SyncMgr\HandlerInstances";
/// The value under `InprocServer32` that names the threading model.
const THREADING_MODEL: &str = "ThreadingModel";
/// The Sync Manager description value.
const DESCRIPTION: &str = "Description";
/// The Sync Manager flags value.
const FLAGS: &str = "Flags";

/// A registry value of one of the two types registration uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// `REG_SZ`.
    Sz(String),
    /// `REG_DWORD`.
    Dword(u32),
}

/// Read access to keys named by full paths such as `HKCR\CLSID\{…}`.
pub(crate) trait ReadKeys {
    /// A value of a key; `None` if the key or the value does not exist, or the value has a type
    /// other than `REG_SZ`/`REG_DWORD`.
    fn value(&self, key: &str, name: &str) -> Result<Option<Value>, RegistryError>;
    /// Whether the key exists.
    fn key_exists(&self, key: &str) -> Result<bool, RegistryError>;
    /// The names of the immediate subkeys of a key (empty if it does not exist).
    fn subkeys(&self, key: &str) -> Result<Vec<String>, RegistryError>;
    /// Whether every subkey of `HKCR\CLSID` is a registration made through this store (true for the
    /// portable store, false for the Windows registry), so that listing them is meaningful.
    fn lists_classes(&self) -> bool;
}

/// Write access to keys named by full paths.
pub(crate) trait WriteKeys: ReadKeys {
    /// Sets a value, creating the key (and its parents) as needed.
    fn set_value(&mut self, key: &str, name: &str, value: Value) -> Result<(), RegistryError>;
    /// Deletes a value; `false` if it did not exist.
    fn delete_value(&mut self, key: &str, name: &str) -> Result<bool, RegistryError>;
    /// Deletes a key if it has neither values nor subkeys; `false` if it was kept or absent.
    fn delete_key_if_empty(&mut self, key: &str) -> Result<bool, RegistryError>;
}

pub(crate) fn class_key(clsid: &GUID) -> String {
    format!(r"{CLSID_ROOT}\{}", braced(clsid))
}

pub(crate) fn inproc_key(clsid: &GUID) -> String {
    format!(r"{CLSID_ROOT}\{}\InprocServer32", braced(clsid))
}

pub(crate) fn handler_key(clsid: &GUID) -> String {
    format!(r"{HANDLERS_ROOT}\{}", braced(clsid))
}

pub(crate) fn sync_center_key(clsid: &GUID) -> String {
    format!(r"{SYNC_CENTER_ROOT}\{}", braced(clsid))
}

pub(crate) fn settings_key(clsid: &GUID) -> String {
    format!(r"{SETTINGS_ROOT}\{}", braced(clsid))
}

/// The module path as a registry string.
pub(crate) fn path_string(module: &Path) -> Result<String, RegistryError> {
    module.to_str().map(str::to_owned).ok_or_else(|| {
        RegistryError::ModulePath(format!(
            "{} is not valid Unicode and cannot be stored in the registry",
            module.display()
        ))
    })
}

/// Compares module paths the way the platform's file system does.
fn same_module(a: &str, b: &str) -> bool {
    if cfg!(windows) {
        a.to_lowercase() == b.to_lowercase()
    } else {
        a == b
    }
}

/// Writes the COM class keys of `reg`.
pub(crate) fn register_class(
    tx: &mut impl WriteKeys,
    reg: &Registration<'_>,
    module: &Path,
) -> Result<(), RegistryError> {
    let module = path_string(module)?;
    tx.set_value(&class_key(&reg.clsid), "", Value::Sz(reg.name.to_owned()))?;
    let inproc = inproc_key(&reg.clsid);
    tx.set_value(&inproc, "", Value::Sz(module))?;
    tx.set_value(
        &inproc,
        THREADING_MODEL,
        Value::Sz(reg.threading_model.as_str().to_owned()),
    )?;
    if reg.sync_center {
        tx.set_value(
            &sync_center_key(&reg.clsid),
            "",
            Value::Sz(reg.name.to_owned()),
        )?;
    }
    Ok(())
}

/// Removes the COM class keys of `reg`. Returns `false`, changing nothing, if the class is now
/// registered to a different module (someone re-registered it since).
pub(crate) fn unregister_class(
    tx: &mut impl WriteKeys,
    reg: &Registration<'_>,
    module: &Path,
) -> Result<bool, RegistryError> {
    let module = path_string(module)?;
    let inproc = inproc_key(&reg.clsid);
    if let Some(Value::Sz(current)) = tx.value(&inproc, "")?
        && !same_module(&current, &module)
    {
        log::warn!(
            "{{{:?}}} is registered to {current}, not {module}: leaving its registration alone",
            reg.clsid
        );
        return Ok(false);
    }
    if reg.sync_center {
        // Only the handler's own key: the parent keys belong to Windows.
        let key = sync_center_key(&reg.clsid);
        tx.delete_value(&key, "")?;
        tx.delete_key_if_empty(&key)?;
    }
    tx.delete_value(&inproc, THREADING_MODEL)?;
    tx.delete_value(&inproc, "")?;
    tx.delete_key_if_empty(&inproc)?;
    let class = class_key(&reg.clsid);
    tx.delete_value(&class, "")?;
    tx.delete_key_if_empty(&class)?;
    Ok(true)
}

/// Records a Sync Manager registration under [`HANDLERS_ROOT`].
pub(crate) fn write_sync_handler(
    tx: &mut impl WriteKeys,
    clsid: &GUID,
    description: &str,
    flags: u32,
) -> Result<(), RegistryError> {
    let key = handler_key(clsid);
    tx.set_value(&key, DESCRIPTION, Value::Sz(description.to_owned()))?;
    tx.set_value(&key, FLAGS, Value::Dword(flags))
}

/// Removes a Sync Manager registration recorded under [`HANDLERS_ROOT`], and our own parent keys if
/// that left them empty. Returns whether the handler was registered.
pub(crate) fn remove_sync_handler(
    tx: &mut impl WriteKeys,
    clsid: &GUID,
) -> Result<bool, RegistryError> {
    let key = handler_key(clsid);
    let existed = tx.key_exists(&key)?;
    tx.delete_value(&key, DESCRIPTION)?;
    tx.delete_value(&key, FLAGS)?;
    tx.delete_key_if_empty(&key)?;
    tx.delete_key_if_empty(HANDLERS_ROOT)?;
    tx.delete_key_if_empty(VENDOR_ROOT)?;
    Ok(existed)
}

/// Reads a Sync Manager registration recorded under [`HANDLERS_ROOT`].
pub(crate) fn read_sync_handler(
    view: &impl ReadKeys,
    clsid: &GUID,
) -> Result<Option<SyncMgrEntry>, RegistryError> {
    let key = handler_key(clsid);
    if !view.key_exists(&key)? {
        return Ok(None);
    }
    let description = match view.value(&key, DESCRIPTION)? {
        Some(Value::Sz(s)) => s,
        _ => String::new(),
    };
    let flags = match view.value(&key, FLAGS)? {
        Some(Value::Dword(d)) => d,
        _ => 0,
    };
    Ok(Some(SyncMgrEntry { description, flags }))
}

/// Stores (`Some`) or removes (`None`) a class's settings under [`SETTINGS_ROOT`]; removing
/// also removes our parent keys that this leaves empty.
pub(crate) fn write_settings(
    tx: &mut impl WriteKeys,
    clsid: &GUID,
    settings: Option<&str>,
) -> Result<(), RegistryError> {
    let key = settings_key(clsid);
    match settings {
        Some(text) => tx.set_value(&key, COOKIE, Value::Sz(text.to_owned())),
        None => {
            tx.delete_value(&key, COOKIE)?;
            tx.delete_key_if_empty(&key)?;
            tx.delete_key_if_empty(SETTINGS_ROOT)?;
            tx.delete_key_if_empty(VENDOR_ROOT)?;
            Ok(())
        }
    }
}

/// Reads a class's settings stored under [`SETTINGS_ROOT`].
pub(crate) fn read_settings(
    view: &impl ReadKeys,
    clsid: &GUID,
) -> Result<Option<String>, RegistryError> {
    Ok(match view.value(&settings_key(clsid), COOKIE)? {
        Some(Value::Sz(text)) => Some(text),
        _ => None,
    })
}

/// Reads everything registered for one class.
pub(crate) fn read_handler(
    view: &impl ReadKeys,
    clsid: &GUID,
) -> Result<Option<HandlerEntry>, RegistryError> {
    let sz = |key: &str, name: &str| -> Result<Option<String>, RegistryError> {
        Ok(match view.value(key, name)? {
            Some(Value::Sz(s)) => Some(s),
            _ => None,
        })
    };
    let class = class_key(clsid);
    let inproc = inproc_key(clsid);
    let sync_mgr = read_sync_handler(view, clsid)?;
    if sync_mgr.is_none() && !view.key_exists(&class)? {
        return Ok(None);
    }
    Ok(Some(HandlerEntry {
        clsid: *clsid,
        name: sz(&class, "")?,
        module_path: sz(&inproc, "")?.map(Into::into),
        threading_model: sz(&inproc, THREADING_MODEL)?
            .and_then(|s| s.parse::<ThreadingModel>().ok()),
        sync_mgr,
    }))
}

/// The Sync Center handlers registered under [`SYNC_CENTER_ROOT`] (see
/// `Store::sync_center_handlers`): CLSID and name, sorted by CLSID.
pub(crate) fn read_sync_center_handlers(
    view: &impl ReadKeys,
) -> Result<Vec<(GUID, String)>, RegistryError> {
    let mut out = BTreeMap::new();
    for name in view.subkeys(SYNC_CENTER_ROOT)? {
        if let Some(clsid) = parse_braced(&name) {
            let label = match view.value(&sync_center_key(&clsid), "")? {
                Some(Value::Sz(s)) => s,
                _ => String::new(),
            };
            out.insert(clsid.to_u128(), (clsid, label));
        }
    }
    Ok(out.into_values().collect())
}

/// Reads every handler (see `Store::handlers`), sorted by CLSID.
pub(crate) fn read_handlers(view: &impl ReadKeys) -> Result<Vec<HandlerEntry>, RegistryError> {
    let mut clsids = BTreeMap::new();
    let mut add = |names: Vec<String>| {
        for name in names {
            if let Some(clsid) = parse_braced(&name) {
                clsids.insert(clsid.to_u128(), clsid);
            }
        }
    };
    add(view.subkeys(HANDLERS_ROOT)?);
    if view.lists_classes() {
        add(view.subkeys(CLSID_ROOT)?);
    }
    let mut out = Vec::with_capacity(clsids.len());
    for clsid in clsids.values() {
        if let Some(entry) = read_handler(view, clsid)? {
            out.push(entry);
        }
    }
    Ok(out)
}
