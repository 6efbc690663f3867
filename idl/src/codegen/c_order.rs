//! The order in which a C header declares things, and what it must forward-declare: C needs a
//! type defined before anything holds it by value and declared before anything names it, while
//! the IDL's imported declarations come in file order.
//!
//! [`emission_order`] keeps the IDL's order (imported declarations first, then the root file's)
//! and moves a declaration's by-value dependencies and named typedefs (aliases, enums, handles)
//! ahead of it. A struct or union only pointed to before its definition gets a forward
//! `typedef struct tag Name;` ([`Step::Forward`]), as do interfaces the header does not define
//! (an imported interface named by a parameter): C11 and C++ accept the later definition.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::abi::{Api, Decl, DeclKind, NamedKind, Origin, Struct, Ty};

/// One step of the header's body.
#[derive(Debug)]
pub(crate) enum Step<'a> {
    /// `typedef struct tag name;` (or `union`): `(keyword, tag, name)`.
    Forward(&'static str, String, String),
    /// A declaration, written as before.
    Decl(&'a Decl),
}

/// The names a type refers to: `(name, through a pointer)`.
fn refs(ty: &Ty, under_ptr: bool, out: &mut Vec<(String, bool)>) {
    match ty {
        Ty::Named { name, .. } => out.push((name.clone(), under_ptr)),
        Ty::Ptr { pointee, .. } => refs(pointee, true, out),
        Ty::Array { element, .. } => refs(element, under_ptr, out),
        Ty::FnPtr { ret, params } => {
            refs(ret, true, out);
            for p in params {
                refs(p, true, out);
            }
        }
        Ty::Void | Ty::Prim(_) | Ty::Guid | Ty::Hresult | Ty::Interface(_) => {}
    }
}

/// The names a struct's fields refer to, those of the inline structs written at its members
/// included.
fn struct_refs(api: &Api, s: &Struct, out: &mut Vec<(String, bool)>) {
    for f in &s.fields {
        let inline = match f.ty.resolved() {
            Ty::Named { name, .. } => match api.find(name).map(|d| &d.kind) {
                Some(DeclKind::Struct(inner)) if inner.inline => Some(inner),
                _ => None,
            },
            _ => None,
        };
        match inline {
            Some(inner) => struct_refs(api, inner, out),
            None => refs(&f.ty, false, out),
        }
    }
}

/// What a declaration refers to.
fn decl_refs(api: &Api, d: &Decl) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    match &d.kind {
        DeclKind::Struct(s) => struct_refs(api, s, &mut out),
        DeclKind::Alias(t) => refs(t, false, &mut out),
        DeclKind::Interface(i) => {
            for m in i.inherited.iter().chain(&i.methods) {
                refs(&m.ret, false, &mut out);
                for p in &m.params {
                    refs(&p.ty, false, &mut out);
                }
            }
        }
        _ => {}
    }
    out
}

/// The struct or union a name declares (not inline), with its keyword and tag.
fn struct_of<'a>(api: &'a Api, name: &str) -> Option<(&'static str, &'a str)> {
    let d = api.find(name)?;
    match &d.kind {
        DeclKind::Struct(s) if !s.inline => Some((
            if s.is_union { "union" } else { "struct" },
            s.tag.as_deref().unwrap_or(&d.name),
        )),
        _ => None,
    }
}

/// The header's body in order (see the module documentation).
pub(crate) fn emission_order(api: &Api) -> Vec<Step<'_>> {
    let index: HashMap<&str, usize> = api
        .decls
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.as_str(), i))
        .collect();
    let mut order = Vec::new();
    let mut done = vec![false; api.decls.len()];
    let mut visiting = vec![false; api.decls.len()];
    let mut declared: HashSet<String> = HashSet::new();
    let roots = api
        .decls
        .iter()
        .enumerate()
        .filter(|(_, d)| d.origin == Origin::Imported)
        .chain(
            api.decls
                .iter()
                .enumerate()
                .filter(|(_, d)| d.origin == Origin::Root),
        )
        .map(|(i, _)| i);
    for i in roots {
        visit(
            api,
            &index,
            i,
            &mut done,
            &mut visiting,
            &mut declared,
            &mut order,
        );
    }
    order
}

fn visit<'a>(
    api: &'a Api,
    index: &HashMap<&str, usize>,
    i: usize,
    done: &mut [bool],
    visiting: &mut [bool],
    declared: &mut HashSet<String>,
    order: &mut Vec<Step<'a>>,
) {
    if done[i] || visiting[i] {
        return;
    }
    visiting[i] = true;
    let d = &api.decls[i];
    let mut forwards = BTreeSet::new();
    for (name, under_ptr) in decl_refs(api, d) {
        let Some(&j) = index.get(name.as_str()) else {
            continue;
        };
        let is_struct = struct_of(api, &name).is_some();
        if is_struct && under_ptr {
            if !done[j] {
                forwards.insert(name);
            }
        } else if !matches!(
            api.decls[j].kind,
            DeclKind::Struct(Struct { inline: true, .. })
        ) {
            visit(api, index, j, done, visiting, declared, order);
        }
    }
    for name in forwards {
        if !done[index[name.as_str()]] && declared.insert(name.clone()) {
            let (keyword, tag) = struct_of(api, &name).expect("a struct");
            order.push(Step::Forward(keyword, tag.to_string(), name));
        }
    }
    visiting[i] = false;
    done[i] = true;
    order.push(Step::Decl(d));
}

/// The interfaces the declarations name without the header defining them (`IUnknown`, which the
/// header declares itself, aside), sorted.
pub(crate) fn undefined_interfaces(api: &Api) -> Vec<String> {
    fn walk(ty: &Ty, out: &mut BTreeSet<String>) {
        match ty {
            Ty::Interface(n) => {
                out.insert(n.clone());
            }
            Ty::Ptr { pointee, .. } => walk(pointee, out),
            Ty::Array { element, .. } => walk(element, out),
            Ty::FnPtr { ret, params } => {
                walk(ret, out);
                params.iter().for_each(|p| walk(p, out));
            }
            Ty::Named {
                kind: NamedKind::Alias(t),
                ..
            } => walk(t, out),
            _ => {}
        }
    }
    fn fields(s: &Struct, out: &mut BTreeSet<String>) {
        s.fields.iter().for_each(|f| walk(&f.ty, out));
    }
    let mut named = BTreeSet::new();
    for d in &api.decls {
        match &d.kind {
            DeclKind::Struct(s) => fields(s, &mut named),
            DeclKind::Alias(t) => walk(t, &mut named),
            DeclKind::Interface(i) => {
                for m in i.inherited.iter().chain(&i.methods) {
                    walk(&m.ret, &mut named);
                    m.params.iter().for_each(|p| walk(&p.ty, &mut named));
                }
            }
            _ => {}
        }
    }
    named
        .into_iter()
        .filter(|n| {
            n != "IUnknown" && !matches!(api.find(n).map(|d| &d.kind), Some(DeclKind::Interface(_)))
        })
        .collect()
}
