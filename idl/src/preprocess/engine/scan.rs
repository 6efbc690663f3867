//! Reading a file: copying its ordinary text to the output, finding its directive lines and
//! the macro names to expand, skipping the lines of inactive groups, and scanning directive
//! lines into tokens.

use super::Engine;
use super::conditionals::Frame;
use crate::preprocess::lex::{
    self, Comment, Cursor, Kind, LEADING_WS, LINEAR, Loc, Token, comment_at, is_hspace,
    is_ident_start, slice, token_at,
};

impl Engine<'_> {
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
}
