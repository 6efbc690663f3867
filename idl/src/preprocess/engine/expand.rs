//! Macro expansion: the stack of contexts, rescanning, and expanding in text and in token
//! lists.
//!
//! Expansion follows the C standard's model as GCC implements it: the replacement list of an
//! invoked macro is pushed as a *context* on a stack, and tokens are read from the top context
//! (falling back to the file text only at the outermost level, so that a function-like macro
//! name produced by an expansion can take its arguments from the text after it). While a
//! macro's context is on the stack the macro is disabled; a name read while its macro is
//! disabled is marked never to expand again. Arguments are fully expanded before substitution,
//! except where they are operands of `#` or `##`.

use super::Engine;
use super::define::MacroKind;
use crate::preprocess::Expansion;
use crate::preprocess::lex::{
    Cursor, Kind, LEADING_WS, LINEAR, Loc, NO_EXPAND, NO_FILE, Token, tok_text,
};

/// A replacement list being read.
#[derive(Debug)]
struct Context {
    toks: Vec<Token>,
    pos: usize,
    /// The macro whose expansion this is (disabled while the context is on the stack).
    mac: Option<u32>,
    /// When set, the tokens are read straight from the body of `mac` (an object-like macro
    /// without `##`), with this origin and leading white space for the first token, instead
    /// of from `toks`: no copy of the replacement list.
    body: Option<(Loc, u8)>,
}

/// A stack of contexts.
#[derive(Debug, Default)]
pub(super) struct Feed {
    stack: Vec<Context>,
}

/// Most contexts on one stack (a safety net; disabling bounds it already).
const MAX_CONTEXTS: usize = 100_000;

impl Engine<'_> {
    /// Expands the macro `m` named by `name` in ordinary text and writes the result to the
    /// output. Returns `false` (consuming nothing) when `name` is a function-like macro not
    /// followed by `(`.
    pub fn expand_in_text(&mut self, cur: &mut Cursor, name: Token, m: u32) -> bool {
        let out_start = self.out.text.len();
        let mut feed = Feed::default();
        if !self.enter_macro(&name, m, &mut feed, Some(cur), 0) {
            return false;
        }
        let mut first = true;
        while let Some(mut t) = self.feed_next(&mut feed) {
            if self.fatal {
                break;
            }
            if t.kind == Kind::Ident && !t.has(NO_EXPAND) {
                let found = self.names.get(self.text(&t));
                if let Some(m2) = found {
                    if self.macros[m2 as usize].disabled {
                        t.flags |= NO_EXPAND;
                    } else if self.enter_macro(&t, m2, &mut feed, Some(cur), 0) {
                        continue;
                    }
                }
            }
            if t.kind == Kind::Placemarker {
                continue;
            }
            let text = tok_text(&self.files, &self.scratch, &t);
            self.out
                .token(text, t.origin, t.has(LINEAR), !first && t.has(LEADING_WS));
            first = false;
        }
        self.abandon(&mut feed);
        self.out.check_join = true;
        let mac = &self.macros[m as usize];
        let (def, name_len, mac_name) = (mac.def, mac.name.len(), mac.name.to_string());
        let invocation = self.map_span(name.origin, name_len);
        let definition = (def.file != NO_FILE).then(|| self.map_span(def, name_len));
        if self.out.text.len() > out_start {
            self.expansions.push(Expansion {
                name: mac_name,
                invocation,
                definition,
                output: out_start..self.out.text.len(),
            });
        }
        true
    }

    /// Fully macro-expands `toks` on their own (macro arguments, `#if` lines, `#include`
    /// lines).
    pub fn expand_list(&mut self, toks: Vec<Token>, depth: u32) -> Vec<Token> {
        let mut feed = Feed {
            stack: vec![Context {
                toks,
                pos: 0,
                mac: None,
                body: None,
            }],
        };
        let mut out = Vec::new();
        while let Some(mut t) = self.feed_next(&mut feed) {
            if self.fatal {
                break;
            }
            if t.kind == Kind::Ident && !t.has(NO_EXPAND) {
                let found = self.names.get(self.text(&t));
                if let Some(m) = found {
                    if self.macros[m as usize].disabled {
                        t.flags |= NO_EXPAND;
                    } else if self.enter_macro(&t, m, &mut feed, None, depth) {
                        continue;
                    }
                }
            }
            out.push(t);
        }
        self.abandon(&mut feed);
        out
    }

    /// Pops every context left on `feed`, enabling their macros again.
    fn abandon(&mut self, feed: &mut Feed) {
        while !feed.stack.is_empty() {
            self.pop_context(feed);
        }
    }

    /// The token at the position of `ctx`, if any.
    fn ctx_token(&self, ctx: &Context) -> Option<Token> {
        match (ctx.body, ctx.mac) {
            (Some((origin, lead)), Some(m)) => {
                let mut t = *self.macros.get(m as usize)?.body.get(ctx.pos)?;
                t.origin = origin;
                t.flags &= !LINEAR;
                if ctx.pos == 0 {
                    t.flags = (t.flags & !LEADING_WS) | lead;
                }
                Some(t)
            }
            _ => ctx.toks.get(ctx.pos).copied(),
        }
    }

    /// Pops the top context, enabling its macro again.
    fn pop_context(&mut self, feed: &mut Feed) {
        if let Some(done) = feed.stack.pop()
            && let Some(m) = done.mac
        {
            self.macros[m as usize].disabled = false;
        }
    }

    /// The next token of the contexts (not of the file).
    pub(super) fn feed_next(&mut self, feed: &mut Feed) -> Option<Token> {
        loop {
            let ctx = feed.stack.last_mut()?;
            if let Some(t) = self.ctx_token(ctx) {
                ctx.pos += 1;
                return Some(t);
            }
            self.pop_context(feed);
        }
    }

    fn push_context(&mut self, feed: &mut Feed, toks: Vec<Token>, mac: Option<u32>, at: Loc) {
        if feed.stack.len() >= MAX_CONTEXTS {
            self.fatal_error(at, "macro expansion nested too deeply");
            return;
        }
        if let Some(m) = mac {
            self.macros[m as usize].disabled = true;
        }
        feed.stack.push(Context {
            toks,
            pos: 0,
            mac,
            body: None,
        });
    }

    /// Starts expanding macro `m` named by `name`: pushes its replacement on `feed`. Returns
    /// `false` when it is function-like and no `(` follows.
    fn enter_macro(
        &mut self,
        name: &Token,
        m: u32,
        feed: &mut Feed,
        mut cursor: Option<&mut Cursor>,
        depth: u32,
    ) -> bool {
        let kind = self.macros[m as usize].kind;
        let lead = name.flags & LEADING_WS;
        let toks = match kind {
            MacroKind::Line | MacroKind::File | MacroKind::Date | MacroKind::Time => {
                vec![self.builtin_token(kind, name)]
            }
            MacroKind::Object if !self.macros[m as usize].has_paste => {
                // Read the replacement list in place.
                let len = self.macros[m as usize].body.len() as u64;
                self.work += len + 1;
                if self.work > self.opts.limits.max_expansion_tokens {
                    let limit = self.opts.limits.max_expansion_tokens;
                    self.fatal_error(
                        name.origin,
                        format!("macro expansion exceeds {limit} tokens"),
                    );
                    return true;
                }
                if feed.stack.len() >= MAX_CONTEXTS {
                    self.fatal_error(name.origin, "macro expansion nested too deeply");
                    return true;
                }
                self.macros[m as usize].disabled = true;
                feed.stack.push(Context {
                    toks: Vec::new(),
                    pos: 0,
                    mac: Some(m),
                    body: Some((name.origin, lead)),
                });
                return true;
            }
            MacroKind::Object => self.substitute(m, &[], name, depth),
            MacroKind::Function => {
                if !self.peek_paren(feed, cursor.as_deref_mut()) {
                    return false;
                }
                let Some(args) = self.collect_args(feed, cursor, m, name) else {
                    return true;
                };
                self.substitute(m, &args, name, depth)
            }
        };
        let mac = matches!(kind, MacroKind::Object | MacroKind::Function).then_some(m);
        self.push_context(feed, toks, mac, name.origin);
        true
    }

    /// Whether the next token of the contexts, or else of the file, is `(`; consumes it if so.
    fn peek_paren(&mut self, feed: &mut Feed, cursor: Option<&mut Cursor>) -> bool {
        while let Some(ctx) = feed.stack.last_mut() {
            if let Some(t) = self.ctx_token(ctx) {
                let is_paren =
                    t.kind == Kind::Punct && tok_text(&self.files, &self.scratch, &t) == "(";
                if is_paren {
                    ctx.pos += 1;
                }
                return is_paren;
            }
            self.pop_context(feed);
        }
        match cursor {
            Some(cur) => self.source_paren(cur),
            None => false,
        }
    }
}
