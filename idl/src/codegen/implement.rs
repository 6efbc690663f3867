//! Bindings with implementations: the Rust bindings of an IDL file and, in a child module
//! `implement`, the safe traits and `extern "system"` shims (see [`handler`])
//! that let a Rust type implement any of its interfaces as a COM object of `mobsync-runtime`
//! (`#[derive(ComObject)]` with the interfaces listed by path).

use quote::quote;

use super::abi::Api;
use super::finish::finish;
use super::options::{BindingsOptions, TraitsOptions};
use super::{bindings, handler};

/// The bindings of `api` followed by `pub mod implement { ... }` with the trait and shim of
/// every interface derived from `IUnknown`; `runtime` is the path of the runtime crate in
/// the generated code (`::mobsync_runtime`).
///
/// # Errors
/// A `runtime` that is not a Rust path, or generated code that does not parse (a generator bug).
pub fn generate(api: &Api, opts: &BindingsOptions, runtime: &str) -> Result<String, String> {
    let mut parts = bindings::parts(api, opts, false);
    parts.tokens(implement_module(api, opts, runtime)?);
    finish(parts, &opts.stamp)
}

/// The items [`generate`] writes, before formatting.
///
/// # Errors
/// As [`generate`].
pub fn tokens(
    api: &Api,
    opts: &BindingsOptions,
    runtime: &str,
) -> Result<proc_macro2::TokenStream, String> {
    let mut items = bindings::tokens(api, opts);
    items.extend(implement_module(api, opts, runtime)?);
    Ok(items)
}

/// `pub mod implement { ... }` of [`generate`].
fn implement_module(
    api: &Api,
    opts: &BindingsOptions,
    runtime: &str,
) -> Result<proc_macro2::TokenStream, String> {
    let implement = handler::tokens(api, &traits_options(opts, runtime))?;
    Ok(quote! {
        pub mod implement {
            #implement
        }
    })
}

/// A generated file as one module `name` (`pub mod name { ... }`), for `include!`, which
/// does not take a file that starts with inner attributes.
///
/// # Errors
/// As [`generate`].
pub fn module(
    name: &str,
    items: proc_macro2::TokenStream,
    stamp: &super::Stamp,
) -> Result<String, String> {
    let name: syn::Ident =
        syn::parse_str(name).map_err(|e| format!("`{name}` is not a module name: {e}"))?;
    finish(quote! { pub mod #name { #items } }, stamp)
}

/// One module of a modules-mode output: the bindings of `api` (its root file's own
/// declarations), with `implement` when `runtime` is given, and `use super::<dep>::*;` for
/// each module in `deps` (the files the root file imports, directly or not), so that names
/// declared there resolve (and, with `implement`, their traits).
///
/// # Errors
/// As [`generate`].
pub fn generate_module(
    api: &Api,
    opts: &BindingsOptions,
    runtime: Option<&str>,
    deps: &[String],
) -> Result<String, String> {
    let deps: Vec<syn::Ident> = deps
        .iter()
        .map(|d| syn::parse_str(d).map_err(|e| format!("`{d}` is not a module name: {e}")))
        .collect::<Result<_, _>>()?;
    let mut parts = bindings::parts(api, opts, true);
    let implement = match runtime {
        Some(rt) => {
            let traits = handler::own_tokens(api, &traits_options(opts, rt))?;
            quote! { pub mod implement { #traits } }
        }
        None => quote! {},
    };
    let implement_uses = if runtime.is_some() {
        quote! { #( #[allow(unused_imports)] use super::#deps::implement::*; )* }
    } else {
        quote! {}
    };
    parts.tokens(quote! {
        #implement
        #( #[allow(unused_imports)] use super::#deps::*; )*
        #implement_uses
    });
    finish(parts, &opts.stamp)
}

/// The options of the traits in the `implement` child module.
fn traits_options(opts: &BindingsOptions, runtime: &str) -> TraitsOptions {
    TraitsOptions {
        stamp: opts.stamp.clone(),
        runtime: runtime.to_string(),
        bindings: "super".to_string(),
        derives: vec!["ComObject".to_string()],
        trait_path: String::new(),
        in_views: Vec::new(),
        out_owned: Vec::new(),
    }
}
