//! Calls through the raw ABI on the same objects written three ways (see the crate docs):
//! a method call, `AddRef`+`Release`, `QueryInterface` hits and misses, and object creation
//! through the class factory and from Rust.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mobsync_benches::{UNKNOWN_IID, WATCHED_ITEM, floor, ours, wincore};
use mobsync_runtime::factory::IClassFactory_Vtbl;
use mobsync_runtime::sys::{HWND, IID_ISyncMgrSynchronize, ISyncMgrSynchronize_Vtbl};
use mobsync_test_support::{ComRef, raw};

/// One implementation: its name in the results and its constructors.
struct Implementation {
    name: &'static str,
    new_handler: fn() -> ComRef<ISyncMgrSynchronize_Vtbl>,
    new_factory: fn() -> ComRef<IClassFactory_Vtbl>,
}

const IMPLEMENTATIONS: [Implementation; 3] = [
    Implementation {
        name: "floor",
        new_handler: floor::new_handler,
        new_factory: floor::new_factory,
    },
    Implementation {
        name: "windows-core",
        new_handler: wincore::new_handler,
        new_factory: wincore::new_factory,
    },
    Implementation {
        name: "mobsync",
        new_handler: ours::new_handler,
        new_factory: ours::new_factory,
    },
];

const S_OK: i32 = 0;
const E_NOINTERFACE: i32 = 0x8000_4002_u32 as i32;

fn method_calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("call_SetItemStatus");
    for imp in &IMPLEMENTATIONS {
        let handler = (imp.new_handler)();
        assert_eq!(handler.set_item_status(&WATCHED_ITEM, 4).0, S_OK);
        group.bench_function(imp.name, |b| {
            b.iter(|| black_box(&handler).set_item_status(black_box(&WATCHED_ITEM), black_box(4)))
        });
        handler.release();
    }
    group.finish();

    let mut group = c.benchmark_group("call_Synchronize");
    for imp in &IMPLEMENTATIONS {
        let handler = (imp.new_handler)();
        assert_eq!(handler.synchronize(HWND::default()).0, S_OK);
        group.bench_function(imp.name, |b| {
            b.iter(|| black_box(&handler).synchronize(black_box(HWND::default())))
        });
        handler.release();
    }
    group.finish();
}

fn reference_counting(c: &mut Criterion) {
    let mut group = c.benchmark_group("AddRef_Release");
    for imp in &IMPLEMENTATIONS {
        let handler = (imp.new_handler)();
        group.bench_function(imp.name, |b| {
            b.iter(|| {
                let (reference, _) = black_box(&handler).add_ref();
                reference.release()
            })
        });
        assert_eq!(handler.release(), 0, "{}: reference leaked", imp.name);
    }
    group.finish();

    let mut group = c.benchmark_group("QueryInterface_hit");
    for imp in &IMPLEMENTATIONS {
        let handler = (imp.new_handler)();
        group.bench_function(imp.name, |b| {
            b.iter(|| {
                let (hr, out) = black_box(&handler).query(&IID_ISyncMgrSynchronize);
                debug_assert_eq!(hr.0, S_OK);
                // SAFETY: a QueryInterface hit hands over one reference to `out` (every
                // implementation answers its own IID with S_OK), given up here.
                unsafe { raw::release(out) }
            })
        });
        assert_eq!(handler.release(), 0, "{}: reference leaked", imp.name);
    }
    group.finish();

    let mut group = c.benchmark_group("QueryInterface_miss");
    for imp in &IMPLEMENTATIONS {
        let handler = (imp.new_handler)();
        let (hr, out) = handler.query(&UNKNOWN_IID);
        assert_eq!((hr.0, out), (E_NOINTERFACE, std::ptr::null_mut()));
        group.bench_function(imp.name, |b| {
            b.iter(|| black_box(&handler).query(black_box(&UNKNOWN_IID)))
        });
        assert_eq!(handler.release(), 0, "{}: reference leaked", imp.name);
    }
    group.finish();
}

fn creation(c: &mut Criterion) {
    let mut group = c.benchmark_group("CreateInstance_Release");
    for imp in &IMPLEMENTATIONS {
        let factory = (imp.new_factory)();
        group.bench_function(imp.name, |b| {
            b.iter(|| {
                let (hr, object) = black_box(&factory).create_instance(&IID_ISyncMgrSynchronize);
                debug_assert_eq!(hr.0, S_OK);
                // SAFETY: a successful CreateInstance (every factory here creates its handler)
                // hands over one reference to `object`, given up here.
                unsafe { raw::release(object) }
            })
        });
        assert_eq!(factory.release(), 0, "{}: factory leaked", imp.name);
    }
    group.finish();
}

/// Creating an object from Rust and getting its interface: windows-core's `#[implement]` type
/// converted with `.into()`, ours with `ComObject::new(..).into_interface()`, the floor a boxed
/// struct behind a static vtable.
fn creation_from_rust(c: &mut Criterion) {
    let mut group = c.benchmark_group("create_object_Release");
    for imp in &IMPLEMENTATIONS {
        group.bench_function(imp.name, |b| {
            b.iter(|| {
                let handler = black_box((imp.new_handler)());
                let left = handler.release();
                debug_assert_eq!(left, 0);
                left
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    method_calls,
    reference_counting,
    creation,
    creation_from_rust
);
criterion_main!(benches);
