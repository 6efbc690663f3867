//! The C preprocessor stage of the front end, with every output byte mapped back to the
//! original file and offset it came from.
//!
//! MIDL files are run through a C preprocessor before they are parsed (MIDL uses the
//! compiler's `cl -E`, widl its own), so real-world IDL relies on `#include`, `#define` (object-like
//! and function-like, including macros that expand to nothing to erase attributes),
//! `#ifdef __WIDL__` and so on. [`preprocess`] implements that stage:
//!
//! - `#include "file"` (searched in the including file's directory, then the `-I` directories)
//!   and `#include <file>` (the `-I` directories only); `#include_next`; `#pragma once`;
//! - `#define` / `#undef`: object-like and function-like macros, variadic macros
//!   (`...`/`__VA_ARGS__` and GNU `name...`), `#` stringizing, `##` pasting (with the GNU
//!   `, ## __VA_ARGS__` comma elision), rescanning with C's rules for recursion;
//! - `#if` / `#ifdef` / `#ifndef` / `#elif` / `#elifdef` / `#elifndef` / `#else` / `#endif`
//!   with `defined` and 64-bit integer expressions (C's conversions, short-circuiting);
//! - `#pragma`: kept in the output as a line `#pragma <text>` for the parser (never
//!   macro-expanded, as widl does); `#pragma once` is handled here;
//! - `#error` (an error) and `#warning` (a warning); `#line` and line markers
//!   (`# 12 "file"`), which set `__LINE__` and `__FILE__`; `#ident` is ignored;
//! - comments, line continuations (backslash-newline) anywhere.
//!
//! Comments in ordinary text are kept in the output so the parser can read doc comments;
//! comments in directive lines and inside macro invocations are dropped. Directive lines leave
//! their line feed in the output.
//!
//! # Predefined macros
//!
//! The same names as Wine's `widl` (version 8.0, checked with `widl-stable -E`):
//!
//! | name | value |
//! |------|-------|
//! | `__WIDL__` | `0x80000` (widl's version number) |
//! | `_WIN32` | `1` |
//! | `_WIN64` | `1` (not widl's: see below) |
//! | `__FILE__` | the current file's path, as a string literal |
//! | `__LINE__` | the current line |
//! | `__DATE__`, `__TIME__` | the date and time of the run (or of `SOURCE_DATE_EPOCH`) |
//!
//! plus `__MOBSYNC_IDL__` (`1`) so files can tell this front end apart. widl defines neither
//! `_WIN64` nor `__midl`; we define `_WIN64`, because the generators resolve typedefs to the
//! ABI of 64-bit Windows: widl's C header keeps a name such as `HANDLE_PTR`, which the C
//! compiler then resolves with its own `_WIN64`, while our Rust spells what the name stands
//! for, so the IDL must take the 64-bit branch of a header like `basetsd.h` (`HANDLE_PTR` is
//! `unsigned __int64` there, not `unsigned long`). `-U _WIN64` undoes it. [`PpOptions::predefined`]
//! turns off `__WIDL__`, `_WIN32`, `_WIN64` and `__MOBSYNC_IDL__` (like `cpp -undef`; the
//! dynamic names stay).
//!
//! # Locations
//!
//! [`Preprocessed::origin`] maps any byte of the output text to the original file and byte
//! offset it came from: text copied from a file maps byte for byte; the expansion of a macro
//! maps to the macro name at the invocation, except tokens that come from macro arguments
//! written in the file, which keep their own place. `#line` and line markers do not change
//! these locations (diagnostics always name the real file and line).
//!
//! # Limits
//!
//! The preprocessor never panics and never runs away: include depth, the number of files
//! included, the nesting of macro arguments, the total work of macro expansion and the size
//! of the output are bounded by [`PpLimits`]; passing a bound is an error diagnostic.

mod engine;
mod expr;
mod lex;
mod output;

use std::cell::Cell;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};

/// The version number `__WIDL__` expands to (widl 8.0).
pub const WIDL_VERSION: &str = "0x80000";

/// Options of a preprocessor run.
#[derive(Debug, Clone)]
pub struct PpOptions {
    /// Directories searched for `#include`d files, in order (after the including file's
    /// directory for the `"file"` form).
    pub include_dirs: Vec<PathBuf>,
    /// Command-line definitions: `-D NAME` is `(NAME, None)` (defined as `1`), `-D NAME=V` is
    /// `(NAME, Some(V))`; `NAME` may carry a parameter list (`F(x)`).
    pub defines: Vec<(String, Option<String>)>,
    /// Names to undefine after the predefined names and the definitions (`-U NAME`).
    pub undefines: Vec<String>,
    /// Whether to define `__WIDL__`, `_WIN32`, `_WIN64` and `__MOBSYNC_IDL__` (see the
    /// [module docs](self)); `__FILE__`, `__LINE__`, `__DATE__` and `__TIME__` are always
    /// defined.
    pub predefined: bool,
    /// Resource bounds.
    pub limits: PpLimits,
}

impl Default for PpOptions {
    fn default() -> Self {
        PpOptions {
            include_dirs: Vec::new(),
            defines: Vec::new(),
            undefines: Vec::new(),
            predefined: true,
            limits: PpLimits::default(),
        }
    }
}

/// Resource bounds of a preprocessor run; passing one is an error, not a panic or a hang.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PpLimits {
    /// Deepest `#include` nesting (GCC's limit is 200).
    pub max_include_depth: u32,
    /// Most files included in one run (counting repeats).
    pub max_includes: u32,
    /// Deepest nesting of macro invocations inside macro arguments.
    pub max_expansion_depth: u32,
    /// Most tokens produced by macro substitution in one run.
    pub max_expansion_tokens: u64,
    /// Largest output, in bytes.
    pub max_output_bytes: usize,
    /// Most errors reported before the run stops.
    pub max_errors: usize,
}

impl Default for PpLimits {
    fn default() -> Self {
        PpLimits {
            max_include_depth: 200,
            max_includes: 20_000,
            max_expansion_depth: 200,
            max_expansion_tokens: 20_000_000,
            max_output_bytes: 256 << 20,
            max_errors: 1000,
        }
    }
}

/// Splits a command-line definition `NAME=VALUE` (or `NAME`) into its parts.
pub fn parse_define(arg: &str) -> (String, Option<String>) {
    match arg.split_once('=') {
        Some((name, value)) => (name.to_string(), Some(value.to_string())),
        None => (arg.to_string(), None),
    }
}

/// The result of preprocessing one file.
#[derive(Debug, Clone)]
pub struct Preprocessed {
    /// The preprocessed text, for the parser.
    pub text: String,
    /// Warnings (`#warning`, redefined macros, extra tokens after a directive, ...).
    pub warnings: Vec<Diagnostic>,
    /// The files read through `#include`, in order of first inclusion.
    pub includes: Vec<FileId>,
    root: FileId,
    root_len: u32,
    segments: Vec<output::Segment>,
    expansions: Vec<Expansion>,
    /// Tells this run's output apart from every other's, for [`LAST_EXPANSION`].
    run: u64,
}

/// A number no other preprocessor run in this process has.
fn next_run() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

thread_local! {
    /// The segment of this thread's last location lookup: lookups on one thread mostly move
    /// forward through one text, so it is nearly always the answer or the one before it (a
    /// guess only: [`Preprocessed::segment_of`] checks it). Per thread, because the parsing
    /// threads walk different parts of the same text at once.
    static HINT: Cell<usize> = const { Cell::new(0) };
    /// The span this thread last made for output of a macro expansion: (run, segment, span).
    /// Every byte of such a segment has the same span (the macro name at its invocation), and
    /// the lowering asks for it once per node of the expression the macro expanded to.
    static LAST_EXPANSION: Cell<Option<(u64, usize, Span)>> = const { Cell::new(None) };
}

/// One macro expansion in ordinary text (not the nested ones inside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// The name of the macro.
    pub name: String,
    /// Where the macro was invoked (its name).
    pub invocation: Span,
    /// Where the macro was defined (its name in the `#define`), unless predefined.
    pub definition: Option<Span>,
    /// The bytes of [`Preprocessed::text`] the expansion produced.
    pub output: Range<usize>,
}

impl Preprocessed {
    /// The original file and byte offset of output byte `offset`. Offsets at or past the end
    /// of the text map to the end of the preprocessed file.
    pub fn origin(&self, offset: usize) -> (FileId, u32) {
        let (origin, hint) = self.origin_from(offset, HINT.get());
        HINT.set(hint);
        origin
    }

    /// The original [`Span`] of the output range `start..end`: it starts at the origin of
    /// `start` and, when `end - 1` comes from the same file further on, ends after it;
    /// otherwise it covers the token at the origin of `start` (the macro name of an
    /// expansion, for example).
    ///
    /// Lookups that move forward through the text (on each thread) are fastest; one walk
    /// that jumps between parts of the text can keep its own position with a [`SpanCursor`].
    pub fn span(&self, map: &SourceMap, start: usize, end: usize) -> Span {
        let hint = HINT.get();
        if let Some((run, seg, span)) = LAST_EXPANSION.get()
            && run == self.run
            && start < self.text.len()
            && self.segment_of(start, seg) == Some(seg)
        {
            HINT.set(seg);
            return span;
        }
        let (span, hint) = self.span_from(map, start, end, hint);
        HINT.set(hint);
        if start < self.text.len()
            && let Some(seg) = self.segment_of(start, hint)
            && !self.segments[seg].linear
        {
            LAST_EXPANSION.set(Some((self.run, seg, span)));
        }
        span
    }

    /// A span looker-up with its own position hint, for one thread or one part of the text.
    pub fn cursor(&self) -> SpanCursor<'_> {
        SpanCursor {
            pp: self,
            hint: Cell::new(0),
        }
    }

    /// The index of the segment holding output byte `offset` (`offset < text.len()`),
    /// trying segment `hint` and the next one before searching.
    fn segment_of(&self, offset: usize, hint: usize) -> Option<usize> {
        let segs = &self.segments;
        let holds = |i: usize| {
            segs.get(i).is_some_and(|s| s.out as usize <= offset)
                && segs.get(i + 1).is_none_or(|n| offset < n.out as usize)
        };
        if holds(hint) {
            return Some(hint);
        }
        if holds(hint + 1) {
            return Some(hint + 1);
        }
        segs.partition_point(|s| s.out as usize <= offset)
            .checked_sub(1)
    }

    /// [`Preprocessed::origin`] from a hint; returns the new hint.
    fn origin_from(&self, offset: usize, hint: usize) -> ((FileId, u32), usize) {
        if offset >= self.text.len() {
            return ((self.root, self.root_len), hint);
        }
        match self.segment_of(offset, hint) {
            Some(i) => (self.origin_in(i, offset), i),
            None => ((self.root, 0), hint),
        }
    }

    /// The origin of output byte `offset` of segment `i`.
    fn origin_in(&self, i: usize, offset: usize) -> (FileId, u32) {
        let seg = self.segments[i];
        if seg.file == lex::NO_FILE {
            return (self.root, 0);
        }
        let delta = if seg.linear {
            (offset - seg.out as usize) as u32
        } else {
            0
        };
        (FileId(seg.file), seg.src.saturating_add(delta))
    }

    /// [`Preprocessed::span`] from a hint; returns the new hint.
    fn span_from(&self, map: &SourceMap, start: usize, end: usize, hint: usize) -> (Span, usize) {
        let seg = if start < self.text.len() {
            self.segment_of(start, hint)
        } else {
            None
        };
        let (file, s) = match seg {
            Some(i) => self.origin_in(i, start),
            None => self.origin_from(start, hint).0,
        };
        let hint = seg.unwrap_or(hint);
        let Some(text) = map.get(file).map(|f| f.text()) else {
            return (map.span(file, 0, 0), hint);
        };
        let s = (s as usize).min(text.len());
        let mut e = s;
        let mut width = None;
        if let Some(i) = seg {
            let this = self.segments[i];
            if !this.linear {
                // Macro expansion output: the macro name at the invocation.
                width = Some(this.width as usize);
            } else if end > start {
                let last_out = (end - 1).min(self.text.len() - 1);
                let same_segment = self
                    .segments
                    .get(i + 1)
                    .is_none_or(|n| last_out < n.out as usize);
                let (f2, last) = if same_segment {
                    self.origin_in(i, last_out)
                } else {
                    self.origin_from(last_out, i).0
                };
                let last = last as usize;
                if f2 == file && last >= s && last < text.len() {
                    e = lex::char_end(text.as_bytes(), last);
                }
            }
        }
        if let Some(w) = width {
            e = s + w.max(1);
        } else if e <= s + 1 && s < text.len() {
            // A single point: widen it to the token there.
            e = lex::token_width(text.as_bytes(), s) + s;
        }
        (map.span(file, s, e.min(text.len())), hint)
    }

    /// The expansion that produced output byte `offset`, if any (for "in expansion of macro"
    /// notes).
    pub fn expansion_at(&self, offset: usize) -> Option<&Expansion> {
        let i = self
            .expansions
            .partition_point(|x| x.output.start <= offset);
        let x = self.expansions.get(i.checked_sub(1)?)?;
        x.output.contains(&offset).then_some(x)
    }

    /// Every top-level macro expansion, in output order.
    pub fn expansions(&self) -> &[Expansion] {
        &self.expansions
    }

    /// The preprocessed file.
    pub fn root(&self) -> FileId {
        self.root
    }
}

/// Looks up spans of one [`Preprocessed`] with a position hint of its own (see
/// [`Preprocessed::cursor`]); use one per thread when several threads resolve spans of the
/// same text.
#[derive(Debug)]
pub struct SpanCursor<'a> {
    pp: &'a Preprocessed,
    hint: Cell<usize>,
}

impl SpanCursor<'_> {
    /// Like [`Preprocessed::origin`].
    pub fn origin(&self, offset: usize) -> (FileId, u32) {
        let (origin, hint) = self.pp.origin_from(offset, self.hint.get());
        self.hint.set(hint);
        origin
    }

    /// Like [`Preprocessed::span`].
    pub fn span(&self, map: &SourceMap, start: usize, end: usize) -> Span {
        let (span, hint) = self.pp.span_from(map, start, end, self.hint.get());
        self.hint.set(hint);
        span
    }
}

/// Preprocesses `file` of `map`. Included files are read with `loader` and added to `map`
/// (a path already in the map is not read again).
///
/// Returns the text with its location map and warnings, or every error and warning of the
/// run when there is at least one error.
pub fn preprocess(
    map: &mut SourceMap,
    file: FileId,
    opts: &PpOptions,
    loader: &dyn Fn(&Path) -> io::Result<String>,
) -> Result<Preprocessed, Vec<Diagnostic>> {
    engine::run(map, file, opts, loader)
}
