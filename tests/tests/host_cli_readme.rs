//! The README's `mobsync-host` section against the real binary: its shell example runs as
//! written, its exit-status table is the one `--help` prints, and its JSON field tables list every
//! field `list --json` and `sync --json` print, with the documented types.

#![cfg(unix)]

mod common;
mod host_cli_support;

use std::collections::BTreeSet;
use std::fs;
use std::process::Command;

use common::build::{profile_dir, workspace_root};
use host_cli_support::{CLSID, Env, json, stderr, stdout};
use serde_json::Value;

/// The README's `## mobsync-host` section.
fn section() -> String {
    let readme = fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let start = readme
        .find("\n## mobsync-host\n")
        .expect("a mobsync-host section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    rest[..end].to_owned()
}

/// The rows `| a | b | c |` of the first table after the line starting with `heading`.
fn table_after(text: &str, heading: &str) -> Vec<Vec<String>> {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("no `{heading}`"));
    text[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and rule
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn the_readme_example_runs_as_written() {
    let env = Env::new();
    let text = section();
    let start = text.find("```sh\n").unwrap() + "```sh\n".len();
    let block = &text[start..start + text[start..].find("```").unwrap()];
    // The build already happened (the test built the same packages); the binaries live in this
    // test's profile directory.
    let profile = profile_dir();
    let script: String = block
        .lines()
        .filter(|l| !l.starts_with("cargo build"))
        .map(|l| l.replace("target/debug/", &format!("{}/", profile.display())) + "\n")
        .collect();
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(&env.root)
        .env("TMPDIR", &env.root)
        .env_remove("MOBSYNC_REGISTRY")
        .env_remove("FOLDER_SYNC_COOKIE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the README example failed ({}):\n{script}\n{}\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    // The JSON report of `sync --all` is the last thing printed on stdout.
    let text = stdout(&out);
    let at = text.rfind("\n{\n").expect("a JSON report") + 1;
    let end = at + text[at..].find("\n}\n").expect("its end") + 2;
    let report: Value = serde_json::from_str(&text[at..end]).unwrap();
    assert_eq!(
        report["handlers"][0]["outcome"]["kind"], "completed",
        "{report}"
    );
    assert_eq!(report["summary"]["items"]["succeeded"], 1, "{report}");
    assert!(text.contains("DllUnregisterServer in"), "{text}");
}

#[test]
fn the_exit_statuses_of_help_and_readme_are_one_table() {
    let env = Env::new();
    let help = stdout(&env.run(&["--help"]));
    let listed = &help[help.find("Exit status:\n").expect("--help has the table") + 13..];
    // `  CODE  text` with continuation lines indented further.
    let mut from_help: Vec<(String, String)> = Vec::new();
    for line in listed.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match trimmed.split_once("  ") {
            Some((code, text)) if indent <= 4 && code.parse::<u8>().is_ok() => {
                from_help.push((code.to_owned(), text.trim().to_owned()))
            }
            _ if !trimmed.is_empty() => {
                let last = from_help.last_mut().expect("a code line first");
                last.1.push(' ');
                last.1.push_str(trimmed);
            }
            _ => {}
        }
    }
    let from_readme: Vec<(String, String)> = table_after(&section(), "**Exit status**")
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect();
    assert_eq!(from_help.len(), 5, "{help}");
    assert_eq!(from_readme, from_help);
}

/// A JSON value's type in the README's words.
fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether `value` has the documented type: `string`, `string or null`, `array of strings`,
/// `number (failed, timed_out)` (the part in parentheses names when it is present).
fn has_type(value: &Value, documented: &str) -> bool {
    let documented = documented.split(" (").next().unwrap();
    if documented == "array of strings" {
        return value
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_string));
    }
    documented.split(" or ").any(|t| t == type_of(value))
}

/// Every (path, value) in `value`, paths written as the README writes them
/// (`handlers[].items[].id`).
fn fields(value: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                out.push((path.clone(), child.clone()));
                fields(child, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items.iter().filter(|i| i.is_object()) {
                fields(item, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

/// Checks `documents` (JSON texts) against the table after `heading`: every field printed is
/// documented with its type, and every documented field is printed somewhere (a field documented
/// with a condition, `string (failed)`, is present exactly where `kind` says so).
fn check(heading: &str, documents: &[Value]) {
    let rows = table_after(&section(), heading);
    let documented: Vec<(String, String)> = rows
        .iter()
        .map(|row| (row[0].trim_matches('`').to_owned(), row[1].clone()))
        .collect();
    let mut seen = BTreeSet::new();
    for document in documents {
        let mut found = Vec::new();
        // `list --json` is an array of objects: its fields are documented without a prefix.
        match document {
            Value::Array(items) => items.iter().for_each(|i| fields(i, "", &mut found)),
            other => fields(other, "", &mut found),
        }
        for (path, value) in found {
            let Some((_, ty)) = documented.iter().find(|(p, _)| *p == path) else {
                panic!("`{path}` is printed but not documented under {heading}: {value}");
            };
            assert!(
                has_type(&value, ty),
                "`{path}` is documented as {ty}, but is {value}"
            );
            seen.insert(path);
        }
    }
    for (path, ty) in &documented {
        assert!(
            seen.contains(path) || ty.contains("timed_out)"),
            "`{path}` ({ty}) is documented under {heading} but never printed"
        );
    }
    // Conditional fields: present exactly for the kinds named.
    for document in documents {
        for handler in document["handlers"].as_array().into_iter().flatten() {
            let outcome = &handler["outcome"];
            let kind = outcome["kind"].as_str().unwrap();
            for (path, ty) in &documented {
                let Some(field) = path.strip_prefix("handlers[].outcome.") else {
                    continue;
                };
                let Some(kinds) = ty.split_once(" (").map(|(_, k)| k.trim_end_matches(')')) else {
                    continue;
                };
                let expected = kinds.split(", ").any(|k| k == kind);
                assert_eq!(
                    outcome.get(field).is_some(),
                    expected,
                    "`{path}` for kind {kind}: {outcome}"
                );
            }
        }
    }
}

#[test]
fn every_json_field_is_documented_with_its_type() {
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Good/a.txt", 3), ("Bad/b.txt", 3)]);
    std::os::unix::fs::symlink(env.root.join("nowhere"), source.join("Bad/broken.txt")).unwrap();
    // Declined: no cookie, no settings.
    let declined = env.run(&["sync", CLSID, "--json"]);
    assert!(declined.status.success(), "{}", stderr(&declined));
    // `settings` set: a string in `list --json`.
    let cookie_dest = env.root.join("dest");
    let set = env.run(&[
        "config",
        CLSID,
        &format!("source={}", source.display()),
        &format!("dest={}", cookie_dest.display()),
    ]);
    assert!(set.status.success(), "{}", stderr(&set));
    let list = env.run(&["list", "--json"]);
    assert!(list.status.success());
    check("`list --json` prints", &[json(&list)]);

    // Completed (with a failed item and a logged error), declined, failed to load.
    let completed = env.run(&["sync", "--all", "--json"]);
    assert_eq!(completed.status.code(), Some(1), "{}", stderr(&completed));
    let not_a_library = env.root.join("not-a-library.so");
    fs::write(&not_a_library, b"not ELF").unwrap();
    let failed = env.run(&[
        "sync",
        CLSID,
        "--json",
        "--module",
        not_a_library.to_str().unwrap(),
    ]);
    assert_eq!(failed.status.code(), Some(2));
    // The handler's own `log` record (a source folder that is not there; at debug level).
    let missing_source = env
        .command(&[
            "sync",
            CLSID,
            "--json",
            "--cookie",
            &env.cookie(&env.root.join("nosuch"), "dest", ""),
        ])
        .env("MOBSYNC_LOG", "debug")
        .output()
        .unwrap();
    assert_eq!(missing_source.status.code(), Some(1));
    let documents = [
        json(&completed),
        json(&declined),
        json(&failed),
        json(&missing_source),
    ];
    assert_eq!(documents[1]["handlers"][0]["outcome"]["kind"], "declined");
    assert_eq!(documents[2]["handlers"][0]["outcome"]["kind"], "failed");
    check("`sync --json` prints", &documents);
}

#[test]
fn every_sync_center_json_field_is_documented_with_its_type() {
    const CENTER: &str = "{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}";
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Notes/a.txt", 3), ("Photos/p.jpg", 3)]);
    let cookie = env.cookie(&source, "dest", "");
    let run = |args: &[&str], configured: bool| {
        let mut command = env.command(args);
        if configured {
            command.env("FOLDER_SYNC_COOKIE", &cookie);
        }
        command.output().unwrap()
    };

    // A handler described, and one whose library is missing.
    let listed = run(&["sync-center", "list", "--json"], true);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let missing = env.root.join("libmissing.so");
    let failed_list = run(
        &[
            "sync-center",
            "list",
            CENTER,
            "--module",
            missing.to_str().unwrap(),
            "--json",
        ],
        true,
    );
    assert_eq!(failed_list.status.code(), Some(2));
    check(
        "`sync-center list --json` prints",
        &[json(&listed), json(&failed_list)],
    );

    // Completed with items; completed with an event (not configured); failed (unknown item).
    let completed = run(&["sync-center", "sync", "--all", "--json"], true);
    assert!(completed.status.success(), "{}", stderr(&completed));
    let event = run(&["sync-center", "sync", CENTER, "--json"], false);
    assert_eq!(event.status.code(), Some(1));
    let failed = run(
        &["sync-center", "sync", CENTER, "--items", "Nope", "--json"],
        true,
    );
    assert_eq!(failed.status.code(), Some(2));
    // A panic: a record of the handler's log.
    let panicked = env
        .command(&["sync-center", "sync", CENTER, "--json"])
        .env("FOLDER_SYNC_COOKIE", &cookie)
        .env("FOLDER_SYNC_FAULT", "panic")
        .output()
        .unwrap();
    assert_eq!(panicked.status.code(), Some(1));
    let documents = [
        json(&completed),
        json(&event),
        json(&failed),
        json(&panicked),
    ];
    assert_eq!(documents[2]["handlers"][0]["outcome"]["kind"], "failed");
    assert_eq!(documents[3]["handlers"][0]["log"][0]["level"], "error");
    check("`sync-center sync --json` prints", &documents);
}

#[test]
fn every_sync_center_conflict_json_field_is_documented_with_its_type() {
    const CENTER: &str = "{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}";
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Notes/a.txt", 3), ("Photos/p.jpg", 3)]);
    let cookie = env.cookie(&source, "dest", "");
    let run = |args: &[&str]| {
        env.command(args)
            .env("FOLDER_SYNC_COOKIE", &cookie)
            .output()
            .unwrap()
    };
    let synced = run(&["sync-center", "sync", CENTER]);
    assert!(synced.status.success(), "{}", stderr(&synced));
    fs::write(source.join("Notes/a.txt"), "changed in the source").unwrap();
    fs::write(
        env.root.join("dest/Notes/a.txt"),
        "changed in the backup copy",
    )
    .unwrap();
    let synced = run(&["sync-center", "sync", CENTER]);
    assert!(synced.status.success(), "{}", stderr(&synced));

    // A handler with a conflict, and one whose library is missing.
    let listed = run(&["sync-center", "conflicts", "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert_eq!(
        json(&listed)[0]["handler"]["conflicts"][0]["id"],
        "Notes/a.txt"
    );
    let missing = env.root.join("libmissing.so");
    let failed = run(&[
        "sync-center",
        "conflicts",
        CENTER,
        "--module",
        missing.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(failed.status.code(), Some(2));
    check(
        "`sync-center conflicts --json` prints",
        &[json(&listed), json(&failed)],
    );

    let resolved = run(&[
        "sync-center",
        "resolve",
        CENTER,
        "Notes/a.txt",
        "--keep",
        "both",
        "--json",
    ]);
    assert!(resolved.status.success(), "{}", stderr(&resolved));
    check("`sync-center resolve --json` prints", &[json(&resolved)]);
}

#[test]
fn every_sync_center_event_json_field_is_documented_with_its_type() {
    const CENTER: &str = "{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}";
    let env = Env::new();
    env.register();
    let source = env.tree(&[("Notes/a.txt", 3)]);
    let cookie = env.cookie(&source, "dest", "");
    // A directory where the copy should go: the sync reports (and keeps) an error event.
    fs::create_dir_all(env.root.join("dest/Notes/a.txt/inside")).unwrap();
    let run = |args: &[&str]| {
        env.command(args)
            .env("FOLDER_SYNC_COOKIE", &cookie)
            .output()
            .unwrap()
    };
    let synced = run(&["sync-center", "sync", CENTER]);
    assert_eq!(synced.status.code(), Some(1), "{}", stderr(&synced));
    let listed = run(&["sync-center", "events", "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert_eq!(
        json(&listed)[0]["handler"]["events"][0]["name"],
        "Copy failed"
    );
    let missing = env.root.join("libmissing.so");
    let failed = run(&[
        "sync-center",
        "events",
        CENTER,
        "--module",
        missing.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(failed.status.code(), Some(2));
    check(
        "`sync-center events --json` prints",
        &[json(&listed), json(&failed)],
    );
}
