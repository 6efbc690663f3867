//! mobsync-rs: the handler written with `#[derive(SyncMgrHandler)]` and the generated
//! [`SyncMgrSynchronize`] trait; its class factory is the runtime's
//! [`class_factory`](mobsync_runtime::class_factory) and its enumerator the runtime's
//! [`ItemEnumerator`].

use mobsync_runtime::factory::IClassFactory_Vtbl;
use mobsync_runtime::hresults::E_NOTIMPL;
use mobsync_runtime::interfaces::{InitializeOutcome, PrepareForSyncOutcome, SyncMgrSynchronize};
use mobsync_runtime::sys::{
    HWND, ISyncMgrEnumItems, ISyncMgrEnumItems_Vtbl, ISyncMgrSynchronize, ISyncMgrSynchronize_Vtbl,
    ISyncMgrSynchronizeCallback,
};
use mobsync_runtime::{ComObject, HandlerInfo, ItemEnumerator, SyncItem, SyncMgrHandler};
use mobsync_test_support::ComRef;
use windows_core::GUID;

use crate::floor::HandlerState;

/// The mobsync-rs handler of the call benchmarks.
#[derive(SyncMgrHandler, Default, Debug)]
#[sync_mgr(
    clsid = "5EEDB0B0-0000-4000-8000-0000000000AA",
    name = "Benchmark handler"
)]
pub struct OurHandler {
    /// What the methods record.
    pub state: HandlerState,
}

impl SyncMgrSynchronize for OurHandler {
    fn initialize(
        &self,
        _reserved: u32,
        _flags: u32,
        _cookie: &[u8],
    ) -> windows_core::Result<InitializeOutcome> {
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
        _callback: Option<ISyncMgrSynchronizeCallback>,
    ) -> windows_core::Result<()> {
        Ok(())
    }

    fn prepare_for_sync(
        &self,
        _items: &[GUID],
        _parent: HWND,
        _reserved: u32,
    ) -> windows_core::Result<PrepareForSyncOutcome> {
        Ok(PrepareForSyncOutcome::S_OK)
    }

    fn synchronize(&self, parent: HWND) -> windows_core::Result<()> {
        self.state.synchronize(parent);
        Ok(())
    }

    fn set_item_status(&self, item: &GUID, status: u32) -> windows_core::Result<()> {
        self.state.set_item_status(item, status);
        Ok(())
    }
}

/// A new mobsync-rs handler: its `ISyncMgrSynchronize`, one reference.
pub fn new_handler() -> ComRef<ISyncMgrSynchronize_Vtbl> {
    keep_log_sink_reachable();
    let handler: ISyncMgrSynchronize = ComObject::new(OurHandler::default()).into_interface();
    ComRef::new(handler)
}

/// The runtime's class factory of [`OurHandler`]: its `IClassFactory`, one reference.
pub fn new_factory() -> ComRef<IClassFactory_Vtbl> {
    ComRef::new(mobsync_runtime::class_factory::<OurHandler>())
}

/// The runtime's [`ItemEnumerator`] over `items`: its `ISyncMgrEnumItems`, one reference.
pub fn new_enumerator(items: Vec<SyncItem>) -> ComRef<ISyncMgrEnumItems_Vtbl> {
    ComRef::new(ItemEnumerator::new(items).into_interface())
}

/// A handler DLL exports `MobsyncSetLogSink`, so a host may set a log sink at any time. The
/// benchmark binary exports nothing: without a reachable call that sets a sink, link-time
/// optimization may assume none is ever set and drop whatever the shims do for one (it once
/// folded away a per-call check that every DLL paid), timing shims cheaper than any DLL's.
/// The call is never made.
#[inline(never)]
fn keep_log_sink_reachable() {
    if std::hint::black_box(false) {
        let _ =
            mobsync_runtime::host_log::set_log_sink(Some(ignore_record), std::ptr::null_mut(), 0);
    }
}

/// A log sink that drops every record (see [`keep_log_sink_reachable`]).
unsafe extern "system" fn ignore_record(
    _context: *mut std::ffi::c_void,
    _level: u32,
    _text: *const u16,
) {
}
