//! `cargo xtask bench`: runs the benchmarks and rewrites the README's summary table.
//!
//! 1. `cargo bench -p mobsync-benches` (criterion, short warm-up and measurement times, the whole
//!    suite `--passes` times, 3 by default, each figure the median over the passes): calls,
//!    `AddRef`/`Release`, `QueryInterface`, class-factory creation, `ISyncMgrEnumItems::Next` and
//!    a full host sync, each against the baselines measured in the same run (a hand-written
//!    `extern "system"` floor and windows-core's `#[implement]`).
//! 2. The build cost: the two handler crates under `benches/build-cost/` (ours and windows-core's),
//!    copied into the target directory, built from clean with `cargo build --timings`, then
//!    rebuilt after changing one literal inside a method body (three times; the median counts).
//! 3. The table goes between `<!-- bench:start -->` and `<!-- bench:end -->` in `README.md`
//!    (appended under `## Benchmarks` if the markers are missing), and a JSON copy of every figure
//!    to `<target>/bench-summary.json`.
//!
//! Ratios are medians divided by medians from the same run, never against stored numbers.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::project_root;

const START: &str = "<!-- bench:start -->";
const END: &str = "<!-- bench:end -->";
const FLOOR: &str = "floor";
const WINCORE: &str = "windows-core";
const OURS: &str = "mobsync";
/// The line of each build-cost crate that the incremental rebuild edits.
const EDIT_FROM: &str = "let max = 1; // build-cost: incremental edit";
const EDIT_TO: &str = "let max = 2; // build-cost: incremental edit";

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Criterion measurement time per benchmark, in seconds.
    #[arg(long, default_value_t = 1.0)]
    measurement_time: f64,
    /// Criterion warm-up time per benchmark, in seconds.
    #[arg(long, default_value_t = 0.3)]
    warm_up_time: f64,
    /// How many times to run the whole suite; each figure is the median of the passes' medians,
    /// so that a burst of load on the machine during one benchmark does not decide a ratio.
    #[arg(long, default_value_t = 3)]
    passes: usize,
    /// Skip the build-cost measurement (the new table then has no build-cost rows).
    #[arg(long)]
    skip_build_cost: bool,
    /// Print the table instead of writing it into README.md.
    #[arg(long)]
    no_readme: bool,
}

/// One row of the call benchmarks: a criterion group with the three implementations.
struct CallRow {
    group: &'static str,
    label: &'static str,
    /// Whether the ≤ 1.1 × floor target applies (method calls only).
    floor_target: bool,
}

const CALL_ROWS: [CallRow; 6] = [
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
];

const ENUM_GROUPS: [(&str, &str); 2] = [
    ("EnumItems_Next_batch1", "`Next`, 100,000 items, batch 1"),
    ("EnumItems_Next_batch64", "`Next`, 100,000 items, batch 64"),
];
const ENUM_ITEMS: f64 = 100_000.0;
/// The criterion bench targets of `mobsync-benches`.
const BENCHES: [&str; 3] = ["com_calls", "enum_items", "host_sync"];
const HOST_GROUP: &str = "host_sync_10000";
const HOST_ITEMS: f64 = 10_000.0;

/// A criterion result: median and its 95 % confidence interval, in nanoseconds.
#[derive(Clone, Copy, Debug)]
struct Estimate {
    median: f64,
    low: f64,
    high: f64,
}

/// The build cost of one crate.
#[derive(Debug)]
struct BuildCost {
    clean: Duration,
    incremental: Vec<Duration>,
    /// Seconds per crate (summed over its units: build script, lib, proc-macro).
    units: BTreeMap<String, f64>,
    /// The crates `mobsync-derive` depends on (itself included), when the crate uses it.
    derive_tree: Vec<String>,
}

impl BuildCost {
    fn incremental_median(&self) -> Duration {
        let mut sorted = self.incremental.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    }
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<ExitCode> {
    let root = project_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = target_dir(&cargo, &root)?;
    let load_before = load_average();

    let started = Instant::now();
    let estimates = run_criterion(&cargo, &root, &target, &args)?;
    let bench_time = started.elapsed();

    let build = if args.skip_build_cost {
        None
    } else {
        step("Build cost: clean and incremental builds of benches/build-cost/{wincore,ours}");
        let wincore = build_cost(&root, &target, "wincore")?;
        let ours = build_cost(&root, &target, "ours")?;
        Some((wincore, ours))
    };
    let load_after = load_average();

    let context = RunInfo {
        date: today(),
        cpu: cpu_model(),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        rustc: command_output("rustc", &["--version"]).unwrap_or_else(|| "rustc ?".into()),
        load: format!("{load_before} → {load_after}"),
        measurement_time: args.measurement_time,
        warm_up_time: args.warm_up_time,
        passes: args.passes,
        niceness: niceness(),
        elapsed: started.elapsed(),
        bench_time,
    };
    let (table, summary) = render(&context, &estimates, build.as_ref())?;

    let summary_path = target.join("bench-summary.json");
    fs::write(
        &summary_path,
        serde_json::to_string_pretty(&summary)? + "\n",
    )
    .with_context(|| format!("cannot write {}", summary_path.display()))?;
    if args.no_readme {
        println!("{table}");
    } else {
        let readme = root.join("README.md");
        update_readme(&readme, &table)?;
        println!("{table}");
        step(&format!("Wrote the table into {}", readme.display()));
    }
    step(&format!("All figures: {}", summary_path.display()));
    let missed = summary["missed"].as_array().map_or(0, Vec::len);
    if missed > 0 {
        println!("{missed} target(s) missed; see the table.");
    }
    Ok(ExitCode::SUCCESS)
}

fn step(what: &str) {
    println!("\n== {what}");
}

/// Cargo's target directory for the workspace.
fn target_dir(cargo: &str, root: &Path) -> Result<PathBuf> {
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo metadata")?;
    ensure!(output.status.success(), "cargo metadata failed");
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    let dir = metadata["target_directory"]
        .as_str()
        .context("cargo metadata has no target_directory")?;
    Ok(PathBuf::from(dir))
}

fn all_groups() -> Vec<&'static str> {
    CALL_ROWS
        .iter()
        .map(|row| row.group)
        .chain(ENUM_GROUPS.iter().map(|(group, _)| *group))
        .chain([HOST_GROUP])
        .collect()
}

/// Runs the benchmarks `--passes` times: `group/function` → the median over the passes.
fn run_criterion(
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

/// Builds `benches/build-cost/<name>` from clean, then three incremental rebuilds.
fn build_cost(root: &Path, target: &Path, name: &str) -> Result<BuildCost> {
    let source = root.join("benches").join("build-cost").join(name);
    let work = target.join("build-cost").join(name);
    if work.exists() {
        fs::remove_dir_all(&work).with_context(|| format!("cannot remove {}", work.display()))?;
    }
    let krate = work.join("crate");
    let target_dir = work.join("target");
    fs::create_dir_all(krate.join("src"))?;
    // A copy, so that the edit never touches the checkout; path dependencies made absolute.
    let manifest = fs::read_to_string(source.join("Cargo.toml"))?.replace(
        "path = \"../../../",
        &format!("path = \"{}/", root.display()),
    );
    fs::write(krate.join("Cargo.toml"), manifest)?;
    if source.join("Cargo.lock").is_file() {
        fs::copy(source.join("Cargo.lock"), krate.join("Cargo.lock"))?;
    }
    fs::copy(
        root.join("rust-toolchain.toml"),
        krate.join("rust-toolchain.toml"),
    )?;
    let lib = krate.join("src").join("lib.rs");
    let original = fs::read_to_string(source.join("src").join("lib.rs"))?;
    ensure!(
        original.matches(EDIT_FROM).count() == 1,
        "{} must contain the line `{EDIT_FROM}` exactly once",
        source.join("src/lib.rs").display()
    );
    fs::write(&lib, &original)?;

    // The toolchain's cargo through rustup's proxy, so rust-toolchain.toml applies.
    let cargo = |args: &[&str]| -> Result<Duration> {
        let started = Instant::now();
        let output = Command::new("cargo")
            .current_dir(&krate)
            .args(args)
            .env("CARGO_TARGET_DIR", &target_dir)
            .env_remove("CARGO")
            .env_remove("RUSTUP_TOOLCHAIN")
            .output()
            .context("cannot run cargo")?;
        let elapsed = started.elapsed();
        if !output.status.success() {
            bail!(
                "cargo {} failed in {}:\n{}",
                args.join(" "),
                krate.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(elapsed)
    };
    // Downloads are not build time.
    cargo(&["fetch"])?;
    let clean = cargo(&["build", "--timings"])?;
    println!("{name}: clean build {:.1} s", clean.as_secs_f64());
    let units = timing_units(&target_dir.join("cargo-timings").join("cargo-timing.html"))?;
    let mut incremental = Vec::new();
    for round in 0..3 {
        let (from, to) = if round % 2 == 0 {
            (EDIT_FROM, EDIT_TO)
        } else {
            (EDIT_TO, EDIT_FROM)
        };
        let text = fs::read_to_string(&lib)?;
        fs::write(&lib, text.replace(from, to))?;
        let took = cargo(&["build"])?;
        println!(
            "{name}: incremental rebuild {} {:.2} s",
            round + 1,
            took.as_secs_f64()
        );
        incremental.push(took);
    }
    let derive_tree = if units.contains_key("mobsync-derive") {
        let output = Command::new("cargo")
            .current_dir(&krate)
            .args([
                "tree",
                "-p",
                "mobsync-derive",
                "-e",
                "normal,build",
                "--prefix",
                "none",
            ])
            .env("CARGO_TARGET_DIR", &target_dir)
            .env_remove("CARGO")
            .env_remove("RUSTUP_TOOLCHAIN")
            .output()
            .context("cannot run cargo tree")?;
        ensure!(
            output.status.success(),
            "cargo tree -p mobsync-derive failed"
        );
        let names: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
            .collect();
        names.into_iter().collect()
    } else {
        Vec::new()
    };
    Ok(BuildCost {
        clean,
        incremental,
        units,
        derive_tree,
    })
}

/// Seconds per crate from a `cargo build --timings` report.
fn timing_units(report: &Path) -> Result<BTreeMap<String, f64>> {
    let html =
        fs::read_to_string(report).with_context(|| format!("cannot read {}", report.display()))?;
    let start = html
        .find("UNIT_DATA = ")
        .context("no UNIT_DATA in the timings report")?
        + "UNIT_DATA = ".len();
    let units = serde_json::Deserializer::from_str(&html[start..])
        .into_iter::<Value>()
        .next()
        .context("empty UNIT_DATA")??;
    let mut per_crate = BTreeMap::new();
    for unit in units.as_array().context("UNIT_DATA is not an array")? {
        let name = unit["name"].as_str().context("unit without a name")?;
        let duration = unit["duration"].as_f64().unwrap_or(0.0);
        *per_crate.entry(name.to_owned()).or_insert(0.0) += duration;
    }
    Ok(per_crate)
}

/// Facts about the run printed above the table.
struct RunInfo {
    date: String,
    cpu: String,
    cores: usize,
    rustc: String,
    load: String,
    measurement_time: f64,
    warm_up_time: f64,
    passes: usize,
    niceness: String,
    elapsed: Duration,
    bench_time: Duration,
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

fn render(
    context: &RunInfo,
    estimates: &BTreeMap<String, Estimate>,
    build: Option<&(BuildCost, BuildCost)>,
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
                "Clean build, all dependencies included",
                wincore.clean,
                ours.clean,
            ),
            (
                "Incremental rebuild, one method body changed (median of 3)",
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
fn update_readme(path: &Path, table: &str) -> Result<()> {
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

/// This process's scheduling niceness (field 19 of `/proc/self/stat`).
fn niceness() -> String {
    fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // The command name (field 2) may contain spaces; count fields after its ')'.
            let rest = &stat[stat.rfind(')')? + 1..];
            rest.split_whitespace().nth(16).map(str::to_owned)
        })
        .unwrap_or_else(|| "?".into())
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned())
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Today's UTC date as `YYYY-MM-DD`.
fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
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
    fn timing_report_units_are_summed_per_crate() {
        let dir = std::env::temp_dir().join(format!("xtask-timings-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let report = dir.join("cargo-timing.html");
        fs::write(
            &report,
            r#"<script>const UNIT_DATA = [
  {"i": 1, "name": "syn", "duration": 2.5},
  {"i": 2, "name": "proc-macro2", "target": " build-script", "duration": 0.5},
  {"i": 3, "name": "proc-macro2", "duration": 1.0}
];
const CONCURRENCY_DATA = [];</script>"#,
        )
        .unwrap();
        let units = timing_units(&report).unwrap();
        assert_eq!(units["syn"], 2.5);
        assert_eq!(units["proc-macro2"], 1.5);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dates_and_verdicts() {
        assert_eq!(today().len(), 10);
        assert!(verdict(1.004, 1.0));
        assert!(!verdict(1.006, 1.0));
        assert_eq!(format_ns(3.456), "3.46 ns");
        assert_eq!(format_ns(12_500.0), "12.50 µs");
        assert_eq!(format_rate(2_500_000.0), "2.50 M/s");
        if cfg!(target_os = "linux") {
            assert!(niceness().parse::<i32>().is_ok(), "{}", niceness());
        }
    }
}
