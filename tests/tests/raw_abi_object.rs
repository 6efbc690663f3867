//! The COM object model through the raw ABI: `QueryInterface`, identity, reference counting,
//! exactly-once destruction, null `this`, panics and threading, all through vtable function
//! pointers.

mod raw_abi_support;

use std::cell::Cell;
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Barrier};

use mobsync_runtime::hresults::*;
use mobsync_runtime::sys::*;
use mobsync_runtime::{ComObject, SkipOutcome, SyncMgrEnumItems};
use raw_abi_support::*;
use windows_core::{GUID, IUnknown, Interface};

#[test]
fn query_interface_checks_its_arguments() {
    let drops = DropCounter::default();
    let sync = new_handler(&drops);
    let qi = sync.vtbl().base__.QueryInterface;
    // SAFETY: `sync` owns a reference to the live handler, so its pointer is a valid `this`; the
    // null `ppv` and the null IID are the arguments under test, which the slot must refuse
    // before dereferencing them, and `out` is a writable local.
    unsafe {
        // Null ppv: E_POINTER.
        assert_eq!(
            qi(sync.as_raw(), &IID_IUNKNOWN, std::ptr::null_mut()),
            E_POINTER
        );
        // Null IID: E_POINTER, and *ppv cleared.
        let mut out = 0x1234 as *mut c_void;
        assert_eq!(qi(sync.as_raw(), std::ptr::null(), &mut out), E_POINTER);
        assert!(out.is_null());
    }
    // Unknown IIDs: E_NOINTERFACE with *ppv cleared; no IInspectable/IAgileObject/IMarshal.
    for iid in [
        IID_UNRELATED,
        IID_IINSPECTABLE,
        IID_IAGILEOBJECT,
        IID_IMARSHAL,
        IID_ISyncMgrSynchronizeCallback,
    ] {
        let (hr, out) = sync.query(&iid);
        assert_eq!(hr, E_NOINTERFACE, "{iid:?}");
        assert!(out.is_null());
    }
    // A failed query adds no reference.
    let (extra, count) = sync.add_ref();
    assert_eq!(count, 2);
    assert_eq!(extra.release(), 1);
    assert_eq!(sync.release(), 0);
    assert_eq!(drops.count(), 1);
}

#[test]
fn identity_is_the_same_through_every_interface() {
    let drops = DropCounter::default();
    let sync = new_handler(&drops);
    // `cast` asserts that each query answers S_OK with an interface.
    let unknown_a = sync.cast::<IUnknown>().unwrap();
    let items = sync.cast::<ISyncMgrEnumItems>().unwrap();
    assert_ne!(items, sync, "each interface has its own pointer");
    let unknown_b = items.cast::<IUnknown>().unwrap();
    assert_eq!(
        unknown_a, unknown_b,
        "IUnknown through any interface is the same pointer"
    );
    let sync_again = items.cast::<ISyncMgrSynchronize>().unwrap();
    assert_eq!(sync_again, sync);
    let items_again = unknown_a.cast::<ISyncMgrEnumItems>().unwrap();
    assert_eq!(items_again, items);
    // Five references taken by the queries, one original: release them all.
    unknown_a.release();
    items.release();
    unknown_b.release();
    sync_again.release();
    items_again.release();
    assert_eq!(drops.count(), 0);
    assert_eq!(sync.release(), 0);
    assert_eq!(drops.count(), 1);
}

#[test]
fn reference_counts_are_shared_and_the_value_drops_exactly_once() {
    let drops = DropCounter::default();
    let sync = new_handler(&drops);
    let items = sync.cast::<ISyncMgrEnumItems>().unwrap(); // 2
    let (sync_ref, count) = sync.add_ref();
    assert_eq!(count, 3);
    let (items_ref, count) = items.add_ref();
    assert_eq!(count, 4);
    assert_eq!(sync_ref.release(), 3);
    assert_eq!(items_ref.release(), 2);
    assert_eq!(items.release(), 1);
    assert_eq!(drops.count(), 0);
    // The enumerator methods still work through the remaining reference's object.
    let items = sync.cast::<ISyncMgrEnumItems>().unwrap();
    assert_eq!(items.reset(), S_OK);
    items.release();
    assert_eq!(sync.release(), 0);
    assert_eq!(drops.count(), 1);
}

/// A value whose `Drop` re-enters its own object: AddRef/Release pairs and an over-release while
/// it is being destroyed must not destroy it again.
#[derive(mobsync_runtime::ComObject)]
#[com_object(interfaces(ISyncMgrEnumItems))]
struct Reentrant {
    this: AtomicPtr<c_void>,
    _probe: Probe,
}

impl SyncMgrEnumItems for Reentrant {
    fn next(&self, _: &mut [SYNCMGRITEM]) -> windows_core::Result<usize> {
        Ok(0)
    }
    fn skip(&self, _: u32) -> windows_core::Result<SkipOutcome> {
        Ok(SkipOutcome::S_OK)
    }
    fn reset(&self) -> windows_core::Result<()> {
        Ok(())
    }
    fn clone_com(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        Err(E_NOTIMPL.into())
    }
}

impl Drop for Reentrant {
    fn drop(&mut self) {
        let this = self.this.load(Ordering::SeqCst);
        // SAFETY: `this` is this object's own ISyncMgrEnumItems pointer, stored at creation; the
        // runtime drops the value in place before it frees the object's block, so the vtable and
        // the reference count behind `this` are still there. Re-entering the dying object is
        // what the tests below check the runtime tolerates.
        unsafe {
            add_ref(this);
            release(this);
            // One more Release than AddRef: an over-release during destruction.
            release(this);
            let (hr, other) = query(this, &IID_IUNKNOWN);
            assert_eq!(hr, S_OK);
            release(other);
        }
    }
}

#[test]
fn reentrant_release_during_destruction_does_not_drop_twice() {
    let drops = DropCounter::default();
    let object = ComObject::new(Reentrant {
        this: AtomicPtr::new(std::ptr::null_mut()),
        _probe: drops.probe(),
    });
    let items = ComRef::new(object.cast::<ISyncMgrEnumItems>().unwrap());
    object.this.store(items.as_raw(), Ordering::SeqCst);
    drop(object);
    assert_eq!(drops.count(), 0);
    assert_eq!(items.release(), 0);
    assert_eq!(drops.count(), 1, "dropped exactly once");
}

#[test]
fn over_release_during_destruction_is_refused_and_logged() {
    capture();
    let drops = DropCounter::default();
    let object = ComObject::new(Reentrant {
        this: AtomicPtr::new(std::ptr::null_mut()),
        _probe: drops.probe(),
    });
    let items = ComRef::new(object.cast::<ISyncMgrEnumItems>().unwrap());
    object.this.store(items.as_raw(), Ordering::SeqCst);
    drop(object);
    items.release();
    assert_eq!(drops.count(), 1);
    assert!(
        logged("reference count is already zero"),
        "the over-release is logged"
    );
}

#[test]
fn null_this_is_handled() {
    let drops = DropCounter::default();
    let sync = new_handler(&drops);
    let v = sync.vtbl();
    // SAFETY: the vtable is the live handler's (`sync` holds a reference); every call passes a
    // null `this`, the argument under test, which each slot must refuse before touching anything
    // else; `out` is a writable local and the IID a constant.
    unsafe {
        assert_eq!((v.base__.AddRef)(std::ptr::null_mut()), 0);
        assert_eq!((v.base__.Release)(std::ptr::null_mut()), 0);
        let mut out = std::ptr::dangling_mut::<c_void>();
        assert_eq!(
            (v.base__.QueryInterface)(std::ptr::null_mut(), &IID_IUNKNOWN, &mut out),
            E_POINTER
        );
        assert!(out.is_null());
        assert_eq!(
            (v.Initialize)(std::ptr::null_mut(), 0, 0, 0, std::ptr::null()),
            E_POINTER
        );
        assert_eq!(
            (v.Synchronize)(std::ptr::null_mut(), HWND::default()),
            E_POINTER
        );
    }
    sync.release();
    assert_eq!(drops.count(), 1);
}

#[test]
fn eight_threads_share_one_object_and_it_drops_once() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 2_000;
    let drops = DropCounter::default();
    let sync = new_handler(&drops);
    // One reference per thread, released by the thread at the end.
    let references: Vec<SendPtr> = (0..THREADS)
        .map(|_| SendPtr(sync.add_ref().0.into_raw()))
        .collect();
    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = references
        .into_iter()
        .enumerate()
        .map(|(i, reference)| {
            let barrier = Arc::clone(&barrier);
            // SAFETY: the thread owns the reference `reference` carries, released at its end,
            // so the handler is alive throughout; the handler is free-threaded ("both"), so any
            // thread may call it; each reference a query hands out is released in the same round.
            std::thread::spawn(move || unsafe {
                let sync = reference;
                barrier.wait();
                for round in 0..ROUNDS {
                    add_ref(sync.0);
                    let iid = if (round + i) % 2 == 0 {
                        IID_IUNKNOWN
                    } else {
                        IID_ISyncMgrEnumItems
                    };
                    let (hr, other) = query(sync.0, &iid);
                    assert_eq!(hr, S_OK);
                    let (hr, back) = query(other, &IID_ISyncMgrSynchronize);
                    assert_eq!(hr, S_OK);
                    assert_eq!(back, sync.0);
                    release(back);
                    release(other);
                    release(sync.0);
                }
                release(sync.0);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(drops.count(), 0, "the creator's reference is still held");
    assert_eq!(sync.release(), 0);
    assert_eq!(drops.count(), 1, "exactly one drop");
}

#[test]
fn a_panicking_method_returns_e_unexpected_and_the_object_stays_usable() {
    capture();
    let drops = DropCounter::default();
    // The Rust handle is kept only to arm the panic; every call goes through the vtable.
    let object = ComObject::new(TestHandler::new(drops.clone()));
    let sync = ComRef::new(object.cast::<ISyncMgrSynchronize>().unwrap());
    object.panic_next.store(true, Ordering::SeqCst);
    assert_eq!(sync.synchronize(HWND::default()), E_UNEXPECTED);
    assert!(logged("test handler asked to panic in synchronize"));
    assert!(logged("ISyncMgrSynchronize::Synchronize"));
    // The next call works, and so do the other slots.
    assert_eq!(sync.synchronize(HWND::default()), S_OK);
    object.panic_next.store(true, Ordering::SeqCst);
    let items = sync.cast::<ISyncMgrEnumItems>().unwrap();
    assert_eq!(items.reset(), E_UNEXPECTED);
    assert_eq!(items.reset(), S_OK);
    items.release();
    sync.release();
    assert_eq!(object.calls(), ["synchronize", "reset"]);
    drop(object);
    assert_eq!(drops.count(), 1);
}

#[derive(mobsync_runtime::SyncMgrHandler, Default)]
#[sync_mgr(
    clsid = "5B0D3C43-9A0E-4B8E-8F4C-6E1D2A7B9C10",
    name = "Apartment",
    threading = "apartment"
)]
struct ApartmentHandler {
    /// Not `Send`: the apartment model allows it.
    not_send: Rc<Cell<u32>>,
    _probe: Probe,
}

impl mobsync_runtime::SyncMgrSynchronize for ApartmentHandler {
    fn initialize(
        &self,
        _: u32,
        _: u32,
        _: &[u8],
    ) -> windows_core::Result<mobsync_runtime::InitializeOutcome> {
        self.not_send.set(self.not_send.get() + 1);
        Ok(mobsync_runtime::InitializeOutcome::S_OK)
    }
    fn get_handler_info(&self) -> windows_core::Result<mobsync_runtime::HandlerInfo> {
        Ok(mobsync_runtime::HandlerInfo::new("Apartment"))
    }
    fn enum_sync_mgr_items(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        Err(E_NOTIMPL.into())
    }
    fn set_progress_callback(
        &self,
        _: Option<ISyncMgrSynchronizeCallback>,
    ) -> windows_core::Result<()> {
        Ok(())
    }
    fn prepare_for_sync(
        &self,
        _: &[GUID],
        _: HWND,
        _: u32,
    ) -> windows_core::Result<mobsync_runtime::PrepareForSyncOutcome> {
        Ok(mobsync_runtime::PrepareForSyncOutcome::S_OK)
    }
    fn synchronize(&self, _: HWND) -> windows_core::Result<()> {
        Ok(())
    }
    fn set_item_status(&self, _: &GUID, _: u32) -> windows_core::Result<()> {
        Ok(())
    }
}

#[test]
fn apartment_objects_refuse_other_threads_and_never_drop_there() {
    capture();
    let drops = DropCounter::default();
    let object = ComObject::new(ApartmentHandler {
        not_send: Rc::new(Cell::new(0)),
        _probe: drops.probe(),
    });
    let sync = ComRef::new(object.cast::<ISyncMgrSynchronize>().unwrap());
    let initialize = sync.vtbl().Initialize;
    // SAFETY: `sync` holds a reference to the live handler, called on the thread that made it;
    // a zero-length cookie may be null.
    unsafe {
        assert_eq!(initialize(sync.as_raw(), 0, 0, 0, std::ptr::null()), S_OK);
    }
    assert_eq!(object.not_send.get(), 1);
    let sync = SendPtr(sync.into_raw());
    // SAFETY: the reference `sync` carries keeps the handler alive until the release at the end
    // of the test (and `object` is still held here). From this thread the runtime must refuse the
    // method call before it touches the (non-`Send`) value, which is what is checked; reference
    // counting and QueryInterface touch only the object's atomics, which any thread may.
    std::thread::spawn(move || unsafe {
        let sync = sync;
        // Calls from another thread are refused without touching the value...
        assert_eq!(
            initialize(sync.0, 0, 0, 0, std::ptr::null()),
            RPC_E_WRONG_THREAD
        );
        // ...but reference counting and QueryInterface work.
        let (hr, unknown) = query(sync.0, &IID_IUNKNOWN);
        assert_eq!(hr, S_OK);
        release(unknown);
    })
    .join()
    .unwrap();
    assert_eq!(object.not_send.get(), 1);
    drop(object);
    // The last reference released on another thread: leaked, not dropped there.
    // SAFETY: `sync` carries the last reference, given up here; the object is alive until then,
    // and the runtime's Release on the wrong thread leaks the value instead of dropping it.
    std::thread::spawn(move || unsafe {
        let sync = sync;
        assert_eq!(release(sync.0), 0);
    })
    .join()
    .unwrap();
    assert_eq!(drops.count(), 0, "not dropped on the wrong thread");
    assert!(logged("apartment-threaded"));
}

#[test]
fn com_object_handle_gives_the_value_and_counted_interfaces() {
    let drops = DropCounter::default();
    let object = ComObject::new(TestHandler::new(drops.clone()));
    assert_eq!(object.ref_count(), 1);
    let sync: ISyncMgrSynchronize = object.cast().unwrap();
    let items: ISyncMgrEnumItems = object.cast().unwrap();
    assert_eq!(object.ref_count(), 3);
    assert_eq!(object.to_unknown().as_raw(), object.as_raw());
    assert!(object.cast::<ISyncMgrSynchronizeCallback>().is_err());
    assert_eq!(object.get().calls(), Vec::<String>::new());
    drop((sync, items));
    let clone = object.clone();
    drop(object);
    assert_eq!(drops.count(), 0);
    drop(clone);
    assert_eq!(drops.count(), 1);
    let _ = GUID::zeroed();
}
