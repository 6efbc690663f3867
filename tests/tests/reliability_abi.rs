//! Hostile callers through the raw ABI: every slot of every interface the runtime implements
//! (`ISyncMgrSynchronize`, `ISyncMgrEnumItems`, `ISyncMgrSynchronizeCallback`,
//! `ISyncMgrSynchronizeInvoke`, `ISyncMgrRegister`, `IClassFactory`) called as a careless or
//! malicious C caller would: a null `this`, null pointers, zero-length and maximal counts,
//! `cbSize` values that are not the structure's size, unknown IIDs, and calls that re-enter
//! objects from inside their own callbacks. Each gets the HRESULT documented on the generated
//! trait method, the user's code is not reached when the arguments are refused, out-parameters
//! are left null, and nothing leaks or is dropped twice.
//!
//! (`raw_abi_*.rs` test the contract of each method with valid and invalid arguments; this file
//! sweeps the whole vtable surface systematically and adds re-entrancy.)

mod raw_abi_support;

use std::ffi::c_void;
use std::mem::size_of;
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use mobsync_runtime::factory::IClassFactory_Vtbl;
use mobsync_runtime::hresults::{
    CLASS_E_NOAGGREGATION, E_INVALIDARG, E_NOINTERFACE, E_POINTER, E_UNEXPECTED, S_FALSE, S_OK,
};
use mobsync_runtime::interfaces::{
    EnableModelessOutcome, GetHandlerRegistrationInfoOutcome, InitializeOutcome,
    PrepareForSyncOutcome, ProgressOutcome, SkipOutcome,
};
use mobsync_runtime::sys::*;
use mobsync_runtime::{
    ComObject, HandlerInfo, InterfaceOut, ItemEnumerator, LogErrorInfo, LogLevel, ProgressItem,
    ProgressUpdate, SyncCallback, SyncItem, SyncMgrEnumItems, SyncMgrHandler, SyncMgrRegister,
    SyncMgrSynchronize, SyncMgrSynchronizeCallback, SyncMgrSynchronizeInvoke, WStr,
};
use raw_abi_support::{
    DropCounter, IID_IAGILEOBJECT, IID_ICLASSFACTORY, IID_IINSPECTABLE, IID_IMARSHAL, IID_IUNKNOWN,
    MINIMAL_CREATED, MINIMAL_DROPPED, MinimalHandler, Probe, SendPtr, add_ref, garbage, query,
    release, vtbl, wide,
};
use windows_core::{GUID, HRESULT, IUnknown_Vtbl, Interface};

const ITEM_A: GUID = GUID::from_u128(0x0bad_ca11_0000_4000_8000_0000_0000_000a);
const ITEM_B: GUID = GUID::from_u128(0x0bad_ca11_0000_4000_8000_0000_0000_000b);
const ITEM_C: GUID = GUID::from_u128(0x0bad_ca11_0000_4000_8000_0000_0000_000c);
const UNKNOWN_IID: GUID = GUID::from_u128(0x0bad_ca11_dead_4000_8000_0000_0000_beef);

/// Runs `f` on another thread and fails the test if it does not finish in time (a deadlock).
fn within_seconds<R: Send + 'static>(seconds: u64, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(seconds))
        .expect("the calls did not finish: a deadlock or a lost panic")
}

// ----- the objects under attack ---------------------------------------------------------------

/// Everything an object's methods were called with, in order.
#[derive(Debug, Default)]
struct Journal(Mutex<Vec<String>>);

impl Journal {
    fn note(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }
    fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// How the handler's `Synchronize` and `SetItemStatus` behave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum HandlerMode {
    /// `Synchronize` reports each prepared item once and completes.
    #[default]
    Plain,
    /// Also: `SetItemStatus` calls `LogError` on the callback (nested re-entry).
    LogFromSetItemStatus,
}

/// A handler that records every call and delegates its enumerator to an `ItemEnumerator`.
#[derive(SyncMgrHandler)]
#[sync_mgr(
    clsid = "0BADCA11-0000-4000-8000-0000000000F1",
    name = "Hostile-caller target",
    interfaces(ISyncMgrEnumItems)
)]
struct Target {
    journal: Journal,
    items: ItemEnumerator,
    callback: Mutex<Option<SyncCallback>>,
    prepared: Mutex<Vec<GUID>>,
    mode: Mutex<HandlerMode>,
    responses: Mutex<Vec<ProgressResponseName>>,
    _drops: Probe,
}

type ProgressResponseName = &'static str;

impl Default for Target {
    fn default() -> Self {
        Target::new(&DropCounter::default())
    }
}

impl Target {
    fn new(drops: &DropCounter) -> Self {
        Target {
            journal: Journal::default(),
            items: ItemEnumerator::new(vec![
                SyncItem::new(ITEM_A, "A").checked(true),
                SyncItem::new(ITEM_B, "B"),
                SyncItem::new(ITEM_C, "C"),
            ]),
            callback: Mutex::default(),
            prepared: Mutex::default(),
            mode: Mutex::default(),
            responses: Mutex::default(),
            _drops: drops.probe(),
        }
    }

    fn callback(&self) -> windows_core::Result<SyncCallback> {
        self.callback
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| E_UNEXPECTED.into())
    }
}

impl SyncMgrSynchronize for Target {
    fn initialize(
        &self,
        reserved: u32,
        flags: u32,
        cookie: &[u8],
    ) -> windows_core::Result<InitializeOutcome> {
        self.journal.note(format!(
            "Initialize({reserved},{flags},{} bytes)",
            cookie.len()
        ));
        Ok(InitializeOutcome::S_OK)
    }
    fn get_handler_info(&self) -> windows_core::Result<HandlerInfo> {
        self.journal.note("GetHandlerInfo");
        Ok(HandlerInfo::new("Target"))
    }
    fn enum_sync_mgr_items(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        self.journal.note("EnumSyncMgrItems");
        Ok(ItemEnumerator::new(self.items.items().to_vec()).into_interface())
    }
    fn get_item_object(&self, item: &GUID, object: InterfaceOut<'_>) -> windows_core::Result<()> {
        self.journal.note("GetItemObject");
        if *item != ITEM_A {
            return Err(E_INVALIDARG.into());
        }
        let enumerator = ItemEnumerator::new(vec![SyncItem::new(ITEM_A, "A")]).into_interface();
        object.set(&enumerator)
    }
    fn show_properties(&self, _parent: HWND, _item: &GUID) -> windows_core::Result<()> {
        self.journal.note("ShowProperties");
        Ok(())
    }
    fn set_progress_callback(
        &self,
        callback: Option<ISyncMgrSynchronizeCallback>,
    ) -> windows_core::Result<()> {
        self.journal
            .note(format!("SetProgressCallback({})", callback.is_some()));
        *self.callback.lock().unwrap() = callback.map(SyncCallback::new);
        Ok(())
    }
    fn prepare_for_sync(
        &self,
        items: &[GUID],
        _parent: HWND,
        _reserved: u32,
    ) -> windows_core::Result<PrepareForSyncOutcome> {
        self.journal
            .note(format!("PrepareForSync({} items)", items.len()));
        *self.prepared.lock().unwrap() = items.to_vec();
        Ok(PrepareForSyncOutcome::S_OK)
    }
    fn synchronize(&self, _parent: HWND) -> windows_core::Result<()> {
        self.journal.note("Synchronize");
        // A local clone: the reference this call holds while it talks to the callback.
        let callback = self.callback()?;
        let items = self.prepared.lock().unwrap().clone();
        for item in items {
            let response = callback.progress(
                &item,
                &ProgressUpdate::new()
                    .status(SYNCMGRSTATUS_SUCCEEDED.0 as u32)
                    .text("done"),
            )?;
            self.responses.lock().unwrap().push(match response {
                mobsync_runtime::ProgressResponse::Continue => "continue",
                mobsync_runtime::ProgressResponse::CancelItem => "cancel item",
                mobsync_runtime::ProgressResponse::CancelAll => "cancel all",
            });
        }
        callback.synchronize_completed(S_OK)
    }
    fn set_item_status(&self, item: &GUID, status: u32) -> windows_core::Result<()> {
        self.journal.note(format!(
            "SetItemStatus({:x},{status})",
            item.to_u128() & 0xff
        ));
        if *self.mode.lock().unwrap() == HandlerMode::LogFromSetItemStatus {
            self.callback()?.log_error(
                LogLevel::Information,
                "status changed from inside Progress",
                None,
            )?;
        }
        Ok(())
    }
    fn show_error(&self, _parent: HWND, _error: &GUID) -> windows_core::Result<()> {
        self.journal.note("ShowError");
        Ok(())
    }
}

impl SyncMgrEnumItems for Target {
    fn next(&self, items: &mut [SYNCMGRITEM]) -> windows_core::Result<usize> {
        self.journal.note(format!("Next({})", items.len()));
        self.items.next(items)
    }
    fn skip(&self, count: u32) -> windows_core::Result<SkipOutcome> {
        self.journal.note(format!("Skip({count})"));
        self.items.skip(count)
    }
    fn reset(&self) -> windows_core::Result<()> {
        self.journal.note("Reset");
        self.items.reset()
    }
    fn clone_com(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        self.journal.note("Clone");
        self.items.clone_com()
    }
}

/// What the callback does from inside `Progress`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Reentry {
    /// Nothing: records and answers `S_OK`.
    #[default]
    None,
    /// Calls back into the handler (SetItemStatus, QueryInterface + Next on its enumerator,
    /// AddRef/Release) and cancels the second item.
    CallHandler,
    /// Makes the handler drop its reference to this callback (`SetProgressCallback(NULL)`).
    DetachSelf,
    /// Panics.
    Panic,
}

/// A Sync Manager-side callback built with the derive.
#[derive(mobsync_runtime::ComObject, Default)]
#[com_object(interfaces(ISyncMgrSynchronizeCallback))]
struct Recorder {
    journal: Journal,
    reentry: Mutex<Reentry>,
    /// The handler's `ISyncMgrSynchronize`, borrowed (the test holds the reference).
    handler: AtomicPtr<c_void>,
    progress_calls: AtomicUsize,
    _drops: Probe,
}

impl SyncMgrSynchronizeCallback for Recorder {
    fn show_properties_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        self.journal.note(format!("ShowPropertiesCompleted({hr})"));
        Ok(())
    }
    fn prepare_for_sync_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        self.journal.note(format!("PrepareForSyncCompleted({hr})"));
        Ok(())
    }
    fn synchronize_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        self.journal.note(format!("SynchronizeCompleted({hr})"));
        Ok(())
    }
    fn show_error_completed(&self, hr: HRESULT, items: &[GUID]) -> windows_core::Result<()> {
        self.journal
            .note(format!("ShowErrorCompleted({hr},{} items)", items.len()));
        Ok(())
    }
    fn enable_modeless(&self, enable: bool) -> windows_core::Result<EnableModelessOutcome> {
        self.journal.note(format!("EnableModeless({enable})"));
        Ok(EnableModelessOutcome::S_OK)
    }
    fn progress(
        &self,
        item: &GUID,
        progress: Option<ProgressItem<'_>>,
    ) -> windows_core::Result<ProgressOutcome> {
        let n = self.progress_calls.fetch_add(1, Ordering::SeqCst);
        self.journal.note(format!(
            "Progress({:x},{:?})",
            item.to_u128() & 0xff,
            progress.and_then(|p| p.status_type())
        ));
        let handler = self.handler.load(Ordering::SeqCst);
        let reentry = *self.reentry.lock().unwrap();
        match reentry {
            Reentry::None => Ok(ProgressOutcome::S_OK),
            Reentry::Panic => panic!("the callback panics inside Progress"),
            Reentry::DetachSelf => {
                // SAFETY: `handler` is the handler's ISyncMgrSynchronize, whose reference the
                // test's `Objects` holds until `finish` (after this call returns); a null
                // callback is allowed.
                let hr = unsafe {
                    (vtbl::<ISyncMgrSynchronize_Vtbl>(handler).SetProgressCallback)(
                        handler,
                        ptr::null_mut(),
                    )
                };
                assert_eq!(hr, S_OK);
                Ok(ProgressOutcome::S_OK)
            }
            // SAFETY: `handler` is live as above; `item` is the GUID this call received; the
            // enumerator the S_OK query hands out carries one reference, released below, and
            // `buffer` holds the 1 item asked for; the AddRef is balanced by a Release.
            Reentry::CallHandler => unsafe {
                let v = vtbl::<ISyncMgrSynchronize_Vtbl>(handler);
                assert_eq!(
                    (v.SetItemStatus)(handler, item, SYNCMGRSTATUS_SKIPPED.0 as u32),
                    S_OK
                );
                // The same object's other interface, used while one of its calls is running.
                let (hr, enumerator) = query(handler, &IID_ISyncMgrEnumItems);
                assert_eq!(hr, S_OK);
                let mut buffer = [SYNCMGRITEM::default(); 1];
                let mut fetched = 0;
                let next = vtbl::<ISyncMgrEnumItems_Vtbl>(enumerator).Next;
                let hr = next(enumerator, 1, buffer.as_mut_ptr(), &mut fetched);
                assert!(hr == S_OK || hr == S_FALSE, "{hr}");
                let count = add_ref(handler);
                assert!(count >= 3, "the caller's, the QI's and this one: {count}");
                assert_eq!(release(handler), count - 1);
                assert_eq!(release(enumerator), count - 2);
                Ok(if n == 1 {
                    ProgressOutcome::S_SYNCMGR_CANCELITEM
                } else {
                    ProgressOutcome::S_OK
                })
            },
        }
    }
    fn log_error(
        &self,
        level: u32,
        text: &WStr,
        info: Option<LogErrorInfo<'_>>,
    ) -> windows_core::Result<()> {
        self.journal.note(format!(
            "LogError({level},{},{})",
            text.to_string_lossy(),
            info.is_some()
        ));
        Ok(())
    }
    fn delete_log_error(&self, _error: &GUID, reserved: u32) -> windows_core::Result<()> {
        self.journal.note(format!("DeleteLogError({reserved})"));
        Ok(())
    }
    fn establish_connection(
        &self,
        connection: Option<&WStr>,
        reserved: u32,
    ) -> windows_core::Result<()> {
        self.journal.note(format!(
            "EstablishConnection({},{reserved})",
            connection.is_some()
        ));
        Ok(())
    }
}

/// Sync Manager's own objects (`ISyncMgrSynchronizeInvoke`, `ISyncMgrRegister`) in one object.
#[derive(mobsync_runtime::ComObject, Default)]
#[com_object(interfaces(ISyncMgrSynchronizeInvoke, ISyncMgrRegister))]
struct Services {
    journal: Journal,
    _drops: Probe,
}

impl SyncMgrSynchronizeInvoke for Services {
    fn update_items(&self, flags: u32, _clsid: &GUID, cookie: &[u8]) -> windows_core::Result<()> {
        self.journal
            .note(format!("UpdateItems({flags},{} bytes)", cookie.len()));
        Ok(())
    }
    fn update_all(&self) -> windows_core::Result<()> {
        self.journal.note("UpdateAll");
        Ok(())
    }
}

impl SyncMgrRegister for Services {
    fn register_sync_mgr_handler(
        &self,
        _clsid: &GUID,
        description: Option<&WStr>,
        flags: u32,
    ) -> windows_core::Result<()> {
        self.journal.note(format!(
            "RegisterSyncMgrHandler({},{flags})",
            description.is_some()
        ));
        Ok(())
    }
    fn unregister_sync_mgr_handler(
        &self,
        _clsid: &GUID,
        reserved: u32,
    ) -> windows_core::Result<()> {
        self.journal
            .note(format!("UnregisterSyncMgrHandler({reserved})"));
        Ok(())
    }
    fn get_handler_registration_info(
        &self,
        _clsid: &GUID,
        flags: &mut u32,
    ) -> windows_core::Result<GetHandlerRegistrationInfoOutcome> {
        self.journal.note("GetHandlerRegistrationInfo");
        *flags = 7;
        Ok(GetHandlerRegistrationInfoOutcome::S_OK)
    }
}

/// The objects of one test, as raw interface pointers (one reference each), and their drop
/// counters.
struct Objects {
    drops: DropCounter,
    target: ComObject<Target>,
    sync: *mut c_void,
    enumerator: *mut c_void,
    recorder: ComObject<Recorder>,
    callback: *mut c_void,
    services: ComObject<Services>,
    invoke: *mut c_void,
    register: *mut c_void,
    factory: *mut c_void,
}

impl Objects {
    fn new() -> Self {
        let drops = DropCounter::default();
        let target = ComObject::new(Target::new(&drops));
        let sync = target.cast::<ISyncMgrSynchronize>().unwrap().into_raw();
        let enumerator = target.cast::<ISyncMgrEnumItems>().unwrap().into_raw();
        let recorder = ComObject::new(Recorder {
            _drops: drops.probe(),
            ..Recorder::default()
        });
        recorder.handler.store(sync, Ordering::SeqCst);
        let callback = recorder
            .cast::<ISyncMgrSynchronizeCallback>()
            .unwrap()
            .into_raw();
        let services = ComObject::new(Services {
            _drops: drops.probe(),
            ..Services::default()
        });
        let invoke = services
            .cast::<ISyncMgrSynchronizeInvoke>()
            .unwrap()
            .into_raw();
        let register = services.cast::<ISyncMgrRegister>().unwrap().into_raw();
        let factory = mobsync_runtime::class_factory::<Target>().into_raw();
        Objects {
            drops,
            target,
            sync,
            enumerator,
            recorder,
            callback,
            services,
            invoke,
            register,
            factory,
        }
    }

    fn journal_len(&self) -> usize {
        self.target.journal.len() + self.recorder.journal.len() + self.services.journal.len()
    }

    /// Releases every reference; checks each object was dropped exactly once.
    fn finish(self) {
        let Objects {
            drops,
            target,
            sync,
            enumerator,
            recorder,
            callback,
            services,
            invoke,
            register,
            factory,
        } = self;
        // SAFETY: each pointer carries the one reference `Objects::new` took for it, alive until
        // now and given up exactly once here; nothing uses the pointers afterwards.
        unsafe {
            release(sync);
            release(enumerator);
            release(callback);
            release(invoke);
            release(register);
            assert_eq!(release(factory), 0);
        }
        drop((target, recorder, services));
        assert_eq!(drops.count(), 3, "each object dropped exactly once");
    }
}

fn progress_item(cb_size: u32) -> SYNCMGRPROGRESSITEM {
    SYNCMGRPROGRESSITEM {
        cbSize: cb_size,
        mask: SYNCMGRPROGRESSITEM_STATUSTYPE,
        lpcStatusText: ptr::null(),
        dwStatusType: SYNCMGRSTATUS_UPDATING.0 as u32,
        iProgValue: 0,
        iMaxValue: 0,
    }
}

fn log_info(cb_size: u32) -> SYNCMGRLOGERRORINFO {
    SYNCMGRLOGERRORINFO {
        cbSize: cb_size,
        mask: 0,
        dwSyncMgrErrorFlags: 0,
        ErrorID: GUID::zeroed(),
        ItemID: GUID::zeroed(),
    }
}

// ----- the sweeps -----------------------------------------------------------------------------

/// Every slot of every interface with `this == NULL` and otherwise valid arguments: `E_POINTER`
/// (`AddRef`/`Release`: 0), out-parameters of `QueryInterface` cleared, no user code reached.
#[test]
fn every_slot_refuses_a_null_this() {
    let o = Objects::new();
    let null = ptr::null_mut::<c_void>();
    let item = ITEM_A;
    let mut ids = [ITEM_A];
    let text = wide("text");
    let progress = progress_item(size_of::<SYNCMGRPROGRESSITEM>() as u32);
    let info = log_info(size_of::<SYNCMGRLOGERRORINFO>() as u32);
    let cookie = *b"cookie";
    // SAFETY: the vtables are read from live objects `o` holds references to. Every call passes
    // a null `this`, the argument under test, which each slot must refuse before it touches
    // anything else; the other arguments are locals and constants valid for the call.
    unsafe {
        for this in [
            o.sync,
            o.enumerator,
            o.callback,
            o.invoke,
            o.register,
            o.factory,
        ] {
            let unknown = vtbl::<IUnknown_Vtbl>(this);
            assert_eq!((unknown.AddRef)(null), 0);
            assert_eq!((unknown.Release)(null), 0);
            let mut out = garbage();
            assert_eq!(
                (unknown.QueryInterface)(null, &IID_IUNKNOWN, &mut out),
                E_POINTER
            );
            assert!(out.is_null());
        }

        let v = vtbl::<ISyncMgrSynchronize_Vtbl>(o.sync);
        let mut info_out: *mut SYNCMGRHANDLERINFO = ptr::null_mut();
        let mut object = ptr::null_mut();
        let results = [
            (v.Initialize)(null, 0, 0, cookie.len() as u32, cookie.as_ptr()),
            (v.GetHandlerInfo)(null, &mut info_out),
            (v.EnumSyncMgrItems)(null, &mut object),
            (v.GetItemObject)(null, &item, &IID_IUNKNOWN, &mut object),
            (v.ShowProperties)(null, HWND::default(), &item),
            (v.SetProgressCallback)(null, o.callback),
            (v.PrepareForSync)(null, 1, ids.as_mut_ptr(), HWND::default(), 0),
            (v.Synchronize)(null, HWND::default()),
            (v.SetItemStatus)(null, &item, 0),
            (v.ShowError)(null, HWND::default(), &item),
        ];
        assert_eq!(results, [E_POINTER; 10], "ISyncMgrSynchronize");
        assert!(info_out.is_null() && object.is_null());

        let v = vtbl::<ISyncMgrEnumItems_Vtbl>(o.enumerator);
        let mut buffer = [SYNCMGRITEM::default(); 2];
        let mut fetched = 0;
        let results = [
            (v.Next)(null, 2, buffer.as_mut_ptr(), &mut fetched),
            (v.Skip)(null, 1),
            (v.Reset)(null),
            (v.Clone)(null, &mut object),
        ];
        assert_eq!(results, [E_POINTER; 4], "ISyncMgrEnumItems");

        let v = vtbl::<ISyncMgrSynchronizeCallback_Vtbl>(o.callback);
        let mut progress_copy = progress;
        let mut info_copy = info;
        let results = [
            (v.ShowPropertiesCompleted)(null, S_OK),
            (v.PrepareForSyncCompleted)(null, S_OK),
            (v.SynchronizeCompleted)(null, S_OK),
            (v.ShowErrorCompleted)(null, S_OK, 1, ids.as_mut_ptr()),
            (v.EnableModeless)(null, 1),
            (v.Progress)(null, &item, &mut progress_copy),
            (v.LogError)(null, 3, text.as_ptr(), &mut info_copy),
            (v.DeleteLogError)(null, &item, 0),
            (v.EstablishConnection)(null, text.as_ptr(), 0),
        ];
        assert_eq!(results, [E_POINTER; 9], "ISyncMgrSynchronizeCallback");

        let v = vtbl::<ISyncMgrSynchronizeInvoke_Vtbl>(o.invoke);
        let results = [
            (v.UpdateItems)(null, 0, &item, cookie.len() as u32, cookie.as_ptr()),
            (v.UpdateAll)(null),
        ];
        assert_eq!(results, [E_POINTER; 2], "ISyncMgrSynchronizeInvoke");

        let v = vtbl::<ISyncMgrRegister_Vtbl>(o.register);
        let mut flags = 0;
        let results = [
            (v.RegisterSyncMgrHandler)(null, &item, text.as_ptr(), 0),
            (v.UnregisterSyncMgrHandler)(null, &item, 0),
            (v.GetHandlerRegistrationInfo)(null, &item, &mut flags),
        ];
        assert_eq!(results, [E_POINTER; 3], "ISyncMgrRegister");

        let v = vtbl::<IClassFactory_Vtbl>(o.factory);
        object = garbage();
        let results = [
            (v.CreateInstance)(null, ptr::null_mut(), &IID_ISyncMgrSynchronize, &mut object),
            (v.LockServer)(null, 1),
        ];
        assert_eq!(results, [E_POINTER; 2], "IClassFactory");
        assert!(object.is_null(), "CreateInstance cleared *ppv");
    }
    assert_eq!(o.journal_len(), 0, "no user code ran");
    assert_eq!(
        mobsync_runtime::module::lock_count(),
        0,
        "LockServer(NULL this) did not lock"
    );
    o.finish();
}

/// Every pointer parameter set to NULL, one at a time, with the rest valid: the documented
/// HRESULT, out-parameters cleared, and no user code reached; optional (`[unique]`) pointers
/// are accepted as "absent".
#[test]
fn every_pointer_parameter_null() {
    let o = Objects::new();
    let item = ITEM_A;
    let text = wide("text");
    let mut object: *mut c_void;
    // SAFETY: `o` holds a reference to each object called, so every `this` is live. Each call
    // passes one null, the argument under test, which the shim must refuse before reading or
    // writing through it; the other arguments are locals and constants valid for the call, and
    // `o.sync` as an outer unknown is a live object the factory must refuse.
    unsafe {
        let v = vtbl::<ISyncMgrSynchronize_Vtbl>(o.sync);
        assert_eq!((v.Initialize)(o.sync, 0, 0, 4, ptr::null()), E_INVALIDARG);
        assert_eq!((v.GetHandlerInfo)(o.sync, ptr::null_mut()), E_POINTER);
        assert_eq!((v.EnumSyncMgrItems)(o.sync, ptr::null_mut()), E_POINTER);
        object = garbage();
        assert_eq!(
            (v.GetItemObject)(o.sync, ptr::null(), &IID_IUNKNOWN, &mut object),
            E_POINTER
        );
        assert!(object.is_null(), "GetItemObject(NULL item) cleared *ppv");
        object = garbage();
        assert_eq!(
            (v.GetItemObject)(o.sync, &item, ptr::null(), &mut object),
            E_POINTER
        );
        assert!(object.is_null(), "GetItemObject(NULL riid) cleared *ppv");
        assert_eq!(
            (v.GetItemObject)(o.sync, &item, &IID_IUNKNOWN, ptr::null_mut()),
            E_POINTER
        );
        assert_eq!(
            (v.ShowProperties)(o.sync, HWND::default(), ptr::null()),
            E_POINTER
        );
        assert_eq!(
            (v.PrepareForSync)(o.sync, 1, ptr::null_mut(), HWND::default(), 0),
            E_INVALIDARG
        );
        assert_eq!((v.SetItemStatus)(o.sync, ptr::null(), 0), E_POINTER);
        assert_eq!(
            (v.ShowError)(o.sync, HWND::default(), ptr::null()),
            E_POINTER
        );

        let v = vtbl::<ISyncMgrEnumItems_Vtbl>(o.enumerator);
        let mut fetched = 99;
        let mut buffer = [SYNCMGRITEM::default(); 2];
        assert_eq!(
            (v.Next)(o.enumerator, 2, ptr::null_mut(), &mut fetched),
            E_INVALIDARG
        );
        assert_eq!(fetched, 0, "pceltFetched cleared");
        assert_eq!(
            (v.Next)(o.enumerator, 2, buffer.as_mut_ptr(), ptr::null_mut()),
            E_POINTER
        );
        assert_eq!((v.Clone)(o.enumerator, ptr::null_mut()), E_POINTER);

        let v = vtbl::<ISyncMgrSynchronizeCallback_Vtbl>(o.callback);
        assert_eq!(
            (v.ShowErrorCompleted)(o.callback, S_OK, 2, ptr::null_mut()),
            E_INVALIDARG
        );
        let mut progress = progress_item(size_of::<SYNCMGRPROGRESSITEM>() as u32);
        assert_eq!(
            (v.Progress)(o.callback, ptr::null(), &mut progress),
            E_POINTER
        );
        let mut info = log_info(size_of::<SYNCMGRLOGERRORINFO>() as u32);
        assert_eq!(
            (v.LogError)(o.callback, 3, ptr::null(), &mut info),
            E_POINTER
        );
        assert_eq!((v.DeleteLogError)(o.callback, ptr::null(), 0), E_POINTER);

        let v = vtbl::<ISyncMgrSynchronizeInvoke_Vtbl>(o.invoke);
        assert_eq!(
            (v.UpdateItems)(o.invoke, 0, ptr::null(), 0, ptr::null()),
            E_POINTER
        );
        assert_eq!(
            (v.UpdateItems)(o.invoke, 0, &item, 3, ptr::null()),
            E_INVALIDARG
        );

        let v = vtbl::<ISyncMgrRegister_Vtbl>(o.register);
        assert_eq!(
            (v.RegisterSyncMgrHandler)(o.register, ptr::null(), text.as_ptr(), 0),
            E_POINTER
        );
        assert_eq!(
            (v.UnregisterSyncMgrHandler)(o.register, ptr::null(), 0),
            E_POINTER
        );
        let mut flags = 5;
        assert_eq!(
            (v.GetHandlerRegistrationInfo)(o.register, ptr::null(), &mut flags),
            E_POINTER
        );
        assert_eq!(
            (v.GetHandlerRegistrationInfo)(o.register, &item, ptr::null_mut()),
            E_POINTER
        );

        let v = vtbl::<IClassFactory_Vtbl>(o.factory);
        object = garbage();
        assert_eq!(
            (v.CreateInstance)(o.factory, ptr::null_mut(), ptr::null(), &mut object),
            E_POINTER
        );
        assert!(object.is_null());
        assert_eq!(
            (v.CreateInstance)(
                o.factory,
                ptr::null_mut(),
                &IID_ISyncMgrSynchronize,
                ptr::null_mut()
            ),
            E_POINTER
        );
        object = garbage();
        assert_eq!(
            (v.CreateInstance)(o.factory, o.sync, &IID_IUNKNOWN, &mut object),
            CLASS_E_NOAGGREGATION,
            "a non-null outer unknown"
        );
        assert!(object.is_null());
    }
    assert_eq!(o.journal_len(), 0, "no refused call reached user code");

    // Optional pointers are "absent", not errors.
    // SAFETY: as above: live objects, and nulls only where the interface makes them optional
    // (`[unique]`); the other arguments are locals and constants.
    unsafe {
        let v = vtbl::<ISyncMgrSynchronize_Vtbl>(o.sync);
        assert_eq!((v.SetProgressCallback)(o.sync, ptr::null_mut()), S_OK);
        let v = vtbl::<ISyncMgrSynchronizeCallback_Vtbl>(o.callback);
        assert_eq!((v.Progress)(o.callback, &item, ptr::null_mut()), S_OK);
        assert_eq!(
            (v.LogError)(o.callback, 3, text.as_ptr(), ptr::null_mut()),
            S_OK
        );
        assert_eq!((v.EstablishConnection)(o.callback, ptr::null(), 0), S_OK);
        let v = vtbl::<ISyncMgrRegister_Vtbl>(o.register);
        assert_eq!(
            (v.RegisterSyncMgrHandler)(o.register, &item, ptr::null(), 1),
            S_OK
        );
    }
    assert_eq!(o.target.journal.entries(), ["SetProgressCallback(false)"]);
    assert_eq!(
        o.recorder.journal.entries(),
        [
            "Progress(a,None)",
            "LogError(3,text,false)",
            "EstablishConnection(false,0)"
        ]
    );
    assert_eq!(
        o.services.journal.entries(),
        ["RegisterSyncMgrHandler(false,1)"]
    );
    o.finish();
}

/// Counts of zero (with or without a buffer) are empty inputs; `u32::MAX` without a buffer is
/// `E_INVALIDARG`; maximal skips saturate at the end without overflowing, and the enumerator
/// stays usable.
#[test]
fn zero_length_and_maximal_counts() {
    let o = Objects::new();
    let item = ITEM_A;
    let cookie = *b"abc";
    // SAFETY: `o` holds a reference to each object called, so every `this` is live. Null arrays
    // come with a count of 0 or with u32::MAX (refused before any access); `buffer` holds the 3
    // items the largest request asks for; the clone from the S_OK Clone carries one reference,
    // released at the end.
    unsafe {
        let v = vtbl::<ISyncMgrSynchronize_Vtbl>(o.sync);
        assert_eq!((v.Initialize)(o.sync, 0, 0, 0, ptr::null()), S_OK);
        assert_eq!((v.Initialize)(o.sync, 0, 0, 0, cookie.as_ptr()), S_OK);
        assert_eq!(
            (v.Initialize)(o.sync, 0, 0, u32::MAX, ptr::null()),
            E_INVALIDARG
        );
        assert_eq!(
            (v.PrepareForSync)(o.sync, 0, ptr::null_mut(), HWND::default(), 0),
            S_OK
        );
        assert_eq!(
            (v.PrepareForSync)(o.sync, u32::MAX, ptr::null_mut(), HWND::default(), 0),
            E_INVALIDARG
        );

        let v = vtbl::<ISyncMgrSynchronizeCallback_Vtbl>(o.callback);
        assert_eq!(
            (v.ShowErrorCompleted)(o.callback, S_OK, 0, ptr::null_mut()),
            S_OK
        );
        assert_eq!(
            (v.ShowErrorCompleted)(o.callback, S_OK, u32::MAX, ptr::null_mut()),
            E_INVALIDARG
        );

        let v = vtbl::<ISyncMgrSynchronizeInvoke_Vtbl>(o.invoke);
        assert_eq!((v.UpdateItems)(o.invoke, 0, &item, 0, ptr::null()), S_OK);
        assert_eq!(
            (v.UpdateItems)(o.invoke, 0, &item, u32::MAX, ptr::null()),
            E_INVALIDARG
        );

        let v = vtbl::<ISyncMgrEnumItems_Vtbl>(o.enumerator);
        let e = o.enumerator;
        let mut buffer = [SYNCMGRITEM::default(); 3];
        let mut fetched = 99;
        assert_eq!((v.Next)(e, 0, ptr::null_mut(), &mut fetched), S_OK);
        assert_eq!(fetched, 0);
        assert_eq!((v.Next)(e, 0, buffer.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(fetched, 0);
        fetched = 99;
        assert_eq!(
            (v.Next)(e, u32::MAX, ptr::null_mut(), &mut fetched),
            E_INVALIDARG
        );
        assert_eq!(fetched, 0);
        assert_eq!((v.Skip)(e, 0), S_OK);
        // Nothing was consumed so far.
        assert_eq!((v.Next)(e, 1, buffer.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!((fetched, buffer[0].ItemID), (1, ITEM_A));
        // Skip as far as a u32 goes, twice: S_FALSE, and the position stays at the end.
        assert_eq!((v.Skip)(e, u32::MAX), S_FALSE);
        assert_eq!((v.Skip)(e, u32::MAX), S_FALSE);
        assert_eq!((v.Skip)(e, 1), S_FALSE);
        assert_eq!((v.Next)(e, 1, buffer.as_mut_ptr(), &mut fetched), S_FALSE);
        assert_eq!(fetched, 0);
        // A clone at the end is at the end, and independent.
        let mut clone = ptr::null_mut();
        assert_eq!((v.Clone)(e, &mut clone), S_OK);
        assert_eq!((v.Reset)(e), S_OK);
        let clone_next = vtbl::<ISyncMgrEnumItems_Vtbl>(clone).Next;
        assert_eq!(
            clone_next(clone, 1, buffer.as_mut_ptr(), &mut fetched),
            S_FALSE
        );
        assert_eq!((v.Next)(e, 3, buffer.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(fetched, 3);
        assert_eq!(
            buffer.map(|item| item.ItemID),
            [ITEM_A, ITEM_B, ITEM_C],
            "usable after the maximal skips"
        );
        assert_eq!(release(clone), 0);
    }

    // A large valid request against a large enumerator: all at once, then S_FALSE.
    let many: Vec<SyncItem> = (0..20_000u128)
        .map(|n| SyncItem::new(GUID::from_u128(n), format!("item {n}")))
        .collect();
    let big = ItemEnumerator::new(many).into_interface().into_raw();
    // SAFETY: `big` carries the one reference `into_raw` gave us, released at the end; `buffer`
    // holds the 20,001 items the largest request asks for and `fetched` is a local.
    unsafe {
        let v = vtbl::<ISyncMgrEnumItems_Vtbl>(big);
        let mut buffer = vec![SYNCMGRITEM::default(); 20_001];
        let mut fetched = 0;
        assert_eq!(
            (v.Next)(big, 20_001, buffer.as_mut_ptr(), &mut fetched),
            S_FALSE
        );
        assert_eq!(fetched, 20_000);
        assert_eq!(buffer[19_999].ItemID, GUID::from_u128(19_999));
        assert_eq!((v.Reset)(big), S_OK);
        assert_eq!(
            (v.Next)(big, 20_000, buffer.as_mut_ptr(), &mut fetched),
            S_OK
        );
        assert_eq!(release(big), 0);
    }

    assert_eq!(
        o.target.journal.entries(),
        [
            "Initialize(0,0,0 bytes)",
            "Initialize(0,0,0 bytes)",
            "PrepareForSync(0 items)",
            "Next(0)",
            "Next(0)",
            "Skip(0)",
            "Next(1)",
            "Skip(4294967295)",
            "Skip(4294967295)",
            "Skip(1)",
            "Next(1)",
            "Clone",
            "Reset",
            "Next(3)",
        ]
    );
    assert_eq!(
        o.recorder.journal.entries(),
        ["ShowErrorCompleted(0x00000000,0 items)"]
    );
    assert_eq!(o.services.journal.entries(), ["UpdateItems(0,0 bytes)"]);
    o.finish();
}

/// In-structures whose `cbSize` is anything but their size are refused with `E_INVALIDARG`
/// before the user's code runs (and before the rest of the structure is read).
#[test]
fn mismatched_cb_size_is_refused() {
    let o = Objects::new();
    let item = ITEM_A;
    let text = wide("text");
    let progress_size = size_of::<SYNCMGRPROGRESSITEM>() as u32;
    let info_size = size_of::<SYNCMGRLOGERRORINFO>() as u32;
    // SAFETY: `o` holds a reference to the callback, so `this` is live; the item, texts and
    // structures are locals. `only_size` is a 4-byte allocation passed as a structure: the shim
    // must read its `cbSize` and nothing more before refusing it (what is checked; a longer read
    // would go out of bounds, for valgrind/ASan to flag), and it is freed once afterwards.
    unsafe {
        let v = vtbl::<ISyncMgrSynchronizeCallback_Vtbl>(o.callback);
        for wrong in [
            0,
            1,
            4,
            progress_size - 1,
            progress_size + 1,
            progress_size * 2,
            u32::MAX,
        ] {
            let mut progress = progress_item(wrong);
            assert_eq!(
                (v.Progress)(o.callback, &item, &mut progress),
                E_INVALIDARG,
                "SYNCMGRPROGRESSITEM.cbSize = {wrong}"
            );
        }
        for wrong in [0, 1, info_size - 1, info_size + 1, info_size * 2, u32::MAX] {
            let mut info = log_info(wrong);
            assert_eq!(
                (v.LogError)(o.callback, 3, text.as_ptr(), &mut info),
                E_INVALIDARG,
                "SYNCMGRLOGERRORINFO.cbSize = {wrong}"
            );
        }
        // Only the `cbSize` field is readable: the callee must not read further when it is
        // wrong (a 4-byte allocation; valgrind/ASan would flag a longer read).
        let only_size = Box::into_raw(Box::new(0u32));
        assert_eq!(
            (v.Progress)(o.callback, &item, only_size.cast()),
            E_INVALIDARG
        );
        assert_eq!(
            (v.LogError)(o.callback, 3, text.as_ptr(), only_size.cast()),
            E_INVALIDARG
        );
        drop(Box::from_raw(only_size));
        assert_eq!(
            o.recorder.journal.len(),
            0,
            "no refused call reached user code"
        );
        let mut progress = progress_item(progress_size);
        assert_eq!((v.Progress)(o.callback, &item, &mut progress), S_OK);
        let mut info = log_info(info_size);
        assert_eq!((v.LogError)(o.callback, 3, text.as_ptr(), &mut info), S_OK);
    }
    assert_eq!(
        o.recorder.journal.entries(),
        ["Progress(a,Some(3))", "LogError(3,text,true)"]
    );
    o.finish();
}

/// Unknown and deliberately unsupported IIDs through every interface pointer, through
/// `GetItemObject` and through the class factory: `E_NOINTERFACE`, `*ppv` cleared, no reference
/// added, and an object created only to be refused is destroyed at once.
#[test]
fn unknown_iids_are_refused_everywhere() {
    let o = Objects::new();
    // SAFETY: `o` holds a reference to each object queried, so every `this` is live; the IIDs
    // and out pointers are locals. Every pointer a call hands out with S_OK carries one
    // reference, released here; the new factory carries the one `into_raw` gave us, released at
    // the end.
    unsafe {
        for this in [
            o.sync,
            o.enumerator,
            o.callback,
            o.invoke,
            o.register,
            o.factory,
        ] {
            for iid in [
                UNKNOWN_IID,
                IID_IINSPECTABLE,
                IID_IAGILEOBJECT,
                IID_IMARSHAL,
            ] {
                let (hr, out) = query(this, &iid);
                assert_eq!(hr, E_NOINTERFACE, "{iid:?}");
                assert!(out.is_null());
            }
            // No reference was added by the refusals.
            assert_eq!(add_ref(this), release(this) + 1);
        }
        // The class factory answers only IUnknown and IClassFactory.
        for (iid, expected) in [
            (IID_ICLASSFACTORY, S_OK),
            (IID_IUNKNOWN, S_OK),
            (IID_ISyncMgrSynchronize, E_NOINTERFACE),
        ] {
            let (hr, out) = query(o.factory, &iid);
            assert_eq!(hr, expected, "{iid:?}");
            if hr == S_OK {
                release(out);
            }
        }

        let v = vtbl::<ISyncMgrSynchronize_Vtbl>(o.sync);
        let mut out = garbage();
        assert_eq!(
            (v.GetItemObject)(o.sync, &ITEM_A, &UNKNOWN_IID, &mut out),
            E_NOINTERFACE
        );
        assert!(out.is_null());
        assert_eq!(
            (v.GetItemObject)(o.sync, &ITEM_A, &IID_ISyncMgrEnumItems, &mut out),
            S_OK
        );
        assert_eq!(
            release(out),
            0,
            "the item object was handed over with one reference"
        );

        // CreateInstance for an IID the class lacks: refused, and the new object is gone.
        // (Only this test creates `MinimalHandler`s in this binary.)
        let created_before = MINIMAL_CREATED.load(Ordering::SeqCst);
        let dropped_before = MINIMAL_DROPPED.load(Ordering::SeqCst);
        let factory = mobsync_runtime::class_factory::<MinimalHandler>().into_raw();
        let v = vtbl::<IClassFactory_Vtbl>(factory);
        for iid in [UNKNOWN_IID, IID_ISyncMgrEnumItems, IID_ICLASSFACTORY] {
            let mut out = garbage();
            assert_eq!(
                (v.CreateInstance)(factory, ptr::null_mut(), &iid, &mut out),
                E_NOINTERFACE
            );
            assert!(out.is_null());
        }
        assert_eq!(MINIMAL_CREATED.load(Ordering::SeqCst) - created_before, 3);
        assert_eq!(MINIMAL_DROPPED.load(Ordering::SeqCst) - dropped_before, 3);
        assert_eq!(release(factory), 0);
    }
    o.finish();
}

/// Runs `SetProgressCallback` → `PrepareForSync(A, B)` → `Synchronize` on the objects with the
/// callback re-entering as `reentry`, under a watchdog. Returns `Synchronize`'s HRESULT.
fn synchronize_with(o: &Objects, reentry: Reentry, mode: HandlerMode) -> HRESULT {
    *o.recorder.reentry.lock().unwrap() = reentry;
    *o.target.mode.lock().unwrap() = mode;
    let (sync, callback) = (SendPtr(o.sync), SendPtr(o.callback));
    // SAFETY: `o` holds references to the handler and the callback until `finish`, which runs
    // only after this returns (a timeout panics first, and then the references are never
    // released, so the objects outlive a stuck thread); both objects are free-threaded, and
    // `ids` holds the 2 items passed with it.
    within_seconds(20, move || unsafe {
        let (sync, callback) = (sync, callback);
        let v = vtbl::<ISyncMgrSynchronize_Vtbl>(sync.0);
        assert_eq!((v.SetProgressCallback)(sync.0, callback.0), S_OK);
        let mut ids = [ITEM_A, ITEM_B];
        assert_eq!(
            (v.PrepareForSync)(sync.0, 2, ids.as_mut_ptr(), HWND::default(), 0),
            S_OK
        );
        (v.Synchronize)(sync.0, HWND::default())
    })
}

/// The callback calls back into the handler from inside `Progress` (a status change, the same
/// object's enumerator through `QueryInterface`, `AddRef`/`Release`), and the handler calls the
/// callback again from inside that (`LogError`): every call completes (no lock is held across
/// user code), in order, and the cancel answer still reaches the handler.
#[test]
fn reentrant_calls_from_inside_a_callback() {
    let o = Objects::new();
    let hr = synchronize_with(&o, Reentry::CallHandler, HandlerMode::LogFromSetItemStatus);
    assert_eq!(hr, S_OK);
    assert_eq!(
        o.target.journal.entries(),
        [
            "SetProgressCallback(true)",
            "PrepareForSync(2 items)",
            "Synchronize",
            "SetItemStatus(a,1)",
            "Next(1)",
            "SetItemStatus(b,1)",
            "Next(1)",
        ]
    );
    assert_eq!(
        o.recorder.journal.entries(),
        [
            "Progress(a,Some(4))",
            "LogError(1,status changed from inside Progress,false)",
            "Progress(b,Some(4))",
            "LogError(1,status changed from inside Progress,false)",
            "SynchronizeCompleted(0x00000000)",
        ]
    );
    assert_eq!(
        *o.target.responses.lock().unwrap(),
        ["continue", "cancel item"]
    );
    // The handler still holds the callback; the test's references are the only others.
    assert_eq!(o.recorder.ref_count(), 3, "handle + raw pointer + handler");
    o.finish();
}

/// From inside `Progress`, the callback makes the handler release its stored reference to the
/// callback (`SetProgressCallback(NULL)`): the running call keeps the callback alive (the caller
/// holds a reference for the call), the session finishes, and every object is dropped once.
#[test]
fn a_callback_that_detaches_itself_mid_call() {
    let o = Objects::new();
    let before = o.recorder.ref_count();
    let hr = synchronize_with(&o, Reentry::DetachSelf, HandlerMode::Plain);
    assert_eq!(hr, S_OK);
    assert_eq!(
        o.recorder.ref_count(),
        before,
        "the handler let go of the callback"
    );
    assert_eq!(o.recorder.progress_calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        o.recorder.journal.entries().last().map(String::as_str),
        Some("SynchronizeCompleted(0x00000000)")
    );
    o.finish();
}

/// A panic inside a nested callback is stopped at the callback's boundary (`E_UNEXPECTED` to the
/// handler, which gives up with that error); both objects keep working afterwards.
#[test]
fn a_panic_in_a_nested_callback_stays_inside() {
    let o = Objects::new();
    let hr = synchronize_with(&o, Reentry::Panic, HandlerMode::Plain);
    assert_eq!(hr, E_UNEXPECTED);
    assert_eq!(o.recorder.progress_calls.load(Ordering::SeqCst), 1);
    // Usable afterwards: a clean session with the same two objects.
    let hr = synchronize_with(&o, Reentry::None, HandlerMode::Plain);
    assert_eq!(hr, S_OK);
    assert_eq!(o.recorder.progress_calls.load(Ordering::SeqCst), 3);
    o.finish();
}

/// Many threads hammer one handler with hostile and valid calls at once (null pointers, wrong
/// sizes, maximal counts, QI misses, AddRef/Release): every call gets its documented HRESULT,
/// and the object is dropped exactly once at the end.
#[test]
fn hostile_calls_from_many_threads_at_once() {
    let o = Objects::new();
    let (sync, enumerator, callback) =
        (SendPtr(o.sync), SendPtr(o.enumerator), SendPtr(o.callback));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            // SAFETY: `o` holds references to the three objects until `finish`, after every
            // thread is joined; they are free-threaded. The nulls are the arguments under test
            // (refused before any access), the progress items, buffers and counts are locals,
            // and each AddRef is balanced by a Release in the same round.
            std::thread::spawn(move || unsafe {
                let (sync, enumerator, callback) = (sync, enumerator, callback);
                let sv = vtbl::<ISyncMgrSynchronize_Vtbl>(sync.0);
                let ev = vtbl::<ISyncMgrEnumItems_Vtbl>(enumerator.0);
                let cv = vtbl::<ISyncMgrSynchronizeCallback_Vtbl>(callback.0);
                for round in 0..500u32 {
                    add_ref(sync.0);
                    assert_eq!((sv.SetItemStatus)(sync.0, ptr::null(), 0), E_POINTER);
                    assert_eq!(
                        (sv.Initialize)(sync.0, 0, 0, u32::MAX, ptr::null()),
                        E_INVALIDARG
                    );
                    let (hr, out) = query(enumerator.0, &UNKNOWN_IID);
                    assert_eq!((hr, out), (E_NOINTERFACE, ptr::null_mut()));
                    let mut progress = progress_item(round);
                    let expected = if round as usize == size_of::<SYNCMGRPROGRESSITEM>() {
                        S_OK
                    } else {
                        E_INVALIDARG
                    };
                    assert_eq!((cv.Progress)(callback.0, &ITEM_A, &mut progress), expected);
                    let mut buffer = [SYNCMGRITEM::default(); 2];
                    let mut fetched = 0;
                    let hr = (ev.Next)(enumerator.0, 2, buffer.as_mut_ptr(), &mut fetched);
                    assert!(hr == S_OK || hr == S_FALSE);
                    if (round + t) % 7 == 0 {
                        assert_eq!((ev.Skip)(enumerator.0, u32::MAX), S_FALSE);
                        assert_eq!((ev.Reset)(enumerator.0), S_OK);
                    }
                    release(sync.0);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(
        o.target.ref_count(),
        3,
        "handle + two raw interface pointers"
    );
    o.finish();
}
