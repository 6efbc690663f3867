//! Attributes (`[uuid(...)]`, `[in, out, size_is(n)]` ...), their arguments and GUIDs.

use serde::Serialize;

use crate::source::Span;

use super::*;

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
    Type(Box<Type>),
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
