//! Checks of types: names declared before use, inline definitions, array sizes, union
//! switches and enumerator values.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::eval::{self, EvalEnv};
use crate::model::*;
use crate::source::Span;
use crate::symbols::Symbol;

use super::Checker;

impl Checker<'_> {
    /// Checks a type: names must be declared; inline definitions are checked (once) and their
    /// tags and enumerators defined; array sizes are evaluated.
    pub(super) fn check_type(&mut self, ty: &Type) {
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
                if let ArraySize::Fixed { expr, value } = &**size
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

    pub(super) fn union_switch(&mut self, sw: &UnionSwitch) {
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
    pub(super) fn enumerators(&mut self, e: &Arc<EnumType>) {
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
                    self.session.symbols_mut().define(
                        self.file,
                        &format!("{tag}.{}", en.name.name),
                        symbol.clone(),
                    );
                    let q = format!("{}.{tag}.{}", self.namespace.join("."), en.name.name);
                    self.session.symbols_mut().define(self.file, &q, symbol);
                }
                _ => self.define(&en.name.name, symbol),
            }
        }
        self.enum_scope = outer_scope;
    }
}

/// Identifiers used as values in an expression (not member names), with their spans.
pub(super) fn collect_idents<'e>(e: &'e Expr, out: &mut Vec<(&'e str, Span)>) {
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
pub(super) fn symbol_span(s: &Symbol) -> Span {
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
pub(super) fn type_sig(ty: &Type) -> String {
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
        TypeKind::Array { element, size } => match &**size {
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
