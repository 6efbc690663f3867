//! `mobsync-host sync-center list|sync` with the real folder-sync module's Sync Center class:
//! listing handlers and items, synchronizing all or chosen items, reported events, cancelling one
//! item, Ctrl-C through `CanContinue`, a panicking handler, and errors that name the handler,
//! the item and the method.

#![cfg(unix)]

mod common;
mod host_cli_support;

use std::process::{Output, Stdio};

use host_cli_support::{Env, interrupt_after, json, many_files, stderr, stdout};
use serde_json::Value;

/// folder-sync's Sync Center CLSID.
const CENTER: &str = "{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}";

/// Runs `mobsync-host ARGS` with folder-sync configured through `FOLDER_SYNC_COOKIE` (Sync
/// Center passes no cookie).
fn run_with(env: &Env, cookie: &str, args: &[&str]) -> Output {
    env.command(args)
        .env("FOLDER_SYNC_COOKIE", cookie)
        .output()
        .expect("mobsync-host runs")
}

fn item<'a>(handler: &'a Value, name: &str) -> &'a Value {
    handler["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no item {name}: {handler}"))
}

#[test]
fn list_shows_the_registered_handler_and_its_folders() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Notes/a.txt", 5), ("Photos/p.jpg", 7)]);
    let cookie = env.cookie(&source, "dest", "");

    let out = run_with(&env, &cookie, &["sync-center", "list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed = json(&out);
    let entries = listed.as_array().unwrap();
    assert_eq!(entries.len(), 1, "only the Sync Center class: {listed}");
    assert_eq!(entries[0]["clsid"], CENTER);
    assert!(entries[0]["error"].is_null());
    let handler = &entries[0]["handler"];
    assert_eq!(handler["name"], "Folder Sync (Sync Center)");
    assert_eq!(handler["module"], env.module.to_str().unwrap());
    assert_eq!(handler["info"]["type"], "folder");
    assert_eq!(handler["info"]["type_label"], "Folders");
    assert_eq!(handler["info"]["comment"], "2 folders");
    // SYNCMGR_HCM_EVENT_STORE | SYNCMGR_HCM_CONFLICT_STORE: its events and conflicts are listed
    // by `sync-center events` and `sync-center conflicts`.
    assert_eq!(handler["capabilities"]["value"], 6);
    assert_eq!(handler["capabilities"]["names"][0], "event_store");
    assert_eq!(handler["capabilities"]["names"][1], "conflict_store");
    assert_eq!(handler["problems"], Value::Array(vec![]));
    let notes = item(handler, "Notes");
    assert_eq!(notes["type_label"], "Folder");
    assert_eq!(notes["comment"], source.join("Notes").to_str().unwrap());
    let id = notes["id"].as_str().unwrap();
    assert!(
        id.starts_with('{') && id.ends_with('}') && id.len() == 38,
        "{id}"
    );
    assert_eq!(handler["items"].as_array().unwrap().len(), 2);

    // The text form names the handler and every item, with its ID.
    let out = run_with(&env, &cookie, &["sync-center", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("Folder Sync (Sync Center) {CENTER}\n")),
        "{text}"
    );
    assert!(
        text.contains("capabilities: event_store, conflict_store"),
        "{text}"
    );
    let notes_line = text.lines().find(|l| l.contains("Notes")).unwrap();
    assert!(notes_line.contains(id), "{text}");
}

#[test]
fn sync_all_copies_every_folder_with_live_progress() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Notes/a.txt", 5), ("Notes/b.txt", 6), ("Photos/p.jpg", 7)]);
    let cookie = env.cookie(&source, "dest", "");

    let out = run_with(&env, &cookie, &["sync-center", "sync", "--all", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    let handler = &report["handlers"][0];
    assert_eq!(handler["outcome"]["kind"], "completed", "{handler}");
    assert_eq!(handler["sessions"], 1);
    assert_eq!(handler["leaked"], false);
    assert_eq!(handler["problems"], Value::Array(vec![]), "{handler}");
    let notes = item(handler, "Notes");
    assert_eq!(notes["selected"], true);
    assert_eq!(notes["status"], "succeeded");
    assert_eq!(notes["text"], "2 copied, 0 up to date");
    // Two files: started and finished each, then the final report.
    assert_eq!(notes["progress_calls"], 5, "{notes}");
    assert_eq!(item(handler, "Photos")["status"], "succeeded");
    assert_eq!(
        std::fs::read(env.root.join("dest/Notes/b.txt"))
            .unwrap()
            .len(),
        6
    );
    assert!(env.root.join("dest/Photos/p.jpg").exists());

    // Without --json: a line per progress report on stderr, by item name, and a summary.
    let out = run_with(&env, &cookie, &["sync-center", "sync", CENTER]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Folder Sync (Sync Center): synchronizing 2 of 2 items: Notes, Photos"),
        "{err}"
    );
    assert!(
        err.contains("Folder Sync (Sync Center): Notes succeeded 1/1 0 copied, 2 up to date"),
        "{err}"
    );
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("Folder Sync (Sync Center) {CENTER}: completed\n")),
        "{text}"
    );
    assert!(text.contains("Photos"), "{text}");
}

#[test]
fn chosen_items_only_are_synchronized_and_an_unknown_one_is_named() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Notes/a.txt", 5), ("Photos/p.jpg", 7)]);
    let cookie = env.cookie(&source, "dest", "");

    let out = run_with(
        &env,
        &cookie,
        &["sync-center", "sync", CENTER, "--items", "Photos", "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let handler = json(&out)["handlers"][0].clone();
    assert_eq!(item(&handler, "Photos")["status"], "succeeded");
    let notes = item(&handler, "Notes");
    assert_eq!(notes["selected"], false);
    assert_eq!(notes["status"], "not_selected");
    assert_eq!(notes["progress_calls"], 0);
    assert!(!env.root.join("dest/Notes").exists());

    // By ID, any case.
    let id = notes["id"].as_str().unwrap().to_lowercase();
    let out = run_with(
        &env,
        &cookie,
        &["sync-center", "sync", CENTER, "--items", &id, "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(env.root.join("dest/Notes/a.txt").exists());

    let out = run_with(
        &env,
        &cookie,
        &["sync-center", "sync", CENTER, "--items", "Nope", "--json"],
    );
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let outcome = &json(&out)["handlers"][0]["outcome"];
    assert_eq!(outcome["kind"], "failed");
    assert_eq!(
        outcome["handler"],
        format!("Folder Sync (Sync Center) {CENTER}")
    );
    assert_eq!(outcome["item"], "Nope");
    assert_eq!(outcome["method"], "choose items");
    assert_eq!(outcome["hresult"], "0x80070057");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "error: Folder Sync (Sync Center) {CENTER}: choose items for item Nope failed: the \
             handler has no item with this ID or name (its items: Notes, Photos)"
        )),
        "{err}"
    );
}

#[test]
fn events_the_handler_reports_are_shown_and_an_error_event_fails_the_run() {
    let env = Env::new();
    env.register();
    // Not configured: folder-sync lists no items and reports one error event.
    let out = env.run(&["sync-center", "sync", CENTER, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let handler = json(&out)["handlers"][0].clone();
    assert_eq!(handler["outcome"]["kind"], "completed");
    let events = handler["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{handler}");
    assert_eq!(events[0]["level"], "error");
    assert_eq!(events[0]["name"], "Folder Sync is not configured");
    assert_eq!(
        events[0]["description"],
        "Set FOLDER_SYNC_COOKIE to source=<dir>;dest=<dir>."
    );
    assert!(events[0]["item"].is_null());
    let id = events[0]["id"].as_str().unwrap();
    assert_ne!(id, "{00000000-0000-0000-0000-000000000000}");

    let out = env.run(&["sync-center", "sync", CENTER]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "Folder Sync (Sync Center): event (error) Folder Sync is not configured: Set \
             FOLDER_SYNC_COOKIE"
        ),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("  events:\n    error       Folder Sync is not configured"),
        "{text}"
    );
}

#[test]
fn cancel_one_item_stops_it_through_the_cancel_request_and_can_continue() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Notes/a.txt", 5), ("Notes/b.txt", 5), ("Photos/p.jpg", 7)]);
    let cookie = env.cookie(&source, "dest", "");
    let listed = json(&run_with(&env, &cookie, &["sync-center", "list", "--json"]));
    let notes_id = item(&listed[0]["handler"], "Notes")["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let out = run_with(
        &env,
        &cookie,
        &[
            "sync-center",
            "sync",
            CENTER,
            "--cancel",
            &notes_id,
            "--json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a cancelled item is not a success"
    );
    let handler = json(&out)["handlers"][0].clone();
    let notes = item(&handler, "Notes");
    assert_eq!(notes["status"], "canceled", "{notes}");
    assert_eq!(notes["cancelled"], true);
    assert!(!env.root.join("dest/Notes/a.txt").exists());
    assert_eq!(item(&handler, "Photos")["status"], "succeeded");
    assert_eq!(item(&handler, "Photos")["cancelled"], false);
    assert_eq!(handler["outcome"]["kind"], "completed");
}

#[test]
fn ctrl_c_cancels_through_can_continue() {
    let env = Env::new();
    env.register();
    let source = many_files(&env, &["A", "B"], 30, 10);
    let cookie = env.cookie(&source, "dest", ";pace_ms=40");
    let child = env
        .command(&["sync-center", "sync", CENTER, "--json"])
        .env("FOLDER_SYNC_COOKIE", &cookie)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = interrupt_after(&env, child, "dest/A/f2.txt");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let handler = json(&out)["handlers"][0].clone();
    assert_eq!(handler["outcome"]["kind"], "cancelled", "{handler}");
    for name in ["A", "B"] {
        let entry = item(&handler, name);
        assert_eq!(entry["status"], "canceled", "{entry}");
        assert_eq!(entry["cancelled"], true);
    }
    assert!(!env.root.join("dest/B").exists(), "B never started");
    assert!(
        !env.root.join("dest/A/f29.txt").exists(),
        "A stopped between files"
    );
    assert!(
        stderr(&out).contains("Cancelling every item"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_panicking_handler_and_a_missing_module_are_named_with_the_method() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Notes/a.txt", 5)]);
    let cookie = env.cookie(&source, "dest", "");
    let out = env
        .command(&["sync-center", "sync", CENTER, "--json"])
        .env("FOLDER_SYNC_COOKIE", &cookie)
        .env("FOLDER_SYNC_FAULT", "panic")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let outcome = json(&out)["handlers"][0]["outcome"].clone();
    assert_eq!(outcome["kind"], "failed");
    assert_eq!(outcome["method"], "ISyncMgrHandler::Synchronize");
    assert_eq!(outcome["hresult"], "0x8000FFFF", "E_UNEXPECTED: {outcome}");
    // The handler's error text (the panic's message, its error object's description) is the
    // failure's message.
    let message = "FOLDER_SYNC_FAULT=panic: a deliberate panic in Synchronize";
    assert_eq!(
        outcome["message"],
        format!("0x8000FFFF: panic in ISyncMgrHandler::Synchronize: {message}")
    );
    // The panic is a record of the handler's log, in its report; nothing on stderr from the
    // module (the plain fallback line named only the library).
    let handler = json(&out)["handlers"][0].clone();
    let log = handler["log"].as_array().unwrap();
    assert_eq!(log.len(), 1, "{handler}");
    assert_eq!(log[0]["level"], "error");
    let text = log[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "panic in ISyncMgrHandler::Synchronize: {message} (examples/folder-sync/src/sync_center.rs:"
        )) && text.ends_with("; returning E_UNEXPECTED"),
        "{text}"
    );
    let err = stderr(&out);
    assert!(
        !err.contains("libfolder_sync.so") && !err.contains("panicked at"),
        "{err}"
    );
    assert!(outcome["item"].is_null());
    // Without --json: one live line under the handler's name, and the failure with its text.
    let out = env
        .command(&["sync-center", "sync", CENTER])
        .env("FOLDER_SYNC_COOKIE", &cookie)
        .env("FOLDER_SYNC_FAULT", "panic")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let panics: Vec<&str> = err.lines().filter(|l| l.contains("log (error)")).collect();
    assert_eq!(panics.len(), 1, "{err}");
    assert!(
        panics[0].starts_with(&format!(
            "Folder Sync (Sync Center): log (error) panic in ISyncMgrHandler::Synchronize: {message}"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "error: Folder Sync (Sync Center) {CENTER}: ISyncMgrHandler::Synchronize failed: \
             0x8000FFFF: panic in ISyncMgrHandler::Synchronize: {message}"
        )),
        "{err}"
    );
    assert!(
        !err.contains("libfolder_sync.so") && !err.contains("stack backtrace"),
        "{err}"
    );
    assert_eq!(
        outcome["handler"],
        format!("Folder Sync (Sync Center) {CENTER}")
    );

    // --module: a library that does not exist.
    let missing = env.root.join("libnothing.so");
    let out = env.run(&[
        "sync-center",
        "list",
        CENTER,
        "--module",
        missing.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let error = json(&out)[0]["error"].clone();
    assert_eq!(error["handler"], CENTER);
    assert_eq!(error["method"], "load");
    assert!(
        error["message"].as_str().unwrap().contains("libnothing.so"),
        "{error}"
    );

    // --module with the real library works without registration.
    let unregistered = Env::new();
    let out = unregistered
        .command(&[
            "sync-center",
            "list",
            CENTER,
            "--module",
            env.module.to_str().unwrap(),
            "--json",
        ])
        .env("FOLDER_SYNC_COOKIE", &cookie)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        json(&out)[0]["handler"]["items"].as_array().unwrap().len(),
        1
    );
}
