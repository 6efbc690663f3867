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

mod names;
mod out_arrays;
mod params;

use super::abi::{Api, Decl, DeclKind, Interface, Method, NamedKind, ParamRole, Ty};
use super::finish::finish;
use super::options::TraitsOptions;
use super::rust_tokens::{ident, rust_ty, zero};
use names::*;

/// Generates the text of `mobsync-runtime/src/interfaces.rs`.
///
/// # Errors
/// A method the rules cannot express safely (a raw parameter, a non-HRESULT return, a fetched
/// count with success codes other than `S_OK`/`S_FALSE`), or generated code that does not parse.
pub fn generate(api: &Api, opts: &TraitsOptions) -> Result<String, String> {
    finish(tokens(api, opts)?, &opts.stamp)
}

/// Whether COM objects can implement an interface through a trait: one derived from
/// `IUnknown` (the object model answers `IUnknown` itself), not a dispinterface (whose members
/// are reached through `IDispatch::Invoke`).
pub(crate) fn implementable(decl: &Decl, interface: &Interface) -> bool {
    decl.name != "IUnknown"
        && !interface.dispinterface
        && interface.ancestors.last().is_some_and(|a| a == "IUnknown")
}

/// The items of the module [`generate`] writes, before formatting.
///
/// # Errors
/// As [`generate`].
pub fn tokens(api: &Api, opts: &TraitsOptions) -> Result<TokenStream, String> {
    tokens_of(api, opts, false)
}

/// As [`tokens`], for the root files' own interfaces only (see
/// [`bindings::own_tokens`](super::bindings::own_tokens)).
///
/// # Errors
/// As [`generate`].
pub fn own_tokens(api: &Api, opts: &TraitsOptions) -> Result<TokenStream, String> {
    tokens_of(api, opts, true)
}

fn tokens_of(api: &Api, opts: &TraitsOptions, own_only: bool) -> Result<TokenStream, String> {
    let generator = Generator::new(api, opts)?;
    let (rt, sys) = (&generator.rt, &generator.sys);
    let mut items = TokenStream::new();
    for (decl, interface) in api.interfaces() {
        if own_only && decl.origin != super::abi::Origin::Root {
            continue;
        }
        if implementable(decl, interface) {
            items.extend(generator.interface(decl, interface)?);
        }
    }
    let doc = doc_inner(&module_doc(api, opts));
    Ok(quote! {
        #doc
        #![allow(non_snake_case, non_camel_case_types, clippy::too_many_arguments)]

        #[allow(unused_imports)]
        use core::ffi::c_void;

        #[allow(unused_imports)]
        use windows_core::{GUID, HRESULT};

        #[allow(unused_imports)]
        use #rt::abi::{self, IntoAbi as _, IntoSuccess as _};
        #[allow(unused_imports)]
        use #rt::object::{
            ComClass, Implement, dispatch, dispatch_value, not_implemented, unknown_vtable,
        };
        #[allow(unused_imports)]
        use #sys::*;

        #items
    })
}

fn module_doc(api: &Api, opts: &TraitsOptions) -> String {
    let traits: Vec<String> = api
        .interfaces()
        .filter(|(d, i)| implementable(d, i))
        .map(|(d, _)| format!("[`{}`] for [`{}`]", trait_name(api, &d.name), d.name))
        .collect();
    let derives: Vec<String> = opts
        .derives
        .iter()
        .map(|d| format!("`#[derive({d})]`"))
        .collect();
    format!(
        "The handler traits: one safe Rust trait per interface of `{}` ({}), \
         and the generic `extern \"system\"` shims that implement each interface's vtable for \
         any type implementing its trait.\n\n\
         {}\n\n\
         Implement a trait for your type and name its interface in {}; \
         the runtime builds the vtables from the shims here. Every \
         shim checks its arguments before your method runs (null pointers give `E_POINTER`, a \
         count without its array or a wrong `cbSize` gives `E_INVALIDARG`), clears \
         out-parameters first, and turns a panic into `E_UNEXPECTED`.",
        opts.stamp.source,
        traits.join(", "),
        opts.stamp.text(),
        derives.join(" or "),
    )
}

// ----- docs and markers ----------------------------------------------------------------------

/// Why the checked form of a method with a fetched count (`[out, size_is(n),
/// length_is(*f)] T*`) does not fit it, if it does not: that form returns one count (a `u32`
/// written back through a `ULONG*`), so several such arrays, other returned values beside one,
/// or counts of other types take the raw form.
fn fetched_count_unsupported(m: &Method) -> Option<String> {
    let arrays: Vec<(usize, usize)> = m
        .params
        .iter()
        .filter_map(|p| match p.role {
            ParamRole::OutArray {
                len,
                fetched: Some(f),
            } => Some((len, f)),
            _ => None,
        })
        .collect();
    if arrays.is_empty() {
        return None;
    }
    let fetched: Vec<usize> = arrays.iter().map(|(_, f)| *f).collect();
    if arrays.len() > 1 || m.out_values().iter().any(|i| !fetched.contains(i)) {
        return Some(
            "it fills more than one array with a fetched count, or returns other values beside one"
                .to_string(),
        );
    }
    let (len, f) = arrays[0];
    let u32_count = matches!(m.params[len].ty.resolved(), Ty::Prim(super::abi::Prim::U32));
    let u32_fetched = matches!(
        m.params[f].ty.pointee().map(|(t, _)| t.resolved()),
        Some(Ty::Prim(super::abi::Prim::U32))
    );
    (!u32_count || !u32_fetched)
        .then(|| "its array count or fetched count is not a ULONG".to_string())
}

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
    opts: &'a TraitsOptions,
    /// The path of the runtime crate ([`TraitsOptions::runtime`]).
    rt: TokenStream,
    /// The path of the bindings module ([`TraitsOptions::bindings`]).
    sys: TokenStream,
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
    /// Statements the shim runs when the method fails, before returning its error.
    on_error: Vec<TokenStream>,
    /// The name of the trait parameter, if there is one.
    local: Option<Ident>,
    /// For an out-array of plain items, the `_uninit` method's parameter (`name: &mut
    /// [MaybeUninit<T>]`) and the statements its default body turns it into `&mut [T]` with.
    uninit: Option<(TokenStream, TokenStream)>,
}

/// What a trait method returns, and how the shim turns that into an HRESULT.
struct Returns {
    /// The `T` of `windows_core::Result<T>`.
    ty: TokenStream,
    /// The shim's match arm for `Ok(value)`, evaluating to `Checked<HRESULT>`.
    finish: TokenStream,
}

impl<'a> Generator<'a> {
    fn new(api: &'a Api, opts: &'a TraitsOptions) -> Result<Self, String> {
        let path = |what: &str, text: &str| {
            syn::parse_str::<syn::Path>(text)
                .map(|p| quote!(#p))
                .map_err(|e| format!("the {what} path `{text}` is not a Rust path: {e}"))
        };
        Ok(Generator {
            api,
            opts,
            rt: path("runtime", &opts.runtime)?,
            sys: path("bindings", &opts.bindings)?,
        })
    }

    fn interface(&self, decl: &Decl, interface: &Interface) -> Result<TokenStream, String> {
        let iname = &decl.name;
        let trait_ident = format_ident!("{}", trait_name(self.api, iname));
        let iface = ident(iname);
        let vtbl = format_ident!("{}_Vtbl", iname);

        let mut outcome_enums = TokenStream::new();
        let mut trait_methods = TokenStream::new();
        let mut shims = TokenStream::new();
        let mut slots = TokenStream::new();

        for m in &interface.methods {
            let slot = ident(&m.name);
            if m.unsupported.is_some() {
                // The bindings cannot say the signature: the slot answers E_NOTIMPL.
                slots.extend(quote! { #slot: not_implemented as *const c_void, });
                continue;
            }
            let (method, shim) = match self.checked_method(iname, &trait_ident, m) {
                Ok((enums, method, shim)) => {
                    outcome_enums.extend(enums);
                    (method, shim)
                }
                Err(why) => self.raw_method(iname, &trait_ident, m, &why),
            };
            trait_methods.extend(method);
            shims.extend(shim);
            let shim_name = format_ident!("{}_{}", iname, m.name);
            slots.extend(quote! { #slot: #shim_name::<T, K>, });
        }

        let (base_vtable, supertrait) = match interface.base.as_deref() {
            Some("IUnknown") | None => (quote!(unknown_vtable::<T, K>()), quote!()),
            Some(base) => {
                let b = ident(base);
                let bt = format_ident!("{}", trait_name(self.api, base));
                (quote!(<#b as Implement<T, K>>::VTABLE), quote!(: #bt))
            }
        };
        // The interfaces this one's vtable starts with, so that QueryInterface answers them
        // with this slot (an object implementing IPersistStream is an IPersist too).
        let bases: Vec<Ident> = interface
            .ancestors
            .iter()
            .filter(|a| *a != "IUnknown")
            .map(|a| ident(a))
            .collect();
        let bases_const = if bases.is_empty() {
            quote!()
        } else {
            quote! {
                const BASES: &'static [windows_core::GUID] =
                    &[#(<#bases as windows_core::Interface>::IID),*];
            }
        };

        let derives: Vec<String> = self
            .opts
            .derives
            .iter()
            .map(|d| format!("`#[derive({d})]`"))
            .collect();
        let trait_doc = doc(&format!(
            "{}\n\n\
             The safe Rust side of [`{iname}`]. Implement it for a type whose \
             {} lists `{iname}`; COM \
             callers reach your methods through the generated vtable, after the argument checks \
             described on each method.",
            decl.doc,
            derives.join(" or ")
        ));
        let short = trait_name(self.api, iname);
        let trait_path = if self.opts.trait_path.is_empty() {
            short.clone()
        } else {
            format!("{}::{}", self.opts.trait_path, short)
        };
        let unimplemented_message = format!("`{{Self}}` does not implement `{short}`");
        let unimplemented_label = format!("`{iname}` needs `impl {short} for {{Self}}`");
        let unimplemented_note = format!(
            "write `impl {trait_path} for {{Self}} {{{{ ... }}}}` with the trait's required methods, \
             or remove `{iname}` from the derive's interface list"
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
                #bases_const
            }

            #shims
        })
    }

    /// The outcome enum (if any), trait method and shim of a method whose arguments the shim
    /// checks; `Err` with the reason when the method has no such form.
    fn checked_method(
        &self,
        iname: &str,
        trait_ident: &Ident,
        m: &Method,
    ) -> Result<(TokenStream, TokenStream, TokenStream), String> {
        if m.ret != Ty::Hresult {
            return Err(
                "it does not return an HRESULT, so the shim has no code to report \
                        bad arguments with"
                    .to_string(),
            );
        }
        if let Some(why) = fetched_count_unsupported(m) {
            return Err(why);
        }
        let outcome = if self.uses_fetched_count(m) {
            if m.success_codes
                .iter()
                .any(|c| c != "S_OK" && c != "S_FALSE")
            {
                return Err(
                    "a method with a fetched count may only succeed with S_OK or S_FALSE"
                        .to_string(),
                );
            }
            None
        } else if m.has_extra_success_codes() {
            Some(self.outcome_enum(iname, m))
        } else {
            None
        };
        let (method, shim) =
            self.method(iname, trait_ident, m, outcome.as_ref().map(|(n, _)| n))?;
        let enums = outcome.map(|(_, t)| t).unwrap_or_default();
        Ok((enums, method, shim))
    }

    /// The trait method and shim of a method the shim cannot check (`why`): the trait method
    /// takes the raw ABI values and returns the raw result; the shim still refuses a null
    /// `this` and a call on the wrong thread, and catches panics (`E_POINTER`,
    /// `RPC_E_WRONG_THREAD`, `E_UNEXPECTED` for an HRESULT method, the zero value otherwise).
    fn raw_method(
        &self,
        iname: &str,
        trait_ident: &Ident,
        m: &Method,
        why: &str,
    ) -> (TokenStream, TokenStream) {
        let what = format!("{iname}::{}", m.name);
        let rust_method = ident(&method_name(m));
        let default = m
            .optional
            .as_ref()
            .filter(|_| m.ret == Ty::Hresult)
            .map(|code| (code, self.hresult_path(code)));
        let names: Vec<Ident> = m.params.iter().map(|p| ident(&p.name)).collect();
        // Parameters a default body does not use are named with a leading `_`.
        let locals: Vec<Ident> = m
            .params
            .iter()
            .map(|p| match default {
                Some(_) => format_ident!("_{}", param_name(&p.name)),
                None => ident(&param_name(&p.name)),
            })
            .collect();
        let types: Vec<TokenStream> = m.params.iter().map(|p| rust_ty(&p.ty)).collect();
        let ret = match m.ret.resolved() {
            Ty::Void => quote!(),
            _ => {
                let t = rust_ty(&m.ret);
                quote!(-> #t)
            }
        };
        let mut text = format!(
            "{}\n\nCOM calls it through vtable slot {} (`{what}`). The arguments come as the raw \
             ABI values, unchecked, and the result goes back as it is: {why}.",
            m.doc, m.slot
        );
        let body = match default {
            Some((code, path)) => {
                text.push_str(&format!(
                    "\n\nOptional: the default implementation returns `{code}`."
                ));
                quote!({ #path })
            }
            None => quote!(;),
        };
        let method_doc = doc(&text);
        let trait_method = quote! {
            #method_doc
            fn #rust_method(&self, #(#locals: #types),*) #ret #body
        };
        let shim_name = format_ident!("{}_{}", iname, m.name);
        let call = quote!(<T as #trait_ident>::#rust_method(object__, #(#names),*));
        let run = if m.ret == Ty::Hresult {
            quote!(dispatch::<T, K>(this, #what, |object__| #call))
        } else {
            let fallback = zero(&m.ret);
            quote!(dispatch_value::<T, K, _>(this, #what, #fallback, |object__| #call))
        };
        let shim_safety = safety(&format!(
            "COM calls this slot of the {iname} vtable with this = slot K of a live Object<T> (the \
             only place the vtable is reachable from); the arguments go to the trait method \
             unread."
        ));
        let shim = quote! {
            unsafe extern "system" fn #shim_name<T: #trait_ident + ComClass, const K: usize>(
                this: *mut c_void,
                #(#names: #types),*
            ) #ret {
                #shim_safety
                unsafe { #run }
            }
        };
        (trait_method, shim)
    }

    /// `m` with the interface parameters whose interface the bindings do not declare (an
    /// interface of an imported file that nothing generated derives from: `IEnumString`,
    /// `IShellItem` ...) in the raw form, as the bindings' callers see them.
    fn without_unknown_interfaces(&self, m: &Method) -> Method {
        let known = |name: &str| {
            name == "IUnknown"
                || self
                    .api
                    .find(name)
                    .is_some_and(|d| matches!(d.kind, DeclKind::Interface(_)))
        };
        let mut m = m.clone();
        let mut counts = Vec::new();
        for p in &mut m.params {
            let levels = match p.role {
                ParamRole::InInterface { .. } => 1,
                ParamRole::OutInterface => 2,
                ParamRole::OutArray { .. } => 2,
                _ => continue,
            };
            let mut ty = &p.ty;
            for _ in 0..levels {
                ty = ty.pointee().map_or(ty, |(t, _)| t);
            }
            if let Ty::Interface(name) = ty.resolved()
                && !known(name)
            {
                if let ParamRole::OutArray { len, fetched } = p.role {
                    counts.push((len, fetched));
                }
                p.role = ParamRole::Raw;
            }
        }
        // The counts of an array left raw are plain values again.
        for (len, fetched) in counts {
            m.params[len].role = ParamRole::Value;
            if let Some(f) = fetched {
                m.params[f].role = ParamRole::OutValue;
            }
        }
        m
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
            format_ident!("{}{}Outcome", trait_name(self.api, iname), m.name)
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
        let (rt, sys) = (&self.rt, &self.sys);
        if from_idl {
            quote!(#sys::#c)
        } else {
            quote!(#rt::hresults::#c)
        }
    }

    fn outcome_enum(&self, iname: &str, m: &Method) -> (Ident, TokenStream) {
        let name = self.outcome_name(iname, m);
        let rust_method = method_name(m);
        let enum_doc = doc(&format!(
            "The successful outcomes of [`{}::{rust_method}`]: the success codes \
             `{iname}::{}` is documented to return. Return the one that applies; the shim \
             passes its code to the caller unchanged.",
            trait_name(self.api, iname),
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
        let code_table = m.success_codes.iter().map(|code| {
            let path = self.hresult_path(code);
            quote! { (#code, #path), }
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

            impl abi::SuccessCodes for #name {
                const CODES: &'static [(&'static str, HRESULT)] = &[#(#code_table)*];
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
        let m = &self.without_unknown_interfaces(m);
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

        let rust_method = ident(&method_name(m));
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
        let mut trait_method = quote! {
            #method_doc
            fn #rust_method(&self, #(#sig),*) -> windows_core::Result<#ret_ty> #body
        };
        // Out-arrays of plain items: the shim calls a provided `_uninit` method instead.
        let called = match self.uninit_method(m, &plans, &rust_method, ret_ty) {
            Some((name, method)) => {
                trait_method.extend(method);
                name
            }
            None => rust_method.clone(),
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
        let on_error = plans.iter().flat_map(|p| p.on_error.clone());
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
                    dispatch::<T, K>(this, #what, |object__| {
                        abi::respond(|| {
                            #(#out_prep)*
                            #(#in_prep)*
                            match <T as #trait_ident>::#called(object__, #(#args),*) {
                                #finish
                                Err(error__) => {
                                    #(#on_error)*
                                    Ok(abi::error_code(#what, error__))
                                }
                            }
                        })
                    })
                }
            }
        };
        Ok((trait_method, shim))
    }
}

#[cfg(test)]
mod tests;
