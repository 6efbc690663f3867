//! Preprocessing and parsing: file text to model items.
//!
//! The pest grammar lives in `idl.pest`; [`crate::lower`] turns its parse tree into the model.
//! Syntax errors are converted to diagnostics at the exact position of the original file (through
//! the preprocessor's offset map).

use std::num::NonZeroUsize;

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest_derive::Parser;

use std::path::Path;

use crate::diag::Diagnostic;
use crate::driver::{Loader, Options};
use crate::model::Item;
use crate::preprocess::{PpOptions, Preprocessed, preprocess};
use crate::source::{FileId, SourceMap, Span};

/// The pest parser generated from `idl.pest`.
#[derive(Parser)]
#[grammar = "idl.pest"]
pub(crate) struct IdlParser;

/// Maps byte ranges of the parsed text back to spans in original files.
pub(crate) trait SpanSource: Sync {
    /// The original span of `start..end` of the parsed text.
    fn span(&self, start: usize, end: usize) -> Span;

    /// Where the macro whose expansion produced byte `offset` was invoked, if any.
    fn expansion_note(&self, _offset: usize) -> Option<(Span, String)> {
        None
    }
}

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

/// Spans of preprocessed text, mapped back through the preprocessor's offset map.
struct Mapped<'a> {
    map: &'a SourceMap,
    pp: &'a Preprocessed,
}

impl SpanSource for Mapped<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        self.pp.span(self.map, start, end)
    }

    fn expansion_note(&self, offset: usize) -> Option<(Span, String)> {
        let x = self.pp.expansion_at(offset)?;
        Some((x.invocation, format!("in expansion of macro `{}`", x.name)))
    }
}

/// The items of a file, or its errors; warnings in both cases.
pub(crate) struct Parsed {
    /// The items, or every error.
    pub items: Result<Vec<Item>, Vec<Diagnostic>>,
    /// Warnings (from the preprocessor).
    pub warnings: Vec<Diagnostic>,
}

/// Preprocesses `file` (already in `map`), parses the result and lowers it to model items.
pub(crate) fn preprocess_and_parse(
    map: &mut SourceMap,
    file: FileId,
    opts: &Options,
    loader: &Loader,
) -> Parsed {
    // As widl does, the directory of the file itself is searched too (after `-I`), also for
    // `#include <...>`.
    let mut include_dirs = opts.include_dirs.clone();
    if let Some(dir) = map.path(file).parent() {
        include_dirs.push(dir.to_path_buf());
    }
    let pp_opts = PpOptions {
        include_dirs,
        defines: opts.defines.clone(),
        ..PpOptions::default()
    };
    let loader = |p: &Path| loader(p);
    let pp = match preprocess(map, file, &pp_opts, &loader) {
        Ok(pp) => pp,
        Err(diags) => {
            let (errors, warnings) = diags.into_iter().partition(Diagnostic::is_error);
            return Parsed {
                items: Err(errors),
                warnings,
            };
        }
    };
    let spans = Mapped { map, pp: &pp };
    Parsed {
        items: parse_text(&pp.text, &spans),
        warnings: pp.warnings.clone(),
    }
}

/// Parses already preprocessed text and lowers it.
pub(crate) fn parse_text(text: &str, spans: &dyn SpanSource) -> Result<Vec<Item>, Vec<Diagnostic>> {
    // Comments are blanked out (offsets kept) so the grammar never has to try them between
    // tokens; the doc comments are collected on the way.
    let (blanked, docs) = blank_comments(text, spans)?;
    // Bound the parser's work so that no input can make it run for long: a few hundred rule
    // calls per input byte is far more than any real file needs.
    raise_call_limit(text.len().saturating_mul(400).saturating_add(100_000));
    if blanked.len() >= PARALLEL_THRESHOLD
        && let Some(items) = crate::chunks::parse_in_parallel(&blanked, &docs, spans)
    {
        return Ok(items);
    }
    let pairs = match IdlParser::parse(Rule::file, &blanked) {
        Ok(pairs) => pairs,
        Err(err) => return Err(vec![syntax_error(&err, text, spans)]),
    };
    crate::lower::lower_file(pairs, 0, &docs, spans)
}

/// Raises pest's process-wide call limit to at least `limit`. The limit is global and other
/// threads parse at the same time, so it only ever grows: each parse is bounded by the largest
/// limit any parse in the process needed, never by a smaller one set concurrently.
fn raise_call_limit(limit: usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static LIMIT: AtomicUsize = AtomicUsize::new(0);
    let previous = LIMIT.fetch_max(limit, Ordering::SeqCst);
    pest::set_call_limit(NonZeroUsize::new(previous.max(limit)));
}

/// Files at least this large (preprocessed) are cut into chunks parsed on several threads.
const PARALLEL_THRESHOLD: usize = 256 * 1024;

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

/// A readable name for a rule pest expected, or `None` for rules not worth mentioning.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::semicolon => "`;`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::comma => "`,`",
        Rule::equals => "`=`",
        Rule::colon => "`:`",
        Rule::ident | Rule::qname | Rule::word => "identifier",
        Rule::expr => "expression",
        Rule::string | Rule::str_lit | Rule::wstr_lit => "string literal",
        Rule::decl_spec | Rule::type_name | Rule::named_type | Rule::base_type => "type",
        Rule::declarator | Rule::direct_declarator | Rule::init_declarator => "declarator",
        Rule::declarator_list => "declarator",
        Rule::attribute | Rule::uuid_attribute => "attribute",
        Rule::attributes => "`[`",
        Rule::param | Rule::param_list => "parameter",
        Rule::field | Rule::field_declarators => "field",
        Rule::enumerator => "enumerator",
        Rule::case_label | Rule::union_case => "`case`",
        Rule::uuid_text | Rule::uuid_lit => "uuid",
        Rule::EOI => "end of file",
        Rule::attributed_item | Rule::pragma_line | Rule::import | Rule::importlib => "statement",
        Rule::cpp_quote | Rule::midl_pragma | Rule::include | Rule::empty_statement => "statement",
        Rule::interface | Rule::dispinterface | Rule::coclass | Rule::library => "statement",
        Rule::typedef | Rule::const_def | Rule::declaration => "declaration",
        Rule::attributed_member => "declaration",
        Rule::inherit => "`:`",
        Rule::requires => "`requires`",
        Rule::generic_params | Rule::generic_args => "`<`",
        Rule::array_suffix => "`[`",
        Rule::param_suffix => "`(`",
        Rule::bitfield => "`:`",
        Rule::ptr_op | Rule::pointer => "`*`",
        Rule::class_member => "`interface`",
        Rule::struct_body | Rule::enum_body | Rule::union_cases => "`{`",
        Rule::union_switch => "`switch`",
        Rule::kw_interface => "`interface`",
        Rule::kw_void => "`void`",
        Rule::kw_case => "`case`",
        Rule::kw_default => "`default`",
        Rule::kw_methods => "`methods`",
        Rule::kw_properties => "`properties`",
        Rule::interface_tail => "`{`",
        Rule::dispinterface_iface | Rule::dispinterface_sections => "`properties:`",
        Rule::class_body => "`{`",
        _ => return None,
    })
}

/// The token at `pos`, for "found `x`" in messages, and its length.
fn token_at(text: &str, pos: usize) -> (String, usize) {
    let rest = &text[pos.min(text.len())..];
    let Some(first) = rest.chars().next() else {
        return ("end of file".to_string(), 0);
    };
    if first.is_ascii_alphanumeric() || first == '_' {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (format!("`{}`", &rest[..len]), len)
    } else if first == '"' {
        ("string literal".to_string(), 1)
    } else {
        (format!("`{}`", first.escape_default()), first.len_utf8())
    }
}

/// Converts a pest error into a diagnostic at the original location.
fn syntax_error(err: &pest::error::Error<Rule>, text: &str, spans: &dyn SpanSource) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let (found, len) = token_at(text, pos);
    let message = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut expected: Vec<&str> = positives.iter().filter_map(|r| describe(*r)).collect();
            expected.sort_unstable();
            expected.dedup();
            match expected.as_slice() {
                [] => format!("syntax error: unexpected {found}"),
                [one] => format!("syntax error: expected {one}, found {found}"),
                many => {
                    let (last, init) = many.split_last().expect("not empty");
                    format!(
                        "syntax error: expected {} or {last}, found {found}",
                        init.join(", ")
                    )
                }
            }
        }
        ErrorVariant::CustomError { message } => {
            if message.contains("call limit") || message.contains("stack limit") {
                "input too complex to parse (parser work limit reached)".to_string()
            } else {
                format!("syntax error: {message}")
            }
        }
    };
    let d = Diagnostic::error(spans.span(pos, pos + len), message);
    match spans.expansion_note(pos) {
        Some((span, note)) => d.with_secondary(span, note),
        None => d,
    }
}
