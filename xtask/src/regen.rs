//! `cargo xtask regen [--check]`: writes (or checks) every file the workspace generates from
//! `idl/mobsync.idl` (Sync Manager) and `idl/syncmgr.idl` (Sync Center).
//!
//! `idl/syncmgr.idl` imports Windows IDL files (`objidl.idl`, `oleidl.idl`, `shobjidl.idl`),
//! read from Wine's IDL directory: `$MOBSYNC_WINE_IDL/windows`, else
//! `/usr/include/wine/wine/windows` (Debian's `libwine-dev`). The generated files are checked
//! in, so building the runtime never needs Wine; only regenerating them does.
//!
//! This command is one caller of the generator library [`mobsync_idl::codegen`] like any other:
//! it names the files, their stamps and descriptions and the runtime's crate paths
//! ([`workspace_files`]), and decides whether to write the files or to compare them with what is
//! checked in.

use std::io;
use std::path::{Path, PathBuf};
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

/// The Rust bindings of `syncmgr.idl` (`mobsync_runtime::syncmgr::sys`).
pub const SC_BINDINGS_PATH: &str = "mobsync-runtime/src/syncmgr/sys.rs";
/// The Sync Center traits and their shims (`mobsync_runtime::syncmgr::interfaces`).
pub const SC_TRAITS_PATH: &str = "mobsync-runtime/src/syncmgr/interfaces.rs";
/// The C header of the Sync Center interfaces for C and C++ clients.
pub const SC_C_HEADER_PATH: &str = "mobsync-runtime/include/syncmgr_rs.h";

/// Every generated file of the workspace, in a fixed order: those of `idl/mobsync.idl`, then
/// those of `idl/syncmgr.idl`.
///
/// # Errors
/// Declarations the generators do not support, an IDL file that does not load (Wine's IDL
/// files missing), or a generator failure.
pub fn workspace_files() -> anyhow::Result<Vec<GeneratedFile>> {
    let mut files = mobsync_files()?;
    files.extend(sync_center_files()?);
    Ok(files)
}

/// Wine's directory of Windows IDL files, which `idl/syncmgr.idl` imports from.
pub fn wine_windows_idl_dir() -> PathBuf {
    mobsync_idl::wine_idl_root().join("windows")
}

/// Fails unless every declaration of the compilation's root file is generated.
fn refuse_skipped(
    api: &Api,
    compilation: &mobsync_idl::Compilation,
    file: &str,
) -> anyhow::Result<()> {
    let skipped = api.skipped();
    if !skipped.is_empty() {
        let diagnostics = mobsync_idl::Diagnostics::new(skipped, compilation.source_map().clone());
        anyhow::bail!("{file} has declarations the generators leave out:\n{diagnostics}");
    }
    Ok(())
}

/// The files generated from `idl/syncmgr.idl`: its bindings, traits and C header.
///
/// # Errors
/// As [`workspace_files`].
pub fn sync_center_files() -> anyhow::Result<Vec<GeneratedFile>> {
    let wine = wine_windows_idl_dir();
    anyhow::ensure!(
        wine.join("objidl.idl").is_file(),
        "idl/syncmgr.idl imports Windows IDL files, looked for in {} (install Wine's IDL \
         files, Debian's libwine-dev, or set MOBSYNC_WINE_IDL to the directory holding \
         `windows/`)",
        wine.display()
    );
    let opts = mobsync_idl::Options {
        include_dirs: vec![wine, PathBuf::from(mobsync_idl::BUNDLED_INCLUDE_DIR)],
        ..mobsync_idl::Options::default()
    };
    let path = crate::project_root().join("idl/syncmgr.idl");
    let compilation = mobsync_idl::load(&[path], &opts)
        .map_err(|d| anyhow::anyhow!("{d}"))
        .context("loading idl/syncmgr.idl")?;
    let api = Api::from_compilation(&compilation)
        .map_err(|d| anyhow::anyhow!("{d}"))
        .context("building the ABI view of idl/syncmgr.idl")?;
    refuse_skipped(&api, &compilation, "idl/syncmgr.idl")?;
    let stamp = Stamp::new("cargo xtask regen", "idl/syncmgr.idl");
    let bindings = BindingsOptions {
        stamp: stamp.clone(),
        title: "Raw bindings for Windows Sync Center (`syncmgr.h`), generated from \
                `idl/syncmgr.idl`, with the declarations of the Windows IDL files it imports \
                that it uses."
            .into(),
    };
    let traits = TraitsOptions {
        stamp: stamp.clone(),
        runtime: "crate".into(),
        bindings: "crate::syncmgr::sys".into(),
        derives: vec!["SyncCenterHandler".into(), "ComObject".into()],
        trait_path: "mobsync_runtime::syncmgr".into(),
        in_views: Vec::new(),
        out_owned: Vec::new(),
    };
    let header = CHeaderOptions {
        stamp,
        file_name: "syncmgr_rs.h".into(),
        replaces: Some("syncmgr.h".into()),
        title: "C declarations of the Windows Sync Center interfaces (the SDK's <syncmgr.h>), \
                for C and C++ clients of mobsync-rs Sync Center handlers."
            .into(),
    };
    Ok(vec![
        GeneratedFile {
            path: SC_BINDINGS_PATH,
            contents: bindings::generate(&api, &bindings)
                .map_err(anyhow::Error::msg)
                .context(SC_BINDINGS_PATH)?,
        },
        GeneratedFile {
            path: SC_C_HEADER_PATH,
            contents: c_header::generate(&api, &header),
        },
        GeneratedFile {
            path: SC_TRAITS_PATH,
            contents: handler::generate(&api, &traits)
                .map_err(anyhow::Error::msg)
                .context(SC_TRAITS_PATH)?,
        },
    ])
}

/// The files generated from the bundled `idl/mobsync.idl`.
///
/// # Errors
/// As [`workspace_files`].
pub fn mobsync_files() -> anyhow::Result<Vec<GeneratedFile>> {
    let compilation = mobsync_idl::mobsync_compilation();
    let api = Api::from_compilation(compilation)
        .map_err(|d| anyhow::anyhow!("{d}"))
        .context("building the ABI view of idl/mobsync.idl")?;
    // Everything of mobsync.idl is generated: a declaration left out is an error here.
    refuse_skipped(&api, compilation, "idl/mobsync.idl")?;
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
        trait_path: "mobsync_runtime".into(),
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
    let files = workspace_files().context("generating code from the IDL files")?;

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

    /// Every generated file, those of `syncmgr.idl` only where Wine's IDL files are installed
    /// (they are under CI: a missing prerequisite fails there, as for the corpus tests).
    fn generated_files() -> Vec<GeneratedFile> {
        let mut files = mobsync_files().expect("generates");
        if wine_windows_idl_dir().join("objidl.idl").is_file() {
            files.extend(sync_center_files().expect("generates"));
        } else {
            let msg = format!(
                "Wine's IDL files ({}) are missing: the files generated from idl/syncmgr.idl \
                 are not checked (install Debian's libwine-dev; `.ci/setup` does)",
                wine_windows_idl_dir().display()
            );
            assert!(std::env::var_os("CI").is_none(), "{msg}");
            eprintln!("NOT RUN: {msg}");
        }
        files
    }

    /// The check mode of `cargo xtask regen`, so that `cargo test` alone catches stale output.
    #[test]
    fn generated_files_are_up_to_date() {
        let files = generated_files();
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
        for file in generated_files() {
            let source = if file.path.contains("syncmgr") {
                "idl/syncmgr.idl"
            } else {
                "idl/mobsync.idl"
            };
            assert!(
                file.contents.contains(&format!(
                    "Generated by `cargo xtask regen` from `{source}`. Do not edit."
                )),
                "{}",
                file.path
            );
        }
    }
}
