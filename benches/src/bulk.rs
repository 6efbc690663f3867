//! The host-sync benchmark: a mobsync-rs handler with many items that reports one `Progress`
//! per item, and two ways to drive it.
//!
//! - [`host_sync`]: the whole of `mobsync-host` (`Host::sync`), as the CLI runs it.
//! - [`direct_sync`]: the least a caller can do to run the same protocol: the raw calls in
//!   order from the calling thread, with the floor's hand-written callback that only counts.
//!
//! The difference between the two is the host's overhead (its threads, timeouts, bookkeeping
//! and report); the handler's own work is the same in both.

use std::ffi::c_void;
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use mobsync_host::model::{HandlerOutcome, ItemStatus};
use mobsync_host::{HandlerSource, Host, InProcessHandler, ItemSelection, SyncOptions};
use mobsync_runtime::hresults::S_OK;
use mobsync_runtime::interfaces::{InitializeOutcome, PrepareForSyncOutcome, SyncMgrSynchronize};
use mobsync_runtime::sys::{
    HWND, ISyncMgrEnumItems, ISyncMgrEnumItems_Vtbl, ISyncMgrSynchronize, ISyncMgrSynchronize_Vtbl,
    ISyncMgrSynchronizeCallback, SYNCMGRFLAG_MANUAL, SYNCMGRITEM, SYNCMGRSTATUS_SUCCEEDED,
};
use mobsync_runtime::{
    ComObject, HandlerInfo, ItemEnumerator, ProgressUpdate, SyncCallback, SyncItem, SyncMgrHandler,
};
use mobsync_test_support::raw;
use windows_core::{GUID, HRESULT, Interface};

use crate::floor;

/// The CLSID of [`BulkHandler`].
pub const BULK_CLSID: GUID = GUID::from_u128(0x5eedb0b0_0000_4000_8000_0000000000bb);

/// A handler whose `Synchronize` reports each selected item as done with one `Progress` call,
/// then completes, all before returning.
#[derive(SyncMgrHandler, Default, Debug)]
#[sync_mgr(
    clsid = "5EEDB0B0-0000-4000-8000-0000000000BB",
    name = "Bulk benchmark handler"
)]
pub struct BulkHandler {
    items: Vec<SyncItem>,
    callback: Mutex<Option<SyncCallback>>,
    selected: Mutex<Vec<GUID>>,
}

impl BulkHandler {
    /// A handler with these items.
    pub fn new(items: Vec<SyncItem>) -> Self {
        BulkHandler {
            items,
            ..BulkHandler::default()
        }
    }

    fn callback(&self) -> windows_core::Result<SyncCallback> {
        self.callback
            .lock()
            .map_err(|_| windows_core::Error::from(mobsync_runtime::hresults::E_UNEXPECTED))?
            .clone()
            .ok_or_else(|| mobsync_runtime::hresults::E_UNEXPECTED.into())
    }
}

impl SyncMgrSynchronize for BulkHandler {
    fn initialize(
        &self,
        _reserved: u32,
        _flags: u32,
        _cookie: &[u8],
    ) -> windows_core::Result<InitializeOutcome> {
        Ok(InitializeOutcome::S_OK)
    }

    fn get_handler_info(&self) -> windows_core::Result<HandlerInfo> {
        Ok(HandlerInfo::new("Bulk benchmark handler"))
    }

    fn enum_sync_mgr_items(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        Ok(ItemEnumerator::new(self.items.clone()).into_interface())
    }

    fn set_progress_callback(
        &self,
        callback: Option<ISyncMgrSynchronizeCallback>,
    ) -> windows_core::Result<()> {
        *self.callback.lock().expect("callback lock") = callback.map(SyncCallback::new);
        Ok(())
    }

    fn prepare_for_sync(
        &self,
        items: &[GUID],
        _parent: HWND,
        _reserved: u32,
    ) -> windows_core::Result<PrepareForSyncOutcome> {
        *self.selected.lock().expect("selection lock") = items.to_vec();
        self.callback()?.prepare_for_sync_completed(S_OK)?;
        Ok(PrepareForSyncOutcome::S_OK)
    }

    fn synchronize(&self, _parent: HWND) -> windows_core::Result<()> {
        let callback = self.callback()?;
        let selected = std::mem::take(&mut *self.selected.lock().expect("selection lock"));
        let done = ProgressUpdate::new()
            .status(SYNCMGRSTATUS_SUCCEEDED.0 as u32)
            .progress(1, 1);
        for item in &selected {
            callback.progress(item, &done)?;
        }
        callback.synchronize_completed(S_OK)
    }

    fn set_item_status(&self, _item: &GUID, _status: u32) -> windows_core::Result<()> {
        Ok(())
    }
}

/// Runs one full `mobsync-host` sync of a new [`BulkHandler`] over `items` (every item selected,
/// `Next` in batches of 64) and checks that every item succeeded. Returns the number of items.
pub fn host_sync(items: &[SyncItem]) -> usize {
    let object = ComObject::new(BulkHandler::new(items.to_vec()));
    let source = InProcessHandler::new(BULK_CLSID, object.to_unknown())
        .expect("the bulk handler implements ISyncMgrSynchronize");
    drop(object);
    let options = SyncOptions {
        items: ItemSelection::All,
        batch: 64,
        ..SyncOptions::default()
    };
    let report = Host::new(options).sync(vec![HandlerSource::Instance(source)]);
    let handler = &report.handlers[0];
    assert_eq!(handler.outcome, HandlerOutcome::Completed, "{handler:?}");
    assert_eq!(handler.items.len(), items.len());
    assert!(
        handler
            .items
            .iter()
            .all(|item| item.status == ItemStatus::Succeeded)
    );
    handler.items.len()
}

fn check(hr: HRESULT, what: &str) {
    assert!(hr.is_ok(), "{what} failed: {hr:?}");
}

/// Runs the same protocol on a new [`BulkHandler`] over `items` with the fewest possible
/// calls, from this thread: `Initialize`, `GetHandlerInfo` (freed), `EnumSyncMgrItems` and
/// `Next(64)` until `S_FALSE`, `SetProgressCallback` with the floor's callback,
/// `PrepareForSync(all)`, `Synchronize`, `Release`. Checks the completions and the `Progress`
/// count. Returns the number of items.
pub fn direct_sync(items: &[SyncItem]) -> usize {
    let handler = ComObject::new(BulkHandler::new(items.to_vec()))
        .cast::<ISyncMgrSynchronize>()
        .expect("the bulk handler implements ISyncMgrSynchronize");
    let handler = Interface::into_raw(handler);
    let callback = floor::new_callback();
    // SAFETY: `handler` carries the reference `into_raw` gave us and `callback` the one
    // `floor::new_callback` did, both released at the end, so both objects are alive throughout
    // (and `callback` is the floor's, as `callback_state` requires). The empty cookie may be
    // null; every out pointer is a local: the handler info comes back as task memory, freed with
    // `task_free`, and the enumerator with one reference, released after the loop. `batch` holds
    // the 64 items each `Next` asks for, and `ids` the `ids.len()` items PrepareForSync reads.
    unsafe {
        let vtbl = raw::vtbl::<ISyncMgrSynchronize_Vtbl>(handler);
        check(
            (vtbl.Initialize)(handler, 0, SYNCMGRFLAG_MANUAL.0 as u32, 0, ptr::null()),
            "Initialize",
        );
        let mut info = ptr::null_mut();
        check((vtbl.GetHandlerInfo)(handler, &mut info), "GetHandlerInfo");
        mobsync_runtime::task_mem::task_free(info.cast::<c_void>());

        let mut enumerator = ptr::null_mut();
        check(
            (vtbl.EnumSyncMgrItems)(handler, &mut enumerator),
            "EnumSyncMgrItems",
        );
        let next = raw::vtbl::<ISyncMgrEnumItems_Vtbl>(enumerator).Next;
        let mut ids = Vec::with_capacity(items.len());
        let mut batch = vec![SYNCMGRITEM::default(); 64];
        loop {
            let mut fetched = 0;
            let hr = next(enumerator, 64, batch.as_mut_ptr(), &mut fetched);
            check(hr, "Next");
            ids.extend(batch[..fetched as usize].iter().map(|item| item.ItemID));
            if hr.0 == 1 {
                break;
            }
        }
        raw::release(enumerator);
        assert_eq!(ids.len(), items.len());

        check(
            (vtbl.SetProgressCallback)(handler, callback),
            "SetProgressCallback",
        );
        check(
            (vtbl.PrepareForSync)(
                handler,
                ids.len() as u32,
                ids.as_mut_ptr(),
                HWND::default(),
                0,
            ),
            "PrepareForSync",
        );
        check((vtbl.Synchronize)(handler, HWND::default()), "Synchronize");
        let state = floor::callback_state(callback);
        assert_eq!(state.prepared.load(Ordering::Acquire), 0);
        assert_eq!(state.synchronized.load(Ordering::Acquire), 0);
        assert_eq!(state.progress.load(Ordering::Relaxed), items.len());
        raw::release(handler);
        raw::release(callback);
    }
    items.len()
}
