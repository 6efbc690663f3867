//! Parsing large files in chunks, in parallel.
//!
//! A large preprocessed file is cut at statement boundaries (a `;` outside any bracket) into
//! runs of complete items, which are parsed (`items` rule) and lowered on the rayon thread pool
//! (one after the other when it has one thread: small chunks keep pest's token queue small).
//! When nearly the whole file is one `library`, `module` or `namespace` body (mshtml.idl is
//! one library), the cuts are made inside that body: the rest of the file is parsed with the
//! body blanked out, and the body's items are put into the container afterwards.
//!
//! Any problem (a chunk that does not parse, a container that cannot be found again) makes
//! [`parse_in_parallel`] return `None`; the caller then parses the whole file in one piece, so
//! diagnostics are exactly those of a sequential parse.

use std::ops::Range;
use std::sync::Arc;

use pest::Parser as _;
use rayon::prelude::*;

use crate::lower::{lower_file, lower_spliced};
use crate::model::Item;
use crate::syntax::{DocComments, IdlParser, Rule, SpanSource};

/// The size of a chunk at most, roughly, when the file is cut into more chunks than threads.
const CHUNK_BYTES: usize = 64 << 10;

/// A `library`, `module` or `namespace` at the top level of the file.
#[derive(Debug, Clone)]
struct Container {
    /// `library`, `module` or `namespace`.
    keyword: String,
    /// Its (possibly dotted) name.
    name: String,
    /// The bytes between its braces.
    body: Range<usize>,
}

/// The statement boundaries of a text region and the top-level containers.
struct Outline {
    /// Offsets just after each `;` outside brackets (relative to the region's own level).
    top_cuts: Vec<usize>,
    /// Top-level containers.
    containers: Vec<Container>,
}

/// The bytes the outline scan has to look at: quotes, brackets, `;` and `#`. Everything
/// else is skipped in a tight loop.
static STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let stops = b"\"'{}()[];#";
    let mut k = 0;
    while k < stops.len() {
        t[stops[k] as usize] = true;
        k += 1;
    }
    t
};

/// Statements whose closing `}` ends them (a `;` after it is optional).
const BLOCK_STATEMENTS: &[&str] = &[
    "interface",
    "dispinterface",
    "coclass",
    "runtimeclass",
    "library",
    "module",
    "namespace",
    "apicontract",
    "declare",
];

/// Whether the `#` at `at` starts a line (only blanks before it since the line break or the
/// start of the region).
fn starts_line(b: &[u8], region_start: usize, at: usize) -> bool {
    b[region_start..at]
        .iter()
        .rev()
        .take_while(|&&c| c != b'\n')
        .all(|&c| c == b' ' || c == b'\t' || c == b'\r')
}

/// Whether the next non-blank byte from `at` on is a `;` (the optional `;` after a block or
/// a `cpp_quote(...)`: the statement then ends there, not before it).
fn semicolon_follows(b: &[u8], at: usize, end: usize) -> bool {
    b[at..end].iter().find(|c| !c.is_ascii_whitespace()) == Some(&b';')
}

/// Skips a quoted literal starting at `i` (the quote); returns the offset of its closing
/// quote (or of the line break or end that stops it).
fn skip_literal(b: &[u8], mut i: usize, end: usize) -> usize {
    let quote = b[i];
    i += 1;
    while i < end && b[i] != quote && b[i] != b'\n' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    i.min(end)
}

/// The first word of the statement in `from..to` after its attributes and `#` lines, and the
/// (possibly dotted) name after it: `("library", "MSHTML")`.
fn statement_head(text: &str, from: usize, to: usize) -> (&str, &str) {
    let b = text.as_bytes();
    let mut i = from;
    loop {
        while i < to && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i) {
            Some(b'[') if i < to => {
                let mut depth = 0usize;
                while i < to {
                    match b[i] {
                        b'"' | b'\'' => i = skip_literal(b, i, to),
                        b'[' | b'(' => depth += 1,
                        b']' | b')' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            Some(b'#') if i < to => {
                i = text[i..to].find('\n').map_or(to, |p| i + p);
            }
            _ => break,
        }
    }
    let word_end = |start: usize, dotted: bool| {
        text[start..to]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || (dotted && c == '.')))
            .map_or(to, |p| start + p)
    };
    let kw_end = word_end(i, false);
    let mut n = kw_end;
    while n < to && b[n].is_ascii_whitespace() {
        n += 1;
    }
    (&text[i..kw_end], &text[n..word_end(n, true)])
}

/// Scans blanked (comment-free) text for brackets, strings and `#` lines: statement ends at
/// the region's own level (after a `;`, or after the `}` of an interface, coclass, library
/// ...) and, when `find_containers`, the libraries, modules and namespaces.
fn outline(text: &str, region: Range<usize>, find_containers: bool) -> Outline {
    let b = text.as_bytes();
    let end = region.end;
    let mut depth = 0usize;
    let mut i = region.start;
    let mut top_cuts = Vec::new();
    let mut containers = Vec::new();
    // Where the current statement of the region's level started.
    let mut stmt_start = region.start;
    // Whether the `}` closing the current statement's body ends the statement.
    let mut block_ends = false;
    // A container whose body is open: (keyword, name, body start).
    let mut open_at: Option<(String, String, usize)> = None;
    while i < end {
        while i < end && !STOPS[b[i] as usize] {
            i += 1;
        }
        if i >= end {
            break;
        }
        let c = b[i];
        match c {
            b'#' if starts_line(b, region.start, i) => {
                // A `#pragma` line: skip it whole.
                i = text[i..end].find('\n').map_or(end, |p| i + p);
                continue;
            }
            b'"' | b'\'' => i = skip_literal(b, i, end),
            b'{' | b'(' | b'[' => {
                if c == b'{' && depth == 0 {
                    let (keyword, name) = statement_head(text, stmt_start, i);
                    block_ends = BLOCK_STATEMENTS.contains(&keyword);
                    if find_containers && matches!(keyword, "library" | "module" | "namespace") {
                        open_at = Some((keyword.to_string(), name.to_string(), i + 1));
                    }
                }
                depth += 1;
            }
            b')' if depth == 1 => {
                // `cpp_quote("...")`, `importlib("x")` and `midl_pragma x(y)` need no `;`.
                depth = 0;
                let (keyword, _) = statement_head(text, stmt_start, i);
                if matches!(keyword, "cpp_quote" | "importlib" | "midl_pragma")
                    && !semicolon_follows(b, i + 1, end)
                {
                    top_cuts.push(i + 1);
                    stmt_start = i + 1;
                }
            }
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                if c == b'}' && depth == 0 {
                    if let Some((keyword, name, start)) = open_at.take() {
                        containers.push(Container {
                            keyword,
                            name,
                            body: start..i,
                        });
                    }
                    if std::mem::take(&mut block_ends) && !semicolon_follows(b, i + 1, end) {
                        top_cuts.push(i + 1);
                        stmt_start = i + 1;
                    }
                }
            }
            b';' if depth == 0 => {
                top_cuts.push(i + 1);
                stmt_start = i + 1;
                block_ends = false;
            }
            _ => {}
        }
        i += 1;
    }
    Outline {
        top_cuts,
        containers,
    }
}

/// Cuts `region` into about `n` chunks at the given boundaries.
fn cut(region: Range<usize>, boundaries: &[usize], n: usize) -> Vec<Range<usize>> {
    let target = (region.len() / n.max(1)).max(1);
    let mut chunks = Vec::new();
    let mut start = region.start;
    for &b in boundaries {
        if b > start && b - start >= target && b < region.end {
            chunks.push(start..b);
            start = b;
        }
    }
    chunks.push(start..region.end);
    chunks
}

/// Parses one chunk with the `items` rule; `None` when it does not parse or lower cleanly.
fn parse_chunk(
    text: &str,
    range: Range<usize>,
    docs: &DocComments,
    spans: &dyn SpanSource,
) -> Option<Vec<Item>> {
    let pairs = IdlParser::parse(Rule::items, &text[range.clone()]).ok()?;
    lower_file(pairs, range.start, docs, spans).ok()
}

/// The (still empty, not yet shared) item list of a container named `name`.
fn body_of<'a, T>(
    container: &'a mut Arc<T>,
    parts: impl FnOnce(&'a mut T) -> (&'a String, &'a mut Vec<Item>),
    name: &str,
) -> Option<&'a mut Vec<Item>> {
    let (n, items) = parts(Arc::get_mut(container)?);
    (n == name && items.is_empty()).then_some(items)
}

/// Parses a large blanked file in chunks, on several threads when the pool has them; `None` to
/// fall back to one piece.
///
/// Chunks pay off on one thread too: pest keeps every token of a parse in one queue, which for
/// mshtml.idl in one piece grows to 160 MiB (reallocated, copied and faulted in page by page),
/// while a chunk's queue stays small.
pub(crate) fn parse_in_parallel(
    text: &str,
    docs: &DocComments,
    spans: &dyn SpanSource,
) -> Option<Vec<Item>> {
    let threads = rayon::current_num_threads();
    let pieces = (threads * 3).max(text.len() / CHUNK_BYTES);
    let top = outline(text, 0..text.len(), true);
    let big = top
        .containers
        .iter()
        .max_by_key(|c| c.body.len())
        .filter(|c| c.body.len() * 2 > text.len())
        .cloned();
    match big {
        None => {
            let chunks = cut(0..text.len(), &top.top_cuts, pieces);
            if chunks.len() < 2 {
                return None;
            }
            let parsed: Option<Vec<Vec<Item>>> = chunks
                .into_par_iter()
                .map(|r| parse_chunk(text, r, docs, spans))
                .collect();
            Some(parsed?.into_iter().flatten().collect())
        }
        Some(container) => {
            let inner = outline(text, container.body.clone(), false);
            let chunks = cut(container.body.clone(), &inner.top_cuts, pieces);
            // The file without the container's body.
            let body_range = container.body.clone();
            let outer = format!("{}{}", &text[..body_range.start], &text[body_range.end..]);
            let gap = Some((body_range.start, body_range.len()));
            let (outer_items, body) = rayon::join(
                || {
                    let pairs = IdlParser::parse(Rule::items, &outer).ok()?;
                    lower_spliced(pairs, 0, gap, docs, spans).ok()
                },
                || {
                    chunks
                        .into_par_iter()
                        .map(|r| parse_chunk(text, r, docs, spans))
                        .collect::<Option<Vec<Vec<Item>>>>()
                },
            );
            let mut items = outer_items?;
            let body: Vec<Item> = body?.into_iter().flatten().collect();
            let slot = items.iter_mut().find_map(|item| match item {
                Item::Library(l) if container.keyword == "library" => {
                    body_of(l, |l| (&l.name.name, &mut l.items), &container.name)
                }
                Item::Module(m) if container.keyword == "module" => {
                    body_of(m, |m| (&m.name.name, &mut m.items), &container.name)
                }
                Item::Namespace(n) if container.keyword == "namespace" => {
                    body_of(n, |n| (&n.name.name, &mut n.items), &container.name)
                }
                _ => None,
            })?;
            *slot = body;
            Some(items)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_finds_statement_ends_and_containers() {
        let text = "typedef int A;\n#pragma x;y\nlibrary L { struct S { int a; }; const char *s = \";\"; }\nint f(int a; );";
        let o = outline(text, 0..text.len(), true);
        // After `A;`, after the library's `}` (a block statement) and at the end.
        assert_eq!(o.top_cuts, vec![14, 82, text.len()]);
        assert_eq!(o.containers.len(), 1);
        assert_eq!(o.containers[0].name, "L");
        let body = &text[o.containers[0].body.clone()];
        assert!(
            body.starts_with(" struct S") && body.ends_with("\";\"; "),
            "{body:?}"
        );
        let inner = outline(text, o.containers[0].body.clone(), false);
        assert_eq!(inner.top_cuts.len(), 2);
    }

    #[test]
    fn block_statements_end_at_their_brace() {
        let text = "[uuid(1), helpstring(\"a]b\")] interface I { int f(void); }\n\
                    typedef struct { int a; } S;\ncoclass C { interface I; };\ncpp_quote(\"x\")\n\
                    dispinterface D { }";
        let o = outline(text, 0..text.len(), false);
        let after = |s: &str| text.find(s).map(|p| p + s.len()).unwrap();
        assert_eq!(
            o.top_cuts,
            vec![
                after("(void); }"),
                after("} S;"),
                after("I; };"),
                after("(\"x\")"),
                text.len()
            ]
        );
        assert_eq!(statement_head(text, 0, text.len()), ("interface", "I"));
    }

    #[test]
    fn cut_makes_chunks_at_boundaries() {
        assert_eq!(cut(0..100, &[10, 30, 55, 80], 2), vec![0..55, 55..100]);
        assert_eq!(cut(0..100, &[], 4), vec![0..100]);
    }
}
