//! The names parameters and results are spelled with, when the IDL declares them with a
//! typedef: Win32 metadata's own types for `BOOL`, `BSTR` and the string pointers (which
//! windows-bindgen maps to windows-core's types), and the typedef's own name for the typedefs
//! that Win32 metadata keeps as types ([`super::win32_names`]) or that name a struct or an
//! enum (`VARIANT`, `STGMEDIUM`, `LCID`, `DISPID` ...). A typedef of an imported file has no
//! declaration in the view: the RDL declares the ones its parameters use in its own namespace
//! ([`imported_typedefs`]).

use std::collections::BTreeMap;

use super::super::abi::{Api, DeclKind, NamedKind, Prim, Ty};
use super::types::{Names, ident};
use super::win32_names::is_native_typedef;
use super::{WIN32, alias_has_form};

/// Typedefs of the SDK's base files that Win32 metadata has under the same name (or, for the
/// string pointers, under its own) and windows-bindgen maps to windows-core's types, with the
/// type each stands for and whether it is a string: `BOOL` (an `i32`), `BSTR` and the string
/// pointers. The IDL file's `BOOL fEnable` is then `windows_core::BOOL` as in the SDK's
/// bindings, not `i32`.
const WIN32_TYPEDEFS: &[(&str, &str, Ty0, bool)] = &[
    ("BOOL", "BOOL", Ty0::Int32, false),
    ("BSTR", "BSTR", Ty0::Wide, false),
    ("LPWSTR", "PWSTR", Ty0::Wide, true),
    ("PWSTR", "PWSTR", Ty0::Wide, true),
    ("LPOLESTR", "PWSTR", Ty0::Wide, true),
    ("LPCWSTR", "PCWSTR", Ty0::Wide, true),
    ("PCWSTR", "PCWSTR", Ty0::Wide, true),
    ("LPCOLESTR", "PCWSTR", Ty0::Wide, true),
    ("LPSTR", "PSTR", Ty0::Narrow, true),
    ("PSTR", "PSTR", Ty0::Narrow, true),
    ("LPCSTR", "PCSTR", Ty0::Narrow, true),
    ("PCSTR", "PCSTR", Ty0::Narrow, true),
];

/// What a typedef of [`WIN32_TYPEDEFS`] must stand for in the view, so that its Win32 name
/// has the same ABI.
#[derive(Debug, Clone, Copy)]
enum Ty0 {
    /// A 32-bit signed integer.
    Int32,
    /// A pointer to UTF-16 code units.
    Wide,
    /// A pointer to 8-bit characters.
    Narrow,
}

impl Ty0 {
    fn matches(self, ty: &Ty) -> bool {
        match self {
            Ty0::Int32 => matches!(ty.resolved(), Ty::Prim(Prim::I32)),
            Ty0::Wide => {
                matches!(ty.pointee(), Some((e, _)) if matches!(e.resolved(), Ty::Prim(Prim::WChar)))
            }
            Ty0::Narrow => {
                matches!(ty.pointee(), Some((e, _)) if matches!(e.resolved(), Ty::Prim(Prim::Char | Prim::I8 | Prim::U8)))
            }
        }
    }
}

/// The Win32 metadata type that a parameter or result declared with `typedef` (its name and
/// the pointers over it) is spelled with (`*mut Windows::Win32::BOOL`), and whether it is a
/// string; `None` when its typedef is not one of [`WIN32_TYPEDEFS`] or does not stand for
/// what the view's type is.
pub(super) fn win32_spelling(
    names: &Names,
    ty: &Ty,
    typedef: Option<&(String, usize)>,
) -> Option<(String, bool)> {
    let (name, depth) = typedef?;
    let (inner, star) = under_pointers(ty, *depth)?;
    let (_, win32, shape, string) = win32_typedef(names, name)?;
    shape
        .matches(inner)
        .then(|| (format!("{star}{WIN32}::{win32}"), string))
}

/// The spelling of a parameter or result declared with an imported typedef that the RDL
/// declares ([`imported_typedefs`]): `*mut VARIANT`, not `*mut tagVARIANT`. (A root file's
/// typedef is in the view's type already.)
pub(super) fn imported_spelling(
    names: &Names,
    ty: &Ty,
    typedef: Option<&(String, usize)>,
) -> Option<String> {
    let (name, depth) = typedef?;
    let (inner, star) = under_pointers(ty, *depth)?;
    let target = names.imported.get(name.as_str())?;
    (*target == names.ty(inner)).then(|| format!("{star}{}", ident(name)))
}

/// The entry of [`WIN32_TYPEDEFS`] for `name`, if the RDL spells it as Win32 metadata's: every
/// one, except `BSTR` in [`Names::portable`] RDL (windows-core has its `BSTR` on Windows only).
fn win32_typedef(names: &Names, name: &str) -> Option<(&'static str, &'static str, Ty0, bool)> {
    WIN32_TYPEDEFS
        .iter()
        .find(|(n, ..)| *n == name)
        .filter(|(n, ..)| !(names.portable && *n == "BSTR"))
        .copied()
}

/// The type under `depth` pointers of `ty`, and those pointers spelled with one constness
/// (`*const *const `), as metadata keeps it.
fn under_pointers(ty: &Ty, depth: usize) -> Option<(&Ty, String)> {
    let mut inner = ty;
    let mut is_const = None;
    for _ in 0..depth {
        let (pointee, c) = inner.pointee()?;
        is_const.get_or_insert(c);
        inner = pointee;
    }
    let star = if is_const == Some(true) {
        "*const "
    } else {
        "*mut "
    };
    Some((inner, star.repeat(depth)))
}

/// The typedefs of imported files that the parameters and results of `api`'s interfaces are
/// declared with and that keep their name ([`imported_spelling`]), each with the RDL spelling of what
/// it stands for: Win32 metadata's typedefs of their own ([`is_native_typedef`]) and typedefs
/// naming a struct or an enum, when the RDL can declare them (see [`alias_has_form`]), except
/// pointer typedefs other than `BSTR`. A name the RDL already defines, or that two sites spell differently, is
/// left out.
pub(super) fn imported_typedefs(api: &Api, names: &Names) -> BTreeMap<String, String> {
    let mut found: BTreeMap<String, Option<String>> = BTreeMap::new();
    let interfaces = api.decls.iter().filter_map(|d| match &d.kind {
        DeclKind::Interface(i) if names.interface(&d.name).is_some() => Some(i),
        _ => None,
    });
    for method in interfaces.flat_map(|i| &i.methods) {
        if method.unsupported.is_some() {
            continue;
        }
        let sites = method
            .params
            .iter()
            .map(|p| (&p.ty, p.typedef.as_ref()))
            .chain([(&method.ret, method.ret_typedef.as_ref())]);
        for (ty, typedef) in sites {
            let Some((name, depth)) = typedef else {
                continue;
            };
            let Some((inner, _)) = under_pointers(ty, *depth) else {
                continue;
            };
            let names_itself = matches!(
                inner,
                Ty::Named {
                    kind: NamedKind::Struct | NamedKind::Enum,
                    ..
                }
            );
            // Pointer typedefs (`LPCRECT`, `LPCITEMIDLIST`) are spelled out, as Win32 metadata
            // spells them at most sites; `BSTR` is the one kept (in portable RDL).
            let is_bstr = name == "BSTR";
            if names.defines(name)
                || (matches!(inner.resolved(), Ty::Ptr { .. }) && !is_bstr)
                || matches!(name.as_str(), "GUID" | "HRESULT")
                || win32_typedef(names, name).is_some_and(|(.., shape, _)| shape.matches(inner))
                || !(is_native_typedef(name) || names_itself)
                || !alias_has_form(inner)
                || matches!(inner, Ty::Named { name: n, .. } if n == name)
            {
                continue;
            }
            let target = names.ty(inner);
            found
                .entry(name.clone())
                .and_modify(|seen| {
                    if seen.as_ref() != Some(&target) {
                        *seen = None;
                    }
                })
                .or_insert(Some(target));
        }
    }
    found
        .into_iter()
        .filter_map(|(name, target)| Some((name, target?)))
        .collect()
}
