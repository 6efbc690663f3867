//! The real-world corpus: the 309 IDL files of Wine's SDK headers (Debian's `libwine-dev`),
//! checked against Wine's own IDL compiler (`widl-stable`, Debian's `wine64-tools`).
//!
//! - the preprocessor produces the same token stream as `widl -E` on every file;
//! - every file parses with `syntax_only`;
//! - every file that `widl -h` accepts passes the full semantic checks.
//!
//! No copy of the corpus is kept in the repository. Without the corpus or widl the tests print
//! why they did nothing; when the environment variable `CI` is set they fail instead.
//! `MOBSYNC_WINE_IDL` overrides the corpus root (default `/usr/include/wine/wine`) and `WIDL`
//! the compiler (default `widl-stable`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use mobsync_idl::preprocess::{PpOptions, preprocess};
use mobsync_idl::source::SourceMap;
use mobsync_idl::{Options, Session};
use preprocess_util::tokens;

mod preprocess_util;

fn corpus_root() -> PathBuf {
    mobsync_idl::wine_idl_root()
}

fn widl() -> String {
    std::env::var("WIDL").unwrap_or_else(|_| "widl-stable".into())
}

/// Handles a missing prerequisite: fails under CI, otherwise says why the test did nothing.
fn missing(what: &str) {
    let msg = format!(
        "{what} is missing: install Debian's libwine-dev and wine64-tools (the `.ci/run` script does)"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("NOT RUN: {msg}");
}

/// The include directories of the corpus.
fn include_dirs() -> Vec<PathBuf> {
    let root = corpus_root();
    vec![root.join("windows"), root]
}

/// Every corpus file (`windows/*.idl` and the top-level `*.idl`), sorted; `None` when the
/// corpus is not installed.
fn corpus() -> Option<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in include_dirs() {
        let entries = std::fs::read_dir(&dir).ok()?;
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "idl") {
                files.push(p);
            }
        }
    }
    files.sort();
    if files.len() < 300 {
        return None;
    }
    Some(files)
}

fn widl_available() -> bool {
    Command::new(widl())
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn widl_args(cmd: &mut Command) -> &mut Command {
    for dir in include_dirs() {
        cmd.arg("-I").arg(dir);
    }
    cmd
}

/// Runs `f` over `items` on every core, collecting the results in order.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().expect("no worker panicked")[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

#[test]
fn tokenizer_of_this_test() {
    assert_eq!(
        tokens("# 1 \"f\" 1\na/*x*/b // c\n#pragma x\nL\"s\\\"\" 1.5e+3 -- 'c'"),
        vec![
            "a",
            "b",
            "#",
            "pragma",
            "x",
            "L\"s\\\"\"",
            "1.5e+3",
            "-",
            "-",
            "'c'"
        ]
    );
}

/// Our preprocessor's token stream for `path`.
fn our_tokens(path: &Path) -> Result<String, String> {
    let mut map = SourceMap::new();
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let id = map.add(path, text);
    let opts = PpOptions {
        include_dirs: include_dirs(),
        ..PpOptions::default()
    };
    match preprocess(&mut map, id, &opts, &|p: &Path| std::fs::read_to_string(p)) {
        Ok(pp) => Ok(pp.text),
        Err(diags) => Err(format!("{diags:?}")),
    }
}

#[test]
fn preprocessor_matches_widl_on_every_corpus_file() {
    let Some(files) = corpus() else {
        return missing("the Wine IDL corpus");
    };
    if !widl_available() {
        return missing("widl-stable");
    }
    let failures: Vec<String> = parallel(&files, |path| {
        let widl_out = widl_args(Command::new(widl()).arg("-E"))
            .arg(path)
            .stderr(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if !widl_out.status.success() {
            return Err(format!("{}: widl -E failed", path.display()));
        }
        let theirs = String::from_utf8_lossy(&widl_out.stdout).into_owned();
        let ours = our_tokens(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let (a, b) = (tokens(&ours), tokens(&theirs));
        if a == b {
            return Ok(());
        }
        let at = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let lo = at.saturating_sub(8);
        Err(format!(
            "{}: token {at} differs (ours {} tokens, widl {})\n  ours: {:?}\n  widl: {:?}",
            path.display(),
            a.len(),
            b.len(),
            &a[lo..(at + 8).min(a.len())],
            &b[lo..(at + 8).min(b.len())]
        ))
    })
    .into_iter()
    .filter_map(Result::err)
    .collect();
    assert!(
        failures.is_empty(),
        "{} of {} files differ from widl -E:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn every_corpus_file_parses_with_syntax_only() {
    let Some(files) = corpus() else {
        return missing("the Wine IDL corpus");
    };
    let mut session = Session::new(Options {
        include_dirs: include_dirs(),
        syntax_only: true,
        ..Options::default()
    });
    let mut failures = Vec::new();
    for path in &files {
        if let Err(diags) = session.load_file(path) {
            failures.push(format!("{}:\n{diags}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "parsed {} of {} files; failures:\n{}",
        files.len() - failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// The corpus files that `widl -h` accepts.
///
/// The header goes to a scratch directory, never to `/dev/null`: widl deletes its output
/// file when the input has errors.
fn widl_accepted(files: &[PathBuf]) -> Vec<PathBuf> {
    let scratch = std::env::temp_dir().join(format!("mobsync-idl-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("create a scratch directory");
    let accepted = parallel(files, |path| {
        let stem = path
            .file_stem()
            .map_or("out".into(), |s| s.to_string_lossy().into_owned());
        let header = scratch.join(format!("{stem}.h"));
        let ok = widl_args(Command::new(widl()).arg("-h").arg("-o").arg(&header))
            .arg(path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| path.clone())
    })
    .into_iter()
    .flatten()
    .collect();
    let _ = std::fs::remove_dir_all(&scratch);
    accepted
}

#[test]
fn full_checks_pass_on_every_file_widl_accepts() {
    let Some(files) = corpus() else {
        return missing("the Wine IDL corpus");
    };
    if !widl_available() {
        return missing("widl-stable");
    }
    let accepted = widl_accepted(&files);
    assert!(
        accepted.len() > 250,
        "widl accepted only {} of {} files; is the corpus complete?",
        accepted.len(),
        files.len()
    );
    let mut session = Session::new(Options {
        include_dirs: include_dirs(),
        ..Options::default()
    });
    let mut failures = Vec::new();
    for path in &accepted {
        if let Err(diags) = session.load_file(path) {
            failures.push(format!("{}:\n{diags}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} widl-accepted files fail the checks:\n{}",
        failures.len(),
        accepted.len(),
        failures.join("\n")
    );
}
