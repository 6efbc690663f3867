//! RDL (the Rust-like metadata text of the `windows-rdl` crate) of an IDL file, for the
//! windows-rs toolchain: `windows-rdl` compiles it into a `.winmd`, from which
//! `windows-bindgen` generates Rust.
//!
//! The RDL is one `#[win32]` module tree (the namespace of [`RdlOptions`]) holding, in the
//! order of the [`Api`]:
//!
//! - interfaces with their GUID, base and methods in vtable order, each parameter with its
//!   direction (`#[in]`, `#[out]`), `#[opt]` from `[unique]` and `[optional]`, `#[retval]`,
//!   `#[iid_is]` on the `void **` of an `iid_is`, and `#[len_param(N)]` (`#[size_param(N)]` for
//!   a `void *`) from a `size_is` naming an integer parameter; `[string]` parameters, and
//!   parameters and results declared with the SDK's `BOOL`, `BSTR` or string typedefs
//!   (`LPOLESTR`, `LPCWSTR` ...), are Win32 metadata's `BOOL`, `BSTR`, `PWSTR`, `PCWSTR` ...,
//!   which windows-bindgen maps to windows-core's types;
//! - parameters and results keep the name of the typedef they are declared with, as the SDK's
//!   metadata does, when it is a typedef of the file, a typedef that Win32 metadata keeps as a
//!   type ([`win32_names`]: `LCID`, `DISPID`, `OLECHAR` ...) or one naming a struct or an enum
//!   (`VARIANT` for `tagVARIANT`); the imported ones are declared in the RDL's namespace;
//! - structs (with `#[packed(N)]` under a `#pragma pack`), enums (`#[repr(i32)]`: C enums are
//!   `int`), handles and typedefs (`type H = *mut void;`, `type VARIANT = tagVARIANT;`),
//!   integer constants, and each coclass's `CLSID_` GUID constant.
//!
//! `windows_core::BSTR` exists on Windows only: [`RdlOptions::portable`] RDL declares `BSTR`
//! in its own namespace instead (a `*mut u16`), for bindings that must compile anywhere.
//!
//! `IUnknown` is Win32 metadata's (`Windows::Win32::IUnknown`), which
//! windows-bindgen maps to `windows_core::IUnknown`; the RDL therefore compiles against the
//! default Windows metadata as a reference. An interface that the view does not hold (one an
//! imported file declares and the file only points to) is a `*mut void`: the ABI is the same.
//!
//! Whatever has no RDL form is left out with a comment where it would be
//! ([`DROPPED_FEATURES`]); the declarations left out are also listed in [`Rdl::omitted`].
//!
//! ```
//! use mobsync_idl::codegen::{rdl, Api, RdlOptions, Stamp};
//!
//! let api = Api::from_compilation(mobsync_idl::mobsync_compilation()).unwrap();
//! let opts = RdlOptions {
//!     stamp: Stamp::new("my-tool", "idl/mobsync.idl"),
//!     namespace: "Mobsync".into(),
//!     portable: false,
//! };
//! let out = rdl::generate(&api, &opts).unwrap();
//! assert!(out.text.contains("interface ISyncMgrSynchronize: Windows::Win32::IUnknown {"));
//! ```

mod interfaces;
mod typedef_names;
mod types;
pub mod win32_names;
#[cfg(feature = "winmd")]
pub mod winmd;

use std::collections::HashSet;
use std::fmt::Write as _;

use super::abi::{Api, Const, DeclKind, Enum, NamedKind, Struct, Ty};
use super::options::RdlOptions;
use crate::model::Guid;
use crate::source::Span;
use interfaces::one_line;
use types::{Defined, Names, ident, prim};

/// The RDL path of `IUnknown`: Win32 metadata's.
pub const IUNKNOWN: &str = "Windows::Win32::IUnknown";

/// The RDL path of Win32 metadata's namespace (`IUnknown`, `PCWSTR` ...).
const WIN32: &str = "Windows::Win32";

/// What RDL cannot say, and what the RDL says instead: the list that `mobsync-idl rdl --help`
/// prints.
pub const DROPPED_FEATURES: &str = "\
What RDL cannot say (each is a comment in the RDL where it would be):
  - coclass: only its CLSID_ GUID constant (RDL classes are WinRT's)
  - [length_is], [switch_is], [switch_type], [range], [max_is], [first_is], [last_is] and any
    other parameter attribute without an RDL form; [size_is] that is not a plain integer
    parameter; [iid_is] other than on an [out] `void **` or interface `**` (which is written
    as a `void **`, as Win32 metadata writes it)
  - [call_as] methods (the [local] method keeps the vtable slot), [local], [propget]/[propput]
    (the methods are get_X/put_X), dispinterfaces, functions outside interfaces, a
    library's own LIBID (its declarations are kept)
  - cpp_quote (C only), doc comments and helpstrings
  - function pointers: a pointer-sized `*mut void`; bit fields: their storage units
    (`_bitfield`); nameless members: `Anonymous`
  - the names of pointer typedefs at parameters and results (`LPFOLDERSETTINGS` is written
    `*mut FOLDERSETTINGS`, as Win32 metadata writes parameters); the typedefs themselves stay
  - IUnknown itself (Win32 metadata's is used), and typedefs of interfaces, void, floats and
    function pointers (their uses are spelled out)
  - the names of imported typedefs, except those parameters are declared with that Win32
    metadata keeps as types (LCID, DISPID, OLECHAR ...) or that name a struct or an enum
    (VARIANT, STGMEDIUM): those are declared in the RDL's namespace (BSTR, BOOL and the string
    pointers are Win32 metadata's own; with --portable, BSTR is declared too)
  - [retval] on a pointer the RDL spells `*mut void` (to an interface or a type that is not
    generated)";

/// Generated RDL.
#[derive(Debug, Clone)]
pub struct Rdl {
    /// The text of the `.rdl` file.
    pub text: String,
    /// The declarations of the view that the RDL does not define, each with why: those the
    /// view skips (which [`Api::skipped`] reports), `IUnknown` (Win32 metadata's is used) and
    /// typedefs of interfaces, `void` or floats (spelled out where they are used). Nothing else is
    /// lost.
    pub omitted: Vec<Omitted>,
}

/// A declaration the RDL does not define.
#[derive(Debug, Clone)]
pub struct Omitted {
    /// Its name (empty for a nameless one).
    pub name: String,
    /// Where it is declared.
    pub span: Span,
    /// Why it is not in the RDL.
    pub reason: String,
}

/// Generates the RDL of everything in `api`.
///
/// # Errors
/// A namespace that is not `.`-separated identifiers.
pub fn generate(api: &Api, opts: &RdlOptions) -> Result<Rdl, String> {
    let parts: Vec<&str> = opts.namespace.split('.').collect();
    if let Some(bad) = parts.iter().find(|p| !is_identifier(p)) {
        return Err(format!(
            "the namespace `{}` is not `.`-separated identifiers (`{bad}`)",
            opts.namespace
        ));
    }
    let mut names = Names {
        portable: opts.portable,
        ..Names::default()
    };
    let mut omitted = Vec::new();
    for d in &api.decls {
        let reason = match &d.kind {
            DeclKind::Struct(_) | DeclKind::Enum(_) | DeclKind::Handle => {
                names.defined.insert(d.name.clone(), Defined::Value);
                continue;
            }
            DeclKind::Alias(ty) if alias_has_form(ty) => {
                names.defined.insert(d.name.clone(), Defined::Value);
                continue;
            }
            DeclKind::Alias(_) => "RDL typedefs here are of integers, pointers, handles, enums, \
                                   structs, arrays, GUIDs and HRESULTs (windows-bindgen makes a \
                                   typedef of a float a newtype that cannot derive `Eq`); its \
                                   uses are spelled out"
                .to_string(),
            DeclKind::Interface(i) if i.base.is_none() && d.name == "IUnknown" => {
                format!("the RDL uses Win32 metadata's `{IUNKNOWN}`")
            }
            DeclKind::Interface(_) => {
                names.defined.insert(d.name.clone(), Defined::Interface);
                continue;
            }
            DeclKind::Skipped(reason) => format!("not generated: {reason}"),
            DeclKind::Literal(_) => {
                "RDL constants here are integers and GUIDs; floating-point and string \
                 constants are in the Rust bindings"
                    .to_string()
            }
            DeclKind::Const(_)
            | DeclKind::Class(_)
            | DeclKind::GuidConst(_)
            | DeclKind::CppQuote(_) => continue,
        };
        omitted.push(Omitted {
            name: d.name.clone(),
            span: d.span,
            reason,
        });
    }

    names.imported = typedef_names::imported_typedefs(api, &names);
    for name in names.imported.keys() {
        names.defined.insert(name.clone(), Defined::Value);
    }

    let mut out = String::new();
    let _ = writeln!(out, "// {}", opts.stamp.text());
    let _ = writeln!(
        out,
        "// RDL for windows-rdl: `{IUNKNOWN}` and the `Windows::Win32` string \
         types resolve against the default Windows metadata."
    );
    let _ = writeln!(out);
    let mut pad = String::new();
    for (n, part) in parts.iter().enumerate() {
        let attr = if n == 0 { "#[win32]\n" } else { "" };
        let _ = writeln!(out, "{attr}{pad}mod {} {{", ident(part));
        pad.push_str("    ");
    }
    if !names.imported.is_empty() {
        let _ = writeln!(
            out,
            "{pad}// Typedefs of imported files that parameters are declared with, kept by name"
        );
        for (name, target) in &names.imported {
            let _ = writeln!(out, "{pad}type {} = {target};", ident(name));
        }
        out.push('\n');
    }
    let mut seen = HashSet::new();
    let mut first = true;
    for d in &api.decls {
        if !first && !matches!(d.kind, DeclKind::CppQuote(_)) {
            out.push('\n');
        }
        first = false;
        if !d.name.is_empty() && !seen.insert(d.name.as_str()) {
            let _ = writeln!(out, "{pad}// `{}` is declared again here", d.name);
            continue;
        }
        if let Some(o) = omitted
            .iter()
            .find(|o| o.span == d.span && o.name == d.name)
        {
            let name = if d.name.is_empty() {
                "A declaration".to_string()
            } else {
                format!("`{}`", d.name)
            };
            let _ = writeln!(out, "{pad}// {name} is not here: {}", one_line(&o.reason));
            continue;
        }
        match &d.kind {
            DeclKind::Struct(s) => structure(&mut out, &names, &pad, &d.name, s),
            DeclKind::Enum(e) => enumeration(&mut out, &pad, &d.name, e),
            DeclKind::Handle => {
                let _ = writeln!(out, "{pad}type {} = *mut void;", ident(&d.name));
            }
            DeclKind::Alias(ty) => {
                let _ = writeln!(out, "{pad}type {} = {};", ident(&d.name), names.ty(ty));
            }
            DeclKind::Const(c) => constant(&mut out, &names, &pad, &d.name, c),
            DeclKind::Interface(i) => interfaces::interface(&mut out, &names, &pad, d, i),
            DeclKind::Class(c) => {
                let _ = writeln!(out, "{pad}// coclass `{}`: its CLSID", d.name);
                let _ = writeln!(
                    out,
                    "{pad}const {}: GUID = {};",
                    ident(&format!("CLSID_{}", d.name)),
                    guid_literal(&c.clsid)
                );
            }
            DeclKind::GuidConst(guid) => {
                let _ = writeln!(
                    out,
                    "{pad}const {}: GUID = {};",
                    ident(&d.name),
                    guid_literal(guid)
                );
            }
            DeclKind::Literal(_) => {}
            DeclKind::CppQuote(text) => {
                let text = one_line(text);
                let _ = writeln!(out, "{pad}// cpp_quote (C only): {text}");
            }
            DeclKind::Skipped(_) => {}
        }
    }
    for _ in &parts {
        pad.truncate(pad.len() - 4);
        let _ = writeln!(out, "{pad}}}");
    }
    Ok(Rdl { text: out, omitted })
}

/// Whether a typedef of `ty` can be an RDL `type`. windows-bindgen makes a typedef of a
/// primitive a newtype deriving `Eq`, so a float cannot be one; a typedef of a struct, a
/// pointer or an array is a Rust `type` alias. A typedef of an interface (its pointer is the
/// interface in RDL), of `void` or of a function pointer has no form: it is spelled out where
/// it is used.
pub(super) fn alias_has_form(ty: &Ty) -> bool {
    match ty.resolved() {
        Ty::Prim(p) => p.is_integer(),
        Ty::Guid | Ty::Hresult => true,
        Ty::Named { kind, .. } => matches!(
            kind,
            NamedKind::Handle | NamedKind::Enum | NamedKind::Struct
        ),
        Ty::Ptr { pointee, .. } => !has_interface(pointee),
        Ty::Array { element, .. } => !has_interface(element),
        Ty::Void | Ty::Interface(_) | Ty::FnPtr { .. } => false,
    }
}

/// Whether an interface is in `ty` (through pointers, arrays and typedefs).
fn has_interface(ty: &Ty) -> bool {
    match ty.resolved() {
        Ty::Interface(_) => true,
        Ty::Ptr { pointee, .. } => has_interface(pointee),
        Ty::Array { element, .. } => has_interface(element),
        _ => false,
    }
}

fn structure(out: &mut String, names: &Names, pad: &str, name: &str, s: &Struct) {
    if let Some(pack) = s.pack {
        let _ = writeln!(out, "{pad}#[packed({pack})]");
    }
    let keyword = if s.is_union { "union" } else { "struct" };
    let _ = writeln!(out, "{pad}{keyword} {} {{", ident(name));
    // Nameless members as `Anonymous`, bit fields as their storage units (`_bitfield`), as
    // windows-rs's metadata names them.
    for (f, field_name) in s.fields.iter().zip(s.rust_field_names()) {
        let _ = writeln!(out, "{pad}    {}: {},", ident(&field_name), names.ty(&f.ty));
    }
    let _ = writeln!(out, "{pad}}}");
}

fn enumeration(out: &mut String, pad: &str, name: &str, e: &Enum) {
    let _ = writeln!(out, "{pad}#[repr(i32)]");
    let _ = writeln!(out, "{pad}enum {} {{", ident(name));
    for v in &e.variants {
        let value = literal(v.value.into());
        let _ = writeln!(out, "{pad}    {} = {value},", ident(&v.name));
    }
    let _ = writeln!(out, "{pad}}}");
}

fn constant(out: &mut String, names: &Names, pad: &str, name: &str, c: &Const) {
    let ty = match c.ty.resolved() {
        Ty::Prim(p) => prim(*p).to_string(),
        other => names.ty(other),
    };
    let value = literal(c.value);
    let _ = writeln!(out, "{pad}const {}: {ty} = {value};", ident(name));
}

/// An integer literal, in decimal as windows-rdl's writer writes them (the IDL's hexadecimal
/// is not kept).
fn literal(value: i128) -> String {
    value.to_string()
}

/// A GUID as the `u128` literal of RDL's `#[guid(...)]` and GUID constants.
fn guid_literal(g: &Guid) -> String {
    let d = &g.data4;
    format!(
        "0x{:08x}_{:04x}_{:04x}_{:02x}{:02x}_{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        g.data1, g.data2, g.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
    )
}

/// Whether `s` is an ASCII identifier.
fn is_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests;
