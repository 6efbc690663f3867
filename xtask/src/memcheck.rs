//! `cargo xtask memcheck`: valgrind's memcheck over the raw ABI tests, the C client and a host
//! sync session. Fails on any invalid read or write, use of uninitialised memory, invalid free,
//! or leak.
//!
//! - The raw ABI tests (`tests/tests/raw_abi_*.rs`, `reliability_abi.rs`) and the in-process host
//!   tests (`host_protocol.rs`, `host_cancel.rs`, `reliability_host.rs`), each test binary run
//!   whole under valgrind.
//! - The C client (`tests/c/client_folder_sync.c`, compiled with `cc -g`) loading the folder-sync
//!   module and running the whole protocol, as `tests/tests/c_client.rs` does.
//! - The Sync Center C client (`tests/c/client_sync_center.c`) against the example's Sync
//!   Center class, as `tests/tests/c_client_sync_center.rs` does.
//! - The C clients of the examples built from their own IDL (`tests/c/client_calc.c`,
//!   `client_notes.c` against idl-server, `client_thermometer.c` against winmd-server), compiled
//!   against the headers `mobsync-idl c-header` writes for their IDL files, as the
//!   `tests/tests/c_client_*.rs` tests do.
//! - `mobsync-host regsvr`, `sync --json` and `regsvr -u` of the folder-sync module in a temporary
//!   registration store; the sync must complete with every item succeeded and no leak reported by
//!   `DllCanUnloadNow`.
//! - `mobsync-host sync --module` of the C handler `tests/c/rogue_handler.c` (compiled with
//!   `cc -shared -g`) in its memory-sensitive modes: two that release the host's
//!   `ISyncMgrSynchronizeCallback` more times than they added references, one whose
//!   `ISyncMgrEnumItems::Next` reports more items than asked for, one whose names have no NUL.
//!   The report must name each, and valgrind must see no access to freed or foreign memory.
//!
//! Leak policy: "definitely lost" and "indirectly lost" blocks are errors. "Possibly lost"
//! blocks are reported in the logs but are not errors: in Rust programs they are memory still
//! referenced through interior pointers (hashbrown tables, `Arc` payloads) or owned by
//! process-lifetime caches and threads alive at exit (the host keeps handler modules loaded for
//! the life of the process, by design). `xtask/valgrind.supp` suppresses one deliberate leak:
//! the runtime leaks an apartment-threaded object released on a foreign thread rather than drop
//! it there, and `raw_abi_object.rs` tests exactly that.
//!
//! Logs go to `<target>/memcheck/`. Takes about a minute on two cores after the build.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

use crate::checked_runs::{Outcome, step, summary, target_dir};
use crate::project_root;

/// The folder-sync example's CLSID.
const FOLDER_SYNC_CLSID: &str = "{632306B6-690C-48C1-AB87-953A6833A855}";

/// The test binaries run under valgrind.
const TESTS: [&str; 10] = [
    "raw_abi_object",
    "raw_abi_synchronize",
    "raw_abi_enum_items",
    "raw_abi_callback",
    "raw_abi_register_invoke",
    "raw_abi_exports",
    "reliability_abi",
    "host_protocol",
    "host_cancel",
    "reliability_host",
];

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only these test binaries (default: all of them, plus the C client and the host session).
    #[arg(long = "test", value_name = "NAME")]
    tests: Vec<String>,
    /// Skip the C client and the host session.
    #[arg(long)]
    tests_only: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<ExitCode> {
    let root = project_root();
    ensure!(
        Command::new("valgrind")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
        "valgrind is not installed (Debian: apt-get install valgrind)"
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();

    step("Building folder-sync, mobsync-host and the test binaries");
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args([
            "build",
            "-p",
            "folder-sync",
            "-p",
            "mobsync-host",
            "-p",
            "idl-server",
            "-p",
            "winmd-server",
            "-p",
            "mobsync-idl",
        ])
        .status()
        .context("cannot run cargo")?;
    ensure!(status.success(), "cargo build failed");
    let tests: Vec<&str> = if args.tests.is_empty() {
        TESTS.to_vec()
    } else {
        args.tests.iter().map(String::as_str).collect()
    };
    let binaries = test_binaries(&cargo, &root, &tests)?;
    let target = target_dir(&cargo, &root)?;
    let profile = target.join("debug");
    let logs = target.join("memcheck");
    fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let suppressions = root.join("xtask").join("valgrind.supp");

    let mut outcomes = Vec::new();
    for (name, exe) in &binaries {
        step(&format!("valgrind {name}"));
        let log = logs.join(format!("{name}.log"));
        let mut command = Command::new(exe);
        // The tests find the workspace's cargo and target directory themselves; the handler
        // module they may build is already built above.
        command.current_dir(root.join("tests"));
        let outcome = memcheck(name, command, &log, &suppressions, |stdout| {
            let summary = stdout
                .lines()
                .rev()
                .find(|line| line.starts_with("test result:"))
                .unwrap_or("no test summary");
            ensure!(
                summary.starts_with("test result: ok."),
                "the tests failed under valgrind: {summary}"
            );
            Ok(summary.trim_start_matches("test result: ").to_owned())
        })?;
        outcomes.push(outcome);
    }

    if !args.tests_only {
        let library = profile.join(format!(
            "{}folder_sync{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        ));
        let host = profile.join(format!("mobsync-host{}", std::env::consts::EXE_SUFFIX));
        let work = logs.join("work");
        if work.exists() {
            fs::remove_dir_all(&work)?;
        }
        fs::create_dir_all(&work)?;
        step("valgrind: the C client against folder-sync");
        outcomes.push(c_client(&root, &library, &work, &logs, &suppressions)?);
        step("valgrind: the Sync Center C client against folder-sync");
        outcomes.push(sync_center_client(
            &root,
            &library,
            &work,
            &logs,
            &suppressions,
        )?);
        step("valgrind: the C clients of the idl-server and winmd-server examples");
        outcomes.extend(example_clients(&root, &profile, &logs, &suppressions)?);
        step("valgrind: a mobsync-host sync session");
        outcomes.extend(host_session(&host, &library, &work, &logs, &suppressions)?);
        step("valgrind: mobsync-host against a handler that over-releases its callback");
        outcomes.extend(rogue_sessions(&root, &host, &work, &logs, &suppressions)?);
        let _ = fs::remove_dir_all(&work);
    }

    Ok(summary(
        "memcheck",
        started,
        &outcomes,
        &logs,
        "no invalid access, no uninitialised read, no leak",
    ))
}

/// Builds the named integration tests of mobsync-tests and returns (name, executable).
fn test_binaries(cargo: &str, root: &Path, tests: &[&str]) -> Result<Vec<(String, PathBuf)>> {
    let mut command = Command::new(cargo);
    command.current_dir(root).args([
        "test",
        "-p",
        "mobsync-tests",
        "--no-run",
        "--message-format=json",
    ]);
    for test in tests {
        command.args(["--test", test]);
    }
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo test --no-run")?;
    ensure!(output.status.success(), "building the test binaries failed");
    let mut binaries = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let (Some(name), Some(exe)) = (
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) else {
            continue;
        };
        if tests.contains(&name) {
            binaries.push((name.to_owned(), PathBuf::from(exe)));
        }
    }
    binaries.sort_by_key(|(name, _)| tests.iter().position(|t| t == name));
    ensure!(
        binaries.len() == tests.len(),
        "expected {} test binaries, cargo built {}",
        tests.len(),
        binaries.len()
    );
    Ok(binaries)
}

/// Runs `command` under valgrind; `check` judges its standard output and returns a summary.
fn memcheck(
    name: &str,
    command: Command,
    log: &Path,
    suppressions: &Path,
    check: impl FnOnce(&str) -> Result<String>,
) -> Result<Outcome> {
    memcheck_exiting(0, name, command, log, suppressions, check)
}

/// [`memcheck`] of a command whose expected exit status is `expected` rather than 0.
fn memcheck_exiting(
    expected: i32,
    name: &str,
    command: Command,
    log: &Path,
    suppressions: &Path,
    check: impl FnOnce(&str) -> Result<String>,
) -> Result<Outcome> {
    let mut valgrind = Command::new("valgrind");
    valgrind
        .arg("--tool=memcheck")
        .arg("--error-exitcode=97")
        .arg("--leak-check=full")
        .arg("--errors-for-leak-kinds=definite,indirect")
        .arg("--show-leak-kinds=definite,indirect,possible")
        .arg("--track-origins=yes")
        .arg("--fair-sched=yes")
        .arg(format!("--suppressions={}", suppressions.display()))
        .arg(format!("--log-file={}", log.display()))
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        valgrind.current_dir(dir);
    }
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => valgrind.env(key, value),
            None => valgrind.env_remove(key),
        };
    }
    let output = valgrind
        .output()
        .with_context(|| format!("cannot run valgrind on {name}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = fs::read_to_string(log).unwrap_or_default();
    let errors = report
        .lines()
        .rev()
        .find(|line| line.contains("ERROR SUMMARY"))
        .map(|line| {
            line.split_once("ERROR SUMMARY: ")
                .map_or(line, |(_, rest)| rest)
                .to_owned()
        })
        .unwrap_or_else(|| "no valgrind summary".into());
    let clean = output.status.code() != Some(97) && errors.starts_with("0 errors");
    let verdict = if output.status.code() == Some(expected) || output.status.code() == Some(97) {
        check(&stdout)
    } else {
        Err(anyhow::anyhow!(
            "exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        ))
    };
    Ok(match verdict {
        Ok(summary) => Outcome {
            name: name.to_owned(),
            ok: clean,
            detail: format!("valgrind: {errors}; {summary}"),
        },
        Err(err) => Outcome {
            name: name.to_owned(),
            ok: false,
            detail: format!("valgrind: {errors}; {err:#}"),
        },
    })
}

/// The C client under valgrind, with the sample tree of `tests/tests/c_client.rs`.
fn c_client(
    root: &Path,
    library: &Path,
    work: &Path,
    logs: &Path,
    suppressions: &Path,
) -> Result<Outcome> {
    let client = logs.join("client_folder_sync");
    compile_c(
        &root.join("tests/c/client_folder_sync.c"),
        &root.join("mobsync-runtime/include"),
        &client,
        &["-ldl", "-lpthread"],
    )?;
    let source = work.join("c-source");
    let files: [(&str, Vec<u8>); 5] = [
        ("Alpha/readme.txt", b"alpha\n".to_vec()),
        ("Alpha/empty.dat", Vec::new()),
        (
            "Beta/nested/deeper/data.bin",
            (0..200_000u32).map(|i| (i % 251) as u8).collect(),
        ),
        ("Beta/top.txt", b"beta top".to_vec()),
        ("Gamma/one.txt", b"1".to_vec()),
    ];
    for (path, bytes) in &files {
        let path = source.join(path);
        fs::create_dir_all(path.parent().expect("files are in folders"))?;
        fs::write(&path, bytes)?;
    }
    let dest = work.join("c-dest");
    let mut command = Command::new(&client);
    command
        .arg(library)
        .arg(&source)
        .arg(&dest)
        .arg(work.join("c-cancelled"));
    memcheck(
        "C client",
        command,
        &logs.join("c-client.log"),
        suppressions,
        |stdout| {
            let summary = stdout.lines().last().unwrap_or_default().to_owned();
            ensure!(
                summary.ends_with("passed, 0 failed"),
                "the C client's checks failed: {summary}"
            );
            for (path, bytes) in &files {
                let copied =
                    fs::read(dest.join(path)).with_context(|| format!("{path} was not copied"))?;
                // The client resolved its conflict keeping both: the source's edit is copied.
                let expected = fs::read(source.join(path))?;
                ensure!(
                    copied == expected && (path.starts_with("Gamma/") || &copied == bytes),
                    "{path} differs from its source"
                );
            }
            Ok(summary)
        },
    )
}

/// Compiles the C file `source` with `cc -g` (C11, every warning an error) against the headers in
/// `include` into `out`, with `extra` arguments (libraries, `-shared`).
fn compile_c(source: &Path, include: &Path, out: &Path, extra: &[&str]) -> Result<()> {
    let compiled = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1", "-g"])
        .arg("-I")
        .arg(include)
        .arg(source)
        .arg("-o")
        .arg(out)
        .args(extra)
        .status()
        .context("a C compiler (cc) is needed")?;
    ensure!(compiled.success(), "compiling {} failed", source.display());
    Ok(())
}

/// The C clients of the idl-server and winmd-server examples under valgrind, each compiled
/// against the header that `mobsync-idl c-header` writes for its IDL file.
fn example_clients(
    root: &Path,
    profile: &Path,
    logs: &Path,
    suppressions: &Path,
) -> Result<Vec<Outcome>> {
    let wine = mobsync_idl::wine_idl_root();
    let mut outcomes = Vec::new();
    for (client, example, idl, header) in [
        ("client_calc", "idl-server", "calc.idl", "calc.h"),
        ("client_notes", "idl-server", "notes.idl", "notes.h"),
        (
            "client_thermometer",
            "winmd-server",
            "thermometer.idl",
            "thermometer.h",
        ),
    ] {
        let library = profile.join(format!(
            "{}{}{}",
            std::env::consts::DLL_PREFIX,
            example.replace('-', "_"),
            std::env::consts::DLL_SUFFIX
        ));
        let header_path = logs.join(header);
        let written = Command::new(profile.join("mobsync-idl"))
            .arg("c-header")
            .arg("-I")
            .arg(wine.join("windows"))
            .arg("-I")
            .arg(&wine)
            .arg(root.join("examples").join(example).join("idl").join(idl))
            .arg("-o")
            .arg(&header_path)
            .status()
            .context("cannot run mobsync-idl")?;
        ensure!(written.success(), "mobsync-idl c-header {idl} failed");
        let exe = logs.join(client);
        compile_c(
            &root.join(format!("tests/c/{client}.c")),
            logs,
            &exe,
            &["-ldl"],
        )?;
        let mut command = Command::new(&exe);
        command.arg(&library);
        outcomes.push(memcheck(
            client,
            command,
            &logs.join(format!("{client}.log")),
            suppressions,
            |stdout| {
                let summary = stdout.lines().last().unwrap_or_default().to_owned();
                ensure!(
                    summary.ends_with("passed, 0 failed"),
                    "{client}'s checks failed: {summary}"
                );
                Ok(summary)
            },
        )?);
    }
    Ok(outcomes)
}

/// The Sync Center C client under valgrind, with the sample tree of
/// `tests/tests/c_client_sync_center.rs`.
fn sync_center_client(
    root: &Path,
    library: &Path,
    work: &Path,
    logs: &Path,
    suppressions: &Path,
) -> Result<Outcome> {
    let client = logs.join("client_sync_center");
    compile_c(
        &root.join("tests/c/client_sync_center.c"),
        &root.join("mobsync-runtime/include"),
        &client,
        &["-ldl"],
    )?;
    let source = work.join("sc-source");
    let files: [(&str, Vec<u8>); 5] = [
        ("Alpha/readme.txt", b"alpha\n".to_vec()),
        ("Alpha/notes.txt", b"more alpha".to_vec()),
        (
            "Beta/nested/data.bin",
            (0..100_000u32).map(|i| (i % 251) as u8).collect(),
        ),
        ("Beta/top.txt", b"beta".to_vec()),
        ("Gamma/one.txt", b"1".to_vec()),
    ];
    for (path, bytes) in &files {
        let path = source.join(path);
        fs::create_dir_all(path.parent().expect("files are in folders"))?;
        fs::write(&path, bytes)?;
    }
    let dest = work.join("sc-dest");
    let mut command = Command::new(&client);
    command
        .arg(library)
        .env(
            "FOLDER_SYNC_COOKIE",
            format!("source={};dest={}", source.display(), dest.display()),
        )
        .env(
            "FOLDER_SYNC_CANCEL_COOKIE",
            format!(
                "source={};dest={}",
                source.display(),
                work.join("sc-cancelled").display()
            ),
        )
        // The file the client changes on both sides to make a conflict (resolved keeping both).
        .env("FOLDER_SYNC_CONFLICT_SOURCE", source.join("Gamma/one.txt"))
        .env("FOLDER_SYNC_CONFLICT_DEST", dest.join("Gamma/one.txt"))
        .env_remove("FOLDER_SYNC_FAULT");
    memcheck(
        "Sync Center C client",
        command,
        &logs.join("sync-center-client.log"),
        suppressions,
        |stdout| {
            let summary = stdout.lines().last().unwrap_or_default().to_owned();
            ensure!(
                summary.ends_with("passed, 0 failed"),
                "the Sync Center C client's checks failed: {summary}"
            );
            for (path, bytes) in &files {
                let copied =
                    fs::read(dest.join(path)).with_context(|| format!("{path} was not copied"))?;
                // The client resolved its conflict keeping both: the source's edit is copied.
                let expected = fs::read(source.join(path))?;
                ensure!(
                    copied == expected && (path.starts_with("Gamma/") || &copied == bytes),
                    "{path} differs from its source"
                );
            }
            Ok(summary)
        },
    )
}

/// `mobsync-host regsvr`, `sync --json` and `regsvr -u` under valgrind.
fn host_session(
    host: &Path,
    library: &Path,
    work: &Path,
    logs: &Path,
    suppressions: &Path,
) -> Result<Vec<Outcome>> {
    let store = work.join("registry.json");
    let source = work.join("host-source");
    let dest = work.join("host-dest");
    let mut files = Vec::new();
    for (folder, count, size) in [("Documents", 6usize, 2_000usize), ("Photos", 3, 120_000)] {
        for i in 0..count {
            let path = format!("{folder}/file-{i}.dat");
            let bytes: Vec<u8> = (0..size + i).map(|b| ((b * 7 + i) % 253) as u8).collect();
            let full = source.join(&path);
            fs::create_dir_all(full.parent().expect("files are in folders"))?;
            fs::write(&full, &bytes)?;
            files.push((path, bytes));
        }
    }
    let host_command = |args: &[&std::ffi::OsStr]| {
        let mut command = Command::new(host);
        command.args(args).env("MOBSYNC_REGISTRY", &store);
        command
    };
    let mut outcomes = Vec::new();
    outcomes.push(memcheck(
        "mobsync-host regsvr",
        host_command(&["regsvr".as_ref(), library.as_os_str()]),
        &logs.join("host-regsvr.log"),
        suppressions,
        |_| Ok("registered".into()),
    )?);
    let cookie = format!("source={};dest={}", escape(&source), escape(&dest));
    outcomes.push(memcheck(
        "mobsync-host sync",
        host_command(&[
            "sync".as_ref(),
            FOLDER_SYNC_CLSID.as_ref(),
            "--cookie".as_ref(),
            cookie.as_ref(),
            "--json".as_ref(),
        ]),
        &logs.join("host-sync.log"),
        suppressions,
        |stdout| {
            let report: Value =
                serde_json::from_str(stdout).context("sync --json printed no report")?;
            let handler = &report["handlers"][0];
            ensure!(
                handler["outcome"]["kind"] == "completed",
                "the sync did not complete: {}",
                handler["outcome"]
            );
            let items = handler["items"].as_array().context("no items")?;
            ensure!(
                items.len() == 2 && items.iter().all(|i| i["status"] == "succeeded"),
                "not every item succeeded: {items:?}"
            );
            ensure!(
                handler["leaked"] == false,
                "DllCanUnloadNow reported a leak: {}",
                handler["leaked"]
            );
            for (path, bytes) in &files {
                let copied =
                    fs::read(dest.join(path)).with_context(|| format!("{path} was not copied"))?;
                // The client resolved its conflict keeping both: the source's edit is copied.
                let expected = fs::read(source.join(path))?;
                ensure!(
                    copied == expected && (path.starts_with("Gamma/") || &copied == bytes),
                    "{path} differs from its source"
                );
            }
            Ok(format!(
                "{} items succeeded, {} files copied, no leak",
                items.len(),
                files.len()
            ))
        },
    )?);
    outcomes.push(memcheck(
        "mobsync-host regsvr -u",
        host_command(&["regsvr".as_ref(), "-u".as_ref(), library.as_os_str()]),
        &logs.join("host-unregsvr.log"),
        suppressions,
        |_| {
            let left = fs::read_to_string(&store).unwrap_or_default();
            if left.contains("632306B6") {
                bail!("the handler is still registered");
            }
            Ok("unregistered".into())
        },
    )?);
    Ok(outcomes)
}

/// The CLSID of `tests/c/rogue_handler.c`.
const ROGUE_CLSID: &str = "{0BAD0C00-0000-4000-8000-000000000001}";

/// `mobsync-host sync --module` of the C rogue handler under valgrind, once per over-release
/// mode.
fn rogue_sessions(
    root: &Path,
    host: &Path,
    work: &Path,
    logs: &Path,
    suppressions: &Path,
) -> Result<Vec<Outcome>> {
    let module = work.join("librogue_handler.so");
    compile_c(
        &root.join("tests/c/rogue_handler.c"),
        &root.join("mobsync-runtime/include"),
        &module,
        &["-shared", "-fPIC"],
    )?;
    let mut outcomes = Vec::new();
    // Each mode, what its report must say (in a problem, or in the failure's message) and the
    // exit status (1: the handler failed).
    for (mode, expected, status) in [
        ("over-release", "over-release", 0),
        ("over-release-early", "over-release", 0),
        ("overcount", "reported 9 items fetched", 1),
        ("unterminated", "wszItemName is not NUL-terminated", 0),
    ] {
        let mut command = Command::new(host);
        command
            .args(["sync", "--module"])
            .arg(&module)
            .args([ROGUE_CLSID, "--cookie", mode, "--json"])
            .env("MOBSYNC_REGISTRY", work.join("rogue-registry.json"));
        outcomes.push(memcheck_exiting(
            status,
            &format!("rogue {mode}"),
            command,
            &logs.join(format!("host-{mode}.log")),
            suppressions,
            |stdout| {
                let report: Value =
                    serde_json::from_str(stdout).context("sync --json printed no report")?;
                let handler = &report["handlers"][0];
                let said = |text: &Value| text.as_str().is_some_and(|t| t.contains(expected));
                let reported = said(&handler["outcome"]["message"])
                    || handler["problems"]
                        .as_array()
                        .is_some_and(|problems| problems.iter().any(said));
                ensure!(
                    reported,
                    "`{expected}` is not reported: {} {}",
                    handler["outcome"],
                    handler["problems"]
                );
                ensure!(
                    handler["leaked"] == false,
                    "the module's objects were not all released: {}",
                    handler["leaked"]
                );
                let kind = handler["outcome"]["kind"].as_str().unwrap_or("?");
                Ok(format!("{kind}, `{expected}` reported"))
            },
        )?);
    }
    Ok(outcomes)
}

/// The folder-sync cookie escapes `\` and `;` in values.
fn escape(path: &Path) -> String {
    path.to_string_lossy()
        .replace('\\', "\\\\")
        .replace(';', "\\;")
}
