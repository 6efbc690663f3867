//! Code generators: a checked [`Compilation`] in, the text of generated files out.
//!
//! One library serves `cargo xtask regen` (which writes or checks the files) and every other
//! consumer, so the outputs cannot drift apart:
//!
//! - [`abi`] lowers the model to the declarations to emit, with types resolved and method
//!   parameters classified by their MIDL attributes;
//! - [`rust_sys`] emits `mobsync-runtime/src/sys.rs` (module `mobsync_runtime::sys`);
//! - [`c_header`] emits `mobsync-runtime/include/mobsync_rs.h`;
//! - [`handler`] emits `mobsync-runtime/src/interfaces.rs`, the handler traits and their shims.
//!
//! [`outputs`] lists every generated file with its contents; [`stale_files`] and
//! [`write_files`] compare them with, or write them into, a checkout.
//!
//! ```
//! let files = mobsync_idl::codegen::outputs(mobsync_idl::mobsync_compilation()).unwrap();
//! assert!(files.iter().any(|f| f.path == "mobsync-runtime/src/sys.rs"));
//! ```

use std::io;
use std::path::Path;

use crate::compilation::Compilation;
use crate::diag::{Diagnostic, Diagnostics};

pub mod abi;
pub mod c_header;
pub mod handler;
pub mod rust_sys;

/// The Rust bindings, relative to the workspace root.
pub const RUST_SYS_PATH: &str = "mobsync-runtime/src/sys.rs";

/// The C header, relative to the workspace root.
pub const C_HEADER_PATH: &str = "mobsync-runtime/include/mobsync_rs.h";

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The path relative to the workspace root, with `/` separators.
    pub path: &'static str,
    /// The complete contents.
    pub contents: String,
}

/// Every generated file for `model`, in a fixed order.
///
/// # Errors
/// Declarations the generators do not support, or a generator failure, as diagnostics with
/// locations.
pub fn outputs(model: &Compilation) -> Result<Vec<GeneratedFile>, Diagnostics> {
    let api = abi::Api::from_model(model)?;
    let internal = |message: String| {
        Diagnostics::new(
            vec![Diagnostic::error_without_span(message)],
            model.source_map().clone(),
        )
    };
    Ok(vec![
        GeneratedFile {
            path: RUST_SYS_PATH,
            contents: rust_sys::generate(&api).map_err(internal)?,
        },
        GeneratedFile {
            path: C_HEADER_PATH,
            contents: c_header::generate(&api),
        },
        GeneratedFile {
            path: handler::PATH,
            contents: handler::generate(&api).map_err(internal)?,
        },
    ])
}

/// Text compared without regard to line endings (a checkout may use CRLF).
fn same_text(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
}

/// The paths of the files under `root` whose contents differ from `files` (missing files
/// included).
///
/// # Errors
/// A file that exists but cannot be read.
pub fn stale_files(root: &Path, files: &[GeneratedFile]) -> io::Result<Vec<&'static str>> {
    let mut stale = Vec::new();
    for file in files {
        match std::fs::read_to_string(root.join(file.path)) {
            Ok(text) if same_text(&text, &file.contents) => {}
            Ok(_) => stale.push(file.path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => stale.push(file.path),
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("reading {}: {e}", file.path),
                ));
            }
        }
    }
    Ok(stale)
}

/// Writes the files under `root` whose contents differ (creating directories as needed) and
/// returns their paths.
///
/// # Errors
/// A file or directory that cannot be read or written.
pub fn write_files(root: &Path, files: &[GeneratedFile]) -> io::Result<Vec<&'static str>> {
    let stale = stale_files(root, files)?;
    for file in files.iter().filter(|f| stale.contains(&f.path)) {
        let path = root.join(file.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &file.contents)
            .map_err(|e| io::Error::new(e.kind(), format!("writing {}: {e}", file.path)))?;
    }
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::{Options, Session};

    fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("idl/ is one level below the workspace root")
            .to_path_buf()
    }

    /// The check mode of `cargo xtask regen`, so that `cargo test` alone catches stale output.
    #[test]
    fn generated_files_are_up_to_date() {
        let files = outputs(crate::mobsync_compilation()).unwrap_or_else(|d| panic!("{d}"));
        let stale = stale_files(&workspace_root(), &files).expect("generated files are readable");
        assert!(
            stale.is_empty(),
            "stale generated files: {}\nhint: run `cargo xtask regen`",
            stale.join(", ")
        );
    }

    #[test]
    fn output_is_deterministic() {
        let a = outputs(crate::mobsync_compilation()).unwrap_or_else(|d| panic!("{d}"));
        let b = outputs(crate::mobsync_compilation()).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(a, b);
        for f in &a {
            assert!(
                f.contents.contains("Generated by `cargo xtask regen`"),
                "{}",
                f.path
            );
        }
    }

    /// Loads `mobsync.idl` with `edit` applied, against the bundled base IDL files.
    fn model_with(edit: impl Fn(&str) -> String) -> Compilation {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join("mobsync.idl")).expect("mobsync.idl");
        let opts = Options {
            include_dirs: vec![root.join("include")],
            ..Options::default()
        };
        let mut session = Session::new(opts);
        let id = session
            .load_source(&root.join("mobsync.idl"), &edit(&text))
            .unwrap_or_else(|d| panic!("{d}"));
        session.into_compilation(vec![id])
    }

    #[test]
    fn an_idl_edit_changes_rust_and_c_together() {
        let before = outputs(&model_with(str::to_string)).unwrap_or_else(|d| panic!("{d}"));
        let after = outputs(&model_with(|text| {
            text.replace(
                "const UINT MAX_SYNCMGRITEMNAME = 128;",
                "const UINT MAX_SYNCMGRITEMNAME = 130;\n\n\
                 /// A constant added by a test.\nconst DWORD MOBSYNC_TEST_CONSTANT = 0x1234;",
            )
        }))
        .unwrap_or_else(|d| panic!("{d}"));
        let get = |files: &[GeneratedFile], path: &str| {
            files
                .iter()
                .find(|f| f.path == path)
                .expect("listed")
                .contents
                .clone()
        };
        for path in [RUST_SYS_PATH, C_HEADER_PATH] {
            assert_ne!(
                get(&before, path),
                get(&after, path),
                "{path} did not change"
            );
        }
        let rust = get(&after, RUST_SYS_PATH);
        assert!(rust.contains("pub const MOBSYNC_TEST_CONSTANT: u32 = 0x1234;"));
        assert!(rust.contains("pub wszItemName: [u16; 130],"));
        let c = get(&after, C_HEADER_PATH);
        assert!(c.contains("#define MOBSYNC_TEST_CONSTANT 0x1234"));
        assert!(c.contains("uint16_t wszItemName[130];"));
    }

    #[test]
    fn stale_and_missing_files_are_named_and_rewritten() {
        let dir = std::env::temp_dir().join(format!("mobsync-codegen-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let files = vec![
            GeneratedFile {
                path: "a/one.txt",
                contents: "one\n".into(),
            },
            GeneratedFile {
                path: "b/two.txt",
                contents: "two\n".into(),
            },
        ];
        assert_eq!(
            stale_files(&dir, &files).unwrap(),
            ["a/one.txt", "b/two.txt"]
        );
        assert_eq!(
            write_files(&dir, &files).unwrap(),
            ["a/one.txt", "b/two.txt"]
        );
        assert!(stale_files(&dir, &files).unwrap().is_empty());
        std::fs::write(dir.join("b/two.txt"), "edited\n").unwrap();
        assert_eq!(stale_files(&dir, &files).unwrap(), ["b/two.txt"]);
        std::fs::write(dir.join("a/one.txt"), "one\r\n").unwrap();
        assert_eq!(write_files(&dir, &files).unwrap(), ["b/two.txt"]);
        assert!(stale_files(&dir, &files).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
