//! Keeping panics from crossing `extern "system"`.
//!
//! Every method shim runs the user's code through [`catch`]: a panic becomes `E_UNEXPECTED` and one
//! line naming the method, the message and where it happened goes to the host's log sink when the
//! host set one ([`crate::host_log`]; nothing then reaches stderr), else to the [`log`] facade. The runtime holds no lock while user code runs, so nothing
//! is poisoned and the next call on the same object works.
//!
//! Catching needs `panic = "unwind"`. A handler DLL built with `panic = "abort"` (as the Windows
//! cross build in WINDOWS.md does for std) aborts the host process on a panic instead: there is
//! nothing to catch.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use windows_core::HRESULT;

use crate::host_log;
use crate::hresults::E_UNEXPECTED;

/// Runs `f`, turning a panic into `E_UNEXPECTED` (logged with `what`, e.g. `"ISyncMgrSynchronize::Initialize"`).
#[inline(always)]
pub(crate) fn catch(what: &str, f: impl FnOnce() -> HRESULT) -> HRESULT {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(hr) => hr,
        Err(payload) => {
            report_panic(what, payload);
            E_UNEXPECTED
        }
    }
}

/// Runs `f`, turning a panic into `None` (logged with `what`).
#[inline(always)]
pub(crate) fn catch_value<R>(what: &str, f: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Some(value),
        Err(payload) => {
            report_panic(what, payload);
            None
        }
    }
}

/// Logs a caught panic and disposes of its payload without letting anything unwind further: a
/// panicking logger or a payload whose `Drop` panics are contained too.
fn report_panic(what: &str, payload: Box<dyn Any + Send>) {
    let message = panic_message(&*payload);
    let at = host_log::take_panic_location();
    let logged = catch_unwind(AssertUnwindSafe(|| {
        let line = format!("panic in {what}: {message}{at}; returning E_UNEXPECTED");
        // The caller reads it as the description of the thread's error object.
        crate::error_info::set_pending(E_UNEXPECTED, format!("panic in {what}: {message}"));
        if !host_log::send(log::Level::Error, &line) {
            log::error!("{line}");
        }
    }));
    drop(logged);
    if let Err(nested) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        // The payload's destructor panicked; the second payload is leaked rather than dropped.
        std::mem::forget(nested);
    }
}

/// The text of a panic payload (`panic!("...")` gives `&str` or `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "<non-string panic payload>"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hresults::S_OK;

    #[test]
    fn panics_become_e_unexpected() {
        assert_eq!(catch("test", || panic!("boom")), E_UNEXPECTED);
        assert_eq!(catch("test", || S_OK), S_OK);
        assert_eq!(catch_value("test", || 7), Some(7));
        assert_eq!(
            catch_value::<u8>("test", || panic!("{}", String::from("x"))),
            None
        );
    }

    #[test]
    fn payload_with_panicking_drop_is_contained() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                // `report_panic` forgets this second payload on purpose; a zero-sized one keeps
                // that from being a heap leak, so Miri's leak check stays on for this test.
                std::panic::panic_any(());
            }
        }
        assert_eq!(catch("test", || std::panic::panic_any(Bomb)), E_UNEXPECTED);
    }

    #[test]
    fn message_extraction() {
        let p: Box<dyn Any + Send> = Box::new("static");
        assert_eq!(panic_message(&*p), "static");
        let p: Box<dyn Any + Send> = Box::new(String::from("owned"));
        assert_eq!(panic_message(&*p), "owned");
        let p: Box<dyn Any + Send> = Box::new(5u8);
        assert_eq!(panic_message(&*p), "<non-string panic payload>");
    }
}
