//! The IDL front end's rows, each against `widl-stable -h` measured in the same run:
//!
//! - `mshtml.idl` (with its imports) checked in full by the release `mobsync-idl check` on one
//!   core (`RAYON_NUM_THREADS=1`, pinned with `taskset -c 0` when there is one) vs
//!   `widl -h` on it, pinned the same way: user-space instructions (`perf stat -e
//!   instructions:u`, when perf can count them; wall time decides otherwise) and wall time, each
//!   the best of [`RUNS`].
//! - Rust bindings of every Wine IDL file widl accepts vs `widl -h` over the same files, each
//!   tool as a user would run it for all of them: one `mobsync-idl rust --out-dir DIR FILE...`
//!   (one load, every file and import parsed and checked once, then each file's formatted
//!   module, byte for byte what `rust FILE -o OUT.rs` writes), and one `widl -h` process per
//!   file, one at a time (it takes one file); total wall time, the best of [`CORPUS_ROUNDS`]
//!   rounds each, the two tools taking turns.
//!
//! The list of accepted files is `cargo xtask abi-corpus`'s (its cached widl headers).

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::abi_corpus::{WidlHeaders, corpus_files, idl_include_dirs, widl};
use crate::checked_runs::step;

/// Runs per tool on `mshtml.idl`; the best counts.
const RUNS: usize = 5;

/// `mshtml.idl`: ours over widl's must stay below this (faster than widl).
const MSHTML_TARGET: f64 = 1.00;
/// Rounds of the corpus row (each tool over every file once per round; the best counts).
const CORPUS_ROUNDS: usize = 3;

/// The Rust bindings of the corpus: at most a fifth of widl's time.
const CORPUS_TARGET: f64 = 0.20;

/// One tool's best run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Best {
    /// User-space instructions, when perf could count them.
    pub(super) instructions: Option<u64>,
    pub(super) wall: Duration,
}

/// The figures of both rows.
#[derive(Debug)]
pub(super) struct FrontEnd {
    pub(super) mshtml_ours: Best,
    pub(super) mshtml_widl: Best,
    /// Whether the runs were pinned to core 0.
    pub(super) pinned: bool,
    pub(super) corpus_files: usize,
    pub(super) corpus_ours: Duration,
    pub(super) corpus_widl: Duration,
}

/// Builds the release `mobsync-idl` and measures both rows.
pub(super) fn measure(cargo: &str, root: &Path, target: &Path) -> Result<FrontEnd> {
    step("Front end: cargo build --release -p mobsync-idl");
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "mobsync-idl",
            "--bin",
            "mobsync-idl",
        ])
        .status()
        .context("cannot run cargo build")?;
    ensure!(
        status.success(),
        "cargo build --release -p mobsync-idl failed"
    );
    let ours = target.join("release").join("mobsync-idl");
    let includes: Vec<OsString> = idl_include_dirs()
        .into_iter()
        .flat_map(|dir| [OsString::from("-I"), dir.into_os_string()])
        .collect();
    let pinned = Command::new("taskset")
        .args(["-c", "0", "true"])
        .status()
        .is_ok_and(|s| s.success());

    let mshtml = idl_include_dirs()[0].join("mshtml.idl");
    let scratch = target.join("bench-front-end");
    fs::create_dir_all(&scratch).with_context(|| format!("cannot create {}", scratch.display()))?;
    step(&format!(
        "Front end: {} on one core, {RUNS} runs each",
        mshtml.display()
    ));
    let mut check = vec![OsString::from(&ours), "check".into()];
    check.extend(includes.iter().cloned());
    check.push(mshtml.clone().into());
    let mut widl_h = vec![OsString::from(widl()), "-h".into()];
    widl_h.extend(includes.iter().cloned());
    widl_h.extend(["-o".into(), scratch.join("mshtml.h").into()]);
    widl_h.push(mshtml.into());
    let mshtml_ours = best_of(&check, pinned)?;
    let mshtml_widl = best_of(&widl_h, pinned)?;

    // widl's verdicts come from abi-corpus's cache (made here when missing).
    let headers = WidlHeaders::new(target.join("abi-corpus").join("widl"))?;
    let mut accepted = Vec::new();
    for path in corpus_files()? {
        if headers.header(&path)?.is_some() {
            accepted.push(path);
        }
    }
    step(&format!(
        "Front end: Rust bindings of the {} files widl accepts, vs widl -h",
        accepted.len()
    ));
    let out = |path: &PathBuf, ext: &str| {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        scratch.join(format!("{stem}.{ext}"))
    };
    let mut rust = vec![OsString::from(&ours), "rust".into()];
    rust.extend(includes.iter().cloned());
    rust.extend(["--out-dir".into(), scratch.join("rs").into()]);
    rust.extend(accepted.iter().map(OsString::from));
    let (mut corpus_ours, mut corpus_widl) = (Duration::MAX, Duration::MAX);
    for round in 1..=CORPUS_ROUNDS {
        let ours_round = timed(&rust)?;
        corpus_ours = corpus_ours.min(ours_round);
        let mut widl_round = Duration::ZERO;
        for path in &accepted {
            let mut header = vec![OsString::from(widl()), "-h".into()];
            header.extend(includes.iter().cloned());
            header.extend(["-o".into(), out(path, "h").into(), path.into()]);
            widl_round += timed(&header)?;
        }
        corpus_widl = corpus_widl.min(widl_round);
        println!(
            "corpus round {round}: mobsync {}, widl {}",
            ms(ours_round),
            ms(widl_round)
        );
    }
    Ok(FrontEnd {
        mshtml_ours,
        mshtml_widl,
        pinned,
        corpus_files: accepted.len(),
        corpus_ours,
        corpus_widl,
    })
}

/// `argv` on one core (`RAYON_NUM_THREADS=1`; pinned to core 0 when `pinned`), or not.
fn command(argv: &[OsString], one_core: bool, pinned: bool) -> Command {
    let mut c = if one_core && pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(&argv[0]);
        c
    } else {
        Command::new(&argv[0])
    };
    if one_core {
        c.env("RAYON_NUM_THREADS", "1");
    }
    c.args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// The wall time of one successful run of `argv`.
fn timed(argv: &[OsString]) -> Result<Duration> {
    let started = Instant::now();
    let status = command(argv, false, false)
        .status()
        .with_context(|| format!("cannot run {:?}", argv[0]))?;
    let wall = started.elapsed();
    if !status.success() {
        bail!("{argv:?} failed ({status})");
    }
    Ok(wall)
}

/// The best wall time and instruction count of [`RUNS`] runs each (the instructions counted in
/// separate runs under perf, so that perf's own start-up stays out of the wall times).
fn best_of(argv: &[OsString], pinned: bool) -> Result<Best> {
    let mut wall = Duration::MAX;
    for _ in 0..RUNS {
        let started = Instant::now();
        let status = command(argv, true, pinned).status()?;
        ensure!(status.success(), "{argv:?} failed ({status})");
        wall = wall.min(started.elapsed());
    }
    let mut instructions = None;
    for _ in 0..RUNS {
        let Some(n) = perf_instructions(argv, pinned) else {
            break;
        };
        instructions = Some(instructions.map_or(n, |m: u64| m.min(n)));
    }
    Ok(Best { instructions, wall })
}

/// User-space instructions of one run under `perf stat`, or `None` when perf cannot count.
fn perf_instructions(argv: &[OsString], pinned: bool) -> Option<u64> {
    let mut perf = vec![
        OsString::from("perf"),
        "stat".into(),
        "-x,".into(),
        "-e".into(),
        "instructions:u".into(),
        "--".into(),
    ];
    perf.extend(argv.iter().cloned());
    let output = command(&perf, true, pinned)
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    parse_perf_csv(&String::from_utf8_lossy(&output.stderr))
}

/// The count of `perf stat -x,`'s `instructions:u` line.
fn parse_perf_csv(text: &str) -> Option<u64> {
    text.lines()
        .find(|line| line.contains("instructions"))
        .and_then(|line| line.split(',').next())
        .and_then(|count| count.trim().parse().ok())
}

fn giga(n: u64) -> String {
    format!("{:.2} G", n as f64 / 1e9)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

/// The rows' table (appended to `out`), the missed targets, and their JSON.
pub(super) fn render(fe: &FrontEnd, out: &mut String, missed: &mut Vec<String>) -> Value {
    use std::fmt::Write as _;
    let (ours, theirs) = (fe.mshtml_ours, fe.mshtml_widl);
    let wall_ratio = ours.wall.as_secs_f64() / theirs.wall.as_secs_f64();
    let instr_ratio = match (ours.instructions, theirs.instructions) {
        (Some(a), Some(b)) => Some(a as f64 / b as f64),
        _ => None,
    };
    // Instructions decide when perf counted them (steady on a shared machine), else wall time.
    let mshtml_ratio = instr_ratio.unwrap_or(wall_ratio);
    let mshtml_met = mshtml_ratio < MSHTML_TARGET;
    let corpus_ratio = fe.corpus_ours.as_secs_f64() / fe.corpus_widl.as_secs_f64();
    // Shown with two decimals; the verdict uses the same rounding (as the other rows do).
    let corpus_met = (corpus_ratio * 100.0).round() / 100.0 <= CORPUS_TARGET;
    // Each tool's figure: instructions (wall time) when perf counted them, else wall time.
    let figure = |b: Best| match (instr_ratio, b.instructions) {
        (Some(_), Some(n)) => format!("{} ({})", giga(n), ms(b.wall)),
        _ => ms(b.wall),
    };
    let ratio = match instr_ratio {
        Some(r) => format!("{r:.2} × (wall time {wall_ratio:.2} ×)"),
        None => format!("{wall_ratio:.2} ×"),
    };
    let mark = |met: bool| if met { "yes" } else { "**no**" };
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| IDL front end vs `widl-stable -h` | widl | mobsync | mobsync / widl | target | met |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---|---|");
    let mshtml_label = format!(
        "`mshtml.idl` with imports, full checks, one core{}: {}",
        if fe.pinned { " (`taskset -c 0`)" } else { "" },
        if instr_ratio.is_some() {
            "user-space instructions (wall time)"
        } else {
            "wall time (perf cannot count instructions here)"
        }
    );
    let _ = writeln!(
        out,
        "| {mshtml_label}, best of {RUNS} | {} | {} | {ratio} | < 1.00 × | {} |",
        figure(theirs),
        figure(ours),
        mark(mshtml_met)
    );
    let _ = writeln!(
        out,
        "| Rust bindings (front end + `mobsync-idl rust`, formatted) of the {} Wine IDL files widl accepts: one `mobsync-idl rust --out-dir DIR FILE...` (each file and import parsed once) vs one `widl -h` per file: total wall time, best of {CORPUS_ROUNDS} rounds | {} | {} | {corpus_ratio:.2} × | ≤ {CORPUS_TARGET:.2} × | {} |",
        fe.corpus_files,
        ms(fe.corpus_widl),
        ms(fe.corpus_ours),
        mark(corpus_met)
    );
    if !mshtml_met {
        let decisive = |b: Best| match (instr_ratio, b.instructions) {
            (Some(_), Some(n)) => giga(n),
            _ => ms(b.wall),
        };
        missed.push(format!(
            "`mshtml.idl` on one core: mobsync {} = {mshtml_ratio:.2} × widl ({}) (target < 1.00 ×)",
            decisive(ours),
            decisive(theirs)
        ));
    }
    if !corpus_met {
        missed.push(format!(
            "Rust bindings of the Wine corpus: mobsync {} = {corpus_ratio:.2} × widl ({}) (target ≤ {CORPUS_TARGET:.2} ×)",
            ms(fe.corpus_ours),
            ms(fe.corpus_widl)
        ));
    }
    json!({
        "mshtml": {
            "pinned": fe.pinned,
            "mobsync_instructions": ours.instructions,
            "widl_instructions": theirs.instructions,
            "mobsync_wall_s": ours.wall.as_secs_f64(),
            "widl_wall_s": theirs.wall.as_secs_f64(),
            "instructions_ratio": instr_ratio,
            "wall_ratio": wall_ratio,
            "met": mshtml_met,
        },
        "rust_corpus": {
            "files": fe.corpus_files,
            "mobsync_wall_s": fe.corpus_ours.as_secs_f64(),
            "widl_wall_s": fe.corpus_widl.as_secs_f64(),
            "ratio": corpus_ratio,
            "met": corpus_met,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perf_csv_count() {
        let text = "\n2012345678,,instructions:u,1000,100.00,,\n";
        assert_eq!(parse_perf_csv(text), Some(2_012_345_678));
        assert_eq!(
            parse_perf_csv("<not counted>,,instructions:u,0,0.00,,"),
            None
        );
    }
}
