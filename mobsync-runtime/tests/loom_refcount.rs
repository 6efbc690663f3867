//! The COM object's reference count, model-checked with loom: concurrent `AddRef`, `Release`
//! and `QueryInterface` never drop the value early and never twice.
//!
//! Built only with `--cfg loom`, which switches the runtime's refcount atomics
//! (`mobsync-runtime/src/object.rs`) to loom's, so loom explores every interleaving (and every
//! memory-ordering outcome it models) of the real `AddRef`/`Release`/`QueryInterface` code, called
//! through the raw vtables generated for a `#[derive(ComObject)]` type with two interfaces:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p mobsync-runtime --test loom_refcount
//! ```
//!
//! What "early" means is checked two ways: every method call asserts (on shared state that
//! outlives the object) that the value is not dropped yet, and reads a `loom::cell::UnsafeCell`
//! in the value that its `Drop` writes — loom reports a causality violation if the drop is not
//! ordered after every access made under a reference, which is exactly what the `Release`
//! ordering and the `Acquire` fence must guarantee.

#![cfg(loom)]

use std::ffi::c_void;

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use mobsync_runtime::sys::{
    IID_ISyncMgrEnumItems, IID_ISyncMgrSynchronizeInvoke, ISyncMgrEnumItems,
    ISyncMgrEnumItems_Vtbl, ISyncMgrSynchronizeInvoke_Vtbl, SYNCMGRITEM,
};
use mobsync_runtime::{ComObject, SkipOutcome, SyncMgrEnumItems, SyncMgrSynchronizeInvoke};
use mobsync_test_support::raw::{add_ref, garbage, query, release, vtbl};
use mobsync_test_support::{IID_IUNKNOWN, SendPtr};
use windows_core::{GUID, HRESULT, Interface};

const S_OK: HRESULT = HRESULT(0);

/// State that outlives the object: how many times the value was dropped and whether it is gone.
#[derive(Default)]
struct Shared {
    drops: AtomicUsize,
    calls: AtomicUsize,
}

/// The value inside the COM object.
#[derive(mobsync_runtime::ComObject)]
#[com_object(interfaces(ISyncMgrEnumItems, ISyncMgrSynchronizeInvoke))]
struct Probe {
    shared: Arc<Shared>,
    /// Read by every method, written by `Drop`: loom checks the two are ordered.
    payload: UnsafeCell<u64>,
}

// SAFETY: the derive requires `Send + Sync`. `payload` is only read through `&self` and written
// in `Drop`, when no other reference exists; loom verifies that claim.
unsafe impl Sync for Probe {}

impl Probe {
    fn new(shared: &Arc<Shared>) -> Self {
        Probe {
            shared: Arc::clone(shared),
            payload: UnsafeCell::new(42),
        }
    }

    /// What every method does: check the value is alive and read it.
    fn touch(&self) {
        assert_eq!(
            self.shared.drops.load(Ordering::SeqCst),
            0,
            "a method ran on a dropped value"
        );
        // SAFETY: `with` hands out a pointer to the initialized cell; the only write is in
        // `Drop`, when no reference (and so no call) remains, which loom checks.
        let value = self.payload.with(|p| unsafe { *p });
        assert_eq!(value, 42);
        self.shared.calls.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        // SAFETY: `drop` has `&mut self`: no method can be reading the cell (loom checks that the
        // reads happen before).
        self.payload.with_mut(|p| unsafe { *p = 0 });
        let before = self.shared.drops.fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, 0, "the value was dropped twice");
    }
}

impl SyncMgrEnumItems for Probe {
    fn next(&self, _items: &mut [SYNCMGRITEM]) -> windows_core::Result<usize> {
        self.touch();
        Ok(0)
    }
    fn skip(&self, _count: u32) -> windows_core::Result<SkipOutcome> {
        self.touch();
        Ok(SkipOutcome::S_OK)
    }
    fn reset(&self) -> windows_core::Result<()> {
        self.touch();
        Ok(())
    }
    fn clone_com(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        Err(HRESULT(0x8000_4001_u32 as i32).into())
    }
}

impl SyncMgrSynchronizeInvoke for Probe {
    fn update_items(&self, _flags: u32, _clsid: &GUID, _cookie: &[u8]) -> windows_core::Result<()> {
        self.touch();
        Ok(())
    }
    fn update_all(&self) -> windows_core::Result<()> {
        self.touch();
        Ok(())
    }
}

// The test moves raw interface pointers to other (loom) threads as `SendPtr`s: the objects are
// `Send + Sync`, and each pointer sent carries a counted reference for the thread.

/// `QueryInterface(iid)`, which must answer S_OK with an interface: the new reference.
///
/// # Safety
///
/// `this` is a live interface pointer.
unsafe fn query_ok(this: *mut c_void, iid: &GUID) -> *mut c_void {
    // SAFETY: `this` is live per the contract.
    let (hr, out) = unsafe { query(this, iid) };
    assert_eq!(hr, S_OK);
    assert!(!out.is_null() && out != garbage());
    out
}
/// `ISyncMgrEnumItems::Skip(0)` on slot 0.
///
/// # Safety
///
/// `this` is a live `ISyncMgrEnumItems` pointer of a `Probe`.
unsafe fn call_enum(this: *mut c_void) {
    // SAFETY: per the contract `this` is a live ISyncMgrEnumItems, and Skip takes only a count.
    let hr = unsafe { (vtbl::<ISyncMgrEnumItems_Vtbl>(this).Skip)(this, 0) };
    assert_eq!(hr, S_OK);
}
/// `ISyncMgrSynchronizeInvoke::UpdateAll` on slot 1.
///
/// # Safety
///
/// `this` is a live `ISyncMgrSynchronizeInvoke` pointer of a `Probe`.
unsafe fn call_invoke(this: *mut c_void) {
    // SAFETY: per the contract `this` is a live ISyncMgrSynchronizeInvoke, and UpdateAll takes
    // nothing else.
    let hr = unsafe { (vtbl::<ISyncMgrSynchronizeInvoke_Vtbl>(this).UpdateAll)(this) };
    assert_eq!(hr, S_OK);
}

/// A new object: its `ISyncMgrEnumItems` (slot 0) with one reference.
fn new_object(shared: &Arc<Shared>) -> *mut c_void {
    let object = ComObject::new(Probe::new(shared));
    let enumerator = object
        .cast::<ISyncMgrEnumItems>()
        .expect("slot 0 is ISyncMgrEnumItems");
    drop(object);
    enumerator.into_raw()
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    // Up to five preemptions per execution (LOOM_MAX_PREEMPTIONS overrides it): every thread here
    // does only a handful of atomic operations, so this explores their interleavings in about
    // 4 s in a debug build; 8 takes about 25 s and found nothing more.
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(5);
    }
    builder.check(f);
}

/// Two threads each hold one reference, call a method and release: the value is dropped exactly
/// once, after both calls, whichever `Release` comes last.
#[test]
fn concurrent_releases_drop_once_after_every_call() {
    model(|| {
        let shared = Arc::new(Shared::default());
        let first = new_object(&shared);
        // SAFETY: `first` carries the reference `new_object` gave us; the one added here is the
        // worker's.
        unsafe { add_ref(first) };
        let second = SendPtr(first);
        let worker = thread::spawn(move || {
            let this = second;
            // SAFETY: `this` carries the worker's own reference, given up by its last call.
            unsafe {
                call_enum(this.0);
                release(this.0);
            }
        });
        // SAFETY: `first` carries this thread's reference, given up by its last call.
        unsafe {
            call_enum(first);
            release(first);
        }
        worker.join().unwrap();
        assert_eq!(shared.drops.load(Ordering::SeqCst), 1);
        assert_eq!(shared.calls.load(Ordering::Relaxed), 2);
    });
}

/// `QueryInterface` for the other interface and for `IUnknown` from one thread while another
/// thread adds and releases references and the owner lets go: identity holds, every reference
/// taken through QI keeps the value alive, and it is dropped once at the end.
#[test]
fn query_interface_add_ref_and_release_race() {
    model(|| {
        let shared = Arc::new(Shared::default());
        let enumerator = new_object(&shared);
        // SAFETY: `enumerator` carries the reference `new_object` gave us; the two added here
        // are the two threads'.
        unsafe {
            add_ref(enumerator);
            add_ref(enumerator);
        }
        let for_qi = SendPtr(enumerator);
        let for_refs = SendPtr(enumerator);
        let qi = thread::spawn(move || {
            let this = for_qi;
            // SAFETY: `this` carries the thread's own reference, and every pointer a query
            // hands out carries one more; each is used before its own release (`invoke` stays
            // alive after `this` is released: it holds a reference of its own).
            unsafe {
                let invoke = query_ok(this.0, &IID_ISyncMgrSynchronizeInvoke);
                let unknown_a = query_ok(invoke, &IID_IUNKNOWN);
                let unknown_b = query_ok(this.0, &IID_IUNKNOWN);
                assert_eq!(unknown_a, unknown_b, "COM identity");
                assert_eq!(unknown_a, this.0, "IUnknown is slot 0");
                release(this.0);
                call_invoke(invoke);
                release(unknown_a);
                release(unknown_b);
                release(invoke);
            }
        });
        let refs = thread::spawn(move || {
            let this = for_refs;
            // SAFETY: `this` carries the thread's own reference, and the AddRef adds one more:
            // the two releases give up exactly those, after the call.
            unsafe {
                add_ref(this.0);
                call_enum(this.0);
                release(this.0);
                release(this.0);
            }
        });
        // SAFETY: gives up the reference `new_object` gave us; nothing here uses it afterwards.
        unsafe { release(enumerator) };
        qi.join().unwrap();
        refs.join().unwrap();
        assert_eq!(shared.drops.load(Ordering::SeqCst), 1);
        assert_eq!(shared.calls.load(Ordering::Relaxed), 2);
    });
}

/// The Rust handle (`ComObject`) and a COM reference released on different threads, with a
/// `cast` (QueryInterface) in between: one drop.
#[test]
fn com_object_handle_and_raw_reference_race() {
    model(|| {
        let shared = Arc::new(Shared::default());
        let object = ComObject::new(Probe::new(&shared));
        let raw = SendPtr(
            object
                .cast::<ISyncMgrEnumItems>()
                .expect("slot 0")
                .into_raw(),
        );
        let worker = thread::spawn(move || {
            let this = raw;
            // SAFETY: `this` carries the reference `into_raw` gave us; `invoke` carries the
            // query's own, so it stays alive after `this` is released, until its own release.
            unsafe {
                let invoke = query_ok(this.0, &IID_ISyncMgrSynchronizeInvoke);
                release(this.0);
                call_invoke(invoke);
                release(invoke);
            }
        });
        let clone = object.clone();
        drop(object);
        clone.touch();
        drop(clone);
        worker.join().unwrap();
        assert_eq!(shared.drops.load(Ordering::SeqCst), 1);
    });
}

/// Re-entrant reference traffic from the value's own `Drop` (an `AddRef`/`Release` pair and an
/// extra `Release` on the dying object) never destroys it a second time.
#[test]
fn reentrant_release_during_drop_does_not_drop_twice() {
    /// Holds a raw pointer to its own object and plays with it while being dropped.
    #[derive(mobsync_runtime::ComObject)]
    #[com_object(interfaces(ISyncMgrSynchronizeInvoke))]
    struct SelfReferencing {
        shared: Arc<Shared>,
        me: loom::sync::atomic::AtomicPtr<c_void>,
    }
    impl SyncMgrSynchronizeInvoke for SelfReferencing {
        fn update_items(&self, _: u32, _: &GUID, _: &[u8]) -> windows_core::Result<()> {
            Ok(())
        }
        fn update_all(&self) -> windows_core::Result<()> {
            Ok(())
        }
    }
    impl Drop for SelfReferencing {
        fn drop(&mut self) {
            let me = self.me.load(Ordering::SeqCst);
            // SAFETY: `me` is this object's own interface pointer; the runtime drops the value
            // in place before it frees the object, so the vtable and the count behind `me` are
            // still there. Re-entering the dying object is what this test checks the runtime
            // tolerates.
            unsafe {
                add_ref(me);
                release(me);
                release(me);
            }
            let before = self.shared.drops.fetch_add(1, Ordering::SeqCst);
            assert_eq!(before, 0, "dropped twice");
        }
    }

    model(|| {
        let shared = Arc::new(Shared::default());
        let object = ComObject::new(SelfReferencing {
            shared: Arc::clone(&shared),
            me: loom::sync::atomic::AtomicPtr::new(std::ptr::null_mut()),
        });
        object.get().me.store(object.as_raw(), Ordering::SeqCst);
        let raw = SendPtr(object.into_raw());
        let worker = thread::spawn(move || {
            let this = raw;
            // SAFETY: `this` carries the only reference (the one `into_raw` gave up), released
            // here once.
            unsafe { release(this.0) };
        });
        worker.join().unwrap();
        assert_eq!(shared.drops.load(Ordering::SeqCst), 1);
    });
}

/// Sanity check of the harness itself: IIDs are the SDK's.
#[test]
fn interface_ids() {
    assert_eq!(ISyncMgrEnumItems::IID, IID_ISyncMgrEnumItems);
}
