//! Types: base types, named types, pointers, arrays, function types with their parameters,
//! and struct, union and enum definitions with their fields and enumerators.

use std::sync::Arc;

use serde::Serialize;

use crate::source::Span;

use super::*;

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
    pub bits: Option<Box<Expr>>,
    /// Evaluated bit width.
    pub bits_value: Computed<i128>,
    /// The whole field.
    pub span: Span,
}

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
        size: Box<ArraySize>,
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
