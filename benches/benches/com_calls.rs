//! Calls through the raw ABI on the same objects written three ways (see the crate docs):
//! a method call, `AddRef`+`Release`, `QueryInterface` hits and misses, and object creation
//! through the class factory.

use std::ffi::c_void;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mobsync_benches::{UNKNOWN_IID, WATCHED_ITEM, floor, ours, raw, wincore};
use mobsync_runtime::sys::{HWND, IID_ISyncMgrSynchronize};

/// One implementation: its name in the results and its constructors.
struct Implementation {
    name: &'static str,
    new_handler: fn() -> *mut c_void,
    new_factory: fn() -> *mut c_void,
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
        // SAFETY: `handler` is a live ISyncMgrSynchronize owned here until the Release below.
        unsafe {
            assert_eq!(raw::set_item_status(handler, &WATCHED_ITEM, 4).0, S_OK);
            group.bench_function(imp.name, |b| {
                b.iter(|| {
                    raw::set_item_status(black_box(handler), black_box(&WATCHED_ITEM), black_box(4))
                })
            });
            raw::release(handler);
        }
    }
    group.finish();

    let mut group = c.benchmark_group("call_Synchronize");
    for imp in &IMPLEMENTATIONS {
        let handler = (imp.new_handler)();
        // SAFETY: as above.
        unsafe {
            assert_eq!(raw::synchronize(handler, HWND::default()).0, S_OK);
            group.bench_function(imp.name, |b| {
                b.iter(|| raw::synchronize(black_box(handler), black_box(HWND::default())))
            });
            raw::release(handler);
        }
    }
    group.finish();
}

fn reference_counting(c: &mut Criterion) {
    let mut group = c.benchmark_group("AddRef_Release");
    for imp in &IMPLEMENTATIONS {
        let handler = (imp.new_handler)();
        // SAFETY: `handler` stays alive (its own reference) while pairs are counted on it.
        unsafe {
            group.bench_function(imp.name, |b| {
                b.iter(|| {
                    let this = black_box(handler);
                    raw::add_ref(this);
                    raw::release(this)
                })
            });
            assert_eq!(raw::release(handler), 0, "{}: reference leaked", imp.name);
        }
    }
    group.finish();

    let mut group = c.benchmark_group("QueryInterface_hit");
    for imp in &IMPLEMENTATIONS {
        let handler = (imp.new_handler)();
        // SAFETY: as above; every interface a hit returns is released.
        unsafe {
            group.bench_function(imp.name, |b| {
                b.iter(|| {
                    let (hr, out) =
                        raw::query_interface(black_box(handler), &IID_ISyncMgrSynchronize);
                    debug_assert_eq!(hr.0, S_OK);
                    raw::release(out)
                })
            });
            assert_eq!(raw::release(handler), 0, "{}: reference leaked", imp.name);
        }
    }
    group.finish();

    let mut group = c.benchmark_group("QueryInterface_miss");
    for imp in &IMPLEMENTATIONS {
        let handler = (imp.new_handler)();
        // SAFETY: as above.
        unsafe {
            let (hr, out) = raw::query_interface(handler, &UNKNOWN_IID);
            assert_eq!((hr.0, out), (E_NOINTERFACE, std::ptr::null_mut()));
            group.bench_function(imp.name, |b| {
                b.iter(|| raw::query_interface(black_box(handler), black_box(&UNKNOWN_IID)))
            });
            assert_eq!(raw::release(handler), 0, "{}: reference leaked", imp.name);
        }
    }
    group.finish();
}

fn creation(c: &mut Criterion) {
    let mut group = c.benchmark_group("CreateInstance_Release");
    for imp in &IMPLEMENTATIONS {
        let factory = (imp.new_factory)();
        // SAFETY: `factory` is a live IClassFactory owned here; each created object is released.
        unsafe {
            group.bench_function(imp.name, |b| {
                b.iter(|| {
                    let (hr, object) =
                        raw::create_instance(black_box(factory), &IID_ISyncMgrSynchronize);
                    debug_assert_eq!(hr.0, S_OK);
                    raw::release(object)
                })
            });
            assert_eq!(raw::release(factory), 0, "{}: factory leaked", imp.name);
        }
    }
    group.finish();
}

criterion_group!(benches, method_calls, reference_counting, creation);
criterion_main!(benches);
