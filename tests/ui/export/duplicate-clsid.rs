use mobsync_runtime::SyncMgrHandler;

include!("../support/impl_sync.rs");

#[derive(Default, SyncMgrHandler)]
#[sync_mgr(clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D00", name = "Notes")]
struct Notes;

#[derive(Default, SyncMgrHandler)]
#[sync_mgr(clsid = "{3f2a7c10-5b1e-4d7a-9c61-2e8f0a4b7d00}", name = "Photos")]
struct Photos;

impl_sync!(Notes);
impl_sync!(Photos);

mobsync_runtime::export_handlers!(Notes, Photos);

fn main() {}
