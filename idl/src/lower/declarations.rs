//! Lowering declarations: typedefs, constants, and declarations of variables and functions with
//! their declarator lists.

use std::sync::Arc;

use crate::model::*;
use crate::source::Span;
use crate::syntax::Rule;

use super::{Declared, Lower, P, Result};

impl Lower<'_> {
    /// `typedef [attrs] spec declarators;`
    pub(super) fn parse_typedef(
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
    pub(super) fn parse_const_def(
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
    pub(super) fn parse_declaration(
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
    pub(super) fn parse_declaration_parts(
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
    pub(super) fn parse_declarator_list(&self, pair: P<'_>, base: Type) -> Result<Vec<Declarator>> {
        let list: Vec<P<'_>> = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::init_declarator)
            .collect();
        let mut out = Vec::with_capacity(list.len());
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
}
