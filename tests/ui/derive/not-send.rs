use std::rc::Rc;

use mobsync_runtime::SyncMgrHandler;

include!("../support/impl_sync.rs");

#[derive(Default, SyncMgrHandler)]
#[sync_mgr(clsid = "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D00", name = "Not Send")]
struct Handler {
    shared: Rc<u32>,
}

impl_sync!(Handler);

fn main() {}
