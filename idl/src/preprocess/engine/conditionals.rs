//! Conditional groups: `#if`, `#ifdef`, `#ifndef`, `#elif`, `#elifdef`, `#elifndef`,
//! `#else` and `#endif`, and the evaluation of their conditions.

use super::Engine;
use crate::preprocess::expr;
use crate::preprocess::lex::{Kind, LEADING_WS, Loc, Token};

/// One open `#if` group.
#[derive(Debug)]
pub(super) struct Frame {
    /// The `#if` (for "unterminated" errors).
    pub loc: Loc,
    /// Whether the enclosing group is active.
    parent_active: bool,
    /// Whether a branch of this group was taken already.
    taken: bool,
    /// Whether `#else` was seen.
    in_else: bool,
    /// Whether the current branch is active.
    pub active: bool,
}

impl Engine<'_> {
    /// A directive of a conditional group (`name` is one of `if`, `ifdef`, `ifndef`, `elif`,
    /// `elifdef`, `elifndef`, `else`, `endif`): opens, switches or closes the innermost group
    /// of `conds`. `hash` is the directive's `#`.
    pub(super) fn conditional(
        &mut self,
        name: &str,
        first: &Token,
        rest: &[Token],
        hash: Loc,
        conds: &mut Vec<Frame>,
    ) {
        let active = conds.last().is_none_or(|f| f.active);
        match name {
            "if" | "ifdef" | "ifndef" => {
                let value = if active {
                    match name {
                        "if" => self.eval_condition(rest, first),
                        _ => {
                            let defined = self.ifdef_name(rest, first, name);
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
                None => self.error_tok(first, format!("#{name} without #if")),
                Some(frame) if frame.in_else => {
                    self.error_tok(first, format!("#{name} after #else"));
                    frame.active = false;
                }
                Some(frame) => {
                    if frame.taken {
                        frame.active = false;
                    } else {
                        let value = match name {
                            "elif" => self.eval_condition(rest, first),
                            _ => {
                                let defined = self.ifdef_name(rest, first, name);
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
                    None => self.error_tok(first, "#else without #if"),
                    Some(frame) if frame.in_else => {
                        frame.active = false;
                        self.error_tok(first, "#else after #else");
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
                    self.error_tok(first, "#endif without #if");
                }
                self.extra_tokens(rest, "#endif", active);
            }
            _ => {}
        }
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
        let texts: Vec<expr::ExprToken<'_>> = toks
            .iter()
            .filter(|t| t.kind != Kind::Placemarker)
            .map(|t| expr::ExprToken {
                kind: t.kind,
                text: self.text(t),
            })
            .collect();
        let names = &self.names;
        let result = expr::evaluate(&texts, &|n| names.contains(n));
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
}
