//! Handlers that misbehave: never complete, hang inside a call, panic. Each is reported; the
//! others in the same sync go on and finish; nothing hangs.

mod common;

use std::time::{Duration, Instant};

use common::{Finish, Script, source};
use mobsync_host::model::{HandlerOutcome, ItemStatus, Phase};
use mobsync_host::{Host, SyncOptions};

fn short() -> SyncOptions {
    SyncOptions {
        sync_timeout: Duration::from_millis(400),
        prepare_timeout: Duration::from_millis(400),
        ..SyncOptions::default()
    }
}

#[test]
fn a_handler_that_never_completes_times_out_and_others_finish() {
    let (never, _p1) = source(Script {
        sync: Finish::Never,
        ..Script::default()
    });
    let (good, _p2) = source(Script {
        sync: Finish::Async(20),
        ..Script::default()
    });
    let started = Instant::now();
    let report = Host::new(short()).sync(vec![never, good]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        report.handlers[0].outcome,
        HandlerOutcome::TimedOut {
            phase: Phase::Synchronize,
            waited_ms: 400
        }
    );
    assert!(
        report.handlers[0]
            .items
            .iter()
            .all(|i| i.status != ItemStatus::Pending)
    );
    assert_eq!(report.handlers[1].outcome, HandlerOutcome::Completed);
    assert!(report.handlers[1].succeeded());
    assert!(!report.succeeded());
}

#[test]
fn a_call_that_never_returns_is_abandoned() {
    let (hang, probe) = source(Script {
        sync: Finish::Hang,
        ..Script::default()
    });
    let (good, _p2) = source(Script::default());
    let started = Instant::now();
    let report = Host::new(short()).sync(vec![hang, good]);
    let waited = started.elapsed();
    probe.release(); // let the abandoned thread finish
    assert!(waited < Duration::from_secs(10), "took {waited:?}");
    match &report.handlers[0].outcome {
        HandlerOutcome::TimedOut {
            phase: Phase::Synchronize,
            ..
        } => {}
        other => panic!("expected a timeout in Synchronize, got {other:?}"),
    }
    assert!(
        report.handlers[0]
            .problems
            .iter()
            .any(|p| p.contains("abandoned")),
        "{:?}",
        report.handlers[0].problems
    );
    assert!(report.handlers[1].succeeded());
}

#[test]
fn a_panicking_handler_is_reported_and_others_continue() {
    let (panics, _p1) = source(Script {
        sync: Finish::Panic,
        ..Script::default()
    });
    let (good, _p2) = source(Script::default());
    let report = Host::new(short()).sync(vec![panics, good]);
    match &report.handlers[0].outcome {
        HandlerOutcome::Failed {
            phase: Phase::Synchronize,
            hresult,
            ..
        } => assert_eq!(hresult, "0x8000FFFF"),
        other => panic!("expected E_UNEXPECTED from Synchronize, got {other:?}"),
    }
    assert_eq!(
        report.handlers[0].leaked,
        Some(false),
        "the panicking handler was still released"
    );
    assert!(report.handlers[1].succeeded());
}

#[test]
fn a_panic_in_prepare_stops_before_synchronize() {
    let (panics, _p) = source(Script {
        prepare: Finish::Panic,
        ..Script::default()
    });
    let report = Host::new(short()).sync(vec![panics]);
    assert!(matches!(
        report.handlers[0].outcome,
        HandlerOutcome::Failed {
            phase: Phase::Prepare,
            ..
        }
    ));
}

#[test]
fn prepare_never_completing_times_out() {
    let (never, _p) = source(Script {
        prepare: Finish::Never,
        ..Script::default()
    });
    let report = Host::new(short()).sync(vec![never]);
    assert!(matches!(
        report.handlers[0].outcome,
        HandlerOutcome::TimedOut {
            phase: Phase::Prepare,
            ..
        }
    ));
}
