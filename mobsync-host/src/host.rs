//! The host: runs handlers concurrently, each on its own driver thread, under a supervisor that
//! notices calls that never return.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use windows_core::GUID;

use crate::events::{EventSink, HostEvent, NoEvents};
use crate::loader::HandlerSource;
use crate::model::{HandlerOutcome, HandlerReport, Phase, SyncReport};
use crate::options::SyncOptions;
use crate::session;
use crate::state::Shared;

/// How often the supervisor looks for hung calls.
const TICK: Duration = Duration::from_millis(50);
/// How long past a step's deadline the supervisor waits before it declares the driver hung (the
/// driver's own waits end at the deadline; this covers a synchronous call that never returns).
const HANG_GRACE: Duration = Duration::from_millis(750);

/// Cancels a running sync: everything, or single items. Cheap to clone; usable from any thread
/// (for example a Ctrl-C handler).
#[derive(Clone, Default)]
pub struct CancelHandle {
    inner: Arc<CancelInner>,
}

#[derive(Default)]
struct CancelInner {
    all: AtomicBool,
    items: Mutex<Vec<GUID>>,
    sessions: Mutex<Vec<Weak<Shared>>>,
}

impl std::fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelHandle")
            .field("all", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl CancelHandle {
    /// Cancels every item of every handler: the next `Progress` call of each handler gets
    /// `S_SYNCMGR_CANCELALL`, and every unfinished item gets `SetItemStatus(SKIPPED)`.
    pub fn cancel_all(&self) {
        self.inner.all.store(true, Ordering::SeqCst);
        for shared in self.live_sessions() {
            shared.cancel(None);
        }
    }

    /// Cancels one item (of whichever handler has it): its next `Progress` call gets
    /// `S_SYNCMGR_CANCELITEM`, and the handler gets `SetItemStatus(item, SKIPPED)`.
    pub fn cancel_item(&self, item: GUID) {
        lock(&self.inner.items).push(item);
        for shared in self.live_sessions() {
            shared.cancel(Some(item));
        }
    }

    /// Whether [`CancelHandle::cancel_all`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.all.load(Ordering::SeqCst)
    }

    fn live_sessions(&self) -> Vec<Arc<Shared>> {
        lock(&self.inner.sessions)
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }

    /// Connects a new run and applies the cancels that came before it.
    pub(crate) fn attach(&self, shared: &Arc<Shared>) {
        let mut sessions = lock(&self.inner.sessions);
        sessions.retain(|s| s.strong_count() > 0);
        sessions.push(Arc::downgrade(shared));
        drop(sessions);
        for item in lock(&self.inner.items).clone() {
            shared.cancel(Some(item));
        }
        if self.is_cancelled() {
            shared.cancel(None);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Plays Sync Manager's part for a list of handlers.
///
/// ```no_run
/// use mobsync_host::{Host, HandlerSource, SyncOptions, model::parse_guid};
///
/// let clsid = parse_guid("{632306B6-690C-48C1-AB87-953A6833A855}").unwrap();
/// let options = SyncOptions { cookie: b"source=/data;dest=/backup".to_vec(), ..SyncOptions::default() };
/// let report = Host::new(options).sync(vec![HandlerSource::Registered(clsid)]);
/// assert!(report.succeeded());
/// ```
pub struct Host {
    options: Arc<SyncOptions>,
    sink: Arc<dyn EventSink>,
    cancel: CancelHandle,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Host {
    /// A host with these options and no event sink.
    pub fn new(options: SyncOptions) -> Self {
        Self {
            options: Arc::new(options),
            sink: Arc::new(NoEvents),
            cancel: CancelHandle::default(),
        }
    }

    /// Sends live events to `sink`.
    pub fn with_events(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = sink;
        self
    }

    /// The options.
    pub fn options(&self) -> &SyncOptions {
        &self.options
    }

    /// A handle that cancels this host's syncs.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Runs every handler concurrently and waits for all of them. A handler that hangs, fails or
    /// panics is reported in its [`HandlerReport`] and does not hold up the others beyond its
    /// time limits.
    pub fn sync(&self, sources: Vec<HandlerSource>) -> SyncReport {
        let (tx, rx) = mpsc::channel::<(usize, HandlerReport)>();
        let mut runs: Vec<Arc<Shared>> = Vec::new();
        let mut reports: Vec<Option<HandlerReport>> = Vec::new();
        for (index, source) in sources.into_iter().enumerate() {
            let shared = Shared::new(index, source.clsid(), Arc::clone(&self.sink));
            self.cancel.attach(&shared);
            runs.push(Arc::clone(&shared));
            reports.push(None);
            let options = Arc::clone(&self.options);
            let tx = tx.clone();
            let spawned = thread::Builder::new()
                .name(format!("mobsync-host handler #{index}"))
                .spawn({
                    let shared = Arc::clone(&shared);
                    move || {
                        let report = match catch_unwind(AssertUnwindSafe(|| {
                            session::run(&shared, source, &options)
                        })) {
                            Ok(report) => report,
                            Err(panic) => session::finish_after_panic(&shared, &panic_text(&panic)),
                        };
                        // The supervisor may have given up on us; then nobody listens.
                        let _ = tx.send((index, report));
                    }
                });
            if let Err(error) = spawned {
                let report = session::finish_after_panic(
                    &shared,
                    &format!("cannot start a thread: {error}"),
                );
                reports[index] = Some(report);
            }
        }
        drop(tx);

        let mut remaining = reports.iter().filter(|r| r.is_none()).count();
        while remaining > 0 {
            match rx.recv_timeout(TICK) {
                Ok((index, report)) => {
                    if reports[index].is_none() {
                        reports[index] = Some(report);
                        remaining -= 1;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            let now = Instant::now();
            for (index, shared) in runs.iter().enumerate() {
                if reports[index].is_some() {
                    continue;
                }
                let (phase, deadline) = shared.deadline();
                let Some(deadline) = deadline else { continue };
                if now < deadline + HANG_GRACE {
                    continue;
                }
                let phase = phase.unwrap_or(Phase::Load);
                let mut report = shared.snapshot();
                let waited = now
                    .saturating_duration_since(shared.phase_started())
                    .as_millis() as u64;
                report.outcome = HandlerOutcome::TimedOut {
                    phase,
                    waited_ms: waited,
                };
                report.problems.push(format!(
                    "{phase} did not return within its time limit; the handler was abandoned (its module stays loaded)"
                ));
                report.elapsed = shared.elapsed();
                session::conclude_items(&mut report, false);
                shared.emit(HostEvent::HandlerFinished {
                    handler: index,
                    report: Box::new(report.clone()),
                });
                shared.abandon();
                reports[index] = Some(report);
                remaining -= 1;
            }
        }
        let mut handlers: Vec<HandlerReport> = reports
            .into_iter()
            .map(|r| r.expect("every run reported"))
            .collect();
        share_module_verdicts(&mut handlers);
        SyncReport { handlers }
    }
}

/// `DllCanUnloadNow` is asked once per module, after the last of its handlers in this sync was
/// released; its answer is about the whole module, so it goes to every handler of that module.
fn share_module_verdicts(reports: &mut [HandlerReport]) {
    let verdicts: HashMap<PathBuf, bool> = reports
        .iter()
        .filter_map(|r| Some((r.module.clone()?, r.leaked?)))
        .collect();
    for report in reports.iter_mut().filter(|r| r.leaked.is_none()) {
        if let Some(verdict) = report.module.as_ref().and_then(|m| verdicts.get(m)) {
            report.leaked = Some(*verdict);
        }
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_modules_verdict_goes_to_each_of_its_handlers() {
        let report = |n: u128, module: Option<&str>, leaked: Option<bool>| {
            let mut r = HandlerReport::new(GUID::from_u128(n));
            r.module = module.map(PathBuf::from);
            r.leaked = leaked;
            r
        };
        let mut reports = vec![
            report(1, Some("/a.so"), None),
            report(2, Some("/a.so"), Some(true)),
            report(3, Some("/b.so"), None),
            report(4, None, None),
        ];
        share_module_verdicts(&mut reports);
        let leaked: Vec<_> = reports.iter().map(|r| r.leaked).collect();
        assert_eq!(leaked, [Some(true), Some(true), None, None]);
    }
}
