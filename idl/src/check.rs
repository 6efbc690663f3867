//! Semantic checks.
//!
//! The checker walks a file's items in source order, as widl does: imports are loaded (through
//! the session, once per run) when they are met, names are defined when their declaration is
//! met, and every use must refer to something declared before it. On the way it evaluates
//! constants, enumerators (with MIDL's auto-increment), array sizes, bit widths and union case
//! labels, and stores the values in the model.
//!
//! Checks (each error names the offending place):
//! - imports that cannot be found;
//! - unknown type names; unknown, non-interface, undefined or cyclic interface bases;
//! - duplicate interfaces, methods (property and event accessors may share a name), parameters,
//!   fields, enumerators and constants; a typedef redefined with another type in one file;
//! - `[object]` interfaces without `uuid`; malformed uuids;
//! - `[out]` parameters that are not pointers;
//! - `size_is`/`length_is`/`iid_is`/... naming no parameter (or field) or constant in scope;
//! - constant expressions that cannot be evaluated, overflow, or do not fit their type.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::driver::Session;
use crate::eval::{self, EvalEnv, Value};
use crate::model::*;
use crate::source::{FileId, Span};
use crate::symbols::Symbol;

/// Attributes whose arguments are expressions over sibling parameters or fields.
const SIZE_ATTRIBUTES: &[&str] = &[
    "size_is",
    "length_is",
    "max_is",
    "min_is",
    "first_is",
    "last_is",
    "byte_count",
    "iid_is",
    "switch_is",
];

/// Method attributes that make a method an accessor, allowed to share its name with the
/// other accessors of the same property or event.
const ACCESSORS: &[&str] = &[
    "propget",
    "propput",
    "propputref",
    "eventadd",
    "eventremove",
];

/// Checks one parsed file, resolving its imports through the session.
pub(crate) fn check_file(session: &mut Session, id: FileId, file: &File) -> Vec<Diagnostic> {
    let mut cx = Checker {
        session,
        file: id,
        diags: Vec::new(),
        namespace: Vec::new(),
        generics: Vec::new(),
        visited: HashSet::new(),
        typedefs_here: HashMap::new(),
        local: false,
        enum_scope: None,
    };
    cx.items(&file.items);
    // A type written once can be checked more than once (a typedef's specifier is part of
    // each declarator's type): report each problem once.
    let mut seen = HashSet::new();
    cx.diags
        .retain(|d| seen.insert((d.span.map(|s| (s.file, s.start, s.end)), d.message.clone())));
    cx.diags
}

/// Where a name used in a size attribute may come from.
enum Siblings<'a> {
    Params(&'a [Param]),
    Fields(&'a [Field]),
}

struct Checker<'s> {
    session: &'s mut Session,
    file: FileId,
    diags: Vec<Diagnostic>,
    /// Enclosing namespaces, outermost first.
    namespace: Vec<String>,
    /// Generic parameters in scope (WinRT interfaces and delegates).
    generics: Vec<Vec<String>>,
    /// Inline struct/union/enum definitions already checked (they are shared between a
    /// declaration's specifier and its declarators).
    visited: HashSet<usize>,
    /// Typedef names defined in this file, with their type signature and place.
    typedefs_here: HashMap<String, (String, Span)>,
    /// Inside a `[local]` interface or method, or a library: marshalling checks (`[out]`
    /// pointers, size attributes) give warnings, as widl only checks remotable methods.
    local: bool,
    /// The tag of a scoped (WinRT) enum whose values are being evaluated.
    enum_scope: Option<String>,
}

/// Name lookup from a place in a file: namespaces from the innermost out, then global names.
struct Env<'a> {
    session: &'a Session,
    file: FileId,
    namespace: &'a [String],
    enum_scope: Option<&'a str>,
}

impl EvalEnv for Env<'_> {
    fn lookup(&self, name: &str) -> Option<&Symbol> {
        if let Some(scope) = self.enum_scope
            && let Some(s) = self.session.lookup(self.file, &format!("{scope}.{name}"))
        {
            return Some(s);
        }
        for depth in (1..=self.namespace.len()).rev() {
            let qualified = format!("{}.{name}", self.namespace[..depth].join("."));
            if let Some(s) = self.session.lookup(self.file, &qualified) {
                return Some(s);
            }
        }
        self.session.lookup(self.file, name)
    }

    fn lookup_tag(&self, tag: &str) -> Option<&Symbol> {
        self.session
            .symbols
            .lookup_tag(tag, self.session.visible(self.file))
    }
}

impl Checker<'_> {
    fn env(&self) -> Env<'_> {
        Env {
            session: self.session,
            file: self.file,
            namespace: &self.namespace,
            enum_scope: self.enum_scope.as_deref(),
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, message));
    }

    fn lookup(&self, name: &str) -> Option<Symbol> {
        self.env().lookup(name).cloned()
    }

    fn is_generic_param(&self, name: &str) -> bool {
        self.generics.iter().any(|g| g.iter().any(|p| p == name))
    }

    /// The name as declared here: `Ns.Name` inside a namespace.
    fn qualified(&self, name: &str) -> String {
        if self.namespace.is_empty() || name.contains('.') {
            name.to_string()
        } else {
            format!("{}.{name}", self.namespace.join("."))
        }
    }

    /// Records a name (qualified and, inside a namespace, also simple).
    fn define(&mut self, name: &str, symbol: Symbol) {
        let qualified = self.qualified(name);
        if qualified != name {
            self.session.symbols.define(self.file, name, symbol.clone());
        }
        self.session.symbols.define(self.file, &qualified, symbol);
    }

    fn define_tag(&mut self, name: &str, symbol: Symbol) {
        self.session.symbols.define_tag(self.file, name, symbol);
    }

    /// Other visible declarations of `name` (qualified here) matching `pred`.
    fn previous(&self, name: &str, pred: impl Fn(&Symbol) -> bool) -> Option<Span> {
        let qualified = self.qualified(name);
        let visible = self.session.visible(self.file);
        self.session
            .symbols
            .all(&qualified, visible)
            .filter(|(_, s)| pred(s))
            .map(|(_, s)| symbol_span(s))
            .next()
    }

    // ---------------------------------------------------------------- items

    fn items(&mut self, items: &[Item]) {
        for item in items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Import(imp) => self.import(imp),
            Item::Include(_) | Item::ImportLib(_) | Item::CppQuote(_) | Item::Pragma(_) => {}
            Item::Interface(i) => self.interface(i),
            Item::Dispinterface(d) => self.dispinterface(d),
            Item::Coclass(c) => {
                self.class(c);
                self.define(&c.name.name, Symbol::Coclass(c.clone()));
            }
            Item::RuntimeClass(c) => {
                self.define(&c.name.name, Symbol::RuntimeClass(c.clone()));
                self.class(c);
            }
            Item::Library(l) => {
                self.check_attrs(&l.attrs);
                self.define(&l.name.name, Symbol::Library(l.clone()));
                // Interfaces inside a library only go into the type library: widl does not
                // check them for marshalling either.
                let outer_local = std::mem::replace(&mut self.local, true);
                self.items(&l.items);
                self.local = outer_local;
            }
            Item::Module(m) => {
                self.check_attrs(&m.attrs);
                self.define(&m.name.name, Symbol::Module(m.clone()));
                self.items(&m.items);
            }
            Item::Namespace(n) => {
                let parts: Vec<String> = n.name.name.split('.').map(str::to_string).collect();
                let depth = parts.len();
                self.namespace.extend(parts);
                self.items(&n.items);
                let keep = self.namespace.len() - depth;
                self.namespace.truncate(keep);
            }
            Item::Forward(f) => {
                self.check_attrs(&f.attrs);
                self.define(&f.name.name, Symbol::Forward(f.clone()));
            }
            Item::ApiContract(a) => self.define(&a.name.name, Symbol::ApiContract(a.clone())),
            Item::Delegate(d) => {
                self.check_attrs(&d.attrs);
                self.define(&d.name.name, Symbol::Delegate(d.clone()));
                self.generics
                    .push(d.generic_params.iter().map(|p| p.name.clone()).collect());
                self.check_type(&d.ret);
                self.params(&d.params, &d.name.name);
                self.generics.pop();
            }
            Item::Declare(d) => {
                for t in &d.instances {
                    self.check_type(t);
                }
            }
            Item::Typedef(t) => self.typedef(t),
            Item::Const(c) => self.constant(c),
            Item::Function(f) => {
                self.function(f);
                self.define(&f.name.name, Symbol::Function(f.clone()));
            }
            Item::Declaration(d) => {
                self.check_attrs(&d.attrs);
                self.check_type(&d.spec);
                for (index, decl) in d.declarators.iter().enumerate() {
                    self.check_type(&decl.ty);
                    if let Some(name) = &decl.name {
                        self.define(
                            &name.name,
                            Symbol::Variable {
                                decl: d.clone(),
                                index,
                            },
                        );
                    }
                }
            }
        }
    }

    /// `import "x.idl";` loads the file (once per session) and makes its names visible.
    fn import(&mut self, imp: &Import) {
        let mut resolved = Vec::new();
        for f in &imp.files {
            match self.session.import(self.file, &f.value) {
                Some(id) => resolved.push(id),
                None => self.error(f.span, format!("cannot find imported file `{}`", f.value)),
            }
        }
        imp.resolved.set(resolved);
    }

    fn interface(&mut self, i: &Arc<Interface>) {
        self.check_attrs(&i.attrs);
        let qualified = self.qualified(&i.name.name);
        if let Some(prev) = self.previous(
            &i.name.name,
            |s| matches!(s, Symbol::Interface(p) if p.span != i.span),
        ) {
            self.diags.push(
                Diagnostic::error(i.name.span, format!("duplicate interface `{qualified}`"))
                    .with_secondary(prev, "first defined here"),
            );
        }
        if i.has_attr("object") && !i.has_attr("uuid") {
            // A warning, not an error: widl accepts it and Wine's own IDL has such
            // interfaces (d3dcommon.idl's ID3DInclude); without a uuid no IID is generated.
            self.diags.push(Diagnostic::warning(
                i.name.span,
                format!(
                    "interface `{}` is an [object] interface without a uuid",
                    i.name.name
                ),
            ));
        }
        let outer_local = self.local;
        self.local |= i.has_attr("local");
        self.generics
            .push(i.generic_params.iter().map(|p| p.name.clone()).collect());
        if let Some(base) = &i.base {
            self.interface_base(base);
        }
        for r in &i.requires {
            self.check_type(r);
        }
        // Defined before the body so that methods can name the interface itself.
        self.define(&i.name.name, Symbol::Interface(i.clone()));
        if let Some(base) = i.base_name() {
            self.base_cycle(i, base);
        }
        let mut methods: HashMap<&str, Vec<(Option<&str>, Span)>> = HashMap::new();
        for item in &i.items {
            if let Item::Function(f) = item {
                let accessor = f
                    .attrs
                    .iter()
                    .map(|a| a.name())
                    .find(|n| ACCESSORS.contains(n));
                let seen = methods.entry(&f.name.name).or_default();
                // Accessors of one property or event share its name; two methods of the
                // same kind (two plain methods, two getters ...) may not.
                let clash = seen.iter().find(|(acc, _)| *acc == accessor);
                if let Some((_, prev)) = clash {
                    self.diags.push(
                        Diagnostic::error(
                            f.name.span,
                            format!(
                                "duplicate method `{}` in interface `{}`",
                                f.name.name, i.name.name
                            ),
                        )
                        .with_secondary(*prev, "first declared here"),
                    );
                }
                seen.push((accessor, f.name.span));
                self.function(f);
            } else {
                self.item(item);
            }
        }
        self.generics.pop();
        self.local = outer_local;
    }

    /// The base must be a defined interface.
    fn interface_base(&mut self, base: &Type) {
        let TypeKind::Named { name, args } = &base.kind else {
            self.error(
                base.span,
                "the base of an interface must be an interface name",
            );
            return;
        };
        for a in args {
            self.check_type(a);
        }
        match self.lookup(&name.name) {
            None => self.error(name.span, format!("unknown base interface `{}`", name.name)),
            Some(Symbol::Interface(_)) => {}
            // Declared now, defined further down (msxml2.idl does this), as widl allows.
            Some(Symbol::Forward(f)) if f.what == ForwardKind::Interface => {}
            Some(_) => self.error(
                name.span,
                format!("base `{}` is not an interface", name.name),
            ),
        }
    }

    /// Follows the base chain from `i` and reports a cycle back to it.
    fn base_cycle(&mut self, i: &Interface, base: &str) {
        let me = self.qualified(&i.name.name);
        let mut seen = HashSet::new();
        let mut current = base.to_string();
        loop {
            let Some(Symbol::Interface(next)) = self.lookup(&current) else {
                // Forward-declared interfaces can only close a cycle when they name `i`.
                if current == i.name.name || current == me {
                    self.error(
                        i.name.span,
                        format!("interface `{}` inherits from itself", i.name.name),
                    );
                }
                return;
            };
            if next.span == i.span || !seen.insert(current.clone()) {
                self.error(
                    i.name.span,
                    format!("interface `{}` inherits from itself", i.name.name),
                );
                return;
            }
            match next.base_name() {
                Some(b) => current = b.to_string(),
                None => return,
            }
        }
    }

    fn dispinterface(&mut self, d: &Arc<Dispinterface>) {
        self.check_attrs(&d.attrs);
        if let Some(prev) = self.previous(
            &d.name.name,
            |s| matches!(s, Symbol::Dispinterface(p) if p.span != d.span),
        ) {
            self.diags.push(
                Diagnostic::error(
                    d.name.span,
                    format!("duplicate dispinterface `{}`", d.name.name),
                )
                .with_secondary(prev, "first defined here"),
            );
        }
        self.define(&d.name.name, Symbol::Dispinterface(d.clone()));
        if let Some(t) = &d.interface {
            self.check_type(t);
        }
        self.fields(&d.properties);
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for m in &d.methods {
            let accessor = m.attrs.iter().any(|a| ACCESSORS.contains(&a.name()));
            if let Some(prev) = seen.get(m.name.name.as_str())
                && !accessor
            {
                self.diags.push(
                    Diagnostic::error(
                        m.name.span,
                        format!(
                            "duplicate method `{}` in dispinterface `{}`",
                            m.name.name, d.name.name
                        ),
                    )
                    .with_secondary(*prev, "first declared here"),
                );
            }
            seen.insert(&m.name.name, m.name.span);
            self.function(m);
        }
    }

    /// Coclass and runtimeclass members. As in widl, `interface X;` inside a class declares
    /// `X` when it is not known yet (mshtml.idl names dispinterfaces defined further down).
    fn class(&mut self, c: &Coclass) {
        self.check_attrs(&c.attrs);
        for m in &c.members {
            self.check_attrs(&m.attrs);
            if let TypeKind::Named { name, args } = &m.ty.kind {
                for a in args {
                    self.check_type(a);
                }
                if self.lookup(&name.name).is_none() {
                    let forward = Arc::new(Forward {
                        what: if m.dispinterface {
                            ForwardKind::Dispinterface
                        } else {
                            ForwardKind::Interface
                        },
                        attrs: Vec::new(),
                        name: name.clone(),
                        generic_params: Vec::new(),
                        span: m.span,
                    });
                    self.define(&name.name, Symbol::Forward(forward));
                }
                continue;
            }
            self.check_type(&m.ty);
        }
    }

    fn typedef(&mut self, t: &Arc<Typedef>) {
        self.check_attrs(&t.attrs);
        self.check_type(&t.spec);
        for (index, d) in t.declarators.iter().enumerate() {
            self.check_type(&d.ty);
            let Some(name) = &d.name else {
                continue;
            };
            let sig = type_sig(&d.ty);
            if let Some((prev_sig, prev_span)) = self.typedefs_here.get(&name.name) {
                if *prev_sig != sig {
                    let prev = *prev_span;
                    self.diags.push(
                        Diagnostic::error(
                            name.span,
                            format!("typedef `{}` redefined with a different type", name.name),
                        )
                        .with_secondary(prev, "first defined here"),
                    );
                }
            } else {
                self.typedefs_here
                    .insert(name.name.clone(), (sig, name.span));
            }
            self.define(
                &name.name,
                Symbol::Typedef {
                    typedef: t.clone(),
                    index,
                },
            );
        }
    }

    fn constant(&mut self, c: &Arc<Const>) {
        self.check_type(&c.ty);
        if let Some(prev) = self.previous(&c.name.name, |s| {
            matches!(s, Symbol::Const(p) if p.span != c.span)
                || matches!(s, Symbol::Enumerator { .. })
        }) {
            self.diags.push(
                Diagnostic::error(c.name.span, format!("duplicate constant `{}`", c.name.name))
                    .with_secondary(prev, "first defined here"),
            );
        }
        let result = {
            let env = self.env();
            eval::eval(&c.expr, &env).and_then(|v| eval::fit_to(v, &c.ty, &env, c.expr.span))
        };
        match result {
            Ok(v) => c.value.set(v),
            Err(d) => self.diags.push(*d),
        }
        self.define(&c.name.name, Symbol::Const(c.clone()));
    }

    fn function(&mut self, f: &Function) {
        self.check_attrs(&f.attrs);
        self.check_type(&f.ret);
        let outer_local = self.local;
        self.local |= f.has_attr("local");
        self.params(&f.params, &f.name.name);
        self.local = outer_local;
    }

    /// An error, or a warning inside `[local]` interfaces and methods.
    fn marshalling_error(&mut self, span: Span, message: String) {
        if self.local {
            self.diags.push(Diagnostic::warning(span, message));
        } else {
            self.diags.push(Diagnostic::error(span, message));
        }
    }

    fn params(&mut self, params: &[Param], function: &str) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for p in params {
            self.check_attrs(&p.attrs);
            self.check_type(&p.ty);
            if let Some(name) = &p.name {
                if let Some(prev) = seen.get(name.name.as_str()) {
                    self.diags.push(
                        Diagnostic::error(
                            name.span,
                            format!("duplicate parameter `{}` in `{function}`", name.name),
                        )
                        .with_secondary(*prev, "first declared here"),
                    );
                } else {
                    seen.insert(&name.name, name.span);
                }
            }
            if p.has_attr("out") && self.definitely_not_pointer(&p.ty) {
                let what = p
                    .name
                    .as_ref()
                    .map_or(String::new(), |n| format!(" `{}`", n.name));
                self.marshalling_error(
                    p.name.as_ref().map_or(p.span, |n| n.span),
                    format!("[out] parameter{what} of `{function}` is not a pointer"),
                );
            }
            self.size_attributes(&p.attrs, &Siblings::Params(params));
        }
    }

    /// Whether a parameter type is known not to be a pointer or an array.
    fn definitely_not_pointer(&self, ty: &Type) -> bool {
        let env = self.env();
        let mut ty = ty;
        for _ in 0..64 {
            match &ty.kind {
                TypeKind::Pointer { .. } | TypeKind::Array { .. } | TypeKind::SafeArray(_) => {
                    return false;
                }
                TypeKind::Const(inner) => ty = inner,
                TypeKind::Named { name, args } => {
                    if !args.is_empty() || self.is_generic_param(&name.name) {
                        return false;
                    }
                    match env.lookup(&name.name) {
                        Some(Symbol::Typedef { typedef, index }) => {
                            match typedef.declarators.get(*index) {
                                Some(d) => ty = &d.ty,
                                None => return false,
                            }
                        }
                        // Interfaces and classes passed by value.
                        Some(
                            Symbol::Interface(_)
                            | Symbol::Dispinterface(_)
                            | Symbol::Coclass(_)
                            | Symbol::RuntimeClass(_)
                            | Symbol::Forward(_),
                        ) => return true,
                        _ => return false,
                    }
                }
                TypeKind::Base(_) | TypeKind::Struct(_) | TypeKind::Enum(_) | TypeKind::Void => {
                    return true;
                }
                TypeKind::Function(_) => return false,
            }
        }
        false
    }

    /// `size_is(n)` and friends must name siblings or constants.
    fn size_attributes(&mut self, attrs: &[Attribute], siblings: &Siblings<'_>) {
        for a in attrs {
            if !SIZE_ATTRIBUTES.contains(&a.name()) {
                continue;
            }
            for arg in a.args() {
                let AttrArg::Expr(e) = arg else { continue };
                let mut names = Vec::new();
                collect_idents(e, &mut names);
                for (name, span) in names {
                    let first = name.split('.').next().unwrap_or(name);
                    let known = match siblings {
                        Siblings::Params(ps) => ps
                            .iter()
                            .any(|p| p.name.as_ref().is_some_and(|n| n.name == first)),
                        Siblings::Fields(fs) => fs
                            .iter()
                            .any(|f| f.name.as_ref().is_some_and(|n| n.name == first)),
                    };
                    if known {
                        continue;
                    }
                    if matches!(
                        self.lookup(name),
                        Some(Symbol::Const(_) | Symbol::Enumerator { .. })
                    ) {
                        continue;
                    }
                    let what = match siblings {
                        Siblings::Params(_) => "parameter",
                        Siblings::Fields(_) => "field",
                    };
                    self.marshalling_error(
                        span,
                        format!(
                            "`{name}` in `{}` names no {what} or constant in scope",
                            a.name()
                        ),
                    );
                }
            }
        }
    }

    /// Struct/union fields: types, duplicate names, size attributes, bit widths.
    fn fields(&mut self, fields: &[Field]) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for f in fields {
            self.check_attrs(&f.attrs);
            self.check_type(&f.ty);
            if let Some(name) = &f.name {
                if let Some(prev) = seen.get(name.name.as_str()) {
                    self.diags.push(
                        Diagnostic::error(name.span, format!("duplicate field `{}`", name.name))
                            .with_secondary(*prev, "first declared here"),
                    );
                } else {
                    seen.insert(&name.name, name.span);
                }
            }
            self.size_attributes(&f.attrs, &Siblings::Fields(fields));
            if let Some(bits) = &f.bits
                && let Some(v) = self.eval_int(bits)
            {
                if !(0..=64).contains(&v) {
                    self.error(bits.span, format!("bit-field width {v} is out of range"));
                } else {
                    f.bits_value.set(v);
                }
            }
        }
    }

    /// Evaluates an integer expression, reporting errors; `None` on error.
    fn eval_int(&mut self, e: &Expr) -> Option<i128> {
        let result = {
            let env = self.env();
            eval::eval(e, &env)
        };
        match result {
            Ok(Value::Int(v, _)) => Some(v),
            Ok(_) => {
                self.error(e.span, "expected an integer constant expression");
                None
            }
            Err(d) => {
                self.diags.push(*d);
                None
            }
        }
    }

    /// Attributes: uuid syntax.
    fn check_attrs(&mut self, attrs: &[Attribute]) {
        for a in attrs {
            for arg in a.args() {
                if let AttrArg::Uuid(u) = arg
                    && u.value.is_none()
                {
                    self.error(
                        u.span,
                        format!(
                            "malformed uuid `{}`: expected 8-4-4-4-12 hexadecimal digits",
                            u.text
                        ),
                    );
                }
            }
        }
    }

    // ---------------------------------------------------------------- types

    /// Checks a type: names must be declared; inline definitions are checked (once) and their
    /// tags and enumerators defined; array sizes are evaluated.
    fn check_type(&mut self, ty: &Type) {
        match &ty.kind {
            TypeKind::Void | TypeKind::Base(_) => {}
            TypeKind::Named { name, args } => {
                for a in args {
                    self.check_type(a);
                }
                if self.is_generic_param(&name.name) {
                    return;
                }
                match self.lookup(&name.name) {
                    Some(s) if s.is_type() => {}
                    Some(_) => self.error(name.span, format!("`{}` is not a type", name.name)),
                    None => self.error(name.span, format!("unknown type `{}`", name.name)),
                }
            }
            TypeKind::Pointer { pointee, .. } => self.check_type(pointee),
            TypeKind::Const(inner) | TypeKind::SafeArray(inner) => self.check_type(inner),
            TypeKind::Array { element, size } => {
                self.check_type(element);
                if let ArraySize::Fixed { expr, value } = size
                    && value.get().is_none()
                    && let Some(v) = self.eval_int(expr)
                {
                    if v < 0 {
                        self.error(expr.span, format!("array size {v} is negative"));
                    } else {
                        value.set(v);
                    }
                }
            }
            TypeKind::Function(f) => {
                self.check_type(&f.ret);
                self.params(&f.params, "function pointer");
            }
            TypeKind::Struct(s) => {
                let key = Arc::as_ptr(s) as usize;
                if s.is_definition() && self.visited.insert(key) {
                    self.check_attrs(&s.attrs);
                    if let Some(fields) = &s.fields {
                        self.fields(fields);
                    }
                    if let Some(sw) = &s.switch {
                        self.union_switch(sw);
                    }
                    if let Some(tag) = &s.tag {
                        self.define_tag(&tag.name, Symbol::StructTag(s.clone()));
                    }
                } else if !s.is_definition()
                    && let Some(tag) = &s.tag
                    && self.env().lookup_tag(&tag.name).is_none()
                {
                    // A forward reference: `struct X *` declares the tag.
                    self.define_tag(&tag.name, Symbol::StructTag(s.clone()));
                }
            }
            TypeKind::Enum(e) => {
                let key = Arc::as_ptr(e) as usize;
                if e.enumerators.is_some() && self.visited.insert(key) {
                    self.check_attrs(&e.attrs);
                    self.enumerators(e);
                    if let Some(tag) = &e.tag {
                        self.define_tag(&tag.name, Symbol::EnumTag(e.clone()));
                    }
                }
            }
        }
    }

    fn union_switch(&mut self, sw: &UnionSwitch) {
        self.check_type(&sw.ty);
        let mut fields = Vec::new();
        for c in &sw.cases {
            let mut values = Vec::new();
            for label in &c.labels {
                values.push(match label {
                    Some(e) => self.eval_int(e),
                    None => None,
                });
            }
            c.values.set(values);
            if let Some(f) = &c.field {
                fields.push(f.clone());
            }
        }
        self.fields(&fields);
    }

    /// Evaluates enumerators in order (explicit value, else previous + 1, first 0) and defines
    /// them.
    fn enumerators(&mut self, e: &Arc<EnumType>) {
        let Some(list) = &e.enumerators else { return };
        // WinRT enums (in namespaces) are scoped: their enumerators are `Enum.Name`.
        let scoped = !self.namespace.is_empty();
        let scope = e.tag.as_ref().map(|t| t.name.clone());
        let mut next: i128 = 0;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let outer_scope = std::mem::replace(
            &mut self.enum_scope,
            if scoped { scope.clone() } else { None },
        );
        for (index, en) in list.iter().enumerate() {
            self.check_attrs(&en.attrs);
            if let Some(prev) = seen.get(en.name.name.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        en.name.span,
                        format!("duplicate enumerator `{}`", en.name.name),
                    )
                    .with_secondary(*prev, "first declared here"),
                );
            } else if !scoped
                && let Some(prev) = self.previous(&en.name.name, |s| {
                    matches!(s, Symbol::Enumerator { .. } | Symbol::Const(_))
                })
            {
                self.diags.push(
                    Diagnostic::error(
                        en.name.span,
                        format!("duplicate enumerator `{}`", en.name.name),
                    )
                    .with_secondary(prev, "first declared here"),
                );
            }
            seen.insert(&en.name.name, en.name.span);
            let value = match &en.expr {
                Some(expr) => {
                    self.eval_int(expr)
                        .and_then(|v| match eval::check_enum_value(v, expr.span) {
                            Ok(v) => Some(v),
                            Err(d) => {
                                self.diags.push(*d);
                                None
                            }
                        })
                }
                None => match eval::check_enum_value(next, en.name.span) {
                    Ok(v) => Some(v),
                    Err(d) => {
                        self.diags.push(*d);
                        None
                    }
                },
            };
            if let Some(v) = value {
                en.value.set(v);
                next = v + 1;
            }
            let symbol = Symbol::Enumerator {
                ty: e.clone(),
                index,
            };
            match (&scope, scoped) {
                (Some(tag), true) => {
                    // Visible by bare name while the enum's own values are evaluated.
                    self.session.symbols.define(
                        self.file,
                        &format!("{tag}.{}", en.name.name),
                        symbol.clone(),
                    );
                    let q = format!("{}.{tag}.{}", self.namespace.join("."), en.name.name);
                    self.session.symbols.define(self.file, &q, symbol);
                }
                _ => self.define(&en.name.name, symbol),
            }
        }
        self.enum_scope = outer_scope;
    }
}

/// Identifiers used as values in an expression (not member names), with their spans.
fn collect_idents<'e>(e: &'e Expr, out: &mut Vec<(&'e str, Span)>) {
    match &e.kind {
        ExprKind::Ident { name } => out.push((name, e.span)),
        ExprKind::Unary { operand, .. } | ExprKind::Cast { operand, .. } => {
            collect_idents(operand, out)
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            collect_idents(lhs, out);
            collect_idents(rhs, out);
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            collect_idents(cond, out);
            collect_idents(then, out);
            collect_idents(otherwise, out);
        }
        ExprKind::Member { base, .. } => collect_idents(base, out),
        ExprKind::Index { base, index } => {
            collect_idents(base, out);
            collect_idents(index, out);
        }
        ExprKind::Int { .. }
        | ExprKind::Float { .. }
        | ExprKind::Char { .. }
        | ExprKind::Str { .. }
        | ExprKind::Sizeof { .. } => {}
    }
}

/// Where a symbol is declared (its name when it has one).
fn symbol_span(s: &Symbol) -> Span {
    match s {
        Symbol::Typedef { typedef, index } => typedef
            .declarators
            .get(*index)
            .and_then(|d| d.name.as_ref())
            .map_or(typedef.span, |n| n.span),
        Symbol::Interface(i) => i.name.span,
        Symbol::Dispinterface(d) => d.name.span,
        Symbol::Coclass(c) | Symbol::RuntimeClass(c) => c.name.span,
        Symbol::Delegate(d) => d.name.span,
        Symbol::ApiContract(a) => a.name.span,
        Symbol::Library(l) | Symbol::Module(l) => l.name.span,
        Symbol::Forward(f) => f.name.span,
        Symbol::Const(c) => c.name.span,
        Symbol::Enumerator { ty, index } => ty
            .enumerators
            .as_ref()
            .and_then(|l| l.get(*index))
            .map_or(ty.span, |e| e.name.span),
        Symbol::Function(f) => f.name.span,
        Symbol::Variable { decl, index } => decl
            .declarators
            .get(*index)
            .and_then(|d| d.name.as_ref())
            .map_or(decl.span, |n| n.span),
        Symbol::StructTag(s) => s.tag.as_ref().map_or(s.span, |t| t.span),
        Symbol::EnumTag(e) => e.tag.as_ref().map_or(e.span, |t| t.span),
        Symbol::TypeParam(span) => *span,
    }
}

/// A span-free description of a type, to compare typedef redefinitions.
fn type_sig(ty: &Type) -> String {
    match &ty.kind {
        TypeKind::Void => "void".into(),
        TypeKind::Base(b) => format!("{:?}{:?}", b.sign, b.kind),
        TypeKind::Named { name, args } => {
            let args: Vec<String> = args.iter().map(type_sig).collect();
            format!("{}<{}>", name.name, args.join(","))
        }
        TypeKind::Pointer {
            pointee, is_const, ..
        } => format!("*{is_const}({})", type_sig(pointee)),
        TypeKind::Const(inner) => format!("const({})", type_sig(inner)),
        TypeKind::Array { element, size } => match size {
            ArraySize::Fixed { value, .. } => {
                format!("[{:?}]({})", value.value(), type_sig(element))
            }
            ArraySize::Conformant { .. } => format!("[]({})", type_sig(element)),
        },
        TypeKind::Function(f) => {
            let params: Vec<String> = f.params.iter().map(|p| type_sig(&p.ty)).collect();
            format!("fn({})->{}", params.join(","), type_sig(&f.ret))
        }
        TypeKind::Struct(s) => format!(
            "{:?} {}@{}",
            s.kind,
            s.tag.as_ref().map_or("", |t| t.as_str()),
            if s.tag.is_none() { s.span.start } else { 0 }
        ),
        TypeKind::Enum(e) => format!(
            "enum {}@{}",
            e.tag.as_ref().map_or("", |t| t.as_str()),
            if e.tag.is_none() { e.span.start } else { 0 }
        ),
        TypeKind::SafeArray(inner) => format!("SAFEARRAY({})", type_sig(inner)),
    }
}
