//! Structs and unions: members, the struct and union definitions written inside them (named
//! after their parent when untagged), encapsulated unions, and runs of bit fields laid out as
//! MSVC lays them out.

use crate::model::{self, StructKind, StructType, TypeKind};
use crate::source::Span;

use super::super::*;
use super::ApiBuilder;

impl ApiBuilder<'_> {
    /// Lowers a struct or union definition emitted under `name`. Definitions written inside
    /// its body (members' own struct and union types, an encapsulated union's arm) are
    /// lowered first and pushed as inline declarations (see [`Struct::inline`]).
    pub(in super::super) fn structure(
        &mut self,
        s: &StructType,
        name: &str,
        origin: Origin,
    ) -> Option<Struct> {
        let mut untagged = 0;
        let mut fields = Vec::new();
        let mut ok = true;
        if let Some(sw) = &s.switch {
            // An encapsulated union is a struct of the discriminant and the union of the
            // cases (MIDL's C names the union member `tagged_union` when the IDL does not).
            let ty = self.ty(&sw.ty)?;
            fields.push(Field {
                name: sw.name.name.clone(),
                nameless: false,
                bits: Vec::new(),
                doc: "The discriminant: which member of the union is valid.".to_string(),
                ty,
            });
            let arm_fields: Vec<&model::Field> =
                sw.cases.iter().filter_map(|c| c.field.as_ref()).collect();
            let arm = sw.arm.as_ref().map_or("tagged_union", |a| a.name.as_str());
            let union_name = format!("{name}_{untagged}");
            untagged += 1;
            let union = self.case_union(&arm_fields, &union_name, s.span, origin)?;
            self.push_inline(&union_name, s.span, origin, union, name, arm);
            fields.push(Field {
                name: arm.to_string(),
                nameless: false,
                bits: Vec::new(),
                doc: "The union of the cases.".to_string(),
                ty: Ty::Named {
                    name: union_name,
                    kind: NamedKind::Struct,
                },
            });
        }
        let own: Vec<&model::Field> = s.fields.as_deref().unwrap_or_default().iter().collect();
        let is_union = s.kind == StructKind::Union && s.switch.is_none();
        let mut run: Option<BitRun> = None;
        for f in &own {
            // An empty union arm (`[default] ;`) declares no member.
            if is_union && f.name.is_none() && matches!(f.ty.kind, TypeKind::Void) {
                continue;
            }
            if f.bits.is_some() && !is_union {
                match self.bit_field(f, &mut run) {
                    Some(Some(unit)) => fields.push(unit),
                    Some(None) => {}
                    None => ok = false,
                }
                continue;
            }
            if let Some(done) = run.take() {
                fields.push(done.field);
            }
            match self.member(f, name, &mut untagged, origin) {
                Some(field) => fields.push(field),
                None => ok = false,
            }
        }
        if let Some(done) = run.take() {
            fields.push(done.field);
        }
        name_bit_units(&mut fields);
        if !ok {
            return None;
        }
        if fields.is_empty() {
            self.error(s.span, "an empty struct is not valid C");
            return None;
        }
        Some(Struct {
            tag: s
                .tag
                .as_ref()
                .filter(|t| !self.c_view.is_defined_away(&t.name))
                .map(|t| t.name.clone()),
            is_union,
            inline: false,
            fields,
            pack: self
                .c_view
                .packs
                .get(&(std::ptr::from_ref(s) as usize))
                .copied(),
        })
    }

    /// The union of an encapsulated union's cases, emitted under `name`.
    fn case_union(
        &mut self,
        cases: &[&model::Field],
        name: &str,
        span: Span,
        origin: Origin,
    ) -> Option<Struct> {
        let mut untagged = 0;
        let mut fields = Vec::new();
        let mut ok = true;
        for f in cases {
            if f.name.is_none() && matches!(f.ty.kind, TypeKind::Void) {
                continue;
            }
            match self.member(f, name, &mut untagged, origin) {
                Some(field) => fields.push(field),
                None => ok = false,
            }
        }
        if fields.is_empty() && ok {
            // Every case empty: MIDL's C still declares the union, with no member to size
            // it; C compilers reject that.
            self.error(span, "a union without members is not valid C");
            return None;
        }
        ok.then_some(Struct {
            tag: None,
            is_union: true,
            inline: true,
            fields,
            pack: None,
        })
    }

    /// One member of the struct or union `parent`. A struct or union defined in the member's
    /// declaration is lowered and pushed as an inline declaration named by its tag, or, when
    /// it has none C sees, `{parent}_{n}` (`n` counting such members from 0).
    fn member(
        &mut self,
        f: &model::Field,
        parent: &str,
        untagged: &mut usize,
        origin: Origin,
    ) -> Option<Field> {
        if f.bits.is_some() {
            self.error(
                f.span,
                "bit fields in unions are not supported by code generation",
            );
            return None;
        }
        let written = f.name.as_ref().map(|n| n.name.clone()).unwrap_or_default();
        let nameless = written.is_empty() || self.c_view.is_defined_away(&written);
        let ty = match &f.ty.unqualified().kind {
            TypeKind::Struct(def) if def.is_definition() => {
                let tag = def
                    .tag
                    .as_ref()
                    .filter(|t| !self.c_view.is_defined_away(&t.name));
                let nested = match tag {
                    Some(t) => t.name.clone(),
                    None => {
                        *untagged += 1;
                        format!("{parent}_{}", *untagged - 1)
                    }
                };
                let mut st = self.structure(def, &nested, origin)?;
                st.inline = true;
                self.push_inline(&nested, def.span, origin, st, parent, &written);
                Ty::Named {
                    name: nested,
                    kind: NamedKind::Struct,
                }
            }
            _ => self.ty(&f.ty)?,
        };
        if matches!(ty.resolved(), Ty::Void | Ty::Interface(_)) {
            self.error(f.span, "a struct member must have a complete type");
            return None;
        }
        let doc = doc_or(&f.doc, || {
            if written.is_empty() {
                "A nameless member: C reaches its members as the parent's own.".to_string()
            } else {
                format!("The `{written}` member.")
            }
        });
        Some(Field {
            name: written,
            nameless,
            bits: Vec::new(),
            doc,
            ty,
        })
    }

    /// Adds bit field `f` to the current run of bit fields (MSVC's layout: a bit field shares
    /// the storage unit of the one before when their declared types have the same size and
    /// the unit has room; otherwise it starts a unit of its own type; a zero-width bit field
    /// closes the unit). Returns the unit it closed, if any; `None` when `f` cannot be laid out.
    fn bit_field(&mut self, f: &model::Field, run: &mut Option<BitRun>) -> Option<Option<Field>> {
        let ty = self.ty(&f.ty)?;
        let size = match ty.resolved() {
            Ty::Prim(p) if p.is_integer() => prim_size(*p),
            Ty::Named {
                kind: NamedKind::Enum,
                ..
            } => 4,
            _ => {
                self.error(f.span, "a bit field must have an integer or enum type");
                return None;
            }
        };
        let Some(width) = f.bits_value.value().and_then(|w| u32::try_from(w).ok()) else {
            self.error(f.span, "the bit field's width is not a known constant");
            return None;
        };
        if width > size * 8 {
            self.error(f.span, "the bit field is wider than its type");
            return None;
        }
        let name = f.name.as_ref().map(|n| n.name.clone()).unwrap_or_default();
        let fits = run
            .as_ref()
            .is_some_and(|r| r.size == size && r.used + width <= size * 8);
        let closed = if width == 0 || !fits {
            run.take()
        } else {
            None
        };
        if width == 0 {
            return Some(closed.map(|r| r.field));
        }
        let r = run.get_or_insert_with(|| BitRun {
            size,
            used: 0,
            field: Field {
                name: String::new(),
                nameless: false,
                bits: Vec::new(),
                doc: String::new(),
                ty,
            },
        });
        r.field.bits.push(BitField {
            name,
            offset: r.used,
            width,
        });
        r.used += width;
        Some(closed.map(|r| r.field))
    }

    /// Pushes the inline declaration of the type of `parent`'s member `member`.
    fn push_inline(
        &mut self,
        name: &str,
        span: Span,
        origin: Origin,
        st: Struct,
        parent: &str,
        member: &str,
    ) {
        let what = if st.is_union { "union" } else { "struct" };
        let doc = if member.is_empty() {
            format!("The {what} of a nameless member of `{parent}`.")
        } else {
            format!("The {what} of `{parent}`'s `{member}` member.")
        };
        let decl = Decl {
            name: name.to_string(),
            doc,
            origin,
            span,
            kind: DeclKind::Struct(st),
        };
        match origin {
            Origin::Root => self.decls.push(decl),
            Origin::Imported => {
                self.imported_seen.insert(name.to_string());
                self.imported_decls.push(decl);
            }
        }
    }
}

/// A run of bit fields being laid out in one storage unit.
struct BitRun {
    /// The size of the unit in bytes.
    size: u32,
    /// The bits taken so far.
    used: u32,
    /// The unit's field, its bit fields so far.
    field: Field,
}

/// The size in bytes of an integer primitive.
fn prim_size(p: Prim) -> u32 {
    match p {
        Prim::Char | Prim::I8 | Prim::U8 => 1,
        Prim::I16 | Prim::U16 | Prim::WChar => 2,
        Prim::I32 | Prim::U32 | Prim::F32 => 4,
        Prim::I64 | Prim::U64 | Prim::ISize | Prim::USize | Prim::F64 => 8,
    }
}

/// Names the storage units of bit fields (`_bitfield`, or `_bitfield1`, `_bitfield2` ...) and
/// documents what each holds.
fn name_bit_units(fields: &mut [Field]) {
    let units = fields.iter().filter(|f| !f.bits.is_empty()).count();
    let mut n = 0;
    for f in fields.iter_mut().filter(|f| !f.bits.is_empty()) {
        n += 1;
        f.name = if units == 1 {
            "_bitfield".to_string()
        } else {
            format!("_bitfield{n}")
        };
        let parts: Vec<String> = f
            .bits
            .iter()
            .map(|b| {
                let name = if b.name.is_empty() {
                    "(unnamed)"
                } else {
                    &b.name
                };
                format!("`{name}`: bits {}..{}", b.offset, b.offset + b.width)
            })
            .collect();
        f.doc = format!(
            "The storage unit of bit fields, lowest bits first: {}.",
            parts.join(", ")
        );
    }
}
