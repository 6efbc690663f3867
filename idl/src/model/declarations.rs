//! Declarations: interfaces, dispinterfaces, classes, libraries, namespaces, forward
//! declarations, typedefs, constants, functions and other declarations.

use serde::Serialize;

use crate::source::Span;

use super::*;

/// `[attrs] interface Name<T> : Base requires A, B { items }`
#[derive(Debug, Clone, Serialize)]
pub struct Interface {
    /// Documentation.
    pub doc: Doc,
    /// Attributes (`object`, `uuid`, `local`, `pointer_default` ...).
    pub attrs: Vec<Attribute>,
    /// The name.
    pub name: Ident,
    /// WinRT generic parameters (`T`, `K, V`); empty for classic interfaces.
    pub generic_params: Vec<Ident>,
    /// The base interface (`IUnknown`), as a named type.
    pub base: Option<Type>,
    /// WinRT `requires` list.
    pub requires: Vec<Type>,
    /// Methods and other statements of the body, in order.
    pub items: Vec<Item>,
    /// The whole definition.
    pub span: Span,
}

impl Interface {
    /// The methods in vtable order (not counting the base's).
    pub fn methods(&self) -> impl Iterator<Item = &Function> {
        self.items.iter().filter_map(|i| match i {
            Item::Function(f) => Some(&**f),
            _ => None,
        })
    }

    /// The base interface name, if any.
    pub fn base_name(&self) -> Option<&str> {
        match &self.base.as_ref()?.kind {
            TypeKind::Named { name, .. } => Some(&name.name),
            _ => None,
        }
    }
}

/// `[attrs] dispinterface Name { properties: ...; methods: ...; }` or `{ interface I; }`.
#[derive(Debug, Clone, Serialize)]
pub struct Dispinterface {
    /// Documentation.
    pub doc: Doc,
    /// Attributes.
    pub attrs: Vec<Attribute>,
    /// The name.
    pub name: Ident,
    /// The `properties:` section.
    pub properties: Vec<Field>,
    /// The `methods:` section.
    pub methods: Vec<Function>,
    /// The `interface I;` form: the dispinterface exposes that interface.
    pub interface: Option<Type>,
    /// The whole definition.
    pub span: Span,
}

/// `coclass` or `runtimeclass`.
#[derive(Debug, Clone, Serialize)]
pub struct Coclass {
    /// Documentation.
    pub doc: Doc,
    /// Attributes (`uuid`, ...).
    pub attrs: Vec<Attribute>,
    /// The name.
    pub name: Ident,
    /// The implemented interfaces.
    pub members: Vec<CoclassMember>,
    /// The whole definition.
    pub span: Span,
}

/// `[default, source] interface IFoo;` inside a coclass or runtimeclass.
#[derive(Debug, Clone, Serialize)]
pub struct CoclassMember {
    /// Attributes (`default`, `source` ...).
    pub attrs: Vec<Attribute>,
    /// `true` for `dispinterface X;`.
    pub dispinterface: bool,
    /// The interface (possibly generic).
    pub ty: Type,
    /// The whole member.
    pub span: Span,
}

/// `library` or `module`.
#[derive(Debug, Clone, Serialize)]
pub struct Library {
    /// Documentation.
    pub doc: Doc,
    /// Attributes.
    pub attrs: Vec<Attribute>,
    /// The name.
    pub name: Ident,
    /// The body.
    pub items: Vec<Item>,
    /// The whole definition.
    pub span: Span,
}

/// `namespace A.B { ... }`
#[derive(Debug, Clone, Serialize)]
pub struct Namespace {
    /// Attributes.
    pub attrs: Vec<Attribute>,
    /// The (possibly dotted) name.
    pub name: Ident,
    /// The body.
    pub items: Vec<Item>,
    /// The whole block.
    pub span: Span,
}

/// What a [`Forward`] declaration declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ForwardKind {
    /// `interface X;`
    Interface,
    /// `dispinterface X;`
    Dispinterface,
    /// `coclass X;`
    Coclass,
    /// `runtimeclass X;`
    RuntimeClass,
    /// `module X;`
    Module,
}

/// A forward declaration.
#[derive(Debug, Clone, Serialize)]
pub struct Forward {
    /// What is declared.
    pub what: ForwardKind,
    /// Attributes.
    pub attrs: Vec<Attribute>,
    /// The name.
    pub name: Ident,
    /// Generic parameters (`interface IAsyncOperation<TResult>;`).
    pub generic_params: Vec<Ident>,
    /// The whole declaration.
    pub span: Span,
}

/// `[contractversion(4)] apicontract Name {};`
#[derive(Debug, Clone, Serialize)]
pub struct ApiContract {
    /// Documentation.
    pub doc: Doc,
    /// Attributes.
    pub attrs: Vec<Attribute>,
    /// The name.
    pub name: Ident,
    /// The whole definition.
    pub span: Span,
}

/// `delegate HRESULT Name<T>(params);`
#[derive(Debug, Clone, Serialize)]
pub struct Delegate {
    /// Documentation.
    pub doc: Doc,
    /// Attributes.
    pub attrs: Vec<Attribute>,
    /// The name.
    pub name: Ident,
    /// Generic parameters.
    pub generic_params: Vec<Ident>,
    /// The return type.
    pub ret: Type,
    /// The parameters of `Invoke`.
    pub params: Vec<Param>,
    /// The whole definition.
    pub span: Span,
}

/// `declare { interface A<B>; ... }`
#[derive(Debug, Clone, Serialize)]
pub struct Declare {
    /// The instantiated generic interfaces.
    pub instances: Vec<Type>,
    /// The whole block.
    pub span: Span,
}

/// `typedef [attrs] spec declarator, declarator;`
#[derive(Debug, Clone, Serialize)]
pub struct Typedef {
    /// Documentation.
    pub doc: Doc,
    /// Attributes (written before or after `typedef`).
    pub attrs: Vec<Attribute>,
    /// The type specifier as written (with the inline struct/union/enum body, if any).
    pub spec: Type,
    /// The declared names, each with its full type.
    pub declarators: Vec<Declarator>,
    /// The whole statement.
    pub span: Span,
}

/// A declared name with its full type.
#[derive(Debug, Clone, Serialize)]
pub struct Declarator {
    /// The name (`None` for abstract declarators).
    pub name: Option<Ident>,
    /// The full type: the specifier with this declarator's pointers, arrays and function
    /// parameters applied.
    pub ty: Type,
    /// Bit width for bitfields (`int a : 3`).
    pub bits: Option<Expr>,
    /// Evaluated bit width.
    pub bits_value: Computed<i128>,
    /// Initializer (`int x = 3`), rare in IDL.
    pub init: Option<Expr>,
    /// The declarator as written.
    pub span: Span,
}

/// `const TYPE NAME = expr;`
#[derive(Debug, Clone, Serialize)]
pub struct Const {
    /// Documentation.
    pub doc: Doc,
    /// Attributes (rare).
    pub attrs: Vec<Attribute>,
    /// The declared type (pointer types for string constants).
    pub ty: Type,
    /// The name.
    pub name: Ident,
    /// The expression as written.
    pub expr: Expr,
    /// The evaluated value, converted to `ty` (`None` in syntax-only runs).
    pub value: Computed<ConstValue>,
    /// The whole statement.
    pub span: Span,
}

/// An evaluated constant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value")]
pub enum ConstValue {
    /// An integer (every integral type, including characters and booleans).
    Int(i128),
    /// A floating-point number.
    Float(f64),
    /// A narrow string.
    Str(String),
    /// A wide string (`L"..."`).
    WideStr(String),
}

impl ConstValue {
    /// The integer value, if this is an integer.
    pub fn as_int(&self) -> Option<i128> {
        match self {
            ConstValue::Int(v) => Some(*v),
            _ => None,
        }
    }
}

/// A function declaration (interface method, module function, delegate, prototype).
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// Documentation.
    pub doc: Doc,
    /// Attributes (`propget`, `id(1)`, `local`, `call_as(X)` ...).
    pub attrs: Vec<Attribute>,
    /// The return type.
    pub ret: Type,
    /// Calling convention as written (`__stdcall`, `STDMETHODCALLTYPE` ...), if any.
    pub callconv: Option<String>,
    /// The name.
    pub name: Ident,
    /// The parameters in order (`(void)` gives none).
    pub params: Vec<Param>,
    /// The whole declaration.
    pub span: Span,
}

/// `[attrs] spec declarators;` other than typedefs, consts and functions.
#[derive(Debug, Clone, Serialize)]
pub struct Declaration {
    /// Documentation.
    pub doc: Doc,
    /// Attributes.
    pub attrs: Vec<Attribute>,
    /// Storage class (`extern`, `static`) if written.
    pub storage: Option<String>,
    /// The type specifier (a struct/union/enum definition for `struct X { ... };`).
    pub spec: Type,
    /// The declared names (empty for a bare definition).
    pub declarators: Vec<Declarator>,
    /// The whole statement.
    pub span: Span,
}
