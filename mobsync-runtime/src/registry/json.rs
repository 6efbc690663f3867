//! JSON for the portable store file: a reader of any JSON text (so that a hand-edited file gets a
//! precise error) and the pretty writer of the store's own shape.
//!
//! The store is the runtime's only JSON, and every handler library links the runtime: a JSON
//! crate (serde, serde_json and their dependencies) tripled the clean build of a small handler,
//! so the store reads and writes its two-level format here (RFC 8259; the tests check both ways
//! against serde_json).

use std::fmt::Write as _;

/// A JSON value; objects keep their members in file order, duplicates included.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// The number as written (`42`, `-1.5e3`).
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// What the value is, for messages (`a string`, `an array`).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// The number as a `u32`, if it is an integer literal in range.
    pub(crate) fn as_u32(&self) -> Option<u32> {
        match self {
            Json::Number(n) if n.bytes().all(|b| b.is_ascii_digit()) => n.parse().ok(),
            _ => None,
        }
    }
}

/// Why a text is not JSON.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    /// The text ended inside a value (a truncated file).
    pub(crate) eof: bool,
    /// What is wrong, with the 1-based line and column.
    pub(crate) message: String,
}

/// Nesting deeper than this is refused (a hostile file must not exhaust the stack).
const MAX_DEPTH: usize = 64;

/// Parses one JSON value, with nothing but whitespace around it.
pub(crate) fn parse(text: &[u8]) -> Result<Json, ParseError> {
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < text.len() {
        return Err(p.error("trailing characters after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> ParseError {
        let before = &self.text[..self.pos.min(self.text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        ParseError {
            eof: self.pos >= self.text.len(),
            message: format!("{what} at line {line} column {col}"),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), ParseError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else if self.peek().is_none() {
            Err(self.error(&format!("the text ends where {what} was expected")))
        } else {
            Err(self.error(&format!("expected {what}")))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting deeper than 64 levels"));
        }
        match self.peek() {
            None => Err(self.error("the text ends where a value was expected")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, ParseError> {
        let end = self.pos + word.len();
        if self.text.get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            Ok(value)
        } else if end > self.text.len() && word.as_bytes().starts_with(&self.text[self.pos..]) {
            self.pos = self.text.len();
            Err(self.error(&format!("the text ends inside `{word}`")))
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, ParseError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(if self.peek().is_none() {
                    self.error("the text ends inside an object")
                } else {
                    self.error("expected a member name in double quotes")
                });
            }
            let name = self.string()?;
            self.skip_ws();
            self.expect(b':', "`:`")?;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            members.push((name, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                None => return Err(self.error("the text ends inside an object")),
                Some(_) => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                None => return Err(self.error("the text ends inside an array")),
                Some(_) => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn number(&mut self) -> Result<Json, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit after `.`"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit in the exponent"));
            }
            self.digits();
        }
        let literal = std::str::from_utf8(&self.text[start..self.pos])
            .expect("a number literal is ASCII")
            .to_owned();
        Ok(Json::Number(literal))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.error("the text ends inside a string"));
            };
            self.pos += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let Some(escape) = self.peek() else {
                        return Err(self.error("the text ends inside a string"));
                    };
                    self.pos += 1;
                    let c = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => {
                            self.pos -= 1;
                            return Err(self.error("invalid escape in a string"));
                        }
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0x00..=0x1F => {
                    self.pos -= 1;
                    return Err(self.error("a control character inside a string"));
                }
                _ => out.push(byte),
            }
        }
        String::from_utf8(out).map_err(|_| self.error("a string that is not UTF-8"))
    }

    /// The character of a `\uXXXX` escape (after the `u`), a surrogate pair taken whole.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let high = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&high) {
            if self.text.get(self.pos..self.pos + 2) != Some(b"\\u") {
                return Err(self.error("a lone surrogate in a \\u escape"));
            }
            self.pos += 2;
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.error("a lone surrogate in a \\u escape"));
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| self.error("a lone surrogate in a \\u escape"))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let Some(digits) = self.text.get(self.pos..self.pos + 4) else {
            self.pos = self.text.len();
            return Err(self.error("the text ends inside a \\u escape"));
        };
        let text = std::str::from_utf8(digits).ok();
        let value = text
            .filter(|t| t.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|t| u32::from_str_radix(t, 16).ok())
            .ok_or_else(|| self.error("expected four hex digits after \\u"))?;
        self.pos += 4;
        Ok(value)
    }
}

/// Writes `value` as pretty JSON (two-space indent, `"name": value`), the layout serde_json's
/// pretty printer uses, so that the store file reads the same as before.
pub(crate) fn write_pretty(value: &Json, out: &mut String) {
    write_value(value, 0, out);
}

fn write_value(value: &Json, indent: usize, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(n),
        Json::String(s) => write_string(s, out),
        Json::Array(items) => write_list(items.iter().map(|v| (None, v)), '[', ']', indent, out),
        Json::Object(members) => write_list(
            members.iter().map(|(n, v)| (Some(n.as_str()), v)),
            '{',
            '}',
            indent,
            out,
        ),
    }
}

fn write_list<'a>(
    items: impl ExactSizeIterator<Item = (Option<&'a str>, &'a Json)>,
    open: char,
    close: char,
    indent: usize,
    out: &mut String,
) {
    out.push(open);
    if items.len() == 0 {
        out.push(close);
        return;
    }
    for (k, (name, value)) in items.enumerate() {
        out.push_str(if k == 0 { "\n" } else { ",\n" });
        push_indent(indent + 1, out);
        if let Some(name) = name {
            write_string(name, out);
            out.push_str(": ");
        }
        write_value(value, indent + 1, out);
    }
    out.push('\n');
    push_indent(indent, out);
    out.push(close);
}

fn push_indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                // Writing into a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let value = parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let mut out = String::new();
        write_pretty(&value, &mut out);
        out
    }

    #[test]
    fn reads_every_kind_of_value() {
        let value = parse(
            br#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00"} "#,
        )
        .expect("valid JSON");
        let Json::Object(members) = value else {
            panic!("an object");
        };
        assert_eq!(members[0].0, "a");
        assert_eq!(
            members[0].1,
            Json::Array(vec![
                Json::Number("1".into()),
                Json::Number("-2.5e3".into()),
                Json::Bool(true),
                Json::Bool(false),
                Json::Null
            ])
        );
        assert_eq!(members[1].1, Json::String("x\"\\/\n\u{e9}\u{1F600}".into()));
    }

    #[test]
    fn numbers_in_u32_range_only() {
        assert_eq!(parse(b"4294967295").unwrap().as_u32(), Some(u32::MAX));
        assert_eq!(parse(b"4294967296").unwrap().as_u32(), None);
        assert_eq!(parse(b"-1").unwrap().as_u32(), None);
        assert_eq!(parse(b"1.0").unwrap().as_u32(), None);
    }

    #[test]
    fn errors_say_where_and_whether_the_text_ended() {
        let e = parse(b"{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert!(!e.eof);
        assert_eq!(e.message, "expected `:` at line 3 column 7");
        for truncated in [&b"{\"a\": [1, 2"[..], b"{\"a\": \"x", b"{\"a\": tr", b"{"] {
            let e = parse(truncated).unwrap_err();
            assert!(e.eof, "{}: {e:?}", String::from_utf8_lossy(truncated));
        }
        for bad in [
            &b"{\"a\": 01}"[..],
            b"[1,]",
            b"\"\\x\"",
            b"\"\\ud800\"",
            b"{} {}",
            b"\"a\tb\"",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(!e.eof, "{}: {e:?}", String::from_utf8_lossy(bad));
        }
        let deep = "[".repeat(100);
        assert!(
            parse(deep.as_bytes())
                .unwrap_err()
                .message
                .starts_with("nesting deeper")
        );
    }

    #[test]
    fn writes_the_pretty_layout() {
        assert_eq!(
            round_trip(r#"{"format":"f","keys":{"K\\S":{"n":1,"s":"\u0001é"}},"e":{},"l":[]}"#),
            "{\n  \"format\": \"f\",\n  \"keys\": {\n    \"K\\\\S\": {\n      \"n\": 1,\n      \
             \"s\": \"\\u0001é\"\n    }\n  },\n  \"e\": {},\n  \"l\": []\n}"
        );
    }
}
