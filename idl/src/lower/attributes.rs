//! Lowering attributes: `[uuid(...)]`, `[size_is(n)]`, `[custom(guid, value)]` and the rest.

use crate::model::*;
use crate::source::Span;
use crate::syntax::Rule;

use super::{Lower, P, Result, TYPE_ATTRIBUTES, children};

impl Lower<'_> {
    /// `[attrs][more]` → the attributes in order.
    pub(super) fn parse_attributes(&self, pair: P<'_>) -> Result<Vec<Attribute>> {
        children(pair, Rule::attribute, |p| self.parse_attribute(p))
    }

    /// `name`, `name(args)`, `uuid(...)`.
    pub(super) fn parse_attribute(&self, pair: P<'_>) -> Result<Attribute> {
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
    pub(super) fn parse_uuid_attribute(&self, pair: P<'_>, span: Span) -> Result<Attribute> {
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
    pub(super) fn parse_attribute_args(&self, pair: P<'_>, attr: &str) -> Result<Vec<AttrArg>> {
        let mut args = children(pair, Rule::attribute_arg, |p| {
            self.parse_attribute_arg(p, attr)
        })?;
        if let [AttrArg::Empty { .. }] = args.as_slice() {
            args.clear();
        }
        Ok(args)
    }

    /// One argument slot.
    pub(super) fn parse_attribute_arg(&self, pair: P<'_>, attr: &str) -> Result<AttrArg> {
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
            Rule::type_name => AttrArg::Type(Box::new(self.parse_type_name(inner)?)),
            Rule::numeric_expr => AttrArg::Expr(self.parse_numeric_expr(&inner)?),
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
                        AttrArg::Type(Box::new(Type {
                            kind: TypeKind::Named {
                                name: Ident {
                                    name: name.clone(),
                                    span: expr.span,
                                },
                                args: Vec::new(),
                            },
                            span: expr.span,
                        }))
                    }
                    _ => AttrArg::Expr(expr),
                }
            }
            r => unreachable!("parse_attribute_arg: unexpected {r:?}"),
        })
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

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions() {
        assert_eq!(parse_version("1.10"), Some((1, 10)));
        assert_eq!(parse_version("1.5e3"), None);
    }
}
