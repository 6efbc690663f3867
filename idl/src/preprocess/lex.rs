//! Preprocessing tokens: the byte-level scanner shared by directive lines, macro arguments and
//! the copying of ordinary text.
//!
//! The scanner works on a file's *spliced* text (line continuations removed, see
//! [`SrcFile`]); every position it returns is a byte offset into that text and always lies on
//! a character boundary (tokens end only after ASCII bytes or after whole UTF-8 sequences).

use std::sync::Arc;

use crate::source::FileId;

/// The token was preceded by white space (or a comment, or a line break).
pub(super) const LEADING_WS: u8 = 1;
/// The token names a macro that was disabled when the token was scanned: it is never
/// expanded again ("painted blue").
pub(super) const NO_EXPAND: u8 = 2;
/// The token's text is the original text at its origin, so output bytes map one to one.
pub(super) const LINEAR: u8 = 4;

/// The class of a preprocessing token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// An identifier or keyword.
    Ident,
    /// A preprocessing number (`12`, `0x1F`, `1.5e+3`, `35EE`).
    Number,
    /// A string literal, with its prefix (`"a"`, `L"a"`).
    Str,
    /// A character literal, with its prefix (`'a'`, `L'a'`).
    Char,
    /// A punctuator (`(`, `##`, `<<=`, ...).
    Punct,
    /// Any other single character.
    Other,
    /// An empty macro argument next to `##` (never reaches the output).
    Placemarker,
    /// A macro parameter in a definition body; `start` holds the parameter index.
    Param,
}

/// A location in an original file: the [`FileId`] number and a byte offset into the
/// original (unspliced) text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Loc {
    /// `FileId.0`, or [`NO_FILE`] for built-in text.
    pub file: u32,
    /// Byte offset in the original text.
    pub off: u32,
}

/// The `file` of locations in built-in and command-line text.
pub(super) const NO_FILE: u32 = u32::MAX;

/// The `src` of tokens whose text lives in the engine's scratch buffer.
pub(super) const SCRATCH: u32 = u32::MAX;

/// A preprocessing token. Its text is `start..end` of text source `src` (a loaded file's
/// spliced text, or the scratch buffer); `origin` is where output made from it maps to.
#[derive(Debug, Clone, Copy)]
pub(super) struct Token {
    pub kind: Kind,
    pub flags: u8,
    pub src: u32,
    pub start: u32,
    pub end: u32,
    pub origin: Loc,
}

impl Token {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// A loaded file with its continuation-spliced text.
#[derive(Debug)]
pub(super) struct SrcFile {
    /// The id in the source map, or `None` for built-in text.
    pub id: Option<FileId>,
    /// Original text.
    pub text: Arc<str>,
    /// Text with every backslash-newline removed, when the file has any.
    pub spliced: Option<String>,
    /// `(spliced offset, original offset)` at the start of each piece after a removed
    /// backslash-newline, in increasing order.
    pub splices: Vec<(u32, u32)>,
}

impl SrcFile {
    pub fn new(id: Option<FileId>, text: Arc<str>) -> SrcFile {
        let bytes = text.as_bytes();
        let mut splices = Vec::new();
        let mut spliced = None;
        if bytes.windows(2).any(|w| w == b"\\\n") || bytes.windows(3).any(|w| w == b"\\\r\n") {
            let mut out = String::with_capacity(text.len());
            let mut piece = 0;
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'\\' {
                    let skip = if bytes.get(i + 1) == Some(&b'\n') {
                        2
                    } else if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                        3
                    } else {
                        0
                    };
                    if skip > 0 {
                        out.push_str(&text[piece..i]);
                        piece = i + skip;
                        splices.push((out.len() as u32, piece as u32));
                        i += skip;
                        continue;
                    }
                }
                i += 1;
            }
            out.push_str(&text[piece..]);
            spliced = Some(out);
        }
        SrcFile {
            id,
            text,
            spliced,
            splices,
        }
    }

    /// The text the scanner works on.
    pub fn str(&self) -> &str {
        self.spliced.as_deref().unwrap_or(&self.text)
    }

    /// The `FileId` number used in locations.
    pub fn file_no(&self) -> u32 {
        self.id.map_or(NO_FILE, |id| id.0)
    }

    /// The original offset of a spliced offset.
    pub fn orig(&self, off: usize) -> u32 {
        if self.splices.is_empty() {
            return off as u32;
        }
        let i = self.splices.partition_point(|&(s, _)| s as usize <= off);
        if i == 0 {
            off as u32
        } else {
            let (s, o) = self.splices[i - 1];
            o + (off as u32 - s)
        }
    }

    /// The location of a spliced offset.
    pub fn loc(&self, off: usize) -> Loc {
        Loc {
            file: self.file_no(),
            off: self.orig(off),
        }
    }

    /// Splits the spliced range `start..end` into pieces that are contiguous in the original
    /// text: `(spliced start, spliced end, original start)`.
    pub fn pieces(&self, start: usize, end: usize, mut f: impl FnMut(usize, usize, u32)) {
        if self.splices.is_empty() {
            f(start, end, start as u32);
            return;
        }
        let mut s = start;
        let mut i = self
            .splices
            .partition_point(|&(sp, _)| sp as usize <= start);
        loop {
            let next = self
                .splices
                .get(i)
                .map(|&(sp, _)| sp as usize)
                .filter(|&p| p < end)
                .unwrap_or(end);
            if next > s {
                f(s, next, self.orig(s));
            }
            if next >= end {
                break;
            }
            s = next;
            i += 1;
        }
    }
}

/// A position in the file being read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cursor {
    /// Index into `Engine::files`.
    pub file: u32,
    /// Offset into the file's spliced text.
    pub pos: usize,
}

/// The text of a token.
pub(super) fn tok_text<'s>(files: &'s [SrcFile], scratch: &'s str, t: &Token) -> &'s str {
    let s = if t.src == SCRATCH {
        scratch
    } else {
        match files.get(t.src as usize) {
            Some(f) => f.str(),
            None => return "",
        }
    };
    slice(s, t.start as usize, t.end as usize)
}

/// A fast, non-cryptographic hasher for the macro table (identifiers are short; the table is
/// consulted for every identifier of the input). The multiply-rotate scheme is the one of
/// rustc's `FxHasher`.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map keyed by names, with [`NameHasher`].
pub(super) type NameMap<V> =
    std::collections::HashMap<Box<str>, V, std::hash::BuildHasherDefault<NameHasher>>;

/// The defined macro names, with a cheap filter in front of the hash map: most identifiers
/// of real IDL are not macros, and the filter (length and first/last character of every name
/// ever defined) rejects them without hashing.
#[derive(Debug)]
pub(super) struct Names {
    map: NameMap<u32>,
    filter: [u64; 64],
}

impl Default for Names {
    fn default() -> Self {
        Names {
            map: NameMap::default(),
            filter: [0; 64],
        }
    }
}

impl Names {
    fn slot(name: &str) -> (usize, u64) {
        let b = name.as_bytes();
        let first = b.first().copied().unwrap_or(0);
        let last = b.last().copied().unwrap_or(0);
        (
            b.len().min(63),
            1u64 << ((first ^ last.wrapping_mul(7)) & 63),
        )
    }

    /// The macro currently defined as `name`.
    pub fn get(&self, name: &str) -> Option<u32> {
        let (len, bit) = Names::slot(name);
        if self.filter[len] & bit == 0 {
            return None;
        }
        self.map.get(name).copied()
    }

    /// Whether `name` is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Defines `name` as macro `idx`.
    pub fn insert(&mut self, name: Box<str>, idx: u32) {
        let (len, bit) = Names::slot(&name);
        self.filter[len] |= bit;
        self.map.insert(name, idx);
    }

    /// Undefines `name`.
    pub fn remove(&mut self, name: &str) {
        self.map.remove(name);
    }

    /// Number of defined names.
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

/// `start..end` of `s`, or `""` when the range is not on character boundaries.
pub(super) fn slice(s: &str, start: usize, end: usize) -> &str {
    s.get(start..end).unwrap_or("")
}

pub(super) fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$'
}

pub(super) fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Horizontal white space (everything but the line feed).
pub(super) fn is_hspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
}

/// The end of the UTF-8 sequence starting at `i`.
pub(super) fn char_end(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < b.len() && (b[j] & 0xC0) == 0x80 {
        j += 1;
    }
    j
}

/// Result of skipping a comment.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Comment {
    /// No comment starts here.
    None,
    /// A comment ends at the offset; `bool`: it contained a line feed.
    Ends(usize, bool),
    /// A block comment runs to the end of the file.
    Unterminated,
}

/// Recognizes a comment at `i`. Line comments end before their line feed.
pub(super) fn comment_at(b: &[u8], i: usize) -> Comment {
    if b.get(i) != Some(&b'/') {
        return Comment::None;
    }
    match b.get(i + 1) {
        Some(b'/') => {
            let end = memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
            Comment::Ends(end, false)
        }
        Some(b'*') => {
            let mut j = i + 2;
            let mut newline = false;
            while j + 1 < b.len() {
                match b[j] {
                    b'*' if b[j + 1] == b'/' => return Comment::Ends(j + 2, newline),
                    b'\n' => newline = true,
                    _ => {}
                }
                j += 1;
            }
            Comment::Unterminated
        }
        _ => Comment::None,
    }
}

/// Position of the first `needle` in `hay`.
pub(super) fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// The end of a string or character literal whose opening quote is at `i`. Stops before a
/// line feed when the literal is not closed; the `bool` says whether it was closed.
pub(super) fn literal_end(b: &[u8], i: usize) -> (usize, bool) {
    let quote = b[i];
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => {
                if b.get(j + 1).is_some_and(|&c| c != b'\n') {
                    j += 2;
                } else {
                    j += 1;
                }
            }
            b'\n' => return (j, false),
            c if c == quote => return (j + 1, true),
            _ => j += 1,
        }
    }
    (b.len().min(j), false)
}

/// The end of a preprocessing number starting at `i` (a digit, or `.` then a digit).
pub(super) fn number_end(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        let c = b[j];
        let sign = matches!(c, b'+' | b'-') && matches!(b[j - 1], b'e' | b'E' | b'p' | b'P');
        if sign || is_ident_char(c) || c == b'.' {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// The length of the token at `i` for a diagnostic: an identifier, or one character.
pub(super) fn token_width(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(&c) if is_ident_start(c) => ident_end(b, i) - i,
        Some(_) => char_end(b, i) - i,
        None => 0,
    }
}

/// The end of an identifier starting at `i`.
pub(super) fn ident_end(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < b.len() && is_ident_char(b[j]) {
        j += 1;
    }
    j
}

const PUNCT3: [&[u8]; 3] = [b"...", b"<<=", b">>="];
const PUNCT2: [&[u8]; 21] = [
    b"##", b"<<", b">>", b"<=", b">=", b"==", b"!=", b"&&", b"||", b"->", b"++", b"--", b"*=",
    b"/=", b"%=", b"+=", b"-=", b"&=", b"^=", b"|=", b"::",
];

/// Scans one token at `i`, which must not be white space or a comment start. Returns its
/// kind and end.
pub(super) fn token_at(b: &[u8], i: usize) -> (Kind, usize) {
    let c = b[i];
    if is_ident_start(c) {
        let e = ident_end(b, i);
        // String and character literal prefixes.
        if let Some(&q) = b.get(e)
            && (q == b'"' || q == b'\'')
            && matches!(&b[i..e], b"L" | b"u" | b"U" | b"u8")
        {
            let (end, _) = literal_end(b, e);
            return (if q == b'"' { Kind::Str } else { Kind::Char }, end);
        }
        return (Kind::Ident, e);
    }
    if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
        return (Kind::Number, number_end(b, i));
    }
    match c {
        b'"' => return (Kind::Str, literal_end(b, i).0),
        b'\'' => return (Kind::Char, literal_end(b, i).0),
        _ => {}
    }
    if c >= 0x80 {
        return (Kind::Other, char_end(b, i));
    }
    if c.is_ascii_punctuation() {
        if b.len() >= i + 3 && PUNCT3.contains(&&b[i..i + 3]) {
            return (Kind::Punct, i + 3);
        }
        if b.len() >= i + 2 && PUNCT2.contains(&&b[i..i + 2]) {
            return (Kind::Punct, i + 2);
        }
        return (Kind::Punct, i + 1);
    }
    (Kind::Other, i + 1)
}

/// Splits `s` into tokens as a whole. `Some(kind)` when `s` is exactly one token (used to
/// check the result of `##`).
pub(super) fn single_token(s: &str) -> Option<Kind> {
    let b = s.as_bytes();
    if b.is_empty() || is_hspace(b[0]) || b[0] == b'\n' || comment_at(b, 0) != Comment::None {
        return None;
    }
    let (kind, end) = token_at(b, 0);
    (end == b.len()).then_some(kind)
}

/// The punctuation bytes that can join a neighbouring one into another token (`+` `+` is
/// `++`), as a table: [`needs_space`] runs for every token a macro expansion writes.
static JOINING_PUNCTUATION: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = b"+-*/%<>=!&|^.#:";
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// Whether writing `next` right after `prev` could join them into a different token, so that a
/// space must separate them in the output.
pub(super) fn needs_space(prev: u8, next: u8) -> bool {
    let punct = |c: u8| JOINING_PUNCTUATION[usize::from(c)];
    (is_ident_char(prev) && (is_ident_char(next) || next == b'"' || next == b'\'' || next == b'.'))
        || (prev == b'.' && next.is_ascii_digit())
        || (punct(prev) && punct(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_map_back_to_original_offsets() {
        let f = SrcFile::new(None, Arc::from("ab\\\ncd\\\r\nef"));
        assert_eq!(f.str(), "abcdef");
        assert_eq!(f.orig(0), 0);
        assert_eq!(f.orig(2), 4);
        assert_eq!(f.orig(4), 9);
        let mut pieces = Vec::new();
        f.pieces(1, 5, |s, e, o| pieces.push((s, e, o)));
        assert_eq!(pieces, vec![(1, 2, 1), (2, 4, 4), (4, 5, 9)]);
    }

    #[test]
    fn scans_tokens() {
        let b = b"L\"x\\\"y\" 0x1Fu 1.5e+3 <<= ... ## a$b 'c";
        let mut i = 0;
        let mut got = Vec::new();
        while i < b.len() {
            if b[i] == b' ' {
                i += 1;
                continue;
            }
            let (k, e) = token_at(b, i);
            got.push((k, std::str::from_utf8(&b[i..e]).unwrap().to_string()));
            i = e;
        }
        let kinds: Vec<_> = got.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            vec![
                Kind::Str,
                Kind::Number,
                Kind::Number,
                Kind::Punct,
                Kind::Punct,
                Kind::Punct,
                Kind::Ident,
                Kind::Char
            ]
        );
        assert_eq!(got[0].1, "L\"x\\\"y\"");
        assert_eq!(got[2].1, "1.5e+3");
        assert_eq!(got[7].1, "'c");
    }

    #[test]
    fn comments() {
        assert_eq!(comment_at(b"/* a\n */x", 0), Comment::Ends(8, true));
        assert_eq!(comment_at(b"// a\nx", 0), Comment::Ends(4, false));
        assert_eq!(comment_at(b"/* a", 0), Comment::Unterminated);
        assert_eq!(comment_at(b"/a", 0), Comment::None);
    }

    #[test]
    fn single_tokens_and_spacing() {
        assert_eq!(single_token("ab12"), Some(Kind::Ident));
        assert_eq!(single_token("<<="), Some(Kind::Punct));
        assert_eq!(single_token("+/"), None);
        assert_eq!(single_token(""), None);
        assert!(needs_space(b'a', b'b'));
        assert!(needs_space(b'-', b'-'));
        assert!(!needs_space(b'(', b'a'));
    }
}
