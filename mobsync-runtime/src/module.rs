//! Module-wide counts of live objects and server locks, behind `DllCanUnloadNow`.
//!
//! Every COM object the runtime creates (handlers, enumerators, class factories, host callbacks)
//! counts from its creation until the Rust value is dropped; `IClassFactory::LockServer(TRUE)`
//! adds a lock. Each DLL that links the runtime has its own counters, as each DLL has its own
//! `DllCanUnloadNow`.

use std::sync::atomic::{AtomicUsize, Ordering};

use windows_core::HRESULT;

use crate::hresults::{E_UNEXPECTED, S_FALSE, S_OK};

static OBJECTS: AtomicUsize = AtomicUsize::new(0);
static LOCKS: AtomicUsize = AtomicUsize::new(0);

/// The number of live COM objects created by this module.
pub fn object_count() -> usize {
    OBJECTS.load(Ordering::Acquire)
}

/// The number of outstanding `IClassFactory::LockServer(TRUE)` calls.
pub fn lock_count() -> usize {
    LOCKS.load(Ordering::Acquire)
}

/// What `DllCanUnloadNow` returns: `S_OK` when no object is alive and the server is not locked,
/// else `S_FALSE`.
pub fn can_unload_now() -> HRESULT {
    if object_count() == 0 && lock_count() == 0 {
        S_OK
    } else {
        S_FALSE
    }
}

pub(crate) fn object_created() {
    OBJECTS.fetch_add(1, Ordering::AcqRel);
}

pub(crate) fn object_destroyed() {
    // One atomic operation on the path every Release to zero takes. A miscount must not leave
    // the count wrapped to "many objects alive": undone at once (a DllCanUnloadNow that reads
    // the wrapped value in between says S_FALSE, the safe answer).
    if OBJECTS.fetch_sub(1, Ordering::AcqRel) == 0 {
        OBJECTS.fetch_add(1, Ordering::AcqRel);
    }
}

/// `LockServer(TRUE)`.
pub(crate) fn lock() -> HRESULT {
    LOCKS.fetch_add(1, Ordering::AcqRel);
    S_OK
}

/// `LockServer(FALSE)`; an unlock without a matching lock is refused with `E_UNEXPECTED`.
pub(crate) fn unlock() -> HRESULT {
    match LOCKS.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)) {
        Ok(_) => S_OK,
        Err(_) => {
            log::warn!("IClassFactory::LockServer(FALSE) without a matching LockServer(TRUE)");
            E_UNEXPECTED
        }
    }
}
