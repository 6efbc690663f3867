//! Reading a crate's module tree and what each of its modules depends on.
//!
//! The crates are those of the workspace members (the `members` of the root `Cargo.toml`):
//! each `src/lib.rs`, `src/main.rs` and `src/bin/*.rs` is the root of one crate, whose module
//! tree is found by following its `mod` declarations (so the file of a `#[cfg(test)] mod
//! tests;` is not part of it). Each file is parsed with `syn`, so only real code counts,
//! never text in comments, string literals or macro invocations (`quote!` templates), and
//! items marked `#[cfg(test)]` are skipped with everything inside them (a test module's
//! `use super::*` is no dependency of the module).
//!
//! A module depends on the paths of its `use` items (`pub use`, grouped and multi-line ones
//! included) and on the paths in its code that start with `crate`, `super` or `self`
//! (`crate::lower::lower_file(..)` is the same dependency as a `use` of it).

use std::collections::{BTreeMap, BTreeSet};

use syn::visit::{self, Visit};
use syn::{Attribute, Expr, ImplItem, Item, ItemMod, ItemUse, Meta, TraitItem, UseTree};

/// A module path from the crate root (`[]` is the root).
pub(crate) type ModPath = Vec<String>;

/// One crate: its modules and their dependencies.
#[derive(Debug, Default)]
pub(crate) struct Crate {
    /// The member and, when the member has several crates, which one.
    pub(crate) label: String,
    /// Where its sources are, for messages (`idl/src`).
    pub(crate) src: String,
    pub(crate) modules: BTreeSet<ModPath>,
    pub(crate) deps: Vec<Dep>,
}

/// One dependency of a module on a path: a path of a `use` item, or a path in code that
/// starts with `crate`, `super` or `self`.
#[derive(Debug)]
pub(crate) struct Dep {
    /// The module the path is in.
    pub(crate) from: ModPath,
    /// The path as written, flattened out of the groups of a `use` (`self` in a group is the
    /// group's prefix; a glob is its prefix).
    pub(crate) path: Vec<String>,
    /// How it is written (`use a::b::*`, `crate::a::f`), for messages.
    pub(crate) shown: String,
    /// The file, relative to `src/`.
    pub(crate) file: String,
}

/// The crates of a member: one per root file (`lib.rs`, `main.rs`, `bin/*.rs`,
/// `bin/*/main.rs`) among `files` (paths relative to `src/`).
pub(crate) fn crates_of(
    member: &str,
    files: &BTreeMap<String, String>,
) -> Result<Vec<Crate>, String> {
    let mut roots: Vec<(String, String)> = Vec::new();
    for path in files.keys() {
        let parts: Vec<&str> = path.split('/').collect();
        let name = match parts.as_slice() {
            ["lib.rs"] => "lib".to_string(),
            ["main.rs"] => "main".to_string(),
            ["bin", file] => format!("bin {}", file.trim_end_matches(".rs")),
            ["bin", dir, "main.rs"] => format!("bin {dir}"),
            _ => continue,
        };
        roots.push((name, path.clone()));
    }
    let several = roots.len() > 1;
    let mut crates = Vec::new();
    for (name, root) in roots {
        let label = if several {
            format!("{member} ({name})")
        } else {
            member.to_string()
        };
        let mut krate = Crate {
            label,
            src: format!("{member}/src"),
            ..Crate::default()
        };
        let dir = root.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        load_file(&mut krate, files, &root, Vec::new(), dir)?;
        crates.push(krate);
    }
    Ok(crates)
}

/// Where the items being read are.
#[derive(Clone)]
struct Ctx {
    /// Their module.
    module: ModPath,
    /// Their file, relative to `src/`.
    file: String,
    /// The directory of the files of the module's `mod name;` children.
    child_dir: String,
    /// The directory of the file, for `#[path]` on the file's own top-level `mod` items
    /// (`None` inside an inline module).
    file_dir: Option<String>,
}

/// Reads module `module` from `file` (relative to `src/`), whose `mod name;` children live
/// in `child_dir`, and the modules it declares.
fn load_file(
    krate: &mut Crate,
    files: &BTreeMap<String, String>,
    file: &str,
    module: ModPath,
    child_dir: String,
) -> Result<(), String> {
    let text = files
        .get(file)
        .ok_or_else(|| format!("{}/{file} is missing", krate.src))?;
    let ast = syn::parse_file(text).map_err(|e| format!("{}/{file}: {e}", krate.src))?;
    krate.modules.insert(module.clone());
    let file_dir = file.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let mut walker = Walker {
        krate,
        files,
        ctx: Ctx {
            module,
            file: file.to_string(),
            child_dir,
            file_dir: Some(file_dir),
        },
        error: None,
    };
    walker.visit_file(&ast);
    walker.error.map_or(Ok(()), Err)
}

/// `dir/name` (or `name` when `dir` is empty).
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Collects the modules, `use` items and paths of one file (and, through `mod name;`, of the
/// files of its child modules), skipping `#[cfg(test)]` items. Macro invocations are opaque
/// to it, so the code in `quote!` templates is not read.
struct Walker<'a> {
    krate: &'a mut Crate,
    files: &'a BTreeMap<String, String>,
    ctx: Ctx,
    /// The first error (a module file missing or not parsing).
    error: Option<String>,
}

impl Walker<'_> {
    /// `mod name { ... }` and `mod name;`.
    fn module(&mut self, m: &ItemMod) -> Result<(), String> {
        let name = m.ident.to_string();
        let module = with(&self.ctx.module, name.clone());
        let path_attr = m.attrs.iter().find_map(path_attr);
        if let Some((_, items)) = &m.content {
            self.krate.modules.insert(module.clone());
            let inner = Ctx {
                module,
                file: self.ctx.file.clone(),
                child_dir: join(&self.ctx.child_dir, path_attr.as_deref().unwrap_or(&name)),
                file_dir: None,
            };
            let outer = std::mem::replace(&mut self.ctx, inner);
            for item in items {
                self.visit_item(item);
            }
            self.ctx = outer;
            return Ok(());
        }
        let (file, child_dir) = match path_attr {
            Some(p) => {
                let base = self.ctx.file_dir.as_deref().unwrap_or(&self.ctx.child_dir);
                let file = normalize(&join(base, &p));
                let dir = file.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                (file, dir)
            }
            None => {
                let flat = join(&self.ctx.child_dir, &format!("{name}.rs"));
                let nested = join(&self.ctx.child_dir, &format!("{name}/mod.rs"));
                let file = if self.files.contains_key(&flat) {
                    flat
                } else if self.files.contains_key(&nested) {
                    nested
                } else {
                    return Err(format!(
                        "{}/{}: no file for `mod {name};` (looked for {flat} and {nested})",
                        self.krate.src, self.ctx.file
                    ));
                };
                (file, join(&self.ctx.child_dir, &name))
            }
        };
        load_file(self.krate, self.files, &file, module, child_dir)
    }

    /// Records an import of `path` (as written, flattened) by the current module.
    fn record(&mut self, path: Vec<String>, shown: String) {
        self.krate.deps.push(Dep {
            from: self.ctx.module.clone(),
            path,
            shown,
            file: self.ctx.file.clone(),
        });
    }

    /// Records the paths of a `use` tree below `prefix`.
    fn use_tree(&mut self, tree: &UseTree, prefix: &mut Vec<String>) {
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix);
                prefix.pop();
            }
            UseTree::Name(n) => self.use_name(prefix, &n.ident),
            UseTree::Rename(r) => self.use_name(prefix, &r.ident),
            UseTree::Glob(_) => {
                self.record(prefix.clone(), format!("use {}::*", prefix.join("::")))
            }
            UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix);
                }
            }
        }
    }

    /// `prefix::name` of a `use` tree (`prefix` itself for `self`).
    fn use_name(&mut self, prefix: &[String], name: &syn::Ident) {
        let path = if name == "self" {
            prefix.to_vec()
        } else {
            with(prefix, name.to_string())
        };
        let shown = format!("use {}", path.join("::"));
        self.record(path, shown);
    }
}

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_item(&mut self, item: &'ast Item) {
        if !is_test_only(item_attrs(item)) {
            visit::visit_item(self, item);
        }
    }

    fn visit_impl_item(&mut self, item: &'ast ImplItem) {
        let attrs: &[Attribute] = match item {
            ImplItem::Const(i) => &i.attrs,
            ImplItem::Fn(i) => &i.attrs,
            ImplItem::Type(i) => &i.attrs,
            ImplItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        if !is_test_only(attrs) {
            visit::visit_impl_item(self, item);
        }
    }

    fn visit_trait_item(&mut self, item: &'ast TraitItem) {
        let attrs: &[Attribute] = match item {
            TraitItem::Const(i) => &i.attrs,
            TraitItem::Fn(i) => &i.attrs,
            TraitItem::Type(i) => &i.attrs,
            TraitItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        if !is_test_only(attrs) {
            visit::visit_trait_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, m: &'ast ItemMod) {
        if self.error.is_none()
            && let Err(e) = self.module(m)
        {
            self.error = Some(e);
        }
    }

    fn visit_item_use(&mut self, u: &'ast ItemUse) {
        // `use ::name` names another crate.
        if u.leading_colon.is_none() {
            self.use_tree(&u.tree, &mut Vec::new());
        }
    }

    /// A path in code (an expression, a type, a pattern, a trait bound): one that starts
    /// with `crate`, `super` or `self` depends on that module as much as a `use` of it.
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if p.leading_colon.is_none()
            && segs.len() > 1
            && matches!(segs[0].as_str(), "crate" | "super" | "self")
        {
            let shown = segs.join("::");
            self.record(segs, shown);
        }
        visit::visit_path(self, p);
    }
}

/// `prefix` followed by `last`.
pub(crate) fn with(prefix: &[String], last: String) -> Vec<String> {
    let mut v = prefix.to_vec();
    v.push(last);
    v
}

/// `a/./b/../c` as `a/c`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(p),
        }
    }
    parts.join("/")
}

/// The attributes of an item.
fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// Whether the attributes include `#[cfg(test)]` (or `#[cfg(all(test, ...))]`).
fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<Meta>().is_ok_and(|m| requires_test(&m))
    })
}

/// Whether a `cfg` predicate holds only under `test`.
fn requires_test(meta: &Meta) -> bool {
    match meta {
        Meta::Path(p) => p.is_ident("test"),
        Meta::List(l) if l.path.is_ident("all") => l
            .parse_args_with(syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated)
            .is_ok_and(|list| list.iter().any(requires_test)),
        _ => false,
    }
}

/// The value of a `#[path = "..."]` attribute.
fn path_attr(attr: &Attribute) -> Option<String> {
    let Meta::NameValue(nv) = &attr.meta else {
        return None;
    };
    if !nv.path.is_ident("path") {
        return None;
    }
    match &nv.value {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}
