//! Macro definitions and macro expansion.
//!
//! Expansion follows the C standard's model as GCC implements it: the replacement list of an
//! invoked macro is pushed as a *context* on a stack, and tokens are read from the top context
//! (falling back to the file text only at the outermost level, so that a function-like macro
//! name produced by an expansion can take its arguments from the text after it). While a
//! macro's context is on the stack the macro is disabled; a name read while its macro is
//! disabled is marked never to expand again. Arguments are fully expanded before substitution,
//! except where they are operands of `#` or `##`.

use super::Expansion;
use super::engine::{Cursor, Engine, tok_text};
use super::lex::{
    Comment, Kind, LEADING_WS, LINEAR, Loc, NO_EXPAND, NO_FILE, SCRATCH, Token, comment_at,
    is_hspace, single_token, token_at,
};
use crate::diag::Diagnostic;
use crate::source::FileId;

/// What a macro is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MacroKind {
    /// `#define NAME body`
    Object,
    /// `#define NAME(params) body`
    Function,
    /// `__LINE__`
    Line,
    /// `__FILE__`
    File,
    /// `__DATE__`
    Date,
    /// `__TIME__`
    Time,
}

/// A macro definition.
#[derive(Debug)]
pub(super) struct Macro {
    pub name: Box<str>,
    pub kind: MacroKind,
    pub params: Vec<Box<str>>,
    /// The last parameter takes the variable arguments.
    pub variadic: bool,
    /// The replacement list; parameters are [`Kind::Param`] tokens.
    pub body: Vec<Token>,
    /// Whether the replacement list contains `##`.
    pub has_paste: bool,
    /// The macro name in its `#define`.
    pub def: Loc,
    /// Whether an expansion of this macro is being read.
    pub disabled: bool,
}

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
    // -----------------------------------------------------------------------------------
    // Definitions
    // -----------------------------------------------------------------------------------

    /// Defines one of the dynamic predefined names.
    pub fn define_builtin(&mut self, name: &str) {
        let kind = match name {
            "__LINE__" => MacroKind::Line,
            "__FILE__" => MacroKind::File,
            "__DATE__" => MacroKind::Date,
            _ => MacroKind::Time,
        };
        let idx = self.macros.len() as u32;
        self.macros.push(Macro {
            name: name.into(),
            kind,
            params: Vec::new(),
            variadic: false,
            body: Vec::new(),
            has_paste: false,
            def: Loc {
                file: NO_FILE,
                off: 0,
            },
            disabled: false,
        });
        self.names.insert(name.into(), idx);
    }

    /// `#define`: `rest` are the tokens after the directive name.
    pub fn define(&mut self, rest: &[Token], directive: &Token) {
        let Some(&name_tok) = rest.first() else {
            self.error_tok(directive, "macro name missing");
            return;
        };
        if name_tok.kind != Kind::Ident {
            self.error_tok(&name_tok, "macro names must be identifiers");
            return;
        }
        let name: Box<str> = self.text(&name_tok).into();
        if &*name == "defined" {
            self.error_tok(&name_tok, "`defined` cannot be used as a macro name");
            return;
        }
        let mut params: Vec<Box<str>> = Vec::new();
        let mut variadic = false;
        let mut kind = MacroKind::Object;
        let mut i = 1;
        if let Some(open) = rest.get(1)
            && !open.has(LEADING_WS)
            && self.is_punct(open, "(")
        {
            kind = MacroKind::Function;
            i = 2;
            let mut expect_param = true;
            loop {
                let Some(&t) = rest.get(i) else {
                    self.error_tok(open, "missing `)` in macro parameter list");
                    return;
                };
                i += 1;
                let text = self.text(&t).to_string();
                if expect_param {
                    if t.kind == Kind::Ident {
                        if text == "__VA_ARGS__" {
                            self.error_tok(
                                &t,
                                "`__VA_ARGS__` can only name the variable arguments",
                            );
                            return;
                        }
                        if params.iter().any(|p| **p == *text) {
                            self.error_tok(&t, format!("duplicate macro parameter `{text}`"));
                            return;
                        }
                        params.push(text.into());
                        // GNU named variable arguments: `args...`.
                        if rest.get(i).is_some_and(|n| self.is_punct(n, "...")) {
                            variadic = true;
                            i += 1;
                        }
                        expect_param = false;
                    } else if text == "..." {
                        params.push("__VA_ARGS__".into());
                        variadic = true;
                        expect_param = false;
                    } else if text == ")" && params.is_empty() {
                        break;
                    } else {
                        self.error_tok(&t, "expected parameter name");
                        return;
                    }
                } else if text == ")" {
                    break;
                } else if text == "," && !variadic {
                    expect_param = true;
                } else {
                    self.error_tok(
                        &t,
                        if variadic {
                            "expected `)` after `...`"
                        } else {
                            "expected `,` or `)` in macro parameter list"
                        },
                    );
                    return;
                }
            }
        }
        let mut body: Vec<Token> = rest[i..].to_vec();
        for t in &mut body {
            if t.kind == Kind::Ident {
                let text = tok_text(&self.files, &self.scratch, t);
                if let Some(p) = params.iter().position(|p| **p == *text) {
                    t.kind = Kind::Param;
                    t.start = p as u32;
                    t.end = p as u32;
                }
            }
        }
        if let Some(first) = body.first_mut() {
            first.flags &= !LEADING_WS;
        }
        for t in [body.first(), body.last()].into_iter().flatten() {
            if self.is_punct(t, "##") {
                let t = *t;
                self.error_tok(&t, "`##` cannot appear at either end of a macro expansion");
                return;
            }
        }
        if kind == MacroKind::Function {
            for (k, t) in body.iter().enumerate() {
                if self.is_punct(t, "#") && body.get(k + 1).is_none_or(|n| n.kind != Kind::Param) {
                    let t = *t;
                    self.error_tok(&t, "`#` is not followed by a macro parameter");
                    return;
                }
            }
        }
        let has_paste = body.iter().any(|t| self.is_punct(t, "##"));
        let mac = Macro {
            name: name.clone(),
            kind,
            params,
            variadic,
            has_paste,
            body,
            def: name_tok.origin,
            disabled: false,
        };
        if let Some(old) = self.names.get(&name)
            && !self.same_definition(&self.macros[old as usize], &mac)
        {
            let def = self.macros[old as usize].def;
            let mut d = Diagnostic::warning(
                self.map_span(name_tok.origin, name.len()),
                format!("`{name}` redefined"),
            );
            if def.file != NO_FILE {
                d = d.with_secondary(self.map_span(def, name.len()), "previous definition");
            }
            if name_tok.origin.file == NO_FILE {
                d = Diagnostic::error_without_span(format!("`{name}` redefined"));
                d.severity = crate::diag::Severity::Warning;
            }
            self.diags.push(d);
        }
        let idx = self.macros.len() as u32;
        self.macros.push(mac);
        self.names.insert(name, idx);
    }

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

    fn same_definition(&self, a: &Macro, b: &Macro) -> bool {
        a.kind == b.kind
            && a.params == b.params
            && a.variadic == b.variadic
            && a.body.len() == b.body.len()
            && a.body.iter().zip(&b.body).enumerate().all(|(i, (x, y))| {
                x.kind == y.kind
                    && (i == 0 || x.has(LEADING_WS) == y.has(LEADING_WS))
                    && if x.kind == Kind::Param {
                        x.start == y.start
                    } else {
                        self.text(x) == self.text(y)
                    }
            })
    }

    pub fn is_punct(&self, t: &Token, p: &str) -> bool {
        t.kind == Kind::Punct && self.text(t) == p
    }

    // -----------------------------------------------------------------------------------
    // Expansion
    // -----------------------------------------------------------------------------------

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
    fn feed_next(&mut self, feed: &mut Feed) -> Option<Token> {
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
        let single = |eng: &mut Engine<'_>, text: String, kind: Kind| {
            eng.scratch_token(&text, kind, name.origin, lead)
        };
        let toks = match kind {
            MacroKind::Line => {
                let line = self.line_of(name.origin);
                vec![single(self, line.to_string(), Kind::Number)]
            }
            MacroKind::File => {
                let path = self.file_name_of(name.origin);
                vec![single(self, quote(&path), Kind::Str)]
            }
            MacroKind::Date => {
                let d = self.date_time.0.clone();
                vec![single(self, d, Kind::Str)]
            }
            MacroKind::Time => {
                let t = self.date_time.1.clone();
                vec![single(self, t, Kind::Str)]
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

    /// The line of `loc` as `__LINE__` reports it.
    fn line_of(&self, loc: Loc) -> i64 {
        if loc.file == NO_FILE {
            return 1;
        }
        match self.map.get(FileId(loc.file)) {
            Some(f) => f.line_col(loc.off as usize).0 as i64 + self.line_delta,
            None => 1,
        }
    }

    /// The file name `__FILE__` reports at `loc`.
    fn file_name_of(&self, loc: Loc) -> String {
        if let Some(p) = &self.presumed_file {
            return p.clone();
        }
        if loc.file == NO_FILE {
            return "<command-line>".into();
        }
        match self.map.get(FileId(loc.file)) {
            Some(f) => f.path().display().to_string(),
            None => String::new(),
        }
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

    /// Whether `(` follows in the file (across white space, comments and line breaks, but not
    /// into a directive line); consumes up to and including it if so.
    fn source_paren(&mut self, cur: &mut Cursor) -> bool {
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
    fn collect_args(
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

    /// Whether body token `i` of macro `m` is `##`.
    fn is_paste_at(&self, m: u32, i: usize) -> bool {
        self.macros[m as usize]
            .body
            .get(i)
            .is_some_and(|t| self.is_punct(t, "##"))
    }

    /// The replacement of an invocation of `m` with `args`, before rescanning.
    fn substitute(&mut self, m: u32, args: &[Vec<Token>], call: &Token, depth: u32) -> Vec<Token> {
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

/// `s` as a C string literal.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q
}
