//! Handles (`#[repr(transparent)]` pointer-sized newtypes, null by default) and type aliases,
//! written as text (see [`Parts`]) as prettyplease prints their tokens; an alias whose line
//! does not fit within the margin (or whose type has no text) keeps its tokens.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::abi::Ty;
use super::super::parts::Parts;
use super::super::rust_text::{doc_lines, ident as ident_text, line, ty as ty_text};
use super::super::rust_tokens::{doc_attrs, ident, rust_ty};
use super::method_text::ident_string;

/// The handle `name` documented by `doc`.
pub(super) fn handle(name: &str, doc: &str) -> Parts {
    Parts::text_or(handle_text(name, doc), || handle_tokens(name, doc))
}

/// The handle as prettyplease prints its tokens, or `None` when a line is too wide.
fn handle_text(name: &str, doc: &str) -> Option<String> {
    let name = ident_string(name);
    let mut out = String::with_capacity(512);
    doc_lines(&mut out, "", doc);
    out.push_str("#[repr(transparent)]\n");
    out.push_str("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\n");
    line(
        &mut out,
        "",
        &format!("pub struct {name}(pub *mut c_void);"),
    )?;
    line(&mut out, "", &format!("impl Default for {name} {{"))?;
    out.push_str("    fn default() -> Self {\n        Self(core::ptr::null_mut())\n    }\n}\n");
    line(&mut out, "", &format!("impl {name} {{"))?;
    out.push_str(
        "    /// Whether the handle is null.\n    pub fn is_null(&self) -> bool {\n        \
         self.0.is_null()\n    }\n}\n",
    );
    Some(out)
}

fn handle_tokens(name: &str, doc: &str) -> TokenStream {
    let name = ident(name);
    let doc = doc_attrs(doc);
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
    Parts::text_or(alias_text(name, doc, ty), || alias_tokens(name, doc, ty))
}

/// The alias as prettyplease prints its tokens, or `None` when its type has no text or its
/// line is too wide.
fn alias_text(name: &str, doc: &str, ty: &Ty) -> Option<String> {
    let mut item = String::from("pub type ");
    ident_text(&mut item, name);
    item.push_str(" = ");
    ty_text(&mut item, ty)?;
    item.push(';');
    let mut out = String::new();
    doc_lines(&mut out, "", doc);
    line(&mut out, "", &item)?;
    Some(out)
}

fn alias_tokens(name: &str, doc: &str, ty: &Ty) -> TokenStream {
    let (doc, name, ty) = (doc_attrs(doc), ident(name), rust_ty(ty));
    quote! {
        #doc
        pub type #name = #ty;
    }
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

        for (name, ty) in [("LPCRECT", &ptr), ("type", &Ty::Prim(Prim::U32))] {
            let parts = alias(name, "An alias.", ty);
            assert!(matches!(
                parts.into_vec().as_slice(),
                [crate::codegen::parts::Part::Text(_)]
            ));
            assert_eq!(
                text(alias(name, "An alias.", ty)),
                text(alias_tokens(name, "An alias.", ty).into())
            );
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
