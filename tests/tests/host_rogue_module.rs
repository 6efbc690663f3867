//! The host survives a handler module that breaks the contracts it depends on:
//! `tests/c/rogue_handler.c`, compiled with `cc` into a shared library and run through the real
//! `mobsync-host sync --module` binary, one mode at a time. An over-release of the host's
//! `ISyncMgrSynchronizeCallback` is reported (table and JSON) and nothing of the host's is freed
//! early (`cargo xtask memcheck` runs those two modes under valgrind, which must see no invalid
//! access); each other contract break is reported with what was wrong, and the sync completes;
//! an enumerator that reports more items than asked for, and names without a NUL, are caught
//! without reading past the handler's memory (also under valgrind in memcheck).

#![cfg(target_os = "linux")]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::build::{c_module, cargo_build, profile_dir};

/// The rogue module's CLSID.
const ROGUE: &str = "{0BAD0C00-0000-4000-8000-000000000001}";

fn host() -> std::path::PathBuf {
    cargo_build(&["mobsync-host"]);
    profile_dir().join("mobsync-host")
}

/// `mobsync-host sync --module MODULE ROGUE --cookie MODE [extra]`.
fn sync(module: &Path, mode: &str, extra: &[&str]) -> Output {
    let store = module.with_file_name("registry.json");
    Command::new(host())
        .args(["sync", "--module"])
        .arg(module)
        .args([ROGUE, "--cookie", mode, "--timeout", "20"])
        .args(extra)
        .env("MOBSYNC_REGISTRY", store)
        .output()
        .expect("mobsync-host runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn over_release_problems(handler: &serde_json::Value) -> Vec<String> {
    handler["problems"]
        .as_array()
        .expect("problems is an array")
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.contains("over-release"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn an_over_released_callback_is_reported_and_the_sync_still_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let module = c_module("rogue_handler.c", "rogue", tmp.path());
    for (mode, times) in [("over-release", 1), ("over-release-early", 3)] {
        let out = sync(&module, mode, &["--json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{mode}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = json(&out);
        let handler = &report["handlers"][0];
        assert_eq!(handler["outcome"]["kind"], "completed", "{mode}: {handler}");
        assert_eq!(handler["items"][0]["status"], "succeeded", "{mode}");
        assert_eq!(handler["items"][0]["status_text"], "Done", "{mode}");
        assert_eq!(
            handler["leaked"], false,
            "{mode}: the module's objects are gone"
        );
        let problems = over_release_problems(handler);
        assert_eq!(
            problems,
            [format!(
                "the handler released the host's ISyncMgrSynchronizeCallback {times} time(s) \
                 more than it added references (an over-release); the host kept the object \
                 alive, so nothing was freed early"
            )],
            "{mode}: {handler}"
        );
    }
}

#[test]
fn the_well_behaved_mode_reports_nothing_and_the_table_names_the_over_release() {
    let tmp = tempfile::tempdir().unwrap();
    let module = c_module("rogue_handler.c", "rogue", tmp.path());
    let out = sync(&module, "well-behaved", &["--json"]);
    assert_eq!(out.status.code(), Some(0));
    let handler = &json(&out)["handlers"][0];
    assert_eq!(handler["problems"], serde_json::json!([]), "{handler}");
    assert_eq!(handler["items"][0]["status"], "succeeded");

    // The human-readable report names it too.
    let out = sync(&module, "over-release", &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("over-release"), "{text}");
}

#[test]
fn each_contract_break_is_reported_and_the_sync_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let module = c_module("rogue_handler.c", "rogue", tmp.path());
    for (mode, problem) in [
        (
            "complete-twice",
            "SynchronizeCompleted called 2 times for one call".to_owned(),
        ),
        (
            "unknown-item",
            "Progress for unknown item {0BAD0C00-0000-4000-8000-0000000000FF}".to_owned(),
        ),
        (
            "bad-cbsize",
            format!(
                "Progress refused: a SYNCMGRPROGRESSITEM whose cbSize is 4 (expected {})",
                size_of::<mobsync_runtime::sys::SYNCMGRPROGRESSITEM>()
            ),
        ),
        (
            "null-log-text",
            "LogError refused: a null error text".to_owned(),
        ),
        (
            "out-of-range",
            "Progress for item {0BAD0C00-0000-4000-8000-000000000011}: a progress value above \
             its maximum (value 150, maximum 100); shown clamped"
                .to_owned(),
        ),
    ] {
        let out = sync(&module, mode, &["--json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{mode}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let handler = &json(&out)["handlers"][0];
        assert_eq!(handler["outcome"]["kind"], "completed", "{mode}: {handler}");
        assert_eq!(handler["items"][0]["status"], "succeeded", "{mode}");
        assert_eq!(
            handler["problems"],
            serde_json::json!([problem]),
            "{mode}: exactly this problem"
        );
    }
}

#[test]
fn memory_the_host_must_not_overread_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let module = c_module("rogue_handler.c", "rogue", tmp.path());
    let out = sync(&module, "overcount", &["--json"]);
    assert_eq!(out.status.code(), Some(1), "the handler failed");
    let handler = &json(&out)["handlers"][0];
    assert_eq!(handler["outcome"]["phase"], "enumerate", "{handler}");
    let message = handler["outcome"]["message"].as_str().unwrap();
    assert!(
        message.ends_with("reported 9 items fetched: invalid argument (E_INVALIDARG)"),
        "{message}"
    );
    assert_eq!(handler["items"], serde_json::json!([]), "nothing read");
    assert_eq!(handler["leaked"], false);

    let out = sync(&module, "unterminated", &["--json"]);
    assert_eq!(out.status.code(), Some(0));
    let handler = &json(&out)["handlers"][0];
    assert_eq!(
        handler["problems"],
        serde_json::json!([
            "GetHandlerInfo: wszHandlerName is not NUL-terminated",
            "item {0BAD0C00-0000-4000-8000-000000000011}: wszItemName is not NUL-terminated"
        ])
    );
    assert_eq!(
        handler["name"],
        "h".repeat(32),
        "the whole array, no further"
    );
    assert_eq!(handler["items"][0]["name"], "n".repeat(128));
}
