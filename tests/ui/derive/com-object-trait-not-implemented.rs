use mobsync_runtime::ComObject;

// Lists an interface whose trait the type does not implement.
#[derive(ComObject)]
#[com_object(interfaces(ISyncMgrEnumItems))]
struct Items;

fn main() {}
