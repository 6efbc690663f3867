//! `cargo xtask regen [--check]`: writes (or checks) every file generated from `idl/mobsync.idl`.
//!
//! The list of generated files and their contents come from [`mobsync_idl::codegen::outputs`],
//! the same generator library the rest of the workspace uses, so this command only decides
//! whether to write them or to compare them with what is checked in.

use std::process::ExitCode;

use anyhow::Context as _;
use mobsync_idl::codegen;

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not write anything: exit non-zero and name the generated files that are stale.
    #[arg(long)]
    pub check: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = crate::project_root();
    let model = mobsync_idl::mobsync_compilation();
    let files = codegen::outputs(model).context("generating code from idl/mobsync.idl")?;

    if args.check {
        let stale = codegen::stale_files(&root, &files)
            .with_context(|| format!("reading generated files under {}", root.display()))?;
        if stale.is_empty() {
            println!("{} generated files are up to date", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        for file in &stale {
            eprintln!("stale: {file}");
        }
        eprintln!("hint: run `cargo xtask regen` and commit the result");
        return Ok(ExitCode::FAILURE);
    }

    let written = codegen::write_files(&root, &files)
        .with_context(|| format!("writing generated files under {}", root.display()))?;
    for path in &written {
        println!("wrote {path}");
    }
    println!("{} generated files, {} changed", files.len(), written.len());
    Ok(ExitCode::SUCCESS)
}
