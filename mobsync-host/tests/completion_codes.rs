//! The code a handler passes to `SynchronizeCompleted` reaches the report as is: a failure fails
//! the run with that very HRESULT (in the report and its JSON form), and a success code that
//! `SynchronizeCompleted` is not documented to take is reported as a problem without failing
//! anything.

use std::sync::Mutex;
use std::time::Duration;

use mobsync_host::model::{HandlerOutcome, ItemStatus, Phase, SyncReport};
use mobsync_host::{HandlerSource, Host, InProcessHandler, ItemSelection, SyncOptions};
use mobsync_runtime::hresults::S_OK;
use mobsync_runtime::interfaces::{InitializeOutcome, PrepareForSyncOutcome, SyncMgrSynchronize};
use mobsync_runtime::sys::{HWND, ISyncMgrEnumItems, ISyncMgrSynchronizeCallback};
use mobsync_runtime::sys::{S_SYNCMGR_ITEMDELETED, SYNCMGRSTATUS_SUCCEEDED};
use mobsync_runtime::{
    ComObject, HandlerInfo, ItemEnumerator, ProgressUpdate, SyncCallback, SyncItem, SyncMgrHandler,
};
use windows_core::{GUID, HRESULT};

const CLSID: GUID = GUID::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0001);
const REPORTED: GUID = GUID::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0011);
const LEFT_OPEN: GUID = GUID::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0012);
/// A success code no Sync Manager callback documents.
const ODD_SUCCESS: HRESULT = HRESULT(0x0004_0abc);
/// A failure code no Sync Manager method documents.
const ODD_FAILURE: HRESULT = HRESULT(0x8bad_f00d_u32 as i32);

/// Reports `REPORTED` as succeeded, leaves `LEFT_OPEN` to the host, then passes `code` to
/// `SynchronizeCompleted`.
#[derive(SyncMgrHandler, Default)]
#[sync_mgr(clsid = "5EED0000-0000-4000-8000-000000000001", name = "Completer")]
struct Completer {
    code: Mutex<HRESULT>,
    callback: Mutex<Option<SyncCallback>>,
}

impl SyncMgrSynchronize for Completer {
    fn initialize(&self, _: u32, _: u32, _: &[u8]) -> windows_core::Result<InitializeOutcome> {
        Ok(InitializeOutcome::S_OK)
    }
    fn get_handler_info(&self) -> windows_core::Result<HandlerInfo> {
        Ok(HandlerInfo::new("Completer"))
    }
    fn enum_sync_mgr_items(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        Ok(ItemEnumerator::new(vec![
            SyncItem::new(REPORTED, "Reported").checked(true),
            SyncItem::new(LEFT_OPEN, "Left open").checked(true),
        ])
        .into_interface())
    }
    fn set_progress_callback(
        &self,
        callback: Option<ISyncMgrSynchronizeCallback>,
    ) -> windows_core::Result<()> {
        *self.callback.lock().unwrap() = callback.map(SyncCallback::new);
        Ok(())
    }
    fn prepare_for_sync(
        &self,
        _: &[GUID],
        _: HWND,
        _: u32,
    ) -> windows_core::Result<PrepareForSyncOutcome> {
        let cb = self.callback.lock().unwrap().clone().expect("callback");
        cb.prepare_for_sync_completed(S_OK)?;
        Ok(PrepareForSyncOutcome::S_OK)
    }
    fn synchronize(&self, _: HWND) -> windows_core::Result<()> {
        let cb = self.callback.lock().unwrap().clone().expect("callback");
        cb.progress(
            &REPORTED,
            &ProgressUpdate::new().status(SYNCMGRSTATUS_SUCCEEDED.0 as u32),
        )?;
        cb.synchronize_completed(*self.code.lock().unwrap())?;
        Ok(())
    }
    fn set_item_status(&self, _: &GUID, _: u32) -> windows_core::Result<()> {
        Ok(())
    }
}

fn sync_completing_with(code: HRESULT) -> SyncReport {
    let handler = Completer {
        code: Mutex::new(code),
        ..Completer::default()
    };
    let source = HandlerSource::Instance(
        InProcessHandler::new(CLSID, ComObject::new(handler).to_unknown()).unwrap(),
    );
    let options = SyncOptions {
        items: ItemSelection::All,
        ..SyncOptions::default()
    }
    .with_timeouts(Duration::from_secs(20));
    Host::new(options).sync(vec![source])
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
    assert_eq!(status(&report, REPORTED), ItemStatus::Succeeded);
    assert_eq!(status(&report, LEFT_OPEN), ItemStatus::Failed);
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
    assert_eq!(status(&report, REPORTED), ItemStatus::Succeeded);
    assert_eq!(status(&report, LEFT_OPEN), ItemStatus::Succeeded);
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
fn documented_codes_are_not_problems() {
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
