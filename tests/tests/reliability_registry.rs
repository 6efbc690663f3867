//! The portable registration store under stress (non-Windows): writers killed with SIGKILL in the
//! middle of rewriting a large store, readers racing writer processes, concurrent writers facing
//! a corrupt store, and a store truncated at every length or with damaged bytes.
//!
//! A `harness = false` test: `main` runs the checks and spawns this same binary as the writer
//! processes (told apart by `MOBSYNC_RELIABILITY_CHILD`). `mobsync-runtime/tests/registry_*.rs`
//! cover the store's API, a truncated/corrupt store seen by one process, four registering
//! processes and killed writers leaving a parseable store; this file adds that a killed writer
//! leaves exactly the previous (or the next) version, with every other entry intact and no class
//! half-registered, that readers never see a partial store, and that no writer overwrites a
//! corrupt store.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};
use std::time::{Duration, Instant};

#[cfg(not(windows))]
use mobsync_runtime::registry::{
    HandlerEntry, Registration, RegistryError, Store, SyncMgrEntry, SyncMgrRegistration,
    ThreadingModel,
};
use windows_core::GUID;

const CHILD_VAR: &str = "MOBSYNC_RELIABILITY_CHILD";
/// Classes in the large store the killed writers rewrite.
const BASELINE: u128 = 150;
/// The module path every test class is registered with.
const MODULE: &str = "/opt/mobsync-reliability/libhandler.so";

#[cfg(windows)]
fn main() -> ExitCode {
    println!("reliability_registry: the portable store exists only on non-Windows systems");
    ExitCode::SUCCESS
}

#[cfg(not(windows))]
fn main() -> ExitCode {
    let result = match std::env::var(CHILD_VAR).ok().as_deref() {
        Some(role) => child(role),
        None => parent(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

fn baseline_clsid(n: u128) -> GUID {
    GUID::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0000 | n)
}

fn probe_clsid(run: u64, child: u32, n: u32) -> GUID {
    GUID::from_u128(
        0xf00d_0000_0000_0000_0000_0000_0000_0000
            | (u128::from(run) << 32)
            | (u128::from(child) << 16)
            | u128::from(n),
    )
}

fn braced(guid: &GUID) -> String {
    format!("{{{guid:?}}}")
}

fn baseline_name(n: u128) -> String {
    format!("Baseline handler {n} with a reasonably long name to make the store big")
}

#[cfg(not(windows))]
fn registration<'a>(clsid: GUID, name: &'a str, module: &'a Path) -> Registration<'a> {
    Registration {
        sync_center: false,
        clsid,
        name,
        module_path: Some(module),
        threading_model: ThreadingModel::Both,
        sync_mgr: Some(SyncMgrRegistration {
            description: name,
            flags: 0x3,
        }),
    }
}

/// What `Store::handler` must return for baseline class `n`.
#[cfg(not(windows))]
fn expected_baseline(n: u128) -> HandlerEntry {
    HandlerEntry {
        clsid: baseline_clsid(n),
        name: Some(baseline_name(n)),
        module_path: Some(PathBuf::from(MODULE)),
        threading_model: Some(ThreadingModel::Both),
        sync_mgr: Some(SyncMgrEntry {
            description: baseline_name(n),
            flags: 0x3,
        }),
    }
}

/// A store file with `BASELINE` fully registered classes, written in the documented format
/// (the same keys `register` writes), so that building it does not take 1,500 rewrites.
fn baseline_json() -> String {
    let mut text = String::from("{\n  \"format\": \"mobsync-rs registry 1\",\n  \"keys\": {\n");
    let mut first = true;
    for n in 0..BASELINE {
        let clsid = braced(&baseline_clsid(n));
        let name = baseline_name(n);
        for (key, values) in [
            (
                format!("HKCR\\\\CLSID\\\\{clsid}"),
                format!("\"\": \"{name}\""),
            ),
            (
                format!("HKCR\\\\CLSID\\\\{clsid}\\\\InprocServer32"),
                format!("\"\": \"{MODULE}\", \"ThreadingModel\": \"Both\""),
            ),
            (
                format!("HKCU\\\\Software\\\\mobsync-rs\\\\Handlers\\\\{clsid}"),
                format!("\"Description\": \"{name}\", \"Flags\": 3"),
            ),
        ] {
            if !first {
                text.push_str(",\n");
            }
            first = false;
            let _ = write!(text, "    \"{key}\": {{ {values} }}");
        }
    }
    text.push_str("\n  }\n}\n");
    text
}

#[cfg(not(windows))]
fn child(role: &str) -> Result<(), String> {
    let parts: Vec<&str> = role.split(':').collect();
    let module = PathBuf::from(MODULE);
    match parts.as_slice() {
        // Registers and unregisters its probe classes forever (until killed), one class per write.
        ["churn", run, path] => {
            let run: u64 = run.parse().map_err(|e| format!("{e}"))?;
            let store = Store::at(path);
            let names: Vec<String> = (0..6).map(|n| format!("Probe {n}")).collect();
            loop {
                for (n, name) in names.iter().enumerate() {
                    let reg = registration(probe_clsid(run, 0, n as u32), name, &module);
                    store.register(&reg).map_err(|e| e.to_string())?;
                }
                for (n, name) in names.iter().enumerate().take(3) {
                    let reg = registration(probe_clsid(run, 0, n as u32), name, &module);
                    store.unregister(&reg).map_err(|e| e.to_string())?;
                }
            }
        }
        // Registers one class (run under a file-size limit: killed by SIGXFSZ mid-write).
        ["one", run, path] => {
            let run: u64 = run.parse().map_err(|e| format!("{e}"))?;
            let reg = registration(probe_clsid(run, 2, 0), "Probe crash", &module);
            Store::at(path).register(&reg).map_err(|e| e.to_string())
        }
        // Registers `count` classes, one write each.
        ["add", run, index, count, path] => {
            let run: u64 = run.parse().map_err(|e| format!("{e}"))?;
            let index: u32 = index.parse().map_err(|e| format!("{e}"))?;
            let count: u32 = count.parse().map_err(|e| format!("{e}"))?;
            let store = Store::at(path);
            for n in 0..count {
                let reg = registration(probe_clsid(run, index, n), "Added", &module);
                store.register(&reg).map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        // Tries to register into a corrupt store: must get `Corrupt` (exit 3), not succeed.
        ["corrupt", run, index, path] => {
            let run: u64 = run.parse().map_err(|e| format!("{e}"))?;
            let index: u32 = index.parse().map_err(|e| format!("{e}"))?;
            let store = Store::at(path);
            for n in 0..20 {
                let reg = registration(probe_clsid(run, index, n), "Never", &module);
                match store.register(&reg) {
                    Err(RegistryError::Corrupt { .. }) => {}
                    other => return Err(format!("register into a corrupt store: {other:?}")),
                }
            }
            std::process::exit(3);
        }
        _ => Err(format!("unknown child role {role:?}")),
    }
}

fn spawn(role: &str) -> Result<Child, String> {
    Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .env(CHILD_VAR, role)
        .spawn()
        .map_err(|e| format!("cannot spawn a child: {e}"))
}

/// Runs this binary as `role` with its file-size limit (`RLIMIT_FSIZE`) set to `bytes`: the first
/// write past the limit kills it with `SIGXFSZ`, in the middle of writing the file.
fn spawn_with_file_limit(role: &str, bytes: u64) -> Result<Child, String> {
    Command::new("prlimit")
        .arg(format!("--fsize={bytes}"))
        .arg(std::env::current_exe().map_err(|e| e.to_string())?)
        .env(CHILD_VAR, role)
        .spawn()
        .map_err(|e| format!("cannot run prlimit (util-linux): {e}"))
}

/// Temporary files a writer left in the store's directory.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "tmp"))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(not(windows))]
fn parent() -> Result<(), String> {
    let run = RandomState::new().hash_one(std::process::id()) as u32 as u64 | 1;
    let started = Instant::now();
    let phase = Instant::now();
    truncation_at_every_length()?;
    println!(
        "a store truncated at every length or with damaged bytes: ok ({:.1} s)",
        phase.elapsed().as_secs_f64()
    );
    let phase = Instant::now();
    killed_mid_write_keeps_a_whole_version(run)?;
    println!("  ({:.1} s)", phase.elapsed().as_secs_f64());
    let phase = Instant::now();
    readers_never_see_a_partial_store(run)?;
    println!(
        "readers racing four writer processes: ok ({:.1} s)",
        phase.elapsed().as_secs_f64()
    );
    let phase = Instant::now();
    concurrent_writers_leave_a_corrupt_store_alone(run)?;
    println!(
        "four writers facing a corrupt store: ok ({:.1} s)",
        phase.elapsed().as_secs_f64()
    );
    println!(
        "reliability_registry: all checks passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Checks that `err` is a `Corrupt` error naming `path` and saying the file was kept.
#[cfg(not(windows))]
fn is_clear_corrupt(err: &RegistryError, path: &Path) -> Result<(), String> {
    let text = err.to_string();
    match err {
        RegistryError::Corrupt { path: p, .. } if p == path => {}
        other => {
            return Err(format!(
                "expected Corrupt for {}, got {other:?}",
                path.display()
            ));
        }
    }
    if !text.contains(&path.display().to_string()) || !text.contains("left unchanged") {
        return Err(format!(
            "the message does not name the file and say it was kept: {text}"
        ));
    }
    Ok(())
}

/// Every prefix of a valid store, and the store with single damaged bytes: reading either gives
/// the full content (only when nothing but trailing whitespace is missing) or a clear `Corrupt`
/// error; writing never replaces the damaged file; nothing panics.
#[cfg(not(windows))]
fn truncation_at_every_length() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("registry.json");
    let store = Store::at(&path);
    let module = PathBuf::from(MODULE);
    for n in 0..3u32 {
        let name = format!("Handler {n}");
        store
            .register(&registration(probe_clsid(7, 7, n), &name, &module))
            .map_err(|e| e.to_string())?;
    }
    let full = fs::read(&path).map_err(|e| e.to_string())?;
    let complete = store.handlers().map_err(|e| e.to_string())?;
    let extra = module.clone();
    let newcomer = registration(probe_clsid(7, 8, 0), "Newcomer", &extra);
    for len in 0..full.len() {
        let prefix = &full[..len];
        fs::write(&path, prefix).map_err(|e| e.to_string())?;
        match store.handlers() {
            Ok(found) => {
                if !full[len..].iter().all(u8::is_ascii_whitespace) || found != complete {
                    return Err(format!("a {len}-byte prefix read as a different store"));
                }
            }
            Err(err) => {
                is_clear_corrupt(&err, &path).map_err(|e| format!("prefix {len}: {e}"))?;
                match store.register(&newcomer) {
                    Err(err) => is_clear_corrupt(&err, &path)
                        .map_err(|e| format!("register, prefix {len}: {e}"))?,
                    Ok(()) => return Err(format!("register succeeded on a {len}-byte prefix")),
                }
                if fs::read(&path).map_err(|e| e.to_string())? != prefix {
                    return Err(format!("the {len}-byte prefix was modified"));
                }
            }
        }
    }
    // Damaged bytes (a deterministic spread of positions and values).
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..400 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut damaged = full.clone();
        let at = (state % full.len() as u64) as usize;
        damaged[at] = (state >> 32) as u8;
        fs::write(&path, &damaged).map_err(|e| e.to_string())?;
        // Either a (different but) valid store or a clear error; never a panic.
        if let Err(err) = store.handlers() {
            is_clear_corrupt(&err, &path).map_err(|e| format!("byte {at} damaged: {e}"))?;
            if store.register(&newcomer).is_ok() {
                return Err(format!("register succeeded with byte {at} damaged"));
            }
            if fs::read(&path).map_err(|e| e.to_string())? != damaged {
                return Err(format!("the store with byte {at} damaged was modified"));
            }
        }
    }
    Ok(())
}

/// Writers crash in the middle of rewriting the store: three times at a known point of writing
/// the new version (a file-size limit kills the writer with `SIGXFSZ` at 1 %, 50 % and 99 % of
/// it), then with SIGKILL at random moments of a register/unregister loop. After each crash the
/// store holds the previous version, byte for byte when the crash point is known: every baseline
/// class exactly as before, none of the writer's classes with only part of its keys; and the next
/// writer gets the lock and removes the temporary file the dead one left.
#[cfg(not(windows))]
fn killed_mid_write_keeps_a_whole_version(run: u64) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("registry.json");
    fs::write(&path, baseline_json()).map_err(|e| e.to_string())?;
    let store = Store::at(&path);
    let size = fs::metadata(&path).map_err(|e| e.to_string())?.len();
    let check_baseline = |when: &str| -> Result<(), String> {
        let all = store
            .handlers()
            .map_err(|e| format!("{when}: the store is unreadable: {e}"))?;
        let baseline: Vec<&HandlerEntry> = all
            .iter()
            .filter(|h| h.clsid.to_u128() >> 64 == baseline_clsid(0).to_u128() >> 64)
            .collect();
        if baseline.len() != BASELINE as usize {
            return Err(format!(
                "{when}: {} of {BASELINE} baseline classes left",
                baseline.len()
            ));
        }
        for (n, entry) in baseline.into_iter().enumerate() {
            if *entry != expected_baseline(n as u128) {
                return Err(format!("{when}: baseline class {n} changed: {entry:?}"));
            }
        }
        // The writer's classes: each store write is all or nothing, so the COM class keys (one
        // write: name, InprocServer32 and ThreadingModel) are all there or all absent. (The Sync
        // Manager entry is a second write of `register`, so a kill between the two may leave a
        // class without it; that is checked separately below.)
        for entry in all.iter().filter(|h| h.clsid.to_u128() >> 112 == 0xf00d) {
            let class_keys = [
                entry.name.is_some(),
                entry.module_path.as_deref() == Some(Path::new(MODULE)),
                entry.threading_model == Some(ThreadingModel::Both),
            ];
            if class_keys.iter().any(|&k| k != class_keys[0]) {
                return Err(format!("{when}: a torn class registration: {entry:?}"));
            }
            if let Some(sync) = &entry.sync_mgr
                && (sync.flags != 0x3 || !sync.description.starts_with("Probe"))
            {
                return Err(format!("{when}: a torn Sync Manager entry: {entry:?}"));
            }
        }
        Ok(())
    };
    check_baseline("before")?;

    let module = PathBuf::from(MODULE);
    let next_writer = |when: &str| -> Result<(), String> {
        // The dead writer's lock is gone and its temporary file is cleaned up by the next writer.
        let probe = registration(probe_clsid(run, 1, 0), "After a crash", &module);
        store.register(&probe).map_err(|e| format!("{when}: {e}"))?;
        store
            .unregister(&probe)
            .map_err(|e| format!("{when}: {e}"))?;
        let left = temporaries(dir.path());
        if !left.is_empty() {
            return Err(format!("{when}: temporary files left: {left:?}"));
        }
        Ok(())
    };

    // Crashes exactly in the middle of a write: the file-size limit kills the writer while it
    // writes the new version, at 1 %, 50 % and 99 % of it.
    for percent in [1u64, 50, 99] {
        let before = fs::read(&path).map_err(|e| e.to_string())?;
        let limit = size * percent / 100;
        let mut child = spawn_with_file_limit(&format!("one:{run}:{}", path.display()), limit)?;
        let status = child.wait().map_err(|e| e.to_string())?;
        let signal = std::os::unix::process::ExitStatusExt::signal(&status);
        if signal != Some(25) {
            return Err(format!(
                "the writer limited to {limit} bytes was not stopped by SIGXFSZ: {status}"
            ));
        }
        let partial = temporaries(dir.path());
        let written = partial
            .iter()
            .map(|p| fs::metadata(p).map_or(0, |m| m.len()))
            .max()
            .unwrap_or(0);
        if partial.is_empty() || written != limit {
            return Err(format!(
                "expected a {limit}-byte partial temporary file, found {partial:?} ({written} bytes)"
            ));
        }
        if fs::read(&path).map_err(|e| e.to_string())? != before {
            return Err(format!("a writer killed at {percent} % changed the store"));
        }
        check_baseline(&format!("after a crash at {percent} % of a write"))?;
        next_writer(&format!("after a crash at {percent} % of a write"))?;
    }

    // SIGKILL at random moments of a writer that registers and unregisters in a loop.
    let mut rng = RandomState::new().hash_one(run);
    let mut mid_write = 0;
    let rounds = 12;
    for round in 1..=rounds {
        let mut child = spawn(&format!("churn:{run}:{}", path.display()))?;
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(20 + rng % 200));
        // SIGKILL: no destructor, no unwinding, no cleanup.
        child.kill().map_err(|e| e.to_string())?;
        let status = child.wait().map_err(|e| e.to_string())?;
        if std::os::unix::process::ExitStatusExt::signal(&status) != Some(9) {
            return Err(format!(
                "round {round}: the writer was not killed but ended: {status}"
            ));
        }
        if !temporaries(dir.path()).is_empty() {
            mid_write += 1;
        }
        check_baseline(&format!("after kill {round}"))?;
        next_writer(&format!("after kill {round}"))?;
    }
    println!(
        "writers crashed mid-write (SIGXFSZ at 1/50/99 %) and killed with SIGKILL at random \
         moments ({rounds} rounds, {mid_write} of them mid-write) on a {size}-byte store: the \
         previous version stayed whole every time: ok"
    );
    Ok(())
}

/// Four processes add 25 classes each to a new store, one write per class, while this process
/// reads the store as fast as it can: every read succeeds (no partial file is ever visible), the
/// number of classes never goes down, and all 100 are there at the end.
#[cfg(not(windows))]
fn readers_never_see_a_partial_store(run: u64) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("registry.json");
    let store = Store::at(&path);
    let mut children: Vec<Child> = (0..4)
        .map(|i| spawn(&format!("add:{run}:{}:25:{}", i + 10, path.display())))
        .collect::<Result<_, _>>()?;
    let mut reads = 0u64;
    let mut last = 0usize;
    loop {
        let all = store
            .handlers()
            .map_err(|e| format!("read {reads} failed while writers were running: {e}"))?;
        reads += 1;
        let added = all.len();
        if added < last {
            return Err(format!("the class count went down from {last} to {added}"));
        }
        last = added;
        let mut running = false;
        for child in &mut children {
            if child.try_wait().map_err(|e| e.to_string())?.is_none() {
                running = true;
            }
        }
        if !running {
            break;
        }
    }
    for mut child in children {
        let status = child.wait().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("a writer failed: {status}"));
        }
    }
    let found: BTreeSet<u128> = store
        .handlers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|h| h.clsid.to_u128())
        .filter(|c| c >> 112 == 0xf00d)
        .collect();
    let expected: BTreeSet<u128> = (10..14u32)
        .flat_map(|i| (0..25u32).map(move |n| probe_clsid(run, i, n).to_u128()))
        .collect();
    if found != expected {
        return Err(format!(
            "{} of 100 classes registered concurrently are missing",
            expected.difference(&found).count()
        ));
    }
    println!("  ({reads} reads during the writes)");
    Ok(())
}

/// Four processes try to register into a corrupt store at the same time: every attempt gets
/// `Corrupt`, and the file is byte-for-byte what it was.
#[cfg(not(windows))]
fn concurrent_writers_leave_a_corrupt_store_alone(run: u64) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("registry.json");
    let mut content = baseline_json().into_bytes();
    content.truncate(content.len() * 2 / 3);
    fs::write(&path, &content).map_err(|e| e.to_string())?;
    let children: Vec<Child> = (0..4)
        .map(|i| spawn(&format!("corrupt:{run}:{}:{}", i + 20, path.display())))
        .collect::<Result<_, _>>()?;
    for mut child in children {
        let status = child.wait().map_err(|e| e.to_string())?;
        if status.code() != Some(3) {
            return Err(format!("a writer did not see the corruption: {status}"));
        }
    }
    if fs::read(&path).map_err(|e| e.to_string())? != content {
        return Err("the corrupt store was modified".into());
    }
    if !temporaries(dir.path()).is_empty() {
        return Err("temporary files were left".into());
    }
    Ok(())
}
