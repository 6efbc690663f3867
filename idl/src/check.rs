//! Semantic checks.

use crate::diag::Diagnostic;
use crate::driver::Session;
use crate::model::File;
use crate::source::FileId;

/// Checks one parsed file, resolving its imports through the session.
pub(crate) fn check_file(_session: &mut Session, _id: FileId, _file: &File) -> Vec<Diagnostic> {
    Vec::new()
}
