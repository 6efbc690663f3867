//! Threading models: what COM may do with an object, and what Rust then requires of its type.
//!
//! - [`Both`] (the default) and [`Free`]: COM may call the object from any thread at the same
//!   time and release it on any thread, so the type must be `Send + Sync`.
//!   `#[derive(SyncMgrHandler)]` and `#[derive(ComObject)]` assert it where they expand (an error
//!   names `handler_must_be_send_and_sync_or_use_threading_apartment`), and the unsafe
//!   [`ComClass`](crate::object::ComClass) contract requires it of any other implementation.
//! - [`Apartment`]: COM calls the object only on the thread that created it (through proxies
//!   from other apartments), so the type need not be `Send` or `Sync`. The runtime enforces the
//!   promise: a method called on another thread returns `RPC_E_WRONG_THREAD` without touching the
//!   value, and a final `Release` on another thread leaks the value (logged) instead of dropping a
//!   `!Send` value on the wrong thread.

use std::thread::ThreadId;

/// The `ThreadingModel` registry value of a class, and how the runtime guards its objects.
///
/// # Safety
///
/// `CHECKS_THREAD` must be true unless the runtime may share the value across threads freely;
/// whether a given type may (`Send + Sync`) is part of the [`ComClass`](crate::object::ComClass)
/// contract.
pub unsafe trait ThreadingPolicy<T: ?Sized>: 'static {
    /// The registry value: `"Both"`, `"Free"` or `"Apartment"`.
    const MODEL: &'static str;
    /// Whether calls and the final release must happen on the creating thread.
    const CHECKS_THREAD: bool;
}

/// `ThreadingModel=Both`: any apartment, any thread. Requires `Send + Sync`.
#[derive(Debug)]
pub enum Both {}

/// `ThreadingModel=Free`: the multithreaded apartment only. Requires `Send + Sync`.
#[derive(Debug)]
pub enum Free {}

/// `ThreadingModel=Apartment`: the creating single-threaded apartment only. No `Send`/`Sync`
/// requirement; the runtime checks the calling thread.
#[derive(Debug)]
pub enum Apartment {}

// SAFETY: `ComClass` implementations choosing `Both` guarantee `Send + Sync`.
unsafe impl<T: ?Sized> ThreadingPolicy<T> for Both {
    const MODEL: &'static str = "Both";
    const CHECKS_THREAD: bool = false;
}

// SAFETY: as for `Both`.
unsafe impl<T: ?Sized> ThreadingPolicy<T> for Free {
    const MODEL: &'static str = "Free";
    const CHECKS_THREAD: bool = false;
}

// SAFETY: `CHECKS_THREAD` is true, so the runtime confines the value to its creating thread.
unsafe impl<T: ?Sized> ThreadingPolicy<T> for Apartment {
    const MODEL: &'static str = "Apartment";
    const CHECKS_THREAD: bool = true;
}

/// The calling thread's id, or `None` while the thread is being torn down.
pub(crate) fn current_thread() -> Option<ThreadId> {
    crate::guard::catch_value("std::thread::current", || std::thread::current().id())
}
