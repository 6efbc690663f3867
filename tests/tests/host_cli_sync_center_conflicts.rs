//! `mobsync-host sync-center conflicts|resolve` with the real folder-sync module's Sync Center
//! class: a file changed on both sides since the last sync is held back, reported as an event
//! and listed as a conflict (also by a new handler instance: every command loads the module
//! afresh), and each way of resolving it (keep source, keep destination, keep both) does what
//! it says; an unknown conflict ID is named and exits 2.

#![cfg(unix)]

mod common;
mod host_cli_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use host_cli_support::{Env, json, stderr, stdout};
use serde_json::Value;

/// folder-sync's Sync Center CLSID.
const CENTER: &str = "{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}";

/// A registered handler over `source` → `dest` with `Notes/a.txt` synchronized once and then
/// changed on both sides (different lengths, so the change shows in the stamps).
struct Conflicted {
    env: Env,
    cookie: String,
    source: PathBuf,
    dest: PathBuf,
}

impl Conflicted {
    fn new() -> Conflicted {
        let env = Env::new();
        env.register();
        let source = env.tree(&[("Notes/a.txt", 5), ("Notes/b.txt", 6)]);
        let cookie = env.cookie(&source, "dest", "");
        let dest = env.root.join("dest");
        let this = Conflicted {
            env,
            cookie,
            source,
            dest,
        };
        let first = this.run(&["sync-center", "sync", CENTER]);
        assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
        fs::write(this.source.join("Notes/a.txt"), "edited in the source").unwrap();
        fs::write(this.dest.join("Notes/a.txt"), "edited in the backup copy").unwrap();
        this
    }

    fn run(&self, args: &[&str]) -> Output {
        self.env
            .command(args)
            .env("FOLDER_SYNC_COOKIE", &self.cookie)
            .output()
            .expect("mobsync-host runs")
    }

    fn read(&self, path: &Path) -> String {
        fs::read_to_string(path).unwrap()
    }

    /// Syncs (which finds the conflict), then lists the conflicts as JSON.
    fn sync_and_list(&self) -> Value {
        let out = self.run(&["sync-center", "sync", CENTER, "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report = json(&out);
        let handler = &report["handlers"][0];
        let notes = &handler["items"][0];
        assert_eq!(
            notes["text"], "0 copied, 1 up to date, 1 in conflict",
            "{notes}"
        );
        let events = handler["events"].as_array().unwrap();
        assert_eq!(events.len(), 1, "{handler}");
        assert_eq!(events[0]["level"], "warning");
        assert_eq!(events[0]["name"], "Conflict");
        let description = events[0]["description"].as_str().unwrap();
        assert!(
            description.contains(self.source.join("Notes/a.txt").to_str().unwrap())
                && description.contains(self.dest.join("Notes/a.txt").to_str().unwrap()),
            "{description}"
        );
        // Not overwritten.
        assert_eq!(
            self.read(&self.dest.join("Notes/a.txt")),
            "edited in the backup copy"
        );
        let out = self.run(&["sync-center", "conflicts", CENTER, "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        json(&out)
    }

    fn resolve(&self, keep: &str) -> Output {
        self.run(&[
            "sync-center",
            "resolve",
            CENTER,
            "Notes/a.txt",
            "--keep",
            keep,
        ])
    }

    fn conflict_count(&self) -> usize {
        let out = self.run(&["sync-center", "conflicts", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        json(&out)[0]["handler"]["conflicts"]
            .as_array()
            .unwrap()
            .len()
    }
}

#[test]
fn a_file_changed_on_both_sides_is_held_back_reported_and_listed() {
    let c = Conflicted::new();
    let listed = c.sync_and_list();
    let handler = &listed[0]["handler"];
    assert_eq!(handler["conflict_store"], true);
    assert_eq!(handler["problems"], Value::Array(vec![]), "{handler}");
    let conflicts = handler["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{handler}");
    let conflict = &conflicts[0];
    assert_eq!(conflict["id"], "Notes/a.txt");
    assert_eq!(conflict["item_name"], "Notes");
    assert_eq!(conflict["name"], "a.txt");
    let versions = conflict["versions"].as_array().unwrap();
    assert_eq!(versions[0]["location_short"], "Source");
    assert_eq!(
        versions[0]["location_full"],
        c.source.join("Notes/a.txt").to_str().unwrap()
    );
    assert_eq!(versions[1]["location_short"], "Backup");
    assert_eq!(versions[1]["alternate_name"], "a (backup).txt");
    assert_eq!(versions[1]["kind"], "updated");
    // The text form names the conflict, its item and both locations.
    let out = c.run(&["sync-center", "conflicts", CENTER]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "Folder Sync (Sync Center) {7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}: 1 conflict\n"
        ),
        "{text}"
    );
    assert!(text.contains("Notes/a.txt (item Notes)"), "{text}");
    assert!(
        text.contains(c.dest.join("Notes/a.txt").to_str().unwrap()),
        "{text}"
    );
    // Syncing again does not resolve it.
    let again = c.run(&["sync-center", "sync", CENTER]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(c.conflict_count(), 1);
}

#[test]
fn keep_source_copies_the_source_over() {
    let c = Conflicted::new();
    c.sync_and_list();
    let out = c.resolve("source");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("resolved conflict Notes/a.txt keeping source (version 0)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(c.read(&c.dest.join("Notes/a.txt")), "edited in the source");
    assert_eq!(c.conflict_count(), 0);
}

#[test]
fn keep_destination_keeps_the_backup_across_syncs() {
    let c = Conflicted::new();
    c.sync_and_list();
    let out = c.resolve("destination");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(c.conflict_count(), 0);
    let sync = c.run(&["sync-center", "sync", CENTER]);
    assert_eq!(sync.status.code(), Some(0), "{}", stderr(&sync));
    assert_eq!(
        c.read(&c.dest.join("Notes/a.txt")),
        "edited in the backup copy"
    );
    // A later change of the source is copied as usual.
    fs::write(
        c.source.join("Notes/a.txt"),
        "edited in the source again, later",
    )
    .unwrap();
    let sync = c.run(&["sync-center", "sync", CENTER]);
    assert_eq!(sync.status.code(), Some(0), "{}", stderr(&sync));
    assert_eq!(
        c.read(&c.dest.join("Notes/a.txt")),
        "edited in the source again, later"
    );
}

#[test]
fn keep_both_keeps_the_backup_under_its_alternate_name() {
    let c = Conflicted::new();
    c.sync_and_list();
    let out = c.run(&[
        "sync-center",
        "resolve",
        CENTER,
        "Notes/a.txt",
        "--keep",
        "both",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let resolved = json(&out);
    assert_eq!(resolved["keep"], "both");
    assert_eq!(resolved["kept"], serde_json::json!([0, 1]));
    assert_eq!(resolved["still_listed"], false);
    assert_eq!(resolved["problems"], Value::Array(vec![]), "{resolved}");
    assert_eq!(c.read(&c.dest.join("Notes/a.txt")), "edited in the source");
    assert_eq!(
        c.read(&c.dest.join("Notes/a (backup).txt")),
        "edited in the backup copy"
    );
    assert_eq!(c.conflict_count(), 0);
}

#[test]
fn an_unknown_conflict_is_named_and_exits_2() {
    let c = Conflicted::new();
    c.sync_and_list();
    let out = c.run(&[
        "sync-center",
        "resolve",
        CENTER,
        "Notes/zzz.txt",
        "--keep",
        "both",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("no conflict with the ID Notes/zzz.txt (its conflicts: Notes/a.txt)"),
        "{err}"
    );
    // Nothing changed.
    assert_eq!(
        c.read(&c.dest.join("Notes/a.txt")),
        "edited in the backup copy"
    );
    // A handler that is not registered: exit 2 as well.
    let out = c.run(&[
        "sync-center",
        "resolve",
        "{00000000-0000-0000-0000-000000000001}",
        "x",
        "--keep",
        "source",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A bad --keep is a usage error.
    let out = c.run(&[
        "sync-center",
        "resolve",
        CENTER,
        "Notes/a.txt",
        "--keep",
        "mine",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_failed_resolution_names_the_path_and_exits_1() {
    let c = Conflicted::new();
    c.sync_and_list();
    // An immutable backup folder: the backup's copy cannot be renamed, even by root. Without
    // chattr (or a file system that supports it), the failure cannot be provoked here.
    let folder = c.dest.join("Notes");
    let immutable = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&folder)
        .output()
        .is_ok_and(|o| o.status.success());
    if !immutable {
        eprintln!("chattr +i is not available here: the failure path is not exercised");
        return;
    }
    let out = c.resolve("both");
    let _ = std::process::Command::new("chattr")
        .arg("-i")
        .arg(&folder)
        .status();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("ISyncMgrConflict::Resolve failed")
            && err.contains(&format!("cannot rename {}", folder.join("a.txt").display())),
        "{err}"
    );
    assert_eq!(c.conflict_count(), 1, "the conflict stays");
}
