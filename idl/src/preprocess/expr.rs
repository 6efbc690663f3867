//! `#if` / `#elif` expressions: C integer constant expressions over `intmax_t` / `uintmax_t`
//! (64 bits), evaluated with C's conversions, short-circuiting and `defined`.

use super::lex::Kind;

/// An integer value with its signedness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Value {
    /// The 64 bits of the value (two's complement when signed).
    pub bits: u64,
    /// Whether the value has an unsigned type.
    pub unsigned: bool,
}

impl Value {
    fn signed(v: i64) -> Value {
        Value {
            bits: v as u64,
            unsigned: false,
        }
    }

    fn boolean(b: bool) -> Value {
        Value::signed(b as i64)
    }

    /// Whether the value is non-zero.
    pub fn is_true(self) -> bool {
        self.bits != 0
    }

    fn as_i64(self) -> i64 {
        self.bits as i64
    }
}

/// One token of an expression, as the evaluator sees it.
#[derive(Debug, Clone, Copy)]
pub(super) struct ExprToken<'a> {
    pub kind: Kind,
    pub text: &'a str,
}

/// An evaluation error: the index of the offending token (`tokens.len()` for the end of the
/// line) and a message.
pub(super) type ExprError = (usize, String);

/// Evaluates `tokens`. `is_defined` answers `defined NAME` operators that macro expansion
/// produced.
pub(super) fn evaluate(
    tokens: &[ExprToken<'_>],
    is_defined: &dyn Fn(&str) -> bool,
) -> Result<Value, ExprError> {
    if tokens.is_empty() {
        return Err((0, "#if with no expression".into()));
    }
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        depth: 0,
        is_defined,
    };
    let v = p.comma(true)?;
    if p.pos < tokens.len() {
        return Err((
            p.pos,
            format!(
                "missing binary operator before token `{}`",
                tokens[p.pos].text
            ),
        ));
    }
    Ok(v)
}

/// Deepest nesting of parentheses and unary operators accepted.
const MAX_DEPTH: u32 = 128;

struct Parser<'t, 'a> {
    toks: &'t [ExprToken<'a>],
    pos: usize,
    depth: u32,
    is_defined: &'t dyn Fn(&str) -> bool,
}

/// Binary operators by precedence level (lowest first), below `?:`.
const LEVELS: [&[&str]; 10] = [
    &["||"],
    &["&&"],
    &["|"],
    &["^"],
    &["&"],
    &["==", "!="],
    &["<", ">", "<=", ">="],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "%"],
];

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Option<&ExprToken<'a>> {
        self.toks.get(self.pos)
    }

    fn peek_punct(&self, p: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == Kind::Punct && t.text == p)
    }

    fn err<T>(&self, msg: impl Into<String>) -> Result<T, ExprError> {
        Err((self.pos, msg.into()))
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            // Point at the operator that went too deep (already consumed).
            return Err((
                self.pos.saturating_sub(1),
                "expression nested too deeply".into(),
            ));
        }
        Ok(())
    }

    fn comma(&mut self, eval: bool) -> Result<Value, ExprError> {
        let mut v = self.conditional(eval)?;
        while self.peek_punct(",") {
            self.pos += 1;
            v = self.conditional(eval)?;
        }
        Ok(v)
    }

    fn conditional(&mut self, eval: bool) -> Result<Value, ExprError> {
        let cond = self.binary(0, eval)?;
        if !self.peek_punct("?") {
            return Ok(cond);
        }
        self.pos += 1;
        self.enter()?;
        let take = cond.is_true();
        let a = self.comma(eval && take)?;
        if !self.peek_punct(":") {
            return self.err("expected `:` in conditional expression");
        }
        self.pos += 1;
        let b = self.conditional(eval && !take)?;
        self.depth -= 1;
        let unsigned = a.unsigned || b.unsigned;
        let chosen = if take { a } else { b };
        Ok(Value {
            bits: chosen.bits,
            unsigned,
        })
    }

    fn binary(&mut self, level: usize, eval: bool) -> Result<Value, ExprError> {
        if level == LEVELS.len() {
            return self.unary(eval);
        }
        let mut lhs = self.binary(level + 1, eval)?;
        loop {
            let Some(op) = self
                .peek()
                .filter(|t| t.kind == Kind::Punct && LEVELS[level].contains(&t.text))
                .map(|t| t.text)
            else {
                return Ok(lhs);
            };
            let op_pos = self.pos;
            self.pos += 1;
            lhs = match op {
                "||" => {
                    let rhs = self.binary(level + 1, eval && !lhs.is_true())?;
                    Value::boolean(lhs.is_true() || rhs.is_true())
                }
                "&&" => {
                    let rhs = self.binary(level + 1, eval && lhs.is_true())?;
                    Value::boolean(lhs.is_true() && rhs.is_true())
                }
                _ => {
                    let rhs = self.binary(level + 1, eval)?;
                    apply(op, lhs, rhs, eval).map_err(|m| (op_pos, m))?
                }
            };
        }
    }

    fn unary(&mut self, eval: bool) -> Result<Value, ExprError> {
        let Some(tok) = self.peek().copied() else {
            return self.err("expected value in expression");
        };
        self.pos += 1;
        match tok.kind {
            Kind::Punct => match tok.text {
                "(" => {
                    self.enter()?;
                    let v = self.comma(eval)?;
                    if !self.peek_punct(")") {
                        return self.err("missing `)` in expression");
                    }
                    self.pos += 1;
                    self.depth -= 1;
                    Ok(v)
                }
                "+" | "-" | "~" | "!" => {
                    self.enter()?;
                    let v = self.unary(eval)?;
                    self.depth -= 1;
                    Ok(match tok.text {
                        "+" => v,
                        "-" => Value {
                            bits: v.bits.wrapping_neg(),
                            unsigned: v.unsigned,
                        },
                        "~" => Value {
                            bits: !v.bits,
                            unsigned: v.unsigned,
                        },
                        _ => Value::boolean(!v.is_true()),
                    })
                }
                _ => {
                    self.pos -= 1;
                    self.err(format!(
                        "token `{}` is not valid in an expression",
                        tok.text
                    ))
                }
            },
            Kind::Number => parse_number(tok.text).map_err(|m| (self.pos - 1, m)),
            Kind::Char => parse_char(tok.text).map_err(|m| (self.pos - 1, m)),
            Kind::Ident if tok.text == "defined" => self.defined(),
            // Identifiers left after macro expansion (and keywords) are 0.
            Kind::Ident => Ok(Value::signed(0)),
            _ => {
                self.pos -= 1;
                self.err(format!(
                    "token `{}` is not valid in an expression",
                    tok.text
                ))
            }
        }
    }

    fn defined(&mut self) -> Result<Value, ExprError> {
        let paren = self.peek_punct("(");
        if paren {
            self.pos += 1;
        }
        let Some(name) = self
            .peek()
            .filter(|t| t.kind == Kind::Ident)
            .map(|t| t.text)
        else {
            return self.err("operator `defined` requires an identifier");
        };
        self.pos += 1;
        if paren {
            if !self.peek_punct(")") {
                return self.err("missing `)` after `defined`");
            }
            self.pos += 1;
        }
        Ok(Value::boolean((self.is_defined)(name)))
    }
}

/// Applies a binary arithmetic, bitwise, shift or comparison operator.
fn apply(op: &str, a: Value, b: Value, eval: bool) -> Result<Value, String> {
    // Shifts take the type of the left operand; everything else converts both to unsigned
    // when either is unsigned.
    let unsigned = a.unsigned || b.unsigned;
    let (x, y) = (a.bits, b.bits);
    let cmp = |r: bool| Ok(Value::boolean(r));
    let arith = |bits: u64| Ok(Value { bits, unsigned });
    match op {
        "*" => arith(x.wrapping_mul(y)),
        "/" | "%" => {
            if y == 0 {
                return if eval {
                    Err("division by zero in #if".into())
                } else {
                    arith(0)
                };
            }
            let bits = match (op, unsigned) {
                ("/", true) => x / y,
                ("%", true) => x % y,
                ("/", false) => (x as i64).wrapping_div(y as i64) as u64,
                _ => (x as i64).wrapping_rem(y as i64) as u64,
            };
            arith(bits)
        }
        "+" => arith(x.wrapping_add(y)),
        "-" => arith(x.wrapping_sub(y)),
        "<<" | ">>" => {
            let count = if b.unsigned {
                y.min(64) as i64
            } else {
                b.as_i64()
            };
            // A negative count shifts the other way, as GCC does.
            let (left, n) = match (op, count < 0) {
                ("<<", false) => (true, count as u64),
                ("<<", true) => (false, count.unsigned_abs()),
                (_, false) => (false, count as u64),
                (_, true) => (true, count.unsigned_abs()),
            };
            let bits = if left {
                if n >= 64 { 0 } else { x << n }
            } else if a.unsigned {
                if n >= 64 { 0 } else { x >> n }
            } else if n >= 64 {
                if a.as_i64() < 0 { u64::MAX } else { 0 }
            } else {
                (a.as_i64() >> n) as u64
            };
            Ok(Value {
                bits,
                unsigned: a.unsigned,
            })
        }
        "<" | ">" | "<=" | ">=" => {
            let ord = if unsigned {
                x.cmp(&y)
            } else {
                (x as i64).cmp(&(y as i64))
            };
            cmp(match op {
                "<" => ord.is_lt(),
                ">" => ord.is_gt(),
                "<=" => ord.is_le(),
                _ => ord.is_ge(),
            })
        }
        "==" => cmp(x == y),
        "!=" => cmp(x != y),
        "&" => arith(x & y),
        "^" => arith(x ^ y),
        "|" => arith(x | y),
        _ => Err(format!("unknown operator `{op}`")),
    }
}

/// Parses an integer literal with its C (and MSVC `i64`) suffixes.
pub(super) fn parse_number(text: &str) -> Result<Value, String> {
    let lower = text.to_ascii_lowercase();
    let (digits, suffix) = split_suffix(&lower);
    let mut unsigned = match suffix {
        "" | "l" | "ll" | "i8" | "i16" | "i32" | "i64" => false,
        "u" | "ul" | "lu" | "ull" | "llu" | "ui8" | "ui16" | "ui32" | "ui64" => true,
        _ => return Err(format!("invalid integer constant `{text}` in #if")),
    };
    let (radix, body) = if let Some(h) = digits.strip_prefix("0x") {
        (16, h)
    } else if let Some(b) = digits.strip_prefix("0b") {
        (2, b)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() && radix != 8 {
        return Err(format!("invalid integer constant `{text}` in #if"));
    }
    if (radix == 10 && body.contains(['e', 'p'])) || digits.contains('.') {
        return Err(format!("floating constant `{text}` in #if"));
    }
    let bits = u64::from_str_radix(if body.is_empty() { "0" } else { body }, radix).map_err(
        |e| match e.kind() {
            std::num::IntErrorKind::PosOverflow => {
                format!("integer constant `{text}` is too large")
            }
            _ => format!("invalid integer constant `{text}` in #if"),
        },
    )?;
    if bits > i64::MAX as u64 {
        // Too large for intmax_t: the constant has an unsigned type (GCC warns for decimal).
        unsigned = true;
    }
    Ok(Value { bits, unsigned })
}

fn split_suffix(s: &str) -> (&str, &str) {
    for suffix in ["ui64", "ui32", "ui16", "ui8", "i64", "i32", "i16", "i8"] {
        if s.len() > suffix.len() && s.ends_with(suffix) {
            let n = s.len() - suffix.len();
            return (&s[..n], &s[n..]);
        }
    }
    let end = s.trim_end_matches(['u', 'l']).len();
    (&s[..end], &s[end..])
}

/// Parses a character constant (`'a'`, `'\n'`, `L'\x41'`, multi-character `'ab'`).
pub(super) fn parse_char(text: &str) -> Result<Value, String> {
    let wide = !text.starts_with('\'');
    let Some(q) = text.find('\'') else {
        return Err(format!("invalid character constant {text}"));
    };
    let body = &text[q + 1..];
    let Some(body) = body.strip_suffix('\'') else {
        return Err(format!("missing terminating `'` in {text}"));
    };
    let mut chars = body.chars().peekable();
    let mut values = Vec::new();
    while let Some(c) = chars.next() {
        let v = if c == '\\' {
            match chars.next() {
                Some('n') => 10,
                Some('t') => 9,
                Some('r') => 13,
                Some('a') => 7,
                Some('b') => 8,
                Some('f') => 12,
                Some('v') => 11,
                Some('e') => 27,
                Some('x') => {
                    let mut v: u64 = 0;
                    let mut any = false;
                    while let Some(d) = chars.peek().and_then(|c| c.to_digit(16)) {
                        v = v.wrapping_mul(16).wrapping_add(d as u64);
                        chars.next();
                        any = true;
                    }
                    if !any {
                        return Err("`\\x` used with no following hex digits".into());
                    }
                    v
                }
                Some(d @ '0'..='7') => {
                    let mut v = d as u64 - '0' as u64;
                    for _ in 0..2 {
                        match chars.peek().and_then(|c| c.to_digit(8)) {
                            Some(d) => {
                                v = v * 8 + d as u64;
                                chars.next();
                            }
                            None => break,
                        }
                    }
                    v
                }
                Some(other) => other as u64,
                None => return Err(format!("invalid character constant {text}")),
            }
        } else {
            c as u64
        };
        values.push(v);
    }
    if values.is_empty() {
        return Err("empty character constant".into());
    }
    let v = if wide {
        values[values.len() - 1] & 0xFFFF
    } else if values.len() == 1 {
        // Plain `char` is signed on Windows targets.
        values[0] as u8 as i8 as i64 as u64
    } else {
        values.iter().fold(0u64, |acc, &v| (acc << 8) | (v & 0xFF)) & 0xFFFF_FFFF
    };
    Ok(Value {
        bits: v,
        unsigned: false,
    })
}

#[cfg(test)]
mod tests {
    use super::super::lex::{Comment, comment_at, is_hspace, token_at};
    use super::*;

    fn eval_str(s: &str, defined: &[&str]) -> Result<i64, String> {
        let b = s.as_bytes();
        let mut toks = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if is_hspace(b[i]) {
                i += 1;
                continue;
            }
            if let Comment::Ends(e, _) = comment_at(b, i) {
                i = e;
                continue;
            }
            let (kind, e) = token_at(b, i);
            toks.push(ExprToken {
                kind,
                text: &s[i..e],
            });
            i = e;
        }
        evaluate(&toks, &|n| defined.contains(&n))
            .map(|v| v.bits as i64)
            .map_err(|(_, m)| m)
    }

    #[test]
    fn arithmetic_and_precedence() {
        assert_eq!(eval_str("1 + 2 * 3", &[]), Ok(7));
        assert_eq!(eval_str("(1 + 2) * 3", &[]), Ok(9));
        assert_eq!(eval_str("1 << 4 | 1", &[]), Ok(17));
        assert_eq!(eval_str("-1 < 0", &[]), Ok(1));
        assert_eq!(eval_str("-1 < 0u", &[]), Ok(0));
        assert_eq!(eval_str("0xFFFFFFFFFFFFFFFF == -1", &[]), Ok(1));
        assert_eq!(eval_str("7 / 2 % 2", &[]), Ok(1));
        assert_eq!(eval_str("-7 / 2", &[]), Ok(-3));
        assert_eq!(eval_str("~0 >> 60", &[]), Ok(-1));
        assert_eq!(eval_str("1 ? 2 : 3", &[]), Ok(2));
        assert_eq!(eval_str("0 ? 2 : 0 ? 4 : 5", &[]), Ok(5));
        assert_eq!(eval_str("0x80000 >= 0x70000 && !0", &[]), Ok(1));
        assert_eq!(
            eval_str("010 + 0b11 + 10UL + 3i64", &[]),
            Ok(8 + 3 + 10 + 3)
        );
        assert_eq!(eval_str("'A' + L'\\x10' + '\\n'", &[]), Ok(65 + 16 + 10));
        assert_eq!(eval_str("(2, 3)", &[]), Ok(3));
    }

    #[test]
    fn defined_and_identifiers() {
        assert_eq!(eval_str("defined X && defined(Y)", &["X", "Y"]), Ok(1));
        assert_eq!(eval_str("defined X || UNKNOWN", &[]), Ok(0));
        assert!(eval_str("defined", &[]).is_err());
        assert!(eval_str("defined(X", &["X"]).is_err());
    }

    #[test]
    fn short_circuit_skips_division_by_zero() {
        assert_eq!(eval_str("0 && 1 / 0", &[]), Ok(0));
        assert_eq!(eval_str("1 || 1 % 0", &[]), Ok(1));
        assert_eq!(eval_str("1 ? 1 : 1 / 0", &[]), Ok(1));
        assert!(
            eval_str("1 / 0", &[])
                .unwrap_err()
                .contains("division by zero")
        );
    }

    #[test]
    fn errors() {
        assert!(eval_str("", &[]).is_err());
        assert!(eval_str("1 +", &[]).is_err());
        assert!(eval_str("(1", &[]).is_err());
        assert!(eval_str("1 2", &[]).is_err());
        assert!(eval_str("1.5", &[]).is_err());
        assert!(eval_str("\"s\"", &[]).is_err());
        assert!(eval_str("99999999999999999999", &[]).is_err());
        assert!(eval_str("1 = 2", &[]).is_err());
        let deep = "(".repeat(1000) + "1" + &")".repeat(1000);
        assert!(eval_str(&deep, &[]).is_err());
        let unary = "-".repeat(1000) + "1";
        assert!(eval_str(&unary, &[]).is_err());
    }

    #[test]
    fn shifts_never_panic() {
        assert_eq!(eval_str("1 << 64", &[]), Ok(0));
        assert_eq!(eval_str("1 << -1", &[]), Ok(0));
        assert_eq!(eval_str("-8 >> 1", &[]), Ok(-4));
        assert_eq!(eval_str("-8 >> 100", &[]), Ok(-1));
        assert_eq!(
            eval_str("(-9223372036854775807 - 1) / -1", &[]),
            Ok(i64::MIN)
        );
    }
}
