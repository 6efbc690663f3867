//! `cargo xtask parse`: parse and check IDL files.
//!
//! Prints one line per file (`FILE: ok`, or the file's diagnostics), then `parsed X of Y files`
//! (on stderr with `--dump`, whose JSON alone goes to stdout). Exits with status 0 only when every
//! file is ok. All files of a run share one [`mobsync_idl::Session`], so files they import are
//! parsed and checked once.

use std::path::PathBuf;
use std::process::ExitCode;

use mobsync_idl::{Options, Session};

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Add a directory to the import/include search path (searched in order, before the
    /// bundled `idl/include`).
    #[arg(short = 'I', value_name = "DIR")]
    include: Vec<PathBuf>,
    /// Define a preprocessor macro (`NAME` or `NAME=VALUE`).
    #[arg(short = 'D', value_name = "NAME[=VALUE]")]
    define: Vec<String>,
    /// Only check the syntax: no import resolution, no semantic checks.
    #[arg(long)]
    syntax_only: bool,
    /// Print the model of each file that parses as JSON.
    #[arg(long)]
    dump: bool,
    /// IDL files to parse.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut include_dirs = args.include;
    include_dirs.push(PathBuf::from(mobsync_idl::BUNDLED_INCLUDE_DIR));
    let defines = args
        .define
        .iter()
        .map(|d| match d.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (d.clone(), None),
        })
        .collect();
    let opts = Options {
        include_dirs,
        defines,
        syntax_only: args.syntax_only,
        ..Options::default()
    };
    let mut session = Session::new(opts);
    let mut ok = 0usize;
    // With `--dump`, standard output carries only the JSON; the status lines go to stderr.
    let status = |line: String| {
        if args.dump {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    // Files are read, preprocessed and parsed in parallel, then checked in order.
    let results = session.load_files(&args.files);
    for (path, result) in args.files.iter().zip(results) {
        match result {
            Ok(id) => {
                ok += 1;
                status(format!("{}: ok", path.display()));
                if args.dump
                    && let Some(file) = session.file(id)
                {
                    println!("{}", file.to_json());
                }
            }
            Err(diagnostics) if args.dump => eprint!("{diagnostics}"),
            Err(diagnostics) => print!("{diagnostics}"),
        }
    }
    status(format!("parsed {ok} of {} files", args.files.len()));
    Ok(if ok == args.files.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
