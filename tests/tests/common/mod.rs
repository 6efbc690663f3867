//! A scriptable Sync Manager handler for the host tests, built with `#[derive(SyncMgrHandler)]`,
//! and helpers to hand it to `mobsync-host` in-process.

#![allow(dead_code)] // each test binary uses a different part

pub mod build;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mobsync_host::{HandlerSource, InProcessHandler};
use mobsync_runtime::hresults::{E_INVALIDARG, S_FALSE, S_OK};
use mobsync_runtime::interfaces::{InitializeOutcome, PrepareForSyncOutcome, SyncMgrSynchronize};
use mobsync_runtime::sys::{
    HWND, ISyncMgrEnumItems, ISyncMgrSynchronizeCallback, S_SYNCMGR_ENUMITEMS, S_SYNCMGR_RETRYSYNC,
    SYNCMGRSTATUS_FAILED, SYNCMGRSTATUS_SKIPPED, SYNCMGRSTATUS_SUCCEEDED, SYNCMGRSTATUS_UPDATING,
};
use mobsync_runtime::{
    ComObject, HandlerInfo, ItemEnumerator, LogDetails, LogLevel, ProgressResponse, ProgressUpdate,
    SyncCallback, SyncItem, SyncMgrHandler,
};
use windows_core::{GUID, HRESULT};

/// How a call that has a completion callback finishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
    /// The completion is called before the call returns.
    Early,
    /// From another thread, after this many milliseconds.
    Async(u64),
    /// Never (the call returns S_OK, the completion never comes).
    Never,
    /// Early, and then a second time.
    Twice,
    /// The call itself blocks until [`Probe::release`].
    Hang,
    /// The call panics.
    Panic,
}

/// How `Synchronize` works through its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Two progress reports per item, the last one SUCCEEDED.
    Quick,
    /// Reports progress every few milliseconds for up to ~0.5 s per item, until cancelled.
    UntilCancelled,
}

/// What the test handler does.
#[derive(Clone, Debug)]
pub struct Script {
    pub items: Vec<(GUID, String)>,
    pub decline: bool,
    pub prepare: Finish,
    pub sync: Finish,
    pub work: Work,
    /// The HRESULT given to SynchronizeCompleted.
    pub sync_hr: HRESULT,
    /// Selected items `Synchronize` never reports progress for: the host settles their status.
    pub left_open: Vec<GUID>,
    /// Added to the items during Synchronize (to test re-enumeration).
    pub add_item_during_sync: Option<(GUID, String)>,
    /// Items left out of the second and later enumerations.
    pub missing_on_second_enum: Vec<GUID>,
    /// A reference to the handler is never released: a leak.
    pub leak_self: bool,
    /// The first Synchronize fails the first item and logs an error with an ID; `ShowError` for
    /// it answers `S_SYNCMGR_RETRYSYNC` for that item.
    pub fail_once_then_retry: bool,
    /// `ShowProperties` adds this item and answers `S_SYNCMGR_ENUMITEMS`.
    pub add_item_in_properties: Option<(GUID, String)>,
}

/// The error ID the test handler logs.
pub const ERROR_ID: GUID = GUID::from_u128(0xE000_0000_0000_4000_8000_0000_0000_00E1);

impl Default for Script {
    fn default() -> Self {
        Script {
            items: vec![(guid(1), "First".into()), (guid(2), "Second".into())],
            decline: false,
            prepare: Finish::Early,
            sync: Finish::Early,
            work: Work::Quick,
            sync_hr: S_OK,
            left_open: Vec::new(),
            add_item_during_sync: None,
            missing_on_second_enum: Vec::new(),
            leak_self: false,
            fail_once_then_retry: false,
            add_item_in_properties: None,
        }
    }
}

/// A GUID for test item `n`.
pub fn guid(n: u128) -> GUID {
    GUID::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0000 | n)
}

/// What the test observed from inside the handler.
#[derive(Default)]
pub struct Probe {
    pub set_status: Mutex<Vec<(GUID, u32)>>,
    pub responses: Mutex<Vec<(GUID, ProgressResponse)>>,
    pub drops: AtomicUsize,
    pub enumerations: AtomicUsize,
    pub sync_rounds: AtomicUsize,
    pub shown_errors: Mutex<Vec<GUID>>,
    pub shown_properties: Mutex<Vec<GUID>>,
    gate: Mutex<bool>,
    opened: Condvar,
}

impl Probe {
    /// Lets a `Finish::Hang` call return.
    pub fn release(&self) {
        *self.gate.lock().unwrap() = true;
        self.opened.notify_all();
    }

    fn wait_gate(&self) {
        let mut open = self.gate.lock().unwrap();
        while !*open {
            let (guard, timeout) = self
                .opened
                .wait_timeout(open, Duration::from_secs(60))
                .unwrap();
            open = guard;
            if timeout.timed_out() {
                break;
            }
        }
    }

    pub fn responses_for(&self, id: GUID) -> Vec<ProgressResponse> {
        self.responses
            .lock()
            .unwrap()
            .iter()
            .filter(|(i, _)| *i == id)
            .map(|(_, r)| *r)
            .collect()
    }
}

/// The scriptable handler.
#[derive(SyncMgrHandler, Default)]
#[sync_mgr(clsid = "5EED0000-0000-4000-8000-00000000C1A5", name = "Test Handler")]
pub struct TestHandler {
    script: Script,
    probe: Arc<Probe>,
    items: Mutex<Vec<(GUID, String)>>,
    selected: Arc<Mutex<Vec<GUID>>>,
    skipped: Arc<Mutex<HashSet<u128>>>,
    callback: Mutex<Option<SyncCallback>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl TestHandler {
    fn new(script: Script, probe: Arc<Probe>) -> Self {
        TestHandler {
            script,
            probe,
            items: Mutex::default(),
            selected: Arc::default(),
            skipped: Arc::default(),
            callback: Mutex::default(),
            worker: Mutex::default(),
        }
    }
}

impl Drop for TestHandler {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.lock().unwrap().take() {
            let _ = worker.join();
        }
        self.probe.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn callback_of(h: &TestHandler) -> SyncCallback {
    h.callback
        .lock()
        .unwrap()
        .clone()
        .expect("SetProgressCallback came first")
}

fn finish_now(cb: &SyncCallback, which: &str, hr: HRESULT) {
    match which {
        "prepare" => cb.prepare_for_sync_completed(hr).unwrap(),
        _ => cb.synchronize_completed(hr).unwrap(),
    }
}

/// Runs the items' work on the current thread.
fn work(
    script: &Script,
    cb: &SyncCallback,
    selected: &[GUID],
    skipped: &Mutex<HashSet<u128>>,
    probe: &Probe,
) {
    let round = probe.sync_rounds.fetch_add(1, Ordering::SeqCst) + 1;
    let mut all_cancelled = false;
    for id in selected.iter().filter(|id| !script.left_open.contains(id)) {
        let report = |update: ProgressUpdate| {
            let response = cb.progress(id, &update).unwrap();
            probe.responses.lock().unwrap().push((*id, response));
            response
        };
        let skipped_now = |all: bool| all || skipped.lock().unwrap().contains(&id.to_u128());
        if skipped_now(all_cancelled) {
            report(
                ProgressUpdate::new()
                    .status(SYNCMGRSTATUS_SKIPPED.0 as u32)
                    .text("skipped"),
            );
            continue;
        }
        match script.work {
            Work::Quick if script.fail_once_then_retry && round == 1 && *id == selected[0] => {
                let details = LogDetails {
                    error_id: Some(ERROR_ID),
                    item_id: Some(*id),
                    jump_text: true,
                };
                cb.log_error(LogLevel::Error, "first attempt failed", Some(&details))
                    .unwrap();
                report(
                    ProgressUpdate::new()
                        .status(SYNCMGRSTATUS_FAILED.0 as u32)
                        .text("failed"),
                );
            }
            Work::Quick => {
                report(
                    ProgressUpdate::new()
                        .status(SYNCMGRSTATUS_UPDATING.0 as u32)
                        .text("working")
                        .progress(0, 2),
                );
                report(
                    ProgressUpdate::new()
                        .status(SYNCMGRSTATUS_SUCCEEDED.0 as u32)
                        .text("done")
                        .progress(2, 2),
                );
            }
            Work::UntilCancelled => {
                let mut cancelled = false;
                for step in 0..100 {
                    let response = report(
                        ProgressUpdate::new()
                            .status(SYNCMGRSTATUS_UPDATING.0 as u32)
                            .progress(step, 100),
                    );
                    if response == ProgressResponse::CancelAll {
                        all_cancelled = true;
                    }
                    if response.is_cancel() || skipped_now(all_cancelled) {
                        cancelled = true;
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                let status = if cancelled {
                    SYNCMGRSTATUS_SKIPPED
                } else {
                    SYNCMGRSTATUS_SUCCEEDED
                };
                report(
                    ProgressUpdate::new()
                        .status(status.0 as u32)
                        .text("finished"),
                );
            }
        }
    }
}

impl SyncMgrSynchronize for TestHandler {
    fn initialize(
        &self,
        _reserved: u32,
        _flags: u32,
        _cookie: &[u8],
    ) -> windows_core::Result<InitializeOutcome> {
        *self.items.lock().unwrap() = self.script.items.clone();
        Ok(if self.script.decline {
            InitializeOutcome::S_FALSE
        } else {
            InitializeOutcome::S_OK
        })
    }

    fn get_handler_info(&self) -> windows_core::Result<HandlerInfo> {
        Ok(HandlerInfo::new("Test Handler"))
    }

    fn enum_sync_mgr_items(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        let n = self.probe.enumerations.fetch_add(1, Ordering::SeqCst) + 1;
        let mut items: Vec<SyncItem> = self
            .items
            .lock()
            .unwrap()
            .iter()
            .map(|(id, name)| SyncItem::new(*id, name.clone()).checked(true))
            .collect();
        if n >= 2 {
            items.retain(|i| !self.script.missing_on_second_enum.contains(&i.id));
        }
        Ok(ItemEnumerator::new(items).into_interface())
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
        items: &[GUID],
        _parent: HWND,
        _reserved: u32,
    ) -> windows_core::Result<PrepareForSyncOutcome> {
        *self.selected.lock().unwrap() = items.to_vec();
        let cb = callback_of(self);
        match self.script.prepare {
            Finish::Early => finish_now(&cb, "prepare", S_OK),
            Finish::Twice => {
                finish_now(&cb, "prepare", S_OK);
                let _ = cb.prepare_for_sync_completed(S_OK);
            }
            Finish::Async(ms) => {
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(ms));
                    finish_now(&cb, "prepare", S_OK);
                });
            }
            Finish::Never => {}
            Finish::Hang => self.probe.wait_gate(),
            Finish::Panic => panic!("test handler: PrepareForSync panics"),
        }
        Ok(PrepareForSyncOutcome::S_OK)
    }

    fn synchronize(&self, _parent: HWND) -> windows_core::Result<()> {
        let cb = callback_of(self);
        if let Some(extra) = &self.script.add_item_during_sync {
            self.items.lock().unwrap().push(extra.clone());
        }
        let script = self.script.clone();
        let selected = self.selected.lock().unwrap().clone();
        let skipped = Arc::clone(&self.skipped);
        let probe = Arc::clone(&self.probe);
        let hr = if script.add_item_during_sync.is_some() {
            S_SYNCMGR_ENUMITEMS
        } else {
            script.sync_hr
        };
        match script.sync {
            Finish::Early | Finish::Twice => {
                work(&script, &cb, &selected, &skipped, &probe);
                finish_now(&cb, "sync", hr);
                if script.sync == Finish::Twice {
                    let _ = cb.synchronize_completed(hr);
                }
            }
            Finish::Async(_) | Finish::Never => {
                let never = script.sync == Finish::Never;
                let worker = std::thread::spawn(move || {
                    if let Finish::Async(ms) = script.sync {
                        std::thread::sleep(Duration::from_millis(ms));
                    }
                    work(&script, &cb, &selected, &skipped, &probe);
                    if !never {
                        finish_now(&cb, "sync", hr);
                    }
                });
                *self.worker.lock().unwrap() = Some(worker);
            }
            Finish::Hang => self.probe.wait_gate(),
            Finish::Panic => panic!("test handler: Synchronize panics"),
        }
        Ok(())
    }

    fn show_properties(&self, _parent: HWND, item: &GUID) -> windows_core::Result<()> {
        self.probe.shown_properties.lock().unwrap().push(*item);
        let Some(extra) = self.script.add_item_in_properties.clone() else {
            return Err(mobsync_runtime::hresults::E_NOTIMPL.into());
        };
        self.items.lock().unwrap().push(extra);
        callback_of(self).show_properties_completed(S_SYNCMGR_ENUMITEMS)
    }

    fn show_error(&self, _parent: HWND, error: &GUID) -> windows_core::Result<()> {
        self.probe.shown_errors.lock().unwrap().push(*error);
        if !self.script.fail_once_then_retry || *error != ERROR_ID {
            return Err(E_INVALIDARG.into());
        }
        let first = self.selected.lock().unwrap()[0];
        callback_of(self).show_error_completed(S_SYNCMGR_RETRYSYNC, &[first])
    }

    fn set_item_status(&self, item: &GUID, status: u32) -> windows_core::Result<()> {
        self.probe.set_status.lock().unwrap().push((*item, status));
        if !self.items.lock().unwrap().iter().any(|(id, _)| id == item) {
            return Err(E_INVALIDARG.into());
        }
        if status == SYNCMGRSTATUS_SKIPPED.0 as u32 {
            self.skipped.lock().unwrap().insert(item.to_u128());
        }
        Ok(())
    }
}

/// The test handler's CLSID.
pub fn test_clsid() -> GUID {
    GUID::from_u128(0x5EED0000_0000_4000_8000_00000000C1A5)
}

/// A new test handler object as a host source, with a leak check on its drop counter.
pub fn source(script: Script) -> (HandlerSource, Arc<Probe>) {
    source_checked(script, None)
}

/// Like [`source`], with `check` standing in for `DllCanUnloadNow` (default: the drop counter).
pub fn source_checked(
    script: Script,
    check: Option<Box<dyn Fn() -> HRESULT + Send>>,
) -> (HandlerSource, Arc<Probe>) {
    let probe = Arc::new(Probe::default());
    let leak = script.leak_self;
    let object = ComObject::new(TestHandler::new(script, Arc::clone(&probe)));
    if leak {
        // A reference nobody will ever release.
        std::mem::forget(object.to_unknown());
    }
    let unknown = object.to_unknown();
    drop(object);
    let drops = Arc::clone(&probe);
    let check = check.unwrap_or_else(|| {
        Box::new(move || {
            if drops.drops.load(Ordering::SeqCst) >= 1 {
                S_OK
            } else {
                S_FALSE
            }
        })
    });
    let instance = InProcessHandler::new(test_clsid(), unknown)
        .expect("the test handler implements ISyncMgrSynchronize")
        .with_unload_check(check);
    (HandlerSource::Instance(instance), probe)
}
