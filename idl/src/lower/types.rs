//! Lowering type specifiers: base types, named types, and inline struct, union and enum
//! definitions.

use std::sync::Arc;

use crate::model::*;
use crate::syntax::Rule;

use super::{Lower, P, Result, children, err};

impl Lower<'_> {
    /// Declaration specifiers → (type, storage class).
    pub(super) fn parse_decl_spec(&self, pair: P<'_>) -> Result<(Type, Option<String>)> {
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
    pub(super) fn parse_type_spec(&self, pair: P<'_>) -> Result<Type> {
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
    pub(super) fn parse_base_type(&self, pair: &P<'_>) -> Result<BaseType> {
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
    pub(super) fn parse_named_type(&self, pair: P<'_>) -> Result<Type> {
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
    pub(super) fn parse_type_name(&self, pair: P<'_>) -> Result<Type> {
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
    pub(super) fn parse_struct_spec(&self, pair: P<'_>) -> Result<StructType> {
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
    pub(super) fn parse_struct_body(&self, pair: P<'_>) -> Result<Vec<Field>> {
        let mut fields = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::field => fields.extend(self.parse_field(p)?),
                Rule::lbrace | Rule::rbrace | Rule::pragma_line | Rule::cpp_quote => {}
                r => unreachable!("parse_struct_body: unexpected {r:?}"),
            }
        }
        // The model keeps the fields: no room left over from growing the vector.
        fields.shrink_to_fit();
        Ok(fields)
    }

    /// `[attrs] spec a, b : 3;` → one field per declarator (a nameless member gives one
    /// field without a name; an empty union arm `[default];` gives a `void` field).
    pub(super) fn parse_field(&self, pair: P<'_>) -> Result<Vec<Field>> {
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
                                    bits = Some(Box::new(self.parse_expr(e)?));
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
    pub(super) fn parse_union_spec(&self, pair: P<'_>) -> Result<StructType> {
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
    pub(super) fn parse_union_switch(&self, pair: P<'_>) -> Result<UnionSwitch> {
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
    pub(super) fn parse_union_case(&self, pair: P<'_>) -> Result<UnionCase> {
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
    pub(super) fn parse_enum_spec(&self, pair: P<'_>) -> Result<EnumType> {
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
    pub(super) fn parse_enumerator(&self, pair: P<'_>) -> Result<Enumerator> {
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
}
