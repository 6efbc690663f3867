//! Registration of handler classes: COM class keys and the Sync Manager handler list.
//!
//! A handler DLL's `DllRegisterServer` describes each class it serves with a [`Registration`] and hands
//! the list to [`dll_register_server`]; `DllUnregisterServer` calls [`dll_unregister_server`] with the
//! same list. Hosts read what was registered through [`Store`].
//!
//! # What gets written
//!
//! For a class `{CLSID}` (upper-case, in braces):
//!
//! | key | value | data |
//! |-----|-------|------|
//! | `HKCR\CLSID\{CLSID}` | default | the class name |
//! | `HKCR\CLSID\{CLSID}\InprocServer32` | default | absolute path of the module |
//! | `HKCR\CLSID\{CLSID}\InprocServer32` | `ThreadingModel` | `Apartment`, `Both` or `Free` |
//! | `HKCU\Software\mobsync-rs\Handlers\{CLSID}` | `Description` (string), `Flags` (32-bit) | the Sync Manager registration, see below |
//! | `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer\SyncMgr\HandlerInstances\{CLSID}` | default | the class name: a Sync Center handler ([`Registration::sync_center`]), which Sync Center loads |
//! | `HKCU\Software\mobsync-rs\Settings\{CLSID}` | `Cookie` (string) | settings a host passes as the `Initialize` cookie ([`Store::set_handler_settings`]; not written by registration) |
//!
//! The Sync Manager registration (a description and `SYNCMGRREGISTERFLAG_*` flags) goes to Sync
//! Manager itself through `ISyncMgrRegister::RegisterSyncMgrHandler` where Sync Manager exists
//! (Windows). Where it does not — Wine has no Sync Manager, `CoCreateInstance(CLSID_SyncMgr)` fails
//! with `REGDB_E_CLASSNOTREG` — and in the portable store, it is recorded under
//! `HKCU\Software\mobsync-rs\Handlers\{CLSID}` so that a host can still find the handler.
//!
//! Unregistering removes exactly what registering added: the values above, then each key that is
//! left empty. Values and subkeys that someone else added stay, and a class whose `InprocServer32`
//! now points at a different module (re-registered by another DLL) is left alone.
//!
//! # Where it is written
//!
//! * **Windows**: the real registry.
//! * **Other systems**: a portable file-backed store with the same keys, see [`Store::open`] and the
//!   format described on [`Store`].

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use windows_core::{GUID, HRESULT};

#[cfg(not(windows))]
mod json;
mod keys;
mod module;
#[cfg(not(windows))]
mod portable;
#[cfg(windows)]
mod win32;

pub use module::{current_module_path, module_path_of};

/// `SELFREG_E_CLASS`: what `DllRegisterServer`/`DllUnregisterServer` return when a class could not
/// be (un)registered.
pub const SELFREG_E_CLASS: HRESULT = HRESULT(0x8004_0201_u32 as i32);
const S_OK: HRESULT = HRESULT(0);
const E_FAIL: HRESULT = HRESULT(0x8000_4005_u32 as i32);
/// `HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT)`.
const E_FILE_CORRUPT: HRESULT = HRESULT(0x8007_0570_u32 as i32);

/// The `ThreadingModel` value under `InprocServer32`: which COM apartments may call the class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThreadingModel {
    /// Single-threaded apartment only: COM marshals calls from other apartments.
    Apartment,
    /// Any apartment, called directly from any thread (the object is `Send + Sync`).
    Both,
    /// The multithreaded apartment only.
    Free,
}

impl ThreadingModel {
    /// The registry value: `"Apartment"`, `"Both"` or `"Free"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Apartment => "Apartment",
            Self::Both => "Both",
            Self::Free => "Free",
        }
    }

    /// The model a registry value names, spelled exactly as [`as_str`](Self::as_str) spells it;
    /// usable in constants (for example from a threading policy's `MODEL` string).
    pub const fn from_name(name: &str) -> Option<Self> {
        match name.as_bytes() {
            b"Apartment" => Some(Self::Apartment),
            b"Both" => Some(Self::Both),
            b"Free" => Some(Self::Free),
            _ => None,
        }
    }
}

impl fmt::Display for ThreadingModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ThreadingModel {
    type Err = UnknownThreadingModel;

    /// Parses a registry value, ignoring ASCII case as the registry does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Apartment, Self::Both, Self::Free]
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownThreadingModel(s.to_owned()))
    }
}

/// A `ThreadingModel` value that is none of `Apartment`, `Both`, `Free`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownThreadingModel(pub String);

impl fmt::Display for UnknownThreadingModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown ThreadingModel {:?} (expected Apartment, Both or Free)",
            self.0
        )
    }
}

impl std::error::Error for UnknownThreadingModel {}

/// The Sync Manager part of a registration: what `ISyncMgrRegister::RegisterSyncMgrHandler` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncMgrRegistration<'a> {
    /// Shown by Sync Manager for the handler.
    pub description: &'a str,
    /// `SYNCMGRREGISTERFLAG_*` bits: the events (connect, pending disconnect, idle) the handler wants.
    pub flags: u32,
}

/// Everything `DllRegisterServer` registers for one handler class.
///
/// All fields borrow, so an export macro can build the list as a `const`:
///
/// ```
/// use mobsync_runtime::registry::{Registration, SyncMgrRegistration, ThreadingModel};
/// use windows_core::GUID;
///
/// const CLASSES: &[Registration<'static>] = &[Registration {
///     clsid: GUID::from_u128(0x632306b6_690c_48c1_ab87_953a6833a855),
///     name: "Folder Sync",
///     module_path: None, // the module this code is linked into
///     threading_model: ThreadingModel::Both,
///     sync_mgr: Some(SyncMgrRegistration { description: "Folder Sync", flags: 0 }),
///     sync_center: false,
/// }];
/// # assert_eq!(CLASSES.len(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registration<'a> {
    /// The class identifier.
    pub clsid: GUID,
    /// The class name: the default value of `HKCR\CLSID\{clsid}`.
    pub name: &'a str,
    /// The module serving the class. `None` means the module mobsync-runtime is linked into (the
    /// handler's cdylib), found with [`current_module_path`].
    pub module_path: Option<&'a Path>,
    /// The `ThreadingModel` value.
    pub threading_model: ThreadingModel,
    /// The Sync Manager registration, or `None` to register only the COM class.
    pub sync_mgr: Option<SyncMgrRegistration<'a>>,
    /// Whether the class is a Sync Center handler (`ISyncMgrHandler`), listed under Sync
    /// Center's handler key with its name.
    pub sync_center: bool,
}

/// A class as read back from the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandlerEntry {
    /// The class identifier.
    pub clsid: GUID,
    /// The default value of `HKCR\CLSID\{clsid}`, if present.
    pub name: Option<String>,
    /// The default value of `InprocServer32`: the module to load.
    pub module_path: Option<PathBuf>,
    /// The `ThreadingModel` value, if present and valid.
    pub threading_model: Option<ThreadingModel>,
    /// The Sync Manager registration, if the class is registered with Sync Manager.
    pub sync_mgr: Option<SyncMgrEntry>,
}

/// A Sync Manager registration read back from the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncMgrEntry {
    /// The description passed at registration.
    pub description: String,
    /// `SYNCMGRREGISTERFLAG_*` bits.
    pub flags: u32,
}

/// Why a registration or a store read failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum RegistryError {
    /// A file-system operation on the store failed.
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The store file exists but is not a valid store (truncated, edited by hand, another program's
    /// file). It was left untouched.
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// Neither `MOBSYNC_REGISTRY` nor a user configuration directory is available.
    NoStoreLocation,
    /// The path of the module to register could not be determined.
    ModulePath(String),
    /// A registry call failed (Windows).
    Os {
        /// The operation, e.g. `"RegSetValueExW"`.
        operation: &'static str,
        /// The key it was applied to.
        key: String,
        /// The error as an HRESULT.
        code: HRESULT,
    },
    /// A call to Sync Manager failed (Windows).
    SyncMgr {
        /// The operation, e.g. `"RegisterSyncMgrHandler"`.
        operation: &'static str,
        /// The error it returned.
        code: HRESULT,
    },
}

impl RegistryError {
    /// The error as an HRESULT, for returning through COM.
    pub fn hresult(&self) -> HRESULT {
        match self {
            Self::Io { source, .. } => io_hresult(source),
            Self::Corrupt { .. } => E_FILE_CORRUPT,
            Self::NoStoreLocation | Self::ModulePath(_) => E_FAIL,
            Self::Os { code, .. } | Self::SyncMgr { code, .. } => *code,
        }
    }

    #[cfg(not(windows))]
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

fn io_hresult(err: &io::Error) -> HRESULT {
    match err.raw_os_error() {
        // HRESULT_FROM_WIN32 is only meaningful for Win32 error codes.
        Some(code) if cfg!(windows) && code > 0 => {
            HRESULT(((code as u32 & 0xffff) | 0x8007_0000) as i32)
        }
        _ => E_FAIL,
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            Self::Corrupt { path, detail } => write!(
                f,
                "registration store {} is corrupt ({detail}); it was left unchanged — \
                 fix or delete it, then register again",
                path.display()
            ),
            Self::NoStoreLocation => f.write_str(
                "no registration store: set MOBSYNC_REGISTRY to a file path \
                 (no user configuration directory was found)",
            ),
            Self::ModulePath(detail) => write!(f, "cannot find the module's path: {detail}"),
            Self::Os {
                operation,
                key,
                code,
            } => write!(f, "{operation} on {key} failed with {:#010x}", code.0),
            Self::SyncMgr { operation, code } => {
                write!(f, "Sync Manager {operation} failed with {:#010x}", code.0)
            }
        }
    }
}

impl std::error::Error for RegistryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Where registrations live: the Windows registry, or elsewhere a portable file-backed store.
///
/// # The portable store (systems other than Windows)
///
/// One JSON file that mirrors registry keys:
///
/// ```json
/// {
///   "format": "mobsync-rs registry 1",
///   "keys": {
///     "HKCR\\CLSID\\{632306B6-690C-48C1-AB87-953A6833A855}": { "": "Folder Sync" },
///     "HKCR\\CLSID\\{632306B6-690C-48C1-AB87-953A6833A855}\\InprocServer32": {
///       "": "/usr/lib/libfolder_sync.so", "ThreadingModel": "Both" },
///     "HKCU\\Software\\mobsync-rs\\Handlers\\{632306B6-690C-48C1-AB87-953A6833A855}": {
///       "Description": "Folder Sync", "Flags": 0 }
///   }
/// }
/// ```
///
/// `keys` maps a full key path (hive abbreviation `HKCR`/`HKCU`, `\`-separated, matched ignoring
/// ASCII case like the registry) to its values; the value named `""` is the key's default value. A
/// JSON string is a `REG_SZ` value, a JSON integer in `0..=4294967295` a `REG_DWORD`. A key exists
/// when it is listed (possibly with no values).
///
/// Writers take an exclusive lock on a separate lock file (the store path plus `.lock`), re-read
/// the store, apply their change, write the whole store to a temporary file in the same directory,
/// flush it to disk and rename it over the store; so readers, which take no lock, always see a
/// complete store, and concurrent writers lose no entry. A writer killed mid-write leaves the store
/// intact and at most a temporary file, which the next writer removes; the lock dies with its
/// process. A store that cannot be parsed is reported as [`RegistryError::Corrupt`] and never
/// overwritten.
#[derive(Debug, Clone)]
pub struct Store {
    #[cfg(not(windows))]
    file: portable::FileStore,
}

impl Store {
    /// The system store.
    ///
    /// On Windows, the registry. Elsewhere, the file named by the environment variable
    /// `MOBSYNC_REGISTRY` if it is set and not empty, else `mobsync-rs/registry.json` in the user's
    /// configuration directory (`$XDG_CONFIG_HOME`, or `~/.config`, on Linux).
    pub fn open() -> Result<Self, RegistryError> {
        #[cfg(windows)]
        {
            Ok(Self {})
        }
        #[cfg(not(windows))]
        {
            Ok(Self::at(portable::default_path()?))
        }
    }

    /// A portable store in the given file (created on the first registration).
    #[cfg(not(windows))]
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            file: portable::FileStore::new(path.into()),
        }
    }

    /// The store file.
    #[cfg(not(windows))]
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Applies a change to the keys: a transaction under the store lock (portable store), or
    /// direct registry calls (Windows).
    fn update<R>(
        &self,
        change: impl FnOnce(&mut Keys) -> Result<R, RegistryError>,
    ) -> Result<R, RegistryError> {
        #[cfg(windows)]
        {
            change(&mut win32::RegistryView)
        }
        #[cfg(not(windows))]
        {
            self.file.update(change)
        }
    }

    /// Reads the keys (one consistent snapshot of the portable store).
    fn read<R>(
        &self,
        read: impl FnOnce(&Keys) -> Result<R, RegistryError>,
    ) -> Result<R, RegistryError> {
        #[cfg(windows)]
        {
            read(&win32::RegistryView)
        }
        #[cfg(not(windows))]
        {
            read(&self.file.read()?)
        }
    }

    /// Registers a class and, if it has one, its Sync Manager registration. If the Sync Manager
    /// registration fails, the class keys just written are removed again.
    pub fn register(&self, reg: &Registration<'_>) -> Result<(), RegistryError> {
        let module = resolve_module_path(reg)?;
        self.update(|keys| keys::register_class(keys, reg, &module))?;
        if let Some(sync) = &reg.sync_mgr
            && let Err(err) = self.register_sync_handler(&reg.clsid, sync.description, sync.flags)
        {
            if let Err(undo) = self.update(|keys| keys::unregister_class(keys, reg, &module)) {
                log::warn!(
                    "undoing the class keys of {{{:?}}} failed: {undo}",
                    reg.clsid
                );
            }
            return Err(err);
        }
        Ok(())
    }

    /// Removes what [`register`](Self::register) added for this class. A class now registered to
    /// another module is left alone (with a `log::warn!`).
    pub fn unregister(&self, reg: &Registration<'_>) -> Result<(), RegistryError> {
        let module = resolve_module_path(reg)?;
        let ours = self.update(|keys| keys::unregister_class(keys, reg, &module))?;
        if ours && reg.sync_mgr.is_some() {
            self.unregister_sync_handler(&reg.clsid)?;
        }
        Ok(())
    }

    /// Every handler the store knows, sorted by CLSID: each class registered with Sync Manager and,
    /// in the portable store, each registered COM class.
    ///
    /// On Windows the Sync Manager registrations listed are those recorded under
    /// `HKCU\Software\mobsync-rs\Handlers` (where Sync Manager itself is missing); Windows' own Sync
    /// Manager keeps its list privately.
    pub fn handlers(&self) -> Result<Vec<HandlerEntry>, RegistryError> {
        self.read(keys::read_handlers)
    }

    /// Looks up one class by CLSID; `None` if nothing is registered for it.
    pub fn handler(&self, clsid: &GUID) -> Result<Option<HandlerEntry>, RegistryError> {
        let mut entry = self.read(|keys| keys::read_handler(keys, clsid))?;
        #[cfg(windows)]
        if let Some(entry) = &mut entry
            && entry.sync_mgr.is_none()
            && let Some(flags) = win32::sync_mgr_flags(clsid)?
        {
            entry.sync_mgr = Some(SyncMgrEntry {
                description: String::new(),
                flags,
            });
        }
        #[cfg(not(windows))]
        let _ = &mut entry;
        Ok(entry)
    }

    /// The Sync Center handlers registered in the store ([`Registration::sync_center`]): each
    /// CLSID with its name, sorted by CLSID.
    pub fn sync_center_handlers(&self) -> Result<Vec<(GUID, String)>, RegistryError> {
        self.read(keys::read_sync_center_handlers)
    }

    /// The settings stored for a handler class (by `mobsync-host config`): the text a host passes
    /// to `Initialize` as the cookie when it is given none. `None` if none are stored.
    pub fn handler_settings(&self, clsid: &GUID) -> Result<Option<String>, RegistryError> {
        self.read(|keys| keys::read_settings(keys, clsid))
    }

    /// Stores (`Some`) or removes (`None`) a handler class's settings, under
    /// `HKCU\Software\mobsync-rs\Settings\{CLSID}` (value `Cookie`). They are independent of the
    /// registration: unregistering the class keeps them, so a re-registration finds them again.
    pub fn set_handler_settings(
        &self,
        clsid: &GUID,
        settings: Option<&str>,
    ) -> Result<(), RegistryError> {
        self.update(|keys| keys::write_settings(keys, clsid, settings))
    }

    /// `ISyncMgrRegister::RegisterSyncMgrHandler` over this store: records that `clsid` is a Sync
    /// Manager handler (replacing an earlier registration of it). On Windows this goes to Sync
    /// Manager when it exists, else under `HKCU\Software\mobsync-rs\Handlers`.
    pub fn register_sync_handler(
        &self,
        clsid: &GUID,
        description: &str,
        flags: u32,
    ) -> Result<(), RegistryError> {
        #[cfg(windows)]
        if win32::sync_mgr_register(clsid, description, flags)? {
            return Ok(());
        }
        self.update(|keys| keys::write_sync_handler(keys, clsid, description, flags))
    }

    /// `ISyncMgrRegister::UnregisterSyncMgrHandler` over this store. Returns whether the handler was
    /// registered.
    pub fn unregister_sync_handler(&self, clsid: &GUID) -> Result<bool, RegistryError> {
        #[cfg(windows)]
        let in_sync_mgr = win32::sync_mgr_unregister(clsid)?;
        #[cfg(not(windows))]
        let in_sync_mgr = false;
        let recorded = self.update(|keys| keys::remove_sync_handler(keys, clsid))?;
        Ok(in_sync_mgr || recorded)
    }

    /// `ISyncMgrRegister::GetHandlerRegistrationInfo` over this store: the handler's
    /// `SYNCMGRREGISTERFLAG_*` flags, or `None` if it is not registered with Sync Manager.
    pub fn sync_handler_flags(&self, clsid: &GUID) -> Result<Option<u32>, RegistryError> {
        #[cfg(windows)]
        if let Some(flags) = win32::sync_mgr_flags(clsid)? {
            return Ok(Some(flags));
        }
        Ok(self
            .read(|keys| keys::read_sync_handler(keys, clsid))?
            .map(|entry| entry.flags))
    }
}

#[cfg(windows)]
type Keys = win32::RegistryView;
#[cfg(not(windows))]
type Keys = portable::Tree;

fn resolve_module_path(reg: &Registration<'_>) -> Result<PathBuf, RegistryError> {
    match reg.module_path {
        Some(path) if path.is_absolute() => Ok(path.to_path_buf()),
        Some(path) => std::path::absolute(path).map_err(|err| {
            RegistryError::ModulePath(format!("cannot make {} absolute: {err}", path.display()))
        }),
        None => current_module_path(),
    }
}

/// Registers one class in the system store ([`Store::open`]).
pub fn register(reg: &Registration<'_>) -> Result<(), RegistryError> {
    Store::open()?.register(reg)
}

/// Removes what [`register`] added for one class from the system store.
pub fn unregister(reg: &Registration<'_>) -> Result<(), RegistryError> {
    Store::open()?.unregister(reg)
}

/// The body of `DllRegisterServer`: registers every class in the system store.
///
/// On the first failure, the classes already registered are unregistered again, the error is
/// logged (`log::error!`) and `SELFREG_E_CLASS` is returned. Never unwinds: a panic is caught and
/// reported the same way.
pub fn dll_register_server(classes: &[Registration<'_>]) -> HRESULT {
    guarded("DllRegisterServer", || {
        let store = Store::open()?;
        for (done, reg) in classes.iter().enumerate() {
            if let Err(err) = store.register(reg) {
                for earlier in classes[..done].iter().rev() {
                    if let Err(undo) = store.unregister(earlier) {
                        log::warn!(
                            "DllRegisterServer: undoing {{{:?}}} failed: {undo}",
                            earlier.clsid
                        );
                    }
                }
                return Err(err);
            }
        }
        Ok(())
    })
}

/// The body of `DllUnregisterServer`: unregisters every class from the system store, going on past
/// failures. Returns `S_OK`, or `SELFREG_E_CLASS` if any class failed (each failure is logged).
/// Never unwinds.
pub fn dll_unregister_server(classes: &[Registration<'_>]) -> HRESULT {
    guarded("DllUnregisterServer", || {
        let store = Store::open()?;
        let mut first_error = None;
        for reg in classes {
            if let Err(err) = store.unregister(reg) {
                log::error!("DllUnregisterServer: {{{:?}}}: {err}", reg.clsid);
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    })
}

fn guarded(what: &str, f: impl FnOnce() -> Result<(), RegistryError>) -> HRESULT {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(())) => S_OK,
        Ok(Err(err)) => {
            log::error!("{what}: {err}");
            SELFREG_E_CLASS
        }
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_owned());
            log::error!("{what} panicked: {msg}");
            SELFREG_E_CLASS
        }
    }
}

/// Formats a GUID the way registry keys spell it: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
pub fn braced(clsid: &GUID) -> String {
    format!("{{{clsid:?}}}")
}

/// Parses a `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` key name (either case).
pub fn parse_braced(name: &str) -> Option<GUID> {
    let inner = name.strip_prefix('{')?.strip_suffix('}')?;
    GUID::try_from(inner).ok()
}
