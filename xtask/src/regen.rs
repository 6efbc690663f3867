//! `cargo xtask regen [--check]`: writes (or checks) every file the workspace generates from
//! `idl/mobsync.idl`.
//!
//! This command is one caller of the generator library [`mobsync_idl::codegen`] like any other:
//! it names the files, their stamps and descriptions and the runtime's crate paths
//! ([`workspace_files`]), and decides whether to write the files or to compare them with what is
//! checked in.

use std::io;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use mobsync_idl::codegen::{
    Api, BindingsOptions, CHeaderOptions, Stamp, TraitsOptions, bindings, c_header, handler,
};

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not write anything: exit non-zero and name the generated files that are stale.
    #[arg(long)]
    pub check: bool,
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The path relative to the workspace root, with `/` separators.
    pub path: &'static str,
    /// The complete contents.
    pub contents: String,
}

/// The Rust bindings of `mobsync.idl` (`mobsync_runtime::sys`).
pub const BINDINGS_PATH: &str = "mobsync-runtime/src/sys.rs";
/// The handler traits and their shims (`mobsync_runtime::interfaces`).
pub const TRAITS_PATH: &str = "mobsync-runtime/src/interfaces.rs";
/// The C header for C and C++ clients of handlers.
pub const C_HEADER_PATH: &str = "mobsync-runtime/include/mobsync_rs.h";

/// Every file generated from the bundled `idl/mobsync.idl`, in a fixed order.
///
/// # Errors
/// Declarations the generators do not support, or a generator failure.
pub fn workspace_files() -> anyhow::Result<Vec<GeneratedFile>> {
    let compilation = mobsync_idl::mobsync_compilation();
    let api = Api::from_compilation(compilation)
        .map_err(|d| anyhow::anyhow!("{d}"))
        .context("building the ABI view of idl/mobsync.idl")?;
    // Everything of mobsync.idl is generated: a declaration left out is an error here.
    let skipped = api.skipped();
    if !skipped.is_empty() {
        let diagnostics = mobsync_idl::Diagnostics::new(skipped, compilation.source_map().clone());
        anyhow::bail!("idl/mobsync.idl has declarations the generators leave out:\n{diagnostics}");
    }
    let stamp = Stamp::new("cargo xtask regen", "idl/mobsync.idl");
    let bindings = BindingsOptions {
        stamp: stamp.clone(),
        title: "Raw bindings for the Windows Synchronization Manager (`mobsync.h`), generated \
                from `idl/mobsync.idl`."
            .into(),
    };
    let traits = TraitsOptions {
        stamp: stamp.clone(),
        runtime: "crate".into(),
        bindings: "crate::sys".into(),
        derives: vec!["SyncMgrHandler".into(), "ComObject".into()],
        in_views: vec![
            ("SYNCMGRPROGRESSITEM".into(), "ProgressItem".into()),
            ("SYNCMGRLOGERRORINFO".into(), "LogErrorInfo".into()),
        ],
        out_owned: vec![("SYNCMGRHANDLERINFO".into(), "HandlerInfo".into())],
    };
    let header = CHeaderOptions {
        stamp,
        file_name: "mobsync_rs.h".into(),
        replaces: Some("mobsync.h".into()),
        title: "C declarations of the Windows Synchronization Manager interfaces (the SDK's \
                <mobsync.h>), for C and C++ clients of mobsync-rs handlers."
            .into(),
    };
    Ok(vec![
        GeneratedFile {
            path: BINDINGS_PATH,
            contents: bindings::generate(&api, &bindings)
                .map_err(anyhow::Error::msg)
                .context(BINDINGS_PATH)?,
        },
        GeneratedFile {
            path: C_HEADER_PATH,
            contents: c_header::generate(&api, &header),
        },
        GeneratedFile {
            path: TRAITS_PATH,
            contents: handler::generate(&api, &traits)
                .map_err(anyhow::Error::msg)
                .context(TRAITS_PATH)?,
        },
    ])
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = crate::project_root();
    let files = workspace_files().context("generating code from idl/mobsync.idl")?;

    if args.check {
        let stale = stale_files(&root, &files)
            .with_context(|| format!("reading generated files under {}", root.display()))?;
        if stale.is_empty() {
            println!("{} generated files are up to date", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        for file in &stale {
            eprintln!("stale: {file}");
        }
        eprintln!("hint: run `cargo xtask regen` and commit the result");
        return Ok(ExitCode::FAILURE);
    }

    let written = write_files(&root, &files)
        .with_context(|| format!("writing generated files under {}", root.display()))?;
    for path in &written {
        println!("wrote {path}");
    }
    println!("{} generated files, {} changed", files.len(), written.len());
    Ok(ExitCode::SUCCESS)
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
    use super::*;

    /// The check mode of `cargo xtask regen`, so that `cargo test` alone catches stale output.
    #[test]
    fn generated_files_are_up_to_date() {
        let files = workspace_files().expect("generates");
        let stale = stale_files(&crate::project_root(), &files).expect("readable");
        assert!(
            stale.is_empty(),
            "stale generated files: {}\nhint: run `cargo xtask regen`",
            stale.join(", ")
        );
    }

    #[test]
    fn stale_and_missing_files_are_named_and_rewritten() {
        let dir = std::env::temp_dir().join(format!("mobsync-regen-{}", std::process::id()));
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

    #[test]
    fn generated_files_carry_the_stamp() {
        for file in workspace_files().expect("generates") {
            assert!(
                file.contents.contains(
                    "Generated by `cargo xtask regen` from `idl/mobsync.idl`. Do not edit."
                ),
                "{}",
                file.path
            );
        }
    }
}
