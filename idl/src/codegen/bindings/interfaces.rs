//! Interfaces in the bindings: the IID, the `_Vtbl` struct, the interface type with its
//! `windows_core::Interface` impl, and one raw method per vtable slot.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::abi::{Decl, Interface, Method, ParamRole, Ty};
use super::super::parts::Parts;
use super::super::rust_tokens::*;
use super::method_text::{MethodItem, impl_block};
use super::methods::{raw_method, safe_method};
use super::owner::owner;
use super::vtable::vtable;
use super::*;

impl Emitter<'_> {
    /// The items of interface `d`: its IID, type, impls, methods and vtable.
    pub(super) fn interface(&mut self, d: &Decl, i: &Interface, doc: &str) -> Parts {
        if d.name == "IUnknown" {
            return unknown(d, i).into();
        }
        if i.ancestors.last().map(String::as_str) != Some("IUnknown") {
            return self.interface_without_unknown(d, i, &doc_attrs(doc));
        }
        let mut parts = owner(d, i, doc);
        let methods: Vec<MethodItem> = i
            .methods
            .iter()
            .filter(|m| m.unsupported.is_none())
            .map(|m| self.method(&d.name, m))
            .collect();
        parts.append(impl_block(&d.name, methods));
        parts.append(vtable(d, i, true));
        parts
    }

    /// Whether an interface can be named in a safe signature.
    pub(super) fn known_interface(&self, name: &str) -> bool {
        name == "IUnknown"
            || self
                .api
                .find(name)
                .is_some_and(|d| matches!(d.kind, DeclKind::Interface(_)))
    }

    /// Whether every parameter's safe form can be expressed.
    pub(super) fn safe_ok(&self, m: &Method) -> bool {
        let known = |ty: Option<&Ty>| matches!(ty.map(Ty::resolved), Some(Ty::Interface(n)) if self.known_interface(n));
        let generic_outs = m
            .params
            .iter()
            .filter(|p| matches!(p.role, ParamRole::OutIid { .. }))
            .count();
        let interfaces_known = m.params.iter().all(|p| match p.role {
            ParamRole::InInterface { .. } => known(p.ty.pointee().map(|(t, _)| t)),
            ParamRole::OutInterface => known(
                p.ty.pointee()
                    .and_then(|(t, _)| t.pointee())
                    .map(|(t, _)| t),
            ),
            _ => true,
        });
        m.has_safe_signature() && !m.needs_runtime() && generic_outs <= 1 && interfaces_known
    }

    pub(super) fn method(&mut self, iface: &str, m: &Method) -> MethodItem {
        if self.safe_ok(m) {
            safe_method(iface, m, &mut self.helpers)
        } else {
            raw_method(iface, m)
        }
    }
}

/// `IUnknown` itself (`unknwn.idl`): windows-core's own type, which the other interfaces of
/// every binding derive from, and its IID.
fn unknown(d: &Decl, i: &Interface) -> TokenStream {
    let iid_value = guid_expr(&i.iid);
    let iid_doc = doc_attrs("The interface identifier of [`IUnknown`].");
    let doc = doc_attrs(&format!(
        "{}\n\nThis is `windows_core::IUnknown`, which every interface builds on.",
        d.doc
    ));
    let vtbl_doc = doc_attrs("The vtable of [`IUnknown`]: `windows_core::IUnknown_Vtbl`.");
    quote! {
        #iid_doc
        pub const IID_IUnknown: windows_core::GUID = #iid_value;

        #doc
        pub type IUnknown = windows_core::IUnknown;

        #vtbl_doc
        pub type IUnknown_Vtbl = windows_core::IUnknown_Vtbl;
    }
}

impl Emitter<'_> {
    /// An interface that does not derive from `IUnknown` (`[local]` interfaces of Direct3D's
    /// reflection API, for example): its vtable starts at slot 0, and the type is a plain
    /// pointer with no reference count (`windows_core::Interface::UNKNOWN` is false).
    fn interface_without_unknown(&mut self, d: &Decl, i: &Interface, doc: &TokenStream) -> Parts {
        let name = ident(&d.name);
        let name_str = &d.name;
        let vtbl = format_ident!("{}_Vtbl", d.name);
        let iid = format_ident!("{}", i.iid_name(&d.name));
        let iid_const = iid_const(d, i);
        let methods: Vec<MethodItem> = i
            .methods
            .iter()
            .filter(|m| m.unsupported.is_none())
            .map(|m| raw_method(&d.name, m))
            .collect();
        let interface_safety = safety(&format!(
            "{name_str} is a repr(transparent) non-null pointer to an object whose vtable is \
             {name_str}_Vtbl; it holds no reference count (UNKNOWN is false)."
        ));
        let items = quote! {
            #iid_const

            #doc
            #[repr(transparent)]
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            pub struct #name(pub core::ptr::NonNull<c_void>);

            #interface_safety
            unsafe impl windows_core::Interface for #name {
                type Vtable = #vtbl;
                const IID: windows_core::GUID = #iid;
                const UNKNOWN: bool = false;
            }
        };
        let mut parts = Parts::from(items);
        parts.append(impl_block(&d.name, methods));
        // A base that does not derive from IUnknown either: its vtable comes first.
        parts.append(vtable(d, i, false));
        parts
    }
}

/// `pub const IID_X: GUID = ...;` for interface `d`.
fn iid_const(d: &Decl, i: &Interface) -> TokenStream {
    let iid = format_ident!("{}", i.iid_name(&d.name));
    let iid_value = guid_expr(&i.iid);
    let iid_doc = doc_attrs(&format!("The interface identifier of [`{}`].", d.name));
    quote! {
        #iid_doc
        pub const #iid: windows_core::GUID = #iid_value;
    }
}
