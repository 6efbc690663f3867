//! [`Builder`]: the generators for a build script, as `prost-build` and `cxx-build` users
//! expect: every file read announced with `cargo:rerun-if-changed`, warnings as
//! `cargo:warning=` lines, errors returned in full with `file:line:col`, never a panic.
//! [`Builder::compile`] writes Rust; [`Builder::rdl`] and [`Builder::winmd`] write windows-rs's
//! RDL and metadata, for `windows-bindgen`.
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
//!
//! ```no_run
//! // build.rs, in `fn main() -> Result<(), mobsync_idl::BuildError>`:
//! let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
//! mobsync_idl::Builder::new()
//!     .include("idl/include")
//!     .namespace("Contoso.Sprockets")
//!     .rdl("idl/sprockets.idl", out.join("sprockets.rdl"))?;
//! # Ok::<(), mobsync_idl::BuildError>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use crate::codegen::{
    self, Api, BindingsOptions, ImportedInterfaces, RdlOptions, Stamp, SuccessCodes, rdl,
};
use crate::{BUNDLED_INCLUDE_DIR, Compilation, Diagnostics, Options, Session};

/// The environment variable that names the root of Wine's IDL files.
const WINE_IDL_VAR: &str = "MOBSYNC_WINE_IDL";

/// The root of Wine's IDL files (its `windows/` directory holds `objidl.idl` and the other
/// Windows IDL files): `$MOBSYNC_WINE_IDL`, else `/usr/include/wine/wine`, where Debian's
/// `libwine-dev` installs them.
pub fn wine_idl_root() -> PathBuf {
    std::env::var_os(WINE_IDL_VAR)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/include/wine/wine"))
}

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
    namespace: Option<String>,
    portable: bool,
    success_codes: Vec<(String, Vec<String>)>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

/// Why a [`Builder`] method failed. `Debug` shows the same text as `Display`, so that a build
/// script's `fn main() -> Result<(), BuildError>` prints the diagnostics readably.
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
    /// windows-rdl refused the RDL (a generator bug; the message says where).
    Metadata {
        /// The IDL file.
        file: PathBuf,
        /// Why.
        message: String,
    },
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
            BuildError::Metadata { file, message } => {
                write!(f, "cannot write metadata for {}: {message}", file.display())
            }
            BuildError::Io { path, cause } => {
                write!(f, "cannot write {}: {cause}", path.display())
            }
        }
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
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
            namespace: None,
            portable: false,
            success_codes: Vec::new(),
        }
    }

    /// Adds a directory to the search path of `import` and `#include`.
    pub fn include(mut self, dir: impl Into<PathBuf>) -> Self {
        self.include_dirs.push(dir.into());
        self
    }

    /// Adds Wine's Windows IDL files (`objidl.idl`, `oaidl.idl`, `shobjidl.idl` ...) to the
    /// search path, so that an IDL file of one's own can `import "objidl.idl"`: the
    /// directories [`wine_idl_root`]`/windows` and [`wine_idl_root`]. Prints
    /// `cargo:rerun-if-env-changed=MOBSYNC_WINE_IDL`.
    pub fn include_wine_idl(mut self) -> Self {
        if self.cargo_output {
            println!("cargo:rerun-if-env-changed={WINE_IDL_VAR}");
        }
        let root = wine_idl_root();
        self.include_dirs.push(root.join("windows"));
        self.include_dirs.push(root);
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

    /// Gives a method success codes its IDL does not state (`mobsync-idl rust
    /// --success-codes`): `target` is `Interface::Method`, `codes` start with `S_OK`. With
    /// `.success_codes("IPersistStream::IsDirty", &["S_OK", "S_FALSE"])` the trait method
    /// returns an outcome enum with both codes instead of `Result<()>`. A target or code that
    /// does not exist is a [`BuildError::Generate`] when the file is generated.
    pub fn success_codes(mut self, target: impl Into<String>, codes: &[&str]) -> Self {
        let codes = codes.iter().map(|c| (*c).to_string()).collect();
        self.success_codes.push((target.into(), codes));
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

    /// The namespace of [`Builder::rdl`] and [`Builder::winmd`] output (default: the IDL
    /// file's stem).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Whether [`Builder::rdl`] and [`Builder::winmd`] output must give bindings that compile
    /// on every target: `BSTR` is then a typedef of the namespace instead of Win32 metadata's,
    /// which windows-bindgen maps to `windows_core::BSTR` (Windows only). Off by default.
    pub fn portable(mut self, on: bool) -> Self {
        self.portable = on;
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
        let (_, api) = self.load(file, ImportedInterfaces::Implemented)?;
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
        write(&out, text.as_bytes())?;
        Ok(out)
    }

    /// Writes the RDL of `file` and its imports (`mobsync-idl rdl`) to `output`.
    ///
    /// # Errors
    /// See [`BuildError`].
    pub fn rdl(&self, file: impl AsRef<Path>, output: impl AsRef<Path>) -> Result<(), BuildError> {
        let text = self.rdl_text(file.as_ref())?;
        write(output.as_ref(), text.as_bytes())
    }

    /// Writes the `.winmd` of `file` (its RDL compiled by windows-rdl) to `output`, for
    /// `windows-bindgen`.
    ///
    /// # Errors
    /// See [`BuildError`].
    #[cfg(feature = "winmd")]
    pub fn winmd(
        &self,
        file: impl AsRef<Path>,
        output: impl AsRef<Path>,
    ) -> Result<(), BuildError> {
        let (file, output) = (file.as_ref(), output.as_ref());
        let text = self.rdl_text(file)?;
        let stem = output
            .file_stem()
            .map_or_else(|| "metadata".into(), |s| s.to_string_lossy().into_owned());
        let bytes = rdl::winmd::compile(&text, &stem).map_err(|message| BuildError::Metadata {
            file: file.to_path_buf(),
            message,
        })?;
        write(output, &bytes)
    }

    fn rdl_text(&self, file: &Path) -> Result<String, BuildError> {
        let (_, api) = self.load(file, ImportedInterfaces::Referenced)?;
        let file_name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let opts = RdlOptions {
            stamp: Stamp::new("mobsync_idl::Builder", file.display().to_string()),
            namespace: self
                .namespace
                .clone()
                .unwrap_or_else(|| RdlOptions::namespace_of(&file_name)),
            portable: self.portable,
        };
        rdl::generate(&api, &opts)
            .map(|out| out.text)
            .map_err(|message| BuildError::Generate {
                file: file.to_path_buf(),
                message,
            })
    }

    /// Loads and checks `file`: every file read announced (even when the IDL has errors),
    /// warnings printed; the compilation and its ABI view.
    fn load(
        &self,
        file: &Path,
        imported: ImportedInterfaces,
    ) -> Result<(Compilation, Api), BuildError> {
        let mut session = Session::new(self.options());
        let id = session.load_file(file);
        self.rerun_if_changed(file, session.source_map());
        let id = match id {
            Ok(id) => id,
            Err(diagnostics) => {
                self.warn(&diagnostics.to_string());
                return Err(BuildError::Idl(diagnostics));
            }
        };
        self.warn(&session.diagnostics(id).to_string());
        let compilation = session.into_compilation(vec![id]);
        let mut api = Api::from_compilation_with(&compilation, imported).map_err(|d| {
            self.warn(&d.to_string());
            BuildError::Idl(d)
        })?;
        for (target, codes) in &self.success_codes {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            SuccessCodes::new(target, &codes)
                .and_then(|contract| api.set_success_codes(&contract))
                .map_err(|message| BuildError::Generate {
                    file: file.to_path_buf(),
                    message,
                })?;
        }
        let skipped = api.skipped();
        if !skipped.is_empty() {
            let text = Diagnostics::new(skipped, compilation.source_map().clone()).to_string();
            self.warn(&text);
        }
        Ok((compilation, api))
    }

    /// `cargo:rerun-if-changed` for `file` and every file the front end read.
    fn rerun_if_changed(&self, file: &Path, map: &crate::source::SourceMap) {
        if self.cargo_output {
            println!("cargo:rerun-if-changed={}", file.display());
            for (_, source) in map.iter() {
                if source.path().is_file() {
                    println!("cargo:rerun-if-changed={}", source.path().display());
                }
            }
        }
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

fn write(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    std::fs::write(path, bytes).map_err(|cause| BuildError::Io {
        path: path.to_path_buf(),
        cause,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mobsync-idl-builder-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir.join(name)
    }

    #[test]
    fn rdl_of_an_idl_file_and_its_imports() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = scratch("mobsync.rdl");
        Builder::new()
            .namespace("Mobsync")
            .cargo_output(false)
            .rdl(root.join("mobsync.idl"), &out)
            .expect("rdl");
        let text = std::fs::read_to_string(&out).expect("written");
        assert!(text.contains("#[win32]\nmod Mobsync {"), "{text}");
        assert!(text.contains("interface ISyncMgrSynchronize:"), "{text}");
    }

    #[test]
    fn rust_of_an_idl_file_as_one_module() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = scratch("rust");
        std::fs::create_dir_all(&dir).expect("dir");
        let out = Builder::new()
            .implement(true)
            .out_dir(&dir)
            .cargo_output(false)
            .compile(root.join("mobsync.idl"))
            .expect("rust");
        assert_eq!(out, dir.join("mobsync.rs"));
        let text = std::fs::read_to_string(&out).expect("written");
        assert!(text.contains("pub mod mobsync {"), "{text}");
        assert!(text.contains("pub mod implement {"), "{text}");
    }

    #[test]
    fn success_codes_from_outside_the_idl() {
        let dir = scratch("codes");
        std::fs::create_dir_all(&dir).expect("dir");
        let idl = dir.join("probe.idl");
        std::fs::write(
            &idl,
            "import \"unknwn.idl\";\n\
             [object, uuid(6f3c1a52-0d7e-4b8a-9c11-2f6e8d4b7a01)]\n\
             interface IProbe : IUnknown { HRESULT IsReady(); }\n",
        )
        .expect("written");
        let builder = Builder::new()
            .implement(true)
            .out_dir(&dir)
            .cargo_output(false);
        let plain = std::fs::read_to_string(builder.compile(&idl).expect("rust")).expect("read");
        assert!(!plain.contains("IsReadyOutcome"), "{plain}");
        let out = builder
            .clone()
            .success_codes("IProbe::IsReady", &["S_OK", "S_FALSE"])
            .compile(&idl)
            .expect("rust");
        let text = std::fs::read_to_string(out).expect("read");
        assert!(text.contains("pub enum IsReadyOutcome"), "{text}");
        assert!(text.contains("S_FALSE"), "{text}");
        for (target, codes, says) in [
            (
                "IProbe::IsDone",
                &["S_OK", "S_FALSE"][..],
                "has no method `IsDone`",
            ),
            (
                "IMissing::IsReady",
                &["S_OK"][..],
                "no interface `IMissing`",
            ),
            ("IProbe::IsReady", &["S_OK", "E_NOPE"][..], "`E_NOPE`"),
            (
                "IProbe::IsReady",
                &["S_FALSE"][..],
                "must start with `S_OK`",
            ),
        ] {
            let err = builder
                .clone()
                .success_codes(target, codes)
                .compile(&idl)
                .expect_err(target);
            assert!(matches!(err, BuildError::Generate { .. }), "{err}");
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn errors_have_their_location() {
        let idl = scratch("bad.idl");
        std::fs::write(&idl, "import \"unknwn.idl\";\ntypedef DWRD X;\n").expect("written");
        let err = Builder::new()
            .cargo_output(false)
            .rdl(&idl, scratch("bad.rdl"))
            .expect_err("bad IDL");
        let text = format!("{err:?}");
        assert!(text.contains("bad.idl:2:9"), "{text}");
        assert!(text.contains("unknown type `DWRD`"), "{text}");
        assert!(matches!(
            Builder::new().cargo_output(false).compile(&idl),
            Err(BuildError::Idl(_))
        ));
    }
}
