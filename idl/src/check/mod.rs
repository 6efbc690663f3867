//! Semantic checks.
//!
//! The checker walks a file's items in source order, as widl does: imports are loaded (through
//! the session, once per run) when they are met, names are defined when their declaration is
//! met, and every use must refer to something declared before it. On the way it evaluates
//! constants, enumerators (with MIDL's auto-increment), array sizes, bit widths and union case
//! labels, and stores the values in the model.
//!
//! The checks live in [`declarations`], [`marshalling`] and [`types`]; this module walks the
//! items. Checks (each error names the offending place):
//! - imports that cannot be found;
//! - unknown type names; unknown, non-interface, undefined or cyclic interface bases;
//! - duplicate interfaces, methods (property and event accessors may share a name), parameters,
//!   fields, enumerators and constants; a typedef redefined with another type in one file;
//! - `[object]` interfaces without `uuid`; malformed uuids;
//! - `[out]` parameters that are not pointers;
//! - `size_is`/`length_is`/`iid_is`/... naming no parameter (or field) or constant in scope;
//! - constant expressions that cannot be evaluated, overflow, or do not fit their type.

mod declarations;
mod marshalling;
mod types;

use std::collections::{HashMap, HashSet};

use types::symbol_span;

use crate::diag::Diagnostic;
use crate::eval::EvalEnv;
use crate::model::*;
use crate::source::{FileId, Span};
use crate::symbols::{FileSet, Symbol, SymbolTable};

/// What the checks need from the driver that runs them: imports loaded on demand (the checks meet
/// `import` statements in source order, as widl does), the symbol table the checks fill, and the
/// files visible from each file.
pub(crate) trait CheckContext {
    /// Loads the import `name` of file `from` (once per session) and makes it visible there;
    /// `None` when no such file exists.
    fn import(&mut self, from: FileId, name: &str) -> Option<FileId>;
    /// The files visible from `file` (itself and its imports so far).
    fn visible(&self, file: FileId) -> &FileSet;
    /// The symbols defined so far.
    fn symbols(&self) -> &SymbolTable;
    /// The symbols, for defining new ones.
    fn symbols_mut(&mut self) -> &mut SymbolTable;
    /// Looks a name up among the symbols visible from `file`.
    fn lookup(&self, file: FileId, name: &str) -> Option<&Symbol> {
        self.symbols().lookup(name, self.visible(file))
    }
}

/// Checks one parsed file, resolving its imports through the session.
pub(crate) fn check_file(
    session: &mut dyn CheckContext,
    id: FileId,
    file: &File,
) -> Vec<Diagnostic> {
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

struct Checker<'s> {
    session: &'s mut dyn CheckContext,
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
    session: &'a dyn CheckContext,
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
            .symbols()
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
            self.session
                .symbols_mut()
                .define(self.file, name, symbol.clone());
        }
        self.session
            .symbols_mut()
            .define(self.file, &qualified, symbol);
    }

    fn define_tag(&mut self, name: &str, symbol: Symbol) {
        self.session
            .symbols_mut()
            .define_tag(self.file, name, symbol);
    }

    /// Other visible declarations of `name` (qualified here) matching `pred`.
    fn previous(&self, name: &str, pred: impl Fn(&Symbol) -> bool) -> Option<Span> {
        let qualified = self.qualified(name);
        let visible = self.session.visible(self.file);
        self.session
            .symbols()
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
}
