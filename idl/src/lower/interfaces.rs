//! Lowering interfaces, dispinterfaces, classes, libraries, modules, API contracts, delegates
//! and `declare` blocks.

use std::sync::Arc;

use crate::model::*;
use crate::source::Span;
use crate::syntax::Rule;

use super::{Declared, Lower, P, Result, children, err};

impl Lower<'_> {
    /// `interface Name<T> : Base requires X { ... }` or `interface Name;`
    pub(super) fn parse_interface(
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
    pub(super) fn parse_generic_params(&self, pair: P<'_>) -> Vec<Ident> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(&p))
            .collect()
    }

    /// `dispinterface Name { ... }` or forward.
    pub(super) fn parse_dispinterface(
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
        // The model keeps them: no room left over from growing the vectors.
        properties.shrink_to_fit();
        methods.shrink_to_fit();
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
    pub(super) fn parse_class(
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
    pub(super) fn parse_class_member(&self, pair: P<'_>) -> Result<CoclassMember> {
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
    pub(super) fn parse_library(
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
    pub(super) fn parse_module(
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
    pub(super) fn parse_apicontract(
        &self,
        pair: P<'_>,
        attrs: Vec<Attribute>,
        doc: Doc,
        span: Span,
    ) -> Item {
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
    pub(super) fn parse_delegate(
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
    pub(super) fn parse_declare(&self, pair: P<'_>, span: Span) -> Result<Item> {
        let instances = children(pair, Rule::named_type, |p| self.parse_named_type(p))?;
        Ok(Item::Declare(Arc::new(Declare { instances, span })))
    }
}
