//! `cargo xtask demo`: the README's main job, end to end on this machine.
//!
//! Builds the folder-sync example handler and `mobsync-host`, registers the handler in a
//! temporary registration store (`MOBSYNC_REGISTRY` pointing into a temporary directory), creates a
//! sample tree, and syncs it with `mobsync-host sync`, which shows one live progress bar per item
//! (one line per change when the output is not a terminal). Then it checks every file arrived,
//! synchronizes the same tree with the Sync Center class (`mobsync-host sync-center sync`), changes
//! one file on both sides, synchronizes again so that Sync Center reports the conflict, lists it
//! (`sync-center conflicts`), resolves it keeping both versions (`sync-center resolve --keep both`)
//! and checks the result, unregisters the handler and removes the temporary directory. Exits 0
//! only if all of that worked.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail, ensure};

use crate::project_root;

/// The folder-sync example's CLSID.
const FOLDER_SYNC_CLSID: &str = "{632306B6-690C-48C1-AB87-953A6833A855}";

/// The folder-sync example's Sync Center class.
const FOLDER_SYNC_CENTER_CLSID: &str = "{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}";

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Milliseconds the handler waits per file, so the progress bars can be watched.
    #[arg(long, default_value_t = 40)]
    pace_ms: u64,
    /// Keep the temporary directory (store, sample tree, copy) for inspection.
    #[arg(long)]
    keep: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = project_root();
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target_dir = if target_dir.is_absolute() {
        target_dir
    } else {
        root.join(target_dir)
    };

    step("Building the folder-sync handler and mobsync-host");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "-p", "folder-sync", "-p", "mobsync-host"])
        .env("CARGO_TARGET_DIR", &target_dir)
        .status()
        .context("cannot run cargo")?;
    ensure!(status.success(), "cargo build failed");
    let host = target_dir
        .join("debug")
        .join(format!("mobsync-host{}", std::env::consts::EXE_SUFFIX));
    let library = target_dir.join("debug").join(format!(
        "{}folder_sync{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    ensure!(host.is_file(), "{} was not built", host.display());
    ensure!(library.is_file(), "{} was not built", library.display());

    let work = std::env::temp_dir().join(format!("mobsync-demo-{}", std::process::id()));
    fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let result = demo(&host, &library, &work, args.pace_ms);
    if args.keep {
        println!("Kept {}", work.display());
    } else {
        let _ = fs::remove_dir_all(&work);
    }
    result?;
    println!(
        "\nDemo finished: the handler was registered, every item synchronized with Sync Manager and \
         Sync Center, a conflict reported and resolved, and the handler unregistered again."
    );
    Ok(ExitCode::SUCCESS)
}

fn step(text: &str) {
    println!("\n==> {text}");
}

fn demo(host: &Path, library: &Path, work: &Path, pace_ms: u64) -> anyhow::Result<()> {
    let store = work.join("registry.json");
    let source = work.join("source");
    let dest = work.join("backup");
    // Sync Center passes no cookie: its class reads this one (no pace: it is quick).
    let center_cookie = format!("source={};dest={}", escape(&source), escape(&dest));
    let run = |args: &[&std::ffi::OsStr]| -> anyhow::Result<()> {
        let status = Command::new(host)
            .args(args)
            .env("MOBSYNC_REGISTRY", &store)
            .env("FOLDER_SYNC_COOKIE", &center_cookie)
            .status()
            .with_context(|| format!("cannot run {}", host.display()))?;
        ensure!(
            status.success(),
            "mobsync-host {:?} exited with {status}",
            args
        );
        Ok(())
    };

    step(&format!(
        "Registering the handler in a temporary store ({})",
        store.display()
    ));
    run(&["regsvr".as_ref(), library.as_os_str()])?;
    run(&["list".as_ref()])?;

    step(&format!("Creating a sample tree in {}", source.display()));
    let files = sample_tree(&source)?;
    println!("{} files in {} folders", files.len(), 3);

    step("Synchronizing (one progress bar per item)");
    let cookie = format!(
        "source={};dest={};pace_ms={pace_ms}",
        escape(&source),
        escape(&dest)
    );
    run(&[
        "sync".as_ref(),
        FOLDER_SYNC_CLSID.as_ref(),
        "--cookie".as_ref(),
        cookie.as_ref(),
    ])?;

    step("Checking the copy");
    for (path, bytes) in &files {
        let copied = fs::read(dest.join(path))
            .with_context(|| format!("{} was not copied", path.display()))?;
        if &copied != bytes {
            bail!("{} differs from its source", path.display());
        }
    }
    println!("all {} files are in {}", files.len(), dest.display());

    step("Synchronizing the same tree with Sync Center (mobsync-host sync-center sync)");
    run(&[
        "sync-center".as_ref(),
        "sync".as_ref(),
        FOLDER_SYNC_CENTER_CLSID.as_ref(),
    ])?;

    let changed = PathBuf::from("Documents/file-00.dat");
    step(&format!(
        "Changing {} on both sides, then synchronizing with Sync Center: a conflict",
        changed.display()
    ));
    fs::write(source.join(&changed), b"edited in the source\n")?;
    fs::write(dest.join(&changed), b"edited in the backup, differently\n")?;
    run(&[
        "sync-center".as_ref(),
        "sync".as_ref(),
        FOLDER_SYNC_CENTER_CLSID.as_ref(),
        "--items".as_ref(),
        "Documents".as_ref(),
    ])?;
    run(&[
        "sync-center".as_ref(),
        "conflicts".as_ref(),
        FOLDER_SYNC_CENTER_CLSID.as_ref(),
    ])?;

    step("Resolving the conflict, keeping both versions");
    run(&[
        "sync-center".as_ref(),
        "resolve".as_ref(),
        FOLDER_SYNC_CENTER_CLSID.as_ref(),
        "Documents/file-00.dat".as_ref(),
        "--keep".as_ref(),
        "both".as_ref(),
    ])?;
    run(&[
        "sync-center".as_ref(),
        "conflicts".as_ref(),
        FOLDER_SYNC_CENTER_CLSID.as_ref(),
    ])?;
    let kept = dest.join("Documents/file-00 (backup).dat");
    ensure!(
        fs::read(dest.join(&changed))? == b"edited in the source\n",
        "{} is not the source's version",
        dest.join(&changed).display()
    );
    ensure!(
        fs::read(&kept).with_context(|| format!("{} is missing", kept.display()))?
            == b"edited in the backup, differently\n",
        "{} is not the backup's version",
        kept.display()
    );
    println!(
        "the source's version is in {}, the backup's in {}",
        dest.join(&changed).display(),
        kept.display()
    );

    step("Unregistering the handler");
    run(&["regsvr".as_ref(), "-u".as_ref(), library.as_os_str()])?;
    Ok(())
}

/// The folder-sync cookie escapes `\` and `;` in values.
fn escape(path: &Path) -> String {
    path.to_string_lossy()
        .replace('\\', "\\\\")
        .replace(';', "\\;")
}

/// Three item folders with a few dozen files of varied sizes, some nested.
fn sample_tree(source: &Path) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files = Vec::new();
    for (folder, count, size) in [
        ("Documents", 12usize, 3_000usize),
        ("Photos", 8, 150_000),
        ("Music", 10, 40_000),
    ] {
        for i in 0..count {
            let sub = if i % 4 == 3 {
                format!("{folder}/archive/part-{i}.dat")
            } else {
                format!("{folder}/file-{i:02}.dat")
            };
            let bytes: Vec<u8> = (0..size + i * 17)
                .map(|b| ((b * 31 + i) % 251) as u8)
                .collect();
            files.push((PathBuf::from(sub), bytes));
        }
    }
    for (path, bytes) in &files {
        let full = source.join(path);
        fs::create_dir_all(full.parent().expect("files are in folders"))?;
        fs::write(&full, bytes).with_context(|| format!("cannot write {}", full.display()))?;
    }
    Ok(files)
}
