//! Resolved types: primitives with their Windows sizes, named declarations, pointers, function
//! pointers and arrays.

/// A resolved type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `void` (only behind pointers and as a return type).
    Void,
    /// A primitive.
    Prim(Prim),
    /// `GUID` (and `IID`, `CLSID`).
    Guid,
    /// `HRESULT`.
    Hresult,
    /// A COM interface (only behind pointers).
    Interface(String),
    /// A struct, enum, handle or root-file typedef.
    Named {
        /// The name.
        name: String,
        /// What it names.
        kind: NamedKind,
    },
    /// A pointer.
    Ptr {
        /// The pointed-to type.
        pointee: Box<Ty>,
        /// Whether the pointee is `const`.
        is_const: bool,
    },
    /// A pointer to a function (`HRESULT (__stdcall *)(IFoo *, DWORD)`, or a typedef of a
    /// function type, whose uses are pointers to it); Windows x64 has one calling convention.
    FnPtr {
        /// The return type.
        ret: Box<Ty>,
        /// The parameter types in order (arrays decayed to pointers).
        params: Vec<Ty>,
    },
    /// A fixed-size array (struct fields only).
    Array {
        /// The element type.
        element: Box<Ty>,
        /// The number of elements.
        len: u64,
    },
}

/// What a [`Ty::Named`] names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedKind {
    /// A struct.
    Struct,
    /// An enum.
    Enum,
    /// An opaque handle.
    Handle,
    /// A typedef of a root file, standing for this type.
    Alias(Box<Ty>),
}

/// Primitive types, with their Windows sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prim {
    /// C `char` (8 bits).
    Char,
    /// Signed 8 bits.
    I8,
    /// Unsigned 8 bits (`byte`, `boolean`, `unsigned char`).
    U8,
    /// Signed 16 bits.
    I16,
    /// Unsigned 16 bits.
    U16,
    /// `wchar_t`: a UTF-16 code unit.
    WChar,
    /// Signed 32 bits (`long`, `int`).
    I32,
    /// Unsigned 32 bits.
    U32,
    /// Signed 64 bits (`hyper`).
    I64,
    /// Unsigned 64 bits.
    U64,
    /// Signed pointer-sized (`__int3264`).
    ISize,
    /// Unsigned pointer-sized.
    USize,
    /// `float`.
    F32,
    /// `double`.
    F64,
}

impl Prim {
    /// Whether this is an integer type.
    pub fn is_integer(self) -> bool {
        !matches!(self, Prim::F32 | Prim::F64)
    }

    /// The range of values the type holds, for integers.
    pub fn range(self) -> Option<(i128, i128)> {
        Some(match self {
            Prim::Char | Prim::I8 => (i8::MIN.into(), i8::MAX.into()),
            Prim::U8 => (0, u8::MAX.into()),
            Prim::I16 => (i16::MIN.into(), i16::MAX.into()),
            Prim::U16 | Prim::WChar => (0, u16::MAX.into()),
            Prim::I32 => (i32::MIN.into(), i32::MAX.into()),
            Prim::U32 => (0, u32::MAX.into()),
            Prim::I64 | Prim::ISize => (i64::MIN.into(), i64::MAX.into()),
            Prim::U64 | Prim::USize => (0, u64::MAX.into()),
            Prim::F32 | Prim::F64 => return None,
        })
    }
}

impl Ty {
    /// The type with root-file typedefs replaced by what they stand for (outermost only).
    pub fn resolved(&self) -> &Ty {
        match self {
            Ty::Named {
                kind: NamedKind::Alias(target),
                ..
            } => target.resolved(),
            other => other,
        }
    }

    /// For a pointer (through aliases): the pointee and whether it is const.
    pub fn pointee(&self) -> Option<(&Ty, bool)> {
        match self.resolved() {
            Ty::Ptr { pointee, is_const } => Some((pointee, *is_const)),
            _ => None,
        }
    }

    /// Whether this is an integer primitive (through aliases).
    pub fn is_integer(&self) -> bool {
        matches!(self.resolved(), Ty::Prim(p) if p.is_integer())
    }

    /// Whether this is an interface (through aliases).
    pub fn is_interface(&self) -> bool {
        matches!(self.resolved(), Ty::Interface(_))
    }

    /// Whether this is a pointer to an interface (`I *`, the element of an array of
    /// interfaces).
    pub fn is_interface_ptr(&self) -> bool {
        self.pointee().is_some_and(|(t, c)| !c && t.is_interface())
    }

    /// Whether the type is a single value a pointer can refer to as "one element": a GUID, a
    /// struct, an integer, an enum, a handle or an HRESULT (not void, not an interface, not a
    /// pointer or array).
    pub fn is_plain_value(&self) -> bool {
        match self.resolved() {
            Ty::Guid | Ty::Hresult | Ty::Prim(_) => true,
            Ty::Named { kind, .. } => !matches!(kind, NamedKind::Alias(_)),
            _ => false,
        }
    }
}
