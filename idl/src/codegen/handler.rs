//! The handler traits and their shims (`mobsync_runtime::interfaces`), derived from the IDL.
//!
//! For every interface of the root files this emits:
//!
//! - a safe trait, named after the interface without its leading `I` (`ISyncMgrSynchronize` →
//!   `SyncMgrSynchronize`), with one method per IDL method, named in snake case;
//! - for methods documented to return success codes besides `S_OK` (the `custom(...)` contract
//!   attribute, see [`abi::CONTRACT_SUCCESS_CODES`](super::abi::CONTRACT_SUCCESS_CODES)), an outcome enum with one variant per code,
//!   named after the code (`InitializeOutcome::S_FALSE`), so no success code is lost;
//! - one generic `unsafe extern "system"` shim per method, which checks every argument, calls the
//!   trait method inside the runtime's panic guard and converts the result back to the ABI;
//! - an `Implement<T, K>` impl that assembles the vtable of slot `K` of any class `T` implementing
//!   the trait (the windows-core `Vtbl::new::<T, K>()` pattern), so `#[derive(SyncMgrHandler)]`
//!   only lays out slots.
//!
//! Parameters map by their [`ParamRole`] (derived from the MIDL attributes by [`abi`](super::abi)), not by
//! method:
//!
//! | IDL                                          | trait                                |
//! |----------------------------------------------|--------------------------------------|
//! | `[in]` integer, enum, handle, HRESULT        | the value (`f`-prefixed `BOOL` → `bool`) |
//! | `[in] REFGUID` / `[in] S*`                   | `&GUID` / `&S` (`Option` if `[unique]`; `cbSize` checked; a view type for structs with strings) |
//! | `[in, string] LPCWSTR`                       | `&WStr` (`Option` if `[unique]`)     |
//! | `[in] I*`                                    | owned `I` (`Option` if `[unique]`)   |
//! | `[in, size_is(n)] T*` + `n`                  | `&[T]` (the count disappears)        |
//! | `[out, size_is(n), length_is(*f)] T*`, `n`, `f` | `&mut [T]`, returns the number filled (`S_FALSE` when fewer) |
//! | `[out] T*` / `[out] S**` / `[out] I**`       | returned (`S**` as an owned value the shim moves to task memory) |
//! | `[in] REFIID` + `[out, iid_is] void**`       | `InterfaceOut<'_>`                   |
//! | `[in, out] T*`                               | `&mut T`                             |
//!
//! Optional methods (the `custom(...)` attribute [`abi::CONTRACT_OPTIONAL`](super::abi::CONTRACT_OPTIONAL)) get a default body
//! returning the given HRESULT.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::abi::{Api, Decl, DeclKind, Interface, Method, NamedKind, Param, ParamRole, Prim, Ty};
use super::rust_sys::{STAMP, ident, rust_ty};

/// Where the generated file goes, relative to the workspace root.
pub const PATH: &str = "mobsync-runtime/src/interfaces.rs";

/// In-structures that the trait receives as a safe view type of the runtime instead of `&S`
/// (they hold string pointers whose validity depends on their `mask`).
const IN_VIEWS: &[(&str, &str)] = &[
    ("SYNCMGRPROGRESSITEM", "ProgressItem"),
    ("SYNCMGRLOGERRORINFO", "LogErrorInfo"),
];

/// Callee-allocated out-structures (`[out] S**`) that the trait returns as an owned runtime
/// type; any other structure is returned as `TaskBox<S>`.
const OUT_OWNED: &[(&str, &str)] = &[("SYNCMGRHANDLERINFO", "HandlerInfo")];

/// Conventional COM parameter names and their Rust names.
const PARAM_NAMES: &[(&str, &str)] = &[
    ("ppv", "object"),
    ("riid", "iid"),
    ("rclsid", "clsid"),
    ("rclsidHandler", "handler_clsid"),
    ("rgelt", "items"),
    ("celt", "count"),
    ("lpCallBack", "callback"),
];

/// Hungarian prefixes stripped from parameter names when a capital letter follows.
const PREFIXES: &[&str] = &[
    "lpwsz", "pwsz", "lpc", "pdw", "wsz", "lp", "pp", "dw", "cb", "p", "f",
];

/// Method names that would collide with a method of a prelude trait; they get a `_com` suffix.
const PRELUDE_METHODS: &[&str] = &[
    "clone", "drop", "eq", "ne", "cmp", "hash", "fmt", "into", "from", "default",
];

/// Generates the text of `mobsync-runtime/src/interfaces.rs`.
///
/// # Errors
/// A method the rules cannot express safely (a raw parameter, a non-HRESULT return, a fetched
/// count with success codes other than `S_OK`/`S_FALSE`), or generated code that does not parse.
pub fn generate(api: &Api) -> Result<String, String> {
    let generator = Generator::new(api);
    let mut items = TokenStream::new();
    for (decl, interface) in api.interfaces() {
        if decl.origin != super::abi::Origin::Root {
            continue;
        }
        items.extend(generator.interface(decl, interface)?);
    }
    let doc = doc_inner(&module_doc(api));
    let file = quote! {
        #doc
        #![allow(non_snake_case, non_camel_case_types, clippy::too_many_arguments)]

        use core::ffi::c_void;

        use windows_core::{GUID, HRESULT};

        use crate::abi::{self, IntoAbi as _, IntoSuccess as _};
        use crate::object::{ComClass, Implement, dispatch, unknown_vtable};
        #[allow(unused_imports)]
        use crate::sys::*;

        #items
    };
    finish(file)
}

fn module_doc(api: &Api) -> String {
    let traits: Vec<String> = api
        .interfaces()
        .filter(|(d, _)| d.origin == super::abi::Origin::Root)
        .map(|(d, _)| format!("[`{}`] for [`{}`]", trait_name(&d.name), d.name))
        .collect();
    format!(
        "The handler traits: one safe Rust trait per interface of `idl/mobsync.idl` ({}), \
         and the generic `extern \"system\"` shims that implement each interface's vtable for \
         any type implementing its trait.\n\n\
         {}\n\n\
         Implement a trait for your type and name its interface in `#[derive(SyncMgrHandler)]` \
         or `#[derive(ComObject)]`; the runtime builds the vtables from the shims here. Every \
         shim checks its arguments before your method runs (null pointers give `E_POINTER`, a \
         count without its array or a wrong `cbSize` gives `E_INVALIDARG`), clears \
         out-parameters first, and turns a panic into `E_UNEXPECTED`.",
        traits.join(", "),
        STAMP
    )
}

/// Formats the file with prettyplease, turns the `safety_comment__!("...")` markers (which
/// prettyplease may spread over several lines) into `// SAFETY:` comments, and stamps it.
fn finish(file: TokenStream) -> Result<String, String> {
    let parsed: syn::File =
        syn::parse2(file).map_err(|e| format!("generated Rust does not parse: {e}"))?;
    let text = prettyplease::unparse(&parsed);
    let mut out = format!("// {STAMP}\n\n");
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let Some(rest) = trimmed.strip_prefix("safety_comment__!(") else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let mut marker = rest.to_string();
        while !marker.trim_end().ends_with(");") {
            match lines.next() {
                Some(next) => {
                    marker.push(' ');
                    marker.push_str(next.trim());
                }
                None => return Err("unterminated safety comment marker".to_string()),
            }
        }
        let body = marker
            .trim()
            .trim_end_matches(';')
            .trim_end_matches(')')
            .trim();
        let body = body.trim_matches('"');
        let width = 88usize.saturating_sub(indent.len()).max(40);
        let mut current = String::new();
        let mut first = true;
        let flush = |current: &mut String, first: &mut bool, out: &mut String| {
            out.push_str(indent);
            out.push_str(if *first { "// SAFETY: " } else { "// " });
            out.push_str(current);
            out.push('\n');
            current.clear();
            *first = false;
        };
        for word in body.split_whitespace() {
            if !current.is_empty() && current.len() + 1 + word.len() > width {
                flush(&mut current, &mut first, &mut out);
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        if !current.is_empty() || first {
            flush(&mut current, &mut first, &mut out);
        }
    }
    Ok(out)
}

// ----- names ---------------------------------------------------------------------------------

/// `ISyncMgrSynchronize` → `SyncMgrSynchronize`.
fn trait_name(interface: &str) -> String {
    match interface.strip_prefix('I') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest.to_string(),
        _ => interface.to_string(),
    }
}

/// `EnumSyncMgrItems` → `enum_sync_mgr_items`; `ItemIDs` → `item_ids`.
pub(crate) fn snake_case(name: &str) -> String {
    let name = name.replace("IDs", "Ids");
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let acronym_end = i > 0
                && chars[i - 1].is_ascii_uppercase()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if (prev_lower || acronym_end) && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out.replace("h_wnd", "hwnd")
}

/// The Rust name of a method.
fn method_name(m: &Method) -> String {
    let snake = snake_case(&m.name);
    if PRELUDE_METHODS.contains(&snake.as_str()) {
        format!("{snake}_com")
    } else {
        snake
    }
}

/// The Rust name of a parameter: conventional names, else the name without its Hungarian
/// prefix, in snake case.
pub(crate) fn param_name(name: &str) -> String {
    if let Some((_, rust)) = PARAM_NAMES.iter().find(|(idl, _)| *idl == name) {
        return (*rust).to_string();
    }
    for prefix in PREFIXES {
        if let Some(rest) = name.strip_prefix(prefix)
            && rest.starts_with(|c: char| c.is_ascii_uppercase())
        {
            return snake_case(rest);
        }
    }
    snake_case(name)
}

fn is_bool_flag(p: &Param) -> bool {
    p.name
        .strip_prefix('f')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_uppercase()))
        && matches!(p.ty.resolved(), Ty::Prim(Prim::I32))
}

// ----- docs and markers ----------------------------------------------------------------------

fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #(#[doc = #lines])* }
}

fn doc_inner(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #(#![doc = #lines])* }
}

fn safety(text: &str) -> TokenStream {
    quote! { safety_comment__!(#text); }
}

// ----- the generator -------------------------------------------------------------------------

struct Generator<'a> {
    api: &'a Api,
}

/// How one parameter appears in the trait and in the shim.
#[derive(Default)]
struct ParamPlan {
    /// The trait parameter (`name: Type`), if the parameter shows up in the trait.
    sig: Option<TokenStream>,
    /// Checks and conversions in the shim, in two phases: out-parameters first.
    out_prep: Vec<TokenStream>,
    in_prep: Vec<TokenStream>,
    /// The argument expression passed to the trait method.
    arg: Option<TokenStream>,
    /// A line for the method's docs.
    note: Option<String>,
}

/// What a trait method returns, and how the shim turns that into an HRESULT.
struct Returns {
    /// The `T` of `windows_core::Result<T>`.
    ty: TokenStream,
    /// The shim's match arm for `Ok(value)`, evaluating to `Checked<HRESULT>`.
    finish: TokenStream,
}

impl<'a> Generator<'a> {
    fn new(api: &'a Api) -> Self {
        Generator { api }
    }

    fn interface(&self, decl: &Decl, interface: &Interface) -> Result<TokenStream, String> {
        let iname = &decl.name;
        let trait_ident = format_ident!("{}", trait_name(iname));
        let iface = ident(iname);
        let vtbl = format_ident!("{}_Vtbl", iname);

        let mut outcome_enums = TokenStream::new();
        let mut trait_methods = TokenStream::new();
        let mut shims = TokenStream::new();
        let mut slots = TokenStream::new();

        for m in &interface.methods {
            if m.ret != Ty::Hresult {
                return Err(format!(
                    "{iname}::{}: handler traits need methods returning HRESULT",
                    m.name
                ));
            }
            let outcome = if self.uses_fetched_count(m) {
                if m.success_codes
                    .iter()
                    .any(|c| c != "S_OK" && c != "S_FALSE")
                {
                    return Err(format!(
                        "{iname}::{}: a method with a fetched count may only succeed with S_OK or S_FALSE",
                        m.name
                    ));
                }
                None
            } else if m.has_extra_success_codes() {
                let (name, tokens) = self.outcome_enum(iname, m);
                outcome_enums.extend(tokens);
                Some(name)
            } else {
                None
            };
            let (method, shim) = self.method(iname, &trait_ident, m, outcome.as_ref())?;
            trait_methods.extend(method);
            shims.extend(shim);
            let slot = ident(&m.name);
            let shim_name = format_ident!("{}_{}", iname, m.name);
            slots.extend(quote! { #slot: #shim_name::<T, K>, });
        }

        let (base_vtable, supertrait) = match interface.base.as_deref() {
            Some("IUnknown") | None => (quote!(unknown_vtable::<T, K>()), quote!()),
            Some(base) => {
                let b = ident(base);
                let bt = format_ident!("{}", trait_name(base));
                (quote!(<#b as Implement<T, K>>::VTABLE), quote!(: #bt))
            }
        };

        let trait_doc = doc(&format!(
            "{}\n\n\
             The safe Rust side of [`{iname}`]. Implement it for a type whose \
             `#[derive(SyncMgrHandler)]` or `#[derive(ComObject)]` lists `{iname}`; COM \
             callers reach your methods through the generated vtable, after the argument checks \
             described on each method.",
            decl.doc
        ));
        let unimplemented_message =
            format!("`{{Self}}` does not implement `{}`", trait_name(iname));
        let unimplemented_label =
            format!("`{iname}` needs `impl {} for {{Self}}`", trait_name(iname));
        let unimplemented_note = format!(
            "write `impl mobsync_runtime::{} for {{Self}} {{{{ ... }}}}` with the trait's required methods, \
             or remove `{iname}` from the derive's interface list",
            trait_name(iname)
        );
        let implement_safety = safety(&format!(
            "every slot is a shim for the same method of {iname} that treats this as slot K of an \
             Object<T> through dispatch, and the base slots come from the runtime."
        ));
        Ok(quote! {
            #outcome_enums

            #trait_doc
            #[diagnostic::on_unimplemented(
                message = #unimplemented_message,
                label = #unimplemented_label,
                note = #unimplemented_note
            )]
            pub trait #trait_ident #supertrait {
                #trait_methods
            }

            #implement_safety
            unsafe impl<T: #trait_ident + ComClass, const K: usize> Implement<T, K> for #iface {
                const VTABLE: #vtbl = #vtbl {
                    base__: #base_vtable,
                    #slots
                };
            }

            #shims
        })
    }

    fn uses_fetched_count(&self, m: &Method) -> bool {
        m.params.iter().any(|p| {
            matches!(
                p.role,
                ParamRole::OutArray {
                    fetched: Some(_),
                    ..
                }
            )
        })
    }

    /// The name of the outcome enum of a method: `<Method>Outcome`, prefixed with the trait name
    /// when another interface has a method of the same name.
    fn outcome_name(&self, iname: &str, m: &Method) -> Ident {
        let shared = self
            .api
            .interfaces()
            .filter(|(d, i)| d.name != iname && i.methods.iter().any(|o| o.name == m.name))
            .count()
            > 0;
        if shared {
            format_ident!("{}{}Outcome", trait_name(iname), m.name)
        } else {
            format_ident!("{}Outcome", m.name)
        }
    }

    /// The path of an HRESULT constant: the IDL's constants live in `sys`, the standard codes in
    /// `hresults`.
    fn hresult_path(&self, code: &str) -> TokenStream {
        let c = ident(code);
        let from_idl = self
            .api
            .find(code)
            .is_some_and(|d| matches!(d.kind, DeclKind::Const(_)));
        if from_idl {
            quote!(crate::sys::#c)
        } else {
            quote!(crate::hresults::#c)
        }
    }

    fn outcome_enum(&self, iname: &str, m: &Method) -> (Ident, TokenStream) {
        let name = self.outcome_name(iname, m);
        let rust_method = method_name(m);
        let enum_doc = doc(&format!(
            "The successful outcomes of [`{}::{rust_method}`]: the success codes \
             `{iname}::{}` is documented to return. Return the one that applies; the shim \
             passes its code to the caller unchanged.",
            trait_name(iname),
            m.name
        ));
        let variants = m.success_codes.iter().map(|code| {
            let v = ident(code);
            let d = doc(&format!("`{code}`."));
            quote! { #d #v, }
        });
        let to_code = m.success_codes.iter().map(|code| {
            let v = ident(code);
            let path = self.hresult_path(code);
            quote! { #name::#v => #path, }
        });
        let from_code = m.success_codes.iter().map(|code| {
            let v = ident(code);
            let path = self.hresult_path(code);
            quote! { if hr == #path { return Some(#name::#v); } }
        });
        let tokens = quote! {
            #enum_doc
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub enum #name {
                #(#variants)*
            }

            impl #name {
                /// The success code.
                pub const fn hresult(self) -> HRESULT {
                    match self {
                        #(#to_code)*
                    }
                }

                /// The outcome a success code stands for, or `None` for any other code.
                pub fn from_hresult(hr: HRESULT) -> Option<Self> {
                    #(#from_code)*
                    None
                }
            }

            impl abi::IntoSuccess for #name {
                fn into_success(self) -> HRESULT {
                    self.hresult()
                }
            }

            impl From<#name> for HRESULT {
                fn from(outcome: #name) -> HRESULT {
                    outcome.hresult()
                }
            }
        };
        (name, tokens)
    }

    /// The trait method and the shim of one IDL method.
    fn method(
        &self,
        iname: &str,
        trait_ident: &Ident,
        m: &Method,
        outcome: Option<&Ident>,
    ) -> Result<(TokenStream, TokenStream), String> {
        let what = format!("{iname}::{}", m.name);
        let default_body = m.optional.as_ref().map(|code| {
            let path = self.hresult_path(code);
            quote!({ Err(#path.into()) })
        });
        let underscore = default_body.is_some();

        // The `length_is(*f)` count of an out-array is handled with the array.
        let fetched: Vec<usize> = m
            .params
            .iter()
            .filter_map(|p| match p.role {
                ParamRole::OutArray { fetched, .. } => fetched,
                _ => None,
            })
            .collect();
        let mut plans = Vec::new();
        for (index, p) in m.params.iter().enumerate() {
            if fetched.contains(&index) {
                plans.push(ParamPlan::default());
            } else {
                plans.push(self.param(&what, m, p, underscore)?);
            }
        }
        let returns = self.returns(&what, m, outcome)?;

        let rust_method = format_ident!("{}", method_name(m));
        let sig = plans.iter().filter_map(|p| p.sig.clone());
        let ret_ty = &returns.ty;

        let mut notes: Vec<String> = plans.iter().filter_map(|p| p.note.clone()).collect();
        notes.dedup();
        let mut text = format!(
            "{}\n\nCOM calls it through vtable slot {} (`{what}`).",
            m.doc, m.slot
        );
        if !notes.is_empty() {
            text.push_str(" Before it runs, the runtime checks the arguments: ");
            text.push_str(&notes.join(" "));
        }
        if let Some(code) = &m.optional {
            text.push_str(&format!(
                "\n\nOptional: the default implementation returns `{code}`."
            ));
        }
        if let Some(o) = outcome {
            text.push_str(&format!(
                "\n\nSucceeds with one of the documented success codes, as [`{o}`]."
            ));
        }
        let method_doc = doc(&text);
        let body = default_body.unwrap_or_else(|| quote!(;));
        let trait_method = quote! {
            #method_doc
            fn #rust_method(&self, #(#sig),*) -> windows_core::Result<#ret_ty> #body
        };

        // The shim.
        let shim_name = format_ident!("{}_{}", iname, m.name);
        let raw_params = m.params.iter().map(|p| {
            let n = ident(&p.name);
            let t = rust_ty(&p.ty);
            quote!(#n: #t)
        });
        let out_prep = plans.iter().flat_map(|p| p.out_prep.clone());
        let in_prep = plans.iter().flat_map(|p| p.in_prep.clone());
        let args = plans.iter().filter_map(|p| p.arg.clone());
        let finish = &returns.finish;
        let shim_safety = safety(&format!(
            "COM calls this slot of the {iname} vtable with this = slot K of a live Object<T> (the \
             only place the vtable is reachable from) and arguments valid as the MIDL attributes of \
             {what} describe; every pointer is checked before use by the abi helpers."
        ));
        let shim = quote! {
            unsafe extern "system" fn #shim_name<T: #trait_ident + ComClass, const K: usize>(
                this: *mut c_void,
                #(#raw_params),*
            ) -> HRESULT {
                #shim_safety
                unsafe {
                    dispatch::<T, K>(this, #what, |object| {
                        abi::respond(|| {
                            #(#out_prep)*
                            #(#in_prep)*
                            match <T as #trait_ident>::#rust_method(object, #(#args),*) {
                                #finish
                                Err(error) => Ok(abi::error_code(#what, error)),
                            }
                        })
                    })
                }
            }
        };
        Ok((trait_method, shim))
    }

    /// The plan for one parameter.
    fn param(
        &self,
        what: &str,
        m: &Method,
        p: &Param,
        underscore: bool,
    ) -> Result<ParamPlan, String> {
        let raw = ident(&p.name);
        let base_name = param_name(&p.name);
        let local = if underscore {
            format_ident!("_{}", base_name)
        } else {
            ident(&base_name)
        };
        let mut plan = ParamPlan::default();
        let pname = &p.name;
        match p.role {
            ParamRole::Value => {
                if is_bool_flag(p) {
                    plan.sig = Some(quote!(#local: bool));
                    plan.arg = Some(quote!(abi::in_bool(#raw)));
                } else {
                    let t = rust_ty(&p.ty);
                    plan.sig = Some(quote!(#local: #t));
                    plan.arg = Some(quote!(#raw));
                }
            }
            ParamRole::InRef { optional } => {
                let (pointee, _) =
                    p.ty.pointee()
                        .ok_or_else(|| format!("{what}: {pname} is not a pointer"))?;
                match pointee.resolved() {
                    Ty::Guid => {
                        if optional {
                            plan.sig = Some(quote!(#local: Option<&GUID>));
                            plan.in_prep
                                .push(quote!(let #raw = abi::in_guid_opt(#raw);));
                            plan.arg = Some(quote!(#raw.as_ref()));
                        } else {
                            plan.sig = Some(quote!(#local: &GUID));
                            plan.in_prep.push(quote!(let #raw = abi::in_guid(#raw)?;));
                            plan.arg = Some(quote!(&#raw));
                            plan.note = Some(format!("`{pname}` must not be null (`E_POINTER`)."));
                        }
                    }
                    Ty::Named {
                        name,
                        kind: NamedKind::Struct,
                    } => {
                        let s = ident(name);
                        let sized = self.has_cb_size(name);
                        let check = if sized {
                            quote!(abi::in_sized_struct)
                        } else {
                            quote!(abi::in_ref)
                        };
                        let view = IN_VIEWS
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, v)| format_ident!("{}", v));
                        let (ty, conv) = match &view {
                            Some(v) => (
                                quote!(crate::#v<'_>),
                                quote!(|raw| crate::#v::from_checked(raw)),
                            ),
                            None => (quote!(&#s), quote!(|raw| raw)),
                        };
                        if optional {
                            plan.sig = Some(quote!(#local: Option<#ty>));
                            plan.in_prep.push(quote! {
                                let #raw = if #raw.is_null() { None } else { Some(#check(#raw)?) };
                                let #raw = #raw.map(#conv);
                            });
                        } else {
                            plan.sig = Some(quote!(#local: #ty));
                            plan.in_prep.push(quote! {
                                let #raw = (#conv)(#check(#raw)?);
                            });
                        }
                        let mut note = String::new();
                        if !optional {
                            note.push_str(&format!("`{pname}` must not be null (`E_POINTER`). "));
                        }
                        if sized {
                            note.push_str(&format!(
                                "`{pname}->cbSize` must be `size_of::<{name}>()` (`E_INVALIDARG`)."
                            ));
                        }
                        plan.note = (!note.is_empty()).then(|| note.trim_end().to_string());
                        plan.arg = Some(quote!(#raw));
                    }
                    other => {
                        let t = rust_ty(other);
                        if optional {
                            plan.sig = Some(quote!(#local: Option<&#t>));
                            plan.in_prep.push(quote! {
                                let #raw = if #raw.is_null() { None } else { Some(abi::in_ref(#raw)?) };
                            });
                        } else {
                            plan.sig = Some(quote!(#local: &#t));
                            plan.in_prep.push(quote!(let #raw = abi::in_ref(#raw)?;));
                        }
                        plan.arg = Some(quote!(#raw));
                    }
                }
            }
            ParamRole::InInterface { optional } => {
                let iface = self
                    .interface_of(p, 1)
                    .ok_or_else(|| format!("{what}: {pname} is not an interface pointer"))?;
                if optional {
                    plan.sig = Some(quote!(#local: Option<#iface>));
                    plan.in_prep
                        .push(quote!(let #raw = abi::in_interface::<#iface>(#raw);));
                } else {
                    plan.sig = Some(quote!(#local: #iface));
                    plan.in_prep
                        .push(quote!(let #raw = abi::in_interface_required::<#iface>(#raw)?;));
                    plan.note = Some(format!("`{pname}` must not be null (`E_POINTER`)."));
                }
                plan.arg = Some(quote!(#raw));
            }
            ParamRole::InString { optional } => {
                if optional {
                    plan.sig = Some(quote!(#local: Option<&crate::WStr>));
                    plan.in_prep
                        .push(quote!(let #raw = abi::in_wstr_opt(#raw)?;));
                } else {
                    plan.sig = Some(quote!(#local: &crate::WStr));
                    plan.in_prep.push(quote!(let #raw = abi::in_wstr(#raw)?;));
                    plan.note = Some(format!("`{pname}` must not be null (`E_POINTER`)."));
                }
                plan.arg = Some(quote!(#raw));
            }
            ParamRole::InArray { len, .. } => {
                let (elem, _) =
                    p.ty.pointee()
                        .ok_or_else(|| format!("{what}: {pname} is not a pointer"))?;
                let t = rust_ty(elem.resolved());
                let count = ident(&m.params[len].name);
                plan.sig = Some(quote!(#local: &[#t]));
                plan.in_prep
                    .push(quote!(let #raw: &[#t] = abi::in_slice(#raw, #count)?;));
                plan.arg = Some(quote!(#raw));
                plan.note = Some(format!(
                    "`{pname}` may be null only when `{}` is zero (`E_INVALIDARG`).",
                    m.params[len].name
                ));
            }
            ParamRole::OutArray { len, fetched } => {
                let (elem, _) =
                    p.ty.pointee()
                        .ok_or_else(|| format!("{what}: {pname} is not a pointer"))?;
                let t = rust_ty(elem.resolved());
                let count = ident(&m.params[len].name);
                plan.sig = Some(quote!(#local: &mut [#t]));
                if let Some(f) = fetched {
                    let fetched_raw = ident(&m.params[f].name);
                    plan.out_prep
                        .push(quote!(let #fetched_raw = abi::fetched_init(#fetched_raw, #count)?;));
                    plan.note = Some(format!(
                        "`{pname}` may be null only when `{count_name}` is zero (`E_INVALIDARG`); \
                         `{fetched_name}` may be null only when `{count_name}` is 1 (`E_POINTER`).",
                        count_name = m.params[len].name,
                        fetched_name = m.params[f].name,
                    ));
                } else {
                    plan.note = Some(format!(
                        "`{pname}` may be null only when `{}` is zero (`E_INVALIDARG`).",
                        m.params[len].name
                    ));
                }
                plan.out_prep
                    .push(quote!(let #raw: &mut [#t] = abi::out_slice(#raw, #count)?;));
                plan.arg = Some(quote!(&mut *#raw));
            }
            ParamRole::ArrayLen { .. } | ParamRole::Iid { .. } => {}
            ParamRole::OutValue | ParamRole::OutInterface => {
                plan.out_prep
                    .push(quote!(let #raw = abi::out_zeroed(#raw)?;));
                plan.note = Some(format!(
                    "`{pname}` must not be null (`E_POINTER`) and is cleared first."
                ));
            }
            ParamRole::OutIid { iid } => {
                let riid = ident(&m.params[iid].name);
                plan.sig = Some(quote!(#local: abi::InterfaceOut<'_>));
                plan.out_prep
                    .push(quote!(let #raw = abi::InterfaceOut::new(#riid, #raw)?;));
                plan.arg = Some(quote!(#raw));
                plan.note = Some(format!(
                    "`{pname}` and `{}` must not be null (`E_POINTER`); `*{pname}` is cleared first.",
                    m.params[iid].name
                ));
            }
            ParamRole::InOut => {
                let (pointee, _) =
                    p.ty.pointee()
                        .ok_or_else(|| format!("{what}: {pname} is not a pointer"))?;
                let t = rust_ty(pointee.resolved());
                plan.sig = Some(quote!(#local: &mut #t));
                plan.in_prep.push(quote!(let #raw = abi::in_out(#raw)?;));
                plan.arg = Some(quote!(#raw));
                plan.note = Some(format!("`{pname}` must not be null (`E_POINTER`)."));
            }
            ParamRole::Raw => {
                return Err(format!(
                    "{what}: parameter {pname} has no safe form; the handler traits need MIDL \
                     attributes that describe it (size_is, string, iid_is ...)"
                ));
            }
        }
        Ok(plan)
    }

    /// The interface type behind `depth + 1` pointers of a parameter (`I*` → depth 0 is the
    /// pointee).
    fn interface_of(&self, p: &Param, levels: usize) -> Option<TokenStream> {
        let mut ty = &p.ty;
        for _ in 0..levels {
            ty = ty.pointee()?.0;
        }
        match ty.resolved() {
            Ty::Interface(name) if name == "IUnknown" => Some(quote!(windows_core::IUnknown)),
            Ty::Interface(name) => {
                let i = ident(name);
                Some(quote!(#i))
            }
            _ => None,
        }
    }

    fn has_cb_size(&self, struct_name: &str) -> bool {
        match self.api.find(struct_name).map(|d| &d.kind) {
            Some(DeclKind::Struct(s)) => s.fields.first().is_some_and(|f| {
                f.name == "cbSize" && matches!(f.ty.resolved(), Ty::Prim(Prim::U32))
            }),
            _ => false,
        }
    }

    /// The trait's return type and the shim's code after a successful call.
    fn returns(&self, what: &str, m: &Method, outcome: Option<&Ident>) -> Result<Returns, String> {
        // A fetched count: the method returns how many elements it filled.
        for p in &m.params {
            if let ParamRole::OutArray {
                len,
                fetched: Some(f),
            } = p.role
            {
                let count = ident(&m.params[len].name);
                let fetched = ident(&m.params[f].name);
                return Ok(Returns {
                    ty: quote!(usize),
                    finish: quote! {
                        Ok(value) => abi::finish_fetched(#what, value, #count, #fetched),
                    },
                });
            }
        }

        let mut tys = Vec::new();
        let mut writes = Vec::new();
        let returned: Vec<&Param> = m
            .params
            .iter()
            .filter(|p| p.role.is_returned() && !matches!(p.role, ParamRole::OutIid { .. }))
            .collect();
        for (index, p) in returned.iter().enumerate() {
            let raw = ident(&p.name);
            let field = if returned.len() == 1 && outcome.is_none() {
                quote!(value)
            } else {
                let i = Literal::usize_unsuffixed(index + usize::from(outcome.is_some()));
                quote!(value.#i)
            };
            match p.role {
                ParamRole::OutInterface => {
                    let iface = self
                        .interface_of(p, 2)
                        .ok_or_else(|| format!("{what}: {} is not an interface", p.name))?;
                    tys.push(iface);
                    writes.push(quote!(abi::write_interface(#raw, #field);));
                }
                ParamRole::OutValue => {
                    let (pointee, _) =
                        p.ty.pointee()
                            .ok_or_else(|| format!("{what}: {} is not a pointer", p.name))?;
                    let ty = match pointee.resolved() {
                        Ty::Ptr { pointee: inner, .. } => match inner.resolved() {
                            Ty::Named {
                                name,
                                kind: NamedKind::Struct,
                            } => match OUT_OWNED.iter().find(|(n, _)| n == name) {
                                Some((_, owned)) => {
                                    let o = format_ident!("{}", owned);
                                    quote!(crate::#o)
                                }
                                None => {
                                    let s = ident(name);
                                    quote!(crate::task_mem::TaskBox<#s>)
                                }
                            },
                            _ => {
                                return Err(format!(
                                    "{what}: {} returns a pointer the traits cannot own",
                                    p.name
                                ));
                            }
                        },
                        other => rust_ty(other),
                    };
                    tys.push(ty);
                    writes.push(quote!(abi::write_out(#raw, #field.into_abi()?);));
                }
                _ => unreachable!("returns: only OutValue and OutInterface are returned"),
            }
        }
        let status = match outcome {
            Some(_) => {
                let field = if returned.is_empty() {
                    quote!(value)
                } else {
                    quote!(value.0)
                };
                quote!(#field.into_success())
            }
            None => quote!(crate::hresults::S_OK),
        };
        let mut all = Vec::new();
        if let Some(o) = outcome {
            all.push(quote!(#o));
        }
        all.extend(tys);
        let ty = match all.len() {
            0 => quote!(()),
            1 => all.remove(0),
            _ => quote!((#(#all),*)),
        };
        let finish = if writes.is_empty() && outcome.is_none() {
            quote! { Ok(()) => Ok(#status), }
        } else {
            quote! {
                Ok(value) => {
                    let status = #status;
                    #(#writes)*
                    Ok(status)
                }
            }
        };
        Ok(Returns { ty, finish })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rules() {
        assert_eq!(trait_name("ISyncMgrSynchronize"), "SyncMgrSynchronize");
        assert_eq!(snake_case("EnumSyncMgrItems"), "enum_sync_mgr_items");
        assert_eq!(snake_case("GetHandlerInfo"), "get_handler_info");
        assert_eq!(param_name("pItemIDs"), "item_ids");
        assert_eq!(param_name("hWndParent"), "hwnd_parent");
        assert_eq!(param_name("dwSyncMgrFlags"), "sync_mgr_flags");
        assert_eq!(param_name("lpcErrorText"), "error_text");
        assert_eq!(param_name("lpwszConnection"), "connection");
        assert_eq!(param_name("hr"), "hr");
        assert_eq!(param_name("ItemID"), "item_id");
        assert_eq!(param_name("rgelt"), "items");
        assert_eq!(param_name("fEnable"), "enable");
    }

    #[test]
    fn generates_every_trait_and_shim() {
        let api = Api::from_model(crate::mobsync_compilation()).unwrap_or_else(|d| panic!("{d}"));
        let text = generate(&api).unwrap();
        for t in [
            "pub trait SyncMgrSynchronize",
            "pub trait SyncMgrSynchronizeCallback",
            "pub trait SyncMgrEnumItems",
            "pub trait SyncMgrSynchronizeInvoke",
            "pub trait SyncMgrRegister",
            "pub enum InitializeOutcome",
            "pub enum ProgressOutcome",
            "S_SYNCMGR_CANCELALL",
            "fn get_handler_info(&self) -> windows_core::Result<crate::HandlerInfo>",
            "fn next(&self, items: &mut [SYNCMGRITEM]) -> windows_core::Result<usize>",
            "fn clone_com(&self) -> windows_core::Result<ISyncMgrEnumItems>",
        ] {
            assert!(text.contains(t), "missing `{t}` in:\n{text}");
        }
        assert!(text.starts_with("// Generated by `cargo xtask regen`"));
    }
}
