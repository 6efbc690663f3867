//! mobsync-host driving in-process test handlers (built with our derive) through the whole
//! protocol: early and asynchronous completion, declining, double completion, re-enumeration,
//! and the code a handler passes to `SynchronizeCompleted`.

mod common;

use std::time::Duration;

use common::{Finish, Script, guid, source};
use mobsync_host::model::{HandlerOutcome, ItemStatus, Phase, SyncReport};
use mobsync_host::{Host, ItemSelection, SyncOptions};
use mobsync_runtime::hresults::S_OK;
use mobsync_runtime::sys::S_SYNCMGR_ITEMDELETED;
use windows_core::{GUID, HRESULT};

fn options() -> SyncOptions {
    SyncOptions::default().with_timeouts(Duration::from_secs(20))
}

#[test]
fn early_completion_runs_every_step() {
    let (src, probe) = source(Script::default());
    let report = Host::new(options()).sync(vec![src]);
    let handler = &report.handlers[0];
    assert_eq!(handler.outcome, HandlerOutcome::Completed, "{handler:#?}");
    assert_eq!(handler.name, "Test Handler");
    assert_eq!(handler.enumerations, 1);
    assert_eq!(handler.items.len(), 2);
    for item in &handler.items {
        assert!(item.selected && item.checked);
        assert_eq!(item.status, ItemStatus::Succeeded);
        assert_eq!(item.progress_calls, 2);
        assert_eq!((item.progress, item.max), (2, 2));
        assert_eq!(item.status_text.as_deref(), Some("done"));
    }
    assert!(handler.problems.is_empty(), "{:?}", handler.problems);
    assert_eq!(handler.leaked, Some(false));
    assert_eq!(
        probe.drops.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the handler was released"
    );
    assert!(report.succeeded());
}

#[test]
fn asynchronous_completion_from_other_threads() {
    let script = Script {
        prepare: Finish::Async(50),
        sync: Finish::Async(50),
        ..Script::default()
    };
    let (src, _probe) = source(script);
    let report = Host::new(options()).sync(vec![src]);
    let handler = &report.handlers[0];
    assert_eq!(handler.outcome, HandlerOutcome::Completed, "{handler:#?}");
    assert!(
        handler
            .items
            .iter()
            .all(|i| i.status == ItemStatus::Succeeded)
    );
    assert!(report.succeeded());
}

#[test]
fn declining_initialize_is_not_a_failure() {
    let (src, probe) = source(Script {
        decline: true,
        ..Script::default()
    });
    let report = Host::new(options()).sync(vec![src]);
    assert_eq!(report.handlers[0].outcome, HandlerOutcome::Declined);
    assert_eq!(
        probe.enumerations.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing after S_FALSE"
    );
    assert!(report.succeeded());
}

#[test]
fn completion_twice_is_reported_as_a_problem() {
    let script = Script {
        prepare: Finish::Twice,
        sync: Finish::Twice,
        ..Script::default()
    };
    let (src, _probe) = source(script);
    let report = Host::new(options()).sync(vec![src]);
    let handler = &report.handlers[0];
    assert_eq!(handler.outcome, HandlerOutcome::Completed);
    let doubles: Vec<_> = handler
        .problems
        .iter()
        .filter(|p| p.contains("2 times"))
        .collect();
    assert_eq!(doubles.len(), 2, "{:?}", handler.problems);
    assert!(
        doubles[0].contains("PrepareForSyncCompleted")
            && doubles[1].contains("SynchronizeCompleted")
    );
}

#[test]
fn enumitems_completion_makes_the_host_enumerate_again() {
    let script = Script {
        add_item_during_sync: Some((guid(3), "Third".into())),
        missing_on_second_enum: vec![guid(2)],
        ..Script::default()
    };
    let (src, probe) = source(script);
    let report = Host::new(options()).sync(vec![src]);
    let handler = &report.handlers[0];
    assert_eq!(handler.outcome, HandlerOutcome::Completed, "{handler:#?}");
    assert_eq!(handler.enumerations, 2);
    assert_eq!(
        probe.enumerations.load(std::sync::atomic::Ordering::SeqCst),
        2
    );
    let third = handler
        .items
        .iter()
        .find(|i| i.id == guid(3))
        .expect("the new item is listed");
    assert_eq!(
        (third.name.as_str(), third.selected, third.status),
        ("Third", false, ItemStatus::NotSelected)
    );
    // Item 2 was synchronized and then disappeared: its result stays.
    let second = handler.items.iter().find(|i| i.id == guid(2)).unwrap();
    assert_eq!(second.status, ItemStatus::Succeeded);
    assert!(report.succeeded());
}

#[test]
fn failed_completion_fails_the_handler() {
    let script = Script {
        sync_hr: mobsync_runtime::hresults::E_FAIL,
        ..Script::default()
    };
    let (src, _probe) = source(script);
    let report = Host::new(options()).sync(vec![src]);
    let handler = &report.handlers[0];
    assert!(
        matches!(handler.outcome, HandlerOutcome::Failed { .. }),
        "{:?}",
        handler.outcome
    );
    assert!(!report.succeeded());
}

#[test]
fn show_error_retry_synchronizes_the_failed_item_again() {
    let script = Script {
        fail_once_then_retry: true,
        ..Script::default()
    };
    let (src, probe) = source(script);
    let report = Host::new(SyncOptions {
        show_errors: true,
        ..options()
    })
    .sync(vec![src]);
    let handler = &report.handlers[0];
    assert_eq!(handler.outcome, HandlerOutcome::Completed, "{handler:#?}");
    assert_eq!(
        *probe.shown_errors.lock().unwrap(),
        vec![common::ERROR_ID],
        "{handler:#?}"
    );
    assert_eq!(handler.retries, 1);
    assert_eq!(
        probe.sync_rounds.load(std::sync::atomic::Ordering::SeqCst),
        2
    );
    assert_eq!(handler.errors.len(), 1);
    assert_eq!(handler.errors[0].error_id, Some(common::ERROR_ID));
    assert_eq!(handler.errors[0].item, Some(guid(1)));
    assert!(
        handler
            .items
            .iter()
            .all(|i| i.status == ItemStatus::Succeeded),
        "{:#?}",
        handler.items
    );
    assert!(report.succeeded());

    // Without --show-errors the failure stands.
    let (src, probe) = source(Script {
        fail_once_then_retry: true,
        ..Script::default()
    });
    let report = Host::new(options()).sync(vec![src]);
    assert!(probe.shown_errors.lock().unwrap().is_empty());
    assert_eq!(report.handlers[0].items[0].status, ItemStatus::Failed);
    assert!(!report.succeeded());
}

#[test]
fn show_properties_enumitems_makes_the_host_enumerate_before_preparing() {
    let script = Script {
        add_item_in_properties: Some((guid(9), "Ninth".into())),
        ..Script::default()
    };
    let (src, probe) = source(script);
    let options = SyncOptions {
        show_properties: Some(windows_core::GUID::zeroed()),
        ..options()
    };
    let report = Host::new(options).sync(vec![src]);
    let handler = &report.handlers[0];
    assert_eq!(handler.outcome, HandlerOutcome::Completed, "{handler:#?}");
    assert_eq!(
        *probe.shown_properties.lock().unwrap(),
        vec![windows_core::GUID::zeroed()]
    );
    assert_eq!(handler.enumerations, 2);
    let ninth = handler
        .items
        .iter()
        .find(|i| i.id == guid(9))
        .expect("enumerated again");
    assert!(ninth.selected, "the new checked item takes part");
    assert_eq!(ninth.status, ItemStatus::Succeeded);
}

#[test]
fn an_in_process_class_factory_is_a_handler_source() {
    let factory = mobsync_runtime::class_factory::<common::TestHandler>();
    let source = mobsync_host::HandlerSource::Factory(mobsync_host::InProcessFactory::new(
        common::test_clsid(),
        factory,
    ));
    let report = Host::new(options()).sync(vec![source]);
    let handler = &report.handlers[0];
    assert_eq!(handler.outcome, HandlerOutcome::Completed, "{handler:#?}");
    assert_eq!(handler.items.len(), 2);
    assert!(report.succeeded());
}

// ----- the code passed to SynchronizeCompleted ------------------------------------------------
//
// It reaches the report as is: a failure fails the run with that very HRESULT (in the report and
// its JSON form), and a success code that `SynchronizeCompleted` is not documented to take is
// reported as a problem without failing anything.

/// A success code no Sync Manager callback documents.
const ODD_SUCCESS: HRESULT = HRESULT(0x0004_0abc);
/// A failure code no Sync Manager method documents.
const ODD_FAILURE: HRESULT = HRESULT(0x8bad_f00d_u32 as i32);
/// The item the handler reports as succeeded.
const REPORTED: u128 = 1;
/// The item the handler leaves to the host.
const LEFT_OPEN: u128 = 2;

/// Syncs a handler that reports `REPORTED` as succeeded, leaves `LEFT_OPEN` to the host, then
/// passes `code` to `SynchronizeCompleted`.
fn sync_completing_with(code: HRESULT) -> SyncReport {
    let (src, _probe) = source(Script {
        items: vec![
            (guid(REPORTED), "Reported".into()),
            (guid(LEFT_OPEN), "Left open".into()),
        ],
        left_open: vec![guid(LEFT_OPEN)],
        sync_hr: code,
        ..Script::default()
    });
    let options = SyncOptions {
        items: ItemSelection::All,
        ..options()
    };
    Host::new(options).sync(vec![src])
}

fn status(report: &SyncReport, id: GUID) -> ItemStatus {
    report.handlers[0]
        .items
        .iter()
        .find(|i| i.id == id)
        .expect("the item is in the report")
        .status
}

#[test]
fn a_failure_passed_to_synchronize_completed_is_reported_with_its_own_code() {
    let report = sync_completing_with(ODD_FAILURE);
    let handler = &report.handlers[0];
    match &handler.outcome {
        HandlerOutcome::Failed {
            phase,
            hresult,
            message,
        } => {
            assert_eq!(*phase, Phase::Synchronize);
            assert_eq!(hresult, "0x8BADF00D");
            assert!(
                message.contains("SynchronizeCompleted reported a failure"),
                "{message}"
            );
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(!report.succeeded());
    // What the handler reported stands; what it left open failed with the sync.
    assert_eq!(status(&report, guid(REPORTED)), ItemStatus::Succeeded);
    assert_eq!(status(&report, guid(LEFT_OPEN)), ItemStatus::Failed);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["handlers"][0]["outcome"]["kind"], "failed");
    assert_eq!(json["handlers"][0]["outcome"]["phase"], "synchronize");
    assert_eq!(json["handlers"][0]["outcome"]["hresult"], "0x8BADF00D");
}

#[test]
fn an_undocumented_success_code_is_a_problem_but_fails_nothing() {
    let report = sync_completing_with(ODD_SUCCESS);
    let handler = &report.handlers[0];
    assert_eq!(handler.outcome, HandlerOutcome::Completed, "{handler:#?}");
    assert_eq!(status(&report, guid(REPORTED)), ItemStatus::Succeeded);
    assert_eq!(status(&report, guid(LEFT_OPEN)), ItemStatus::Succeeded);
    assert!(report.succeeded(), "{handler:#?}");
    assert_eq!(
        handler.problems,
        [
            "SynchronizeCompleted was called with the undocumented success code 0x00040ABC \
          (documented: S_OK, S_SYNCMGR_ENUMITEMS, S_SYNCMGR_ITEMDELETED); handled as S_OK"
        ],
    );
    let json = serde_json::to_value(&report).unwrap();
    let problems = json["handlers"][0]["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.as_str().unwrap().contains("0x00040ABC")),
        "{problems:?}"
    );
}

#[test]
fn documented_completion_codes_are_not_problems() {
    for code in [S_OK, S_SYNCMGR_ITEMDELETED] {
        let report = sync_completing_with(code);
        let handler = &report.handlers[0];
        assert_eq!(handler.outcome, HandlerOutcome::Completed, "{handler:#?}");
        assert!(
            handler.problems.is_empty(),
            "{code:?}: {:?}",
            handler.problems
        );
        assert!(report.succeeded());
    }
}
