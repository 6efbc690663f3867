//! Methods on interface types, one per vtable slot: a safe method when the parameters' roles
//! ([`ParamRole`]) allow references, slices, interfaces and return values, else an `unsafe fn`
//! over the raw ABI.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::abi::{Method, ParamRole, Ty};
use super::super::rust_text::{MARGIN, zero as zero_text};
use super::super::rust_tokens::*;
use super::method_text::{
    BODY, Line, MethodItem, Shape, ident_string, method as method_text, ty_text,
};
use super::*;

/// The Rust path of an interface type.
pub(super) fn interface_path(name: &str) -> TokenStream {
    if name == "IUnknown" {
        quote!(windows_core::IUnknown)
    } else {
        let id = ident(name);
        quote!(#id)
    }
}

pub(super) fn ret_ty(ty: &Ty) -> TokenStream {
    match ty {
        Ty::Void => quote!(),
        other => {
            let t = rust_ty(other);
            quote!(-> #t)
        }
    }
}

/// The call of a method's slot with the given argument expressions.
pub(super) fn slot_call(m: &Method, args: &[TokenStream]) -> TokenStream {
    let mname = ident(&m.name);
    quote! {
        (windows_core::Interface::vtable(self).#mname)(windows_core::Interface::as_raw(self), #(#args),*)
    }
}

pub(super) fn method_doc(iface: &str, m: &Method, extra: &str) -> TokenStream {
    doc_attrs(&method_doc_text(iface, m, extra))
}

/// The documentation of method `m` of interface `iface`: its IDL text, the slot it calls, and
/// `extra` (paragraphs separated by blank lines; those starting with `#` are headings).
fn method_doc_text(iface: &str, m: &Method, extra: &str) -> String {
    let mut ours = format!("Calls vtable slot {} of `{iface}`.", m.slot);
    if !m.success_codes.is_empty() {
        let codes: Vec<String> = m.success_codes.iter().map(|c| format!("`{c}`")).collect();
        ours.push_str(&format!(" Documented success codes: {}.", codes.join(", ")));
    }
    let mut text = m.doc.clone();
    for para in std::iter::once(ours.as_str()).chain(extra.split("\n\n")) {
        if para.is_empty() {
            continue;
        }
        text.push_str("\n\n");
        if para.starts_with('#') {
            text.push_str(para);
        } else {
            text.push_str(&wrap(para, 92).join("\n"));
        }
    }
    text
}

/// An `unsafe fn` over the raw ABI.
pub(super) fn raw_method(iface: &str, m: &Method) -> MethodItem {
    const SAFETY: &str = "the caller upholds the contract documented under Safety, and self is \
                          a live reference to an object with this vtable.";
    let doc = method_doc_text(
        iface,
        m,
        "# Safety\n\n\
         Every pointer argument must be valid for the access its MIDL attributes describe for \
         the whole call: `[in]` pointers readable (strings NUL-terminated, arrays as long as \
         their `size_is` count), `[out]` pointers writable, interface pointers null or live.",
    );
    let ret = (m.ret != Ty::Void).then_some(&m.ret);
    if let Some(text) = Shape::direct(m, true, ret).and_then(|s| method_text(m, &doc, SAFETY, &s)) {
        return MethodItem::Text(text);
    }
    let mname = ident(&m.name);
    let params = m.params.iter().map(|p| {
        let pname = ident(&p.name);
        let ty = rust_ty(&p.ty);
        quote!(#pname: #ty)
    });
    let args: Vec<TokenStream> = m
        .params
        .iter()
        .map(|p| {
            let pname = ident(&p.name);
            quote!(#pname)
        })
        .collect();
    let call = slot_call(m, &args);
    let ret = ret_ty(&m.ret);
    let doc = doc_attrs(&doc);
    let s = safety(SAFETY);
    MethodItem::Tokens(quote! {
        #doc
        pub unsafe fn #mname(&self, #(#params),*) #ret {
            #s
            unsafe { #call }
        }
    })
}

/// How a safe wrapper reports results.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Returns the HRESULT; out values (if any) are `&mut` parameters.
    Hresult,
    /// Returns `windows_core::Result<T>` with the out values.
    Values,
}

/// A safe wrapper derived from the parameter roles; the module's helpers it calls are marked
/// in `helpers`.
pub(super) fn safe_method(iface: &str, m: &Method, helpers: &mut Helpers) -> MethodItem {
    let outs = m.out_values();
    let mode = if outs.is_empty() || m.has_extra_success_codes() {
        Mode::Hresult
    } else {
        Mode::Values
    };
    if let Some((shape, uses_pointer)) = plain_shape(m, mode) {
        helpers.pointer |= uses_pointer;
        let extra = match mode {
            Mode::Hresult => HRESULT_UNCHANGED,
            Mode::Values => VALUES_ERRORS,
        };
        let doc = method_doc_text(iface, m, extra);
        if let Some(text) = method_text(m, &doc, SAFE_CALL, &shape) {
            return MethodItem::Text(text);
        }
    }
    let fail = |hr: TokenStream| match mode {
        Mode::Hresult => quote!(return #hr),
        Mode::Values => quote!(return Err(#hr.into())),
    };
    // The value of a `Result<T, HRESULT>`, or an early return with the error.
    let checked = |expr: TokenStream| match mode {
        Mode::Hresult => quote!(match #expr { Ok(value) => value, Err(hr) => return hr }),
        Mode::Values => quote!(#expr?),
    };

    let mut sig = Vec::new();
    let mut prep = Vec::new();
    let mut post = Vec::new();
    let mut generics = TokenStream::new();
    let mut args = Vec::new();
    let mut returned_tys = Vec::new();
    let mut returned_vals = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    for p in &m.params {
        let pname = ident(&p.name);
        let abi_const = abi_is_const_ptr(&p.ty);
        let cast_mut = if abi_const {
            quote!()
        } else {
            quote!(.cast_mut())
        };
        match p.role {
            ParamRole::Value => {
                let ty = rust_ty(&p.ty);
                sig.push(quote!(#pname: #ty));
                args.push(quote!(#pname));
            }
            ParamRole::InRef { optional } => {
                let (pointee, _) = p.ty.pointee().expect("InRef is a pointer");
                let t = rust_ty(pointee);
                if optional {
                    sig.push(quote!(#pname: Option<&#t>));
                    let null = if abi_const {
                        quote!(core::ptr::null())
                    } else {
                        quote!(core::ptr::null_mut())
                    };
                    if abi_const {
                        args.push(quote!(#pname.map_or(#null, core::ptr::from_ref)));
                    } else {
                        args.push(
                            quote!(#pname.map_or(#null, |r| core::ptr::from_ref(r).cast_mut())),
                        );
                    }
                } else {
                    sig.push(quote!(#pname: &#t));
                    args.push(quote!(core::ptr::from_ref(#pname)#cast_mut));
                }
            }
            ParamRole::InInterface { optional } => {
                let (pointee, _) = p.ty.pointee().expect("InInterface is a pointer");
                let Ty::Interface(iname) = pointee.resolved() else {
                    unreachable!("checked by safe_ok")
                };
                let path = interface_path(iname);
                if optional {
                    sig.push(quote!(#pname: Option<&#path>));
                    args.push(quote!(#pname.map_or(core::ptr::null_mut(), windows_core::Interface::as_raw)));
                } else {
                    sig.push(quote!(#pname: &#path));
                    args.push(quote!(windows_core::Interface::as_raw(#pname)));
                }
            }
            ParamRole::InString { optional } => {
                helpers.wide = true;
                let bail = fail(quote!(hr));
                if optional {
                    sig.push(quote!(#pname: Option<&[u16]>));
                    let null = quote!(core::ptr::null());
                    prep.push(quote! {
                        let #pname = match #pname.map(wide__).transpose() {
                            Ok(text) => text.unwrap_or(#null),
                            Err(hr) => #bail,
                        };
                    });
                } else {
                    sig.push(quote!(#pname: &[u16]));
                    let text = checked(quote!(wide__(#pname)));
                    prep.push(quote! { let #pname = #text; });
                }
                args.push(quote!(#pname #cast_mut));
                notes.push(format!(
                    "`{}` must contain a NUL terminator (else `E_INVALIDARG`).",
                    p.name
                ));
            }
            ParamRole::InArray { len, optional } => {
                helpers.len = true;
                let (elem, _) = p.ty.pointee().expect("InArray is a pointer");
                let t = rust_ty(elem);
                let count = ident(&m.params[len].name);
                let count_ty = rust_ty(&m.params[len].ty);
                let bail = fail(quote!(hr));
                if optional {
                    sig.push(quote!(#pname: Option<&[#t]>));
                    let null = if abi_const {
                        quote!(core::ptr::null())
                    } else {
                        quote!(core::ptr::null_mut())
                    };
                    prep.push(quote! {
                        let (#pname, #count) = match #pname {
                            Some(slice) => match len__::<#t, #count_ty>(slice) {
                                Ok(count) => (slice.as_ptr() #cast_mut, count),
                                Err(hr) => #bail,
                            },
                            None => (#null, 0),
                        };
                    });
                } else {
                    sig.push(quote!(#pname: &[#t]));
                    let value = checked(quote!(len__(#pname)));
                    prep.push(quote! {
                        let #count: #count_ty = #value;
                        let #pname = #pname.as_ptr() #cast_mut;
                    });
                }
                args.push(quote!(#pname));
            }
            ParamRole::OutArray { len, .. } => {
                helpers.len = true;
                let (elem, _) = p.ty.pointee().expect("OutArray is a pointer");
                let t = rust_ty(elem);
                let count = ident(&m.params[len].name);
                let count_ty = rust_ty(&m.params[len].ty);
                sig.push(quote!(#pname: &mut [#t]));
                let value = checked(quote!(len__(#pname)));
                prep.push(quote! {
                    let #count: #count_ty = #value;
                    let #pname = #pname.as_mut_ptr();
                });
                args.push(quote!(#pname));
            }
            ParamRole::ArrayLen { array } => {
                args.push(quote!(#pname));
                notes.push(format!(
                    "`{}` is the length of `{}` (`E_INVALIDARG` when it does not fit).",
                    p.name, m.params[array].name
                ));
            }
            ParamRole::Iid { out } => {
                // `REFIID` is `const IID *` in the SDK, a plain `IID *` in some IDL.
                let mutable = matches!(p.ty.pointee(), Some((_, false)));
                args.push(if mutable {
                    quote!(core::ptr::from_ref(&<T as windows_core::Interface>::IID).cast_mut())
                } else {
                    quote!(&<T as windows_core::Interface>::IID)
                });
                notes.push(format!(
                    "`{}` is the IID of `T`, the interface returned in `{}`.",
                    p.name, m.params[out].name
                ));
            }
            ParamRole::InOut => {
                let (pointee, _) = p.ty.pointee().expect("InOut is a pointer");
                let t = rust_ty(pointee);
                sig.push(quote!(#pname: &mut #t));
                args.push(quote!(core::ptr::from_mut(#pname)));
            }
            ParamRole::OutValue => {
                let (pointee, _) = p.ty.pointee().expect("OutValue is a pointer");
                let t = rust_ty(pointee);
                match mode {
                    Mode::Values => {
                        let z = zero(pointee);
                        prep.push(quote!(let mut #pname: #t = #z;));
                        args.push(quote!(&mut #pname));
                        returned_tys.push(t);
                        returned_vals.push(quote!(#pname));
                    }
                    Mode::Hresult => {
                        sig.push(quote!(#pname: &mut #t));
                        args.push(quote!(core::ptr::from_mut(#pname)));
                    }
                }
            }
            ParamRole::OutInterface | ParamRole::OutIid { .. } => {
                let ty = if let ParamRole::OutIid { .. } = p.role {
                    generics = quote!(<T: windows_core::Interface>);
                    quote!(T)
                } else {
                    let (inner, _) = p.ty.pointee().expect("OutInterface is a pointer");
                    let (iface_ty, _) = inner
                        .pointee()
                        .expect("OutInterface is a pointer to a pointer");
                    let Ty::Interface(iname) = iface_ty.resolved() else {
                        unreachable!("checked by safe_ok")
                    };
                    interface_path(iname)
                };
                let raw = format_ident!("{}__", p.name);
                prep.push(quote!(let mut #raw: *mut c_void = core::ptr::null_mut();));
                args.push(quote!(&mut #raw));
                let s = safety(TAKE_OVER);
                match mode {
                    Mode::Values => {
                        helpers.pointer = true;
                        post.push(quote! {
                            let #pname = if #raw.is_null() {
                                return Err(E_POINTER__.into());
                            } else {
                                #s
                                unsafe { <#ty as windows_core::Interface>::from_raw(#raw) }
                            };
                        });
                        returned_tys.push(ty);
                        returned_vals.push(quote!(#pname));
                    }
                    Mode::Hresult => {
                        sig.push(quote!(#pname: &mut Option<#ty>));
                        post.push(quote! {
                            *#pname = if hr__.is_ok() && !#raw.is_null() {
                                #s
                                Some(unsafe { <#ty as windows_core::Interface>::from_raw(#raw) })
                            } else {
                                None
                            };
                        });
                    }
                }
            }
            ParamRole::Raw | ParamRole::OutString | ParamRole::InStringArray { .. } => {
                unreachable!("safe_method needs no raw parameters and no runtime")
            }
        }
    }

    let mname = ident(&m.name);
    let call = slot_call(m, &args);
    let s = safety(SAFE_CALL);
    let (ret, body_end) = match mode {
        Mode::Hresult => (quote!(windows_core::HRESULT), quote!(hr__)),
        Mode::Values => {
            let (ty, val) = if returned_tys.len() == 1 {
                let t = &returned_tys[0];
                let v = &returned_vals[0];
                (quote!(#t), quote!(#v))
            } else {
                (quote!((#(#returned_tys),*)), quote!((#(#returned_vals),*)))
            };
            (quote!(windows_core::Result<#ty>), quote!(Ok(#val)))
        }
    };
    let extra = match mode {
        Mode::Hresult if !outs.is_empty() => {
            "Returns the method's `HRESULT` unchanged (success codes included); the out values \
             are stored through the `&mut` arguments."
                .to_string()
        }
        Mode::Hresult => HRESULT_UNCHANGED.to_string(),
        Mode::Values => VALUES_ERRORS.to_string(),
    };
    let mut extra = extra;
    if !notes.is_empty() {
        extra = format!("{}\n\n{extra}", notes.join(" "));
    }
    let doc = method_doc(iface, m, &extra);
    let body = if mode == Mode::Hresult && post.is_empty() {
        quote! {
            #(#prep)*
            #s
            unsafe { #call }
        }
    } else {
        let check = (mode == Mode::Values).then(|| quote!(hr__.ok()?;));
        quote! {
            #(#prep)*
            #s
            let hr__ = unsafe { #call };
            #check
            #(#post)*
            #body_end
        }
    };
    MethodItem::Tokens(quote! {
        #doc
        pub fn #mname #generics(&self, #(#sig),*) -> #ret {
            #body
        }
    })
}

/// The text shape of a safe method (see [`safe_method`]) whose parameters are plain values,
/// references and interfaces in, and values and interfaces returned, or `None` for another
/// one (its tokens say it); with whether it calls `E_POINTER__`.
fn plain_shape(m: &Method, mode: Mode) -> Option<(Shape, bool)> {
    let mut shape = Shape::default();
    let mut returned = Vec::new();
    let mut post = Vec::new();
    let mut uses_pointer = false;
    for p in &m.params {
        let name = ident_string(&p.name);
        match p.role {
            ParamRole::Value => {
                let mut param = format!("{name}: ");
                ty_text(&mut param, &p.ty)?;
                shape.params.push(param);
                shape.args.push(name);
            }
            ParamRole::InRef { optional: false } => {
                let (pointee, _) = p.ty.pointee()?;
                let mut param = format!("{name}: &");
                ty_text(&mut param, pointee)?;
                shape.params.push(param);
                let cast = if abi_is_const_ptr(&p.ty) {
                    ""
                } else {
                    ".cast_mut()"
                };
                shape
                    .args
                    .push(format!("core::ptr::from_ref({name}){cast}"));
            }
            ParamRole::InInterface { optional: false } => {
                let Some((Ty::Interface(iname), _)) =
                    p.ty.pointee().map(|(t, c)| (t.resolved(), c))
                else {
                    return None;
                };
                let path = interface_path_text(iname);
                shape.params.push(format!("{name}: &{path}"));
                shape
                    .args
                    .push(format!("windows_core::Interface::as_raw({name})"));
            }
            ParamRole::OutValue if mode == Mode::Values => {
                let (pointee, _) = p.ty.pointee()?;
                let mut ty = String::new();
                ty_text(&mut ty, pointee)?;
                shape
                    .before
                    .push(format!("let mut {name}: {ty} = {};", zero_text(pointee)?));
                shape.args.push(format!("&mut {name}"));
                returned.push((ty, name));
            }
            ParamRole::OutInterface if mode == Mode::Values => {
                let (inner, _) = p.ty.pointee()?;
                let (iface, _) = inner.pointee()?;
                let Ty::Interface(iname) = iface.resolved() else {
                    return None;
                };
                let ty = interface_path_text(iname);
                let raw = format!("{}__", p.name);
                shape.before.push(format!(
                    "let mut {raw}: *mut c_void = core::ptr::null_mut();"
                ));
                shape.args.push(format!("&mut {raw}"));
                uses_pointer = true;
                post.push(Line::Code(format!("let {name} = if {raw}.is_null() {{")));
                post.push(Line::Code(
                    "    return Err(E_POINTER__.into());".to_string(),
                ));
                post.push(Line::Code("} else {".to_string()));
                post.push(Line::Safety(4, TAKE_OVER));
                // `unsafe { .. }` on one line when it fits, else the call on its own line.
                let call = format!("<{ty} as windows_core::Interface>::from_raw({raw})");
                let one_line = format!("    unsafe {{ {call} }}");
                if BODY.len() + one_line.len() <= MARGIN {
                    post.push(Line::Code(one_line));
                } else {
                    post.push(Line::Code("    unsafe {".to_string()));
                    post.push(Line::Code(format!("        {call}")));
                    post.push(Line::Code("    }".to_string()));
                }
                post.push(Line::Code("};".to_string()));
                returned.push((ty, name));
            }
            _ => return None,
        }
    }
    shape.ret = Some(match mode {
        Mode::Hresult => "windows_core::HRESULT".to_string(),
        Mode::Values => {
            let (tys, vals): (Vec<String>, Vec<String>) = returned.into_iter().unzip();
            let (ty, val) = match tys.len() {
                1 => (tys[0].clone(), vals[0].clone()),
                _ => (
                    format!("({})", tys.join(", ")),
                    format!("({})", vals.join(", ")),
                ),
            };
            shape.after.push(Line::Code("hr__.ok()?;".to_string()));
            shape.after.append(&mut post);
            shape.after.push(Line::Code(format!("Ok({val})")));
            format!("windows_core::Result<{ty}>")
        }
    });
    Some((shape, uses_pointer))
}

/// Why taking over an out interface is sound.
const TAKE_OVER: &str = "on success the callee stored an owned reference of the requested \
                         interface (or null), which we take over exactly once.";

/// The text of [`interface_path`].
pub(super) fn interface_path_text(name: &str) -> String {
    if name == "IUnknown" {
        "windows_core::IUnknown".to_string()
    } else {
        ident_string(name)
    }
}

/// The documentation of the errors of a safe method that returns its out values.
const VALUES_ERRORS: &str = "# Errors\n\nThe method's failure `HRESULT`.";

/// Why the call of a safe method is sound.
const SAFE_CALL: &str = "self is a live reference to an object with this vtable, and every \
                         argument was built from references, slices and interfaces that stay \
                         valid for the call, as the method's MIDL attributes require.";

/// The documentation of what a safe method without out values returns.
const HRESULT_UNCHANGED: &str = "Returns the method's `HRESULT` unchanged, success codes included.";
