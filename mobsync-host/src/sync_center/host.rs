//! [`SyncCenterHost`]: lists Sync Center handlers and their items, and synchronizes them the way
//! Sync Center does, over the raw ABI.
//!
//! A synchronization of one handler: load it (`IClassFactory::CreateInstance` for
//! `ISyncMgrHandler`), describe it and its items ([`super::describe`]), choose the items, refuse
//! when its policies say `SYNCMGR_HPM_PREVENT_START_SYNC`, then call
//! `ISyncMgrHandler::Synchronize(items, NULL, creator, NULL)` with a lent
//! `ISyncMgrSessionCreator` whose sessions get a lent `ISyncMgrSyncCallback` (see
//! [`super::session`]). After `Synchronize` returns, the lent objects are disconnected, the handler
//! released, and the module's `DllCanUnloadNow` asked. Handlers run one after another, each on its
//! own thread, so that one that hangs is abandoned after the time limit (its module stays loaded).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use mobsync_runtime::syncmgr::sys::{
    IID_ISyncMgrHandler, ISyncMgrHandler, ISyncMgrSessionCreator, ISyncMgrSyncCallback,
    SYNCMGR_HPM_PREVENT_START_SYNC,
};
use windows_core::{HRESULT, Interface};

use super::describe::describe;
use super::events::{CenterEvent, CenterSink};
use super::model::{
    CallError, CenterReport, HandlerDescription, HandlerRun, ItemRun, ProgressStatus, RunOutcome,
    display_name,
};
use super::session::{Cancels, HostSessionCreator, HostSyncCallback, LentPointer, Recorder};
use crate::hresult::{E_INVALIDARG, E_UNEXPECTED};
use crate::lent::Problems;
use crate::lent::sync_center::{lend_session_creator, lend_sync_callback};
use crate::loader::{HandlerSource, LoadError, LoadedHandler, UnloadCheck};
use crate::module_log::ModuleLog;

/// The method named in a [`CallError`] when a handler could not be loaded.
pub const LOAD: &str = "load";
/// The method named in a [`CallError`] when a chosen item is not one of the handler's.
pub const CHOOSE_ITEMS: &str = "choose items";

/// Which items of a handler to synchronize.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ItemChoice {
    /// Every item the handler lists (what Sync Center's "Sync" does).
    #[default]
    All,
    /// These items, each by ID or by name (IDs compared without regard to ASCII case).
    Named(Vec<String>),
}

/// Cancels a running synchronization: everything (`CanContinue` answers `S_FALSE` and the cancel
/// requests say `SYNCMGR_CR_CANCEL_ALL`), or one item (`SYNCMGR_CR_CANCEL_ITEM`).
#[derive(Debug, Clone, Default)]
pub struct CenterCancel(Arc<Cancels>);

impl CenterCancel {
    /// Cancels every item of every handler, now and in runs still to come.
    pub fn cancel_all(&self) {
        self.0.all.store(true, Ordering::SeqCst);
    }

    /// Cancels the item with this ID, in every handler.
    pub fn cancel_item(&self, id: &str) {
        self.0
            .items
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(id.to_owned());
    }

    /// Whether [`CenterCancel::cancel_all`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.all.load(Ordering::SeqCst)
    }
}

/// Plays Sync Center for handlers given as [`HandlerSource`]s.
pub struct SyncCenterHost {
    sink: Arc<dyn CenterSink>,
    cancel: CenterCancel,
    timeout: Duration,
}

impl std::fmt::Debug for SyncCenterHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncCenterHost")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for SyncCenterHost {
    fn default() -> Self {
        Self::new()
    }
}

impl SyncCenterHost {
    /// A host without live events, waiting up to 300 s for each handler's synchronization.
    pub fn new() -> Self {
        SyncCenterHost {
            sink: Arc::new(|_: CenterEvent| {}),
            cancel: CenterCancel::default(),
            timeout: Duration::from_secs(300),
        }
    }

    /// Sends live events to `sink`.
    pub fn with_events(mut self, sink: Arc<dyn CenterSink>) -> Self {
        self.sink = sink;
        self
    }

    /// How long one handler's run (loading it, describing it and `Synchronize`) may take before
    /// it is abandoned.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The handle that cancels this host's synchronizations (Ctrl-C).
    pub fn cancel_handle(&self) -> CenterCancel {
        self.cancel.clone()
    }

    /// Loads a handler and describes it and its items. The handler is released afterwards.
    pub fn describe(&self, source: HandlerSource) -> Result<HandlerDescription, CallError> {
        let clsid = source.clsid();
        let (handler, loaded) = load(source)?;
        let mut description = describe(&handler, clsid);
        drop(handler);
        if let Ok(description) = &mut description {
            description.module = loaded.module.clone();
        }
        let leaked = loaded.unload.leaked();
        if let (Ok(description), Ok(Some(true))) = (&mut description, leaked) {
            description.problems.push(format!(
                "{}: DllCanUnloadNow returned S_FALSE after the handler was released (a leaked \
                 object or lock)",
                display_name(&description.name, &clsid)
            ));
        }
        description
    }

    /// Synchronizes each handler with its chosen items, one handler after another.
    pub fn sync(&self, runs: Vec<(HandlerSource, ItemChoice)>) -> CenterReport {
        let mut handlers = Vec::new();
        for (index, (source, choice)) in runs.into_iter().enumerate() {
            handlers.push(self.run(index, source, choice));
        }
        CenterReport { handlers }
    }

    fn run(&self, index: usize, source: HandlerSource, choice: ItemChoice) -> HandlerRun {
        let clsid = source.clsid();
        let started = Instant::now();
        self.sink.event(CenterEvent::HandlerStarted {
            handler: index,
            clsid,
        });
        let recorder = Arc::new(Recorder {
            index,
            run: Mutex::new(HandlerRun::new(clsid)),
            sink: Arc::clone(&self.sink),
            cancels: Arc::clone(&self.cancel.0),
        });
        let (tx, rx) = mpsc::channel();
        let spawned = thread::Builder::new()
            .name(format!("mobsync-host sync center #{index}"))
            .spawn({
                let recorder = Arc::clone(&recorder);
                move || {
                    let outcome =
                        catch_unwind(AssertUnwindSafe(|| synchronize(&recorder, source, &choice)))
                            .unwrap_or_else(|panic| {
                                let handler = lock(&recorder.run).display_name();
                                RunOutcome::Failed {
                                    error: CallError::new(
                                        &handler,
                                        None,
                                        "mobsync-host",
                                        E_UNEXPECTED,
                                        format!("the host panicked: {}", panic_text(&panic)),
                                    ),
                                }
                            });
                    let _ = tx.send(outcome);
                }
            });
        let outcome = match spawned {
            Err(error) => RunOutcome::Failed {
                error: CallError::new(
                    &display_name("", &clsid),
                    None,
                    "mobsync-host",
                    E_UNEXPECTED,
                    format!("cannot start a thread: {error}"),
                ),
            },
            Ok(_) => match rx.recv_timeout(self.timeout) {
                Ok(outcome) => outcome,
                Err(_) => {
                    let who = recorder.handler();
                    recorder.problem(format!(
                        "{who}: did not finish within {} s; the handler was abandoned (its module \
                         stays loaded)",
                        self.timeout.as_secs_f64()
                    ));
                    RunOutcome::TimedOut {
                        waited_ms: started.elapsed().as_millis() as u64,
                    }
                }
            },
        };
        let mut run = lock(&recorder.run).clone();
        run.outcome = outcome;
        run.elapsed_ms = started.elapsed().as_millis() as u64;
        self.sink.event(CenterEvent::HandlerFinished {
            handler: index,
            run: Box::new(run.clone()),
        });
        run
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Loads the handler as `ISyncMgrHandler`.
pub(super) fn load(source: HandlerSource) -> Result<(ISyncMgrHandler, Loaded), CallError> {
    let clsid = source.clsid();
    let loaded = source
        .load_as(&IID_ISyncMgrHandler)
        .map_err(|e: LoadError| {
            CallError::new(&display_name("", &clsid), None, LOAD, e.hr, e.message)
        })?;
    let log = loaded.module_log().cloned();
    let LoadedHandler {
        handler,
        module,
        unload,
        ..
    } = loaded;
    // SAFETY: `into_raw` gives an owned reference of the interface it was created for,
    // ISyncMgrHandler.
    let handler = unsafe { ISyncMgrHandler::from_raw(handler.into_raw()) };
    Ok((
        handler,
        Loaded {
            module,
            unload,
            log,
        },
    ))
}

/// What is left of a loaded handler besides its interface.
pub(super) struct Loaded {
    pub(super) module: Option<std::path::PathBuf>,
    pub(super) unload: UnloadCheck,
    /// Where the module logs to (none for a handler in this process).
    pub(super) log: Option<Arc<ModuleLog>>,
}

/// One handler's run, recorded in `recorder`; returns how it ended.
fn synchronize(recorder: &Arc<Recorder>, source: HandlerSource, choice: &ItemChoice) -> RunOutcome {
    let (handler, loaded) = match load(source) {
        Ok(pair) => pair,
        Err(error) => return RunOutcome::Failed { error },
    };
    lock(&recorder.run).module = loaded.module.clone();
    // The module's log records (and panics) go to this run while it lasts, releasing the
    // handler included.
    let _log = loaded.log.as_ref().map(|log| {
        let recorder = Arc::clone(recorder);
        log.attach(Arc::new(move |level, text| {
            recorder.module_log(level, text)
        }))
    });
    let outcome = described_run(recorder, &handler, choice);
    drop(handler);
    match loaded.unload.leaked() {
        Ok(leaked) => lock(&recorder.run).leaked = leaked,
        Err(e) => {
            let who = recorder.handler();
            recorder.problem(format!(
                "{who}: DllCanUnloadNow could not be asked: {}",
                e.message
            ));
        }
    }
    outcome
}

fn described_run(
    recorder: &Arc<Recorder>,
    handler: &ISyncMgrHandler,
    choice: &ItemChoice,
) -> RunOutcome {
    let clsid = lock(&recorder.run).clsid;
    let description = match describe(handler, clsid) {
        Ok(d) => d,
        Err(error) => return RunOutcome::Failed { error },
    };
    let who = display_name(&description.name, &clsid);
    lock(&recorder.run).name = description.name.clone();
    let selected = match choose(&description, &who, choice) {
        Ok(ids) => ids,
        Err(error) => return RunOutcome::Failed { error },
    };
    let items: Vec<ItemRun> = description
        .items
        .iter()
        .map(|item| {
            let chosen = selected.contains(&item.id);
            ItemRun {
                id: item.id.clone(),
                name: item.name.clone(),
                selected: chosen,
                status: if chosen {
                    ProgressStatus::Pending
                } else {
                    ProgressStatus::NotSelected
                },
                text: None,
                step: 0,
                max: 0,
                progress_calls: 0,
                cancelled: false,
            }
        })
        .collect();
    {
        let mut run = lock(&recorder.run);
        run.name = description.name.clone();
        run.items = items.clone();
        run.problems.extend(description.problems.iter().cloned());
    }
    for problem in &description.problems {
        recorder.sink.event(CenterEvent::Problem {
            handler: recorder.index,
            text: problem.clone(),
        });
    }
    recorder.sink.event(CenterEvent::ItemsSelected {
        handler: recorder.index,
        name: description.name.clone(),
        items,
    });
    if description.policies.value & (SYNCMGR_HPM_PREVENT_START_SYNC.0 as u32) != 0 {
        return RunOutcome::Refused;
    }
    let hr = call_synchronize(recorder, handler, &selected);
    // The lock is not held while problems are recorded (that takes it again).
    let items = lock(&recorder.run).items.clone();
    for item in items {
        if item.selected && !item.status.is_final() && !item.cancelled {
            recorder.problem(format!(
                "{who}: Synchronize returned without a final status for item {}",
                item.id
            ));
        }
    }
    if hr.is_err() {
        return RunOutcome::Failed {
            error: CallError::from_object(
                &who,
                None,
                "ISyncMgrHandler::Synchronize",
                hr,
                handler,
                &ISyncMgrHandler::IID,
            ),
        };
    }
    if recorder.cancels.all.load(Ordering::SeqCst) {
        RunOutcome::Cancelled
    } else {
        RunOutcome::Completed
    }
}

/// The IDs of the items `choice` names in `description`; an item it names that the handler does
/// not list is an error naming the handler and the item.
fn choose(
    description: &HandlerDescription,
    who: &str,
    choice: &ItemChoice,
) -> Result<Vec<String>, CallError> {
    match choice {
        ItemChoice::All => Ok(description.items.iter().map(|i| i.id.clone()).collect()),
        ItemChoice::Named(names) => names
            .iter()
            .map(|name| {
                description
                    .items
                    .iter()
                    .find(|i| i.id.eq_ignore_ascii_case(name))
                    .or_else(|| description.items.iter().find(|i| &i.name == name))
                    .map(|i| i.id.clone())
                    .ok_or_else(|| {
                        let known: Vec<&str> =
                            description.items.iter().map(|i| i.name.as_str()).collect();
                        CallError::new(
                            who,
                            Some(name),
                            CHOOSE_ITEMS,
                            E_INVALIDARG,
                            format!(
                                "the handler has no item with this ID or name (its items: {})",
                                if known.is_empty() {
                                    "none".to_owned()
                                } else {
                                    known.join(", ")
                                }
                            ),
                        )
                    })
            })
            .collect(),
    }
}

/// `ISyncMgrHandler::Synchronize(ids, NULL, lent creator, NULL)`, with the host's session
/// creator and callback lent for the call and disconnected after it.
fn call_synchronize(
    recorder: &Arc<Recorder>,
    handler: &ISyncMgrHandler,
    ids: &[String],
) -> HRESULT {
    let problems: Problems = {
        let recorder = Arc::clone(recorder);
        Arc::new(move |text| {
            let who = recorder.handler();
            recorder.problem(format!("{who}: {text}"))
        })
    };
    let callback: ISyncMgrSyncCallback = HostSyncCallback::create(Arc::clone(recorder))
        .cast()
        .expect("the host's callback implements ISyncMgrSyncCallback");
    let lent_callback = lend_sync_callback(callback, Arc::clone(&problems));
    let creator: ISyncMgrSessionCreator =
        HostSessionCreator::create(Arc::clone(recorder), LentPointer(lent_callback.as_raw()))
            .cast()
            .expect("the host's creator implements ISyncMgrSessionCreator");
    let lent_creator = lend_session_creator(creator, problems);
    let wide: Vec<Vec<u16>> = ids
        .iter()
        .map(|id| id.encode_utf16().chain(std::iter::once(0)).collect())
        .collect();
    let mut pointers: Vec<*const u16> = wide.iter().map(|w| w.as_ptr()).collect();
    let pointer_list = if pointers.is_empty() {
        std::ptr::null_mut()
    } else {
        pointers.as_mut_ptr()
    };
    // SAFETY: `pointers` holds `ids.len()` NUL-terminated strings that `wide` keeps alive for the
    // call; the creator is a live lent object; a null owner window and a null punk are allowed.
    let hr = unsafe {
        handler.Synchronize(
            pointer_list,
            pointers.len() as u32,
            Default::default(),
            lent_creator.as_raw(),
            std::ptr::null_mut(),
        )
    };
    let who = recorder.handler();
    for (lent, name) in [
        (lent_creator, "ISyncMgrSessionCreator"),
        (lent_callback, "ISyncMgrSyncCallback"),
    ] {
        let returned = lent.disconnect();
        if returned.over_releases > 0 {
            recorder.problem(format!(
                "{who}: released the host's {name} {} time(s) more than it added references",
                returned.over_releases
            ));
        }
    }
    hr
}
