//! The module's `log` records and panics, handed to the host that loaded it.
//!
//! COM gives a host no way to see what a DLL has to say besides HRESULTs and error objects. A
//! handler's `log::warn!("cannot read {path}")` goes nowhere unless the DLL itself installs a
//! logger, and a panic prints Rust's raw panic text on the host's stderr. So every module built
//! with [`export_handlers!`](crate::export_handlers) exports one more, optional, function:
//!
//! ```c
//! /* level: 1 error, 2 warning, 3 information, 4 debug, 5 trace; text: UTF-16, NUL-terminated,
//!    valid for the call only. Called from any thread of the module, also concurrently. */
//! typedef void (__stdcall *MOBSYNC_LOG_SINK)(void *context, UINT32 level, const WCHAR *text);
//!
//! HRESULT __stdcall MobsyncSetLogSink(MOBSYNC_LOG_SINK sink, void *context, UINT32 max_level);
//! ```
//!
//! A host that finds it (`GetProcAddress`/`dlsym`) calls it once after loading the module:
//!
//! - Records up to `max_level` (0 turns them off) go to `sink(context, level, text)`, from the
//!   thread that logs. The runtime installs its own `log` logger for that; when the handler
//!   installed another one first, the call returns `S_FALSE` and the records keep going to the
//!   handler's logger (panics still reach the sink).
//! - A panic becomes one record at level 1 and nothing on stderr: a panic in a method names the
//!   method, the message and where it happened (`panic in ISyncMgrSynchronize::Synchronize:
//!   boom (src/lib.rs:40:9); returning E_UNEXPECTED`); a panic on a thread of the handler's own
//!   names the thread instead, and is reported when that thread ends (or, when the handler's
//!   code caught the panic itself and the thread goes on, at the thread's next panic).
//! - A null `sink` removes the sink (records and panics go back to what they did before);
//!   `max_level` above 5 gives `E_INVALIDARG` and changes nothing.
//!
//! The host keeps `context` valid and `sink` callable until it removes the sink or the module is
//! unloaded. Hosts that do not know the export (Windows' own Sync Manager) never call it; the
//! module then behaves as before: records go to whatever logger the handler installed, panics to
//! the default hook.
//!
//! The panic hook only notes a panic on its thread; the method shim that catches it takes the
//! note, and a note no shim took is reported as a panic on the thread. So a method call does no
//! work for this (not even a check whether a sink is set) unless it panics.

use std::cell::Cell;
use std::ffi::c_void;
use std::panic::PanicHookInfo;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, RwLock};

use windows_core::HRESULT;

use crate::hresults::{E_INVALIDARG, S_FALSE, S_OK};

/// The host's record receiver (see the module documentation).
pub type LogSink = unsafe extern "system" fn(context: *mut c_void, level: u32, text: *const u16);

/// The highest level a host may ask for (`trace`).
const MAX_LEVEL: u32 = 5;

#[derive(Clone, Copy)]
struct Sink {
    sink: LogSink,
    /// The host's context pointer, only ever handed back to `sink`.
    context: *mut c_void,
}

// SAFETY: the runtime never dereferences `context`; it passes it back to the host's sink, which
// the contract requires to be callable from any thread.
unsafe impl Send for Sink {}
// SAFETY: as above; `Sink` is only copied out of the lock.
unsafe impl Sync for Sink {}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

/// Whether the module's `log` logger is the runtime's [`HostLogger`].
static LOGGER_IS_OURS: AtomicBool = AtomicBool::new(false);

/// A panic the hook saw while a sink was set, not reported yet.
struct NotedPanic {
    message: String,
    /// `file:line:col`, when known.
    location: Option<String>,
    /// The thread's name, for a panic no shim catches.
    thread: String,
}

impl NotedPanic {
    /// Reports it as a panic on a thread of the handler's own.
    fn report_on_thread(self) {
        let at = self
            .location
            .map(|at| format!(" ({at})"))
            .unwrap_or_default();
        send(
            log::Level::Error,
            &format!(
                "panic on the handler's thread '{}': {}{at}",
                self.thread, self.message
            ),
        );
    }
}

/// The thread's noted panic: taken by the shim that catches it, else reported when the thread
/// ends (this cell's destructor) or at the thread's next panic.
struct PanicNote(Cell<Option<NotedPanic>>);

impl Drop for PanicNote {
    fn drop(&mut self) {
        if let Some(noted) = self.0.take() {
            noted.report_on_thread();
        }
    }
}

thread_local! {
    static PANIC_NOTE: PanicNote = const { PanicNote(Cell::new(None)) };
}

/// `MobsyncSetLogSink` (see the module documentation).
pub fn set_log_sink(sink: Option<LogSink>, context: *mut c_void, max_level: u32) -> HRESULT {
    if max_level > MAX_LEVEL {
        return E_INVALIDARG;
    }
    let Some(sink) = sink else {
        *SINK.write().unwrap_or_else(|p| p.into_inner()) = None;
        return S_OK;
    };
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = Some(Sink { sink, context });
    install_panic_hook();
    static LOGGER: HostLogger = HostLogger;
    if log::set_logger(&LOGGER).is_ok() {
        LOGGER_IS_OURS.store(true, Ordering::Release);
    }
    if !LOGGER_IS_OURS.load(Ordering::Acquire) {
        return S_FALSE;
    }
    log::set_max_level(level_filter(max_level));
    S_OK
}

fn level_filter(level: u32) -> log::LevelFilter {
    match level {
        0 => log::LevelFilter::Off,
        1 => log::LevelFilter::Error,
        2 => log::LevelFilter::Warn,
        3 => log::LevelFilter::Info,
        4 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    }
}

/// Sends `text` at `level` to the host's sink; `false` when no host set one.
pub(crate) fn send(level: log::Level, text: &str) -> bool {
    let Some(sink) = *SINK.read().unwrap_or_else(|p| p.into_inner()) else {
        return false;
    };
    let wide: Vec<u16> = text.encode_utf16().chain(std::iter::once(0)).collect();
    // SAFETY: the host keeps `sink` callable and `context` valid while the sink is set (the
    // documented contract); `wide` is NUL-terminated and outlives the call.
    unsafe { (sink.sink)(sink.context, level as u32, wide.as_ptr()) };
    true
}

/// The runtime's `log` logger: every record to the host's sink.
struct HostLogger;

impl log::Log for HostLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            send(record.level(), &record.args().to_string());
        }
    }

    fn flush(&self) {}
}

/// Where the panic a shim just caught happened (` (file:line:col)`), taking the hook's note of
/// it; empty when the hook noted nothing (no sink was set).
pub(crate) fn take_panic_location() -> String {
    PANIC_NOTE
        .try_with(|note| note.0.take())
        .ok()
        .flatten()
        .and_then(|noted| noted.location)
        .map(|at| format!(" ({at})"))
        .unwrap_or_default()
}

/// Chains the runtime's panic hook in front of the one installed before (once per module).
///
/// Each Rust DLL carries its own copy of std, so this hook sees the module's panics only.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !route_panic(info) {
                previous(info);
            }
        }));
    });
}

/// The hook's work: `true` when the panic goes to the host (noted for the shim that catches
/// it, or reported as a panic on the thread).
fn route_panic(info: &PanicHookInfo<'_>) -> bool {
    if SINK.read().map_or(true, |s| s.is_none()) {
        // A note from before the sink was removed must not lend its place to this panic.
        let _ = PANIC_NOTE.try_with(|note| note.0.take());
        return false;
    }
    let noted = NotedPanic {
        message: info
            .payload_as_str()
            .unwrap_or("<non-string panic payload>")
            .to_owned(),
        location: info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())),
        thread: std::thread::current()
            .name()
            .unwrap_or("<unnamed>")
            .to_owned(),
    };
    let mut noted = Some(noted);
    match PANIC_NOTE.try_with(|note| note.0.replace(noted.take())) {
        // An earlier panic no shim took (the handler's code caught it): reported now.
        Ok(Some(earlier)) => earlier.report_on_thread(),
        Ok(None) => {}
        // The thread is ending (its locals are gone): this one is reported now.
        Err(_) => {
            if let Some(noted) = noted {
                noted.report_on_thread();
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records the sink got, across the tests of this module (the sink is process-wide).
    static RECORDS: Mutex<Vec<(u32, String)>> = Mutex::new(Vec::new());
    /// Serialises the tests that set the process-wide sink.
    static SERIAL: Mutex<()> = Mutex::new(());

    /// Keeps the records of this test (other tests of the binary panic in shims concurrently,
    /// and the sink is process-wide), recognised by their text: a thread's panic is reported
    /// while the thread ends, when the thread can no longer be asked its name.
    unsafe extern "system" fn collect(context: *mut c_void, level: u32, text: *const u16) {
        assert_eq!(context.addr(), 0x5EED);
        // SAFETY: the runtime passes a NUL-terminated UTF-16 string valid for the call.
        let len = (0..).take_while(|&i| unsafe { *text.add(i) } != 0).count();
        // SAFETY: `len` units before the NUL are readable.
        let units = unsafe { std::slice::from_raw_parts(text, len) };
        let text = String::from_utf16_lossy(units);
        const OURS: [&str; 6] = [
            "cannot read /src/a",
            "not at max level 2",
            "panic in ITest::Method:",
            "panic on the handler's thread 'copier':",
            "panic on the handler's thread '<unnamed>': caught by the handler",
            "after removal",
        ];
        if OURS.iter().any(|ours| text.starts_with(ours)) {
            RECORDS.lock().unwrap().push((level, text));
        }
    }

    fn take_records() -> Vec<(u32, String)> {
        std::mem::take(&mut *RECORDS.lock().unwrap())
    }

    #[test]
    fn records_and_panics_reach_the_sink_until_it_is_removed() {
        let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        assert_eq!(
            set_log_sink(Some(collect), std::ptr::without_provenance_mut(0x5EED), 6),
            E_INVALIDARG
        );
        // Another test binary's logger could already be installed: then S_FALSE.
        let hr = set_log_sink(Some(collect), std::ptr::without_provenance_mut(0x5EED), 2);
        assert!(hr == S_OK || hr == S_FALSE, "{hr:?}");
        take_records();
        if hr == S_OK {
            log::warn!("cannot read {}", "/src/a");
            log::info!("not at max level 2");
        }
        assert_eq!(
            crate::guard::catch("ITest::Method", || panic!("boom")),
            crate::hresults::E_UNEXPECTED
        );
        let records = take_records();
        let panic_line = records.last().expect("the panic was reported");
        assert_eq!(panic_line.0, 1);
        assert!(
            panic_line
                .1
                .starts_with("panic in ITest::Method: boom (mobsync-runtime/src/host_log.rs:"),
            "{panic_line:?}"
        );
        assert!(
            panic_line.1.ends_with("; returning E_UNEXPECTED"),
            "{panic_line:?}"
        );
        if hr == S_OK {
            assert_eq!(records[0], (2, "cannot read /src/a".to_string()));
            assert_eq!(records.len(), 2, "{records:?}");
        }

        // A thread of the handler's own: one line naming it.
        std::thread::Builder::new()
            .name("copier".into())
            .spawn(|| panic!("disk gone"))
            .unwrap()
            .join()
            .unwrap_err();
        let records = take_records();
        assert_eq!(records.len(), 1, "{records:?}");
        assert!(
            records[0]
                .1
                .starts_with("panic on the handler's thread 'copier': disk gone ("),
            "{records:?}"
        );

        // A panic the handler's own code catches outside any method is reported when its thread
        // ends; one caught by a method's shim is reported once, by the shim.
        std::thread::spawn(|| {
            assert_eq!(
                crate::guard::catch("ITest::Method", || panic!("in a method")),
                crate::hresults::E_UNEXPECTED
            );
            std::panic::catch_unwind(|| panic!("caught by the handler")).unwrap_err();
            assert_eq!(take_records().len(), 1, "reported when the thread ends");
        })
        .join()
        .unwrap();
        let records = take_records();
        assert_eq!(records.len(), 1, "{records:?}");
        assert!(
            records[0]
                .1
                .starts_with("panic on the handler's thread '<unnamed>': caught by the"),
            "{records:?}"
        );

        assert_eq!(set_log_sink(None, std::ptr::null_mut(), 0), S_OK);
        log::error!("after removal");
        assert!(take_records().is_empty());
    }
}
