//! `cargo xtask`: project automation for mobsync-rs.
//!
//! Each subcommand lives in its own module; `main` only parses the command
//! line and dispatches.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod abi_corpus;
mod bench;
mod checked_runs;
mod demo;
mod memcheck;
mod new_handler;
mod parse;
mod rdl_meaning;
mod regen;
mod sanitize;
mod wine;

/// Project automation for mobsync-rs.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and check IDL files, one line per file, then `parsed X of Y files`.
    Parse(parse::Args),
    /// Regenerate the checked-in bindings from `idl/mobsync.idl`.
    Regen(regen::Args),
    /// Cross-build the example handler for Windows and drive it under Wine's COM runtime.
    WineTest(wine::Args),
    /// Build the folder-sync example, register it in a temporary store and sync a sample tree.
    Demo(demo::Args),
    /// Run the benchmarks against the baselines and rewrite the README's benchmark table.
    Bench(bench::Args),
    /// Run the raw ABI tests, the C client and a host sync session under valgrind's memcheck.
    Memcheck(memcheck::Args),
    /// Compare every ABI fact of our bindings of Wine's IDL files with widl's headers.
    AbiCorpus(abi_corpus::Args),
    /// Compare every ABI fact of windows-bindgen's Rust of our RDL of Wine's IDL files (through
    /// `.winmd`) with widl's headers.
    RdlCorpus(abi_corpus::Args),
    /// Compare windows-bindgen's method signatures from our .winmd of Wine's IDL files with
    /// those it makes from Microsoft's Win32 metadata for the same interfaces.
    RdlMeaning(rdl_meaning::Args),
    /// Run the runtime's unit tests, the raw ABI tests and the C client under AddressSanitizer.
    Sanitize(sanitize::Args),
    /// Write a new Sync Manager handler crate (the README's, with a fresh CLSID) that builds,
    /// registers and syncs at once.
    NewHandler(new_handler::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(args) => parse::run(args),
        Command::Regen(args) => regen::run(args),
        Command::WineTest(args) => wine::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Memcheck(args) => memcheck::run(args),
        Command::AbiCorpus(args) => abi_corpus::run(args, abi_corpus::Route::Ours),
        Command::RdlCorpus(args) => abi_corpus::run(args, abi_corpus::Route::WindowsBindgen),
        Command::RdlMeaning(args) => rdl_meaning::run(args),
        Command::Sanitize(args) => sanitize::run(args),
        Command::NewHandler(args) => new_handler::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
