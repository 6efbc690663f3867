//! `mobsync_host::sync_center::SyncCenterHost` against a Sync Center handler that breaks the
//! contract in every way the host can see, run in this process: progress for an item that is not
//! in the session, progress after a final status, an unknown status and level, a null argument
//! the runtime refuses, a session for items that were not passed, an item left without a final
//! status, an over-release of the host's callback, and a call after the run.

use std::sync::{Arc, Mutex};

use mobsync_host::sync_center::model::{ProgressStatus, RunOutcome};
use mobsync_host::sync_center::{CenterEvent, ItemChoice, SyncCenterHost};
use mobsync_host::{HandlerSource, InProcessHandler};
use mobsync_runtime::WStr;
use mobsync_runtime::syncmgr::sys::*;
use mobsync_runtime::syncmgr::{
    HandlerInfo, SyncCenterHandler, SyncItem, SyncItems, SyncMgrHandler, SyncMgrSyncItemContainer,
    SyncSession,
};
use windows_core::{GUID, HRESULT, IUnknown, Interface, Result};

const CLSID: GUID = GUID::from_u128(0x5a1f_0c3e_8d2b_4e61_9f70_3c2d_1e0f_a9b8);
const E_INVALIDARG: HRESULT = HRESULT(0x8007_0057_u32 as i32);
const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);
const RPC_E_DISCONNECTED: HRESULT = HRESULT(0x8001_0108_u32 as i32);

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

/// What the rogue saw from the host's callback, for the assertions.
#[derive(Debug, Default)]
struct Seen {
    unknown_status: Option<HRESULT>,
    unknown_level: Option<HRESULT>,
    null_item: Option<HRESULT>,
    /// The callback's address, kept after the run with one reference of the rogue's own (an
    /// interface is not `Send`, a static needs it).
    kept: usize,
}

static SEEN: Mutex<Option<Seen>> = Mutex::new(None);

#[derive(SyncCenterHandler)]
#[sync_center(
    clsid = "5A1F0C3E-8D2B-4E61-9F70-3C2D1E0FA9B8",
    name = "Rogue Sync Center"
)]
struct Rogue {
    items: SyncItems,
}

impl Default for Rogue {
    fn default() -> Self {
        Rogue {
            items: SyncItems::new(vec![
                SyncItem::new("done", "Done"),
                SyncItem::new("left", "Left"),
                SyncItem::new("spare", "Spare"),
            ]),
        }
    }
}

impl SyncMgrHandler for Rogue {
    fn get_name(&self) -> Result<String> {
        Ok("Rogue".into())
    }
    fn get_handler_info(&self) -> Result<ISyncMgrHandlerInfo> {
        Ok(HandlerInfo::new(SYNCMGR_HT_APPLICATION).into_interface())
    }
    fn get_capabilities(&self) -> Result<SYNCMGR_HANDLER_CAPABILITIES> {
        Ok(SYNCMGR_HCM_NONE)
    }
    fn get_policies(&self) -> Result<SYNCMGR_HANDLER_POLICIES> {
        Ok(SYNCMGR_HPM_NONE)
    }
    fn synchronize(
        &self,
        item_ids: &[&WStr],
        _owner: HWND,
        creator: ISyncMgrSessionCreator,
        _punk: Option<IUnknown>,
    ) -> Result<()> {
        assert_eq!(item_ids.len(), 2, "--items done,left");
        // A session that names an item Synchronize was not given.
        let ids: Vec<Vec<u16>> = ["done", "left", "spare"]
            .iter()
            .map(|i| i.encode_utf16().collect())
            .collect();
        let ids: Vec<&WStr> = ids.iter().map(|w| WStr::from_units(w)).collect();
        let session = SyncSession::create(&creator, "rogue", &ids)?;
        session.report_progress("ghost", None, SYNCMGR_PS_UPDATING, 0, 1)?;
        session.report_progress("done", Some("ok"), SYNCMGR_PS_SUCCEEDED, 1, 1)?;
        session.report_progress("done", Some("again"), SYNCMGR_PS_UPDATING, 1, 1)?;
        session.report_progress("left", Some("half"), SYNCMGR_PS_UPDATING, 1, 2)?;
        let callback = session.callback().clone();
        let mut seen = Seen::default();
        let mut cancel = SYNCMGR_CR_NONE;
        let item = wide("done");
        // SAFETY: a NUL-terminated item ID, a null text (allowed) and a writable cancel request.
        seen.unknown_status = Some(unsafe {
            callback.ReportProgress(
                item.as_ptr(),
                std::ptr::null(),
                SYNCMGR_PROGRESS_STATUS(42),
                0,
                0,
                &mut cancel,
            )
        });
        let name = wide("n");
        seen.unknown_level = Some(
            callback
                .ReportEvent(
                    None,
                    SYNCMGR_EVENT_LEVEL(9),
                    SYNCMGR_EF_NONE,
                    &name,
                    &name,
                    None,
                    None,
                    None,
                )
                .map_or_else(|e| e.code(), |_| HRESULT(0)),
        );
        let vtable = Interface::vtable(&callback);
        // SAFETY: the live callback; a null item ID is the contract break under test (the
        // runtime refuses it with E_POINTER before the host's code runs).
        seen.null_item = Some(unsafe { (vtable.CanContinue)(callback.as_raw(), std::ptr::null()) });
        // An over-release: the handler holds two references (the session's and the clone) and
        // releases them both by hand, so the session's own Release when it is dropped below is
        // one more than it added. The clone's address is kept without a reference.
        let raw = callback.into_raw();
        for _ in 0..2 {
            // SAFETY: `raw` is the callback, with a reference of the handler's for each call.
            unsafe { (Interface::vtable(session.callback()).base__.Release)(raw) };
        }
        seen.kept = raw as usize;
        *SEEN.lock().unwrap() = Some(seen);
        Ok(())
    }
}

impl SyncMgrSyncItemContainer for Rogue {
    fn get_sync_item(&self, id: &WStr) -> Result<ISyncMgrSyncItem> {
        self.items.get(id)
    }
    fn get_sync_item_enumerator(&self) -> Result<IEnumSyncMgrSyncItems> {
        self.items.enumerator()
    }
    fn get_sync_item_count(&self) -> Result<u32> {
        self.items.count()
    }
}

#[test]
fn every_contract_break_is_reported_and_nothing_is_freed_by_the_handler() {
    let handler: ISyncMgrHandler = mobsync_runtime::class_factory::<Rogue>()
        .create_instance()
        .expect("creates");
    let unknown: IUnknown = handler.cast().unwrap();
    drop(handler);
    let source = HandlerSource::Instance(InProcessHandler::sync_center(CLSID, unknown).unwrap());
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = {
        let events = Arc::clone(&events);
        move |event: CenterEvent| {
            if let CenterEvent::Problem { text, .. } = event {
                events.lock().unwrap().push(text);
            }
        }
    };
    let host = SyncCenterHost::new().with_events(Arc::new(sink));
    let choice = ItemChoice::Named(vec!["done".into(), "Left".into()]);
    let report = host.sync(vec![(source, choice)]);
    let run = &report.handlers[0];
    assert_eq!(run.outcome, RunOutcome::Completed, "{run:#?}");
    assert_eq!(run.name, "Rogue");
    assert_eq!(run.sessions, 1);

    let status = |id: &str| run.items.iter().find(|i| i.id == id).unwrap().status;
    // The last report wins, and is reported as a break.
    assert_eq!(status("done"), ProgressStatus::Updating);
    assert_eq!(status("left"), ProgressStatus::Updating);
    assert_eq!(status("spare"), ProgressStatus::NotSelected);

    let who = "Rogue {5A1F0C3E-8D2B-4E61-9F70-3C2D1E0FA9B8}";
    let expected = [
        format!(
            "{who}: CreateSession (handler ID rogue) names items that were not passed to \
             Synchronize: spare"
        ),
        format!("{who}: ReportProgress for item ghost, which is not in the session"),
        format!(
            "{who}: ReportProgress for item done with status updating after its final status \
             succeeded"
        ),
        format!("{who}: ReportProgress for item done with the unknown status 42"),
        format!("{who}: ReportEvent \"n\" with the unknown level 9"),
        format!("{who}: CanContinue refused: a null item ID"),
        format!(
            "{who}: released the host's ISyncMgrSyncCallback 1 time(s) more than it added \
             references"
        ),
        format!("{who}: Synchronize returned without a final status for item done"),
        format!("{who}: Synchronize returned without a final status for item left"),
    ];
    assert_eq!(run.problems, expected, "{run:#?}");
    assert_eq!(
        *events.lock().unwrap(),
        expected,
        "every problem is a live event too"
    );

    let seen = SEEN.lock().unwrap().take().expect("Synchronize ran");
    assert_eq!(seen.unknown_status, Some(E_INVALIDARG));
    assert_eq!(seen.unknown_level, Some(E_INVALIDARG));
    assert_eq!(seen.null_item, Some(E_POINTER));
    // After the run the callback the handler kept is disconnected, and still safe to call.
    // The lent object lives for the life of the process, so the address is still valid, though
    // the rogue gave up its references: borrowed, not owned.
    let raw = seen.kept as *mut std::ffi::c_void;
    // SAFETY: a live (never freed) lent object's interface pointer, used only while `raw` lives.
    let kept = unsafe { ISyncMgrSyncCallback::from_raw_borrowed(&raw) }.expect("not null");
    let item = wide("done");
    // The lent object lives for the life of the process.
    let late = kept.CanContinue(&item);
    assert_eq!(late, RPC_E_DISCONNECTED);
}

/// Policies of [`Slow`], set by the test.
static SLOW_POLICIES: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// A handler whose `Synchronize` takes two seconds, with the policies the test sets.
#[derive(SyncCenterHandler)]
#[sync_center(
    clsid = "5A1F0C3E-8D2B-4E61-9F70-3C2D1E0FA9B9",
    name = "Slow Sync Center"
)]
struct Slow {
    items: SyncItems,
}

impl Default for Slow {
    fn default() -> Self {
        Slow {
            items: SyncItems::new(vec![SyncItem::new("one", "One")]),
        }
    }
}

impl SyncMgrHandler for Slow {
    fn get_name(&self) -> Result<String> {
        Ok("Slow".into())
    }
    fn get_handler_info(&self) -> Result<ISyncMgrHandlerInfo> {
        Err(E_INVALIDARG.into())
    }
    fn get_capabilities(&self) -> Result<SYNCMGR_HANDLER_CAPABILITIES> {
        Ok(SYNCMGR_HCM_NONE)
    }
    fn get_policies(&self) -> Result<SYNCMGR_HANDLER_POLICIES> {
        Ok(SYNCMGR_HANDLER_POLICIES(
            SLOW_POLICIES.load(std::sync::atomic::Ordering::SeqCst),
        ))
    }
    fn synchronize(
        &self,
        _item_ids: &[&WStr],
        _owner: HWND,
        _creator: ISyncMgrSessionCreator,
        _punk: Option<IUnknown>,
    ) -> Result<()> {
        std::thread::sleep(std::time::Duration::from_secs(2));
        Ok(())
    }
}

impl SyncMgrSyncItemContainer for Slow {
    fn get_sync_item(&self, id: &WStr) -> Result<ISyncMgrSyncItem> {
        self.items.get(id)
    }
    fn get_sync_item_enumerator(&self) -> Result<IEnumSyncMgrSyncItems> {
        self.items.enumerator()
    }
    fn get_sync_item_count(&self) -> Result<u32> {
        self.items.count()
    }
}

fn slow() -> HandlerSource {
    let handler: ISyncMgrHandler = mobsync_runtime::class_factory::<Slow>()
        .create_instance()
        .expect("creates");
    let clsid = GUID::from_u128(0x5a1f_0c3e_8d2b_4e61_9f70_3c2d_1e0f_a9b9);
    HandlerSource::Instance(InProcessHandler::sync_center(clsid, handler.cast().unwrap()).unwrap())
}

#[test]
fn a_handler_that_prevents_a_sync_is_refused_and_one_that_hangs_is_abandoned() {
    let who = "Slow {5A1F0C3E-8D2B-4E61-9F70-3C2D1E0FA9B9}";
    SLOW_POLICIES.store(
        SYNCMGR_HPM_PREVENT_START_SYNC.0,
        std::sync::atomic::Ordering::SeqCst,
    );
    let host = SyncCenterHost::new().with_timeout(std::time::Duration::from_millis(300));
    let report = host.sync(vec![(slow(), ItemChoice::All)]);
    let run = &report.handlers[0];
    assert_eq!(run.outcome, RunOutcome::Refused, "{run:#?}");
    assert_eq!(run.items[0].status, ProgressStatus::Pending);
    // A failing optional call is a problem, named, not a failure.
    assert_eq!(
        run.problems,
        [format!(
            "{who}: ISyncMgrHandler::GetHandlerInfo failed: 0x80070057 (invalid argument \
             (E_INVALIDARG))"
        )],
        "{run:#?}"
    );
    assert!(!report.succeeded());

    SLOW_POLICIES.store(0, std::sync::atomic::Ordering::SeqCst);
    let started = std::time::Instant::now();
    let report = host.sync(vec![(slow(), ItemChoice::All)]);
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1500),
        "not waited for"
    );
    let run = &report.handlers[0];
    let RunOutcome::TimedOut { waited_ms } = run.outcome else {
        panic!("{run:#?}");
    };
    assert!((300..1500).contains(&waited_ms), "{waited_ms}");
    assert!(
        run.problems.contains(&format!(
            "{who}: did not finish within 0.3 s; the handler was abandoned (its module stays \
             loaded)"
        )),
        "{run:#?}"
    );
}
