//! Small token builders shared by the Rust generators: identifiers, literals, GUIDs, types and
//! documentation attributes.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use super::abi::{Prim, Ty};
use crate::model::Guid;

// ----- helpers for tokens ----------------------------------------------------------------

/// The documentation `doc` as one `#[doc = "..."]` attribute, each non-empty line after a
/// space, as `///` lines give.
///
/// One attribute for all the lines, not one per line, because the attribute is most of what
/// syn and prettyplease read and print in a generated file (a fifth of its text is
/// documentation): prettyplease prints it as a `/** ... */` block, which
/// [`finish`](super::finish::finish) turns back into `///` lines. A text that would end or
/// nest such a block (`*/`, `/*`) gets one attribute per line instead, which prettyplease
/// prints as `///` lines itself.
pub(crate) fn doc_attrs(doc: &str) -> TokenStream {
    if !doc.contains("*/") && !doc.contains("/*") {
        let mut text = String::with_capacity(doc.len() + 8);
        for (n, line) in doc.lines().enumerate() {
            if n > 0 {
                text.push('\n');
            }
            if !line.is_empty() {
                text.push(' ');
                text.push_str(line);
            }
        }
        return if doc.lines().next().is_none() {
            TokenStream::new()
        } else {
            quote! { #[doc = #text] }
        };
    }
    let mut out = TokenStream::new();
    for line in doc.lines() {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        out.extend(quote! { #[doc = #line] });
    }
    out
}

/// `#![doc = " line"]` attributes.
pub(crate) fn doc_attrs_inner(doc: &str) -> TokenStream {
    let mut out = TokenStream::new();
    for line in doc.lines() {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        out.extend(quote! { #![doc = #line] });
    }
    out
}

/// A `// ...` comment marker for a place where something is left out (see
/// [`finish`](super::finish::finish)); quotes and backslashes in `text` are replaced.
pub(crate) fn note(text: &str) -> TokenStream {
    let text = text.replace('"', "'").replace('\\', "/");
    quote! { note_comment__!(#text); }
}

/// A `// SAFETY:` comment marker (see [`finish`]).
pub(crate) fn safety(text: &str) -> TokenStream {
    debug_assert!(!text.contains('"') && !text.contains('\\'));
    quote! { safety_comment__!(#text); }
}

/// An identifier, raw when it is a Rust keyword.
pub(crate) fn ident(name: &str) -> Ident {
    if is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// Whether `name` is a Rust keyword that a raw identifier (`r#name`) can spell.
pub(crate) fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else",
        "enum", "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match",
        "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "try",
        "type", "unsafe", "use", "where", "while", "yield", "abstract", "become", "do", "final",
        "macro", "override", "priv", "typeof", "unsized", "virtual",
    ];
    KEYWORDS.contains(&name)
}

/// An integer literal, hexadecimal when `hex` and at least 10; negative values as `-n`.
pub(crate) fn int_lit(value: i128, hex: bool) -> TokenStream {
    let lit: Literal = int_magnitude(value, hex)
        .parse()
        .expect("an integer literal");
    if value < 0 {
        quote! { -#lit }
    } else {
        quote! { #lit }
    }
}

/// The digits of [`int_lit`]'s literal: the magnitude of `value`, in hexadecimal when `hex`
/// and at least 10.
pub(crate) fn int_magnitude(value: i128, hex: bool) -> String {
    let magnitude = value.unsigned_abs();
    if hex && magnitude >= 10 {
        format!("{magnitude:#x}")
    } else {
        magnitude.to_string()
    }
}

/// `windows_core::GUID::from_u128(0x...)`.
pub(crate) fn guid_expr(g: &Guid) -> TokenStream {
    let lit: Literal = guid_u128(g).parse().expect("a GUID literal");
    quote! { windows_core::GUID::from_u128(#lit) }
}

/// The `u128` literal of a GUID, grouped as its text form: `0x00000000_0000_0000_c000_...`.
pub(crate) fn guid_u128(g: &Guid) -> String {
    let d = &g.data4;
    format!(
        "0x{:08x}_{:04x}_{:04x}_{:02x}{:02x}_{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        g.data1, g.data2, g.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
    )
}

/// The Rust path of a primitive.
pub(crate) fn prim_ty(p: Prim) -> TokenStream {
    let name = Ident::new(prim_name(p), Span::call_site());
    quote!(#name)
}

/// The Rust name of a primitive.
pub(crate) fn prim_name(p: Prim) -> &'static str {
    match p {
        Prim::Char | Prim::I8 => "i8",
        Prim::U8 => "u8",
        Prim::I16 => "i16",
        Prim::U16 | Prim::WChar => "u16",
        Prim::I32 => "i32",
        Prim::U32 => "u32",
        Prim::I64 => "i64",
        Prim::U64 => "u64",
        Prim::ISize => "isize",
        Prim::USize => "usize",
        Prim::F32 => "f32",
        Prim::F64 => "f64",
    }
}

/// The Rust ABI type of a resolved type (interfaces behind pointers are `c_void`).
pub(crate) fn rust_ty(ty: &Ty) -> TokenStream {
    match ty {
        Ty::Void => quote!(c_void),
        Ty::Prim(p) => prim_ty(*p),
        Ty::Guid => quote!(windows_core::GUID),
        Ty::Hresult => quote!(windows_core::HRESULT),
        Ty::Interface(_) => quote!(c_void),
        Ty::Named { name, .. } => {
            let id = ident(name);
            quote!(#id)
        }
        Ty::Ptr { pointee, is_const } => {
            let inner = rust_ty(pointee);
            if *is_const && !pointee.is_interface() {
                quote!(*const #inner)
            } else {
                quote!(*mut #inner)
            }
        }
        Ty::FnPtr { ret, params } => {
            let params = params.iter().map(rust_ty);
            let ret = match ret.resolved() {
                Ty::Void => quote!(),
                _ => {
                    let r = rust_ty(ret);
                    quote!(-> #r)
                }
            };
            quote!(Option<unsafe extern "system" fn(#(#params),*) #ret>)
        }
        Ty::Array { element, len } => {
            let inner = rust_ty(element);
            let len = Literal::usize_unsuffixed(usize::try_from(*len).unwrap_or(usize::MAX));
            quote!([#inner; #len])
        }
    }
}

/// Whether the ABI form of a pointer type is `*const` (so callers pass `*const`).
pub(crate) fn abi_is_const_ptr(ty: &Ty) -> bool {
    matches!(ty.resolved(), Ty::Ptr { pointee, is_const: true } if !pointee.is_interface())
}

/// The zero value of a type: for out-parameter locals, `Default`, and what a shim returns
/// when the method cannot run.
pub(crate) fn zero(ty: &Ty) -> TokenStream {
    match ty.resolved() {
        Ty::Ptr { .. } if abi_is_const_ptr(ty) => quote!(core::ptr::null()),
        Ty::Ptr { .. } => quote!(core::ptr::null_mut()),
        Ty::Prim(Prim::F32 | Prim::F64) => quote!(0.0),
        Ty::Prim(_) => quote!(0),
        Ty::Void => quote!(()),
        Ty::FnPtr { .. } => quote!(None),
        Ty::Array { element, len } => {
            let z = zero(element);
            let len = Literal::usize_unsuffixed(usize::try_from(*len).unwrap_or(usize::MAX));
            quote!([#z; #len])
        }
        _ => quote!(Default::default()),
    }
}
