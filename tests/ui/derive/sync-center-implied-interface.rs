use mobsync_runtime::syncmgr::SyncCenterHandler;

#[derive(Default, SyncCenterHandler)]
#[sync_center(
    clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D10",
    name = "Handler",
    interfaces(ISyncMgrSyncItemContainer)
)]
struct Handler;

fn main() {}
