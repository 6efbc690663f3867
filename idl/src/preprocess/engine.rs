//! The preprocessor proper: files, directive lines, conditional groups and the copying of
//! ordinary text (macro expansion lives in `macros.rs`).

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::lex::{
    self, Comment, Kind, LEADING_WS, LINEAR, Loc, NO_FILE, SCRATCH, SrcFile, Token, comment_at,
    is_hspace, is_ident_start, slice, token_at,
};
use super::macros::Macro;
use super::output::Output;
use super::{Expansion, PpOptions, Preprocessed};
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap};

/// A position in the file being read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cursor {
    /// Index into `Engine::files`.
    pub file: u32,
    /// Offset into the file's spliced text.
    pub pos: usize,
}

/// One open `#if` group.
#[derive(Debug)]
struct Frame {
    /// The `#if` (for "unterminated" errors).
    loc: Loc,
    /// Whether the enclosing group is active.
    parent_active: bool,
    /// Whether a branch of this group was taken already.
    taken: bool,
    /// Whether `#else` was seen.
    in_else: bool,
    /// Whether the current branch is active.
    active: bool,
}

/// The state of a run.
pub(super) struct Engine<'a> {
    pub map: &'a mut SourceMap,
    pub opts: &'a PpOptions,
    loader: &'a dyn Fn(&Path) -> io::Result<String>,
    pub files: Vec<SrcFile>,
    file_index: HashMap<FileId, u32>,
    pub scratch: String,
    pub macros: Vec<Macro>,
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
        date_time: date_time(),
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
    })
}

/// The text of a token.
pub(super) fn tok_text<'s>(files: &'s [SrcFile], scratch: &'s str, t: &Token) -> &'s str {
    let s = if t.src == SCRATCH {
        scratch
    } else {
        match files.get(t.src as usize) {
            Some(f) => f.str(),
            None => return "",
        }
    };
    slice(s, t.start as usize, t.end as usize)
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

    /// Defines the predefined names and the command-line definitions.
    fn predefine(&mut self) {
        let mut text = String::new();
        // The standard's dynamic names are always there (as with `cpp -undef`).
        for name in ["__LINE__", "__FILE__", "__DATE__", "__TIME__"] {
            self.define_builtin(name);
        }
        if self.opts.predefined {
            text.push_str("#define __WIDL__ ");
            text.push_str(super::WIDL_VERSION);
            text.push_str("\n#define _WIN32 1\n#define __MOBSYNC_IDL__ 1\n");
        }
        for (name, value) in &self.opts.defines {
            let (head, body) = match value {
                Some(v) => (name.as_str(), v.as_str()),
                None => (name.as_str(), "1"),
            };
            // A parameter list stays attached to the name; the body follows a space.
            text.push_str("#define ");
            text.push_str(head);
            text.push(' ');
            text.push_str(&body.replace('\n', " "));
            text.push('\n');
        }
        for name in &self.opts.undefines {
            text.push_str("#undef ");
            text.push_str(name);
            text.push('\n');
        }
        if text.is_empty() {
            return;
        }
        let idx = self.add_file(None, Arc::from(text));
        self.process_file(idx, 0);
        // Directive lines leave line feeds; built-in text produces no output.
        self.out.text.clear();
        self.out.segs.clear();
    }

    /// Finds and loads an `#include`d file. Returns its index and the include directory it
    /// was found in.
    fn find_include(
        &mut self,
        name: &str,
        angled: bool,
        next: bool,
        current: u32,
        at: Loc,
    ) -> Option<(u32, Option<usize>)> {
        let mut candidates: Vec<(PathBuf, Option<usize>)> = Vec::new();
        let path = Path::new(name);
        if path.is_absolute() {
            candidates.push((path.to_path_buf(), None));
        } else {
            let start_dir = if next {
                self.found_in.map_or(0, |i| i + 1)
            } else {
                0
            };
            if !angled
                && !next
                && let Some(id) = self.files[current as usize].id
            {
                let dir = self
                    .map
                    .path(id)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                candidates.push((dir.join(path), None));
            }
            for (i, dir) in self.opts.include_dirs.iter().enumerate().skip(start_dir) {
                candidates.push((dir.join(path), Some(i)));
            }
        }
        for (cand, dir) in &candidates {
            if let Some(id) = self.map.find(cand) {
                let text = self.map.file(id).shared_text();
                return Some((self.add_file(Some(id), text), *dir));
            }
            match (self.loader)(cand) {
                Ok(text) => {
                    let id = self.map.add(cand.clone(), text);
                    let text = self.map.file(id).shared_text();
                    return Some((self.add_file(Some(id), text), *dir));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::IsADirectory
                    ) => {}
                Err(e) => {
                    self.error(at, format!("cannot read `{}`: {e}", cand.display()));
                    return None;
                }
            }
        }
        let searched: Vec<String> = candidates
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        let d = self
            .diag_at(at, 1, format!("cannot find include file `{name}`"), true)
            .with_note(if searched.is_empty() {
                "no include directories were given (use -I)".to_string()
            } else {
                format!("searched: {}", searched.join(", "))
            });
        self.push_error(d);
        None
    }

    // -----------------------------------------------------------------------------------
    // Reading files
    // -----------------------------------------------------------------------------------

    /// Processes one file: copies its text to the output, runs its directives and expands
    /// its macros.
    pub fn process_file(&mut self, idx: u32, depth: u32) {
        let mut cur = Cursor { file: idx, pos: 0 };
        let mut conds: Vec<Frame> = Vec::new();
        let len = self.files[idx as usize].str().len();
        let mut run_start = 0usize;
        let mut line_start = true;
        while cur.pos < len && !self.fatal {
            let active = conds.last().is_none_or(|f| f.active);
            if line_start {
                let (p, is_directive) = self.line_start(cur.file, cur.pos);
                if is_directive {
                    self.flush(cur.file, run_start, cur.pos);
                    cur.pos = p + 1;
                    self.directive(&mut cur, &mut conds, depth);
                    run_start = cur.pos;
                    continue;
                }
                if !active {
                    cur.pos = self.skip_line(cur.file, cur.pos);
                    run_start = cur.pos;
                    continue;
                }
                line_start = false;
            }
            let f = &self.files[cur.file as usize];
            let b = f.str().as_bytes();
            let c = b[cur.pos];
            match c {
                b'\n' => {
                    cur.pos += 1;
                    line_start = true;
                }
                b'/' => match comment_at(b, cur.pos) {
                    Comment::Ends(e, _) => cur.pos = e,
                    Comment::Unterminated => {
                        let loc = f.loc(cur.pos);
                        self.error_len(loc, 2, "unterminated comment");
                        cur.pos = len;
                    }
                    Comment::None => cur.pos += 1,
                },
                _ if is_hspace(c) => cur.pos += 1,
                _ if is_ident_start(c) => {
                    let (kind, end) = token_at(b, cur.pos);
                    if kind == Kind::Ident
                        && let Some(m) = self.names.get(slice(f.str(), cur.pos, end))
                    {
                        let name = Token {
                            kind,
                            flags: LINEAR,
                            src: cur.file,
                            start: cur.pos as u32,
                            end: end as u32,
                            origin: f.loc(cur.pos),
                        };
                        self.flush(cur.file, run_start, cur.pos);
                        let before = cur.pos;
                        cur.pos = end;
                        if self.expand_in_text(&mut cur, name, m) {
                            run_start = cur.pos;
                        } else {
                            cur.pos = end;
                            run_start = before;
                        }
                    } else {
                        cur.pos = end;
                    }
                }
                _ => {
                    let (_, end) = token_at(b, cur.pos);
                    cur.pos = end.max(cur.pos + 1);
                }
            }
        }
        self.flush(cur.file, run_start, cur.pos.min(len));
        for frame in conds.iter().rev() {
            self.error_len(frame.loc, 1, "unterminated conditional directive");
        }
    }

    /// Copies `start..end` of the file to the output.
    fn flush(&mut self, file: u32, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let f = &self.files[file as usize];
        let no = f.file_no();
        let out = &mut self.out;
        f.pieces(start, end, |s, e, o| {
            out.verbatim(slice(f.str(), s, e), Loc { file: no, off: o });
        });
    }

    /// At the start of a line: skips white space and comments that end on the line; returns
    /// the position reached and whether a `#` starts a directive there.
    pub(super) fn line_start(&self, file: u32, pos: usize) -> (usize, bool) {
        let b = self.files[file as usize].str().as_bytes();
        let mut p = pos;
        while p < b.len() {
            if is_hspace(b[p]) {
                p += 1;
            } else if let Comment::Ends(e, false) = comment_at(b, p) {
                if b[p + 1] == b'/' {
                    return (p, false);
                }
                p = e;
            } else {
                break;
            }
        }
        (p, b.get(p) == Some(&b'#'))
    }

    /// Skips a line of an inactive group; returns the start of the next line.
    fn skip_line(&mut self, file: u32, pos: usize) -> usize {
        let f = &self.files[file as usize];
        let b = f.str().as_bytes();
        let mut p = pos;
        while p < b.len() {
            match b[p] {
                b'\n' => return p + 1,
                b'/' => match comment_at(b, p) {
                    Comment::Ends(e, _) => p = e,
                    Comment::Unterminated => {
                        let (loc, end) = (f.loc(p), b.len());
                        self.error_len(loc, 2, "unterminated comment");
                        return end;
                    }
                    Comment::None => p += 1,
                },
                // Quotes in inactive text need not pair up (`#if 0` around prose).
                b'"' | b'\'' => p = lex::literal_end(b, p).0,
                _ => p += 1,
            }
        }
        b.len()
    }

    /// Scans the tokens of a directive line from `cur.pos` to its line feed (which is left
    /// unconsumed). Comments are white space; a block comment may continue the line.
    pub fn line_tokens(&mut self, cur: &mut Cursor) -> Vec<Token> {
        let f = &self.files[cur.file as usize];
        let b = f.str().as_bytes();
        let mut toks = Vec::new();
        let mut ws = false;
        let mut p = cur.pos;
        let mut unterminated = None;
        while p < b.len() && b[p] != b'\n' {
            if is_hspace(b[p]) {
                p += 1;
                ws = true;
                continue;
            }
            match comment_at(b, p) {
                Comment::Ends(e, _) => {
                    p = e;
                    ws = true;
                    continue;
                }
                Comment::Unterminated => {
                    unterminated = Some(f.loc(p));
                    p = b.len();
                    break;
                }
                Comment::None => {}
            }
            let (kind, e) = token_at(b, p);
            toks.push(Token {
                kind,
                flags: LINEAR | if ws { LEADING_WS } else { 0 },
                src: cur.file,
                start: p as u32,
                end: e as u32,
                origin: f.loc(p),
            });
            ws = false;
            p = e;
        }
        cur.pos = p;
        if let Some(loc) = unterminated {
            self.error_len(loc, 2, "unterminated comment");
        }
        toks
    }

    /// The text of a token.
    pub fn text(&self, t: &Token) -> &str {
        tok_text(&self.files, &self.scratch, t)
    }

    /// Ends a directive: moves past its line feed and leaves one in the output.
    fn end_directive(&mut self, cur: &mut Cursor) {
        let f = &self.files[cur.file as usize];
        let b = f.str().as_bytes();
        if cur.pos < b.len() && b[cur.pos] == b'\n' {
            let loc = f.loc(cur.pos);
            self.out.synthetic("\n", loc);
            cur.pos += 1;
        }
    }

    /// Handles a directive line; `cur.pos` is just after its `#`.
    fn directive(&mut self, cur: &mut Cursor, conds: &mut Vec<Frame>, depth: u32) {
        let hash = self.files[cur.file as usize].loc(cur.pos - 1);
        let toks = self.line_tokens(cur);
        let active = conds.last().is_none_or(|f| f.active);
        let Some(first) = toks.first().copied() else {
            // The null directive.
            self.end_directive(cur);
            return;
        };
        let name = if first.kind == Kind::Ident {
            self.text(&first).to_string()
        } else {
            String::new()
        };
        let rest = &toks[1..];
        match name.as_str() {
            "if" | "ifdef" | "ifndef" => {
                let value = if active {
                    match name.as_str() {
                        "if" => self.eval_condition(rest, &first),
                        _ => {
                            let defined = self.ifdef_name(rest, &first, &name);
                            (name == "ifdef") == defined
                        }
                    }
                } else {
                    false
                };
                conds.push(Frame {
                    loc: hash,
                    parent_active: active,
                    taken: value || !active,
                    in_else: false,
                    active: value && active,
                });
            }
            "elif" | "elifdef" | "elifndef" => match conds.last_mut() {
                None => self.error_tok(&first, format!("#{name} without #if")),
                Some(frame) if frame.in_else => {
                    self.error_tok(&first, format!("#{name} after #else"));
                    frame.active = false;
                }
                Some(frame) => {
                    if frame.taken {
                        frame.active = false;
                    } else {
                        let value = match name.as_str() {
                            "elif" => self.eval_condition(rest, &first),
                            _ => {
                                let defined = self.ifdef_name(rest, &first, &name);
                                (name == "elifdef") == defined
                            }
                        };
                        if let Some(frame) = conds.last_mut() {
                            frame.active = value;
                            frame.taken = value;
                        }
                    }
                }
            },
            "else" => {
                match conds.last_mut() {
                    None => self.error_tok(&first, "#else without #if"),
                    Some(frame) if frame.in_else => {
                        frame.active = false;
                        self.error_tok(&first, "#else after #else");
                    }
                    Some(frame) => {
                        frame.in_else = true;
                        frame.active = frame.parent_active && !frame.taken;
                        frame.taken = true;
                    }
                }
                self.extra_tokens(rest, "#else", active);
            }
            "endif" => {
                if conds.pop().is_none() {
                    self.error_tok(&first, "#endif without #if");
                }
                self.extra_tokens(rest, "#endif", active);
            }
            _ if !active => {}
            "define" => self.define(rest, &first),
            "undef" => {
                if let Some(n) = rest.first().filter(|t| t.kind == Kind::Ident) {
                    let n = self.text(n).to_string();
                    self.names.remove(&n);
                    self.extra_tokens(&rest[1..], "#undef", true);
                } else {
                    self.error_tok(rest.first().unwrap_or(&first), "macro name missing");
                }
            }
            "include" | "include_next" | "import" => {
                self.include(rest, &first, &name, cur.file, depth);
            }
            "pragma" => {
                let once = rest
                    .first()
                    .is_some_and(|t| t.kind == Kind::Ident && self.text(t) == "once");
                if once && rest.len() == 1 {
                    if let Some(id) = self.files[cur.file as usize].id {
                        self.once.insert(id);
                    }
                } else {
                    self.pragma(rest, hash);
                }
            }
            "error" | "warning" => {
                let msg = self.rest_text(rest);
                let msg = format!("#{name} {msg}");
                if name == "error" {
                    self.error_len(hash, first.end - first.start + 1, msg.trim_end());
                } else {
                    self.warning(hash, first.end - first.start + 1, msg.trim_end());
                }
            }
            "line" => self.line_directive(rest, &first, cur),
            "ident" | "sccs" | "assert" | "unassert" => {}
            _ if first.kind == Kind::Number => self.line_directive(&toks, &first, cur),
            _ => {
                let shown = self.text(&first).to_string();
                self.error_tok(&first, format!("invalid preprocessing directive #{shown}"));
            }
        }
        self.end_directive(cur);
    }

    /// Warns about tokens after a directive that takes none.
    fn extra_tokens(&mut self, rest: &[Token], directive: &str, active: bool) {
        if let Some(t) = rest.first()
            && active
        {
            self.warning(
                t.origin,
                1,
                format!("extra tokens at end of {directive} directive"),
            );
        }
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

    /// The name of `#ifdef NAME`, and whether it is defined.
    fn ifdef_name(&mut self, rest: &[Token], first: &Token, directive: &str) -> bool {
        match rest.first() {
            Some(t) if t.kind == Kind::Ident => {
                let defined = self.names.contains(self.text(t));
                self.extra_tokens(&rest[1..], &format!("#{directive}"), true);
                defined
            }
            Some(t) => {
                let t = *t;
                self.error_tok(&t, "macro names must be identifiers");
                false
            }
            None => {
                self.error_tok(
                    first,
                    format!("no macro name given in #{directive} directive"),
                );
                false
            }
        }
    }

    /// Keeps a `#pragma` line in the output for the parser.
    fn pragma(&mut self, rest: &[Token], hash: Loc) {
        if !self.out.text.is_empty() && !self.out.text.ends_with('\n') {
            self.out.synthetic("\n", hash);
        }
        self.out.synthetic("#pragma", hash);
        for (i, t) in rest.iter().enumerate() {
            let text = tok_text(&self.files, &self.scratch, t);
            self.out
                .token(text, t.origin, t.has(LINEAR), i == 0 || t.has(LEADING_WS));
        }
    }

    /// `#line N "file"` and line markers `# N "file" flags...`.
    fn line_directive(&mut self, toks: &[Token], first: &Token, cur: &Cursor) {
        let toks = if first.kind == Kind::Number {
            toks.to_vec()
        } else {
            self.expand_list(toks.to_vec(), 0)
        };
        let Some(num) = toks.first().filter(|t| t.kind == Kind::Number) else {
            let at = toks.first().unwrap_or(first);
            let at = *at;
            self.error_tok(&at, "#line directive requires a simple digit sequence");
            return;
        };
        let digits = self.text(num).to_string();
        let Ok(line) = digits.parse::<i64>() else {
            let num = *num;
            self.error_tok(&num, format!("`{digits}` is not a valid line number"));
            return;
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            let num = *num;
            self.error_tok(&num, format!("`{digits}` is not a valid line number"));
            return;
        }
        if let Some(name) = toks.get(1) {
            if name.kind == Kind::Str && self.text(name).starts_with('"') {
                let t = self.text(name);
                self.presumed_file = Some(t[1..t.len().saturating_sub(1).max(1)].to_string());
            } else {
                let name = *name;
                self.error_tok(&name, "invalid filename in #line directive");
                return;
            }
        }
        // The line after the directive has number `line`.
        let f = &self.files[cur.file as usize];
        let physical = match f.id {
            Some(id) => self.map.file(id).line_col(f.orig(cur.pos) as usize).0 as i64 + 1,
            None => 1,
        };
        self.line_delta = line - physical;
    }

    /// `#include`: finds the file and processes it in place.
    fn include(
        &mut self,
        rest: &[Token],
        first: &Token,
        directive: &str,
        current: u32,
        depth: u32,
    ) {
        let Some((name, angled, at)) = self.header_name(rest, first, directive) else {
            return;
        };
        if depth + 1 > self.opts.limits.max_include_depth {
            self.fatal_error(
                at,
                format!(
                    "#include nested too deeply (more than {} levels)",
                    self.opts.limits.max_include_depth
                ),
            );
            return;
        }
        let next = directive == "include_next";
        let Some((idx, found_in)) = self.find_include(&name, angled, next, current, at) else {
            return;
        };
        let Some(id) = self.files[idx as usize].id else {
            return;
        };
        if self.once.contains(&id) {
            return;
        }
        if directive == "import" {
            self.once.insert(id);
        }
        self.included_count += 1;
        if self.included_count > self.opts.limits.max_includes {
            self.fatal_error(
                at,
                format!("more than {} files included", self.opts.limits.max_includes),
            );
            return;
        }
        if !self.includes.contains(&id) {
            self.includes.push(id);
        }
        let saved = (self.line_delta, self.presumed_file.take(), self.found_in);
        self.line_delta = 0;
        self.found_in = found_in;
        self.process_file(idx, depth + 1);
        (self.line_delta, self.presumed_file, self.found_in) = saved;
    }

    /// The file name of an `#include`: `"name"`, `<name>`, or macros expanding to either.
    fn header_name(
        &mut self,
        rest: &[Token],
        first: &Token,
        directive: &str,
    ) -> Option<(String, bool, Loc)> {
        let Some(t0) = rest.first().copied() else {
            self.error_tok(
                first,
                format!("#{directive} expects \"FILENAME\" or <FILENAME>"),
            );
            return None;
        };
        let direct = self.header_from(rest);
        let (name, angled, used) = match direct {
            Some(found) => found,
            None => {
                let expanded = self.expand_list(rest.to_vec(), 0);
                match self.header_from(&expanded) {
                    Some((n, a, _)) => (n, a, rest.len()),
                    None => {
                        self.error_tok(
                            &t0,
                            format!("#{directive} expects \"FILENAME\" or <FILENAME>"),
                        );
                        return None;
                    }
                }
            }
        };
        if used < rest.len() {
            self.warning(
                rest[used].origin,
                1,
                format!("extra tokens at end of #{directive} directive"),
            );
        }
        if name.is_empty() {
            self.error_tok(&t0, format!("empty filename in #{directive}"));
            return None;
        }
        Some((name, angled, t0.origin))
    }

    /// Reads `"name"` or `< ... >` at the start of `toks`; returns the name, whether it was
    /// angled and how many tokens it used.
    fn header_from(&self, toks: &[Token]) -> Option<(String, bool, usize)> {
        let t0 = toks.first()?;
        let text = self.text(t0);
        if t0.kind == Kind::Str && text.starts_with('"') && text.len() >= 2 && text.ends_with('"') {
            return Some((text[1..text.len() - 1].to_string(), false, 1));
        }
        if t0.kind == Kind::Punct && text == "<" {
            let close = toks
                .iter()
                .position(|t| t.kind == Kind::Punct && self.text(t) == ">")?;
            let inner = &toks[1..close];
            // Directly scanned tokens: take the raw text between the brackets.
            let raw = match (inner.first(), inner.last()) {
                (Some(a), Some(b))
                    if a.src == b.src && a.src != SCRATCH && a.has(LINEAR) && b.has(LINEAR) =>
                {
                    let f = self.files.get(a.src as usize)?;
                    slice(f.str(), a.start as usize, b.end as usize).to_string()
                }
                _ => self.rest_text(inner),
            };
            return Some((raw, true, close + 1));
        }
        None
    }

    /// Evaluates the expression of `#if` / `#elif`.
    fn eval_condition(&mut self, rest: &[Token], first: &Token) -> bool {
        // `defined X` and `defined(X)` are resolved before macro expansion.
        let mut toks = Vec::with_capacity(rest.len());
        let mut i = 0;
        while i < rest.len() {
            let t = rest[i];
            if t.kind == Kind::Ident && self.text(&t) == "defined" {
                let (name_at, close) = if rest.get(i + 1).is_some_and(|n| self.text(n) == "(") {
                    (i + 2, true)
                } else {
                    (i + 1, false)
                };
                let name = rest.get(name_at).filter(|n| n.kind == Kind::Ident);
                let closed = !close || rest.get(name_at + 1).is_some_and(|n| self.text(n) == ")");
                if let (Some(n), true) = (name, closed) {
                    let value = self.names.contains(self.text(n));
                    toks.push(self.scratch_token(
                        if value { "1" } else { "0" },
                        Kind::Number,
                        t.origin,
                        t.flags & LEADING_WS,
                    ));
                    i = name_at + 1 + close as usize;
                    continue;
                }
            }
            toks.push(t);
            i += 1;
        }
        let toks = self.expand_list(toks, 0);
        let texts: Vec<super::expr::ExprToken<'_>> = toks
            .iter()
            .filter(|t| t.kind != Kind::Placemarker)
            .map(|t| super::expr::ExprToken {
                kind: t.kind,
                text: self.text(t),
            })
            .collect();
        let names = &self.names;
        let result = super::expr::evaluate(&texts, &|n| names.contains(n));
        drop(texts);
        match result {
            Ok(v) => v.is_true(),
            Err((at, msg)) => {
                let toks: Vec<Token> = toks
                    .into_iter()
                    .filter(|t| t.kind != Kind::Placemarker)
                    .collect();
                let at = toks.get(at).or(toks.last()).copied().unwrap_or(*first);
                self.error_tok(&at, msg);
                false
            }
        }
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

/// `__DATE__` and `__TIME__` strings (`"Nov 23 2026"`, `"23:56:54"`, UTC), from
/// `SOURCE_DATE_EPOCH` when set, else the clock.
fn date_time() -> (String, String) {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    format_date_time(secs)
}

/// `__DATE__` and `__TIME__` strings of `secs` seconds after 1970-01-01 00:00 UTC.
fn format_date_time(secs: i64) -> (String, String) {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS[((m - 1).clamp(0, 11)) as usize];
    (
        format!("\"{month} {d:2} {y}\""),
        format!("\"{:02}:{:02}:{:02}\"", tod / 3600, tod / 60 % 60, tod % 60),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(
            super::format_date_time(1_700_000_000),
            ("\"Nov 14 2023\"".to_string(), "\"22:13:20\"".to_string())
        );
        assert_eq!(
            super::format_date_time(0),
            ("\"Jan  1 1970\"".to_string(), "\"00:00:00\"".to_string())
        );
        assert_eq!(super::format_date_time(951_782_400).0, "\"Feb 29 2000\"");
    }
}
