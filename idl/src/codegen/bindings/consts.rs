//! Enumerations (a `#[repr(transparent)]` struct and one constant per value) and integer
//! constants, written as text (see [`Parts`]) as prettyplease prints their tokens: a constant
//! on one line when it fits within [`MARGIN`], an enumeration's value else on a line of its
//! own. The tokens stay where a line falls outside these rules.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::super::abi::{Const, Decl, Enum};
use super::super::parts::Parts;
use super::super::rust_text::{MARGIN, doc_lines, ident as ident_text, line, ty as ty_text};
use super::super::rust_tokens::*;
use crate::model::Guid;

/// The enumeration `d` (see the module's documentation); `doc` is its documentation.
pub(super) fn enumeration(d: &Decl, e: &Enum, doc: &str) -> Parts {
    Parts::text_or(enumeration_text(d, e, doc), || {
        enumeration_tokens(&ident(&d.name), e, &doc_attrs(doc))
    })
}

/// The integer constant `d` of a type other than `HRESULT`, as text, or `None` when its line
/// does not fit (its tokens say it).
pub(super) fn int_const(d: &Decl, c: &Const, doc: &str) -> Option<String> {
    let mut out = String::new();
    doc_lines(&mut out, "", doc);
    let mut item = String::from("pub const ");
    ident_text(&mut item, &d.name);
    item.push_str(": ");
    ty_text(&mut item, &c.ty)?;
    item.push_str(" = ");
    item.push_str(&int_text(c.value, c.hex));
    item.push(';');
    line(&mut out, "", &item)?;
    Some(out)
}

/// A `GUID` constant `name` documented by `doc`, as text: its one-line form never fits, and
/// its first line has nowhere to break.
pub(super) fn guid(name: &str, doc: &str, guid: &Guid) -> Parts {
    let mut out = String::with_capacity(256);
    guid_text(&mut out, name, doc, guid);
    let mut parts = Parts::default();
    parts.text(out);
    parts
}

/// Appends the text of [`guid`].
pub(super) fn guid_text(out: &mut String, name: &str, doc: &str, guid: &Guid) {
    doc_lines(out, "", doc);
    out.push_str("pub const ");
    out.push_str(name);
    out.push_str(": windows_core::GUID = windows_core::GUID::from_u128(\n    ");
    out.push_str(&guid_u128(guid));
    out.push_str(",\n);\n");
}

/// The text of [`int_lit`].
fn int_text(value: i128, hex: bool) -> String {
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{}", int_magnitude(value, hex))
}

fn enumeration_text(d: &Decl, e: &Enum, doc: &str) -> Option<String> {
    let mut name = String::new();
    ident_text(&mut name, &d.name);
    let mut out = String::with_capacity(256 + 96 * e.variants.len());
    doc_lines(&mut out, "", doc);
    out.push_str("#[repr(transparent)]\n");
    out.push_str("#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]\n");
    line(&mut out, "", &format!("pub struct {name}(pub i32);"))?;
    for v in &e.variants {
        doc_lines(&mut out, "", &v.doc);
        let mut head = String::from("pub const ");
        ident_text(&mut head, &v.name);
        head.push_str(&format!(": {name} = {name}("));
        let value = int_text(v.value.into(), v.hex);
        if head.len() + value.len() + 2 <= MARGIN {
            out.push_str(&head);
            out.push_str(&value);
            out.push_str(");\n");
        } else {
            // The first line has nowhere to break: it may be wider than the margin.
            out.push_str(&head);
            out.push('\n');
            line(&mut out, "    ", &format!("{value},"))?;
            out.push_str(");\n");
        }
    }
    Some(out)
}

/// The enumeration as tokens.
fn enumeration_tokens(name: &Ident, e: &Enum, doc: &TokenStream) -> TokenStream {
    let consts = e.variants.iter().map(|v| {
        let vdoc = doc_attrs(&v.doc);
        let vname = ident(&v.name);
        let value = int_lit(v.value.into(), v.hex);
        quote! {
            #vdoc
            pub const #vname: #name = #name(#value);
        }
    });
    quote! {
        #doc
        #[repr(transparent)]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct #name(pub i32);

        #(#consts)*
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{api_for, assert_finishes_as_tokens};
    use super::*;
    use crate::codegen::abi::{DeclKind, Ty};

    #[test]
    fn enumerations_and_constants_as_text_finish_as_their_tokens_do() {
        let api = api_for(
            "import \"unknwn.idl\";\n\
             typedef enum tagSHORT { SHORT_A = 0, SHORT_B = -1, SHORT_C = 0x7fff } SHORT_E;\n\
             typedef enum tagA_RATHER_LONG_ENUMERATION_NAME {\n\
                 A_RATHER_LONG_ENUMERATION_NAME_WITH_A_LONG_VALUE_NAME = 0x40000000,\n\
                 A_RATHER_LONG_ENUMERATION_NAME_SHORT = 1\n\
             } A_RATHER_LONG_ENUMERATION_NAME;\n\
             const DWORD SMALL = 10;\n\
             const LONG NEGATIVE = -0x20;\n\
             const unsigned short type = 3;\n",
        );
        let mut checked = 0;
        for d in &api.decls {
            let (text, tokens) = match &d.kind {
                DeclKind::Enum(e) => (
                    enumeration_text(d, e, &d.doc),
                    enumeration_tokens(&ident(&d.name), e, &doc_attrs(&d.doc)),
                ),
                DeclKind::Const(c) if c.ty.resolved() != &Ty::Hresult => {
                    let (name, ty, value) =
                        (ident(&d.name), rust_ty(&c.ty), int_lit(c.value, c.hex));
                    let doc = doc_attrs(&d.doc);
                    (
                        int_const(d, c, &d.doc),
                        quote!(#doc pub const #name: #ty = #value;),
                    )
                }
                _ => continue,
            };
            assert_finishes_as_tokens(text.expect("fits the rules"), tokens, &d.name);
            checked += 1;
        }
        assert_eq!(checked, 5);
    }
}
