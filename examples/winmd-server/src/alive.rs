//! What keeps the module loaded: live objects and server locks, which `DllCanUnloadNow` reads.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A count that `DllCanUnloadNow` reads.
#[derive(Debug)]
pub(crate) struct Count(AtomicUsize);

impl Count {
    /// Counts one more.
    pub(crate) fn hold(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }

    /// Counts one fewer; false (and no change) when the count is 0.
    pub(crate) fn release(&self) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Whether the count is 0.
    pub(crate) fn is_zero(&self) -> bool {
        self.0.load(Ordering::Acquire) == 0
    }
}

/// Objects of this module alive, factories included.
pub(crate) static OBJECTS: Count = Count(AtomicUsize::new(0));
/// `LockServer(TRUE)` locks held.
pub(crate) static LOCKS: Count = Count(AtomicUsize::new(0));
