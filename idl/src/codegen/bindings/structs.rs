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
use super::super::parts::Parts;
use super::super::rust_text::{
    Call, MARGIN, chain, doc_lines, ident as ident_text, line, safety_marker, ty as ty_text,
    zero as zero_text,
};
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
    /// The struct or union `d` with its impls; `doc` is its documentation.
    pub(super) fn aggregate(&mut self, d: &Decl, s: &Struct, doc: &str) -> Parts {
        if s.is_union {
            return Parts::text_or(union_text(d, s, doc), || union(d, s, &doc_attrs(doc)));
        }
        if s.fields.iter().any(|f| is_wide_text(&f.ty)) {
            self.wide_text = true;
        }
        let plan = Plan::of(self.api, s);
        Parts::text_or(structure_text(d, s, doc, &plan), || {
            structure(d, s, &doc_attrs(doc), &plan)
        })
    }
}

/// What a struct's items depend on besides its fields.
struct Plan {
    /// The derives after `Clone, Copy`; without `Default`, `Default` is implemented with
    /// zeros.
    derives: Vec<&'static str>,
}

impl Plan {
    fn of(api: &Api, s: &Struct) -> Plan {
        let mut held = Holds::default();
        for f in &s.fields {
            holds(api, &f.ty, &mut held);
        }
        let mut derives = match (held.no_eq, held.float) {
            (true, _) => vec![],
            (false, true) => vec!["PartialEq"],
            (false, false) => vec!["PartialEq", "Eq"],
        };
        if s.fields.iter().all(|f| derives_default(&f.ty)) {
            derives.push("Default");
        }
        Plan { derives }
    }

    /// Whether `Default` is derived.
    fn derive_default(&self) -> bool {
        self.derives.contains(&"Default")
    }
}

/// The widest struct literal prettyplease keeps on one line, its closing brace left out.
const SHORT_STRUCT_LITERAL: usize = 34;

/// The struct as prettyplease prints its tokens, or `None` where a line falls outside the
/// rules this follows.
fn structure_text(d: &Decl, s: &Struct, doc: &str, plan: &Plan) -> Option<String> {
    if s.fields.is_empty() {
        return None;
    }
    let mut name = String::new();
    ident_text(&mut name, &d.name);
    let names = s.rust_field_names();
    let mut out = String::with_capacity(512 + 160 * s.fields.len());
    doc_lines(&mut out, "", doc);
    match s.pack {
        Some(n) => out.push_str(&format!("#[repr(C, packed({n}))]\n")),
        None => out.push_str("#[repr(C)]\n"),
    }
    let mut derives = vec!["Clone", "Copy"];
    derives.extend(&plan.derives);
    line(&mut out, "", &format!("#[derive({})]", derives.join(", ")))?;
    line(&mut out, "", &format!("pub struct {name} {{"))?;
    for (f, n) in s.fields.iter().zip(&names) {
        doc_lines(&mut out, "    ", &f.doc);
        let mut field = String::from("pub ");
        ident_text(&mut field, n);
        field.push_str(": ");
        ty_text(&mut field, &f.ty)?;
        field.push(',');
        line(&mut out, "    ", &field)?;
    }
    out.push_str("}\n");

    if !plan.derive_default() {
        line(&mut out, "", &format!("impl Default for {name} {{"))?;
        out.push_str("    fn default() -> Self {\n");
        let mut fields = Vec::with_capacity(s.fields.len());
        for (f, n) in s.fields.iter().zip(&names) {
            let mut field = String::new();
            ident_text(&mut field, n);
            field.push_str(": ");
            field.push_str(&zero_text(&f.ty)?);
            fields.push(field);
        }
        // prettyplease keeps a struct literal on one line only when it is short: up to 34
        // columns before its closing brace.
        let flat = format!("Self {{ {} }}", fields.join(", "));
        if flat.len() <= SHORT_STRUCT_LITERAL + 1 && 8 + flat.len() <= MARGIN {
            line(&mut out, "        ", &flat)?;
        } else {
            out.push_str("        Self {\n");
            for field in &fields {
                line(&mut out, "            ", &format!("{field},"))?;
            }
            out.push_str("        }\n");
        }
        out.push_str("    }\n}\n");
    }

    line(
        &mut out,
        "",
        &format!("impl core::fmt::Debug for {name} {{"),
    )?;
    out.push_str("    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n");
    let mut calls = vec![Call::new("f.debug_struct", vec![format!("\"{}\"", d.name)])];
    for (f, n) in s.fields.iter().zip(&names) {
        let mut value = String::new();
        ident_text(&mut value, n);
        // The fields of a packed struct may be misaligned: they are copied out, never
        // borrowed.
        let value = if s.pack.is_some() {
            format!("{{ self.{value} }}")
        } else {
            format!("self.{value}")
        };
        let value = if is_wide_text(&f.ty) {
            format!("&WideText__(&{value})")
        } else {
            format!("&{value}")
        };
        calls.push(Call::new(".field", vec![format!("\"{n}\""), value]));
    }
    calls.push(Call::new(".finish", vec![]));
    chain(&mut out, "        ", &calls)?;
    out.push_str("    }\n}\n");
    Some(out)
}

/// The struct as tokens.
fn structure(d: &Decl, s: &Struct, doc: &TokenStream, plan: &Plan) -> TokenStream {
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
    let derives = plan
        .derives
        .iter()
        .map(|d| proc_macro2::Ident::new(d, proc_macro2::Span::call_site()));
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
    let default_impl = (!plan.derive_default()).then(|| {
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self { #(#defaults)* }
                }
            }
        }
    });
    quote! {
        #doc
        #repr
        #[derive(Clone, Copy, #(#derives,)*)]
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

/// Why all-zero bytes are a valid value of union `name`.
fn union_zeroed(name: &str) -> String {
    format!(
        "every member of `{name}` is plain data (integers, floats, raw pointers, handles, enums, \
         GUIDs, or arrays and aggregates of them), for which all-zero bytes are a valid value"
    )
}

/// The union as prettyplease prints its tokens, or `None` where a line falls outside the
/// rules this follows.
fn union_text(d: &Decl, s: &Struct, doc: &str) -> Option<String> {
    if s.fields.is_empty() {
        return None;
    }
    let mut name = String::new();
    ident_text(&mut name, &d.name);
    let mut out = String::with_capacity(768 + 96 * s.fields.len());
    doc_lines(&mut out, "", doc);
    match s.pack {
        Some(n) => out.push_str(&format!("#[repr(C, packed({n}))]\n")),
        None => out.push_str("#[repr(C)]\n"),
    }
    out.push_str("#[derive(Clone, Copy)]\n");
    line(&mut out, "", &format!("pub union {name} {{"))?;
    for (f, n) in s.fields.iter().zip(s.rust_field_names()) {
        doc_lines(&mut out, "    ", &f.doc);
        let mut field = String::from("pub ");
        ident_text(&mut field, &n);
        field.push_str(": ");
        ty_text(&mut field, &f.ty)?;
        field.push(',');
        line(&mut out, "    ", &field)?;
    }
    out.push_str("}\n");
    line(&mut out, "", &format!("impl Default for {name} {{"))?;
    out.push_str("    /// All-zero bytes, as C's `= {0}` gives.\n    fn default() -> Self {\n");
    safety_marker(&mut out, "        ", &union_zeroed(&d.name))?;
    out.push_str("        unsafe { core::mem::zeroed() }\n    }\n}\n");
    line(
        &mut out,
        "",
        &format!("impl core::fmt::Debug for {name} {{"),
    )?;
    out.push_str("    /// Only the program knows which member is valid: none is shown.\n");
    out.push_str("    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n");
    line(
        &mut out,
        "        ",
        &format!("f.write_str(\"{} {{ .. }}\")", d.name),
    )?;
    out.push_str("    }\n}\n");
    Some(out)
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
    let safety = safety(&union_zeroed(&d.name));
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

#[cfg(test)]
mod tests {
    use super::super::tests::{api_for, assert_finishes_as_tokens};
    use super::*;

    #[test]
    fn structs_as_text_finish_as_their_tokens_do() {
        let api = api_for(
            "import \"unknwn.idl\";\n\
             typedef struct tagPLAIN { DWORD a; LONG b; } PLAIN;\n\
             typedef struct tagPOINTERS { void *pvRecord; IUnknown *pRecInfo; } POINTERS;\n\
             typedef struct tagSHORT_ARRAY { ULONG ulCAT; BYTE pbATRI[768]; } SHORT_ARRAY;\n\
             typedef struct tagNAMED { WCHAR name[32]; float weight; double more; } NAMED;\n\
             #pragma pack(push, 1)\n\
             typedef struct tagPACKED { BYTE b; DWORD d; WCHAR text[4]; } PACKED;\n\
             #pragma pack(pop)\n\
             typedef struct tagLONG_NAMES {\n\
                 DWORD aFieldWithALongerName;\n\
                 DWORD anotherFieldWithALongName;\n\
             } LONG_NAMES;\n\
             typedef union tagUNION { DWORD d; float f; BYTE b[4]; } UNION_U;\n\
             typedef struct tagTOO_LONG {\n\
                 DWORD aFieldWithAVeryLongNameIndeedForTheDebugChain;\n\
             } TOO_LONG;\n\
             typedef struct tagCALLBACKS { HRESULT (__stdcall *pfn)(LONG x); } CALLBACKS;\n",
        );
        let mut as_text = Vec::new();
        for d in &api.decls {
            let DeclKind::Struct(s) = &d.kind else {
                continue;
            };
            let (text, tokens) = if s.is_union {
                (union_text(d, s, &d.doc), union(d, s, &doc_attrs(&d.doc)))
            } else {
                let plan = Plan::of(&api, s);
                let tokens = structure(d, s, &doc_attrs(&d.doc), &plan);
                (structure_text(d, s, &d.doc, &plan), tokens)
            };
            let Some(text) = text else {
                // A function pointer's type may break over lines: its tokens say it.
                assert_eq!(d.name, "CALLBACKS");
                continue;
            };
            assert_finishes_as_tokens(text, tokens, &d.name);
            as_text.push(d.name.as_str());
        }
        assert_eq!(as_text.len(), 8, "{as_text:?}");
    }
}
