//! The handler's behaviour without COM: which items exist, which are selected, and the worker
//! that synchronizes them while reporting through a [`Reporter`]. The COM glue in `lib.rs` maps a
//! [`Reporter`] onto Sync Manager's callback; tests can use any other.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use crate::config::FolderConfig;
use crate::copier::{CopyError, CopyObserver, FolderReport, sync_folder};
use crate::items::{FolderItem, list_items};

/// `SYNCMGRSTATUS` values the worker reports.
pub mod status {
    /// `SYNCMGRSTATUS_SKIPPED`.
    pub const SKIPPED: u32 = 1;
    /// `SYNCMGRSTATUS_UPDATING`.
    pub const UPDATING: u32 = 3;
    /// `SYNCMGRSTATUS_SUCCEEDED`.
    pub const SUCCEEDED: u32 = 4;
    /// `SYNCMGRSTATUS_FAILED`.
    pub const FAILED: u32 = 5;
}

/// `SYNCMGRLOGLEVEL` values the worker logs with.
pub mod level {
    /// `SYNCMGRLOGLEVEL_WARNING`.
    pub const WARNING: u32 = 2;
    /// `SYNCMGRLOGLEVEL_ERROR`.
    pub const ERROR: u32 = 3;
}

/// One progress report for an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressReport {
    /// Status text.
    pub text: String,
    /// A `SYNCMGRSTATUS` value.
    pub status: u32,
    /// Files done.
    pub value: i32,
    /// Files to do.
    pub max: i32,
}

/// What Sync Manager answered to a progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go on.
    Continue,
    /// The user cancelled this item (`S_SYNCMGR_CANCELITEM`).
    CancelItem,
    /// The user cancelled everything (`S_SYNCMGR_CANCELALL`).
    CancelAll,
}

/// Where the worker reports to (Sync Manager's callback, in the handler).
pub trait Reporter: Send + 'static {
    /// `Progress` for `item`.
    fn progress(&self, item: u128, report: &ProgressReport) -> Verdict;
    /// `LogError` about `item`.
    fn log_error(&self, level: u32, text: &str, item: Option<u128>);
    /// `SynchronizeCompleted`; `ok` is false when the run itself could not start.
    fn synchronize_completed(&self, ok: bool);
}

/// Cancel flags shared between `SetItemStatus` and the worker.
#[derive(Debug, Default)]
struct Cancels {
    all: bool,
    items: HashSet<u128>,
}

/// The handler state.
#[derive(Debug, Default)]
pub struct Engine {
    config: Mutex<Option<FolderConfig>>,
    items: Mutex<Vec<FolderItem>>,
    selected: Mutex<Vec<FolderItem>>,
    cancels: Arc<Mutex<Cancels>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Why an engine call failed.
#[derive(Debug)]
pub enum EngineError {
    /// `Initialize` had no usable configuration.
    Config(String),
    /// The source folder could not be listed.
    Listing {
        /// The source folder.
        source: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// The worker thread could not be started.
    Thread(io::Error),
    /// A call came in the wrong order (for example `Synchronize` before `Initialize`).
    NotReady(&'static str),
    /// `PrepareForSync` named an item that does not exist.
    UnknownItem(u128),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(text) => write!(f, "{text}"),
            Self::Listing { source, error } => {
                write!(
                    f,
                    "cannot list the source folder {}: {error}",
                    source.display()
                )
            }
            Self::Thread(error) => write!(f, "cannot start the worker thread: {error}"),
            Self::NotReady(what) => write!(f, "{what}"),
            Self::UnknownItem(id) => write!(f, "unknown item {id:032x}"),
        }
    }
}

impl Engine {
    /// `Initialize`: takes the configuration and lists the items.
    pub fn initialize(&self, config: FolderConfig) -> Result<(), EngineError> {
        let items = list_items(&config.source).map_err(|error| EngineError::Listing {
            source: config.source.clone(),
            error,
        })?;
        *lock(&self.items) = items;
        *lock(&self.config) = Some(config);
        Ok(())
    }

    /// The current items (after [`Engine::initialize`]).
    pub fn items(&self) -> Vec<FolderItem> {
        lock(&self.items).clone()
    }

    /// Lists the items again (the source may have changed).
    pub fn refresh_items(&self) -> Result<Vec<FolderItem>, EngineError> {
        let source = lock(&self.config)
            .as_ref()
            .map(|c| c.source.clone())
            .ok_or(EngineError::NotReady("Initialize was not called"))?;
        let items = list_items(&source).map_err(|error| EngineError::Listing {
            source: source.clone(),
            error,
        })?;
        *lock(&self.items) = items.clone();
        Ok(items)
    }

    /// `PrepareForSync`: remembers the selection. Unknown IDs are an error.
    pub fn prepare(&self, ids: &[u128]) -> Result<(), EngineError> {
        let items = lock(&self.items);
        let mut selected = Vec::with_capacity(ids.len());
        for id in ids {
            let item = items
                .iter()
                .find(|i| i.id == *id)
                .ok_or(EngineError::UnknownItem(*id))?;
            selected.push(item.clone());
        }
        *lock(&self.selected) = selected;
        *lock(&self.cancels) = Cancels::default();
        Ok(())
    }

    /// `SetItemStatus(item, SYNCMGRSTATUS_SKIPPED)`: the worker stops the item soon (mid-file
    /// included). Returns false for an unknown item.
    pub fn skip(&self, id: u128) -> bool {
        if !lock(&self.items).iter().any(|i| i.id == id) {
            return false;
        }
        lock(&self.cancels).items.insert(id);
        true
    }

    /// `Synchronize`: starts the worker thread and returns at once.
    pub fn synchronize(&self, reporter: impl Reporter) -> Result<(), EngineError> {
        let config = lock(&self.config)
            .clone()
            .ok_or(EngineError::NotReady("Initialize was not called"))?;
        let selected = lock(&self.selected).clone();
        let cancels = Arc::clone(&self.cancels);
        let mut worker = lock(&self.worker);
        if worker.as_ref().is_some_and(|w| !w.is_finished()) {
            return Err(EngineError::NotReady(
                "a synchronization is already running",
            ));
        }
        if let Some(previous) = worker.take() {
            let _ = previous.join();
        }
        let handle = thread::Builder::new()
            .name("folder-sync worker".into())
            .spawn(move || run(&config, &selected, &cancels, &reporter))
            .map_err(EngineError::Thread)?;
        *worker = Some(handle);
        Ok(())
    }

    /// Waits for the worker (used when the handler is released).
    pub fn join_worker(&self) {
        if let Some(worker) = lock(&self.worker).take() {
            let _ = worker.join();
        }
    }
}

/// The worker: every selected item in turn, then `SynchronizeCompleted`.
fn run(
    config: &FolderConfig,
    selected: &[FolderItem],
    cancels: &Mutex<Cancels>,
    reporter: &dyn Reporter,
) {
    for item in selected {
        sync_item(config, item, cancels, reporter);
    }
    reporter.synchronize_completed(true);
}

fn is_cancelled(cancels: &Mutex<Cancels>, id: u128) -> bool {
    let c = lock(cancels);
    c.all || c.items.contains(&id)
}

fn sync_item(
    config: &FolderConfig,
    item: &FolderItem,
    cancels: &Mutex<Cancels>,
    reporter: &dyn Reporter,
) {
    let report = |text: String, status: u32, value: usize, max: usize| {
        let verdict = reporter.progress(
            item.id,
            &ProgressReport {
                text,
                status,
                value: clamp(value),
                max: clamp(max),
            },
        );
        apply(cancels, item.id, verdict);
    };
    if is_cancelled(cancels, item.id) {
        report("skipped".into(), status::SKIPPED, 0, 0);
        return;
    }
    report("scanning".into(), status::UPDATING, 0, 1);
    if is_cancelled(cancels, item.id) {
        report("cancelled".into(), status::SKIPPED, 0, 0);
        return;
    }
    let mut observer = Observer {
        pace: config.pace,
        item,
        cancels,
        reporter,
        total: 0,
    };
    let result = sync_folder(
        &config.source.join(&item.name),
        &config.dest.join(&item.name),
        &mut observer,
    );
    let total = observer.total;
    match result {
        Ok(FolderReport {
            cancelled: true,
            copied,
            ..
        }) => {
            report(
                format!("cancelled after {copied} file(s)"),
                status::SKIPPED,
                copied,
                total.max(copied),
            );
        }
        Ok(r) if r.failed.is_empty() => {
            report(summary(&r), status::SUCCEEDED, total.max(1), total.max(1));
        }
        Ok(r) => {
            report(
                format!("{}; {} failed", summary(&r), r.failed.len()),
                status::FAILED,
                total,
                total,
            );
        }
        Err(error) => {
            // The error names the folder that failed: the source, or the destination.
            reporter.log_error(level::ERROR, &error.to_string(), Some(item.id));
            report(format!("failed: {error}"), status::FAILED, 0, 0);
        }
    }
}

fn summary(r: &FolderReport) -> String {
    format!("{} copied, {} up to date", r.copied, r.up_to_date)
}

fn clamp(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn apply(cancels: &Mutex<Cancels>, id: u128, verdict: Verdict) {
    match verdict {
        Verdict::Continue => {}
        Verdict::CancelItem => {
            lock(cancels).items.insert(id);
        }
        Verdict::CancelAll => lock(cancels).all = true,
    }
}

struct Observer<'a> {
    item: &'a FolderItem,
    cancels: &'a Mutex<Cancels>,
    reporter: &'a dyn Reporter,
    total: usize,
    pace: std::time::Duration,
}

impl CopyObserver for Observer<'_> {
    fn file_started(&mut self, index: usize, total: usize, rel: &Path) {
        self.total = total;
        if !self.pace.is_zero() {
            thread::sleep(self.pace);
        }
        let verdict = self.reporter.progress(
            self.item.id,
            &ProgressReport {
                text: format!("copying {}", rel.display()),
                status: status::UPDATING,
                value: clamp(index),
                max: clamp(total),
            },
        );
        apply(self.cancels, self.item.id, verdict);
    }

    fn file_finished(&mut self, index: usize, total: usize, rel: &Path) {
        self.total = total;
        let verdict = self.reporter.progress(
            self.item.id,
            &ProgressReport {
                text: format!("copied {}", rel.display()),
                status: status::UPDATING,
                value: clamp(index + 1),
                max: clamp(total),
            },
        );
        apply(self.cancels, self.item.id, verdict);
    }

    fn file_failed(&mut self, _rel: &Path, error: &CopyError) {
        // The error names the full path that failed, source or destination.
        self.reporter
            .log_error(level::ERROR, &error.to_string(), Some(self.item.id));
    }

    fn cancelled(&mut self) -> bool {
        is_cancelled(self.cancels, self.item.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::sync::mpsc;

    #[derive(Debug, Clone, PartialEq)]
    enum Call {
        Progress(u128, ProgressReport),
        Log(u32, String, Option<u128>),
        Completed(bool),
    }

    /// Sends every call to a channel; answers `Progress` with `answer(call number)`.
    struct Recording<F: Fn(usize, u128, &ProgressReport) -> Verdict + Send + 'static> {
        tx: Mutex<mpsc::Sender<Call>>,
        calls: Mutex<usize>,
        answer: F,
    }

    impl<F: Fn(usize, u128, &ProgressReport) -> Verdict + Send + 'static> Reporter for Recording<F> {
        fn progress(&self, item: u128, report: &ProgressReport) -> Verdict {
            let n = {
                let mut calls = lock(&self.calls);
                *calls += 1;
                *calls
            };
            lock(&self.tx)
                .send(Call::Progress(item, report.clone()))
                .unwrap();
            (self.answer)(n, item, report)
        }
        fn log_error(&self, level: u32, text: &str, item: Option<u128>) {
            lock(&self.tx)
                .send(Call::Log(level, text.to_string(), item))
                .unwrap();
        }
        fn synchronize_completed(&self, ok: bool) {
            lock(&self.tx).send(Call::Completed(ok)).unwrap();
        }
    }

    fn recording(
        answer: impl Fn(usize, u128, &ProgressReport) -> Verdict + Send + 'static,
    ) -> (impl Reporter, mpsc::Receiver<Call>) {
        let (tx, rx) = mpsc::channel();
        (
            Recording {
                tx: Mutex::new(tx),
                calls: Mutex::new(0),
                answer,
            },
            rx,
        )
    }

    fn drain(rx: &mpsc::Receiver<Call>) -> Vec<Call> {
        let mut calls = Vec::new();
        loop {
            let call = rx
                .recv_timeout(std::time::Duration::from_secs(20))
                .expect("worker finishes");
            let done = matches!(call, Call::Completed(_));
            calls.push(call);
            if done {
                return calls;
            }
        }
    }

    fn tree() -> (tempfile::TempDir, FolderConfig) {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("src");
        for (dir, files) in [("Docs", 3), ("Music", 2)] {
            fs::create_dir_all(source.join(dir)).unwrap();
            for i in 0..files {
                fs::write(
                    source.join(dir).join(format!("f{i}.txt")),
                    format!("{dir} {i}"),
                )
                .unwrap();
            }
        }
        fs::write(source.join("not-a-folder.txt"), b"x").unwrap();
        let config = FolderConfig {
            source,
            pace: std::time::Duration::ZERO,
            dest: tmp.path().join("dst"),
        };
        (tmp, config)
    }

    fn final_status(calls: &[Call], id: u128) -> u32 {
        calls
            .iter()
            .rev()
            .find_map(|c| match c {
                Call::Progress(i, r) if *i == id => Some(r.status),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn synchronizes_every_selected_folder() {
        let (_tmp, config) = tree();
        let engine = Engine::default();
        engine.initialize(config.clone()).unwrap();
        let items = engine.items();
        assert_eq!(
            items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
            ["Docs", "Music"]
        );
        engine
            .prepare(&items.iter().map(|i| i.id).collect::<Vec<_>>())
            .unwrap();
        let (reporter, rx) = recording(|_, _, _| Verdict::Continue);
        engine.synchronize(reporter).unwrap();
        let calls = drain(&rx);
        engine.join_worker();
        assert_eq!(calls.last(), Some(&Call::Completed(true)));
        for item in &items {
            assert_eq!(final_status(&calls, item.id), status::SUCCEEDED);
        }
        // Per-file progress: Docs has 3 files → 3 "copying" reports with max 3.
        let docs_copying = calls
            .iter()
            .filter(|c| matches!(c, Call::Progress(i, r) if *i == items[0].id && r.text.starts_with("copying") && r.max == 3))
            .count();
        assert_eq!(docs_copying, 3);
        assert_eq!(
            fs::read_to_string(config.dest.join("Music/f1.txt")).unwrap(),
            "Music 1"
        );
        assert!(!config.dest.join("not-a-folder.txt").exists());
    }

    #[test]
    fn only_selected_items_are_copied() {
        let (_tmp, config) = tree();
        let engine = Engine::default();
        engine.initialize(config.clone()).unwrap();
        let music = engine
            .items()
            .into_iter()
            .find(|i| i.name == "Music")
            .unwrap();
        engine.prepare(&[music.id]).unwrap();
        assert!(matches!(
            engine.prepare(&[42]),
            Err(EngineError::UnknownItem(42))
        ));
        engine.prepare(&[music.id]).unwrap();
        let (reporter, rx) = recording(|_, _, _| Verdict::Continue);
        engine.synchronize(reporter).unwrap();
        drain(&rx);
        assert!(config.dest.join("Music").exists());
        assert!(!config.dest.join("Docs").exists());
    }

    #[test]
    fn cancel_item_verdict_skips_rest_of_item_and_continues_with_next() {
        let (_tmp, config) = tree();
        let engine = Engine::default();
        engine.initialize(config.clone()).unwrap();
        let items = engine.items();
        engine
            .prepare(&items.iter().map(|i| i.id).collect::<Vec<_>>())
            .unwrap();
        let docs = items[0].id;
        // Cancel Docs when its first file starts.
        let (reporter, rx) = recording(move |_, item, r| {
            if item == docs && r.text == "copying f0.txt" {
                Verdict::CancelItem
            } else {
                Verdict::Continue
            }
        });
        engine.synchronize(reporter).unwrap();
        let calls = drain(&rx);
        assert_eq!(final_status(&calls, docs), status::SKIPPED);
        assert_eq!(final_status(&calls, items[1].id), status::SUCCEEDED);
        assert!(
            !config.dest.join("Docs/f0.txt").exists(),
            "the file being copied is dropped"
        );
        assert!(!config.dest.join("Docs/f2.txt").exists());
    }

    #[test]
    fn cancel_all_verdict_skips_everything_left() {
        let (_tmp, config) = tree();
        let engine = Engine::default();
        engine.initialize(config.clone()).unwrap();
        let items = engine.items();
        engine
            .prepare(&items.iter().map(|i| i.id).collect::<Vec<_>>())
            .unwrap();
        let (reporter, rx) = recording(|n, _, _| {
            if n == 3 {
                Verdict::CancelAll
            } else {
                Verdict::Continue
            }
        });
        engine.synchronize(reporter).unwrap();
        let calls = drain(&rx);
        assert_eq!(final_status(&calls, items[0].id), status::SKIPPED);
        assert_eq!(final_status(&calls, items[1].id), status::SKIPPED);
        assert!(!config.dest.join("Music").exists());
    }

    #[test]
    fn skip_from_set_item_status_stops_a_running_item() {
        let (_tmp, config) = tree();
        let engine = Arc::new(Engine::default());
        engine.initialize(config.clone()).unwrap();
        let items = engine.items();
        engine
            .prepare(&items.iter().map(|i| i.id).collect::<Vec<_>>())
            .unwrap();
        let docs = items[0].id;
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let gate_rx = Mutex::new(gate_rx);
        let (skip_tx, skip_rx) = mpsc::channel::<()>();
        let skip_tx = Mutex::new(skip_tx);
        // At Docs' first file, tell the test to skip, then wait until it has.
        let (reporter, rx) = recording(move |_, item, r| {
            if item == docs && r.text == "copying f0.txt" {
                lock(&skip_tx).send(()).unwrap();
                lock(&gate_rx).recv().unwrap();
            }
            Verdict::Continue
        });
        engine.synchronize(reporter).unwrap();
        skip_rx.recv().unwrap();
        assert!(engine.skip(docs));
        assert!(!engine.skip(7), "unknown item");
        gate_tx.send(()).unwrap();
        let calls = drain(&rx);
        assert_eq!(final_status(&calls, docs), status::SKIPPED);
        assert_eq!(final_status(&calls, items[1].id), status::SUCCEEDED);
        assert!(!config.dest.join("Docs/f0.txt").exists());
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_file_is_logged_and_fails_the_item() {
        let (tmp, config) = tree();
        std::os::unix::fs::symlink(
            tmp.path().join("gone"),
            config.source.join("Docs/broken.txt"),
        )
        .unwrap();
        let engine = Engine::default();
        engine.initialize(config.clone()).unwrap();
        let items = engine.items();
        engine
            .prepare(&items.iter().map(|i| i.id).collect::<Vec<_>>())
            .unwrap();
        let (reporter, rx) = recording(|_, _, _| Verdict::Continue);
        engine.synchronize(reporter).unwrap();
        let calls = drain(&rx);
        let logged: Vec<_> = calls
            .iter()
            .filter(|c| matches!(c, Call::Log(..)))
            .collect();
        assert_eq!(logged.len(), 1);
        assert!(
            matches!(logged[0], Call::Log(level::ERROR, text, Some(id)) if text.contains("Docs/broken.txt") && *id == items[0].id)
        );
        assert_eq!(final_status(&calls, items[0].id), status::FAILED);
        assert_eq!(final_status(&calls, items[1].id), status::SUCCEEDED);
        assert_eq!(
            fs::read_to_string(config.dest.join("Docs/f2.txt")).unwrap(),
            "Docs 2"
        );
    }
}
