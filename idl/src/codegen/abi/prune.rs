//! Keeping the view consistent around skipped declarations.
//!
//! A declaration the generators cannot express becomes [`DeclKind::Skipped`]. Whatever holds it
//! by value cannot be laid out without it, so it is skipped too (a struct with such a field, a
//! typedef of it, an interface whose base is skipped), and a method that takes or returns it
//! by value keeps its vtable slot as a placeholder ([`Method::unsupported`]). A pointer to a
//! skipped type stays a pointer, to `void`: the ABI is the same. This runs until nothing
//! changes, so the emitted declarations only ever name emitted declarations.

use std::collections::HashSet;

use super::{Decl, DeclKind, Method, NamedKind, ParamRole, Ty};

/// Applies the rules above to `decls`.
pub(super) fn prune(decls: &mut [Decl]) {
    loop {
        let skipped: HashSet<String> = decls
            .iter()
            .filter(|d| matches!(d.kind, DeclKind::Skipped(_)))
            .map(|d| d.name.clone())
            .collect();
        if skipped.is_empty() {
            return;
        }
        let mut changed = false;
        for decl in decls.iter_mut() {
            if let Some(reason) = prune_decl(&mut decl.kind, &skipped) {
                decl.kind = DeclKind::Skipped(reason);
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Erases pointers to skipped types in `kind`; returns why `kind` must be skipped itself, if
/// it must.
fn prune_decl(kind: &mut DeclKind, skipped: &HashSet<String>) -> Option<String> {
    let not_generated =
        |what: String, name: &str| Some(format!("{what} `{name}`, which is not generated"));
    match kind {
        DeclKind::Struct(s) => {
            for f in &mut s.fields {
                if let Some(name) = by_value(&f.ty, skipped) {
                    return not_generated(format!("the member `{}` holds", f.name), name);
                }
                erase_pointees(&mut f.ty, skipped);
            }
            None
        }
        DeclKind::Alias(ty) => {
            if let Some(name) = by_value(ty, skipped) {
                return not_generated("it stands for".into(), name);
            }
            erase_pointees(ty, skipped);
            None
        }
        DeclKind::Const(c) => {
            by_value(&c.ty, skipped).and_then(|name| not_generated("its type is".into(), name))
        }
        DeclKind::Literal(_) | DeclKind::GuidConst(_) => None,
        DeclKind::Interface(i) => {
            if let Some(base) = i.base.as_deref().filter(|b| skipped.contains(*b)) {
                return not_generated("it derives from".into(), base);
            }
            for m in i.inherited.iter_mut().chain(i.methods.iter_mut()) {
                prune_method(m, skipped);
            }
            None
        }
        DeclKind::Enum(_)
        | DeclKind::Handle
        | DeclKind::Class(_)
        | DeclKind::CppQuote(_)
        | DeclKind::Skipped(_) => None,
    }
}

/// Turns a method that needs a skipped type by value into a placeholder slot, and erases
/// pointers to skipped types in the others.
fn prune_method(m: &mut Method, skipped: &HashSet<String>) {
    if m.unsupported.is_some() {
        return;
    }
    let needed = std::iter::once(&m.ret)
        .chain(m.params.iter().map(|p| &p.ty))
        .find_map(|ty| by_value(ty, skipped));
    if let Some(name) = needed {
        m.unsupported = Some(format!(
            "it passes `{name}`, which is not generated, by value"
        ));
        m.params.clear();
        m.ret = Ty::Void;
        m.ret_typedef = None;
        return;
    }
    let mut erased = erase_pointees(&mut m.ret, skipped);
    for p in &mut m.params {
        erased |= erase_pointees(&mut p.ty, skipped);
    }
    if erased {
        // The roles were derived from the types: with a `void *` in place of a type, only the
        // raw form of the method is right.
        for p in &mut m.params {
            p.role = ParamRole::Raw;
        }
    }
}

/// The skipped declaration `ty` holds by value (through typedefs and arrays), if any.
fn by_value<'t>(ty: &'t Ty, skipped: &HashSet<String>) -> Option<&'t str> {
    match ty {
        Ty::Named { name, .. } if skipped.contains(name) => Some(name),
        Ty::Named {
            kind: NamedKind::Alias(target),
            ..
        } => by_value(target, skipped),
        Ty::Array { element, .. } => by_value(element, skipped),
        _ => None,
    }
}

/// Replaces every pointer to a skipped declaration in `ty` by a pointer to `void`; returns
/// whether it replaced any.
fn erase_pointees(ty: &mut Ty, skipped: &HashSet<String>) -> bool {
    match ty {
        Ty::Ptr { pointee, .. } => {
            if by_value(pointee, skipped).is_some() {
                **pointee = Ty::Void;
                true
            } else {
                erase_pointees(pointee, skipped)
            }
        }
        Ty::Array { element, .. } => erase_pointees(element, skipped),
        // A function pointer whose signature needs a skipped type by value is still a
        // pointer: to `void`, without the signature.
        Ty::FnPtr { ret, params } => {
            let by_value_skipped = std::iter::once(&**ret)
                .chain(params.iter())
                .any(|t| by_value(t, skipped).is_some());
            if by_value_skipped {
                *ty = Ty::Ptr {
                    pointee: Box::new(Ty::Void),
                    is_const: false,
                };
                return true;
            }
            let mut any = erase_pointees(ret, skipped);
            for p in params {
                any |= erase_pointees(p, skipped);
            }
            any
        }
        Ty::Named {
            kind: NamedKind::Alias(target),
            name,
        } if !skipped.contains(name.as_str()) => erase_pointees(target, skipped),
        _ => false,
    }
}
