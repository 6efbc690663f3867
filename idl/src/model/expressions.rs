//! Constant expressions, as written (values are computed by the checks).

use serde::Serialize;

use crate::source::Span;

use super::*;

/// An expression.
#[derive(Debug, Clone, Serialize)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The kinds of [`Expr`].
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "expr")]
pub enum ExprKind {
    /// An integer literal (decimal, hex or octal, with any `u`/`l` suffixes).
    Int {
        /// The value (literals beyond `u128` are rejected by the parser).
        value: u128,
        /// Whether a `u`/`U` suffix was written.
        unsigned: bool,
        /// Whether the literal was written in hex or octal (C's typing rules differ).
        non_decimal: bool,
    },
    /// A floating-point literal.
    Float {
        /// The value.
        value: f64,
    },
    /// `'a'` or `L'a'`.
    Char {
        /// The character's code.
        value: u32,
        /// Whether it was `L'...'`.
        wide: bool,
    },
    /// `"abc"` or `L"abc"`.
    Str {
        /// The decoded text.
        value: String,
        /// Whether it was `L"..."`.
        wide: bool,
    },
    /// `TRUE`, `FALSE`, `NULL` are ordinary identifiers; so are constant and parameter names.
    Ident {
        /// The (possibly dotted) name.
        name: String,
    },
    /// A unary operator.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// A binary operator.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `c ? a : b`
    Ternary {
        /// The condition.
        cond: Box<Expr>,
        /// Value when true.
        then: Box<Expr>,
        /// Value when false.
        otherwise: Box<Expr>,
    },
    /// `(T) e`
    Cast {
        /// The target type.
        ty: Box<Type>,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `sizeof(T)`
    Sizeof {
        /// The type.
        ty: Box<Type>,
    },
    /// `a.b` or `a->b`
    Member {
        /// The structure.
        base: Box<Expr>,
        /// `true` for `->`.
        arrow: bool,
        /// The member name.
        member: Box<Ident>,
    },
    /// `a[i]`
    Index {
        /// The array.
        base: Box<Expr>,
        /// The index.
        index: Box<Expr>,
    },
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `+`
    Plus,
    /// `~`
    BitNot,
    /// `!`
    Not,
    /// `*` (pointer dereference, in `size_is(*pcount)`)
    Deref,
    /// `&`
    AddrOf,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryOp {
    /// `||`
    LogOr,
    /// `&&`
    LogAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `&`
    BitAnd,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::LogOr => "||",
            BinaryOp::LogAnd => "&&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::BitAnd => "&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Gt => ">",
            BinaryOp::Le => "<=",
            BinaryOp::Ge => ">=",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}
