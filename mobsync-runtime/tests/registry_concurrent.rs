//! Several processes registering at once lose no entry; a writer killed at any moment leaves a
//! readable store and no stuck lock.
//!
//! A `harness = false` test: the binary runs the checks and spawns itself as the child processes
//! (told apart by the `MOBSYNC_TEST_CHILD` environment variable). The children use the system
//! store, [`Store::open`] — the file named by `MOBSYNC_REGISTRY` (pointed at a temporary file)
//! elsewhere, the registry on Windows — through `dll_register_server`, as a handler DLL does.

use std::collections::BTreeSet;
use std::hash::{BuildHasher, RandomState};
use std::path::Path;
use std::process::{Command, ExitCode};

use mobsync_runtime::registry::{
    Registration, Store, SyncMgrRegistration, ThreadingModel, dll_register_server,
    dll_unregister_server,
};
use windows_core::{GUID, HRESULT};

const CHILD_VAR: &str = "MOBSYNC_TEST_CHILD";
const PROCESSES: u32 = 4;
const CLASSES_PER_PROCESS: u32 = 20;

/// The CLSIDs child `index` registers: unique to this run (`run` is random) and to the child.
fn clsid(run: u64, child: u32, n: u32) -> GUID {
    GUID::from_u128((u128::from(run) << 64) | (u128::from(child) << 32) | u128::from(n))
}

fn registration(clsid: GUID, module: &Path) -> Registration<'_> {
    Registration {
        sync_center: false,
        clsid,
        name: "Concurrent test class",
        module_path: Some(module),
        threading_model: ThreadingModel::Both,
        sync_mgr: Some(SyncMgrRegistration {
            description: "Concurrent test handler",
            flags: 1,
        }),
    }
}

fn main() -> ExitCode {
    let result = match std::env::var(CHILD_VAR).ok().as_deref() {
        Some(role) => child(role),
        None => parent(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("FAILED: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn module_path() -> std::path::PathBuf {
    std::env::current_exe().expect("current_exe")
}

/// `register:<run>:<index>`: registers this child's classes one at a time, then unregisters
/// every odd one. `churn:<run>`: registers and unregisters forever (until killed).
fn child(role: &str) -> Result<(), String> {
    let parts: Vec<&str> = role.split(':').collect();
    let module = module_path();
    let check = |what: &str, hr: HRESULT| {
        if hr.0 == 0 {
            Ok(())
        } else {
            Err(format!("{what} returned {:#010x}", hr.0))
        }
    };
    match parts.as_slice() {
        ["register", run, index] => {
            let run: u64 = run.parse().map_err(|e| format!("{e}"))?;
            let index: u32 = index.parse().map_err(|e| format!("{e}"))?;
            for n in 0..CLASSES_PER_PROCESS {
                let reg = registration(clsid(run, index, n), &module);
                check("DllRegisterServer", dll_register_server(&[reg]))?;
            }
            for n in (1..CLASSES_PER_PROCESS).step_by(2) {
                let reg = registration(clsid(run, index, n), &module);
                check("DllUnregisterServer", dll_unregister_server(&[reg]))?;
            }
            Ok(())
        }
        ["churn", run] => {
            let run: u64 = run.parse().map_err(|e| format!("{e}"))?;
            let regs: Vec<_> = (0..8)
                .map(|n| registration(clsid(run, 99, n), &module))
                .collect();
            loop {
                check("DllRegisterServer", dll_register_server(&regs))?;
                check("DllUnregisterServer", dll_unregister_server(&regs[..4]))?;
            }
        }
        _ => Err(format!("unknown child role {role:?}")),
    }
}

fn spawn(role: &str, store_file: Option<&Path>) -> Result<std::process::Child, String> {
    let mut command = Command::new(module_path());
    command.env(CHILD_VAR, role);
    if let Some(file) = store_file {
        command.env("MOBSYNC_REGISTRY", file);
    }
    command
        .spawn()
        .map_err(|e| format!("cannot spawn a child: {e}"))
}

fn parent() -> Result<(), String> {
    let run = RandomState::new().hash_one(std::process::id()) | 1;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store_file = dir.path().join("registry.json");
    // The store the children use: the temporary file here, the registry on Windows.
    let store_file = (!cfg!(windows)).then_some(store_file.as_path());
    #[cfg(not(windows))]
    let store = Store::at(store_file.expect("not Windows"));
    #[cfg(windows)]
    let store = Store::open().map_err(|e| e.to_string())?;

    concurrent_registration(run, store_file, &store)?;
    println!("concurrent registration by {PROCESSES} processes: ok");
    if let Some(file) = store_file {
        killed_writers(run, file, &store)?;
        println!("writers killed at random moments: ok");
    }
    println!("registry_concurrent: all checks passed");
    Ok(())
}

fn concurrent_registration(
    run: u64,
    store_file: Option<&Path>,
    store: &Store,
) -> Result<(), String> {
    let children: Vec<_> = (0..PROCESSES)
        .map(|i| spawn(&format!("register:{run}:{i}"), store_file))
        .collect::<Result<_, _>>()?;
    for mut child in children {
        let status = child.wait().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("a registering child failed: {status}"));
        }
    }
    let ours = |g: &GUID| (g.to_u128() >> 64) as u64 == run;
    let found: BTreeSet<u128> = store
        .handlers()
        .map_err(|e| e.to_string())?
        .iter()
        .filter(|h| ours(&h.clsid))
        .map(|h| {
            assert_eq!(h.module_path.as_deref(), Some(module_path().as_path()));
            assert!(
                h.sync_mgr.is_some(),
                "{:?} lost its Sync Manager entry",
                h.clsid
            );
            h.clsid.to_u128()
        })
        .collect();
    let expected: BTreeSet<u128> = (0..PROCESSES)
        .flat_map(|i| (0..CLASSES_PER_PROCESS).step_by(2).map(move |n| (i, n)))
        .map(|(i, n)| clsid(run, i, n).to_u128())
        .collect();
    if found != expected {
        let missing = expected.difference(&found).count();
        let extra = found.difference(&expected).count();
        return Err(format!(
            "after concurrent registration: {missing} entries missing, {extra} unexpected"
        ));
    }
    // Clean up (matters on Windows, where the store is the real registry).
    let module = module_path();
    for i in 0..PROCESSES {
        for n in (0..CLASSES_PER_PROCESS).step_by(2) {
            store
                .unregister(&registration(clsid(run, i, n), &module))
                .map_err(|e| format!("cleanup: {e}"))?;
        }
    }
    let left = store
        .handlers()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|h| ours(&h.clsid))
        .count();
    if left != 0 {
        return Err(format!(
            "{left} entries left after unregistering everything"
        ));
    }
    Ok(())
}

/// Kills a churning writer at varying moments; after each kill the store must parse and a new
/// writer must get the lock.
fn killed_writers(run: u64, store_file: &Path, store: &Store) -> Result<(), String> {
    let probe = GUID::from_u128(u128::from(run) << 64 | 0xffff);
    let module = module_path();
    for round in 0..12u64 {
        let mut child = spawn(&format!("churn:{run}"), Some(store_file))?;
        std::thread::sleep(std::time::Duration::from_millis(20 + round * 13));
        child.kill().map_err(|e| e.to_string())?;
        child.wait().map_err(|e| e.to_string())?;
        store
            .handlers()
            .map_err(|e| format!("round {round}: store unreadable after a kill: {e}"))?;
        // The dead writer's lock is gone: this registration must go through.
        store
            .register(&registration(probe, &module))
            .map_err(|e| format!("round {round}: {e}"))?;
        store
            .unregister(&registration(probe, &module))
            .map_err(|e| format!("round {round}: {e}"))?;
    }
    // A writer killed between writing its temporary file and renaming it leaves the file behind;
    // the next writer removes it.
    let dir = store_file.parent().expect("the store is in a directory");
    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    if !leftovers.is_empty() {
        return Err(format!("temporary files left behind: {leftovers:?}"));
    }
    Ok(())
}
