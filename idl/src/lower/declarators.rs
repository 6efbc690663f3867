//! Lowering declarators: pointers, arrays, function suffixes and parameters.

use crate::model::*;
use crate::syntax::Rule;

use super::{DeclaratorParts, Lower, P, Result, children};

impl Lower<'_> {
    /// Applies a (possibly abstract) declarator to `base`.
    ///
    /// C reads declarators inside out: in `(__stdcall *pfn)(int)`, the suffix `(int)` applies
    /// first (function returning `base`), then the inner `*` (pointer to it).
    pub(super) fn parse_declarator(&self, pair: P<'_>, base: Type) -> Result<DeclaratorParts> {
        self.declarator_chain
            .within(|| self.parse_declarator_inner(pair, base))
    }

    /// [`Lower::parse_declarator`] within its chain count.
    pub(super) fn parse_declarator_inner(
        &self,
        pair: P<'_>,
        base: Type,
    ) -> Result<DeclaratorParts> {
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
                            size: Box::new(size),
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
    pub(super) fn parse_param_suffix(&self, pair: P<'_>) -> Result<Vec<Param>> {
        let mut lists = children(pair, Rule::param_list, |list| {
            children(list, Rule::param, |q| self.parse_param(q))
        })?;
        // One list (the usual case) is kept as lowered, at its exact length.
        if lists.len() == 1 {
            return Ok(lists.pop().unwrap_or_default());
        }
        let mut params = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        params.extend(lists.into_iter().flatten());
        Ok(params)
    }

    /// `[attrs] spec declarator`
    pub(super) fn parse_param(&self, pair: P<'_>) -> Result<Param> {
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
}
