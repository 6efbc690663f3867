//! Parallel parsing of large files.
//!
//! A large preprocessed file is cut at statement boundaries (a `;` outside any bracket) into
//! runs of complete items, which are parsed (`items` rule) and lowered on the rayon thread pool.
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
use crate::parse::{DocComments, IdlParser, Rule, SpanSource};

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

/// Scans blanked (comment-free) text for brackets, strings and `#` lines.
fn outline(text: &str, region: Range<usize>, find_containers: bool) -> Outline {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = region.start;
    let mut top_cuts = Vec::new();
    let mut containers = Vec::new();
    // A container keyword seen at depth 0: (keyword, name), waiting for its `{`.
    let mut pending: Option<(String, String)> = None;
    let mut open_at: Option<(String, String, usize)> = None;
    let mut line_start = true;
    while i < region.end {
        let c = b[i];
        if line_start && c == b'#' {
            // A `#pragma` line: skip it whole.
            i = text[i..region.end].find('\n').map_or(region.end, |p| i + p);
            continue;
        }
        if c == b'\n' {
            line_start = true;
            i += 1;
            continue;
        }
        if !c.is_ascii_whitespace() {
            line_start = false;
        }
        match c {
            b'"' | b'\'' => {
                i += 1;
                while i < region.end && b[i] != c && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'(' | b'[' => {
                if c == b'{'
                    && depth == 0
                    && let Some((k, n)) = pending.take()
                {
                    open_at = Some((k, n, i + 1));
                }
                depth += 1;
            }
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                if c == b'}'
                    && depth == 0
                    && let Some((keyword, name, start)) = open_at.take()
                {
                    containers.push(Container {
                        keyword,
                        name,
                        body: start..i,
                    });
                }
            }
            b';' => {
                pending = None;
                if depth == 0 {
                    top_cuts.push(i + 1);
                }
            }
            c if find_containers && depth == 0 && (c.is_ascii_alphabetic() || c == b'_') => {
                let end = text[i..region.end]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .map_or(region.end, |p| i + p);
                let word = &text[i..end];
                if matches!(word, "library" | "module" | "namespace") {
                    let rest = &text[end..region.end];
                    let name_start = end + (rest.len() - rest.trim_start().len());
                    let name_end = text[name_start..region.end]
                        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.'))
                        .map_or(region.end, |p| name_start + p);
                    pending = Some((word.to_string(), text[name_start..name_end].to_string()));
                    i = name_end;
                    continue;
                }
                i = end;
                continue;
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

/// Parses a large blanked file on several threads; `None` to fall back to one piece.
pub(crate) fn parse_in_parallel(
    text: &str,
    docs: &DocComments,
    spans: &dyn SpanSource,
) -> Option<Vec<Item>> {
    let threads = rayon::current_num_threads();
    if threads < 2 {
        return None;
    }
    let pieces = threads * 3;
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
        assert_eq!(o.top_cuts, vec![14, text.len()]);
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
    fn cut_makes_chunks_at_boundaries() {
        assert_eq!(cut(0..100, &[10, 30, 55, 80], 2), vec![0..55, 55..100]);
        assert_eq!(cut(0..100, &[], 4), vec![0..100]);
    }
}
