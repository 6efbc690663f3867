//! Shared by the `raw_abi_*` tests and `reliability_abi`: test objects (a handler with every
//! method, a minimal handler, a host-side callback), a drop counter and a log capture. The calls
//! through vtables come from `mobsync_test_support` and are re-exported here.

#![allow(dead_code, unused_imports)] // each test binary uses a different part

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use mobsync_runtime::sys::*;
use mobsync_runtime::{
    HandlerInfo, InitializeOutcome, InterfaceOut, ItemEnumerator, PrepareForSyncOutcome,
    ProgressResponse, ProgressUpdate, SkipOutcome, SyncCallback, SyncItem, SyncMgrEnumItems,
    SyncMgrHandler, SyncMgrSynchronize, hresults::*,
};
pub use mobsync_test_support::raw::{add_ref, garbage, query, release, vtbl};
pub use mobsync_test_support::{
    ComRef, IID_IAGILEOBJECT, IID_ICLASSFACTORY, IID_IINSPECTABLE, IID_IMARSHAL, IID_IUNKNOWN,
    SendPtr, from_wide, wide,
};
use windows_core::{GUID, HRESULT};

/// An IID no object implements.
pub const IID_UNRELATED: GUID = GUID::from_u128(0x01234567_89ab_cdef_0123_456789abcdef);

pub const ITEM_A: GUID = GUID::from_u128(0xa1);
pub const ITEM_B: GUID = GUID::from_u128(0xb2);
pub const ITEM_C: GUID = GUID::from_u128(0xc3);

// ----- drop counting and log capture ----------------------------------------------------------

/// Counts the drops of the values that hold a clone of it.
#[derive(Clone, Debug, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

impl DropCounter {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
    pub fn probe(&self) -> Probe {
        Probe(self.clone())
    }
}

/// Increments its counter when dropped.
#[derive(Debug, Default)]
pub struct Probe(DropCounter);

impl Drop for Probe {
    fn drop(&mut self) {
        (self.0).0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Collects `log` records so tests can check what the runtime logged.
pub struct Capture {
    pub lines: Mutex<Vec<String>>,
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.lines
            .lock()
            .unwrap()
            .push(format!("{}: {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

/// The process-wide capture logger (installed on first use).
pub fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture {
            lines: Mutex::new(Vec::new()),
        }));
        log::set_logger(capture).expect("the first logger");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

/// Whether a captured line contains `needle`.
pub fn logged(needle: &str) -> bool {
    capture()
        .lines
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains(needle))
}

// ----- a handler -------------------------------------------------------------------------------

/// What the test handler saw, for assertions.
#[derive(Debug, Default)]
pub struct Record {
    pub calls: Vec<String>,
    pub cookie: Vec<u8>,
    pub prepared: Vec<GUID>,
    pub responses: Vec<ProgressResponse>,
}

/// A handler implementing ISyncMgrSynchronize (every method, optional ones included) and
/// ISyncMgrEnumItems (delegating to an `ItemEnumerator` value).
#[derive(SyncMgrHandler)]
#[sync_mgr(
    clsid = "5B0D3C43-9A0E-4B8E-8F4C-6E1D2A7B9C01",
    name = "A handler whose name is longer than thirty-one UTF-16 units",
    interfaces(ISyncMgrEnumItems)
)]
pub struct TestHandler {
    pub probe: Probe,
    pub record: Mutex<Record>,
    pub callback: Mutex<Option<SyncCallback>>,
    pub panic_next: AtomicBool,
    pub items: ItemEnumerator,
}

impl Default for TestHandler {
    fn default() -> Self {
        TestHandler::new(DropCounter::default())
    }
}

impl TestHandler {
    pub fn new(drops: DropCounter) -> Self {
        TestHandler {
            probe: drops.probe(),
            record: Mutex::default(),
            callback: Mutex::default(),
            panic_next: AtomicBool::new(false),
            items: ItemEnumerator::new(vec![
                SyncItem::new(ITEM_A, "Alpha").checked(true),
                SyncItem::new(ITEM_B, "Beta"),
                SyncItem::new(ITEM_C, "Gamma"),
            ]),
        }
    }

    fn call(&self, name: &str) {
        if self.panic_next.swap(false, Ordering::SeqCst) {
            panic!("test handler asked to panic in {name}");
        }
        self.record.lock().unwrap().calls.push(name.to_owned());
    }

    pub fn calls(&self) -> Vec<String> {
        self.record.lock().unwrap().calls.clone()
    }
}

impl SyncMgrSynchronize for TestHandler {
    fn initialize(
        &self,
        reserved: u32,
        flags: u32,
        cookie: &[u8],
    ) -> windows_core::Result<InitializeOutcome> {
        self.call(&format!("initialize({reserved},{flags:#x})"));
        self.record.lock().unwrap().cookie = cookie.to_vec();
        match cookie {
            b"skip" => Ok(InitializeOutcome::S_FALSE),
            b"fail" => Err(E_ACCESSDENIED.into()),
            b"success-as-error" => Err(windows_core::Error::from_hresult(S_FALSE)),
            _ => Ok(InitializeOutcome::S_OK),
        }
    }

    fn get_handler_info(&self) -> windows_core::Result<HandlerInfo> {
        self.call("get_handler_info");
        Ok(HandlerInfo::new(<Self as mobsync_runtime::Class>::NAME)
            .with_flags(SYNCMGRHANDLER_HASPROPERTIES.0 as u32))
    }

    fn enum_sync_mgr_items(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        self.call("enum_sync_mgr_items");
        Ok(ItemEnumerator::new(self.items.items().to_vec()).into_interface())
    }

    fn get_item_object(
        &self,
        item_id: &GUID,
        object: InterfaceOut<'_>,
    ) -> windows_core::Result<()> {
        self.call("get_item_object");
        if *item_id != ITEM_A {
            return Err(E_INVALIDARG.into());
        }
        let enumerator = ItemEnumerator::new(vec![SyncItem::new(ITEM_A, "Alpha")]).into_interface();
        object.set(&enumerator)
    }

    fn show_properties(&self, _parent: HWND, item_id: &GUID) -> windows_core::Result<()> {
        self.call(&format!("show_properties({})", item_id.to_u128()));
        Ok(())
    }

    fn set_progress_callback(
        &self,
        callback: Option<ISyncMgrSynchronizeCallback>,
    ) -> windows_core::Result<()> {
        self.call(&format!("set_progress_callback({})", callback.is_some()));
        *self.callback.lock().unwrap() = callback.map(SyncCallback::new);
        Ok(())
    }

    fn prepare_for_sync(
        &self,
        item_ids: &[GUID],
        _parent: HWND,
        _reserved: u32,
    ) -> windows_core::Result<PrepareForSyncOutcome> {
        self.call(&format!("prepare_for_sync({})", item_ids.len()));
        self.record.lock().unwrap().prepared = item_ids.to_vec();
        Ok(PrepareForSyncOutcome::S_OK)
    }

    fn synchronize(&self, _parent: HWND) -> windows_core::Result<()> {
        self.call("synchronize");
        let callback = self.callback.lock().unwrap().clone();
        if let Some(callback) = callback {
            let items = self.record.lock().unwrap().prepared.clone();
            for item in items {
                let response = callback
                    .progress(&item, &ProgressUpdate::new().text("working").progress(1, 2))?;
                self.record.lock().unwrap().responses.push(response);
            }
            callback.synchronize_completed(S_OK)?;
        }
        Ok(())
    }

    fn set_item_status(&self, item_id: &GUID, status: u32) -> windows_core::Result<()> {
        self.call(&format!("set_item_status({},{status})", item_id.to_u128()));
        Ok(())
    }

    fn show_error(&self, _parent: HWND, error_id: &GUID) -> windows_core::Result<()> {
        self.call(&format!("show_error({})", error_id.to_u128()));
        Ok(())
    }
}

impl SyncMgrEnumItems for TestHandler {
    fn next(&self, items: &mut [SYNCMGRITEM]) -> windows_core::Result<usize> {
        self.call("next");
        self.items.next(items)
    }
    fn skip(&self, count: u32) -> windows_core::Result<SkipOutcome> {
        self.call("skip");
        self.items.skip(count)
    }
    fn reset(&self) -> windows_core::Result<()> {
        self.call("reset");
        self.items.reset()
    }
    fn clone_com(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        self.call("clone");
        self.items.clone_com()
    }
}

/// `E_ACCESSDENIED`, a failure code the test handler returns.
pub const E_ACCESSDENIED: HRESULT = HRESULT(0x8007_0005_u32 as i32);

/// A handler that implements only the required methods (the optional ones keep their defaults).
/// Its creations through `Default` (as a class factory makes them) and its drops are counted in
/// [`MINIMAL_CREATED`] and [`MINIMAL_DROPPED`].
#[derive(SyncMgrHandler)]
#[sync_mgr(
    clsid = "5B0D3C43-9A0E-4B8E-8F4C-6E1D2A7B9C02",
    name = "Minimal",
    threading = "free"
)]
pub struct MinimalHandler;

/// `MinimalHandler`s made by `Default` in this test binary.
pub static MINIMAL_CREATED: AtomicUsize = AtomicUsize::new(0);
/// `MinimalHandler`s dropped in this test binary.
pub static MINIMAL_DROPPED: AtomicUsize = AtomicUsize::new(0);

impl Default for MinimalHandler {
    fn default() -> Self {
        MINIMAL_CREATED.fetch_add(1, Ordering::SeqCst);
        MinimalHandler
    }
}

impl Drop for MinimalHandler {
    fn drop(&mut self) {
        MINIMAL_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

impl SyncMgrSynchronize for MinimalHandler {
    fn initialize(&self, _: u32, _: u32, _: &[u8]) -> windows_core::Result<InitializeOutcome> {
        Ok(InitializeOutcome::S_OK)
    }
    fn get_handler_info(&self) -> windows_core::Result<HandlerInfo> {
        Ok(HandlerInfo::new("Minimal"))
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
        Ok(PrepareForSyncOutcome::S_FALSE)
    }
    fn synchronize(&self, _: HWND) -> windows_core::Result<()> {
        Ok(())
    }
    fn set_item_status(&self, _: &GUID, _: u32) -> windows_core::Result<()> {
        Ok(())
    }
}

/// A new test handler object: its ISyncMgrSynchronize (one reference).
pub fn new_handler(drops: &DropCounter) -> ComRef<ISyncMgrSynchronize_Vtbl> {
    let object = mobsync_runtime::ComObject::new(TestHandler::new(drops.clone()));
    ComRef::new(
        object
            .cast::<ISyncMgrSynchronize>()
            .expect("the handler implements ISyncMgrSynchronize"),
    )
}

// ----- a host-side callback --------------------------------------------------------------------

/// One `Progress` call as the test callback saw it: item, status text, status type, value, maximum
/// (each `None` when the mask did not mark it valid).
pub type SeenProgress = (GUID, Option<String>, Option<u32>, Option<i32>, Option<i32>);

/// One `LogError` call: level, text, and the optional info's error flags, error ID and item ID.
pub type SeenLogError = (
    u32,
    String,
    Option<(Option<u32>, Option<GUID>, Option<GUID>)>,
);

/// What the test callback saw.
#[derive(Debug, Default)]
pub struct CallbackRecord {
    pub calls: Vec<String>,
    pub texts: Vec<String>,
    pub progress_items: Vec<SeenProgress>,
    pub logged: Vec<SeenLogError>,
    pub retry_items: Vec<GUID>,
}

/// A host-side `ISyncMgrSynchronizeCallback` whose `Progress` answers `progress_answer`.
#[derive(mobsync_runtime::ComObject)]
#[com_object(interfaces(ISyncMgrSynchronizeCallback))]
pub struct TestCallback {
    pub probe: Probe,
    pub record: Mutex<CallbackRecord>,
    pub progress_answer: Mutex<mobsync_runtime::ProgressOutcome>,
    pub modeless_answer: Mutex<mobsync_runtime::EnableModelessOutcome>,
}

impl TestCallback {
    pub fn new(drops: &DropCounter) -> Self {
        TestCallback {
            probe: drops.probe(),
            record: Mutex::default(),
            progress_answer: Mutex::new(mobsync_runtime::ProgressOutcome::S_OK),
            modeless_answer: Mutex::new(mobsync_runtime::EnableModelessOutcome::S_OK),
        }
    }

    fn call(&self, name: String) {
        self.record.lock().unwrap().calls.push(name);
    }

    pub fn calls(&self) -> Vec<String> {
        self.record.lock().unwrap().calls.clone()
    }
}

impl mobsync_runtime::SyncMgrSynchronizeCallback for TestCallback {
    fn show_properties_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        self.call(format!("show_properties_completed({hr})"));
        Ok(())
    }
    fn prepare_for_sync_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        self.call(format!("prepare_for_sync_completed({hr})"));
        Ok(())
    }
    fn synchronize_completed(&self, hr: HRESULT) -> windows_core::Result<()> {
        self.call(format!("synchronize_completed({hr})"));
        Ok(())
    }
    fn show_error_completed(&self, hr: HRESULT, item_ids: &[GUID]) -> windows_core::Result<()> {
        self.call(format!("show_error_completed({hr},{})", item_ids.len()));
        self.record.lock().unwrap().retry_items = item_ids.to_vec();
        Ok(())
    }
    fn enable_modeless(
        &self,
        enable: bool,
    ) -> windows_core::Result<mobsync_runtime::EnableModelessOutcome> {
        self.call(format!("enable_modeless({enable})"));
        Ok(*self.modeless_answer.lock().unwrap())
    }
    fn progress(
        &self,
        item_id: &GUID,
        item: Option<mobsync_runtime::ProgressItem<'_>>,
    ) -> windows_core::Result<mobsync_runtime::ProgressOutcome> {
        self.call(format!("progress({})", item_id.to_u128()));
        let entry = match item {
            Some(item) => (
                *item_id,
                item.status_text().map(|t| t.to_string_lossy()),
                item.status_type(),
                item.progress_value(),
                item.max_value(),
            ),
            None => (*item_id, None, None, None, None),
        };
        self.record.lock().unwrap().progress_items.push(entry);
        Ok(*self.progress_answer.lock().unwrap())
    }
    fn log_error(
        &self,
        level: u32,
        text: &mobsync_runtime::WStr,
        info: Option<mobsync_runtime::LogErrorInfo<'_>>,
    ) -> windows_core::Result<()> {
        self.call(format!("log_error({level})"));
        let info = info.map(|i| (i.error_flags(), i.error_id(), i.item_id()));
        self.record
            .lock()
            .unwrap()
            .logged
            .push((level, text.to_string_lossy(), info));
        Ok(())
    }
    fn delete_log_error(&self, error_id: &GUID, reserved: u32) -> windows_core::Result<()> {
        self.call(format!(
            "delete_log_error({},{reserved})",
            error_id.to_u128()
        ));
        Ok(())
    }
    fn establish_connection(
        &self,
        connection: Option<&mobsync_runtime::WStr>,
        reserved: u32,
    ) -> windows_core::Result<()> {
        let name = connection.map(|c| c.to_string_lossy());
        self.call(format!("establish_connection({name:?},{reserved})"));
        Ok(())
    }
}

/// A new test callback object: the Rust handle (for assertions) and its interface (one
/// reference).
pub fn new_callback(
    drops: &DropCounter,
) -> (
    mobsync_runtime::ComObject<TestCallback>,
    ComRef<ISyncMgrSynchronizeCallback_Vtbl>,
) {
    let object = mobsync_runtime::ComObject::new(TestCallback::new(drops));
    let interface = object
        .cast::<ISyncMgrSynchronizeCallback>()
        .expect("the callback implements ISyncMgrSynchronizeCallback");
    (object, ComRef::new(interface))
}
