//! Resolving model types to [`Ty`]: base types to primitives, typedef chains followed (root
//! typedefs keep their names), well-known names (`GUID`, `HRESULT`, `IUnknown`) recognised.

use std::sync::Arc;

use crate::model::{self, ArraySize, BaseKind, Sign, TypeKind};
use crate::source::Span;
use crate::symbols::Symbol;

use super::super::*;
use super::ApiBuilder;

impl ApiBuilder<'_> {
    pub(super) fn ty(&mut self, ty: &model::Type) -> Option<Ty> {
        match &ty.kind {
            TypeKind::Void => Some(Ty::Void),
            TypeKind::Base(b) => match prim(b.kind, b.sign) {
                Some(p) => Some(Ty::Prim(p)),
                None => {
                    self.error(ty.span, "`handle_t` is not supported by code generation");
                    None
                }
            },
            TypeKind::Const(inner) => self.ty(inner),
            TypeKind::Pointer { pointee, .. } => {
                // A pointer to a function type is the function pointer itself.
                if self.is_function_type(pointee) {
                    return self.ty(pointee);
                }
                let is_const = matches!(pointee.kind, TypeKind::Const(_));
                let pointee = self.ty(pointee)?;
                Some(Ty::Ptr {
                    pointee: Box::new(pointee),
                    is_const,
                })
            }
            TypeKind::Array { element, size } => match &**size {
                ArraySize::Fixed { value, .. } => {
                    let Some(len) = value.value().and_then(|v| u64::try_from(v).ok()) else {
                        self.error(
                            ty.span,
                            "the array size is not a known non-negative constant",
                        );
                        return None;
                    };
                    let element = self.ty(element)?;
                    Some(Ty::Array {
                        element: Box::new(element),
                        len,
                    })
                }
                // A conformant array (`[size_is(n)] T a[]`, or a fixed array whose size is an
                // expression of other members) is laid out as MIDL's C does: one element, the
                // rest following in memory. As a parameter it is a pointer (see `method`).
                ArraySize::Conformant { .. } => {
                    let element = self.ty(element)?;
                    Some(Ty::Array {
                        element: Box::new(element),
                        len: 1,
                    })
                }
            },
            TypeKind::Named { name, args } => {
                if !args.is_empty() {
                    self.error(
                        ty.span,
                        "generic types are not supported by code generation",
                    );
                    return None;
                }
                self.named(&name.name, ty.span)
            }
            TypeKind::Struct(s) => {
                let s = match (&s.tag, s.is_definition()) {
                    (Some(tag), false) => match self.model.lookup_tag(&tag.name) {
                        Some(Symbol::StructTag(def)) if def.is_definition() => def.clone(),
                        _ => {
                            self.error(
                                ty.span,
                                format!(
                                    "`struct {}` is declared but not defined in the IDL (an \
                                     opaque type)",
                                    tag.name
                                ),
                            );
                            return None;
                        }
                    },
                    _ => s.clone(),
                };
                let Some(name) = self.named_defs.get(&(Arc::as_ptr(&s) as usize)).cloned() else {
                    self.error(ty.span, "an anonymous struct must be named by a typedef");
                    return None;
                };
                self.tagged(&name, s.span, NamedKind::Struct, ty.span)
            }
            TypeKind::Enum(e) => {
                let e = match (&e.tag, e.enumerators.is_some()) {
                    (Some(tag), false) => match self.model.lookup_tag(&tag.name) {
                        Some(Symbol::EnumTag(def)) => def.clone(),
                        _ => {
                            self.error(ty.span, format!("`enum {}` is not defined", tag.name));
                            return None;
                        }
                    },
                    _ => e.clone(),
                };
                let Some(name) = self.named_defs.get(&(Arc::as_ptr(&e) as usize)).cloned() else {
                    self.error(ty.span, "an anonymous enum must be named by a typedef");
                    return None;
                };
                self.tagged(&name, e.span, NamedKind::Enum, ty.span)
            }
            // A function type only ever stands behind a pointer (or names one in a typedef
            // whose uses are pointers): it is the function pointer.
            TypeKind::Function(f) => {
                let ret = self.ty(&f.ret)?;
                let mut params = Vec::new();
                for p in &f.params {
                    // `(void)` declares no parameter.
                    if f.params.len() == 1
                        && p.name.is_none()
                        && matches!(p.ty.kind, TypeKind::Void)
                    {
                        break;
                    }
                    let t = match self.ty(&p.ty)? {
                        // An array parameter is a pointer to its first element.
                        Ty::Array { element, .. } => Ty::Ptr {
                            pointee: element,
                            is_const: false,
                        },
                        t => t,
                    };
                    params.push(t);
                }
                Some(Ty::FnPtr {
                    ret: Box::new(ret),
                    params,
                })
            }
            // `SAFEARRAY(T)` is a `SAFEARRAY *` in C, whatever `T` is.
            TypeKind::SafeArray(_) => {
                let pointee = match self.model.lookup("SAFEARRAY") {
                    Some(_) => self.named("SAFEARRAY", ty.span)?,
                    None => Ty::Void,
                };
                Some(Ty::Ptr {
                    pointee: Box::new(pointee),
                    is_const: false,
                })
            }
        }
    }

    /// Whether `ty` is a function type, directly or through typedefs.
    fn is_function_type(&self, ty: &model::Type) -> bool {
        let mut ty = ty.unqualified();
        for _ in 0..64 {
            match &ty.kind {
                TypeKind::Function(_) => return true,
                TypeKind::Named { name, .. } => match self.model.lookup(&name.name) {
                    Some(Symbol::Typedef { typedef, index }) => {
                        ty = typedef.declarators[*index].ty.unqualified();
                    }
                    _ => return false,
                },
                _ => return false,
            }
        }
        false
    }

    /// The struct or enum definition emitted under `name` (declared at `def_span`): through
    /// the typedef of that name when there is one, else as the tag itself.
    fn tagged(&mut self, name: &str, def_span: Span, kind: NamedKind, span: Span) -> Option<Ty> {
        if self.model.lookup(name).is_some() {
            return self.named(name, span);
        }
        if !self.is_root(def_span) {
            self.need(name);
        }
        Some(Ty::Named {
            name: name.to_string(),
            kind,
        })
    }

    /// Whether the struct the tag of `s` refers to is emitted under `name`.
    pub(super) fn tag_defines(&self, s: &model::StructType, name: &str) -> bool {
        let Some(tag) = &s.tag else { return false };
        match self.model.lookup_tag(&tag.name) {
            Some(Symbol::StructTag(def)) if def.is_definition() => self.defines(def, name),
            _ => false,
        }
    }

    pub(super) fn named(&mut self, name: &str, span: Span) -> Option<Ty> {
        // Typedef chains are finite in a checked model; this bounds a chain that loops
        // through a tag anyway, instead of overflowing the stack.
        if self.depth > 64 {
            self.error(span, format!("the type `{name}` refers to itself"));
            return None;
        }
        self.depth += 1;
        let ty = self.named_here(name, span);
        self.depth -= 1;
        ty
    }

    fn named_here(&mut self, name: &str, span: Span) -> Option<Ty> {
        match name {
            "GUID" => return Some(Ty::Guid),
            "HRESULT" => return Some(Ty::Hresult),
            _ => {}
        }
        let Some(symbol) = self.model.lookup(name).cloned() else {
            self.error(span, format!("unknown type `{name}`"));
            return None;
        };
        match &symbol {
            Symbol::Interface(def) => {
                // An imported interface that a method takes or returns is emitted too, so that
                // the parameter has its type (`&IStream`, not a raw pointer).
                if !self.is_root(def.span) && name != "IUnknown" {
                    self.need_referenced_interface(name);
                }
                Some(Ty::Interface(name.to_string()))
            }
            Symbol::Forward(f) if f.what == model::ForwardKind::Interface => {
                Some(Ty::Interface(name.to_string()))
            }
            Symbol::Typedef { typedef, index } => {
                let decl = &typedef.declarators[*index];
                let root = self.is_root(typedef.span);
                let kind = match &decl.ty.unqualified().kind {
                    TypeKind::Struct(s) if s.is_definition() && self.defines(s, name) => {
                        Some(NamedKind::Struct)
                    }
                    // `typedef struct X X;` after `struct X { ... };`: both names are the struct.
                    TypeKind::Struct(s) if !s.is_definition() && self.tag_defines(s, name) => {
                        Some(NamedKind::Struct)
                    }
                    TypeKind::Enum(e) if e.enumerators.is_some() && self.defines_enum(e, name) => {
                        Some(NamedKind::Enum)
                    }
                    _ if is_handle(name, &decl.ty) => Some(NamedKind::Handle),
                    _ => None,
                };
                match kind {
                    Some(kind) => {
                        if !root {
                            self.need(name);
                        }
                        Some(Ty::Named {
                            name: name.to_string(),
                            kind,
                        })
                    }
                    None => {
                        let target = const_reference(name, self.ty(&decl.ty)?);
                        if root {
                            Some(Ty::Named {
                                name: name.to_string(),
                                kind: NamedKind::Alias(Box::new(target)),
                            })
                        } else {
                            Some(target)
                        }
                    }
                }
            }
            Symbol::StructTag(s) => {
                if !self.is_root(s.span) {
                    self.need(name);
                }
                Some(Ty::Named {
                    name: name.to_string(),
                    kind: NamedKind::Struct,
                })
            }
            Symbol::EnumTag(e) => {
                if !self.is_root(e.span) {
                    self.need(name);
                }
                Some(Ty::Named {
                    name: name.to_string(),
                    kind: NamedKind::Enum,
                })
            }
            _ => {
                self.error(span, format!("`{name}` is not a type"));
                None
            }
        }
    }
}

/// The SDK's `REF` typedefs (`REFIID`, `REFGUID`, `REFCLSID`, `REFPROPVARIANT`,
/// `REFPROPERTYKEY` ...) are pointers to const in C (`#define REFIID const IID *`), while the IDL
/// stand-ins hidden from C declare them as plain pointers (`typedef IID *REFIID;`): a pointer
/// typedef named `REF...` points to const, so the outputs say what C and windows-rs say.
pub(super) fn const_reference(name: &str, target: Ty) -> Ty {
    match target {
        Ty::Ptr { pointee, .. } if name.starts_with("REF") => Ty::Ptr {
            pointee,
            is_const: true,
        },
        other => other,
    }
}

/// Handles are typedefs of a bare `void *` whose name starts with `H` (`HWND`, `HICON`), the
/// way the SDK declares them for MIDL.
pub(super) fn is_handle(name: &str, ty: &model::Type) -> bool {
    let void_ptr = match &ty.kind {
        TypeKind::Pointer { pointee, .. } => matches!(pointee.kind, TypeKind::Void),
        _ => false,
    };
    void_ptr
        && name.len() > 1
        && name.starts_with('H')
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

pub(super) fn prim(kind: BaseKind, sign: Option<Sign>) -> Option<Prim> {
    let unsigned = sign == Some(Sign::Unsigned);
    Some(match kind {
        BaseKind::Char => match sign {
            None => Prim::Char,
            Some(Sign::Signed) => Prim::I8,
            Some(Sign::Unsigned) => Prim::U8,
        },
        BaseKind::Small | BaseKind::Int8 if unsigned => Prim::U8,
        BaseKind::Small | BaseKind::Int8 => Prim::I8,
        BaseKind::Byte | BaseKind::Boolean => Prim::U8,
        BaseKind::Short | BaseKind::Int16 if unsigned => Prim::U16,
        BaseKind::Short | BaseKind::Int16 => Prim::I16,
        BaseKind::WChar => Prim::WChar,
        BaseKind::Int | BaseKind::Long | BaseKind::Int32 if unsigned => Prim::U32,
        BaseKind::Int | BaseKind::Long | BaseKind::Int32 => Prim::I32,
        BaseKind::ErrorStatus => Prim::U32,
        BaseKind::Hyper | BaseKind::Int64 | BaseKind::LongLong if unsigned => Prim::U64,
        BaseKind::Hyper | BaseKind::Int64 | BaseKind::LongLong => Prim::I64,
        BaseKind::Int3264 if unsigned => Prim::USize,
        BaseKind::Int3264 => Prim::ISize,
        BaseKind::Float => Prim::F32,
        BaseKind::Double => Prim::F64,
        BaseKind::Handle => return None,
    })
}
