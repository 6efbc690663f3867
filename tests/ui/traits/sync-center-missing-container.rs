use mobsync_runtime::WStr;
use mobsync_runtime::syncmgr::sys::*;
use mobsync_runtime::syncmgr::{SyncCenterHandler, SyncMgrHandler};
use windows_core::{IUnknown, Result};

#[derive(Default, SyncCenterHandler)]
#[sync_center(clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D10", name = "Handler")]
struct Handler;

impl SyncMgrHandler for Handler {
    fn get_name(&self) -> Result<String> {
        Ok("Handler".into())
    }
    fn get_handler_info(&self) -> Result<ISyncMgrHandlerInfo> {
        Err(mobsync_runtime::hresults::E_NOTIMPL.into())
    }
    fn get_capabilities(&self) -> Result<SYNCMGR_HANDLER_CAPABILITIES> {
        Ok(SYNCMGR_HCM_NONE)
    }
    fn get_policies(&self) -> Result<SYNCMGR_HANDLER_POLICIES> {
        Ok(SYNCMGR_HPM_NONE)
    }
    fn synchronize(
        &self,
        _item_ids: &[&WStr],
        _owner: HWND,
        _creator: ISyncMgrSessionCreator,
        _punk: Option<IUnknown>,
    ) -> Result<()> {
        Ok(())
    }
}

fn main() {}
