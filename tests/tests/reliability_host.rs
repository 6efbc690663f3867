//! mobsync-host against rogue handlers: undocumented HRESULTs (success and failure codes from
//! calls and completions), completions that come twice, for the wrong call, late (after the host
//! gave up and released the handler) or from other threads, calls that hang, and junk progress.
//! Each is reported in the handler's report; none takes the host down, and a well-behaved
//! handler in the same sync always finishes.
//!
//! The rogue handler is written by hand against `mobsync_runtime::sys` (a static vtable, no
//! derive), so it can return anything; the well-behaved one is `common`'s scriptable handler.
//! `host_faults.rs`/`host_protocol.rs` cover derived handlers that panic, never complete, hang in
//! `Synchronize` or complete twice with `S_OK`, and how the code passed to `SynchronizeCompleted`
//! shows in the report and its JSON form.

mod common;

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mobsync_host::model::{HandlerOutcome, HandlerReport, ItemStatus, Phase};
use mobsync_host::{HandlerSource, Host, InProcessHandler, ItemSelection, SyncOptions};
use mobsync_runtime::hresults::{E_FAIL, E_NOTIMPL, S_OK};
use mobsync_runtime::sys::{
    HWND, IID_ISyncMgrSynchronize, ISyncMgrSynchronize_Vtbl, ISyncMgrSynchronizeCallback_Vtbl,
    LPSYNCMGRHANDLERINFO, REFSYNCMGRITEMID, SYNCMGRHANDLERINFO, SYNCMGRLOGERRORINFO,
    SYNCMGRPROGRESSITEM, SYNCMGRPROGRESSITEM_STATUSTYPE, SYNCMGRSTATUS_SUCCEEDED,
};
use mobsync_runtime::{HandlerInfo, ItemEnumerator, SyncItem};
use mobsync_test_support::handmade::{self, HandMade};
use mobsync_test_support::{SendPtr, raw};
use windows_core::{GUID, HRESULT, IUnknown, Interface};

type CallbackVtbl = ISyncMgrSynchronizeCallback_Vtbl;

const ROGUE: GUID = GUID::from_u128(0x0bad_0000_0000_4000_8000_0000_0000_0001);
const ITEM_1: GUID = GUID::from_u128(0x0bad_0000_0000_4000_8000_0000_0000_0011);
const ITEM_2: GUID = GUID::from_u128(0x0bad_0000_0000_4000_8000_0000_0000_0012);
const NOT_AN_ITEM: GUID = GUID::from_u128(0x0bad_0000_0000_4000_8000_0000_0000_00ff);
/// Success codes no Sync Manager method documents.
const ODD_SUCCESS: HRESULT = HRESULT(0x0000_0002);
const ODD_SUCCESS_2: HRESULT = HRESULT(0x0004_0abc);
/// A failure code no Sync Manager method documents.
const ODD_FAILURE: HRESULT = HRESULT(0x8bad_f00d_u32 as i32);

// ----- the rogue handler ----------------------------------------------------------------------

/// How a completion callback is (mis)used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Finish {
    /// Called once with this code before the call returns.
    With(HRESULT),
    /// Called twice, with the two codes.
    Twice(HRESULT, HRESULT),
    /// The other completion is called instead (e.g. `SynchronizeCompleted` during
    /// `PrepareForSync`), then never the right one.
    Wrong,
    /// From another thread after this many milliseconds (after the host's timeout), with `S_OK`;
    /// the thread then keeps calling the callback for a while.
    Late(u64),
}

/// What the rogue handler does in each call.
#[derive(Clone, Copy, Debug)]
struct Script {
    initialize: HRESULT,
    set_callback: HRESULT,
    prepare: HRESULT,
    prepare_done: Finish,
    synchronize: HRESULT,
    sync_done: Finish,
    /// Junk `Progress`/`LogError` calls during `Synchronize`.
    junk_progress: bool,
    /// `Initialize` blocks until the test opens the gate.
    hang_in_initialize: bool,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            initialize: S_OK,
            set_callback: S_OK,
            prepare: S_OK,
            prepare_done: Finish::With(S_OK),
            synchronize: S_OK,
            sync_done: Finish::With(S_OK),
            junk_progress: false,
            hang_in_initialize: false,
        }
    }
}

/// What the test learns from the rogue handler.
#[derive(Default)]
struct Probe {
    /// HRESULTs the host's callback returned to the rogue's late calls.
    late_answers: Mutex<Vec<HRESULT>>,
    late_threads: Mutex<Vec<JoinHandle<()>>>,
    gate: Mutex<bool>,
    opened: Condvar,
    released: AtomicU32,
}

impl Probe {
    fn open_gate(&self) {
        *self.gate.lock().unwrap() = true;
        self.opened.notify_all();
    }
    fn wait_gate(&self) {
        let mut open = self.gate.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
    }
    /// Waits for the rogue's late threads (they hold their own references).
    fn join_late(&self) {
        let threads = std::mem::take(&mut *self.late_threads.lock().unwrap());
        for thread in threads {
            thread.join().expect("a late caller thread panicked");
        }
    }
}

/// A rogue handler: the value of a hand-written object (`HandMade<Rogue>`) whose vtable is
/// [`ROGUE_VTBL`].
struct Rogue {
    script: Script,
    probe: Arc<Probe>,
    /// The host's callback, with a reference of ours (null before `SetProgressCallback`).
    callback: Mutex<usize>,
}

/// The last release of the rogue lets go of the host's callback and tells the probe.
impl Drop for Rogue {
    fn drop(&mut self) {
        let cb = self.callback();
        if !cb.is_null() {
            // SAFETY: the stored callback carries the reference `set_progress_callback` took,
            // which keeps it alive until this, its one release.
            unsafe { raw::release(cb) };
        }
        self.probe.released.fetch_add(1, Ordering::SeqCst);
    }
}

/// The rogue behind `this`.
///
/// # Safety
///
/// `this` is a live rogue handler (made by [`rogue_source`]) and stays alive for `'a`.
unsafe fn rogue<'a>(this: *mut c_void) -> &'a Rogue {
    // SAFETY: per the contract; `rogue_source` makes every rogue with `HandMade::<Rogue>`.
    unsafe { HandMade::<Rogue>::from_raw(this) }.value()
}

impl Rogue {
    fn callback(&self) -> *mut c_void {
        *self.callback.lock().unwrap() as *mut c_void
    }

    /// Runs a completion as scripted. `prepare` selects which one is "right".
    fn finish(&self, this: *mut c_void, finish: Finish, prepare: bool) {
        let cb = self.callback();
        assert!(!cb.is_null(), "SetProgressCallback came first");
        // SAFETY: `cb` is the host's callback, kept alive by the reference the rogue holds (the
        // rogue itself is alive: this runs inside one of its calls); completions take an HRESULT.
        let call = move |which_prepare: bool, hr: HRESULT| unsafe {
            let v = raw::vtbl::<CallbackVtbl>(cb);
            if which_prepare {
                (v.PrepareForSyncCompleted)(cb, hr)
            } else {
                (v.SynchronizeCompleted)(cb, hr)
            }
        };
        match finish {
            Finish::With(hr) => {
                let _ = call(prepare, hr);
            }
            Finish::Twice(first, second) => {
                let _ = call(prepare, first);
                let _ = call(prepare, second);
            }
            Finish::Wrong => {
                let _ = call(!prepare, S_OK);
            }
            Finish::Late(ms) => {
                // The thread owns a reference to the rogue (and so to the callback).
                // SAFETY: `this` is the live rogue, inside one of its own calls.
                unsafe { raw::add_ref(this) };
                let this = SendPtr(this);
                let probe = Arc::clone(&self.probe);
                let thread = std::thread::spawn(move || {
                    let this = this;
                    std::thread::sleep(Duration::from_millis(ms));
                    // SAFETY: the reference added above keeps the rogue alive until the release
                    // at the end of this thread.
                    let me = unsafe { rogue(this.0) };
                    let cb = me.callback();
                    let mut answers = Vec::new();
                    // SAFETY: the live rogue holds a reference to the callback `cb` (the host
                    // gave up on the session, but the callback object lives on while referenced);
                    // the completions take an HRESULT and `progress` builds its own item.
                    unsafe {
                        let v = raw::vtbl::<CallbackVtbl>(cb);
                        answers.push(if prepare {
                            (v.PrepareForSyncCompleted)(cb, S_OK)
                        } else {
                            (v.SynchronizeCompleted)(cb, S_OK)
                        });
                        // Keep talking after the host is long done with this handler.
                        for _ in 0..3 {
                            std::thread::sleep(Duration::from_millis(50));
                            answers.push(progress(cb, &ITEM_1, SYNCMGRSTATUS_SUCCEEDED.0 as u32));
                            answers.push((v.SynchronizeCompleted)(cb, S_OK));
                        }
                    }
                    probe.late_answers.lock().unwrap().extend(answers);
                    // SAFETY: gives up the reference added for this thread; nothing here uses
                    // the rogue afterwards.
                    unsafe { raw::release(this.0) };
                });
                self.probe.late_threads.lock().unwrap().push(thread);
            }
        }
    }
}

/// `Progress(item, {cbSize, STATUSTYPE, status})` on the host's callback.
///
/// # Safety
///
/// `cb` is a live `ISyncMgrSynchronizeCallback` pointer.
unsafe fn progress(cb: *mut c_void, item: &GUID, status: u32) -> HRESULT {
    let mut update = SYNCMGRPROGRESSITEM {
        cbSize: size_of::<SYNCMGRPROGRESSITEM>() as u32,
        mask: SYNCMGRPROGRESSITEM_STATUSTYPE,
        lpcStatusText: ptr::null(),
        dwStatusType: status,
        iProgValue: 0,
        iMaxValue: 0,
    };
    // SAFETY: `cb` is live per the contract; `item` and `update` are valid for the call.
    unsafe { (raw::vtbl::<CallbackVtbl>(cb).Progress)(cb, item, &mut update) }
}

unsafe extern "system" fn initialize(
    this: *mut c_void,
    _: u32,
    _: u32,
    _: u32,
    _: *const u8,
) -> HRESULT {
    // SAFETY: the slots of ROGUE_VTBL are reached only through live rogues, whose caller holds a
    // reference for the call (the same holds in every slot below).
    let me = unsafe { rogue(this) };
    if me.script.hang_in_initialize {
        me.probe.wait_gate();
    }
    me.script.initialize
}
unsafe extern "system" fn get_handler_info(
    _: *mut c_void,
    out: *mut LPSYNCMGRHANDLERINFO,
) -> HRESULT {
    let info = HandlerInfo::new("Rogue").to_raw();
    let block = mobsync_runtime::task_mem::task_alloc(size_of::<SYNCMGRHANDLERINFO>())
        .expect("task memory")
        .cast::<SYNCMGRHANDLERINFO>();
    // SAFETY: `block` is fresh task memory of the structure's size (task_alloc aligns for any
    // structure), and the host passes a writable out pointer.
    unsafe {
        block.as_ptr().write(info);
        *out = block.as_ptr();
    }
    S_OK
}
unsafe extern "system" fn enum_items(_: *mut c_void, out: *mut *mut c_void) -> HRESULT {
    let items = ItemEnumerator::new(vec![
        SyncItem::new(ITEM_1, "One").checked(true),
        SyncItem::new(ITEM_2, "Two").checked(true),
    ]);
    // SAFETY: the host passes a writable out pointer; the enumerator's reference goes with it.
    unsafe { *out = items.into_interface().into_raw() };
    S_OK
}
unsafe extern "system" fn get_item_object(
    _: *mut c_void,
    _: REFSYNCMGRITEMID,
    _: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    // SAFETY: the host passes a writable out pointer.
    unsafe { *ppv = ptr::null_mut() };
    E_NOTIMPL
}
unsafe extern "system" fn show_properties(_: *mut c_void, _: HWND, _: REFSYNCMGRITEMID) -> HRESULT {
    E_NOTIMPL
}
unsafe extern "system" fn set_progress_callback(this: *mut c_void, cb: *mut c_void) -> HRESULT {
    // SAFETY: a live rogue (see `initialize`).
    let me = unsafe { rogue(this) };
    if !cb.is_null() {
        // SAFETY: a non-null callback is live for this call; the reference taken here is the
        // rogue's, stored below.
        unsafe { raw::add_ref(cb) };
    }
    let old = std::mem::replace(&mut *me.callback.lock().unwrap(), cb as usize) as *mut c_void;
    if !old.is_null() {
        // SAFETY: the replaced callback carries the reference taken when it was stored.
        unsafe { raw::release(old) };
    }
    me.script.set_callback
}
unsafe extern "system" fn prepare_for_sync(
    this: *mut c_void,
    _: u32,
    _: *mut GUID,
    _: HWND,
    _: u32,
) -> HRESULT {
    // SAFETY: a live rogue (see `initialize`).
    let me = unsafe { rogue(this) };
    if me.script.prepare.is_ok() {
        me.finish(this, me.script.prepare_done, true);
    }
    me.script.prepare
}
unsafe extern "system" fn synchronize(this: *mut c_void, _: HWND) -> HRESULT {
    // SAFETY: a live rogue (see `initialize`).
    let me = unsafe { rogue(this) };
    let cb = me.callback();
    if me.script.junk_progress {
        // SAFETY: the rogue holds a reference to the callback `cb` (the scripts with junk
        // progress let SetProgressCallback succeed); the junk is in the values (an unknown item,
        // status or level, a missing progress item), never in the pointers, which are locals,
        // a NUL-terminated literal or the allowed nulls.
        unsafe {
            let v = raw::vtbl::<CallbackVtbl>(cb);
            // An item the host never enumerated, an undocumented status, no progress item at all,
            // an undocumented log level.
            let answers = [
                progress(cb, &NOT_AN_ITEM, SYNCMGRSTATUS_SUCCEEDED.0 as u32),
                progress(cb, &ITEM_1, 77),
                (v.Progress)(cb, &ITEM_2, ptr::null_mut()),
                (v.LogError)(
                    cb,
                    99,
                    [0x41u16, 0].as_ptr(),
                    ptr::null_mut::<SYNCMGRLOGERRORINFO>(),
                ),
            ];
            assert!(answers[0].is_err() && answers[1].is_err(), "{answers:?}");
        }
    }
    if !cb.is_null() && me.script.synchronize.is_ok() {
        // SAFETY: `cb` is non-null, so the rogue holds a reference to it.
        unsafe {
            assert_eq!(
                progress(cb, &ITEM_1, SYNCMGRSTATUS_SUCCEEDED.0 as u32),
                S_OK
            );
            assert_eq!(
                progress(cb, &ITEM_2, SYNCMGRSTATUS_SUCCEEDED.0 as u32),
                S_OK
            );
        }
    }
    if me.script.synchronize.is_ok() {
        me.finish(this, me.script.sync_done, false);
    }
    me.script.synchronize
}
unsafe extern "system" fn set_item_status(_: *mut c_void, _: REFSYNCMGRITEMID, _: u32) -> HRESULT {
    S_OK
}
unsafe extern "system" fn show_error(_: *mut c_void, _: HWND, _: REFSYNCMGRITEMID) -> HRESULT {
    E_NOTIMPL
}

static ROGUE_VTBL: ISyncMgrSynchronize_Vtbl = ISyncMgrSynchronize_Vtbl {
    base__: handmade::unknown::<Rogue>(),
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

/// A rogue handler for the host, and the probe to watch it with.
fn rogue_source(script: Script) -> (HandlerSource, Arc<Probe>) {
    let probe = Arc::new(Probe::default());
    let raw = HandMade::create(
        &ROGUE_VTBL,
        IID_ISyncMgrSynchronize,
        Rogue {
            script,
            probe: Arc::clone(&probe),
            callback: Mutex::new(0),
        },
    );
    // SAFETY: `raw` is a new rogue with one reference, handed over to the IUnknown; its vtable
    // begins with IUnknown's slots.
    let unknown = unsafe { IUnknown::from_raw(raw) };
    let handler =
        InProcessHandler::new(ROGUE, unknown).expect("the rogue answers ISyncMgrSynchronize");
    (HandlerSource::Instance(handler), probe)
}

// ----- a well-behaved handler --------------------------------------------------------------

/// The scriptable derived handler of `common`, completing `Synchronize` from another thread.
fn good_source() -> HandlerSource {
    let (source, _probe) = common::source(common::Script {
        sync: common::Finish::Async(10),
        ..common::Script::default()
    });
    source
}

// ----- running them ------------------------------------------------------------------------

fn options() -> SyncOptions {
    SyncOptions {
        items: ItemSelection::All,
        ..SyncOptions::default()
    }
    .with_timeouts(Duration::from_millis(500))
}

/// Syncs the rogue together with a good handler; checks the good one succeeded, nothing took
/// long, and the rogue was released. Returns the rogue's report.
fn run_with_good(script: Script) -> (HandlerReport, Arc<Probe>) {
    let (rogue, probe) = rogue_source(script);
    let started = Instant::now();
    let report = Host::new(options()).sync(vec![rogue, good_source()]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "the sync took {took:?}");
    let good = &report.handlers[1];
    assert_eq!(good.outcome, HandlerOutcome::Completed, "{good:?}");
    assert!(good.succeeded(), "the good handler was disturbed: {good:?}");
    (report.handlers[0].clone(), probe)
}

fn mentions(report: &HandlerReport, needle: &str) -> bool {
    report.problems.iter().any(|p| p.contains(needle))
        || match &report.outcome {
            HandlerOutcome::Failed {
                hresult, message, ..
            } => hresult.contains(needle) || message.contains(needle),
            _ => false,
        }
}

fn hex(hr: HRESULT) -> String {
    format!("0x{:08X}", hr.0 as u32)
}

#[test]
fn undocumented_failure_codes_fail_the_handler_with_that_code() {
    for (script, phase) in [
        (
            Script {
                initialize: ODD_FAILURE,
                ..Script::default()
            },
            Phase::Initialize,
        ),
        (
            Script {
                set_callback: ODD_FAILURE,
                ..Script::default()
            },
            Phase::SetCallback,
        ),
        (
            Script {
                prepare: ODD_FAILURE,
                ..Script::default()
            },
            Phase::Prepare,
        ),
        (
            Script {
                synchronize: ODD_FAILURE,
                ..Script::default()
            },
            Phase::Synchronize,
        ),
        (
            Script {
                prepare_done: Finish::With(ODD_FAILURE),
                ..Script::default()
            },
            Phase::Prepare,
        ),
    ] {
        let (report, probe) = run_with_good(script);
        match &report.outcome {
            HandlerOutcome::Failed {
                phase: p, hresult, ..
            } => {
                assert_eq!(*p, phase, "{script:?}");
                assert_eq!(hresult, &hex(ODD_FAILURE), "{script:?}");
            }
            other => panic!("{script:?}: expected a failure, got {other:?}"),
        }
        assert!(
            report
                .items
                .iter()
                .all(|i| i.status != ItemStatus::Succeeded),
            "{script:?}: no item may count as synchronized: {:?}",
            report.items
        );
        assert_eq!(
            probe.released.load(Ordering::SeqCst),
            1,
            "{script:?}: released"
        );
    }
}

#[test]
fn an_undocumented_failure_from_synchronize_completed_is_reported_with_its_code() {
    let (report, probe) = run_with_good(Script {
        sync_done: Finish::With(ODD_FAILURE),
        ..Script::default()
    });
    match &report.outcome {
        HandlerOutcome::Failed { phase, hresult, .. } => {
            assert_eq!(*phase, Phase::Synchronize);
            assert_eq!(hresult, &hex(ODD_FAILURE));
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(probe.released.load(Ordering::SeqCst), 1);
}

#[test]
fn undocumented_success_codes_are_reported() {
    for script in [
        Script {
            initialize: ODD_SUCCESS,
            ..Script::default()
        },
        Script {
            prepare: ODD_SUCCESS,
            ..Script::default()
        },
        Script {
            synchronize: ODD_SUCCESS_2,
            ..Script::default()
        },
        Script {
            prepare_done: Finish::With(ODD_SUCCESS),
            ..Script::default()
        },
        Script {
            sync_done: Finish::With(ODD_SUCCESS_2),
            ..Script::default()
        },
    ] {
        let (report, probe) = run_with_good(script);
        let code = [ODD_SUCCESS, ODD_SUCCESS_2]
            .into_iter()
            .map(hex)
            .find(|code| mentions(&report, code));
        assert!(
            code.is_some(),
            "{script:?}: the undocumented success code is not reported: {report:?}"
        );
        assert_eq!(probe.released.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn completions_twice_with_different_codes_or_for_the_wrong_call_are_reported() {
    let (report, _) = run_with_good(Script {
        sync_done: Finish::Twice(S_OK, E_FAIL),
        ..Script::default()
    });
    assert!(
        mentions(&report, "SynchronizeCompleted called 2 times"),
        "{report:?}"
    );
    let (report, _) = run_with_good(Script {
        prepare_done: Finish::Twice(E_FAIL, S_OK),
        ..Script::default()
    });
    assert!(
        mentions(&report, "PrepareForSyncCompleted called 2 times"),
        "{report:?}"
    );
    assert!(
        matches!(
            report.outcome,
            HandlerOutcome::Failed {
                phase: Phase::Prepare,
                ..
            }
        ),
        "the first completion counts: {report:?}"
    );

    // SynchronizeCompleted while the host waits for PrepareForSyncCompleted: reported, and
    // the wait for the right completion times out instead of hanging.
    let (report, _) = run_with_good(Script {
        prepare_done: Finish::Wrong,
        ..Script::default()
    });
    assert!(
        mentions(
            &report,
            "SynchronizeCompleted called while the host was not waiting"
        ),
        "{report:?}"
    );
    assert!(
        matches!(
            report.outcome,
            HandlerOutcome::TimedOut {
                phase: Phase::Prepare,
                ..
            }
        ),
        "{report:?}"
    );
}

#[test]
fn late_completions_after_the_host_gave_up_are_harmless() {
    let (rogue, probe) = rogue_source(Script {
        sync_done: Finish::Late(900),
        ..Script::default()
    });
    let started = Instant::now();
    let report = Host::new(options()).sync(vec![rogue, good_source()]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(
            report.handlers[0].outcome,
            HandlerOutcome::TimedOut {
                phase: Phase::Synchronize,
                ..
            }
        ),
        "{:?}",
        report.handlers[0]
    );
    assert!(report.handlers[1].succeeded());
    // The late thread calls the host's callback after the session ended: it gets answers (no
    // crash, no hang), then lets go of the handler, which is then destroyed.
    probe.join_late();
    let answers = probe.late_answers.lock().unwrap().clone();
    assert_eq!(answers.len(), 7, "{answers:?}");
    assert_eq!(
        probe.released.load(Ordering::SeqCst),
        1,
        "the rogue was destroyed"
    );
    // A second sync in the same process still works.
    let report = Host::new(options()).sync(vec![good_source()]);
    assert!(report.succeeded());
}

#[test]
fn junk_progress_and_log_calls_are_refused_and_reported() {
    let (report, _) = run_with_good(Script {
        junk_progress: true,
        ..Script::default()
    });
    assert_eq!(report.outcome, HandlerOutcome::Completed, "{report:?}");
    assert!(mentions(&report, "unknown item"), "{report:?}");
    assert!(mentions(&report, "unknown SYNCMGRSTATUS 77"), "{report:?}");
    assert!(
        mentions(&report, "unknown SYNCMGRLOGLEVEL 99"),
        "{report:?}"
    );
    assert!(
        report.succeeded(),
        "the real progress still counted: {report:?}"
    );
}

#[test]
fn a_handler_that_hangs_in_initialize_does_not_block_the_others() {
    let (rogue, probe) = rogue_source(Script {
        hang_in_initialize: true,
        ..Script::default()
    });
    let (second, probe2) = rogue_source(Script {
        sync_done: Finish::Late(5_000),
        ..Script::default()
    });
    let started = Instant::now();
    let report = Host::new(options()).sync(vec![rogue, second, good_source()]);
    let took = started.elapsed();
    probe.open_gate();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(
        matches!(
            report.handlers[0].outcome,
            HandlerOutcome::TimedOut {
                phase: Phase::Initialize,
                ..
            }
        ),
        "{:?}",
        report.handlers[0]
    );
    assert!(
        matches!(
            report.handlers[1].outcome,
            HandlerOutcome::TimedOut {
                phase: Phase::Synchronize,
                ..
            }
        ),
        "{:?}",
        report.handlers[1]
    );
    assert!(report.handlers[2].succeeded(), "{:?}", report.handlers[2]);
    probe2.join_late();
}
