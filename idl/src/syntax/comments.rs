//! The comment pass: comments blanked out before parsing (offsets, lines and columns kept),
//! documentation comments collected for the declarations they precede, and nesting bounded so
//! that neither the parser nor the lowering can exhaust the stack.

use crate::diag::Diagnostic;

use super::SpanSource;

/// Deepest nesting accepted (brackets, generic argument lists and conditional expressions
/// together); deeper input is rejected before parsing so that neither the parser nor the
/// lowering can exhaust the stack.
const MAX_NESTING: usize = 200;

/// The `<` and `?` seen at one bracket level.
#[derive(Debug, Default, Clone, Copy)]
struct LevelCounts {
    /// `<` not closed by a `>` yet (generic argument lists recurse).
    angles: usize,
    /// `?` (each conditional expression holds the rest of a chain: they recurse too).
    conditionals: usize,
}

/// Counts, ahead of parsing, everything that makes the parser recurse: open brackets, and per
/// bracket level its `<` and `?`. A `>` only closes a `<` of its own level (elsewhere it is a
/// comparison), a `;` ends the `<` and `?` of its level, and closing a bracket drops the
/// counts of the level it closes. Mismatched brackets are syntax errors the parser stops at,
/// so counting every closer as closing the innermost level never lets it go deeper than
/// counted.
#[derive(Debug, Default)]
struct Nesting {
    levels: Vec<LevelCounts>,
    top: LevelCounts,
    /// The sum of every level's counts.
    extra: usize,
}

impl Nesting {
    fn depth(&self) -> usize {
        self.levels.len() + self.extra
    }

    fn current(&mut self) -> &mut LevelCounts {
        self.levels.last_mut().unwrap_or(&mut self.top)
    }

    fn open(&mut self) {
        self.levels.push(LevelCounts::default());
    }

    fn close(&mut self) {
        if let Some(level) = self.levels.pop() {
            self.extra -= level.angles + level.conditionals;
        }
    }

    fn angle(&mut self) {
        self.current().angles += 1;
        self.extra += 1;
    }

    fn close_angle(&mut self) {
        let level = self.current();
        if level.angles > 0 {
            level.angles -= 1;
            self.extra -= 1;
        }
    }

    fn conditional(&mut self) {
        self.current().conditionals += 1;
        self.extra += 1;
    }

    fn end_statement(&mut self) {
        let level = std::mem::take(self.current());
        self.extra -= level.angles + level.conditionals;
    }
}

/// The bytes [`blank_comments`] acts on (comments, quotes, brackets, `<`, `>`, `->`, `?`, `;`)
/// when no documentation comment waits for its declaration; it skips the others in a tight loop.
static STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let stops = b"/\"'<->()[]{}?;";
    let mut k = 0;
    while k < stops.len() {
        t[stops[k] as usize] = true;
        k += 1;
    }
    t
};

/// Documentation comments of a text: a run of `///` lines or a `/** */` block, keyed by the
/// offset of the first non-blank byte after it (where the documented declaration starts).
#[derive(Debug, Default)]
pub(crate) struct DocComments {
    by_next: std::collections::HashMap<usize, String>,
}

impl DocComments {
    /// The documentation of a declaration starting at `offset`.
    pub(crate) fn before(&self, offset: usize) -> Option<String> {
        self.by_next.get(&offset).cloned()
    }
}

/// The text of a `///` line (without the slashes and one leading space).
fn doc_line(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("///")?;
    if rest.starts_with('/') {
        return None;
    }
    Some(rest.strip_prefix(' ').unwrap_or(rest).trim_end())
}

/// The text of a `/** ... */` block, leading `*` of each line removed.
fn doc_block(block: &str) -> Option<String> {
    let inner = block.strip_prefix("/**")?.strip_suffix("*/")?;
    if block.starts_with("/**/") {
        return None;
    }
    let lines: Vec<&str> = inner
        .lines()
        .map(|l| {
            let l = l.trim();
            l.strip_prefix("* ")
                .or_else(|| l.strip_prefix('*'))
                .unwrap_or(l)
        })
        .collect();
    let doc = lines.join("\n").trim().to_string();
    (!doc.is_empty()).then_some(doc)
}

/// Replaces every comment byte except line breaks by a space (so offsets, lines and columns
/// stay the same), collects documentation comments, and rejects input nested deeper than
/// [`MAX_NESTING`] (see [`Nesting`]) or with an unterminated comment.
pub(crate) fn blank_comments(
    text: &str,
    spans: &dyn SpanSource,
) -> Result<(String, DocComments), Vec<Diagnostic>> {
    let mut bytes = text.as_bytes().to_vec();
    let mut docs = DocComments::default();
    // The documentation being collected, waiting for the declaration it precedes.
    let mut pending: Option<String> = None;
    let mut pending_lines: Vec<&str> = Vec::new();
    let mut nesting = Nesting::default();
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        if pending.is_none() && pending_lines.is_empty() {
            // No documentation waits for a declaration: only the bytes below matter.
            while i < n && !STOPS[usize::from(bytes[i])] {
                i += 1;
            }
            if i == n {
                break;
            }
        }
        let c = bytes[i];
        let starts_comment = c == b'/' && i + 1 < n && matches!(bytes[i + 1], b'*' | b'/');
        if !(c.is_ascii_whitespace() || starts_comment) {
            // The first byte of a declaration (or anything else): it gets the documentation
            // collected just before it.
            if !pending_lines.is_empty() {
                pending = Some(pending_lines.join("\n"));
                pending_lines.clear();
            }
            if let Some(doc) = pending.take() {
                docs.by_next.insert(i, doc);
            }
        }
        match c {
            b'/' if i + 1 < n && bytes[i + 1] == b'*' => {
                let Some(p) = text[i + 2..].find("*/") else {
                    return Err(vec![Diagnostic::error(
                        spans.span(i, i + 2),
                        "unterminated comment",
                    )]);
                };
                let end = i + 2 + p + 2;
                if let Some(doc) = doc_block(&text[i..end]) {
                    pending_lines.clear();
                    pending = Some(doc);
                }
                for b in &mut bytes[i..end] {
                    if *b != b'\n' {
                        *b = b' ';
                    }
                }
                i = end;
                continue;
            }
            b'/' if i + 1 < n && bytes[i + 1] == b'/' => {
                let end = text[i..].find('\n').map_or(n, |p| i + p);
                let line_start = text[..i].rfind('\n').map_or(0, |p| p + 1);
                let own_line = text[line_start..i].trim().is_empty();
                match doc_line(&text[i..end]) {
                    Some(line) if own_line => {
                        pending = None;
                        pending_lines.push(line);
                    }
                    _ => {
                        pending = None;
                        pending_lines.clear();
                    }
                }
                bytes[i..end].fill(b' ');
                i = end;
                continue;
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < n && bytes[i] != q && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'<' if i + 1 < n && (bytes[i + 1] == b'<' || bytes[i + 1] == b'=') => {
                // A shift or comparison operator, not a generic argument list.
                i += 2;
                continue;
            }
            b'-' if i + 1 < n && bytes[i + 1] == b'>' => {
                // `->`, not the end of a generic argument list.
                i += 2;
                continue;
            }
            b'(' | b'[' | b'{' | b'<' | b'?' => {
                match c {
                    b'<' => nesting.angle(),
                    b'?' => nesting.conditional(),
                    _ => nesting.open(),
                }
                if nesting.depth() > MAX_NESTING {
                    let what = if c == b'?' {
                        "conditional expressions"
                    } else {
                        "brackets"
                    };
                    return Err(vec![Diagnostic::error(
                        spans.span(i, i + 1),
                        format!("{what} nested more than {MAX_NESTING} deep"),
                    )]);
                }
            }
            b')' | b']' | b'}' => nesting.close(),
            b'>' => nesting.close_angle(),
            b';' => nesting.end_statement(),
            _ => {}
        }
        i += 1;
    }
    // Only ASCII bytes of comments were replaced by ASCII spaces, and multi-byte characters
    // inside comments were replaced byte by byte, so the result is valid UTF-8.
    let blanked = String::from_utf8(bytes).map_err(|_| {
        vec![Diagnostic::error(
            spans.span(0, 0),
            "internal error: comment blanking broke UTF-8",
        )]
    })?;
    Ok((blanked, docs))
}
