//! Struct packing: which struct definitions are laid out under `#pragma pack`.
//!
//! IDL files set packing the way C headers do, and widl passes it on to the C it writes:
//! `#pragma pack(push, N)` / `#pragma pack(pop)` / `#pragma pack(N)` lines (also from an
//! `#include <pshpackN.h>` that the preprocessor expands), and `cpp_quote("#include
//! <pshpackN.h>")` / `cpp_quote("#include <poppack.h>")` lines that only the C compiler sees.
//! Every file is walked in source order with a stack of packings, and each struct definition
//! met while one is in force records it (nested definitions included, as in C).

use std::collections::HashMap;

use crate::compilation::Compilation;
use crate::model::{Item, StructType, Type, TypeKind};

/// The packing in force at each struct definition (by address) defined under one.
pub(super) fn packs(model: &Compilation) -> HashMap<usize, u32> {
    let mut scan = Scan::default();
    for file in model.files() {
        scan.stack.clear();
        scan.current = None;
        scan.items(&file.items);
    }
    scan.out
}

#[derive(Default)]
struct Scan {
    /// Packings saved by `push`.
    stack: Vec<Option<u32>>,
    /// The packing in force (`None`: the default, natural alignment).
    current: Option<u32>,
    out: HashMap<usize, u32>,
}

impl Scan {
    fn items(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Pragma(p) => self.pragma(&p.text),
                Item::CppQuote(q) => self.cpp_quote(&q.text),
                Item::Typedef(t) => {
                    self.ty(&t.spec);
                    for d in &t.declarators {
                        self.ty(&d.ty);
                    }
                }
                Item::Declaration(d) => self.ty(&d.spec),
                Item::Library(l) | Item::Module(l) => self.items(&l.items),
                Item::Namespace(n) => self.items(&n.items),
                Item::Interface(i) => self.items(&i.items),
                _ => {}
            }
        }
    }

    /// Records the struct definitions inside `ty`.
    fn ty(&mut self, ty: &Type) {
        match &ty.kind {
            TypeKind::Struct(s) if s.is_definition() => self.structure(s),
            TypeKind::Const(inner) => self.ty(inner),
            TypeKind::Pointer { pointee, .. } => self.ty(pointee),
            TypeKind::Array { element, .. } => self.ty(element),
            _ => {}
        }
    }

    fn structure(&mut self, s: &StructType) {
        if let Some(n) = self.current {
            self.out.insert(std::ptr::from_ref(s) as usize, n);
        }
        for f in s.fields.as_deref().unwrap_or_default() {
            self.ty(&f.ty);
        }
    }

    /// `pack(push, N)`, `pack(push)`, `pack(pop)`, `pack(N)`, `pack()`.
    fn pragma(&mut self, text: &str) {
        let Some(args) = text
            .trim()
            .strip_prefix("pack")
            .map(str::trim)
            .and_then(|r| r.strip_prefix('('))
            .and_then(|r| r.strip_suffix(')'))
        else {
            return;
        };
        let parts: Vec<&str> = args.split(',').map(str::trim).collect();
        match parts.as_slice() {
            ["push", rest @ ..] => {
                self.stack.push(self.current);
                if let Some(n) = rest.iter().find_map(|p| p.parse::<u32>().ok()) {
                    self.current = Some(n);
                }
            }
            ["pop", ..] => self.current = self.stack.pop().flatten(),
            [""] | [] => self.current = None,
            [n] => {
                if let Ok(n) = n.parse::<u32>() {
                    self.current = Some(n);
                }
            }
            _ => {}
        }
    }

    /// `#include <pshpackN.h>` pushes packing `N`; `#include <poppack.h>` pops it.
    fn cpp_quote(&mut self, text: &str) {
        let Some(header) = text
            .trim()
            .strip_prefix("#include")
            .map(|r| r.trim().trim_matches(|c| c == '<' || c == '>' || c == '"'))
        else {
            return;
        };
        if let Some(n) = header
            .strip_prefix("pshpack")
            .and_then(|r| r.strip_suffix(".h"))
            .and_then(|n| n.parse::<u32>().ok())
        {
            self.stack.push(self.current);
            self.current = Some(n);
        } else if header == "poppack.h" {
            self.current = self.stack.pop().flatten();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Scan;

    #[test]
    fn pragmas_and_pshpack_includes_nest() {
        let mut scan = Scan::default();
        scan.pragma("pack(push, 1)");
        assert_eq!(scan.current, Some(1));
        scan.cpp_quote("#include <pshpack8.h>");
        assert_eq!(scan.current, Some(8));
        scan.cpp_quote("#include <poppack.h>");
        assert_eq!(scan.current, Some(1));
        scan.pragma("pack(pop)");
        assert_eq!(scan.current, None);
        scan.pragma("pack(2)");
        assert_eq!(scan.current, Some(2));
        scan.pragma("pack()");
        assert_eq!(scan.current, None);
        scan.pragma("warning(disable: 4201)");
        assert_eq!(scan.current, None);
    }
}
