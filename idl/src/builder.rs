//! [`Builder`]: the generators for a build script, with Cargo's conventions (every file read
//! announced with `cargo:rerun-if-changed`, warnings as `cargo:warning=` lines, errors
//! returned in full with `file:line:col`, never a panic).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::codegen::{Api, RdlOptions, Stamp, rdl};
use crate::diag::Diagnostics;
use crate::driver::Session;
use crate::options::Options;
use crate::source::SourceMap;

/// Generates code from one IDL file in a build script.
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), mobsync_idl::BuildError> {
///     let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
///     mobsync_idl::Builder::new("idl/sprockets.idl")
///         .include_dir("idl/include")
///         .define("SPROCKETS_V2", None)
///         .namespace("Contoso.Sprockets")
///         .rdl(out.join("sprockets.rdl"))?;
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    file: PathBuf,
    options: Options,
    namespace: Option<String>,
    cargo_metadata: bool,
}

/// Why a [`Builder`] produced nothing: the IDL's errors (each with `file:line:col`, the source
/// line and a caret), what the generator cannot express, or an output that cannot be written.
/// `Debug` shows the same text as `Display`, so that `fn main() -> Result<(), BuildError>`
/// prints it in full.
pub struct BuildError(String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

impl Builder {
    /// A builder for `file`, with no include directories or definitions.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        Builder {
            file: file.into(),
            options: Options::default(),
            namespace: None,
            cargo_metadata: true,
        }
    }

    /// Adds a directory to the search path of `import` and `#include` (searched in order,
    /// after the importing file's own directory).
    pub fn include_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.options.include_dirs.push(dir.into());
        self
    }

    /// Defines a preprocessor macro (`None`: defined as `1`).
    pub fn define(mut self, name: &str, value: Option<&str>) -> Self {
        self.options
            .defines
            .push((name.to_string(), value.map(str::to_string)));
        self
    }

    /// The metadata namespace of RDL and `.winmd` output (default: the file's stem).
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.to_string());
        self
    }

    /// Whether to print `cargo:rerun-if-changed=` and `cargo:warning=` lines (default: yes;
    /// turn off outside a build script).
    pub fn cargo_metadata(mut self, on: bool) -> Self {
        self.cargo_metadata = on;
        self
    }

    /// Writes the file's RDL (see [`rdl`]) to `output`.
    ///
    /// # Errors
    /// See [`BuildError`].
    pub fn rdl(&self, output: impl AsRef<Path>) -> Result<(), BuildError> {
        let text = self.rdl_text()?;
        write(output.as_ref(), text.as_bytes())
    }

    /// Writes the file's `.winmd` (its RDL compiled by windows-rdl, see [`rdl::winmd`]) to
    /// `output`, for `windows-bindgen`.
    ///
    /// # Errors
    /// See [`BuildError`].
    #[cfg(feature = "winmd")]
    pub fn winmd(&self, output: impl AsRef<Path>) -> Result<(), BuildError> {
        let output = output.as_ref();
        let text = self.rdl_text()?;
        let stem = output
            .file_stem()
            .map_or_else(|| "metadata".into(), |s| s.to_string_lossy().into_owned());
        let bytes = rdl::winmd::compile(&text, &stem)
            .map_err(|m| BuildError(format!("{}: {m}", self.file.display())))?;
        write(output, &bytes)
    }

    /// The ABI view of the file, with every file read announced and the warnings printed.
    fn api(&self) -> Result<Api, BuildError> {
        let mut session = Session::new(self.options.clone());
        let id = match session.load_file(&self.file) {
            Ok(id) => id,
            Err(diagnostics) => {
                self.rerun_if_changed(diagnostics.source_map());
                return Err(BuildError(diagnostics.to_string()));
            }
        };
        self.rerun_if_changed(session.source_map());
        self.warn(&session.diagnostics(id));
        let compilation = session.into_compilation(vec![id]);
        let api = Api::from_compilation(&compilation).map_err(|d| BuildError(d.to_string()))?;
        self.warn(&Diagnostics::new(
            api.skipped(),
            compilation.source_map().clone(),
        ));
        Ok(api)
    }

    fn rdl_text(&self) -> Result<String, BuildError> {
        let api = self.api()?;
        let file_name = self
            .file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let opts = RdlOptions {
            stamp: Stamp::new("mobsync_idl::Builder", self.file.display().to_string()),
            namespace: self
                .namespace
                .clone()
                .unwrap_or_else(|| RdlOptions::namespace_of(&file_name)),
        };
        rdl::generate(&api, &opts)
            .map(|out| out.text)
            .map_err(BuildError)
    }

    /// `cargo:rerun-if-changed` for every file the front end read (imports and includes too).
    fn rerun_if_changed(&self, map: &SourceMap) {
        if self.cargo_metadata {
            for (_, file) in map.iter() {
                println!("cargo:rerun-if-changed={}", file.path().display());
            }
        }
    }

    /// Each diagnostic as `cargo:warning=` lines (one per line of its text).
    fn warn(&self, diagnostics: &Diagnostics) {
        if self.cargo_metadata && !diagnostics.is_empty() {
            for line in diagnostics.to_string().lines() {
                println!("cargo:warning={line}");
            }
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    std::fs::write(path, bytes)
        .map_err(|e| BuildError(format!("cannot write {}: {e}", path.display())))
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
        Builder::new(root.join("mobsync.idl"))
            .include_dir(root.join("include"))
            .namespace("Mobsync")
            .cargo_metadata(false)
            .rdl(&out)
            .expect("rdl");
        let text = std::fs::read_to_string(&out).expect("written");
        assert!(text.contains("#[win32]\nmod Mobsync {"), "{text}");
        assert!(text.contains("interface ISyncMgrSynchronize:"), "{text}");
    }

    #[test]
    fn errors_have_their_location() {
        let idl = scratch("bad.idl");
        std::fs::write(&idl, "import \"unknwn.idl\";\ntypedef DWRD X;\n").expect("written");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let err = Builder::new(&idl)
            .include_dir(root.join("include"))
            .cargo_metadata(false)
            .rdl(scratch("bad.rdl"))
            .expect_err("bad IDL");
        let text = format!("{err:?}");
        assert!(text.contains("bad.idl:2:9"), "{text}");
        assert!(text.contains("unknown type `DWRD`"), "{text}");
    }
}
