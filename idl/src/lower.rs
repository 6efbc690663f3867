//! Lowering: the pest parse tree to the typed [`crate::model`].
//!
//! One `parse_<rule>` function per grammar rule. Each takes the rule's pair and returns the
//! model node (or an error diagnostic for the few things the grammar cannot rule out: integer
//! literals that overflow, bad escapes). Cases the grammar guarantees are `unreachable!`, naming
//! the function. Errors are collected per item, so one bad item does not hide the others.

use std::cell::Cell;
use std::sync::Arc;

use pest::iterators::{Pair, Pairs};

use crate::diag::Diagnostic;
use crate::model::*;
use crate::parse::{DocComments, Rule, SpanSource};
use crate::source::Span;

type P<'i> = Pair<'i, Rule>;
type Result<T> = std::result::Result<T, Box<Diagnostic>>;

/// Lowers, in order, the children of `pair` that are `rule`s (the others are punctuation).
fn children<'i, T>(pair: P<'i>, rule: Rule, f: impl FnMut(P<'i>) -> Result<T>) -> Result<Vec<T>> {
    pair.into_inner()
        .filter(|p| p.as_rule() == rule)
        .map(f)
        .collect()
}

/// An error at `span`, boxed (errors are rare; results stay small).
fn err(span: Span, message: impl Into<String>) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(span, message))
}

/// Attributes whose single identifier argument names a type rather than a value.
const TYPE_ATTRIBUTES: &[&str] = &[
    "switch_type",
    "wire_marshal",
    "transmit_as",
    "user_marshal",
    "represent_as",
    "exclusiveto",
];

/// Most steps one chain may take: operators of one expression, or pointers and array and
/// parameter suffixes of one declarator (nested parts included). Such chains are flat in the
/// text (`1 + 1 + ...`, `****p`) but nest in the model, and whatever walks the model
/// recursively (the checks, the generators, `Drop`) must stay within the stack.
const MAX_CHAIN: usize = 1024;

/// Counts the steps of the chain being lowered (see [`MAX_CHAIN`]); the count starts over at
/// each outermost chain.
#[derive(Default)]
struct ChainCount {
    level: Cell<u32>,
    steps: Cell<usize>,
}

impl ChainCount {
    /// Runs `f` as part of the current chain, or as a new one when none is open.
    fn within<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        if self.level.get() == 0 {
            self.steps.set(0);
        }
        self.level.set(self.level.get() + 1);
        let result = f();
        self.level.set(self.level.get() - 1);
        result
    }

    /// Counts one step at `span`; an error once there are more than [`MAX_CHAIN`].
    fn step(&self, span: Span, what: &str) -> Result<()> {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > MAX_CHAIN {
            return Err(err(
                span,
                format!("{what} too long (more than {MAX_CHAIN} steps)"),
            ));
        }
        Ok(())
    }
}

/// Lowers a parsed file.
///
/// `base` is the offset of the parsed text in the whole preprocessed file (chunks of a large
/// file are parsed separately).
pub(crate) fn lower_file(
    pairs: Pairs<'_, Rule>,
    base: usize,
    docs: &DocComments,
    spans: &dyn SpanSource,
) -> std::result::Result<Vec<Item>, Vec<Diagnostic>> {
    lower_spliced(pairs, base, None, docs, spans)
}

/// Lowers text from which `gap = (at, len)` bytes were cut out at offset `at` of the
/// preprocessed file (offsets from `at` on are moved back by `len`).
pub(crate) fn lower_spliced(
    mut pairs: Pairs<'_, Rule>,
    base: usize,
    gap: Option<(usize, usize)>,
    docs: &DocComments,
    spans: &dyn SpanSource,
) -> std::result::Result<Vec<Item>, Vec<Diagnostic>> {
    let mut lower = Lower {
        base,
        gap,
        docs,
        spans,
        errors: Vec::new(),
        expr_chain: ChainCount::default(),
        declarator_chain: ChainCount::default(),
    };
    let items = match pairs.next() {
        Some(file) if matches!(file.as_rule(), Rule::file | Rule::items) => {
            lower.parse_items(file.into_inner())
        }
        _ => unreachable!("lower_file: the parse starts with `file`"),
    };
    if lower.errors.is_empty() {
        Ok(items)
    } else {
        Err(lower.errors)
    }
}

struct Lower<'a> {
    /// Offset of the parsed text in the preprocessed file.
    base: usize,
    /// Bytes cut out of the parsed text: (offset, length) in the preprocessed file.
    gap: Option<(usize, usize)>,
    docs: &'a DocComments,
    spans: &'a dyn SpanSource,
    errors: Vec<Diagnostic>,
    /// Operators of the expression being lowered.
    expr_chain: ChainCount,
    /// Pointers and suffixes of the declarator being lowered.
    declarator_chain: ChainCount,
}

/// What a declaration declares.
enum Declared {
    /// One or more functions (`HRESULT f(void);`).
    Functions(Vec<Function>),
    /// Anything else.
    Other(Box<Declaration>),
}

/// The pieces of a declarator, built by [`Lower::parse_declarator`].
struct DeclaratorParts {
    name: Option<Ident>,
    ty: Type,
}

impl<'a> Lower<'a> {
    // ---------------------------------------------------------------- helpers

    /// The offset in the preprocessed file of offset `off` of the parsed text.
    fn abs(&self, off: usize) -> usize {
        let o = self.base + off;
        match self.gap {
            Some((at, len)) if o >= at => o + len,
            _ => o,
        }
    }

    fn span(&self, pair: &P<'_>) -> Span {
        let s = pair.as_span();
        self.spans.span(self.abs(s.start()), self.abs(s.end()))
    }

    fn ident(&self, pair: &P<'_>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    /// The documentation comment right before byte `offset` of the parsed text: a `/** */`
    /// block or a run of `///` lines, with only blanks in between.
    fn doc_before(&self, offset: usize) -> Option<String> {
        self.docs.before(self.abs(offset))
    }

    /// The doc comment before `pair`, else the `helpstring` attribute.
    fn doc(&self, pair: &P<'_>, attrs: &[Attribute]) -> Doc {
        self.doc_before(pair.as_span().start()).or_else(|| {
            attrs
                .iter()
                .find(|a| a.name.name == "helpstring")
                .and_then(|a| a.args().first()?.as_str().map(str::to_string))
        })
    }

    // ---------------------------------------------------------------- top level

    /// Lowers a sequence of `item` pairs; errors are recorded and the item skipped.
    fn parse_items(&mut self, pairs: Pairs<'_, Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for pair in pairs {
            match self.parse_item(pair) {
                Ok(mut more) => items.append(&mut more),
                Err(d) => self.errors.push(*d),
            }
        }
        items
    }

    /// One item; a declaration may give several (`int f(void), g(void);`).
    fn parse_item(&mut self, pair: P<'_>) -> Result<Vec<Item>> {
        Ok(match pair.as_rule() {
            Rule::pragma_line => vec![Item::Pragma(Arc::new(self.parse_pragma_line(pair)))],
            Rule::import => vec![Item::Import(Arc::new(self.parse_import(pair)?))],
            Rule::include => vec![Item::Include(Arc::new(self.parse_import(pair)?))],
            Rule::importlib => vec![Item::ImportLib(Arc::new(self.parse_importlib(pair)?))],
            Rule::cpp_quote => vec![Item::CppQuote(Arc::new(self.parse_cpp_quote(pair)?))],
            Rule::midl_pragma => vec![Item::Pragma(Arc::new(self.parse_midl_pragma(pair)))],
            Rule::attributed_item | Rule::attributed_member => self.parse_attributed_item(pair)?,
            Rule::empty_statement | Rule::EOI => Vec::new(),
            r => unreachable!("parse_item: unexpected {r:?}"),
        })
    }

    /// `#pragma text`
    fn parse_pragma_line(&self, pair: P<'_>) -> Pragma {
        let span = self.span(&pair);
        let text = pair
            .into_inner()
            .next()
            .map_or(String::new(), |t| t.as_str().trim().to_string());
        Pragma {
            midl: false,
            text,
            span,
        }
    }

    /// `midl_pragma warning(...)`
    fn parse_midl_pragma(&self, pair: P<'_>) -> Pragma {
        let span = self.span(&pair);
        let text = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::midl_pragma_text)
            .map_or(String::new(), |t| t.as_str().trim().to_string());
        Pragma {
            midl: true,
            text,
            span,
        }
    }

    /// `import "a", "b";` and `include "a";`
    fn parse_import(&self, pair: P<'_>) -> Result<Import> {
        let span = self.span(&pair);
        let files = children(pair, Rule::string, |p| self.parse_string_lit(p))?;
        Ok(Import {
            files,
            resolved: Computed::new(),
            span,
        })
    }

    /// `importlib("x.tlb");`
    fn parse_importlib(&self, pair: P<'_>) -> Result<ImportLib> {
        let span = self.span(&pair);
        let file = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::string)
            .map(|p| self.parse_string_lit(p))
            .unwrap_or_else(|| unreachable!("parse_importlib: grammar requires a string"))?;
        Ok(ImportLib { file, span })
    }

    /// `cpp_quote("text")`: the text as widl copies it (only `\\` and `\"` unescaped).
    fn parse_cpp_quote(&self, pair: P<'_>) -> Result<CppQuote> {
        let span = self.span(&pair);
        let mut text = String::new();
        for p in pair.into_inner() {
            if p.as_rule() == Rule::string {
                for part in p.into_inner() {
                    let raw = part.as_str();
                    let body = raw
                        .trim_start_matches('L')
                        .strip_prefix('"')
                        .and_then(|r| r.strip_suffix('"'))
                        .unwrap_or(raw);
                    text.push_str(&unescape_quotes(body));
                }
            }
        }
        Ok(CppQuote { text, span })
    }

    /// `[attrs] <statement>`
    fn parse_attributed_item(&mut self, pair: P<'_>) -> Result<Vec<Item>> {
        let span = self.span(&pair);
        let start = pair.as_span().start();
        let doc_pair = pair.clone();
        let mut attrs = Vec::new();
        let mut body = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::attributes => attrs = self.parse_attributes(p)?,
                _ => body = Some(p),
            }
        }
        let body = body.unwrap_or_else(|| unreachable!("parse_attributed_item: no statement"));
        let doc = self
            .doc_before(start)
            .or_else(|| self.doc(&doc_pair, &attrs));
        Ok(match body.as_rule() {
            Rule::interface => vec![self.parse_interface(body, attrs, doc, span)?],
            Rule::dispinterface => vec![self.parse_dispinterface(body, attrs, doc, span)?],
            Rule::coclass | Rule::runtimeclass => vec![self.parse_class(body, attrs, doc, span)?],
            Rule::library | Rule::namespace => vec![self.parse_library(body, attrs, doc, span)?],
            Rule::module => vec![self.parse_module(body, attrs, doc, span)?],
            Rule::apicontract => vec![self.parse_apicontract(body, attrs, doc, span)],
            Rule::delegate => vec![self.parse_delegate(body, attrs, doc, span)?],
            Rule::declare => vec![self.parse_declare(body, span)?],
            Rule::typedef => vec![Item::Typedef(Arc::new(
                self.parse_typedef(body, attrs, doc, span)?,
            ))],
            Rule::const_def => vec![Item::Const(Arc::new(
                self.parse_const_def(body, attrs, doc, span)?,
            ))],
            Rule::declaration => self.parse_declaration(body, attrs, doc, span)?,
            r => unreachable!("parse_attributed_item: unexpected {r:?}"),
        })
    }

    /// `[attrs][more]` → the attributes in order.
    fn parse_attributes(&self, pair: P<'_>) -> Result<Vec<Attribute>> {
        children(pair, Rule::attribute, |p| self.parse_attribute(p))
    }

    /// `name`, `name(args)`, `uuid(...)`.
    fn parse_attribute(&self, pair: P<'_>) -> Result<Attribute> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let first = inner
            .next()
            .unwrap_or_else(|| unreachable!("parse_attribute: empty attribute"));
        if first.as_rule() == Rule::uuid_attribute {
            return self.parse_uuid_attribute(first, span);
        }
        let name = self.ident(&first);
        let args = match inner.next() {
            Some(args) => Some(self.parse_attribute_args(args, &name.name)?),
            None => None,
        };
        Ok(Attribute { name, args, span })
    }

    /// `uuid(text)` or `uuid("text")`.
    fn parse_uuid_attribute(&self, pair: P<'_>, span: Span) -> Result<Attribute> {
        let mut name = None;
        let mut uuid = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_uuid => name = Some(self.ident(&p)),
                Rule::uuid_text => {
                    let text = p.as_str().to_string();
                    uuid = Some(Uuid {
                        value: Guid::parse(&text),
                        text,
                        span: self.span(&p),
                    });
                }
                Rule::string => {
                    let lit = self.parse_string_lit(p)?;
                    uuid = Some(Uuid {
                        value: Guid::parse(&lit.value),
                        text: lit.value,
                        span: lit.span,
                    });
                }
                _ => {}
            }
        }
        let name = name.unwrap_or_else(|| unreachable!("parse_uuid_attribute: no keyword"));
        let uuid = uuid.unwrap_or_else(|| unreachable!("parse_uuid_attribute: no uuid"));
        Ok(Attribute {
            name,
            args: Some(vec![AttrArg::Uuid(uuid)]),
            span,
        })
    }

    /// `(a, , b)`
    fn parse_attribute_args(&self, pair: P<'_>, attr: &str) -> Result<Vec<AttrArg>> {
        let mut args = children(pair, Rule::attribute_arg, |p| {
            self.parse_attribute_arg(p, attr)
        })?;
        if let [AttrArg::Empty { .. }] = args.as_slice() {
            args.clear();
        }
        Ok(args)
    }

    /// One argument slot.
    fn parse_attribute_arg(&self, pair: P<'_>, attr: &str) -> Result<AttrArg> {
        let span = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return Ok(AttrArg::Empty { span });
        };
        Ok(match inner.as_rule() {
            Rule::uuid_lit => {
                let text = inner.as_str().to_string();
                AttrArg::Uuid(Uuid {
                    value: Guid::parse(&text),
                    text,
                    span: self.span(&inner),
                })
            }
            Rule::type_name => AttrArg::Type(self.parse_type_name(inner)?),
            Rule::expr | Rule::dense_expr => {
                let inner = if inner.as_rule() == Rule::dense_expr {
                    inner
                        .into_inner()
                        .next()
                        .unwrap_or_else(|| unreachable!("parse_attribute_arg: empty dense_expr"))
                } else {
                    inner
                };
                let text = inner.as_str().trim();
                let expr = self.parse_expr(inner)?;
                match &expr.kind {
                    ExprKind::Float { .. } if attr != "defaultvalue" => {
                        if let Some((major, minor)) = parse_version(text) {
                            return Ok(AttrArg::Version {
                                major,
                                minor,
                                span: expr.span,
                            });
                        }
                        AttrArg::Expr(expr)
                    }
                    ExprKind::Ident { name } if TYPE_ATTRIBUTES.contains(&attr) => {
                        AttrArg::Type(Type {
                            kind: TypeKind::Named {
                                name: Ident {
                                    name: name.clone(),
                                    span: expr.span,
                                },
                                args: Vec::new(),
                            },
                            span: expr.span,
                        })
                    }
                    _ => AttrArg::Expr(expr),
                }
            }
            r => unreachable!("parse_attribute_arg: unexpected {r:?}"),
        })
    }

    // ---------------------------------------------------------------- interfaces and classes

    /// `interface Name<T> : Base requires X { ... }` or `interface Name;`
    fn parse_interface(
        &mut self,
        pair: P<'_>,
        attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Result<Item> {
        let mut name = None;
        let mut generic_params = Vec::new();
        let mut tail = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_interface => {}
                Rule::qname => name = Some(self.ident(&p)),
                Rule::generic_params => generic_params = self.parse_generic_params(p),
                Rule::semicolon => {}
                Rule::interface_tail => tail = Some(p),
                r => unreachable!("parse_interface: unexpected {r:?}"),
            }
        }
        let name = name.unwrap_or_else(|| unreachable!("parse_interface: no name"));
        let Some(tail) = tail else {
            return Ok(Item::Forward(Arc::new(Forward {
                what: ForwardKind::Interface,
                attrs,
                name,
                generic_params,
                span,
            })));
        };
        let mut base = None;
        let mut requires = Vec::new();
        let mut items = Vec::new();
        for p in tail.into_inner() {
            match p.as_rule() {
                Rule::inherit => {
                    let t = p
                        .into_inner()
                        .next()
                        .unwrap_or_else(|| unreachable!("parse_interface: empty inherit"));
                    base = Some(self.parse_named_type(t)?);
                }
                Rule::requires => {
                    requires = children(p, Rule::named_type, |t| self.parse_named_type(t))?;
                }
                Rule::lbrace | Rule::rbrace => {}
                _ => match self.parse_item(p) {
                    Ok(mut more) => items.append(&mut more),
                    Err(d) => self.errors.push(*d),
                },
            }
        }
        Ok(Item::Interface(Arc::new(Interface {
            doc,
            attrs,
            name,
            generic_params,
            base,
            requires,
            items,
            span,
        })))
    }

    /// `<T, U>`
    fn parse_generic_params(&self, pair: P<'_>) -> Vec<Ident> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(&p))
            .collect()
    }

    /// `dispinterface Name { ... }` or forward.
    fn parse_dispinterface(
        &mut self,
        pair: P<'_>,
        attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Result<Item> {
        let mut name = None;
        let mut body = None;
        let mut forward = true;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_dispinterface | Rule::semicolon | Rule::rbrace => {}
                Rule::lbrace => forward = false,
                Rule::qname => name = Some(self.ident(&p)),
                Rule::dispinterface_iface | Rule::dispinterface_sections => body = Some(p),
                r => unreachable!("parse_dispinterface: unexpected {r:?}"),
            }
        }
        let name = name.unwrap_or_else(|| unreachable!("parse_dispinterface: no name"));
        if forward {
            return Ok(Item::Forward(Arc::new(Forward {
                what: ForwardKind::Dispinterface,
                attrs,
                name,
                generic_params: Vec::new(),
                span,
            })));
        }
        let mut properties = Vec::new();
        let mut methods = Vec::new();
        let mut interface = None;
        if let Some(body) = body {
            match body.as_rule() {
                Rule::dispinterface_iface => {
                    for p in body.into_inner() {
                        if p.as_rule() == Rule::named_type {
                            interface = Some(self.parse_named_type(p)?);
                        }
                    }
                }
                _ => {
                    for p in body.into_inner() {
                        match p.as_rule() {
                            Rule::dispinterface_property => {
                                for f in p.into_inner() {
                                    properties.extend(self.parse_field(f)?);
                                }
                            }
                            Rule::dispinterface_method => {
                                let mspan = self.span(&p);
                                let mut mattrs = Vec::new();
                                let mut decl = None;
                                let mpair = p.clone();
                                for m in p.into_inner() {
                                    match m.as_rule() {
                                        Rule::attributes => mattrs = self.parse_attributes(m)?,
                                        _ => decl = Some(m),
                                    }
                                }
                                let mdoc = self.doc(&mpair, &mattrs);
                                let decl = decl.unwrap_or_else(|| {
                                    unreachable!("parse_dispinterface: method without declaration")
                                });
                                match self.parse_declaration_parts(decl, mattrs, mdoc, mspan)? {
                                    Declared::Functions(mut fs) => methods.append(&mut fs),
                                    Declared::Other(d) => {
                                        return Err(err(
                                            d.span,
                                            "expected a method declaration in the `methods:` section",
                                        ));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        Ok(Item::Dispinterface(Arc::new(Dispinterface {
            doc,
            attrs,
            name,
            properties,
            methods,
            interface,
            span,
        })))
    }

    /// `coclass`/`runtimeclass Name { members }` or forward.
    fn parse_class(
        &self,
        pair: P<'_>,
        attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Result<Item> {
        let runtime = pair.as_rule() == Rule::runtimeclass;
        let mut name = None;
        let mut body = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_coclass | Rule::kw_runtimeclass | Rule::semicolon => {}
                Rule::qname => name = Some(self.ident(&p)),
                Rule::class_body => body = Some(p),
                r => unreachable!("parse_class: unexpected {r:?}"),
            }
        }
        let name = name.unwrap_or_else(|| unreachable!("parse_class: no name"));
        let Some(body) = body else {
            return Ok(Item::Forward(Arc::new(Forward {
                what: if runtime {
                    ForwardKind::RuntimeClass
                } else {
                    ForwardKind::Coclass
                },
                attrs,
                name,
                generic_params: Vec::new(),
                span,
            })));
        };
        let mut members = Vec::new();
        for m in body.into_inner() {
            if m.as_rule() != Rule::class_member {
                continue;
            }
            members.push(self.parse_class_member(m)?);
        }
        let class = Arc::new(Coclass {
            doc,
            attrs,
            name,
            members,
            span,
        });
        Ok(if runtime {
            Item::RuntimeClass(class)
        } else {
            Item::Coclass(class)
        })
    }

    /// `[default] interface I;`
    fn parse_class_member(&self, pair: P<'_>) -> Result<CoclassMember> {
        let span = self.span(&pair);
        let mut attrs = Vec::new();
        let mut dispinterface = false;
        let mut ty = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::attributes => attrs = self.parse_attributes(p)?,
                Rule::kw_dispinterface => dispinterface = true,
                Rule::named_type => ty = Some(self.parse_named_type(p)?),
                _ => {}
            }
        }
        Ok(CoclassMember {
            attrs,
            dispinterface,
            ty: ty.unwrap_or_else(|| unreachable!("parse_class_member: no interface")),
            span,
        })
    }

    /// `library`/`namespace Name { items }`
    fn parse_library(
        &mut self,
        pair: P<'_>,
        attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Result<Item> {
        let is_namespace = pair.as_rule() == Rule::namespace;
        let mut name = None;
        let mut items = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_library | Rule::kw_namespace | Rule::lbrace | Rule::rbrace => {}
                Rule::qname => name = Some(self.ident(&p)),
                _ => match self.parse_item(p) {
                    Ok(mut more) => items.append(&mut more),
                    Err(d) => self.errors.push(*d),
                },
            }
        }
        let name = name.unwrap_or_else(|| unreachable!("parse_library: no name"));
        Ok(if is_namespace {
            Item::Namespace(Arc::new(Namespace {
                attrs,
                name,
                items,
                span,
            }))
        } else {
            Item::Library(Arc::new(Library {
                doc,
                attrs,
                name,
                items,
                span,
            }))
        })
    }

    /// `module Name { items }` or forward.
    fn parse_module(
        &mut self,
        pair: P<'_>,
        attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Result<Item> {
        let mut name = None;
        let mut items = Vec::new();
        let mut forward = true;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_module | Rule::rbrace | Rule::semicolon => {}
                Rule::lbrace => forward = false,
                Rule::qname => name = Some(self.ident(&p)),
                _ => match self.parse_item(p) {
                    Ok(mut more) => items.append(&mut more),
                    Err(d) => self.errors.push(*d),
                },
            }
        }
        let name = name.unwrap_or_else(|| unreachable!("parse_module: no name"));
        if forward {
            return Ok(Item::Forward(Arc::new(Forward {
                what: ForwardKind::Module,
                attrs,
                name,
                generic_params: Vec::new(),
                span,
            })));
        }
        Ok(Item::Module(Arc::new(Library {
            doc,
            attrs,
            name,
            items,
            span,
        })))
    }

    /// `apicontract Name {};`
    fn parse_apicontract(&self, pair: P<'_>, attrs: Vec<Attribute>, doc: Doc, span: Span) -> Item {
        let name = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::qname)
            .map(|p| self.ident(&p))
            .unwrap_or_else(|| unreachable!("parse_apicontract: no name"));
        Item::ApiContract(Arc::new(ApiContract {
            doc,
            attrs,
            name,
            span,
        }))
    }

    /// `delegate RET Name<T>(params);`
    fn parse_delegate(
        &self,
        pair: P<'_>,
        attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Result<Item> {
        let mut ret = None;
        let mut name = None;
        let mut generic_params = Vec::new();
        let mut params = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::decl_spec => ret = Some(self.parse_decl_spec(p)?.0),
                Rule::qname => name = Some(self.ident(&p)),
                Rule::generic_params => generic_params = self.parse_generic_params(p),
                Rule::param_suffix => params = self.parse_param_suffix(p)?,
                _ => {}
            }
        }
        Ok(Item::Delegate(Arc::new(Delegate {
            doc,
            attrs,
            name: name.unwrap_or_else(|| unreachable!("parse_delegate: no name")),
            generic_params,
            ret: ret.unwrap_or_else(|| unreachable!("parse_delegate: no return type")),
            params,
            span,
        })))
    }

    /// `declare { interface A<B>; }`
    fn parse_declare(&self, pair: P<'_>, span: Span) -> Result<Item> {
        let instances = children(pair, Rule::named_type, |p| self.parse_named_type(p))?;
        Ok(Item::Declare(Arc::new(Declare { instances, span })))
    }

    // ---------------------------------------------------------------- declarations

    /// `typedef [attrs] spec declarators;`
    fn parse_typedef(
        &self,
        pair: P<'_>,
        mut attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Result<Typedef> {
        let mut spec = None;
        let mut declarators = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_typedef | Rule::semicolon => {}
                Rule::attributes => attrs.extend(self.parse_attributes(p)?),
                Rule::decl_spec => spec = Some(self.parse_decl_spec(p)?.0),
                Rule::declarator_list => {
                    let base = spec
                        .as_ref()
                        .unwrap_or_else(|| unreachable!("parse_typedef: declarators before type"));
                    declarators = self.parse_declarator_list(p, base.clone())?;
                }
                r => unreachable!("parse_typedef: unexpected {r:?}"),
            }
        }
        Ok(Typedef {
            doc,
            attrs,
            spec: spec.unwrap_or_else(|| unreachable!("parse_typedef: no type")),
            declarators,
            span,
        })
    }

    /// `const TYPE NAME = expr;`
    fn parse_const_def(
        &self,
        pair: P<'_>,
        attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Result<Const> {
        let mut base = None;
        let mut declared = None;
        let mut expr = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_const | Rule::equals | Rule::semicolon => {}
                Rule::decl_spec => {
                    let (t, _) = self.parse_decl_spec(p)?;
                    let span = t.span;
                    base = Some(Type {
                        kind: TypeKind::Const(Box::new(t)),
                        span,
                    });
                }
                Rule::declarator => {
                    let b = base
                        .clone()
                        .unwrap_or_else(|| unreachable!("parse_const_def: declarator before type"));
                    declared = Some(self.parse_declarator(p, b)?);
                }
                Rule::expr => expr = Some(self.parse_expr(p)?),
                r => unreachable!("parse_const_def: unexpected {r:?}"),
            }
        }
        let declared = declared.unwrap_or_else(|| unreachable!("parse_const_def: no declarator"));
        let name = declared
            .name
            .unwrap_or_else(|| unreachable!("parse_const_def: named declarator without a name"));
        Ok(Const {
            doc,
            attrs,
            ty: declared.ty,
            name,
            expr: expr.unwrap_or_else(|| unreachable!("parse_const_def: no value")),
            value: Computed::new(),
            span,
        })
    }

    /// `spec declarators;` → functions, or one declaration.
    fn parse_declaration(
        &self,
        pair: P<'_>,
        attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Result<Vec<Item>> {
        Ok(
            match self.parse_declaration_parts(pair, attrs, doc, span)? {
                Declared::Functions(fs) => fs
                    .into_iter()
                    .map(|f| Item::Function(Arc::new(f)))
                    .collect(),
                Declared::Other(d) => vec![Item::Declaration(Arc::new(*d))],
            },
        )
    }

    /// A declaration: the functions it declares, or the declaration itself.
    fn parse_declaration_parts(
        &self,
        pair: P<'_>,
        attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Result<Declared> {
        let mut spec = None;
        let mut storage = None;
        let mut declarators = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::semicolon => {}
                Rule::decl_spec => {
                    let (t, s) = self.parse_decl_spec(p)?;
                    spec = Some(t);
                    storage = s;
                }
                Rule::declarator_list => {
                    let base = spec.as_ref().unwrap_or_else(|| {
                        unreachable!("parse_declaration: declarators before type")
                    });
                    declarators = self.parse_declarator_list(p, base.clone())?;
                }
                r => unreachable!("parse_declaration: unexpected {r:?}"),
            }
        }
        let spec = spec.unwrap_or_else(|| unreachable!("parse_declaration: no type"));
        let all_functions = !declarators.is_empty()
            && declarators
                .iter()
                .all(|d| d.name.is_some() && matches!(d.ty.kind, TypeKind::Function(_)));
        if all_functions {
            let n = declarators.len();
            let (mut doc, mut attrs) = (Some(doc), Some(attrs));
            let mut functions = Vec::with_capacity(n);
            for (i, d) in declarators.into_iter().enumerate() {
                let TypeKind::Function(f) = d.ty.kind else {
                    unreachable!("parse_declaration: checked above")
                };
                let f = *f;
                // The last function takes the attributes; the others get copies.
                let (fdoc, fattrs) = if i + 1 == n {
                    (doc.take().flatten(), attrs.take().unwrap_or_default())
                } else {
                    (doc.clone().flatten(), attrs.clone().unwrap_or_default())
                };
                functions.push(Function {
                    doc: fdoc,
                    attrs: fattrs,
                    ret: f.ret,
                    callconv: f.callconv,
                    name: d
                        .name
                        .unwrap_or_else(|| unreachable!("parse_declaration: checked above")),
                    params: f.params,
                    span,
                });
            }
            return Ok(Declared::Functions(functions));
        }
        Ok(Declared::Other(Box::new(Declaration {
            doc,
            attrs,
            storage,
            spec,
            declarators,
            span,
        })))
    }

    /// `a, *b = 3, c[2]`
    fn parse_declarator_list(&self, pair: P<'_>, base: Type) -> Result<Vec<Declarator>> {
        let mut out = Vec::new();
        let list: Vec<P<'_>> = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::init_declarator)
            .collect();
        let mut base = Some(base);
        let n = list.len();
        for (i, p) in list.into_iter().enumerate() {
            let span = self.span(&p);
            let mut declared = None;
            let mut init = None;
            for q in p.into_inner() {
                match q.as_rule() {
                    Rule::declarator => {
                        // The last declarator takes the base type; the others get copies.
                        let b = if i + 1 == n {
                            base.take()
                        } else {
                            base.clone()
                        };
                        let b = b.unwrap_or_else(|| {
                            unreachable!("parse_declarator_list: one declarator each")
                        });
                        declared = Some(self.parse_declarator(q, b)?)
                    }
                    Rule::expr => init = Some(self.parse_expr(q)?),
                    Rule::equals => {}
                    r => unreachable!("parse_declarator_list: unexpected {r:?}"),
                }
            }
            let declared =
                declared.unwrap_or_else(|| unreachable!("parse_declarator_list: no declarator"));
            out.push(Declarator {
                name: declared.name,
                ty: declared.ty,
                bits: None,
                bits_value: Computed::new(),
                init,
                span,
            });
        }
        Ok(out)
    }

    /// Declaration specifiers → (type, storage class).
    fn parse_decl_spec(&self, pair: P<'_>) -> Result<(Type, Option<String>)> {
        let mut is_const = false;
        let mut storage = None;
        let mut ty = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_const => is_const = true,
                Rule::kw_volatile => {}
                Rule::storage_class => storage = Some(p.as_str().to_string()),
                _ => ty = Some(self.parse_type_spec(p)?),
            }
        }
        let ty = ty.unwrap_or_else(|| unreachable!("parse_decl_spec: no type specifier"));
        let ty = if is_const {
            Type {
                span: ty.span,
                kind: TypeKind::Const(Box::new(ty)),
            }
        } else {
            ty
        };
        Ok((ty, storage))
    }

    /// One type specifier.
    fn parse_type_spec(&self, pair: P<'_>) -> Result<Type> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::kw_void => TypeKind::Void,
            Rule::base_type => TypeKind::Base(self.parse_base_type(&pair)?),
            Rule::named_type => return self.parse_named_type(pair),
            Rule::struct_spec => TypeKind::Struct(Arc::new(self.parse_struct_spec(pair)?)),
            Rule::union_spec => TypeKind::Struct(Arc::new(self.parse_union_spec(pair)?)),
            Rule::enum_spec => TypeKind::Enum(Arc::new(self.parse_enum_spec(pair)?)),
            Rule::safearray => {
                let inner = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::type_name)
                    .unwrap_or_else(|| unreachable!("parse_type_spec: SAFEARRAY without type"));
                TypeKind::SafeArray(Box::new(self.parse_type_name(inner)?))
            }
            r => unreachable!("parse_type_spec: unexpected {r:?}"),
        };
        Ok(Type { kind, span })
    }

    /// `unsigned long int` and friends.
    fn parse_base_type(&self, pair: &P<'_>) -> Result<BaseType> {
        let text = pair.as_str();
        let mut sign = None;
        let mut words: Vec<&str> = Vec::with_capacity(3);
        for w in text.split_ascii_whitespace() {
            match w {
                "signed" | "unsigned" if sign.is_none() => {
                    sign = Some(if w == "signed" {
                        Sign::Signed
                    } else {
                        Sign::Unsigned
                    });
                }
                _ => words.push(w),
            }
        }
        // `int` after another integer word changes nothing (`short int`, `long long int`).
        if words.len() > 1 && words.last() == Some(&"int") {
            words.pop();
        }
        let kind = match words.as_slice() {
            [] if sign.is_some() => BaseKind::Int,
            ["char"] => BaseKind::Char,
            ["small"] => BaseKind::Small,
            ["short"] => BaseKind::Short,
            ["int"] => BaseKind::Int,
            ["long"] => BaseKind::Long,
            ["long", "long"] => BaseKind::LongLong,
            ["hyper"] => BaseKind::Hyper,
            ["__int8"] => BaseKind::Int8,
            ["__int16"] => BaseKind::Int16,
            ["__int32"] => BaseKind::Int32,
            ["__int64"] => BaseKind::Int64,
            ["__int3264"] => BaseKind::Int3264,
            ["float"] if sign.is_none() => BaseKind::Float,
            ["double"] | ["long", "double"] if sign.is_none() => BaseKind::Double,
            ["boolean"] => BaseKind::Boolean,
            ["byte"] => BaseKind::Byte,
            ["wchar_t"] => BaseKind::WChar,
            ["handle_t"] if sign.is_none() => BaseKind::Handle,
            ["error_status_t"] if sign.is_none() => BaseKind::ErrorStatus,
            _ => {
                let written = text.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
                return Err(err(self.span(pair), format!("invalid type `{written}`")));
            }
        };
        Ok(BaseType { kind, sign })
    }

    /// `Name` or `Name<args>`.
    fn parse_named_type(&self, pair: P<'_>) -> Result<Type> {
        let span = self.span(&pair);
        let mut name = None;
        let mut args = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::qname => name = Some(self.ident(&p)),
                Rule::generic_args => {
                    for a in p.into_inner() {
                        args.push(self.parse_type_name(a)?);
                    }
                }
                r => unreachable!("parse_named_type: unexpected {r:?}"),
            }
        }
        Ok(Type {
            kind: TypeKind::Named {
                name: name.unwrap_or_else(|| unreachable!("parse_named_type: no name")),
                args,
            },
            span,
        })
    }

    /// `spec abstract-declarator` (casts, sizeof, generic arguments, type-valued attributes).
    fn parse_type_name(&self, pair: P<'_>) -> Result<Type> {
        let mut ty = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::decl_spec => ty = Some(self.parse_decl_spec(p)?.0),
                Rule::abstract_declarator => {
                    let base = ty
                        .take()
                        .unwrap_or_else(|| unreachable!("parse_type_name: declarator before type"));
                    ty = Some(self.parse_declarator(p, base)?.ty);
                }
                r => unreachable!("parse_type_name: unexpected {r:?}"),
            }
        }
        Ok(ty.unwrap_or_else(|| unreachable!("parse_type_name: no type")))
    }

    /// `struct [attrs] tag { fields }`
    fn parse_struct_spec(&self, pair: P<'_>) -> Result<StructType> {
        let span = self.span(&pair);
        let mut attrs = Vec::new();
        let mut tag = None;
        let mut fields = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_struct => {}
                Rule::attributes => attrs = self.parse_attributes(p)?,
                Rule::qname => tag = Some(self.ident(&p)),
                Rule::struct_body => fields = Some(self.parse_struct_body(p)?),
                r => unreachable!("parse_struct_spec: unexpected {r:?}"),
            }
        }
        Ok(StructType {
            kind: StructKind::Struct,
            attrs,
            tag,
            fields,
            switch: None,
            span,
        })
    }

    /// `{ fields }`
    fn parse_struct_body(&self, pair: P<'_>) -> Result<Vec<Field>> {
        let mut fields = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::field => fields.extend(self.parse_field(p)?),
                Rule::lbrace | Rule::rbrace | Rule::pragma_line | Rule::cpp_quote => {}
                r => unreachable!("parse_struct_body: unexpected {r:?}"),
            }
        }
        Ok(fields)
    }

    /// `[attrs] spec a, b : 3;` → one field per declarator (a nameless member gives one
    /// field without a name; an empty union arm `[default];` gives a `void` field).
    fn parse_field(&self, pair: P<'_>) -> Result<Vec<Field>> {
        let span = self.span(&pair);
        let doc_pair = pair.clone();
        let mut attrs = Vec::new();
        let mut spec = None;
        let mut out = Vec::new();
        let mut had_declarators = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::attributes => attrs = self.parse_attributes(p)?,
                Rule::decl_spec => spec = Some(self.parse_decl_spec(p)?.0),
                Rule::field_declarators => {
                    had_declarators = true;
                    let base = spec
                        .as_ref()
                        .unwrap_or_else(|| unreachable!("parse_field: declarators before type"));
                    for fd in p.into_inner() {
                        if fd.as_rule() != Rule::field_declarator {
                            continue;
                        }
                        let fspan = self.span(&fd);
                        let mut name = None;
                        let mut ty = base.clone();
                        let mut bits = None;
                        for q in fd.into_inner() {
                            match q.as_rule() {
                                Rule::declarator => {
                                    let d = self.parse_declarator(q, base.clone())?;
                                    name = d.name;
                                    ty = d.ty;
                                }
                                Rule::bitfield => {
                                    let e = q.into_inner().next().unwrap_or_else(|| {
                                        unreachable!("parse_field: empty bitfield")
                                    });
                                    bits = Some(self.parse_expr(e)?);
                                }
                                r => unreachable!("parse_field: unexpected {r:?}"),
                            }
                        }
                        out.push(Field {
                            doc: None,
                            attrs: attrs.clone(),
                            ty,
                            name,
                            bits,
                            bits_value: Computed::new(),
                            span: fspan,
                        });
                    }
                }
                Rule::semicolon => {}
                r => unreachable!("parse_field: unexpected {r:?}"),
            }
        }
        if !had_declarators {
            let ty = spec.unwrap_or(Type {
                kind: TypeKind::Void,
                span,
            });
            out.push(Field {
                doc: None,
                attrs,
                ty,
                name: None,
                bits: None,
                bits_value: Computed::new(),
                span,
            });
        }
        let doc = self.doc_before(doc_pair.as_span().start());
        for f in &mut out {
            f.doc = doc.clone();
        }
        if let Some(first) = out.first_mut() {
            // The span of the first field covers its attributes and type too.
            first.span = span.to(first.span);
            first.span.end = first.span.end.max(span.end);
            if first.span.start > span.start {
                first.span = span;
            }
        }
        Ok(out)
    }

    /// `union tag { ... }` or `union tag switch (T d) arm { cases }`.
    fn parse_union_spec(&self, pair: P<'_>) -> Result<StructType> {
        let span = self.span(&pair);
        let mut attrs = Vec::new();
        let mut tag = None;
        let mut fields = None;
        let mut switch = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_union => {}
                Rule::attributes => attrs = self.parse_attributes(p)?,
                Rule::qname => tag = Some(self.ident(&p)),
                Rule::struct_body => fields = Some(self.parse_struct_body(p)?),
                Rule::union_switch => switch = Some(Box::new(self.parse_union_switch(p)?)),
                r => unreachable!("parse_union_spec: unexpected {r:?}"),
            }
        }
        Ok(StructType {
            kind: StructKind::Union,
            attrs,
            tag,
            fields,
            switch,
            span,
        })
    }

    /// `switch (T name) arm { cases }`
    fn parse_union_switch(&self, pair: P<'_>) -> Result<UnionSwitch> {
        let mut ty = None;
        let mut idents = Vec::new();
        let mut cases = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_switch | Rule::rparen => {}
                Rule::decl_spec => ty = Some(self.parse_decl_spec(p)?.0),
                Rule::ident => idents.push(self.ident(&p)),
                Rule::union_cases => {
                    cases = children(p, Rule::union_case, |c| self.parse_union_case(c))?;
                }
                r => unreachable!("parse_union_switch: unexpected {r:?}"),
            }
        }
        let mut idents = idents.into_iter();
        Ok(UnionSwitch {
            ty: ty.unwrap_or_else(|| unreachable!("parse_union_switch: no type")),
            name: idents
                .next()
                .unwrap_or_else(|| unreachable!("parse_union_switch: no discriminant")),
            arm: idents.next(),
            cases,
        })
    }

    /// `case 1: case 2: T x;`
    fn parse_union_case(&self, pair: P<'_>) -> Result<UnionCase> {
        let span = self.span(&pair);
        let mut labels = Vec::new();
        let mut field = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::case_label => {
                    let expr = p.into_inner().find(|q| q.as_rule() == Rule::expr);
                    labels.push(match expr {
                        Some(e) => Some(self.parse_expr(e)?),
                        None => None,
                    });
                }
                Rule::field => {
                    let f = self.parse_field(p)?.into_iter().next();
                    field =
                        f.filter(|f| !(f.name.is_none() && matches!(f.ty.kind, TypeKind::Void)));
                }
                r => unreachable!("parse_union_case: unexpected {r:?}"),
            }
        }
        Ok(UnionCase {
            labels,
            values: Computed::new(),
            field,
            span,
        })
    }

    /// `enum [attrs] tag { enumerators }`
    fn parse_enum_spec(&self, pair: P<'_>) -> Result<EnumType> {
        let span = self.span(&pair);
        let mut attrs = Vec::new();
        let mut tag = None;
        let mut enumerators = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_enum => {}
                Rule::attributes => attrs = self.parse_attributes(p)?,
                Rule::qname => tag = Some(self.ident(&p)),
                Rule::enum_body => {
                    enumerators =
                        Some(children(p, Rule::enumerator, |e| self.parse_enumerator(e))?);
                }
                r => unreachable!("parse_enum_spec: unexpected {r:?}"),
            }
        }
        Ok(EnumType {
            attrs,
            tag,
            enumerators,
            span,
        })
    }

    /// `[attrs] NAME = value`
    fn parse_enumerator(&self, pair: P<'_>) -> Result<Enumerator> {
        let span = self.span(&pair);
        let doc = self.doc_before(pair.as_span().start());
        let mut attrs = Vec::new();
        let mut name = None;
        let mut expr = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::attributes => attrs = self.parse_attributes(p)?,
                Rule::ident => name = Some(self.ident(&p)),
                Rule::expr => expr = Some(self.parse_expr(p)?),
                Rule::equals => {}
                r => unreachable!("parse_enumerator: unexpected {r:?}"),
            }
        }
        let doc = doc.or_else(|| {
            attrs
                .iter()
                .find(|a| a.name.name == "helpstring")
                .and_then(|a| a.args().first()?.as_str().map(str::to_string))
        });
        Ok(Enumerator {
            doc,
            attrs,
            name: name.unwrap_or_else(|| unreachable!("parse_enumerator: no name")),
            expr,
            value: Computed::new(),
            span,
        })
    }

    // ---------------------------------------------------------------- declarators

    /// Applies a (possibly abstract) declarator to `base`.
    ///
    /// C reads declarators inside out: in `(__stdcall *pfn)(int)`, the suffix `(int)` applies
    /// first (function returning `base`), then the inner `*` (pointer to it).
    fn parse_declarator(&self, pair: P<'_>, base: Type) -> Result<DeclaratorParts> {
        self.declarator_chain
            .within(|| self.parse_declarator_inner(pair, base))
    }

    /// [`Lower::parse_declarator`] within its chain count.
    fn parse_declarator_inner(&self, pair: P<'_>, base: Type) -> Result<DeclaratorParts> {
        let mut ty = base;
        let mut pending_callconv = None;
        let mut direct = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ptr_op => {
                    let op = p
                        .into_inner()
                        .next()
                        .unwrap_or_else(|| unreachable!("parse_declarator: empty ptr_op"));
                    self.declarator_chain.step(ty.span, "declarator")?;
                    match op.as_rule() {
                        Rule::pointer => {
                            let is_const = op.into_inner().any(|q| q.as_rule() == Rule::kw_const);
                            let span = ty.span;
                            ty = Type {
                                kind: TypeKind::Pointer {
                                    pointee: Box::new(ty),
                                    is_const,
                                    callconv: pending_callconv.take(),
                                },
                                span,
                            };
                        }
                        Rule::callconv => {
                            let cc = op.as_str().to_string();
                            if let TypeKind::Function(f) = &mut ty.kind {
                                f.callconv = Some(cc);
                            } else {
                                pending_callconv = Some(cc);
                            }
                        }
                        r => unreachable!("parse_declarator: unexpected {r:?}"),
                    }
                }
                Rule::direct_declarator | Rule::abstract_direct => direct = Some(p),
                r => unreachable!("parse_declarator: unexpected {r:?}"),
            }
        }
        let Some(direct) = direct else {
            return Ok(DeclaratorParts { name: None, ty });
        };
        let mut name = None;
        let mut inner = None;
        let mut suffixes = Vec::new();
        for p in direct.into_inner() {
            match p.as_rule() {
                Rule::qname => name = Some(self.ident(&p)),
                Rule::declarator | Rule::abstract_declarator => inner = Some(p),
                Rule::array_suffix | Rule::param_suffix => suffixes.push(p),
                Rule::rparen => {}
                r => unreachable!("parse_declarator: unexpected {r:?}"),
            }
        }
        // Suffixes apply right to left: `a[2][3]` is an array of 2 arrays of 3.
        for s in suffixes.into_iter().rev() {
            let span = ty.span;
            self.declarator_chain.step(span, "declarator")?;
            ty = match s.as_rule() {
                Rule::array_suffix => {
                    let mut size = ArraySize::Conformant { star: false };
                    for q in s.into_inner() {
                        match q.as_rule() {
                            Rule::array_star => size = ArraySize::Conformant { star: true },
                            Rule::expr => {
                                size = ArraySize::Fixed {
                                    expr: self.parse_expr(q)?,
                                    value: Computed::new(),
                                }
                            }
                            _ => {}
                        }
                    }
                    Type {
                        kind: TypeKind::Array {
                            element: Box::new(ty),
                            size,
                        },
                        span,
                    }
                }
                _ => {
                    let params = self.parse_param_suffix(s)?;
                    Type {
                        kind: TypeKind::Function(Box::new(FunctionType {
                            ret: ty,
                            params,
                            callconv: pending_callconv.take(),
                        })),
                        span,
                    }
                }
            };
        }
        if let Some(cc) = pending_callconv
            && let TypeKind::Function(f) = &mut ty.kind
        {
            f.callconv = Some(cc);
        }
        match inner {
            Some(inner) => {
                let d = self.parse_declarator(inner, ty)?;
                Ok(DeclaratorParts {
                    name: d.name.or(name),
                    ty: d.ty,
                })
            }
            None => Ok(DeclaratorParts { name, ty }),
        }
    }

    /// `(params)`
    fn parse_param_suffix(&self, pair: P<'_>) -> Result<Vec<Param>> {
        let lists = children(pair, Rule::param_list, |list| {
            children(list, Rule::param, |q| self.parse_param(q))
        })?;
        Ok(lists.into_iter().flatten().collect())
    }

    /// `[attrs] spec declarator`
    fn parse_param(&self, pair: P<'_>) -> Result<Param> {
        let span = self.span(&pair);
        let mut attrs = Vec::new();
        let mut ty = None;
        let mut name = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::attributes => attrs = self.parse_attributes(p)?,
                Rule::decl_spec => ty = Some(self.parse_decl_spec(p)?.0),
                Rule::declarator | Rule::abstract_declarator => {
                    let base = ty
                        .take()
                        .unwrap_or_else(|| unreachable!("parse_param: declarator before type"));
                    let d = self.parse_declarator(p, base)?;
                    name = d.name;
                    ty = Some(d.ty);
                }
                r => unreachable!("parse_param: unexpected {r:?}"),
            }
        }
        Ok(Param {
            attrs,
            ty: ty.unwrap_or_else(|| unreachable!("parse_param: no type")),
            name,
            span,
        })
    }

    // ---------------------------------------------------------------- expressions

    /// An expression, with C precedence (precedence climbing over the flat sequence of
    /// operands and operators the `expr` rule produces).
    fn parse_expr(&self, pair: P<'_>) -> Result<Expr> {
        self.expr_chain.within(|| {
            let mut pairs = pair.into_inner().peekable();
            self.parse_binary(&mut pairs, 1)
        })
    }

    /// Operands joined by infix operators binding at least as tightly as `min`.
    fn parse_binary<'i>(
        &self,
        pairs: &mut std::iter::Peekable<Pairs<'i, Rule>>,
        min: u8,
    ) -> Result<Expr> {
        let mut lhs = self.parse_operand(pairs)?;
        while let Some(op) = pairs.peek() {
            let rule = op.as_rule();
            let prec = precedence(rule);
            if prec == 0 || prec < min {
                break;
            }
            let op = pairs
                .next()
                .unwrap_or_else(|| unreachable!("parse_binary: peeked"));
            self.expr_chain.step(lhs.span, "expression")?;
            if rule == Rule::ternary_op {
                // Right associative: `a ? b : c ? d : e`.
                let then = op
                    .into_inner()
                    .find(|q| q.as_rule() == Rule::expr)
                    .unwrap_or_else(|| unreachable!("parse_binary: ternary without value"));
                let then = self.parse_expr(then)?;
                let otherwise = self.parse_binary(pairs, prec)?;
                let span = lhs.span.to(otherwise.span);
                lhs = Expr {
                    kind: ExprKind::Ternary {
                        cond: Box::new(lhs),
                        then: Box::new(then),
                        otherwise: Box::new(otherwise),
                    },
                    span,
                };
                continue;
            }
            // Left associative: the right operand only takes tighter operators.
            let rhs = self.parse_binary(pairs, prec + 1)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary {
                    op: binary_op(rule),
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            };
        }
        Ok(lhs)
    }

    /// Prefix operators (casts included), an operand, then postfix operators.
    fn parse_operand<'i>(&self, pairs: &mut std::iter::Peekable<Pairs<'i, Rule>>) -> Result<Expr> {
        let mut prefixes = Vec::new();
        let mut operand = loop {
            let Some(p) = pairs.next() else {
                unreachable!("parse_operand: an operand follows its prefixes")
            };
            match p.as_rule() {
                Rule::cast
                | Rule::op_neg
                | Rule::op_plus
                | Rule::op_bitnot
                | Rule::op_not
                | Rule::op_deref
                | Rule::op_addr => {
                    self.expr_chain.step(self.span(&p), "expression")?;
                    prefixes.push(p);
                }
                _ => break self.parse_primary(p)?,
            }
        };
        while let Some(op) = pairs.peek() {
            if !matches!(op.as_rule(), Rule::member_op | Rule::index_op) {
                break;
            }
            let op = pairs
                .next()
                .unwrap_or_else(|| unreachable!("parse_operand: peeked"));
            self.expr_chain.step(operand.span, "expression")?;
            let span = operand.span.to(self.span(&op));
            let kind = match op.as_rule() {
                Rule::member_op => {
                    let arrow = op.as_str().trim_start().starts_with("->");
                    let member = op
                        .into_inner()
                        .next()
                        .map(|m| self.ident(&m))
                        .unwrap_or_else(|| unreachable!("parse_operand: member without name"));
                    ExprKind::Member {
                        base: Box::new(operand),
                        arrow,
                        member,
                    }
                }
                _ => {
                    let idx = op
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::expr)
                        .unwrap_or_else(|| unreachable!("parse_operand: empty index"));
                    ExprKind::Index {
                        base: Box::new(operand),
                        index: Box::new(self.parse_expr(idx)?),
                    }
                }
            };
            operand = Expr { kind, span };
        }
        // Prefix operators apply innermost first.
        for op in prefixes.into_iter().rev() {
            let span = self.span(&op).to(operand.span);
            let kind = match op.as_rule() {
                Rule::cast => {
                    let tn = op
                        .into_inner()
                        .next()
                        .unwrap_or_else(|| unreachable!("parse_operand: empty cast"));
                    ExprKind::Cast {
                        ty: Box::new(self.parse_type_name(tn)?),
                        operand: Box::new(operand),
                    }
                }
                r => ExprKind::Unary {
                    op: match r {
                        Rule::op_neg => UnaryOp::Neg,
                        Rule::op_plus => UnaryOp::Plus,
                        Rule::op_bitnot => UnaryOp::BitNot,
                        Rule::op_not => UnaryOp::Not,
                        Rule::op_deref => UnaryOp::Deref,
                        Rule::op_addr => UnaryOp::AddrOf,
                        r => unreachable!("parse_operand: unexpected prefix {r:?}"),
                    },
                    operand: Box::new(operand),
                },
            };
            operand = Expr { kind, span };
        }
        Ok(operand)
    }

    /// A literal, name, `sizeof` or parenthesized expression.
    fn parse_primary(&self, pair: P<'_>) -> Result<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number => self.parse_number(&pair, span)?,
            Rule::string => {
                let wide = pair.as_str().starts_with('L');
                let lit = self.parse_string_lit(pair)?;
                ExprKind::Str {
                    value: lit.value,
                    wide,
                }
            }
            Rule::char_lit => {
                let raw = pair.as_str();
                let wide = raw.starts_with('L');
                let body = raw
                    .trim_start_matches('L')
                    .strip_prefix('\'')
                    .and_then(|r| r.strip_suffix('\''))
                    .unwrap_or(raw);
                let decoded = unescape_c(body).map_err(|m| err(span, m))?;
                let mut chars = decoded.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    return Err(err(
                        span,
                        format!("character literal {raw} must hold exactly one character"),
                    ));
                };
                ExprKind::Char {
                    value: c as u32,
                    wide,
                }
            }
            Rule::sizeof_expr => {
                let inner = pair
                    .into_inner()
                    .find(|p| matches!(p.as_rule(), Rule::type_name | Rule::expr))
                    .unwrap_or_else(|| unreachable!("parse_primary: empty sizeof"));
                let ty = match inner.as_rule() {
                    Rule::type_name => self.parse_type_name(inner)?,
                    _ => {
                        return Err(err(
                            self.span(&inner),
                            "`sizeof` applies to a type, not to an expression",
                        ));
                    }
                };
                ExprKind::Sizeof { ty: Box::new(ty) }
            }
            Rule::paren_expr => {
                let inner = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::expr)
                    .unwrap_or_else(|| unreachable!("parse_primary: empty parentheses"));
                return self.parse_expr(inner);
            }
            Rule::qname => ExprKind::Ident {
                name: pair.as_str().to_string(),
            },
            r => unreachable!("parse_primary: unexpected {r:?}"),
        };
        Ok(Expr { kind, span })
    }

    /// A number: `0x1Fu`, `42L`, `017`, `1.5e3`, `1.0f`.
    fn parse_number(&self, pair: &P<'_>, span: Span) -> Result<ExprKind> {
        let raw = pair.as_str();
        let malformed = || err(span, format!("malformed number `{raw}`"));
        let lower = raw.to_ascii_lowercase();
        if let Some(hex) = lower.strip_prefix("0x") {
            let digits_end = hex
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(hex.len());
            let (digits, suffix) = hex.split_at(digits_end);
            if digits.is_empty() || !is_int_suffix(suffix) {
                return Err(malformed());
            }
            return self.int_value(raw, digits, 16, suffix, true, span);
        }
        let digits_end = lower
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(lower.len());
        let (digits, suffix) = lower.split_at(digits_end);
        if is_int_suffix(suffix) && !digits.is_empty() {
            if digits.len() > 1 && digits.starts_with('0') {
                if !digits.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
                    return Err(malformed());
                }
                return self.int_value(raw, &digits[1..], 8, suffix, true, span);
            }
            return self.int_value(raw, digits, 10, suffix, false, span);
        }
        // A floating-point number: digits, optional fraction and exponent, optional f/l.
        let body = lower.strip_suffix(['f', 'l']).unwrap_or(&lower);
        let valid = body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
            && body.bytes().filter(|&c| c == b'.').count() <= 1;
        match body.parse::<f64>() {
            Ok(value) if valid => Ok(ExprKind::Float { value }),
            _ => Err(malformed()),
        }
    }

    /// The value of an integer literal's digits.
    fn int_value(
        &self,
        raw: &str,
        digits: &str,
        radix: u32,
        suffix: &str,
        non_decimal: bool,
        span: Span,
    ) -> Result<ExprKind> {
        let value = u128::from_str_radix(digits, radix)
            .map_err(|_| err(span, format!("integer literal `{raw}` is too large")))?;
        Ok(ExprKind::Int {
            value,
            unsigned: suffix.contains('u'),
            non_decimal,
        })
    }

    /// A string (adjacent literals concatenated), C escapes decoded.
    fn parse_string_lit(&self, pair: P<'_>) -> Result<StrLit> {
        let span = self.span(&pair);
        let mut value = String::new();
        for part in pair.into_inner() {
            let raw = part.as_str();
            let body = raw
                .trim_start_matches('L')
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or(raw);
            value.push_str(&unescape_c(body).map_err(|m| err(self.span(&part), m))?);
        }
        Ok(StrLit { value, span })
    }
}

/// Whether `s` (lower case) is a valid C integer suffix: `u`, `l`, `ul`, `ll`, `ull`, `i64` ...
fn is_int_suffix(s: &str) -> bool {
    matches!(
        s,
        "" | "u" | "l" | "ul" | "lu" | "ll" | "ull" | "llu" | "i64" | "ui64" | "i32" | "ui32"
    )
}

/// Binding strength of an infix operator (C's table; higher binds tighter); 0 for rules that
/// are not infix operators.
fn precedence(rule: Rule) -> u8 {
    match rule {
        Rule::ternary_op => 1,
        Rule::op_logor => 2,
        Rule::op_logand => 3,
        Rule::op_bitor => 4,
        Rule::op_bitxor => 5,
        Rule::op_bitand => 6,
        Rule::op_eq | Rule::op_ne => 7,
        Rule::op_lt | Rule::op_gt | Rule::op_le | Rule::op_ge => 8,
        Rule::op_shl | Rule::op_shr => 9,
        Rule::op_add | Rule::op_sub => 10,
        Rule::op_mul | Rule::op_div | Rule::op_rem => 11,
        _ => 0,
    }
}

/// The operator of an infix rule.
fn binary_op(rule: Rule) -> BinaryOp {
    match rule {
        Rule::op_logor => BinaryOp::LogOr,
        Rule::op_logand => BinaryOp::LogAnd,
        Rule::op_bitor => BinaryOp::BitOr,
        Rule::op_bitxor => BinaryOp::BitXor,
        Rule::op_bitand => BinaryOp::BitAnd,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_le => BinaryOp::Le,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_shl => BinaryOp::Shl,
        Rule::op_shr => BinaryOp::Shr,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        Rule::op_rem => BinaryOp::Rem,
        r => unreachable!("binary_op: unexpected {r:?}"),
    }
}

/// `1.0` → (1, 0) when written as two plain digit runs.
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.split_once('.')?;
    if a.is_empty()
        || b.is_empty()
        || !a.bytes().all(|c| c.is_ascii_digit())
        || !b.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// widl's string handling for `cpp_quote`: `\\` and `\"` lose their backslash; every other
/// escape is copied as written (it is C code for the generated header).
fn unescape_quotes(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('\\' | '"')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes C escapes (`\n`, `\x41`, `\101`, `\u00e9` ...).
fn unescape_c(body: &str) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            return Err("string ends with a lone backslash".to_string());
        };
        let decoded = match e {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'a' => '\x07',
            'b' => '\x08',
            'f' => '\x0c',
            'v' => '\x0b',
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                char::from_u32(v).unwrap_or('\u{fffd}')
            }
            'x' | 'u' | 'U' => {
                let max = match e {
                    'x' => 8,
                    'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                let mut n = 0;
                while n < max {
                    match chars.peek().and_then(|c| c.to_digit(16)) {
                        Some(d) => {
                            v = v.wrapping_mul(16).wrapping_add(d);
                            chars.next();
                            n += 1;
                        }
                        None => break,
                    }
                }
                if n == 0 {
                    return Err(format!("`\\{e}` escape without hex digits"));
                }
                char::from_u32(v).unwrap_or('\u{fffd}')
            }
            other => other,
        };
        out.push(decoded);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_escapes_decode() {
        assert_eq!(unescape_c(r"a\nb\x41\101\\\'").unwrap(), "a\nbAA\\'");
        assert!(unescape_c(r"\x").is_err());
        assert_eq!(unescape_quotes(r#"a\\n \"q\" \n"#), r#"a\n "q" \n"#);
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("1.10"), Some((1, 10)));
        assert_eq!(parse_version("1.5e3"), None);
    }
}
