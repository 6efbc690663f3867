//! The IDL files compiled into this crate: `idl/mobsync.idl` and its base files in
//! `idl/include/`, loaded from memory.

use std::io;
use std::path::Path;
use std::sync::OnceLock;

use crate::compilation::Compilation;
use crate::diag::Diagnostics;
use crate::driver::{Session, normalize};
use crate::options::Options;

mod files {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// The directory (inside this crate's sources) that holds the bundled base IDL files
/// (`unknwn.idl`, `wtypes.idl` ...), for tools that want them on their include path.
pub const BUNDLED_INCLUDE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/include");

/// The virtual path under which bundled files are loaded by [`mobsync_compilation`].
const BUNDLED_ROOT: &str = "idl";

/// The checked compilation of the bundled `idl/mobsync.idl`, with its imports resolved against the
/// bundled `idl/include/` files (compiled in, no file system access).
///
/// # Panics
/// If the bundled IDL does not load; a unit test proves that it does.
pub fn mobsync_compilation() -> &'static Compilation {
    static COMPILATION: OnceLock<Compilation> = OnceLock::new();
    COMPILATION.get_or_init(|| match load_bundled() {
        Ok(compilation) => compilation,
        Err(diags) => panic!("the bundled mobsync.idl does not load:\n{diags}"),
    })
}

/// Loads the bundled `mobsync.idl` through an in-memory loader.
pub(crate) fn load_bundled() -> Result<Compilation, Diagnostics> {
    let loader = |path: &Path| -> io::Result<String> {
        let key = normalize(path);
        files::FILES
            .iter()
            .find(|(name, _)| Path::new(BUNDLED_ROOT).join(name) == key)
            .map(|(_, text)| (*text).to_string())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not a bundled file"))
    };
    let opts = Options {
        include_dirs: vec![Path::new(BUNDLED_ROOT).join("include")],
        ..Options::default()
    };
    let mut session = Session::with_loader(opts, Box::new(loader));
    let root = session.load_file(&Path::new(BUNDLED_ROOT).join("mobsync.idl"))?;
    Ok(session.into_compilation(vec![root]))
}
