//! Which sibling modules depend on each other, and the cycles among them.
//!
//! A path that names a module of the crate is resolved to the longest module path it starts
//! with; other paths name other crates. A dependency of module `M` on module `N` is an edge
//! between the two children of their lowest common ancestor that lead to them: `a::b`
//! importing `a::c::d` is the edge `b -> c` among the children of `a`. A dependency on an
//! ancestor or a descendant (a child using its parent's items, a parent using its child's)
//! is no edge between siblings. Each module's children must form a DAG.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::modules::{Crate, ModPath, with};

/// The module a path used in module `from` names: the longest module path it starts with,
/// or `None` when it names another crate.
fn resolve(modules: &BTreeSet<ModPath>, from: &[String], path: &[String]) -> Option<ModPath> {
    let (first, rest) = path.split_first()?;
    let mut base: ModPath = match first.as_str() {
        "crate" => Vec::new(),
        "self" => from.to_vec(),
        "super" => from.get(..from.len().checked_sub(1)?)?.to_vec(),
        // A name of the current scope: a child module (2018 paths); else another crate.
        name if modules.contains(&with(from, name.to_string())) => with(from, name.to_string()),
        _ => return None,
    };
    for seg in rest {
        match seg.as_str() {
            "super" => {
                base.pop()?;
            }
            "self" => {}
            _ => {
                let next = with(&base, seg.clone());
                if !modules.contains(&next) {
                    break;
                }
                base = next;
            }
        }
    }
    Some(base)
}

/// One `use` item or path behind an edge, for the report.
type Evidence = String;

/// The edges between siblings: for each parent module, `(from child, to child)` with the
/// `use` items and paths behind it.
fn sibling_edges(krate: &Crate) -> BTreeMap<ModPath, BTreeMap<(String, String), Vec<Evidence>>> {
    let mut graphs: BTreeMap<ModPath, BTreeMap<(String, String), Vec<Evidence>>> = BTreeMap::new();
    for u in &krate.deps {
        let Some(to) = resolve(&krate.modules, &u.from, &u.path) else {
            continue;
        };
        let common = u.from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        // An ancestor, a descendant or the module itself: no edge between siblings.
        let (Some(a), Some(b)) = (u.from.get(common), to.get(common)) else {
            continue;
        };
        let parent = u.from[..common].to_vec();
        let why = format!("{}/{}: {}", krate.src, u.file, u.shown);
        let edge = graphs
            .entry(parent)
            .or_default()
            .entry((a.clone(), b.clone()))
            .or_default();
        if !edge.contains(&why) {
            edge.push(why);
        }
    }
    graphs
}

/// Most cycles listed for one group of mutually dependent modules.
const MAX_CYCLES: usize = 20;

/// Most `use` items and paths shown for one edge.
const MAX_EVIDENCE: usize = 3;

/// The report of each cycle group of `krate`: every group of siblings that import each
/// other (directly or not), with its elementary cycles and the `use` items and paths
/// behind its edges.
pub(crate) fn cycles(krate: &Crate) -> Vec<String> {
    let mut reports = Vec::new();
    for (parent, edges) in sibling_edges(krate) {
        let mut succ: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (a, b) in edges.keys() {
            succ.entry(a).or_default().insert(b);
            succ.entry(b).or_default();
        }
        for group in strongly_connected(&succ) {
            if group.len() < 2 {
                continue;
            }
            let name = |m: &str| {
                if parent.is_empty() {
                    m.to_string()
                } else {
                    format!("{}::{m}", parent.join("::"))
                }
            };
            let mut r = String::new();
            let found = elementary_cycles(&succ, &group);
            for c in found.iter().take(MAX_CYCLES) {
                let shown: Vec<String> = c.iter().chain(c.first()).map(|m| name(m)).collect();
                let _ = writeln!(r, "{}: {}", krate.label, shown.join(" -> "));
            }
            if found.len() > MAX_CYCLES {
                let _ = writeln!(r, "  ... and more cycles");
            }
            let _ = writeln!(r, "  edges:");
            for ((a, b), why) in &edges {
                if group.contains(a.as_str()) && group.contains(b.as_str()) {
                    let _ = writeln!(r, "    {} -> {}:", name(a), name(b));
                    for w in why.iter().take(MAX_EVIDENCE) {
                        let _ = writeln!(r, "      {w}");
                    }
                    if why.len() > MAX_EVIDENCE {
                        let _ = writeln!(r, "      ... and {} more", why.len() - MAX_EVIDENCE);
                    }
                }
            }
            r.push('\n');
            reports.push(r);
        }
    }
    reports
}

/// The strongly connected components of a graph (small: plain reachability).
fn strongly_connected<'a>(succ: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Vec<BTreeSet<&'a str>> {
    let reach = |from: &'a str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(n) = todo.pop() {
            for &m in &succ[n] {
                if seen.insert(m) {
                    todo.push(m);
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&str, BTreeSet<&str>> = succ.keys().map(|&n| (n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut groups = Vec::new();
    for &n in succ.keys() {
        if done.contains(n) {
            continue;
        }
        let group: BTreeSet<&str> = std::iter::once(n)
            .chain(
                reachable[n]
                    .iter()
                    .copied()
                    .filter(|m| reachable[m].contains(n)),
            )
            .collect();
        done.extend(group.iter().copied());
        groups.push(group);
    }
    groups
}

/// The elementary cycles within `group`, each starting at its least node (at most a few
/// more than [`MAX_CYCLES`] are searched for).
fn elementary_cycles<'a>(
    succ: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    group: &BTreeSet<&'a str>,
) -> Vec<Vec<&'a str>> {
    fn search<'a>(
        succ: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        group: &BTreeSet<&'a str>,
        path: &mut Vec<&'a str>,
        out: &mut Vec<Vec<&'a str>>,
    ) {
        let (start, last) = (path[0], path[path.len() - 1]);
        for &next in &succ[last] {
            if out.len() > MAX_CYCLES {
                return;
            }
            if next == start {
                out.push(path.clone());
            } else if next > start && group.contains(next) && !path.contains(&next) {
                path.push(next);
                search(succ, group, path, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    for &start in group {
        search(succ, group, &mut vec![start], &mut out);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Tests of the scanner (module trees, dependencies, edges and cycles)
// ---------------------------------------------------------------------------------------

/// The cycle lines (`label: a -> b -> a`) of a crate made of `files`.
fn cycle_lines(files: &[(&str, &str)]) -> Vec<String> {
    let files: BTreeMap<String, String> = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let crates = crate::modules::crates_of("k", &files).expect("the test crate loads");
    crates
        .iter()
        .flat_map(cycles)
        .flat_map(|r| {
            r.lines()
                .filter(|l| !l.starts_with(' '))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// The sibling edges (`parent: a -> b`) of a crate made of `files`.
fn edge_lines(files: &[(&str, &str)]) -> Vec<String> {
    let files: BTreeMap<String, String> = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let crates = crate::modules::crates_of("k", &files).expect("the test crate loads");
    let mut out = Vec::new();
    for krate in &crates {
        for (parent, edges) in sibling_edges(krate) {
            for (a, b) in edges.keys() {
                out.push(format!("{}: {a} -> {b}", parent.join("::")));
            }
        }
    }
    out
}

#[test]
fn a_cycle_is_found() {
    let lines = cycle_lines(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("a.rs", "use crate::b::X;\n"),
        ("b.rs", "pub(crate) use super::c::{self, Y};\n"),
        ("c.rs", "pub use crate::a::Z as W;\n"),
    ]);
    assert_eq!(lines, ["k: a -> b -> c -> a"]);
}

#[test]
fn a_dag_passes() {
    let files = [
        ("lib.rs", "mod a;\nmod b;\nmod c;\nuse a::A;\n"),
        ("a.rs", "use crate::b::X;\nuse crate::c::*;\n"),
        ("b.rs", "use super::c::Y;\nuse std::collections::HashMap;\n"),
        ("c.rs", "use crate::Thing;\n"),
    ];
    assert!(cycle_lines(&files).is_empty());
    assert_eq!(edge_lines(&files), [": a -> b", ": a -> c", ": b -> c"]);
}

#[test]
fn test_modules_do_not_count() {
    let files = [
        ("lib.rs", "mod a;\nmod b;\n#[cfg(test)]\nmod tests;\n"),
        ("a.rs", "use crate::b::X;\n"),
        (
            "b.rs",
            "pub struct X;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::a::Y;\n}\n\
             #[cfg(all(test, unix))]\nuse crate::a::Z;\n",
        ),
        ("tests.rs", "use crate::b::X;\nuse crate::a::Y;\n"),
    ];
    assert!(cycle_lines(&files).is_empty());
    assert_eq!(edge_lines(&files), [": a -> b"]);
}

#[test]
fn strings_comments_and_macros_do_not_count() {
    let files = [
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use crate::b::X;\n"),
        (
            "b.rs",
            "// use crate::a::X;\n/* use crate::a::Y; */\nconst S: &str = \"use crate::a::Z;\";\n\
             const R: &str = r#\"use crate::a::Z;\"#;\n\
             fn f() -> TokenStream { quote! { use crate::a::Q; crate::a::g() } }\n",
        ),
    ];
    assert!(cycle_lines(&files).is_empty());
    assert_eq!(edge_lines(&files), [": a -> b"]);
}

#[test]
fn nested_groups_and_nested_modules_resolve() {
    let files = [
        ("lib.rs", "mod a;\nmod d;\n"),
        ("a.rs", "mod b;\nmod c;\n"),
        (
            "a/b.rs",
            "use crate::{a::{c::deep::T, Other}, d::{self, e::E}};\nuse super::Parent;\n",
        ),
        ("a/c/mod.rs", "pub mod deep;\nuse self::deep::U;\n"),
        ("a/c/deep.rs", "use super::super::b::B;\n"),
        ("d.rs", "pub mod e {\n    use crate::d::F;\n}\n"),
    ];
    // `a::b` importing `a::c::deep` is `b -> c` under `a`; `a::c::deep` importing `a::b` is
    // `c -> b` under `a`; `a::b` importing `d` is `a -> d` at the root.
    assert_eq!(edge_lines(&files), [": a -> d", "a: b -> c", "a: c -> b"]);
    assert_eq!(cycle_lines(&files), ["k: a::b -> a::c -> a::b"]);
}

#[test]
fn uses_in_function_bodies_count() {
    let files = [
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "fn f() { if x { use crate::b::X; } }\n"),
        (
            "b.rs",
            "impl T { fn g() { let _ = || { use crate::a::Y; }; } }\n",
        ),
    ];
    assert_eq!(cycle_lines(&files), ["k: a -> b -> a"]);
}

#[test]
fn qualified_paths_in_code_count() {
    let files = [
        ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("a.rs", "pub fn f() -> crate::b::T { crate::b::make() }\n"),
        ("b.rs", "pub struct T(Vec<super::c::U>);\n"),
        (
            "c.rs",
            "impl crate::a::Trait for U {}\nfn g() { self::h(); crate::c::h(); }\n",
        ),
    ];
    assert_eq!(edge_lines(&files), [": a -> b", ": b -> c", ": c -> a"]);
    assert_eq!(cycle_lines(&files), ["k: a -> b -> c -> a"]);
}
