//! Checks of declarations: interfaces and their bases, dispinterfaces, classes, typedefs,
//! constants and functions.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::eval;
use crate::model::*;
use crate::source::Span;
use crate::symbols::Symbol;

use super::Checker;
use super::types::type_sig;

/// Method attributes that make a method an accessor, allowed to share its name with the
/// other accessors of the same property or event.
const ACCESSORS: &[&str] = &[
    "propget",
    "propput",
    "propputref",
    "eventadd",
    "eventremove",
];

impl Checker<'_> {
    pub(super) fn interface(&mut self, i: &Arc<Interface>) {
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
    pub(super) fn interface_base(&mut self, base: &Type) {
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
    pub(super) fn base_cycle(&mut self, i: &Interface, base: &str) {
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

    pub(super) fn dispinterface(&mut self, d: &Arc<Dispinterface>) {
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
    pub(super) fn class(&mut self, c: &Coclass) {
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

    pub(super) fn typedef(&mut self, t: &Arc<Typedef>) {
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

    pub(super) fn constant(&mut self, c: &Arc<Const>) {
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

    pub(super) fn function(&mut self, f: &Function) {
        self.check_attrs(&f.attrs);
        self.check_type(&f.ret);
        let outer_local = self.local;
        self.local |= f.has_attr("local");
        self.params(&f.params, &f.name.name);
        self.local = outer_local;
    }
}
