//! Parsing a file: preprocess it, run the comment pass and the pest parser over the result (in
//! parallel chunks for large files, see [`chunks`]) and lower the parse tree to model items.
//!
//! Syntax errors come out as diagnostics at the exact position of the original file (through the
//! preprocessor's offset map).

mod chunks;

use std::num::NonZeroUsize;
use std::path::Path;

use pest::Parser as _;

use crate::diag::Diagnostic;
use crate::model::Item;
use crate::options::{Loader, Options};
use crate::preprocess::{PpOptions, Preprocessed, preprocess};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{IdlParser, Rule, SpanSource, blank_comments, syntax_error};

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
        undefines: opts.undefines.clone(),
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
        && let Some(items) = chunks::parse_in_parallel(&blanked, &docs, spans)
    {
        return Ok(items);
    }
    let pairs = match IdlParser::parse(Rule::file, &blanked) {
        Ok(pairs) => pairs,
        Err(err) => return Err(vec![syntax_error(&err, &blanked, spans)]),
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

/// Files at least this large (preprocessed) are cut into chunks (parsed on several threads when
/// the pool has them).
const PARALLEL_THRESHOLD: usize = 256 * 1024;
