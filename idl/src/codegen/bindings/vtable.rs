//! The `_Vtbl` struct of an interface, one field per slot, and its `Debug` impl.
//!
//! Both are written as text (see [`Parts`]), as prettyplease prints their tokens: a slot's
//! function type on one line when it fits within [`MARGIN`], else one parameter per line, and
//! the same for the `Debug` impl's chain of `.field(..)` calls. An interface with a line the
//! rule does not cover (a function pointer parameter, a name too long for the first line)
//! gets the tokens instead, which prettyplease prints.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::abi::{Decl, Interface, Method, Ty};
use super::super::parts::Parts;
use super::super::rust_text::{
    Call, chain, doc_lines, ident as ident_text, line, list, ty as ty_text,
};
use super::super::rust_tokens::*;
use super::methods::ret_ty;

/// The first field of a vtable: the base interface's slots.
struct Base {
    /// The base vtable's path.
    path: String,
    /// The field's documentation.
    doc: String,
}

/// Indentation of a field, and of a broken line inside a field.
const FIELD: &str = "    ";
const INNER: &str = "        ";

/// The vtable struct of interface `d` and its `Debug` impl; `unknown` tells whether the
/// interface derives from `IUnknown` (else its vtable has no `IUnknown` slots).
pub(super) fn vtable(d: &Decl, i: &Interface, unknown: bool) -> Parts {
    let (doc, base) = heading(d, i, unknown);
    Parts::text_or(text(d, i, &doc, base.as_ref()), || {
        vtable_tokens(d, i, &doc, base.as_ref())
    })
}

/// [`vtable`] as tokens.
fn vtable_tokens(d: &Decl, i: &Interface, doc: &str, base: Option<&Base>) -> TokenStream {
    let vtbl = format_ident!("{}_Vtbl", d.name);
    let doc = doc_attrs(doc);
    let base = base.map(|base| {
        let path: TokenStream = base.path.parse().expect("a path");
        let doc = doc_attrs(&base.doc);
        quote! { #doc pub base__: #path, }
    });
    let slots = i.methods.iter().map(|m| slot_field(d, m));
    let vtbl_name_str = format!("{}_Vtbl", d.name);
    let debug_slots = i.methods.iter().map(|m| {
        let mname = ident(&m.name);
        let mname_str = &m.name;
        quote!(.field(#mname_str, &self.#mname))
    });
    quote! {
        #doc
        #[repr(C)]
        pub struct #vtbl {
            #base
            #(#slots)*
        }

        impl core::fmt::Debug for #vtbl {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(#vtbl_name_str)
                    #(#debug_slots)*
                    .finish_non_exhaustive()
            }
        }
    }
}

/// The documentation of the vtable of interface `d` and its base field (see
/// [`vtable`]).
fn heading(d: &Decl, i: &Interface, unknown: bool) -> (String, Option<Base>) {
    let doc = if unknown {
        format!(
            "The vtable of [`{}`]: {} slots, the `IUnknown` ones included, in SDK order.",
            d.name,
            i.slot_count()
        )
    } else {
        format!(
            "The vtable of [`{}`]: {} slots in SDK order (no `IUnknown` slots).",
            d.name,
            i.slot_count()
        )
    };
    let last_slot = i.base_slots.saturating_sub(1);
    let base = match (unknown, i.base.as_deref()) {
        (true, Some("IUnknown") | None) => Some(Base {
            path: "windows_core::IUnknown_Vtbl".to_string(),
            doc: format!(
                "The `IUnknown` slots (0 to {last_slot}): `QueryInterface`, `AddRef`, `Release`."
            ),
        }),
        (_, Some(base)) => Some(Base {
            path: format!("{base}_Vtbl"),
            doc: format!("The slots of the base interface [`{base}`] (0 to {last_slot})."),
        }),
        (false, None) => None,
    };
    (doc, base)
}

/// The vtable field of method `m` of interface `d`, as tokens.
fn slot_field(d: &Decl, m: &Method) -> TokenStream {
    let mname = ident(&m.name);
    let doc = doc_attrs(&slot_doc(d, m));
    if m.unsupported.is_some() {
        return quote! {
            #doc
            pub #mname: *const c_void,
        };
    }
    let params = m.params.iter().map(|p| {
        let pname = ident(&p.name);
        let ty = rust_ty(&p.ty);
        quote!(#pname: #ty)
    });
    let ret = ret_ty(&m.ret);
    quote! {
        #doc
        pub #mname: unsafe extern "system" fn(this: *mut c_void, #(#params),*) #ret,
    }
}

/// The documentation of the vtable field of method `m` of interface `d`.
fn slot_doc(d: &Decl, m: &Method) -> String {
    match &m.unsupported {
        Some(reason) => format!(
            "Slot {}: `{}`, the address of the method as a placeholder: {reason}.",
            m.slot, m.name
        ),
        None => format!("Slot {}: [`{}::{}`].", m.slot, d.name, m.name),
    }
}

/// The vtable struct and its `Debug` impl as prettyplease prints their tokens, or `None` where
/// a line falls outside the rules this follows.
fn text(d: &Decl, i: &Interface, doc: &str, base: Option<&Base>) -> Option<String> {
    let vtbl = format!("{}_Vtbl", d.name);
    if base.is_none() && i.methods.is_empty() {
        // `pub struct X_Vtbl {}`: printed on one line.
        return None;
    }
    let mut out = String::with_capacity(256 + 160 * i.methods.len());
    doc_lines(&mut out, "", doc);
    out.push_str("#[repr(C)]\n");
    line(&mut out, "", &format!("pub struct {vtbl} {{"))?;
    if let Some(base) = base {
        doc_lines(&mut out, FIELD, &base.doc);
        line(&mut out, FIELD, &format!("pub base__: {},", base.path))?;
    }
    for m in &i.methods {
        doc_lines(&mut out, FIELD, &slot_doc(d, m));
        slot_text(&mut out, m)?;
    }
    out.push_str("}\n");

    line(
        &mut out,
        "",
        &format!("impl core::fmt::Debug for {vtbl} {{"),
    )?;
    out.push_str("    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n");
    let mut calls = vec![Call::new("f.debug_struct", vec![format!("\"{vtbl}\"")])];
    for m in &i.methods {
        let mut value = String::from("&self.");
        ident_text(&mut value, &m.name);
        calls.push(Call::new(".field", vec![format!("\"{}\"", m.name), value]));
    }
    calls.push(Call::new(".finish_non_exhaustive", vec![]));
    chain(&mut out, INNER, &calls)?;
    out.push_str("    }\n}\n");
    Some(out)
}

/// Appends the field of a slot: its function type on one line when it fits, else one
/// parameter per line (an unsupported slot: the address placeholder).
fn slot_text(out: &mut String, m: &Method) -> Option<()> {
    let mut head = String::from("pub ");
    ident_text(&mut head, &m.name);
    if m.unsupported.is_some() {
        head.push_str(": *const c_void,");
        return line(out, FIELD, &head);
    }
    head.push_str(": unsafe extern \"system\" fn(");
    let mut params = vec!["this: *mut c_void".to_string()];
    for p in &m.params {
        let mut param = String::new();
        ident_text(&mut param, &p.name);
        param.push_str(": ");
        ty_text(&mut param, &p.ty)?;
        params.push(param);
    }
    let mut ret = String::new();
    if m.ret != Ty::Void {
        ret.push_str(" -> ");
        ty_text(&mut ret, &m.ret)?;
    }
    let params: Vec<&str> = params.iter().map(String::as_str).collect();
    list(
        out,
        FIELD,
        &head,
        &params,
        &format!("){ret},"),
        INNER,
        FIELD,
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::api_for;
    use super::*;
    use crate::codegen::abi::DeclKind;

    #[test]
    fn a_vtable_as_text_reads_as_prettyplease_prints_its_tokens() {
        let long = "AMethodNameSoLongThatTheFieldCannotStartOnOneLineOfEightyNine";
        let api = api_for(&format!(
            "import \"unknwn.idl\";\n\
             [object, local, uuid(11111111-2222-3333-4444-555555555555)]\n\
             interface IShort : IUnknown {{ HRESULT A([in] LONG x); }}\n\
             [object, local, uuid(11111111-2222-3333-4444-555555555556)]\n\
             interface IDerivedWithLongerNames : IShort {{\n\
                 HRESULT SetTheWindowPosition([in] LONG horizontal, [in] LONG vertical);\n\
                 HRESULT GetTheName([out] LPWSTR *name, [in] const GUID *id, [in] BYTE b[4]);\n\
                 void Nothing();\n\
                 ULONG Count();\n\
                 HRESULT type([in] LONG in);\n\
             }}\n\
             [object, local, uuid(11111111-2222-3333-4444-555555555557)]\n\
             interface ILong : IUnknown {{ HRESULT {long}(); }}\n\
             [object, local, uuid(11111111-2222-3333-4444-555555555558)]\n\
             interface INoUnknown {{ void F([in] LONG x); }}\n\
             [object, local, uuid(11111111-2222-3333-4444-555555555559)]\n\
             interface INoUnknown2 : INoUnknown {{ }}\n"
        ));
        let mut as_text = Vec::new();
        for d in &api.decls {
            let DeclKind::Interface(i) = &d.kind else {
                continue;
            };
            if d.name == "IUnknown" {
                continue;
            }
            let unknown = i.ancestors.last().map(String::as_str) == Some("IUnknown");
            let (doc, base) = heading(d, i, unknown);
            let tokens = vtable_tokens(d, i, &doc, base.as_ref());
            let printed = prettyplease::unparse(&syn::parse2(tokens).expect("parses"));
            if let Some(text) = text(d, i, &doc, base.as_ref()) {
                assert_eq!(text, printed, "{}", d.name);
                as_text.push(d.name.as_str());
            }
        }
        // ILong's field is too wide for the rules: its tokens are printed instead.
        assert_eq!(
            as_text,
            [
                "IShort",
                "IDerivedWithLongerNames",
                "INoUnknown",
                "INoUnknown2"
            ]
        );
    }
}
