// Shared by the compile-fail cases that need a complete handler: a minimal
// `SyncMgrSynchronize` implementation for `$t`.
macro_rules! impl_sync {
    ($t:ty) => {
        impl mobsync_runtime::SyncMgrSynchronize for $t {
            fn initialize(
                &self,
                _reserved: u32,
                _flags: u32,
                _cookie: &[u8],
            ) -> windows_core::Result<mobsync_runtime::InitializeOutcome> {
                Ok(mobsync_runtime::InitializeOutcome::S_OK)
            }
            fn get_handler_info(&self) -> windows_core::Result<mobsync_runtime::HandlerInfo> {
                Ok(mobsync_runtime::HandlerInfo::new("Test"))
            }
            fn enum_sync_mgr_items(
                &self,
            ) -> windows_core::Result<mobsync_runtime::sys::ISyncMgrEnumItems> {
                Ok(mobsync_runtime::ItemEnumerator::new(vec![]).into_interface())
            }
            fn set_progress_callback(
                &self,
                _callback: Option<mobsync_runtime::sys::ISyncMgrSynchronizeCallback>,
            ) -> windows_core::Result<()> {
                Ok(())
            }
            fn prepare_for_sync(
                &self,
                _items: &[windows_core::GUID],
                _parent: mobsync_runtime::sys::HWND,
                _reserved: u32,
            ) -> windows_core::Result<mobsync_runtime::PrepareForSyncOutcome> {
                Ok(mobsync_runtime::PrepareForSyncOutcome::S_OK)
            }
            fn synchronize(&self, _parent: mobsync_runtime::sys::HWND) -> windows_core::Result<()> {
                Ok(())
            }
            fn set_item_status(&self, _item: &windows_core::GUID, _status: u32) -> windows_core::Result<()> {
                Ok(())
            }
        }
    };
}
