//! The state of a preprocessor run, the run itself, and the services every part of it
//! shares: diagnostics, the table of files read and the text of tokens.
//!
//! The jobs of the run live in the child modules, each an `impl Engine` block:
//!
//! - [`scan`]: reading a file, copying ordinary text, spotting directive lines and macro
//!   names;
//! - [`directives`]: directive lines (the dispatch and the simple directives: `#undef`,
//!   `#pragma`, `#error`, `#warning`, `#line`);
//! - [`conditionals`]: conditional groups (`#if` ... `#endif`) and their conditions;
//! - [`include`]: `#include`, `#include_next`, `#import` and the search for files;
//! - [`define`]: what a macro is, and `#define`;
//! - [`predefined`]: the predefined and command-line macros and the dynamic names
//!   (`__LINE__`, `__FILE__`, `__DATE__`, `__TIME__`);
//! - [`expand`]: macro expansion (the context stack, rescanning, disabling);
//! - [`args`]: reading the arguments of a function-like macro invocation;
//! - [`substitute`]: argument substitution, `#` stringizing and `##` pasting.

mod args;
mod conditionals;
mod define;
mod directives;
mod expand;
mod include;
mod predefined;
mod scan;
mod substitute;

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::Path;
use std::sync::Arc;

use self::define::Macro;
use super::lex::{self, Kind, LEADING_WS, LINEAR, Loc, NO_FILE, SCRATCH, SrcFile, Token, tok_text};
use super::output::Output;
use super::{Expansion, PpOptions, Preprocessed};
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap};

/// The state of a run.
pub(super) struct Engine<'a> {
    pub map: &'a mut SourceMap,
    pub opts: &'a PpOptions,
    loader: &'a dyn Fn(&Path) -> io::Result<String>,
    pub files: Vec<SrcFile>,
    file_index: HashMap<FileId, u32>,
    pub scratch: String,
    macros: Vec<Macro>,
    pub names: lex::Names,
    pub out: Output,
    pub diags: Vec<Diagnostic>,
    errors: usize,
    /// Set when the run must stop (a limit was passed).
    pub fatal: bool,
    /// Tokens produced by macro substitution so far.
    pub work: u64,
    includes: Vec<FileId>,
    included_count: u32,
    once: HashSet<FileId>,
    pub expansions: Vec<Expansion>,
    /// `__LINE__` correction of the current file (from `#line`).
    pub line_delta: i64,
    /// `__FILE__` of the current file when set by `#line`.
    pub presumed_file: Option<String>,
    /// The include directory the current file was found in (for `#include_next`).
    found_in: Option<usize>,
    /// `(date, time)` for `__DATE__` and `__TIME__`.
    pub date_time: (String, String),
}

impl std::fmt::Debug for Engine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("files", &self.files.len())
            .field("macros", &self.names.len())
            .finish_non_exhaustive()
    }
}

/// Runs the preprocessor on `root`.
pub(super) fn run(
    map: &mut SourceMap,
    root: FileId,
    opts: &PpOptions,
    loader: &dyn Fn(&Path) -> io::Result<String>,
) -> Result<Preprocessed, Vec<Diagnostic>> {
    let Some(root_file) = map.get(root) else {
        return Err(vec![Diagnostic::error_without_span(format!(
            "no file {root} in the source map"
        ))]);
    };
    let root_text = root_file.shared_text();
    let root_len = root_text.len() as u32;
    let mut eng = Engine {
        map,
        opts,
        loader,
        files: Vec::new(),
        file_index: HashMap::new(),
        scratch: String::new(),
        macros: Vec::new(),
        names: lex::Names::default(),
        out: Output::new(
            opts.limits.max_output_bytes,
            root_text.len() + root_text.len() / 8,
        ),
        diags: Vec::new(),
        errors: 0,
        fatal: false,
        work: 0,
        includes: Vec::new(),
        included_count: 0,
        once: HashSet::new(),
        expansions: Vec::new(),
        line_delta: 0,
        presumed_file: None,
        found_in: None,
        date_time: predefined::date_time(),
    };
    eng.predefine();
    let idx = eng.add_file(Some(root), root_text);
    eng.process_file(idx, 0);
    if eng.out.overflow && !eng.fatal {
        eng.fatal_error(
            Loc {
                file: root.0,
                off: 0,
            },
            format!(
                "preprocessed output exceeds {} bytes",
                opts.limits.max_output_bytes
            ),
        );
    }
    let Engine {
        mut out,
        diags,
        errors,
        includes,
        expansions,
        map,
        ..
    } = eng;
    // The width of the token each non-linear segment maps to, so that span lookups need not
    // scan the text.
    for seg in out
        .segs
        .iter_mut()
        .filter(|s| !s.linear && s.file != NO_FILE)
    {
        if let Some(f) = map.get(FileId(seg.file)) {
            seg.width = lex::token_width(f.text().as_bytes(), seg.src as usize) as u32;
        }
    }
    if errors > 0 {
        return Err(diags);
    }
    Ok(Preprocessed {
        text: out.text,
        warnings: diags,
        includes,
        root,
        root_len,
        segments: out.segs,
        expansions,
        run: super::next_run(),
    })
}

impl Engine<'_> {
    // -----------------------------------------------------------------------------------
    // Diagnostics
    // -----------------------------------------------------------------------------------

    fn diag_at(&self, loc: Loc, len: u32, msg: String, error: bool) -> Diagnostic {
        if loc.file == NO_FILE {
            let msg = format!("in a command-line definition: {msg}");
            let mut d = Diagnostic::error_without_span(msg);
            if !error {
                d.severity = crate::diag::Severity::Warning;
            }
            return d;
        }
        let file = FileId(loc.file);
        let text_len = self.map.get(file).map_or(0, |f| f.text().len());
        let start = (loc.off as usize).min(text_len);
        let end = (start + len as usize).min(text_len);
        let span = self.map.span(file, start, end);
        if error {
            Diagnostic::error(span, msg)
        } else {
            Diagnostic::warning(span, msg)
        }
    }

    /// The span of `len` bytes at `loc` (an empty span for command-line text).
    fn map_span(&self, loc: Loc, len: usize) -> crate::source::Span {
        if loc.file == NO_FILE {
            return crate::source::Span {
                file: FileId(0),
                start: 0,
                end: 0,
                line: 1,
                col: 1,
            };
        }
        let file = FileId(loc.file);
        let text_len = self.map.get(file).map_or(0, |f| f.text().len());
        let start = (loc.off as usize).min(text_len);
        self.map.span(file, start, (start + len).min(text_len))
    }

    /// Reports an error at `loc` covering `len` bytes.
    pub fn error_len(&mut self, loc: Loc, len: u32, msg: impl Into<String>) {
        if self.fatal {
            return;
        }
        let d = self.diag_at(loc, len, msg.into(), true);
        self.push_error(d);
    }

    /// Reports an error at `loc`.
    pub fn error(&mut self, loc: Loc, msg: impl Into<String>) {
        self.error_len(loc, 1, msg);
    }

    /// Reports an error at token `t`.
    pub fn error_tok(&mut self, t: &Token, msg: impl Into<String>) {
        let len = if t.has(LINEAR) { t.end - t.start } else { 1 };
        self.error_len(t.origin, len.max(1), msg);
    }

    pub fn push_error(&mut self, d: Diagnostic) {
        self.errors += 1;
        self.diags.push(d);
        if self.errors >= self.opts.limits.max_errors {
            self.fatal = true;
            self.diags.push(Diagnostic::error_without_span(format!(
                "too many errors ({}); preprocessing stopped",
                self.errors
            )));
        }
    }

    /// Reports a warning at `loc`.
    pub fn warning(&mut self, loc: Loc, len: u32, msg: impl Into<String>) {
        if self.fatal || self.diags.len() > 10 * self.opts.limits.max_errors {
            return;
        }
        let d = self.diag_at(loc, len, msg.into(), false);
        self.diags.push(d);
    }

    /// Reports an error that stops the run.
    pub fn fatal_error(&mut self, loc: Loc, msg: impl Into<String>) {
        if self.fatal {
            return;
        }
        let d = self.diag_at(loc, 1, msg.into(), true);
        self.errors += 1;
        self.diags.push(d);
        self.fatal = true;
    }

    // -----------------------------------------------------------------------------------
    // Files
    // -----------------------------------------------------------------------------------

    /// The index of a file in [`Engine::files`], adding it when it is not there yet.
    fn add_file(&mut self, id: Option<FileId>, text: Arc<str>) -> u32 {
        if let Some(id) = id
            && let Some(&idx) = self.file_index.get(&id)
        {
            return idx;
        }
        let idx = self.files.len() as u32;
        self.files.push(SrcFile::new(id, text));
        if let Some(id) = id {
            self.file_index.insert(id, idx);
        }
        idx
    }

    // -----------------------------------------------------------------------------------
    // Tokens
    // -----------------------------------------------------------------------------------

    /// The text of a token.
    pub fn text(&self, t: &Token) -> &str {
        tok_text(&self.files, &self.scratch, t)
    }

    /// The text of tokens, separated as in the source.
    pub fn rest_text(&self, toks: &[Token]) -> String {
        let mut s = String::new();
        for (i, t) in toks.iter().enumerate() {
            if i > 0 && t.has(LEADING_WS) {
                s.push(' ');
            }
            s.push_str(self.text(t));
        }
        s
    }

    /// Whether `t` is the punctuator `p`.
    pub fn is_punct(&self, t: &Token, p: &str) -> bool {
        t.kind == Kind::Punct && self.text(t) == p
    }

    /// A token whose text is `s`, stored in the scratch buffer.
    pub fn scratch_token(&mut self, s: &str, kind: Kind, origin: Loc, flags: u8) -> Token {
        let start = self.scratch.len() as u32;
        self.scratch.push_str(s);
        Token {
            kind,
            flags,
            src: SCRATCH,
            start,
            end: self.scratch.len() as u32,
            origin,
        }
    }
}
