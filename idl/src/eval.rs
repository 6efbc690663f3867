//! Constant expression evaluation.
//!
//! Integers are computed exactly in `i128` (every operation is checked; a result outside
//! `i128` is an error), with C's integer typing kept alongside (width and signedness), so that
//! `~0u` is `0xFFFFFFFF` and `(ULONG)-1` is `0xFFFFFFFF`. Values are converted to the declared
//! type of the constant by [`fit_to`], which reports values that do not fit.

use crate::diag::Diagnostic;
use crate::model::{
    ArraySize, BaseKind, BinaryOp, ConstValue, Expr, ExprKind, StructKind, Type, TypeKind, UnaryOp,
};
use crate::source::Span;
use crate::symbols::Symbol;

/// An error at `span`, boxed.
fn err(span: Span, message: impl Into<String>) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(span, message))
}

/// Name lookup for evaluation.
pub(crate) trait EvalEnv {
    /// The symbol a name refers to.
    fn lookup(&self, name: &str) -> Option<&Symbol>;
    /// The struct, union or enum a tag refers to.
    fn lookup_tag(&self, tag: &str) -> Option<&Symbol>;
}

/// An integer type: width in bits and signedness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IntType {
    pub bits: u32,
    pub signed: bool,
}

impl IntType {
    const INT: IntType = IntType {
        bits: 32,
        signed: true,
    };

    fn max(self) -> i128 {
        if self.signed {
            (1i128 << (self.bits - 1)) - 1
        } else {
            (1i128 << self.bits) - 1
        }
    }

    /// Wraps `v` into this type, as a C conversion does.
    fn wrap(self, v: i128) -> i128 {
        if self.bits >= 128 {
            return v;
        }
        let m = 1i128 << self.bits;
        let mut r = v.rem_euclid(m);
        if self.signed && r > self.max() {
            r -= m;
        }
        r
    }
}

/// A computed value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// An integer with its C type.
    Int(i128, IntType),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String, bool),
}

impl Value {
    fn int(self, span: Span) -> Result<(i128, IntType), Box<Diagnostic>> {
        match self {
            Value::Int(v, t) => Ok((v, t)),
            Value::Float(_) => Err(err(
                span,
                "expected an integer, found a floating-point value",
            )),
            Value::Str(..) => Err(err(span, "expected an integer, found a string")),
        }
    }

    fn truthy(&self) -> bool {
        match self {
            Value::Int(v, _) => *v != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(..) => true,
        }
    }

    /// The value as a model constant.
    pub(crate) fn to_const(&self) -> ConstValue {
        match self {
            Value::Int(v, _) => ConstValue::Int(*v),
            Value::Float(f) => ConstValue::Float(*f),
            Value::Str(s, false) => ConstValue::Str(s.clone()),
            Value::Str(s, true) => ConstValue::WideStr(s.clone()),
        }
    }
}

/// The usual arithmetic conversions of C, for the result type of a binary operation.
fn common(a: IntType, b: IntType) -> IntType {
    let bits = a.bits.max(b.bits).max(32);
    let signed = if a.bits == b.bits {
        a.signed && b.signed
    } else if a.bits > b.bits {
        a.signed
    } else {
        b.signed
    };
    IntType { bits, signed }
}

fn overflow(span: Span) -> Box<Diagnostic> {
    err(span, "arithmetic overflow in constant expression")
}

/// How deep typedef chains and nested evaluation may go (guards against cycles).
const MAX_DEPTH: u32 = 64;

/// Evaluates a constant expression.
pub(crate) fn eval(expr: &Expr, env: &dyn EvalEnv) -> Result<Value, Box<Diagnostic>> {
    eval_at(expr, env, 0)
}

fn eval_at(expr: &Expr, env: &dyn EvalEnv, depth: u32) -> Result<Value, Box<Diagnostic>> {
    if depth > 256 {
        return Err(err(expr.span, "constant expression nested too deeply"));
    }
    let span = expr.span;
    let d = depth + 1;
    Ok(match &expr.kind {
        ExprKind::Int {
            value,
            unsigned,
            non_decimal,
        } => {
            let v = i128::try_from(*value)
                .map_err(|_| err(span, "integer literal does not fit in 128 bits"))?;
            Value::Int(v, literal_type(v, *unsigned, *non_decimal))
        }
        ExprKind::Float { value } => Value::Float(*value),
        ExprKind::Char { value, wide } => Value::Int(
            i128::from(*value),
            if *wide {
                IntType {
                    bits: 16,
                    signed: false,
                }
            } else {
                IntType::INT
            },
        ),
        ExprKind::Str { value, wide } => Value::Str(value.clone(), *wide),
        ExprKind::Ident { name } => match env.lookup(name) {
            Some(Symbol::Const(c)) => match c.value.get() {
                Some(ConstValue::Int(v)) => {
                    Value::Int(*v, int_type_of(&c.ty, env).unwrap_or(IntType::INT))
                }
                Some(ConstValue::Float(f)) => Value::Float(*f),
                Some(ConstValue::Str(s)) => Value::Str(s.clone(), false),
                Some(ConstValue::WideStr(s)) => Value::Str(s.clone(), true),
                None => {
                    return Err(err(
                        span,
                        format!("the value of constant `{name}` is not known"),
                    ));
                }
            },
            Some(sym @ Symbol::Enumerator { .. }) => match sym.int_value() {
                Some(v) => Value::Int(v, IntType::INT),
                None => {
                    return Err(err(
                        span,
                        format!("the value of enumerator `{name}` is not known"),
                    ));
                }
            },
            Some(_) => {
                return Err(err(span, format!("`{name}` is not a constant")));
            }
            None => match name.as_str() {
                "TRUE" => Value::Int(1, IntType::INT),
                "FALSE" | "NULL" => Value::Int(0, IntType::INT),
                _ => {
                    return Err(err(
                        span,
                        format!("unknown identifier `{name}` in constant expression"),
                    ));
                }
            },
        },
        ExprKind::Unary { op, operand } => {
            let v = eval_at(operand, env, d)?;
            match (op, v) {
                (UnaryOp::Plus, v @ (Value::Int(..) | Value::Float(_))) => v,
                (UnaryOp::Neg, Value::Float(f)) => Value::Float(-f),
                (UnaryOp::Neg, Value::Int(v, t)) => {
                    let t = common(t, t);
                    let r = v.checked_neg().ok_or_else(|| overflow(span))?;
                    Value::Int(if t.signed { r } else { t.wrap(r) }, t)
                }
                (UnaryOp::BitNot, Value::Int(v, t)) => {
                    let t = common(t, t);
                    let r = !v;
                    Value::Int(if t.signed { r } else { t.wrap(r) }, t)
                }
                (UnaryOp::Not, v) => Value::Int(i128::from(!v.truthy()), IntType::INT),
                (UnaryOp::Deref | UnaryOp::AddrOf, _) => {
                    return Err(err(span, "pointer operation in constant expression"));
                }
                _ => return Err(err(span, "invalid operand of unary operator")),
            }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            if matches!(op, BinaryOp::LogAnd | BinaryOp::LogOr) {
                let l = eval_at(lhs, env, d)?.truthy();
                let r = match (op, l) {
                    (BinaryOp::LogAnd, false) => false,
                    (BinaryOp::LogOr, true) => true,
                    _ => eval_at(rhs, env, d)?.truthy(),
                };
                return Ok(Value::Int(i128::from(r), IntType::INT));
            }
            let l = eval_at(lhs, env, d)?;
            let r = eval_at(rhs, env, d)?;
            binary(*op, l, r, span, rhs.span)?
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            if eval_at(cond, env, d)?.truthy() {
                eval_at(then, env, d)?
            } else {
                eval_at(otherwise, env, d)?
            }
        }
        ExprKind::Cast { ty, operand } => {
            if let Some(reinterpreted) = cast_as_binary(ty, operand, env) {
                return eval_at(&reinterpreted, env, d);
            }
            let v = eval_at(operand, env, d)?;
            match (int_type_of(ty, env), v) {
                (Some(t), Value::Int(v, _)) => Value::Int(t.wrap(v), t),
                (Some(t), Value::Float(f)) => Value::Int(t.wrap(f as i128), t),
                (None, v @ Value::Float(_)) if is_float_type(ty, env) => v,
                (None, Value::Int(v, _)) if is_float_type(ty, env) => Value::Float(v as f64),
                (None, v) if matches!(ty.unqualified().kind, TypeKind::Pointer { .. }) => v,
                (_, v) => v,
            }
        }
        ExprKind::Sizeof { ty } => {
            let size = size_of(ty, env, 0)
                .ok_or_else(|| err(span, "cannot compute the size of this type"))?;
            Value::Int(
                i128::from(size),
                IntType {
                    bits: 64,
                    signed: false,
                },
            )
        }
        ExprKind::Member { .. } | ExprKind::Index { .. } => {
            return Err(err(span, "member access in constant expression"));
        }
    })
}

/// `(X) - 1` where `X` names a constant rather than a type is a subtraction: the grammar
/// cannot tell, so the evaluator reinterprets it.
fn cast_as_binary(ty: &Type, operand: &Expr, env: &dyn EvalEnv) -> Option<Expr> {
    let TypeKind::Named { name, args } = &ty.kind else {
        return None;
    };
    if !args.is_empty() {
        return None;
    }
    match env.lookup(&name.name) {
        Some(Symbol::Const(_) | Symbol::Enumerator { .. }) => {}
        _ => return None,
    }
    let ExprKind::Unary { op, operand: rhs } = &operand.kind else {
        return None;
    };
    let op = match op {
        UnaryOp::Neg => BinaryOp::Sub,
        UnaryOp::Plus => BinaryOp::Add,
        UnaryOp::Deref => BinaryOp::Mul,
        UnaryOp::AddrOf => BinaryOp::BitAnd,
        _ => return None,
    };
    Some(Expr {
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(Expr {
                kind: ExprKind::Ident {
                    name: name.name.clone(),
                },
                span: name.span,
            }),
            rhs: rhs.clone(),
        },
        span: ty.span.to(operand.span),
    })
}

/// The C type of an integer literal: `int` if it fits, else wider (and unsigned for hex/octal
/// literals that only fit unsigned), as C does.
fn literal_type(v: i128, unsigned: bool, non_decimal: bool) -> IntType {
    for bits in [32, 64] {
        let s = IntType { bits, signed: true };
        let u = IntType {
            bits,
            signed: false,
        };
        if !unsigned && v <= s.max() {
            return s;
        }
        if (unsigned || non_decimal) && v <= u.max() {
            return u;
        }
    }
    IntType {
        bits: 128,
        signed: !unsigned,
    }
}

fn binary(
    op: BinaryOp,
    l: Value,
    r: Value,
    span: Span,
    rspan: Span,
) -> Result<Value, Box<Diagnostic>> {
    if let (Value::Float(_), _) | (_, Value::Float(_)) = (&l, &r) {
        let to_f = |v: &Value| match v {
            Value::Float(f) => Ok(*f),
            Value::Int(i, _) => Ok(*i as f64),
            Value::Str(..) => Err(err(span, "invalid string operand")),
        };
        let (a, b) = (to_f(&l)?, to_f(&r)?);
        let b2i = |b: bool| Value::Int(i128::from(b), IntType::INT);
        return Ok(match op {
            BinaryOp::Add => Value::Float(a + b),
            BinaryOp::Sub => Value::Float(a - b),
            BinaryOp::Mul => Value::Float(a * b),
            BinaryOp::Div => Value::Float(a / b),
            BinaryOp::Eq => b2i(a == b),
            BinaryOp::Ne => b2i(a != b),
            BinaryOp::Lt => b2i(a < b),
            BinaryOp::Gt => b2i(a > b),
            BinaryOp::Le => b2i(a <= b),
            BinaryOp::Ge => b2i(a >= b),
            _ => {
                return Err(err(
                    span,
                    format!("operator `{}` needs integer operands", op.as_str()),
                ));
            }
        });
    }
    let (a, ta) = l.int(span)?;
    let (b, tb) = r.int(rspan)?;
    let t = common(ta, tb);
    let cmp = |c: bool| Value::Int(i128::from(c), IntType::INT);
    let v = match op {
        BinaryOp::Add => a.checked_add(b).ok_or_else(|| overflow(span))?,
        BinaryOp::Sub => a.checked_sub(b).ok_or_else(|| overflow(span))?,
        BinaryOp::Mul => a.checked_mul(b).ok_or_else(|| overflow(span))?,
        BinaryOp::Div | BinaryOp::Rem => {
            if b == 0 {
                return Err(err(rspan, "division by zero in constant expression"));
            }
            if op == BinaryOp::Div {
                a.checked_div(b).ok_or_else(|| overflow(span))?
            } else {
                a.checked_rem(b).ok_or_else(|| overflow(span))?
            }
        }
        BinaryOp::BitAnd => a & b,
        BinaryOp::BitOr => a | b,
        BinaryOp::BitXor => a ^ b,
        BinaryOp::Shl | BinaryOp::Shr => {
            if !(0..128).contains(&b) {
                return Err(err(rspan, format!("shift count {b} is out of range")));
            }
            let t = common(ta, ta);
            let v = if op == BinaryOp::Shl {
                let r = a.checked_shl(b as u32).ok_or_else(|| overflow(span))?;
                if r >> b != a {
                    return Err(overflow(span));
                }
                r
            } else {
                a >> b
            };
            return Ok(Value::Int(v, t));
        }
        BinaryOp::Eq => return Ok(cmp(a == b)),
        BinaryOp::Ne => return Ok(cmp(a != b)),
        BinaryOp::Lt => return Ok(cmp(a < b)),
        BinaryOp::Gt => return Ok(cmp(a > b)),
        BinaryOp::Le => return Ok(cmp(a <= b)),
        BinaryOp::Ge => return Ok(cmp(a >= b)),
        BinaryOp::LogAnd | BinaryOp::LogOr => unreachable!("binary: handled by eval_at"),
    };
    // Unsigned arithmetic wraps in C (`0u - 1` is `0xFFFFFFFF`); signed results stay exact
    // and are range-checked when converted to the declared type.
    Ok(Value::Int(if t.signed { v } else { t.wrap(v) }, t))
}

/// Converts an evaluated value to the declared type of a constant: integers must fit the type
/// either as signed or as unsigned numbers of its width (so `0x80004005` is a valid `HRESULT`,
/// stored as the negative `LONG` it is), and are stored converted to the type.
pub(crate) fn fit_to(
    value: Value,
    ty: &Type,
    env: &dyn EvalEnv,
    span: Span,
) -> Result<ConstValue, Box<Diagnostic>> {
    let Value::Int(v, _) = value else {
        return Ok(value.to_const());
    };
    if is_float_type(ty, env) {
        return Ok(ConstValue::Float(v as f64));
    }
    let Some(t) = int_type_of(ty, env) else {
        return Ok(ConstValue::Int(v));
    };
    let lo = -(1i128 << (t.bits - 1).min(126));
    let hi = if t.bits >= 127 {
        i128::MAX
    } else {
        (1i128 << t.bits) - 1
    };
    if v < lo || v > hi {
        return Err(err(
            span,
            format!(
                "value {v} does not fit in the {}-bit type of the constant",
                t.bits
            ),
        ));
    }
    Ok(ConstValue::Int(t.wrap(v)))
}

/// Checks that an enumerator value fits MIDL's enums (32 bits, signed or unsigned).
pub(crate) fn check_enum_value(v: i128, span: Span) -> Result<i128, Box<Diagnostic>> {
    if v < i128::from(i32::MIN) || v > i128::from(u32::MAX) {
        return Err(err(
            span,
            format!("enumerator value {v} does not fit in 32 bits"),
        ));
    }
    Ok(v)
}

/// Resolves `ty` through typedefs to an integer type, if it is one.
pub(crate) fn int_type_of(ty: &Type, env: &dyn EvalEnv) -> Option<IntType> {
    let ty = resolve(ty, env)?;
    match &ty.kind {
        TypeKind::Base(b) => {
            let (bits, default_signed) = match b.kind {
                BaseKind::Char | BaseKind::Small | BaseKind::Int8 => (8, true),
                BaseKind::Boolean | BaseKind::Byte => (8, false),
                BaseKind::Short | BaseKind::Int16 => (16, true),
                BaseKind::WChar => (16, false),
                BaseKind::Int | BaseKind::Long | BaseKind::Int32 => (32, true),
                BaseKind::ErrorStatus => (32, false),
                BaseKind::LongLong | BaseKind::Hyper | BaseKind::Int64 | BaseKind::Int3264 => {
                    (64, true)
                }
                BaseKind::Float | BaseKind::Double | BaseKind::Handle => return None,
            };
            let signed = match b.sign {
                Some(crate::model::Sign::Signed) => true,
                Some(crate::model::Sign::Unsigned) => false,
                None => default_signed,
            };
            Some(IntType { bits, signed })
        }
        TypeKind::Enum(_) => Some(IntType::INT),
        TypeKind::Pointer { .. } => Some(IntType {
            bits: 64,
            signed: false,
        }),
        _ => None,
    }
}

fn is_float_type(ty: &Type, env: &dyn EvalEnv) -> bool {
    matches!(
        resolve(ty, env).map(|t| &t.kind),
        Some(TypeKind::Base(b)) if matches!(b.kind, BaseKind::Float | BaseKind::Double)
    )
}

/// Follows `const` and typedef names to the underlying type (`None` for unknown names or
/// chains deeper than [`MAX_DEPTH`]).
pub(crate) fn resolve<'t>(mut ty: &'t Type, env: &'t dyn EvalEnv) -> Option<&'t Type> {
    for _ in 0..MAX_DEPTH {
        match &ty.kind {
            TypeKind::Const(inner) => ty = inner,
            TypeKind::Named { name, args } if args.is_empty() => {
                ty = env.lookup(&name.name)?.typedef_type()?;
            }
            _ => return Some(ty),
        }
    }
    None
}

/// Size in bytes of a type on Windows x64, natural alignment; `None` when unknown.
pub(crate) fn size_of(ty: &Type, env: &dyn EvalEnv, depth: u32) -> Option<u64> {
    layout(ty, env, depth).map(|(s, _)| s)
}

fn layout(ty: &Type, env: &dyn EvalEnv, depth: u32) -> Option<(u64, u64)> {
    if depth > MAX_DEPTH {
        return None;
    }
    let ty = resolve(ty, env)?;
    match &ty.kind {
        TypeKind::Base(b) => {
            let s = u64::from(b.size());
            Some((s, s))
        }
        TypeKind::Pointer { .. } | TypeKind::SafeArray(_) => Some((8, 8)),
        TypeKind::Enum(_) => Some((4, 4)),
        // Interfaces, generic parameters and other names have no size by value.
        TypeKind::Named { .. } => None,
        TypeKind::Array { element, size } => {
            let (s, a) = layout(element, env, depth + 1)?;
            match &**size {
                ArraySize::Fixed { value, .. } => {
                    Some((s.checked_mul(u64::try_from(value.value()?).ok()?)?, a))
                }
                ArraySize::Conformant { .. } => Some((0, a)),
            }
        }
        TypeKind::Struct(st) => {
            let st = if st.fields.is_none() {
                match env.lookup_tag(st.tag.as_ref()?.as_str())? {
                    Symbol::StructTag(def) => def.clone(),
                    _ => return None,
                }
            } else {
                st.clone()
            };
            let fields = st.fields.as_ref()?;
            let (mut size, mut align) = (0u64, 1u64);
            for f in fields {
                let (s, a) = layout(&f.ty, env, depth + 1)?;
                align = align.max(a);
                if st.kind == StructKind::Union {
                    size = size.max(s);
                } else {
                    size = size.div_ceil(a) * a + s;
                }
            }
            Some((size.div_ceil(align) * align, align))
        }
        TypeKind::Void | TypeKind::Function(_) | TypeKind::Const(_) => None,
    }
}
