//! `cargo xtask sanitize`: AddressSanitizer (with LeakSanitizer) over the runtime's unit tests,
//! the raw ABI tests and the C client. Fails on any invalid access, use after free, double free,
//! stack or heap overflow, or leak.
//!
//! - The runtime's unit tests (`cargo test -p mobsync-runtime --lib`: the object model, the
//!   shims, the class factory, the item enumerator, the task allocator, the host log sink), the
//!   host library's (`cargo test -p mobsync-host --lib`: the guarded stand-ins it lends handlers,
//!   the trust checks, the report model) and the raw ABI tests of
//!   mobsync-tests (`raw_abi_*.rs`, `reliability_abi.rs`: every vtable slot called from the
//!   outside with null, misaligned and valid pointers), built with `-Zsanitizer=address` on
//!   nightly for `--target x86_64-unknown-linux-gnu` (so that build scripts and proc macros are
//!   not instrumented) into their own target directory, `<target>/asan`, each binary run whole.
//! - The C client (`tests/c/client_folder_sync.c`) compiled with `cc -fsanitize=address`, loading
//!   the folder-sync module built with `-Zsanitizer=address` (the module takes the ASan runtime
//!   from the client, as instrumented shared libraries do), running the whole protocol.
//!
//! The host tests that build the folder-sync module from inside the test (`host_*.rs`,
//! `reliability_host.rs`) are not run here: their nested `cargo build` would inherit the
//! sanitizer flags without `--target` and instrument proc macros. `cargo xtask memcheck` runs
//! them under valgrind.
//!
//! Leak policy: every leak LeakSanitizer reports is an error, except the runtime's one deliberate
//! leak (an apartment-threaded object released on a foreign thread is leaked rather than dropped
//! there), which `raw_abi_object.rs` causes on purpose and a suppression names by that test.
//!
//! Logs go to `<target>/asan/logs/`. Needs the nightly toolchain (`rustup toolchain install
//! nightly`); takes a few minutes on two cores for the first build.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use serde_json::Value;

use crate::checked_runs::{Outcome, step, summary, target_dir};
use crate::project_root;

/// The only target the sanitizer build is made for (the host's).
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The raw ABI test binaries of mobsync-tests.
const TESTS: [&str; 7] = [
    "raw_abi_object",
    "raw_abi_synchronize",
    "raw_abi_enum_items",
    "raw_abi_callback",
    "raw_abi_register_invoke",
    "raw_abi_exports",
    "reliability_abi",
];

/// LeakSanitizer suppressions: keep the list short and explain every entry.
const LSAN_SUPPRESSIONS: &str = "\
# By design the runtime leaks the value of an apartment-threaded COM object whose last reference
# is released on a thread other than its own (dropping a !Send value there would be unsound);
# raw_abi_object.rs tests exactly that. Only allocations made by that one test match.
leak:apartment_objects_refuse_other_threads_and_never_drop_there
";

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only these test binaries of mobsync-tests (default: all the raw ABI tests).
    #[arg(long = "test", value_name = "NAME")]
    tests: Vec<String>,
    /// Skip the runtime's and the host's unit tests.
    #[arg(long)]
    no_unit_tests: bool,
    /// Skip the C client.
    #[arg(long)]
    no_c_client: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<ExitCode> {
    let root = project_root();
    ensure!(
        Command::new("rustup")
            .args(["run", "nightly", "rustc", "--version"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
        "the nightly toolchain is needed (rustup toolchain install nightly)"
    );
    ensure!(
        cfg!(all(target_os = "linux", target_arch = "x86_64")),
        "cargo xtask sanitize runs on x86_64 Linux only"
    );
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = target_dir(&cargo, &root)?.join("asan");
    let logs = target.join("logs");
    fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let suppressions = logs.join("lsan.supp");
    fs::write(&suppressions, LSAN_SUPPRESSIONS)?;

    let tests: Vec<&str> = if args.tests.is_empty() {
        TESTS.to_vec()
    } else {
        args.tests.iter().map(String::as_str).collect()
    };
    let mut binaries = Vec::new();
    if !args.no_unit_tests {
        step("Building the runtime's and the host's unit tests with AddressSanitizer");
        binaries.extend(test_binaries(
            &root,
            &target,
            &["-p", "mobsync-runtime", "-p", "mobsync-host", "--lib"],
            &["mobsync_runtime", "mobsync_host"],
        )?);
    }
    if !tests.is_empty() {
        step("Building the raw ABI tests with AddressSanitizer");
        let mut cargo_args = vec!["-p", "mobsync-tests"];
        for test in &tests {
            cargo_args.extend(["--test", test]);
        }
        binaries.extend(test_binaries(&root, &target, &cargo_args, &tests)?);
    }

    let mut outcomes = Vec::new();
    for (name, exe) in &binaries {
        step(&format!("AddressSanitizer: {name}"));
        let mut command = Command::new(exe);
        command.current_dir(root.join("tests"));
        outcomes.push(sanitized(name, command, &logs, &suppressions, |stdout| {
            let summary = stdout
                .lines()
                .rev()
                .find(|line| line.starts_with("test result:"))
                .unwrap_or("no test summary");
            ensure!(
                summary.starts_with("test result: ok."),
                "the tests failed: {summary}"
            );
            Ok(summary.trim_start_matches("test result: ").to_owned())
        })?);
    }

    if !args.no_c_client {
        step("Building folder-sync with AddressSanitizer and the C client with -fsanitize=address");
        outcomes.push(c_client(&root, &target, &logs, &suppressions)?);
    }

    Ok(summary(
        "sanitize",
        started,
        &outcomes,
        &logs,
        "AddressSanitizer and LeakSanitizer: no error, no leak",
    ))
}

/// `cargo` of the nightly toolchain, whatever toolchain runs the xtask.
fn nightly(root: &Path) -> Command {
    let mut command = Command::new("rustup");
    command.current_dir(root).args(["run", "nightly", "cargo"]);
    // The pinned toolchain's cargo sets these for the xtask; the nightly cargo must not see them.
    for key in ["RUSTUP_TOOLCHAIN", "RUSTC", "RUSTDOC", "CARGO"] {
        command.env_remove(key);
    }
    command
}

/// `cargo +nightly test --no-run` with AddressSanitizer into `target`; returns the executables of
/// the targets named in `names` as (name, executable).
fn test_binaries(
    root: &Path,
    target: &Path,
    cargo_args: &[&str],
    names: &[&str],
) -> Result<Vec<(String, PathBuf)>> {
    let mut command = nightly(root);
    command
        .args([
            "test",
            "--no-run",
            "--message-format=json",
            "--target",
            TARGET,
        ])
        .args(cargo_args);
    sanitizer_env(&mut command, target);
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo +nightly test --no-run")?;
    ensure!(
        output.status.success(),
        "building the sanitized tests failed"
    );
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
        let name = name.replace('-', "_");
        if names.contains(&name.as_str()) {
            binaries.push((name, PathBuf::from(exe)));
        }
    }
    binaries.sort_by_key(|(name, _)| names.iter().position(|n| n == name));
    ensure!(
        binaries.len() == names.len(),
        "expected {} test binaries, cargo built {}",
        names.len(),
        binaries.len()
    );
    Ok(binaries)
}

/// The build environment of the sanitized crates.
fn sanitizer_env(command: &mut Command, target: &Path) {
    command
        .env("CARGO_TARGET_DIR", target)
        .env(
            "RUSTFLAGS",
            "-Zsanitizer=address -Cforce-frame-pointers=yes",
        )
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS");
}

/// Runs `command` with AddressSanitizer's options; `check` judges its standard output and
/// returns a summary. A sanitizer report (to standard error and the log) fails the run.
fn sanitized(
    name: &str,
    mut command: Command,
    logs: &Path,
    suppressions: &Path,
    check: impl FnOnce(&str) -> Result<String>,
) -> Result<Outcome> {
    let log = logs.join(format!("{}.log", name.replace(' ', "-")));
    command
        .env(
            "ASAN_OPTIONS",
            "detect_leaks=1:halt_on_error=1:exitcode=86:strict_string_checks=1:\
             detect_stack_use_after_return=1:check_initialization_order=1:\
             detect_invalid_pointer_pairs=1",
        )
        .env(
            "LSAN_OPTIONS",
            format!(
                "suppressions={}:print_suppressions=1:exitcode=87",
                suppressions.display()
            ),
        );
    let output = command
        .output()
        .with_context(|| format!("cannot run {name}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    fs::write(&log, format!("{stdout}\n--- stderr ---\n{stderr}"))?;
    let report = stderr
        .lines()
        .find(|line| {
            line.contains("ERROR: AddressSanitizer") || line.contains("ERROR: LeakSanitizer")
        })
        .map(str::trim);
    // LeakSanitizer lists the suppressions it used (print_suppressions=1), only when some did.
    let suppressed = stderr.contains("Suppressions used");
    let verdict = match (report, output.status.code()) {
        (Some(report), _) => Err(anyhow::anyhow!("{report} (see {})", log.display())),
        (None, Some(86 | 87)) => Err(anyhow::anyhow!(
            "the sanitizer failed the run (see {})",
            log.display()
        )),
        (None, _) => check(&stdout),
    };
    Ok(match verdict {
        Ok(mut summary) => {
            if suppressed {
                summary.push_str("; the deliberate leak suppressed");
            }
            Outcome {
                name: name.to_owned(),
                ok: true,
                detail: summary,
            }
        }
        Err(err) => Outcome {
            name: name.to_owned(),
            ok: false,
            detail: format!("{err:#}"),
        },
    })
}

/// The C client, compiled with `-fsanitize=address`, against folder-sync built with
/// `-Zsanitizer=address`, over the sample tree of `tests/tests/c_client.rs`.
fn c_client(root: &Path, target: &Path, logs: &Path, suppressions: &Path) -> Result<Outcome> {
    let mut build = nightly(root);
    build.args(["build", "-p", "folder-sync", "--target", TARGET]);
    sanitizer_env(&mut build, target);
    ensure!(
        build.status().context("cannot run cargo")?.success(),
        "building folder-sync with AddressSanitizer failed"
    );
    let library = target.join(TARGET).join("debug").join("libfolder_sync.so");
    ensure!(library.is_file(), "{} was not built", library.display());
    let client = logs.join("client_folder_sync");
    let compiled = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1", "-g"])
        .args(["-fsanitize=address", "-fno-omit-frame-pointer"])
        .arg("-I")
        .arg(root.join("mobsync-runtime/include"))
        .arg(root.join("tests/c/client_folder_sync.c"))
        .arg("-o")
        .arg(&client)
        .args(["-ldl", "-lpthread"])
        .status()
        .context("a C compiler (cc) is needed")?;
    ensure!(
        compiled.success(),
        "compiling the C client with -fsanitize=address failed"
    );
    let work = logs.join("work");
    if work.exists() {
        fs::remove_dir_all(&work)?;
    }
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
        .arg(&library)
        .arg(&source)
        .arg(&dest)
        .arg(work.join("c-cancelled"));
    let outcome = sanitized("C client", command, logs, suppressions, |stdout| {
        let summary = stdout.lines().last().unwrap_or_default().to_owned();
        ensure!(
            summary.ends_with("passed, 0 failed"),
            "the C client's checks failed: {summary}"
        );
        for (path, bytes) in &files {
            let copied =
                fs::read(dest.join(path)).with_context(|| format!("{path} was not copied"))?;
            ensure!(&copied == bytes, "{path} differs from its source");
        }
        Ok(summary)
    })?;
    let _ = fs::remove_dir_all(&work);
    Ok(outcome)
}
