//! The ABI view of a model: the declarations code generators emit, with every type resolved.
//!
//! [`Api::from_model`] walks the root files of a checked [`Compilation`] in source order and produces
//! one [`Decl`] per emitted name: structs, enums, handles, typedefs, constants, COM interfaces
//! (with vtable slot numbers) and classes. Types are resolved through typedef chains with the
//! model's symbol table:
//!
//! - typedefs declared in the root files keep their names ([`NamedKind::Alias`]), so generated
//!   code reads like the SDK (`REFSYNCMGRITEMID`, `LPSYNCMGRITEM`);
//! - typedefs from imported files (`DWORD`, `LPCWSTR`, `REFIID` ...) resolve to what they stand
//!   for (`u32`/`uint32_t`, a pointer to const UTF-16, a pointer to const `GUID`), so the
//!   outputs do not depend on the SDK's base headers;
//! - structs, enums and handles from imported files that the root files use (`FILETIME`,
//!   `HWND`, `HICON`) are emitted too, marked [`Origin::Imported`];
//! - `GUID`, `HRESULT` and `IUnknown` are well known ([`Ty::Guid`], [`Ty::Hresult`],
//!   [`Ty::Interface`]) and map to `windows_core` types and to the SDK's C names.
//!
//! Every interface method parameter gets a [`ParamRole`] derived from its MIDL attributes
//! (`[in]`, `[out]`, `size_is`, `length_is`, `iid_is`, `string`, `unique`), which the Rust
//! generators use to offer safe signatures (slices, return values, `&GUID` ...).
//!
//! Constructs the generators do not support (unions, bit fields, function pointers, conformant
//! struct members, dispinterfaces, libraries ...) are errors that point at the declaration.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::compilation::Compilation;
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{
    self, ArraySize, AttrArg, BaseKind, ConstValue, ExprKind, Guid, HasAttributes, Item, Sign,
    StructKind, StructType, TypeKind, UnaryOp,
};
use crate::source::{FileId, Span};
use crate::symbols::Symbol;

/// The `custom(...)` GUID under which a method lists the success codes it is documented to
/// return (space separated, `S_OK` first), when it can return more than `S_OK`.
pub const CONTRACT_SUCCESS_CODES: Guid = Guid {
    data1: 0x5A2B_5787,
    data2: 0x68ED,
    data3: 0x42BD,
    data4: [0xBE, 0xDD, 0x31, 0x2C, 0xC5, 0xFE, 0x3B, 0x52],
};

/// The `custom(...)` GUID that marks a method optional; its value is the HRESULT a handler
/// that does not implement the method returns (`E_NOTIMPL`).
pub const CONTRACT_OPTIONAL: Guid = Guid {
    data1: 0xDCA7_B294,
    data2: 0xD51F,
    data3: 0x457E,
    data4: [0x84, 0x78, 0xF1, 0x18, 0xF5, 0x41, 0x25, 0x13],
};

/// Everything the generators emit, in emission order: the imported declarations the root
/// files need (in the order of their files and positions), then the root files' declarations
/// in source order (declarations nested in an interface body come just before the interface).
#[derive(Debug, Clone)]
pub struct Api {
    /// The declarations.
    pub decls: Vec<Decl>,
}

/// One emitted name.
#[derive(Debug, Clone)]
pub struct Decl {
    /// The name (as written in the IDL, kept in the outputs).
    pub name: String,
    /// Documentation: the IDL doc comment or `helpstring`, else a generated sentence. Never
    /// empty; lines separated by `\n`, common indentation removed.
    pub doc: String,
    /// Whether the declaration comes from a root file or from an imported one.
    pub origin: Origin,
    /// Where it is declared.
    pub span: Span,
    /// What it is.
    pub kind: DeclKind,
}

/// Where a [`Decl`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Declared in a root file (`mobsync.idl`).
    Root,
    /// Declared in an imported file and used by the root files (`FILETIME`, `HWND` ...).
    Imported,
}

/// The kinds of [`Decl`].
#[derive(Debug, Clone)]
pub enum DeclKind {
    /// A struct (`typedef struct _tagX { ... } X;`).
    Struct(Struct),
    /// An enum (`typedef enum _tagX { ... } X;`).
    Enum(Enum),
    /// An opaque pointer-sized handle (`typedef void *HWND;`).
    Handle,
    /// Another typedef: the name stands for this type.
    Alias(Ty),
    /// An integer constant (`const DWORD X = 7;`, `const HRESULT S_X = ...;`).
    Const(Const),
    /// A COM interface.
    Interface(Interface),
    /// A COM class (`coclass`), emitted as its `CLSID_` constant.
    Class(Class),
    /// A `cpp_quote("...")` line, copied into the C header only.
    CppQuote(String),
}

/// A struct.
#[derive(Debug, Clone)]
pub struct Struct {
    /// The C tag (`_tagSYNCMGRITEM`), if any.
    pub tag: Option<String>,
    /// The fields in order.
    pub fields: Vec<Field>,
}

/// A struct field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name.
    pub name: String,
    /// Documentation (never empty).
    pub doc: String,
    /// The type.
    pub ty: Ty,
}

/// An enum.
#[derive(Debug, Clone)]
pub struct Enum {
    /// The C tag, if any.
    pub tag: Option<String>,
    /// The enumerators in order.
    pub variants: Vec<Variant>,
}

/// One enumerator.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The name (`SYNCMGRSTATUS_SUCCEEDED`).
    pub name: String,
    /// Documentation (never empty).
    pub doc: String,
    /// The value (C enums are `int`).
    pub value: i32,
    /// Whether the IDL writes the value in hexadecimal (or as an expression): a display hint.
    pub hex: bool,
}

/// An integer constant.
#[derive(Debug, Clone)]
pub struct Const {
    /// The declared type.
    pub ty: Ty,
    /// The value, converted to the declared type.
    pub value: i128,
    /// Whether the IDL writes the value in hexadecimal (or as an expression): a display hint.
    pub hex: bool,
}

/// A COM interface.
#[derive(Debug, Clone)]
pub struct Interface {
    /// The interface identifier.
    pub iid: Guid,
    /// The base interface (`IUnknown`); `None` only for a root interface without a base.
    pub base: Option<String>,
    /// Every interface this one derives from, nearest first (`["IUnknown"]`).
    pub ancestors: Vec<String>,
    /// The number of vtable slots of the bases (3 for an `IUnknown`-derived interface).
    pub base_slots: usize,
    /// The bases' methods, in vtable order (slots `0..base_slots`), for generators that
    /// flatten vtables (C).
    pub inherited: Vec<Method>,
    /// The methods this interface adds, in vtable order.
    pub methods: Vec<Method>,
}

impl Interface {
    /// The number of vtable slots, the bases' included.
    pub fn slot_count(&self) -> usize {
        self.base_slots + self.methods.len()
    }
}

/// An interface method.
#[derive(Debug, Clone)]
pub struct Method {
    /// The name (`Initialize`).
    pub name: String,
    /// Documentation (never empty).
    pub doc: String,
    /// The vtable slot (0-based, counting the bases' slots).
    pub slot: usize,
    /// The return type (`HRESULT` for every mobsync method).
    pub ret: Ty,
    /// The parameters in order.
    pub params: Vec<Param>,
    /// The success codes the method is documented to return, `S_OK` first; empty when only
    /// `S_OK` is documented (the `custom` contract attribute is absent).
    pub success_codes: Vec<String>,
    /// For an optional method, the HRESULT returned when it is not implemented.
    pub optional: Option<String>,
    /// Where the method is declared.
    pub span: Span,
}

impl Method {
    /// Whether every parameter has a safe Rust form (no [`ParamRole::Raw`]) and the method
    /// returns an HRESULT.
    pub fn has_safe_signature(&self) -> bool {
        self.ret == Ty::Hresult && self.params.iter().all(|p| p.role != ParamRole::Raw)
    }

    /// Whether the method can succeed with a code other than `S_OK`.
    pub fn has_extra_success_codes(&self) -> bool {
        self.success_codes.iter().any(|c| c != "S_OK")
    }

    /// The indices of the parameters whose values the method returns ([`ParamRole::OutValue`],
    /// [`ParamRole::OutInterface`], [`ParamRole::OutIid`]).
    pub fn out_values(&self) -> Vec<usize> {
        self.params
            .iter()
            .enumerate()
            .filter(|(_, p)| p.role.is_returned())
            .map(|(i, _)| i)
            .collect()
    }
}

/// The direction of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `[in]` (the default).
    In,
    /// `[out]`.
    Out,
    /// `[in, out]`.
    InOut,
}

/// A method parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The name.
    pub name: String,
    /// The type as declared (typedef names of the root files kept).
    pub ty: Ty,
    /// The direction.
    pub dir: Direction,
    /// `[unique]`: the pointer may be null.
    pub unique: bool,
    /// `[string]`: a NUL-terminated string.
    pub string: bool,
    /// How generated safe signatures treat the parameter.
    pub role: ParamRole,
}

/// How a parameter appears in a safe signature, derived from its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamRole {
    /// Passed by value (integers, enums, handles, HRESULTs).
    Value,
    /// `[in]` pointer to one GUID or struct (`REFGUID`, `LPSYNCMGRPROGRESSITEM`): a reference,
    /// `Option` when `[unique]`.
    InRef {
        /// `[unique]`.
        optional: bool,
    },
    /// `[in]` interface pointer: a borrowed interface, `Option` when `[unique]`.
    InInterface {
        /// `[unique]`.
        optional: bool,
    },
    /// `[in, string]` pointer to UTF-16: a NUL-terminated UTF-16 slice, `Option` when
    /// `[unique]`.
    InString {
        /// `[unique]`.
        optional: bool,
    },
    /// `[in, size_is(n)]` pointer: a slice whose length is passed in parameter `len`.
    InArray {
        /// The index of the count parameter.
        len: usize,
        /// `[unique]`: an absent slice is passed as null with a zero count.
        optional: bool,
    },
    /// `[out, size_is(n)]` pointer to a caller-provided buffer: a mutable slice whose length is
    /// passed in parameter `len`; `fetched` is the `length_is(*p)` parameter, if any.
    OutArray {
        /// The index of the count parameter.
        len: usize,
        /// The index of the `[out]` parameter that receives the number of elements written.
        fetched: Option<usize>,
    },
    /// The count of an array parameter: computed from the slice's length.
    ArrayLen {
        /// The index of the array parameter.
        array: usize,
    },
    /// `[out] T *`: a value the method returns.
    OutValue,
    /// `[out] I **`: an interface the method returns.
    OutInterface,
    /// `[out, iid_is(riid)] void **`: an interface of the caller's choice.
    OutIid {
        /// The index of the `REFIID` parameter.
        iid: usize,
    },
    /// The `REFIID` parameter named by an `iid_is`: taken from the requested interface type.
    Iid {
        /// The index of the `[out, iid_is]` parameter.
        out: usize,
    },
    /// `[in, out] T *`: a mutable reference.
    InOut,
    /// No safe form: the raw ABI type.
    Raw,
}

impl ParamRole {
    /// Whether the parameter's value is returned by a safe wrapper.
    pub fn is_returned(self) -> bool {
        matches!(
            self,
            ParamRole::OutValue | ParamRole::OutInterface | ParamRole::OutIid { .. }
        )
    }

    /// Whether the parameter is computed from another one (a count or an IID).
    pub fn is_implied(self) -> bool {
        matches!(self, ParamRole::ArrayLen { .. } | ParamRole::Iid { .. })
    }
}

/// A COM class.
#[derive(Debug, Clone)]
pub struct Class {
    /// The class identifier.
    pub clsid: Guid,
    /// The interfaces the class implements, the `[default]` one first.
    pub interfaces: Vec<String>,
}

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

/// Errors from lowering: diagnostics with the model's source map.
pub(crate) fn errors(model: &Compilation, list: Vec<Diagnostic>) -> Diagnostics {
    Diagnostics::new(list, model.source_map().clone())
}

impl Api {
    /// Lowers the root files of a checked model.
    ///
    /// # Errors
    /// Every unsupported or unresolved construct, each with its location.
    pub fn from_model(model: &Compilation) -> Result<Api, Diagnostics> {
        let mut lower = Lower::new(model);
        for file in model.roots() {
            lower.items(&file.items);
        }
        lower.imported();
        if lower.errors.is_empty() {
            let mut decls = lower.imported_decls;
            decls.sort_by_key(|d| (d.span.file.index(), d.span.range().start));
            decls.extend(lower.decls);
            Ok(Api { decls })
        } else {
            Err(errors(model, lower.errors))
        }
    }

    /// The declaration named `name`.
    pub fn find(&self, name: &str) -> Option<&Decl> {
        self.decls.iter().find(|d| d.name == name)
    }

    /// The interfaces, in order.
    pub fn interfaces(&self) -> impl Iterator<Item = (&Decl, &Interface)> {
        self.decls.iter().filter_map(|d| match &d.kind {
            DeclKind::Interface(i) => Some((d, i)),
            _ => None,
        })
    }

    /// The structs, in order.
    pub fn structs(&self) -> impl Iterator<Item = (&Decl, &Struct)> {
        self.decls.iter().filter_map(|d| match &d.kind {
            DeclKind::Struct(s) => Some((d, s)),
            _ => None,
        })
    }

    /// The enums, in order.
    pub fn enums(&self) -> impl Iterator<Item = (&Decl, &Enum)> {
        self.decls.iter().filter_map(|d| match &d.kind {
            DeclKind::Enum(e) => Some((d, e)),
            _ => None,
        })
    }

    /// The constants, in order.
    pub fn consts(&self) -> impl Iterator<Item = (&Decl, &Const)> {
        self.decls.iter().filter_map(|d| match &d.kind {
            DeclKind::Const(c) => Some((d, c)),
            _ => None,
        })
    }

    /// The classes, in order.
    pub fn classes(&self) -> impl Iterator<Item = (&Decl, &Class)> {
        self.decls.iter().filter_map(|d| match &d.kind {
            DeclKind::Class(c) => Some((d, c)),
            _ => None,
        })
    }
}

/// Joins doc lines, removing the common indentation and surrounding blank lines.
pub(crate) fn clean_doc(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let body: Vec<&str> = lines
        .iter()
        .map(|l| if l.len() >= indent { &l[indent..] } else { "" })
        .collect();
    let start = body
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(body.len());
    let end = body
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |e| e + 1);
    body[start..end].join("\n")
}

fn doc_or(doc: &Option<String>, fallback: impl FnOnce() -> String) -> String {
    match doc.as_deref().map(clean_doc) {
        Some(d) if !d.is_empty() => d,
        _ => fallback(),
    }
}

/// The lowering state.
struct Lower<'m> {
    model: &'m Compilation,
    roots: HashSet<FileId>,
    /// Struct and enum definitions (by address) → the name they are emitted under.
    named_defs: HashMap<usize, String>,
    decls: Vec<Decl>,
    imported_decls: Vec<Decl>,
    /// Imported names already queued or emitted.
    imported_seen: HashSet<String>,
    /// Imported names to emit.
    imported_queue: Vec<String>,
    errors: Vec<Diagnostic>,
}

impl<'m> Lower<'m> {
    fn new(model: &'m Compilation) -> Self {
        let mut named_defs = HashMap::new();
        for file in model.files() {
            collect_named_defs(&file.items, &mut named_defs);
        }
        Lower {
            model,
            roots: model.roots().map(|f| f.id).collect(),
            named_defs,
            decls: Vec::new(),
            imported_decls: Vec::new(),
            imported_seen: HashSet::new(),
            imported_queue: Vec::new(),
            errors: Vec::new(),
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(span, message));
    }

    fn is_root(&self, span: Span) -> bool {
        self.roots.contains(&span.file)
    }

    fn file_name(&self, span: Span) -> String {
        self.model
            .source_map()
            .get(span.file)
            .map_or_else(|| "the IDL".to_string(), |f| f.name().to_string())
    }

    // ----- items -------------------------------------------------------------------------

    fn items(&mut self, items: &[Item]) {
        for item in items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Import(_) | Item::ImportLib(_) | Item::Include(_) | Item::Pragma(_) => {}
            Item::Forward(f) => {
                if !matches!(
                    f.what,
                    model::ForwardKind::Interface | model::ForwardKind::Coclass
                ) {
                    self.error(f.span, "code generation supports forward declarations of interfaces and coclasses only");
                }
            }
            Item::CppQuote(q) => self.decls.push(Decl {
                name: String::new(),
                doc: String::new(),
                origin: Origin::Root,
                span: q.span,
                kind: DeclKind::CppQuote(q.text.clone()),
            }),
            Item::Typedef(t) => {
                let decls = self.typedef(t, Origin::Root, None);
                self.decls.extend(decls);
            }
            Item::Declaration(d) => self.declaration(d),
            Item::Const(c) => self.constant(c),
            Item::Interface(i) => self.interface(i),
            Item::Coclass(c) => self.coclass(c),
            Item::Function(f) => self.error(
                f.span,
                "code generation does not support functions outside interfaces",
            ),
            Item::Dispinterface(d) => {
                self.error(d.span, "code generation does not support dispinterfaces")
            }
            Item::RuntimeClass(c) => {
                self.error(c.span, "code generation does not support runtime classes")
            }
            Item::Library(l) | Item::Module(l) => self.error(
                l.span,
                "code generation does not support libraries and modules",
            ),
            Item::Namespace(n) => self.error(n.span, "code generation does not support namespaces"),
            Item::ApiContract(a) => {
                self.error(a.span, "code generation does not support API contracts")
            }
            Item::Delegate(d) => self.error(d.span, "code generation does not support delegates"),
            Item::Declare(d) => {
                self.error(d.span, "code generation does not support `declare` blocks")
            }
        }
    }

    /// Lowers a typedef statement. With `only`, lowers just that declarator name (for
    /// imported types).
    fn typedef(&mut self, t: &model::Typedef, origin: Origin, only: Option<&str>) -> Vec<Decl> {
        let mut out = Vec::new();
        for decl in &t.declarators {
            let Some(name) = &decl.name else {
                self.error(decl.span, "a typedef needs a name");
                continue;
            };
            if only.is_some_and(|o| o != name.name) {
                continue;
            }
            if decl.bits.is_some() {
                self.error(decl.span, "bit fields are not supported by code generation");
                continue;
            }
            let doc = doc_or(&t.doc, || {
                format!("`{}`, declared in `{}`.", name.name, self.file_name(t.span))
            });
            let kind = match &decl.ty.unqualified().kind {
                TypeKind::Struct(s) if s.is_definition() && self.defines(s, &name.name) => {
                    match self.structure(s) {
                        Some(s) => DeclKind::Struct(s),
                        None => continue,
                    }
                }
                TypeKind::Enum(e)
                    if e.enumerators.is_some() && self.defines_enum(e, &name.name) =>
                {
                    match self.enumeration(e) {
                        Some(e) => DeclKind::Enum(e),
                        None => continue,
                    }
                }
                _ if is_handle(&name.name, &decl.ty) => DeclKind::Handle,
                _ => match self.ty(&decl.ty) {
                    Some(ty) => DeclKind::Alias(ty),
                    None => continue,
                },
            };
            out.push(Decl {
                name: name.name.clone(),
                doc,
                origin,
                span: decl.span,
                kind,
            });
        }
        out
    }

    /// Whether `name` is the name a struct definition is emitted under.
    fn defines(&self, s: &Arc<StructType>, name: &str) -> bool {
        self.named_defs
            .get(&(Arc::as_ptr(s) as usize))
            .is_some_and(|n| n == name)
    }

    fn defines_enum(&self, e: &Arc<model::EnumType>, name: &str) -> bool {
        self.named_defs
            .get(&(Arc::as_ptr(e) as usize))
            .is_some_and(|n| n == name)
    }

    /// `struct X { ... };` without a typedef.
    fn declaration(&mut self, d: &model::Declaration) {
        if !d.declarators.is_empty() || d.storage.is_some() {
            self.error(
                d.span,
                "code generation supports only type declarations here",
            );
            return;
        }
        let doc = |name: &str| doc_or(&d.doc, || format!("`{name}`."));
        match &d.spec.kind {
            TypeKind::Struct(s) if s.is_definition() => {
                let Some(tag) = &s.tag else {
                    self.error(d.span, "an untagged struct declares nothing");
                    return;
                };
                if let Some(st) = self.structure(s) {
                    self.decls.push(Decl {
                        name: tag.name.clone(),
                        doc: doc(&tag.name),
                        origin: Origin::Root,
                        span: d.span,
                        kind: DeclKind::Struct(st),
                    });
                }
            }
            TypeKind::Enum(e) if e.enumerators.is_some() => {
                let Some(tag) = &e.tag else {
                    self.error(d.span, "an untagged enum needs a typedef name");
                    return;
                };
                if let Some(en) = self.enumeration(e) {
                    self.decls.push(Decl {
                        name: tag.name.clone(),
                        doc: doc(&tag.name),
                        origin: Origin::Root,
                        span: d.span,
                        kind: DeclKind::Enum(en),
                    });
                }
            }
            _ => self.error(d.span, "code generation does not support this declaration"),
        }
    }

    fn structure(&mut self, s: &StructType) -> Option<Struct> {
        if s.kind == StructKind::Union || s.switch.is_some() {
            self.error(s.span, "unions are not supported by code generation");
            return None;
        }
        let mut fields = Vec::new();
        let mut ok = true;
        for f in s.fields.as_deref().unwrap_or_default() {
            let Some(name) = &f.name else {
                self.error(
                    f.span,
                    "nameless struct members are not supported by code generation",
                );
                ok = false;
                continue;
            };
            if f.bits.is_some() {
                self.error(f.span, "bit fields are not supported by code generation");
                ok = false;
                continue;
            }
            let Some(ty) = self.ty(&f.ty) else {
                ok = false;
                continue;
            };
            if matches!(ty.resolved(), Ty::Void | Ty::Interface(_)) {
                self.error(f.span, "a struct member must have a complete type");
                ok = false;
                continue;
            }
            fields.push(Field {
                name: name.name.clone(),
                doc: doc_or(&f.doc, || format!("The `{}` member.", name.name)),
                ty,
            });
        }
        if fields.is_empty() && ok {
            self.error(s.span, "an empty struct is not valid C");
            return None;
        }
        ok.then(|| Struct {
            tag: s.tag.as_ref().map(|t| t.name.clone()),
            fields,
        })
    }

    fn enumeration(&mut self, e: &model::EnumType) -> Option<Enum> {
        let mut variants = Vec::new();
        for v in e.enumerators.as_deref().unwrap_or_default() {
            let Some(value) = v.value.value() else {
                self.error(
                    v.span,
                    "the enumerator has no value (the model was not checked)",
                );
                return None;
            };
            let Ok(value) = i32::try_from(value) else {
                self.error(
                    v.span,
                    format!("the value {value} does not fit a C enum (int)"),
                );
                return None;
            };
            variants.push(Variant {
                name: v.name.name.clone(),
                doc: doc_or(&v.doc, || format!("The `{}` value.", v.name.name)),
                value,
                hex: v.expr.as_ref().is_some_and(written_in_hex),
            });
        }
        Some(Enum {
            tag: e.tag.as_ref().map(|t| t.name.clone()),
            variants,
        })
    }

    fn constant(&mut self, c: &model::Const) {
        let Some(ty) = self.ty(&c.ty) else { return };
        let int_ok = matches!(ty.resolved(), Ty::Hresult) || ty.is_integer();
        let value = match c.value.get() {
            Some(ConstValue::Int(v)) if int_ok => *v,
            Some(_) | None if !int_ok => {
                self.error(
                    c.span,
                    "code generation supports integer and HRESULT constants only",
                );
                return;
            }
            Some(_) => {
                self.error(c.span, "the constant's value is not an integer");
                return;
            }
            None => {
                self.error(
                    c.span,
                    "the constant has no value (the model was not checked)",
                );
                return;
            }
        };
        let range = match ty.resolved() {
            Ty::Hresult => Prim::I32.range(),
            Ty::Prim(p) => p.range(),
            _ => None,
        };
        if let Some((lo, hi)) = range
            && !(lo..=hi).contains(&value)
        {
            self.error(
                c.span,
                format!("the value {value} does not fit the constant's type"),
            );
            return;
        }
        self.decls.push(Decl {
            name: c.name.name.clone(),
            doc: doc_or(&c.doc, || format!("The `{}` constant.", c.name.name)),
            origin: Origin::Root,
            span: c.span,
            kind: DeclKind::Const(Const {
                ty,
                value,
                hex: written_in_hex(&c.expr),
            }),
        });
    }

    fn coclass(&mut self, c: &model::Coclass) {
        let Some(clsid) = c.uuid() else {
            self.error(c.span, "a coclass needs a `uuid(...)` attribute");
            return;
        };
        let mut interfaces: Vec<String> = Vec::new();
        for m in &c.members {
            let Some(name) = m.ty.name() else {
                self.error(m.span, "expected an interface name");
                continue;
            };
            if m.has_attr("default") {
                interfaces.insert(0, name.to_string());
            } else {
                interfaces.push(name.to_string());
            }
        }
        self.decls.push(Decl {
            name: c.name.name.clone(),
            doc: doc_or(&c.doc, || format!("The `{}` class.", c.name.name)),
            origin: Origin::Root,
            span: c.span,
            kind: DeclKind::Class(Class { clsid, interfaces }),
        });
    }

    // ----- interfaces --------------------------------------------------------------------

    fn interface(&mut self, i: &model::Interface) {
        if !i.generic_params.is_empty() || !i.requires.is_empty() {
            self.error(i.span, "code generation does not support WinRT interfaces");
            return;
        }
        if !i.has_attr("object") {
            self.error(
                i.span,
                "code generation supports COM (`[object]`) interfaces only",
            );
            return;
        }
        let Some(iid) = i.uuid() else {
            self.error(i.span, "an interface needs a `uuid(...)` attribute");
            return;
        };
        // Declarations nested in the body come first, as MIDL hoists them.
        for item in &i.items {
            if !matches!(item, Item::Function(_)) {
                self.item(item);
            }
        }
        let (base, defs) = match i.base_name() {
            None => (None, Vec::new()),
            Some(base) => match self.ancestry(base, i.span) {
                Some(defs) => (Some(base.to_string()), defs),
                None => return,
            },
        };
        let ancestors: Vec<String> = defs.iter().map(|d| d.name.name.clone()).collect();
        let mut inherited = Vec::new();
        for def in defs.iter().rev() {
            for f in def.methods() {
                let slot = inherited.len();
                if let Some(m) = self.method(f, slot) {
                    inherited.push(m);
                }
            }
        }
        let base_slots = inherited.len();
        let mut methods = Vec::new();
        for (index, f) in i.methods().enumerate() {
            if let Some(m) = self.method(f, base_slots + index) {
                methods.push(m);
            }
        }
        self.decls.push(Decl {
            name: i.name.name.clone(),
            doc: doc_or(&i.doc, || format!("The `{}` interface.", i.name.name)),
            origin: Origin::Root,
            span: i.span,
            kind: DeclKind::Interface(Interface {
                iid,
                base,
                ancestors,
                base_slots,
                inherited,
                methods,
            }),
        });
    }

    /// The definitions of the interface named `base` and of its ancestors, nearest first.
    fn ancestry(&mut self, base: &str, span: Span) -> Option<Vec<Arc<model::Interface>>> {
        let mut defs: Vec<Arc<model::Interface>> = Vec::new();
        let mut name = base.to_string();
        loop {
            if defs.iter().any(|d| d.name.name == name) {
                self.error(
                    span,
                    format!("the interface hierarchy of `{name}` is cyclic"),
                );
                return None;
            }
            let Some(Symbol::Interface(def)) = self.model.lookup(&name).cloned() else {
                self.error(
                    span,
                    format!(
                        "the base interface `{name}` is not defined (a forward declaration is \
                         not enough)"
                    ),
                );
                return None;
            };
            let next = def.base_name().map(str::to_string);
            defs.push(def);
            match next {
                Some(next) => name = next,
                None => return Some(defs),
            }
        }
    }

    fn method(&mut self, f: &model::Function, slot: usize) -> Option<Method> {
        let ret = self.ty(&f.ret)?;
        let mut params = Vec::new();
        for (index, p) in f.params.iter().enumerate() {
            let name = p
                .name
                .as_ref()
                .map_or_else(|| format!("param{index}"), |n| n.name.clone());
            let ty = self.ty(&p.ty)?;
            let dir = match (p.has_attr("in"), p.has_attr("out")) {
                (_, false) => Direction::In,
                (false, true) => Direction::Out,
                (true, true) => Direction::InOut,
            };
            params.push(Param {
                name,
                ty,
                dir,
                unique: p.has_attr("unique"),
                string: p.has_attr("string"),
                role: ParamRole::Raw,
            });
        }
        assign_roles(f, &mut params);
        let success_codes = custom_value(f, CONTRACT_SUCCESS_CODES)
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let optional = custom_value(f, CONTRACT_OPTIONAL).map(|v| v.trim().to_string());
        Some(Method {
            name: f.name.name.clone(),
            doc: doc_or(&f.doc, || format!("The `{}` method.", f.name.name)),
            slot,
            ret,
            params,
            success_codes,
            optional,
            span: f.span,
        })
    }

    // ----- types -------------------------------------------------------------------------

    fn ty(&mut self, ty: &model::Type) -> Option<Ty> {
        match &ty.kind {
            TypeKind::Void => Some(Ty::Void),
            TypeKind::Base(b) => match prim(b.kind, b.sign) {
                Some(p) => Some(Ty::Prim(p)),
                None => {
                    self.error(ty.span, "`handle_t` is not supported by code generation");
                    None
                }
            },
            TypeKind::Const(inner) => self.ty(inner),
            TypeKind::Pointer {
                pointee, callconv, ..
            } => {
                if callconv.is_some() || matches!(pointee.unqualified().kind, TypeKind::Function(_))
                {
                    self.error(
                        ty.span,
                        "function pointers are not supported by code generation",
                    );
                    return None;
                }
                let is_const = matches!(pointee.kind, TypeKind::Const(_));
                let pointee = self.ty(pointee)?;
                Some(Ty::Ptr {
                    pointee: Box::new(pointee),
                    is_const,
                })
            }
            TypeKind::Array { element, size } => match size {
                ArraySize::Fixed { value, .. } => {
                    let Some(len) = value.value().and_then(|v| u64::try_from(v).ok()) else {
                        self.error(
                            ty.span,
                            "the array size is not a known non-negative constant",
                        );
                        return None;
                    };
                    let element = self.ty(element)?;
                    Some(Ty::Array {
                        element: Box::new(element),
                        len,
                    })
                }
                ArraySize::Conformant { .. } => {
                    self.error(
                        ty.span,
                        "conformant arrays are not supported by code generation here",
                    );
                    None
                }
            },
            TypeKind::Named { name, args } => {
                if !args.is_empty() {
                    self.error(
                        ty.span,
                        "generic types are not supported by code generation",
                    );
                    return None;
                }
                self.named(&name.name, ty.span)
            }
            TypeKind::Struct(s) => {
                let s = match (&s.tag, s.is_definition()) {
                    (Some(tag), false) => match self.model.lookup_tag(&tag.name) {
                        Some(Symbol::StructTag(def)) => def.clone(),
                        _ => {
                            self.error(ty.span, format!("`struct {}` is not defined", tag.name));
                            return None;
                        }
                    },
                    _ => s.clone(),
                };
                let Some(name) = self.named_defs.get(&(Arc::as_ptr(&s) as usize)).cloned() else {
                    self.error(ty.span, "an anonymous struct must be named by a typedef");
                    return None;
                };
                self.named(&name, ty.span)
            }
            TypeKind::Enum(e) => {
                let e = match (&e.tag, e.enumerators.is_some()) {
                    (Some(tag), false) => match self.model.lookup_tag(&tag.name) {
                        Some(Symbol::EnumTag(def)) => def.clone(),
                        _ => {
                            self.error(ty.span, format!("`enum {}` is not defined", tag.name));
                            return None;
                        }
                    },
                    _ => e.clone(),
                };
                let Some(name) = self.named_defs.get(&(Arc::as_ptr(&e) as usize)).cloned() else {
                    self.error(ty.span, "an anonymous enum must be named by a typedef");
                    return None;
                };
                self.named(&name, ty.span)
            }
            TypeKind::Function(_) => {
                self.error(
                    ty.span,
                    "function types are not supported by code generation",
                );
                None
            }
            TypeKind::SafeArray(_) => {
                self.error(ty.span, "SAFEARRAY is not supported by code generation");
                None
            }
        }
    }

    fn named(&mut self, name: &str, span: Span) -> Option<Ty> {
        match name {
            "GUID" => return Some(Ty::Guid),
            "HRESULT" => return Some(Ty::Hresult),
            _ => {}
        }
        let Some(symbol) = self.model.lookup(name).cloned() else {
            self.error(span, format!("unknown type `{name}`"));
            return None;
        };
        match &symbol {
            Symbol::Interface(_) => Some(Ty::Interface(name.to_string())),
            Symbol::Forward(f) if f.what == model::ForwardKind::Interface => {
                Some(Ty::Interface(name.to_string()))
            }
            Symbol::Typedef { typedef, index } => {
                let decl = &typedef.declarators[*index];
                let root = self.is_root(typedef.span);
                let kind = match &decl.ty.unqualified().kind {
                    TypeKind::Struct(s) if s.is_definition() && self.defines(s, name) => {
                        Some(NamedKind::Struct)
                    }
                    TypeKind::Enum(e) if e.enumerators.is_some() && self.defines_enum(e, name) => {
                        Some(NamedKind::Enum)
                    }
                    _ if is_handle(name, &decl.ty) => Some(NamedKind::Handle),
                    _ => None,
                };
                match kind {
                    Some(kind) => {
                        if !root {
                            self.need(name);
                        }
                        Some(Ty::Named {
                            name: name.to_string(),
                            kind,
                        })
                    }
                    None => {
                        let target = self.ty(&decl.ty)?;
                        if root {
                            Some(Ty::Named {
                                name: name.to_string(),
                                kind: NamedKind::Alias(Box::new(target)),
                            })
                        } else {
                            Some(target)
                        }
                    }
                }
            }
            Symbol::StructTag(s) => {
                if !self.is_root(s.span) {
                    self.need(name);
                }
                Some(Ty::Named {
                    name: name.to_string(),
                    kind: NamedKind::Struct,
                })
            }
            Symbol::EnumTag(e) => {
                if !self.is_root(e.span) {
                    self.need(name);
                }
                Some(Ty::Named {
                    name: name.to_string(),
                    kind: NamedKind::Enum,
                })
            }
            _ => {
                self.error(span, format!("`{name}` is not a type"));
                None
            }
        }
    }

    /// Queues an imported struct, enum or handle for emission.
    fn need(&mut self, name: &str) {
        if self.imported_seen.insert(name.to_string()) {
            self.imported_queue.push(name.to_string());
        }
    }

    /// Lowers the queued imported declarations (and what they need in turn).
    fn imported(&mut self) {
        while let Some(name) = self.imported_queue.pop() {
            let decls = match self.model.lookup(&name).cloned() {
                Some(Symbol::Typedef { typedef, .. }) => {
                    self.typedef(&typedef, Origin::Imported, Some(&name))
                }
                _ => match self.model.lookup_tag(&name).cloned() {
                    Some(Symbol::StructTag(s)) => self
                        .structure(&s)
                        .map(|st| Decl {
                            name: name.clone(),
                            doc: format!("`struct {name}`."),
                            origin: Origin::Imported,
                            span: s.span,
                            kind: DeclKind::Struct(st),
                        })
                        .into_iter()
                        .collect(),
                    Some(Symbol::EnumTag(e)) => self
                        .enumeration(&e)
                        .map(|en| Decl {
                            name: name.clone(),
                            doc: format!("`enum {name}`."),
                            origin: Origin::Imported,
                            span: e.span,
                            kind: DeclKind::Enum(en),
                        })
                        .into_iter()
                        .collect(),
                    _ => Vec::new(),
                },
            };
            self.imported_decls.extend(decls);
        }
    }
}

/// Records the emitted name of every struct and enum definition: the first typedef declarator
/// that names the definition itself (not a pointer to it), else its tag.
fn collect_named_defs(items: &[Item], out: &mut HashMap<usize, String>) {
    for item in items {
        match item {
            Item::Typedef(t) => {
                for d in &t.declarators {
                    let Some(name) = &d.name else { continue };
                    match &d.ty.unqualified().kind {
                        TypeKind::Struct(s) if s.is_definition() => {
                            out.entry(Arc::as_ptr(s) as usize)
                                .or_insert_with(|| name.name.clone());
                        }
                        TypeKind::Enum(e) if e.enumerators.is_some() => {
                            out.entry(Arc::as_ptr(e) as usize)
                                .or_insert_with(|| name.name.clone());
                        }
                        _ => {}
                    }
                }
                // `typedef struct _X { ... } *PX;` alone: the tag names the struct.
                if let TypeKind::Struct(s) = &t.spec.kind
                    && let Some(tag) = &s.tag
                {
                    out.entry(Arc::as_ptr(s) as usize)
                        .or_insert_with(|| tag.name.clone());
                }
            }
            Item::Declaration(d) => match &d.spec.kind {
                TypeKind::Struct(s) if s.is_definition() => {
                    if let Some(tag) = &s.tag {
                        out.entry(Arc::as_ptr(s) as usize)
                            .or_insert_with(|| tag.name.clone());
                    }
                }
                TypeKind::Enum(e) if e.enumerators.is_some() => {
                    if let Some(tag) = &e.tag {
                        out.entry(Arc::as_ptr(e) as usize)
                            .or_insert_with(|| tag.name.clone());
                    }
                }
                _ => {}
            },
            Item::Interface(i) => collect_named_defs(&i.items, out),
            Item::Library(l) | Item::Module(l) => collect_named_defs(&l.items, out),
            Item::Namespace(n) => collect_named_defs(&n.items, out),
            _ => {}
        }
    }
}

/// Whether a value is written in hexadecimal (or octal), or computed by an expression.
fn written_in_hex(expr: &model::Expr) -> bool {
    match &expr.kind {
        ExprKind::Int { non_decimal, .. } => *non_decimal,
        ExprKind::Unary {
            op: UnaryOp::Neg | UnaryOp::Plus,
            operand,
        } => written_in_hex(operand),
        _ => true,
    }
}

/// Handles are typedefs of a bare `void *` whose name starts with `H` (`HWND`, `HICON`), the
/// way the SDK declares them for MIDL.
fn is_handle(name: &str, ty: &model::Type) -> bool {
    let void_ptr = match &ty.kind {
        TypeKind::Pointer { pointee, .. } => matches!(pointee.kind, TypeKind::Void),
        _ => false,
    };
    void_ptr
        && name.len() > 1
        && name.starts_with('H')
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn prim(kind: BaseKind, sign: Option<Sign>) -> Option<Prim> {
    let unsigned = sign == Some(Sign::Unsigned);
    Some(match kind {
        BaseKind::Char => match sign {
            None => Prim::Char,
            Some(Sign::Signed) => Prim::I8,
            Some(Sign::Unsigned) => Prim::U8,
        },
        BaseKind::Small | BaseKind::Int8 if unsigned => Prim::U8,
        BaseKind::Small | BaseKind::Int8 => Prim::I8,
        BaseKind::Byte | BaseKind::Boolean => Prim::U8,
        BaseKind::Short | BaseKind::Int16 if unsigned => Prim::U16,
        BaseKind::Short | BaseKind::Int16 => Prim::I16,
        BaseKind::WChar => Prim::WChar,
        BaseKind::Int | BaseKind::Long | BaseKind::Int32 if unsigned => Prim::U32,
        BaseKind::Int | BaseKind::Long | BaseKind::Int32 => Prim::I32,
        BaseKind::ErrorStatus => Prim::U32,
        BaseKind::Hyper | BaseKind::Int64 | BaseKind::LongLong if unsigned => Prim::U64,
        BaseKind::Hyper | BaseKind::Int64 | BaseKind::LongLong => Prim::I64,
        BaseKind::Int3264 if unsigned => Prim::USize,
        BaseKind::Int3264 => Prim::ISize,
        BaseKind::Float => Prim::F32,
        BaseKind::Double => Prim::F64,
        BaseKind::Handle => return None,
    })
}

/// The string value of `custom(guid, "value")` on a method.
fn custom_value(f: &model::Function, guid: Guid) -> Option<&str> {
    f.attrs
        .iter()
        .filter(|a| a.name() == "custom")
        .find_map(|a| match a.args() {
            [AttrArg::Uuid(u), value] if u.value == Some(guid) => value.as_str(),
            _ => None,
        })
}

/// The referenced parameter of `attr(name)` / `attr(*name)` on parameter `p`:
/// `None` when the attribute is absent, `Some(None)` when present but not a plain reference.
fn attr_ref(p: &model::Param, attr: &str, deref: bool, params: &[Param]) -> Option<Option<usize>> {
    let a = p.attr(attr)?;
    let [arg] = a.args() else { return Some(None) };
    let Some(expr) = arg.as_expr() else {
        return Some(None);
    };
    let name = match (&expr.kind, deref) {
        (ExprKind::Ident { name }, false) => name,
        (
            ExprKind::Unary {
                op: UnaryOp::Deref,
                operand,
            },
            true,
        ) => match &operand.kind {
            ExprKind::Ident { name } => name,
            _ => return Some(None),
        },
        _ => return Some(None),
    };
    Some(params.iter().position(|q| &q.name == name))
}

/// Derives each parameter's [`ParamRole`] from its attributes.
fn assign_roles(f: &model::Function, params: &mut [Param]) {
    let n = params.len();
    let mut roles = vec![ParamRole::Raw; n];
    // Which parameters are referenced as counts or IIDs, and by whom.
    let mut implied: Vec<Vec<(usize, ParamRole)>> = vec![Vec::new(); n];

    for (i, (mp, p)) in f.params.iter().zip(params.iter()).enumerate() {
        let size_is = attr_ref(mp, "size_is", false, params);
        let length_is = attr_ref(mp, "length_is", true, params);
        let iid_is = attr_ref(mp, "iid_is", false, params);
        let pointee = p.ty.pointee();
        roles[i] = match p.dir {
            Direction::In => match (size_is, pointee) {
                (Some(Some(len)), Some((elem, _)))
                    if len != i && is_count(&params[len]) && elem.is_plain_value() =>
                {
                    implied[len].push((i, ParamRole::ArrayLen { array: i }));
                    ParamRole::InArray {
                        len,
                        optional: p.unique,
                    }
                }
                (Some(_), _) => ParamRole::Raw,
                (None, None) if p.ty.is_plain_value() => ParamRole::Value,
                (None, None) => ParamRole::Raw,
                (None, Some((elem, _))) => {
                    if p.string && matches!(elem.resolved(), Ty::Prim(Prim::WChar)) {
                        ParamRole::InString { optional: p.unique }
                    } else if elem.is_interface() {
                        ParamRole::InInterface { optional: p.unique }
                    } else if !p.string && elem.is_plain_value() {
                        ParamRole::InRef { optional: p.unique }
                    } else {
                        ParamRole::Raw
                    }
                }
            },
            Direction::Out => match (size_is, iid_is, pointee) {
                (Some(Some(len)), None, Some((elem, false)))
                    if len != i && is_count(&params[len]) && elem.is_plain_value() =>
                {
                    match length_is {
                        None => {
                            implied[len].push((i, ParamRole::ArrayLen { array: i }));
                            ParamRole::OutArray { len, fetched: None }
                        }
                        Some(Some(k)) if is_fetched_count(&params[k]) => {
                            implied[len].push((i, ParamRole::ArrayLen { array: i }));
                            ParamRole::OutArray {
                                len,
                                fetched: Some(k),
                            }
                        }
                        Some(_) => ParamRole::Raw,
                    }
                }
                (None, Some(Some(k)), Some((inner, false)))
                    if matches!(inner.pointee(), Some((Ty::Void, false)))
                        && is_refiid(&params[k]) =>
                {
                    implied[k].push((i, ParamRole::Iid { out: i }));
                    ParamRole::OutIid { iid: k }
                }
                (None, None, Some((inner, false))) => match inner.pointee() {
                    Some((iface, false)) if iface.is_interface() => ParamRole::OutInterface,
                    _ if !p.unique
                        && !p.string
                        && (inner.is_plain_value()
                            || inner.pointee().is_some_and(|(t, _)| t.is_plain_value())) =>
                    {
                        ParamRole::OutValue
                    }
                    _ => ParamRole::Raw,
                },
                _ => ParamRole::Raw,
            },
            Direction::InOut => match (size_is, pointee) {
                (None, Some((elem, false))) if !p.unique && elem.is_plain_value() => {
                    ParamRole::InOut
                }
                _ => ParamRole::Raw,
            },
        };
    }

    // A count or IID parameter serves exactly one array or interface; anything else keeps the
    // raw form for every parameter involved.
    for (k, users) in implied.iter().enumerate() {
        match users.as_slice() {
            [] => {}
            [(_, role)]
                if roles[k] == ParamRole::Value
                    || roles[k] == ParamRole::InRef { optional: false } =>
            {
                roles[k] = *role;
            }
            _ => {
                for (user, _) in users {
                    roles[*user] = ParamRole::Raw;
                }
            }
        }
    }
    for (p, role) in params.iter_mut().zip(roles) {
        p.role = role;
    }
}

/// An `[in]` integer passed by value.
fn is_count(p: &Param) -> bool {
    p.dir == Direction::In && p.ty.is_integer()
}

/// An `[out]` pointer to an integer.
fn is_fetched_count(p: &Param) -> bool {
    p.dir == Direction::Out && p.ty.pointee().is_some_and(|(t, c)| !c && t.is_integer())
}

/// An `[in]` pointer to a const GUID.
fn is_refiid(p: &Param) -> bool {
    p.dir == Direction::In && matches!(p.ty.pointee(), Some((Ty::Guid, _)))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::{Options, Session};

    fn api() -> Api {
        Api::from_model(crate::mobsync_compilation()).unwrap_or_else(|d| panic!("{d}"))
    }

    /// Lowers IDL text (importing the bundled base files).
    fn lower(text: &str) -> Result<Api, Diagnostics> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut session = Session::new(Options {
            include_dirs: vec![root.join("include")],
            ..Options::default()
        });
        let id = session
            .load_source(&root.join("test.idl"), text)
            .unwrap_or_else(|d| panic!("{d}"));
        Api::from_model(&session.into_compilation(vec![id]))
    }

    fn method<'a>(api: &'a Api, interface: &str, name: &str) -> &'a Method {
        let (_, i) = api
            .interfaces()
            .find(|(d, _)| d.name == interface)
            .unwrap_or_else(|| panic!("no interface {interface}"));
        i.methods
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("no method {interface}::{name}"))
    }

    fn roles(m: &Method) -> Vec<ParamRole> {
        m.params.iter().map(|p| p.role).collect()
    }

    #[test]
    fn parameter_roles_follow_the_attributes() {
        use ParamRole::*;
        let api = api();
        let cases: &[(&str, &str, &[ParamRole])] = &[
            (
                "ISyncMgrSynchronize",
                "Initialize",
                &[
                    Value,
                    Value,
                    ArrayLen { array: 3 },
                    InArray {
                        len: 2,
                        optional: true,
                    },
                ],
            ),
            ("ISyncMgrSynchronize", "GetHandlerInfo", &[OutValue]),
            ("ISyncMgrSynchronize", "EnumSyncMgrItems", &[OutInterface]),
            (
                "ISyncMgrSynchronize",
                "GetItemObject",
                &[InRef { optional: false }, Iid { out: 2 }, OutIid { iid: 1 }],
            ),
            (
                "ISyncMgrSynchronize",
                "SetProgressCallback",
                &[InInterface { optional: true }],
            ),
            (
                "ISyncMgrSynchronize",
                "PrepareForSync",
                &[
                    ArrayLen { array: 1 },
                    InArray {
                        len: 0,
                        optional: false,
                    },
                    Value,
                    Value,
                ],
            ),
            (
                "ISyncMgrSynchronizeCallback",
                "Progress",
                &[InRef { optional: false }, InRef { optional: true }],
            ),
            (
                "ISyncMgrSynchronizeCallback",
                "LogError",
                &[
                    Value,
                    InString { optional: false },
                    InRef { optional: true },
                ],
            ),
            (
                "ISyncMgrSynchronizeCallback",
                "EstablishConnection",
                &[InString { optional: true }, Value],
            ),
            (
                "ISyncMgrEnumItems",
                "Next",
                &[
                    ArrayLen { array: 1 },
                    OutArray {
                        len: 0,
                        fetched: Some(2),
                    },
                    OutValue,
                ],
            ),
            ("ISyncMgrEnumItems", "Clone", &[OutInterface]),
            (
                "ISyncMgrRegister",
                "GetHandlerRegistrationInfo",
                &[InRef { optional: false }, InOut],
            ),
        ];
        for (interface, name, expected) in cases {
            let m = method(&api, interface, name);
            assert_eq!(roles(m), expected.to_vec(), "{interface}::{name}");
            assert!(m.has_safe_signature(), "{interface}::{name}");
        }
    }

    #[test]
    fn contracts_slots_and_inheritance_come_from_the_model() {
        let api = api();
        let progress = method(&api, "ISyncMgrSynchronizeCallback", "Progress");
        assert_eq!(
            progress.success_codes,
            ["S_OK", "S_SYNCMGR_CANCELITEM", "S_SYNCMGR_CANCELALL"]
        );
        assert!(progress.has_extra_success_codes());
        assert_eq!(progress.slot, 8);
        let show = method(&api, "ISyncMgrSynchronize", "ShowProperties");
        assert_eq!(show.optional.as_deref(), Some("E_NOTIMPL"));
        let (_, sync) = api
            .interfaces()
            .find(|(d, _)| d.name == "ISyncMgrSynchronize")
            .unwrap();
        assert_eq!(sync.base.as_deref(), Some("IUnknown"));
        assert_eq!(sync.ancestors, ["IUnknown"]);
        let inherited: Vec<&str> = sync.inherited.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(inherited, ["QueryInterface", "AddRef", "Release"]);
        assert_eq!(sync.slot_count(), 13);
        let (_, class) = api.classes().next().expect("the SyncMgr class");
        assert_eq!(
            class.interfaces,
            ["ISyncMgrSynchronizeInvoke", "ISyncMgrRegister"]
        );
    }

    #[test]
    fn types_resolve_through_typedefs() {
        let api = api();
        // Root typedefs keep their names; imported ones resolve.
        let item_id = api.find("REFSYNCMGRITEMID").expect("REFSYNCMGRITEMID");
        assert!(matches!(
            &item_id.kind,
            DeclKind::Alias(Ty::Ptr { pointee, is_const: true }) if **pointee == Ty::Guid
        ));
        let init = method(&api, "ISyncMgrSynchronize", "Initialize");
        assert_eq!(init.params[0].ty, Ty::Prim(Prim::U32));
        assert_eq!(
            init.params[3].ty,
            Ty::Ptr {
                pointee: Box::new(Ty::Prim(Prim::U8)),
                is_const: true
            }
        );
        // Imported structs and handles the root files use are emitted, first.
        let imported: Vec<&str> = api
            .decls
            .iter()
            .filter(|d| d.origin == Origin::Imported)
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(imported, ["HWND", "HICON", "FILETIME"]);
        assert!(matches!(api.find("HWND").unwrap().kind, DeclKind::Handle));
        // Nothing unused is pulled in.
        assert!(api.find("IClassFactory").is_none() && api.find("LONGLONG").is_none());
        let (_, item) = api
            .structs()
            .find(|(d, _)| d.name == "SYNCMGRITEM")
            .unwrap();
        assert_eq!(
            item.fields[5].ty,
            Ty::Array {
                element: Box::new(Ty::Prim(Prim::WChar)),
                len: 128
            }
        );
        assert_eq!(item.tag.as_deref(), Some("_tagSYNCMGRITEM"));
        // Every declaration has documentation.
        assert!(api.decls.iter().all(|d| !d.doc.is_empty()));
    }

    #[test]
    fn unsupported_declarations_are_errors_with_locations() {
        let cases = [
            (
                "import \"unknwn.idl\";\n\ntypedef union _U { DWORD a; BYTE b; } U;\n",
                "unions are not supported",
                "test.idl:3:",
            ),
            (
                "import \"unknwn.idl\";\n\n[uuid(11111111-2222-3333-4444-555555555555)]\ninterface INotCom { HRESULT F(); }\n",
                "COM (`[object]`) interfaces only",
                "test.idl:3:",
            ),
            (
                "import \"unknwn.idl\";\nconst WCHAR *NAME = L\"x\";\n",
                "integer and HRESULT constants only",
                "test.idl:2:",
            ),
        ];
        for (text, message, location) in cases {
            let err = match lower(text) {
                Ok(_) => panic!("lowered without error:\n{text}"),
                Err(d) => d.to_string(),
            };
            assert!(err.contains(message), "{err}");
            assert!(err.contains(location), "{err}");
        }
    }

    #[test]
    fn raw_parameters_make_a_method_unsafe() {
        let api = lower(
            "import \"unknwn.idl\";\n\
             [object, local, uuid(11111111-2222-3333-4444-555555555555)]\n\
             interface IRaw : IUnknown {\n\
                 HRESULT Blob([in] void *data, [out] void **anything);\n\
                 HRESULT Counted([in] DWORD n, [in, size_is(n)] BYTE *a, [in, size_is(n)] BYTE *b);\n\
             }\n",
        )
        .unwrap_or_else(|d| panic!("{d}"));
        let blob = method(&api, "IRaw", "Blob");
        assert_eq!(roles(blob), [ParamRole::Raw, ParamRole::Raw]);
        assert!(!blob.has_safe_signature());
        // One count for two arrays: neither array has a safe form.
        let counted = method(&api, "IRaw", "Counted");
        assert_eq!(
            roles(counted),
            [ParamRole::Value, ParamRole::Raw, ParamRole::Raw]
        );
        assert_eq!(counted.slot, 4);
    }
}
