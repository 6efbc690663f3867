use mobsync_runtime::ComObject;

#[derive(ComObject)]
#[com_object(
    clsid = "632306B6-690C-48C1-AB87-953A6833A855",
    interfaces(ISyncMgrSynchronizeCallback)
)]
struct Callback;

fn main() {}
