//! Lowering: the pest parse tree to the typed [`crate::model`].
//!
//! One `parse_<rule>` function per grammar rule. Each takes the rule's pair and returns the
//! model node (or an error diagnostic for the few things the grammar cannot rule out: integer
//! literals that overflow, bad escapes). Cases the grammar guarantees are `unreachable!`, naming
//! the function. Errors are collected per item, so one bad item does not hide the others.

mod attributes;
mod declarations;
mod declarators;
mod expressions;
mod interfaces;
mod numeric;
mod types;

use std::cell::Cell;
use std::sync::Arc;

use pest::iterators::{Pair, Pairs};

use crate::diag::Diagnostic;
use crate::model::*;
use crate::source::Span;
use crate::syntax::{DocComments, Rule, SpanSource};

type P<'i> = Pair<'i, Rule>;
type Result<T> = std::result::Result<T, Box<Diagnostic>>;

/// Lowers, in order, the children of `pair` that are `rule`s (the others are punctuation).
///
/// The vector is allocated at its final length (the children counted first): the model keeps
/// these vectors, and growing one by doubling leaves up to half of it unused (most attribute and
/// argument lists hold one to three entries, which a grown vector would keep room for four).
fn children<'i, T>(
    pair: P<'i>,
    rule: Rule,
    mut f: impl FnMut(P<'i>) -> Result<T>,
) -> Result<Vec<T>> {
    let pairs = pair.into_inner();
    let len = pairs.clone().filter(|p| p.as_rule() == rule).count();
    let mut lowered = Vec::with_capacity(len);
    for p in pairs.filter(|p| p.as_rule() == rule) {
        lowered.push(f(p)?);
    }
    Ok(lowered)
}

/// An error at `span`, boxed (errors are rare; results stay small).
fn err(span: Span, message: impl Into<String>) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(span, message))
}

/// Attributes whose single identifier argument names a type rather than a value.
const TYPE_ATTRIBUTES: &[&str] = &[
    "switch_type",
    "wire_marshal",
    "transmit_as",
    "user_marshal",
    "represent_as",
    "exclusiveto",
];

/// Most steps one chain may take: operators of one expression, or pointers and array and
/// parameter suffixes of one declarator (nested parts included). Such chains are flat in the
/// text (`1 + 1 + ...`, `****p`) but nest in the model, and whatever walks the model
/// recursively (the checks, the generators, `Drop`) must stay within the stack.
const MAX_CHAIN: usize = 1024;

/// Counts the steps of the chain being lowered (see [`MAX_CHAIN`]); the count starts over at
/// each outermost chain.
#[derive(Default)]
struct ChainCount {
    level: Cell<u32>,
    steps: Cell<usize>,
}

impl ChainCount {
    /// Runs `f` as part of the current chain, or as a new one when none is open.
    fn within<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        if self.level.get() == 0 {
            self.steps.set(0);
        }
        self.level.set(self.level.get() + 1);
        let result = f();
        self.level.set(self.level.get() - 1);
        result
    }

    /// Counts one step at `span`; an error once there are more than [`MAX_CHAIN`].
    fn step(&self, span: Span, what: &str) -> Result<()> {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > MAX_CHAIN {
            return Err(err(
                span,
                format!("{what} too long (more than {MAX_CHAIN} steps)"),
            ));
        }
        Ok(())
    }
}

/// Lowers a parsed file.
///
/// `base` is the offset of the parsed text in the whole preprocessed file (chunks of a large
/// file are parsed separately).
pub(crate) fn lower_file(
    pairs: Pairs<'_, Rule>,
    base: usize,
    docs: &DocComments,
    spans: &dyn SpanSource,
) -> std::result::Result<Vec<Item>, Vec<Diagnostic>> {
    lower_spliced(pairs, base, None, docs, spans)
}

/// Lowers text from which `gap = (at, len)` bytes were cut out at offset `at` of the
/// preprocessed file (offsets from `at` on are moved back by `len`).
pub(crate) fn lower_spliced(
    mut pairs: Pairs<'_, Rule>,
    base: usize,
    gap: Option<(usize, usize)>,
    docs: &DocComments,
    spans: &dyn SpanSource,
) -> std::result::Result<Vec<Item>, Vec<Diagnostic>> {
    let mut lower = Lower {
        base,
        gap,
        docs,
        spans,
        errors: Vec::new(),
        expr_chain: ChainCount::default(),
        declarator_chain: ChainCount::default(),
    };
    let items = match pairs.next() {
        Some(file) if matches!(file.as_rule(), Rule::file | Rule::items) => {
            lower.parse_items(file.into_inner())
        }
        _ => unreachable!("lower_file: the parse starts with `file`"),
    };
    if lower.errors.is_empty() {
        Ok(items)
    } else {
        Err(lower.errors)
    }
}

pub(super) struct Lower<'a> {
    /// Offset of the parsed text in the preprocessed file.
    base: usize,
    /// Bytes cut out of the parsed text: (offset, length) in the preprocessed file.
    gap: Option<(usize, usize)>,
    docs: &'a DocComments,
    spans: &'a dyn SpanSource,
    errors: Vec<Diagnostic>,
    /// Operators of the expression being lowered.
    expr_chain: ChainCount,
    /// Pointers and suffixes of the declarator being lowered.
    declarator_chain: ChainCount,
}

/// What a declaration declares.
pub(super) enum Declared {
    /// One or more functions (`HRESULT f(void);`).
    Functions(Vec<Function>),
    /// Anything else.
    Other(Box<Declaration>),
}

/// The pieces of a declarator, built by [`Lower::parse_declarator`].
pub(super) struct DeclaratorParts {
    name: Option<Ident>,
    ty: Type,
}

impl<'a> Lower<'a> {
    // ---------------------------------------------------------------- helpers

    /// The offset in the preprocessed file of offset `off` of the parsed text.
    fn abs(&self, off: usize) -> usize {
        let o = self.base + off;
        match self.gap {
            Some((at, len)) if o >= at => o + len,
            _ => o,
        }
    }

    fn span(&self, pair: &P<'_>) -> Span {
        let s = pair.as_span();
        self.span_of(s.start(), s.end())
    }

    /// The span of bytes `start..end` of the parsed text.
    fn span_of(&self, start: usize, end: usize) -> Span {
        self.spans.span(self.abs(start), self.abs(end))
    }

    fn ident(&self, pair: &P<'_>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    /// The documentation comment right before byte `offset` of the parsed text: a `/** */`
    /// block or a run of `///` lines, with only blanks in between.
    fn doc_before(&self, offset: usize) -> Option<String> {
        self.docs.before(self.abs(offset))
    }

    /// The doc comment before `pair`, else the `helpstring` attribute.
    fn doc(&self, pair: &P<'_>, attrs: &[Attribute]) -> Doc {
        self.doc_before(pair.as_span().start()).or_else(|| {
            attrs
                .iter()
                .find(|a| a.name.name == "helpstring")
                .and_then(|a| a.args().first()?.as_str().map(str::to_string))
        })
    }

    // ---------------------------------------------------------------- top level

    /// Lowers a sequence of `item` pairs; errors are recorded and the item skipped.
    fn parse_items(&mut self, pairs: Pairs<'_, Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for pair in pairs {
            match self.parse_item(pair) {
                Ok(mut more) => items.append(&mut more),
                Err(d) => self.errors.push(*d),
            }
        }
        items
    }

    /// One item; a declaration may give several (`int f(void), g(void);`).
    fn parse_item(&mut self, pair: P<'_>) -> Result<Vec<Item>> {
        Ok(match pair.as_rule() {
            Rule::pragma_line => vec![Item::Pragma(Arc::new(self.parse_pragma_line(pair)))],
            Rule::import => vec![Item::Import(Arc::new(self.parse_import(pair)?))],
            Rule::include => vec![Item::Include(Arc::new(self.parse_import(pair)?))],
            Rule::importlib => vec![Item::ImportLib(Arc::new(self.parse_importlib(pair)?))],
            Rule::cpp_quote => vec![Item::CppQuote(Arc::new(self.parse_cpp_quote(pair)?))],
            Rule::midl_pragma => vec![Item::Pragma(Arc::new(self.parse_midl_pragma(pair)))],
            Rule::attributed_item | Rule::attributed_member => self.parse_attributed_item(pair)?,
            Rule::empty_statement | Rule::EOI => Vec::new(),
            r => unreachable!("parse_item: unexpected {r:?}"),
        })
    }

    /// `#pragma text`
    fn parse_pragma_line(&self, pair: P<'_>) -> Pragma {
        let span = self.span(&pair);
        let text = pair
            .into_inner()
            .next()
            .map_or(String::new(), |t| t.as_str().trim().to_string());
        Pragma {
            midl: false,
            text,
            span,
        }
    }

    /// `midl_pragma warning(...)`
    fn parse_midl_pragma(&self, pair: P<'_>) -> Pragma {
        let span = self.span(&pair);
        let text = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::midl_pragma_text)
            .map_or(String::new(), |t| t.as_str().trim().to_string());
        Pragma {
            midl: true,
            text,
            span,
        }
    }

    /// `import "a", "b";` and `include "a";`
    fn parse_import(&self, pair: P<'_>) -> Result<Import> {
        let span = self.span(&pair);
        let files = children(pair, Rule::string, |p| self.parse_string_lit(p))?;
        Ok(Import {
            files,
            resolved: Computed::new(),
            span,
        })
    }

    /// `importlib("x.tlb");`
    fn parse_importlib(&self, pair: P<'_>) -> Result<ImportLib> {
        let span = self.span(&pair);
        let file = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::string)
            .map(|p| self.parse_string_lit(p))
            .unwrap_or_else(|| unreachable!("parse_importlib: grammar requires a string"))?;
        Ok(ImportLib { file, span })
    }

    /// `cpp_quote("text")`: the text as widl copies it (only `\\` and `\"` unescaped).
    fn parse_cpp_quote(&self, pair: P<'_>) -> Result<CppQuote> {
        let span = self.span(&pair);
        let mut text = String::new();
        for p in pair.into_inner() {
            if p.as_rule() == Rule::string {
                for part in p.into_inner() {
                    let raw = part.as_str();
                    let body = raw
                        .trim_start_matches('L')
                        .strip_prefix('"')
                        .and_then(|r| r.strip_suffix('"'))
                        .unwrap_or(raw);
                    text.push_str(&unescape_quotes(body));
                }
            }
        }
        Ok(CppQuote { text, span })
    }

    /// `[attrs] <statement>`
    fn parse_attributed_item(&mut self, pair: P<'_>) -> Result<Vec<Item>> {
        let span = self.span(&pair);
        let start = pair.as_span().start();
        let doc_pair = pair.clone();
        let mut attrs = Vec::new();
        let mut body = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::attributes => attrs = self.parse_attributes(p)?,
                _ => body = Some(p),
            }
        }
        let body = body.unwrap_or_else(|| unreachable!("parse_attributed_item: no statement"));
        let doc = self
            .doc_before(start)
            .or_else(|| self.doc(&doc_pair, &attrs));
        Ok(match body.as_rule() {
            Rule::interface => vec![self.parse_interface(body, attrs, doc, span)?],
            Rule::dispinterface => vec![self.parse_dispinterface(body, attrs, doc, span)?],
            Rule::coclass | Rule::runtimeclass => vec![self.parse_class(body, attrs, doc, span)?],
            Rule::library | Rule::namespace => vec![self.parse_library(body, attrs, doc, span)?],
            Rule::module => vec![self.parse_module(body, attrs, doc, span)?],
            Rule::apicontract => vec![self.parse_apicontract(body, attrs, doc, span)],
            Rule::delegate => vec![self.parse_delegate(body, attrs, doc, span)?],
            Rule::declare => vec![self.parse_declare(body, span)?],
            Rule::typedef => vec![Item::Typedef(Arc::new(
                self.parse_typedef(body, attrs, doc, span)?,
            ))],
            Rule::const_def => vec![Item::Const(Arc::new(
                self.parse_const_def(body, attrs, doc, span)?,
            ))],
            Rule::declaration => self.parse_declaration(body, attrs, doc, span)?,
            r => unreachable!("parse_attributed_item: unexpected {r:?}"),
        })
    }
}

/// widl's string handling for `cpp_quote`: `\\` and `\"` lose their backslash; every other
/// escape is copied as written (it is C code for the generated header).
fn unescape_quotes(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('\\' | '"')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::expressions::unescape_c;
    use super::*;

    #[test]
    fn c_escapes_decode() {
        assert_eq!(unescape_c(r"a\nb\x41\101\\\'").unwrap(), "a\nbAA\\'");
        assert!(unescape_c(r"\x").is_err());
        assert_eq!(unescape_quotes(r#"a\\n \"q\" \n"#), r#"a\n "q" \n"#);
    }
}
