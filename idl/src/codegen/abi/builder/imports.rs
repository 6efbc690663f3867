//! Imported declarations: what the root files need from the files they import (structs, enums,
//! handles, base interfaces) is queued while they are lowered, then lowered in turn.

use crate::source::Span;
use crate::symbols::Symbol;

use super::super::stand_ins;
use super::super::*;
use super::types::is_handle;
use super::{ApiBuilder, HIDDEN_FROM_C, mark_stand_ins};

impl ApiBuilder<'_> {
    /// Queues an imported struct, enum or handle for emission.
    pub(super) fn need(&mut self, name: &str) {
        if self.imported_seen.insert(name.to_string()) {
            self.imported_queue.push(name.to_string());
        }
    }

    /// Queues an imported interface that a class of the root files implements
    /// (`coclass Document { interface IPersistStream; }` over `import "objidl.idl"`), so that
    /// a crate can implement it from a small IDL file of its own.
    pub(super) fn need_class_interface(&mut self, name: &str) {
        self.class_interfaces.insert(name.to_string());
        self.need(name);
    }

    /// Queues an imported interface that a parameter names, when the interface being lowered
    /// is one a class implements: its methods then take and return typed interfaces
    /// (`IPersistStream::Load` takes `Option<IStream>`, not a raw pointer). One level only,
    /// and not for the root files' own interfaces, whose parameters keep the raw pointer for an
    /// interface nothing else emits: the SDK's interfaces name one another without end
    /// (`IShellItem` → `IBindCtx` → `IMoniker` → `IStorage` ...). Every one, at any depth,
    /// when the view is asked for all of them (the RDL's).
    pub(super) fn need_referenced_interface(&mut self, name: &str) {
        if self.lowering_class_interface || self.all_referenced_interfaces {
            self.need(name);
        }
    }

    /// Lowers the queued imported declarations (and what they need in turn).
    pub(in super::super) fn imported(&mut self) {
        while let Some(name) = self.imported_queue.pop() {
            let Some(span) = self.imported_span(&name) else {
                continue;
            };
            self.lowering_class_interface = self.class_interfaces.contains(&name);
            let hidden = self.c_view.hidden.contains(&span);
            let first = self.imported_decls.len();
            self.guarded(vec![(name.clone(), span)], Origin::Imported, |b| {
                if hidden && !b.is_handle_typedef(&name) && !stand_ins::has_sdk_layout(&name) {
                    b.error(span, HIDDEN_FROM_C);
                } else {
                    b.imported_one(&name);
                }
            });
            if hidden {
                mark_stand_ins(&mut self.imported_decls[first..]);
            }
        }
        self.lowering_class_interface = false;
    }

    /// Where the imported declaration named `name` is, if there is one.
    fn imported_span(&self, name: &str) -> Option<Span> {
        match self.model.lookup(name) {
            Some(Symbol::Typedef { typedef, .. }) => Some(typedef.span),
            Some(Symbol::Interface(def)) => Some(def.span),
            _ => match self.model.lookup_tag(name) {
                Some(Symbol::StructTag(s)) => Some(s.span),
                Some(Symbol::EnumTag(e)) => Some(e.span),
                _ => None,
            },
        }
    }

    /// Whether `name` is a typedef of a handle (see `generated_when_hidden`).
    fn is_handle_typedef(&self, name: &str) -> bool {
        matches!(
            self.model.lookup(name),
            Some(Symbol::Typedef { typedef, index })
                if is_handle(name, &typedef.declarators[*index].ty)
        )
    }

    /// Lowers one queued imported declaration.
    fn imported_one(&mut self, name: &str) {
        let decls = match self.model.lookup(name).cloned() {
            Some(Symbol::Typedef { typedef, .. }) => {
                self.typedef(&typedef, Origin::Imported, Some(name))
            }
            Some(Symbol::Interface(def)) => {
                self.interface(&def, Origin::Imported);
                Vec::new()
            }
            _ => match self.model.lookup_tag(name).cloned() {
                Some(Symbol::StructTag(s)) => self
                    .structure(&s, name, Origin::Imported)
                    .map(|st| Decl {
                        name: name.to_string(),
                        doc: format!("`struct {name}`."),
                        origin: Origin::Imported,
                        span: s.span,
                        kind: DeclKind::Struct(st),
                    })
                    .into_iter()
                    .collect(),
                Some(Symbol::EnumTag(e)) => self
                    .enumeration(&e)
                    .map(|en| Decl {
                        name: name.to_string(),
                        doc: format!("`enum {name}`."),
                        origin: Origin::Imported,
                        span: e.span,
                        kind: DeclKind::Enum(en),
                    })
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            },
        };
        self.imported_decls.extend(decls);
    }
}
