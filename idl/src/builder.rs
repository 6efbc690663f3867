//! [`Builder`]: IDL to Rust from a build script, as `prost-build` and `cxx-build` users expect.
//!
//! ```no_run
//! // build.rs, in `fn main`:
//! mobsync_idl::Builder::new()
//!     .include("idl")
//!     .define("VERSION", "2")
//!     .implement(true)
//!     .compile("idl/calc.idl")
//!     .unwrap_or_else(|e| panic!("{e}"));
//! ```
//!
//! ```ignore
//! // src/lib.rs: the file holds one module named after the IDL file.
//! include!(concat!(env!("OUT_DIR"), "/calc.rs"));
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use crate::codegen::{self, Api, BindingsOptions, Stamp};
use crate::{BUNDLED_INCLUDE_DIR, Diagnostics, Options, Session};

/// Generates Rust from IDL files in a build script: set the options, then call
/// [`compile`](Builder::compile).
#[derive(Debug, Clone)]
pub struct Builder {
    include_dirs: Vec<PathBuf>,
    defines: Vec<(String, Option<String>)>,
    undefines: Vec<String>,
    implement: bool,
    runtime: String,
    out_dir: Option<PathBuf>,
    cargo_output: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

/// Why [`Builder::compile`] failed.
#[derive(Debug)]
pub enum BuildError {
    /// The IDL has errors; the diagnostics carry `file:line:col`, the source line and a caret.
    Idl(Diagnostics),
    /// The generator could not write Rust for correct IDL (the message says why).
    Generate {
        /// The IDL file.
        file: PathBuf,
        /// Why.
        message: String,
    },
    /// `OUT_DIR` is not set (not in a build script) and no [`Builder::out_dir`] was given.
    NoOutDir,
    /// The output could not be written.
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Idl(d) => write!(f, "{d}"),
            BuildError::Generate { file, message } => {
                write!(f, "cannot generate Rust for {}: {message}", file.display())
            }
            BuildError::NoOutDir => write!(
                f,
                "OUT_DIR is not set: call Builder::compile from a build script, or set \
                 Builder::out_dir"
            ),
            BuildError::Io { path, cause } => {
                write!(f, "cannot write {}: {cause}", path.display())
            }
        }
    }
}

impl std::error::Error for BuildError {}

impl Builder {
    /// A builder with no include directories (the bundled base files are always searched last),
    /// no defines, bindings only, writing into `OUT_DIR`.
    pub fn new() -> Self {
        Builder {
            include_dirs: Vec::new(),
            defines: Vec::new(),
            undefines: Vec::new(),
            implement: false,
            runtime: "::mobsync_runtime".to_string(),
            out_dir: None,
            cargo_output: true,
        }
    }

    /// Adds a directory to the search path of `import` and `#include`.
    pub fn include(mut self, dir: impl Into<PathBuf>) -> Self {
        self.include_dirs.push(dir.into());
        self
    }

    /// Defines a preprocessor macro (`-D NAME=VALUE`).
    pub fn define(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.defines.push((name.into(), Some(value.into())));
        self
    }

    /// Undefines a predefined macro (`-U NAME`).
    pub fn undefine(mut self, name: impl Into<String>) -> Self {
        self.undefines.push(name.into());
        self
    }

    /// Also generates the safe traits and shims that implement the file's interfaces as COM
    /// objects (`mobsync-idl rust --implement`); the crate then depends on `mobsync-runtime`.
    pub fn implement(mut self, implement: bool) -> Self {
        self.implement = implement;
        self
    }

    /// The path of the runtime crate in generated code (`::mobsync_runtime` by default).
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.runtime = path.into();
        self
    }

    /// Writes into `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to print `cargo:` instructions (`rerun-if-changed` for every file read,
    /// warnings); on by default.
    pub fn cargo_output(mut self, on: bool) -> Self {
        self.cargo_output = on;
        self
    }

    /// Generates `<out dir>/<file stem>.rs`, one module named after the IDL file (`calc.idl` →
    /// `pub mod calc`), and returns its path. Prints `cargo:rerun-if-changed` for the IDL file
    /// and every file it imports or includes, and the generator's warnings (declarations it
    /// leaves out) as `cargo:warning` lines. On an IDL error, the diagnostics are printed as
    /// `cargo:warning` lines too, and returned.
    ///
    /// # Errors
    /// See [`BuildError`].
    pub fn compile(&self, file: impl AsRef<Path>) -> Result<PathBuf, BuildError> {
        let file = file.as_ref();
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(BuildError::NoOutDir)?,
        };
        if self.cargo_output {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        let mut session = Session::new(self.options());
        let id = match session.load_file(file) {
            Ok(id) => id,
            Err(diagnostics) => {
                self.warn(&diagnostics.to_string());
                return Err(BuildError::Idl(diagnostics));
            }
        };
        let compilation = session.into_compilation(vec![id]);
        if self.cargo_output {
            for (_, source) in compilation.source_map().iter() {
                if source.path().is_file() {
                    println!("cargo:rerun-if-changed={}", source.path().display());
                }
            }
        }
        let api = Api::from_compilation(&compilation).map_err(|d| {
            self.warn(&d.to_string());
            BuildError::Idl(d)
        })?;
        let skipped = api.skipped();
        if !skipped.is_empty() {
            let text = Diagnostics::new(skipped, compilation.source_map().clone()).to_string();
            self.warn(&text);
        }
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().replace(['-', '.', ' '], "_"))
            .unwrap_or_else(|| "idl".to_string());
        let opts = BindingsOptions {
            stamp: Stamp::new("mobsync_idl::Builder", file.display().to_string()),
            title: format!("Rust bindings of `{}`.", file.display()),
        };
        let generate = || -> Result<String, String> {
            let items = if self.implement {
                codegen::implement::tokens(&api, &opts, &self.runtime)?
            } else {
                codegen::bindings::tokens(&api, &opts)
            };
            codegen::implement::module(&stem, items, &opts.stamp)
        };
        let text = generate().map_err(|message| BuildError::Generate {
            file: file.to_path_buf(),
            message,
        })?;
        let out = out_dir.join(format!("{stem}.rs"));
        std::fs::write(&out, text).map_err(|cause| BuildError::Io {
            path: out.clone(),
            cause,
        })?;
        Ok(out)
    }

    fn options(&self) -> Options {
        let mut include_dirs = self.include_dirs.clone();
        let bundled = PathBuf::from(BUNDLED_INCLUDE_DIR);
        if bundled.is_dir() {
            include_dirs.push(bundled);
        }
        Options {
            include_dirs,
            defines: self.defines.clone(),
            undefines: self.undefines.clone(),
            ..Options::default()
        }
    }

    /// Prints `text` as `cargo:warning` lines (cargo shows each in the build's output).
    fn warn(&self, text: &str) {
        if self.cargo_output {
            for line in text.lines() {
                println!("cargo:warning={line}");
            }
        }
    }
}
