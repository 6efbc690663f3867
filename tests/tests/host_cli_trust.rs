//! Nothing loaded from a place another user can write: the real `mobsync-host` binary refuses a
//! handler library and a registration store that are, or sit below a directory that is, group- or
//! world-writable without the sticky bit, and a registered library whose path now resolves
//! elsewhere. Each refusal names the path, the cause and the fix, and exits with status 3.

#![cfg(unix)]

mod common;
mod host_cli_support;

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use host_cli_support::{CLSID, Env, json, stderr};

/// The status of a refusal (the table in `mobsync-host --help`).
const UNTRUSTED: i32 = 3;

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A copy of folder-sync's library in `<root>/<dir>/`, which is created with mode 0755.
fn copy_module(env: &Env, dir: &str) -> PathBuf {
    let dir = env.root.join(dir);
    fs::create_dir_all(&dir).unwrap();
    chmod(&dir, 0o755);
    let module = dir.join(env.module.file_name().unwrap());
    fs::copy(&env.module, &module).unwrap();
    chmod(&module, 0o755);
    module
}

fn sync_module(env: &Env, module: &Path) -> std::process::Output {
    let source = env.tree(&[("Notes/a.txt", 3)]);
    let cookie = env.cookie(&source, "dest", "");
    env.run(&[
        "sync",
        CLSID,
        "--module",
        module.to_str().unwrap(),
        "--cookie",
        &cookie,
        "--json",
    ])
}

#[test]
fn a_library_in_a_world_writable_directory_is_refused() {
    let env = Env::new();
    let module = copy_module(&env, "shared");
    let dir = module.parent().unwrap();
    chmod(dir, 0o777);
    let out = sync_module(&env, &module);
    assert_eq!(out.status.code(), Some(UNTRUSTED), "{}", stderr(&out));
    let expected = format!(
        "{} is group- and world-writable (mode 0777), so another user could replace what is \
         loaded; fix: chmod go-w {}",
        dir.display(),
        dir.display()
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "refusing the handler library {}",
            module.display()
        )),
        "{err}"
    );
    assert!(err.contains(&expected), "{err}");
    let handler = &json(&out)["handlers"][0];
    assert_eq!(handler["outcome"]["kind"], "failed");
    assert_eq!(handler["outcome"]["phase"], "load");
    assert_eq!(handler["outcome"]["hresult"], "0x800B0004");
    assert!(
        handler["outcome"]["message"]
            .as_str()
            .unwrap()
            .contains(&expected),
        "{handler}"
    );
    assert!(
        !env.root.join("dest").exists(),
        "nothing of the library ran"
    );

    // regsvr refuses it too, and writes nothing.
    let out = env.run(&["regsvr", module.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(UNTRUSTED), "{}", stderr(&out));
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    assert!(!env.store.exists(), "nothing was registered");
}

#[test]
fn a_group_writable_library_is_refused_and_a_sticky_directory_is_not() {
    let env = Env::new();
    let module = copy_module(&env, "lib");
    chmod(&module, 0o775);
    let out = sync_module(&env, &module);
    assert_eq!(out.status.code(), Some(UNTRUSTED), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "{} is group-writable (mode 0775), so another user could replace what is loaded; \
             fix: chmod g-w {}",
            module.display(),
            module.display()
        )),
        "{}",
        stderr(&out)
    );

    // World-writable with the sticky bit, like /tmp: others cannot replace the library.
    chmod(&module, 0o755);
    chmod(module.parent().unwrap(), 0o1777);
    let out = sync_module(&env, &module);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["handlers"][0]["items"][0]["status"], "succeeded");
}

#[test]
fn a_store_others_can_write_is_not_read() {
    let env = Env::new();
    env.register();
    chmod(&env.store, 0o666);
    let expected = format!(
        "refusing the registration store {}: {} is group- and world-writable (mode 0666)",
        env.store.display(),
        env.store.canonicalize().unwrap().display()
    );
    for args in [
        &["list"][..],
        &["sync", CLSID, "--json"],
        &["config", CLSID, "a=b"],
        &["regsvr", env.module.to_str().unwrap()],
    ] {
        let out = env.run(args);
        assert_eq!(
            out.status.code(),
            Some(UNTRUSTED),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(&expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty(), "{args:?}: no report, nothing listed");
    }
    chmod(&env.store, 0o644);
    assert_eq!(env.run(&["list"]).status.code(), Some(0));

    // A store that does not exist yet, in a directory others can write: not created there.
    let shared = env.root.join("shared");
    fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o757);
    let store = shared.join("registry.json");
    let out = env
        .command(&["regsvr", env.module.to_str().unwrap()])
        .env("MOBSYNC_REGISTRY", &store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(UNTRUSTED), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "{} is world-writable (mode 0757), so another user could replace what is loaded; \
             fix: chmod o-w {}",
            shared.display(),
            shared.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(!store.exists());
}

#[test]
fn a_registered_library_that_became_writable_or_moved_is_refused() {
    let env = Env::new();
    let module = copy_module(&env, "v1");
    let out = env.run(&["regsvr", module.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = module.parent().unwrap().to_path_buf();

    chmod(&dir, 0o775);
    let out = env.run(&[
        "sync",
        CLSID,
        "--cookie",
        "source=/nonexistent;dest=/nonexistent",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(UNTRUSTED), "{}", stderr(&out));
    let handler = &json(&out)["handlers"][0];
    assert_eq!(handler["outcome"]["hresult"], "0x800B0004", "{handler}");
    assert!(
        stderr(&out).contains(&format!("{} is group-writable (mode 0775)", dir.display())),
        "{}",
        stderr(&out)
    );
    chmod(&dir, 0o755);

    // The registered path now goes through a symbolic link to another directory.
    let moved = env.root.join("v2");
    fs::rename(&dir, &moved).unwrap();
    symlink(&moved, &dir).unwrap();
    let out = env.run(&["sync", CLSID, "--json"]);
    assert_eq!(out.status.code(), Some(UNTRUSTED), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "refusing the registered handler library {}: it now resolves to {}",
            module.display(),
            moved.join(module.file_name().unwrap()).display()
        )),
        "{}",
        stderr(&out)
    );
}
