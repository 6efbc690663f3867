//! A full sync of 10,000 items with one `Progress` call per item: through `mobsync-host`, and
//! through the least a caller can do (the difference is the host's overhead).

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use mobsync_benches::bulk::{direct_sync, host_sync};
use mobsync_benches::sample_items;

const ITEMS: usize = 10_000;

fn sync(c: &mut Criterion) {
    let items = sample_items(ITEMS);
    let mut group = c.benchmark_group("host_sync_10000");
    group.throughput(Throughput::Elements(ITEMS as u64));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    assert_eq!(direct_sync(&items), ITEMS);
    assert_eq!(host_sync(&items), ITEMS);
    group.bench_function("direct", |b| b.iter(|| direct_sync(&items)));
    group.bench_function("mobsync-host", |b| b.iter(|| host_sync(&items)));
    group.finish();
}

criterion_group!(benches, sync);
criterion_main!(benches);
