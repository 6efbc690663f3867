//! What each subcommand does.

use std::mem::ManuallyDrop;
use std::path::PathBuf;

use mobsync_idl::Session;
use mobsync_idl::codegen::{self, CHeaderOptions, ImportedInterfaces, RdlOptions, Stamp};

use crate::args::{Cli, Command, FrontEnd, RdlArgs};
use crate::io::{Failure, api, api_with, file_name, load, options, readable, rust_text, write};

/// Runs the command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Check { front, files } => check(&front, &files),
        Command::Rust {
            front,
            files,
            output: None,
            out_dir: Some(dir),
            implement,
            modules: _,
            success_codes,
        } => crate::out_dir::write_each(&front, &files, &dir, implement, &success_codes),
        Command::Rust {
            front,
            files,
            output: Some(output),
            out_dir: None,
            implement,
            modules,
            success_codes,
        } => {
            let [file] = <[PathBuf; 1]>::try_from(files).map_err(|files| {
                Failure::Usage(format!(
                    "{} IDL files and one output: give --out-dir DIR to write one Rust file each",
                    files.len()
                ))
            })?;
            if modules {
                return crate::modules::write_modules(
                    &front,
                    &file,
                    &output,
                    implement,
                    &success_codes,
                );
            }
            // Never dropped, as in `check`: the process ends after writing the file.
            let compilation = ManuallyDrop::new(load(&front, &file)?);
            let mut api = ManuallyDrop::new(api(&compilation)?);
            for contract in &success_codes {
                api.set_success_codes(contract)
                    .map_err(|e| Failure::Usage(format!("--success-codes {e}")))?;
            }
            write(&output, rust_text(&api, &file, implement)?)
        }
        Command::Rust { .. } => Err(Failure::Usage(
            "give either -o OUT.rs or --out-dir DIR".to_string(),
        )),
        Command::CHeader {
            front,
            file,
            output,
        } => {
            let compilation = load(&front, &file)?;
            let api = api(&compilation)?;
            let opts = CHeaderOptions {
                stamp: Stamp::new("mobsync-idl c-header", file.display().to_string()),
                file_name: file_name(&output),
                replaces: None,
                title: format!(
                    "C declarations of `{}`, for C and C++ clients.",
                    file_name(&file)
                ),
            };
            write(&output, codegen::c_header::generate(&api, &opts))
        }
        Command::Rdl { front, rdl } => {
            let text = rdl_text(&front, &rdl, "mobsync-idl rdl")?;
            write(&rdl.output, &text)
        }
        #[cfg(feature = "winmd")]
        Command::Winmd { front, rdl } => {
            let text = rdl_text(&front, &rdl, "mobsync-idl winmd")?;
            let stem = rdl.output.file_stem().map_or_else(
                || "metadata".to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            let bytes = codegen::rdl::winmd::compile(&text, &stem).map_err(|message| {
                Failure::Generate {
                    file: rdl.file.clone(),
                    message,
                }
            })?;
            write(&rdl.output, &bytes)
        }
    }
}

/// The RDL of `rdl.file`.
fn rdl_text(front: &FrontEnd, rdl: &RdlArgs, tool: &str) -> Result<String, Failure> {
    let compilation = load(front, &rdl.file)?;
    let api = api_with(&compilation, ImportedInterfaces::Referenced)?;
    let namespace = rdl
        .namespace
        .clone()
        .unwrap_or_else(|| RdlOptions::namespace_of(&file_name(&rdl.file)));
    let opts = RdlOptions {
        stamp: Stamp::new(tool, rdl.file.display().to_string()),
        namespace,
        portable: rdl.portable,
    };
    // What the RDL leaves out beyond the view's own omissions (reported by `api`) loses
    // nothing: `IUnknown` and typedefs of interfaces are spelled out where they are used.
    let out = codegen::rdl::generate(&api, &opts).map_err(Failure::Usage)?;
    Ok(out.text)
}

/// `check`: every file with one session (shared imports are checked once); one line per file.
fn check(front: &FrontEnd, files: &[PathBuf]) -> Result<(), Failure> {
    for file in files {
        readable(file)?;
    }
    // Never dropped: the process ends right after, and freeing every node of the model (and
    // of every import's) one by one only costs time (about 4 % of checking mshtml.idl).
    let mut session = ManuallyDrop::new(Session::new(options(front)));
    let results = session.load_files(files);
    let mut failed = 0;
    for (path, result) in files.iter().zip(results) {
        match result {
            Ok(id) => {
                eprint!("{}", session.diagnostics(id));
                println!("{}: ok", path.display());
            }
            Err(diagnostics) => {
                failed += 1;
                eprint!("{diagnostics}");
            }
        }
    }
    Failure::of_files(failed, files.len())
}
