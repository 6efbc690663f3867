//! Structs and unions: `#[repr(C)]` (`packed(N)` under a packing pragma) with the Windows x64
//! layout, fields named as in C (nameless members as `Anonymous`, see
//! [`Struct::rust_field_names`]).
//!
//! Every field type is plain data (integers, floats, pointers, handles, enums, GUIDs and
//! arrays or aggregates of them), so every generated aggregate is `Clone + Copy`, and all-zero
//! bytes are a valid value of each. A struct derives `PartialEq` (and `Eq` without floats)
//! unless it holds a union, whose valid member only the program knows; for the same reason a
//! union's `Debug` shows no members.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::super::abi::{Api, Decl, DeclKind, NamedKind, Prim, Struct, Ty};
use super::super::rust_tokens::*;
use super::Emitter;

/// What a field type holds, through arrays and nested aggregates.
#[derive(Default)]
struct Holds {
    float: bool,
    /// A union or a function pointer: no meaningful `==` (rustc warns on comparing function
    /// pointers, whose addresses are not unique).
    no_eq: bool,
}

fn holds(api: &Api, ty: &Ty, out: &mut Holds) {
    match ty.resolved() {
        Ty::Prim(Prim::F32 | Prim::F64) => out.float = true,
        Ty::FnPtr { .. } => out.no_eq = true,
        Ty::Array { element, .. } => holds(api, element, out),
        Ty::Named {
            name,
            kind: NamedKind::Struct,
        } => {
            if let Some(DeclKind::Struct(s)) = api.find(name).map(|d| &d.kind) {
                out.no_eq |= s.is_union;
                for f in &s.fields {
                    holds(api, &f.ty, out);
                }
            }
        }
        _ => {}
    }
}

/// Whether `#[derive(Default)]` works for a field type (arrays implement `Default` up to 32
/// elements; raw pointers not at all).
fn derives_default(ty: &Ty) -> bool {
    match ty.resolved() {
        Ty::Ptr { .. } | Ty::Void | Ty::Interface(_) => false,
        Ty::Array { element, len } => *len <= 32 && derives_default(element),
        _ => true,
    }
}

pub(super) fn is_wide_text(ty: &Ty) -> bool {
    matches!(ty.resolved(), Ty::Array { element, .. } if matches!(element.resolved(), Ty::Prim(Prim::WChar)))
}

fn repr(s: &Struct) -> TokenStream {
    match s.pack {
        Some(n) => {
            let n = Literal::u32_unsuffixed(n);
            quote!(#[repr(C, packed(#n))])
        }
        None => quote!(#[repr(C)]),
    }
}

impl Emitter<'_> {
    pub(super) fn aggregate(&mut self, d: &Decl, s: &Struct, doc: &TokenStream) -> TokenStream {
        if s.is_union {
            union(d, s, doc)
        } else {
            self.structure(d, s, doc)
        }
    }

    fn structure(&mut self, d: &Decl, s: &Struct, doc: &TokenStream) -> TokenStream {
        let name = ident(&d.name);
        let name_str = &d.name;
        let names = s.rust_field_names();
        let fields = s.fields.iter().zip(&names).map(|(f, n)| {
            let fdoc = doc_attrs(&f.doc);
            let fname = ident(n);
            let ty = rust_ty(&f.ty);
            quote! { #fdoc pub #fname: #ty, }
        });
        let defaults = s.fields.iter().zip(&names).map(|(f, n)| {
            let fname = ident(n);
            let z = zero(&f.ty);
            quote! { #fname: #z, }
        });
        let mut held = Holds::default();
        for f in &s.fields {
            holds(self.api, &f.ty, &mut held);
        }
        let eq = match (held.no_eq, held.float) {
            (true, _) => quote!(),
            (false, true) => quote!(PartialEq,),
            (false, false) => quote!(PartialEq, Eq,),
        };
        let debug_fields = s.fields.iter().zip(&names).map(|(f, n)| {
            let fname = ident(n);
            // The fields of a packed struct may be misaligned: they are copied out, never
            // borrowed.
            let value = if s.pack.is_some() {
                quote!({ self.#fname })
            } else {
                quote!(self.#fname)
            };
            if is_wide_text(&f.ty) {
                quote! { .field(#n, &WideText__(&#value)) }
            } else {
                quote! { .field(#n, &#value) }
            }
        });
        let repr = repr(s);
        if s.fields.iter().any(|f| is_wide_text(&f.ty)) {
            self.wide_text = true;
        }
        let (derive_default, default_impl) = if s.fields.iter().all(|f| derives_default(&f.ty)) {
            (quote!(Default,), quote!())
        } else {
            (
                quote!(),
                quote! {
                    impl Default for #name {
                        fn default() -> Self {
                            Self { #(#defaults)* }
                        }
                    }
                },
            )
        };
        quote! {
            #doc
            #repr
            #[derive(Clone, Copy, #eq #derive_default)]
            pub struct #name {
                #(#fields)*
            }

            #default_impl

            impl core::fmt::Debug for #name {
                fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.debug_struct(#name_str)
                        #(#debug_fields)*
                        .finish()
                }
            }
        }
    }
}

fn union(d: &Decl, s: &Struct, doc: &TokenStream) -> TokenStream {
    let name = ident(&d.name);
    let shown = format!("{} {{ .. }}", d.name);
    let fields = s.fields.iter().zip(s.rust_field_names()).map(|(f, n)| {
        let fdoc = doc_attrs(&f.doc);
        let fname = ident(&n);
        let ty = rust_ty(&f.ty);
        quote! { #fdoc pub #fname: #ty, }
    });
    let repr = repr(s);
    let safety = safety(&format!(
        "every member of `{}` is plain data (integers, floats, raw pointers, handles, enums, \
         GUIDs, or arrays and aggregates of them), for which all-zero bytes are a valid value",
        d.name
    ));
    quote! {
        #doc
        #repr
        #[derive(Clone, Copy)]
        pub union #name {
            #(#fields)*
        }

        impl Default for #name {
            /// All-zero bytes, as C's `= {0}` gives.
            fn default() -> Self {
                #safety
                unsafe { core::mem::zeroed() }
            }
        }

        impl core::fmt::Debug for #name {
            /// Only the program knows which member is valid: none is shown.
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(#shown)
            }
        }
    }
}
