//! `cargo xtask wine` (not implemented yet; owned by the helper working on it).

use std::process::ExitCode;

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask wine` is not implemented yet")
}
