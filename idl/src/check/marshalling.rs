//! Checks of what marshalling relies on: parameters (`[out]` pointers, duplicates), size
//! attributes naming parameters or fields, fields, and attribute arguments.

use std::collections::HashMap;

use crate::diag::Diagnostic;
use crate::eval::{self, EvalEnv, Value};
use crate::model::*;
use crate::source::Span;
use crate::symbols::Symbol;

use super::Checker;
use super::types::collect_idents;

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

/// Where a name used in a size attribute may come from.
pub(super) enum Siblings<'a> {
    Params(&'a [Param]),
    Fields(&'a [Field]),
}

impl Checker<'_> {
    /// An error, or a warning inside `[local]` interfaces and methods.
    pub(super) fn marshalling_error(&mut self, span: Span, message: String) {
        if self.local {
            self.diags.push(Diagnostic::warning(span, message));
        } else {
            self.diags.push(Diagnostic::error(span, message));
        }
    }

    pub(super) fn params(&mut self, params: &[Param], function: &str) {
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
    pub(super) fn definitely_not_pointer(&self, ty: &Type) -> bool {
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
    pub(super) fn size_attributes(&mut self, attrs: &[Attribute], siblings: &Siblings<'_>) {
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
    pub(super) fn fields(&mut self, fields: &[Field]) {
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
    pub(super) fn eval_int(&mut self, e: &Expr) -> Option<i128> {
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
    pub(super) fn check_attrs(&mut self, attrs: &[Attribute]) {
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
}
