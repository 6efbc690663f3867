use mobsync_runtime::SyncMgrHandler;

#[derive(Default, SyncMgrHandler)]
#[sync_mgr(clsid = "3F2A7C10-5B1E-4D7A-9C61", name = "Short CLSID")]
struct Handler;

fn main() {}
