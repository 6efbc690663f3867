//! What handler modules log: the host side of mobsync-runtime's optional `MobsyncSetLogSink`
//! export (documented in `mobsync_runtime::host_log`).
//!
//! After loading a module that has the export, the host hands it its sink with the module as the
//! context, at the level [`set_handler_log_level`] chose (`warn` by default). A record (a `log`
//! call in the handler, or a panic, as one line) goes to the handler run that currently uses the
//! module (the first one, when several classes of one module run at once): into its report
//! (`HandlerReport::log`) and out as [`HostEvent::HandlerLog`](crate::HostEvent::HandlerLog).
//! A record while no run uses the module (loading, `DllRegisterServer`, a thread the handler left
//! running) goes to the host's own `log` facade, prefixed with the module's file name. Nothing a
//! handler says reaches stderr except through the host.

use std::ffi::c_void;
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use windows_core::HRESULT;

use crate::model::ModuleLogLevel;

/// `MobsyncSetLogSink`'s signature.
type SetLogSinkFn = unsafe extern "system" fn(
    sink: Option<unsafe extern "system" fn(*mut c_void, u32, *const u16)>,
    context: *mut c_void,
    max_level: u32,
) -> HRESULT;

/// The level handed to modules loaded from now on (1 error ... 5 trace, 0 off).
static HANDLER_LOG_LEVEL: AtomicU32 = AtomicU32::new(2);

/// Chooses the most detailed level handler modules loaded from now on send (`warn` by default).
pub fn set_handler_log_level(level: log::LevelFilter) {
    HANDLER_LOG_LEVEL.store(level as u32, Ordering::Relaxed);
}

/// Receives one record: `(level, text)`.
pub(crate) type Listener = Arc<dyn Fn(ModuleLogLevel, String) + Send + Sync>;

/// Where a module's records go: the runs using it, in the order they attached.
#[derive(Default)]
pub(crate) struct ModuleLog {
    /// The module's file name, for records no run takes.
    label: String,
    listeners: Mutex<Vec<(u64, Listener)>>,
}

impl std::fmt::Debug for ModuleLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleLog")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl ModuleLog {
    /// The log of the module at `path`.
    pub fn new(path: &Path) -> Self {
        Self {
            label: path
                .file_name()
                .map_or_else(|| path.display().to_string(), |n| n.display().to_string()),
            listeners: Mutex::default(),
        }
    }

    /// Sends the module's records to `listener` until the returned guard is dropped.
    pub fn attach(self: &Arc<Self>, listener: Listener) -> Attachment {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        self.lock().push((id, listener));
        Attachment {
            log: Arc::clone(self),
            id,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Listener)>> {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One record from the module.
    fn record(&self, level: ModuleLogLevel, text: String) {
        let first = self.lock().first().map(|(_, l)| Arc::clone(l));
        match first {
            Some(listener) => listener(level, text),
            None => log::log!(level.as_log(), "{}: {text}", self.label),
        }
    }
}

/// Detaches a listener when dropped.
pub(crate) struct Attachment {
    log: Arc<ModuleLog>,
    id: u64,
}

impl Drop for Attachment {
    fn drop(&mut self) {
        self.log.lock().retain(|(id, _)| *id != self.id);
    }
}

/// Hands `log` to the module through its `MobsyncSetLogSink`, when it has one.
///
/// `log` must stay alive as long as the module is loaded: the host keeps both for the life of
/// the process.
pub(crate) fn connect(library: &libloading::Library, log: &Arc<ModuleLog>) {
    // SAFETY: `MobsyncSetLogSink` has this signature in every module that exports it (the
    // runtime's documented contract); the library stays loaded for the life of the process.
    let Ok(set) = (unsafe { library.get::<SetLogSinkFn>(b"MobsyncSetLogSink") }) else {
        return;
    };
    let level = HANDLER_LOG_LEVEL.load(Ordering::Relaxed);
    // SAFETY: `sink` has the documented signature; the context is `log`, which the host keeps
    // alive for the life of the process (the module is never unloaded).
    let hr = unsafe { set(Some(sink), Arc::as_ptr(log).cast_mut().cast(), level) };
    if hr.is_err() {
        log::debug!("{}: MobsyncSetLogSink failed: {hr}", log.label);
    }
}

/// The sink handed to modules: `context` is the module's [`ModuleLog`].
unsafe extern "system" fn sink(context: *mut c_void, level: u32, text: *const u16) {
    if context.is_null() || text.is_null() {
        return;
    }
    // SAFETY: the host passed a `ModuleLog` that lives for the life of the process as the
    // context, and the module hands it back unchanged.
    let log = unsafe { &*context.cast::<ModuleLog>() };
    // SAFETY: the runtime passes a NUL-terminated UTF-16 string valid for the call; the length
    // is capped so that a string without its NUL cannot run away.
    let text = unsafe { wide_to_string(text, 64 * 1024) };
    let level = ModuleLogLevel::from_raw(level);
    // A listener must not unwind into the module.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| log.record(level, text)));
}

/// The string at `text`, up to its NUL or `max` units.
///
/// # Safety
///
/// `text` is readable up to its NUL or `max` units, whichever comes first.
unsafe fn wide_to_string(text: *const u16, max: usize) -> String {
    let mut len = 0;
    // SAFETY: per the contract, every unit up to the NUL (or `max`) is readable.
    while len < max && unsafe { *text.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: the `len` units before the NUL were just read.
    String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(text, len) })
}
