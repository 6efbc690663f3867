//! `cargo xtask new-handler`, as a new user meets it: the crate it writes builds, registers with
//! `mobsync-host regsvr` and syncs with `mobsync-host sync --all`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ sits in the workspace root")
        .to_path_buf()
}

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?}):\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn a_new_handler_builds_registers_and_syncs() {
    let root = root();
    let tmp = tempfile::tempdir().expect("a scratch directory");
    let out = run(Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["new-handler", "my-notes", "--dir"])
        .arg(tmp.path())
        .current_dir(&root));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("CLSID {"), "{said}");
    let krate = tmp.path().join("my-notes");
    let lib = std::fs::read_to_string(krate.join("src/lib.rs")).expect("lib.rs");
    assert!(lib.contains("pub struct MyNotes {"), "{lib}");
    assert!(!lib.contains("{{"), "{lib}");

    // Its own build, in a target directory kept between runs.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = root.join("target/new-handler");
    run(Command::new(&cargo)
        .args(["build", "--quiet", "--offline", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target));
    let module = target.join("debug").join(format!(
        "{}my_notes{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(module.is_file(), "{} was not built", module.display());

    run(Command::new(&cargo)
        .args(["build", "--quiet", "-p", "mobsync-host"])
        .current_dir(&root));
    let host = root
        .join("target/debug")
        .join(format!("mobsync-host{}", std::env::consts::EXE_SUFFIX));
    let store = tmp.path().join("registry.json");
    run(Command::new(&host)
        .arg("regsvr")
        .arg(&module)
        .env("MOBSYNC_REGISTRY", &store));
    let out = run(Command::new(&host)
        .args(["sync", "--all", "--json"])
        .env("MOBSYNC_REGISTRY", &store));
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(json.contains("My Notes"), "{json}");
    assert!(json.contains("Notes"), "{json}");
}
