//! The host's side of a Sync Center synchronization: the `ISyncMgrSessionCreator` passed to
//! `ISyncMgrHandler::Synchronize` and the `ISyncMgrSyncCallback` it hands out, COM objects built
//! with the runtime's `#[derive(ComObject)]` (the handler only ever sees lent stand-ins for them,
//! see [`crate::lent`]).
//!
//! The callback records progress, handler progress text and events in the run's [`Recorder`],
//! sends each as a [`CenterEvent`], reports contract breaks as problems (progress for an item
//! that is not in the session, an unknown status or level, progress after a final state other
//! than `SYNCMGR_PS_FAILED`), and answers cancellation: after a cancel of everything (Ctrl-C) or
//! of one item, `CanContinue` returns `S_FALSE` and `ReportProgress`/`SetHandlerProgressText`
//! write `SYNCMGR_CR_CANCEL_ALL` or `SYNCMGR_CR_CANCEL_ITEM` to the handler's cancel request.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mobsync_runtime::syncmgr::sys::{
    ISyncMgrSyncCallback, ISyncMgrSyncItem, SYNCMGR_CANCEL_REQUEST, SYNCMGR_CR_CANCEL_ALL,
    SYNCMGR_CR_CANCEL_ITEM, SYNCMGR_EVENT_FLAGS, SYNCMGR_EVENT_LEVEL, SYNCMGR_PROGRESS_STATUS,
    SYNCMGR_PS_FAILED,
};
use mobsync_runtime::syncmgr::{
    CanContinueOutcome, QueryForAdditionalItemsOutcome, SyncMgrSessionCreator, SyncMgrSyncCallback,
};
use mobsync_runtime::{ComObject, WStr};
use windows_core::{GUID, IUnknown, Interface};

use super::events::{CenterEvent, CenterSink};
use super::model::{EventLevel, EventRecord, HandlerRun, ProgressStatus};
use crate::hresult::{E_INVALIDARG, E_NOTIMPL, E_POINTER};
use crate::model::{ModuleLogLevel, ModuleLogRecord};

/// What the user asked to cancel, shared by every run of a synchronization.
#[derive(Debug, Default)]
pub(crate) struct Cancels {
    /// Everything (Ctrl-C).
    pub all: AtomicBool,
    /// These item IDs (`--cancel`).
    pub items: Mutex<Vec<String>>,
}

impl Cancels {
    /// The cancel request for `item` now.
    fn request(&self, item: Option<&str>) -> Option<SYNCMGR_CANCEL_REQUEST> {
        if self.all.load(Ordering::SeqCst) {
            return Some(SYNCMGR_CR_CANCEL_ALL);
        }
        let item = item?;
        lock(&self.items)
            .iter()
            .any(|i| i.eq_ignore_ascii_case(item))
            .then_some(SYNCMGR_CR_CANCEL_ITEM)
    }
}

/// One handler's run as the callback records it.
pub(crate) struct Recorder {
    /// The handler's index in the synchronization.
    pub index: usize,
    pub run: Mutex<HandlerRun>,
    pub sink: Arc<dyn CenterSink>,
    pub cancels: Arc<Cancels>,
}

impl Recorder {
    /// Records and sends a problem.
    pub fn problem(&self, text: String) {
        lock(&self.run).problems.push(text.clone());
        self.sink.event(CenterEvent::Problem {
            handler: self.index,
            text,
        });
    }

    /// Records and sends a record of the handler's module log.
    pub fn module_log(&self, level: ModuleLogLevel, text: String) {
        lock(&self.run).log.push(ModuleLogRecord {
            level,
            text: text.clone(),
        });
        self.sink.event(CenterEvent::HandlerLog {
            handler: self.index,
            level,
            text,
        });
    }

    /// `Name {CLSID}` of the handler, for messages.
    pub fn handler(&self) -> String {
        lock(&self.run).display_name()
    }

    /// Writes the cancel request for `item` (if any) through the handler's pointer, and marks
    /// the item cancelled.
    fn answer_cancel(&self, item: Option<&str>, out: *mut SYNCMGR_CANCEL_REQUEST) {
        let Some(request) = self.cancels.request(item) else {
            return;
        };
        self.mark_cancelled(item, request);
        if out.is_null() || !out.is_aligned() {
            self.problem(format!(
                "{}: a cancel request could not be passed: the handler gave no valid \
                 pnCancelRequest pointer",
                self.handler()
            ));
            return;
        }
        // SAFETY: non-null and aligned; the handler passes a writable SYNCMGR_CANCEL_REQUEST for
        // the call, per the method's contract.
        unsafe { out.write(request) };
    }

    fn mark_cancelled(&self, item: Option<&str>, request: SYNCMGR_CANCEL_REQUEST) {
        let mut run = lock(&self.run);
        for entry in run.items.iter_mut().filter(|i| i.selected) {
            if request == SYNCMGR_CR_CANCEL_ALL || Some(entry.id.as_str()) == item {
                entry.cancelled = true;
            }
        }
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn text(s: Option<&WStr>) -> Option<String> {
    s.map(WStr::to_string_lossy)
}

/// The host's `ISyncMgrSyncCallback` of one run.
#[derive(Debug, mobsync_runtime::ComObject)]
#[com_object(interfaces(mobsync_runtime::syncmgr::sys::ISyncMgrSyncCallback))]
pub(crate) struct HostSyncCallback {
    recorder: Arc<Recorder>,
}

impl HostSyncCallback {
    /// A new callback object recording into `recorder`.
    pub fn create(recorder: Arc<Recorder>) -> ComObject<HostSyncCallback> {
        ComObject::new(HostSyncCallback { recorder })
    }
}

impl SyncMgrSyncCallback for HostSyncCallback {
    fn report_progress(
        &self,
        item_id: &WStr,
        progress_text: Option<&WStr>,
        status: SYNCMGR_PROGRESS_STATUS,
        current_step: u32,
        max_step: u32,
        cancel: *mut SYNCMGR_CANCEL_REQUEST,
    ) -> windows_core::Result<()> {
        let rec = &self.recorder;
        let id = item_id.to_string_lossy();
        let Some(new_status) = ProgressStatus::from_raw(status) else {
            rec.problem(format!(
                "{}: ReportProgress for item {id} with the unknown status {}",
                rec.handler(),
                status.0
            ));
            return Err(E_INVALIDARG.into());
        };
        let progress_text = text(progress_text);
        let mut problem = None;
        let event = {
            let mut run = lock(&rec.run);
            let handler = run.display_name();
            match run.items.iter_mut().find(|i| i.id == id && i.selected) {
                None => {
                    problem = Some(format!(
                        "{handler}: ReportProgress for item {id}, which is not in the session"
                    ));
                    None
                }
                Some(item) => {
                    if item.status.is_final() && status != SYNCMGR_PS_FAILED {
                        problem = Some(format!(
                            "{handler}: ReportProgress for item {id} with status {new_status} \
                             after its final status {}",
                            item.status
                        ));
                    }
                    item.status = new_status;
                    if progress_text.is_some() {
                        item.text = progress_text.clone();
                    }
                    item.step = current_step;
                    item.max = max_step;
                    item.progress_calls += 1;
                    Some(CenterEvent::ItemProgress {
                        handler: rec.index,
                        item: id.clone(),
                        status: new_status,
                        text: item.text.clone(),
                        step: current_step,
                        max: max_step,
                    })
                }
            }
        };
        if let Some(problem) = problem {
            rec.problem(problem);
        }
        if let Some(event) = event {
            rec.sink.event(event);
        }
        rec.answer_cancel(Some(&id), cancel);
        Ok(())
    }

    fn set_handler_progress_text(
        &self,
        progress_text: &WStr,
        cancel: *mut SYNCMGR_CANCEL_REQUEST,
    ) -> windows_core::Result<()> {
        let rec = &self.recorder;
        let text = progress_text.to_string_lossy();
        lock(&rec.run).handler_progress_text = Some(text.clone());
        rec.sink.event(CenterEvent::HandlerProgressText {
            handler: rec.index,
            text,
        });
        rec.answer_cancel(None, cancel);
        Ok(())
    }

    fn report_event(
        &self,
        item_id: Option<&WStr>,
        level: SYNCMGR_EVENT_LEVEL,
        flags: SYNCMGR_EVENT_FLAGS,
        name: &WStr,
        description: &WStr,
        link_text: Option<&WStr>,
        link_reference: Option<&WStr>,
        context: Option<&WStr>,
    ) -> windows_core::Result<GUID> {
        let rec = &self.recorder;
        let name = name.to_string_lossy();
        let Some(level) = EventLevel::from_raw(level) else {
            rec.problem(format!(
                "{}: ReportEvent \"{name}\" with the unknown level {}",
                rec.handler(),
                level.0
            ));
            return Err(E_INVALIDARG.into());
        };
        let event = EventRecord {
            id: new_event_id(),
            item: text(item_id).filter(|i| !i.is_empty()),
            level,
            flags: flags.0 as u32,
            name,
            description: description.to_string_lossy(),
            link_text: text(link_text),
            link_reference: text(link_reference),
            context: text(context),
        };
        lock(&rec.run).events.push(event.clone());
        let id = event.id;
        rec.sink.event(CenterEvent::EventReported {
            handler: rec.index,
            event,
        });
        Ok(id)
    }

    fn can_continue(&self, item_id: &WStr) -> windows_core::Result<CanContinueOutcome> {
        let rec = &self.recorder;
        let id = item_id.to_string_lossy();
        let item = (!id.is_empty()).then_some(id.as_str());
        Ok(match rec.cancels.request(item) {
            Some(request) => {
                rec.mark_cancelled(item, request);
                CanContinueOutcome::S_FALSE
            }
            None => CanContinueOutcome::S_OK,
        })
    }

    fn query_for_additional_items(
        &self,
        item_ids: *mut *mut c_void,
        punks: *mut *mut c_void,
    ) -> windows_core::Result<QueryForAdditionalItemsOutcome> {
        // Nothing is ever queued after a session in this host: both out-pointers get null.
        for out in [item_ids, punks] {
            if !out.is_null() && out.is_aligned() {
                // SAFETY: non-null and aligned; an [out] pointer the handler passes writable.
                unsafe { out.write(std::ptr::null_mut()) };
            }
        }
        Ok(QueryForAdditionalItemsOutcome::S_FALSE)
    }

    fn add_item_to_session(&self, item_id: &WStr) -> windows_core::Result<()> {
        self.not_supported("AddItemToSession", &item_id.to_string_lossy())
    }

    fn add_i_unknown_to_session(&self, _punk: IUnknown) -> windows_core::Result<()> {
        self.not_supported("AddIUnknownToSession", "an object")
    }

    fn propose_item(&self, _new_item: ISyncMgrSyncItem) -> windows_core::Result<()> {
        self.not_supported("ProposeItem", "a new item")
    }

    fn commit_item(&self, item_id: &WStr) -> windows_core::Result<()> {
        self.not_supported("CommitItem", &item_id.to_string_lossy())
    }

    fn report_manual_sync(&self) -> windows_core::Result<()> {
        Ok(())
    }
}

impl HostSyncCallback {
    /// Items added during a session are not supported by this host: logged, `E_NOTIMPL`.
    fn not_supported(&self, method: &str, what: &str) -> windows_core::Result<()> {
        log::info!(
            "{}: {method}({what}) is not supported by mobsync-host (E_NOTIMPL)",
            self.recorder.handler()
        );
        Err(E_NOTIMPL.into())
    }
}

/// A new event identifier: random enough to tell events of one process apart.
fn new_event_id() -> GUID {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::atomic::AtomicU64;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = RandomState::new();
    let high = state.hash_one(COUNTER.fetch_add(1, Ordering::Relaxed));
    let low = state.hash_one(high);
    GUID::from_u128((u128::from(high) << 64) | u128::from(low))
}

/// The host's `ISyncMgrSessionCreator` of one run: every session gets the run's lent callback.
#[derive(Debug, mobsync_runtime::ComObject)]
#[com_object(interfaces(mobsync_runtime::syncmgr::sys::ISyncMgrSessionCreator))]
pub(crate) struct HostSessionCreator {
    recorder: Arc<Recorder>,
    /// The lent callback's interface pointer (a lent object is never freed).
    callback: LentPointer,
}

/// The address of a lent object.
#[derive(Debug)]
pub(crate) struct LentPointer(pub *mut c_void);

// SAFETY: a lent object lives for the life of the process and is used only through atomics and a
// mutex (see `crate::lent`), from any thread.
unsafe impl Send for LentPointer {}
// SAFETY: as above.
unsafe impl Sync for LentPointer {}

impl HostSessionCreator {
    /// A new creator handing out `callback`.
    pub fn create(recorder: Arc<Recorder>, callback: LentPointer) -> ComObject<Self> {
        ComObject::new(HostSessionCreator { recorder, callback })
    }
}

impl SyncMgrSessionCreator for HostSessionCreator {
    fn create_session(
        &self,
        handler_id: &WStr,
        item_ids: &[&WStr],
    ) -> windows_core::Result<ISyncMgrSyncCallback> {
        let rec = &self.recorder;
        let ids: Vec<String> = item_ids.iter().map(|i| i.to_string_lossy()).collect();
        let unknown: Vec<String> = {
            let mut run = lock(&rec.run);
            run.sessions += 1;
            ids.iter()
                .filter(|id| !run.items.iter().any(|i| i.selected && &i.id == *id))
                .cloned()
                .collect()
        };
        if !unknown.is_empty() {
            rec.problem(format!(
                "{}: CreateSession (handler ID {}) names items that were not passed to \
                 Synchronize: {}",
                rec.handler(),
                handler_id.to_string_lossy(),
                unknown.join(", ")
            ));
        }
        let raw = self.callback.0;
        // SAFETY: `raw` is a lent ISyncMgrSyncCallback, which is never freed; `cloned` adds the
        // reference the returned interface owns.
        let callback = unsafe { ISyncMgrSyncCallback::from_raw_borrowed(&raw) }.cloned();
        callback.ok_or_else(|| E_POINTER.into())
    }
}
