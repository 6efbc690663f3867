//! The MIDL front end of mobsync-rs: a pest grammar, a typed model with exact source
//! locations, semantic checks, and (in [`codegen`]) the code generators.
//!
//! # Quick start
//!
//! ```no_run
//! use std::path::PathBuf;
//! use mobsync_idl::{load, Options};
//!
//! let opts = Options {
//!     include_dirs: vec![PathBuf::from("/usr/include/wine/wine/windows")],
//!     ..Options::default()
//! };
//! match load(&[PathBuf::from("oleidl.idl")], &opts) {
//!     Ok(compilation) => {
//!         for item in &compilation.root().items {
//!             println!("{:?}", item.span());
//!         }
//!     }
//!     Err(diagnostics) => eprint!("{diagnostics}"),
//! }
//! ```
//!
//! The bundled `idl/mobsync.idl` (with its base definitions in `idl/include/`) is compiled into
//! the crate; [`mobsync_compilation`] returns its checked [`Compilation`].
//!
//! # Pipeline
//!
//! For each file: preprocess (`#include`, `#define`, `#if` ... with every byte mapped back to
//! its original file), parse with the pest grammar (`idl.pest`), lower the parse tree to the
//! typed tree of [`model`], then check it (resolve imports, evaluate constants, names,
//! attributes). A [`Session`] caches every file it has loaded, so a run over many files parses
//! and checks each imported file once; the checked files with their symbols form a
//! [`Compilation`], which the [`codegen`] generators read.

#![warn(missing_docs)]

// Layers, each importing only the ones above it in this list (the tidy test in
// `xtask/tests/tidy.rs` keeps it so):
// source and spans, options, diagnostics → preprocessor → model (the typed tree) → syntax
// (pest) → lowering → parsing a file → symbols and constant evaluation → checks → the
// compilation → code generators → driver (sessions, loading) → bundled IDL → the builder
// for build scripts.
mod builder;
mod bundled;
mod check;
pub mod codegen;
mod compilation;
pub mod diag;
mod driver;
mod eval;
mod lower;
pub mod model;
mod options;
mod parse;
mod pool;
pub mod preprocess;
pub mod source;
mod symbols;
mod syntax;

pub use builder::{BuildError, Builder, wine_idl_root};
pub use bundled::{BUNDLED_INCLUDE_DIR, mobsync_compilation};
pub use compilation::Compilation;
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use driver::{Session, load};
pub use options::{Loader, Options};
pub use pool::run as on_front_end_threads;
pub use symbols::Symbol;
