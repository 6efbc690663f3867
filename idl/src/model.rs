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

/// An attribute such as `uuid(...)`, `in`, `size_is(, *pcount)`.
#[derive(Debug, Clone, Serialize)]
pub struct Attribute {
    /// The attribute name (`uuid`, `propget`, `size_is` ...).
    pub name: Ident,
    /// The arguments: `None` without parentheses, `Some(vec![])` for `name()`.
    pub args: Option<Vec<AttrArg>>,
    /// The whole attribute.
    pub span: Span,
}

impl Attribute {
    /// The attribute name.
    pub fn name(&self) -> &str {
        &self.name.name
    }

    /// The arguments (empty without parentheses).
    pub fn args(&self) -> &[AttrArg] {
        self.args.as_deref().unwrap_or(&[])
    }
}

/// One argument of an attribute.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind")]
pub enum AttrArg {
    /// An omitted argument, as the first one of `size_is(, *pcount)`.
    Empty {
        /// Where the argument would be.
        span: Span,
    },
    /// A uuid, bare (`uuid(0000...-...)`) or quoted (`uuid("...")`).
    Uuid(Uuid),
    /// A version `major.minor` (`version(1.0)`, `contract(X, 1.0)`).
    Version {
        /// Major number.
        major: u32,
        /// Minor number.
        minor: u32,
        /// Where it is written.
        span: Span,
    },
    /// A type (`switch_type(unsigned short)`, `wire_marshal(wireHWND)`, `static(IFoo, C, 1.0)`).
    Type(Type),
    /// An expression (`id(0x1)`, `size_is(cb / 2)`, `helpstring("...")`).
    Expr(Expr),
}

impl AttrArg {
    /// The span of the argument.
    pub fn span(&self) -> Span {
        match self {
            AttrArg::Empty { span } | AttrArg::Version { span, .. } => *span,
            AttrArg::Uuid(u) => u.span,
            AttrArg::Type(t) => t.span,
            AttrArg::Expr(e) => e.span,
        }
    }

    /// The argument as an expression, if it is one.
    pub fn as_expr(&self) -> Option<&Expr> {
        match self {
            AttrArg::Expr(e) => Some(e),
            _ => None,
        }
    }

    /// The argument as a string literal value, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrArg::Expr(Expr {
                kind: ExprKind::Str { value, .. },
                ..
            }) => Some(value),
            _ => None,
        }
    }
}

/// A GUID written in an attribute.
#[derive(Debug, Clone, Serialize)]
pub struct Uuid {
    /// The text as written, without quotes.
    pub text: String,
    /// The parsed value (`None` when malformed; the checker reports it).
    pub value: Option<Guid>,
    /// Where it is written.
    pub span: Span,
}

/// A parsed GUID, fields as in the Windows `GUID` struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Guid {
    /// First 8 hex digits.
    pub data1: u32,
    /// Next 4 hex digits.
    pub data2: u16,
    /// Next 4 hex digits.
    pub data3: u16,
    /// Last 16 hex digits, as bytes.
    pub data4: [u8; 8],
}

impl Guid {
    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits, either case).
    pub fn parse(text: &str) -> Option<Guid> {
        let b = text.as_bytes();
        if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
            return None;
        }
        let hex = |r: std::ops::Range<usize>| -> Option<u64> {
            let s = text.get(r)?;
            if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            u64::from_str_radix(s, 16).ok()
        };
        let data1 = hex(0..8)? as u32;
        let data2 = hex(9..13)? as u16;
        let data3 = hex(14..18)? as u16;
        let d4a = hex(19..23)?;
        let d4b = hex(24..36)?;
        let mut data4 = [0u8; 8];
        data4[0] = (d4a >> 8) as u8;
        data4[1] = d4a as u8;
        for (i, byte) in data4[2..].iter_mut().enumerate() {
            *byte = (d4b >> (8 * (5 - i))) as u8;
        }
        Some(Guid {
            data1,
            data2,
            data3,
            data4,
        })
    }

    /// The GUID as a 128-bit number in the textual order (`0x00000000_0000_0000_C000_000000000046`
    /// for IUnknown), the form `windows_core::GUID::from_u128` takes.
    pub fn to_u128(&self) -> u128 {
        let mut v =
            (self.data1 as u128) << 96 | (self.data2 as u128) << 80 | (self.data3 as u128) << 64;
        for (i, b) in self.data4.iter().enumerate() {
            v |= (*b as u128) << (8 * (7 - i));
        }
        v
    }
}

impl std::fmt::Display for Guid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = &self.data4;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            self.data1, self.data2, self.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    }
}

/// Helpers shared by everything that carries attributes.
pub trait HasAttributes {
    /// The attributes, in source order.
    fn attrs(&self) -> &[Attribute];

    /// The first attribute with this name (case-sensitive, as MIDL).
    fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attrs().iter().find(|a| a.name.name == name)
    }

    /// Whether an attribute with this name is present.
    fn has_attr(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }

    /// The `uuid(...)` value, when present and well formed.
    fn uuid(&self) -> Option<Guid> {
        match self.attr("uuid")?.args().first()? {
            AttrArg::Uuid(u) => u.value,
            _ => None,
        }
    }

    /// The `helpstring("...")` text, when present.
    fn helpstring(&self) -> Option<&str> {
        self.attr("helpstring")?.args().first()?.as_str()
    }
}

macro_rules! has_attributes {
    ($($t:ty),*) => {
        $(impl HasAttributes for $t {
            fn attrs(&self) -> &[Attribute] {
                &self.attrs
            }
        })*
    };
}

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

/// A function parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Attributes (`in`, `out`, `size_is(...)`, `retval` ...).
    pub attrs: Vec<Attribute>,
    /// The full type.
    pub ty: Type,
    /// The name (`None` for unnamed parameters in prototypes).
    pub name: Option<Ident>,
    /// The whole parameter.
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

/// A struct or union field (or a dispinterface property).
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Documentation.
    pub doc: Doc,
    /// Attributes (`size_is`, `switch_is`, `case(...)` ...).
    pub attrs: Vec<Attribute>,
    /// The full type.
    pub ty: Type,
    /// The name (`None` for nameless struct/union members).
    pub name: Option<Ident>,
    /// Bit width for bitfields.
    pub bits: Option<Expr>,
    /// Evaluated bit width.
    pub bits_value: Computed<i128>,
    /// The whole field.
    pub span: Span,
}

has_attributes!(
    Interface,
    Dispinterface,
    Coclass,
    CoclassMember,
    Library,
    Namespace,
    Forward,
    ApiContract,
    Delegate,
    Typedef,
    Const,
    Function,
    Param,
    Declaration,
    Field,
    Enumerator,
    StructType,
    EnumType
);

/// A type.
#[derive(Debug, Clone, Serialize)]
pub struct Type {
    /// What kind of type.
    pub kind: TypeKind,
    /// Where it is written (for a declarator's type: the specifier).
    pub span: Span,
}

/// The kinds of [`Type`].
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub enum TypeKind {
    /// `void`
    Void,
    /// A built-in C/MIDL type.
    Base(BaseType),
    /// A typedef, interface, template parameter or other named type, with WinRT generic
    /// arguments (`IVector<HSTRING>`).
    Named {
        /// The (possibly dotted) name.
        name: Ident,
        /// Generic arguments (empty for plain names).
        args: Vec<Type>,
    },
    /// `T *` (with `const` when the pointer itself is const: `T * const`).
    Pointer {
        /// The pointed-to type.
        pointee: Box<Type>,
        /// `T * const`.
        is_const: bool,
        /// Pointer-level calling convention for function pointers (`HRESULT (__stdcall *f)(...)`).
        callconv: Option<String>,
    },
    /// `const T` (the `const` qualifies the value, e.g. `const WCHAR *` is Pointer(Const(WCHAR))).
    Const(Box<Type>),
    /// `T name[N]`, `T name[]`, `T name[*]`.
    Array {
        /// The element type.
        element: Box<Type>,
        /// The size.
        size: ArraySize,
    },
    /// A function type (from a function-pointer declarator).
    Function(Box<FunctionType>),
    /// `struct Tag` or `struct Tag { ... }` (also unions, including encapsulated ones).
    Struct(Arc<StructType>),
    /// `enum Tag` or `enum Tag { ... }`.
    Enum(Arc<EnumType>),
    /// `SAFEARRAY(T)`
    SafeArray(Box<Type>),
}

impl Type {
    /// Strips `const` qualifiers.
    pub fn unqualified(&self) -> &Type {
        match &self.kind {
            TypeKind::Const(inner) => inner.unqualified(),
            _ => self,
        }
    }

    /// Whether this is a pointer (after `const`), an array, or a named/interface pointer.
    pub fn is_pointer(&self) -> bool {
        matches!(self.unqualified().kind, TypeKind::Pointer { .. })
    }

    /// The name of a named type.
    pub fn name(&self) -> Option<&str> {
        match &self.unqualified().kind {
            TypeKind::Named { name, .. } => Some(&name.name),
            _ => None,
        }
    }
}

/// The size of an array declarator.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind")]
pub enum ArraySize {
    /// `[N]`: a fixed size, with its value once evaluated.
    Fixed {
        /// The size expression.
        expr: Expr,
        /// Its value (empty in syntax-only runs).
        value: Computed<i128>,
    },
    /// `[]` or `[*]`: conformant (size given by `size_is`).
    Conformant {
        /// `true` for `[*]`.
        star: bool,
    },
}

/// A function type.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionType {
    /// The return type.
    pub ret: Type,
    /// The parameters.
    pub params: Vec<Param>,
    /// Calling convention as written, if any.
    pub callconv: Option<String>,
}

/// Signedness written on a base type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sign {
    /// `signed`
    Signed,
    /// `unsigned`
    Unsigned,
}

/// A built-in type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BaseType {
    /// Which type.
    pub kind: BaseKind,
    /// Signedness as written (`None` when omitted).
    pub sign: Option<Sign>,
}

impl BaseType {
    /// Size in bytes on Windows x64 (`int3264` and `handle_t` are pointer sized).
    pub fn size(&self) -> u32 {
        match self.kind {
            BaseKind::Char
            | BaseKind::Small
            | BaseKind::Byte
            | BaseKind::Boolean
            | BaseKind::Int8 => 1,
            BaseKind::Short | BaseKind::WChar | BaseKind::Int16 => 2,
            BaseKind::Int
            | BaseKind::Long
            | BaseKind::Int32
            | BaseKind::Float
            | BaseKind::ErrorStatus => 4,
            BaseKind::Hyper | BaseKind::Int64 | BaseKind::LongLong | BaseKind::Double => 8,
            BaseKind::Int3264 | BaseKind::Handle => 8,
        }
    }

    /// Whether the type is unsigned (as written, else by MIDL's defaults: `byte`, `boolean`,
    /// `wchar_t`, `error_status_t` and `small`? no: `small` is signed).
    pub fn is_unsigned(&self) -> bool {
        match self.sign {
            Some(Sign::Unsigned) => true,
            Some(Sign::Signed) => false,
            None => matches!(
                self.kind,
                BaseKind::Byte | BaseKind::Boolean | BaseKind::WChar | BaseKind::ErrorStatus
            ),
        }
    }

    /// Whether the type is integral.
    pub fn is_integral(&self) -> bool {
        !matches!(
            self.kind,
            BaseKind::Float | BaseKind::Double | BaseKind::Handle
        )
    }
}

/// The built-in types of MIDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseKind {
    /// `char`
    Char,
    /// `small`
    Small,
    /// `short`
    Short,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `long long`
    LongLong,
    /// `hyper`
    Hyper,
    /// `__int8`
    Int8,
    /// `__int16`
    Int16,
    /// `__int32`
    Int32,
    /// `__int64`
    Int64,
    /// `__int3264`
    Int3264,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `boolean`
    Boolean,
    /// `byte`
    Byte,
    /// `wchar_t`
    WChar,
    /// `handle_t`
    Handle,
    /// `error_status_t`
    ErrorStatus,
}

/// Whether a [`StructType`] is a struct or a union.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StructKind {
    /// `struct`
    Struct,
    /// `union`
    Union,
}

/// `struct Tag { fields }`, `union Tag { fields }` or an encapsulated union
/// `union Tag switch (T name) arm { case ...: ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct StructType {
    /// Struct or union.
    pub kind: StructKind,
    /// Attributes written between the keyword and the tag, or on the typedef (rare).
    pub attrs: Vec<Attribute>,
    /// The tag, if any.
    pub tag: Option<Ident>,
    /// The fields, `None` for a reference to a tag defined elsewhere.
    pub fields: Option<Vec<Field>>,
    /// For an encapsulated union: the discriminant and the union's cases.
    pub switch: Option<Box<UnionSwitch>>,
    /// Where the specifier is written.
    pub span: Span,
}

impl StructType {
    /// Whether the specifier has a body (is a definition).
    pub fn is_definition(&self) -> bool {
        self.fields.is_some() || self.switch.is_some()
    }
}

/// The `switch (T name) arm { cases }` part of an encapsulated union.
#[derive(Debug, Clone, Serialize)]
pub struct UnionSwitch {
    /// The discriminant's type.
    pub ty: Type,
    /// The discriminant's name.
    pub name: Ident,
    /// The name of the union member (`u` by default in MIDL when omitted).
    pub arm: Option<Ident>,
    /// The cases.
    pub cases: Vec<UnionCase>,
}

/// `case 1: case 2: T x;` or `default: ;` in a union.
#[derive(Debug, Clone, Serialize)]
pub struct UnionCase {
    /// The case labels (`None` entries stand for `default`).
    pub labels: Vec<Option<Expr>>,
    /// Evaluated labels (parallel to `labels`, `None` for `default` or in syntax-only runs).
    pub values: Computed<Vec<Option<i128>>>,
    /// The arm's field (`None` for an empty arm `;`).
    pub field: Option<Field>,
    /// The whole case.
    pub span: Span,
}

/// `enum Tag { A = 1, B }`
#[derive(Debug, Clone, Serialize)]
pub struct EnumType {
    /// Attributes (`v1_enum` on the typedef is more common).
    pub attrs: Vec<Attribute>,
    /// The tag, if any.
    pub tag: Option<Ident>,
    /// The enumerators, `None` for a reference to a tag defined elsewhere.
    pub enumerators: Option<Vec<Enumerator>>,
    /// Where the specifier is written.
    pub span: Span,
}

/// One enumerator.
#[derive(Debug, Clone, Serialize)]
pub struct Enumerator {
    /// Documentation.
    pub doc: Doc,
    /// Attributes (WinRT `[contract(...)]`, rare).
    pub attrs: Vec<Attribute>,
    /// The name.
    pub name: Ident,
    /// The explicit value, if written.
    pub expr: Option<Expr>,
    /// The value: the explicit one, else the previous one plus one (0 for the first).
    /// Empty in syntax-only runs.
    pub value: Computed<i128>,
    /// The whole enumerator.
    pub span: Span,
}

/// An expression.
#[derive(Debug, Clone, Serialize)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The kinds of [`Expr`].
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "expr")]
pub enum ExprKind {
    /// An integer literal (decimal, hex or octal, with any `u`/`l` suffixes).
    Int {
        /// The value (literals beyond `u128` are rejected by the parser).
        value: u128,
        /// Whether a `u`/`U` suffix was written.
        unsigned: bool,
        /// Whether the literal was written in hex or octal (C's typing rules differ).
        non_decimal: bool,
    },
    /// A floating-point literal.
    Float {
        /// The value.
        value: f64,
    },
    /// `'a'` or `L'a'`.
    Char {
        /// The character's code.
        value: u32,
        /// Whether it was `L'...'`.
        wide: bool,
    },
    /// `"abc"` or `L"abc"`.
    Str {
        /// The decoded text.
        value: String,
        /// Whether it was `L"..."`.
        wide: bool,
    },
    /// `TRUE`, `FALSE`, `NULL` are ordinary identifiers; so are constant and parameter names.
    Ident {
        /// The (possibly dotted) name.
        name: String,
    },
    /// A unary operator.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// A binary operator.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `c ? a : b`
    Ternary {
        /// The condition.
        cond: Box<Expr>,
        /// Value when true.
        then: Box<Expr>,
        /// Value when false.
        otherwise: Box<Expr>,
    },
    /// `(T) e`
    Cast {
        /// The target type.
        ty: Box<Type>,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `sizeof(T)`
    Sizeof {
        /// The type.
        ty: Box<Type>,
    },
    /// `a.b` or `a->b`
    Member {
        /// The structure.
        base: Box<Expr>,
        /// `true` for `->`.
        arrow: bool,
        /// The member name.
        member: Ident,
    },
    /// `a[i]`
    Index {
        /// The array.
        base: Box<Expr>,
        /// The index.
        index: Box<Expr>,
    },
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `+`
    Plus,
    /// `~`
    BitNot,
    /// `!`
    Not,
    /// `*` (pointer dereference, in `size_is(*pcount)`)
    Deref,
    /// `&`
    AddrOf,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryOp {
    /// `||`
    LogOr,
    /// `&&`
    LogAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `&`
    BitAnd,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::LogOr => "||",
            BinaryOp::LogAnd => "&&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::BitAnd => "&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Gt => ">",
            BinaryOp::Le => "<=",
            BinaryOp::Ge => ">=",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
