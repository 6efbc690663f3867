//! What the C compiler sees of an IDL file: struct packing, and the declarations that
//! `cpp_quote`d conditionals hide from it.
//!
//! IDL files set packing for C with `cpp_quote("#include <pshpackN.h>")` /
//! `cpp_quote("#include <poppack.h>")` lines, which only the C compiler sees. A `#pragma pack`
//! that reaches the IDL compiler itself (written in the IDL, or from an `#include <pshpackN.h>`
//! the preprocessor expands) is not carried into widl's C, so it does not change the layout
//! either: the bindings follow widl, whose headers the corpus proof compares them with.
//!
//! `cpp_quote("#if 0")` ... `cpp_quote("#endif")` around declarations is the MIDL idiom for
//! stand-ins that only the IDL compiler needs (the real definition comes from the SDK's C
//! headers); `#ifdef _WIN64` ... `#else` picks a packing per platform. The conditionals are
//! evaluated as a C compiler for Windows x64 that has included `<windows.h>` would:
//! `_WIN32`, `_WIN64`, `WIN32` and `_WINGDI_` defined, `__cplusplus` and every other name not,
//! an expression beyond `0`, `1`, `defined`, `!`, `&&` and `||` taken as true.
//!
//! An imported C header (`import "bdatypes.h"`) is different: C compilers read the header itself
//! (widl's C `#include`s it), so its own `#pragma pack` lines (and `#include <pshpackN.h>`,
//! which the preprocessor expands to them) do set the packing of what follows.
//!
//! A `cpp_quote("#include <X.h>")` defines what that SDK header defines; of those, the
//! include guards that IDL files test around their stand-ins are known here
//! ([`GUARDS_OF_INCLUDES`]: `<ks.h>` defines `_KS_`).
//!
//! Every file is walked in source order with a stack of packings and of conditionals; each
//! struct definition met while a packing is in force records it (nested definitions included,
//! as in C), and each item met in a false branch is recorded as hidden.

use std::collections::{HashMap, HashSet};

use crate::compilation::Compilation;
use crate::model::{Item, StructType, Type, TypeKind};
use crate::source::Span;

/// Names a C compiler for Windows x64 has defined once `<windows.h>` is included.
const DEFINED: &[&str] = &["_WIN32", "_WIN64", "WIN32", "_WINGDI_"];

/// SDK headers that IDL files `cpp_quote("#include ...")`, with the include guard each
/// defines that IDL files test (`cpp_quote("#ifndef _KS_")` around a stand-in of `<ks.h>`'s
/// types).
const GUARDS_OF_INCLUDES: &[(&str, &str)] = &[("ks.h", "_KS_")];

/// What the C compiler sees: the packing of struct definitions (by address) defined where one
/// is in force, and the items that conditionals hide from it.
#[derive(Debug, Default)]
pub(super) struct CView {
    pub(super) packs: HashMap<usize, u32>,
    /// Items hidden from C, by span (and the struct and enum definitions in them).
    pub(super) hidden: HashSet<Span>,
    /// Names a `cpp_quote` `#define`s to nothing, in any branch (`__VARIANT_NAME_1`,
    /// `__tagVARIANT`): as member names and tags, C compilers that take that branch see none.
    pub(super) defined_away: HashSet<String>,
}

impl CView {
    /// Whether C may see no name where the IDL writes `name` as a member name or a tag: a
    /// name a `cpp_quote` defines to nothing, or one of the SDK's `DUMMYUNIONNAME`,
    /// `DUMMYSTRUCTNAME` (`DUMMYUNIONNAME2` ...), which `<winnt.h>` defines to nothing unless
    /// `NONAMELESSUNION` is defined.
    pub(super) fn is_defined_away(&self, name: &str) -> bool {
        let dummy = ["DUMMYUNIONNAME", "DUMMYSTRUCTNAME"].iter().any(|p| {
            name.strip_prefix(p)
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        });
        dummy || self.defined_away.contains(name)
    }
}

/// Walks every file of `model`.
pub(super) fn c_view(model: &Compilation) -> CView {
    let mut scan = Scan::default();
    for file in model.files() {
        scan.stack.clear();
        scan.current = None;
        scan.conditions.clear();
        scan.defined.clear();
        scan.c_header = file.path.ends_with(".h");
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
    /// Open conditionals: (this branch is taken, an earlier branch was taken).
    conditions: Vec<(bool, bool)>,
    /// Guards defined by the SDK headers the file's `cpp_quote`s include so far.
    defined: Vec<&'static str>,
    /// Whether the file is a C header, which C compilers read themselves.
    c_header: bool,
    out: CView,
}

impl Scan {
    /// Whether the C compiler sees what comes now.
    fn visible(&self) -> bool {
        self.conditions.iter().all(|(taken, _)| *taken)
    }

    fn items(&mut self, items: &[Item]) {
        for item in items {
            if !matches!(item, Item::CppQuote(_)) && !self.visible() {
                self.out.hidden.insert(item.span());
                let spec = match item {
                    Item::Typedef(t) => Some(&t.spec),
                    Item::Declaration(d) => Some(&d.spec),
                    _ => None,
                };
                match spec.map(|t| &t.kind) {
                    Some(TypeKind::Struct(s)) => _ = self.out.hidden.insert(s.span),
                    Some(TypeKind::Enum(e)) => _ = self.out.hidden.insert(e.span),
                    _ => {}
                }
                continue;
            }
            match item {
                Item::CppQuote(q) => self.cpp_quote(&q.text),
                Item::Pragma(p) if self.c_header && !p.midl => self.pragma(&p.text),
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
            self.out.packs.insert(std::ptr::from_ref(s) as usize, n);
        }
        for f in s.fields.as_deref().unwrap_or_default() {
            self.ty(&f.ty);
        }
        let cases = s.switch.as_deref().map(|sw| sw.cases.as_slice());
        for case in cases.unwrap_or_default() {
            if let Some(f) = &case.field {
                self.ty(&f.ty);
            }
        }
    }

    /// `#include <pshpackN.h>` pushes packing `N`; `#include <poppack.h>` pops it; `#if`,
    /// `#ifdef`, `#ifndef`, `#elif`, `#else` and `#endif` open, switch and close conditionals.
    fn cpp_quote(&mut self, text: &str) {
        let line = text.trim();
        if let Some(define) = line
            .strip_prefix('#')
            .map(str::trim_start)
            .and_then(|d| d.strip_prefix("define"))
            .filter(|rest| rest.starts_with(char::is_whitespace))
        {
            let mut words = define.split_whitespace();
            if let (Some(name), None) = (words.next(), words.next())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                self.out.defined_away.insert(name.to_string());
            }
        }
        if let Some(directive) = line.strip_prefix('#').map(str::trim_start) {
            let (word, rest) = directive
                .split_once(|c: char| c.is_whitespace() || c == '(' || c == '!')
                .map_or((directive, ""), |(w, _)| (w, &directive[w.len()..]));
            let rest = rest.trim();
            match word {
                "if" => return self.open(condition(rest)),
                "ifdef" => return self.open(self.is_defined(rest)),
                "ifndef" => return self.open(!self.is_defined(rest)),
                "elif" => {
                    if let Some((taken, done)) = self.conditions.last_mut() {
                        *done |= *taken;
                        *taken = !*done && condition(rest);
                    }
                    return;
                }
                "else" => {
                    if let Some((taken, done)) = self.conditions.last_mut() {
                        *done |= *taken;
                        *taken = !*done;
                    }
                    return;
                }
                "endif" => {
                    self.conditions.pop();
                    return;
                }
                _ => {}
            }
        }
        if !self.visible() {
            return;
        }
        let Some(header) = text
            .trim()
            .strip_prefix("#include")
            .map(|r| r.trim().trim_matches(|c| c == '<' || c == '>' || c == '"'))
        else {
            return;
        };
        if let Some((_, guard)) = GUARDS_OF_INCLUDES.iter().find(|(h, _)| *h == header) {
            self.defined.push(guard);
        }
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

impl Scan {
    fn open(&mut self, taken: bool) {
        self.conditions.push((taken, false));
    }

    fn is_defined(&self, name: &str) -> bool {
        DEFINED.contains(&name) || self.defined.contains(&name)
    }

    /// `#pragma pack(push, N)`, `pack(N)`, `pack(pop)`, `pack()` in a C header.
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
        let number = |p: &str| p.parse::<u32>().ok();
        match parts.as_slice() {
            ["pop", ..] => self.current = self.stack.pop().flatten(),
            ["push", rest @ ..] => {
                self.stack.push(self.current);
                if let Some(n) = rest.iter().find_map(|p| number(p)) {
                    self.current = Some(n);
                }
            }
            [""] => self.current = None,
            [n] => {
                if let Some(n) = number(n) {
                    self.current = Some(n);
                }
            }
            _ => {}
        }
    }
}

/// Evaluates an `#if` expression over `0`, `1`, `defined(X)`, `defined X`, `!`, `&&` and `||`
/// ([`DEFINED`] names are defined); anything else counts as true.
fn condition(expr: &str) -> bool {
    // A trailing comment (`#if 0 /* winnt.h */`) is not part of the expression.
    let expr = expr.split("/*").next().unwrap_or(expr);
    let expr = expr.split("//").next().unwrap_or(expr).trim();
    if let Some((a, b)) = expr.split_once("||") {
        return condition(a) || condition(b);
    }
    if let Some((a, b)) = expr.split_once("&&") {
        return condition(a) && condition(b);
    }
    if let Some(inner) = expr.strip_prefix('!') {
        return !condition(inner);
    }
    if let Some(inner) = expr.strip_prefix('(').and_then(|e| e.strip_suffix(')')) {
        return condition(inner);
    }
    if let Some(name) = expr.strip_prefix("defined") {
        let name = name
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        return DEFINED.contains(&name);
    }
    expr != "0"
}

#[cfg(test)]
mod tests {
    use super::{Scan, condition};

    #[test]
    fn conditionals_as_a_windows_x64_c_compiler_sees_them() {
        assert!(!condition("0"));
        assert!(!condition("0 /* winnt.h */"));
        assert!(condition("defined(_WIN64)"));
        assert!(!condition("!defined(_WIN64)"));
        assert!(!condition(
            "!defined(D3D11_NO_HELPERS) && defined(__cplusplus)"
        ));
        let mut scan = Scan::default();
        scan.cpp_quote("#ifdef _WIN64");
        scan.cpp_quote("#include <pshpack8.h>");
        scan.cpp_quote("#else");
        scan.cpp_quote("#include <pshpack2.h>");
        scan.cpp_quote("#endif");
        assert_eq!(scan.current, Some(8));
        scan.cpp_quote("#if 0");
        assert!(!scan.visible());
        scan.cpp_quote("#endif");
        assert!(scan.visible());
    }

    #[test]
    fn pack_pragmas_of_c_headers_and_guards_of_included_sdk_headers() {
        let mut scan = Scan::default();
        scan.pragma("pack(push, 2)");
        assert_eq!(scan.current, Some(2));
        scan.pragma("pack(push, 8)");
        scan.pragma("pack(pop)");
        assert_eq!(scan.current, Some(2));
        scan.pragma("pack(4)");
        assert_eq!(scan.current, Some(4));
        scan.pragma("pack()");
        assert_eq!(scan.current, None);
        scan.cpp_quote("#ifndef _KS_");
        assert!(scan.visible());
        scan.cpp_quote("#endif");
        scan.cpp_quote("#include <ks.h>");
        scan.cpp_quote("#ifndef _KS_");
        assert!(!scan.visible());
    }

    #[test]
    fn pshpack_includes_nest() {
        let mut scan = Scan::default();
        scan.cpp_quote("#include <pshpack1.h>");
        assert_eq!(scan.current, Some(1));
        scan.cpp_quote("#include <pshpack8.h>");
        assert_eq!(scan.current, Some(8));
        scan.cpp_quote("#include <poppack.h>");
        assert_eq!(scan.current, Some(1));
        scan.cpp_quote("#include <poppack.h>");
        assert_eq!(scan.current, None);
        scan.cpp_quote("#include <windows.h>");
        assert_eq!(scan.current, None);
    }
}
