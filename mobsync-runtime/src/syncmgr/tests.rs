//! The Sync Center objects through their vtables: the generated shims' checks for the roles
//! Sync Center introduced (strings returned in task memory, arrays of strings), the ready
//! objects' answers, and a session over a callback implemented in Rust.

use std::sync::Mutex;

use windows_core::{GUID, IUnknown, Interface as _, Result};

use super::sys::*;
use super::*;
use crate::hresults::{E_INVALIDARG, E_NOTIMPL, E_POINTER, S_FALSE, S_OK};
use crate::{ComObject, WStr};

/// A task-allocated string returned through an out-pointer, read and freed.
///
/// # Safety
///
/// `ptr` is null or a NUL-terminated string from the task allocator, not used afterwards.
unsafe fn take(ptr: *mut u16) -> String {
    // SAFETY: per the contract.
    let text = unsafe { WStr::from_ptr(ptr) }.map(|s| s.to_string_lossy());
    // SAFETY: per the contract, freed once.
    unsafe { crate::task_mem::task_free(ptr.cast()) };
    text.expect("a string was returned")
}

fn units(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

#[derive(SyncCenterHandler)]
#[sync_center(
    clsid = "0F5C0E2A-7A1B-4B53-9E0C-1D2E3F405161",
    name = "Test Sync Center handler"
)]
struct TestHandler {
    items: SyncItems,
}

impl Default for TestHandler {
    fn default() -> Self {
        TestHandler {
            items: SyncItems::new(vec![
                SyncItem::new("a", "Alpha").comment("first"),
                SyncItem::new("b", "Beta").enabled(false).connected(false),
            ]),
        }
    }
}

impl SyncMgrHandler for TestHandler {
    fn get_name(&self) -> Result<String> {
        Ok("Tést".into())
    }
    fn get_handler_info(&self) -> Result<ISyncMgrHandlerInfo> {
        Ok(HandlerInfo::new(SYNCMGR_HT_FOLDER)
            .type_label("Folders")
            .active(true)
            .into_interface())
    }
    fn get_capabilities(&self) -> Result<SYNCMGR_HANDLER_CAPABILITIES> {
        Ok(SYNCMGR_HCM_PROVIDES_ICON)
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
        let session = SyncSession::create(&creator, "test", item_ids)?;
        for id in item_ids {
            let id = id.to_string_lossy();
            let cancel =
                session.report_progress(&id, Some("copying"), SYNCMGR_PS_UPDATING, 1, 2)?;
            if cancel == CancelRequest::All {
                break;
            }
        }
        Ok(())
    }
}

impl SyncMgrSyncItemContainer for TestHandler {
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

/// Records what a handler reports, and cancels everything after `cancel_after` progress
/// reports.
#[derive(Debug, Default, ComObject)]
#[com_object(interfaces(crate::syncmgr::sys::ISyncMgrSyncCallback))]
struct Recorder {
    log: Mutex<Vec<String>>,
    cancel_after: Option<usize>,
}

impl SyncMgrSyncCallback for Recorder {
    fn report_progress(
        &self,
        item_id: &WStr,
        text: Option<&WStr>,
        status: SYNCMGR_PROGRESS_STATUS,
        step: u32,
        max: u32,
        cancel: *mut SYNCMGR_CANCEL_REQUEST,
    ) -> Result<()> {
        let mut log = self.log.lock().unwrap();
        log.push(format!(
            "progress {} {:?} {} {step}/{max}",
            item_id.to_string_lossy(),
            text.map(WStr::to_string_lossy),
            status.0
        ));
        if !cancel.is_null() && self.cancel_after.is_some_and(|n| log.len() >= n) {
            // SAFETY: a non-null in/out pointer of the caller (SyncSession passes a live local).
            unsafe { cancel.write(SYNCMGR_CR_CANCEL_ALL) };
        }
        Ok(())
    }
    fn set_handler_progress_text(
        &self,
        text: &WStr,
        _cancel: *mut SYNCMGR_CANCEL_REQUEST,
    ) -> Result<()> {
        let text = text.to_string_lossy();
        self.log.lock().unwrap().push(format!("handler {text}"));
        Ok(())
    }
    fn report_event(
        &self,
        item_id: Option<&WStr>,
        level: SYNCMGR_EVENT_LEVEL,
        _flags: SYNCMGR_EVENT_FLAGS,
        name: &WStr,
        _description: &WStr,
        _link_text: Option<&WStr>,
        _link_reference: Option<&WStr>,
        _context: Option<&WStr>,
    ) -> Result<GUID> {
        self.log.lock().unwrap().push(format!(
            "event {:?} {} {}",
            item_id.map(WStr::to_string_lossy),
            level.0,
            name.to_string_lossy()
        ));
        Ok(GUID::from_u128(7))
    }
    fn can_continue(&self, item_id: &WStr) -> Result<CanContinueOutcome> {
        Ok(if item_id.to_string_lossy() == "stop" {
            CanContinueOutcome::S_FALSE
        } else {
            CanContinueOutcome::S_OK
        })
    }
    fn query_for_additional_items(
        &self,
        _ids: *mut *mut core::ffi::c_void,
        _punks: *mut *mut core::ffi::c_void,
    ) -> Result<QueryForAdditionalItemsOutcome> {
        Ok(QueryForAdditionalItemsOutcome::S_FALSE)
    }
    fn add_item_to_session(&self, _item_id: &WStr) -> Result<()> {
        Err(E_NOTIMPL.into())
    }
    fn add_i_unknown_to_session(&self, _punk: IUnknown) -> Result<()> {
        Err(E_NOTIMPL.into())
    }
    fn propose_item(&self, _item: ISyncMgrSyncItem) -> Result<()> {
        Err(E_NOTIMPL.into())
    }
    fn commit_item(&self, _item_id: &WStr) -> Result<()> {
        Err(E_NOTIMPL.into())
    }
    fn report_manual_sync(&self) -> Result<()> {
        self.log.lock().unwrap().push("manual".into());
        Ok(())
    }
}

/// Hands out one recorder and remembers which items a session was created for.
#[derive(Debug, ComObject)]
#[com_object(interfaces(crate::syncmgr::sys::ISyncMgrSessionCreator))]
struct Creator {
    callback: ComObject<Recorder>,
    sessions: Mutex<Vec<(String, Vec<String>)>>,
}

impl Creator {
    fn new(cancel_after: Option<usize>) -> ComObject<Creator> {
        ComObject::new(Creator {
            callback: ComObject::new(Recorder {
                cancel_after,
                ..Recorder::default()
            }),
            sessions: Mutex::default(),
        })
    }
}

impl SyncMgrSessionCreator for Creator {
    fn create_session(
        &self,
        handler_id: &WStr,
        item_ids: &[&WStr],
    ) -> Result<ISyncMgrSyncCallback> {
        let ids = item_ids.iter().map(|id| id.to_string_lossy()).collect();
        self.sessions
            .lock()
            .unwrap()
            .push((handler_id.to_string_lossy(), ids));
        self.callback.cast()
    }
}

fn handler() -> ISyncMgrHandler {
    crate::class_factory::<TestHandler>()
        .create_instance()
        .expect("creates")
}

#[test]
fn the_handler_answers_name_info_capabilities_and_items() {
    let handler = handler();
    let mut name = std::ptr::null_mut();
    // SAFETY: `name` is a writable out-pointer; the string is taken and freed.
    unsafe {
        assert_eq!(handler.GetName(&mut name), S_OK);
        assert_eq!(take(name), "Tést");
        // A null out-pointer is refused before the handler runs.
        assert_eq!(handler.GetName(std::ptr::null_mut()), E_POINTER);
    }
    assert_eq!(
        handler.GetCapabilities().unwrap(),
        SYNCMGR_HCM_PROVIDES_ICON
    );

    let info = handler.GetHandlerInfo().unwrap();
    assert_eq!(info.GetType().unwrap(), SYNCMGR_HT_FOLDER);
    assert_eq!(info.IsActive(), S_OK);
    assert_eq!(info.IsEnabled(), E_NOTIMPL);
    assert_eq!(info.IsConnected(), S_OK);
    assert_eq!(info.GetLastSyncTime().unwrap_err().code(), E_NOTIMPL);
    let mut label = std::ptr::null_mut();
    // SAFETY: as above.
    unsafe {
        assert_eq!(info.GetTypeLabel(&mut label), S_OK);
        assert_eq!(take(label), "Folders");
    }

    let container: ISyncMgrSyncItemContainer = handler.cast().unwrap();
    assert_eq!(container.GetSyncItemCount().unwrap(), 2);
    let beta = container.GetSyncItem(&units("b")).unwrap();
    let beta_info = beta.GetItemInfo().unwrap();
    assert_eq!(beta_info.IsEnabled(), S_FALSE);
    assert_eq!(beta_info.IsConnected(), S_FALSE);
    let missing = container.GetSyncItem(&units("zeta")).unwrap_err();
    assert_eq!(missing.code(), E_INVALIDARG);
}

#[test]
fn the_item_enumerator_keeps_the_enumerator_contract() {
    let handler = handler();
    let container: ISyncMgrSyncItemContainer = handler.cast().unwrap();
    let items = container.GetSyncItemEnumerator().unwrap();
    let mut slots = [std::ptr::null_mut::<core::ffi::c_void>(); 3];
    let mut fetched = 99;
    // SAFETY: `slots` has room for 3 pointers and `fetched` is writable; the items handed out
    // are taken over by `ISyncMgrSyncItem::from_raw` and released.
    let ids: Vec<String> = unsafe {
        assert_eq!(
            items.Next(3, slots.as_mut_ptr().cast(), &mut fetched),
            S_FALSE
        );
        assert_eq!(fetched, 2);
        assert!(slots[2].is_null());
        slots[..2]
            .iter()
            .map(|&raw| {
                let item = ISyncMgrSyncItem::from_raw(raw);
                let mut id = std::ptr::null_mut();
                assert_eq!(item.GetItemID(&mut id), S_OK);
                take(id)
            })
            .collect()
    };
    assert_eq!(ids, ["a", "b"]);
    // SAFETY: a null array with a count is refused before anything is written.
    unsafe {
        assert_eq!(
            items.Next(1, std::ptr::null_mut(), &mut fetched),
            E_INVALIDARG
        );
        assert_eq!(fetched, 0);
    }
    assert_eq!(items.Reset(), S_OK);
    assert_eq!(items.Skip(1), S_OK);
    let copy = items.Clone().unwrap();
    assert_eq!(items.Skip(5), S_FALSE);
    // The clone kept its own position: one item left.
    let mut one = [std::ptr::null_mut::<core::ffi::c_void>()];
    // SAFETY: as above; the item is released through `from_raw`.
    unsafe {
        assert_eq!(copy.Next(1, one.as_mut_ptr().cast(), &mut fetched), S_OK);
        drop(ISyncMgrSyncItem::from_raw(one[0]));
    }
    assert_eq!(fetched, 1);
}

#[test]
fn synchronize_reports_through_a_session_and_stops_when_cancelled() {
    let handler = handler();
    let creator = Creator::new(Some(2));
    let ids = [units("a"), units("b"), units("a")];
    let mut pointers: Vec<*const u16> = ids.iter().map(|id| id.as_ptr()).collect();
    let creator_interface: ISyncMgrSessionCreator = creator.cast().unwrap();
    // SAFETY: three NUL-terminated IDs alive for the call, a live creator.
    let hr = unsafe {
        handler.Synchronize(
            pointers.as_mut_ptr(),
            3,
            HWND::default(),
            creator_interface.as_raw(),
            std::ptr::null_mut(),
        )
    };
    assert_eq!(hr, S_OK);
    assert_eq!(
        *creator.sessions.lock().unwrap(),
        [(
            "test".to_string(),
            vec!["a".to_string(), "b".into(), "a".into()]
        )]
    );
    assert_eq!(
        *creator.callback.log.lock().unwrap(),
        [
            "progress a Some(\"copying\") 1 1/2",
            "progress b Some(\"copying\") 1 1/2"
        ]
    );
}

#[test]
fn synchronize_refuses_bad_id_arrays_before_the_handler_runs() {
    let handler = handler();
    let creator: ISyncMgrSessionCreator = Creator::new(None).cast().unwrap();
    let a = units("a");
    let mut with_null = [a.as_ptr(), std::ptr::null()];
    // SAFETY: the arrays are as long as the counts passed; null entries are what is tested.
    unsafe {
        let run = |ids: *mut *const u16, count: u32, creator: *mut core::ffi::c_void| {
            handler.Synchronize(ids, count, HWND::default(), creator, std::ptr::null_mut())
        };
        assert_eq!(run(std::ptr::null_mut(), 2, creator.as_raw()), E_INVALIDARG);
        assert_eq!(run(with_null.as_mut_ptr(), 2, creator.as_raw()), E_POINTER);
        assert_eq!(
            run(with_null.as_mut_ptr(), 1, std::ptr::null_mut()),
            E_POINTER
        );
    }
}

#[test]
fn a_session_wraps_every_report() {
    let creator = Creator::new(None);
    let session = SyncSession::new(creator.callback.cast().unwrap());
    assert_eq!(
        session.set_handler_progress_text("scanning").unwrap(),
        CancelRequest::None
    );
    assert!(session.can_continue("a").unwrap());
    assert!(!session.can_continue("stop").unwrap());
    let event = Event::new(SYNCMGR_EL_WARNING, "Skipped", "locked").item("a");
    assert_eq!(session.report_event(&event).unwrap(), GUID::from_u128(7));
    session.report_manual_sync().unwrap();
    assert_eq!(
        *creator.callback.log.lock().unwrap(),
        ["handler scanning", "event Some(\"a\") 2 Skipped", "manual"]
    );
    assert_eq!(
        CancelRequest::from_raw(SYNCMGR_CANCEL_REQUEST(9)),
        CancelRequest::All
    );
}

#[test]
fn the_object_identifiers_of_the_idls_define_guid_lines_are_constants() {
    assert_eq!(
        SYNCMGR_OBJECTID_Icon,
        GUID::from_u128(0x6dbc85c3_5d07_4c72_a777_7fec78072c06)
    );
    assert_eq!(
        SYNCMGR_OBJECTID_EventLinkClick,
        GUID::from_u128(0x2203bdc1_1af1_4082_8c30_28399f41384c)
    );
}
