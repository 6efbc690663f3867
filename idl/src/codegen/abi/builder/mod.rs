//! Building the [`Api`]: walking the root files in source order, lowering each declaration
//! (structs, enums, typedefs, constants, classes, interfaces with their methods), then the
//! imported declarations the roots need.

mod types;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::compilation::Compilation;
use crate::diag::Diagnostic;
use crate::model::{
    self, ConstValue, ExprKind, HasAttributes, Item, StructKind, StructType, TypeKind, UnaryOp,
};
use crate::source::{FileId, Span};
use crate::symbols::Symbol;

use super::roles::{assign_roles, custom_value};
use super::*;
use types::is_handle;

/// The lowering state.
pub(super) struct ApiBuilder<'m> {
    pub(super) model: &'m Compilation,
    pub(super) roots: HashSet<FileId>,
    /// Struct and enum definitions (by address) → the name they are emitted under.
    pub(super) named_defs: HashMap<usize, String>,
    pub(super) decls: Vec<Decl>,
    pub(super) imported_decls: Vec<Decl>,
    /// Imported names already queued or emitted.
    pub(super) imported_seen: HashSet<String>,
    /// Imported names to emit.
    pub(super) imported_queue: Vec<String>,
    pub(super) errors: Vec<Diagnostic>,
}

impl<'m> ApiBuilder<'m> {
    pub(super) fn new(model: &'m Compilation) -> Self {
        let mut named_defs = HashMap::new();
        for file in model.files() {
            collect_named_defs(&file.items, &mut named_defs);
        }
        ApiBuilder {
            model,
            roots: model.roots().map(|f| f.id).collect(),
            named_defs,
            decls: Vec::new(),
            imported_decls: Vec::new(),
            imported_seen: HashSet::new(),
            imported_queue: Vec::new(),
            errors: Vec::new(),
        }
    }

    pub(super) fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(span, message));
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
        match item {
            Item::Import(_) | Item::ImportLib(_) | Item::Include(_) | Item::Pragma(_) => {}
            Item::Forward(f) => {
                if !matches!(
                    f.what,
                    model::ForwardKind::Interface | model::ForwardKind::Coclass
                ) {
                    self.error(f.span, "code generation supports forward declarations of interfaces and coclasses only");
                }
            }
            Item::CppQuote(q) => self.decls.push(Decl {
                name: String::new(),
                doc: String::new(),
                origin: Origin::Root,
                span: q.span,
                kind: DeclKind::CppQuote(q.text.clone()),
            }),
            Item::Typedef(t) => {
                let decls = self.typedef(t, Origin::Root, None);
                self.decls.extend(decls);
            }
            Item::Declaration(d) => self.declaration(d),
            Item::Const(c) => self.constant(c),
            Item::Interface(i) => self.interface(i),
            Item::Coclass(c) => self.coclass(c),
            Item::Function(f) => self.error(
                f.span,
                "code generation does not support functions outside interfaces",
            ),
            Item::Dispinterface(d) => {
                self.error(d.span, "code generation does not support dispinterfaces")
            }
            Item::RuntimeClass(c) => {
                self.error(c.span, "code generation does not support runtime classes")
            }
            Item::Library(l) | Item::Module(l) => self.error(
                l.span,
                "code generation does not support libraries and modules",
            ),
            Item::Namespace(n) => self.error(n.span, "code generation does not support namespaces"),
            Item::ApiContract(a) => {
                self.error(a.span, "code generation does not support API contracts")
            }
            Item::Delegate(d) => self.error(d.span, "code generation does not support delegates"),
            Item::Declare(d) => {
                self.error(d.span, "code generation does not support `declare` blocks")
            }
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
                TypeKind::Struct(s) if s.is_definition() && self.defines(s, &name.name) => {
                    match self.structure(s) {
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
                    Some(ty) => DeclKind::Alias(ty),
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
                if let Some(st) = self.structure(s) {
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
                    self.error(d.span, "an untagged enum needs a typedef name");
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

    pub(super) fn structure(&mut self, s: &StructType) -> Option<Struct> {
        if s.kind == StructKind::Union || s.switch.is_some() {
            self.error(s.span, "unions are not supported by code generation");
            return None;
        }
        let mut fields = Vec::new();
        let mut ok = true;
        for f in s.fields.as_deref().unwrap_or_default() {
            let Some(name) = &f.name else {
                self.error(
                    f.span,
                    "nameless struct members are not supported by code generation",
                );
                ok = false;
                continue;
            };
            if f.bits.is_some() {
                self.error(f.span, "bit fields are not supported by code generation");
                ok = false;
                continue;
            }
            let Some(ty) = self.ty(&f.ty) else {
                ok = false;
                continue;
            };
            if matches!(ty.resolved(), Ty::Void | Ty::Interface(_)) {
                self.error(f.span, "a struct member must have a complete type");
                ok = false;
                continue;
            }
            fields.push(Field {
                name: name.name.clone(),
                doc: doc_or(&f.doc, || format!("The `{}` member.", name.name)),
                ty,
            });
        }
        if fields.is_empty() && ok {
            self.error(s.span, "an empty struct is not valid C");
            return None;
        }
        ok.then(|| Struct {
            tag: s.tag.as_ref().map(|t| t.name.clone()),
            fields,
        })
    }

    pub(super) fn enumeration(&mut self, e: &model::EnumType) -> Option<Enum> {
        let mut variants = Vec::new();
        for v in e.enumerators.as_deref().unwrap_or_default() {
            let Some(value) = v.value.value() else {
                self.error(
                    v.span,
                    "the enumerator has no value (the model was not checked)",
                );
                return None;
            };
            let Ok(value) = i32::try_from(value) else {
                self.error(
                    v.span,
                    format!("the value {value} does not fit a C enum (int)"),
                );
                return None;
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
        let value = match c.value.get() {
            Some(ConstValue::Int(v)) if int_ok => *v,
            Some(_) | None if !int_ok => {
                self.error(
                    c.span,
                    "code generation supports integer and HRESULT constants only",
                );
                return;
            }
            Some(_) => {
                self.error(c.span, "the constant's value is not an integer");
                return;
            }
            None => {
                self.error(
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

    pub(super) fn interface(&mut self, i: &model::Interface) {
        if !i.generic_params.is_empty() || !i.requires.is_empty() {
            self.error(i.span, "code generation does not support WinRT interfaces");
            return;
        }
        if !i.has_attr("object") {
            self.error(
                i.span,
                "code generation supports COM (`[object]`) interfaces only",
            );
            return;
        }
        let Some(iid) = i.uuid() else {
            self.error(i.span, "an interface needs a `uuid(...)` attribute");
            return;
        };
        // Declarations nested in the body come first, as MIDL hoists them.
        for item in &i.items {
            if !matches!(item, Item::Function(_)) {
                self.item(item);
            }
        }
        let (base, defs) = match i.base_name() {
            None => (None, Vec::new()),
            Some(base) => match self.ancestry(base, i.span) {
                Some(defs) => (Some(base.to_string()), defs),
                None => return,
            },
        };
        let ancestors: Vec<String> = defs.iter().map(|d| d.name.name.clone()).collect();
        let mut inherited = Vec::new();
        for def in defs.iter().rev() {
            for f in def.methods() {
                let slot = inherited.len();
                if let Some(m) = self.method(f, slot) {
                    inherited.push(m);
                }
            }
        }
        let base_slots = inherited.len();
        let mut methods = Vec::new();
        for (index, f) in i.methods().enumerate() {
            if let Some(m) = self.method(f, base_slots + index) {
                methods.push(m);
            }
        }
        self.decls.push(Decl {
            name: i.name.name.clone(),
            doc: doc_or(&i.doc, || format!("The `{}` interface.", i.name.name)),
            origin: Origin::Root,
            span: i.span,
            kind: DeclKind::Interface(Interface {
                iid,
                base,
                ancestors,
                base_slots,
                inherited,
                methods,
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

    pub(super) fn method(&mut self, f: &model::Function, slot: usize) -> Option<Method> {
        let ret = self.ty(&f.ret)?;
        let mut params = Vec::new();
        for (index, p) in f.params.iter().enumerate() {
            let name = p
                .name
                .as_ref()
                .map_or_else(|| format!("param{index}"), |n| n.name.clone());
            let ty = self.ty(&p.ty)?;
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
                role: ParamRole::Raw,
            });
        }
        assign_roles(f, &mut params);
        let success_codes = custom_value(f, CONTRACT_SUCCESS_CODES)
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let optional = custom_value(f, CONTRACT_OPTIONAL).map(|v| v.trim().to_string());
        Some(Method {
            name: f.name.name.clone(),
            doc: doc_or(&f.doc, || format!("The `{}` method.", f.name.name)),
            slot,
            ret,
            params,
            success_codes,
            optional,
            span: f.span,
        })
    }

    /// Queues an imported struct, enum or handle for emission.
    pub(super) fn need(&mut self, name: &str) {
        if self.imported_seen.insert(name.to_string()) {
            self.imported_queue.push(name.to_string());
        }
    }

    /// Lowers the queued imported declarations (and what they need in turn).
    pub(super) fn imported(&mut self) {
        while let Some(name) = self.imported_queue.pop() {
            let decls = match self.model.lookup(&name).cloned() {
                Some(Symbol::Typedef { typedef, .. }) => {
                    self.typedef(&typedef, Origin::Imported, Some(&name))
                }
                _ => match self.model.lookup_tag(&name).cloned() {
                    Some(Symbol::StructTag(s)) => self
                        .structure(&s)
                        .map(|st| Decl {
                            name: name.clone(),
                            doc: format!("`struct {name}`."),
                            origin: Origin::Imported,
                            span: s.span,
                            kind: DeclKind::Struct(st),
                        })
                        .into_iter()
                        .collect(),
                    Some(Symbol::EnumTag(e)) => self
                        .enumeration(&e)
                        .map(|en| Decl {
                            name: name.clone(),
                            doc: format!("`enum {name}`."),
                            origin: Origin::Imported,
                            span: e.span,
                            kind: DeclKind::Enum(en),
                        })
                        .into_iter()
                        .collect(),
                    _ => Vec::new(),
                },
            };
            self.imported_decls.extend(decls);
        }
    }
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
