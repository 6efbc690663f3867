use mobsync_runtime::ComObject;

#[derive(ComObject)]
struct Callback;

fn main() {}
