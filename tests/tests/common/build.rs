//! Building workspace artifacts (the folder-sync module, the mobsync-host binary) from a test,
//! with the same cargo, target directory and profile as the test itself.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

/// `<target>/<profile>` of this test binary (`.../deps/<test>-<hash>` is two levels below).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    exe.parent()
        .and_then(Path::parent)
        .expect("test binaries live in <target>/<profile>/deps")
        .to_path_buf()
}

/// `cargo build -p <package>...` into this test's target directory and profile.
pub fn cargo_build(packages: &[&str]) {
    let profile_dir = profile_dir();
    let target_dir = profile_dir.parent().expect("<target>/<profile>");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(workspace_root())
        .args(["build", "--quiet"]);
    for package in packages {
        build.args(["-p", package]);
    }
    build.env("CARGO_TARGET_DIR", target_dir);
    if profile_dir.file_name().is_some_and(|p| p == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "cargo build {packages:?} failed");
}

/// Builds the `cdylib` of workspace package `package` (`folder-sync`, `idl-server` ...) and
/// returns its path.
pub fn library_module(package: &str) -> PathBuf {
    cargo_build(&[package]);
    let module = profile_dir().join(format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        package.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    ));
    assert!(module.is_file(), "{} was not built", module.display());
    module
}

/// Builds the folder-sync handler module and returns its path.
pub fn folder_sync_module() -> PathBuf {
    library_module("folder-sync")
}

/// Builds folder-sync and mobsync-host; returns (module, host binary).
pub fn folder_sync_and_host() -> (PathBuf, PathBuf) {
    cargo_build(&["folder-sync", "mobsync-host"]);
    let host = profile_dir().join(format!("mobsync-host{}", std::env::consts::EXE_SUFFIX));
    assert!(host.is_file(), "{} was not built", host.display());
    (folder_sync_module(), host)
}

/// Compiles `tests/c/<source>` into the shared library `<out_dir>/lib<name>.so` with `cc`
/// (against the generated C header) and returns its path.
#[cfg(unix)]
pub fn c_module(source: &str, name: &str, out_dir: &Path) -> PathBuf {
    let root = workspace_root();
    let module = out_dir.join(format!("lib{name}.so"));
    let output = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args([
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-O1",
            "-g",
        ])
        .args(["-shared", "-fPIC"])
        .arg("-I")
        .arg(root.join("mobsync-runtime/include"))
        .arg(root.join("tests/c").join(source))
        .arg("-o")
        .arg(&module)
        .output()
        .expect("a C compiler (cc) is installed");
    assert!(
        output.status.success(),
        "compiling {source} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    module
}

/// Compiles the C client `tests/c/<name>.c` with `cc` (C11, every warning an error, pedantic)
/// against the headers in `include`, linked with `libs`, into `<out_dir>/<name>`.
pub fn compile_c_client(name: &str, include: &Path, out_dir: &Path, libs: &[&str]) -> PathBuf {
    let exe = out_dir.join(name);
    let output = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args([
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-O1",
            "-g",
        ])
        .arg("-I")
        .arg(include)
        .arg(workspace_root().join(format!("tests/c/{name}.c")))
        .arg("-o")
        .arg(&exe)
        .args(libs)
        .output()
        .expect("a C compiler (cc) is installed");
    assert!(
        output.status.success(),
        "compiling the C client {name} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

/// The number of files under `dir`, subfolders included (0 when it does not exist).
pub fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// Writes `<dir>/<header>` from `idl` with the C header generator, as `mobsync-idl c-header -I
/// ...` does: `include_dirs` first, the bundled base files last.
pub fn write_c_header(idl: &Path, include_dirs: &[PathBuf], dir: &Path, header: &str) {
    use mobsync_idl::codegen::{Api, CHeaderOptions, Stamp, c_header};
    use mobsync_idl::{BUNDLED_INCLUDE_DIR, Options, Session};

    let mut include_dirs = include_dirs.to_vec();
    include_dirs.push(BUNDLED_INCLUDE_DIR.into());
    let mut session = Session::new(Options {
        include_dirs,
        ..Options::default()
    });
    let id = session.load_file(idl).unwrap_or_else(|d| panic!("{d}"));
    let api = Api::from_compilation(&session.into_compilation(vec![id]))
        .unwrap_or_else(|d| panic!("{d}"));
    let name = idl.file_name().map(|n| n.to_string_lossy().into_owned());
    let text = c_header::generate(
        &api,
        &CHeaderOptions {
            stamp: Stamp::new("the C client tests", name.clone().unwrap_or_default()),
            file_name: header.into(),
            replaces: None,
            title: format!("C declarations of `{}`.", name.unwrap_or_default()),
        },
    );
    std::fs::write(dir.join(header), text).expect("the header is written");
}

/// Runs a C client `exe` with `args` and asserts that it passed: exit 0, its last line
/// `N passed, 0 failed` with at least `min_checks` checks. Prints its output.
pub fn run_c_client(exe: &Path, args: &[&std::ffi::OsStr], min_checks: usize) {
    let run = Command::new(exe)
        .args(args)
        .output()
        .expect("the C client runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&run.stderr));
    assert!(
        run.status.success(),
        "the C client {} failed (exit {:?})",
        exe.display(),
        run.status.code()
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with("passed, 0 failed"),
        "summary line: {summary}"
    );
    let passed: usize = summary
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("the summary starts with the number of checks passed");
    assert!(passed >= min_checks, "only {passed} checks ran");
}
