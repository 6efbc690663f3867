//! A small Sync Manager handler written with mobsync-rs: three items, one `Progress` per item.

use std::sync::Mutex;

use mobsync_runtime::sys::{
    HWND, ISyncMgrEnumItems, ISyncMgrSynchronizeCallback, SYNCMGRSTATUS_SUCCEEDED,
};
use mobsync_runtime::{
    HandlerInfo, InitializeOutcome, ItemEnumerator, PrepareForSyncOutcome, ProgressUpdate,
    SyncCallback, SyncItem, SyncMgrSynchronize, hresults::S_OK,
};
use mobsync_derive::SyncMgrHandler;
use windows_core::{GUID, Result};

const ITEMS: [(u128, &str); 3] = [
    (0x3f2a7c10_5b1e_4d7a_9c61_2e8f0a4b7d01, "Notes"),
    (0x3f2a7c10_5b1e_4d7a_9c61_2e8f0a4b7d02, "Contacts"),
    (0x3f2a7c10_5b1e_4d7a_9c61_2e8f0a4b7d03, "Calendar"),
];

/// The handler.
#[derive(Default, SyncMgrHandler)]
#[sync_mgr(clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D00", name = "Notes Sync")]
pub struct NotesSync {
    callback: Mutex<Option<SyncCallback>>,
    chosen: Mutex<Vec<GUID>>,
}

impl NotesSync {
    fn callback(&self) -> Option<SyncCallback> {
        self.callback.lock().unwrap().clone()
    }
}

impl SyncMgrSynchronize for NotesSync {
    fn initialize(&self, _reserved: u32, _flags: u32, _cookie: &[u8]) -> Result<InitializeOutcome> {
        Ok(InitializeOutcome::S_OK)
    }

    fn get_handler_info(&self) -> Result<HandlerInfo> {
        Ok(HandlerInfo::new("Notes Sync"))
    }

    fn enum_sync_mgr_items(&self) -> Result<ISyncMgrEnumItems> {
        let items: Vec<SyncItem> = ITEMS
            .iter()
            .map(|&(id, name)| SyncItem::new(GUID::from_u128(id), name).checked(true))
            .collect();
        Ok(ItemEnumerator::new(items).into_interface())
    }

    fn set_progress_callback(&self, callback: Option<ISyncMgrSynchronizeCallback>) -> Result<()> {
        *self.callback.lock().unwrap() = callback.map(SyncCallback::new);
        Ok(())
    }

    fn prepare_for_sync(&self, items: &[GUID], _: HWND, _: u32) -> Result<PrepareForSyncOutcome> {
        *self.chosen.lock().unwrap() = items.to_vec();
        if let Some(callback) = self.callback() {
            callback.prepare_for_sync_completed(S_OK)?;
        }
        Ok(PrepareForSyncOutcome::S_OK)
    }

    fn synchronize(&self, _: HWND) -> Result<()> {
        let Some(callback) = self.callback() else {
            return Ok(());
        };
        let max = 1; // build-cost: incremental edit
        for item in self.chosen.lock().unwrap().iter() {
            let done = ProgressUpdate::new()
                .text("Synchronized")
                .status(SYNCMGRSTATUS_SUCCEEDED.0 as u32)
                .progress(max, max);
            if callback.progress(item, &done)?.is_cancel() {
                break;
            }
        }
        callback.synchronize_completed(S_OK)
    }

    fn set_item_status(&self, _item: &GUID, _status: u32) -> Result<()> {
        Ok(())
    }
}

mobsync_runtime::export_handlers!(NotesSync);
