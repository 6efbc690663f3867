//! The object model end to end through raw vtable calls, inside the crate so that
//! `cargo +nightly miri test -p mobsync-runtime --lib` checks it for undefined behaviour:
//! reference counting (including re-entrant `AddRef`/`Release` from the value's own `Drop` and
//! concurrent counting on two threads), `QueryInterface` and identity, the generated shims with
//! null, misaligned and valid pointers, the class factory, `DllGetClassObject`, and the
//! [`ItemEnumerator`] (`Next` past the end, `Skip`, `Reset`, `Clone`).
//!
//! Nothing here needs the OS: no files, no dlopen, no real time. Each test counts the values it
//! drops itself, so the tests can run in parallel.

use std::ffi::c_void;
use std::mem::size_of;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

use crate::abi::MISALIGNED;
use crate::exports::{ClassEntry, dll_get_class_object};
use crate::factory::{Class, IClassFactory, class_factory};
use crate::hresults::{
    CLASS_E_CLASSNOTAVAILABLE, CLASS_E_NOAGGREGATION, E_INVALIDARG, E_NOINTERFACE, E_NOTIMPL,
    E_POINTER, E_UNEXPECTED, RPC_E_WRONG_THREAD, S_FALSE, S_OK,
};
use crate::sys::{
    HWND, ISyncMgrEnumItems, ISyncMgrSynchronize, ISyncMgrSynchronizeCallback,
    LPSYNCMGRHANDLERINFO, SYNCMGRITEM,
};
use crate::task_mem::task_free;
use crate::{
    ComObject, HandlerInfo, InitializeOutcome, ItemEnumerator, PrepareForSyncOutcome, SkipOutcome,
    SyncItem, SyncMgrEnumItems, SyncMgrSynchronize,
};

const IID_IINSPECTABLE: GUID = GUID::from_u128(0xaf86e2e0_b12d_4c6a_9c5a_d7aa65101e90);
const IID_IAGILEOBJECT: GUID = GUID::from_u128(0x94ea2b94_e9cc_49e0_c0ff_ee64ca8f5b90);
const IID_IMARSHAL: GUID = GUID::from_u128(0x00000003_0000_0000_c000_000000000046);

/// Counts the drops of the values that hold a clone of it.
#[derive(Clone, Debug, Default)]
struct Drops(Arc<AtomicUsize>);

impl Drops {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Counts one drop when dropped.
#[derive(Debug, Default)]
struct Probe(Drops);

impl Drop for Probe {
    fn drop(&mut self) {
        self.0.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The items every handler of this module lists.
fn items() -> Vec<SyncItem> {
    (1..=3u128)
        .map(|n| SyncItem::new(GUID::from_u128(n), format!("Item {n}")).checked(n % 2 == 1))
        .collect()
}

/// A handler that also implements `ISyncMgrEnumItems` itself (two interface slots, so that the
/// slot arithmetic of the shims is exercised for `K = 1`) and panics on request.
#[derive(Debug, Default, crate::SyncMgrHandler)]
#[sync_mgr(
    clsid = "6A1F3C52-0D4B-4E8E-9B7A-2C5D8E1F4A60",
    name = "Object model test",
    interfaces(ISyncMgrEnumItems)
)]
struct Handler {
    _probe: Probe,
    chosen: Mutex<Vec<GUID>>,
    status: AtomicUsize,
}

impl SyncMgrSynchronize for Handler {
    fn initialize(
        &self,
        _: u32,
        flags: u32,
        cookie: &[u8],
    ) -> windows_core::Result<InitializeOutcome> {
        if cookie == b"panic" {
            panic!("asked to panic");
        }
        Ok(if flags == u32::MAX {
            InitializeOutcome::S_FALSE
        } else {
            InitializeOutcome::S_OK
        })
    }
    fn get_handler_info(&self) -> windows_core::Result<HandlerInfo> {
        Ok(HandlerInfo::new("Object model test"))
    }
    fn enum_sync_mgr_items(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        Ok(ItemEnumerator::new(items()).into_interface())
    }
    fn set_progress_callback(
        &self,
        _: Option<ISyncMgrSynchronizeCallback>,
    ) -> windows_core::Result<()> {
        Ok(())
    }
    fn prepare_for_sync(
        &self,
        ids: &[GUID],
        _: HWND,
        _: u32,
    ) -> windows_core::Result<PrepareForSyncOutcome> {
        *self.chosen.lock().unwrap() = ids.to_vec();
        Ok(PrepareForSyncOutcome::S_OK)
    }
    fn synchronize(&self, _: HWND) -> windows_core::Result<()> {
        Ok(())
    }
    fn set_item_status(&self, _: &GUID, status: u32) -> windows_core::Result<()> {
        self.status.store(status as usize, Ordering::SeqCst);
        Ok(())
    }
}

impl SyncMgrEnumItems for Handler {
    fn next(&self, _: &mut [SYNCMGRITEM]) -> windows_core::Result<usize> {
        Ok(0)
    }
    fn skip(&self, _: u32) -> windows_core::Result<SkipOutcome> {
        Ok(SkipOutcome::S_FALSE)
    }
    fn reset(&self) -> windows_core::Result<()> {
        Ok(())
    }
    fn clone_com(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        Err(E_NOTIMPL.into())
    }
}

/// A new handler object counted by `drops`, as its `ISyncMgrSynchronize` (one reference).
fn new_handler(drops: &Drops) -> ISyncMgrSynchronize {
    let handler = Handler {
        _probe: Probe(drops.clone()),
        ..Handler::default()
    };
    ComObject::new(handler).cast().unwrap()
}

fn add_ref(this: &impl Interface) -> u32 {
    // SAFETY: `this` is a live interface pointer (the caller's value owns a reference); the
    // reference added here is released by the caller with `release_raw`.
    unsafe { (this.vtable_unknown().AddRef)(this.as_raw()) }
}

/// Releases one reference the caller took with `add_ref` or a raw query.
///
/// # Safety
///
/// `this` is a live interface pointer on which the caller owns a reference it gives up.
unsafe fn release_raw(this: *mut c_void) -> u32 {
    // SAFETY: per the contract, `this` is live; every vtable begins with IUnknown's slots.
    unsafe { ((**this.cast::<*const IUnknown_Vtbl>()).Release)(this) }
}

/// `QueryInterface` through the vtable, `*ppv` starting as garbage; the caller owns what it
/// returns on success.
fn query_raw(this: &impl Interface, iid: &GUID) -> (HRESULT, *mut c_void) {
    let mut out = ptr::without_provenance_mut(0xdead_beef);
    // SAFETY: `this` is live; `iid` and `out` are valid for the call.
    let hr = unsafe { (this.vtable_unknown().QueryInterface)(this.as_raw(), iid, &mut out) };
    (hr, out)
}

/// The IUnknown part of any interface's vtable.
trait VtableUnknown {
    fn vtable_unknown(&self) -> &IUnknown_Vtbl;
}

impl<I: Interface> VtableUnknown for I {
    fn vtable_unknown(&self) -> &IUnknown_Vtbl {
        // SAFETY: every interface of the runtime derives from IUnknown, so its vtable begins with
        // IUnknown's three slots; the value's reference keeps the object and vtable alive.
        unsafe { &**(self.as_raw() as *const *const IUnknown_Vtbl) }
    }
}

/// An interface pointer moved to another thread (the address with its provenance).
#[derive(Clone, Copy)]
struct SendPtr(*mut c_void);

// SAFETY: only the address moves; each use on the other thread is an unsafe call justified where
// it is made.
unsafe impl Send for SendPtr {}

/// Pointer-aligned bytes to hand out a misaligned pointer into, and see nothing was written.
#[repr(C, align(16))]
struct Bytes([u8; 2 * size_of::<SYNCMGRITEM>() + 16]);

const PATTERN: u8 = 0x5A;

impl Bytes {
    fn new() -> Self {
        Bytes([PATTERN; 2 * size_of::<SYNCMGRITEM>() + 16])
    }
    /// One byte past a 16-aligned address: misaligned for every type with alignment > 1.
    fn misaligned<T>(&mut self) -> *mut T {
        self.0.as_mut_ptr().wrapping_add(1).cast()
    }
    fn untouched(&self) -> bool {
        self.0.iter().all(|&b| b == PATTERN)
    }
}

#[test]
fn reference_counting_and_identity() {
    let drops = Drops::default();
    let sync = new_handler(&drops);
    assert_eq!(add_ref(&sync), 2);
    // SAFETY: gives up the reference taken just above.
    assert_eq!(unsafe { release_raw(sync.as_raw()) }, 1);

    let (hr, unknown) = query_raw(&sync, &IUnknown::IID);
    assert_eq!(hr, S_OK);
    let (hr, items) = query_raw(&sync, &ISyncMgrEnumItems::IID);
    assert_eq!(hr, S_OK);
    assert_ne!(items, sync.as_raw(), "each interface has its own slot");
    // SAFETY: `items` is the live ISyncMgrEnumItems the query handed us (one reference).
    let items = unsafe { ISyncMgrEnumItems::from_raw(items) };
    let (hr, unknown_again) = query_raw(&items, &IUnknown::IID);
    assert_eq!((hr, unknown_again), (S_OK, unknown), "COM identity");
    let (hr, sync_again) = query_raw(&items, &ISyncMgrSynchronize::IID);
    assert_eq!((hr, sync_again), (S_OK, sync.as_raw()));
    // SAFETY: each pointer carries one reference from the queries above, given up here.
    unsafe {
        assert_eq!(release_raw(unknown_again), 4);
        assert_eq!(release_raw(sync_again), 3);
        assert_eq!(release_raw(unknown), 2);
    }
    drop(items);
    assert_eq!(drops.count(), 0);
    drop(sync);
    assert_eq!(drops.count(), 1, "dropped exactly once, at zero");
}

#[test]
fn typed_interfaces_without_query_interface() {
    let drops = Drops::default();
    let handler = Handler {
        _probe: Probe(drops.clone()),
        ..Handler::default()
    };
    let object = ComObject::new(handler);
    let items: ISyncMgrEnumItems = object.to_interface();
    assert_eq!(
        object.ref_count(),
        2,
        "to_interface adds the pointer's own reference"
    );
    let queried: ISyncMgrEnumItems = object.cast().unwrap();
    assert_eq!(
        items.as_raw(),
        queried.as_raw(),
        "the slot QueryInterface gives"
    );
    drop(queried);
    let sync: ISyncMgrSynchronize = object.into_interface();
    let (hr, sync_again) = query_raw(&items, &ISyncMgrSynchronize::IID);
    assert_eq!((hr, sync_again), (S_OK, sync.as_raw()));
    // SAFETY: gives up the reference the query above handed us.
    let left = unsafe { release_raw(sync_again) };
    assert_eq!(left, 2, "into_interface kept one reference");
    drop(items);
    assert_eq!(drops.count(), 0);
    drop(sync);
    assert_eq!(drops.count(), 1, "dropped exactly once, at zero");
}

#[test]
fn query_interface_checks_its_pointers() {
    let drops = Drops::default();
    let sync = new_handler(&drops);
    for iid in [
        IID_IINSPECTABLE,
        IID_IAGILEOBJECT,
        IID_IMARSHAL,
        ISyncMgrSynchronizeCallback::IID,
        IClassFactory::IID,
        GUID::zeroed(),
    ] {
        let (hr, out) = query_raw(&sync, &iid);
        assert_eq!(hr, E_NOINTERFACE, "{iid:?}");
        assert!(out.is_null(), "cleared on failure");
    }
    let query = sync.vtable_unknown().QueryInterface;
    let mut bytes = Bytes::new();
    let mut out = ptr::without_provenance_mut::<c_void>(0x1234);
    // An IID at an odd address is legal for an [in] REFIID: it is copied unaligned.
    let mut odd_iid = [0u8; size_of::<GUID>() + 1];
    // SAFETY: copies the 16 bytes of a GUID into the 17-byte buffer, after its first byte.
    unsafe {
        ptr::copy_nonoverlapping(
            ptr::from_ref(&ISyncMgrEnumItems::IID).cast::<u8>(),
            odd_iid.as_mut_ptr().add(1),
            size_of::<GUID>(),
        );
    }
    let odd_iid_ptr = odd_iid.as_ptr().wrapping_add(1).cast::<GUID>();
    // SAFETY: `sync` is live; each pointer is null, misaligned (and then refused before any
    // access), or valid for the call; `odd_iid_ptr` is readable for 16 bytes.
    unsafe {
        assert_eq!(
            query(sync.as_raw(), &IUnknown::IID, ptr::null_mut()),
            E_POINTER
        );
        assert_eq!(query(sync.as_raw(), ptr::null(), &mut out), E_POINTER);
        assert!(out.is_null());
        assert_eq!(
            query(sync.as_raw(), &IUnknown::IID, bytes.misaligned()),
            MISALIGNED
        );
        assert!(bytes.untouched());
        assert_eq!(query(ptr::null_mut(), &IUnknown::IID, &mut out), E_POINTER);
        assert_eq!((sync.vtable_unknown().AddRef)(ptr::null_mut()), 0);
        assert_eq!((sync.vtable_unknown().Release)(ptr::null_mut()), 0);
        assert_eq!(query(sync.as_raw(), odd_iid_ptr, &mut out), S_OK);
        release_raw(out);
    }
    assert_eq!(add_ref(&sync), 2, "no failed query added a reference");
    // SAFETY: gives up the reference taken just above.
    unsafe { release_raw(sync.as_raw()) };
    drop(sync);
    assert_eq!(drops.count(), 1);
}

/// A value whose `Drop` re-enters its own dying object with `AddRef`/`Release` and an
/// over-release: the runtime must neither destroy it twice nor touch freed memory.
#[derive(Debug, crate::ComObject)]
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
        // SAFETY: `this` is this object's own interface pointer, stored at creation; the runtime
        // drops the value in place before it frees the block, so the vtable and the count are
        // still there. Re-entering the dying object is what this test checks.
        unsafe {
            assert_ne!(((**this.cast::<*const IUnknown_Vtbl>()).AddRef)(this), 0);
            ((**this.cast::<*const IUnknown_Vtbl>()).Release)(this);
            // An over-release while dying: refused, not a second destruction.
            ((**this.cast::<*const IUnknown_Vtbl>()).Release)(this);
        }
        // The value itself is still intact while it is being dropped.
        self.this.store(ptr::null_mut(), Ordering::SeqCst);
    }
}

#[test]
fn reentrant_release_during_drop_destroys_once() {
    let drops = Drops::default();
    let object = ComObject::new(Reentrant {
        this: AtomicPtr::new(ptr::null_mut()),
        _probe: Probe(drops.clone()),
    });
    object.this.store(object.as_raw(), Ordering::SeqCst);
    let items: ISyncMgrEnumItems = object.cast().unwrap();
    drop(object);
    assert_eq!(drops.count(), 0);
    drop(items);
    assert_eq!(drops.count(), 1);
}

#[test]
fn concurrent_add_ref_and_release() {
    let drops = Drops::default();
    let sync = new_handler(&drops);
    let raw = SendPtr(sync.as_raw());
    let workers: Vec<_> = (0..2)
        .map(|_| {
            // One reference per thread, released there.
            add_ref(&sync);
            std::thread::spawn(move || {
                let this = { raw }.0;
                for _ in 0..20 {
                    // SAFETY: this thread owns one reference, so the object is alive; the
                    // handler is `Both`-threaded. Each AddRef is paired with a Release.
                    unsafe {
                        ((**this.cast::<*const IUnknown_Vtbl>()).AddRef)(this);
                        release_raw(this);
                    }
                }
                // SAFETY: gives up the thread's own reference (possibly the last one).
                unsafe { release_raw(this) };
            })
        })
        .collect();
    drop(sync);
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(
        drops.count(),
        1,
        "destroyed once, by whichever thread released last"
    );
}

#[test]
fn synchronize_shims_check_their_pointers() {
    let drops = Drops::default();
    let sync = new_handler(&drops);
    let vtbl = sync.vtable();
    let this = sync.as_raw();
    let mut bytes = Bytes::new();
    // SAFETY: `this` is live (held by `sync`); every pointer passed is null, misaligned (refused
    // before any access), or valid for the call with the count given.
    unsafe {
        // Initialize: a cookie count without its bytes is refused; none at all is fine.
        assert_eq!((vtbl.Initialize)(this, 0, 0, 4, ptr::null()), E_INVALIDARG);
        assert_eq!((vtbl.Initialize)(this, 0, 0, 0, ptr::null()), S_OK);
        let cookie = *b"cookie";
        assert_eq!((vtbl.Initialize)(this, 7, 1, 6, cookie.as_ptr()), S_OK);
        assert_eq!(
            (vtbl.Initialize)(this, 0, u32::MAX, 0, ptr::null()),
            S_FALSE
        );
        // A panic in the handler is contained.
        let panic = *b"panic";
        assert_eq!(
            (vtbl.Initialize)(this, 0, 0, 5, panic.as_ptr()),
            E_UNEXPECTED
        );
        assert_eq!(
            (vtbl.Initialize)(ptr::null_mut(), 0, 0, 0, ptr::null()),
            E_POINTER
        );

        // GetHandlerInfo: the info is task memory the caller frees.
        assert_eq!((vtbl.GetHandlerInfo)(this, ptr::null_mut()), E_POINTER);
        assert_eq!((vtbl.GetHandlerInfo)(this, bytes.misaligned()), MISALIGNED);
        assert!(bytes.untouched());
        let mut info: LPSYNCMGRHANDLERINFO = ptr::null_mut();
        assert_eq!((vtbl.GetHandlerInfo)(this, &mut info), S_OK);
        assert!(!info.is_null());
        assert_eq!((*info).cbSize as usize, size_of_val(&*info));
        task_free(info.cast());

        // EnumSyncMgrItems.
        assert_eq!((vtbl.EnumSyncMgrItems)(this, ptr::null_mut()), E_POINTER);
        assert_eq!(
            (vtbl.EnumSyncMgrItems)(this, bytes.misaligned()),
            MISALIGNED
        );
        assert!(bytes.untouched());
        let mut items = ptr::null_mut();
        assert_eq!((vtbl.EnumSyncMgrItems)(this, &mut items), S_OK);
        release_raw(items);

        // PrepareForSync: the GUID array is checked for null-with-count and alignment.
        let ids = [GUID::from_u128(1), GUID::from_u128(3)];
        assert_eq!(
            (vtbl.PrepareForSync)(this, 2, ptr::null_mut(), HWND::default(), 0),
            E_INVALIDARG
        );
        assert_eq!(
            (vtbl.PrepareForSync)(this, 1, bytes.misaligned(), HWND::default(), 0),
            MISALIGNED
        );
        assert_eq!(
            (vtbl.PrepareForSync)(this, 2, ids.as_ptr().cast_mut(), HWND::default(), 0),
            S_OK
        );
        assert_eq!((vtbl.Synchronize)(this, HWND::default()), S_OK);

        // SetItemStatus, ShowError, ShowProperties: a null GUID is refused; defaults answer
        // E_NOTIMPL.
        assert_eq!((vtbl.SetItemStatus)(this, ptr::null(), 2), E_POINTER);
        assert_eq!((vtbl.SetItemStatus)(this, &ids[0], 2), S_OK);
        assert_eq!(
            (vtbl.ShowError)(this, HWND::default(), ptr::null()),
            E_POINTER
        );
        assert_eq!((vtbl.ShowError)(this, HWND::default(), &ids[0]), E_NOTIMPL);
        assert_eq!(
            (vtbl.ShowProperties)(this, HWND::default(), &ids[0]),
            E_NOTIMPL
        );
        assert_eq!((vtbl.SetProgressCallback)(this, ptr::null_mut()), S_OK);
        // GetItemObject: a null ppv is refused first; a valid one is cleared and E_NOTIMPL.
        let mut object = ptr::without_provenance_mut::<c_void>(0x99);
        assert_eq!(
            (vtbl.GetItemObject)(this, &ids[0], &IUnknown::IID, ptr::null_mut()),
            E_POINTER
        );
        assert_eq!(
            (vtbl.GetItemObject)(this, &ids[0], &IUnknown::IID, &mut object),
            E_NOTIMPL
        );
        assert!(object.is_null());
    }
    assert!(bytes.untouched());
    drop(sync);
    assert_eq!(drops.count(), 1);
}

#[test]
fn item_enumerator_contract() {
    let items = ItemEnumerator::new(items()).into_interface();
    let vtbl = items.vtable();
    let this = items.as_raw();
    let mut buffer = [SyncItem::new(GUID::zeroed(), "").to_raw(); 5];
    let mut fetched = 0xffff_u32;
    let mut bytes = Bytes::new();
    // SAFETY: `this` is live (held by `items`); `buffer` has room for 5 items and every count
    // passed with it is at most 5; the other pointers are null or misaligned (refused first) or
    // valid for the call.
    unsafe {
        // Asking for more than are left: S_FALSE with the count filled.
        assert_eq!(
            (vtbl.Next)(this, 5, buffer.as_mut_ptr(), &mut fetched),
            S_FALSE
        );
        assert_eq!(fetched, 3);
        assert_eq!(buffer[2].ItemID, GUID::from_u128(3));
        assert_eq!(
            buffer[3].cbSize as usize,
            size_of::<SYNCMGRITEM>(),
            "the rest is left as the caller gave it (`next_uninit` writes each item once)"
        );
        assert_eq!(
            (vtbl.Next)(this, 1, buffer.as_mut_ptr(), ptr::null_mut()),
            S_FALSE
        );
        // pceltFetched may be null only when asking for one.
        assert_eq!(
            (vtbl.Next)(this, 2, buffer.as_mut_ptr(), ptr::null_mut()),
            E_POINTER
        );
        assert_eq!(
            (vtbl.Next)(this, 2, ptr::null_mut(), &mut fetched),
            E_INVALIDARG
        );
        assert_eq!((vtbl.Next)(this, 0, ptr::null_mut(), &mut fetched), S_OK);
        assert_eq!(
            (vtbl.Next)(this, 1, bytes.misaligned(), &mut fetched),
            MISALIGNED
        );
        assert_eq!(
            (vtbl.Next)(this, 1, buffer.as_mut_ptr(), bytes.misaligned()),
            MISALIGNED
        );
        assert!(bytes.untouched());

        assert_eq!((vtbl.Reset)(this), S_OK);
        assert_eq!((vtbl.Skip)(this, 1), S_OK);
        // A clone starts where the original is, and moves on its own.
        let mut clone = ptr::null_mut();
        assert_eq!((vtbl.Clone)(this, ptr::null_mut()), E_POINTER);
        assert_eq!((vtbl.Clone)(this, bytes.misaligned()), MISALIGNED);
        assert_eq!((vtbl.Clone)(this, &mut clone), S_OK);
        assert_eq!(
            (vtbl.Skip)(this, u32::MAX),
            S_FALSE,
            "skipping past the end"
        );
        assert_eq!(
            (vtbl.Next)(this, 1, buffer.as_mut_ptr(), &mut fetched),
            S_FALSE
        );
        assert_eq!(fetched, 0);
        let clone = ISyncMgrEnumItems::from_raw(clone);
        let clone_vtbl = clone.vtable();
        assert_eq!(
            (clone_vtbl.Next)(clone.as_raw(), 2, buffer.as_mut_ptr(), &mut fetched),
            S_OK
        );
        assert_eq!(fetched, 2);
        assert_eq!(buffer[0].ItemID, GUID::from_u128(2));
        assert_eq!((clone_vtbl.Skip)(clone.as_raw(), 1), S_FALSE);
    }
}

/// How many `Created` values the class factory made and how many were dropped; only the factory
/// test creates them.
static CREATED: AtomicUsize = AtomicUsize::new(0);
static DESTROYED: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, crate::SyncMgrHandler)]
#[sync_mgr(clsid = "6A1F3C52-0D4B-4E8E-9B7A-2C5D8E1F4A61", name = "Created")]
struct Created;

impl Default for Created {
    fn default() -> Self {
        CREATED.fetch_add(1, Ordering::SeqCst);
        Created
    }
}

impl Drop for Created {
    fn drop(&mut self) {
        DESTROYED.fetch_add(1, Ordering::SeqCst);
    }
}

impl SyncMgrSynchronize for Created {
    fn initialize(&self, _: u32, _: u32, _: &[u8]) -> windows_core::Result<InitializeOutcome> {
        Ok(InitializeOutcome::S_OK)
    }
    fn get_handler_info(&self) -> windows_core::Result<HandlerInfo> {
        Err(E_NOTIMPL.into())
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
    ) -> windows_core::Result<PrepareForSyncOutcome> {
        Ok(PrepareForSyncOutcome::S_OK)
    }
    fn synchronize(&self, _: HWND) -> windows_core::Result<()> {
        Ok(())
    }
    fn set_item_status(&self, _: &GUID, _: u32) -> windows_core::Result<()> {
        Ok(())
    }
}

#[test]
fn class_factory_and_dll_get_class_object() {
    let factory: IClassFactory = class_factory::<Created>();
    let create = factory.vtable().CreateInstance;
    let this = factory.as_raw();
    let mut out = ptr::without_provenance_mut::<c_void>(0x77);
    // SAFETY: `this` is the live factory; every pointer passed is null or valid for the call,
    // and `outer` is only compared with null.
    unsafe {
        let outer = this;
        assert_eq!(
            create(this, outer, &ISyncMgrSynchronize::IID, &mut out),
            CLASS_E_NOAGGREGATION
        );
        assert!(out.is_null());
        assert_eq!(
            create(this, ptr::null_mut(), ptr::null(), &mut out),
            E_POINTER
        );
        assert_eq!(
            create(
                this,
                ptr::null_mut(),
                &ISyncMgrSynchronize::IID,
                ptr::null_mut()
            ),
            E_POINTER
        );
        // An interface the class lacks: the new object is destroyed again.
        assert_eq!(
            create(this, ptr::null_mut(), &ISyncMgrEnumItems::IID, &mut out),
            E_NOINTERFACE
        );
        assert_eq!(CREATED.load(Ordering::SeqCst), 1);
        assert_eq!(DESTROYED.load(Ordering::SeqCst), 1);
        assert_eq!(
            create(this, ptr::null_mut(), &ISyncMgrSynchronize::IID, &mut out),
            S_OK
        );
        assert_eq!((factory.vtable().LockServer)(this, 1), S_OK);
        assert_eq!((factory.vtable().LockServer)(this, 0), S_OK);
        assert_eq!((factory.vtable().LockServer)(ptr::null_mut(), 1), E_POINTER);
        release_raw(out);
    }
    assert_eq!(DESTROYED.load(Ordering::SeqCst), 2);

    let classes = [ClassEntry::of::<Created>()];
    let other = GUID::from_u128(42);
    let mut out = ptr::without_provenance_mut::<c_void>(0x77);
    // SAFETY: every GUID pointer is null or readable; `out` is writable.
    unsafe {
        assert_eq!(
            dll_get_class_object(&classes, &other, &IClassFactory::IID, &mut out),
            CLASS_E_CLASSNOTAVAILABLE
        );
        assert!(out.is_null());
        assert_eq!(
            dll_get_class_object(&classes, ptr::null(), &IClassFactory::IID, &mut out),
            E_POINTER
        );
        assert_eq!(
            dll_get_class_object(
                &classes,
                &Created::CLSID,
                &ISyncMgrSynchronize::IID,
                &mut out
            ),
            E_NOINTERFACE
        );
        assert_eq!(
            dll_get_class_object(&classes, &Created::CLSID, &IClassFactory::IID, &mut out),
            S_OK
        );
        let factory = IClassFactory::from_raw(out);
        let sync: ISyncMgrSynchronize = factory.create_instance().unwrap();
        drop((factory, sync));
    }
    assert_eq!(CREATED.load(Ordering::SeqCst), 3);
    assert_eq!(DESTROYED.load(Ordering::SeqCst), 3);
}

/// An apartment-threaded object refuses calls from another thread without touching its value.
#[derive(Debug, crate::ComObject)]
#[com_object(interfaces(ISyncMgrEnumItems), threading = "apartment")]
struct Apartment(std::cell::Cell<u32>);

impl SyncMgrEnumItems for Apartment {
    fn next(&self, _: &mut [SYNCMGRITEM]) -> windows_core::Result<usize> {
        Ok(0)
    }
    fn skip(&self, count: u32) -> windows_core::Result<SkipOutcome> {
        self.0.set(self.0.get() + count);
        Ok(SkipOutcome::S_OK)
    }
    fn reset(&self) -> windows_core::Result<()> {
        Ok(())
    }
    fn clone_com(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        Err(E_NOTIMPL.into())
    }
}

#[test]
fn apartment_objects_refuse_other_threads() {
    let object = ComObject::new(Apartment(std::cell::Cell::new(0)));
    let items: ISyncMgrEnumItems = object.cast().unwrap();
    let skip = items.vtable().Skip;
    let raw = SendPtr(items.as_raw());
    let hr = std::thread::spawn(move || {
        let this = { raw }.0;
        // SAFETY: the object stays alive (the main thread holds references until after the
        // join); an apartment object checks the calling thread before touching its value.
        unsafe { skip(this, 5) }
    })
    .join()
    .unwrap();
    assert_eq!(hr, RPC_E_WRONG_THREAD);
    assert_eq!(object.0.get(), 0);
    // SAFETY: `items` is live and this is the owner thread.
    assert_eq!(unsafe { skip(items.as_raw(), 2) }, S_OK);
    assert_eq!(object.0.get(), 2);
}
