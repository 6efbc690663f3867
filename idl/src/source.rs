//! Source files and positions.
//!
//! A [`SourceMap`] owns the text of every file a run loads (root files, imports, `#include`d
//! files). Each file gets a [`FileId`]; a [`Span`] is a byte range in one original file
//! together with the 1-based line and column of its start, so every node of the model can be
//! reported as `file:line:col` without going back to the map.
//!
//! The map is append-only, shared between its clones and safe to use from several threads, so
//! diagnostics can keep a handle to it for rendering and several files can be preprocessed at
//! once.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

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
        // Lookups come in text order on each thread (the lowering walks its part of a file
        // front to back), so the line of the previous lookup, or the one after it, is
        // nearly always the answer. The hint is only a guess: it is checked before use.
        thread_local! {
            static HINT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
        }
        let starts = &self.line_starts;
        let offset = offset as u32;
        let holds = |line: usize| {
            starts.get(line).is_some_and(|&s| s <= offset)
                && starts.get(line + 1).is_none_or(|&next| offset < next)
        };
        let hint = HINT.get();
        let line = if holds(hint) {
            hint
        } else if holds(hint + 1) {
            hint + 1
        } else {
            match starts.binary_search(&offset) {
                Ok(line) => line,
                Err(next) => next - 1,
            }
        };
        HINT.set(line);
        line
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

/// Owns every file loaded during a run.
///
/// Append-only and shared: clones are handles to the same store, so files added through one
/// handle (by a thread preprocessing another file, for example) are visible through all of
/// them, and ids are unique across handles. References returned by [`SourceMap::file`] stay
/// valid as long as the handle lives: files are never moved or removed.
#[derive(Clone, Default)]
pub struct SourceMap {
    store: Arc<Store>,
}

/// Slots of the first segment; segment `k` has `FIRST_SEGMENT << k` slots.
const FIRST_SEGMENT: usize = 64;

/// One segment of the store: slots filled once each.
type Segment = Box<[OnceLock<Arc<SourceFile>>]>;

/// A lock-free append-only vector of files, in segments that never move.
#[derive(Default)]
struct Store {
    /// The next id to hand out.
    next: AtomicU32,
    segments: [OnceLock<Segment>; 26],
}

/// The segment and slot of an id.
fn locate(id: usize) -> (usize, usize) {
    let n = id + FIRST_SEGMENT;
    let segment =
        (usize::BITS - 1 - n.leading_zeros()) as usize - FIRST_SEGMENT.trailing_zeros() as usize;
    (segment, n - (FIRST_SEGMENT << segment))
}

impl fmt::Debug for SourceMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceMap")
            .field("files", &self.len())
            .finish()
    }
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    ///
    /// # Panics
    /// After 2^32 files (the preprocessor's limits stop long before).
    pub fn add(&mut self, path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> FileId {
        let id = self.store.next.fetch_add(1, Ordering::Relaxed) as usize;
        let (segment, slot) = locate(id);
        let slots = self.store.segments[segment].get_or_init(|| {
            (0..FIRST_SEGMENT << segment)
                .map(|_| OnceLock::new())
                .collect()
        });
        let _ = slots[slot].set(Arc::new(SourceFile::new(path.into(), text.into())));
        FileId(id as u32)
    }

    /// The file with the given id.
    ///
    /// # Panics
    /// When `id` does not come from this map.
    pub fn file(&self, id: FileId) -> &SourceFile {
        match self.get(id) {
            Some(f) => f,
            None => panic!("file {id} is not in this source map"),
        }
    }

    /// The file with the given id, if it exists.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        let (segment, slot) = locate(id.index());
        let file = self.store.segments.get(segment)?.get()?.get(slot)?.get()?;
        Some(file)
    }

    /// The text of a file.
    pub fn text(&self, id: FileId) -> &str {
        self.file(id).text()
    }

    /// The path of a file.
    pub fn path(&self, id: FileId) -> &Path {
        self.file(id).path()
    }

    /// Number of ids handed out (an upper bound of the file ids in the map).
    pub fn len(&self) -> usize {
        self.store.next.load(Ordering::Relaxed) as usize
    }

    /// Whether the map holds no file.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Iterates over all files with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        (0..self.len()).filter_map(|i| {
            let id = FileId(i as u32);
            self.get(id).map(|f| (id, f))
        })
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
    fn ids_are_unique_across_handles_and_threads() {
        let map = SourceMap::new();
        let ids: Vec<FileId> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let mut m = map.clone();
                    s.spawn(move || {
                        (0..100)
                            .map(|i| m.add(format!("{t}/{i}"), format!("{t} {i}")))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        assert_eq!(map.len(), 400);
        let mut sorted: Vec<u32> = ids.iter().map(|i| i.0).collect();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 400);
        for id in ids {
            let f = map.file(id);
            let (t, i) = f.name().split_once('/').unwrap();
            assert_eq!(f.text(), format!("{t} {i}"));
        }
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(63), (0, 63));
        assert_eq!(locate(64), (1, 0));
        assert_eq!(locate(191), (1, 127));
        assert_eq!(locate(192), (2, 0));
    }

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
