//! Preprocessing and parsing: text to model items.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::driver::{Loader, Options};
use crate::model::Item;
use crate::source::{FileId, SourceMap};

/// Preprocesses `file`, parses the result and lowers it to model items.
pub(crate) fn preprocess_and_parse(
    map: &mut SourceMap,
    file: FileId,
    _opts: &Options,
    _loader: &Loader,
) -> Result<Vec<Item>, Vec<Diagnostic>> {
    let _ = Path::new("");
    let span = map.span(file, 0, 0);
    Err(vec![Diagnostic::error(span, "the parser is being written")])
}
