//! Macro definitions: what a macro is, and the parsing of `#define`.

use super::Engine;
use crate::diag::Diagnostic;
use crate::preprocess::lex::{Kind, LEADING_WS, Loc, NO_FILE, Token, tok_text};

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

impl Engine<'_> {
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
}
