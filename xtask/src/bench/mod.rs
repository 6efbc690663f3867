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
//! 3. The IDL front end against `widl-stable -h` (see [`front_end`]): `mshtml.idl` on one core
//!    (instructions and wall time), and Rust bindings of every Wine IDL file widl accepts.
//! 4. The table goes between `<!-- bench:start -->` and `<!-- bench:end -->` in `README.md`
//!    (appended under `## Benchmarks` if the markers are missing), and a JSON copy of every figure
//!    to `<target>/bench-summary.json`.
//!
//! Ratios are medians divided by medians from the same run, never against stored numbers.

mod build_cost;
mod criterion;
mod front_end;
mod machine;
mod report;

use std::fs;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::checked_runs::{step, target_dir};
use crate::project_root;
use build_cost::build_costs;
use criterion::run_criterion;
use machine::{command_output, cpu_model, load_average, niceness, today};
use report::{RunInfo, render, update_readme};

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
    /// Run only these rows and print them (the README is left alone).
    #[arg(long, value_enum)]
    only: Option<Only>,
}

/// Rows that can be run alone.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Only {
    /// The IDL front end against `widl-stable -h`.
    FrontEnd,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<ExitCode> {
    let root = project_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = target_dir(&cargo, &root)?;
    let load_before = load_average();

    let started = Instant::now();
    if let Some(Only::FrontEnd) = args.only {
        let idl = front_end::measure(&cargo, &root, &target)?;
        let mut table = format!(
            "Front-end rows only, {} ({}, load average {load_before} → {}, {:.0} s):\n",
            today(),
            cpu_model(),
            load_average(),
            started.elapsed().as_secs_f64()
        );
        let mut missed = Vec::new();
        let summary = front_end::render(&idl, &mut table, &mut missed);
        println!("{table}");
        for line in &missed {
            println!("missed: {line}");
        }
        let path = target.join("bench-front-end.json");
        fs::write(&path, serde_json::to_string_pretty(&summary)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let estimates = run_criterion(&cargo, &root, &target, &args)?;
    let bench_time = started.elapsed();
    let idl = front_end::measure(&cargo, &root, &target)?;

    let build = if args.skip_build_cost {
        None
    } else {
        step("Build cost: clean and incremental builds of benches/build-cost/{wincore,ours}");
        Some(build_costs(&root, &target)?)
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
    let (table, summary) = render(&context, &estimates, build.as_ref(), Some(&idl))?;

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
