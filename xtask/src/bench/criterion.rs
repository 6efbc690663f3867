//! Runs the criterion suite of `mobsync-benches` and reads criterion's estimates back.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, ensure};
use serde_json::Value;

use super::Args;
use crate::checked_runs::step;

/// One row of the call benchmarks: a criterion group with the three implementations.
pub(super) struct CallRow {
    pub(super) group: &'static str,
    pub(super) label: &'static str,
    /// Whether the ≤ 1.1 × floor target applies (method calls only).
    pub(super) floor_target: bool,
}

pub(super) const CALL_ROWS: [CallRow; 7] = [
    CallRow {
        group: "call_SetItemStatus",
        label: "Method call `SetItemStatus(&id, status)`",
        floor_target: true,
    },
    CallRow {
        group: "call_Synchronize",
        label: "Method call `Synchronize(hwnd)`",
        floor_target: true,
    },
    CallRow {
        group: "AddRef_Release",
        label: "`AddRef` + `Release` pair",
        floor_target: false,
    },
    CallRow {
        group: "QueryInterface_hit",
        label: "`QueryInterface` hit (+ `Release`)",
        floor_target: false,
    },
    CallRow {
        group: "QueryInterface_miss",
        label: "`QueryInterface` miss (`E_NOINTERFACE`)",
        floor_target: false,
    },
    CallRow {
        group: "CreateInstance_Release",
        label: "`IClassFactory::CreateInstance` + `Release`",
        floor_target: false,
    },
    CallRow {
        group: "create_object_Release",
        label: "Create an object from Rust, get its interface, `Release`",
        floor_target: false,
    },
];

pub(super) const ENUM_GROUPS: [(&str, &str); 2] = [
    ("EnumItems_Next_batch1", "`Next`, 100,000 items, batch 1"),
    ("EnumItems_Next_batch64", "`Next`, 100,000 items, batch 64"),
];
pub(super) const ENUM_ITEMS: f64 = 100_000.0;
/// The criterion bench targets of `mobsync-benches`.
const BENCHES: [&str; 3] = ["com_calls", "enum_items", "host_sync"];
pub(super) const HOST_GROUP: &str = "host_sync_10000";
pub(super) const HOST_ITEMS: f64 = 10_000.0;

/// A criterion result: median and its 95 % confidence interval, in nanoseconds.
#[derive(Clone, Copy, Debug)]
pub(super) struct Estimate {
    pub(super) median: f64,
    pub(super) low: f64,
    pub(super) high: f64,
}

/// Every criterion group the report reads.
fn all_groups() -> Vec<&'static str> {
    CALL_ROWS
        .iter()
        .map(|row| row.group)
        .chain(ENUM_GROUPS.iter().map(|(group, _)| *group))
        .chain([HOST_GROUP])
        .collect()
}

/// Runs the benchmarks `--passes` times: `group/function` → the median over the passes.
pub(super) fn run_criterion(
    cargo: &str,
    root: &Path,
    target: &Path,
    args: &Args,
) -> Result<BTreeMap<String, Estimate>> {
    ensure!(args.passes >= 1, "--passes must be at least 1");
    let mut passes: Vec<BTreeMap<String, Estimate>> = Vec::new();
    for pass in 1..=args.passes {
        passes.push(criterion_pass(cargo, root, target, args, pass)?);
    }
    // The median over passes of each benchmark's median; the interval spans the passes' intervals.
    let mut combined = BTreeMap::new();
    for key in passes[0].keys() {
        let mut runs: Vec<Estimate> = passes.iter().filter_map(|p| p.get(key).copied()).collect();
        ensure!(runs.len() == passes.len(), "{key} is missing from a pass");
        runs.sort_by(|a, b| a.median.total_cmp(&b.median));
        combined.insert(
            key.clone(),
            Estimate {
                median: runs[runs.len() / 2].median,
                low: runs.iter().map(|e| e.low).fold(f64::INFINITY, f64::min),
                high: runs.iter().map(|e| e.high).fold(0.0, f64::max),
            },
        );
    }
    Ok(combined)
}

/// Runs every benchmark once and reads the medians back: `group/function` → estimate.
fn criterion_pass(
    cargo: &str,
    root: &Path,
    target: &Path,
    args: &Args,
    pass: usize,
) -> Result<BTreeMap<String, Estimate>> {
    let results = target.join("criterion");
    // Only this pass's results count.
    for group in all_groups() {
        let dir = results.join(group);
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
        }
    }
    step(&format!(
        "cargo bench -p mobsync-benches (pass {pass} of {})",
        args.passes
    ));
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["bench", "-p", "mobsync-benches"])
        .args(BENCHES.iter().flat_map(|name| ["--bench", name]))
        .arg("--")
        .args(["--warm-up-time", &args.warm_up_time.to_string()])
        .args(["--measurement-time", &args.measurement_time.to_string()])
        .arg("--noplot")
        .status()
        .context("cannot run cargo bench")?;
    ensure!(status.success(), "cargo bench failed");

    let mut estimates = BTreeMap::new();
    for group in all_groups() {
        let dir = results.join(group);
        let entries = fs::read_dir(&dir)
            .with_context(|| format!("no results for {group} in {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path().join("new").join("estimates.json");
            if !path.is_file() {
                continue;
            }
            let bench = path
                .parent()
                .and_then(Path::parent)
                .and_then(Path::file_name)
                .and_then(|n| n.to_str())
                .context("odd criterion path")?
                .to_owned();
            let value: Value = serde_json::from_str(
                &fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            )?;
            let median = &value["median"];
            let number = |v: &Value| v.as_f64().context("estimates.json: not a number");
            estimates.insert(
                format!("{group}/{bench}"),
                Estimate {
                    median: number(&median["point_estimate"])?,
                    low: number(&median["confidence_interval"]["lower_bound"])?,
                    high: number(&median["confidence_interval"]["upper_bound"])?,
                },
            );
        }
    }
    Ok(estimates)
}
