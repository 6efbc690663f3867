//! Argument substitution: building the replacement of an invocation from the macro's
//! replacement list and its arguments (fully expanded arguments, `#` stringizing, `##`
//! pasting with GNU's `, ## __VA_ARGS__`), before the result is rescanned.

use super::Engine;
use super::define::MacroKind;
use crate::preprocess::lex::{
    Kind, LEADING_WS, LINEAR, Loc, SCRATCH, Token, single_token, tok_text,
};

impl Engine<'_> {
    /// Whether body token `i` of macro `m` is `##`.
    fn is_paste_at(&self, m: u32, i: usize) -> bool {
        self.macros[m as usize]
            .body
            .get(i)
            .is_some_and(|t| self.is_punct(t, "##"))
    }

    /// The replacement of an invocation of `m` with `args`, before rescanning.
    pub(super) fn substitute(
        &mut self,
        m: u32,
        args: &[Vec<Token>],
        call: &Token,
        depth: u32,
    ) -> Vec<Token> {
        let is_function = self.macros[m as usize].kind == MacroKind::Function;
        let va_index = if self.macros[m as usize].variadic {
            Some(self.macros[m as usize].params.len() - 1)
        } else {
            None
        };
        let body_len = self.macros[m as usize].body.len();
        let mut expanded: Vec<Option<Vec<Token>>> = vec![None; args.len()];
        let mut out: Vec<Token> = Vec::with_capacity(body_len);
        let mut paste_next = false;
        let mut piece: Vec<Token> = Vec::new();
        let mut i = 0;
        while i < body_len && !self.fatal {
            let t = self.macros[m as usize].body[i];
            if self.is_punct(&t, "##") {
                paste_next = true;
                i += 1;
                continue;
            }
            let lead = t.flags & LEADING_WS;
            let mut from_va = false;
            piece.clear();
            if is_function
                && self.is_punct(&t, "#")
                && let Some(p) = self.macros[m as usize]
                    .body
                    .get(i + 1)
                    .filter(|n| n.kind == Kind::Param)
            {
                let p = p.start as usize;
                i += 2;
                let s = self.stringize(args.get(p).map_or(&[][..], |a| a), call.origin);
                piece.push(s);
            } else if t.kind == Kind::Param {
                let p = t.start as usize;
                i += 1;
                let arg = args.get(p).map_or(&[][..], |a| a);
                from_va = Some(p) == va_index;
                if paste_next || self.is_paste_at(m, i) {
                    if paste_next
                        && from_va
                        && arg.is_empty()
                        && out.last().is_some_and(|l| self.is_punct(l, ","))
                    {
                        // GNU: `, ## __VA_ARGS__` drops the comma when there are no
                        // variable arguments.
                        out.pop();
                        paste_next = false;
                        continue;
                    }
                    if arg.is_empty() {
                        piece.push(Token {
                            kind: Kind::Placemarker,
                            flags: 0,
                            src: SCRATCH,
                            start: 0,
                            end: 0,
                            origin: call.origin,
                        });
                    } else {
                        piece.extend_from_slice(arg);
                    }
                } else {
                    if expanded.get(p).is_some_and(Option::is_none) {
                        let e = self.expand_arg(arg.to_vec(), depth + 1, call);
                        expanded[p] = Some(e);
                    }
                    if let Some(Some(e)) = expanded.get(p) {
                        piece.extend_from_slice(e);
                    }
                }
            } else {
                i += 1;
                let mut t = t;
                t.origin = call.origin;
                t.flags = (t.flags & !(LINEAR | LEADING_WS)) | lead;
                if !paste_next {
                    // The common case: a plain token of the replacement list.
                    out.push(t);
                    continue;
                }
                piece.push(t);
            }
            if let Some(f) = piece.first_mut() {
                f.flags = (f.flags & !LEADING_WS) | lead;
            }
            if paste_next {
                paste_next = false;
                if let (Some(lhs), Some(&rhs)) = (out.pop(), piece.first()) {
                    if from_va && self.is_punct(&lhs, ",") {
                        // GNU: `, ## __VA_ARGS__` with variable arguments keeps both.
                        out.push(lhs);
                        out.extend_from_slice(&piece);
                    } else {
                        let pasted = self.paste(lhs, rhs, call);
                        out.extend(pasted);
                        out.extend_from_slice(&piece[1..]);
                    }
                    continue;
                }
            }
            out.extend_from_slice(&piece);
        }
        out.retain(|t| t.kind != Kind::Placemarker);
        if let Some(f) = out.first_mut() {
            f.flags = (f.flags & !LEADING_WS) | (call.flags & LEADING_WS);
        }
        self.work += out.len() as u64 + 1;
        if self.work > self.opts.limits.max_expansion_tokens {
            let limit = self.opts.limits.max_expansion_tokens;
            self.fatal_error(
                call.origin,
                format!("macro expansion exceeds {limit} tokens"),
            );
            return Vec::new();
        }
        out
    }

    /// Expands a macro argument before substitution, within the nesting limit.
    fn expand_arg(&mut self, toks: Vec<Token>, depth: u32, call: &Token) -> Vec<Token> {
        if depth > self.opts.limits.max_expansion_depth {
            let limit = self.opts.limits.max_expansion_depth;
            self.fatal_error(
                call.origin,
                format!("macro arguments nested more than {limit} levels deep"),
            );
            return toks;
        }
        self.expand_list(toks, depth)
    }

    /// `#param`: the argument's spelling as a string literal.
    fn stringize(&mut self, arg: &[Token], origin: Loc) -> Token {
        let mut s = String::from("\"");
        for (k, t) in arg.iter().enumerate() {
            if k > 0 && t.has(LEADING_WS) {
                s.push(' ');
            }
            let text = tok_text(&self.files, &self.scratch, t);
            if matches!(t.kind, Kind::Str | Kind::Char) {
                for c in text.chars() {
                    if c == '"' || c == '\\' {
                        s.push('\\');
                    }
                    s.push(c);
                }
            } else {
                s.push_str(text);
            }
        }
        s.push('"');
        self.scratch_token(&s, Kind::Str, origin, 0)
    }

    /// `lhs ## rhs`.
    fn paste(&mut self, lhs: Token, rhs: Token, call: &Token) -> Vec<Token> {
        if lhs.kind == Kind::Placemarker {
            return vec![rhs];
        }
        if rhs.kind == Kind::Placemarker {
            return vec![lhs];
        }
        let a = tok_text(&self.files, &self.scratch, &lhs).to_string();
        let b = tok_text(&self.files, &self.scratch, &rhs);
        let joined = format!("{a}{b}");
        match single_token(&joined) {
            Some(kind) => {
                vec![self.scratch_token(&joined, kind, call.origin, lhs.flags & LEADING_WS)]
            }
            None => {
                let msg =
                    format!("pasting `{a}` and `{b}` does not give a valid preprocessing token");
                self.error_tok(call, msg);
                vec![lhs, rhs]
            }
        }
    }
}
