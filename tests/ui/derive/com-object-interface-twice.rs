use mobsync_runtime::ComObject;

#[derive(ComObject)]
#[com_object(interfaces(ISyncMgrSynchronizeCallback, ISyncMgrSynchronizeCallback))]
struct Callback;

fn main() {}
