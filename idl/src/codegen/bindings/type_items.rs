//! Handles (`#[repr(transparent)]` pointer-sized newtypes, null by default) and type aliases,
//! written as text (see [`Parts`]) as prettyplease prints their tokens; an alias whose line
//! does not fit within the margin (or whose type has no text) keeps its tokens.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::abi::Ty;
use super::super::parts::Parts;
use super::super::rust_text::{doc_lines, ident as ident_text, line, ty as ty_text};
use super::super::rust_tokens::{ident, rust_ty};
use super::method_text::ident_string;

/// The handle `name` documented by `doc`.
pub(super) fn handle(decl_name: &str, doc: &str) -> Parts {
    let name = ident_string(decl_name);
    let mut out = String::with_capacity(512);
    doc_lines(&mut out, "", doc);
    out.push_str("#[repr(transparent)]\n");
    out.push_str("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\n");
    let mut parts = Parts::default();
    let lines = [
        format!("pub struct {name}(pub *mut c_void);"),
        format!("impl Default for {name} {{"),
        format!("impl {name} {{"),
    ];
    if lines
        .iter()
        .any(|l| line(&mut String::new(), "", l).is_none())
    {
        parts.tokens(handle_tokens(decl_name, doc));
        return parts;
    }
    out.push_str(&lines[0]);
    out.push('\n');
    out.push_str(&lines[1]);
    out.push_str("\n    fn default() -> Self {\n        Self(core::ptr::null_mut())\n    }\n}\n");
    out.push_str(&lines[2]);
    out.push_str(
        "\n    /// Whether the handle is null.\n    pub fn is_null(&self) -> bool {\n        \
         self.0.is_null()\n    }\n}\n",
    );
    parts.text(out);
    parts
}

fn handle_tokens(name: &str, doc: &str) -> TokenStream {
    let name = ident(name);
    let doc = super::super::rust_tokens::doc_attrs(doc);
    quote! {
        #doc
        #[repr(transparent)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct #name(pub *mut c_void);

        impl Default for #name {
            fn default() -> Self {
                Self(core::ptr::null_mut())
            }
        }

        impl #name {
            /// Whether the handle is null.
            pub fn is_null(&self) -> bool {
                self.0.is_null()
            }
        }
    }
}

/// The alias `name` of `ty`, documented by `doc`.
pub(super) fn alias(name: &str, doc: &str, ty: &Ty) -> Parts {
    let mut parts = Parts::default();
    let mut item = String::from("pub type ");
    ident_text(&mut item, name);
    item.push_str(" = ");
    let mut out = String::new();
    doc_lines(&mut out, "", doc);
    let text = ty_text(&mut item, ty).and_then(|()| {
        item.push(';');
        line(&mut out, "", &item)
    });
    match text {
        Some(()) => parts.text(out),
        None => {
            let (doc, name, ty) = (
                super::super::rust_tokens::doc_attrs(doc),
                ident(name),
                rust_ty(ty),
            );
            parts.tokens(quote! {
                #doc
                pub type #name = #ty;
            });
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::abi::{NamedKind, Prim};
    use crate::codegen::finish::finish;
    use crate::codegen::options::Stamp;

    #[test]
    fn handles_and_aliases_as_text_finish_as_their_tokens_do() {
        let stamp = Stamp::new("test", "test.idl");
        let text = |parts: Parts| finish(parts, &stamp).unwrap();
        let doc = "A handle.\n\nWith two paragraphs.";
        assert_eq!(
            text(handle("HWND", doc)),
            text(handle_tokens("HWND", doc).into())
        );
        let ptr = Ty::Ptr {
            pointee: Box::new(Ty::Named {
                name: "RECT".to_string(),
                kind: NamedKind::Struct,
            }),
            is_const: true,
        };
        let alias_tokens = |name: &str, ty: &Ty| {
            let (doc, name, ty) = (
                crate::codegen::rust_tokens::doc_attrs("An alias."),
                ident(name),
                rust_ty(ty),
            );
            text(quote!(#doc pub type #name = #ty;).into())
        };
        for (name, ty) in [("LPCRECT", &ptr), ("type", &Ty::Prim(Prim::U32))] {
            let parts = alias(name, "An alias.", ty);
            assert!(matches!(
                parts.into_vec().as_slice(),
                [crate::codegen::parts::Part::Text(_)]
            ));
            assert_eq!(text(alias(name, "An alias.", ty)), alias_tokens(name, ty));
        }
        let f = Ty::FnPtr {
            ret: Box::new(Ty::Void),
            params: vec![Ty::Prim(Prim::I32)],
        };
        assert!(matches!(
            alias("CALLBACK", "An alias.", &f).into_vec().as_slice(),
            [crate::codegen::parts::Part::Tokens(_)]
        ));
    }
}
