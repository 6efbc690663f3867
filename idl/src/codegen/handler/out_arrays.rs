//! The provided `_uninit` method of a trait method with out-arrays of plain items
//! (`ISyncMgrEnumItems::Next`'s `next_uninit`): what the shim calls, with the caller's buffer
//! as `&mut [MaybeUninit<T>]`, not read and not yet written. Its default zeroes the items and
//! calls the method that takes `&mut [T]`, so that a handler implements that one only; a
//! handler that writes each item once (the runtime's `ItemEnumerator`) implements this one
//! and saves the zeroing.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::super::abi::Method;
use super::names::{method_name, param_name};
use super::{Generator, ParamPlan, doc};

impl Generator<'_> {
    /// The `_uninit` method's name and its tokens, when `m` has out-arrays of plain items
    /// (`plans` are its parameters' plans, `rust_method` the trait method, `ret_ty` the `T` of
    /// its `Result<T>`).
    pub(super) fn uninit_method(
        &self,
        m: &Method,
        plans: &[ParamPlan],
        rust_method: &Ident,
        ret_ty: &TokenStream,
    ) -> Option<(Ident, TokenStream)> {
        if plans.iter().all(|p| p.uninit.is_none()) {
            return None;
        }
        let name = format_ident!("{}_uninit", method_name(m));
        let sig = plans.iter().filter_map(|p| match &p.uninit {
            Some((sig, _)) => Some(sig.clone()),
            None => p.sig.clone(),
        });
        let zeroing = plans
            .iter()
            .filter_map(|p| p.uninit.as_ref().map(|(_, z)| z));
        let forward = plans.iter().filter_map(|p| p.local.clone());
        let arrays: Vec<String> = m
            .params
            .iter()
            .zip(plans)
            .filter(|(_, plan)| plan.uninit.is_some())
            .map(|(p, _)| format!("`{}`", param_name(&p.name)))
            .collect();
        let method_doc = doc(&format!(
            "[`Self::{rust_method}`] with {} as the caller's memory, not read and not yet \
             written: the method the shim calls. The default zeroes every item and calls \
             [`Self::{rust_method}`]. Implement it instead to write each item once \
             (`slot.write(value)`); every item the caller then reads (all of them, or as many \
             as the count returned) must have been written.",
            arrays.join(" and ")
        ));
        let tokens = quote! {
            #method_doc
            fn #name(&self, #(#sig),*) -> windows_core::Result<#ret_ty> {
                #(#zeroing)*
                self.#rust_method(#(#forward),*)
            }
        };
        Some((name, tokens))
    }
}
