//! Where handlers come from: a module found through the registration store, a module path, or a
//! class factory already in the process; and the module side of `DllCanUnloadNow`.
//!
//! Modules are loaded once per path and stay loaded for the life of the process (a handler that
//! was abandoned may still run code in it; Windows' COM also unloads only on request). After the
//! last handler of a module is released, the host asks its `DllCanUnloadNow`: `S_FALSE` then means
//! an object or a server lock leaked.

use std::collections::HashMap;
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use mobsync_runtime::factory::IClassFactory_Vtbl;
use mobsync_runtime::registry::{RegistryError, Store};
use mobsync_runtime::syncmgr::sys::IID_ISyncMgrHandler;
use mobsync_runtime::sys;
use windows_core::{GUID, HRESULT, Interface};

use crate::hresult::{CO_E_ERRORINDLL, E_POINTER, REGDB_E_CLASSNOTREG};
use crate::model::guid_string;
use crate::module_log::{self, ModuleLog};
use crate::raw::ComRef;
use crate::trust::{self, CheckError, TRUST_E_SUBJECT_NOT_TRUSTED};

type DllGetClassObjectFn =
    unsafe extern "system" fn(*const GUID, *const GUID, *mut *mut c_void) -> HRESULT;
type DllHresultFn = unsafe extern "system" fn() -> HRESULT;

/// Why a handler could not be created.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    /// The HRESULT COM would give.
    pub hr: HRESULT,
    /// What went wrong.
    pub message: String,
}

impl LoadError {
    fn new(hr: HRESULT, message: impl Into<String>) -> Self {
        Self {
            hr,
            message: message.into(),
        }
    }
}

/// A loaded handler module (a `.so`, `.dll` or `.dylib` with the four COM exports).
#[derive(Debug)]
pub struct Module {
    path: PathBuf,
    library: libloading::Library,
    /// Handler runs currently using the module.
    active: AtomicUsize,
    /// Where its log records go.
    log: Arc<ModuleLog>,
}

fn modules() -> &'static Mutex<HashMap<PathBuf, Arc<Module>>> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Arc<Module>>>> = OnceLock::new();
    MODULES.get_or_init(Default::default)
}

impl Module {
    /// Loads `path` (once per canonical path; later calls share the module).
    ///
    /// The library and every directory above it must pass [`trust::check`]: a module another
    /// user could replace is refused with `TRUST_E_SUBJECT_NOT_TRUSTED`.
    pub fn load(path: &Path) -> Result<Arc<Module>, LoadError> {
        let canonical = path.canonicalize().map_err(|e| {
            LoadError::new(
                CO_E_ERRORINDLL,
                format!("cannot load {}: {e}", path.display()),
            )
        })?;
        trust::check(&canonical, "the handler library").map_err(check_error)?;
        let mut map = modules().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(module) = map.get(&canonical) {
            return Ok(Arc::clone(module));
        }
        // SAFETY: loading a library runs its initialisers; a handler module is trusted code by
        // definition (COM would load it the same way).
        let library = unsafe { libloading::Library::new(&canonical) }.map_err(|e| {
            LoadError::new(
                CO_E_ERRORINDLL,
                format!(
                    "cannot load {}: {}",
                    path.display(),
                    loader_reason(&e, &canonical)
                ),
            )
        })?;
        let log = Arc::new(ModuleLog::new(&canonical));
        module_log::connect(&library, &log);
        let module = Arc::new(Module {
            path: canonical.clone(),
            library,
            active: AtomicUsize::new(0),
            log,
        });
        map.insert(canonical, Arc::clone(&module));
        Ok(module)
    }

    /// The module's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the module's log records go.
    pub(crate) fn log(&self) -> &Arc<ModuleLog> {
        &self.log
    }

    fn symbol<T: Copy>(&self, name: &str) -> Result<T, LoadError> {
        // SAFETY: the caller names `T` as the export's documented signature; the library stays
        // loaded for the life of the process, so the copied function pointer stays valid.
        unsafe { self.library.get::<T>(name.as_bytes()) }
            .map(|symbol| *symbol)
            .map_err(|e| {
                LoadError::new(
                    CO_E_ERRORINDLL,
                    format!(
                        "{} lacks {name}: {}",
                        self.path.display(),
                        loader_reason(&e, &self.path)
                    ),
                )
            })
    }

    /// Calls `DllRegisterServer`.
    pub fn register_server(&self) -> Result<HRESULT, LoadError> {
        let f: DllHresultFn = self.symbol("DllRegisterServer")?;
        // SAFETY: the documented signature `HRESULT DllRegisterServer(void)`.
        Ok(unsafe { f() })
    }

    /// Calls `DllUnregisterServer`.
    pub fn unregister_server(&self) -> Result<HRESULT, LoadError> {
        let f: DllHresultFn = self.symbol("DllUnregisterServer")?;
        // SAFETY: the documented signature `HRESULT DllUnregisterServer(void)`.
        Ok(unsafe { f() })
    }

    /// Calls `DllCanUnloadNow`: `S_OK` when no object is alive and the server is not locked.
    pub fn can_unload_now(&self) -> Result<HRESULT, LoadError> {
        let f: DllHresultFn = self.symbol("DllCanUnloadNow")?;
        // SAFETY: the documented signature `HRESULT DllCanUnloadNow(void)`.
        Ok(unsafe { f() })
    }

    /// Calls `DllGetClassObject(clsid, IID_IClassFactory)`.
    pub(crate) fn class_factory(&self, clsid: &GUID) -> Result<ComRef, LoadError> {
        let f: DllGetClassObjectFn = self.symbol("DllGetClassObject")?;
        let mut out = std::ptr::null_mut();
        let iid = mobsync_runtime::factory::IClassFactory::IID;
        // SAFETY: the documented signature; all three pointers are valid for the call.
        let hr = unsafe { f(clsid, &iid, &mut out) };
        if hr.is_err() {
            return Err(LoadError::new(
                hr,
                format!(
                    "DllGetClassObject({}) in {} failed: {}",
                    guid_string(clsid),
                    self.path.display(),
                    crate::hresult::describe(hr)
                ),
            ));
        }
        // SAFETY: on success `out` carries one reference for us.
        unsafe { ComRef::from_raw(out) }.ok_or_else(|| {
            LoadError::new(
                E_POINTER,
                "DllGetClassObject succeeded but returned a null factory",
            )
        })
    }
}

/// The loader's own reason for a failure: libloading's error says only "dlopen failed" and
/// carries the system's text (`dlerror`, or the Windows error) as its source. The system's text
/// often starts with the path again, which is dropped.
fn loader_reason(error: &libloading::Error, path: &Path) -> String {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        reason = inner.to_string();
        source = inner.source();
    }
    let prefix = format!("{}: ", path.display());
    reason
        .strip_prefix(&prefix)
        .map(str::to_owned)
        .unwrap_or(reason)
}

/// A class factory in this process, for handlers that are not in a separate module (tests,
/// applications that embed their handler).
pub struct InProcessFactory {
    clsid: GUID,
    factory: ComRef,
    can_unload: Option<Box<dyn Fn() -> HRESULT + Send>>,
}

impl std::fmt::Debug for InProcessFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessFactory")
            .field("clsid", &guid_string(&self.clsid))
            .finish_non_exhaustive()
    }
}

impl InProcessFactory {
    /// Wraps a class factory (for example `mobsync_runtime::class_factory::<MyHandler>()`).
    pub fn new(clsid: GUID, factory: mobsync_runtime::factory::IClassFactory) -> Self {
        let raw = factory.into_raw();
        // SAFETY: `into_raw` hands over the factory's reference.
        let factory = unsafe { ComRef::from_raw(raw) }.expect("an interface value is never null");
        Self {
            clsid,
            factory,
            can_unload: None,
        }
    }

    /// Takes ownership of a raw `IClassFactory` pointer (one reference).
    ///
    /// # Safety
    ///
    /// `factory` is a valid `IClassFactory` pointer whose reference the caller gives up.
    pub unsafe fn from_raw(clsid: GUID, factory: *mut c_void) -> Option<Self> {
        // SAFETY: forwarded from the caller.
        unsafe { ComRef::from_raw(factory) }.map(|factory| Self {
            clsid,
            factory,
            can_unload: None,
        })
    }

    /// The check run after the last release, standing in for `DllCanUnloadNow` (return `S_OK`
    /// when nothing of the handler is alive, `S_FALSE` otherwise).
    pub fn with_unload_check(mut self, check: impl Fn() -> HRESULT + Send + 'static) -> Self {
        self.can_unload = Some(Box::new(check));
        self
    }
}

/// A handler object that already exists in this process (one reference, handed to the host).
pub struct InProcessHandler {
    clsid: GUID,
    handler: ComRef,
    /// The interface `handler` is.
    iid: GUID,
    can_unload: Option<Box<dyn Fn() -> HRESULT + Send>>,
}

impl std::fmt::Debug for InProcessHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessHandler")
            .field("clsid", &guid_string(&self.clsid))
            .finish_non_exhaustive()
    }
}

impl InProcessHandler {
    /// Takes an object (any of its interfaces) and asks it for `ISyncMgrSynchronize`.
    pub fn new(clsid: GUID, object: windows_core::IUnknown) -> Result<Self, LoadError> {
        Self::implementing(
            clsid,
            object,
            sys::IID_ISyncMgrSynchronize,
            "ISyncMgrSynchronize",
        )
    }

    /// Takes an object (any of its interfaces) and asks it for `ISyncMgrHandler`: a Sync Center
    /// handler, for the Sync Center host ([`crate::sync_center`]).
    pub fn sync_center(clsid: GUID, object: windows_core::IUnknown) -> Result<Self, LoadError> {
        Self::implementing(clsid, object, IID_ISyncMgrHandler, "ISyncMgrHandler")
    }

    fn implementing(
        clsid: GUID,
        object: windows_core::IUnknown,
        iid: GUID,
        name: &str,
    ) -> Result<Self, LoadError> {
        // SAFETY: `into_raw` hands over the IUnknown's reference.
        let unknown = unsafe { ComRef::from_raw(object.into_raw()) }
            .expect("an interface value is never null");
        let handler = unknown.query(&iid).map_err(|hr| {
            LoadError::new(
                hr,
                format!(
                    "the object does not implement {name}: {}",
                    crate::hresult::describe(hr)
                ),
            )
        })?;
        Ok(Self {
            clsid,
            handler,
            iid,
            can_unload: None,
        })
    }

    /// The check run after the last release, standing in for `DllCanUnloadNow`.
    pub fn with_unload_check(mut self, check: impl Fn() -> HRESULT + Send + 'static) -> Self {
        self.can_unload = Some(Box::new(check));
        self
    }
}

/// Where a handler comes from.
#[derive(Debug)]
pub enum HandlerSource {
    /// Look the CLSID up in the registration store (`InprocServer32`).
    Registered(GUID),
    /// Load this module and ask it for the CLSID.
    Module {
        /// The module.
        path: PathBuf,
        /// The class.
        clsid: GUID,
    },
    /// A class factory in this process.
    Factory(InProcessFactory),
    /// A handler object in this process.
    Instance(InProcessHandler),
}

impl HandlerSource {
    /// The handler's CLSID.
    pub fn clsid(&self) -> GUID {
        match self {
            Self::Registered(clsid) | Self::Module { clsid, .. } => *clsid,
            Self::Factory(f) => f.clsid,
            Self::Instance(h) => h.clsid,
        }
    }

    /// Creates the handler object (`ISyncMgrSynchronize`).
    pub(crate) fn load(self) -> Result<LoadedHandler, LoadError> {
        self.load_as(&sys::IID_ISyncMgrSynchronize)
    }

    /// Creates the handler object and returns its interface `iid` (`ISyncMgrSynchronize` for
    /// Sync Manager, `ISyncMgrHandler` for Sync Center).
    pub(crate) fn load_as(self, iid: &GUID) -> Result<LoadedHandler, LoadError> {
        match self {
            Self::Registered(clsid) => {
                let store = Store::open().map_err(store_error)?;
                trust::check_store(&store).map_err(check_error)?;
                let entry = store.handler(&clsid).map_err(store_error)?.ok_or_else(|| {
                    LoadError::new(
                        REGDB_E_CLASSNOTREG,
                        format!(
                            "{} is not registered in {}",
                            guid_string(&clsid),
                            store_location(&store)
                        ),
                    )
                })?;
                let settings = store.handler_settings(&clsid).map_err(store_error)?;
                let path = entry.module_path.ok_or_else(|| {
                    LoadError::new(
                        REGDB_E_CLASSNOTREG,
                        format!(
                            "{} has no InprocServer32 module in {}",
                            guid_string(&clsid),
                            store_location(&store)
                        ),
                    )
                })?;
                registered_path_is_canonical(&path)?;
                let mut loaded = Self::Module { path, clsid }.load_as(iid)?;
                loaded.registered_name = entry.name;
                loaded.settings = settings;
                Ok(loaded)
            }
            Self::Module { path, clsid } => {
                let module = Module::load(&path)?;
                let factory = module.class_factory(&clsid)?;
                let handler = create_instance(&factory, iid)?;
                drop(factory);
                module.active.fetch_add(1, Ordering::AcqRel);
                Ok(LoadedHandler {
                    handler,
                    module: Some(module.path.clone()),
                    registered_name: None,
                    settings: None,
                    unload: UnloadCheck::Module(module),
                })
            }
            Self::Factory(f) => {
                let handler = create_instance(&f.factory, iid)?;
                drop(f.factory);
                Ok(LoadedHandler {
                    handler,
                    module: None,
                    registered_name: None,
                    settings: None,
                    unload: UnloadCheck::Function(f.can_unload),
                })
            }
            Self::Instance(h) => Ok(LoadedHandler {
                handler: if h.iid == *iid {
                    h.handler
                } else {
                    h.handler.query(iid).map_err(|hr| {
                        LoadError::new(
                            hr,
                            format!(
                                "the object does not implement the interface {}: {}",
                                guid_string(iid),
                                crate::hresult::describe(hr)
                            ),
                        )
                    })?
                },
                module: None,
                registered_name: None,
                settings: None,
                unload: UnloadCheck::Function(h.can_unload),
            }),
        }
    }
}

/// A registration-store error as a load error (its text names the store).
fn store_error(error: RegistryError) -> LoadError {
    LoadError::new(error.hresult(), error.to_string())
}

/// A failed [`trust`] check as a load error.
fn check_error(error: CheckError) -> LoadError {
    match error {
        CheckError::Untrusted(u) => LoadError::new(TRUST_E_SUBJECT_NOT_TRUSTED, u.to_string()),
        CheckError::Io(..) => LoadError::new(CO_E_ERRORINDLL, error.to_string()),
    }
}

/// Registration records a module's canonical absolute path (`DllRegisterServer` resolves it);
/// a relative path, or one that resolves elsewhere now (a symlink on it was changed since), is
/// refused. Not checked on Windows, whose registry holds the path as the loader gave it.
fn registered_path_is_canonical(path: &Path) -> Result<(), LoadError> {
    if cfg!(windows) {
        return Ok(());
    }
    if !path.is_absolute() {
        return Err(LoadError::new(
            TRUST_E_SUBJECT_NOT_TRUSTED,
            format!(
                "refusing the registered handler library {}: the path is relative, so what it \
                 names depends on the current directory; fix: register the library again \
                 (mobsync-host regsvr LIBRARY records its absolute path)",
                path.display()
            ),
        ));
    }
    match path.canonicalize() {
        Ok(now) if now != path => Err(LoadError::new(
            TRUST_E_SUBJECT_NOT_TRUSTED,
            format!(
                "refusing the registered handler library {}: it now resolves to {} (a symbolic \
                 link on the path changed since it was registered); fix: register the library \
                 again if that is the one you mean",
                path.display(),
                now.display()
            ),
        )),
        // A missing file is reported by the load itself.
        _ => Ok(()),
    }
}

/// Where the store is, for messages: its file (the portable store) or the Windows registry.
pub fn store_location(store: &Store) -> String {
    #[cfg(windows)]
    {
        let _ = store;
        "the Windows registry".to_owned()
    }
    #[cfg(not(windows))]
    {
        format!("the registration store {}", store.path().display())
    }
}

/// `IClassFactory::CreateInstance(NULL, iid)`.
fn create_instance(factory: &ComRef, iid: &GUID) -> Result<ComRef, LoadError> {
    let mut out = std::ptr::null_mut();
    // SAFETY: `factory` is an IClassFactory pointer; the arguments are valid for the call.
    let hr = unsafe {
        (factory.vtable::<IClassFactory_Vtbl>().CreateInstance)(
            factory.as_raw(),
            std::ptr::null_mut(),
            iid,
            &mut out,
        )
    };
    if hr.is_err() {
        return Err(LoadError::new(
            hr,
            format!(
                "IClassFactory::CreateInstance failed: {}",
                crate::hresult::describe(hr)
            ),
        ));
    }
    // SAFETY: on success `out` carries one reference for us.
    unsafe { ComRef::from_raw(out) }.ok_or_else(|| {
        LoadError::new(
            E_POINTER,
            "IClassFactory::CreateInstance succeeded but returned null",
        )
    })
}

/// A created handler and how to check for leaks once it is gone.
pub(crate) struct LoadedHandler {
    pub handler: ComRef,
    /// The module it came from (`None` in this process).
    pub module: Option<PathBuf>,
    /// The class name in the registration store, when it was found there.
    pub registered_name: Option<String>,
    /// The settings stored for it (`mobsync-host config`), when it was found in the store.
    pub settings: Option<String>,
    pub unload: UnloadCheck,
}

impl LoadedHandler {
    /// Where the handler's module logs to (`None` for a handler in this process).
    pub fn module_log(&self) -> Option<&Arc<ModuleLog>> {
        match &self.unload {
            UnloadCheck::Module(module) => Some(module.log()),
            UnloadCheck::Function(_) => None,
        }
    }
}

pub(crate) enum UnloadCheck {
    Module(Arc<Module>),
    Function(Option<Box<dyn Fn() -> HRESULT + Send>>),
}

impl UnloadCheck {
    /// After the last release: `Some(true)` for a leak, `Some(false)` for none, `None` when it
    /// cannot be told (no check given, or other runs still use the module).
    pub fn leaked(self) -> Result<Option<bool>, LoadError> {
        match self {
            Self::Module(module) => {
                if module.active.fetch_sub(1, Ordering::AcqRel) != 1 {
                    return Ok(None);
                }
                Ok(Some(module.can_unload_now()? != crate::hresult::S_OK))
            }
            Self::Function(Some(check)) => Ok(Some(check() != crate::hresult::S_OK)),
            Self::Function(None) => Ok(None),
        }
    }
}
