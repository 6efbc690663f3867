//! Fuzzes `mobsync-host` from the handler's side: the input is a script for a fake handler,
//! written by hand over the raw ABI, that calls the host's `ISyncMgrSynchronizeCallback` in any
//! order from inside `SetProgressCallback`, `PrepareForSync` and `Synchronize`: `Progress` for
//! unknown items, with undocumented statuses, odd values, long, empty or unpaired-surrogate
//! texts and wrong `cbSize`s; completions twice, never, for the wrong call or with odd codes;
//! `LogError` with unknown levels and null texts; `AddRef`/`Release`/`QueryInterface`, including
//! over-releases; some of it from other threads (joined before the call returns); and, after the
//! sync is over, more calls on the pointer it kept.
//!
//! Invariants, checked after every run:
//! - `Host::sync` returns (no crash, no panic across the ABI) well within its time limits.
//! - The report is consistent with what the handler did: each item's `progress_calls` is the
//!   number of `Progress` calls for it that the host accepted; `errors` holds one entry per
//!   accepted `LogError`; every selected item has a final status.
//! - Misbehaviour is reported: each well-formed `Progress` the host refused, each malformed call
//!   (null or wrong-sized arguments, which the runtime refuses), each completion answered
//!   `E_UNEXPECTED`, and the first out-of-range progress values of each item have their problem;
//!   an over-release of the callback is reported with its exact count, and none without one.
//! - After the sync, every call on the kept pointer gets `RPC_E_DISCONNECTED`, and the handler
//!   object was released (destroyed) by the host.
#![no_main]

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use mobsync_host::model::{HandlerReport, ItemStatus, guid_string};
use mobsync_host::{HandlerSource, Host, InProcessHandler, ItemSelection, SyncOptions};
use mobsync_runtime::hresults::{E_FAIL, E_INVALIDARG, E_NOTIMPL, E_UNEXPECTED, S_FALSE, S_OK};
use mobsync_runtime::sys::*;
use mobsync_runtime::{HandlerInfo, ItemEnumerator, SyncItem};
use mobsync_test_support::handmade::{self, HandMade};
use mobsync_test_support::{SendPtr, raw};
use windows_core::{GUID, HRESULT, IUnknown, Interface};

type CallbackVtbl = ISyncMgrSynchronizeCallback_Vtbl;

const CLSID: GUID = GUID::from_u128(0x0f0e_0000_0000_4000_8000_0000_0000_0001);
/// The handler's items; index 3 of [`item`] is an item it does not have.
const ITEMS: [GUID; 3] = [
    GUID::from_u128(0x0f0e_0000_0000_4000_8000_0000_0000_0011),
    GUID::from_u128(0x0f0e_0000_0000_4000_8000_0000_0000_0012),
    GUID::from_u128(0x0f0e_0000_0000_4000_8000_0000_0000_0013),
];
const UNKNOWN_ITEM: GUID = GUID::from_u128(0x0f0e_0000_0000_4000_8000_0000_0000_00ff);
/// `RPC_E_DISCONNECTED`: calls on the host's callback after the sync.
const RPC_E_DISCONNECTED: HRESULT = HRESULT(0x8001_0108_u32 as i32);
/// The host's time limit for each step.
const LIMIT: Duration = Duration::from_millis(15);

/// Handler objects alive (made per run, destroyed by the host's last Release).
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The input, read a byte at a time (zeros once it runs out).
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn i32(&mut self) -> i32 {
        i16::from_le_bytes([self.byte(), self.byte()]) as i32 * 37
    }
}

/// One call on the host's callback (or its IUnknown).
#[derive(Debug, Clone)]
enum Op {
    AddRef,
    Release,
    QueryInterface(u8),
    /// A well-formed `Progress`: item index (3 = unknown), mask (4 bits), status, value, max, text.
    Progress(u8, u32, u32, i32, i32, u8),
    /// A malformed `Progress`: a wrong `cbSize` or a null item (the runtime refuses it before
    /// the host's code sees it), or the text bit with a null text (read as no text); each is
    /// reported.
    BadProgress(u8),
    Completed(u8, u8),
    /// `ShowErrorCompleted(hr, items)`: count selector.
    ShowErrorCompleted(u8, u8),
    LogError(u32, u8, u8),
    LogErrorNullText,
    DeleteLogError(u8),
    EnableModeless(bool),
    EstablishConnection(bool),
    /// The next ops, run on another thread and joined.
    Thread(Vec<Op>),
}

fn read_ops(input: &mut Input, max: u8, depth: u32) -> Vec<Op> {
    let count = input.byte() % max;
    (0..count).map(|_| read_op(input, depth)).collect()
}

fn read_op(input: &mut Input, depth: u32) -> Op {
    match input.byte() % 15 {
        0 => Op::AddRef,
        1 => Op::Release,
        2 => Op::QueryInterface(input.byte()),
        3 => Op::Progress(
            input.byte() % 4,
            u32::from(input.byte() & 0xf),
            u32::from(input.byte() % 12),
            input.i32(),
            input.i32(),
            input.byte(),
        ),
        4 => Op::BadProgress(input.byte()),
        5 => Op::Completed(input.byte(), input.byte()),
        6 => Op::ShowErrorCompleted(input.byte(), input.byte()),
        7 => Op::LogError(u32::from(input.byte() % 5), input.byte(), input.byte()),
        8 => Op::LogErrorNullText,
        9 => Op::DeleteLogError(input.byte()),
        10 => Op::EnableModeless(input.byte() & 1 == 1),
        11 => Op::EstablishConnection(input.byte() & 1 == 1),
        12 if depth == 0 => Op::Thread(read_ops(input, 6, depth + 1)),
        _ => Op::Progress(input.byte() % 3, 0xf, 2, 50, 100, 1),
    }
}

fn hresult(selector: u8) -> HRESULT {
    [
        S_OK,
        S_OK,
        E_FAIL,
        S_FALSE,
        S_SYNCMGR_RETRYSYNC,
        S_SYNCMGR_ENUMITEMS,
        HRESULT(0x0004_0abc),
        HRESULT(0x8bad_f00d_u32 as i32),
    ][usize::from(selector % 8)]
}

fn item(index: u8) -> GUID {
    ITEMS
        .get(usize::from(index))
        .copied()
        .unwrap_or(UNKNOWN_ITEM)
}

/// Status and other texts: none, short, long, empty, an unpaired surrogate.
fn text(selector: u8) -> Option<Vec<u16>> {
    let mut text: Vec<u16> = match selector % 5 {
        0 => return None,
        1 => "Copying".encode_utf16().collect(),
        2 => std::iter::repeat_n(u16::from(b'x'), 5000).collect(),
        3 => Vec::new(),
        _ => vec![0xd800, u16::from(b'a')],
    };
    text.push(0);
    Some(text)
}

/// What the handler saw, for the invariants.
#[derive(Debug, Default)]
struct Tally {
    /// The host's callback, as the handler received it.
    callback: usize,
    /// References the handler holds on the callback.
    held: u32,
    over_releases: u32,
    /// Accepted `Progress` calls per item of [`ITEMS`].
    progress: [u32; 3],
    /// Well-formed `Progress` calls the host refused (each must be a problem).
    refused_progress: u32,
    /// Completions answered `E_UNEXPECTED` (each must be a problem).
    unexpected_completions: u32,
    logged: u32,
    refused_log_levels: u32,
    /// Calls with a null or wrong-sized argument (each must be a problem).
    contract_breaks: u32,
    /// Items that got out-of-range progress values in an accepted call.
    out_of_range: [bool; 3],
}

/// The fake handler: the value of a `HandMade` object.
struct Fake {
    set_callback: Vec<Op>,
    prepare: (Vec<Op>, HRESULT),
    synchronize: (Vec<Op>, HRESULT),
    initialize: HRESULT,
    callback: Mutex<usize>,
    tally: Arc<Mutex<Tally>>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        let cb = *self.callback.get_mut().unwrap() as *mut c_void;
        let held = std::mem::take(&mut self.tally.lock().unwrap().held);
        for _ in 0..held {
            // SAFETY: the handler holds `held` references to the host's callback (its lent
            // object, which the host never frees); each is given up once here.
            unsafe { raw::release(cb) };
        }
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `ops` on the callback `cb`, updating `tally`.
fn run_ops(cb: *mut c_void, ops: &[Op], tally: &Arc<Mutex<Tally>>) {
    for op in ops {
        run_op(cb, op, tally);
    }
}

fn run_op(cb: *mut c_void, op: &Op, tally: &Arc<Mutex<Tally>>) {
    // SAFETY: here and in every call below, `cb` is the host's lent callback, which lives for
    // the whole process whatever the handler does with its count; every argument is a local that
    // lives for the call, a NUL-terminated text, or one of the nulls the contract allows or the
    // runtime must refuse.
    let v = unsafe { raw::vtbl::<CallbackVtbl>(cb) };
    match op {
        Op::AddRef => {
            // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
            unsafe { raw::add_ref(cb) };
            tally.lock().unwrap().held += 1;
        }
        Op::Release => {
            let mut t = tally.lock().unwrap();
            if t.held == 0 {
                t.over_releases += 1;
            } else {
                t.held -= 1;
            }
            // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
            unsafe { raw::release(cb) };
        }
        Op::QueryInterface(which) => {
            let iid = match which % 3 {
                0 => IUnknown::IID,
                1 => IID_ISyncMgrSynchronizeCallback,
                _ => GUID::from_u128(u128::from(*which) << 64),
            };
            // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
            let (hr, out) = unsafe { raw::query(cb, &iid) };
            if hr == S_OK {
                assert_eq!(
                    out, cb,
                    "COM identity: the lent callback answers for itself"
                );
                tally.lock().unwrap().held += 1;
            } else {
                assert!(out.is_null(), "a failed QueryInterface clears *ppv");
            }
        }
        Op::Progress(index, mask, status, value, max, text_selector) => {
            let text = text(*text_selector);
            let mask = if text.is_none() {
                mask & !SYNCMGRPROGRESSITEM_STATUSTEXT
            } else {
                *mask
            };
            let mut update = SYNCMGRPROGRESSITEM {
                cbSize: size_of::<SYNCMGRPROGRESSITEM>() as u32,
                mask,
                lpcStatusText: text.as_ref().map_or(ptr::null(), |t| t.as_ptr()),
                dwStatusType: *status,
                iProgValue: *value,
                iMaxValue: *max,
            };
            let id = item(*index);
            // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
            let hr = unsafe { (v.Progress)(cb, &id, &mut update) };
            let mut t = tally.lock().unwrap();
            if hr.is_ok() {
                let known = usize::from(*index);
                assert!(known < 3, "Progress for an unknown item accepted: {hr:?}");
                t.progress[known] += 1;
                let value = (mask & SYNCMGRPROGRESSITEM_PROGVALUE != 0).then_some(*value);
                let max = (mask & SYNCMGRPROGRESSITEM_MAXVALUE != 0).then_some(*max);
                let negative = value.is_some_and(|v| v < 0) || max.is_some_and(|m| m < 0);
                if negative || value.zip(max).is_some_and(|(v, m)| v > m) {
                    t.out_of_range[known] = true;
                }
            } else {
                assert_eq!(hr, E_INVALIDARG, "{op:?}");
                t.refused_progress += 1;
            }
        }
        Op::BadProgress(kind) => {
            let mut update = SYNCMGRPROGRESSITEM {
                cbSize: size_of::<SYNCMGRPROGRESSITEM>() as u32,
                mask: SYNCMGRPROGRESSITEM_STATUSTYPE,
                lpcStatusText: ptr::null(),
                dwStatusType: 2,
                iProgValue: 0,
                iMaxValue: 0,
            };
            let id = ITEMS[0];
            let hr = match kind % 3 {
                0 => {
                    update.cbSize = u32::from(*kind);
                    // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
                    unsafe { (v.Progress)(cb, &id, &mut update) }
                }
                // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
                1 => unsafe { (v.Progress)(cb, ptr::null(), &mut update) },
                _ => {
                    // The text bit without a text: the runtime reads it as no text.
                    update.mask |= SYNCMGRPROGRESSITEM_STATUSTEXT;
                    // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
                    let hr = unsafe { (v.Progress)(cb, &id, &mut update) };
                    assert!(hr.is_ok(), "{op:?}: {hr:?}");
                    let mut t = tally.lock().unwrap();
                    t.progress[0] += 1;
                    t.contract_breaks += 1;
                    return;
                }
            };
            assert!(hr.is_err(), "a malformed Progress accepted: {op:?}");
            tally.lock().unwrap().contract_breaks += 1;
        }
        Op::Completed(which, code) => {
            let hr = hresult(*code);
            // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
            let answer = unsafe {
                match which % 3 {
                    0 => (v.PrepareForSyncCompleted)(cb, hr),
                    1 => (v.SynchronizeCompleted)(cb, hr),
                    _ => (v.ShowPropertiesCompleted)(cb, hr),
                }
            };
            count_completion(answer, tally);
        }
        Op::ShowErrorCompleted(code, count) => {
            let mut ids = [ITEMS[0], UNKNOWN_ITEM];
            let answer = match count % 3 {
                // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
                0 => unsafe { (v.ShowErrorCompleted)(cb, hresult(*code), 0, ptr::null_mut()) },
                // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
                1 => unsafe { (v.ShowErrorCompleted)(cb, hresult(*code), 2, ids.as_mut_ptr()) },
                _ => {
                    let hr =
                        // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
                        unsafe { (v.ShowErrorCompleted)(cb, hresult(*code), 3, ptr::null_mut()) };
                    assert!(hr.is_err(), "a count without an array accepted");
                    tally.lock().unwrap().contract_breaks += 1;
                    return;
                }
            };
            count_completion(answer, tally);
        }
        Op::LogError(level, text_selector, info_selector) => {
            let text = text(*text_selector).unwrap_or_else(|| vec![u16::from(b'e'), 0]);
            let mut info = SYNCMGRLOGERRORINFO {
                cbSize: size_of::<SYNCMGRLOGERRORINFO>() as u32,
                mask: u32::from(info_selector & 7),
                dwSyncMgrErrorFlags: 0,
                ErrorID: GUID::from_u128(u128::from(*info_selector % 4)),
                ItemID: item(info_selector % 4),
            };
            let info_ptr = if info_selector & 8 == 0 {
                ptr::null_mut()
            } else {
                &mut info
            };
            // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
            let hr = unsafe { (v.LogError)(cb, *level, text.as_ptr(), info_ptr) };
            let mut t = tally.lock().unwrap();
            if hr == S_OK {
                assert!((1..=3).contains(level), "LogError level {level} accepted");
                t.logged += 1;
            } else {
                assert!(!(1..=3).contains(level), "{op:?}: {hr:?}");
                t.refused_log_levels += 1;
            }
        }
        Op::LogErrorNullText => {
            // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
            let hr = unsafe { (v.LogError)(cb, 3, ptr::null(), ptr::null_mut()) };
            assert!(hr.is_err(), "LogError without a text accepted");
            tally.lock().unwrap().contract_breaks += 1;
        }
        Op::DeleteLogError(id) => {
            let id = GUID::from_u128(u128::from(id % 4));
            // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
            let hr = unsafe { (v.DeleteLogError)(cb, &id, 0) };
            assert!(hr == S_OK || hr == E_INVALIDARG, "{op:?}: {hr:?}");
        }
        Op::EnableModeless(enable) => {
            // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
            let hr = unsafe { (v.EnableModeless)(cb, i32::from(*enable)) };
            assert_eq!(hr, S_OK);
        }
        Op::EstablishConnection(named) => {
            let name = [u16::from(b'n'), 0];
            let name = if *named { name.as_ptr() } else { ptr::null() };
            // SAFETY: `cb` is the host's lent callback, never freed; the arguments are locals alive for the call (or nulls the runtime must refuse).
            let hr = unsafe { (v.EstablishConnection)(cb, name, 0) };
            assert_eq!(hr, S_OK);
        }
        Op::Thread(ops) => {
            let ops = ops.clone();
            let tally = Arc::clone(tally);
            let cb = SendPtr(cb);
            std::thread::spawn(move || {
                let cb = cb;
                run_ops(cb.0, &ops, &tally)
            })
            .join()
            .expect("the handler's thread");
        }
    }
}

fn count_completion(answer: HRESULT, tally: &Arc<Mutex<Tally>>) {
    match answer {
        S_OK => {}
        E_UNEXPECTED => tally.lock().unwrap().unexpected_completions += 1,
        other => panic!("a completion answered {other:?}"),
    }
}

/// The fake behind `this`.
///
/// # Safety
///
/// `this` is a live fake handler (made by [`fake_source`]).
unsafe fn fake<'a>(this: *mut c_void) -> &'a Fake {
    // SAFETY: per the contract.
    unsafe { HandMade::<Fake>::from_raw(this) }.value()
}

// The slots of FAKE_VTBL: reached only through live fakes, whose caller (the host) holds a
// reference for the call.
unsafe extern "system" fn initialize(
    this: *mut c_void,
    _: u32,
    _: u32,
    _: u32,
    _: *const u8,
) -> HRESULT {
    // SAFETY: only FAKE_VTBL reaches this slot, with a live fake as `this` under the host's reference; the host's out-pointers are writable.
    unsafe { fake(this) }.initialize
}
unsafe extern "system" fn get_handler_info(
    _: *mut c_void,
    out: *mut LPSYNCMGRHANDLERINFO,
) -> HRESULT {
    let block = mobsync_runtime::task_mem::task_alloc(size_of::<SYNCMGRHANDLERINFO>())
        .expect("task memory")
        .cast::<SYNCMGRHANDLERINFO>();
    // SAFETY: only FAKE_VTBL reaches this slot, with a live fake as `this` under the host's reference; the host's out-pointers are writable.
    unsafe {
        block.as_ptr().write(HandlerInfo::new("Fuzzed").to_raw());
        *out = block.as_ptr();
    }
    S_OK
}
unsafe extern "system" fn enum_items(_: *mut c_void, out: *mut *mut c_void) -> HRESULT {
    let items: Vec<SyncItem> = ITEMS
        .iter()
        .enumerate()
        .map(|(n, id)| SyncItem::new(*id, format!("Item {n}")).checked(true))
        .collect();
    // SAFETY: only FAKE_VTBL reaches this slot, with a live fake as `this` under the host's reference; the host's out-pointers are writable.
    unsafe { *out = ItemEnumerator::new(items).into_interface().into_raw() };
    S_OK
}
unsafe extern "system" fn get_item_object(
    _: *mut c_void,
    _: REFSYNCMGRITEMID,
    _: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    // SAFETY: only FAKE_VTBL reaches this slot, with a live fake as `this` under the host's reference; the host's out-pointers are writable.
    unsafe { *ppv = ptr::null_mut() };
    E_NOTIMPL
}
unsafe extern "system" fn show_properties(_: *mut c_void, _: HWND, _: REFSYNCMGRITEMID) -> HRESULT {
    E_NOTIMPL
}
unsafe extern "system" fn set_progress_callback(this: *mut c_void, cb: *mut c_void) -> HRESULT {
    // SAFETY: only FAKE_VTBL reaches this slot, with a live fake as `this` under the host's reference; the host's out-pointers are writable.
    let me = unsafe { fake(this) };
    *me.callback.lock().unwrap() = cb as usize;
    me.tally.lock().unwrap().callback = cb as usize;
    if !cb.is_null() {
        run_ops(cb, &me.set_callback, &me.tally);
    }
    S_OK
}
unsafe extern "system" fn prepare_for_sync(
    this: *mut c_void,
    _: u32,
    _: *mut GUID,
    _: HWND,
    _: u32,
) -> HRESULT {
    // SAFETY: only FAKE_VTBL reaches this slot, with a live fake as `this` under the host's reference; the host's out-pointers are writable.
    let me = unsafe { fake(this) };
    let cb = *me.callback.lock().unwrap() as *mut c_void;
    if !cb.is_null() {
        run_ops(cb, &me.prepare.0, &me.tally);
    }
    me.prepare.1
}
unsafe extern "system" fn synchronize(this: *mut c_void, _: HWND) -> HRESULT {
    // SAFETY: only FAKE_VTBL reaches this slot, with a live fake as `this` under the host's reference; the host's out-pointers are writable.
    let me = unsafe { fake(this) };
    let cb = *me.callback.lock().unwrap() as *mut c_void;
    if !cb.is_null() {
        run_ops(cb, &me.synchronize.0, &me.tally);
    }
    me.synchronize.1
}
unsafe extern "system" fn set_item_status(_: *mut c_void, _: REFSYNCMGRITEMID, _: u32) -> HRESULT {
    S_OK
}
unsafe extern "system" fn show_error(_: *mut c_void, _: HWND, _: REFSYNCMGRITEMID) -> HRESULT {
    E_NOTIMPL
}

static FAKE_VTBL: ISyncMgrSynchronize_Vtbl = ISyncMgrSynchronize_Vtbl {
    base__: handmade::unknown::<Fake>(),
    Initialize: initialize,
    GetHandlerInfo: get_handler_info,
    EnumSyncMgrItems: enum_items,
    GetItemObject: get_item_object,
    ShowProperties: show_properties,
    SetProgressCallback: set_progress_callback,
    PrepareForSync: prepare_for_sync,
    Synchronize: synchronize,
    SetItemStatus: set_item_status,
    ShowError: show_error,
};

fn count(report: &HandlerReport, prefix: &str) -> usize {
    report
        .problems
        .iter()
        .filter(|p| p.starts_with(prefix))
        .count()
}

fn check(report: &HandlerReport, t: &Tally) {
    for (n, id) in ITEMS.iter().enumerate() {
        let calls = report
            .items
            .iter()
            .find(|i| i.id == *id)
            .map_or(0, |i| i.progress_calls);
        assert_eq!(
            calls, t.progress[n],
            "progress_calls of item {n}: {report:#?}"
        );
    }
    assert!(
        report.items.iter().all(|i| i.id != UNKNOWN_ITEM),
        "{report:#?}"
    );
    assert_eq!(report.errors.len(), t.logged as usize, "{report:#?}");
    let refused = count(report, "Progress for unknown item")
        + count(report, "Progress with an unknown SYNCMGRSTATUS");
    assert_eq!(
        refused, t.refused_progress as usize,
        "refused Progress calls: {report:#?}"
    );
    let breaks = report
        .problems
        .iter()
        .filter(|p| {
            p.contains(" refused: ") || p.starts_with("Progress: SYNCMGRPROGRESSITEM_STATUSTEXT")
        })
        .count();
    assert_eq!(
        breaks, t.contract_breaks as usize,
        "contract breaks: {report:#?}"
    );
    for (n, id) in ITEMS.iter().enumerate() {
        let prefix = format!("Progress for item {}:", guid_string(id));
        let reported = report
            .problems
            .iter()
            .filter(|p| p.starts_with(&prefix) && p.ends_with("shown clamped"))
            .count();
        assert_eq!(
            reported,
            usize::from(t.out_of_range[n]),
            "item {n}: {report:#?}"
        );
    }
    let levels = count(report, "LogError with an unknown SYNCMGRLOGLEVEL");
    assert_eq!(levels, t.refused_log_levels as usize, "{report:#?}");
    let completions = report
        .problems
        .iter()
        .filter(|p| p.contains("Completed called"))
        .count();
    assert_eq!(
        completions, t.unexpected_completions as usize,
        "{report:#?}"
    );
    let over: Vec<&String> = report
        .problems
        .iter()
        .filter(|p| p.contains("over-release"))
        .collect();
    if t.over_releases == 0 {
        assert!(over.is_empty(), "{report:#?}");
    } else {
        assert_eq!(over.len(), 1, "{report:#?}");
        assert!(
            over[0].contains(&format!(" {} time(s) more", t.over_releases)),
            "{over:?}"
        );
    }
    for item in report.items.iter().filter(|i| i.selected) {
        assert!(
            item.status.is_final() || item.status == ItemStatus::Skipped,
            "{item:?}"
        );
    }
    serde_json::to_string(report).expect("the report serializes");
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let initialize = match input.byte() % 8 {
        0 => S_FALSE,
        1 => E_FAIL,
        _ => S_OK,
    };
    let set_callback = read_ops(&mut input, 4, 0);
    let prepare = (read_ops(&mut input, 8, 0), hresult(input.byte() & 3));
    let synchronize = (read_ops(&mut input, 16, 0), hresult(input.byte() & 3));
    let after = read_ops(&mut input, 4, 1);

    let tally = Arc::new(Mutex::new(Tally::default()));
    LIVE.fetch_add(1, Ordering::SeqCst);
    let raw = HandMade::create(
        &FAKE_VTBL,
        IID_ISyncMgrSynchronize,
        Fake {
            set_callback,
            prepare,
            synchronize,
            initialize,
            callback: Mutex::new(0),
            tally: Arc::clone(&tally),
        },
    );
    // SAFETY: `raw` is a new fake with one reference, handed to the IUnknown; its vtable begins
    // with IUnknown's slots.
    let unknown = unsafe { IUnknown::from_raw(raw) };
    let handler =
        InProcessHandler::new(CLSID, unknown).expect("the fake answers ISyncMgrSynchronize");
    let options = SyncOptions {
        items: ItemSelection::All,
        ..SyncOptions::default()
    }
    .with_timeouts(LIMIT);
    let started = Instant::now();
    let report = Host::new(options).sync(vec![HandlerSource::Instance(handler)]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "the sync took {took:?}");
    assert_eq!(report.handlers.len(), 1);
    assert_eq!(
        LIVE.load(Ordering::SeqCst),
        0,
        "the host released the handler"
    );
    let t = std::mem::take(&mut *tally.lock().unwrap());
    check(&report.handlers[0], &t);

    // A handler that kept the pointer (as a buggy one might): after the sync every call on it
    // is answered, with RPC_E_DISCONNECTED, and its count still cannot free anything.
    if t.callback != 0 {
        for op in &after {
            call_after(t.callback as *mut c_void, op);
        }
    }
});

/// One call on the host's callback after the sync.
fn call_after(cb: *mut c_void, op: &Op) {
    // SAFETY: `cb` is the host's lent callback, which lives for the whole process; the
    // arguments are valid locals (the lent object answers before looking at them anyway).
    let v = unsafe { raw::vtbl::<CallbackVtbl>(cb) };
    let mut update = SYNCMGRPROGRESSITEM {
        cbSize: size_of::<SYNCMGRPROGRESSITEM>() as u32,
        mask: SYNCMGRPROGRESSITEM_STATUSTYPE,
        lpcStatusText: ptr::null(),
        dwStatusType: 2,
        iProgValue: 0,
        iMaxValue: 0,
    };
    let text = [u16::from(b't'), 0];
    let id = ITEMS[0];
    // SAFETY: as above.
    let hr = unsafe {
        match op {
            Op::AddRef => {
                raw::add_ref(cb);
                return;
            }
            Op::Release => {
                raw::release(cb);
                return;
            }
            Op::QueryInterface(_) => {
                let (hr, _) = raw::query(cb, &IID_ISyncMgrSynchronizeCallback);
                assert_eq!(hr, S_OK, "QueryInterface answers after the sync too");
                return;
            }
            Op::Progress(..) | Op::BadProgress(_) => (v.Progress)(cb, &id, &mut update),
            Op::Completed(..) => (v.SynchronizeCompleted)(cb, S_OK),
            Op::ShowErrorCompleted(..) => (v.ShowErrorCompleted)(cb, S_OK, 0, ptr::null_mut()),
            Op::LogError(..) | Op::LogErrorNullText => {
                (v.LogError)(cb, 3, text.as_ptr(), ptr::null_mut())
            }
            Op::DeleteLogError(_) => (v.DeleteLogError)(cb, &id, 0),
            Op::EnableModeless(_) => (v.EnableModeless)(cb, 1),
            Op::EstablishConnection(_) | Op::Thread(_) => {
                (v.EstablishConnection)(cb, text.as_ptr(), 0)
            }
        }
    };
    assert_eq!(hr, RPC_E_DISCONNECTED, "{op:?} after the sync");
}
