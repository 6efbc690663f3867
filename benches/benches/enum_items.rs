//! `ISyncMgrEnumItems::Next` over 100,000 items, in batches of 1 and of 64, through the raw ABI:
//! the runtime's `ItemEnumerator` against a hand-written enumerator (the floor: a plain load and
//! store of the position) and a windows-core one with the runtime's position logic (a
//! compare-and-swap), all three doing the same conversion of each item.

use std::hint::black_box;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use mobsync_benches::{drain, first_item, floor, ours, sample_items, wincore};
use mobsync_runtime::SyncItem;
use mobsync_runtime::sys::{ISyncMgrEnumItems_Vtbl, SYNCMGRITEM};
use mobsync_test_support::ComRef;

const ITEMS: usize = 100_000;

/// Makes an enumerator over the items: its `ISyncMgrEnumItems`, one reference.
type NewEnumerator = fn(Vec<SyncItem>) -> ComRef<ISyncMgrEnumItems_Vtbl>;

fn next(c: &mut Criterion) {
    let items = sample_items(ITEMS);
    let implementations: [(&str, NewEnumerator); 3] = [
        ("floor", floor::new_enumerator),
        ("windows-core", wincore::new_enumerator),
        ("mobsync", ours::new_enumerator),
    ];
    for batch in [1u32, 64] {
        let mut group = c.benchmark_group(format!("EnumItems_Next_batch{batch}"));
        group.throughput(Throughput::Elements(ITEMS as u64));
        group.sample_size(10);
        group.sampling_mode(SamplingMode::Flat);
        let mut buffer = vec![SYNCMGRITEM::default(); batch as usize];
        for (name, new_enumerator) in implementations {
            let enumerator = new_enumerator(items.clone());
            assert_eq!(drain(&enumerator, batch, &mut buffer), ITEMS);
            let first = first_item(&enumerator);
            assert_eq!(first.cbSize as usize, size_of::<SYNCMGRITEM>());
            assert_eq!(first.ItemID, items[0].id);
            group.bench_function(name, |b| {
                b.iter(|| drain(black_box(&enumerator), batch, &mut buffer))
            });
            assert_eq!(enumerator.release(), 0, "{name}: enumerator leaked");
        }
        group.finish();
    }
}

criterion_group!(benches, next);
criterion_main!(benches);
