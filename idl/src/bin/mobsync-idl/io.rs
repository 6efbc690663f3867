//! What every subcommand shares: loading and checking inputs, writing outputs, and how a
//! failure maps to an exit status.

use std::fmt;
use std::path::{Path, PathBuf};

use mobsync_idl::codegen::abi::Origin;
use mobsync_idl::codegen::{self, Api, BindingsOptions, ImportedInterfaces, Stamp};
use mobsync_idl::{Compilation, Diagnostics, Options, Session};

use crate::args::FrontEnd;

/// Why a run failed.
#[derive(Debug)]
pub enum Failure {
    /// The IDL has errors (exit status 1).
    Idl(Diagnostics),
    /// Some of several files have errors; the report is already printed (exit status 1).
    Files { failed: usize, total: usize },
    /// An input that cannot be read or an output that cannot be written (exit status 2).
    Io {
        /// `read`, `write` or `create`.
        action: &'static str,
        path: PathBuf,
        cause: std::io::Error,
    },
    /// The IDL is correct but the generator cannot express it (exit status 1).
    Generate { file: PathBuf, message: String },
    /// An argument the command cannot use (exit status 2).
    Usage(String),
}

impl Failure {
    /// The result of a run over `total` files of which `failed` had errors (already reported).
    pub fn of_files(failed: usize, total: usize) -> Result<(), Failure> {
        if failed == 0 {
            Ok(())
        } else {
            Err(Failure::Files { failed, total })
        }
    }

    /// The documented exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Idl(_) | Failure::Files { .. } | Failure::Generate { .. } => 1,
            Failure::Io { .. } | Failure::Usage(_) => 2,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Idl(diagnostics) => write!(f, "{diagnostics}"),
            Failure::Files { failed, total } => {
                writeln!(f, "error: {failed} of {total} files have errors")
            }
            Failure::Io {
                action,
                path,
                cause,
            } => writeln!(f, "error: cannot {action} {}: {cause}", path.display()),
            Failure::Usage(message) => writeln!(f, "error: {message}"),
            Failure::Generate { file, message } => {
                writeln!(
                    f,
                    "error: cannot generate code for {}: {message}",
                    file.display()
                )
            }
        }
    }
}

/// Loads and checks one file; its warnings go to stderr.
pub fn load(front: &FrontEnd, file: &Path) -> Result<Compilation, Failure> {
    readable(file)?;
    let mut session = Session::new(options(front));
    let id = session.load_file(file).map_err(Failure::Idl)?;
    eprint!("{}", session.diagnostics(id));
    Ok(session.into_compilation(vec![id]))
}

/// The ABI view of a compilation; what the generators leave out is reported as warnings.
pub fn api(compilation: &Compilation) -> Result<Api, Failure> {
    api_with(compilation, ImportedInterfaces::Implemented)
}

/// [`api`] holding the imported interfaces `imported` says (the RDL's view holds them all).
pub fn api_with(compilation: &Compilation, imported: ImportedInterfaces) -> Result<Api, Failure> {
    let (api, warnings) = api_and_warnings(compilation, imported)?;
    eprint!("{warnings}");
    Ok(api)
}

/// [`api_with`], its warnings returned as text rather than printed.
pub fn api_and_warnings(
    compilation: &Compilation,
    imported: ImportedInterfaces,
) -> Result<(Api, String), Failure> {
    let api = Api::from_compilation_with(compilation, imported).map_err(Failure::Idl)?;
    let skipped = api.skipped();
    let warnings = if skipped.is_empty() {
        String::new()
    } else {
        Diagnostics::new(skipped, compilation.source_map().clone()).to_string()
    };
    Ok((api, warnings))
}

/// Whether the root file of `api` declares the interface `name`: the file a `--success-codes`
/// contract for it applies to when each file is generated on its own.
pub fn declares_interface(api: &Api, name: &str) -> bool {
    api.interfaces()
        .any(|(d, _)| d.name == name && d.origin == Origin::Root)
}

/// Refuses an input that cannot be read (exit status 2) before the front end reports it as IDL.
pub fn readable(path: &Path) -> Result<(), Failure> {
    std::fs::File::open(path)
        .and_then(|f| {
            if f.metadata()?.is_dir() {
                Err(std::io::Error::other("is a directory"))
            } else {
                Ok(())
            }
        })
        .map_err(|cause| Failure::Io {
            action: "read",
            path: path.to_path_buf(),
            cause,
        })
}

/// Writes an output file.
pub fn write(path: &Path, text: impl AsRef<[u8]>) -> Result<(), Failure> {
    std::fs::write(path, text).map_err(|cause| Failure::Io {
        action: "write",
        path: path.to_path_buf(),
        cause,
    })
}

/// The front end's options from the command line; the bundled base files come last.
pub fn options(front: &FrontEnd) -> Options {
    let mut include_dirs = front.include.clone();
    let bundled = PathBuf::from(mobsync_idl::BUNDLED_INCLUDE_DIR);
    if bundled.is_dir() {
        include_dirs.push(bundled);
    }
    Options {
        include_dirs,
        defines: front
            .define
            .iter()
            .map(|d| match d.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (d.clone(), None),
            })
            .collect(),
        undefines: front.undefine.clone(),
        ..Options::default()
    }
}

/// The Rust bindings of `file`, whose view is `api` (with `implement`: and its traits).
pub fn rust_text(api: &Api, file: &Path, implement: bool) -> Result<String, Failure> {
    let opts = BindingsOptions {
        stamp: Stamp::new("mobsync-idl rust", file.display().to_string()),
        title: format!("Rust bindings of `{}`.", file_name(file)),
    };
    if implement {
        codegen::implement::generate(api, &opts, "::mobsync_runtime")
    } else {
        codegen::bindings::generate(api, &opts)
    }
    .map_err(|message| Failure::Generate {
        file: file.to_path_buf(),
        message,
    })
}

/// The last component of a path, for messages and names.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
