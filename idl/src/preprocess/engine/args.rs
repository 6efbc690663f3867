//! The arguments of a function-like macro invocation: whether `(` follows the name in the
//! file text, and reading the arguments up to the matching `)`, from the expansion contexts
//! or, at the outermost level, from the file (across line breaks, not into a directive line).

use super::Engine;
use super::expand::Feed;
use crate::preprocess::lex::{
    Comment, Cursor, Kind, LEADING_WS, LINEAR, Token, comment_at, is_hspace, tok_text, token_at,
};

impl Engine<'_> {
    /// Whether `(` follows in the file (across white space, comments and line breaks, but not
    /// into a directive line); consumes up to and including it if so.
    pub(super) fn source_paren(&mut self, cur: &mut Cursor) -> bool {
        let b = self.files[cur.file as usize].str().as_bytes();
        let mut p = cur.pos;
        while p < b.len() {
            match b[p] {
                b'(' => {
                    cur.pos = p + 1;
                    return true;
                }
                b'\n' => {
                    let (q, directive) = self.line_start(cur.file, p + 1);
                    if directive {
                        return false;
                    }
                    p = q;
                }
                b'/' => match comment_at(b, p) {
                    Comment::Ends(e, _) => p = e,
                    _ => return false,
                },
                c if is_hspace(c) => p += 1,
                _ => return false,
            }
        }
        false
    }

    /// The next token of a macro argument list: from the contexts, else from the file.
    fn next_arg_token(&mut self, feed: &mut Feed, cursor: Option<&mut Cursor>) -> Option<Token> {
        if let Some(t) = self.feed_next(feed) {
            return Some(t);
        }
        let cur = cursor?;
        self.source_token(cur)
    }

    /// Scans the next token of the file for a macro argument list. `None` at the end of the
    /// file or at a directive line.
    fn source_token(&mut self, cur: &mut Cursor) -> Option<Token> {
        let mut ws = false;
        loop {
            let f = &self.files[cur.file as usize];
            let b = f.str().as_bytes();
            let p = cur.pos;
            if p >= b.len() {
                return None;
            }
            match b[p] {
                b'\n' => {
                    ws = true;
                    let (q, directive) = self.line_start(cur.file, p + 1);
                    cur.pos = q;
                    if directive {
                        let loc = self.files[cur.file as usize].loc(q);
                        self.error(
                            loc,
                            "preprocessing directive inside macro arguments is not supported",
                        );
                        return None;
                    }
                }
                c if is_hspace(c) => {
                    ws = true;
                    cur.pos += 1;
                }
                b'/' if !matches!(comment_at(b, p), Comment::None) => {
                    if let Comment::Ends(e, _) = comment_at(b, p) {
                        ws = true;
                        cur.pos = e;
                    } else {
                        let (loc, end) = (f.loc(p), b.len());
                        cur.pos = end;
                        self.error_len(loc, 2, "unterminated comment");
                        return None;
                    }
                }
                _ => {
                    let (kind, e) = token_at(b, p);
                    let t = Token {
                        kind,
                        flags: LINEAR | if ws { LEADING_WS } else { 0 },
                        src: cur.file,
                        start: p as u32,
                        end: e as u32,
                        origin: f.loc(p),
                    };
                    cur.pos = e;
                    return Some(t);
                }
            }
        }
    }

    /// Reads the arguments of an invocation of `m` after its `(`.
    pub(super) fn collect_args(
        &mut self,
        feed: &mut Feed,
        mut cursor: Option<&mut Cursor>,
        m: u32,
        name: &Token,
    ) -> Option<Vec<Vec<Token>>> {
        let nparams = self.macros[m as usize].params.len();
        let variadic = self.macros[m as usize].variadic;
        let mut args: Vec<Vec<Token>> = vec![Vec::new()];
        let mut depth = 0usize;
        let mut count = 0u64;
        loop {
            let Some(t) = self.next_arg_token(feed, cursor.as_deref_mut()) else {
                let n = self.macros[m as usize].name.to_string();
                self.error_tok(
                    name,
                    format!("unterminated argument list invoking macro `{n}`"),
                );
                return None;
            };
            if t.kind == Kind::Punct {
                match tok_text(&self.files, &self.scratch, &t) {
                    "(" => depth += 1,
                    ")" if depth == 0 => break,
                    ")" => depth -= 1,
                    "," if depth == 0 && !(variadic && args.len() >= nparams) => {
                        args.push(Vec::new());
                        continue;
                    }
                    _ => {}
                }
            }
            if let Some(last) = args.last_mut() {
                last.push(t);
            }
            count += 1;
            if count + self.work > self.opts.limits.max_expansion_tokens {
                let limit = self.opts.limits.max_expansion_tokens;
                self.fatal_error(
                    name.origin,
                    format!("macro arguments exceed {limit} tokens"),
                );
                return None;
            }
        }
        if nparams == 0 && args.len() == 1 && args[0].is_empty() {
            args.clear();
        }
        if args.len() != nparams {
            if variadic && args.len() + 1 == nparams {
                args.push(Vec::new());
            } else {
                let n = self.macros[m as usize].name.to_string();
                let given = args.len();
                self.error_tok(
                    name,
                    format!(
                        "macro `{n}` requires {nparams} argument{}, but {given} given",
                        if nparams == 1 { "" } else { "s" }
                    ),
                );
                return None;
            }
        }
        Some(args)
    }
}
