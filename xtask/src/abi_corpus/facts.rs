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
//!
//! The C side of a fact is a list of alternatives, tried in order until one compiles, for
//! what the IDL does not say about the C names: a struct is named by its typedef when it has
//! one (the SDK's C headers may define the tag as a union, or leave it incomplete, and widl's
//! header then defers to them) and by `struct TAG` otherwise; and a member whose name the
//! SDK's headers `#define` after widl's header declared it (`SetPort`, a macro of
//! `<winspool.h>`) is named with that macro undefined. An alternative can only compile when
//! widl's header has that name, so the alternatives cannot make a difference disappear.

use mobsync_idl::codegen::Api;
use mobsync_idl::codegen::abi::{DeclKind, Interface, Method, NamedKind, Prim, Struct, Ty};

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
    /// The C side: integer constant expressions over widl's header, tried in order until one
    /// compiles (lines starting with `#` are preprocessor directives around the expression,
    /// see [`undefined`]); or for a GUID, the one name of its `DEFINE_GUID` (`IID_IFoo`).
    pub c: Vec<String>,
    /// The names that find the fact's declaration in widl's header, each within the block of
    /// the one before (`["IFooVtbl", "Bar"]` for a vtable slot): where the C side cannot
    /// evaluate the fact, this tells whether widl's header declares it where the preprocessor
    /// leaves it out.
    pub locate: Vec<String>,
    /// The Rust side: an expression over the generated items, or for a GUID a `&GUID`.
    pub rust: String,
}

impl Fact {
    /// The fact as one line of the generator's protocol (the Rust expression stays behind):
    /// `fact`, the key, the value's code, the locating names (space-separated), then each C
    /// alternative (newlines written `\n`), separated by tabs.
    pub fn to_line(&self) -> String {
        let mut line = format!(
            "fact\t{}\t{}\t{}",
            self.key,
            self.value.code(),
            self.locate.join(" ")
        );
        for c in &self.c {
            line.push('\t');
            line.push_str(&c.replace('\n', "\\n"));
        }
        line
    }

    /// The inverse of [`Fact::to_line`] (without the Rust expression).
    pub fn from_line(line: &str) -> Option<Fact> {
        let mut parts = line.split('\t');
        if parts.next()? != "fact" {
            return None;
        }
        let key = parts.next()?.to_string();
        let value = Value::from_code(parts.next()?)?;
        let locate = parts.next()?.split_whitespace().map(String::from).collect();
        let c: Vec<String> = parts.map(|c| c.replace("\\n", "\n")).collect();
        if c.is_empty() {
            return None;
        }
        Some(Fact {
            key,
            value,
            c,
            locate,
            rust: String::new(),
        })
    }
}

/// An alternative C expression that names `name` with its macro (if any) undefined: the
/// directives around `expr` save the macro, undefine it, and restore it after.
pub fn undefined(name: &str, expr: &str) -> String {
    format!("#pragma push_macro(\"{name}\")\n#undef {name}\n{expr}\n#pragma pop_macro(\"{name}\")")
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
    fn push(&mut self, key: String, value: Value, c: Vec<String>, locate: &[&str], rust: String) {
        if self.seen.insert(key.clone()) {
            self.list.push(Fact {
                key,
                value,
                c,
                locate: locate.iter().map(|s| s.to_string()).collect(),
                rust,
            });
        }
    }

    /// Size and alignment of a type: `c` are its C spellings (see [`c_types`]), `rust` its
    /// Rust name. The C side takes them of a one-element array, which only an object type has
    /// (`sizeof` of a function type or of `void` is 1 in GNU C, not an error).
    fn layout(&mut self, name: &str, c: &[String], rust: &str) {
        self.push(
            format!("size {name}"),
            Value::Unsigned,
            c.iter().map(|c| format!("sizeof({c}[1])")).collect(),
            &[name],
            format!("size_of::<{rust}>()"),
        );
        self.push(
            format!("align {name}"),
            Value::Unsigned,
            c.iter().map(|c| format!("_Alignof({c}[1])")).collect(),
            &[name],
            format!("align_of::<{rust}>()"),
        );
    }

    /// The offset of a member of struct `name` (C spellings `c`), reached through `path`.
    fn offset(&mut self, name: &str, c: &[String], path: &MemberPath) {
        let mut alternatives = Vec::new();
        for p in [path.msvc.join("."), path.gnu.join(".")] {
            if !alternatives.contains(&p) {
                alternatives.push(p);
            }
        }
        let leaf = path.gnu.last().map_or("", String::as_str);
        let plain: Vec<String> = c
            .iter()
            .flat_map(|c| {
                alternatives
                    .iter()
                    .map(move |p| format!("offsetof({c}, {p})"))
            })
            .collect();
        let undefined = plain.iter().map(|e| undefined(leaf, e)).collect();
        self.push(
            format!("offset {name}.{}", path.key.join(".")),
            Value::Unsigned,
            [plain, undefined].concat(),
            &[name],
            path.rust.join(" + "),
        );
    }

    /// The offsets of the members of `s` (owned by Rust type `owner`) under `path`, and of the
    /// members of the inline structs and unions among them (which have no C name of their
    /// own: C reaches their members through the parent's).
    fn members(
        &mut self,
        api: &Api,
        (name, c): (&str, &[String]),
        s: &Struct,
        owner: &str,
        path: &MemberPath,
    ) {
        for (f, rust_name) in s.fields.iter().zip(s.rust_field_names()) {
            // A storage unit of bit fields has no C name; the struct's size and the offsets of
            // the members after it cover its layout.
            if !f.bits.is_empty() {
                continue;
            }
            let mut here = path.clone();
            here.key.push(rust_name.clone());
            here.rust.push(format!(
                "offset_of!({}, {})",
                rust_ident(owner),
                rust_ident(&rust_name)
            ));
            if !f.nameless {
                here.msvc.push(f.name.clone());
            }
            if !f.name.is_empty() {
                here.gnu.push(f.name.clone());
            }
            // A nameless member has no C path of its own; its members' offsets cover it.
            if !f.nameless {
                self.offset(name, c, &here);
            }
            if let Ty::Named {
                name: inner,
                kind: NamedKind::Struct,
            } = f.ty.resolved()
                && let Some(DeclKind::Struct(inner_s)) = api.find(inner).map(|d| &d.kind)
                && inner_s.inline
            {
                self.members(api, (name, c), inner_s, inner, &here);
            }
        }
    }
}

/// Where a member is, from the struct a fact is about: its Rust names (for the key), the
/// `offset_of!` of each step (summed on the Rust side), and its C paths as a compiler sees it
/// when the names the headers define away are empty (MSVC's view) and when they are not
/// (`__VARIANT_NAME_1` is `n1` for a compiler that defines `__STDC__`, as GCC does).
#[derive(Debug, Clone, Default)]
struct MemberPath {
    key: Vec<String>,
    rust: Vec<String>,
    msvc: Vec<String>,
    gnu: Vec<String>,
}

/// The C spellings of a struct or enum type, in the order they are tried: its typedef name,
/// then `struct TAG` (`enum TAG`) when it has a tag. A struct the IDL declares without a
/// typedef has its tag as its name (`struct _X {...};` is `_X`) and no typedef in C, so the
/// first spelling does not compile and the tag is used; one with a typedef is known to C by
/// that name, which the SDK's C headers may define differently from the tag (widl's `wtypes.h`
/// leaves `struct _LARGE_INTEGER` to `<winnt.h>`, where it is a union).
fn c_types(keyword: &str, tag: Option<&str>, name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    if let Some(tag) = tag {
        out.push(format!("{keyword} {tag}"));
    }
    out
}

/// The name of a method's member in widl's C vtable struct: the method's name (an accessor's
/// `get_Name`), or, when a base interface has a method of that name (C++ overloads, as in
/// `IDWriteTextLayout::GetFontCollection`), `IFoo_Name` (widl's `is_inherited_method`), where
/// `Name` is the IDL name, without an accessor's prefix.
fn vtable_member(iface: &str, i: &Interface, m: &Method) -> String {
    if !i.inherited.iter().any(|b| b.name == m.name) {
        return m.name.clone();
    }
    let raw = ["get_", "putref_", "put_"]
        .iter()
        .find_map(|p| m.name.strip_prefix(p))
        .unwrap_or(&m.name);
    format!("{iface}_{raw}")
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
            // An inline struct or union has no C name: its parent's facts cover it.
            DeclKind::Struct(s) if s.inline => {}
            DeclKind::Struct(s) => {
                let keyword = if s.is_union { "union" } else { "struct" };
                let c = c_types(keyword, s.tag.as_deref(), name);
                facts.layout(name, &c, &rust);
                facts.members(api, (name, &c), s, name, &MemberPath::default());
            }
            DeclKind::Enum(e) => {
                let c = c_types("enum", e.tag.as_deref(), name);
                facts.layout(name, &c, &rust);
                for v in &e.variants {
                    facts.push(
                        format!("enum {}", v.name),
                        Value::Int {
                            bits: 32,
                            signed: true,
                        },
                        vec![format!("(int)({})", v.name)],
                        &[&v.name],
                        rust_ident(&v.name),
                    );
                }
            }
            DeclKind::Handle => facts.layout(name, &[name.to_string()], &rust),
            DeclKind::Alias(ty) => {
                // `void` and interfaces by value have no size of their own in the bindings
                // (both are `c_void`); pointers to them do.
                if !matches!(ty.resolved(), Ty::Void | Ty::Interface(_)) {
                    facts.layout(name, &[name.to_string()], &rust);
                }
            }
            DeclKind::Const(c) => {
                if let Some((bits, signed, c_ty)) = int_type(&c.ty) {
                    facts.push(
                        format!("const {name}"),
                        Value::Int { bits, signed },
                        vec![format!("({c_ty})({name})")],
                        &[name],
                        rust.clone(),
                    );
                }
            }
            DeclKind::Interface(i) => {
                let vtbl = format!("VtableOf<{rust}>");
                let c_vtbl = format!("{name}Vtbl");
                let iid_name = i.iid_name(name);
                facts.push(
                    format!("iid {name}"),
                    Value::Guid,
                    vec![iid_name.clone()],
                    &[&iid_name],
                    format!("&<{rust} as windows_core::Interface>::IID"),
                );
                for m in &i.methods {
                    let member = vtable_member(name, i, m);
                    let expr = format!("offsetof({c_vtbl}, {member}) / sizeof(void *)");
                    facts.push(
                        format!("slot {name}.{}", m.name),
                        Value::Unsigned,
                        vec![expr.clone(), undefined(&member, &expr)],
                        &[&c_vtbl, &member],
                        format!(
                            "offset_of!({vtbl}, {}) / size_of::<usize>()",
                            rust_ident(&m.name)
                        ),
                    );
                }
                facts.push(
                    format!("slots {name}"),
                    Value::Unsigned,
                    vec![format!("sizeof({c_vtbl}) / sizeof(void *)")],
                    &[&c_vtbl],
                    format!("size_of::<{vtbl}>() / size_of::<usize>()"),
                );
            }
            DeclKind::Class(_) => facts.push(
                format!("clsid {name}"),
                Value::Guid,
                vec![format!("CLSID_{name}")],
                &[&format!("CLSID_{name}")],
                format!("&CLSID_{name}"),
            ),
            DeclKind::GuidConst(_) => facts.push(
                format!("guid {name}"),
                Value::Guid,
                vec![name.to_string()],
                &[name],
                format!("&{rust}"),
            ),
            // No ABI fact: floating-point and string values are not integers the C side reads.
            DeclKind::Literal(_) => {}
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
            key: "offset X.a".into(),
            value: Value::Unsigned,
            c: vec![
                "offsetof(X, a)".into(),
                "offsetof(struct tagX, a)".into(),
                undefined("a", "offsetof(X, a)"),
            ],
            locate: vec!["X".into()],
            rust: String::new(),
        };
        let line = fact.to_line();
        assert_eq!(line.lines().count(), 1);
        assert_eq!(Fact::from_line(&line), Some(fact));
        assert_eq!(Fact::from_line("refused\tno"), None);
        assert_eq!(Fact::from_line("fact\tsize X\tsize\tX"), None, "no C side");
    }

    #[test]
    fn undefined_names_are_restored() {
        assert_eq!(
            undefined("SetPort", "offsetof(V, SetPort)"),
            "#pragma push_macro(\"SetPort\")\n#undef SetPort\noffsetof(V, SetPort)\n\
             #pragma pop_macro(\"SetPort\")"
        );
    }

    #[test]
    fn typedef_names_come_before_tags() {
        assert_eq!(
            c_types("struct", Some("_LARGE_INTEGER"), "LARGE_INTEGER"),
            ["LARGE_INTEGER", "struct _LARGE_INTEGER"]
        );
        assert_eq!(c_types("enum", None, "E"), ["E"]);
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
            slot.c[0],
            "offsetof(ISyncMgrSynchronizeVtbl, Initialize) / sizeof(void *)"
        );
        assert_eq!(slot.c[1], undefined("Initialize", &slot.c[0]));
        assert_eq!(slot.locate, ["ISyncMgrSynchronizeVtbl", "Initialize"]);
        assert_eq!(
            find("iid ISyncMgrSynchronize").c,
            ["IID_ISyncMgrSynchronize"]
        );
        assert_eq!(find("const MAX_SYNCMGRITEMNAME").value.code(), "u32");
        let size = find("size SYNCMGRITEM");
        assert_eq!(size.c[0], "sizeof(SYNCMGRITEM[1])");
        assert_eq!(size.c[1], "sizeof(struct _tagSYNCMGRITEM[1])");
        assert_eq!(size.locate, ["SYNCMGRITEM"]);
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
