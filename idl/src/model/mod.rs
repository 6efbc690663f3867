//! The typed model of MIDL source.
//!
//! One [`File`] per loaded file, holding its [`Item`]s in source order. Every node carries a
//! [`Span`] (file, byte range, 1-based line and column) so checks and code generators can
//! report `file:line:col`.
//!
//! C declarators are resolved: each declared name gets its full [`Type`] (`typedef struct _X
//! { ... } X, *PX;` gives `X: struct _X` and `PX: pointer to struct _X`). An inline
//! struct/union/enum definition is shared (reference counted) between the declarators that use
//! it, and appears once in the declaration's `spec`.
//!
//! Values the checker computes (enumerator values with MIDL's auto-increment, constant values)
//! are stored in the model (`value` fields); they are `None` after a syntax-only run.
//!
//! The whole model implements `serde::Serialize` (`cargo xtask parse --dump`).
//!
//! The tree is one recursive data type (types hold expressions, expressions hold types,
//! attributes hold both), split by kind of node: `attributes`, `declarations`, `types`
//! and `expressions`, all re-exported here. Its files name each other's nodes through this
//! module (`super::Type`), never directly.

mod attributes;
mod declarations;
mod expressions;
mod types;

use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::source::{FileId, Span};

/// A name as written, with its location. WinRT names may be dotted (`Windows.Foundation.IClosable`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

impl Ident {
    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The last component of a dotted name (`IClosable` for `Windows.Foundation.IClosable`).
    pub fn simple_name(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
}

/// A value the checker computes after parsing (an enumerator's value, a constant's value, an
/// array size). Empty after a syntax-only run; serialized as the value or `null`.
#[derive(Debug, Clone, Default)]
pub struct Computed<T>(OnceLock<T>);

impl<T> Computed<T> {
    /// An empty cell.
    pub fn new() -> Self {
        Computed(OnceLock::new())
    }

    /// A cell holding `value`.
    pub fn with(value: T) -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(value);
        Computed(cell)
    }

    /// The computed value, if the checker ran.
    pub fn get(&self) -> Option<&T> {
        self.0.get()
    }

    /// Stores the value (the first store wins; later ones are ignored).
    pub(crate) fn set(&self, value: T) {
        let _ = self.0.set(value);
    }
}

impl<T: Copy> Computed<T> {
    /// The computed value, copied.
    pub fn value(&self) -> Option<T> {
        self.0.get().copied()
    }
}

impl<T: Serialize> Serialize for Computed<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.get().serialize(s)
    }
}

/// Documentation attached to a declaration: the `///` or `/** */` comment just before it,
/// else its `helpstring("...")` attribute.
pub type Doc = Option<String>;

/// One parsed file.
#[derive(Debug, Clone, Serialize)]
pub struct File {
    /// The file's id in the source map.
    pub id: FileId,
    /// The path the file was loaded from.
    pub path: String,
    /// The top-level items in source order.
    pub items: Vec<Item>,
}

impl File {
    /// The file's model as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// A top-level or nested statement.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind")]
pub enum Item {
    /// `import "a.idl", "b.idl";`
    Import(Arc<Import>),
    /// `importlib("stdole2.tlb");`
    ImportLib(Arc<ImportLib>),
    /// `include "x.h";` (MIDL statement, not the preprocessor directive)
    Include(Arc<Import>),
    /// `cpp_quote("...")`
    CppQuote(Arc<CppQuote>),
    /// `#pragma ...` kept by the preprocessor, or `midl_pragma warning(...)`.
    Pragma(Arc<Pragma>),
    /// `[attrs] interface Name : Base { ... }` (also WinRT generic interfaces).
    Interface(Arc<Interface>),
    /// `[attrs] dispinterface Name { properties: ... methods: ... }`
    Dispinterface(Arc<Dispinterface>),
    /// `[attrs] coclass Name { [default] interface I; ... }`
    Coclass(Arc<Coclass>),
    /// `[attrs] runtimeclass Name { [default] interface I; ... }` (WinRT)
    RuntimeClass(Arc<Coclass>),
    /// `[attrs] library Name { ... }`
    Library(Arc<Library>),
    /// `[attrs] module Name { ... }`
    Module(Arc<Library>),
    /// `namespace A.B { ... }` (WinRT)
    Namespace(Arc<Namespace>),
    /// `interface IFoo;`, `dispinterface D;`, `coclass C;`, `runtimeclass R;`,
    /// `delegate ...;` forward declarations.
    Forward(Arc<Forward>),
    /// `[attrs] apicontract Name {};` (WinRT)
    ApiContract(Arc<ApiContract>),
    /// `[attrs] delegate HRESULT Name<T>(params);` (WinRT)
    Delegate(Arc<Delegate>),
    /// `declare { interface A<B>; ... }` (WinRT instantiations)
    Declare(Arc<Declare>),
    /// `[attrs] typedef spec declarators;`
    Typedef(Arc<Typedef>),
    /// `const TYPE NAME = expr;`
    Const(Arc<Const>),
    /// A function declaration: an interface method, a module function or a top-level prototype.
    Function(Arc<Function>),
    /// Any other declaration: `struct X { ... };`, `enum E { ... };`, `extern int x;` ...
    Declaration(Arc<Declaration>),
}

impl Item {
    /// The span of the whole item.
    pub fn span(&self) -> Span {
        match self {
            Item::Import(x) | Item::Include(x) => x.span,
            Item::ImportLib(x) => x.span,
            Item::CppQuote(x) => x.span,
            Item::Pragma(x) => x.span,
            Item::Interface(x) => x.span,
            Item::Dispinterface(x) => x.span,
            Item::Coclass(x) | Item::RuntimeClass(x) => x.span,
            Item::Library(x) | Item::Module(x) => x.span,
            Item::Namespace(x) => x.span,
            Item::Forward(x) => x.span,
            Item::ApiContract(x) => x.span,
            Item::Delegate(x) => x.span,
            Item::Declare(x) => x.span,
            Item::Typedef(x) => x.span,
            Item::Const(x) => x.span,
            Item::Function(x) => x.span,
            Item::Declaration(x) => x.span,
        }
    }
}

/// A string literal with its decoded value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StrLit {
    /// The decoded text (escapes resolved).
    pub value: String,
    /// Where the literal (with its quotes) is written.
    pub span: Span,
}

/// `import "a.idl";` / `include "a.h";`
#[derive(Debug, Clone, Serialize)]
pub struct Import {
    /// The named files.
    pub files: Vec<StrLit>,
    /// The ids of the imported files once resolved (empty in syntax-only runs).
    pub resolved: Computed<Vec<FileId>>,
    /// The whole statement.
    pub span: Span,
}

/// `importlib("x.tlb");`
#[derive(Debug, Clone, Serialize)]
pub struct ImportLib {
    /// The type library.
    pub file: StrLit,
    /// The whole statement.
    pub span: Span,
}

/// `cpp_quote("text")`
#[derive(Debug, Clone, Serialize)]
pub struct CppQuote {
    /// The decoded text copied into generated C headers.
    pub text: String,
    /// The whole statement.
    pub span: Span,
}

/// A pragma.
#[derive(Debug, Clone, Serialize)]
pub struct Pragma {
    /// `true` for `midl_pragma ...;`, `false` for a `#pragma` line.
    pub midl: bool,
    /// The text after `#pragma` / `midl_pragma`.
    pub text: String,
    /// The whole pragma.
    pub span: Span,
}

pub use attributes::*;
pub use declarations::*;
pub use expressions::*;
pub use types::*;

#[cfg(test)]
mod tests {
    use super::Guid;

    #[test]
    fn guid_parses_and_round_trips() {
        let g = Guid::parse("00000000-0000-0000-C000-000000000046").unwrap();
        assert_eq!(g.data1, 0);
        assert_eq!(g.data4, [0xc0, 0, 0, 0, 0, 0, 0, 0x46]);
        assert_eq!(g.to_u128(), 0x00000000_0000_0000_C000_000000000046);
        assert_eq!(g.to_string(), "00000000-0000-0000-c000-000000000046");
        assert!(Guid::parse("00000000-0000-0000-C000-00000000004").is_none());
        assert!(Guid::parse("0000000g-0000-0000-C000-000000000046").is_none());
    }
}
