//! The interface pointers the host lends a handler: small COM objects written by hand, each in
//! front of one interface of a host object, that a handler's reference-counting bugs cannot free.
//!
//! A real host cannot trust its handlers' refcounting. A handler that releases a host object once
//! more than it added would, with a plain COM object, destroy it while the host (and maybe the
//! handler's own worker threads) still use it. So the handler never sees the host's objects, only
//! lent stand-ins ([`Lent`]):
//!
//! - their `AddRef`/`Release` keep a count that never reaches zero: the host's own reference is
//!   the floor, and a `Release` that would go below it is an over-release, counted (the host
//!   reports it) and refused. Nothing is ever freed by a handler's `Release`.
//! - `QueryInterface` answers `IUnknown` and the lent interface with the lent object itself, so
//!   every pointer the handler can get is guarded.
//! - the methods forward to the host's object, which checks every argument (null, misaligned,
//!   wrong `cbSize`) and catches panics. A lent object may look at the arguments first, with the
//!   runtime's own checks, and record the contract breaks it finds as problems in the run's
//!   report, so that a call the runtime refuses before the host's code sees it is not dropped
//!   silently. After the run, the host disconnects the lent object ([`Lent::disconnect`]): the
//!   host's object is released, and later calls get `RPC_E_DISCONNECTED`, as calls on a
//!   disconnected COM object do.
//! - the lent object itself (a few dozen bytes) is kept for the life of the process, which is as
//!   long as handler modules stay loaded (see [`crate::loader`]): a handler's thread may still
//!   hold, or wrongly keep using, the pointer after the run, and it must always find live memory.
//!   Dropping a [`Lent`] without disconnecting it (a run that ended in a panic) disconnects it.
//!
//! The vtables: [`sync_manager`] (`ISyncMgrSynchronizeCallback`) and [`sync_center`]
//! (`ISyncMgrSessionCreator`, `ISyncMgrSyncCallback`).

pub(crate) mod sync_center;
pub(crate) mod sync_manager;

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use mobsync_runtime::abi;
use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

use crate::hresult::{E_INVALIDARG, E_NOINTERFACE, E_POINTER, S_OK};
use crate::raw::ComRef;

/// `RPC_E_DISCONNECTED`: "The object invoked has disconnected from its clients", what a call on
/// a lent object gets after the host's run is over.
pub(crate) const RPC_E_DISCONNECTED: HRESULT = HRESULT(0x8001_0108_u32 as i32);

/// Where a lent object reports the contract breaks it sees (the run's problem list).
pub(crate) type Problems = Arc<dyn Fn(String) + Send + Sync>;

/// The lent object: one heap block whose address is its interface pointer.
#[repr(C)]
struct Block {
    /// Its vtable (one of the `static`s of the submodules); first, as COM requires.
    vtbl: *const c_void,
    /// The interface it lends.
    iid: GUID,
    /// The interface's name, for messages.
    name: &'static str,
    /// The host's reference (always 1, never given up) plus the handler's.
    refs: AtomicU32,
    /// `Release` calls refused because they would have given up the host's reference.
    over_releases: AtomicU32,
    /// The host's object while the run lasts; `None` once disconnected.
    target: Mutex<Option<Target>>,
}

// SAFETY: `vtbl` points to an immutable `static`; everything else is atomics and a mutex.
unsafe impl Sync for Block {}

/// The host object's interface (one reference) and where contract breaks go.
#[derive(Clone)]
struct Target {
    interface: ComRef,
    problems: Problems,
}

/// The host's handle on a lent object.
#[derive(Debug)]
pub(crate) struct Lent(NonNull<Block>);

// SAFETY: the lent object is only reached through atomics and a mutex, and is never freed.
unsafe impl Send for Lent {}
// SAFETY: as above.
unsafe impl Sync for Lent {}

/// What the handler did with a lent object, read when the host disconnects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Returned {
    /// `Release` calls beyond the references the handler had added.
    pub over_releases: u32,
}

impl Lent {
    /// Lends `interface` (one reference to a host object's interface `iid`, called `name`) behind
    /// `vtbl`, whose methods forward through [`forward`]; the host keeps the reference until
    /// [`Lent::disconnect`].
    ///
    /// `vtbl` must be a vtable of interface `iid` whose `IUnknown` slots are [`UNKNOWN`] and whose
    /// other slots take a lent object as `this`.
    pub fn new<V: Sync + 'static>(
        vtbl: &'static V,
        iid: GUID,
        name: &'static str,
        interface: ComRef,
        problems: Problems,
    ) -> Lent {
        let block = Box::new(Block {
            vtbl: (vtbl as *const V).cast(),
            iid,
            name,
            refs: AtomicU32::new(1),
            over_releases: AtomicU32::new(0),
            target: Mutex::new(Some(Target {
                interface,
                problems,
            })),
        });
        Lent(NonNull::from(Box::leak(block)))
    }

    /// The interface pointer to give the handler (borrowed: the handler `AddRef`s it to keep it).
    pub fn as_raw(&self) -> *mut c_void {
        self.0.as_ptr().cast()
    }

    fn block(&self) -> &Block {
        // SAFETY: the block is never freed (see `disconnect`), and is only read through shared
        // references (atomics and a mutex).
        unsafe { self.0.as_ref() }
    }

    /// Ends the loan: releases the host's object (calls in flight keep it alive until they
    /// return), so that later calls get `RPC_E_DISCONNECTED`, and keeps the lent object for the
    /// life of the process. Returns what the handler did with it.
    pub fn disconnect(self) -> Returned {
        let block = self.block();
        drop(lock(&block.target).take());
        Returned {
            over_releases: block.over_releases.load(Ordering::SeqCst),
        }
        // `drop(self)` keeps the lent object.
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        drop(lock(&self.block().target).take());
        lock(retained()).push(Retained(self.0));
    }
}

/// A lent object kept for the life of the process.
struct Retained(#[allow(dead_code)] NonNull<Block>);

// SAFETY: an address kept only so that the block stays reachable; nothing dereferences it.
unsafe impl Send for Retained {}

/// Every lent object ever made, kept (reachable) for the life of the process.
fn retained() -> &'static Mutex<Vec<Retained>> {
    static RETAINED: OnceLock<Mutex<Vec<Retained>>> = OnceLock::new();
    RETAINED.get_or_init(Default::default)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The lent object behind `this`, or `None` for null.
///
/// # Safety
///
/// `this` is null or a pointer made by [`Lent::new`] (the only way to reach the lent vtables).
unsafe fn block<'a>(this: *mut c_void) -> Option<&'a Block> {
    // SAFETY: per the contract, a non-null `this` is a lent object, which is never freed.
    NonNull::new(this).map(|p| unsafe { p.cast::<Block>().as_ref() })
}

/// Calls `f` with the host object's interface pointer, or returns `E_POINTER` for a null
/// `this` and `RPC_E_DISCONNECTED` after the run. The target's reference is held for the call.
///
/// `contract` looks at the arguments first: a contract break it finds (one that the runtime's
/// checks refuse before the host's code sees the call, or one they let through) is recorded as
/// a problem in the run's report; the call is forwarded either way, so the answer is the
/// runtime's documented one.
///
/// # Safety
///
/// As for [`block`].
pub(crate) unsafe fn forward(
    this: *mut c_void,
    contract: impl FnOnce() -> Option<String>,
    f: impl FnOnce(*mut c_void) -> HRESULT,
) -> HRESULT {
    // SAFETY: forwarded from the caller.
    let Some(block) = (unsafe { block(this) }) else {
        return E_POINTER;
    };
    let target = lock(&block.target).clone();
    match target {
        Some(target) => {
            if let Some(text) = contract() {
                // A panic must not cross this extern "system" function (the problem list may
                // reach the embedding program's event sink).
                let reported = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    (target.problems)(text)
                }));
                if reported.is_err() {
                    log::error!("reporting a handler's contract break panicked");
                }
            }
            f(target.interface.as_raw())
        }
        None => RPC_E_DISCONNECTED,
    }
}

/// The callee's vtable, for the forwarding shims.
///
/// # Safety
///
/// `target` is an interface pointer of a live object whose vtable has the layout `V`.
pub(crate) unsafe fn vt<'a, V>(target: *mut c_void) -> &'a V {
    // SAFETY: per the contract: an interface pointer points to its vtable pointer.
    unsafe { &**target.cast::<*const V>() }
}

/// No contract to check beyond `this`.
pub(crate) fn no_contract() -> Option<String> {
    None
}

/// What is wrong with a required pointer argument: null or misaligned.
pub(crate) fn pointer_fault<T>(ptr: *const T, name: &str) -> Option<String> {
    match abi::checked_ptr(ptr) {
        Ok(_) => None,
        Err(_) if ptr.is_null() => Some(format!("a null {name}")),
        Err(_) => Some(format!("a misaligned {name}")),
    }
}

/// `method refused: ...` for the first fault found.
pub(crate) fn refused(
    method: &str,
    faults: impl IntoIterator<Item = Option<String>>,
) -> Option<String> {
    let fault = faults.into_iter().flatten().next()?;
    Some(format!("{method} refused: {fault}"))
}

/// The `IUnknown` slots of every lent vtable.
pub(crate) const UNKNOWN: IUnknown_Vtbl = IUnknown_Vtbl {
    QueryInterface: query_interface,
    AddRef: add_ref,
    Release: release,
};

unsafe extern "system" fn query_interface(
    this: *mut c_void,
    iid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    if ppv.is_null() {
        return E_POINTER;
    }
    if !ppv.is_aligned() {
        return E_INVALIDARG;
    }
    // SAFETY: `ppv` is non-null and aligned, and writable per the COM contract.
    unsafe { ppv.write(std::ptr::null_mut()) };
    // SAFETY: `this` reaches this slot only through a lent object's vtable (or is null).
    let Some(block) = (unsafe { block(this) }) else {
        return E_POINTER;
    };
    if iid.is_null() {
        return E_POINTER;
    }
    // SAFETY: `iid` is non-null and readable per the COM contract; a GUID may come at any address.
    let iid = unsafe { iid.read_unaligned() };
    if iid != IUnknown::IID && iid != block.iid {
        return E_NOINTERFACE;
    }
    block.refs.fetch_add(1, Ordering::Relaxed);
    // SAFETY: as above; the caller owns the reference just added.
    unsafe { ppv.write(this) };
    S_OK
}

unsafe extern "system" fn add_ref(this: *mut c_void) -> u32 {
    // SAFETY: as in `query_interface`.
    match unsafe { block(this) } {
        Some(block) => block.refs.fetch_add(1, Ordering::Relaxed).wrapping_add(1),
        None => 0,
    }
}

unsafe extern "system" fn release(this: *mut c_void) -> u32 {
    // SAFETY: as in `query_interface`.
    let Some(block) = (unsafe { block(this) }) else {
        return 0;
    };
    // Nothing is freed here, so no ordering beyond the count's own is needed.
    let mut current = block.refs.load(Ordering::Relaxed);
    loop {
        if current <= 1 {
            block.over_releases.fetch_add(1, Ordering::SeqCst);
            log::warn!(
                "a handler released the host's {} more times than it added references; the \
                 extra Release was ignored",
                block.name
            );
            return 1;
        }
        match block.refs.compare_exchange_weak(
            current,
            current - 1,
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            Ok(_) => return current - 1,
            Err(now) => current = now,
        }
    }
}
