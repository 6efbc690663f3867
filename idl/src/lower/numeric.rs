//! Lowering `numeric_expr`: integer literals, parentheses and arithmetic, bitwise and shift
//! operators without blanks, read by hand from the one token the grammar gives, to the
//! [`Expr`] that the `expr` rule and [`Lower::parse_expr`] make of the same text: the same
//! operators by the same precedence, the same spans (a parenthesized expression is its
//! contents, as in `parse_primary`), the same literals ([`Lower::number`]) and the same count
//! of chain steps.

use crate::model::*;
use crate::source::Span;
use crate::syntax::Rule;

use super::expressions::{binary, precedence};
use super::{Lower, P, Result};

impl Lower<'_> {
    /// The expression of a `numeric_expr` token.
    pub(super) fn parse_numeric_expr(&self, pair: &P<'_>) -> Result<Expr> {
        let mut reader = Reader {
            lower: self,
            text: pair.as_str().as_bytes(),
            base: pair.as_span().start(),
            pos: 0,
        };
        self.expr_chain.within(|| reader.binary(1))
    }
}

/// A cursor over the text of a `numeric_expr` (which the grammar has checked).
struct Reader<'a, 'l> {
    lower: &'a Lower<'l>,
    text: &'a [u8],
    /// The offset of the text in the parsed input.
    base: usize,
    /// The cursor, in the text.
    pos: usize,
}

impl Reader<'_, '_> {
    fn span(&self, from: usize, to: usize) -> Span {
        self.lower.span_of(self.base + from, self.base + to)
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    /// The binary operator at the cursor and its length, as the `op_*` rule that reads it.
    fn infix(&self) -> Option<(Rule, usize)> {
        Some(match &self.text[self.pos..] {
            [b'<', b'<', ..] => (Rule::op_shl, 2),
            [b'>', b'>', ..] => (Rule::op_shr, 2),
            [b'+', ..] => (Rule::op_add, 1),
            [b'-', ..] => (Rule::op_sub, 1),
            [b'*', ..] => (Rule::op_mul, 1),
            [b'/', ..] => (Rule::op_div, 1),
            [b'%', ..] => (Rule::op_rem, 1),
            [b'|', ..] => (Rule::op_bitor, 1),
            [b'&', ..] => (Rule::op_bitand, 1),
            [b'^', ..] => (Rule::op_bitxor, 1),
            _ => return None,
        })
    }

    /// Operands joined by operators binding at least as tightly as `min` (as
    /// [`Lower::parse_binary`]).
    fn binary(&mut self, min: u8) -> Result<Expr> {
        let mut lhs = self.operand()?;
        while let Some((rule, len)) = self.infix() {
            let prec = precedence(rule);
            if prec < min {
                break;
            }
            self.pos += len;
            self.lower.expr_chain.step(lhs.span, "expression")?;
            let rhs = self.binary(prec + 1)?;
            lhs = binary(rule, lhs, rhs);
        }
        Ok(lhs)
    }

    /// Prefix operators, then a parenthesized expression or a literal.
    fn operand(&mut self) -> Result<Expr> {
        let start = self.pos;
        let op = match self.peek() {
            Some(b'-') => Some(UnaryOp::Neg),
            Some(b'+') => Some(UnaryOp::Plus),
            Some(b'~') => Some(UnaryOp::BitNot),
            _ => None,
        };
        if let Some(op) = op {
            self.pos += 1;
            self.lower
                .expr_chain
                .step(self.span(start, start + 1), "expression")?;
            let operand = self.operand()?;
            let span = self.span(start, start + 1).to(operand.span);
            return Ok(Expr {
                kind: ExprKind::Unary {
                    op,
                    operand: Box::new(operand),
                },
                span,
            });
        }
        if self.peek() == Some(b'(') {
            self.pos += 1;
            let inner = self.lower.expr_chain.within(|| self.binary(1))?;
            // The grammar closed every parenthesis it opened.
            debug_assert_eq!(self.peek(), Some(b')'));
            self.pos += 1;
            return Ok(inner);
        }
        let end = self.text[start..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
            .map_or(self.text.len(), |n| start + n);
        self.pos = end;
        let span = self.span(start, end);
        // The grammar let only ASCII through.
        let raw = std::str::from_utf8(&self.text[start..end]).unwrap_or_default();
        Ok(Expr {
            kind: self.lower.number(raw, span)?,
            span,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use pest::Parser as _;

    use crate::model::{AttrArg, HasAttributes};
    use crate::syntax::{IdlParser, Rule};
    use crate::{Options, Session, Symbol};

    /// The `[id(...)]` argument of `I::M` in a file declaring it with `id` as written, as
    /// debug text (spans included), or the first line of the file's diagnostics.
    fn id_arg(id: &str) -> Result<String, String> {
        let text = format!(
            "typedef long HRESULT;\n\
             [object, uuid(11111111-2222-3333-4444-555555555555)]\n\
             interface I {{ [id({id})] HRESULT M(void); }}\n"
        );
        let mut session = Session::with_loader(
            Options::default(),
            Box::new(|_: &Path| Err(std::io::Error::other("no imports"))),
        );
        let id = session
            .load_source(Path::new("t.idl"), &text)
            .map_err(|d| d.to_string().lines().next().unwrap_or("").to_string())?;
        let model = session.into_compilation(vec![id]);
        let Some(Symbol::Interface(i)) = model.lookup("I") else {
            panic!("I is an interface")
        };
        let m = i.methods().next().expect("I has M");
        match &m.attr("id").expect("M has an id").args()[0] {
            AttrArg::Expr(e) => Ok(format!("{e:?}")),
            other => panic!("not an expression: {other:?}"),
        }
    }

    /// Whether the grammar reads `arg` (before the `)` closing the arguments) as a
    /// `numeric_expr`.
    fn is_numeric(arg: &str) -> bool {
        let text = format!("{arg})");
        let mut pairs =
            IdlParser::parse(Rule::attribute_arg, &text).expect("an attribute argument");
        let inner = pairs.next().and_then(|p| p.into_inner().next());
        inner.is_some_and(|p| p.as_rule() == Rule::numeric_expr && p.as_str() == arg)
    }

    #[test]
    fn numeric_ids_lower_as_the_expr_rule_lowers_them() {
        for id in [
            "((1000+500)+1)",
            "(((-2147418112)+500)+500)+23",
            "-1",
            "--1",
            "-(+(~1))",
            "~0x7fffffffL",
            "0x80010000",
            "017",
            "10UL",
            "(1<<31)|(2>>1)^3&4",
            "1*2/3%4-5+6",
            "1-2-3",
            "1+2*3<<4|5",
            "(((1)))",
        ] {
            assert!(is_numeric(id), "{id} is a numeric_expr");
            // A blank before the closing parenthesis makes it `expr`'s, at the same offsets.
            let by_expr = id_arg(&format!("{id} "));
            assert_eq!(id_arg(id), by_expr, "{id}");
            assert!(by_expr.is_ok(), "{id}: {by_expr:?}");
        }
    }

    #[test]
    fn what_is_not_numeric_is_left_to_the_expr_rule() {
        for id in [
            "1e+5",
            "1.5",
            "1&&2",
            "1||0",
            "1<2",
            "X+1",
            "1 +2",
            "sizeof(int)",
        ] {
            assert!(!is_numeric(id), "{id} is not a numeric_expr");
        }
        // `0x1E+5` is one (malformed) number to C and to the `number` rule.
        assert!(!is_numeric("0x1E+5"));
        assert_eq!(id_arg("0x1E+5"), id_arg("0x1E+5 "));
        assert!(id_arg("0x1E+5").is_err());
    }

    #[test]
    fn numeric_errors_are_those_of_the_expr_rule() {
        for id in ["0xZZ", "1+099", "340282366920938463463374607431768211456"] {
            assert!(is_numeric(id), "{id} is a numeric_expr");
            let (numeric, by_expr) = (id_arg(id), id_arg(&format!("{id} ")));
            assert!(numeric.is_err(), "{id}: {numeric:?}");
            assert_eq!(numeric, by_expr, "{id}");
        }
    }
}
