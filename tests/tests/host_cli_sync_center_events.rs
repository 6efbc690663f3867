//! `mobsync-host sync-center events` with the real folder-sync module's Sync Center class: the
//! events a synchronization reports (an error event naming a path it cannot copy) are kept per
//! destination and listed by a later command (a new handler instance: every command loads the
//! module afresh) through the handler's `ISyncMgrEventStore`, under the IDs `ReportEvent`
//! returned; later synchronizations add theirs; a handler with nothing kept lists none, and one
//! that cannot be loaded exits 2.

#![cfg(unix)]

mod common;
mod host_cli_support;

use std::fs;
use std::process::Output;

use host_cli_support::{Env, json, stderr, stdout};
use serde_json::Value;

/// folder-sync's Sync Center CLSID.
const CENTER: &str = "{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}";

/// `sync-center ARGS` with folder-sync configured by `cookie`.
fn run(env: &Env, cookie: &str, args: &[&str]) -> Output {
    env.command(args)
        .env("FOLDER_SYNC_COOKIE", cookie)
        .output()
        .expect("mobsync-host runs")
}

/// Whether `text` looks like `YYYY-MM-DDTHH:MM:SSZ`.
fn is_utc(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 20
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            19 => *b == b'Z',
            _ => b.is_ascii_digit(),
        })
}

#[test]
fn the_events_a_sync_reports_are_kept_and_listed_by_a_later_command() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Notes/a.txt", 5), ("Notes/b.txt", 6)]);
    let cookie = env.cookie(&source, "dest", "");
    // A directory where a.txt's copy should go: the copy fails, even for root.
    let blocked = env.root.join("dest/Notes/a.txt");
    fs::create_dir_all(blocked.join("inside")).unwrap();

    let out = run(&env, &cookie, &["sync-center", "sync", CENTER, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let handler = json(&out)["handlers"][0].clone();
    let reported = handler["events"].as_array().unwrap().clone();
    assert_eq!(reported.len(), 1, "{handler}");
    assert_eq!(reported[0]["name"], "Copy failed");
    let description = reported[0]["description"].as_str().unwrap().to_owned();
    assert!(
        description.contains(blocked.to_str().unwrap()),
        "{description}"
    );
    let notes_id = handler["items"][0]["id"].as_str().unwrap().to_owned();

    // A later command (a new handler instance) lists the same event, under the same ID.
    let out = run(&env, &cookie, &["sync-center", "events", CENTER, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed = json(&out);
    assert!(listed[0]["error"].is_null(), "{listed}");
    let store = &listed[0]["handler"];
    assert_eq!(store["event_store"], true);
    assert_eq!(store["problems"], Value::Array(vec![]), "{store}");
    let events = store["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{store}");
    let event = &events[0];
    assert_eq!(event["id"], reported[0]["id"]);
    assert_eq!(event["level"], "error");
    assert_eq!(event["name"], "Copy failed");
    assert_eq!(event["description"], description.as_str());
    assert_eq!(event["item"], notes_id.as_str());
    assert_eq!(event["item_name"], "Notes");
    assert_eq!(event["flags"], 0);
    assert!(event["link_text"].is_null() && event["context"].is_null());
    let time = event["time"].as_str().unwrap();
    assert!(is_utc(time), "{time}");

    // The text form: one line per event, with its ID, time, level, name, description and item.
    let out = run(&env, &cookie, &["sync-center", "events", CENTER]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("Folder Sync (Sync Center) {CENTER}: 1 event\n")),
        "{text}"
    );
    let id = event["id"].as_str().unwrap();
    assert!(
        text.contains(&format!(
            "  {id} {time} error Copy failed: {description} (item Notes)\n"
        )),
        "{text}"
    );

    // A second synchronization adds its events to those kept.
    let out = run(&env, &cookie, &["sync-center", "sync", CENTER]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = run(&env, &cookie, &["sync-center", "events", "--all", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let events = json(&out)[0]["handler"]["events"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["id"], reported[0]["id"]);
    assert_ne!(events[1]["id"], events[0]["id"]);
    // Kept in the destination directory.
    assert!(env.root.join("dest/.folder-sync-events").is_file());
}

#[test]
fn nothing_kept_lists_no_events_and_a_handler_that_cannot_load_exits_2() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Notes/a.txt", 5)]);
    let cookie = env.cookie(&source, "dest", "");
    let out = run(&env, &cookie, &["sync-center", "events", CENTER]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("Folder Sync (Sync Center) {CENTER}: 0 events\n")
    );
    // A clean synchronization reports no event, so keeps none.
    let out = run(&env, &cookie, &["sync-center", "sync", CENTER]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&env, &cookie, &["sync-center", "events", CENTER, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)[0]["handler"]["events"], Value::Array(vec![]));

    // A library that is not there: the load failure, exit 2.
    let missing = env.root.join("libmissing.so");
    let out = run(
        &env,
        &cookie,
        &[
            "sync-center",
            "events",
            CENTER,
            "--module",
            missing.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let listed = json(&out);
    assert!(listed[0]["handler"].is_null());
    assert_eq!(listed[0]["error"]["method"], "load");
    // A CLSID that is not registered: exit 2 as well.
    let out = run(
        &env,
        &cookie,
        &[
            "sync-center",
            "events",
            "{00000000-0000-0000-0000-000000000001}",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
