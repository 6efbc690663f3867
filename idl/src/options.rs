//! The options of a front-end run, shared by every layer that reads files: the preprocessor's
//! include path and definitions, and how files are read.

use std::io;
use std::path::{Path, PathBuf};

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Directories searched for imported and included files, in order, after the directory of
    /// the importing file.
    pub include_dirs: Vec<PathBuf>,
    /// Preprocessor definitions (`-D NAME` gives `(NAME, None)`, `-D NAME=V` gives `(NAME, Some(V))`).
    pub defines: Vec<(String, Option<String>)>,
    /// Names undefined after the predefined names and the definitions (`-U NAME`).
    pub undefines: Vec<String>,
    /// Stop after parsing: no import resolution, no semantic checks, no evaluated values.
    pub syntax_only: bool,
}

/// Reads a file's text; the driver calls it for root files, imports and includes.
pub type Loader = dyn Fn(&Path) -> io::Result<String> + Send + Sync;
