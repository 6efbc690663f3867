//! The Rust bindings of an IDL file (`mobsync_runtime::sys` for `mobsync.idl`), following the
//! conventions of `windows-core`.
//!
//! - Structs: `#[repr(C)]` with the Windows x64 layout, `Clone`, `Copy`, `PartialEq`, `Debug`
//!   (UTF-16 name buffers print as text) and a zeroing `Default`.
//! - Enums: `#[repr(transparent)] pub struct E(pub i32);` plus one `pub const` per value.
//! - Handles: `#[repr(transparent)]` pointer-sized newtypes, null by default.
//! - Constants: typed `pub const`s; HRESULT codes as `windows_core::HRESULT`.
//! - Interfaces: `IID_X`, a `#[repr(C)] X_Vtbl` whose first field is the base vtable
//!   (`base__`), and a `#[repr(transparent)] X` implementing `windows_core::Interface` (clones
//!   with `AddRef`, drops with `Release`, `Deref`s to its base) with one method per vtable
//!   slot. A method gets a safe signature when its attributes allow one (see
//!   [`ParamRole`](super::abi::ParamRole)); otherwise it is an `unsafe fn` over the raw ABI.
//! - Classes: `CLSID_X`.
//!
//! The output reads as prettyplease prints it. The frequent items (vtables, interface types
//! and their impls, methods whose body is one call of their slot, structs, unions, enums,
//! constants, handles, aliases) are written as that text directly, byte for byte what
//! prettyplease prints for their tokens (checked by the tests and on the 261 files of the Wine
//! corpus), which is most of the speed of the generator; the others are tokens, which
//! prettyplease prints. Token streams cannot carry comments, so the generator writes
//! `safety_comment__!("...")` markers that `finish` turns into `// SAFETY: ...` lines.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::abi::{Api, Decl, DeclKind, Origin, Ty};
use super::finish::{finish, wrap};
use super::options::BindingsOptions;
use super::parts::Parts;
use super::rust_tokens::*;

mod consts;
mod define_guid;
mod interfaces;
mod method_text;
mod methods;
mod owner;
mod structs;
mod type_items;
mod vtable;

/// Generates the Rust bindings of `api`: one self-contained module.
///
/// # Errors
/// When the generated tokens do not parse as a Rust file (a generator bug), with the parser's
/// message.
pub fn generate(api: &Api, opts: &BindingsOptions) -> Result<String, String> {
    finish(parts(api, opts, false), &opts.stamp)
}

/// The items of the module [`generate`] writes, before formatting.
pub fn tokens(api: &Api, opts: &BindingsOptions) -> TokenStream {
    parts(api, opts, false).into_tokens()
}

/// As [`tokens`], but only the root files' own declarations: for a set of modules, one per
/// IDL file, where the imported declarations are other modules' (the whole `api` still
/// answers questions about them, such as whether a struct holds a union).
pub fn own_tokens(api: &Api, opts: &BindingsOptions) -> TokenStream {
    parts(api, opts, true).into_tokens()
}

/// The items of the module [`generate`] writes (of the root files' own declarations when
/// `own_only`), some as text already.
pub(crate) fn parts(api: &Api, opts: &BindingsOptions, own_only: bool) -> Parts {
    let mut emitter = Emitter {
        api,
        wide_text: false,
        helpers: Helpers::default(),
        taken: taken_names(api),
    };
    let mut items = Parts::default();
    for decl in &api.decls {
        if own_only && decl.origin != Origin::Root {
            continue;
        }
        items.append(emitter.decl(decl));
    }
    let module_doc = doc_attrs_inner(&module_doc(api, opts));
    let mut parts = Parts::from(quote! {
        #module_doc
        #![allow(
            non_snake_case,
            non_camel_case_types,
            non_upper_case_globals,
            clippy::upper_case_acronyms,
            clippy::too_many_arguments
        )]

        #[allow(unused_imports)]
        use core::ffi::c_void;
    });
    parts.append(items);
    parts.tokens(emitter.helpers());
    parts
}

fn module_doc(api: &Api, opts: &BindingsOptions) -> String {
    let interfaces: Vec<String> = api
        .interfaces()
        .map(|(d, _)| format!("[`{}`]", d.name))
        .collect();
    let paragraphs = [
        opts.title.clone(),
        opts.stamp.text(),
        format!(
            "The names are the SDK's, the layouts are the Windows x64 ABI's, and the conventions \
             are those of `windows-core`: every interface ({}) is a `#[repr(transparent)]` owner \
             of one COM reference implementing [`windows_core::Interface`] (it clones with \
             `AddRef` and drops with `Release`), with a `#[repr(C)]` `_Vtbl` struct whose slots \
             are `unsafe extern \"system\" fn`s in SDK order.",
            interfaces.join(", ")
        ),
        "Methods whose MIDL attributes say enough to make them safe take references, slices \
         and interfaces and return values; the others are `unsafe fn`s over the raw ABI. \
         Methods that can succeed with more than `S_OK` return the `HRESULT` itself, so that no \
         success code is lost."
            .to_string(),
    ];
    paragraphs
        .iter()
        .map(|p| wrap(p, 96).join("\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The Rust type and value of a literal constant: floats as `f32`/`f64`, narrow strings as
/// `&CStr` (`c"..."`), wide strings as a NUL-terminated `&[u16]` (`.as_ptr()` gives what C
/// passes).
fn literal_tokens(literal: &super::abi::Literal) -> (TokenStream, TokenStream) {
    use super::abi::Literal as L;
    match literal {
        L::Float { value, single } => {
            let (ty, text) = if *single {
                (quote!(f32), float_text(f64::from(*value as f32), "f32"))
            } else {
                (quote!(f64), float_text(*value, "f64"))
            };
            let value: TokenStream = text.parse().expect("a float expression");
            (ty, value)
        }
        L::Str(text) => {
            let c = std::ffi::CString::new(text.as_str()).expect("checked: no NUL inside");
            let lit = Literal::c_string(&c);
            (quote!(&core::ffi::CStr), quote!(#lit))
        }
        L::WideStr(text) => {
            let units = text.encode_utf16().chain([0]).map(Literal::u16_unsuffixed);
            (quote!(&[u16]), quote!(&[#(#units),*]))
        }
    }
}

/// Rust text for a float of type `ty` (`f32`/`f64`): a literal with a decimal point, or the
/// type's constant for infinities and NaN.
fn float_text(value: f64, ty: &str) -> String {
    if value.is_nan() {
        format!("{ty}::NAN")
    } else if value.is_infinite() {
        let sign = if value < 0.0 { "NEG_" } else { "" };
        format!("{ty}::{sign}INFINITY")
    } else {
        format!("{value:?}")
    }
}

/// Which of the module's private helpers the generated items call.
#[derive(Default)]
struct Helpers {
    /// `E_POINTER__`
    pointer: bool,
    /// `len__` (and the `E_INVALIDARG__` it returns)
    len: bool,
    /// `wide__` (and the `E_INVALIDARG__` it returns)
    wide: bool,
}

struct Emitter<'a> {
    api: &'a Api,
    /// Whether the `WideText__` helper is used.
    wide_text: bool,
    /// The other helpers the safe methods call.
    helpers: Helpers,
    /// The names of the module's items so far and to come, so that a `DEFINE_GUID` line
    /// naming one of them (or repeated) is not generated twice.
    taken: std::collections::HashSet<String>,
}

/// The names the declarations generate (`CLSID_` constants included).
fn taken_names(api: &Api) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    for d in &api.decls {
        match &d.kind {
            DeclKind::CppQuote(_) | DeclKind::Skipped(_) => {}
            DeclKind::Class(_) => {
                names.insert(format!("CLSID_{}", d.name));
            }
            _ => {
                names.insert(d.name.clone());
            }
        }
    }
    names
}

impl Emitter<'_> {
    fn decl(&mut self, d: &Decl) -> Parts {
        match &d.kind {
            DeclKind::Interface(i) => return self.interface(d, i, &doc_with_origin(d)),
            DeclKind::Enum(e) => return consts::enumeration(d, e, &doc_with_origin(d)),
            DeclKind::Struct(s) => return self.aggregate(d, s, &doc_with_origin(d)),
            DeclKind::Handle => return type_items::handle(&d.name, &doc_with_origin(d)),
            DeclKind::Alias(ty) => return type_items::alias(&d.name, &doc_with_origin(d), ty),
            DeclKind::GuidConst(g) => {
                let name = method_text::ident_string(&d.name);
                return consts::guid(&name, &doc_with_origin(d), g);
            }
            DeclKind::Class(c) => {
                let name = format!("CLSID_{}", d.name);
                return consts::guid(&name, &self.class_doc(d, c), &c.clsid);
            }
            // C only, but for the GUID constants of the root files' `DEFINE_GUID` lines.
            DeclKind::CppQuote(text) => {
                let Some((name, guid)) = define_guid::parse(text) else {
                    return Parts::default();
                };
                if d.origin != Origin::Root || !self.taken.insert(name.clone()) {
                    return Parts::default();
                }
                let doc = format!(
                    "`{name}`, stated in the IDL as `cpp_quote(\"DEFINE_GUID({name}, ...)\")`."
                );
                return consts::guid(&name, &doc, &guid);
            }
            DeclKind::Const(c) if c.ty.resolved() != &Ty::Hresult => {
                let text = consts::int_const(d, c, &doc_with_origin(d));
                return Parts::text_or(text, || self.decl_tokens(d));
            }
            _ => {}
        }
        self.decl_tokens(d).into()
    }

    /// The items of a declaration that [`decl`](Self::decl) does not write as text: skipped
    /// ones (a note), float and string constants, `HRESULT` constants, and integer constants
    /// whose line is too wide.
    fn decl_tokens(&mut self, d: &Decl) -> TokenStream {
        if let DeclKind::Skipped(reason) = &d.kind {
            let what = if d.name.is_empty() {
                "A declaration"
            } else {
                &d.name
            };
            return note(&format!("{what}: not generated: {reason}."));
        }
        let doc = doc_attrs(&doc_with_origin(d));
        let name = ident(&d.name);
        match &d.kind {
            DeclKind::Literal(literal) => {
                let (ty, value) = literal_tokens(literal);
                quote! {
                    #doc
                    pub const #name: #ty = #value;
                }
            }
            DeclKind::Const(c) => {
                let value = int_lit(c.value, c.hex);
                match c.ty.resolved() {
                    Ty::Hresult => {
                        let value = if c.value < 0 {
                            let lit: Literal = format!("{:#x}_u32", c.value as u32)
                                .parse()
                                .expect("a literal");
                            quote!(#lit as i32)
                        } else {
                            value
                        };
                        quote! {
                            #doc
                            pub const #name: windows_core::HRESULT = windows_core::HRESULT(#value);
                        }
                    }
                    _ => {
                        let ty = rust_ty(&c.ty);
                        quote! {
                            #doc
                            pub const #name: #ty = #value;
                        }
                    }
                }
            }
            _ => unreachable!("decl_tokens: the other declarations are made by decl"),
        }
    }

    /// The documentation of the `CLSID_` constant of class `d`.
    fn class_doc(&self, d: &Decl, c: &super::abi::Class) -> String {
        let mut text = doc_with_origin(d);
        if !c.interfaces.is_empty() {
            // A link only to an interface these bindings declare.
            let list: Vec<String> = c
                .interfaces
                .iter()
                .map(|i| {
                    if self.known_interface(i) {
                        format!("[`{i}`]")
                    } else {
                        format!("`{i}`")
                    }
                })
                .collect();
            let sentence = format!(
                "The class identifier of `{}`, which implements {}.",
                d.name,
                list.join(", ")
            );
            text.push_str("\n\n");
            text.push_str(&wrap(&sentence, 92).join("\n"));
        }
        text
    }

    /// The private helpers that the generated items call.
    fn helpers(&self) -> TokenStream {
        let used = &self.helpers;
        let mut out = TokenStream::new();
        if used.len || used.wide {
            out.extend(quote! {
                /// `E_INVALIDARG`: a slice too long for its count parameter, or a string without
                /// its NUL terminator.
                const E_INVALIDARG__: windows_core::HRESULT = windows_core::HRESULT(0x8007_0057_u32 as i32);
            });
        }
        if used.pointer {
            out.extend(quote! {
                /// `E_POINTER`: a method succeeded but returned a null interface pointer.
                const E_POINTER__: windows_core::HRESULT = windows_core::HRESULT(0x8000_4003_u32 as i32);
            });
        }
        if used.len {
            out.extend(quote! {
                /// The length of a slice as the integer type of its count parameter.
                fn len__<T, N: TryFrom<usize>>(slice: &[T]) -> Result<N, windows_core::HRESULT> {
                    N::try_from(slice.len()).map_err(|_| E_INVALIDARG__)
                }
            });
        }
        if used.wide {
            out.extend(quote! {
                /// A pointer to a UTF-16 string that must contain its NUL terminator.
                fn wide__(text: &[u16]) -> Result<*const u16, windows_core::HRESULT> {
                    if text.contains(&0) {
                        Ok(text.as_ptr())
                    } else {
                        Err(E_INVALIDARG__)
                    }
                }
            });
        }
        if self.wide_text {
            out.extend(quote! {
                /// Shows a NUL-terminated UTF-16 buffer as text in `Debug` output.
                struct WideText__<'a>(&'a [u16]);

                impl core::fmt::Debug for WideText__<'_> {
                    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                        let end = self.0.iter().position(|&c| c == 0).unwrap_or(self.0.len());
                        let text: String = char::decode_utf16(self.0[..end].iter().copied())
                            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                            .collect();
                        core::fmt::Debug::fmt(&text, f)
                    }
                }
            });
        }
        out
    }
}

/// The doc text of a declaration, noting imported ones.
fn doc_with_origin(d: &Decl) -> String {
    match d.origin {
        Origin::Root => d.doc.clone(),
        Origin::Imported => format!(
            "{}\n\n(A base Windows type that the Sync Manager declarations use.)",
            d.doc
        ),
    }
}

#[cfg(test)]
mod tests;
