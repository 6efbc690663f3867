//! What each subcommand does, and how a failure maps to an exit status.

use std::fmt;
use std::path::{Path, PathBuf};

use mobsync_idl::codegen::{self, Api, BindingsOptions, CHeaderOptions, RdlOptions, Stamp};
use mobsync_idl::{Compilation, Diagnostics, Options, Session};

use crate::args::{Cli, Command, FrontEnd, RdlArgs};

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

/// Runs the command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Check { front, files } => check(&front, &files),
        Command::Rust {
            front,
            file,
            output,
            implement,
            modules: true,
        } => crate::modules::write_modules(&front, &file, &output, implement),
        Command::Rust {
            front,
            file,
            output,
            implement,
            modules: false,
        } => {
            let compilation = load(&front, &file)?;
            let api = api(&compilation)?;
            let opts = BindingsOptions {
                stamp: Stamp::new("mobsync-idl rust", file.display().to_string()),
                title: format!("Rust bindings of `{}`.", file_name(&file)),
            };
            let text = if implement {
                codegen::implement::generate(&api, &opts, "::mobsync_runtime")
            } else {
                codegen::bindings::generate(&api, &opts)
            }
            .map_err(|message| Failure::Generate {
                file: file.clone(),
                message,
            })?;
            write(&output, &text)
        }
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
    let api = api(&compilation)?;
    let namespace = rdl
        .namespace
        .clone()
        .unwrap_or_else(|| RdlOptions::namespace_of(&file_name(&rdl.file)));
    let opts = RdlOptions {
        stamp: Stamp::new(tool, rdl.file.display().to_string()),
        namespace,
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
    let mut session = Session::new(options(front));
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
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::Files {
            failed,
            total: files.len(),
        })
    }
}

/// Loads and checks one file; its warnings go to stderr.
pub(crate) fn load(front: &FrontEnd, file: &Path) -> Result<Compilation, Failure> {
    readable(file)?;
    let mut session = Session::new(options(front));
    let id = session.load_file(file).map_err(Failure::Idl)?;
    eprint!("{}", session.diagnostics(id));
    Ok(session.into_compilation(vec![id]))
}

/// The ABI view of a compilation; what the generators leave out is reported as warnings.
pub(crate) fn api(compilation: &Compilation) -> Result<Api, Failure> {
    let api = Api::from_compilation(compilation).map_err(Failure::Idl)?;
    let skipped = api.skipped();
    if !skipped.is_empty() {
        eprint!(
            "{}",
            Diagnostics::new(skipped, compilation.source_map().clone())
        );
    }
    Ok(api)
}

/// Refuses an input that cannot be read (exit status 2) before the front end reports it as IDL.
fn readable(path: &Path) -> Result<(), Failure> {
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
pub(crate) fn write(path: &Path, text: impl AsRef<[u8]>) -> Result<(), Failure> {
    std::fs::write(path, text).map_err(|cause| Failure::Io {
        action: "write",
        path: path.to_path_buf(),
        cause,
    })
}

/// The front end's options from the command line; the bundled base files come last.
fn options(front: &FrontEnd) -> Options {
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

/// The last component of a path, for messages and names.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
