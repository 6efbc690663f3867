//! Directive lines: reading one and dispatching on its name, and the directives that need
//! no module of their own (`#undef`, `#pragma`, `#error`, `#warning`, `#line` and line
//! markers, `#ident`).

use super::Engine;
use super::conditionals::Frame;
use crate::preprocess::lex::{Cursor, Kind, LEADING_WS, LINEAR, Loc, Token, tok_text};

impl Engine<'_> {
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
    pub(super) fn directive(&mut self, cur: &mut Cursor, conds: &mut Vec<Frame>, depth: u32) {
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
            "if" | "ifdef" | "ifndef" | "elif" | "elifdef" | "elifndef" | "else" | "endif" => {
                self.conditional(&name, &first, rest, hash, conds);
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
    pub(super) fn extra_tokens(&mut self, rest: &[Token], directive: &str, active: bool) {
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
}
