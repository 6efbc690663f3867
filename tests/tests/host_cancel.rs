//! Cancelling through the protocol: one item (S_SYNCMGR_CANCELITEM + SetItemStatus(SKIPPED)) and
//! everything (S_SYNCMGR_CANCELALL).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Finish, Script, Work, guid, source};
use mobsync_host::model::{HandlerOutcome, ItemStatus};
use mobsync_host::{CancelHandle, EventSink, Host, HostEvent, SyncOptions};
use mobsync_runtime::ProgressResponse;
use mobsync_runtime::sys::SYNCMGRSTATUS_SKIPPED;

/// Cancels (once) when the first progress report for `trigger` arrives.
struct CancelOnProgress {
    handle: Mutex<Option<CancelHandle>>,
    trigger: windows_core::GUID,
    all: bool,
}

impl EventSink for CancelOnProgress {
    fn event(&self, event: HostEvent) {
        if let HostEvent::ItemProgress { item, .. } = event
            && item == self.trigger
            && let Some(handle) = self.handle.lock().unwrap().take()
        {
            if self.all {
                handle.cancel_all()
            } else {
                handle.cancel_item(item)
            }
        }
    }
}

fn run(all: bool) -> (mobsync_host::model::HandlerReport, Arc<common::Probe>) {
    let script = Script {
        sync: Finish::Async(0),
        work: Work::UntilCancelled,
        ..Script::default()
    };
    let (src, probe) = source(script);
    let sink = Arc::new(CancelOnProgress {
        handle: Mutex::new(None),
        trigger: guid(1),
        all,
    });
    let host = Host::new(SyncOptions::default().with_timeouts(Duration::from_secs(20)))
        .with_events(sink.clone());
    *sink.handle.lock().unwrap() = Some(host.cancel_handle());
    let mut report = host.sync(vec![src]);
    (report.handlers.remove(0), probe)
}

#[test]
fn cancelling_one_item_skips_it_and_the_rest_goes_on() {
    let (report, probe) = run(false);
    assert_eq!(report.outcome, HandlerOutcome::Completed, "{report:#?}");
    let first = &report.items[0];
    assert!(first.cancelled);
    assert_eq!(first.status, ItemStatus::Skipped);
    assert_eq!(report.items[1].status, ItemStatus::Succeeded);
    assert!(!report.items[1].cancelled);
    // Both protocol paths: the Progress answer and SetItemStatus(SKIPPED).
    assert!(
        probe
            .responses_for(guid(1))
            .contains(&ProgressResponse::CancelItem)
    );
    assert!(!probe.responses_for(guid(2)).iter().any(|r| r.is_cancel()));
    assert_eq!(
        *probe.set_status.lock().unwrap(),
        vec![(guid(1), SYNCMGRSTATUS_SKIPPED.0 as u32)]
    );
    assert!(!report.succeeded());
}

#[test]
fn cancelling_everything_skips_every_item() {
    let (report, probe) = run(true);
    assert!(
        report
            .items
            .iter()
            .all(|i| i.cancelled && i.status == ItemStatus::Skipped),
        "{report:#?}"
    );
    assert!(
        probe
            .responses_for(guid(1))
            .contains(&ProgressResponse::CancelAll)
    );
    let skipped: Vec<_> = probe
        .set_status
        .lock()
        .unwrap()
        .iter()
        .map(|(id, _)| *id)
        .collect();
    assert!(
        skipped.contains(&guid(1)) && skipped.contains(&guid(2)),
        "{skipped:?}"
    );
    assert!(!report.succeeded());
}

#[test]
fn cancel_items_answer_the_items_progress_like_sync_managers_dialog() {
    let script = Script {
        sync: Finish::Async(0),
        work: Work::UntilCancelled,
        ..Script::default()
    };
    let (src, probe) = source(script);
    let options = SyncOptions {
        cancel_items: vec!["First".into(), "No such item".into()],
        // Cancelling one item must not cut the others' time to the cancel grace.
        cancel_grace: Duration::from_millis(50),
        ..SyncOptions::default().with_timeouts(Duration::from_secs(20))
    };
    let report = Host::new(options).sync(vec![src]).handlers.remove(0);
    assert_eq!(report.outcome, HandlerOutcome::Completed, "{report:#?}");
    assert!(report.items[0].cancelled);
    assert_eq!(report.items[0].status, ItemStatus::Skipped);
    assert_eq!(report.items[1].status, ItemStatus::Succeeded, "{report:#?}");
    assert_eq!(
        probe.responses_for(guid(1)).first(),
        Some(&ProgressResponse::CancelItem),
        "the item's first Progress is answered with S_SYNCMGR_CANCELITEM"
    );
    assert!(!probe.responses_for(guid(2)).iter().any(|r| r.is_cancel()));
    assert_eq!(
        *probe.set_status.lock().unwrap(),
        vec![(guid(1), SYNCMGRSTATUS_SKIPPED.0 as u32)]
    );
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
