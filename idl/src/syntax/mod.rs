//! The syntax layer: the pest parser generated from `idl.pest`, the comment pass that runs
//! before it, and syntax errors as diagnostics.
//!
//! The text given to the parser is already preprocessed; [`SpanSource`] maps its byte ranges back
//! to spans of the original files, so syntax errors point at the exact place the user wrote.

mod comments;
mod errors;

use pest_derive::Parser;

use crate::source::Span;

pub(crate) use comments::{DocComments, blank_comments};
pub(crate) use errors::syntax_error;

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
