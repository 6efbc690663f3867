//! Lowering interfaces: the vtable of each, its slots in order (the bases' first), every method
//! with its parameters' roles, or a placeholder where a method cannot be expressed.

use std::collections::HashSet;
use std::sync::Arc;

use crate::model::{self, HasAttributes};
use crate::source::Span;
use crate::symbols::Symbol;

use super::super::roles::{assign_roles, custom_value, link_params};
use super::super::*;
use super::ApiBuilder;

/// What [`ApiBuilder::bases`] finds.
struct Bases {
    base: Option<String>,
    ancestors: Vec<String>,
    inherited: Vec<Method>,
    ancestor_names: HashSet<String>,
}

impl ApiBuilder<'_> {
    /// Lowers an interface, and queues the imported interfaces it derives from (their vtables
    /// are the first fields of its own).
    pub(super) fn interface(&mut self, i: &model::Interface, origin: Origin) {
        if !i.generic_params.is_empty() || !i.requires.is_empty() {
            self.error(i.span, "code generation does not support WinRT interfaces");
            return;
        }
        // As widl: `[object]` and `[odl]` interfaces, and any interface deriving from
        // another, are COM interfaces; the others are RPC interfaces, whose functions are not
        // called through a vtable (their nested declarations are generated all the same).
        if !i.has_attr("object") && !i.has_attr("odl") && i.base_name().is_none() {
            if i.methods().next().is_some() {
                self.error(
                    i.span,
                    "the functions of an RPC interface (no `[object]`) are not called through \
                     a vtable",
                );
            }
            return;
        }
        let Some(iid) = i.uuid() else {
            self.error(i.span, "an interface needs a `uuid(...)` attribute");
            return;
        };
        let Some(bases) = self.bases(i.base_name(), i.span) else {
            return;
        };
        let Bases {
            base,
            ancestors,
            inherited,
            ancestor_names,
        } = bases;
        let base_slots = inherited.len();
        let methods = i
            .methods()
            .filter(|f| in_vtable(f))
            .enumerate()
            .map(|(index, f)| {
                let mut m = self.slot(f, base_slots + index);
                if ancestor_names.contains(&m.name) {
                    m.name = format!("{}_{}", i.name.name, f.name.name);
                }
                m
            })
            .collect();
        let out = match origin {
            Origin::Root => &mut self.decls,
            Origin::Imported => &mut self.imported_decls,
        };
        out.push(Decl {
            name: i.name.name.clone(),
            doc: doc_or(&i.doc, || format!("The `{}` interface.", i.name.name)),
            origin,
            span: i.span,
            kind: DeclKind::Interface(Interface {
                iid,
                base,
                ancestors,
                base_slots,
                inherited,
                methods,
                dispinterface: false,
            }),
        });
    }

    /// The bases of an interface deriving from `base` (queued for emission when imported):
    /// their names, their methods in vtable order, and the names C gives those.
    fn bases(&mut self, base: Option<&str>, span: Span) -> Option<Bases> {
        let (base, defs) = match base {
            None => (None, Vec::new()),
            Some(base) => match self.ancestry(base, span) {
                Some(defs) => (Some(base.to_string()), defs),
                None => return None,
            },
        };
        let ancestors: Vec<String> = defs.iter().map(|d| d.name.name.clone()).collect();
        for def in &defs {
            if !self.is_root(def.span) && def.name.name != "IUnknown" {
                self.need(&def.name.name);
            }
        }
        let mut inherited = Vec::new();
        // As widl writes C: a method with the name of a method of an ancestor (a C++ overload)
        // is named `Interface_Name` (the IDL name, without an accessor's `get_`/`put_`), so
        // that the flattened C vtable has distinct members.
        let mut ancestor_names: HashSet<String> = HashSet::new();
        for def in defs.iter().rev() {
            let mut names = Vec::new();
            for f in def.methods().filter(|f| in_vtable(f)) {
                let slot = inherited.len();
                let mut m = self.slot(f, slot);
                if ancestor_names.contains(&m.name) {
                    m.name = format!("{}_{}", def.name.name, f.name.name);
                }
                names.push(m.name.clone());
                inherited.push(m);
            }
            ancestor_names.extend(names);
        }
        Some(Bases {
            base,
            ancestors,
            inherited,
            ancestor_names,
        })
    }

    /// Lowers a dispinterface: an interface whose vtable is `IDispatch`'s (its properties and
    /// methods are reached through `IDispatch::Invoke` by DISPID), with its `DIID_`.
    pub(super) fn dispinterface(&mut self, d: &model::Dispinterface, origin: Origin) {
        let Some(iid) = d.uuid() else {
            self.error(d.span, "a dispinterface needs a `uuid(...)` attribute");
            return;
        };
        let Some(bases) = self.bases(Some("IDispatch"), d.span) else {
            return;
        };
        let base_slots = bases.inherited.len();
        let out = match origin {
            Origin::Root => &mut self.decls,
            Origin::Imported => &mut self.imported_decls,
        };
        out.push(Decl {
            name: d.name.name.clone(),
            doc: doc_or(&d.doc, || {
                format!(
                    "The `{}` dispinterface: its members are called through `IDispatch::Invoke`.",
                    d.name.name
                )
            }),
            origin,
            span: d.span,
            kind: DeclKind::Interface(Interface {
                iid,
                base: bases.base,
                ancestors: bases.ancestors,
                base_slots,
                inherited: bases.inherited,
                methods: Vec::new(),
                dispinterface: true,
            }),
        });
    }

    /// The definitions of the interface named `base` and of its ancestors, nearest first.
    pub(super) fn ancestry(
        &mut self,
        base: &str,
        span: Span,
    ) -> Option<Vec<Arc<model::Interface>>> {
        let mut defs: Vec<Arc<model::Interface>> = Vec::new();
        let mut name = base.to_string();
        loop {
            if defs.iter().any(|d| d.name.name == name) {
                self.error(
                    span,
                    format!("the interface hierarchy of `{name}` is cyclic"),
                );
                return None;
            }
            let Some(Symbol::Interface(def)) = self.model.lookup(&name).cloned() else {
                self.error(
                    span,
                    format!(
                        "the base interface `{name}` is not defined (a forward declaration is \
                         not enough)"
                    ),
                );
                return None;
            };
            let next = def.base_name().map(str::to_string);
            defs.push(def);
            match next {
                Some(next) => name = next,
                None => return Some(defs),
            }
        }
    }

    /// The method of vtable slot `slot`: lowered, or a placeholder saying why it cannot be.
    pub(super) fn slot(&mut self, f: &model::Function, slot: usize) -> Method {
        let errors = self.errors.len();
        let method = self.method(f, slot);
        let reason = self.errors.get(errors).map(|e| e.message.clone());
        self.errors.truncate(errors);
        match (method, reason) {
            (Some(m), None) => m,
            (_, reason) => Method {
                name: c_method_name(f),
                doc: doc_or(&f.doc, || format!("The `{}` method.", f.name.name)),
                slot,
                ret: Ty::Void,
                ret_typedef: None,
                params: Vec::new(),
                success_codes: Vec::new(),
                optional: None,
                unsupported: Some(
                    reason.unwrap_or_else(|| "the signature is not supported".into()),
                ),
                span: f.span,
            },
        }
    }

    pub(super) fn method(&mut self, f: &model::Function, slot: usize) -> Option<Method> {
        let ret = self.ty(&f.ret)?;
        let mut params = Vec::new();
        for (index, p) in f.params.iter().enumerate() {
            let name = p
                .name
                .as_ref()
                .map_or_else(|| format!("param{index}"), |n| n.name.clone());
            // An array parameter is a pointer to its first element, as in C.
            let ty = match self.ty(&p.ty)? {
                Ty::Array { element, .. } => Ty::Ptr {
                    pointee: element,
                    is_const: false,
                },
                ty => ty,
            };
            let dir = match (p.has_attr("in"), p.has_attr("out")) {
                (_, false) => Direction::In,
                (false, true) => Direction::Out,
                (true, true) => Direction::InOut,
            };
            params.push(Param {
                name,
                ty,
                dir,
                unique: p.has_attr("unique"),
                string: p.has_attr("string"),
                typedef: typedef_of(&p.ty),
                retval: p.has_attr("retval"),
                optional: p.has_attr("optional"),
                size_is: None,
                length_is: None,
                iid_is: None,
                attrs: p.attrs.iter().map(|a| a.name().to_string()).collect(),
                role: ParamRole::Raw,
            });
        }
        link_params(f, &mut params);
        assign_roles(f, &mut params);
        let success_codes = custom_value(f, CONTRACT_SUCCESS_CODES)
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let optional = custom_value(f, CONTRACT_OPTIONAL).map(|v| v.trim().to_string());
        Some(Method {
            name: c_method_name(f),
            doc: doc_or(&f.doc, || format!("The `{}` method.", f.name.name)),
            slot,
            ret,
            ret_typedef: typedef_of(&f.ret),
            params,
            success_codes,
            optional,
            unsupported: None,
            span: f.span,
        })
    }
}

/// The typedef `ty` is declared with, under how many pointers (`BSTR *` is `("BSTR", 1)`).
fn typedef_of(ty: &model::Type) -> Option<(String, usize)> {
    match &ty.kind {
        model::TypeKind::Const(inner) => typedef_of(inner),
        model::TypeKind::Pointer { pointee, .. } => {
            typedef_of(pointee).map(|(name, depth)| (name, depth + 1))
        }
        model::TypeKind::Named { name, args } if args.is_empty() => Some((name.name.clone(), 0)),
        _ => None,
    }
}

/// A method's name as MIDL writes it in C: property accessors get the prefix of their kind
/// (`[propget] Name` is `get_Name`, `[propput]` is `put_Name`, `[propputref]` is `putref_Name`),
/// so that the accessors of one property have distinct names.
fn c_method_name(f: &model::Function) -> String {
    let name = &f.name.name;
    if f.has_attr("propget") {
        format!("get_{name}")
    } else if f.has_attr("propputref") {
        format!("putref_{name}")
    } else if f.has_attr("propput") {
        format!("put_{name}")
    } else {
        name.clone()
    }
}

/// Whether a method has a vtable slot: a `[call_as(m)]` method is the wire form of the
/// `[local]` method `m`, which has the slot (MIDL's C has no member for it).
fn in_vtable(f: &model::Function) -> bool {
    !f.has_attr("call_as")
}
