//! Fuzzes the COM object model from the outside, as a C client would: the input is a program of
//! raw vtable calls on a handler made with `#[derive(SyncMgrHandler)]` (two interface slots,
//! `ISyncMgrSynchronize` and `ISyncMgrSynchronizeInvoke`), its class factory, the
//! `ItemEnumerator`s it hands out and a callback object, with null, misaligned and valid pointers,
//! random IIDs, odd flags, cookies and counts, and wrong `cbSize`s.
//!
//! A model of every object (its reference count, what it holds, an enumerator's position)
//! predicts each call's exact HRESULT and out-values; after every call the module's live-object
//! count (`DllCanUnloadNow`'s) must equal the model's, so an object is destroyed exactly when its
//! count reaches zero, and at the end, with every reference released and every lock undone,
//! nothing may be left alive. The only HRESULTs allowed are the documented ones (`DOCUMENTED`).
//!
//! The program never breaks the caller's side of the contract (that is undefined behaviour no
//! callee can detect): it releases only references it owns, passes buffers at least as large as
//! the count it gives with them, and passes only callback objects where a callback is expected.
//! Counts larger than a buffer are given only with null or misaligned buffers, which the runtime
//! must refuse without touching them.
#![no_main]

use std::ffi::c_void;
use std::mem::size_of;
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use libfuzzer_sys::fuzz_target;
use mobsync_runtime::factory::{IClassFactory, IClassFactory_Vtbl};
use mobsync_runtime::hresults::*;
use mobsync_runtime::sys::*;
use mobsync_runtime::task_mem::task_free;
use mobsync_runtime::{
    Class, ClassEntry, ComObject, EnableModelessOutcome, HandlerInfo, InitializeOutcome,
    ItemEnumerator, LogErrorInfo, PrepareForSyncOutcome, ProgressItem, ProgressOutcome,
    ProgressUpdate, SyncCallback, SyncItem, SyncMgrSynchronize, SyncMgrSynchronizeCallback,
    SyncMgrSynchronizeInvoke, WStr, dll_get_class_object, module,
};
use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

/// Every HRESULT a call in this program may return.
const DOCUMENTED: [HRESULT; 9] = [
    S_OK,
    S_FALSE,
    E_POINTER,
    E_INVALIDARG,
    E_NOINTERFACE,
    E_UNEXPECTED,
    E_NOTIMPL,
    CLASS_E_NOAGGREGATION,
    CLASS_E_CLASSNOTAVAILABLE,
];

/// The items every handler lists: one name longer than `MAX_SYNCMGRITEMNAME`.
const ITEMS: usize = 5;

/// Live `FuzzHandler` values (created by the class factory, dropped by the runtime).
static LIVE_HANDLERS: AtomicUsize = AtomicUsize::new(0);

#[derive(mobsync_runtime::SyncMgrHandler)]
#[sync_mgr(
    clsid = "0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F0",
    name = "Fuzzed handler",
    interfaces(ISyncMgrSynchronizeInvoke)
)]
struct FuzzHandler {
    callback: Mutex<Option<SyncCallback>>,
    chosen: Mutex<Vec<GUID>>,
}

impl Default for FuzzHandler {
    fn default() -> Self {
        LIVE_HANDLERS.fetch_add(1, Ordering::SeqCst);
        FuzzHandler {
            callback: Mutex::new(None),
            chosen: Mutex::new(Vec::new()),
        }
    }
}

impl Drop for FuzzHandler {
    fn drop(&mut self) {
        LIVE_HANDLERS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The `Initialize` rule the model predicts: flags with bit 31 (no `SYNCMGRFLAG_*`) decline.
fn declines(flags: u32) -> bool {
    flags & 0x8000_0000 != 0
}

fn items() -> Vec<SyncItem> {
    (0..ITEMS)
        .map(|n| {
            let name = if n == 2 {
                "x".repeat(300)
            } else {
                format!("Item {n}")
            };
            SyncItem::new(GUID::from_u128(n as u128 + 1), name)
                .checked(n % 2 == 0)
                .last_update(std::time::UNIX_EPOCH)
        })
        .collect()
}

impl SyncMgrSynchronize for FuzzHandler {
    fn initialize(&self, _: u32, flags: u32, _: &[u8]) -> windows_core::Result<InitializeOutcome> {
        Ok(if declines(flags) {
            InitializeOutcome::S_FALSE
        } else {
            InitializeOutcome::S_OK
        })
    }
    fn get_handler_info(&self) -> windows_core::Result<HandlerInfo> {
        Ok(HandlerInfo::new(
            "A fuzzed handler with a name longer than MAX_SYNCMGRHANDLERNAME",
        ))
    }
    fn enum_sync_mgr_items(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        Ok(ItemEnumerator::new(items()).into_interface())
    }
    fn set_progress_callback(
        &self,
        callback: Option<ISyncMgrSynchronizeCallback>,
    ) -> windows_core::Result<()> {
        *self.callback.lock().unwrap() = callback.map(SyncCallback::new);
        Ok(())
    }
    fn prepare_for_sync(
        &self,
        ids: &[GUID],
        _: HWND,
        _: u32,
    ) -> windows_core::Result<PrepareForSyncOutcome> {
        *self.chosen.lock().unwrap() = ids.to_vec();
        let callback = self.callback.lock().unwrap().clone();
        if let Some(callback) = callback {
            callback.prepare_for_sync_completed(S_OK)?;
        }
        Ok(PrepareForSyncOutcome::S_OK)
    }
    fn synchronize(&self, _: HWND) -> windows_core::Result<()> {
        let Some(callback) = self.callback.lock().unwrap().clone() else {
            return Ok(());
        };
        for item in self.chosen.lock().unwrap().iter() {
            let update = ProgressUpdate::new()
                .text("Synchronized")
                .status(SYNCMGRSTATUS_SUCCEEDED.0 as u32)
                .progress(1, 1);
            callback.progress(item, &update)?;
        }
        callback.synchronize_completed(S_OK)
    }
    fn set_item_status(&self, _: &GUID, _: u32) -> windows_core::Result<()> {
        Ok(())
    }
}

impl SyncMgrSynchronizeInvoke for FuzzHandler {
    fn update_items(&self, _: u32, _: &GUID, _: &[u8]) -> windows_core::Result<()> {
        Ok(())
    }
    fn update_all(&self) -> windows_core::Result<()> {
        Ok(())
    }
}

/// A callback object that accepts everything and reads what it is given.
#[derive(mobsync_runtime::ComObject)]
#[com_object(interfaces(ISyncMgrSynchronizeCallback))]
struct FuzzCallback;

impl SyncMgrSynchronizeCallback for FuzzCallback {
    fn show_properties_completed(&self, _: HRESULT) -> windows_core::Result<()> {
        Ok(())
    }
    fn prepare_for_sync_completed(&self, _: HRESULT) -> windows_core::Result<()> {
        Ok(())
    }
    fn synchronize_completed(&self, _: HRESULT) -> windows_core::Result<()> {
        Ok(())
    }
    fn show_error_completed(&self, _: HRESULT, ids: &[GUID]) -> windows_core::Result<()> {
        std::hint::black_box(ids.iter().map(GUID::to_u128).sum::<u128>());
        Ok(())
    }
    fn enable_modeless(&self, _: bool) -> windows_core::Result<EnableModelessOutcome> {
        Ok(EnableModelessOutcome::S_OK)
    }
    fn progress(
        &self,
        _: &GUID,
        item: Option<ProgressItem<'_>>,
    ) -> windows_core::Result<ProgressOutcome> {
        if let Some(item) = item {
            std::hint::black_box((
                item.status_text().map(|t| t.to_string_lossy()),
                item.status_type(),
                item.progress_value(),
                item.max_value(),
            ));
        }
        Ok(ProgressOutcome::S_OK)
    }
    fn log_error(
        &self,
        _: u32,
        text: &WStr,
        info: Option<LogErrorInfo<'_>>,
    ) -> windows_core::Result<()> {
        std::hint::black_box(text.to_string_lossy());
        if let Some(info) = info {
            std::hint::black_box((info.error_flags(), info.error_id(), info.item_id()));
        }
        Ok(())
    }
    fn delete_log_error(&self, _: &GUID, _: u32) -> windows_core::Result<()> {
        Ok(())
    }
    fn establish_connection(&self, name: Option<&WStr>, _: u32) -> windows_core::Result<()> {
        std::hint::black_box(name.map(WStr::to_string_lossy));
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------
// Reading the program
// ------------------------------------------------------------------------------------------

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&first, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        first
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }
    fn guid(&mut self) -> GUID {
        let bytes: [u8; 16] = self.bytes(16).try_into().expect("16 bytes");
        GUID::from_u128(u128::from_le_bytes(bytes))
    }
    /// A pointer argument: null, misaligned (into `Scratch`) or valid.
    fn ptr(&mut self) -> Arg {
        match self.byte() % 4 {
            0 => Arg::Null,
            1 => Arg::Misaligned,
            _ => Arg::Valid,
        }
    }
    /// A count: small, up to a buffer's worth, or anything (only for refused buffers).
    fn count(&mut self, buffer: Arg) -> u32 {
        match (self.byte() % 4, buffer) {
            (0, _) => 0,
            (1, _) => 1,
            (3, Arg::Null | Arg::Misaligned) => self.u32(),
            _ => u32::from(self.byte() % 12),
        }
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arg {
    Null,
    Misaligned,
    Valid,
}

/// Bytes to point a misaligned pointer into; checked untouched after each call.
#[repr(C, align(16))]
struct Scratch([u8; 64]);

const PATTERN: u8 = 0xC5;

impl Scratch {
    fn new() -> Self {
        Scratch([PATTERN; 64])
    }
    fn misaligned<T>(&mut self) -> *mut T {
        self.0.as_mut_ptr().wrapping_add(1).cast()
    }
    fn untouched(&self) -> bool {
        self.0.iter().all(|&b| b == PATTERN)
    }
}

/// `arg` as a pointer: null, misaligned into `scratch`, or `valid`.
fn pointer<T>(arg: Arg, scratch: &mut Scratch, valid: *mut T) -> *mut T {
    match arg {
        Arg::Null => ptr::null_mut(),
        Arg::Misaligned => scratch.misaligned(),
        Arg::Valid => valid,
    }
}

/// What an out-pointer argument gives: `E_POINTER` for null, `E_INVALIDARG` when misaligned.
fn out_check(arg: Arg) -> Option<HRESULT> {
    match arg {
        Arg::Null => Some(E_POINTER),
        Arg::Misaligned => Some(E_INVALIDARG),
        Arg::Valid => None,
    }
}

fn garbage<T>() -> *mut T {
    ptr::without_provenance_mut(0x0bad_f00d)
}

// ------------------------------------------------------------------------------------------
// The model
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Factory,
    Handler,
    Items,
    Callback,
}

#[derive(Debug)]
struct Object {
    kind: Kind,
    /// Slot 0's address: the object's identity.
    identity: *mut c_void,
    refs: u32,
    /// An enumerator's position.
    position: usize,
    /// The callback object a handler holds a reference to.
    holds: Option<usize>,
}

/// One reference the program owns: the object and the interface slot it points to.
#[derive(Clone, Copy, Debug)]
struct Ref {
    object: usize,
    slot: usize,
}

struct World {
    objects: Vec<Object>,
    refs: Vec<Ref>,
    locks: usize,
    scratch: Scratch,
}

impl World {
    fn ptr(&self, r: Ref) -> *mut c_void {
        self.objects[r.object]
            .identity
            .wrapping_byte_add(r.slot * size_of::<*const c_void>())
    }

    fn add_object(&mut self, kind: Kind, identity: *mut c_void, position: usize) -> usize {
        self.objects.push(Object {
            kind,
            identity,
            refs: 0,
            position,
            holds: None,
        });
        self.objects.len() - 1
    }

    /// The program now owns a reference to slot `slot` of `object`.
    fn own(&mut self, object: usize, slot: usize) {
        self.objects[object].refs += 1;
        self.refs.push(Ref { object, slot });
    }

    /// One reference to `object` given up (by the program or by a handler it held); cascades
    /// to what the object held when it reaches zero.
    fn drop_ref(&mut self, object: usize) {
        let o = &mut self.objects[object];
        o.refs -= 1;
        if o.refs == 0
            && let Some(held) = o.holds.take()
        {
            self.drop_ref(held);
        }
    }

    fn alive(&self) -> usize {
        self.objects.iter().filter(|o| o.refs > 0).count()
    }

    /// Picks one of the program's references to an object of one of `kinds` (slot 0 unless
    /// `slot` says otherwise), or `None`.
    fn pick(&self, input: &mut Input<'_>, kinds: &[Kind], slot: Option<usize>) -> Option<Ref> {
        let candidates: Vec<Ref> = self
            .refs
            .iter()
            .copied()
            .filter(|r| {
                kinds.contains(&self.objects[r.object].kind) && slot.is_none_or(|s| r.slot == s)
            })
            .collect();
        (!candidates.is_empty()).then(|| candidates[input.below(candidates.len())])
    }

    /// The invariants after every call.
    fn check(&self, what: &str) {
        assert!(
            self.scratch.untouched(),
            "{what} wrote through a misaligned pointer"
        );
        assert_eq!(
            module::object_count(),
            self.alive(),
            "{what}: live objects differ from the model (destroyed too early or too late)"
        );
        let handlers = self
            .objects
            .iter()
            .filter(|o| o.kind == Kind::Handler && o.refs > 0)
            .count();
        assert_eq!(
            LIVE_HANDLERS.load(Ordering::SeqCst),
            handlers,
            "{what}: live handler values"
        );
        assert_eq!(module::lock_count(), self.locks, "{what}: server locks");
    }
}

/// The slot an IID is answered with, per kind: `None` is `E_NOINTERFACE`.
fn slot_of(kind: Kind, iid: &GUID) -> Option<usize> {
    if *iid == IUnknown::IID {
        return Some(0);
    }
    match kind {
        Kind::Factory => (*iid == IClassFactory::IID).then_some(0),
        Kind::Handler => {
            if *iid == ISyncMgrSynchronize::IID {
                Some(0)
            } else if *iid == ISyncMgrSynchronizeInvoke::IID {
                Some(1)
            } else {
                None
            }
        }
        Kind::Items => (*iid == ISyncMgrEnumItems::IID).then_some(0),
        Kind::Callback => (*iid == ISyncMgrSynchronizeCallback::IID).then_some(0),
    }
}

const IIDS: [GUID; 11] = [
    IUnknown::IID,
    IClassFactory::IID,
    ISyncMgrSynchronize::IID,
    ISyncMgrSynchronizeInvoke::IID,
    ISyncMgrEnumItems::IID,
    ISyncMgrSynchronizeCallback::IID,
    ISyncMgrRegister::IID,
    // IInspectable, IAgileObject, IMarshal: never answered.
    GUID::from_u128(0xaf86e2e0_b12d_4c6a_9c5a_d7aa65101e90),
    GUID::from_u128(0x94ea2b94_e9cc_49e0_c0ff_ee64ca8f5b90),
    GUID::from_u128(0x00000003_0000_0000_c000_000000000046),
    GUID::zeroed(),
];

/// An IID from the table or from the input, and how it is passed: null, at an odd address
/// (legal for an `[in] REFIID`: it is read unaligned) or aligned. `holder` keeps the bytes.
fn iid_arg(input: &mut Input<'_>, holder: &mut [u8; 17]) -> (Option<GUID>, *const GUID) {
    let iid = if input.byte().is_multiple_of(5) {
        input.guid()
    } else {
        IIDS[input.below(IIDS.len())]
    };
    match input.byte() % 5 {
        0 => (None, ptr::null()),
        1 => {
            // SAFETY: `holder` has 16 writable bytes after the first; `iid` is 16 readable bytes.
            unsafe {
                ptr::copy_nonoverlapping(
                    ptr::from_ref(&iid).cast::<u8>(),
                    holder.as_mut_ptr().add(1),
                    16,
                );
            }
            (Some(iid), holder.as_ptr().wrapping_add(1).cast())
        }
        _ => {
            // SAFETY: as above, at offset 0 (the holder's own alignment is 1, which is what an
            // [in] REFIID may have).
            unsafe {
                ptr::copy_nonoverlapping(ptr::from_ref(&iid).cast::<u8>(), holder.as_mut_ptr(), 16);
            }
            (Some(iid), holder.as_ptr().cast())
        }
    }
}

/// A vtable of layout `V` behind a live interface pointer.
///
/// # Safety
///
/// `this` is a live interface pointer whose vtable begins with `V`.
unsafe fn vtbl<'a, V>(this: *mut c_void) -> &'a V {
    // SAFETY: an interface pointer points to its vtable pointer; the caller vouches for `V`.
    unsafe { &**this.cast::<*const V>() }
}

fn documented(what: &str, hr: HRESULT) -> HRESULT {
    assert!(
        DOCUMENTED.contains(&hr),
        "{what} returned the undocumented {hr:?}"
    );
    hr
}

// ------------------------------------------------------------------------------------------
// The program
// ------------------------------------------------------------------------------------------

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let mut world = World {
        objects: Vec::new(),
        refs: Vec::new(),
        locks: 0,
        scratch: Scratch::new(),
    };
    world.check("start");
    let classes = [ClassEntry::of::<FuzzHandler>()];

    // A factory (through DllGetClassObject) and a callback object to start with.
    let mut factory = ptr::null_mut();
    // SAFETY: the GUIDs are readable and `factory` writable.
    let hr = unsafe {
        dll_get_class_object(
            &classes,
            &FuzzHandler::CLSID,
            &IClassFactory::IID,
            &mut factory,
        )
    };
    assert_eq!(hr, S_OK);
    let id = world.add_object(Kind::Factory, factory, 0);
    world.own(id, 0);
    let callback = ComObject::new(FuzzCallback).into_raw();
    let id = world.add_object(Kind::Callback, callback, 0);
    world.own(id, 0);
    world.check("setup");

    let mut steps = 0;
    while !input.is_empty() && steps < 256 {
        steps += 1;
        step(&mut input, &mut world, &classes);
    }

    // Release everything still owned, checking each count, then undo the locks.
    while let Some(r) = world.refs.pop() {
        let this = world.ptr(r);
        // SAFETY: the program owns this reference and gives it up.
        let count = unsafe { (vtbl::<IUnknown_Vtbl>(this).Release)(this) };
        world.drop_ref(r.object);
        assert_eq!(count, world.objects[r.object].refs, "Release's count");
        world.check("final Release");
    }
    while world.locks > 0 {
        world.locks -= 1;
        assert_eq!(module::lock_count(), world.locks + 1);
        let mut factory = ptr::null_mut();
        // SAFETY: as at the start.
        unsafe {
            assert_eq!(
                dll_get_class_object(
                    &classes,
                    &FuzzHandler::CLSID,
                    &IClassFactory::IID,
                    &mut factory
                ),
                S_OK
            );
            let vt = vtbl::<IClassFactory_Vtbl>(factory);
            assert_eq!((vt.LockServer)(factory, 0), S_OK);
            assert_eq!((vt.base__.Release)(factory), 0);
        }
    }
    world.check("end");
    assert_eq!(
        module::object_count(),
        0,
        "everything released: nothing alive"
    );
    assert_eq!(mobsync_runtime::dll_can_unload_now(), S_OK);
});

fn step(input: &mut Input<'_>, world: &mut World, classes: &[ClassEntry]) {
    let op = input.byte() % 16;
    match op {
        0 => add_ref(input, world),
        1 => release(input, world),
        2 => query_interface(input, world),
        3 => create_instance(input, world),
        4 => lock_server(input, world),
        5 => initialize(input, world),
        6 => get_handler_info(input, world),
        7 => enum_sync_mgr_items(input, world),
        8 => set_progress_callback(input, world),
        9 => session(input, world),
        10 => next(input, world),
        11 => skip_reset(input, world),
        12 => clone(input, world),
        13 => callback_calls(input, world),
        14 => null_this(input, world),
        _ => get_class_object(input, world, classes),
    }
}

const ALL: [Kind; 4] = [Kind::Factory, Kind::Handler, Kind::Items, Kind::Callback];

fn add_ref(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &ALL, None) else {
        return;
    };
    let this = world.ptr(r);
    // SAFETY: the program owns a reference to this live object; the new one is owned too.
    let count = unsafe { (vtbl::<IUnknown_Vtbl>(this).AddRef)(this) };
    world.own(r.object, r.slot);
    assert_eq!(count, world.objects[r.object].refs, "AddRef's count");
    world.check("AddRef");
}

fn release(input: &mut Input<'_>, world: &mut World) {
    if world.refs.is_empty() {
        return;
    }
    let r = world.refs.swap_remove(input.below(world.refs.len()));
    let this = world.ptr(r);
    // SAFETY: the program owns this reference and gives it up.
    let count = unsafe { (vtbl::<IUnknown_Vtbl>(this).Release)(this) };
    world.drop_ref(r.object);
    assert_eq!(count, world.objects[r.object].refs, "Release's count");
    world.check("Release");
}

fn query_interface(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &ALL, None) else {
        return;
    };
    let mut holder = [0u8; 17];
    let (iid, iid_ptr) = iid_arg(input, &mut holder);
    let out_arg = input.ptr();
    let mut out: *mut c_void = garbage();
    let ppv = pointer(out_arg, &mut world.scratch, &mut out);
    let this = world.ptr(r);
    // SAFETY: a live object the program holds; the IID pointer is null or readable for 16
    // bytes; `ppv` is null, misaligned (refused untouched) or writable.
    let hr = unsafe { (vtbl::<IUnknown_Vtbl>(this).QueryInterface)(this, iid_ptr, ppv) };
    let hr = documented("QueryInterface", hr);
    let kind = world.objects[r.object].kind;
    match (out_check(out_arg), iid) {
        (Some(expected), _) => assert_eq!(hr, expected, "QueryInterface's ppv check"),
        (None, None) => {
            assert_eq!(hr, E_POINTER, "QueryInterface with a null IID");
            assert!(out.is_null(), "ppv cleared");
        }
        (None, Some(iid)) => match slot_of(kind, &iid) {
            Some(slot) => {
                assert_eq!(hr, S_OK, "QueryInterface({iid:?}) of a {kind:?}");
                let answered = Ref {
                    object: r.object,
                    slot,
                };
                assert_eq!(
                    out,
                    world.ptr(answered),
                    "the interface's slot (COM identity)"
                );
                world.own(r.object, slot);
            }
            None => {
                assert_eq!(hr, E_NOINTERFACE, "QueryInterface({iid:?}) of a {kind:?}");
                assert!(out.is_null(), "ppv cleared");
            }
        },
    }
    world.check("QueryInterface");
}

fn create_instance(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Factory], None) else {
        return;
    };
    let aggregate = input.byte().is_multiple_of(8);
    let mut holder = [0u8; 17];
    let (iid, iid_ptr) = iid_arg(input, &mut holder);
    let out_arg = input.ptr();
    let mut out: *mut c_void = garbage();
    let ppv = pointer(out_arg, &mut world.scratch, &mut out);
    let this = world.ptr(r);
    let outer = if aggregate { this } else { ptr::null_mut() };
    // SAFETY: a live factory; `outer` is only compared with null; the other pointers as in
    // `query_interface`.
    let hr =
        unsafe { (vtbl::<IClassFactory_Vtbl>(this).CreateInstance)(this, outer, iid_ptr, ppv) };
    let hr = documented("CreateInstance", hr);
    let expected = out_check(out_arg).unwrap_or(if aggregate {
        CLASS_E_NOAGGREGATION
    } else {
        match iid {
            None => E_POINTER,
            Some(iid) => slot_of(Kind::Handler, &iid).map_or(E_NOINTERFACE, |_| S_OK),
        }
    });
    assert_eq!(
        hr, expected,
        "CreateInstance({iid:?}, aggregate {aggregate}, {out_arg:?})"
    );
    if out_arg == Arg::Valid {
        if hr == S_OK {
            let slot = slot_of(Kind::Handler, &iid.expect("S_OK with an IID")).expect("answered");
            let identity = out.wrapping_byte_sub(slot * size_of::<*const c_void>());
            let id = world.add_object(Kind::Handler, identity, 0);
            world.own(id, slot);
        } else {
            assert!(out.is_null(), "ppv cleared");
        }
    }
    world.check("CreateInstance");
}

fn lock_server(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Factory], None) else {
        return;
    };
    let lock = if input.byte().is_multiple_of(3) {
        0
    } else {
        (input.u32() as i32).max(1)
    };
    let this = world.ptr(r);
    // SAFETY: a live factory.
    let hr = documented("LockServer", unsafe {
        (vtbl::<IClassFactory_Vtbl>(this).LockServer)(this, lock)
    });
    if lock != 0 {
        assert_eq!(hr, S_OK);
        world.locks += 1;
    } else if world.locks > 0 {
        assert_eq!(hr, S_OK);
        world.locks -= 1;
    } else {
        assert_eq!(hr, E_UNEXPECTED, "LockServer(FALSE) without a lock");
    }
    world.check("LockServer");
}

/// A byte buffer argument: null (with any count) or valid (with its length).
fn cookie(input: &mut Input<'_>) -> (Vec<u8>, u32, *const u8) {
    if input.byte().is_multiple_of(3) {
        let count = input.count(Arg::Null);
        (Vec::new(), count, ptr::null())
    } else {
        let count = input.count(Arg::Valid);
        let bytes = input.bytes(count as usize);
        let p = bytes.as_ptr();
        (bytes, count, p)
    }
}

fn initialize(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Handler], Some(0)) else {
        return;
    };
    let reserved = input.u32();
    let flags = input.u32();
    let (_bytes, count, cookie) = cookie(input);
    let this = world.ptr(r);
    // SAFETY: a live handler's ISyncMgrSynchronize; the cookie is null or `count` readable bytes.
    let hr = unsafe {
        (vtbl::<ISyncMgrSynchronize_Vtbl>(this).Initialize)(this, reserved, flags, count, cookie)
    };
    let hr = documented("Initialize", hr);
    let expected = if cookie.is_null() && count > 0 {
        E_INVALIDARG
    } else if declines(flags) {
        S_FALSE
    } else {
        S_OK
    };
    assert_eq!(
        hr, expected,
        "Initialize(flags {flags:#x}, {count} bytes at {cookie:?})"
    );
    world.check("Initialize");
}

fn get_handler_info(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Handler], Some(0)) else {
        return;
    };
    let out_arg = input.ptr();
    let mut out: LPSYNCMGRHANDLERINFO = garbage();
    let pp = pointer(out_arg, &mut world.scratch, &mut out);
    let this = world.ptr(r);
    // SAFETY: a live handler; `pp` is null, misaligned (refused untouched) or writable.
    let hr = unsafe { (vtbl::<ISyncMgrSynchronize_Vtbl>(this).GetHandlerInfo)(this, pp) };
    let hr = documented("GetHandlerInfo", hr);
    assert_eq!(
        hr,
        out_check(out_arg).unwrap_or(S_OK),
        "GetHandlerInfo({out_arg:?})"
    );
    if hr == S_OK {
        assert!(!out.is_null());
        // SAFETY: S_OK hands over a task-allocator block holding a SYNCMGRHANDLERINFO, freed
        // once here.
        unsafe {
            assert_eq!((*out).cbSize as usize, size_of::<SYNCMGRHANDLERINFO>());
            assert!(
                (*out).wszHandlerName.contains(&0),
                "the name is NUL-terminated"
            );
            task_free(out.cast());
        }
    }
    world.check("GetHandlerInfo");
}

fn enum_sync_mgr_items(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Handler], Some(0)) else {
        return;
    };
    let out_arg = input.ptr();
    let mut out: *mut c_void = garbage();
    let pp = pointer(out_arg, &mut world.scratch, &mut out);
    let this = world.ptr(r);
    // SAFETY: a live handler; `pp` is null, misaligned (refused untouched) or writable.
    let hr = unsafe { (vtbl::<ISyncMgrSynchronize_Vtbl>(this).EnumSyncMgrItems)(this, pp) };
    let hr = documented("EnumSyncMgrItems", hr);
    assert_eq!(
        hr,
        out_check(out_arg).unwrap_or(S_OK),
        "EnumSyncMgrItems({out_arg:?})"
    );
    if hr == S_OK {
        assert!(!out.is_null());
        let id = world.add_object(Kind::Items, out, 0);
        world.own(id, 0);
    }
    world.check("EnumSyncMgrItems");
}

fn set_progress_callback(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Handler], Some(0)) else {
        return;
    };
    let callback = if input.byte().is_multiple_of(3) {
        None
    } else {
        world.pick(input, &[Kind::Callback], None)
    };
    let pointer = callback.map_or(ptr::null_mut(), |c| world.ptr(c));
    let this = world.ptr(r);
    // SAFETY: a live handler; the callback is null or a live ISyncMgrSynchronizeCallback.
    let hr = unsafe { (vtbl::<ISyncMgrSynchronize_Vtbl>(this).SetProgressCallback)(this, pointer) };
    assert_eq!(documented("SetProgressCallback", hr), S_OK);
    // The handler now holds a reference to the new callback and none to the old one.
    if let Some(c) = callback {
        world.objects[c.object].refs += 1;
    }
    let old = std::mem::replace(
        &mut world.objects[r.object].holds,
        callback.map(|c| c.object),
    );
    if let Some(old) = old {
        world.drop_ref(old);
    }
    world.check("SetProgressCallback");
}

/// A GUID array argument: null, misaligned or valid, with a count (any count for the first two).
fn guids(input: &mut Input<'_>, world: &mut World) -> (Vec<GUID>, u32, *mut GUID) {
    let arg = input.ptr();
    let count = input.count(arg);
    let mut ids: Vec<GUID> = if arg == Arg::Valid {
        (0..count)
            .map(|_| GUID::from_u128(u128::from(input.byte() % 8)))
            .collect()
    } else {
        Vec::new()
    };
    let p = pointer(arg, &mut world.scratch, ids.as_mut_ptr());
    (ids, count, p)
}

/// What a checked `[in] size_is(count)` array gives.
fn array_check(p: *mut GUID, count: u32) -> Option<HRESULT> {
    if p.is_null() {
        (count > 0).then_some(E_INVALIDARG)
    } else {
        (!p.is_aligned()).then_some(E_INVALIDARG)
    }
}

/// A GUID passed by reference: null, at an odd address (read unaligned) or aligned.
fn guid_ref(input: &mut Input<'_>, holder: &mut [u8; 17]) -> *const GUID {
    let id = GUID::from_u128(u128::from(input.byte() % 8));
    let at = usize::from(!input.byte().is_multiple_of(3));
    if input.byte().is_multiple_of(4) {
        return ptr::null();
    }
    // SAFETY: 16 bytes at offset 0 or 1 of the 17-byte holder.
    unsafe {
        ptr::copy_nonoverlapping(
            ptr::from_ref(&id).cast::<u8>(),
            holder.as_mut_ptr().add(at),
            16,
        );
    }
    holder.as_ptr().wrapping_add(at).cast()
}

fn session(input: &mut Input<'_>, world: &mut World) {
    let sub = input.byte() % 6;
    if sub == 5 {
        return invoke(input, world);
    }
    let Some(r) = world.pick(input, &[Kind::Handler], Some(0)) else {
        return;
    };
    let this = world.ptr(r);
    let hwnd = HWND(ptr::without_provenance_mut(input.u32() as usize));
    let mut holder = [0u8; 17];
    // Each call below: a live handler's ISyncMgrSynchronize; every pointer is null, misaligned
    // (refused untouched), or valid for the count given with it.
    // SAFETY: slot 0 of a live handler the program holds is its ISyncMgrSynchronize.
    let vt = unsafe { vtbl::<ISyncMgrSynchronize_Vtbl>(this) };
    match sub {
        0 => {
            let (_ids, count, p) = guids(input, world);
            let reserved = input.u32();
            // SAFETY: a live handler; `p` is null or misaligned (refused unread, whatever the
            // count) or `count` GUIDs in `_ids`.
            let hr = unsafe { (vt.PrepareForSync)(this, count, p, hwnd, reserved) };
            let hr = documented("PrepareForSync", hr);
            assert_eq!(
                hr,
                array_check(p, count).unwrap_or(S_OK),
                "PrepareForSync({count})"
            );
        }
        1 => {
            // SAFETY: a live handler; the window handle is only passed along.
            let hr = unsafe { (vt.Synchronize)(this, hwnd) };
            assert_eq!(documented("Synchronize", hr), S_OK);
        }
        2 => {
            let id = guid_ref(input, &mut holder);
            // SAFETY: a live handler; `id` is null or 16 readable bytes in `holder`.
            let hr = unsafe { (vt.SetItemStatus)(this, id, input.u32()) };
            let hr = documented("SetItemStatus", hr);
            assert_eq!(hr, if id.is_null() { E_POINTER } else { S_OK });
        }
        3 => {
            let id = guid_ref(input, &mut holder);
            // SAFETY: a live handler; `id` is null or 16 readable bytes in `holder`.
            let (a, b) = unsafe {
                (
                    (vt.ShowProperties)(this, hwnd, id),
                    (vt.ShowError)(this, hwnd, id),
                )
            };
            let expected = if id.is_null() { E_POINTER } else { E_NOTIMPL };
            assert_eq!(
                (a, b),
                (expected, expected),
                "the optional methods' defaults"
            );
        }
        _ => {
            let id = guid_ref(input, &mut holder);
            let mut iid_holder = [0u8; 17];
            let (iid, iid_ptr) = iid_arg(input, &mut iid_holder);
            let out_arg = input.ptr();
            let mut out: *mut c_void = garbage();
            let ppv = pointer(out_arg, &mut world.scratch, &mut out);
            // SAFETY: a live handler; `id` and `iid_ptr` are null or 16 readable bytes; `ppv` is
            // null, misaligned (refused untouched) or writable.
            let hr = unsafe { (vt.GetItemObject)(this, id, iid_ptr, ppv) };
            let expected = out_check(out_arg).unwrap_or(if iid.is_none() || id.is_null() {
                E_POINTER
            } else {
                E_NOTIMPL
            });
            assert_eq!(hr, expected, "GetItemObject");
            if out_arg == Arg::Valid {
                assert!(out.is_null(), "ppv cleared");
            }
        }
    }
    world.check("an ISyncMgrSynchronize method");
}

fn invoke(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Handler], Some(1)) else {
        return;
    };
    let this = world.ptr(r);
    // SAFETY: slot 1 of a live handler is its ISyncMgrSynchronizeInvoke.
    let vt = unsafe { vtbl::<ISyncMgrSynchronizeInvoke_Vtbl>(this) };
    if input.byte().is_multiple_of(2) {
        // SAFETY: slot 1 of a live handler, as above; no other argument.
        let hr = unsafe { (vt.UpdateAll)(this) };
        assert_eq!(documented("UpdateAll", hr), S_OK);
    } else {
        let mut holder = [0u8; 17];
        let clsid = guid_ref(input, &mut holder);
        let (_bytes, count, cookie) = cookie(input);
        // SAFETY: slot 1 of a live handler; the CLSID is null or 16 readable bytes, the cookie null
        // or `count` readable bytes.
        let hr = unsafe { (vt.UpdateItems)(this, input.u32(), clsid, count, cookie) };
        let expected = if clsid.is_null() {
            E_POINTER
        } else if cookie.is_null() && count > 0 {
            E_INVALIDARG
        } else {
            S_OK
        };
        assert_eq!(documented("UpdateItems", hr), expected);
    }
    world.check("an ISyncMgrSynchronizeInvoke method");
}

fn blank_item() -> SYNCMGRITEM {
    let mut item = SyncItem::new(GUID::from_u128(0xEEEE), "garbage").to_raw();
    item.cbSize = 0xEEEE;
    item
}

fn next(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Items], None) else {
        return;
    };
    let fetched_arg = input.ptr();
    let buffer_arg = input.ptr();
    let celt = input.count(buffer_arg);
    let mut buffer = vec![
        blank_item();
        if buffer_arg == Arg::Valid {
            celt as usize
        } else {
            0
        }
    ];
    let mut fetched = 0xFFFF_FFFF_u32;
    let pfetched = pointer(fetched_arg, &mut world.scratch, &mut fetched);
    let rgelt = pointer(buffer_arg, &mut world.scratch, buffer.as_mut_ptr());
    let this = world.ptr(r);
    // SAFETY: a live enumerator; `rgelt` is null, misaligned (refused untouched) or a buffer of
    // exactly `celt` items; `pfetched` null, misaligned or writable.
    let hr = unsafe { (vtbl::<ISyncMgrEnumItems_Vtbl>(this).Next)(this, celt, rgelt, pfetched) };
    let hr = documented("Next", hr);
    let what = format!("Next({celt}, {buffer_arg:?}, fetched {fetched_arg:?})");
    let fetched_check = match fetched_arg {
        Arg::Null if celt != 1 => Some(E_POINTER),
        Arg::Misaligned => Some(E_INVALIDARG),
        _ => None,
    };
    if let Some(expected) = fetched_check {
        assert_eq!(hr, expected, "{what}");
        assert!(
            buffer.iter().all(|item| item.cbSize == 0xEEEE),
            "{what}: buffer untouched"
        );
        return world.check("Next");
    }
    let buffer_check = match buffer_arg {
        Arg::Null if celt > 0 => Some(E_INVALIDARG),
        Arg::Misaligned => Some(E_INVALIDARG),
        _ => None,
    };
    if let Some(expected) = buffer_check {
        assert_eq!(hr, expected, "{what}");
        if fetched_arg == Arg::Valid {
            assert_eq!(fetched, 0, "{what}: pceltFetched cleared");
        }
        return world.check("Next");
    }
    let object = &mut world.objects[r.object];
    let n = (celt as usize).min(ITEMS - object.position);
    assert_eq!(
        hr,
        if n == celt as usize { S_OK } else { S_FALSE },
        "{what}"
    );
    if fetched_arg == Arg::Valid {
        assert_eq!(fetched as usize, n, "{what}: pceltFetched");
    }
    for (k, item) in buffer.iter().enumerate() {
        if k < n {
            assert_eq!(item.cbSize as usize, size_of::<SYNCMGRITEM>());
            assert_eq!(
                item.ItemID,
                GUID::from_u128((object.position + k) as u128 + 1)
            );
            assert!(item.wszItemName.contains(&0), "the name is NUL-terminated");
        } else {
            assert_eq!(
                item.cbSize, 0xEEEE,
                "{what}: the rest of the buffer is left as given (ItemEnumerator's next_uninit \
                 writes only the items it hands out)"
            );
        }
    }
    object.position += n;
    world.check("Next");
}

fn skip_reset(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Items], None) else {
        return;
    };
    let this = world.ptr(r);
    // SAFETY: a live enumerator.
    let vt = unsafe { vtbl::<ISyncMgrEnumItems_Vtbl>(this) };
    let object = &mut world.objects[r.object];
    if input.byte().is_multiple_of(3) {
        // SAFETY: a live enumerator the program holds; no other argument.
        assert_eq!(documented("Reset", unsafe { (vt.Reset)(this) }), S_OK);
        object.position = 0;
    } else {
        let celt = if input.byte().is_multiple_of(2) {
            u32::from(input.byte() % 8)
        } else {
            input.u32()
        };
        // SAFETY: a live enumerator the program holds; the count is only a number.
        let hr = documented("Skip", unsafe { (vt.Skip)(this, celt) });
        let left = ITEMS - object.position;
        assert_eq!(
            hr,
            if celt as usize <= left { S_OK } else { S_FALSE },
            "Skip({celt})"
        );
        object.position += (celt as usize).min(left);
    }
    world.check("Skip/Reset");
}

fn clone(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Items], None) else {
        return;
    };
    let out_arg = input.ptr();
    let mut out: *mut c_void = garbage();
    let pp = pointer(out_arg, &mut world.scratch, &mut out);
    let this = world.ptr(r);
    // SAFETY: a live enumerator; `pp` is null, misaligned (refused untouched) or writable.
    let hr = unsafe { (vtbl::<ISyncMgrEnumItems_Vtbl>(this).Clone)(this, pp) };
    assert_eq!(documented("Clone", hr), out_check(out_arg).unwrap_or(S_OK));
    if hr == S_OK {
        let position = world.objects[r.object].position;
        let id = world.add_object(Kind::Items, out, position);
        world.own(id, 0);
    }
    world.check("Clone");
}

/// A size for a structure that starts with `cbSize`: right, off by a little, or anything.
fn cb_size(input: &mut Input<'_>, right: usize) -> u32 {
    match input.byte() % 4 {
        0 => input.u32(),
        1 => (right as u32)
            .wrapping_add(u32::from(input.byte() % 9))
            .wrapping_sub(4),
        _ => right as u32,
    }
}

fn callback_calls(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &[Kind::Callback], None) else {
        return;
    };
    let this = world.ptr(r);
    // Each call below: the program's live callback object; every pointer is null, misaligned
    // (refused untouched), or valid (strings NUL-terminated, arrays of the count).
    // SAFETY: slot 0 of the live callback object is its ISyncMgrSynchronizeCallback.
    let vt = unsafe { vtbl::<ISyncMgrSynchronizeCallback_Vtbl>(this) };
    let text: Vec<u16> = "Fuzzed \u{1F600} text\0".encode_utf16().collect();
    let mut holder = [0u8; 17];
    let hr_arg = HRESULT(input.u32() as i32);
    match input.byte() % 6 {
        0 => {
            let id = guid_ref(input, &mut holder);
            let arg = input.ptr();
            let mut item = SYNCMGRPROGRESSITEM {
                cbSize: cb_size(input, size_of::<SYNCMGRPROGRESSITEM>()),
                mask: input.u32(),
                lpcStatusText: if input.byte().is_multiple_of(2) {
                    text.as_ptr()
                } else {
                    ptr::null()
                },
                dwStatusType: input.u32(),
                iProgValue: input.u32() as i32,
                iMaxValue: input.u32() as i32,
            };
            let right = item.cbSize as usize == size_of::<SYNCMGRPROGRESSITEM>();
            let p = pointer(arg, &mut world.scratch, &mut item);
            // SAFETY: the live callback; `id` is null or 16 readable bytes; `p` is null, misaligned
            // (refused unread) or a whole SYNCMGRPROGRESSITEM whose string is null or NUL-
            // terminated.
            let hr = unsafe { (vt.Progress)(this, id, p) };
            let expected = if id.is_null() {
                E_POINTER
            } else {
                match arg {
                    Arg::Null => S_OK,
                    Arg::Misaligned => E_INVALIDARG,
                    Arg::Valid if right => S_OK,
                    Arg::Valid => E_INVALIDARG,
                }
            };
            assert_eq!(documented("Progress", hr), expected, "Progress({arg:?})");
        }
        1 => {
            let text_arg = input.ptr();
            let text_ptr = pointer(text_arg, &mut world.scratch, text.as_ptr().cast_mut());
            let arg = input.ptr();
            let mut info = SYNCMGRLOGERRORINFO {
                cbSize: cb_size(input, size_of::<SYNCMGRLOGERRORINFO>()),
                mask: input.u32(),
                dwSyncMgrErrorFlags: input.u32(),
                ErrorID: input.guid(),
                ItemID: input.guid(),
            };
            let right = info.cbSize as usize == size_of::<SYNCMGRLOGERRORINFO>();
            let p = pointer(arg, &mut world.scratch, &mut info);
            // SAFETY: the live callback; the text is null, misaligned (refused unread) or NUL-
            // terminated; `p` is null, misaligned or a whole SYNCMGRLOGERRORINFO.
            let hr = unsafe { (vt.LogError)(this, input.u32(), text_ptr, p) };
            let expected = out_check(text_arg).unwrap_or(match arg {
                Arg::Null => S_OK,
                Arg::Misaligned => E_INVALIDARG,
                Arg::Valid if right => S_OK,
                Arg::Valid => E_INVALIDARG,
            });
            assert_eq!(
                documented("LogError", hr),
                expected,
                "LogError({text_arg:?}, {arg:?})"
            );
        }
        2 => {
            let (_ids, count, p) = guids(input, world);
            // SAFETY: the live callback; `p` is null or misaligned (refused unread) or `count`
            // GUIDs.
            let hr = unsafe { (vt.ShowErrorCompleted)(this, hr_arg, count, p) };
            assert_eq!(
                documented("ShowErrorCompleted", hr),
                array_check(p, count).unwrap_or(S_OK)
            );
        }
        3 => {
            let id = guid_ref(input, &mut holder);
            // SAFETY: the live callback; `id` is null or 16 readable bytes.
            let (modeless, delete) = unsafe {
                (
                    (vt.EnableModeless)(this, input.u32() as i32),
                    (vt.DeleteLogError)(this, id, input.u32()),
                )
            };
            assert_eq!(modeless, S_OK);
            assert_eq!(delete, if id.is_null() { E_POINTER } else { S_OK });
        }
        4 => {
            let arg = input.ptr();
            let name = pointer(arg, &mut world.scratch, text.as_ptr().cast_mut());
            // SAFETY: the live callback; `name` is null, misaligned (refused unread) or NUL-
            // terminated.
            let hr = unsafe { (vt.EstablishConnection)(this, name, input.u32()) };
            let expected = if arg == Arg::Misaligned {
                E_INVALIDARG
            } else {
                S_OK
            };
            assert_eq!(documented("EstablishConnection", hr), expected);
        }
        _ => {
            // SAFETY: the live callback; the HRESULTs are only values.
            unsafe {
                assert_eq!((vt.ShowPropertiesCompleted)(this, hr_arg), S_OK);
                assert_eq!((vt.PrepareForSyncCompleted)(this, hr_arg), S_OK);
                assert_eq!((vt.SynchronizeCompleted)(this, hr_arg), S_OK);
            }
        }
    }
    world.check("an ISyncMgrSynchronizeCallback method");
}

/// Every method refuses a null `this` with `E_POINTER` (`AddRef`/`Release`: 0) without touching
/// its other arguments.
fn null_this(input: &mut Input<'_>, world: &mut World) {
    let Some(r) = world.pick(input, &ALL, None) else {
        return;
    };
    let live = world.ptr(r);
    let null = ptr::null_mut();
    let mut out: *mut c_void = garbage();
    let kind = world.objects[r.object].kind;
    // SAFETY: the vtables are read from a live object of the program; the calls pass a null
    // `this`, which every slot refuses before reading anything else; the other pointers are
    // valid.
    unsafe {
        let unknown = vtbl::<IUnknown_Vtbl>(live);
        assert_eq!((unknown.AddRef)(null), 0);
        assert_eq!((unknown.Release)(null), 0);
        assert_eq!(
            (unknown.QueryInterface)(null, &IUnknown::IID, &mut out),
            E_POINTER
        );
        let hr = match (kind, r.slot) {
            (Kind::Factory, _) => {
                let vt = vtbl::<IClassFactory_Vtbl>(live);
                assert_eq!((vt.LockServer)(null, 1), E_POINTER);
                (vt.CreateInstance)(null, null, &IUnknown::IID, &mut out)
            }
            (Kind::Handler, 0) => {
                let vt = vtbl::<ISyncMgrSynchronize_Vtbl>(live);
                assert_eq!((vt.Initialize)(null, 0, 0, 0, ptr::null()), E_POINTER);
                (vt.EnumSyncMgrItems)(null, &mut out)
            }
            (Kind::Handler, _) => (vtbl::<ISyncMgrSynchronizeInvoke_Vtbl>(live).UpdateAll)(null),
            (Kind::Items, _) => {
                let vt = vtbl::<ISyncMgrEnumItems_Vtbl>(live);
                let mut item = blank_item();
                let mut fetched = 0;
                assert_eq!((vt.Next)(null, 1, &mut item, &mut fetched), E_POINTER);
                assert_eq!((vt.Skip)(null, 1), E_POINTER);
                assert_eq!((vt.Reset)(null), E_POINTER);
                (vt.Clone)(null, &mut out)
            }
            (Kind::Callback, _) => {
                let vt = vtbl::<ISyncMgrSynchronizeCallback_Vtbl>(live);
                (vt.Progress)(null, &GUID::zeroed(), ptr::null_mut())
            }
        };
        assert_eq!(hr, E_POINTER, "a method of a {kind:?} with a null this");
    }
    world.check("null this");
}

fn get_class_object(input: &mut Input<'_>, world: &mut World, classes: &[ClassEntry]) {
    let clsid = match input.byte() % 4 {
        0 => None,
        1 => Some(input.guid()),
        _ => Some(FuzzHandler::CLSID),
    };
    let clsid_ptr = clsid.as_ref().map_or(ptr::null(), ptr::from_ref);
    let mut holder = [0u8; 17];
    let (iid, iid_ptr) = iid_arg(input, &mut holder);
    let out_arg = input.ptr();
    let mut out: *mut c_void = garbage();
    let ppv = pointer(out_arg, &mut world.scratch, &mut out);
    // SAFETY: the GUID pointers are null or readable; `ppv` null, misaligned or writable.
    let hr = unsafe { dll_get_class_object(classes, clsid_ptr, iid_ptr, ppv) };
    let hr = documented("DllGetClassObject", hr);
    let expected = out_check(out_arg).unwrap_or(match (clsid, iid) {
        (None, _) | (_, None) => E_POINTER,
        (Some(clsid), _) if clsid != FuzzHandler::CLSID => CLASS_E_CLASSNOTAVAILABLE,
        (_, Some(iid)) => slot_of(Kind::Factory, &iid).map_or(E_NOINTERFACE, |_| S_OK),
    });
    assert_eq!(
        hr, expected,
        "DllGetClassObject({clsid:?}, {iid:?}, {out_arg:?})"
    );
    if hr == S_OK {
        let id = world.add_object(Kind::Factory, out, 0);
        world.own(id, 0);
    } else if out_arg == Arg::Valid {
        assert!(out.is_null(), "ppv cleared");
    }
    world.check("DllGetClassObject");
}
