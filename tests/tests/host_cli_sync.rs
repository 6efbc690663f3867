//! `mobsync-host sync`, `config` and `list` as a newcomer uses them, with the real folder-sync
//! module: `--cancel ITEM`, what Ctrl-C leaves on screen, settings stored with `config` as the
//! cookie, errors about the destination, a `list` that fits 80 columns, and what the handler
//! logs or panics reaching the user as one line each.

#![cfg(unix)]

mod common;
mod host_cli_support;

use std::collections::BTreeMap;
use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use host_cli_support::{CLSID, Env, json, stderr, stdout};
use serde_json::Value;

fn item<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["handlers"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no item {name}: {report}"))
}

#[test]
fn cancel_skips_the_named_items_through_progress_and_the_others_go_on() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[
        ("A/1.txt", 10),
        ("A/2.txt", 10),
        ("B/1.txt", 10),
        ("B/2.txt", 10),
        ("C/1.txt", 10),
    ]);
    let cookie = env.cookie(&source, "dest", "");
    let out = env.run(&[
        "sync", CLSID, "--cookie", &cookie, "--json", "--cancel", "B", "--cancel", "Nope",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a skipped item is not a success"
    );
    let report = json(&out);
    let b = item(&report, "B");
    assert_eq!(b["status"], "skipped", "{b}");
    assert_eq!(b["cancelled"], true);
    assert!(b["progress_calls"].as_u64().unwrap() >= 1, "{b}");
    for name in ["A", "C"] {
        assert_eq!(item(&report, name)["status"], "succeeded");
        assert_eq!(item(&report, name)["cancelled"], false);
    }
    assert!(!env.root.join("dest/B/2.txt").exists(), "B stopped");
    assert!(env.root.join("dest/C/1.txt").exists(), "C after B ran");
    assert_eq!(report["summary"]["items"]["skipped"], 1);
    assert!(
        stderr(&out).contains("--cancel Nope: no handler has an item of that name"),
        "{}",
        stderr(&out)
    );

    // By ID, from the report.
    let c_id = item(&report, "C")["id"].as_str().unwrap().to_owned();
    let out = env.run(&[
        "sync",
        CLSID,
        "--cookie",
        &env.cookie(&source, "dest2", ""),
        "--json",
        "--cancel",
        &c_id,
    ]);
    let report = json(&out);
    assert_eq!(item(&report, "C")["status"], "skipped");
    assert_eq!(item(&report, "B")["status"], "succeeded");
    assert!(!env.root.join("dest2/C").exists());
}

/// The table's rows: item → (status, progress).
fn table_rows(table: &str) -> BTreeMap<String, (String, String)> {
    table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with("Folder Sync  "))
        .map(|l| {
            let cells: Vec<&str> = l.split("  ").filter(|c| !c.is_empty()).collect();
            (
                cells[1].trim().to_owned(),
                (cells[2].trim().to_owned(), cells[3].trim().to_owned()),
            )
        })
        .collect()
}

#[test]
fn after_ctrl_c_the_progress_lines_the_table_and_the_counts_agree() {
    let env = Env::new();
    env.register();
    let files: Vec<(String, usize)> = (0..30)
        .flat_map(|i| {
            [
                (format!("A/f{i}.txt"), 10),
                (format!("B/f{i}.txt"), 10),
                (format!("C/f{i}.txt"), 10),
            ]
        })
        .collect();
    let files: Vec<(&str, usize)> = files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let source = env.tree(&files);
    let cookie = env.cookie(&source, "dest", ";pace_ms=40");
    // No terminal: one line per change on stderr, then the table on stdout.
    let child = env
        .command(&["sync", CLSID, "--cookie", &cookie])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !env.root.join("dest/A/f2.txt").exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let table = stdout(&out);
    let rows = table_rows(&table);
    assert_eq!(rows.len(), 3, "{table}");

    // The last line each item printed shows the table's figures.
    let err = stderr(&out);
    for (name, (status, progress)) in &rows {
        let prefix = format!("[Folder Sync: {name}] ");
        let last = err
            .lines()
            .rfind(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no line for {name}: {err}"));
        assert!(
            last.starts_with(&format!("{prefix}{progress} {status}")),
            "{name}: the last line `{last}` disagrees with the table ({status} {progress})\n{table}"
        );
    }
    assert_eq!(rows["A"].0, "skipped", "{table}");
    assert_ne!(rows["A"].1, "30/30", "A was cut short: {table}");

    // The counts line counts the rows.
    let count = |s: &str| rows.values().filter(|(status, _)| status == s).count();
    let expected = format!(
        "Items: 3 selected, {} succeeded, {} failed, {} skipped.",
        count("succeeded"),
        count("failed"),
        count("skipped")
    );
    assert!(table.contains(&expected), "{expected}\n{table}");
    assert_eq!(count("skipped"), 3, "{table}");
}

#[test]
fn settings_stored_with_config_become_the_cookie_of_sync_all() {
    let env = Env::new();
    env.register();
    // A `;` in a path survives: it is escaped in the stored form and unescaped by folder-sync.
    let source = env.root.join("my;source");
    fs::create_dir_all(source.join("Notes")).unwrap();
    fs::write(source.join("Notes/a.txt"), b"hello").unwrap();
    let dest = env.root.join("backup");
    let set = env.run(&[
        "config",
        CLSID,
        &format!("source={}", source.display()),
        &format!("dest={}", dest.display()),
        "pace_ms=0",
    ]);
    assert_eq!(set.status.code(), Some(0), "{}", stderr(&set));
    assert!(
        stderr(&set).contains("Stored for Folder Sync"),
        "{}",
        stderr(&set)
    );

    let show = env.run(&["config", CLSID]);
    assert_eq!(
        stdout(&show),
        format!(
            "source={}\ndest={}\npace_ms=0\n",
            source.display(),
            dest.display()
        )
    );
    let listed = json(&env.run(&["list", "--json"]));
    assert_eq!(
        listed[0]["settings"],
        format!(
            "source={};dest={};pace_ms=0",
            source.display().to_string().replace(';', "\\;"),
            dest.display()
        )
    );

    let sync = env.run(&["sync", "--all", "--json"]);
    assert_eq!(sync.status.code(), Some(0), "{}", stderr(&sync));
    let report = json(&sync);
    assert_eq!(report["handlers"][0]["outcome"]["kind"], "completed");
    assert_eq!(fs::read(dest.join("Notes/a.txt")).unwrap(), b"hello");

    // --cookie wins over the settings.
    let other = env.root.join("other");
    let sync = env.run(&[
        "sync",
        CLSID,
        "--json",
        "--cookie",
        &format!(
            "source={};dest={}",
            source.display().to_string().replace(';', "\\;"),
            other.display()
        ),
    ]);
    assert_eq!(sync.status.code(), Some(0), "{}", stderr(&sync));
    assert!(other.join("Notes/a.txt").exists());

    // `key=` removes a key; --clear removes them all; they outlive an unregistration.
    let out = env.run(&["config", CLSID, "pace_ms="]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!stdout(&out).contains("pace_ms"), "{}", stdout(&out));
    let unregister = env.run(&["regsvr", "-u", env.module.to_str().unwrap()]);
    assert!(unregister.status.success());
    env.register();
    assert!(stdout(&env.run(&["config", CLSID])).starts_with("source="));
    let out = env.run(&["config", CLSID, "--clear"]);
    assert_eq!(out.status.code(), Some(0));
    let store = fs::read_to_string(&env.store).unwrap();
    assert!(!store.contains("Settings"), "no empty keys left: {store}");
    let show = env.run(&["config", CLSID]);
    assert_eq!(stdout(&show), "");
    assert!(
        stderr(&show).contains("No settings are stored"),
        "{}",
        stderr(&show)
    );
    assert_eq!(
        env.run(&["config", CLSID, "novalue"]).status.code(),
        Some(2)
    );
    // Without settings the handler declines again.
    let report = json(&env.run(&["sync", "--all", "--json"]));
    assert_eq!(report["handlers"][0]["outcome"]["kind"], "declined");
}

#[test]
fn a_destination_that_cannot_be_written_is_named_as_the_destination() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[("One/a.txt", 3), ("Two/sub/b.txt", 3)]);
    // `dest/One` is a file, so the item folder cannot be made; `dest/Two/sub` likewise.
    fs::create_dir_all(env.root.join("dest/Two")).unwrap();
    fs::write(env.root.join("dest/One"), b"in the way").unwrap();
    fs::write(env.root.join("dest/Two/sub"), b"in the way").unwrap();
    let out = env.run(&[
        "sync",
        CLSID,
        "--cookie",
        &env.cookie(&source, "dest", ""),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let errors: Vec<String> = report["handlers"][0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let dest = env.root.join("dest");
    assert!(
        errors[0].starts_with(&format!(
            "cannot create the folder {}: ",
            dest.join("One").display()
        )),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with(&format!(
            "cannot create the folder {}: ",
            dest.join("Two/sub").display()
        )),
        "{errors:?}"
    );
    for error in &errors {
        assert!(!error.contains(&source.display().to_string()), "{error}");
    }
}

#[test]
fn list_fits_80_columns_and_its_json_keeps_every_value_whole() {
    let env = Env::new();
    // A module in a deep folder: its path alone is wider than the terminal.
    let deep = env
        .root
        .join("a-rather-long-folder-name-for-the-handler-library")
        .join("and-another-one-below-it-to-make-the-path-long");
    fs::create_dir_all(&deep).unwrap();
    let module = deep.join(env.module.file_name().unwrap());
    fs::copy(&env.module, &module).unwrap();
    let out = env.run(&["regsvr", module.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let set = env.run(&["config", CLSID, &format!("source={}", deep.display())]);
    assert!(set.status.success());

    let list = env.run(&["list"]);
    assert!(list.status.success());
    let text = stdout(&list);
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(
        text.contains(CLSID) && text.contains("Folder Sync"),
        "{text}"
    );
    assert!(text.contains("    module: …"), "{text}");
    assert!(text.contains("libfolder_sync.so\n"), "{text}");

    let wide = env
        .command(&["list"])
        .env("COLUMNS", "300")
        .output()
        .unwrap();
    assert!(stdout(&wide).contains(&module.display().to_string()));

    let listed = json(&env.run(&["list", "--json"]));
    assert_eq!(listed[0]["module"], module.display().to_string());
    assert_eq!(listed[0]["settings"], format!("source={}", deep.display()));
}

#[test]
fn the_handlers_error_text_log_and_panics_reach_the_user_as_one_line_each() {
    let env = Env::new();
    env.register();
    // Initialize fails for a missing source: the handler's own text (its error object, the COM
    // way) is in the failure line and the JSON outcome.
    let missing = env.root.join("nosuch");
    let cookie = env.cookie(&missing, "dest", "");
    let expected = format!("cannot list the source folder {}", missing.display());
    let out = env.run(&["sync", CLSID, "--cookie", &cookie]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "Folder Sync: FAILED in Initialize: 0x80070003 Initialize failed: {expected}: "
        )),
        "{}",
        stdout(&out)
    );
    // Its `log::debug!` about the same is not shown at the default level...
    assert!(!stderr(&out).contains("debug ["), "{}", stderr(&out));
    let report = json(&env.run(&["sync", CLSID, "--json", "--cookie", &cookie]));
    let outcome = &report["handlers"][0]["outcome"];
    assert!(
        outcome["message"].as_str().unwrap().contains(&expected),
        "{outcome}"
    );
    assert_eq!(report["handlers"][0]["log"], serde_json::json!([]));
    // ...and is with MOBSYNC_LOG=debug: under the handler's name, and in the JSON report.
    let debug = |extra: &[&str]| {
        let mut args = vec!["sync", CLSID, "--cookie", &cookie];
        args.extend(extra);
        env.command(&args)
            .env("MOBSYNC_LOG", "debug")
            .output()
            .unwrap()
    };
    let err = stderr(&debug(&[]));
    let line = err
        .lines()
        .find(|l| l.starts_with("debug [Folder Sync] folder-sync: "))
        .unwrap_or_else(|| panic!("no debug line from the handler: {err}"));
    assert!(line.contains(&expected), "{line}");
    let log = json(&debug(&["--json"]))["handlers"][0]["log"].clone();
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log[0]["level"], "debug");
    assert!(
        log[0]["text"].as_str().unwrap().contains(&expected),
        "{log}"
    );

    // A panic in Synchronize: one line naming the handler, the method and the message, and the
    // message as the failure's text; no raw panic text or backtrace from inside the handler.
    let source = env.tree(&[("A/1.txt", 3)]);
    let out = env
        .command(&["sync", CLSID, "--cookie", &env.cookie(&source, "dest", "")])
        .env("FOLDER_SYNC_FAULT", "panic")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let message = "FOLDER_SYNC_FAULT=panic: a deliberate panic in Synchronize";
    let panics: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("error [Folder Sync] panic"))
        .collect();
    assert_eq!(panics.len(), 1, "{err}");
    assert!(
        panics[0].starts_with(&format!(
            "error [Folder Sync] panic in ISyncMgrSynchronize::Synchronize: {message} \
             (examples/folder-sync/src/handler.rs:"
        )),
        "{err}"
    );
    assert!(panics[0].ends_with("; returning E_UNEXPECTED"), "{err}");
    assert!(
        stdout(&out).contains(&format!(
            "Folder Sync: FAILED in Synchronize: 0x8000FFFF Synchronize failed: panic in \
             ISyncMgrSynchronize::Synchronize: {message}"
        )),
        "{}",
        stdout(&out)
    );
    assert!(
        !err.contains("panicked at") && !err.contains("stack backtrace"),
        "{err}"
    );
}
