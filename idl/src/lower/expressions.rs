//! Lowering expressions and literals: operators by precedence, numbers, strings, escapes.

use pest::iterators::Pairs;

use crate::model::*;
use crate::source::Span;
use crate::syntax::Rule;

use super::{Lower, P, Result, err};

impl Lower<'_> {
    /// An expression, with C precedence (precedence climbing over the flat sequence of
    /// operands and operators the `expr` rule produces).
    pub(super) fn parse_expr(&self, pair: P<'_>) -> Result<Expr> {
        self.expr_chain.within(|| {
            let mut pairs = pair.into_inner().peekable();
            self.parse_binary(&mut pairs, 1)
        })
    }

    /// Operands joined by infix operators binding at least as tightly as `min`.
    pub(super) fn parse_binary<'i>(
        &self,
        pairs: &mut std::iter::Peekable<Pairs<'i, Rule>>,
        min: u8,
    ) -> Result<Expr> {
        let mut lhs = self.parse_operand(pairs)?;
        while let Some(op) = pairs.peek() {
            let rule = op.as_rule();
            let prec = precedence(rule);
            if prec == 0 || prec < min {
                break;
            }
            let op = pairs
                .next()
                .unwrap_or_else(|| unreachable!("parse_binary: peeked"));
            self.expr_chain.step(lhs.span, "expression")?;
            if rule == Rule::ternary_op {
                // Right associative: `a ? b : c ? d : e`.
                let then = op
                    .into_inner()
                    .find(|q| q.as_rule() == Rule::expr)
                    .unwrap_or_else(|| unreachable!("parse_binary: ternary without value"));
                let then = self.parse_expr(then)?;
                let otherwise = self.parse_binary(pairs, prec)?;
                let span = lhs.span.to(otherwise.span);
                lhs = Expr {
                    kind: ExprKind::Ternary {
                        cond: Box::new(lhs),
                        then: Box::new(then),
                        otherwise: Box::new(otherwise),
                    },
                    span,
                };
                continue;
            }
            // Left associative: the right operand only takes tighter operators.
            let rhs = self.parse_binary(pairs, prec + 1)?;
            lhs = binary(rule, lhs, rhs);
        }
        Ok(lhs)
    }

    /// Prefix operators (casts included), an operand, then postfix operators.
    pub(super) fn parse_operand<'i>(
        &self,
        pairs: &mut std::iter::Peekable<Pairs<'i, Rule>>,
    ) -> Result<Expr> {
        let mut prefixes = Vec::new();
        let mut operand = loop {
            let Some(p) = pairs.next() else {
                unreachable!("parse_operand: an operand follows its prefixes")
            };
            match p.as_rule() {
                Rule::cast
                | Rule::op_neg
                | Rule::op_plus
                | Rule::op_bitnot
                | Rule::op_not
                | Rule::op_deref
                | Rule::op_addr => {
                    self.expr_chain.step(self.span(&p), "expression")?;
                    prefixes.push(p);
                }
                _ => break self.parse_primary(p)?,
            }
        };
        while let Some(op) = pairs.peek() {
            if !matches!(op.as_rule(), Rule::member_op | Rule::index_op) {
                break;
            }
            let op = pairs
                .next()
                .unwrap_or_else(|| unreachable!("parse_operand: peeked"));
            self.expr_chain.step(operand.span, "expression")?;
            let span = operand.span.to(self.span(&op));
            let kind = match op.as_rule() {
                Rule::member_op => {
                    let arrow = op.as_str().trim_start().starts_with("->");
                    let member = op
                        .into_inner()
                        .next()
                        .map(|m| self.ident(&m))
                        .unwrap_or_else(|| unreachable!("parse_operand: member without name"));
                    ExprKind::Member {
                        base: Box::new(operand),
                        arrow,
                        member: Box::new(member),
                    }
                }
                _ => {
                    let idx = op
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::expr)
                        .unwrap_or_else(|| unreachable!("parse_operand: empty index"));
                    ExprKind::Index {
                        base: Box::new(operand),
                        index: Box::new(self.parse_expr(idx)?),
                    }
                }
            };
            operand = Expr { kind, span };
        }
        // Prefix operators apply innermost first.
        for op in prefixes.into_iter().rev() {
            let span = self.span(&op).to(operand.span);
            let kind = match op.as_rule() {
                Rule::cast => {
                    let tn = op
                        .into_inner()
                        .next()
                        .unwrap_or_else(|| unreachable!("parse_operand: empty cast"));
                    ExprKind::Cast {
                        ty: Box::new(self.parse_type_name(tn)?),
                        operand: Box::new(operand),
                    }
                }
                r => ExprKind::Unary {
                    op: match r {
                        Rule::op_neg => UnaryOp::Neg,
                        Rule::op_plus => UnaryOp::Plus,
                        Rule::op_bitnot => UnaryOp::BitNot,
                        Rule::op_not => UnaryOp::Not,
                        Rule::op_deref => UnaryOp::Deref,
                        Rule::op_addr => UnaryOp::AddrOf,
                        r => unreachable!("parse_operand: unexpected prefix {r:?}"),
                    },
                    operand: Box::new(operand),
                },
            };
            operand = Expr { kind, span };
        }
        Ok(operand)
    }

    /// A literal, name, `sizeof` or parenthesized expression.
    pub(super) fn parse_primary(&self, pair: P<'_>) -> Result<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number => self.parse_number(&pair, span)?,
            Rule::string => {
                let wide = pair.as_str().starts_with('L');
                let lit = self.parse_string_lit(pair)?;
                ExprKind::Str {
                    value: lit.value,
                    wide,
                }
            }
            Rule::char_lit => {
                let raw = pair.as_str();
                let wide = raw.starts_with('L');
                let body = raw
                    .trim_start_matches('L')
                    .strip_prefix('\'')
                    .and_then(|r| r.strip_suffix('\''))
                    .unwrap_or(raw);
                let decoded = unescape_c(body).map_err(|m| err(span, m))?;
                let mut chars = decoded.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    return Err(err(
                        span,
                        format!("character literal {raw} must hold exactly one character"),
                    ));
                };
                ExprKind::Char {
                    value: c as u32,
                    wide,
                }
            }
            Rule::sizeof_expr => {
                let inner = pair
                    .into_inner()
                    .find(|p| matches!(p.as_rule(), Rule::type_name | Rule::expr))
                    .unwrap_or_else(|| unreachable!("parse_primary: empty sizeof"));
                let ty = match inner.as_rule() {
                    Rule::type_name => self.parse_type_name(inner)?,
                    _ => {
                        return Err(err(
                            self.span(&inner),
                            "`sizeof` applies to a type, not to an expression",
                        ));
                    }
                };
                ExprKind::Sizeof { ty: Box::new(ty) }
            }
            Rule::paren_expr => {
                let inner = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::expr)
                    .unwrap_or_else(|| unreachable!("parse_primary: empty parentheses"));
                return self.parse_expr(inner);
            }
            Rule::qname => ExprKind::Ident {
                name: pair.as_str().to_string(),
            },
            r => unreachable!("parse_primary: unexpected {r:?}"),
        };
        Ok(Expr { kind, span })
    }

    /// A number: `0x1Fu`, `42L`, `017`, `1.5e3`, `1.0f`.
    pub(super) fn parse_number(&self, pair: &P<'_>, span: Span) -> Result<ExprKind> {
        self.number(pair.as_str(), span)
    }

    /// A number's text (`raw`, at `span`) as a literal.
    pub(super) fn number(&self, raw: &str, span: Span) -> Result<ExprKind> {
        let malformed = || err(span, format!("malformed number `{raw}`"));
        let lower = raw.to_ascii_lowercase();
        if let Some(hex) = lower.strip_prefix("0x") {
            let digits_end = hex
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(hex.len());
            let (digits, suffix) = hex.split_at(digits_end);
            if digits.is_empty() || !is_int_suffix(suffix) {
                return Err(malformed());
            }
            return self.int_value(raw, digits, 16, suffix, true, span);
        }
        let digits_end = lower
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(lower.len());
        let (digits, suffix) = lower.split_at(digits_end);
        if is_int_suffix(suffix) && !digits.is_empty() {
            if digits.len() > 1 && digits.starts_with('0') {
                if !digits.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
                    return Err(malformed());
                }
                return self.int_value(raw, &digits[1..], 8, suffix, true, span);
            }
            return self.int_value(raw, digits, 10, suffix, false, span);
        }
        // A floating-point number: digits, optional fraction and exponent, optional f/l.
        let body = lower.strip_suffix(['f', 'l']).unwrap_or(&lower);
        let valid = body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
            && body.bytes().filter(|&c| c == b'.').count() <= 1;
        match body.parse::<f64>() {
            Ok(value) if valid => Ok(ExprKind::Float { value }),
            _ => Err(malformed()),
        }
    }

    /// The value of an integer literal's digits.
    pub(super) fn int_value(
        &self,
        raw: &str,
        digits: &str,
        radix: u32,
        suffix: &str,
        non_decimal: bool,
        span: Span,
    ) -> Result<ExprKind> {
        let value = u128::from_str_radix(digits, radix)
            .map_err(|_| err(span, format!("integer literal `{raw}` is too large")))?;
        Ok(ExprKind::Int {
            value,
            unsigned: suffix.contains('u'),
            non_decimal,
        })
    }

    /// A string (adjacent literals concatenated), C escapes decoded.
    pub(super) fn parse_string_lit(&self, pair: P<'_>) -> Result<StrLit> {
        let span = self.span(&pair);
        let mut value = String::new();
        for part in pair.into_inner() {
            let raw = part.as_str();
            let body = raw
                .trim_start_matches('L')
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or(raw);
            value.push_str(&unescape_c(body).map_err(|m| err(self.span(&part), m))?);
        }
        Ok(StrLit { value, span })
    }
}

/// Whether `s` (lower case) is a valid C integer suffix: `u`, `l`, `ul`, `ll`, `ull`, `i64` ...
pub(super) fn is_int_suffix(s: &str) -> bool {
    matches!(
        s,
        "" | "u" | "l" | "ul" | "lu" | "ll" | "ull" | "llu" | "i64" | "ui64" | "i32" | "ui32"
    )
}

/// Binding strength of an infix operator (C's table; higher binds tighter); 0 for rules that
/// are not infix operators.
pub(super) fn precedence(rule: Rule) -> u8 {
    match rule {
        Rule::ternary_op => 1,
        Rule::op_logor => 2,
        Rule::op_logand => 3,
        Rule::op_bitor => 4,
        Rule::op_bitxor => 5,
        Rule::op_bitand => 6,
        Rule::op_eq | Rule::op_ne => 7,
        Rule::op_lt | Rule::op_gt | Rule::op_le | Rule::op_ge => 8,
        Rule::op_shl | Rule::op_shr => 9,
        Rule::op_add | Rule::op_sub => 10,
        Rule::op_mul | Rule::op_div | Rule::op_rem => 11,
        _ => 0,
    }
}

/// `lhs OP rhs` for the infix rule `rule`, spanning both operands.
pub(super) fn binary(rule: Rule, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr {
        kind: ExprKind::Binary {
            op: binary_op(rule),
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    }
}

/// The operator of an infix rule.
pub(super) fn binary_op(rule: Rule) -> BinaryOp {
    match rule {
        Rule::op_logor => BinaryOp::LogOr,
        Rule::op_logand => BinaryOp::LogAnd,
        Rule::op_bitor => BinaryOp::BitOr,
        Rule::op_bitxor => BinaryOp::BitXor,
        Rule::op_bitand => BinaryOp::BitAnd,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_le => BinaryOp::Le,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_shl => BinaryOp::Shl,
        Rule::op_shr => BinaryOp::Shr,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        Rule::op_rem => BinaryOp::Rem,
        r => unreachable!("binary_op: unexpected {r:?}"),
    }
}

/// Decodes C escapes (`\n`, `\x41`, `\101`, `\u00e9` ...).
pub(super) fn unescape_c(body: &str) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            return Err("string ends with a lone backslash".to_string());
        };
        let decoded = match e {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'a' => '\x07',
            'b' => '\x08',
            'f' => '\x0c',
            'v' => '\x0b',
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                char::from_u32(v).unwrap_or('\u{fffd}')
            }
            'x' | 'u' | 'U' => {
                let max = match e {
                    'x' => 8,
                    'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                let mut n = 0;
                while n < max {
                    match chars.peek().and_then(|c| c.to_digit(16)) {
                        Some(d) => {
                            v = v.wrapping_mul(16).wrapping_add(d);
                            chars.next();
                            n += 1;
                        }
                        None => break,
                    }
                }
                if n == 0 {
                    return Err(format!("`\\{e}` escape without hex digits"));
                }
                char::from_u32(v).unwrap_or('\u{fffd}')
            }
            other => other,
        };
        out.push(decoded);
    }
    Ok(out)
}
