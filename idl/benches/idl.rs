//! Front-end speed on Wine's IDL corpus, measured against Wine's own compiler in the same run.
//!
//! ```text
//! cargo bench -p mobsync-idl --bench idl
//! ```
//!
//! Benchmarks (criterion):
//! - `preprocess/mshtml.idl`: the preprocessor alone on mshtml.idl (1.15 MB, with
//!   mshtmdid.h's 4 800 `#define`s);
//! - `front-end/mshtml.idl`: preprocess, parse and check mshtml.idl and everything it imports
//!   (a fresh session per iteration);
//! - `front-end/corpus`: the same for all 309 corpus files in one session, so shared imports
//!   are processed once (`Session::load_files`: files are read and parsed on all cores, then
//!   checked in order);
//! - `widl/mshtml.idl`, `widl/corpus`: `widl-stable -h` over the same files (one process per
//!   file, as a build would run it; widl re-reads the imports of every file).
//!
//! At the end a summary measures each workload again (best of `MOBSYNC_BENCH_ROUNDS`, default
//! 3; 0 skips it) and prints the ratios `widl time / our time`. The corpus lives in
//! `/usr/include/wine/wine` (`MOBSYNC_WINE_IDL` overrides it); without it, or without widl,
//! the affected benchmarks are skipped with a message.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::Criterion;
use mobsync_idl::preprocess::{PpOptions, preprocess};
use mobsync_idl::source::SourceMap;
use mobsync_idl::{Options, Session};

fn corpus_root() -> PathBuf {
    mobsync_idl::wine_idl_root()
}

fn include_dirs() -> Vec<PathBuf> {
    let root = corpus_root();
    vec![root.join("windows"), root]
}

fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in include_dirs() {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "idl")),
            );
        }
    }
    files.sort();
    files
}

fn widl() -> Option<String> {
    let widl = std::env::var("WIDL").unwrap_or_else(|_| "widl-stable".into());
    Command::new(&widl)
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        .then_some(widl)
}

/// Preprocesses `path` with our preprocessor; returns the output length.
fn our_preprocess(path: &Path) -> usize {
    let mut map = SourceMap::new();
    let text = std::fs::read_to_string(path).expect("corpus file");
    let id = map.add(path, text);
    let opts = PpOptions {
        include_dirs: include_dirs(),
        ..PpOptions::default()
    };
    match preprocess(&mut map, id, &opts, &|p: &Path| std::fs::read_to_string(p)) {
        Ok(pp) => pp.text.len(),
        Err(_) => 0,
    }
}

/// Preprocesses, parses and checks `files` in one session (reading and parsing them on all
/// cores first, as `cargo xtask parse` does); returns how many loaded cleanly.
fn our_front_end(files: &[PathBuf]) -> usize {
    let mut session = Session::new(Options {
        include_dirs: include_dirs(),
        ..Options::default()
    });
    session
        .load_files(files)
        .iter()
        .filter(|r| r.is_ok())
        .count()
}

/// Runs `widl -h` on each file (header into a scratch file: widl deletes its output on
/// errors, so never `/dev/null`); returns how many it accepted.
fn widl_front_end(widl: &str, files: &[PathBuf], out: &Path) -> usize {
    files
        .iter()
        .filter(|f| {
            let mut cmd = Command::new(widl);
            cmd.arg("-h").arg("-o").arg(out);
            for dir in include_dirs() {
                cmd.arg("-I").arg(dir);
            }
            cmd.arg(f)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .count()
}

fn best_of(rounds: usize, mut f: impl FnMut()) -> Duration {
    (0..rounds.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let files = corpus();
    let mshtml = corpus_root().join("windows/mshtml.idl");
    if files.len() < 300 || !mshtml.exists() {
        eprintln!(
            "the Wine IDL corpus is missing under {}: install libwine-dev",
            corpus_root().display()
        );
        return;
    }
    let widl = widl();
    let scratch = std::env::temp_dir().join(format!("mobsync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch directory");
    let header = scratch.join("out.h");
    let one = std::slice::from_ref(&mshtml);

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("preprocess/mshtml.idl", |b| {
        b.iter(|| black_box(our_preprocess(&mshtml)))
    });
    {
        let mut g = c.benchmark_group("front-end");
        g.sample_size(10);
        g.bench_function("mshtml.idl", |b| b.iter(|| black_box(our_front_end(one))));
        g.bench_function("corpus", |b| b.iter(|| black_box(our_front_end(&files))));
        g.finish();
    }
    match &widl {
        Some(widl) => {
            let mut g = c.benchmark_group("widl");
            g.sample_size(10);
            g.bench_function("mshtml.idl", |b| {
                b.iter(|| black_box(widl_front_end(widl, one, &header)))
            });
            g.bench_function("corpus", |b| {
                b.iter(|| black_box(widl_front_end(widl, &files, &header)))
            });
            g.finish();
        }
        None => eprintln!("widl-stable is not installed: no widl benchmarks"),
    }
    c.final_summary();

    // The ratios, measured in this run (`MOBSYNC_BENCH_ROUNDS=0` skips them).
    let rounds = std::env::var("MOBSYNC_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    if rounds == 0 {
        let _ = std::fs::remove_dir_all(&scratch);
        return;
    }
    let ours_mshtml = best_of(rounds, || {
        black_box(our_front_end(one));
    });
    let ours_corpus = best_of(rounds, || {
        black_box(our_front_end(&files));
    });
    let accepted = our_front_end(&files);
    println!("\nsummary (best of {rounds}):");
    println!(
        "  ours  mshtml.idl {:>9.1} ms   corpus ({} files, {accepted} clean) {:>9.1} ms",
        ours_mshtml.as_secs_f64() * 1e3,
        files.len(),
        ours_corpus.as_secs_f64() * 1e3
    );
    if let Some(widl) = &widl {
        let widl_mshtml = best_of(rounds, || {
            black_box(widl_front_end(widl, one, &header));
        });
        let widl_corpus = best_of(rounds, || {
            black_box(widl_front_end(widl, &files, &header));
        });
        let widl_accepted = widl_front_end(widl, &files, &header);
        println!(
            "  widl  mshtml.idl {:>9.1} ms   corpus ({} files, {widl_accepted} accepted) {:>9.1} ms",
            widl_mshtml.as_secs_f64() * 1e3,
            files.len(),
            widl_corpus.as_secs_f64() * 1e3
        );
        println!(
            "  widl / ours: mshtml.idl {:.2}x (target > 1), corpus {:.2}x (target >= 5)",
            widl_mshtml.as_secs_f64() / ours_mshtml.as_secs_f64(),
            widl_corpus.as_secs_f64() / ours_corpus.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
