//! The state one handler's run shares between the driver thread and the host's callback object
//! (which handlers may call from any thread, before or after the call they complete returns).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use windows_core::{GUID, HRESULT};

use crate::events::{EventSink, HostEvent};
use crate::model::{
    HandlerReport, ItemReport, ItemStatus, LogLevel, LoggedError, ModuleLogLevel, ModuleLogRecord,
    Phase, guid_string,
};

/// Which completion callback the driver is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completion {
    /// `PrepareForSyncCompleted`.
    Prepare,
    /// `SynchronizeCompleted`.
    Synchronize,
    /// `ShowErrorCompleted`.
    ShowError,
    /// `ShowPropertiesCompleted`.
    ShowProperties,
}

impl Completion {
    fn name(self) -> &'static str {
        match self {
            Self::Prepare => "PrepareForSyncCompleted",
            Self::Synchronize => "SynchronizeCompleted",
            Self::ShowError => "ShowErrorCompleted",
            Self::ShowProperties => "ShowPropertiesCompleted",
        }
    }
}

/// What a completion callback delivered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Completed {
    /// Its HRESULT.
    pub hr: HRESULT,
    /// The items of `ShowErrorCompleted` (empty for the others).
    pub items: Vec<GUID>,
}

/// A `Progress` call in safe form (`None` = the mask bit was not set).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ProgressUpdate {
    pub text: Option<String>,
    pub status: Option<u32>,
    pub value: Option<i32>,
    pub max: Option<i32>,
}

/// The host's answer to a `Progress` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProgressAnswer {
    /// `S_OK`.
    Continue,
    /// `S_SYNCMGR_CANCELITEM`.
    CancelItem,
    /// `S_SYNCMGR_CANCELALL`.
    CancelAll,
    /// `E_INVALIDARG`: the item is not one of the handler's, or the status is not a SYNCMGRSTATUS.
    Invalid,
}

/// The answer to a completion callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompletionAnswer {
    /// `S_OK`.
    Accepted,
    /// `E_UNEXPECTED`: nobody waits for it (a second call, or the wrong phase).
    Unexpected,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub report: Option<HandlerReport>,
    /// Index of each item in `report.items` (foldhash: SipHash was a tenth of the host's time
    /// per item).
    index: foldhash::HashMap<u128, usize>,
    /// The completion being waited for, and whether it already arrived.
    awaited: Option<Completion>,
    arrived: Option<Completed>,
    /// Completions that arrived for the current wait, to catch doubles.
    arrivals: u32,
    /// The completion consumed last, to recognise a late second call.
    previous: Option<Completion>,
    pub cancel_all: bool,
    cancel_items: Vec<GUID>,
    /// Items to cancel at their next `Progress` call (`SyncOptions::cancel_items`).
    cancel_on_progress: Vec<GUID>,
    /// Items cancelled whose `SetItemStatus(SKIPPED)` the driver still has to send.
    pub pending_skips: Vec<GUID>,
    /// When the current step must be over (the supervisor's hang detection).
    pub deadline: Option<Instant>,
    pub phase: Option<Phase>,
    /// When the cancel was requested (the cancel grace counts from there).
    pub cancelled_at: Option<Instant>,
    /// When the current step began.
    pub phase_started: Option<Instant>,
    /// Items whose out-of-range progress values were reported already (once per item).
    range_reported: Vec<GUID>,
}

/// Why the values of one `Progress` call are out of range (`None`: they are not): a negative
/// value or maximum, or a value above the maximum given with it. (A value alone may run ahead of a
/// maximum the handler sends later.)
fn out_of_range(value: Option<i32>, max: Option<i32>) -> Option<&'static str> {
    match (value, max) {
        (Some(v), _) if v < 0 => Some("a negative progress value"),
        (_, Some(m)) if m < 0 => Some("a negative maximum"),
        (Some(v), Some(m)) if v > m => Some("a progress value above its maximum"),
        _ => None,
    }
}

/// Whether every selected item is finished or cancelled.
fn nothing_left(report: &HandlerReport) -> bool {
    report
        .items
        .iter()
        .filter(|it| it.selected && !it.status.is_final())
        .all(|it| it.cancelled)
}

/// Shared between the driver, the callback object, the supervisor and the cancel handle.
pub(crate) struct Shared {
    pub handler: usize,
    pub clsid: GUID,
    started: Instant,
    state: Mutex<State>,
    changed: Condvar,
    sink: Arc<dyn EventSink>,
    abandoned: AtomicBool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("handler", &self.handler)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub fn new(handler: usize, clsid: GUID, sink: Arc<dyn EventSink>) -> Arc<Self> {
        let state = State {
            report: Some(HandlerReport::new(clsid)),
            ..State::default()
        };
        Arc::new(Self {
            handler,
            clsid,
            started: Instant::now(),
            state: Mutex::new(state),
            changed: Condvar::new(),
            sink,
            abandoned: AtomicBool::new(false),
        })
    }

    /// Locks the state; a poisoned lock (a panic elsewhere while holding it) is taken over as is.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends an event unless the run was abandoned by the supervisor.
    pub fn emit(&self, event: HostEvent) {
        if !self.abandoned.load(Ordering::Acquire) {
            self.sink.event(event);
        }
    }

    /// Whether events are wanted (see [`EventSink::is_listening`]): building one may copy
    /// every item.
    pub fn listening(&self) -> bool {
        self.sink.is_listening()
    }

    /// Marks the run abandoned (hung); later events are dropped.
    pub fn abandon(&self) {
        self.abandoned.store(true, Ordering::Release);
    }

    pub fn with_report<R>(&self, f: impl FnOnce(&mut HandlerReport) -> R) -> R {
        f(self
            .lock()
            .report
            .as_mut()
            .expect("the report is taken only at the end"))
    }

    /// A copy of the report as it stands.
    pub fn snapshot(&self) -> HandlerReport {
        self.lock()
            .report
            .clone()
            .expect("the report is taken only at the end")
    }

    /// Records a problem and tells the sink.
    pub fn problem(&self, text: String) {
        log::debug!("handler #{}: {text}", self.handler);
        self.with_report(|r| r.problems.push(text.clone()));
        self.emit(HostEvent::Problem {
            handler: self.handler,
            text,
        });
    }

    /// Records a problem unless the report was already taken (a call that raced with the end of
    /// the run); never panics, so it may be called outside the runtime's shims.
    pub fn problem_while_running(&self, text: String) {
        {
            let mut state = self.lock();
            let Some(report) = state.report.as_mut() else {
                log::warn!("handler #{}: {text} (after the run)", self.handler);
                return;
            };
            report.problems.push(text.clone());
        }
        log::debug!("handler #{}: {text}", self.handler);
        self.emit(HostEvent::Problem {
            handler: self.handler,
            text,
        });
    }

    /// A record the handler's module logged (see [`crate::module_log`]); after the run (the
    /// report taken) it goes to the host's own log.
    pub fn module_log(&self, level: ModuleLogLevel, text: String) {
        {
            let mut state = self.lock();
            let Some(report) = state.report.as_mut() else {
                log::log!(level.as_log(), "handler #{}: {text}", self.handler);
                return;
            };
            report.log.push(ModuleLogRecord {
                level,
                text: text.clone(),
            });
        }
        self.emit(HostEvent::HandlerLog {
            handler: self.handler,
            level,
            text,
        });
    }

    /// Enters a step with a deadline (`None`: no limit).
    pub fn enter(&self, phase: Phase, limit: Option<Duration>) {
        {
            let mut state = self.lock();
            let now = Instant::now();
            state.phase = Some(phase);
            state.phase_started = Some(now);
            state.deadline = limit.map(|l| now + l);
        }
        self.emit(HostEvent::PhaseChanged {
            handler: self.handler,
            phase,
        });
    }

    /// When the current step began.
    pub fn phase_started(&self) -> Instant {
        self.lock().phase_started.unwrap_or(self.started)
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The step and its deadline, for the supervisor.
    pub fn deadline(&self) -> (Option<Phase>, Option<Instant>) {
        let state = self.lock();
        (state.phase, state.deadline)
    }

    /// Replaces the item list after an enumeration. Items that are gone are kept when
    /// `missing_items` (`S_SYNCMGR_MISSINGITEMS`) or when they were selected; otherwise they become
    /// `Deleted`.
    pub fn set_items(&self, items: Vec<ItemReport>, missing_items: bool) {
        let all = {
            let mut state = self.lock();
            let State { report, index, .. } = &mut *state;
            let report = report.as_mut().expect("report present");
            let mut merged: Vec<ItemReport> = Vec::with_capacity(items.len());
            for mut item in items {
                if let Some(&old) = index.get(&item.id.to_u128()) {
                    let old = &report.items[old];
                    item.selected = old.selected;
                    item.status = old.status;
                    item.status_text = old.status_text.clone();
                    item.progress = old.progress;
                    item.max = old.max;
                    item.progress_calls = old.progress_calls;
                    item.cancelled = old.cancelled;
                }
                merged.push(item);
            }
            let listed: foldhash::HashSet<u128> = merged.iter().map(|m| m.id.to_u128()).collect();
            for old in &report.items {
                if !listed.contains(&old.id.to_u128()) {
                    let mut kept = old.clone();
                    if !missing_items && !kept.selected {
                        kept.status = ItemStatus::Deleted;
                    }
                    merged.push(kept);
                }
            }
            report.items = merged;
            report.enumerations += 1;
            *index = report
                .items
                .iter()
                .enumerate()
                .map(|(i, item)| (item.id.to_u128(), i))
                .collect();
            self.listening().then(|| report.items.clone())
        };
        if let Some(items) = all {
            self.emit(HostEvent::ItemsEnumerated {
                handler: self.handler,
                items,
            });
        }
    }

    /// Marks `ids` selected (status `Pending`); unknown IDs are reported and left out.
    /// Returns the IDs actually selected.
    pub fn select(&self, ids: &[GUID]) -> Vec<GUID> {
        let mut unknown = Vec::new();
        let mut chosen = Vec::new();
        let items = {
            let mut state = self.lock();
            let State {
                report,
                index,
                cancel_all,
                cancel_items,
                ..
            } = &mut *state;
            let report = report.as_mut().expect("report present");
            for id in ids {
                match index.get(&id.to_u128()) {
                    Some(&i) => {
                        let item = &mut report.items[i];
                        item.selected = true;
                        item.cancelled = *cancel_all || cancel_items.contains(id);
                        item.status = if item.cancelled {
                            ItemStatus::Skipped
                        } else {
                            ItemStatus::Pending
                        };
                        if !item.cancelled {
                            chosen.push(*id);
                        }
                    }
                    None => unknown.push(*id),
                }
            }
            report.items.clone()
        };
        for id in unknown {
            self.problem(format!(
                "selected item {} is not one of the handler's items",
                guid_string(&id)
            ));
        }
        self.emit(HostEvent::ItemsEnumerated {
            handler: self.handler,
            items,
        });
        chosen
    }

    /// Starts waiting for `completion`; must be called *before* the call it completes, since a
    /// handler may complete before returning.
    pub fn expect(&self, completion: Completion) {
        let mut state = self.lock();
        state.awaited = Some(completion);
        state.arrived = None;
        state.arrivals = 0;
    }

    /// Stops waiting (the call it would complete failed, so no completion is owed).
    pub fn unexpect(&self) {
        let mut state = self.lock();
        state.previous = None;
        state.awaited = None;
        state.arrived = None;
    }

    /// A completion callback arrived.
    pub fn complete(
        &self,
        completion: Completion,
        hr: HRESULT,
        items: Vec<GUID>,
    ) -> CompletionAnswer {
        let problem = {
            let mut state = self.lock();
            if state.awaited == Some(completion) {
                state.arrivals += 1;
                if state.arrivals == 1 {
                    state.arrived = Some(Completed { hr, items });
                    None
                } else {
                    Some(format!(
                        "{} called {} times for one call",
                        completion.name(),
                        state.arrivals
                    ))
                }
            } else if state.previous == Some(completion) {
                Some(format!(
                    "{} called again after the host had received it",
                    completion.name()
                ))
            } else {
                Some(format!(
                    "{} called while the host was not waiting for it",
                    completion.name()
                ))
            }
        };
        self.changed.notify_all();
        match problem {
            None => CompletionAnswer::Accepted,
            Some(text) => {
                self.problem(text);
                CompletionAnswer::Unexpected
            }
        }
    }

    /// Waits for the awaited completion until `deadline`. While waiting, sends the
    /// `SetItemStatus(SKIPPED)` calls that cancels require through `send_skip`. After a cancel,
    /// waits at most `cancel_grace` more. Returns `Err(cancelled)` on timeout.
    pub fn wait(
        &self,
        deadline: Instant,
        cancel_grace: Duration,
        mut send_skip: impl FnMut(&GUID),
    ) -> Result<Completed, bool> {
        let mut state = self.lock();
        loop {
            if let Some(done) = state.arrived.take() {
                state.previous = state.awaited.take();
                return Ok(done);
            }
            if !state.pending_skips.is_empty() {
                let skips = std::mem::take(&mut state.pending_skips);
                drop(state);
                for id in &skips {
                    send_skip(id);
                }
                state = self.lock();
                continue;
            }
            let mut limit = deadline;
            if let Some(at) = state.cancelled_at {
                limit = limit.min(at + cancel_grace);
            }
            let now = Instant::now();
            if now >= limit {
                return Err(state.cancelled_at.is_some());
            }
            state = self
                .changed
                .wait_timeout(state, limit - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// The user cancelled everything (`item == None`) or one item.
    pub fn cancel(&self, item: Option<GUID>) {
        let count = {
            let mut state = self.lock();
            let now = Instant::now();
            match item {
                None => state.cancel_all = true,
                Some(id) => state.cancel_items.push(id),
            }
            let State {
                report,
                pending_skips,
                cancelled_at,
                cancel_all,
                ..
            } = &mut *state;
            let report = report.as_mut().expect("report present");
            let mut count = 0;
            for it in report
                .items
                .iter_mut()
                .filter(|it| it.selected && !it.status.is_final())
            {
                if *cancel_all || item == Some(it.id) {
                    it.cancelled = true;
                    pending_skips.push(it.id);
                    count += 1;
                }
            }
            // The grace period starts once nothing is left to synchronize: cancelling one item
            // does not shorten the time the others have.
            if *cancel_all || nothing_left(report) {
                cancelled_at.get_or_insert(now);
            }
            count
        };
        self.changed.notify_all();
        log::debug!(
            "handler #{}: cancel requested for {count} item(s)",
            self.handler
        );
    }

    /// Cancels each of `ids` at its next `Progress` call, as a user's click on an item that is
    /// being synchronized does: that call gets `S_SYNCMGR_CANCELITEM` and the handler gets
    /// `SetItemStatus(SKIPPED)`.
    pub fn cancel_when_progressing(&self, ids: Vec<GUID>) {
        self.lock().cancel_on_progress.extend(ids);
    }

    /// A `Progress` call.
    pub fn progress(&self, id: &GUID, update: ProgressUpdate) -> ProgressAnswer {
        let status = match update.status.map(ItemStatus::from_raw) {
            Some(None) => {
                self.problem(format!(
                    "Progress with an unknown SYNCMGRSTATUS {}",
                    update.status.unwrap_or(0)
                ));
                return ProgressAnswer::Invalid;
            }
            Some(Some(status)) => Some(status),
            None => None,
        };
        let (answer, event, range_problem) = {
            let mut state = self.lock();
            let State {
                report,
                index,
                cancel_all,
                cancel_items,
                cancel_on_progress,
                pending_skips,
                cancelled_at,
                range_reported,
                ..
            } = &mut *state;
            let report = report.as_mut().expect("report present");
            let Some(&i) = index.get(&id.to_u128()) else {
                drop(state);
                self.problem(format!("Progress for unknown item {}", guid_string(id)));
                return ProgressAnswer::Invalid;
            };
            if let Some(at) = cancel_on_progress.iter().position(|c| c == id) {
                cancel_on_progress.swap_remove(at);
                cancel_items.push(*id);
                let item = &mut report.items[i];
                if item.selected && !item.status.is_final() && !item.cancelled {
                    item.cancelled = true;
                    pending_skips.push(*id);
                    self.changed.notify_all();
                }
                if nothing_left(report) {
                    cancelled_at.get_or_insert(Instant::now());
                }
            }
            let item = &mut report.items[i];
            item.progress_calls += 1;
            if let Some(text) = update.text {
                item.status_text = Some(text);
            }
            if let Some(status) = status {
                // A cancelled item stays skipped unless the handler reports a final outcome.
                if !item.cancelled || status.is_final() {
                    item.status = status;
                }
            }
            if let Some(value) = update.value {
                item.progress = value;
            }
            if let Some(max) = update.max {
                item.max = max;
            }
            let range_problem = out_of_range(update.value, update.max)
                .filter(|_| !range_reported.contains(id))
                .map(|why| {
                    range_reported.push(*id);
                    format!(
                        "Progress for item {}: {why} (value {}, maximum {}); shown clamped",
                        guid_string(id),
                        item.progress,
                        item.max
                    )
                });
            let answer = if *cancel_all {
                ProgressAnswer::CancelAll
            } else if cancel_items.contains(id) {
                ProgressAnswer::CancelItem
            } else {
                ProgressAnswer::Continue
            };
            let event = HostEvent::ItemProgress {
                handler: self.handler,
                item: *id,
                status: item.status,
                text: item.status_text.clone(),
                value: item.progress,
                max: item.max,
            };
            (answer, event, range_problem)
        };
        if let Some(text) = range_problem {
            self.problem(text);
        }
        self.emit(event);
        answer
    }

    /// A `LogError` call.
    pub fn log_error(
        &self,
        level: u32,
        text: String,
        flags: Option<u32>,
        error_id: Option<GUID>,
        item: Option<GUID>,
    ) -> bool {
        let Some(level) = LogLevel::from_raw(level) else {
            self.problem(format!("LogError with an unknown SYNCMGRLOGLEVEL {level}"));
            return false;
        };
        let error = LoggedError {
            level,
            text,
            item,
            error_id,
            flags: flags.unwrap_or(0),
            deleted: false,
        };
        self.with_report(|r| r.errors.push(error.clone()));
        self.emit(HostEvent::ErrorLogged {
            handler: self.handler,
            error,
        });
        true
    }

    /// A `DeleteLogError` call; `false` if no logged error has that ID.
    pub fn delete_log_error(&self, error_id: &GUID) -> bool {
        self.with_report(|r| {
            let mut found = false;
            for e in r
                .errors
                .iter_mut()
                .filter(|e| e.error_id.as_ref() == Some(error_id))
            {
                e.deleted = true;
                found = true;
            }
            found
        })
    }

    /// Gives the final report (the driver's last act).
    pub fn take_report(&self) -> HandlerReport {
        self.lock().report.take().expect("the report is taken once")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_values_out_of_range() {
        assert_eq!(out_of_range(Some(5), Some(10)), None);
        assert_eq!(out_of_range(Some(10), Some(10)), None);
        assert_eq!(
            out_of_range(Some(50), None),
            None,
            "a value may come before its maximum"
        );
        assert_eq!(out_of_range(None, None), None);
        assert_eq!(
            out_of_range(Some(-1), Some(10)),
            Some("a negative progress value")
        );
        assert_eq!(out_of_range(None, Some(-3)), Some("a negative maximum"));
        assert_eq!(
            out_of_range(Some(11), Some(10)),
            Some("a progress value above its maximum")
        );
    }
}
