//! What `mobsync-host` says, and which status it exits with, when something is set up wrong: a
//! corrupt or missing registration, a file that is not a library, a handler that declines. One
//! exit-status table holds for every command (see `mobsync-host --help`).

#![cfg(unix)]

mod common;
mod host_cli_support;

use std::fs;

use host_cli_support::{CLSID, Env, json, stderr, stdout};

#[test]
fn a_corrupt_store_is_a_setup_error_named_by_every_command() {
    let env = Env::new();
    env.register();
    let corrupt = b"{\"format\": \"mobsync-rs registry 1\", \"keys\": {";
    fs::write(&env.store, corrupt).unwrap();
    let module = env.module.to_str().unwrap();
    let store = env.store.display().to_string();
    for args in [
        vec!["sync", CLSID],
        vec!["sync", CLSID, "--json"],
        vec!["sync", "--all"],
        vec!["sync", "--all", "--json"],
        vec!["regsvr", module],
        vec!["regsvr", "-u", module],
        vec!["list"],
        vec!["list", "--json"],
        vec!["config", CLSID],
        vec!["config", CLSID, "source=/a"],
    ] {
        let out = env.run(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("registration store {store} is corrupt")),
            "{args:?} does not name the store: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", stdout(&out));
    }
    assert_eq!(fs::read(&env.store).unwrap(), corrupt, "left unchanged");
}

#[test]
fn setup_errors_exit_2_and_say_what_to_do() {
    let env = Env::new();
    // Nothing registered yet.
    let out = env.run(&["sync", CLSID, "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{CLSID} is not registered in the registration store {}",
            env.store.display()
        )) && err.contains("mobsync-host regsvr"),
        "{err}"
    );
    let out = env.run(&["sync", "--all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "no handler registered in the registration store {} takes part in a manual sync",
            env.store.display()
        )),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["config", CLSID, "source=/a"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not registered"));
    // A usage error.
    assert_eq!(env.run(&["sync", "not-a-guid"]).status.code(), Some(2));
    assert_eq!(env.run(&["sync"]).status.code(), Some(2));
}

#[test]
fn a_file_that_is_not_a_library_is_named_once_with_the_loaders_reason() {
    let env = Env::new();
    fs::write(env.root.join("notalib.so"), b"garbage\n").unwrap();
    for args in [
        vec!["regsvr", "notalib.so"],
        vec!["sync", CLSID, "--module", "notalib.so"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.matches("cannot load").count(), 1, "{args:?}: {err}");
        if args[0] == "sync" {
            // The sync ran as far as loading: the report says why too.
            assert_eq!(stdout(&out).matches("cannot load").count(), 1, "{args:?}");
        }
        let line = err
            .lines()
            .find(|l| l.starts_with("error: ") && l.contains("cannot load"))
            .unwrap_or_else(|| panic!("{args:?}: {err}"))
            .to_owned();
        let reason = line.split("cannot load notalib.so: ").nth(1).unwrap_or("");
        assert!(
            !reason.trim().is_empty() && !reason.contains("dlopen failed"),
            "the loader's own reason is missing: {line}"
        );
    }
    let out = env.run(&["regsvr", "missing.so"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot load missing.so: No such file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_declined_handler_is_reported_on_stderr_and_in_the_json() {
    let env = Env::new();
    env.register();
    let hint = format!("store its settings with `mobsync-host config {CLSID} key=value ...`");
    let out = env.run(&["sync", "--all", "--json"]);
    assert_eq!(out.status.code(), Some(0), "declining is not a failure");
    let report = json(&out);
    let handler = &report["handlers"][0];
    assert_eq!(handler["outcome"]["kind"], "declined");
    assert_eq!(handler["name"], "Folder Sync", "the registered name");
    assert_eq!(report["summary"]["handlers"]["declined"], 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "Folder Sync {CLSID}: declined this sync (Initialize returned S_FALSE)"
        )) && err.contains(&hint),
        "{err}"
    );
    // The table says it too.
    let out = env.run(&["sync", CLSID]);
    assert_eq!(out.status.code(), Some(0));
    let table = stdout(&out);
    assert!(table.contains("Folder Sync  -     declined"), "{table}");
    assert!(
        table.contains(
            "Items: 0 selected, 0 succeeded, 0 failed, 0 skipped. Handlers: 1 (1 declined)."
        ),
        "{table}"
    );
    assert!(
        stderr(&out).contains("declined this sync"),
        "{}",
        stderr(&out)
    );
}
