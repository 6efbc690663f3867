//! Expansion: checks the input, then emits the `ComClass` (and for handlers `Class`) impls.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Data, DeriveInput, Ident};

use crate::attr::{self, Options, Threading};
use crate::ctxt::{Ctxt, to_compile_errors};

/// Which derive is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[derive(SyncMgrHandler)]`: a creatable class implementing ISyncMgrSynchronize.
    Handler,
    /// `#[derive(SyncCenterHandler)]`: a creatable class implementing ISyncMgrHandler and
    /// ISyncMgrSyncItemContainer, registered with Sync Center.
    SyncCenter,
    /// `#[derive(ComObject)]`: an object implementing the listed interfaces.
    Object,
}

impl Kind {
    fn derive_name(self) -> &'static str {
        match self {
            Kind::Handler => "SyncMgrHandler",
            Kind::SyncCenter => "SyncCenterHandler",
            Kind::Object => "ComObject",
        }
    }

    /// The interface `name` of the bindings a bare name in `interfaces(...)` names
    /// (`mobsync_runtime::sys`, or `mobsync_runtime::syncmgr::sys` for Sync Center handlers),
    /// every token spanned at `span` so errors point at the name.
    fn bindings_path(self, name: &Ident, span: Span) -> TokenStream {
        match self {
            Kind::SyncCenter => quote_spanned! {span=> ::mobsync_runtime::syncmgr::sys::#name},
            Kind::Handler | Kind::Object => quote_spanned! {span=> ::mobsync_runtime::sys::#name},
        }
    }

    /// The interfaces every class of this kind implements, in slot order, before the listed
    /// ones.
    fn implied(self) -> &'static [&'static str] {
        match self {
            Kind::Handler => &[HANDLER_INTERFACE],
            Kind::SyncCenter => SYNC_CENTER_INTERFACES,
            Kind::Object => &[],
        }
    }

    fn grammar(self) -> &'static attr::Grammar {
        match self {
            Kind::Handler => &attr::HANDLER,
            Kind::SyncCenter => &attr::SYNC_CENTER,
            Kind::Object => &attr::OBJECT,
        }
    }
}

/// The primary interface every handler implements (slot 0).
const HANDLER_INTERFACE: &str = "ISyncMgrSynchronize";

/// The interfaces every Sync Center handler implements (slots 0 and 1): Sync Center asks the
/// handler itself for its items.
const SYNC_CENTER_INTERFACES: &[&str] = &["ISyncMgrHandler", "ISyncMgrSyncItemContainer"];

/// The type of a listed interface: a bare name is one of the kind's bindings
/// (`mobsync_runtime::sys`, or `mobsync_runtime::syncmgr::sys` for Sync Center handlers); a
/// path is used as written.
fn interface_path(kind: Kind, path: &syn::Path) -> (TokenStream, Span) {
    let span = syn::spanned::Spanned::span(path);
    match path.get_ident() {
        Some(name) => (kind.bindings_path(name, span), span),
        None => (quote!(#path), span),
    }
}

/// Expands the derive; errors become `compile_error!`s plus a stub implementation.
pub fn expand(input: &DeriveInput, kind: Kind) -> TokenStream {
    match try_expand(input, kind) {
        Ok(tokens) => tokens,
        Err(error) => {
            let errors = to_compile_errors(error);
            let stub = stub(input, kind);
            quote! { #errors #stub }
        }
    }
}

/// The checked input.
struct Checked<'a> {
    ident: &'a Ident,
    options: Options,
}

fn check<'a>(input: &'a DeriveInput, kind: Kind) -> syn::Result<Checked<'a>> {
    let cx = Ctxt::default();
    let derive = kind.derive_name();
    match &input.data {
        Data::Struct(_) => {}
        Data::Enum(data) => cx.error_spanned_by(
            data.enum_token,
            format!(
                "#[derive({derive})] works on structs only: a COM object's state is a struct; \
                 wrap the enum in one, e.g. `struct MyHandler {{ state: Mutex<MyEnum> }}`"
            ),
        ),
        Data::Union(data) => cx.error_spanned_by(
            data.union_token,
            format!(
                "#[derive({derive})] works on structs only: a COM object's state is a struct, \
                 not a union"
            ),
        ),
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            format!(
                "#[derive({derive})] needs a concrete type: a COM class is one concrete type \
                 (one CLSID, one vtable set); remove the generic parameters"
            ),
        );
    }
    let options = attr::parse(&cx, kind.grammar(), &input.attrs);
    match kind {
        Kind::Handler => {
            if options.clsid.is_none() && !options.seen.iter().any(|k| k == "clsid") {
                cx.error_spanned_by(
                    &input.ident,
                    "missing CLSID: add #[sync_mgr(clsid = \"XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX\")] \
                     with a GUID of your own (e.g. from `uuidgen`)",
                );
            }
            if options.name.is_none() && !options.seen.iter().any(|k| k == "name") {
                cx.error_spanned_by(
                    &input.ident,
                    "missing name: add #[sync_mgr(name = \"...\")], the class name written to the \
                     registry and shown by Sync Manager",
                );
            }
            for interface in &options.interfaces {
                if interface.is_ident(HANDLER_INTERFACE) {
                    cx.error_spanned_by(
                        interface,
                        "every handler implements ISyncMgrSynchronize; list only the extra \
                         interfaces here, e.g. interfaces(ISyncMgrEnumItems)",
                    );
                }
            }
        }
        Kind::SyncCenter => {
            if options.clsid.is_none() && !options.seen.iter().any(|k| k == "clsid") {
                cx.error_spanned_by(
                    &input.ident,
                    "missing CLSID: add #[sync_center(clsid = \"XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX\")] \
                     with a GUID of your own (e.g. from `uuidgen`)",
                );
            }
            if options.name.is_none() && !options.seen.iter().any(|k| k == "name") {
                cx.error_spanned_by(
                    &input.ident,
                    "missing name: add #[sync_center(name = \"...\")], the class name written to \
                     the registry and Sync Center's handler key",
                );
            }
            for interface in &options.interfaces {
                if SYNC_CENTER_INTERFACES.iter().any(|i| interface.is_ident(i)) {
                    cx.error_spanned_by(
                        interface,
                        "every Sync Center handler implements ISyncMgrHandler and \
                         ISyncMgrSyncItemContainer; list only the extra interfaces here",
                    );
                }
            }
        }
        Kind::Object => {
            // A creatable object (for a class factory) names its class; a plain one neither.
            if options.clsid.is_some() != options.name.is_some() {
                cx.error_spanned_by(
                    &input.ident,
                    "a creatable COM object needs both #[com_object(clsid = \"...\")] and \
                     #[com_object(name = \"...\")] (the class name written to the registry); \
                     an object made with ComObject::new needs neither",
                );
            }
            if options.interfaces.is_empty() && !options.seen.iter().any(|k| k == "interfaces") {
                cx.error_spanned_by(
                    &input.ident,
                    "missing interfaces: add #[com_object(interfaces(ISyncMgrSynchronizeCallback))] \
                     listing the interfaces the object implements",
                );
            }
        }
    }
    cx.check()?;
    Ok(Checked {
        ident: &input.ident,
        options,
    })
}

fn try_expand(input: &DeriveInput, kind: Kind) -> syn::Result<TokenStream> {
    let checked = check(input, kind)?;
    let ident = checked.ident;
    let options = &checked.options;

    // The interface slots, in order: the implied ones first (ISyncMgrSynchronize for handlers).
    let mut interfaces: Vec<(TokenStream, Span)> = Vec::new();
    for name in kind.implied() {
        let implied = Ident::new(name, ident.span());
        interfaces.push((kind.bindings_path(&implied, ident.span()), ident.span()));
    }
    interfaces.extend(
        options
            .interfaces
            .iter()
            .map(|path| interface_path(kind, path)),
    );

    let count = Literal::usize_unsuffixed(interfaces.len());
    let vtables = interfaces.iter().enumerate().map(|(k, (interface, span))| {
        let k = Literal::usize_unsuffixed(k);
        quote_spanned! {*span=>
            ::mobsync_runtime::__private::VtablePtr::new(
                &<#interface as ::mobsync_runtime::__private::Implement<Self, #k>>::VTABLE,
            )
        }
    });
    let iids = interfaces.iter().map(|(interface, span)| {
        quote_spanned! {*span=>
            <#interface as ::mobsync_runtime::__private::Interface>::IID
        }
    });
    let has_interface = interfaces.iter().enumerate().map(|(k, (interface, span))| {
        let k = Literal::usize_unsuffixed(k);
        quote_spanned! {*span=>
            // SAFETY: slot `k` holds the vtable of this interface and `IIDS[k]` its IID (above).
            unsafe impl ::mobsync_runtime::__private::HasInterface<#interface> for #ident {
                const SLOT: usize = #k;
            }
        }
    });
    let base_iids = interfaces.iter().enumerate().map(|(k, (interface, span))| {
        let k = Literal::usize_unsuffixed(k);
        quote_spanned! {*span=>
            <#interface as ::mobsync_runtime::__private::Implement<Self, #k>>::BASES
        }
    });

    let threading = options
        .threading
        .as_ref()
        .map_or(Threading::Both, |(t, _)| *t);
    let policy = format_ident!("{}", threading.policy());
    let thread_check = if threading == Threading::Apartment {
        quote! {}
    } else {
        let span = options
            .threading
            .as_ref()
            .map_or(ident.span(), |(_, lit)| lit.span());
        let assert_fn = format_ident!(
            "{}_must_be_send_and_sync_or_use_threading_apartment",
            if kind == Kind::Object {
                "object"
            } else {
                "handler"
            },
            span = span
        );
        quote_spanned! {span=>
            const _: fn() = || {
                fn #assert_fn<T: ?::core::marker::Sized + ::core::marker::Send + ::core::marker::Sync>() {}
                #assert_fn::<#ident>();
            };
        }
    };

    let com_class = quote! {
        // SAFETY: slot `k` holds the runtime-built vtable of the `k`-th interface for `Self` in
        // slot `k`, and `IIDS` lists the same interfaces in the same order. The threading policy
        // is `Apartment` (checked by the runtime) or the type is asserted `Send + Sync` above.
        unsafe impl ::mobsync_runtime::__private::ComClass for #ident {
            type Vtables = [::mobsync_runtime::__private::VtablePtr; #count];
            const VTABLES: Self::Vtables = [#(#vtables),*];
            const IIDS: &'static [::mobsync_runtime::__private::GUID] = &[#(#iids),*];
            const BASE_IIDS: &'static [&'static [::mobsync_runtime::__private::GUID]] =
                &[#(#base_iids),*];
            type Threading = ::mobsync_runtime::__private::#policy;
        }

        #(#has_interface)*
    };

    let class = if kind == Kind::Handler {
        let (clsid, _) = options
            .clsid
            .as_ref()
            .expect("checked: handlers have a clsid");
        let clsid = syn::LitInt::new(&format!("0x{clsid:032x}_u128"), ident.span());
        let name = options
            .name
            .as_ref()
            .expect("checked: handlers have a name");
        let flags = options.events.iter().map(|event| {
            let constant = Ident::new(event.constant, event.ident.span());
            quote! { | (::mobsync_runtime::sys::#constant.0 as u32) }
        });
        let create = quote_spanned! {ident.span()=>
            ::mobsync_runtime::__private::handler_is_created_with_default::<Self>()
        };
        quote! {
            impl ::mobsync_runtime::__private::Class for #ident {
                const CLSID: ::mobsync_runtime::__private::GUID =
                    ::mobsync_runtime::__private::GUID::from_u128(#clsid);
                const NAME: &'static str = #name;
                const SYNC_MGR_FLAGS: u32 = 0 #(#flags)*;
                fn create() -> Self {
                    #create
                }
            }
        }
    } else if let (Kind::SyncCenter, Some((clsid, _)), Some(name)) =
        (kind, &options.clsid, &options.name)
    {
        let clsid = syn::LitInt::new(&format!("0x{clsid:032x}_u128"), ident.span());
        let create = quote_spanned! {ident.span()=>
            ::mobsync_runtime::__private::handler_is_created_with_default::<Self>()
        };
        quote! {
            impl ::mobsync_runtime::__private::Class for #ident {
                const CLSID: ::mobsync_runtime::__private::GUID =
                    ::mobsync_runtime::__private::GUID::from_u128(#clsid);
                const NAME: &'static str = #name;
                const SYNC_MGR_FLAGS: u32 = 0;
                const SYNC_MGR_HANDLER: bool = false;
                const SYNC_CENTER_HANDLER: bool = true;
                fn create() -> Self {
                    #create
                }
            }
        }
    } else if let (Some((clsid, _)), Some(name)) = (&options.clsid, &options.name) {
        let clsid = syn::LitInt::new(&format!("0x{clsid:032x}_u128"), ident.span());
        let create = quote_spanned! {ident.span()=>
            ::mobsync_runtime::__private::handler_is_created_with_default::<Self>()
        };
        quote! {
            impl ::mobsync_runtime::__private::Class for #ident {
                const CLSID: ::mobsync_runtime::__private::GUID =
                    ::mobsync_runtime::__private::GUID::from_u128(#clsid);
                const NAME: &'static str = #name;
                const SYNC_MGR_FLAGS: u32 = 0;
                const SYNC_MGR_HANDLER: bool = false;
                fn create() -> Self {
                    #create
                }
            }
        }
    } else {
        quote! {}
    };

    Ok(quote! {
        const _: () = {
            #thread_check
            #com_class
            #class
        };
    })
}

/// What is emitted next to the errors: the same impls with placeholder values, so uses of the
/// type elsewhere (`export_handlers!`, `ComObject::new`) do not add errors of their own. Never
/// run: the crate does not compile.
fn stub(input: &DeriveInput, kind: Kind) -> TokenStream {
    if !matches!(input.data, Data::Struct(_)) || !input.generics.params.is_empty() {
        return quote! {};
    }
    let ident = &input.ident;
    let class = if kind != Kind::Object {
        quote! {
            impl ::mobsync_runtime::__private::Class for #ident {
                const CLSID: ::mobsync_runtime::__private::GUID =
                    ::mobsync_runtime::__private::GUID::zeroed();
                const NAME: &'static str = "";
                const SYNC_MGR_FLAGS: u32 = 0;
                fn create() -> Self {
                    ::core::unreachable!()
                }
            }
        }
    } else {
        quote! {}
    };
    quote! {
        const _: () = {
            // SAFETY: never instantiated: the crate fails to compile with the errors above.
            unsafe impl ::mobsync_runtime::__private::ComClass for #ident {
                type Vtables = [::mobsync_runtime::__private::VtablePtr; 0];
                const VTABLES: Self::Vtables = [];
                const IIDS: &'static [::mobsync_runtime::__private::GUID] = &[];
                type Threading = ::mobsync_runtime::__private::Apartment;
            }
            #class
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(source: &str, kind: Kind) -> String {
        let input: DeriveInput = syn::parse_str(source).unwrap();
        expand(&input, kind).to_string()
    }

    #[test]
    fn handler_expands_to_com_class_and_class() {
        let out = expand_str(
            r#"#[sync_mgr(clsid = "632306B6-690C-48C1-AB87-953A6833A855", name = "Folder Sync",
                interfaces(ISyncMgrEnumItems), events(connect, idle))]
               struct FolderSync;"#,
            Kind::Handler,
        );
        assert!(out.contains("ComClass for FolderSync"), "{out}");
        assert!(out.contains("VtablePtr ; 2"), "{out}");
        assert!(out.contains("Implement < Self , 0 >"), "{out}");
        assert!(out.contains("sys :: ISyncMgrEnumItems"), "{out}");
        assert!(
            out.contains("0x632306b6690c48c1ab87953a6833a855_u128"),
            "{out}"
        );
        assert!(out.contains("SYNCMGRREGISTERFLAG_CONNECT"), "{out}");
        assert!(out.contains("SYNCMGRREGISTERFLAG_IDLE"), "{out}");
        assert!(out.contains("handler_must_be_send_and_sync"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn apartment_handler_has_no_send_assertion() {
        let out = expand_str(
            r#"#[sync_mgr(clsid = "632306B6-690C-48C1-AB87-953A6833A855", name = "X", threading = "apartment")]
               struct X;"#,
            Kind::Handler,
        );
        assert!(!out.contains("must_be_send_and_sync"), "{out}");
        assert!(out.contains("__private :: Apartment"), "{out}");
    }

    #[test]
    fn errors_accumulate() {
        let out = expand_str(
            r#"#[sync_mgr(clsid = "nope", bogus = 1, name = "a", name = "b", threading = "sometimes")]
               struct X;"#,
            Kind::Handler,
        );
        assert_eq!(out.matches("compile_error").count(), 4, "{out}");
        assert!(out.contains("malformed CLSID"), "{out}");
        assert!(out.contains("unknown key `bogus`"), "{out}");
        assert!(out.contains("duplicate `name`"), "{out}");
        assert!(out.contains("unknown threading model"), "{out}");
        // The stub keeps later uses of the type quiet.
        assert!(out.contains("GUID :: zeroed"), "{out}");
    }

    #[test]
    fn missing_clsid_and_name_are_reported_at_the_type() {
        let out = expand_str("struct X;", Kind::Handler);
        assert!(out.contains("missing CLSID"), "{out}");
        assert!(out.contains("missing name"), "{out}");
    }

    #[test]
    fn enums_unions_and_generics_are_rejected() {
        let out = expand_str(r#"enum E { A }"#, Kind::Handler);
        assert!(out.contains("works on structs only"), "{out}");
        let out = expand_str(r#"union U { a: u32 }"#, Kind::Object);
        assert!(out.contains("works on structs only"), "{out}");
        let out = expand_str(
            r#"#[com_object(interfaces(ISyncMgrEnumItems))] struct G<T>(T);"#,
            Kind::Object,
        );
        assert!(out.contains("needs a concrete type"), "{out}");
    }

    #[test]
    fn object_needs_interfaces_and_rejects_handler_keys() {
        let out = expand_str("struct O;", Kind::Object);
        assert!(out.contains("missing interfaces"), "{out}");
        let out = expand_str(
            r#"#[com_object(interfaces(ISyncMgrSynchronizeCallback), events(OnLogon))] struct O;"#,
            Kind::Object,
        );
        assert!(out.contains("unknown key `events`"), "{out}");
        // A creatable object names both its CLSID and its class name.
        let out = expand_str(
            r#"#[com_object(interfaces(ISyncMgrSynchronizeCallback),
                clsid = "632306B6-690C-48C1-AB87-953A6833A855")] struct O;"#,
            Kind::Object,
        );
        assert!(out.contains("needs both"), "{out}");
    }

    #[test]
    fn creatable_objects_and_interfaces_by_path() {
        let out = expand_str(
            r#"#[com_object(clsid = "632306B6-690C-48C1-AB87-953A6833A855", name = "Calc",
                interfaces(crate::calc::ICalculator, ISyncMgrEnumItems))] struct O;"#,
            Kind::Object,
        );
        assert!(
            out.contains("const SYNC_MGR_HANDLER : bool = false"),
            "{out}"
        );
        assert!(out.contains("< crate :: calc :: ICalculator as"), "{out}");
        assert!(
            out.contains("< :: mobsync_runtime :: sys :: ISyncMgrEnumItems as"),
            "{out}"
        );
    }

    #[test]
    fn sync_center_handler_implies_its_two_interfaces_and_registers_with_sync_center() {
        let out = expand_str(
            r#"#[sync_center(clsid = "632306B6-690C-48C1-AB87-953A6833A856", name = "Folders",
                interfaces(ISyncMgrEventStore, crate::x::IFoo))]
               struct H;"#,
            Kind::SyncCenter,
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("VtablePtr ; 4"), "{out}");
        assert!(
            out.contains("syncmgr :: sys :: ISyncMgrHandler as"),
            "{out}"
        );
        assert!(
            out.contains("syncmgr :: sys :: ISyncMgrSyncItemContainer as"),
            "{out}"
        );
        assert!(
            out.contains("syncmgr :: sys :: ISyncMgrEventStore as"),
            "{out}"
        );
        assert!(out.contains("< crate :: x :: IFoo as"), "{out}");
        assert!(
            out.contains("const SYNC_CENTER_HANDLER : bool = true"),
            "{out}"
        );
        assert!(
            out.contains("const SYNC_MGR_HANDLER : bool = false"),
            "{out}"
        );
        assert!(out.contains("handler_must_be_send_and_sync"), "{out}");

        let out = expand_str(
            r#"#[sync_center(interfaces(ISyncMgrHandler), events(idle))] struct H;"#,
            Kind::SyncCenter,
        );
        assert!(out.contains("missing CLSID"), "{out}");
        assert!(out.contains("missing name"), "{out}");
        assert!(
            out.contains("every Sync Center handler implements"),
            "{out}"
        );
        assert!(out.contains("unknown key `events`"), "{out}");
    }

    #[test]
    fn handler_interface_listed_or_duplicated() {
        let out = expand_str(
            r#"#[sync_mgr(clsid = "632306B6-690C-48C1-AB87-953A6833A855", name = "X",
                interfaces(ISyncMgrSynchronize, ISyncMgrEnumItems, ISyncMgrEnumItems))]
               struct X;"#,
            Kind::Handler,
        );
        assert!(
            out.contains("every handler implements ISyncMgrSynchronize"),
            "{out}"
        );
        assert!(out.contains("listed twice"), "{out}");
    }
}
