//! The README table (and its JSON copy) rendered from the figures of one run, and the
//! README's update between the markers.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::build_cost::{BuildCost, REBUILDS};
use super::criterion::{CALL_ROWS, ENUM_GROUPS, ENUM_ITEMS, Estimate, HOST_GROUP, HOST_ITEMS};
use super::front_end::{self, FrontEnd};

const START: &str = "<!-- bench:start -->";
const END: &str = "<!-- bench:end -->";
const FLOOR: &str = "floor";
const WINCORE: &str = "windows-core";
const OURS: &str = "mobsync";

/// Facts about the run printed above the table.
pub(super) struct RunInfo {
    pub(super) date: String,
    pub(super) cpu: String,
    pub(super) cores: usize,
    pub(super) rustc: String,
    pub(super) load: String,
    pub(super) measurement_time: f64,
    pub(super) warm_up_time: f64,
    pub(super) passes: usize,
    pub(super) niceness: String,
    pub(super) elapsed: Duration,
    pub(super) bench_time: Duration,
}

fn format_ns(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.2} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else if ns < 1_000_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else {
        format!("{:.2} s", ns / 1_000_000_000.0)
    }
}

fn format_rate(per_second: f64) -> String {
    if per_second >= 1_000_000.0 {
        format!("{:.2} M/s", per_second / 1_000_000.0)
    } else {
        format!("{:.1} k/s", per_second / 1_000.0)
    }
}

/// A ratio and whether it meets `limit`.
fn verdict(ratio: f64, limit: f64) -> bool {
    // Ratios are shown with two decimals; the verdict uses the same rounding.
    (ratio * 100.0).round() / 100.0 <= limit
}

pub(super) fn render(
    context: &RunInfo,
    estimates: &BTreeMap<String, Estimate>,
    build: Option<&(BuildCost, BuildCost)>,
    idl: Option<&FrontEnd>,
) -> Result<(String, Value)> {
    let get = |group: &str, bench: &str| -> Result<Estimate> {
        estimates
            .get(&format!("{group}/{bench}"))
            .copied()
            .with_context(|| format!("no result for {group}/{bench}"))
    };
    let mut out = String::new();
    let mut missed: Vec<String> = Vec::new();
    let mut summary = json!({
        "date": context.date,
        "cpu": context.cpu,
        "cores": context.cores,
        "rustc": context.rustc,
        "load_average": context.load,
    });

    writeln!(
        out,
        "Measured with `cargo xtask bench` on {} ({}, {} cores, {}; load average {} during the run, niceness {}; \
         criterion warm-up {} s, measurement {} s per benchmark, {} passes; benchmarks {:.0} s, \
         everything {:.0} s). Times are the median over the passes of criterion's medians; every \
         ratio divides two such medians from this same run. \
         Baselines: **floor** = hand-written `extern \"system\"` functions behind a `static` \
         vtable (null checks only); **windows-core** = the same interfaces declared with \
         windows-core 0.100's `#[interface]` and implemented with its `#[implement]`. Sources: \
         `benches/`.",
        context.date,
        context.cpu,
        context.cores,
        context.rustc,
        context.load,
        context.niceness,
        context.warm_up_time,
        context.measurement_time,
        context.passes,
        context.bench_time.as_secs_f64(),
        context.elapsed.as_secs_f64(),
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| Through the raw ABI | floor | windows-core | mobsync | mobsync / floor | mobsync / windows-core | target | met |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---|---|")?;
    let mut calls = Vec::new();
    for row in &CALL_ROWS {
        let floor = get(row.group, FLOOR)?;
        let wincore = get(row.group, WINCORE)?;
        let ours = get(row.group, OURS)?;
        let vs_floor = ours.median / floor.median;
        let vs_wincore = ours.median / wincore.median;
        let (target, met) = if row.floor_target {
            (
                "≤ 1.10 × floor and ≤ 1.00 × windows-core",
                verdict(vs_floor, 1.10) && verdict(vs_wincore, 1.00),
            )
        } else {
            ("≤ 1.00 × windows-core", verdict(vs_wincore, 1.00))
        };
        if !met {
            missed.push(format!(
                "{}: mobsync {} = {vs_floor:.2} × floor, {vs_wincore:.2} × windows-core (target {target})",
                row.label,
                format_ns(ours.median)
            ));
        }
        writeln!(
            out,
            "| {} | {} | {} | {} | {vs_floor:.2} × | {vs_wincore:.2} × | {target} | {} |",
            row.label,
            format_ns(floor.median),
            format_ns(wincore.median),
            format_ns(ours.median),
            if met { "yes" } else { "**no**" }
        )?;
        calls.push(json!({
            "benchmark": row.group,
            "floor_ns": [floor.median, floor.low, floor.high],
            "windows_core_ns": [wincore.median, wincore.low, wincore.high],
            "mobsync_ns": [ours.median, ours.low, ours.high],
            "mobsync_vs_floor": vs_floor,
            "mobsync_vs_windows_core": vs_wincore,
            "met": met,
        }));
    }
    summary["calls"] = Value::Array(calls);

    writeln!(out)?;
    writeln!(
        out,
        "| `ISyncMgrEnumItems` (runtime's `ItemEnumerator`) | floor | windows-core | mobsync | mobsync / floor | mobsync / windows-core |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|")?;
    let mut enums = Vec::new();
    for (group, label) in ENUM_GROUPS {
        let floor = get(group, FLOOR)?;
        let wincore = get(group, WINCORE)?;
        let ours = get(group, OURS)?;
        let rate = |e: Estimate| ENUM_ITEMS / (e.median / 1e9);
        writeln!(
            out,
            "| {label} | {} items | {} items | {} items | {:.2} × time | {:.2} × time |",
            format_rate(rate(floor)),
            format_rate(rate(wincore)),
            format_rate(rate(ours)),
            ours.median / floor.median,
            ours.median / wincore.median,
        )?;
        enums.push(json!({
            "benchmark": group,
            "floor_items_per_s": rate(floor),
            "windows_core_items_per_s": rate(wincore),
            "mobsync_items_per_s": rate(ours),
            "mobsync_vs_floor": ours.median / floor.median,
            "mobsync_vs_windows_core": ours.median / wincore.median,
        }));
    }
    summary["enum_items"] = Value::Array(enums);

    let direct = get(HOST_GROUP, "direct")?;
    let host = get(HOST_GROUP, "mobsync-host")?;
    let overhead = host.median - direct.median;
    writeln!(out)?;
    writeln!(
        out,
        "| Full sync, 10,000 items, one `Progress` per item | time | items per second |"
    )?;
    writeln!(out, "|---|---:|---:|")?;
    writeln!(
        out,
        "| The handler alone (a direct driver: the raw calls in order, a hand-written callback) | {} | {} |",
        format_ns(direct.median),
        format_rate(HOST_ITEMS / (direct.median / 1e9))
    )?;
    writeln!(
        out,
        "| Through `mobsync-host` (`Host::sync`) | {} | {} |",
        format_ns(host.median),
        format_rate(HOST_ITEMS / (host.median / 1e9))
    )?;
    writeln!(
        out,
        "| Host overhead (difference) | {} ({} per item, {:.1} × the handler's own time) | |",
        format_ns(overhead),
        format_ns(overhead / HOST_ITEMS),
        overhead / direct.median
    )?;
    summary["host_sync"] = json!({
        "direct_ns": direct.median,
        "host_ns": host.median,
        "host_overhead_ns": overhead,
        "host_overhead_per_item_ns": overhead / HOST_ITEMS,
        "direct_items_per_s": HOST_ITEMS / (direct.median / 1e9),
        "host_items_per_s": HOST_ITEMS / (host.median / 1e9),
    });

    if let Some((wincore, ours)) = build {
        writeln!(out)?;
        writeln!(
            out,
            "| Build cost of a small handler `cdylib` (dev profile, wall time) | windows-core `#[implement]` | mobsync derive | mobsync / windows-core | target | met |"
        )?;
        writeln!(out, "|---|---:|---:|---:|---|---|")?;
        let rows = [
            (
                "Clean build, all dependencies included".to_owned(),
                wincore.clean,
                ours.clean,
            ),
            (
                format!(
                    "Incremental rebuild, one method body changed (median of {REBUILDS}, the two crates taking turns)"
                ),
                wincore.incremental_median(),
                ours.incremental_median(),
            ),
        ];
        let mut builds = Vec::new();
        for (label, theirs, mine) in rows {
            let ratio = mine.as_secs_f64() / theirs.as_secs_f64();
            let met = verdict(ratio, 1.00);
            if !met {
                missed.push(format!(
                    "{label}: mobsync {:.2} s = {ratio:.2} × windows-core ({:.2} s) (target ≤ 1.00 ×)",
                    mine.as_secs_f64(),
                    theirs.as_secs_f64()
                ));
            }
            writeln!(
                out,
                "| {label} | {:.2} s | {:.2} s | {ratio:.2} × | ≤ 1.00 × windows-core | {} |",
                theirs.as_secs_f64(),
                mine.as_secs_f64(),
                if met { "yes" } else { "**no**" }
            )?;
            builds.push(json!({
                "build": label,
                "windows_core_s": theirs.as_secs_f64(),
                "mobsync_s": mine.as_secs_f64(),
                "ratio": ratio,
                "met": met,
            }));
        }
        let theirs: BTreeSet<&String> = wincore.units.keys().collect();
        let seconds = |name: &String| ours.units.get(name).copied().unwrap_or(0.0);
        let describe = |names: Vec<&String>| -> String {
            let mut names = names;
            names.sort_by(|a, b| seconds(b).total_cmp(&seconds(a)));
            names
                .iter()
                .map(|name| format!("`{name}` {:.1} s", seconds(name)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let derive: Vec<&String> = ours.derive_tree.iter().collect();
        let extra: Vec<&String> = ours
            .units
            .keys()
            .filter(|name| !theirs.contains(name) && !name.starts_with("build-cost"))
            .filter(|name| !ours.derive_tree.contains(name))
            .collect();
        let only_theirs: Vec<String> = wincore
            .units
            .keys()
            .filter(|name| !ours.units.contains_key(*name) && !name.starts_with("build-cost"))
            .map(|name| format!("`{name}`"))
            .collect();
        let own = |cost: &BuildCost, prefix: &str| {
            cost.units
                .iter()
                .filter(|(name, _)| name.starts_with(prefix))
                .map(|(_, secs)| *secs)
                .sum::<f64>()
        };
        writeln!(out)?;
        writeln!(
            out,
            "Compile time per crate, from `cargo build --timings` of the clean builds (crates \
             overlap on two cores, so they do not add up to the wall time). Our derive pulls in \
             {} ({}). The mobsync handler also builds, beyond what the windows-core one builds: \
             {}. Only the windows-core handler builds: {}. The handler crate itself: {:.1} s \
             (mobsync) vs {:.1} s (windows-core).",
            describe(derive),
            if ours
                .derive_tree
                .iter()
                .filter(|name| name.as_str() != "mobsync-derive")
                .all(|name| theirs.contains(name))
            {
                "all but `mobsync-derive` itself are built for windows-core's macros too"
            } else {
                "some of them are not needed by windows-core"
            },
            if extra.is_empty() {
                "nothing".to_owned()
            } else {
                describe(extra)
            },
            if only_theirs.is_empty() {
                "nothing".to_owned()
            } else {
                only_theirs.join(", ")
            },
            own(ours, "build-cost-ours"),
            own(wincore, "build-cost-wincore"),
        )?;
        summary["build_cost"] = json!({
            "rows": builds,
            "mobsync_units_s": ours.units,
            "windows_core_units_s": wincore.units,
            "mobsync_derive_tree": ours.derive_tree,
            "mobsync_incremental_s": ours.incremental.iter().map(Duration::as_secs_f64).collect::<Vec<_>>(),
            "windows_core_incremental_s": wincore.incremental.iter().map(Duration::as_secs_f64).collect::<Vec<_>>(),
        });
    } else {
        writeln!(out)?;
        writeln!(
            out,
            "(Build cost not measured in this run: `--skip-build-cost`.)"
        )?;
    }

    if let Some(idl) = idl {
        summary["front_end"] = front_end::render(idl, &mut out, &mut missed);
    }

    writeln!(out)?;
    if missed.is_empty() {
        writeln!(out, "Every target was met in this run.")?;
    } else {
        writeln!(out, "Targets missed in this run:")?;
        writeln!(out)?;
        for line in &missed {
            writeln!(out, "- {line}")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "Reproduce with `cargo xtask bench` (a few minutes; `cargo bench -p mobsync-benches` for \
         the criterion reports alone). On a shared machine the nanosecond rows move by tens of per \
         cent from run to run; `nice -n -15 cargo xtask bench` (as root) steadies them."
    )?;
    summary["missed"] = json!(missed);
    Ok((out, summary))
}

/// Replaces the text between the markers, or appends a `## Benchmarks` section with them.
pub(super) fn update_readme(path: &Path, table: &str) -> Result<()> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let block = format!("{START}\n{table}{END}");
    let updated = match (text.find(START), text.find(END)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{block}{}", &text[..start], &text[end + END.len()..])
        }
        (None, None) => {
            let mut text = text;
            if !text.ends_with('\n') {
                text.push('\n');
            }
            format!("{text}\n## Benchmarks\n\n{block}\n")
        }
        _ => bail!(
            "{} has only one of the markers {START} / {END}, or they are out of order",
            path.display()
        ),
    };
    fs::write(path, updated).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_markers_are_replaced_or_added() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let readme = dir.join("README.md");
        fs::write(&readme, "# Title\n\nText.").unwrap();
        update_readme(&readme, "table 1\n").unwrap();
        let first = fs::read_to_string(&readme).unwrap();
        assert_eq!(
            first,
            format!("# Title\n\nText.\n\n## Benchmarks\n\n{START}\ntable 1\n{END}\n")
        );
        update_readme(&readme, "table 2\n").unwrap();
        let second = fs::read_to_string(&readme).unwrap();
        assert_eq!(second, first.replace("table 1", "table 2"));
        fs::write(&readme, format!("{END}\n{START}\n")).unwrap();
        assert!(update_readme(&readme, "x\n").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn verdicts_and_formats() {
        assert!(verdict(1.004, 1.0));
        assert!(!verdict(1.006, 1.0));
        assert_eq!(format_ns(3.456), "3.46 ns");
        assert_eq!(format_ns(12_500.0), "12.50 µs");
        assert_eq!(format_rate(2_500_000.0), "2.50 M/s");
    }
}
