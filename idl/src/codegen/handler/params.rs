//! How each parameter crosses the shim (its [`ParamPlan`]: checks, conversion to the trait's
//! type, write-back) and how a method's results return to the ABI.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::abi::{DeclKind, Method, Param, ParamRole, Prim, Ty};
use super::super::rust_tokens::*;
use super::*;

impl Generator<'_> {
    /// The plan for one parameter.
    pub(super) fn param(
        &self,
        what: &str,
        m: &Method,
        p: &Param,
        underscore: bool,
    ) -> Result<ParamPlan, String> {
        let rt = &self.rt;
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
                        let view = self
                            .opts
                            .in_views
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, v)| format_ident!("{}", v));
                        let ty = match &view {
                            Some(v) => quote!(#rt::#v<'_>),
                            None => quote!(&#s),
                        };
                        if optional {
                            plan.sig = Some(quote!(#local: Option<#ty>));
                            plan.in_prep.push(quote! {
                                let #raw = if #raw.is_null() { None } else { Some(#check(#raw)?) };
                            });
                            if let Some(v) = &view {
                                plan.in_prep.push(
                                    quote!(let #raw = #raw.map(|raw| #rt::#v::from_checked(raw));),
                                );
                            }
                        } else {
                            plan.sig = Some(quote!(#local: #ty));
                            plan.in_prep.push(match &view {
                                Some(v) => quote!(let #raw = #rt::#v::from_checked(#check(#raw)?);),
                                None => quote!(let #raw = #check(#raw)?;),
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
                    plan.sig = Some(quote!(#local: Option<&#rt::WStr>));
                    plan.in_prep
                        .push(quote!(let #raw = abi::in_wstr_opt(#raw)?;));
                } else {
                    plan.sig = Some(quote!(#local: &#rt::WStr));
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
                let count = ident(&m.params[len].name);
                // An array of interfaces: `Option<I>` slots (a nullable interface pointer each),
                // cleared first; the shim releases what a failed call left in them.
                let interface = if elem.is_interface_ptr() {
                    self.interface_of(p, 2)
                } else {
                    None
                };
                let t = match &interface {
                    Some(iface) => quote!(Option<#iface>),
                    None => rust_ty(elem.resolved()),
                };
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
                plan.arg = Some(quote!(&mut *#raw));
                if let Some(iface) = &interface {
                    plan.out_prep.push(quote! {
                        let #raw: &mut [#t] = abi::out_interface_slice::<#iface>(#raw, #count)?;
                    });
                    plan.on_error
                        .push(quote!(abi::release_interfaces_from(&mut *#raw, 0);));
                } else {
                    // Plain items go to the `_uninit` method as the caller's memory, unwritten;
                    // its default zeroes them for the method that takes `&mut [T]`.
                    plan.out_prep.push(quote! {
                        let #raw: &mut [core::mem::MaybeUninit<#t>] =
                            abi::out_slice_uninit(#raw, #count)?;
                    });
                    let zero_safety = super::safety(
                        "IDL plain data (integers, floats, GUIDs, handles, pointers and structs \
                         of those): all-zero bytes are a valid value.",
                    );
                    plan.uninit = Some((
                        quote!(#local: &mut [core::mem::MaybeUninit<#t>]),
                        quote! {
                            #zero_safety
                            let #local = unsafe { abi::zeroed_slice(#local) };
                        },
                    ));
                }
            }
            ParamRole::ArrayLen { .. } | ParamRole::Iid { .. } => {}
            ParamRole::InStringArray { len, .. } => {
                let count = ident(&m.params[len].name);
                plan.sig = Some(quote!(#local: &[&#rt::WStr]));
                plan.in_prep
                    .push(quote!(let #raw = abi::in_wstr_array(#raw, #count)?;));
                plan.arg = Some(quote!(&#raw));
                plan.note = Some(format!(
                    "`{pname}` may be null only when `{}` is zero (`E_INVALIDARG`); a null \
                     string in it gives `E_POINTER`.",
                    m.params[len].name
                ));
            }
            ParamRole::OutValue | ParamRole::OutInterface | ParamRole::OutString => {
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
                let t = rust_ty(&p.ty);
                plan.sig = Some(quote!(#local: #t));
                plan.arg = Some(quote!(#raw));
                plan.note = Some(format!(
                    "`{pname}` comes as the raw ABI value: its MIDL attributes describe no \
                     checked form."
                ));
            }
        }
        if plan.sig.is_some() {
            plan.local = Some(local);
        }
        Ok(plan)
    }

    /// The interface type behind `depth + 1` pointers of a parameter (`I*` → depth 0 is the
    /// pointee).
    pub(super) fn interface_of(&self, p: &Param, levels: usize) -> Option<TokenStream> {
        let mut ty = &p.ty;
        for _ in 0..levels {
            ty = ty.pointee()?.0;
        }
        match ty.resolved() {
            Ty::Interface(name) if name == "IUnknown" => Some(quote!(windows_core::IUnknown)),
            // Only an interface the bindings emit has a type (one known only by pointer is
            // `c_void` there): otherwise the method takes the raw pointer.
            Ty::Interface(name)
                if self
                    .api
                    .find(name)
                    .is_some_and(|d| matches!(d.kind, DeclKind::Interface(_))) =>
            {
                let i = ident(name);
                Some(quote!(#i))
            }
            _ => None,
        }
    }

    pub(super) fn has_cb_size(&self, struct_name: &str) -> bool {
        match self.api.find(struct_name).map(|d| &d.kind) {
            Some(DeclKind::Struct(s)) => s.fields.first().is_some_and(|f| {
                f.name == "cbSize" && matches!(f.ty.resolved(), Ty::Prim(Prim::U32))
            }),
            _ => false,
        }
    }

    /// The trait's return type and the shim's code after a successful call.
    pub(super) fn returns(
        &self,
        what: &str,
        m: &Method,
        outcome: Option<&Ident>,
    ) -> Result<Returns, String> {
        let rt = &self.rt;
        // A fetched count: the method returns how many elements it filled.
        for p in &m.params {
            if let ParamRole::OutArray {
                len,
                fetched: Some(f),
            } = p.role
            {
                let count = ident(&m.params[len].name);
                let fetched = ident(&m.params[f].name);
                // Interfaces past the count the method reports are released, not handed out.
                let release =
                    p.ty.pointee()
                        .is_some_and(|(e, _)| e.is_interface_ptr())
                        .then(|| {
                            let raw = ident(&p.name);
                            quote!(abi::release_interfaces_from(&mut *#raw, value__);)
                        });
                return Ok(Returns {
                    ty: quote!(usize),
                    finish: quote! {
                        Ok(value__) => {
                            #release
                            abi::finish_fetched(#what, value__, #count, #fetched)
                        }
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
                quote!(value__)
            } else {
                let i = Literal::usize_unsuffixed(index + usize::from(outcome.is_some()));
                quote!(value__.#i)
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
                            } => match self.opts.out_owned.iter().find(|(n, _)| n == name) {
                                Some((_, owned)) => {
                                    let o = format_ident!("{}", owned);
                                    quote!(#rt::#o)
                                }
                                None => {
                                    let s = ident(name);
                                    quote!(#rt::task_mem::TaskBox<#s>)
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
                ParamRole::OutString => {
                    tys.push(quote!(String));
                    writes.push(quote!(abi::write_out(#raw, abi::task_wstr(&#field)?);));
                }
                _ => {
                    unreachable!("returns: only OutValue, OutInterface and OutString are returned")
                }
            }
        }
        let status = match outcome {
            Some(_) => {
                let field = if returned.is_empty() {
                    quote!(value__)
                } else {
                    quote!(value__.0)
                };
                quote!(#field.into_success())
            }
            None => quote!(#rt::hresults::S_OK),
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
                Ok(value__) => {
                    let status__ = #status;
                    #(#writes)*
                    Ok(status__)
                }
            }
        };
        Ok(Returns { ty, finish })
    }
}
