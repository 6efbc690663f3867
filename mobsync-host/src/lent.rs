//! The `ISyncMgrSynchronizeCallback` pointer the host lends a handler: a small COM object written
//! by hand, in front of the host's own callback object ([`HostCallback`]), that a handler's
//! reference-counting bugs cannot free.
//!
//! A real host cannot trust its handlers' refcounting. A handler that releases the callback once
//! more than it added would, with a plain COM object, destroy it while the host (and maybe the
//! handler's own worker threads) still use it. So the handler never sees the host's object, only
//! a [`LentCallback`]:
//!
//! - its `AddRef`/`Release` keep a count that never reaches zero: the host's own reference is
//!   the floor, and a `Release` that would go below it is an over-release, counted (the host
//!   reports it) and refused. Nothing is ever freed by a handler's `Release`.
//! - `QueryInterface` answers `IUnknown` and `ISyncMgrSynchronizeCallback` with the lent object
//!   itself, so every pointer the handler can get is guarded.
//! - the nine methods forward to the host's callback object, which checks every argument (null,
//!   misaligned, wrong `cbSize`) and catches panics. The lent object looks at the arguments
//!   first, with the runtime's own checks, and records the contract breaks it finds as problems
//!   in the run's report, so that a call the runtime refuses before the host's code sees it is
//!   not dropped silently. After the run, the host disconnects the lent object
//!   ([`Lent::disconnect`]): the host's callback object is released, and later calls get
//!   `RPC_E_DISCONNECTED`, as calls on a disconnected COM object do.
//! - the lent object itself (a few dozen bytes) is kept for the life of the process, which is as
//!   long as handler modules stay loaded (see [`crate::loader`]): a handler's thread may still
//!   hold, or wrongly keep using, the pointer after the run, and it must always find live memory.
//!   Dropping a [`Lent`] without disconnecting it (a run that ended in a panic) disconnects it.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use mobsync_runtime::sys::{
    IID_ISyncMgrSynchronizeCallback, ISyncMgrSynchronizeCallback, ISyncMgrSynchronizeCallback_Vtbl,
    LPSYNCMGRLOGERRORINFO, LPSYNCMGRPROGRESSITEM, REFSYNCMGRERRORID, REFSYNCMGRITEMID,
    SYNCMGRITEMID, SYNCMGRPROGRESSITEM_STATUSTEXT,
};
use mobsync_runtime::{ComObject, abi};
use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

use crate::callback::HostCallback;
use crate::hresult::{E_INVALIDARG, E_NOINTERFACE, E_POINTER, S_OK};

/// `RPC_E_DISCONNECTED`: "The object invoked has disconnected from its clients", what a call on
/// the lent callback gets after the host's run is over.
pub(crate) const RPC_E_DISCONNECTED: HRESULT = HRESULT(0x8001_0108_u32 as i32);

/// The lent object: one heap block whose address is its interface pointer.
#[repr(C)]
struct LentCallback {
    /// Its vtable ([`VTBL`]); first, as COM requires.
    vtbl: &'static ISyncMgrSynchronizeCallback_Vtbl,
    /// The host's reference (always 1, never given up) plus the handler's.
    refs: AtomicU32,
    /// `Release` calls refused because they would have given up the host's reference.
    over_releases: AtomicU32,
    /// The host's callback object while the run lasts; `None` once disconnected.
    target: Mutex<Option<Target>>,
}

/// The host's callback object and its `ISyncMgrSynchronizeCallback` interface pointer.
struct Target {
    object: ComObject<HostCallback>,
    /// The object's `ISyncMgrSynchronizeCallback` slot; valid while `object` holds a reference.
    interface: *mut c_void,
}

// SAFETY: `interface` is a slot address of the object `object` keeps alive; `HostCallback` is a
// free-threaded object (`Send + Sync`, default threading model), so its reference and its slot
// may be used and released from any thread.
unsafe impl Send for Target {}

impl Clone for Target {
    fn clone(&self) -> Self {
        Target {
            object: self.object.clone(),
            interface: self.interface,
        }
    }
}

/// The host's handle on a lent callback.
#[derive(Debug)]
pub(crate) struct Lent(NonNull<LentCallback>);

// SAFETY: the lent object is only reached through atomics and a mutex, and is never freed.
unsafe impl Send for Lent {}

/// What the handler did with the lent callback, read when the host disconnects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Returned {
    /// `Release` calls beyond the references the handler had added.
    pub over_releases: u32,
}

impl Lent {
    /// Lends `callback` (the host keeps its own reference until [`Lent::disconnect`]).
    pub fn new(callback: ComObject<HostCallback>) -> Lent {
        let interface = callback
            .cast::<ISyncMgrSynchronizeCallback>()
            .expect("the host's callback object implements ISyncMgrSynchronizeCallback");
        // `callback` keeps the object alive; the slot address stays valid without the extra
        // reference `cast` added, given back here.
        let slot = interface.as_raw();
        drop(interface);
        let block = Box::new(LentCallback {
            vtbl: &VTBL,
            refs: AtomicU32::new(1),
            over_releases: AtomicU32::new(0),
            target: Mutex::new(Some(Target {
                object: callback,
                interface: slot,
            })),
        });
        Lent(NonNull::from(Box::leak(block)))
    }

    /// The interface pointer to give the handler (borrowed: the handler `AddRef`s it to keep it).
    pub fn as_raw(&self) -> *mut c_void {
        self.0.as_ptr().cast()
    }

    fn block(&self) -> &LentCallback {
        // SAFETY: the block is never freed (see `disconnect`), and is only read through shared
        // references (atomics and a mutex).
        unsafe { self.0.as_ref() }
    }

    /// Ends the loan: releases the host's callback object (calls in flight keep it alive until
    /// they return), so that later calls get `RPC_E_DISCONNECTED`, and keeps the lent object for
    /// the life of the process. Returns what the handler did with it.
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
struct Retained(#[allow(dead_code)] NonNull<LentCallback>);

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
/// `this` is null or a pointer made by [`Lent::new`] (the only way to reach [`VTBL`]).
unsafe fn block<'a>(this: *mut c_void) -> Option<&'a LentCallback> {
    // SAFETY: per the contract, a non-null `this` is a lent object, which is never freed.
    NonNull::new(this).map(|p| unsafe { p.cast::<LentCallback>().as_ref() })
}

/// Calls `f` with the host callback's interface pointer, or returns `E_POINTER` for a null
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
unsafe fn forward(
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
                let shared = target.object.get().shared();
                // A panic must not cross this extern "system" function (the event sink is the
                // embedding program's code).
                let reported = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    shared.problem_while_running(text)
                }));
                if reported.is_err() {
                    log::error!("reporting a handler's contract break panicked");
                }
            }
            f(target.interface)
        }
        None => RPC_E_DISCONNECTED,
    }
}

/// No contract to check beyond `this`.
fn no_contract() -> Option<String> {
    None
}

/// What is wrong with an `[in]` structure that starts with `cbSize`, as the runtime will see it.
///
/// # Safety
///
/// As for `mobsync_runtime::abi::in_sized_struct_opt`: a non-null `ptr` points to a readable
/// `u32`, and to a whole `S` when that `u32` is `size_of::<S>()`.
unsafe fn sized_struct_fault<S>(ptr: *const S, name: &str) -> Option<String> {
    // SAFETY: forwarded contract.
    match unsafe { abi::in_sized_struct_opt(ptr) } {
        Ok(_) => None,
        Err(_) if !ptr.is_aligned() => Some(format!("a misaligned {name} pointer")),
        Err(_) => {
            // SAFETY: non-null (in_sized_struct_opt accepts null) and aligned, so its first
            // field, a u32, is readable per the contract.
            let size = unsafe { ptr.cast::<u32>().read() };
            Some(format!(
                "a {name} whose cbSize is {size} (expected {})",
                size_of::<S>()
            ))
        }
    }
}

/// What is wrong with a required pointer argument: null or misaligned.
fn pointer_fault<T>(ptr: *const T, name: &str) -> Option<String> {
    match abi::checked_ptr(ptr) {
        Ok(_) => None,
        Err(_) if ptr.is_null() => Some(format!("a null {name}")),
        Err(_) => Some(format!("a misaligned {name}")),
    }
}

/// `method refused: ...` for the first fault found.
fn refused(method: &str, faults: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    let fault = faults.into_iter().flatten().next()?;
    Some(format!("{method} refused: {fault}"))
}

/// The callee's vtable, for the forwarding shims.
///
/// # Safety
///
/// `target` is the `ISyncMgrSynchronizeCallback` slot of a live object.
unsafe fn vt<'a>(target: *mut c_void) -> &'a ISyncMgrSynchronizeCallback_Vtbl {
    // SAFETY: per the contract: an interface pointer points to its vtable pointer.
    unsafe { &**target.cast::<*const ISyncMgrSynchronizeCallback_Vtbl>() }
}

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
    if iid != IUnknown::IID && iid != IID_ISyncMgrSynchronizeCallback {
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
                "a handler released the host's ISyncMgrSynchronizeCallback more times than it \
                 added references; the extra Release was ignored"
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

unsafe extern "system" fn show_properties_completed(this: *mut c_void, hr: HRESULT) -> HRESULT {
    // SAFETY: as in `query_interface`; `forward` passes the live target's slot, and the
    // arguments go through unchanged (the target checks them). The same for every shim below.
    unsafe {
        forward(this, no_contract, |t| {
            (vt(t).ShowPropertiesCompleted)(t, hr)
        })
    }
}

unsafe extern "system" fn prepare_for_sync_completed(this: *mut c_void, hr: HRESULT) -> HRESULT {
    // SAFETY: see `show_properties_completed`.
    unsafe {
        forward(this, no_contract, |t| {
            (vt(t).PrepareForSyncCompleted)(t, hr)
        })
    }
}

unsafe extern "system" fn synchronize_completed(this: *mut c_void, hr: HRESULT) -> HRESULT {
    // SAFETY: see `show_properties_completed`.
    unsafe { forward(this, no_contract, |t| (vt(t).SynchronizeCompleted)(t, hr)) }
}

unsafe extern "system" fn show_error_completed(
    this: *mut c_void,
    hr: HRESULT,
    count: u32,
    items: *mut SYNCMGRITEMID,
) -> HRESULT {
    let contract = || {
        // SAFETY: checks the pointer and count only; nothing is read.
        let array = unsafe { abi::in_slice(items.cast_const(), count) };
        array.err().map(|_| {
            if items.is_null() {
                format!("ShowErrorCompleted refused: {count} item IDs with a null array")
            } else {
                "ShowErrorCompleted refused: a misaligned item ID array".to_owned()
            }
        })
    };
    // SAFETY: see `show_properties_completed`.
    unsafe {
        forward(this, contract, |t| {
            (vt(t).ShowErrorCompleted)(t, hr, count, items)
        })
    }
}

unsafe extern "system" fn enable_modeless(this: *mut c_void, enable: i32) -> HRESULT {
    // SAFETY: see `show_properties_completed`.
    unsafe { forward(this, no_contract, |t| (vt(t).EnableModeless)(t, enable)) }
}

unsafe extern "system" fn progress(
    this: *mut c_void,
    item: REFSYNCMGRITEMID,
    update: LPSYNCMGRPROGRESSITEM,
) -> HRESULT {
    let contract = || {
        // SAFETY: the handler passes a readable structure behind a non-null `update`, as the
        // runtime's shim assumes too; only its `cbSize` is read unless it is right.
        let structure = unsafe { sized_struct_fault(update.cast_const(), "SYNCMGRPROGRESSITEM") };
        let fault = refused("Progress", [pointer_fault(item, "item ID"), structure]);
        if fault.is_some() || update.is_null() {
            return fault;
        }
        // SAFETY: checked above: non-null, aligned and of the right size.
        let update = unsafe { &*update };
        (update.mask & SYNCMGRPROGRESSITEM_STATUSTEXT != 0 && update.lpcStatusText.is_null()).then(
            || {
                "Progress: SYNCMGRPROGRESSITEM_STATUSTEXT is set with a null lpcStatusText (read \
                 as no text)"
                    .to_owned()
            },
        )
    };
    // SAFETY: see `show_properties_completed`.
    unsafe { forward(this, contract, |t| (vt(t).Progress)(t, item, update)) }
}

unsafe extern "system" fn log_error(
    this: *mut c_void,
    level: u32,
    text: *const u16,
    info: LPSYNCMGRLOGERRORINFO,
) -> HRESULT {
    let contract = || {
        // SAFETY: the handler passes a readable structure behind a non-null `info`, as the
        // runtime's shim assumes too; only its `cbSize` is read unless it is right.
        let structure = unsafe { sized_struct_fault(info.cast_const(), "SYNCMGRLOGERRORINFO") };
        refused("LogError", [pointer_fault(text, "error text"), structure])
    };
    // SAFETY: see `show_properties_completed`.
    unsafe { forward(this, contract, |t| (vt(t).LogError)(t, level, text, info)) }
}

unsafe extern "system" fn delete_log_error(
    this: *mut c_void,
    error_id: REFSYNCMGRERRORID,
    reserved: u32,
) -> HRESULT {
    let contract = || {
        let null = error_id.is_null().then(|| "a null error ID".to_owned());
        refused("DeleteLogError", [null])
    };
    // SAFETY: see `show_properties_completed`.
    unsafe {
        forward(this, contract, |t| {
            (vt(t).DeleteLogError)(t, error_id, reserved)
        })
    }
}

unsafe extern "system" fn establish_connection(
    this: *mut c_void,
    connection: *const u16,
    reserved: u32,
) -> HRESULT {
    let contract = || {
        let misaligned = !connection.is_null() && !connection.is_aligned();
        let fault = misaligned.then(|| "a misaligned connection name".to_owned());
        refused("EstablishConnection", [fault])
    };
    // SAFETY: see `show_properties_completed`.
    unsafe {
        forward(this, contract, |t| {
            (vt(t).EstablishConnection)(t, connection, reserved)
        })
    }
}

static VTBL: ISyncMgrSynchronizeCallback_Vtbl = ISyncMgrSynchronizeCallback_Vtbl {
    base__: IUnknown_Vtbl {
        QueryInterface: query_interface,
        AddRef: add_ref,
        Release: release,
    },
    ShowPropertiesCompleted: show_properties_completed,
    PrepareForSyncCompleted: prepare_for_sync_completed,
    SynchronizeCompleted: synchronize_completed,
    ShowErrorCompleted: show_error_completed,
    EnableModeless: enable_modeless,
    Progress: progress,
    LogError: log_error,
    DeleteLogError: delete_log_error,
    EstablishConnection: establish_connection,
};

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use mobsync_runtime::sys::{SYNCMGRPROGRESSITEM, SYNCMGRPROGRESSITEM_STATUSTYPE};

    use super::*;
    use crate::events::NoEvents;
    use crate::state::{Completion, Shared};

    const ITEM: GUID = GUID::from_u128(0x11);

    fn lent() -> (Lent, Arc<Shared>) {
        let shared = Shared::new(0, GUID::from_u128(1), Arc::new(NoEvents));
        let object = HostCallback::create(Arc::clone(&shared));
        (Lent::new(object), shared)
    }

    /// The IUnknown slots of the lent object.
    fn unknown(raw: *mut c_void) -> &'static IUnknown_Vtbl {
        // SAFETY: `raw` is a lent object, never freed, whose vtable begins with IUnknown's.
        unsafe { &**raw.cast::<*const IUnknown_Vtbl>() }
    }

    #[test]
    fn over_releases_are_counted_and_never_free_anything() {
        let (lent, shared) = lent();
        let raw = lent.as_raw();
        let v = unknown(raw);
        // SAFETY: `raw` is live for the whole test (lent objects are never freed); AddRef and
        // Release take only `this`, and the extra Releases are the over-releases under test.
        unsafe {
            assert_eq!((v.AddRef)(raw), 2);
            assert_eq!((v.Release)(raw), 1);
            assert_eq!((v.Release)(raw), 1, "the host's reference is the floor");
            assert_eq!((v.Release)(raw), 1);
        }
        shared.expect(Completion::Synchronize);
        // SAFETY: the lent object is still connected and live; the completion takes an HRESULT.
        let hr = unsafe { (VTBL.SynchronizeCompleted)(raw, S_OK) };
        assert_eq!(hr, S_OK, "the object still works after the over-releases");
        assert_eq!(lent.disconnect(), Returned { over_releases: 2 });
    }

    #[test]
    fn query_interface_gives_the_lent_object_itself() {
        let (lent, _shared) = lent();
        let raw = lent.as_raw();
        let v = unknown(raw);
        for iid in [IUnknown::IID, IID_ISyncMgrSynchronizeCallback] {
            let mut out = std::ptr::null_mut();
            // SAFETY: `raw` is live; `iid` and `out` are valid for the call.
            assert_eq!(unsafe { (v.QueryInterface)(raw, &iid, &mut out) }, S_OK);
            assert_eq!(out, raw);
            // SAFETY: gives back the reference QueryInterface added.
            unsafe { (v.Release)(raw) };
        }
        let mut out: *mut c_void = std::ptr::without_provenance_mut(0xdead_beef);
        let other = GUID::from_u128(0x1234);
        // SAFETY: as above.
        let hr = unsafe { (v.QueryInterface)(raw, &other, &mut out) };
        assert_eq!((hr, out), (E_NOINTERFACE, std::ptr::null_mut()));
        // SAFETY: null `ppv` and `iid` are checked before anything is read or written.
        unsafe {
            assert_eq!(
                (v.QueryInterface)(raw, &other, std::ptr::null_mut()),
                E_POINTER
            );
            assert_eq!(
                (v.QueryInterface)(raw, std::ptr::null(), &mut out),
                E_POINTER
            );
        }
        assert_eq!(lent.disconnect(), Returned { over_releases: 0 });
    }

    #[test]
    fn contract_breaks_the_runtime_refuses_are_reported_with_its_answer() {
        let (lent, shared) = lent();
        let raw = lent.as_raw();
        shared.set_items(
            vec![crate::model::ItemReport::new(ITEM, "a".into(), 0, true)],
            false,
        );
        let mut update = SYNCMGRPROGRESSITEM {
            cbSize: 3,
            mask: SYNCMGRPROGRESSITEM_STATUSTYPE,
            lpcStatusText: std::ptr::null(),
            dwStatusType: 2,
            iProgValue: 0,
            iMaxValue: 0,
        };
        let text = [u16::from(b'e'), 0];
        // SAFETY: the lent object is live; every pointer is a local, a NUL-terminated text or a
        // null the runtime refuses without reading.
        let answers = unsafe {
            let bad_size = (VTBL.Progress)(raw, &ITEM, &mut update);
            let null_item = (VTBL.Progress)(raw, std::ptr::null(), std::ptr::null_mut());
            update.cbSize = size_of::<SYNCMGRPROGRESSITEM>() as u32;
            update.mask |= SYNCMGRPROGRESSITEM_STATUSTEXT;
            let null_text = (VTBL.Progress)(raw, &ITEM, &mut update);
            [
                bad_size,
                null_item,
                null_text,
                (VTBL.LogError)(raw, 3, std::ptr::null(), std::ptr::null_mut()),
                (VTBL.ShowErrorCompleted)(raw, S_OK, 2, std::ptr::null_mut()),
                (VTBL.DeleteLogError)(raw, std::ptr::null(), 0),
                (VTBL.LogError)(raw, 3, text.as_ptr(), std::ptr::null_mut()),
            ]
        };
        assert_eq!(
            answers,
            [
                E_INVALIDARG,
                E_POINTER,
                S_OK,
                E_POINTER,
                E_INVALIDARG,
                E_POINTER,
                S_OK
            ]
        );
        let expected = [
            format!(
                "Progress refused: a SYNCMGRPROGRESSITEM whose cbSize is 3 (expected {})",
                size_of::<SYNCMGRPROGRESSITEM>()
            ),
            "Progress refused: a null item ID".into(),
            "Progress: SYNCMGRPROGRESSITEM_STATUSTEXT is set with a null lpcStatusText (read as \
             no text)"
                .into(),
            "LogError refused: a null error text".into(),
            "ShowErrorCompleted refused: 2 item IDs with a null array".into(),
            "DeleteLogError refused: a null error ID".into(),
        ];
        assert_eq!(shared.snapshot().problems, expected);
        lent.disconnect();
    }

    #[test]
    fn calls_after_the_disconnect_get_rpc_e_disconnected() {
        let (lent, shared) = lent();
        let raw = lent.as_raw();
        let v = unknown(raw);
        // SAFETY: the handler's reference, kept past the disconnect as a late caller would.
        unsafe { (v.AddRef)(raw) };
        shared.set_items(
            vec![crate::model::ItemReport::new(ITEM, "a".into(), 0, true)],
            false,
        );
        let mut update = SYNCMGRPROGRESSITEM {
            cbSize: size_of::<SYNCMGRPROGRESSITEM>() as u32,
            mask: SYNCMGRPROGRESSITEM_STATUSTYPE,
            lpcStatusText: std::ptr::null(),
            dwStatusType: 2,
            iProgValue: 0,
            iMaxValue: 0,
        };
        assert_eq!(lent.disconnect(), Returned { over_releases: 0 });
        // SAFETY: the lent object outlives the disconnect; the arguments are valid locals.
        unsafe {
            assert_eq!((VTBL.Progress)(raw, &ITEM, &mut update), RPC_E_DISCONNECTED);
            assert_eq!((VTBL.SynchronizeCompleted)(raw, S_OK), RPC_E_DISCONNECTED);
            assert_eq!(
                (VTBL.Progress)(std::ptr::null_mut(), &ITEM, &mut update),
                E_POINTER
            );
            assert_eq!((v.Release)(raw), 1);
            assert_eq!(
                (v.Release)(raw),
                1,
                "an over-release after the run is refused too"
            );
        }
    }
}
