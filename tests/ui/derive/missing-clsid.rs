use mobsync_runtime::SyncMgrHandler;

#[derive(Default, SyncMgrHandler)]
#[sync_mgr(name = "No CLSID")]
struct Handler;

fn main() {}
