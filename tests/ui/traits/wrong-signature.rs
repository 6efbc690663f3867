use mobsync_runtime::sys::HWND;
use mobsync_runtime::{HandlerInfo, PrepareForSyncOutcome, SyncMgrHandler, SyncMgrSynchronize};
use windows_core::{GUID, Result};

#[derive(Default, SyncMgrHandler)]
#[sync_mgr(clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D00", name = "Handler")]
struct Handler;

impl SyncMgrSynchronize for Handler {
    // Initialize can succeed with S_FALSE: it returns InitializeOutcome, not ().
    fn initialize(&self, _reserved: u32, _flags: u32, _cookie: &[u8]) -> Result<()> {
        Ok(())
    }
    fn get_handler_info(&self) -> Result<HandlerInfo> {
        Ok(HandlerInfo::new("Handler"))
    }
    fn enum_sync_mgr_items(&self) -> Result<mobsync_runtime::sys::ISyncMgrEnumItems> {
        Ok(mobsync_runtime::ItemEnumerator::new(vec![]).into_interface())
    }
    fn set_progress_callback(
        &self,
        _callback: Option<mobsync_runtime::sys::ISyncMgrSynchronizeCallback>,
    ) -> Result<()> {
        Ok(())
    }
    fn prepare_for_sync(&self, _items: &[GUID], _parent: HWND, _reserved: u32) -> Result<PrepareForSyncOutcome> {
        Ok(PrepareForSyncOutcome::S_OK)
    }
    fn synchronize(&self, _parent: HWND) -> Result<()> {
        Ok(())
    }
    fn set_item_status(&self, _item: &GUID, _status: u32) -> Result<()> {
        Ok(())
    }
}

fn main() {}
