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
//!     Ok(model) => {
//!         for item in &model.root().items {
//!             println!("{:?}", item.span());
//!         }
//!     }
//!     Err(diagnostics) => eprint!("{diagnostics}"),
//! }
//! ```
//!
//! The bundled `idl/mobsync.idl` (with its base definitions in `idl/include/`) is compiled into
//! the crate; [`mobsync_model`] returns its checked model.
//!
//! # Pipeline
//!
//! For each file: preprocess (`#include`, `#define`, `#if` ... with every byte mapped back to
//! its original file), parse with the pest grammar (`idl.pest`), lower the parse tree to the
//! [`model`], then check it (resolve imports, evaluate constants, names, attributes). A
//! [`Session`] caches every file it has loaded, so a run over many files parses and checks each
//! imported file once.

pub mod codegen;
pub mod diag;
mod driver;
mod lower;
pub mod model;
mod parse;
mod pool;
pub mod preprocess;
pub mod source;
mod symbols;

mod check;
mod chunks;
mod eval;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use driver::{BUNDLED_INCLUDE_DIR, Loader, Model, Options, Session, load, mobsync_model};
pub use symbols::Symbol;
