//! The Sync Center steps of `cargo xtask wine-test`: the example's Sync Center class, in the
//! same DLL as the Sync Manager one, registered by `regsvr32` under Sync Center's handler key and
//! driven under Wine by the Sync Center C client (`tests/c/client_sync_center.c`, built with
//! `x86_64-w64-mingw32-gcc` against the generated `syncmgr_rs.h`), the client of
//! `tests/tests/c_client_sync_center.rs` on Linux.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};

use super::{Ctx, MINGW_GCC, compare_trees, is_stale, run_checked, run_with_timeout, windows_path};

/// The example's Sync Center class.
pub(super) const SYNC_CENTER_CLSID: &str = "{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}";

/// Sync Center's handler key for the class, in `reg.exe`'s spelling.
pub(super) fn sync_center_key() -> String {
    format!(
        "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Explorer\\SyncMgr\\HandlerInstances\\{SYNC_CENTER_CLSID}"
    )
}

/// Checks the registration `DllRegisterServer` wrote for the Sync Center class.
pub(super) fn check_registered(ctx: &Ctx) -> Result<()> {
    let key = sync_center_key();
    let name = ctx
        .reg_value(&key, "(Default)")?
        .with_context(|| format!("no Sync Center registration under {key}"))?;
    ensure!(
        name == "Folder Sync (Sync Center)",
        "{key} names {name:?}, not the class"
    );
    println!("ok: Sync Center registration: {key} = {name:?}");
    Ok(())
}

/// `source=...;dest=...` with Windows paths, `\` and `;` escaped as the cookie format wants.
fn cookie(source: &Path, dest: &Path) -> Result<String> {
    let escape = |path: &Path| -> Result<String> {
        Ok(windows_path(path)?
            .replace('\\', "\\\\")
            .replace(';', "\\;"))
    };
    Ok(format!("source={};dest={}", escape(source)?, escape(dest)?))
}

/// The sample tree of the Sync Center client: the three items it expects.
fn sample_tree(data: &Path) -> Result<(PathBuf, PathBuf, PathBuf)> {
    if data.exists() {
        fs::remove_dir_all(data).with_context(|| format!("removing {}", data.display()))?;
    }
    let source = data.join("src");
    let files: [(&str, &[u8]); 5] = [
        ("Alpha/readme.txt", b"alpha\r\n"),
        ("Alpha/notes.txt", b"more alpha"),
        ("Beta/top.txt", b"beta"),
        ("Beta/data.bin", &[7u8; 70_000]),
        ("Gamma/one.txt", b"1"),
    ];
    for (name, content) in files {
        let path = source.join(name);
        fs::create_dir_all(path.parent().expect("a file in a folder"))?;
        fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok((source, data.join("dst"), data.join("cancelled")))
}

/// Builds the client and runs it under Wine against `dll`; compares the copies.
pub(super) fn drive(ctx: &Ctx, dll: &Path) -> Result<()> {
    let client = ctx.work.join("client_sync_center.exe");
    let source = ctx.root.join("tests/c/client_sync_center.c");
    let header = ctx.root.join("mobsync-runtime/include/syncmgr_rs.h");
    if is_stale(&client, &[source.clone(), header])? {
        let mut cmd = Command::new(MINGW_GCC);
        cmd.args([
            "-std=c11",
            "-O1",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-I",
        ])
        .arg(ctx.root.join("mobsync-runtime/include"))
        .arg("-o")
        .arg(&client)
        .arg(&source);
        run_checked(&mut cmd, "building the Sync Center C client")?;
    }
    let (src, dst, cancelled) = sample_tree(&ctx.work.join("data-sync-center"))?;
    let mut cmd = ctx.wine_command();
    cmd.arg(&client)
        .arg(windows_path(dll)?)
        .env("FOLDER_SYNC_COOKIE", cookie(&src, &dst)?)
        .env("FOLDER_SYNC_CANCEL_COOKIE", cookie(&src, &cancelled)?)
        // The file the client changes on both sides to make a conflict.
        .env(
            "FOLDER_SYNC_CONFLICT_SOURCE",
            windows_path(&src.join("Gamma/one.txt"))?,
        )
        .env(
            "FOLDER_SYNC_CONFLICT_DEST",
            windows_path(&dst.join("Gamma/one.txt"))?,
        )
        .env_remove("FOLDER_SYNC_FAULT");
    let status = run_with_timeout(&mut cmd, ctx.timeout)?;
    ensure!(
        status == 0,
        "the Sync Center C client failed with exit status {status}"
    );
    compare_trees(&src, &dst)?;
    println!("sync center: the copies match the source byte for byte");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_escape_windows_paths() {
        assert_eq!(
            cookie(Path::new("/a;b/src"), Path::new("/dst")).unwrap(),
            "source=Z:\\\\a\\;b\\\\src;dest=Z:\\\\dst"
        );
    }
}
