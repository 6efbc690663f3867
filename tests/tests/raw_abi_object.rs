//! The COM object model through the raw ABI: `QueryInterface`, identity, reference counting,
//! exactly-once destruction, null `this`, panics and threading, all through vtable function
//! pointers.

#![allow(clippy::undocumented_unsafe_blocks)]

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
use windows_core::{GUID, Interface};

#[test]
fn query_interface_checks_its_arguments() {
    let drops = DropCounter::default();
    let sync = new_handler(&drops);
    unsafe {
        let qi = vtbl::<windows_core::IUnknown_Vtbl>(sync).QueryInterface;
        // Null ppv: E_POINTER.
        assert_eq!(qi(sync, &IID_IUNKNOWN, std::ptr::null_mut()), E_POINTER);
        // Null IID: E_POINTER, and *ppv cleared.
        let mut out = 0x1234 as *mut c_void;
        assert_eq!(qi(sync, std::ptr::null(), &mut out), E_POINTER);
        assert!(out.is_null());
        // Unknown IIDs: E_NOINTERFACE with *ppv cleared; no IInspectable/IAgileObject/IMarshal.
        for iid in [
            IID_UNRELATED,
            IID_IINSPECTABLE,
            IID_IAGILEOBJECT,
            IID_IMARSHAL,
            IID_ISyncMgrSynchronizeCallback,
        ] {
            let (hr, out) = query(sync, &iid);
            assert_eq!(hr, E_NOINTERFACE, "{iid:?}");
            assert!(out.is_null());
        }
        // A failed query adds no reference.
        assert_eq!(add_ref(sync), 2);
        assert_eq!(release(sync), 1);
        assert_eq!(release(sync), 0);
    }
    assert_eq!(drops.count(), 1);
}

#[test]
fn identity_is_the_same_through_every_interface() {
    let drops = DropCounter::default();
    let sync = new_handler(&drops);
    unsafe {
        let (hr, unknown_a) = query(sync, &IID_IUNKNOWN);
        assert_eq!(hr, S_OK);
        let (hr, items) = query(sync, &IID_ISyncMgrEnumItems);
        assert_eq!(hr, S_OK);
        assert_ne!(items, sync, "each interface has its own pointer");
        let (hr, unknown_b) = query(items, &IID_IUNKNOWN);
        assert_eq!(hr, S_OK);
        assert_eq!(
            unknown_a, unknown_b,
            "IUnknown through any interface is the same pointer"
        );
        let (hr, sync_again) = query(items, &IID_ISyncMgrSynchronize);
        assert_eq!(hr, S_OK);
        assert_eq!(sync_again, sync);
        let (hr, items_again) = query(unknown_a, &IID_ISyncMgrEnumItems);
        assert_eq!(hr, S_OK);
        assert_eq!(items_again, items);
        // Five references taken by the queries, one original: release them all.
        for p in [unknown_a, items, unknown_b, sync_again, items_again] {
            release(p);
        }
        assert_eq!(drops.count(), 0);
        assert_eq!(release(sync), 0);
    }
    assert_eq!(drops.count(), 1);
}

#[test]
fn reference_counts_are_shared_and_the_value_drops_exactly_once() {
    let drops = DropCounter::default();
    let sync = new_handler(&drops);
    unsafe {
        let (_, items) = query(sync, &IID_ISyncMgrEnumItems); // 2
        assert_eq!(add_ref(sync), 3);
        assert_eq!(add_ref(items), 4);
        assert_eq!(release(sync), 3);
        assert_eq!(release(items), 2);
        assert_eq!(release(items), 1);
        assert_eq!(drops.count(), 0);
        // The enumerator methods still work through the remaining reference's object.
        let (hr, items) = query(sync, &IID_ISyncMgrEnumItems);
        assert_eq!(hr, S_OK);
        assert_eq!((enum_vtbl(items).Reset)(items), S_OK);
        release(items);
        assert_eq!(release(sync), 0);
    }
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
    let raw = object.cast::<ISyncMgrEnumItems>().unwrap().into_raw();
    object.this.store(raw, Ordering::SeqCst);
    drop(object);
    assert_eq!(drops.count(), 0);
    unsafe { assert_eq!(release(raw), 0) };
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
    let raw = object.cast::<ISyncMgrEnumItems>().unwrap().into_raw();
    object.this.store(raw, Ordering::SeqCst);
    drop(object);
    unsafe { release(raw) };
    assert_eq!(drops.count(), 1);
    assert!(
        logged("reference count is already zero"),
        "the over-release is logged"
    );
}

#[test]
fn null_this_is_handled() {
    unsafe {
        let drops = DropCounter::default();
        let sync = new_handler(&drops);
        let v = sync_vtbl(sync);
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
        release(sync);
        assert_eq!(drops.count(), 1);
    }
}

#[test]
fn eight_threads_share_one_object_and_it_drops_once() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 2_000;
    let drops = DropCounter::default();
    let sync = SendPtr(new_handler(&drops));
    // One reference per thread, released by the thread at the end.
    for _ in 0..THREADS {
        unsafe { add_ref(sync.0) };
    }
    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || unsafe {
                let sync = sync;
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
    unsafe { assert_eq!(release(sync.0), 0) };
    assert_eq!(drops.count(), 1, "exactly one drop");
}

#[test]
fn a_panicking_method_returns_e_unexpected_and_the_object_stays_usable() {
    capture();
    let drops = DropCounter::default();
    // The Rust handle is kept only to arm the panic; every call goes through the vtable.
    let object = ComObject::new(TestHandler::new(drops.clone()));
    let sync = object.cast::<ISyncMgrSynchronize>().unwrap().into_raw();
    object.panic_next.store(true, Ordering::SeqCst);
    unsafe {
        let v = sync_vtbl(sync);
        assert_eq!((v.Synchronize)(sync, HWND::default()), E_UNEXPECTED);
        assert!(logged("test handler asked to panic in synchronize"));
        assert!(logged("ISyncMgrSynchronize::Synchronize"));
        // The next call works, and so do the other slots.
        assert_eq!((v.Synchronize)(sync, HWND::default()), S_OK);
        object.panic_next.store(true, Ordering::SeqCst);
        let (_, items) = query(sync, &IID_ISyncMgrEnumItems);
        assert_eq!((enum_vtbl(items).Reset)(items), E_UNEXPECTED);
        assert_eq!((enum_vtbl(items).Reset)(items), S_OK);
        release(items);
        release(sync);
    }
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
    let sync = SendPtr(object.cast::<ISyncMgrSynchronize>().unwrap().into_raw());
    unsafe {
        assert_eq!(
            (sync_vtbl(sync.0).Initialize)(sync.0, 0, 0, 0, std::ptr::null()),
            S_OK
        );
    }
    assert_eq!(object.not_send.get(), 1);
    std::thread::spawn(move || unsafe {
        let sync = sync;
        // Calls from another thread are refused without touching the value...
        assert_eq!(
            (sync_vtbl(sync.0).Initialize)(sync.0, 0, 0, 0, std::ptr::null()),
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
