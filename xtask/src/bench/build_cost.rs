//! The build cost: clean and incremental builds of the handler crates under
//! `benches/build-cost/`, and the compile time per crate from `cargo build --timings`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

/// The line of each build-cost crate that the incremental rebuild edits.
const EDIT_FROM: &str = "let max = 1; // build-cost: incremental edit";
const EDIT_TO: &str = "let max = 2; // build-cost: incremental edit";

/// The build cost of one crate.
#[derive(Debug)]
pub(super) struct BuildCost {
    pub(super) clean: Duration,
    pub(super) incremental: Vec<Duration>,
    /// Seconds per crate (summed over its units: build script, lib, proc-macro).
    pub(super) units: BTreeMap<String, f64>,
    /// The crates `mobsync-derive` depends on (itself included), when the crate uses it.
    pub(super) derive_tree: Vec<String>,
}

impl BuildCost {
    pub(super) fn incremental_median(&self) -> Duration {
        let mut sorted = self.incremental.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    }
}

/// Builds `benches/build-cost/<name>` from clean, then three incremental rebuilds.
pub(super) fn build_cost(root: &Path, target: &Path, name: &str) -> Result<BuildCost> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
