//! One handler's run: the documented Sync Manager sequence over the raw ABI.
//!
//! `Initialize` → `GetHandlerInfo` → `EnumSyncMgrItems` (`Next` in batches) →
//! `SetProgressCallback` → [`ShowProperties` → re-enumerate] → `PrepareForSync` → wait for
//! `PrepareForSyncCompleted` → `Synchronize` → wait for `SynchronizeCompleted` →
//! [`ShowError` → wait for `ShowErrorCompleted` → retry on `S_SYNCMGR_RETRYSYNC`] → release →
//! `DllCanUnloadNow`. Completions may arrive before the call returns, later, or from any thread.

mod contract;

use std::sync::Arc;
use std::time::{Duration, Instant};

use mobsync_runtime::sys;
use windows_core::{GUID, HRESULT};

use crate::callback::HostCallback;
use crate::events::HostEvent;
use crate::hresult::{E_INVALIDARG, E_NOTIMPL, E_POINTER, S_FALSE, describe};
use crate::lent::sync_manager::lend;
use crate::loader::HandlerSource;
use crate::model::{
    HandlerOutcome, HandlerReport, ItemReport, ItemStatus, Phase, guid_string, hresult_string,
};
use crate::options::{ItemSelection, SyncOptions};
use crate::raw::ComRef;
use crate::state::{Completed, Completion, Shared};
use contract::Contract;

/// The most items the host accepts from one enumerator (a guard against endless enumerators).
const MAX_ITEMS: usize = 100_000;

/// Runs one handler from start to end. Never panics on handler misbehaviour.
pub(crate) fn run(
    shared: &Arc<Shared>,
    source: HandlerSource,
    options: &SyncOptions,
) -> HandlerReport {
    shared.emit(HostEvent::HandlerStarted {
        handler: shared.handler,
        clsid: source.clsid(),
    });
    shared.enter(Phase::Load, Some(options.call_timeout));
    let loaded = match source.load() {
        Ok(loaded) => loaded,
        Err(error) => {
            let outcome = HandlerOutcome::Failed {
                phase: Phase::Load,
                hresult: hresult_string(error.hr),
                message: error.message,
            };
            return finish(shared, outcome, false, None);
        }
    };
    // The module's log records go to this run while it lasts.
    let _log = loaded.module_log().map(|log| {
        let shared = Arc::clone(shared);
        log.attach(Arc::new(move |level, text| shared.module_log(level, text)))
    });
    shared.with_report(|r| {
        r.module = loaded.module.clone();
        if let Some(name) = &loaded.registered_name {
            r.name = name.clone();
        }
    });
    // Displays name the handler by its registered name until `GetHandlerInfo` answers.
    if let Some(name) = &loaded.registered_name {
        shared.emit(HostEvent::HandlerInfo {
            handler: shared.handler,
            name: name.clone(),
        });
    }
    // Without a cookie of its own, a handler gets the settings stored for it.
    let cookie = match &loaded.settings {
        Some(settings) if options.cookie.is_empty() => settings.as_bytes(),
        _ => &options.cookie[..],
    };
    // The handler gets a guarded stand-in for the host's callback object (see `crate::lent`).
    let callback = lend(HostCallback::create(Arc::clone(shared)));
    let (outcome, sync_ok) = {
        let driver = Driver {
            shared,
            handler: &loaded.handler,
            callback: callback.as_raw(),
            options,
            cookie,
        };
        driver.drive()
    };
    shared.enter(Phase::Unload, Some(options.call_timeout));
    let remaining = loaded.handler.release();
    if remaining != 0 {
        shared.problem(format!(
            "the handler still has {remaining} reference(s) after the host's last Release"
        ));
    }
    let returned = callback.disconnect();
    if returned.over_releases > 0 {
        shared.problem(format!(
            "the handler released the host's ISyncMgrSynchronizeCallback {} time(s) more than \
             it added references (an over-release); the host kept the object alive, so nothing \
             was freed early",
            returned.over_releases
        ));
    }
    let leaked = match loaded.unload.leaked() {
        Ok(leaked) => leaked,
        Err(error) => {
            shared.problem(error.message);
            None
        }
    };
    if leaked == Some(true) {
        shared.problem("DllCanUnloadNow returned S_FALSE after the last Release: an object or a server lock leaked".into());
    }
    finish(shared, outcome, sync_ok, leaked)
}

/// Completes the report and tells the sink.
fn finish(
    shared: &Shared,
    outcome: HandlerOutcome,
    sync_ok: bool,
    leaked: Option<bool>,
) -> HandlerReport {
    shared.enter(Phase::Done, None);
    let mut report = shared.take_report();
    report.outcome = outcome;
    report.leaked = leaked;
    report.elapsed = shared.elapsed();
    conclude_items(&mut report, sync_ok);
    if shared.listening() {
        shared.emit(HostEvent::HandlerFinished {
            handler: shared.handler,
            report: Box::new(report.clone()),
        });
    }
    report
}

/// Gives every selected item that the handler left unfinished a final status: `Skipped` when it
/// was cancelled, `Succeeded` when the handler completed the sync successfully, else `Failed`.
/// The report of a run whose driver itself panicked (a bug in the host, not in the handler).
pub(crate) fn finish_after_panic(shared: &Shared, text: &str) -> HandlerReport {
    let (phase, _) = shared.deadline();
    let phase = phase.unwrap_or(Phase::Load);
    let mut report = shared
        .lock()
        .report
        .clone()
        .unwrap_or_else(|| HandlerReport::new(shared.clsid));
    report.outcome = HandlerOutcome::Failed {
        phase,
        hresult: hresult_string(crate::hresult::E_UNEXPECTED),
        message: format!("the host's driver panicked: {text}"),
    };
    report.elapsed = shared.elapsed();
    conclude_items(&mut report, false);
    shared.emit(HostEvent::HandlerFinished {
        handler: shared.handler,
        report: Box::new(report.clone()),
    });
    report
}

pub(crate) fn conclude_items(report: &mut HandlerReport, sync_ok: bool) {
    for item in report
        .items
        .iter_mut()
        .filter(|i| i.selected && !i.status.is_final())
    {
        item.status = if item.cancelled {
            ItemStatus::Skipped
        } else if sync_ok {
            ItemStatus::Succeeded
        } else {
            ItemStatus::Failed
        };
    }
}

struct Driver<'a> {
    shared: &'a Arc<Shared>,
    handler: &'a ComRef,
    /// The lent callback's interface pointer (kept alive by the host's `Lent`).
    callback: *mut std::ffi::c_void,
    options: &'a SyncOptions,
    /// The cookie for `Initialize` (empty: a null cookie).
    cookie: &'a [u8],
}

/// How a step ended when it did not simply succeed.
type Step<T> = Result<T, HandlerOutcome>;

fn failed(phase: Phase, hr: HRESULT, what: &str) -> HandlerOutcome {
    HandlerOutcome::Failed {
        phase,
        hresult: hresult_string(hr),
        message: format!("{what}: {}", describe(hr)),
    }
}

impl Driver<'_> {
    /// How a call of the handler's `ISyncMgrSynchronize` that returned `hr` ended: with the
    /// handler's own error text when it gave one the COM way (`ISupportErrorInfo` and the
    /// thread's error object), else the HRESULT's meaning.
    fn failed(&self, phase: Phase, hr: HRESULT, what: &str) -> HandlerOutcome {
        let mut outcome = failed(phase, hr, what);
        if let Some(text) = self.error_text()
            && let HandlerOutcome::Failed { message, .. } = &mut outcome
        {
            *message = format!("{what}: {text}");
        }
        outcome
    }

    /// The description of the error object the handler stored for its last failed call.
    fn error_text(&self) -> Option<String> {
        let raw = self.handler.as_raw();
        // SAFETY: the handler pointer is live for the run; borrowed, not released.
        let unknown = unsafe {
            <windows_core::IUnknown as windows_core::Interface>::from_raw_borrowed(&raw)
        }?;
        mobsync_runtime::error_info::error_description(unknown, &sys::IID_ISyncMgrSynchronize)
    }

    fn vt(&self) -> &sys::ISyncMgrSynchronize_Vtbl {
        // SAFETY: the handler pointer was created for IID_ISyncMgrSynchronize.
        unsafe { self.handler.vtable::<sys::ISyncMgrSynchronize_Vtbl>() }
    }

    fn this(&self) -> *mut std::ffi::c_void {
        self.handler.as_raw()
    }

    /// Records a problem when `hr` is a success code `contract` does not document.
    fn check_success(&self, contract: &Contract, hr: HRESULT, handled_as: &str) {
        if let Some(text) = contract.undocumented_success(hr, handled_as) {
            self.shared.problem(text);
        }
    }

    /// The whole sequence; returns the outcome and whether the (last) sync completed successfully.
    /// A failure code passed to the last `SynchronizeCompleted` fails the run with that code.
    fn drive(&self) -> (HandlerOutcome, bool) {
        match self.steps() {
            Ok(Some(hr)) if hr.is_err() => (
                failed(
                    Phase::Synchronize,
                    hr,
                    "SynchronizeCompleted reported a failure",
                ),
                false,
            ),
            Ok(_) => (HandlerOutcome::Completed, true),
            Err(outcome) => (outcome, false),
        }
    }

    /// Runs the protocol; returns the code of the last `SynchronizeCompleted` (`None` when no
    /// sync ran).
    fn steps(&self) -> Step<Option<HRESULT>> {
        let o = self.options;
        // Initialize
        self.shared.enter(Phase::Initialize, Some(o.call_timeout));
        let cookie = if self.cookie.is_empty() {
            std::ptr::null()
        } else {
            self.cookie.as_ptr()
        };
        let cookie_len = u32::try_from(self.cookie.len())
            .map_err(|_| failed(Phase::Initialize, E_INVALIDARG, "cookie too long"))?;
        // SAFETY: the vtable matches; `cookie` points to `cookie_len` bytes (or is null with 0).
        let hr = unsafe {
            (self.vt().Initialize)(self.this(), 0, o.initialize_flags(), cookie_len, cookie)
        };
        if hr == S_FALSE {
            return Err(HandlerOutcome::Declined);
        }
        if hr.is_err() {
            return Err(self.failed(Phase::Initialize, hr, "Initialize failed"));
        }
        self.check_success(&contract::INITIALIZE, hr, "S_OK");

        self.handler_info()?;
        self.enumerate()?;

        // SetProgressCallback
        self.shared.enter(Phase::SetCallback, Some(o.call_timeout));
        // SAFETY: the vtable matches; the callback pointer is a live ISyncMgrSynchronizeCallback
        // (the lent object is never freed).
        let hr = unsafe { (self.vt().SetProgressCallback)(self.this(), self.callback) };
        if hr.is_err() {
            return Err(self.failed(Phase::SetCallback, hr, "SetProgressCallback failed"));
        }
        self.check_success(&contract::SET_PROGRESS_CALLBACK, hr, "S_OK");

        if let Some(item) = o.show_properties {
            self.show_properties(item)?;
        }

        let mut selection = self.initial_selection();
        self.arm_cancels();
        let mut last_sync = None;
        loop {
            let chosen = self.shared.select(&selection);
            if chosen.is_empty() {
                return Ok(last_sync);
            }
            let mut reenumerate = false;
            match self.prepare(&chosen)? {
                Prepared::Ready(enum_again) => reenumerate |= enum_again,
                Prepared::Declined => return Ok(last_sync),
            }
            let done = self.synchronize()?;
            last_sync = Some(done.hr);
            let sync_ok = done.hr.is_ok();
            reenumerate |=
                done.hr == sys::S_SYNCMGR_ENUMITEMS || done.hr == sys::S_SYNCMGR_ITEMDELETED;
            self.shared.with_report(|r| conclude_items(r, sync_ok));
            let retry = if o.show_errors {
                self.show_errors()?
            } else {
                None
            };
            if reenumerate {
                self.enumerate()?;
            }
            match retry {
                Some(items) => {
                    self.shared.with_report(|r| r.retries += 1);
                    selection = items;
                }
                None => return Ok(last_sync),
            }
        }
    }

    fn handler_info(&self) -> Step<()> {
        self.shared
            .enter(Phase::HandlerInfo, Some(self.options.call_timeout));
        let mut info: *mut sys::SYNCMGRHANDLERINFO = std::ptr::null_mut();
        // SAFETY: the vtable matches; `info` is a valid out-pointer.
        let hr = unsafe { (self.vt().GetHandlerInfo)(self.this(), &mut info) };
        if hr.is_err() {
            return Err(self.failed(Phase::HandlerInfo, hr, "GetHandlerInfo failed"));
        }
        self.check_success(&contract::GET_HANDLER_INFO, hr, "S_OK");
        if info.is_null() {
            return Err(failed(
                Phase::HandlerInfo,
                E_POINTER,
                "GetHandlerInfo succeeded with a null pointer",
            ));
        }
        // SAFETY: the handler returned task memory holding one SYNCMGRHANDLERINFO, which we own.
        let (size, flags, name) = unsafe {
            (
                (*info).cbSize,
                (*info).SyncMgrHandlerFlags,
                (*info).wszHandlerName,
            )
        };
        // SAFETY: the block came from the COM task allocator and is freed exactly once.
        unsafe { mobsync_runtime::task_mem::task_free(info.cast()) };
        if size as usize != std::mem::size_of::<sys::SYNCMGRHANDLERINFO>() {
            return Err(failed(
                Phase::HandlerInfo,
                E_INVALIDARG,
                &format!("GetHandlerInfo returned cbSize {size}"),
            ));
        }
        let name = match wide_to_string(&name) {
            Some(name) => name,
            None => {
                self.shared
                    .problem("GetHandlerInfo: wszHandlerName is not NUL-terminated".into());
                String::from_utf16_lossy(&name)
            }
        };
        self.shared.with_report(|r| {
            r.name = name.clone();
            r.handler_flags = flags;
        });
        self.shared.emit(HostEvent::HandlerInfo {
            handler: self.shared.handler,
            name,
        });
        Ok(())
    }

    fn enumerate(&self) -> Step<()> {
        self.shared
            .enter(Phase::Enumerate, Some(self.options.call_timeout));
        let mut raw = std::ptr::null_mut();
        // SAFETY: the vtable matches; `raw` is a valid out-pointer.
        let hr = unsafe { (self.vt().EnumSyncMgrItems)(self.this(), &mut raw) };
        if hr.is_err() {
            return Err(self.failed(Phase::Enumerate, hr, "EnumSyncMgrItems failed"));
        }
        let missing = hr == sys::S_SYNCMGR_MISSINGITEMS;
        self.check_success(&contract::ENUM_ITEMS, hr, "S_OK");
        // SAFETY: on success `raw` carries one reference to an ISyncMgrEnumItems.
        let enumerator = unsafe { ComRef::from_raw(raw.cast()) }.ok_or_else(|| {
            failed(
                Phase::Enumerate,
                E_POINTER,
                "EnumSyncMgrItems succeeded with a null enumerator",
            )
        })?;
        // SAFETY: the pointer was returned for ISyncMgrEnumItems.
        let vt = unsafe { enumerator.vtable::<sys::ISyncMgrEnumItems_Vtbl>() };
        let batch = self.options.batch.max(1);
        let mut items: Vec<ItemReport> = Vec::new();
        // IDs seen so far, so a repeated item is caught in O(1) per item.
        let mut seen: foldhash::HashSet<GUID> = foldhash::HashSet::default();
        // SAFETY: SYNCMGRITEM is plain data; all-zero is a valid value.
        let mut buffer: Vec<sys::SYNCMGRITEM> = vec![unsafe { std::mem::zeroed() }; batch as usize];
        loop {
            // What the last batch left is overwritten by the handler or ignored (only the
            // first `fetched` are read); clear it so a handler that reports more than it wrote
            // is read as zeros, not as the previous batch.
            // SAFETY: as above.
            buffer.fill(unsafe { std::mem::zeroed() });
            let mut fetched = u32::MAX;
            // SAFETY: the buffer holds `batch` items and `fetched` is a valid out-pointer.
            let hr = unsafe {
                (vt.Next)(
                    enumerator.as_raw(),
                    batch,
                    buffer.as_mut_ptr(),
                    &mut fetched,
                )
            };
            if hr.is_err() {
                return Err(failed(
                    Phase::Enumerate,
                    hr,
                    "ISyncMgrEnumItems::Next failed",
                ));
            }
            if fetched == u32::MAX || fetched > batch {
                return Err(failed(
                    Phase::Enumerate,
                    E_INVALIDARG,
                    &format!("Next({batch}) reported {fetched} items fetched"),
                ));
            }
            self.check_success(&contract::NEXT, hr, "S_FALSE (the end of the items)");
            if hr == crate::hresult::S_OK && fetched != batch {
                self.shared.problem(format!(
                    "Next({batch}) returned S_OK with only {fetched} items (S_FALSE expected)"
                ));
            }
            for raw in &buffer[..fetched as usize] {
                if let Some(item) = self.check_item(raw, &mut seen) {
                    items.push(item);
                }
            }
            if hr != crate::hresult::S_OK || fetched == 0 {
                break;
            }
            if items.len() >= MAX_ITEMS {
                self.shared.problem(format!(
                    "the enumerator gave more than {MAX_ITEMS} items; stopped reading"
                ));
                break;
            }
        }
        drop(enumerator);
        self.shared.set_items(items, missing);
        Ok(())
    }

    /// Validates one SYNCMGRITEM; `None` (with a problem recorded) when it is unusable.
    /// `seen` holds the IDs accepted so far; an accepted item's ID is added to it.
    fn check_item(
        &self,
        raw: &sys::SYNCMGRITEM,
        seen: &mut foldhash::HashSet<GUID>,
    ) -> Option<ItemReport> {
        if raw.cbSize as usize != std::mem::size_of::<sys::SYNCMGRITEM>() {
            self.shared.problem(format!(
                "an item has cbSize {} (expected {})",
                raw.cbSize,
                std::mem::size_of::<sys::SYNCMGRITEM>()
            ));
            return None;
        }
        if seen.contains(&raw.ItemID) {
            self.shared.problem(format!(
                "item {} enumerated twice",
                guid_string(&raw.ItemID)
            ));
            return None;
        }
        let name = match wide_to_string(&raw.wszItemName) {
            Some(name) => name,
            None => {
                self.shared.problem(format!(
                    "item {}: wszItemName is not NUL-terminated",
                    guid_string(&raw.ItemID)
                ));
                String::from_utf16_lossy(&raw.wszItemName)
            }
        };
        seen.insert(raw.ItemID);
        Some(ItemReport::new(
            raw.ItemID,
            name,
            raw.dwFlags,
            raw.dwItemState & sys::SYNCMGRITEMSTATE_CHECKED != 0,
        ))
    }

    fn initial_selection(&self) -> Vec<GUID> {
        // Read in place: a copy of the report costs an allocation per item.
        let (ids, unknown) = self.shared.with_report(|report| {
            let live = report
                .items
                .iter()
                .filter(|i| i.status != ItemStatus::Deleted);
            match &self.options.items {
                ItemSelection::Checked => {
                    (live.filter(|i| i.checked).map(|i| i.id).collect(), vec![])
                }
                ItemSelection::All => (live.map(|i| i.id).collect(), vec![]),
                ItemSelection::Named(names) => {
                    let (mut ids, mut unknown) = (Vec::new(), Vec::new());
                    for name in names {
                        let by_id = crate::model::parse_guid(name);
                        match report
                            .items
                            .iter()
                            .find(|i| Some(i.id) == by_id || &i.name == name)
                        {
                            Some(item) => ids.push(item.id),
                            None => unknown.push(name),
                        }
                    }
                    (ids, unknown)
                }
            }
        });
        for name in unknown {
            self.shared.problem(format!("no item named `{name}`"));
        }
        ids
    }

    /// Arms [`SyncOptions::cancel_items`] for the items of this handler that they name.
    fn arm_cancels(&self) {
        if self.options.cancel_items.is_empty() {
            return;
        }
        let report = self.shared.snapshot();
        let ids = self
            .options
            .cancel_items
            .iter()
            .filter_map(|name| {
                let by_id = crate::model::parse_guid(name);
                report
                    .items
                    .iter()
                    .find(|i| Some(i.id) == by_id || &i.name == name)
                    .map(|i| i.id)
            })
            .collect();
        self.shared.cancel_when_progressing(ids);
    }

    /// `SetItemStatus(id, SYNCMGRSTATUS_SKIPPED)` for a cancelled item.
    fn skip(&self, id: &GUID) {
        // SAFETY: the vtable matches; `id` is valid for the call.
        let hr = unsafe {
            (self.vt().SetItemStatus)(self.this(), id, sys::SYNCMGRSTATUS_SKIPPED.0 as u32)
        };
        if hr.is_err() {
            self.shared.problem(format!(
                "SetItemStatus({}, SKIPPED) failed: {}",
                guid_string(id),
                describe(hr)
            ));
        }
        self.check_success(&contract::SET_ITEM_STATUS, hr, "S_OK");
    }

    /// Waits for the completion `expect`ed before the call.
    fn wait(&self, phase: Phase, limit: Duration) -> Step<Completed> {
        let started = Instant::now();
        match self
            .shared
            .wait(started + limit, self.options.cancel_grace, |id| {
                self.skip(id)
            }) {
            Ok(done) => Ok(done),
            Err(true) => Err(HandlerOutcome::Cancelled),
            Err(false) => Err(HandlerOutcome::TimedOut {
                phase,
                waited_ms: limit.as_millis() as u64,
            }),
        }
    }

    fn prepare(&self, ids: &[GUID]) -> Step<Prepared> {
        let limit = self.options.prepare_timeout;
        self.shared.enter(Phase::Prepare, Some(limit));
        self.shared.expect(Completion::Prepare);
        let mut ids = ids.to_vec();
        let count = ids.len() as u32;
        // SAFETY: the vtable matches; `ids` holds `count` GUIDs; a null HWND means no owner window.
        let hr = unsafe {
            (self.vt().PrepareForSync)(self.this(), count, ids.as_mut_ptr(), null_hwnd(), 0)
        };
        if hr.is_err() {
            self.shared.unexpect();
            return Err(self.failed(Phase::Prepare, hr, "PrepareForSync failed"));
        }
        if hr == S_FALSE {
            self.shared.unexpect();
            self.shared.problem("PrepareForSync returned S_FALSE: the handler needs user interface, which this sync does not allow (SYNCMGRFLAG_MAYBOTHERUSER)".into());
            self.shared.with_report(|r| {
                for item in r
                    .items
                    .iter_mut()
                    .filter(|i| i.selected && !i.status.is_final())
                {
                    item.status = ItemStatus::Skipped;
                }
            });
            return Ok(Prepared::Declined);
        }
        self.check_success(&contract::PREPARE_FOR_SYNC, hr, "S_OK");
        let done = self.wait(Phase::Prepare, limit)?;
        if done.hr.is_err() {
            return Err(failed(
                Phase::Prepare,
                done.hr,
                "PrepareForSyncCompleted reported a failure",
            ));
        }
        self.check_success(&contract::PREPARE_FOR_SYNC_COMPLETED, done.hr, "S_OK");
        Ok(Prepared::Ready(done.hr == sys::S_SYNCMGR_ENUMITEMS))
    }

    fn synchronize(&self) -> Step<Completed> {
        let limit = self.options.sync_timeout;
        self.shared.enter(Phase::Synchronize, Some(limit));
        self.shared.expect(Completion::Synchronize);
        // SAFETY: the vtable matches; a null HWND means no owner window.
        let hr = unsafe { (self.vt().Synchronize)(self.this(), null_hwnd()) };
        if hr.is_err() {
            self.shared.unexpect();
            return Err(self.failed(Phase::Synchronize, hr, "Synchronize failed"));
        }
        self.check_success(&contract::SYNCHRONIZE, hr, "S_OK");
        let done = self.wait(Phase::Synchronize, limit)?;
        self.check_success(&contract::SYNCHRONIZE_COMPLETED, done.hr, "S_OK");
        Ok(done)
    }

    /// `ShowProperties` for `item` (`GUID_NULL`: the handler); re-enumerates on
    /// `S_SYNCMGR_ENUMITEMS` / `S_SYNCMGR_ITEMDELETED`.
    fn show_properties(&self, item: GUID) -> Step<()> {
        let limit = self.options.dialog_timeout;
        self.shared.enter(Phase::ShowError, Some(limit));
        self.shared.expect(Completion::ShowProperties);
        // SAFETY: the vtable matches; `item` is valid for the call.
        let hr = unsafe { (self.vt().ShowProperties)(self.this(), null_hwnd(), &item) };
        if hr.is_err() {
            self.shared.unexpect();
            if hr != E_NOTIMPL {
                self.shared
                    .problem(format!("ShowProperties failed: {}", describe(hr)));
            }
            return Ok(());
        }
        self.check_success(&contract::SHOW_PROPERTIES, hr, "S_OK");
        let done = self.wait(Phase::ShowError, limit)?;
        self.check_success(&contract::SHOW_PROPERTIES_COMPLETED, done.hr, "S_OK");
        if done.hr == sys::S_SYNCMGR_ENUMITEMS || done.hr == sys::S_SYNCMGR_ITEMDELETED {
            self.enumerate()?;
        }
        Ok(())
    }

    /// `ShowError` for each logged error with an ID; returns the items to retry when the handler
    /// asks for it (and retries are left).
    fn show_errors(&self) -> Step<Option<Vec<GUID>>> {
        let (retries, ids): (u32, Vec<GUID>) = self.shared.with_report(|report| {
            let ids = report
                .errors
                .iter()
                .filter(|e| !e.deleted)
                .filter_map(|e| e.error_id)
                .collect();
            (report.retries, ids)
        });
        if retries >= self.options.max_retries {
            return Ok(None);
        }
        for id in ids {
            let limit = self.options.dialog_timeout;
            self.shared.enter(Phase::ShowError, Some(limit));
            self.shared.expect(Completion::ShowError);
            // SAFETY: the vtable matches; `id` is valid for the call.
            let hr = unsafe { (self.vt().ShowError)(self.this(), null_hwnd(), &id) };
            if hr.is_err() {
                self.shared.unexpect();
                if hr == E_NOTIMPL {
                    return Ok(None);
                }
                self.shared.problem(format!(
                    "ShowError({}) failed: {}",
                    guid_string(&id),
                    describe(hr)
                ));
                continue;
            }
            self.check_success(&contract::SHOW_ERROR, hr, "S_OK");
            let done = self.wait(Phase::ShowError, limit)?;
            self.check_success(&contract::SHOW_ERROR_COMPLETED, done.hr, "S_OK");
            if done.hr == sys::S_SYNCMGR_RETRYSYNC || hr == sys::S_SYNCMGR_RETRYSYNC {
                let items = if done.items.is_empty() {
                    self.shared.with_report(|report| {
                        report
                            .items
                            .iter()
                            .filter(|i| i.selected && i.status == ItemStatus::Failed)
                            .map(|i| i.id)
                            .collect()
                    })
                } else {
                    done.items
                };
                return Ok(Some(items));
            }
        }
        Ok(None)
    }
}

enum Prepared {
    /// Completed; `true` when the completion asked for re-enumeration.
    Ready(bool),
    /// `S_FALSE`: nothing to synchronize.
    Declined,
}

fn null_hwnd() -> sys::HWND {
    sys::HWND(std::ptr::null_mut())
}

/// A NUL-terminated UTF-16 buffer as a string; `None` when there is no NUL.
fn wide_to_string(buffer: &[u16]) -> Option<String> {
    let end = buffer.iter().position(|&c| c == 0)?;
    Some(String::from_utf16_lossy(&buffer[..end]))
}
