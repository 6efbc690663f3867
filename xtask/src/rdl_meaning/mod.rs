//! `cargo xtask rdl-meaning`: is the IDL's meaning kept on the way to windows-bindgen?
//!
//! For each Wine IDL file given (by default the ones whose interfaces Microsoft's Win32
//! metadata also has: objidl, oaidl, ocidl, propidl, urlmon, shobjidl), windows-bindgen makes
//! Rust twice: from our `.winmd` of the file (`mobsync-idl winmd`), and from the Win32 metadata
//! it bundles, for the same interfaces. The safe wrapper of every method the two share
//! (`impl IFoo { pub unsafe fn Method(...) }`) is compared: its generic parameters, where
//! clause, parameter types and result, parameter names left out (Wine and the SDK name them
//! differently). A difference is either a real difference between Wine's IDL and the SDK
//! (another typedef, a missing `[unique]`, another direction) or meaning lost on the way;
//! [`explain`] names the cause of each, from the two signatures and from each parameter of Wine's
//! IDL against the same parameter in the Win32 metadata ([`sdk_params`]), and the report counts
//! them.

mod explain;
mod param_facts;
mod sdk_params;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use mobsync_idl::codegen::abi::{DeclKind, Method, Origin};
use mobsync_idl::codegen::{Api, ImportedInterfaces, RdlOptions, Stamp, rdl};
use mobsync_idl::{Options, Session, Symbol};
use quote::ToTokens;

use crate::abi_corpus::{corpus_root, idl_include_dirs};
use crate::project_root;

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print every differing signature, both sides.
    #[arg(short, long)]
    verbose: bool,
    /// The Wine IDL files, by stem (default: objidl oaidl ocidl propidl urlmon shobjidl).
    #[arg(value_name = "NAME")]
    files: Vec<String>,
}

/// The files the issue names: their interfaces are in the Win32 metadata too.
const DEFAULT_FILES: &[&str] = &["objidl", "oaidl", "ocidl", "propidl", "urlmon", "shobjidl"];

/// Runs the subcommand.
pub fn run(args: Args) -> Result<ExitCode> {
    let root = project_root();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let dir = root.join(target).join("rdl-meaning");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let names: Vec<String> = if args.files.is_empty() {
        DEFAULT_FILES.iter().map(|s| s.to_string()).collect()
    } else {
        args.files.clone()
    };
    let win32 = windows_metadata::reader::Index::new(vec![
        windows_metadata::reader::File::new(windows_default::WIN32.to_vec())
            .context("the bundled Win32 metadata is readable")?,
    ]);
    let (mut same_total, mut shared_total) = (0, 0);
    // Per cause: how many differing methods it accounts for.
    let mut by_cause: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut unexplained = 0;
    for name in &names {
        let idl = corpus_root().join("windows").join(format!("{name}.idl"));
        let (same, shared, diffs) = compare_file(&idl, &dir, &win32)?;
        same_total += same;
        shared_total += shared;
        println!(
            "{name}.idl: {same} of {shared} method signatures identical to windows-bindgen's from \
             the Win32 metadata"
        );
        for diff in &diffs {
            let explained = diff.causes.iter().all(explain::Cause::is_explained);
            if !explained {
                unexplained += 1;
            }
            for cause in &diff.causes {
                *by_cause.entry(cause.label()).or_default() += 1;
            }
            let mark = if explained { "" } else { "  [UNEXPLAINED]" };
            println!("    {}{mark}", diff.method);
            if args.verbose || !explained {
                println!("      ours:   {}\n      win32:  {}", diff.ours, diff.win32);
                for cause in &diff.causes {
                    println!("      - {cause}");
                }
            }
        }
    }
    println!("total: {same_total} of {shared_total} method signatures identical");
    let differing = shared_total - same_total;
    println!(
        "differences: {differing}, of which {} explained by a difference between Wine's IDL and \
         the SDK (or a convention of the metadata), {unexplained} unexplained; by cause (a method \
         may have several):",
        differing - unexplained
    );
    for (label, n) in &by_cause {
        println!("  {n:>4}  {label}");
    }
    Ok(ExitCode::SUCCESS)
}

/// A differing method.
struct Diff {
    /// `IFoo::Bar`.
    method: String,
    /// Our safe wrapper's signature.
    ours: String,
    /// The Win32 metadata's.
    win32: String,
    /// Why they differ.
    causes: BTreeSet<explain::Cause>,
}

/// Compares one file's methods: (identical, shared, the differences).
fn compare_file(
    idl: &Path,
    dir: &Path,
    win32: &windows_metadata::reader::Index,
) -> Result<(usize, usize, Vec<Diff>)> {
    let mut session = Session::new(Options {
        include_dirs: idl_include_dirs(),
        ..Options::default()
    });
    let id = session
        .load_file(idl)
        .map_err(|d| anyhow::anyhow!("{d}"))
        .with_context(|| format!("cannot load {}", idl.display()))?;
    // The view `mobsync-idl rdl` writes: every imported interface a parameter names.
    let compilation = session.into_compilation(vec![id]);
    let api = Api::from_compilation_with(&compilation, ImportedInterfaces::Referenced)
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let stem = idl
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let namespace = RdlOptions::namespace_of(&format!("{stem}.idl"));
    let opts = RdlOptions {
        stamp: Stamp::new("cargo xtask rdl-meaning", idl.display().to_string()),
        namespace: namespace.clone(),
        portable: false,
    };
    let text = rdl::generate(&api, &opts).map_err(anyhow::Error::msg)?.text;
    let bytes = rdl::winmd::compile(&text, &stem).map_err(anyhow::Error::msg)?;
    let winmd = dir.join(format!("{stem}.winmd"));
    std::fs::write(&winmd, bytes)?;

    // The file's own interfaces, and those that the Win32 metadata has too.
    let own_interfaces: BTreeSet<String> = api
        .decls
        .iter()
        .filter(|d| d.origin == Origin::Root && matches!(d.kind, DeclKind::Interface(_)))
        .map(|d| d.name.clone())
        .collect();
    // The types Wine's IDL has only a stand-in for, which the view does not generate: the
    // skipped stand-ins, and every other name their typedef statements declare
    // (`typedef struct { int dummy; } WIN32_FIND_DATAA, WIN32_FIND_DATAW;`).
    let stand_in_spans: BTreeSet<_> = api
        .decls
        .iter()
        .filter(|d| matches!(&d.kind, DeclKind::Skipped(why) if why.contains("stand-in")))
        .map(|d| (d.span.file, d.span.start))
        .collect();
    let stand_ins: BTreeSet<String> = api
        .decls
        .iter()
        .flat_map(|d| match &d.kind {
            DeclKind::Interface(i) => i.methods.as_slice(),
            _ => &[],
        })
        .flat_map(|m| &m.params)
        .filter_map(|p| p.typedef.as_ref().map(|(name, _)| name))
        .filter(|name| match compilation.lookup(name) {
            Some(Symbol::Typedef { typedef, .. }) => {
                stand_in_spans.contains(&(typedef.span.file, typedef.span.start))
            }
            _ => false,
        })
        .cloned()
        .collect();
    let interfaces: Vec<&str> = api
        .decls
        .iter()
        .filter(|d| own_interfaces.contains(&d.name))
        .map(|d| d.name.as_str())
        .filter(|n| win32.contains("Windows.Win32", n))
        .collect();
    if interfaces.is_empty() {
        return Ok((0, 0, Vec::new()));
    }
    let ours_rs = dir.join(format!("{stem}.ours.rs"));
    windows_bindgen::builder()
        .input(&winmd)
        .output(&ours_rs)
        .filter(&namespace)
        .flat()
        .write();
    let theirs_rs = dir.join(format!("{stem}.win32.rs"));
    let filters: Vec<String> = interfaces
        .iter()
        .map(|n| format!("Windows.Win32.{n}"))
        .collect();
    windows_bindgen::builder()
        .output(&theirs_rs)
        .filters(&filters)
        .flat()
        .write();
    let ours = signatures(&ours_rs)?;
    let theirs = signatures(&theirs_rs)?;
    let (mut same, mut shared, mut diffs) = (0, 0, Vec::new());
    let no_raw = BTreeMap::new();
    for interface in interfaces {
        let (Some(o), Some(t)) = (ours.wrappers.get(interface), theirs.wrappers.get(interface))
        else {
            continue;
        };
        let ours_vtable = ours.vtables.get(interface).unwrap_or(&no_raw);
        let theirs_vtable = theirs.vtables.get(interface).unwrap_or(&no_raw);
        for (method, sig) in o {
            let Some(their) = t.get(method) else { continue };
            shared += 1;
            if sig == their {
                same += 1;
                continue;
            }
            let causes = match (
                idl_method(&api, interface, method),
                ours_vtable.get(method),
                theirs_vtable.get(method),
                sdk_params::sdk_params(win32, interface, method),
            ) {
                (Some(idl), Some(ours_raw), Some(win32_raw), Some(sdk)) => {
                    explain::explain(&explain::Sides {
                        ours: sig,
                        win32: their,
                        ours_raw,
                        win32_raw,
                        idl,
                        sdk: &sdk,
                        own_interfaces: &own_interfaces,
                        stand_ins: &stand_ins,
                    })
                }
                _ => BTreeSet::from([explain::Cause::Unexplained(
                    "the method, its vtable slot or its metadata was not found on both sides"
                        .into(),
                )]),
            };
            diffs.push(Diff {
                method: format!("{interface}::{method}"),
                ours: sig.clone(),
                win32: their.clone(),
                causes,
            });
        }
    }
    Ok((same, shared, diffs))
}

/// The method `name` of the root interface `interface`, as Wine's IDL declares it.
fn idl_method<'a>(api: &'a Api, interface: &str, name: &str) -> Option<&'a Method> {
    api.decls.iter().find_map(|d| match &d.kind {
        DeclKind::Interface(i) if d.name == interface => i.methods.iter().find(|m| m.name == name),
        _ => None,
    })
}

/// What one generated Rust file says about each interface.
struct Signatures {
    /// By type and method: the safe wrapper's signature without the parameters' names.
    wrappers: BTreeMap<String, BTreeMap<String, String>>,
    /// By interface and method: the vtable slot's parameter types, `this` left out.
    vtables: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

/// Every inherent method of every `impl Type` block of a Rust file, by type and method: its
/// signature without the parameters' names; and every `IFoo_Vtbl` struct's slots.
fn signatures(path: &PathBuf) -> Result<Signatures> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file =
        syn::parse_file(&text).with_context(|| format!("{} does not parse", path.display()))?;
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut vtables: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for item in file.items {
        if let syn::Item::Struct(s) = &item
            && let Some(interface) = s.ident.to_string().strip_suffix("_Vtbl")
        {
            vtables.insert(interface.to_owned(), vtable_slots(s));
            continue;
        }
        let syn::Item::Impl(block) = item else {
            continue;
        };
        if block.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(ty) = block.self_ty.as_ref() else {
            continue;
        };
        let Some(name) = ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for member in block.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            let sig = &f.sig;
            let params: Vec<String> = sig
                .inputs
                .iter()
                .filter_map(|a| match a {
                    syn::FnArg::Typed(t) => Some(t.ty.to_token_stream().to_string()),
                    syn::FnArg::Receiver(_) => None,
                })
                .collect();
            let text = format!(
                "{}({}) {} {}",
                sig.generics.to_token_stream(),
                params.join(", "),
                sig.output.to_token_stream(),
                sig.generics.where_clause.to_token_stream(),
            );
            out.entry(name.clone()).or_default().insert(
                sig.ident.to_string(),
                text.split_whitespace().collect::<Vec<_>>().join(" "),
            );
        }
    }
    if out.is_empty() {
        bail!("{} has no methods", path.display());
    }
    Ok(Signatures {
        wrappers: out,
        vtables,
    })
}

/// A vtable struct's function-pointer fields: name → parameter types after `this`.
fn vtable_slots(s: &syn::ItemStruct) -> BTreeMap<String, Vec<String>> {
    s.fields
        .iter()
        .filter_map(|field| {
            let syn::Type::BareFn(f) = &field.ty else {
                return None;
            };
            let params = f
                .inputs
                .iter()
                .skip(1)
                .map(|a| {
                    let text = a.ty.to_token_stream().to_string();
                    text.split_whitespace().collect::<Vec<_>>().join(" ")
                })
                .collect();
            Some((field.ident.as_ref()?.to_string(), params))
        })
        .collect()
}
