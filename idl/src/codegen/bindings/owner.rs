//! The type of an interface derived from `IUnknown`, an owner of one COM reference: its IID
//! constant, the `#[repr(transparent)]` struct, its `windows_core::Interface` and `Debug`
//! impls, `Deref` to its base, and `CanInto` and `From` for every ancestor.
//!
//! Written as text (see [`Parts`]) as prettyplease prints the tokens, which stay for an
//! interface with a line the rules here do not cover (a name too long for its line).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::abi::{Decl, Interface};
use super::super::parts::Parts;
use super::super::rust_text::{Call, chain, doc_lines, ident as ident_text, line, safety_marker};
use super::super::rust_tokens::*;
use super::consts::guid_text;
use super::methods::{interface_path, interface_path_text};

/// The owner items of interface `d` (see the module's documentation); `doc` is its
/// documentation.
pub(super) fn owner(d: &Decl, i: &Interface, doc: &str) -> Parts {
    let texts = Texts::of(d);
    Parts::text_or(text(d, i, doc, &texts), || tokens(d, i, doc, &texts))
}

/// The comments of the owner items.
struct Texts {
    /// The IID constant's documentation.
    iid_doc: String,
    /// Why the `Interface` impl is sound.
    interface: String,
    /// Why `Deref` to the base is sound.
    deref: String,
}

impl Texts {
    fn of(d: &Decl) -> Self {
        let name = &d.name;
        Texts {
            iid_doc: format!("The interface identifier of [`{name}`]."),
            interface: format!(
                "{name} is a repr(transparent) owner of one COM reference to an object whose \
                 vtable is {name}_Vtbl, identified by IID_{name}; cloning it calls AddRef."
            ),
            deref: format!(
                "{name} and its base are both repr(transparent) over one IUnknown pointer, and \
                 the vtable of {name} starts with the base's vtable."
            ),
        }
    }

    /// Why the conversions to `ancestor` are sound.
    fn ancestor(name: &str, ancestor: &str) -> String {
        format!(
            "the vtable of {name} starts with the vtable of {ancestor}, so the owned reference \
             is also a valid {ancestor} reference."
        )
    }
}

/// The owner items as prettyplease prints their tokens, or `None` where a line falls outside
/// the rules this follows.
fn text(d: &Decl, i: &Interface, doc: &str, texts: &Texts) -> Option<String> {
    let mut name = String::new();
    ident_text(&mut name, &d.name);
    let iid = i.iid_name(&d.name);
    let mut out = String::with_capacity(2048 + 1024 * i.ancestors.len());

    guid_text(&mut out, &iid, &texts.iid_doc, &i.iid);

    doc_lines(&mut out, "", doc);
    out.push_str("#[repr(transparent)]\n#[derive(Clone)]\n");
    line(
        &mut out,
        "",
        &format!("pub struct {name}(windows_core::IUnknown);"),
    )?;
    safety_marker(&mut out, "", &texts.interface)?;
    line(
        &mut out,
        "",
        &format!("unsafe impl windows_core::Interface for {name} {{"),
    )?;
    line(&mut out, "    ", &format!("type Vtable = {}_Vtbl;", d.name))?;
    line(
        &mut out,
        "    ",
        &format!("const IID: windows_core::GUID = {iid};"),
    )?;
    out.push_str("}\n");

    line(
        &mut out,
        "",
        &format!("impl core::fmt::Debug for {name} {{"),
    )?;
    out.push_str("    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n");
    let calls = [
        Call::new("f.debug_tuple", vec![format!("\"{}\"", d.name)]),
        Call::new(
            ".field",
            vec!["&windows_core::Interface::as_raw(self)".to_string()],
        ),
        Call::new(".finish", vec![]),
    ];
    chain(&mut out, "        ", &calls)?;
    out.push_str("    }\n}\n");

    if let Some(base) = i.base.as_deref() {
        let parent = interface_path_text(base);
        line(
            &mut out,
            "",
            &format!("impl core::ops::Deref for {name} {{"),
        )?;
        line(&mut out, "    ", &format!("type Target = {parent};"))?;
        out.push_str("    fn deref(&self) -> &Self::Target {\n");
        safety_marker(&mut out, "        ", &texts.deref)?;
        let cast = format!("unsafe {{ &*core::ptr::from_ref(self).cast::<{parent}>() }}");
        line(&mut out, "        ", &cast)?;
        out.push_str("    }\n}\n");
    }

    for a in &i.ancestors {
        let ancestor = interface_path_text(a);
        let safety = Texts::ancestor(&d.name, a);
        let can_into = format!("impl windows_core::imp::CanInto<{ancestor}> for {name} {{}}");
        line(&mut out, "", &can_into)?;
        line(
            &mut out,
            "",
            &format!("impl From<{name}> for {ancestor} {{"),
        )?;
        line(
            &mut out,
            "    ",
            &format!("fn from(value: {name}) -> Self {{"),
        )?;
        safety_marker(&mut out, "        ", &safety)?;
        // One line would be wider than the margin whatever the names: the block and the
        // call break.
        out.push_str("        unsafe {\n");
        let call = format!("<{ancestor} as windows_core::Interface>::from_raw(");
        line(&mut out, "            ", &call)?;
        out.push_str("                windows_core::Interface::into_raw(value),\n");
        out.push_str("            )\n        }\n    }\n}\n");
        let by_ref = format!("impl<'a> From<&'a {name}> for &'a {ancestor} {{");
        line(&mut out, "", &by_ref)?;
        line(
            &mut out,
            "    ",
            &format!("fn from(value: &'a {name}) -> Self {{"),
        )?;
        safety_marker(&mut out, "        ", &safety)?;
        let cast = format!("unsafe {{ &*core::ptr::from_ref(value).cast::<{ancestor}>() }}");
        line(&mut out, "        ", &cast)?;
        out.push_str("    }\n}\n");
    }
    Some(out)
}

/// The owner items as tokens.
fn tokens(d: &Decl, i: &Interface, doc: &str, texts: &Texts) -> TokenStream {
    let name = ident(&d.name);
    let name_str = &d.name;
    let vtbl = format_ident!("{}_Vtbl", d.name);
    let iid = format_ident!("{}", i.iid_name(&d.name));
    let iid_value = guid_expr(&i.iid);
    let iid_doc = doc_attrs(&texts.iid_doc);
    let doc = doc_attrs(doc);
    let deref = i.base.as_deref().map(interface_path).map(|parent| {
        let s = safety(&texts.deref);
        quote! {
            impl core::ops::Deref for #name {
                type Target = #parent;
                fn deref(&self) -> &Self::Target {
                    #s
                    unsafe { &*core::ptr::from_ref(self).cast::<#parent>() }
                }
            }
        }
    });
    let hierarchy = i.ancestors.iter().map(|a| {
        let ancestor = interface_path(a);
        let s = safety(&Texts::ancestor(name_str, a));
        quote! {
            impl windows_core::imp::CanInto<#ancestor> for #name {}

            impl From<#name> for #ancestor {
                fn from(value: #name) -> Self {
                    #s
                    unsafe { <#ancestor as windows_core::Interface>::from_raw(windows_core::Interface::into_raw(value)) }
                }
            }

            impl<'a> From<&'a #name> for &'a #ancestor {
                fn from(value: &'a #name) -> Self {
                    #s
                    unsafe { &*core::ptr::from_ref(value).cast::<#ancestor>() }
                }
            }
        }
    });
    let interface_safety = safety(&texts.interface);
    quote! {
        #iid_doc
        pub const #iid: windows_core::GUID = #iid_value;

        #doc
        #[repr(transparent)]
        #[derive(Clone)]
        pub struct #name(windows_core::IUnknown);

        #interface_safety
        unsafe impl windows_core::Interface for #name {
            type Vtable = #vtbl;
            const IID: windows_core::GUID = #iid;
        }

        impl core::fmt::Debug for #name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_tuple(#name_str)
                    .field(&windows_core::Interface::as_raw(self))
                    .finish()
            }
        }

        #deref
        #(#hierarchy)*
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{api_for, assert_finishes_as_tokens};
    use super::*;
    use crate::codegen::abi::DeclKind;
    use crate::codegen::finish::finish;
    use crate::codegen::options::Stamp;

    #[test]
    fn owner_items_as_text_finish_as_their_tokens_do() {
        let long = "IAnInterfaceNameLongEnoughToPushLinesPastTheMargin";
        let api = api_for(&format!(
            "import \"unknwn.idl\";\n\
             /// A short one.\n\
             [object, local, uuid(11111111-2222-3333-4444-555555555555)]\n\
             interface IShort : IUnknown {{ HRESULT A([in] LONG x); }}\n\
             /// Two ancestors.\n\
             ///\n\
             /// With a second paragraph.  \n\
             [object, local, uuid(11111111-2222-3333-4444-555555555556)]\n\
             interface IDerivedWithALongerName : IShort {{ HRESULT B(); }}\n\
             [object, local, uuid(11111111-2222-3333-4444-555555555557)]\n\
             interface {long} : IDerivedWithALongerName {{ HRESULT C(); }}\n"
        ));
        let stamp = Stamp::new("test", "test.idl");
        let mut as_text = Vec::new();
        for d in &api.decls {
            let DeclKind::Interface(i) = &d.kind else {
                continue;
            };
            if d.name == "IUnknown" {
                continue;
            }
            let texts = Texts::of(d);
            let tokens = tokens(d, i, &d.doc, &texts);
            // Printed in any case: the tokens of an item left to them must finish too.
            finish(tokens.clone(), &stamp).unwrap();
            if let Some(text) = text(d, i, &d.doc, &texts) {
                assert_finishes_as_tokens(text, tokens, &d.name);
                as_text.push(d.name.as_str());
            }
        }
        assert_eq!(as_text, ["IShort", "IDerivedWithALongerName"]);
    }
}
