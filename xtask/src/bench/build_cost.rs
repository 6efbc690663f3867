//! The build cost: clean and incremental builds of the handler crates under
//! `benches/build-cost/`, and the compile time per crate from `cargo build --timings`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

/// The line of each build-cost crate that the incremental rebuild edits.
const EDIT_FROM: &str = "let max = 1; // build-cost: incremental edit";
const EDIT_TO: &str = "let max = 2; // build-cost: incremental edit";

/// Counted incremental rebuilds of each crate (after one that is not counted).
pub(super) const REBUILDS: usize = 5;

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

/// The build costs of `benches/build-cost/wincore` and `benches/build-cost/ours`: each built
/// from clean, then one rebuild each that is not counted (the first after a clean build does
/// one-off work), then [`REBUILDS`] incremental rebuilds each, the two crates taking turns (the
/// first of each pair alternating), so that a slow spell of a shared machine falls on both.
pub(super) fn build_costs(root: &Path, target: &Path) -> Result<(BuildCost, BuildCost)> {
    let mut wincore = BuildCrate::prepare(root, target, "wincore")?;
    let mut ours = BuildCrate::prepare(root, target, "ours")?;
    let (wincore_clean, wincore_units) = wincore.clean_build()?;
    let (ours_clean, ours_units) = ours.clean_build()?;
    wincore.rebuild()?;
    ours.rebuild()?;
    let (mut wincore_times, mut ours_times) = (Vec::new(), Vec::new());
    for round in 0..REBUILDS {
        if round.is_multiple_of(2) {
            wincore_times.push(wincore.rebuild()?);
            ours_times.push(ours.rebuild()?);
        } else {
            ours_times.push(ours.rebuild()?);
            wincore_times.push(wincore.rebuild()?);
        }
    }
    Ok((
        wincore.cost(wincore_clean, wincore_times, wincore_units)?,
        ours.cost(ours_clean, ours_times, ours_units)?,
    ))
}

/// A copy of one build-cost crate in its own target directory.
struct BuildCrate {
    name: &'static str,
    krate: PathBuf,
    target_dir: PathBuf,
    lib: PathBuf,
    /// Rebuilds so far (the edit goes one way on even ones and back on odd ones).
    rebuilds: usize,
}

impl BuildCrate {
    /// Copies `benches/build-cost/<name>` under `target/build-cost/<name>/crate`.
    fn prepare(root: &Path, target: &Path, name: &'static str) -> Result<Self> {
        let source = root.join("benches").join("build-cost").join(name);
        let work = target.join("build-cost").join(name);
        if work.exists() {
            fs::remove_dir_all(&work)
                .with_context(|| format!("cannot remove {}", work.display()))?;
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
        Ok(Self {
            name,
            krate,
            target_dir,
            lib,
            rebuilds: 0,
        })
    }

    /// The toolchain's cargo through rustup's proxy (so that rust-toolchain.toml applies),
    /// in the copy, with its own target directory.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("cargo");
        command
            .current_dir(&self.krate)
            .args(args)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env_remove("CARGO")
            .env_remove("RUSTUP_TOOLCHAIN");
        command
    }

    /// The wall time of one successful `cargo <args>`.
    fn cargo(&self, args: &[&str]) -> Result<Duration> {
        let started = Instant::now();
        let output = self.command(args).output().context("cannot run cargo")?;
        let elapsed = started.elapsed();
        if !output.status.success() {
            bail!(
                "cargo {} failed in {}:\n{}",
                args.join(" "),
                self.krate.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(elapsed)
    }

    /// The clean build's wall time and its seconds per crate.
    fn clean_build(&self) -> Result<(Duration, BTreeMap<String, f64>)> {
        // Downloads are not build time.
        self.cargo(&["fetch"])?;
        let clean = self.cargo(&["build", "--timings"])?;
        println!("{}: clean build {:.1} s", self.name, clean.as_secs_f64());
        let units = timing_units(
            &self
                .target_dir
                .join("cargo-timings")
                .join("cargo-timing.html"),
        )?;
        Ok((clean, units))
    }

    /// Edits the marked line (one way, then back) and rebuilds.
    fn rebuild(&mut self) -> Result<Duration> {
        let (from, to) = if self.rebuilds.is_multiple_of(2) {
            (EDIT_FROM, EDIT_TO)
        } else {
            (EDIT_TO, EDIT_FROM)
        };
        let text = fs::read_to_string(&self.lib)?;
        fs::write(&self.lib, text.replace(from, to))?;
        let took = self.cargo(&["build"])?;
        self.rebuilds += 1;
        println!(
            "{}: incremental rebuild {} {:.2} s",
            self.name,
            self.rebuilds,
            took.as_secs_f64()
        );
        Ok(took)
    }

    /// The crate's build cost from its measurements, with the crates `mobsync-derive` depends
    /// on when the crate uses it.
    fn cost(
        &self,
        clean: Duration,
        incremental: Vec<Duration>,
        units: BTreeMap<String, f64>,
    ) -> Result<BuildCost> {
        let derive_tree = if units.contains_key("mobsync-derive") {
            self.derive_tree()?
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

    /// The crates `mobsync-derive` depends on, itself included.
    fn derive_tree(&self) -> Result<Vec<String>> {
        let output = self
            .command(&[
                "tree",
                "-p",
                "mobsync-derive",
                "-e",
                "normal,build",
                "--prefix",
                "none",
            ])
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
        Ok(names.into_iter().collect())
    }
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
