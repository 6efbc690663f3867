//! What the tests of the `mobsync-host` command line share: the real binary and the real
//! folder-sync module, run in a temporary directory with a registration store of its own.

#![allow(dead_code)] // each test binary uses a different part

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::build::folder_sync_and_host;

/// folder-sync's CLSID.
pub const CLSID: &str = "{632306B6-690C-48C1-AB87-953A6833A855}";

/// A temporary directory with a store (`registry.json`), the host binary and the module.
pub struct Env {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub host: PathBuf,
    pub module: PathBuf,
    pub store: PathBuf,
}

impl Env {
    /// Builds folder-sync and mobsync-host (once per test binary, cargo knows) and makes the
    /// directory.
    pub fn new() -> Env {
        let (module, host) = folder_sync_and_host();
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        Env {
            store: root.join("registry.json"),
            _tmp: tmp,
            root,
            host,
            module,
        }
    }

    /// `mobsync-host ARGS` with this store, in the directory, without folder-sync's variable.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.host);
        command
            .args(args)
            .current_dir(&self.root)
            .env("MOBSYNC_REGISTRY", &self.store)
            .env_remove("FOLDER_SYNC_COOKIE")
            .env_remove("COLUMNS");
        command
    }

    /// Runs `mobsync-host ARGS` to the end.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("mobsync-host runs")
    }

    /// `mobsync-host regsvr` of folder-sync; must succeed.
    pub fn register(&self) {
        let out = self.run(&["regsvr", self.module.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
    }

    /// Files (path relative to `source/`, size) under `<root>/source`; returns that folder.
    pub fn tree(&self, files: &[(&str, usize)]) -> PathBuf {
        let source = self.root.join("source");
        for (path, size) in files {
            let path = source.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, vec![b'x'; *size]).unwrap();
        }
        source
    }

    /// folder-sync's cookie for `source` → `<root>/<dest>`, plus `extra` (`;key=value`...).
    pub fn cookie(&self, source: &Path, dest: &str, extra: &str) -> String {
        format!(
            "source={};dest={}{extra}",
            source.display(),
            self.root.join(dest).display()
        )
    }
}

/// `files` files of `size` bytes in each of `folders` under `<root>/source`; returns that folder.
pub fn many_files(env: &Env, folders: &[&str], files: usize, size: usize) -> PathBuf {
    let paths: Vec<String> = (0..files)
        .flat_map(|i| folders.iter().map(move |f| format!("{f}/f{i}.txt")))
        .collect();
    let tree: Vec<(&str, usize)> = paths.iter().map(|p| (p.as_str(), size)).collect();
    env.tree(&tree)
}

/// Waits (up to 20 s) until `<root>/<file>` exists, sends `child` SIGINT (Ctrl-C), and returns
/// its output.
pub fn interrupt_after(env: &Env, child: std::process::Child, file: &str) -> Output {
    let started = std::time::Instant::now();
    while !env.root.join(file).exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{file} never appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    child.wait_with_output().unwrap()
}

/// stdout as JSON (the test fails with both streams shown when it is not).
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
