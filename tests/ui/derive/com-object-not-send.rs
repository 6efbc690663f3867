use std::rc::Rc;

use mobsync_runtime::ComObject;
use mobsync_runtime::sys::SYNCMGRITEM;

// An object that is not Send + Sync must say `threading = "apartment"`.
#[derive(ComObject)]
#[com_object(interfaces(ISyncMgrEnumItems))]
struct Items {
    shared: Rc<u32>,
}

impl mobsync_runtime::interfaces::SyncMgrEnumItems for Items {
    fn next(&self, _items: &mut [SYNCMGRITEM]) -> windows_core::Result<usize> {
        Ok(*self.shared as usize)
    }
    fn skip(&self, _count: u32) -> windows_core::Result<mobsync_runtime::interfaces::SkipOutcome> {
        unimplemented!()
    }
    fn reset(&self) -> windows_core::Result<()> {
        Ok(())
    }
    fn clone_com(&self) -> windows_core::Result<mobsync_runtime::sys::ISyncMgrEnumItems> {
        unimplemented!()
    }
}

fn main() {}
