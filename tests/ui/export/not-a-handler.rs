struct Plain;

mobsync_runtime::export_handlers!(Plain);

fn main() {}
