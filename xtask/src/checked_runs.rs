//! What the checking subcommands (`memcheck`, `sanitize`, `bench`) share: progress headings, the
//! workspace's target directory, and the verdict table of a series of checked runs.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context as _, Result, ensure};
use serde_json::Value;

/// One checked run's verdict.
pub struct Outcome {
    /// What ran (a test binary, the C client ...).
    pub name: String,
    /// Whether the checker found nothing.
    pub ok: bool,
    /// The run's summary, or what the checker found.
    pub detail: String,
}

/// Prints a progress heading.
pub fn step(what: &str) {
    println!("\n== {what}");
}

/// The workspace's target directory (`cargo metadata`).
pub fn target_dir(cargo: &str, root: &Path) -> Result<PathBuf> {
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo metadata")?;
    ensure!(output.status.success(), "cargo metadata failed");
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    Ok(PathBuf::from(
        metadata["target_directory"]
            .as_str()
            .context("cargo metadata has no target_directory")?,
    ))
}

/// Prints the `{tool} summary` table of `outcomes` and where the logs are; the exit status is a
/// failure when any run failed, else `clean` is printed last.
pub fn summary(
    tool: &str,
    started: Instant,
    outcomes: &[Outcome],
    logs: &Path,
    clean: &str,
) -> ExitCode {
    println!(
        "\n{tool} summary ({:.0} s):",
        started.elapsed().as_secs_f64()
    );
    let mut failed = 0;
    for outcome in outcomes {
        println!(
            "  {:<28} {}  {}",
            outcome.name,
            if outcome.ok { "clean " } else { "FAILED" },
            outcome.detail
        );
        failed += usize::from(!outcome.ok);
    }
    println!("logs: {}", logs.display());
    if failed > 0 {
        println!("{failed} of {} runs failed", outcomes.len());
        return ExitCode::FAILURE;
    }
    println!("{clean}");
    ExitCode::SUCCESS
}
