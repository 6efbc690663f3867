//! `cargo xtask abi-corpus`: the ABI of our generated bindings, proved against widl's headers
//! over Wine's IDL corpus.
//!
//! For every Wine IDL file that `widl -h` accepts (see [`corpus`]), the file's Rust bindings
//! are generated with our generator ([`generate`]), compiled, and asked for every ABI fact
//! they fix ([`facts`], [`rust_side`]): each IID and CLSID, the vtable slot of each method and
//! each vtable's length, the size and alignment of each struct, enum, handle and typedef,
//! each field offset, each enumerator and each integer constant. The same facts are read from
//! widl's own header for that file, compiled with `x86_64-w64-mingw32-gcc` ([`c_side`]), and
//! compared ([`mod@compare`]). A fact whose declaration widl's header puts where the C
//! preprocessor leaves it out (`cpp_quote("#if 0")`, the include guard of an interface
//! another header defined first) has no C value: it is reported as *not comparable*, with the
//! conditional that leaves it out ([`mod@preprocessed`]), never as equal.
//!
//! The report has one line per file (`ok FILE (N facts)`, the differing facts, the not
//! comparable ones, or why the file could not be generated or checked), then `N of M Wine IDL
//! files: every ABI fact equal to widl's` and the totals. The exit status is non-zero when any fact differs (an ABI bug of the
//! generator) or a widl header does not compile; files the generator cannot turn into compiling
//! bindings yet (it refuses them, crashes on them, or their Rust does not compile) fail the run
//! too, unless `--allow-ungenerated` is given. CI passes that flag until the generator handles
//! every file; from then on (M of M) an ungenerated file is a regression.

mod c_side;
mod compare;
mod corpus;
mod facts;
mod generate;
mod preprocessed;
mod rust_side;
mod via_rdl;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, ensure};

use crate::project_root;
pub use corpus::{WidlHeaders, corpus_files, corpus_root, idl_include_dirs, widl};

use c_side::{CFacts, CSide, CValue};
use compare::{Outcome, Totals, compare};
use corpus::{file_name, hash, parallel, stem};
use facts::Fact;
use generate::Generated;
use rust_side::{Scratch, crate_name};

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Exit with status 0 even when some files cannot be generated yet (the generator refuses
    /// them, crashes on them, or their Rust does not compile). Differing facts always fail.
    #[arg(long)]
    allow_ungenerated: bool,
    /// How many files to process at once (default: the number of cores).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Only the corpus files whose names contain one of these words (`audiopolicy`).
    #[arg(value_name = "NAME")]
    only: Vec<String>,
    /// (Internal) generate one file's crate and print its facts.
    #[arg(long, hide = true, value_name = "FILE.idl", requires = "crate_dir")]
    generate_one: Option<PathBuf>,
    /// (Internal) the crate directory of `--generate-one`.
    #[arg(long, hide = true, value_name = "DIR")]
    crate_dir: Option<PathBuf>,
}

/// Whose bindings a run proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Our Rust generator (`cargo xtask abi-corpus`).
    Ours,
    /// Our RDL, compiled by windows-rdl and turned into Rust by windows-bindgen (`cargo xtask
    /// rdl-corpus`, see [`via_rdl`]).
    WindowsBindgen,
}

impl Route {
    /// The subcommand, which also names the run's scratch directory under `target/`.
    pub fn name(self) -> &'static str {
        match self {
            Route::Ours => "abi-corpus",
            Route::WindowsBindgen => "rdl-corpus",
        }
    }
}

/// One accepted file on its way through the run.
struct File {
    path: PathBuf,
    stem: String,
    header: String,
    generated: Generated,
}

/// Runs the subcommand.
pub fn run(args: Args, route: Route) -> Result<ExitCode> {
    if let (Some(idl), Some(dir)) = (&args.generate_one, &args.crate_dir) {
        return generate::child(route, idl, dir);
    }
    let run = route.name();
    ensure!(
        cfg!(target_arch = "x86_64"),
        "the Rust side of the proof reads layouts on x86_64, whose layouts of these types are \
         Windows x64's; this machine is not x86_64"
    );
    let started = Instant::now();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let root = project_root();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let scratch = Scratch::new(root.join(&target).join(run), &root);
    // widl's headers and the C side's values depend on the files and facts only: both routes
    // share them (the windows-bindgen route reports every fact of the view, see `via_rdl`).
    let shared = root.join(&target).join(Route::Ours.name());

    // widl's headers of every corpus file (they include each other), then the files asked for.
    let all = corpus_files()?;
    let mut stems: Vec<String> = all.iter().map(|p| stem(p)).collect();
    stems.sort_unstable();
    stems.dedup();
    ensure!(
        stems.len() == all.len(),
        "two corpus files share a name; the caches are keyed by file name"
    );
    let widl = WidlHeaders::new(shared.join("widl"))?;
    let headers = parallel(&all, jobs, |path| widl.header(path));
    let mut accepted = Vec::new();
    let mut corpus_count = 0;
    let mut all_headers = Vec::new();
    for (path, header) in all.iter().zip(headers) {
        let header = header?;
        if let Some(h) = &header {
            all_headers.push(h.clone());
        }
        let name = file_name(path);
        if !args.only.is_empty() && !args.only.iter().any(|w| name.contains(w.as_str())) {
            continue;
        }
        corpus_count += 1;
        if let Some(header) = header {
            accepted.push((path.clone(), header));
        }
    }
    let headers_key = hash(&all_headers.iter().map(|h| h.as_bytes()).collect::<Vec<_>>());
    eprintln!(
        "{run}: widl accepts {} of {corpus_count} files ({:.0} s); generating their bindings",
        accepted.len(),
        started.elapsed().as_secs_f64()
    );

    // Our generator, one child process per file.
    let answers = scratch.dir.join("generated");
    let generated = parallel(&accepted, jobs, |(path, _)| {
        generate::spawn(
            route,
            path,
            &scratch.crate_dir(&stem(path)),
            &answers,
            &headers_key,
        )
    });
    let mut files = Vec::new();
    for ((path, header), generated) in accepted.into_iter().zip(generated) {
        files.push(File {
            stem: stem(&path),
            path,
            header,
            generated: generated?,
        });
    }
    let facts_of = |f: &File| match &f.generated {
        Generated::Facts { facts, .. } => Some(facts.clone()),
        _ => None,
    };
    let crates: Vec<String> = files
        .iter()
        .filter(|f| facts_of(f).is_some())
        .map(|f| crate_name(&f.stem))
        .collect();
    eprintln!(
        "{run}: {} files generated ({:.0} s); building their crates",
        crates.len(),
        started.elapsed().as_secs_f64()
    );

    // Compile the bindings; the crates that compile are run.
    scratch.write_workspace(&crates)?;
    let build_failures = scratch.build()?;
    let built: Vec<&File> = files
        .iter()
        .filter(|f| facts_of(f).is_some() && !build_failures.contains_key(&crate_name(&f.stem)))
        .collect();
    eprintln!(
        "{run}: {} crates compile ({:.0} s); reading widl's headers with \
         x86_64-w64-mingw32-gcc",
        built.len(),
        started.elapsed().as_secs_f64()
    );

    // widl's side of the facts of the files that compiled.
    let c = CSide::new(shared.join("c"), &widl.dir, &headers_key)?;
    let c_values = parallel(&built, jobs, |f| {
        let facts = facts_of(f).unwrap_or_default();
        c.evaluate(&f.stem, &f.header, &facts)
    });
    let mut c_by_stem: HashMap<String, CFacts> = HashMap::new();
    for (f, values) in built.iter().zip(c_values) {
        c_by_stem.insert(
            f.stem.clone(),
            values.with_context(|| format!("{}", f.path.display()))?,
        );
    }
    let runner_crates: Vec<(String, String)> = built
        .iter()
        .map(|f| (f.stem.clone(), crate_name(&f.stem)))
        .collect();
    let ours = scratch.run(&runner_crates)?;

    // The report.
    let mut totals = Totals {
        corpus: corpus_count,
        accepted: files.len(),
        ..Totals::default()
    };
    let mut absent_facts = 0;
    for f in &files {
        let outcome = match &f.generated {
            Generated::Refused(m) => Outcome::Refused(m.clone()),
            Generated::Crashed(m) => Outcome::Crashed(m.clone()),
            Generated::Facts { facts, absent } => match build_failures.get(&crate_name(&f.stem)) {
                Some(error) => Outcome::NoBuild(error.clone()),
                None => match c_by_stem.get(&f.stem) {
                    Some(CFacts::HeaderError(m)) => Outcome::NoHeader(m.clone()),
                    Some(CFacts::Values(values)) => {
                        absent_facts += absent.len();
                        let (kept, kept_values): (Vec<Fact>, Vec<CValue>) = facts
                            .iter()
                            .zip(values)
                            .filter(|(fact, _)| !absent.contains(&fact.key))
                            .map(|(fact, value)| (fact.clone(), value.clone()))
                            .unzip();
                        compare(&kept, ours.get(&f.stem), &kept_values)
                    }
                    None => Outcome::NoHeader("not evaluated".into()),
                },
            },
        };
        totals.add(&outcome);
        println!("{}", outcome.lines(&file_name(&f.path)));
    }
    println!("{}", totals.summary());
    if route == Route::WindowsBindgen {
        println!(
            "{} of {} Wine IDL files through windows-bindgen (RDL, windows-rdl, windows-bindgen, \
             every ABI fact equal to widl's); facts of declarations the RDL spells out instead \
             of defining (IUnknown, typedefs of interfaces, floats), not compared: \
             {absent_facts}",
            totals.equal, totals.accepted
        );
    }
    println!("run time: {:.0} s", started.elapsed().as_secs_f64());
    Ok(if totals.passes(args.allow_ungenerated) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
