//! ABI facts: what is compared, how each side states it, and how values read.
//!
//! [`collect`] walks the generator's own [`Api`] of a file and lists every fact the bindings
//! fix: the size and alignment of each struct, enum, handle and typedef, each field offset,
//! each enumerator and integer constant, each IID and CLSID, and the vtable slot of each
//! method (plus each vtable's slot count). Each [`Fact`] carries a Rust expression over the
//! generated items (written into the scratch crate's `facts` function, see [`rust_facts_fn`])
//! and a C expression over the names of widl's header (see the C side).
//!
//! A fact's key (`size tagFOO`, `offset tagFOO.cbSize`, `slot IFoo.Bar`, `slots IFoo`,
//! `iid IFoo`, `clsid Foo`, `enum FOO_A`, `const FOO_MAX`) names it in the report.

use mobsync_idl::codegen::Api;
use mobsync_idl::codegen::abi::{DeclKind, NamedKind, Prim, Ty};

/// How a fact's value reads, on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// A size, alignment, offset or slot number.
    Unsigned,
    /// An enumerator or a constant: an integer of this width and signedness.
    Int {
        /// The width in bits (8, 16, 32 or 64).
        bits: u32,
        /// Whether the declared type is signed.
        signed: bool,
    },
    /// A GUID, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lower case.
    Guid,
}

impl Value {
    /// The name in the generator's protocol (`u64`, `i32`, `guid`).
    pub fn code(self) -> String {
        match self {
            Value::Unsigned => "size".into(),
            Value::Int { bits, signed } => format!("{}{bits}", if signed { 'i' } else { 'u' }),
            Value::Guid => "guid".into(),
        }
    }

    /// The inverse of [`Value::code`].
    pub fn from_code(code: &str) -> Option<Value> {
        match code {
            "size" => Some(Value::Unsigned),
            "guid" => Some(Value::Guid),
            _ => {
                let signed = match code.as_bytes().first()? {
                    b'i' => true,
                    b'u' => false,
                    _ => return None,
                };
                let bits: u32 = code[1..].parse().ok()?;
                matches!(bits, 8 | 16 | 32 | 64).then_some(Value::Int { bits, signed })
            }
        }
    }

    /// The value of a 64-bit pattern (what the C side reads from the assembly) as this kind of
    /// value, in decimal: truncated to the width and sign-extended when signed.
    pub fn read_bits(self, pattern: u64) -> String {
        match self {
            Value::Unsigned | Value::Guid => pattern.to_string(),
            Value::Int { bits, signed } => {
                let shift = 64 - bits;
                if signed {
                    (((pattern << shift) as i64) >> shift).to_string()
                } else {
                    ((pattern << shift) >> shift).to_string()
                }
            }
        }
    }
}

/// One fact to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The name of the fact (`size tagFOO`).
    pub key: String,
    /// How its value reads.
    pub value: Value,
    /// The C side: an integer constant expression over widl's header, or for a GUID the name
    /// of its `DEFINE_GUID` (`IID_IFoo`).
    pub c: String,
    /// The Rust side: an expression over the generated items, or for a GUID a `&GUID`.
    pub rust: String,
}

impl Fact {
    /// The fact as one line of the generator's protocol (the Rust expression stays behind).
    pub fn to_line(&self) -> String {
        format!("fact\t{}\t{}\t{}", self.key, self.value.code(), self.c)
    }

    /// The inverse of [`Fact::to_line`] (without the Rust expression).
    pub fn from_line(line: &str) -> Option<Fact> {
        let mut parts = line.splitn(4, '\t');
        if parts.next()? != "fact" {
            return None;
        }
        let key = parts.next()?.to_string();
        let value = Value::from_code(parts.next()?)?;
        let c = parts.next()?.to_string();
        Some(Fact {
            key,
            value,
            c,
            rust: String::new(),
        })
    }
}

/// A Rust identifier for a name, raw when it is a keyword (as the generator writes them).
pub fn rust_ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else",
        "enum", "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match",
        "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "try",
        "type", "unsafe", "use", "where", "while", "yield", "abstract", "become", "do", "final",
        "macro", "override", "priv", "typeof", "unsized", "virtual",
    ];
    if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// The width and signedness of a constant's declared type, with the C type that truncates a
/// value to it; `None` for a type whose constants are not integers.
fn int_type(ty: &Ty) -> Option<(u32, bool, &'static str)> {
    Some(match ty.resolved() {
        Ty::Hresult => (32, true, "int"),
        Ty::Named {
            kind: NamedKind::Enum,
            ..
        } => (32, true, "int"),
        Ty::Prim(p) => match p {
            Prim::Char | Prim::I8 => (8, true, "signed char"),
            Prim::U8 => (8, false, "unsigned char"),
            Prim::I16 => (16, true, "short"),
            Prim::U16 | Prim::WChar => (16, false, "unsigned short"),
            Prim::I32 => (32, true, "int"),
            Prim::U32 => (32, false, "unsigned int"),
            Prim::I64 | Prim::ISize => (64, true, "long long"),
            Prim::U64 | Prim::USize => (64, false, "unsigned long long"),
            Prim::F32 | Prim::F64 => return None,
        },
        _ => return None,
    })
}

/// Collects facts, each key once.
#[derive(Default)]
struct Facts {
    list: Vec<Fact>,
    seen: std::collections::HashSet<String>,
}

impl Facts {
    fn push(&mut self, key: String, value: Value, c: String, rust: String) {
        if self.seen.insert(key.clone()) {
            self.list.push(Fact {
                key,
                value,
                c,
                rust,
            });
        }
    }

    /// Size and alignment of a type: `c` names it in C, `rust` in Rust.
    fn layout(&mut self, name: &str, c: &str, rust: &str) {
        self.push(
            format!("size {name}"),
            Value::Unsigned,
            format!("sizeof({c})"),
            format!("size_of::<{rust}>()"),
        );
        self.push(
            format!("align {name}"),
            Value::Unsigned,
            format!("_Alignof({c})"),
            format!("align_of::<{rust}>()"),
        );
    }
}

/// The C spelling of a struct or enum type: its tag when it has one (a struct declared without
/// a typedef has no other C name), else its typedef name.
fn c_type(keyword: &str, tag: Option<&str>, name: &str) -> String {
    match tag {
        Some(tag) => format!("{keyword} {tag}"),
        None => name.to_string(),
    }
}

/// Every ABI fact of the bindings generated from `api`, in declaration order.
///
/// The match over [`DeclKind`] is exhaustive on purpose: a new kind of declaration in the
/// generator must say here which facts it fixes before this proof compiles again.
pub fn collect(api: &Api) -> Vec<Fact> {
    let mut facts = Facts::default();
    for decl in &api.decls {
        let name = decl.name.as_str();
        let rust = rust_ident(name);
        match &decl.kind {
            DeclKind::Struct(s) => {
                let c = c_type("struct", s.tag.as_deref(), name);
                facts.layout(name, &c, &rust);
                for field in &s.fields {
                    facts.push(
                        format!("offset {name}.{}", field.name),
                        Value::Unsigned,
                        format!("offsetof({c}, {})", field.name),
                        format!("offset_of!({rust}, {})", rust_ident(&field.name)),
                    );
                }
            }
            DeclKind::Enum(e) => {
                let c = c_type("enum", e.tag.as_deref(), name);
                facts.layout(name, &c, &rust);
                for v in &e.variants {
                    facts.push(
                        format!("enum {}", v.name),
                        Value::Int {
                            bits: 32,
                            signed: true,
                        },
                        format!("(int)({})", v.name),
                        rust_ident(&v.name),
                    );
                }
            }
            DeclKind::Handle => facts.layout(name, name, &rust),
            DeclKind::Alias(ty) => {
                // `void` and interfaces by value have no size of their own in the bindings
                // (both are `c_void`); pointers to them do.
                if !matches!(ty.resolved(), Ty::Void | Ty::Interface(_)) {
                    facts.layout(name, name, &rust);
                }
            }
            DeclKind::Const(c) => {
                if let Some((bits, signed, c_ty)) = int_type(&c.ty) {
                    facts.push(
                        format!("const {name}"),
                        Value::Int { bits, signed },
                        format!("({c_ty})({name})"),
                        rust.clone(),
                    );
                }
            }
            DeclKind::Interface(i) => {
                let vtbl = format!("VtableOf<{rust}>");
                facts.push(
                    format!("iid {name}"),
                    Value::Guid,
                    format!("IID_{name}"),
                    format!("&<{rust} as windows_core::Interface>::IID"),
                );
                for m in &i.methods {
                    facts.push(
                        format!("slot {name}.{}", m.name),
                        Value::Unsigned,
                        format!("offsetof({name}Vtbl, {}) / sizeof(void *)", m.name),
                        format!(
                            "offset_of!({vtbl}, {}) / size_of::<usize>()",
                            rust_ident(&m.name)
                        ),
                    );
                }
                facts.push(
                    format!("slots {name}"),
                    Value::Unsigned,
                    format!("sizeof({name}Vtbl) / sizeof(void *)"),
                    format!("size_of::<{vtbl}>() / size_of::<usize>()"),
                );
            }
            DeclKind::Class(_) => facts.push(
                format!("clsid {name}"),
                Value::Guid,
                format!("CLSID_{name}"),
                format!("&CLSID_{name}"),
            ),
            // Nothing is emitted for these.
            DeclKind::CppQuote(_) | DeclKind::Skipped(_) => {}
        }
    }
    facts.list
}

/// The `facts` function of a scratch crate: one call per fact on `abi_support::Facts`.
pub fn rust_facts_fn(facts: &[Fact]) -> String {
    let mut out = String::from(
        "/// Reports every ABI fact of the bindings.\n\
         pub fn facts(f: &mut abi_support::Facts) {\n    \
         use abi_support::VtableOf;\n    \
         use core::mem::{align_of, offset_of, size_of};\n",
    );
    for fact in facts {
        let (key, expr) = (&fact.key, &fact.rust);
        let call = match fact.value {
            Value::Unsigned => format!("f.size({key:?}, {expr});"),
            Value::Int { signed, .. } => format!("f.int({key:?}, {expr}, {signed});"),
            Value::Guid => format!("f.guid({key:?}, {expr});"),
        };
        out.push_str("    ");
        out.push_str(&call);
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_codes_round_trip() {
        for v in [
            Value::Unsigned,
            Value::Guid,
            Value::Int {
                bits: 8,
                signed: true,
            },
            Value::Int {
                bits: 64,
                signed: false,
            },
        ] {
            assert_eq!(Value::from_code(&v.code()), Some(v));
        }
        assert_eq!(Value::from_code("i12"), None);
        assert_eq!(Value::from_code("x32"), None);
    }

    #[test]
    fn bit_patterns_read_as_the_declared_type() {
        let int = |bits, signed| Value::Int { bits, signed };
        assert_eq!(int(32, true).read_bits(u64::MAX), "-1");
        assert_eq!(int(32, false).read_bits(u64::MAX), "4294967295");
        assert_eq!(int(32, true).read_bits(0x8000_4005), "-2147467259");
        assert_eq!(int(16, false).read_bits(0x1_ffff), "65535");
        assert_eq!(int(64, false).read_bits(u64::MAX), "18446744073709551615");
        assert_eq!(int(64, true).read_bits(u64::MAX), "-1");
        assert_eq!(Value::Unsigned.read_bits(24), "24");
    }

    #[test]
    fn fact_lines_round_trip() {
        let fact = Fact {
            key: "offset tagX.a".into(),
            value: Value::Unsigned,
            c: "offsetof(struct tagX, a)".into(),
            rust: String::new(),
        };
        assert_eq!(Fact::from_line(&fact.to_line()), Some(fact));
        assert_eq!(Fact::from_line("refused\tno"), None);
    }

    #[test]
    fn the_facts_of_mobsync_idl() {
        let api = Api::from_compilation(mobsync_idl::mobsync_compilation()).expect("api");
        let facts = collect(&api);
        let find = |key: &str| {
            facts
                .iter()
                .find(|f| f.key == key)
                .unwrap_or_else(|| panic!("no fact `{key}`"))
        };
        let slot = find("slot ISyncMgrSynchronize.Initialize");
        assert_eq!(
            slot.c,
            "offsetof(ISyncMgrSynchronizeVtbl, Initialize) / sizeof(void *)"
        );
        assert_eq!(find("iid ISyncMgrSynchronize").c, "IID_ISyncMgrSynchronize");
        assert_eq!(find("const MAX_SYNCMGRITEMNAME").value.code(), "u32");
        assert!(find("size SYNCMGRITEM").c.starts_with("sizeof("));
        let mut keys: Vec<&str> = facts.iter().map(|f| f.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), facts.len(), "every key once");

        let code = rust_facts_fn(&facts);
        assert!(code.contains(
            "f.size(\"slot ISyncMgrSynchronize.Initialize\", \
             offset_of!(VtableOf<ISyncMgrSynchronize>, Initialize) / size_of::<usize>());"
        ));
    }

    #[test]
    fn keywords_are_raw() {
        assert_eq!(rust_ident("type"), "r#type");
        assert_eq!(rust_ident("cbSize"), "cbSize");
    }
}
