//! Building the [`Api`]: walking the root files in source order, lowering each declaration
//! (structs, enums, typedefs, constants, classes, interfaces with their methods), then the
//! imported declarations the roots need.

mod aggregates;
mod imports;
mod interfaces;
mod types;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::compilation::Compilation;
use crate::diag::Diagnostic;
use crate::model::{
    self, ConstValue, ExprKind, HasAttributes, Item, StructType, TypeKind, UnaryOp,
};
use crate::source::{FileId, Span};
use crate::symbols::Symbol;

use super::stand_ins;
use super::*;
use types::is_handle;

/// Why a declaration other than a type that a `cpp_quote`d conditional hides from C is not
/// generated.
const HIDDEN_FROM_C: &str = "a `cpp_quote`d conditional hides it from C (a stand-in for the IDL \
                             compiler; the SDK's C headers define the real one)";

/// What the documentation of a type that a `cpp_quote`d conditional hides from C says.
const STAND_IN: &str = "The IDL's stand-in: a `cpp_quote`d conditional hides this definition \
                        from C compilers, which take the SDK headers' own, of the same layout.";

/// Appends [`STAND_IN`] to the documentation of the generated declarations in `decls`.
pub(super) fn mark_stand_ins(decls: &mut [Decl]) {
    for d in decls {
        if !matches!(d.kind, DeclKind::Skipped(_) | DeclKind::CppQuote(_)) {
            d.doc.push_str("\n\n");
            d.doc.push_str(STAND_IN);
        }
    }
}

/// The lowering state.
pub(super) struct ApiBuilder<'m> {
    pub(super) model: &'m Compilation,
    /// The root files and the files they `#include` (their declarations are the roots' own).
    pub(super) roots: HashSet<FileId>,
    /// Struct and enum definitions (by address) → the name they are emitted under.
    pub(super) named_defs: HashMap<usize, String>,
    pub(super) decls: Vec<Decl>,
    pub(super) imported_decls: Vec<Decl>,
    /// Imported names already queued or emitted.
    pub(super) imported_seen: HashSet<String>,
    /// Imported names to emit.
    pub(super) imported_queue: Vec<String>,
    /// Imported interfaces that a class of the root files names (see `need_class_interface`).
    pub(super) class_interfaces: HashSet<String>,
    /// Whether the declaration being lowered is one of them: the imported interfaces its
    /// parameters name are queued too (see `need_referenced_interface`).
    pub(super) lowering_class_interface: bool,
    /// Whether every imported interface a parameter names is queued, at any depth
    /// ([`ImportedInterfaces::Referenced`](super::ImportedInterfaces::Referenced)).
    pub(super) all_referenced_interfaces: bool,
    /// Why the declaration being lowered cannot be expressed; drained by
    /// [`ApiBuilder::guarded`], which turns them into a [`DeclKind::Skipped`] declaration.
    pub(super) errors: Vec<Diagnostic>,
    /// Errors that no declaration can be skipped for: a compilation whose values were never
    /// computed (a syntax-only run).
    pub(super) invalid: Vec<Diagnostic>,
    /// How deep [`ApiBuilder::named`] is nested.
    pub(super) depth: usize,
    /// What the C compiler sees: packings, and items hidden by `cpp_quote`d conditionals.
    pub(super) c_view: super::c_view::CView,
}

impl<'m> ApiBuilder<'m> {
    pub(super) fn new(model: &'m Compilation) -> Self {
        let mut named_defs = HashMap::new();
        for file in model.files() {
            collect_named_defs(&file.items, &mut named_defs);
        }
        ApiBuilder {
            model,
            roots: root_files(model),
            named_defs,
            decls: Vec::new(),
            imported_decls: Vec::new(),
            imported_seen: HashSet::new(),
            imported_queue: Vec::new(),
            class_interfaces: HashSet::new(),
            lowering_class_interface: false,
            all_referenced_interfaces: false,
            errors: Vec::new(),
            invalid: Vec::new(),
            depth: 0,
            c_view: super::c_view::c_view(model),
        }
    }

    /// Records why the declaration being lowered cannot be expressed.
    pub(super) fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(span, message));
    }

    /// Records an error that makes the whole view invalid (see [`ApiBuilder::invalid`]).
    pub(super) fn invalid(&mut self, span: Span, message: impl Into<String>) {
        self.invalid.push(Diagnostic::error(span, message));
    }

    /// Runs `lower`, which pushes the declarations of one IDL item named `names` onto `decls`
    /// (`self.decls` or, with `imported`, `self.imported_decls`). When it records a reason the
    /// item cannot be expressed, what it pushed is dropped and each name becomes a
    /// [`DeclKind::Skipped`] declaration carrying the first reason.
    pub(super) fn guarded(
        &mut self,
        names: Vec<(String, Span)>,
        origin: Origin,
        lower: impl FnOnce(&mut Self),
    ) {
        let errors = self.errors.len();
        let decls = self.decls.len();
        let imported = self.imported_decls.len();
        lower(self);
        if self.errors.len() == errors {
            return;
        }
        let reason = self.errors[errors].message.clone();
        self.errors.truncate(errors);
        self.decls.truncate(decls);
        self.imported_decls.truncate(imported);
        let out = match origin {
            Origin::Root => &mut self.decls,
            Origin::Imported => &mut self.imported_decls,
        };
        for (name, span) in names {
            out.push(Decl {
                name,
                doc: String::new(),
                origin,
                span,
                kind: DeclKind::Skipped(reason.clone()),
            });
        }
    }

    pub(super) fn is_root(&self, span: Span) -> bool {
        self.roots.contains(&span.file)
    }

    pub(super) fn file_name(&self, span: Span) -> String {
        self.model
            .source_map()
            .get(span.file)
            .map_or_else(|| "the IDL".to_string(), |f| f.name().to_string())
    }

    // ----- items -------------------------------------------------------------------------

    pub(super) fn items(&mut self, items: &[Item]) {
        for item in items {
            self.item(item);
        }
    }

    pub(super) fn item(&mut self, item: &Item) {
        let hidden =
            !matches!(item, Item::CppQuote(_)) && self.c_view.hidden.contains(&item.span());
        if hidden && !generated_when_hidden(item) {
            let span = item.span();
            self.guarded(item_names(item), Origin::Root, |b| {
                b.error(span, HIDDEN_FROM_C)
            });
            return;
        }
        let first = self.decls.len();
        match item {
            Item::Import(_) | Item::ImportLib(_) | Item::Include(_) | Item::Pragma(_) => {}
            // A forward declaration declares nothing of its own: the definition does.
            Item::Forward(_) => {}
            Item::CppQuote(q) => self.decls.push(Decl {
                name: String::new(),
                doc: String::new(),
                origin: Origin::Root,
                span: q.span,
                kind: DeclKind::CppQuote(q.text.clone()),
            }),
            // Declarations nested in a library or module are the file's own.
            Item::Library(l) => {
                if let Some(libid) = l.uuid() {
                    self.decls.push(Decl {
                        name: format!("LIBID_{}", l.name.name),
                        doc: format!("The identifier of the `{}` type library.", l.name.name),
                        origin: Origin::Root,
                        span: l.span,
                        kind: DeclKind::GuidConst(libid),
                    });
                }
                self.items(&l.items);
            }
            Item::Module(l) => self.items(&l.items),
            Item::Interface(i) => {
                // Declarations nested in the body come first, as MIDL hoists them.
                for nested in i.items.iter().filter(|n| !matches!(n, Item::Function(_))) {
                    self.item(nested);
                }
                let names = vec![(i.name.name.clone(), i.span)];
                self.guarded(names, Origin::Root, |b| b.interface(i, Origin::Root));
            }
            other => {
                let names = item_names(other);
                self.guarded(names, Origin::Root, |b| b.simple_item(other));
            }
        }
        if hidden {
            mark_stand_ins(&mut self.decls[first..]);
        }
    }

    /// Lowers an item that is not a container.
    fn simple_item(&mut self, item: &Item) {
        match item {
            Item::Typedef(t) => {
                let decls = self.typedef(t, Origin::Root, None);
                self.decls.extend(decls);
            }
            Item::Declaration(d) => self.declaration(d),
            Item::Const(c) => self.constant(c),
            Item::Coclass(c) => self.coclass(c),
            Item::Function(f) => self.error(
                f.span,
                "a function outside an interface is a DLL entry point, which bindings of an \
                 IDL file cannot link to",
            ),
            Item::Dispinterface(d) => self.dispinterface(d, Origin::Root),
            Item::RuntimeClass(c) => {
                self.error(c.span, "runtime classes (WinRT) are not generated")
            }
            Item::Namespace(n) => self.error(n.span, "namespaces (WinRT) are not generated"),
            Item::ApiContract(a) => self.error(a.span, "API contracts (WinRT) are not generated"),
            Item::Delegate(d) => self.error(d.span, "delegates (WinRT) are not generated"),
            Item::Declare(d) => self.error(d.span, "`declare` blocks (WinRT) are not generated"),
            _ => {}
        }
    }

    /// Lowers a typedef statement. With `only`, lowers just that declarator name (for
    /// imported types).
    pub(super) fn typedef(
        &mut self,
        t: &model::Typedef,
        origin: Origin,
        only: Option<&str>,
    ) -> Vec<Decl> {
        let mut out = Vec::new();
        // `typedef struct _X { ... } *PX;`: no declarator names the struct itself, which is
        // emitted under its tag.
        let tag_named = |tag: &str| {
            t.declarators
                .iter()
                .any(|d| d.name.as_ref().is_some_and(|n| n.name == tag))
        };
        let spec_tag = match &t.spec.kind {
            TypeKind::Struct(s) => s.tag.as_ref(),
            TypeKind::Enum(e) => e.tag.as_ref(),
            _ => None,
        };
        if only.is_none() && !spec_tag.is_some_and(|tag| tag_named(&tag.name)) {
            out.extend(self.tag_definition(&t.spec, &t.doc, origin, t.span));
        }
        for decl in &t.declarators {
            let Some(name) = &decl.name else {
                self.error(decl.span, "a typedef needs a name");
                continue;
            };
            if only.is_some_and(|o| o != name.name) {
                continue;
            }
            if decl.bits.is_some() {
                self.error(decl.span, "bit fields are not supported by code generation");
                continue;
            }
            let doc = doc_or(&t.doc, || {
                format!("`{}`, declared in `{}`.", name.name, self.file_name(t.span))
            });
            let kind = match &decl.ty.unqualified().kind {
                // `typedef struct X X;` after `struct X { ... };`: the struct is emitted under
                // that name already.
                TypeKind::Struct(s) if !s.is_definition() && self.tag_defines(s, &name.name) => {
                    if origin == Origin::Root {
                        continue;
                    }
                    // Imported: nothing else emits it.
                    let def =
                        s.tag
                            .as_ref()
                            .and_then(|tag| match self.model.lookup_tag(&tag.name) {
                                Some(Symbol::StructTag(def)) => Some(def.clone()),
                                _ => None,
                            });
                    match def.and_then(|def| self.structure(&def, &name.name, origin)) {
                        Some(s) => DeclKind::Struct(s),
                        None => continue,
                    }
                }
                TypeKind::Struct(s) if s.is_definition() && self.defines(s, &name.name) => {
                    match self.structure(s, &name.name, origin) {
                        Some(s) => DeclKind::Struct(s),
                        None => continue,
                    }
                }
                TypeKind::Enum(e)
                    if e.enumerators.is_some() && self.defines_enum(e, &name.name) =>
                {
                    match self.enumeration(e) {
                        Some(e) => DeclKind::Enum(e),
                        None => continue,
                    }
                }
                _ if is_handle(&name.name, &decl.ty) => DeclKind::Handle,
                _ => match self.ty(&decl.ty) {
                    Some(ty) => DeclKind::Alias(types::const_reference(&name.name, ty)),
                    None => continue,
                },
            };
            out.push(Decl {
                name: name.name.clone(),
                doc,
                origin,
                span: decl.span,
                kind,
            });
        }
        out
    }

    /// The struct or enum defined by `spec` when it is emitted under its tag.
    fn tag_definition(
        &mut self,
        spec: &model::Type,
        doc: &model::Doc,
        origin: Origin,
        span: Span,
    ) -> Option<Decl> {
        let (tag, kind) = match &spec.kind {
            TypeKind::Struct(s) if s.is_definition() => {
                let tag = s.tag.as_ref().filter(|tag| self.defines(s, &tag.name))?;
                (tag, DeclKind::Struct(self.structure(s, &tag.name, origin)?))
            }
            TypeKind::Enum(e) if e.enumerators.is_some() => {
                let tag = e
                    .tag
                    .as_ref()
                    .filter(|tag| self.defines_enum(e, &tag.name))?;
                (tag, DeclKind::Enum(self.enumeration(e)?))
            }
            _ => return None,
        };
        Some(Decl {
            name: tag.name.clone(),
            doc: doc_or(doc, || format!("`{}`.", tag.name)),
            origin,
            span,
            kind,
        })
    }

    /// Whether `name` is the name a struct definition is emitted under.
    pub(super) fn defines(&self, s: &Arc<StructType>, name: &str) -> bool {
        self.named_defs
            .get(&(Arc::as_ptr(s) as usize))
            .is_some_and(|n| n == name)
    }

    pub(super) fn defines_enum(&self, e: &Arc<model::EnumType>, name: &str) -> bool {
        self.named_defs
            .get(&(Arc::as_ptr(e) as usize))
            .is_some_and(|n| n == name)
    }

    /// `struct X { ... };` without a typedef.
    pub(super) fn declaration(&mut self, d: &model::Declaration) {
        if !d.declarators.is_empty() || d.storage.is_some() {
            self.error(
                d.span,
                "code generation supports only type declarations here",
            );
            return;
        }
        let doc = |name: &str| doc_or(&d.doc, || format!("`{name}`."));
        match &d.spec.kind {
            TypeKind::Struct(s) if s.is_definition() => {
                let Some(tag) = &s.tag else {
                    self.error(d.span, "an untagged struct declares nothing");
                    return;
                };
                if let Some(st) = self.structure(s, &tag.name, Origin::Root) {
                    self.decls.push(Decl {
                        name: tag.name.clone(),
                        doc: doc(&tag.name),
                        origin: Origin::Root,
                        span: d.span,
                        kind: DeclKind::Struct(st),
                    });
                }
            }
            TypeKind::Enum(e) if e.enumerators.is_some() => {
                let Some(tag) = &e.tag else {
                    // `enum { A = 1, B };` declares only its enumerators: `int` constants.
                    if let Some(en) = self.enumeration(e) {
                        for v in en.variants {
                            self.decls.push(Decl {
                                name: v.name,
                                doc: v.doc,
                                origin: Origin::Root,
                                span: d.span,
                                kind: DeclKind::Const(Const {
                                    ty: Ty::Prim(Prim::I32),
                                    value: v.value.into(),
                                    hex: v.hex,
                                }),
                            });
                        }
                    }
                    return;
                };
                if let Some(en) = self.enumeration(e) {
                    self.decls.push(Decl {
                        name: tag.name.clone(),
                        doc: doc(&tag.name),
                        origin: Origin::Root,
                        span: d.span,
                        kind: DeclKind::Enum(en),
                    });
                }
            }
            _ => self.error(d.span, "code generation does not support this declaration"),
        }
    }

    pub(super) fn enumeration(&mut self, e: &model::EnumType) -> Option<Enum> {
        let mut variants = Vec::new();
        for v in e.enumerators.as_deref().unwrap_or_default() {
            let Some(value) = v.value.value() else {
                self.invalid(
                    v.span,
                    "the enumerator has no value (the model was not checked)",
                );
                return None;
            };
            // C enums are `int`; MIDL writes values up to 0xFFFFFFFF, which a 32-bit `int`
            // holds as the same bits (0xFFFFFFFF is -1).
            let value = match i32::try_from(value) {
                Ok(v) => v,
                Err(_) => match u32::try_from(value) {
                    Ok(bits) => i32::from_ne_bytes(bits.to_ne_bytes()),
                    Err(_) => {
                        self.error(
                            v.span,
                            format!("the value {value} does not fit a C enum (int)"),
                        );
                        return None;
                    }
                },
            };
            variants.push(Variant {
                name: v.name.name.clone(),
                doc: doc_or(&v.doc, || format!("The `{}` value.", v.name.name)),
                value,
                hex: v.expr.as_ref().is_some_and(written_in_hex),
            });
        }
        Some(Enum {
            tag: e.tag.as_ref().map(|t| t.name.clone()),
            variants,
        })
    }

    pub(super) fn constant(&mut self, c: &model::Const) {
        let Some(ty) = self.ty(&c.ty) else { return };
        let int_ok = matches!(ty.resolved(), Ty::Hresult) || ty.is_integer();
        let literal = match (c.value.get(), ty.resolved()) {
            (Some(ConstValue::Float(v)), Ty::Prim(p @ (Prim::F32 | Prim::F64))) => {
                Some(Literal::Float {
                    value: *v,
                    single: *p == Prim::F32,
                })
            }
            (Some(ConstValue::Int(v)), Ty::Prim(p @ (Prim::F32 | Prim::F64))) => {
                Some(Literal::Float {
                    value: *v as f64,
                    single: *p == Prim::F32,
                })
            }
            (Some(ConstValue::Str(text)), Ty::Ptr { .. }) => Some(Literal::Str(text.clone())),
            (Some(ConstValue::WideStr(text)), Ty::Ptr { .. }) => {
                Some(Literal::WideStr(text.clone()))
            }
            _ => None,
        };
        if let Some(literal) = literal {
            if matches!(&literal, Literal::Str(t) | Literal::WideStr(t) if t.contains('\0')) {
                self.error(c.span, "a string constant with a NUL character inside");
                return;
            }
            self.decls.push(Decl {
                name: c.name.name.clone(),
                doc: doc_or(&c.doc, || format!("The `{}` constant.", c.name.name)),
                origin: Origin::Root,
                span: c.span,
                kind: DeclKind::Literal(literal),
            });
            return;
        }
        let value = match c.value.get() {
            Some(ConstValue::Int(v)) if int_ok => *v,
            Some(_) | None if !int_ok => {
                self.error(
                    c.span,
                    "code generation supports integer, HRESULT, floating-point and string \
                     constants only",
                );
                return;
            }
            Some(_) => {
                self.error(c.span, "the constant's value is not an integer");
                return;
            }
            None => {
                self.invalid(
                    c.span,
                    "the constant has no value (the model was not checked)",
                );
                return;
            }
        };
        let range = match ty.resolved() {
            Ty::Hresult => Prim::I32.range(),
            Ty::Prim(p) => p.range(),
            _ => None,
        };
        if let Some((lo, hi)) = range
            && !(lo..=hi).contains(&value)
        {
            self.error(
                c.span,
                format!("the value {value} does not fit the constant's type"),
            );
            return;
        }
        self.decls.push(Decl {
            name: c.name.name.clone(),
            doc: doc_or(&c.doc, || format!("The `{}` constant.", c.name.name)),
            origin: Origin::Root,
            span: c.span,
            kind: DeclKind::Const(Const {
                ty,
                value,
                hex: written_in_hex(&c.expr),
            }),
        });
    }

    pub(super) fn coclass(&mut self, c: &model::Coclass) {
        let Some(clsid) = c.uuid() else {
            self.error(c.span, "a coclass needs a `uuid(...)` attribute");
            return;
        };
        let mut interfaces: Vec<String> = Vec::new();
        for m in &c.members {
            let Some(name) = m.ty.name() else {
                self.error(m.span, "expected an interface name");
                continue;
            };
            // A class's interfaces declared in an imported file are emitted with it, so that
            // a crate can implement the class from its own small IDL (`coclass Document {
            // interface IPersistStream; }` over `import "objidl.idl"`).
            if let Some(Symbol::Interface(def)) = self.model.lookup(name)
                && !self.is_root(def.span)
                && def.name.name != "IUnknown"
            {
                let imported = def.name.name.clone();
                self.need_class_interface(&imported);
            }
            if m.has_attr("default") {
                interfaces.insert(0, name.to_string());
            } else {
                interfaces.push(name.to_string());
            }
        }
        self.decls.push(Decl {
            name: c.name.name.clone(),
            doc: doc_or(&c.doc, || format!("The `{}` class.", c.name.name)),
            origin: Origin::Root,
            span: c.span,
            kind: DeclKind::Class(Class { clsid, interfaces }),
        });
    }

    // ----- interfaces --------------------------------------------------------------------
}

/// Records the emitted name of every struct and enum definition: the first typedef declarator
/// that names the definition itself (not a pointer to it), else its tag.
fn collect_named_defs(items: &[Item], out: &mut HashMap<usize, String>) {
    for item in items {
        match item {
            Item::Typedef(t) => {
                for d in &t.declarators {
                    let Some(name) = &d.name else { continue };
                    match &d.ty.unqualified().kind {
                        TypeKind::Struct(s) if s.is_definition() => {
                            out.entry(Arc::as_ptr(s) as usize)
                                .or_insert_with(|| name.name.clone());
                        }
                        TypeKind::Enum(e) if e.enumerators.is_some() => {
                            out.entry(Arc::as_ptr(e) as usize)
                                .or_insert_with(|| name.name.clone());
                        }
                        _ => {}
                    }
                }
                // `typedef struct _X { ... } *PX;` alone: the tag names the struct.
                if let TypeKind::Struct(s) = &t.spec.kind
                    && let Some(tag) = &s.tag
                {
                    out.entry(Arc::as_ptr(s) as usize)
                        .or_insert_with(|| tag.name.clone());
                }
            }
            Item::Declaration(d) => match &d.spec.kind {
                TypeKind::Struct(s) if s.is_definition() => {
                    if let Some(tag) = &s.tag {
                        out.entry(Arc::as_ptr(s) as usize)
                            .or_insert_with(|| tag.name.clone());
                    }
                }
                TypeKind::Enum(e) if e.enumerators.is_some() => {
                    if let Some(tag) = &e.tag {
                        out.entry(Arc::as_ptr(e) as usize)
                            .or_insert_with(|| tag.name.clone());
                    }
                }
                _ => {}
            },
            Item::Interface(i) => collect_named_defs(&i.items, out),
            Item::Library(l) | Item::Module(l) => collect_named_defs(&l.items, out),
            Item::Namespace(n) => collect_named_defs(&n.items, out),
            _ => {}
        }
    }
}

/// Whether a value is written in hexadecimal (or octal), or computed by an expression.
fn written_in_hex(expr: &model::Expr) -> bool {
    match &expr.kind {
        ExprKind::Int { non_decimal, .. } => *non_decimal,
        ExprKind::Unary {
            op: UnaryOp::Neg | UnaryOp::Plus,
            operand,
        } => written_in_hex(operand),
        _ => true,
    }
}

/// The names an item declares, with their places (for the comments of skipped declarations).
fn item_names(item: &Item) -> Vec<(String, Span)> {
    let one = |name: &str, span: Span| vec![(name.to_string(), span)];
    match item {
        Item::Typedef(t) => {
            let mut names: Vec<(String, Span)> = t
                .declarators
                .iter()
                .filter_map(|d| d.name.as_ref().map(|n| (n.name.clone(), d.span)))
                .collect();
            // `typedef struct _X { ... } *PX;` emits the struct under its tag.
            let tag = match &t.spec.kind {
                TypeKind::Struct(s) if s.is_definition() => s.tag.as_ref(),
                TypeKind::Enum(e) if e.enumerators.is_some() => e.tag.as_ref(),
                _ => None,
            };
            let by_value = t.declarators.iter().any(|d| {
                matches!(
                    d.ty.unqualified().kind,
                    TypeKind::Struct(_) | TypeKind::Enum(_)
                )
            });
            if let Some(tag) = tag
                && !by_value
                && !names.iter().any(|(n, _)| *n == tag.name)
            {
                names.push((tag.name.clone(), t.span));
            }
            names
        }
        Item::Declaration(d) => {
            let named: Vec<(String, Span)> = d
                .declarators
                .iter()
                .filter_map(|x| x.name.as_ref().map(|n| (n.name.clone(), x.span)))
                .collect();
            if !named.is_empty() {
                return named;
            }
            let tag = match &d.spec.kind {
                TypeKind::Struct(s) => s.tag.as_ref(),
                TypeKind::Enum(e) => e.tag.as_ref(),
                _ => None,
            };
            tag.map_or_else(|| vec![(String::new(), d.span)], |t| one(&t.name, d.span))
        }
        Item::Const(c) => one(&c.name.name, c.span),
        Item::Coclass(c) => one(&c.name.name, c.span),
        Item::Function(f) => one(&f.name.name, f.span),
        Item::Dispinterface(d) => one(&d.name.name, d.span),
        Item::Interface(i) => one(&i.name.name, i.span),
        Item::RuntimeClass(c) => one(&c.name.name, c.span),
        Item::Delegate(d) => one(&d.name.name, d.span),
        other => vec![(String::new(), other.span())],
    }
}

/// The root files and every file whose text a root file includes: the files of the items in
/// the roots' item trees.
fn root_files(model: &Compilation) -> HashSet<FileId> {
    fn walk(items: &[Item], out: &mut HashSet<FileId>) {
        for item in items {
            out.insert(item.span().file);
            match item {
                Item::Library(l) | Item::Module(l) => walk(&l.items, out),
                Item::Namespace(n) => walk(&n.items, out),
                Item::Interface(i) => walk(&i.items, out),
                _ => {}
            }
        }
    }
    let mut out: HashSet<FileId> = model.roots().map(|f| f.id).collect();
    for file in model.roots() {
        walk(&file.items, &mut out);
    }
    out
}

/// Whether `item`, hidden from C by a `cpp_quote`d conditional, is generated anyway: when it
/// declares handles only (opaque pointers, whose ABI is the same whatever C defines them as:
/// `HWND`, `HANDLE` ...), or types whose stand-ins have the SDK's layout (see [`stand_ins`]).
fn generated_when_hidden(item: &Item) -> bool {
    let handles = match item {
        Item::Typedef(t) => t
            .declarators
            .iter()
            .all(|d| d.name.as_ref().is_some_and(|n| is_handle(&n.name, &d.ty))),
        _ => false,
    };
    // Pointer typedefs beside a listed type (`*PMSG`, `*NPMSG`) are pointers whatever C says.
    let pointers: Vec<&str> = match item {
        Item::Typedef(t) => t
            .declarators
            .iter()
            .filter(|d| matches!(d.ty.unqualified().kind, TypeKind::Pointer { .. }))
            .filter_map(|d| d.name.as_ref().map(|n| n.name.as_str()))
            .collect(),
        _ => Vec::new(),
    };
    let names = item_names(item);
    let known = matches!(item, Item::Typedef(_) | Item::Declaration(_))
        && names.iter().any(|(n, _)| stand_ins::has_sdk_layout(n))
        && names
            .iter()
            .all(|(n, _)| stand_ins::has_sdk_layout(n) || pointers.contains(&n.as_str()));
    handles || known
}
