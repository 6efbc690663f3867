//! `rust --out-dir DIR FILE.idl...`: the bindings of many files from one load.
//!
//! One session loads every file (in parallel, each file and import read, parsed and checked
//! once), then each file's bindings are generated from that one compilation seen from the
//! file ([`Compilation::with_roots`](mobsync_idl::Compilation::with_roots)): the same text
//! `rust FILE.idl -o OUT.rs` writes, without parsing `objidl.idl` again for every file that
//! imports it.

use std::collections::HashMap;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

use mobsync_idl::Session;
use mobsync_idl::codegen::{ImportedInterfaces, SuccessCodes};
use mobsync_idl::source::FileId;
use rayon::prelude::*;

use crate::args::FrontEnd;
use crate::io::{
    Failure, api_and_warnings, declares_interface, options, readable, rust_text, write,
};

/// Writes `DIR/<stem>.rs` for each of `files`. Files with errors are reported and skipped;
/// the others are written (exit status 1 when any failed).
pub fn write_each(
    front: &FrontEnd,
    files: &[PathBuf],
    dir: &Path,
    implement: bool,
    success_codes: &[SuccessCodes],
) -> Result<(), Failure> {
    let mut outputs: HashMap<String, &PathBuf> = HashMap::new();
    for file in files {
        readable(file)?;
        let stem = stem(file);
        if let Some(first) = outputs.insert(stem.clone(), file) {
            return Err(Failure::Usage(format!(
                "{} and {} would both be written to {}",
                first.display(),
                file.display(),
                dir.join(format!("{stem}.rs")).display()
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(|cause| Failure::Io {
        action: "create",
        path: dir.to_path_buf(),
        cause,
    })?;
    let mut session = Session::new(options(front));
    let results = session.load_files(files);
    let loaded: Vec<_> = files
        .iter()
        .zip(&results)
        .filter_map(|(file, result)| Some((file, *result.as_ref().ok()?)))
        .collect();
    for (file, result) in files.iter().zip(&results) {
        match result {
            Ok(id) => eprint!("{}", session.diagnostics(*id)),
            Err(diagnostics) => {
                eprint!("{diagnostics}");
                eprintln!("{}: not written", file.display());
            }
        }
    }
    let mut failed = files.len() - loaded.len();
    let Some(&(_, first)) = loaded.first() else {
        return Err(Failure::Files {
            failed,
            total: files.len(),
        });
    };
    // Never dropped, as in `check`: the process ends after writing the files.
    let compilation = ManuallyDrop::new(session.into_compilation(vec![first]));
    // Each file on one of the front end's threads (deep stacks, and the memory the load
    // freed), its warnings kept to be printed in the order of the files.
    let generate = |&(file, id): &(&PathBuf, FileId)| -> Result<(String, Vec<bool>), Failure> {
        // Dropped after each file (unlike the whole load): their memory serves the next file.
        let own = compilation.with_roots(vec![id]);
        let (mut api, warnings) = api_and_warnings(&own, ImportedInterfaces::Implemented)?;
        // A contract applies to the file that declares its interface.
        let mut applied = vec![false; success_codes.len()];
        for (contract, applied) in success_codes.iter().zip(&mut applied) {
            if declares_interface(&api, &contract.interface) {
                api.set_success_codes(contract)
                    .map_err(|e| Failure::Usage(format!("--success-codes {e}")))?;
                *applied = true;
            }
        }
        let text = rust_text(&api, file, implement)?;
        write(&dir.join(format!("{}.rs", stem(file))), text)?;
        Ok((warnings, applied))
    };
    let results: Vec<_> =
        mobsync_idl::on_front_end_threads(|| loaded.par_iter().map(generate).collect());
    let mut applied = vec![false; success_codes.len()];
    for ((file, _), result) in loaded.iter().zip(results) {
        match result {
            Ok((warnings, here)) => {
                eprint!("{warnings}");
                for (a, h) in applied.iter_mut().zip(here) {
                    *a |= h;
                }
            }
            // A file the generators cannot express is reported, as one with IDL errors.
            Err(failure @ (Failure::Idl(_) | Failure::Generate { .. })) => {
                eprint!("{failure}");
                eprintln!("{}: not written", file.display());
                failed += 1;
            }
            Err(failure) => return Err(failure),
        }
    }
    if let Some((contract, _)) = success_codes.iter().zip(&applied).find(|(_, a)| !**a) {
        return Err(Failure::Usage(format!(
            "--success-codes `{}`: none of the files declares it",
            contract.interface
        )));
    }
    Failure::of_files(failed, files.len())
}

/// The file name without its extension: the name of its Rust file.
fn stem(file: &Path) -> String {
    file.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}
