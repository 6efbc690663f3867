//! Source files and positions.
//!
//! A [`SourceMap`] owns the text of every file a run loads (root files, imports, `#include`d
//! files). Each file gets a [`FileId`]; a [`Span`] is a byte range in one original file
//! together with the 1-based line and column of its start, so every node of the model can be
//! reported as `file:line:col` without going back to the map.
//!
//! The map is append-only and cheap to clone (files are reference counted), so diagnostics can
//! keep a snapshot of it for rendering.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

/// Identifies one file of a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct FileId(pub u32);

impl FileId {
    /// The index of the file in its [`SourceMap`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A byte range in an original source file, with the 1-based line and column of its start.
///
/// Columns count characters (not bytes) from the start of the line, starting at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column (in characters) of `start`.
    pub col: u32,
}

impl Span {
    /// The byte range of the span.
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// A span covering `self` and everything up to the end of `other` (same file assumed;
    /// when the files differ, `self` is returned).
    pub fn to(&self, other: Span) -> Span {
        if self.file != other.file {
            return *self;
        }
        Span {
            end: other.end.max(self.end),
            ..*self
        }
    }
}

/// One loaded source file.
#[derive(Debug)]
pub struct SourceFile {
    path: PathBuf,
    name: String,
    text: Arc<str>,
    line_starts: Vec<u32>,
    /// Whether the whole text is ASCII (columns are then byte offsets, computed in O(1)).
    ascii: bool,
}

impl SourceFile {
    fn new(path: PathBuf, text: Arc<str>) -> Self {
        let mut line_starts = vec![0u32];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| (i + 1) as u32),
        );
        let name = path.display().to_string();
        let ascii = text.is_ascii();
        SourceFile {
            path,
            name,
            text,
            line_starts,
            ascii,
        }
    }

    /// The path the file was loaded from (as given, for display).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The name shown in diagnostics.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The full text of the file.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The shared text of the file.
    pub fn shared_text(&self) -> Arc<str> {
        self.text.clone()
    }

    /// Byte offsets at which each line starts (the first is always 0).
    pub fn line_starts(&self) -> &[u32] {
        &self.line_starts
    }

    /// 0-based line index of a byte offset (offsets past the end map to the last line).
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&(offset as u32)) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte range of a 0-based line, including its line terminator.
    pub fn line_range(&self, line_index: usize) -> Option<Range<usize>> {
        let start = *self.line_starts.get(line_index)? as usize;
        let end = self
            .line_starts
            .get(line_index + 1)
            .map_or(self.text.len(), |&e| e as usize);
        Some(start..end)
    }

    /// 1-based line and column (in characters) of a byte offset. Offsets are clamped to the
    /// text and moved back to a character boundary.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_index(offset);
        let start = self.line_starts[line] as usize;
        let col = if self.ascii {
            offset - start + 1
        } else {
            self.text[start..offset].chars().count() + 1
        };
        (line as u32 + 1, col as u32)
    }
}

/// Owns every file loaded during a run. Append-only; cloning shares the file texts.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files
            .push(Arc::new(SourceFile::new(path.into(), text.into())));
        id
    }

    /// The file with the given id.
    ///
    /// # Panics
    /// When `id` does not come from this map.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.index()]
    }

    /// The file with the given id, if it exists.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.index()).map(|f| &**f)
    }

    /// The text of a file.
    pub fn text(&self, id: FileId) -> &str {
        self.file(id).text()
    }

    /// The path of a file.
    pub fn path(&self, id: FileId) -> &Path {
        self.file(id).path()
    }

    /// Number of files in the map.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the map holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Iterates over all files with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), &**f))
    }

    /// The first file loaded from `path`, if any.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.iter()
            .find(|(_, f)| f.path() == path)
            .map(|(id, _)| id)
    }

    /// Builds a [`Span`] for the byte range `start..end` of `file`, computing line and column.
    pub fn span(&self, file: FileId, start: usize, end: usize) -> Span {
        let (line, col) = self.file(file).line_col(start);
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
            line,
            col,
        }
    }
}

impl<'a> codespan_reporting::files::Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.name())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.text())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.line_index(byte_index))
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let file = self
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        file.line_range(line_index)
            .ok_or(codespan_reporting::files::Error::LineTooLarge {
                given: line_index,
                max: file.line_starts.len() - 1,
            })
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let mut map = SourceMap::new();
        let id = map.add("a.idl", "ab\ncdé\nf");
        assert_eq!(map.file(id).line_col(0), (1, 1));
        assert_eq!(map.file(id).line_col(1), (1, 2));
        assert_eq!(map.file(id).line_col(3), (2, 1));
        // 'é' is two bytes; 'f' is on line 3.
        assert_eq!(map.file(id).line_col(8), (3, 1));
        assert_eq!(map.file(id).line_col(6), (2, 3));
        let span = map.span(id, 4, 5);
        assert_eq!((span.line, span.col), (2, 2));
    }
}
