//! Spelling resolved types in RDL: primitives as Rust's, `GUID` and `HRESULT` as windows-rdl's
//! built-in names, interface pointers as the interface (a metadata interface is a reference),
//! and pointer chains with one constness, which is all metadata can store.

use std::collections::{BTreeMap, HashMap};

use super::super::abi::{NamedKind, Prim, Ty};
use super::IUNKNOWN;

/// What a name that the RDL defines is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Defined {
    /// A struct, enum, handle or typedef: a value type.
    Value,
    /// An interface.
    Interface,
}

/// The names the RDL defines, and how it spells types with them.
#[derive(Debug, Default)]
pub(super) struct Names {
    pub(super) defined: HashMap<String, Defined>,
    /// The typedefs of imported files that the RDL declares because parameters are declared
    /// with them, each with the spelling of what it stands for (see
    /// [`super::typedef_names`]).
    pub(super) imported: BTreeMap<String, String>,
    /// Whether `BSTR` is spelled without windows-core's `BSTR` ([`RdlOptions::portable`]).
    ///
    /// [`RdlOptions::portable`]: super::super::RdlOptions::portable
    pub(super) portable: bool,
}

impl Names {
    /// The RDL spelling of `ty`.
    pub(super) fn ty(&self, ty: &Ty) -> String {
        match ty {
            Ty::Void => "void".into(),
            Ty::Prim(p) => prim(*p).into(),
            Ty::Guid => "GUID".into(),
            Ty::Hresult => "HRESULT".into(),
            // Only reached for an interface by value, which C has no use for: its ABI is
            // nothing the RDL can name, so it is spelled as what it is behind a pointer.
            Ty::Interface(name) => self.interface(name).unwrap_or_else(|| "*mut void".into()),
            Ty::Named { name, kind } => match kind {
                NamedKind::Alias(target) if !self.defines(name) => self.ty(target),
                _ => ident(name),
            },
            Ty::Ptr { .. } => self.pointer(ty),
            // RDL has no function pointer type here yet: a pointer of the same size.
            Ty::FnPtr { .. } => "*mut void".into(),
            Ty::Array { element, len } => format!("[{}; {len}]", self.ty(element)),
        }
    }

    /// The RDL name of an interface, if the RDL can name it (it defines it, or it is
    /// `IUnknown`, which is windows-core's).
    pub(super) fn interface(&self, name: &str) -> Option<String> {
        if name == "IUnknown" {
            Some(IUNKNOWN.into())
        } else if self.defined.get(name) == Some(&Defined::Interface) {
            Some(ident(name))
        } else {
            None
        }
    }

    /// Whether the RDL defines `name`.
    pub(super) fn defines(&self, name: &str) -> bool {
        self.defined.contains_key(name)
    }

    /// A pointer chain: every level takes the constness of the outermost, since metadata
    /// keeps one constness for the whole chain (the ABI is the same); a pointer to an
    /// interface the RDL names is the interface itself.
    fn pointer(&self, ty: &Ty) -> String {
        let mut depth = 0;
        let mut is_const = None;
        let mut inner = ty;
        while let Ty::Ptr {
            pointee,
            is_const: c,
        } = self.unaliased(inner)
        {
            depth += 1;
            is_const.get_or_insert(*c);
            inner = pointee;
        }
        let mut base = match self.unaliased(inner) {
            Ty::Interface(name) => match self.interface(name) {
                Some(named) => {
                    depth -= 1;
                    named
                }
                None => "void".into(),
            },
            other => self.ty(other),
        };
        let star = if is_const == Some(true) {
            "*const "
        } else {
            "*mut "
        };
        for _ in 0..depth {
            base.insert_str(0, star);
        }
        base
    }

    /// `ty` with the typedefs the RDL does not define replaced by what they stand for.
    fn unaliased<'t>(&self, ty: &'t Ty) -> &'t Ty {
        match ty {
            Ty::Named {
                name,
                kind: NamedKind::Alias(target),
            } if !self.defines(name) => self.unaliased(target),
            other => other,
        }
    }
}

/// The RDL spelling of a primitive. C's plain `char` is signed on Windows.
pub(super) fn prim(p: Prim) -> &'static str {
    // RDL spells primitives as Rust does.
    super::super::rust_tokens::prim_name(p)
}

/// An IDL name as an RDL identifier: raw (`r#type`) when it is a Rust keyword, with a `_`
/// appended when it is one of the few keywords that cannot be raw (`self`, `crate` ...).
pub(super) fn ident(name: &str) -> String {
    const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type",
        "unsafe", "use", "where", "while", "yield", "abstract", "become", "do", "final", "macro",
        "override", "priv", "typeof", "unsized", "virtual",
    ];
    if NOT_RAW.contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}
