//! The `mobsync-host` command line against the real folder-sync module, in a temporary
//! registration store: regsvr, list, sync (table and JSON, exit status), Ctrl-C, unregister.

#![cfg(unix)]

mod common;
mod host_cli_support;

use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use host_cli_support::{CLSID, Env, json, stderr};

#[test]
fn register_list_sync_and_unregister() {
    let env = Env::new();
    env.register();

    let list = env.run(&["list", "--json"]);
    assert!(list.status.success());
    let handlers = json(&list);
    assert_eq!(handlers[0]["clsid"], CLSID);
    assert_eq!(handlers[0]["name"], "Folder Sync");
    assert_eq!(handlers[0]["threading_model"], "Both");
    assert_eq!(handlers[0]["sync_manager"]["description"], "Folder Sync");

    let source = env.tree(&[
        ("One/a.txt", 10),
        ("One/sub/b.txt", 70_000),
        ("Two/c.txt", 5),
    ]);
    let cookie = env.cookie(&source, "dest", "");
    let sync = env.run(&["sync", CLSID, "--cookie", &cookie, "--json"]);
    assert!(sync.status.success(), "{}", stderr(&sync));
    let report = json(&sync);
    let handler = &report["handlers"][0];
    assert_eq!(handler["outcome"]["kind"], "completed");
    assert_eq!(handler["leaked"], false);
    let items = handler["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        assert_eq!(item["status"], "succeeded");
        assert!(item["progress_calls"].as_u64().unwrap() >= 3);
    }
    assert_eq!(
        fs::read(env.root.join("dest/One/sub/b.txt")).unwrap().len(),
        70_000
    );

    // The table form, and selecting one item by name; --all finds the registered handler.
    let one = env.run(&[
        "sync",
        CLSID,
        "--cookie",
        &env.cookie(&source, "dest2", ""),
        "--items",
        "Two",
    ]);
    assert!(one.status.success());
    let table = String::from_utf8_lossy(&one.stdout);
    assert!(
        table.contains("Folder Sync  Two") && table.contains("succeeded"),
        "{table}"
    );
    assert!(!env.root.join("dest2/One").exists());
    let all = env.run(&["sync", "--all", "--json"]);
    // No cookie and no FOLDER_SYNC_COOKIE: the handler declines, which is not a failure.
    assert!(all.status.success());
    assert_eq!(json(&all)["handlers"][0]["outcome"]["kind"], "declined");

    let unregister = env.run(&["regsvr", "-u", env.module.to_str().unwrap()]);
    assert!(unregister.status.success());
    assert_eq!(json(&env.run(&["list", "--json"])), serde_json::json!([]));
    let missing = env.run(&["sync", CLSID, "--json"]);
    assert_eq!(
        missing.status.code(),
        Some(2),
        "an unregistered CLSID is a setup error"
    );
    assert!(missing.stdout.is_empty(), "no report: nothing ran");
    assert!(
        stderr(&missing).contains(&format!(
            "{CLSID} is not registered in the registration store {}",
            env.store.display()
        )),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn failures_give_a_nonzero_exit_status() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Good/a.txt", 3), ("Bad/b.txt", 3)]);
    std::os::unix::fs::symlink(env.root.join("nowhere"), source.join("Bad/broken.txt")).unwrap();
    let sync = env.run(&[
        "sync",
        CLSID,
        "--cookie",
        &env.cookie(&source, "dest", ""),
        "--json",
    ]);
    assert_eq!(sync.status.code(), Some(1));
    let report = json(&sync);
    let handler = &report["handlers"][0];
    let status = |name: &str| {
        handler["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("Good"), "succeeded");
    assert_eq!(status("Bad"), "failed");
    let errors = handler["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["level"], "error");
    assert!(errors[0]["text"].as_str().unwrap().contains("broken.txt"));

    let usage = env.run(&["sync", "not-a-guid"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn ctrl_c_cancels_every_item_through_the_protocol() {
    let env = Env::new();
    env.register();
    let files: Vec<(String, usize)> = (0..40)
        .flat_map(|i| [(format!("A/f{i}.txt"), 100), (format!("B/f{i}.txt"), 100)])
        .collect();
    let files: Vec<(&str, usize)> = files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let source = env.tree(&files);
    let cookie = env.cookie(&source, "dest", ";pace_ms=50");
    let child = env
        .command(&["sync", CLSID, "--cookie", &cookie, "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first files arrive, then press Ctrl-C.
    let started = Instant::now();
    while !env.root.join("dest/A/f0.txt").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the sync never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    for item in report["handlers"][0]["items"].as_array().unwrap() {
        assert_eq!(item["status"], "skipped", "{item}");
        assert_eq!(item["cancelled"], true);
    }
    let copied = fs::read_dir(env.root.join("dest/A"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(
        copied < 40,
        "the cancel stopped the copy early ({copied} files)"
    );
    assert!(
        !env.root.join("dest/B").exists(),
        "the second item never started"
    );
}
