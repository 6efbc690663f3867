//! Interfaces in RDL: the GUID, the base, and each method with its parameters' directions and
//! the relations between parameters that RDL can say (`#[retval]`, `#[iid_is]`,
//! `#[len_param(N)]`, `#[size_param(N)]`, `#[opt]`); a comment names each MIDL attribute it
//! cannot say.

use std::fmt::Write as _;

use super::super::abi::{Decl, Direction, Interface, Link, Method, NamedKind, Param, Prim, Ty};
use super::typedef_names::{imported_spelling, win32_spelling};
use super::types::{Names, ident};
use super::{WIN32, guid_literal};

/// Parameter attributes that every parameter's RDL form says (or that say nothing RDL
/// could): the directions, nullness, and `[ref]` (the default of a top-level pointer).
const SAID: &[&str] = &["in", "out", "unique", "optional", "ref"];

/// Writes an interface at indentation `pad`.
pub(super) fn interface(out: &mut String, names: &Names, pad: &str, d: &Decl, i: &Interface) {
    let base = match i.base.as_deref() {
        Some(base) => match names.interface(base) {
            Some(base) => format!(": {base}"),
            // The view keeps only interfaces whose bases it has (see `prune`).
            None => format!(": {}", ident(base)),
        },
        None => String::new(),
    };
    let _ = writeln!(out, "{pad}#[guid({})]", guid_literal(&i.iid));
    let _ = writeln!(out, "{pad}interface {}{base} {{", ident(&d.name));
    let inner = format!("{pad}    ");
    for m in &i.methods {
        method(out, names, &inner, m);
    }
    let _ = writeln!(out, "{pad}}}");
}

/// Writes one method: a placeholder `fn Name(&self);` keeps the slot of a method whose
/// signature has no form.
fn method(out: &mut String, names: &Names, pad: &str, m: &Method) {
    let name = ident(&m.name);
    if let Some(reason) = &m.unsupported {
        let _ = writeln!(
            out,
            "{pad}// `{}` keeps its vtable slot; its signature is not generated: {}",
            m.name,
            one_line(reason)
        );
        let _ = writeln!(out, "{pad}fn {name}(&self);");
        return;
    }
    let mut dropped = Vec::new();
    let params: Vec<String> = m
        .params
        .iter()
        .map(|p| param(names, &m.params, p, &mut dropped))
        .collect();
    if !dropped.is_empty() {
        let _ = writeln!(
            out,
            "{pad}// MIDL attributes with no RDL form: {}",
            dropped.join("; ")
        );
    }
    let ret = match &m.ret {
        Ty::Void => String::new(),
        ty => {
            let typedef = m.ret_typedef.as_ref();
            let spelled = win32_spelling(names, ty, typedef)
                .map(|(ty, _)| ty)
                .or_else(|| imported_spelling(names, ty, typedef))
                .unwrap_or_else(|| site_ty(names, ty));
            format!(" -> {spelled}")
        }
    };
    let mut line = format!("{pad}fn {name}(&self");
    for p in &params {
        line.push_str(", ");
        line.push_str(p);
    }
    let _ = writeln!(out, "{line}){ret};");
}

/// One parameter: its attributes, name and type. What its MIDL attributes say that RDL
/// cannot is pushed onto `dropped` (`rgelt: length_is`).
fn param(names: &Names, params: &[Param], p: &Param, dropped: &mut Vec<String>) -> String {
    let mut said: Vec<&str> = SAID.to_vec();
    let win32 = win32_spelling(names, &p.ty, p.typedef.as_ref());
    let string = p.string.then(|| string_ty(p)).flatten();
    if string.is_some() || win32.as_ref().is_some_and(|(_, s)| *s) {
        said.push("string");
    }
    // `[iid_is]` on a `void **` out-parameter, or on an interface's (`IUnknown **ppv`), which
    // is then a `void **` too, as in the SDK's metadata: windows-bindgen makes the pair a
    // generic `T: Interface` result only for a `void **`.
    let iid_is = match (p.iid_is, p.ty.pointee()) {
        (Some(Link::Param(k)), Some((inner, _)))
            if p.dir == Direction::Out && params.get(k).is_some() =>
        {
            match inner.pointee() {
                Some((Ty::Void, _)) => Some(false),
                Some((pointee, _)) if pointee.resolved().is_interface() => Some(true),
                _ => None,
            }
        }
        _ => None,
    };
    let ty = if iid_is == Some(true) {
        "*mut *mut void".to_string()
    } else {
        win32
            .map(|(t, _)| t)
            .or(string)
            .or_else(|| imported_spelling(names, &p.ty, p.typedef.as_ref()))
            .unwrap_or_else(|| site_ty(names, &p.ty))
    };
    let mut attrs = Vec::new();
    // A retval whose type the RDL cannot name (the pointer is a `void *`: an interface or a
    // type that is not generated) has no value to return.
    if p.retval && !matches!(ty.as_str(), "*mut void" | "*const void") {
        attrs.push("#[retval]".to_string());
        said.push("retval");
    }
    if iid_is.is_some() {
        attrs.push("#[iid_is]".to_string());
        said.push("iid_is");
    }
    if let Some(Link::Param(k)) = p.size_is
        && let Some((pointee, _)) = p.ty.pointee()
        && params.get(k).is_some_and(is_count)
    {
        let which = if matches!(pointee.resolved(), Ty::Void) {
            "size_param"
        } else {
            "len_param"
        };
        attrs.push(format!("#[{which}({k})]"));
        said.push("size_is");
    }
    let is_mutable = ty.starts_with("*mut ");
    let (is_in, is_out) = match p.dir {
        Direction::In => (true, false),
        Direction::Out => (false, true),
        Direction::InOut => (true, true),
    };
    if is_in && (is_out || is_mutable) {
        attrs.push("#[in]".into());
    }
    if is_out && (is_in || !is_mutable) {
        attrs.push("#[out]".into());
    }
    if p.unique || p.optional {
        attrs.push("#[opt]".into());
    }
    let lost: Vec<&str> = p
        .attrs
        .iter()
        .map(String::as_str)
        .filter(|a| !said.contains(a))
        .collect();
    if !lost.is_empty() {
        dropped.push(format!("{}: {}", p.name, lost.join(", ")));
    }
    attrs.push(format!("{}: {ty}", ident(&p.name)));
    attrs.join(" ")
}

/// The RDL spelling of a parameter's or result's type: a pointer typedef (`LPFOLDERSETTINGS`)
/// is spelled as the pointer (`*mut FOLDERSETTINGS`), as Win32 metadata spells parameters, so
/// that windows-bindgen sees the pointer (an `[out]` one can be the result).
fn site_ty(names: &Names, ty: &Ty) -> String {
    match ty {
        Ty::Named {
            kind: NamedKind::Alias(_),
            ..
        } if matches!(ty.resolved(), Ty::Ptr { .. }) => names.ty(ty.resolved()),
        _ => names.ty(ty),
    }
}

/// An `[in]` integer passed by value: a parameter that can count an array's elements.
fn is_count(p: &Param) -> bool {
    p.dir == Direction::In && p.ty.is_integer()
}

/// The type of a `[string]` parameter as Win32 metadata spells it: `PCWSTR`/`PWSTR` for a
/// UTF-16 string, `PCSTR`/`PSTR` for an 8-bit one, or a pointer to one of those (an `[out]`
/// string). windows-bindgen maps these to windows-core's string types.
fn string_ty(p: &Param) -> Option<String> {
    let name = |elem: &Ty, is_const: bool| -> Option<&'static str> {
        match (elem.resolved(), is_const) {
            (Ty::Prim(Prim::WChar), true) => Some("PCWSTR"),
            (Ty::Prim(Prim::WChar), false) => Some("PWSTR"),
            (Ty::Prim(Prim::Char), true) => Some("PCSTR"),
            (Ty::Prim(Prim::Char), false) => Some("PSTR"),
            _ => None,
        }
    };
    let (pointee, is_const) = p.ty.pointee()?;
    if let Some(s) = name(pointee, is_const) {
        return Some(format!("{WIN32}::{s}"));
    }
    let (inner, inner_const) = pointee.pointee()?;
    let s = name(inner, inner_const)?;
    let star = if is_const { "*const" } else { "*mut" };
    Some(format!("{star} {WIN32}::{s}"))
}

/// A reason on one line, for a comment.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
