use mobsync_runtime::SyncMgrHandler;

include!("../support/impl_sync.rs");

#[derive(SyncMgrHandler)]
#[sync_mgr(clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D00", name = "Handler")]
struct Handler {
    root: std::path::PathBuf,
    limit: std::num::NonZeroU32,
}

impl_sync!(Handler);

fn main() {}
