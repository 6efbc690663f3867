use mobsync_runtime::SyncMgrHandler;

#[derive(SyncMgrHandler)]
#[sync_mgr(clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D00", name = "Union")]
union Handler {
    a: u32,
    b: f32,
}

fn main() {}
