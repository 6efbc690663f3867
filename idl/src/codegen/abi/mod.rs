//! The ABI view of a model: the declarations code generators emit, with every type resolved.
//!
//! [`Api::from_compilation`] walks the root files of a checked [`Compilation`] in source order and produces
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

mod builder;
mod c_view;
mod contracts;
mod prune;
mod roles;
mod stand_ins;
mod types;

use crate::compilation::Compilation;
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::Guid;
use crate::source::Span;

use builder::ApiBuilder;
pub use contracts::SuccessCodes;
pub use types::{NamedKind, Prim, Ty};

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
    /// A floating-point or string constant (`const FLOAT X = 1.0;`, `const LPCWSTR X = L"..";`).
    Literal(Literal),
    /// A COM interface.
    Interface(Interface),
    /// A COM class (`coclass`), emitted as its `CLSID_` constant.
    Class(Class),
    /// A GUID constant named as it is emitted (a type library's `LIBID_X`).
    GuidConst(Guid),
    /// A `cpp_quote("...")` line, copied into the C header only.
    CppQuote(String),
    /// A declaration the generators cannot express (yet): the outputs carry a comment with
    /// the reason in its place, and everything that needs it by value is skipped too.
    Skipped(String),
}

/// A struct or a union.
#[derive(Debug, Clone)]
pub struct Struct {
    /// The C tag (`_tagSYNCMGRITEM`), if any.
    pub tag: Option<String>,
    /// Whether this is a union (every field at offset 0) rather than a struct.
    pub is_union: bool,
    /// Whether the definition is written inside another struct's body, as the type of one of
    /// its members (`union { ... } u;`, or the union of an encapsulated union): C writes it
    /// there, at that member. An untagged one is named after its parent and its place among
    /// the parent's untagged members, as windows-rs names them (`VARIANT_0`, `VARIANT_0_0`).
    pub inline: bool,
    /// The fields in order.
    pub fields: Vec<Field>,
    /// The packing in force where the struct is defined (`#pragma pack(N)`, or
    /// `#include <pshpackN.h>` in a `cpp_quote`), if any: no member is aligned to more than
    /// `N` bytes.
    pub pack: Option<u32>,
}

/// One bit field of a storage unit ([`Field::bits`]).
#[derive(Debug, Clone)]
pub struct BitField {
    /// The name (empty for an unnamed bit field, which only takes bits).
    pub name: String,
    /// The first bit (0 is the least significant).
    pub offset: u32,
    /// The number of bits.
    pub width: u32,
}

impl Struct {
    /// The names of the fields in Rust: as C writes them, except members C reaches through
    /// ([`Field::nameless`]), named `Anonymous`, or `Anonymous1`, `Anonymous2` ... when there
    /// are several (as windows-rs names them).
    pub fn rust_field_names(&self) -> Vec<String> {
        let nameless = self.fields.iter().filter(|f| f.nameless).count();
        let mut n = 0;
        self.fields
            .iter()
            .map(|f| match (f.nameless, nameless) {
                (false, _) => f.name.clone(),
                (true, 1) => "Anonymous".to_string(),
                (true, _) => {
                    n += 1;
                    format!("Anonymous{n}")
                }
            })
            .collect()
    }
}

/// A struct field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name as C writes it: empty for a nameless member (`union { ... };`), whose members
    /// C reaches as the parent's own.
    pub name: String,
    /// Whether C reaches the member's own members as the parent's: a nameless member, or one
    /// whose name the C headers define away (`DUMMYUNIONNAME`, `__VARIANT_NAME_1`, names a
    /// `cpp_quote` `#define`s to nothing). Rust names such members `Anonymous` (`Anonymous1`,
    /// `Anonymous2` ... when there are several), as windows-rs does.
    pub nameless: bool,
    /// For the storage unit of a run of bit fields (named `_bitfield`, or `_bitfield1`,
    /// `_bitfield2` ... when the struct has several, as windows-rs names them): the bit fields
    /// it holds, lowest bits first, as C declares them (`DWORD a : 3;`). Empty otherwise.
    pub bits: Vec<BitField>,
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

/// A floating-point or string constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `float` (`single`) when `single`, else `double`.
    Float {
        /// The value.
        value: f64,
        /// Whether the declared type is `float`.
        single: bool,
    },
    /// A narrow string (`"text"`), without its NUL terminator.
    Str(String),
    /// A wide string (`L"text"`), without its NUL terminator.
    WideStr(String),
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
    /// A dispinterface: called through `IDispatch::Invoke`, its vtable is `IDispatch`'s (no
    /// methods of its own); its identifier is named `DIID_` instead of `IID_`.
    pub dispinterface: bool,
}

impl Interface {
    /// The name of the identifier's constant: `IID_IFoo`, or `DIID_DFoo` for a dispinterface.
    pub fn iid_name(&self, name: &str) -> String {
        let prefix = if self.dispinterface { "DIID" } else { "IID" };
        format!("{prefix}_{name}")
    }

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
    /// The typedef the return type is declared with, and how many pointers over it (see
    /// [`Param::typedef`]).
    pub ret_typedef: Option<(String, usize)>,
    /// The success codes the method is documented to return, `S_OK` first; empty when only
    /// `S_OK` is documented (the `custom` contract attribute is absent).
    pub success_codes: Vec<String>,
    /// For an optional method, the HRESULT returned when it is not implemented.
    pub optional: Option<String>,
    /// Why the method's signature cannot be expressed, if it cannot: the vtable keeps its slot
    /// (as a pointer-sized placeholder) and no callable method is generated.
    pub unsupported: Option<String>,
    /// Where the method is declared.
    pub span: Span,
}

impl Method {
    /// Whether every parameter has a safe Rust form (no [`ParamRole::Raw`]) and the method
    /// returns an HRESULT.
    pub fn has_safe_signature(&self) -> bool {
        self.ret == Ty::Hresult && self.params.iter().all(|p| p.role != ParamRole::Raw)
    }

    /// Whether a parameter's safe form needs the runtime ([`ParamRole::OutString`] frees or
    /// allocates task memory, [`ParamRole::InStringArray`] collects views, an
    /// [`ParamRole::OutArray`] of interfaces is released on failure): the standalone bindings
    /// keep such methods raw, the traits of `mobsync-runtime` take the safe form.
    pub fn needs_runtime(&self) -> bool {
        self.params.iter().any(|p| match p.role {
            ParamRole::OutString | ParamRole::InStringArray { .. } => true,
            // An array of interfaces: the runtime releases what a failed call left in it.
            ParamRole::OutArray { .. } => p.ty.pointee().is_some_and(|(e, _)| e.is_interface_ptr()),
            _ => false,
        })
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
    /// The typedef the type is declared with, and how many pointers over it (`BSTR *pbstr` is
    /// `("BSTR", 1)`), whether or not [`Param::ty`] keeps its name: for generators that spell
    /// well-known typedefs of imported files (`BOOL`, `BSTR`, `LPOLESTR`) by name.
    pub typedef: Option<(String, usize)>,
    /// `[retval]`: the value an automation client sees as the method's result.
    pub retval: bool,
    /// `[optional]`: an automation client may leave the argument out.
    pub optional: bool,
    /// `[size_is(...)]`: how many elements the pointer points to.
    pub size_is: Option<Link>,
    /// `[length_is(...)]`: how many of them hold values.
    pub length_is: Option<Link>,
    /// `[iid_is(...)]`: the IID of the interface the pointer points to.
    pub iid_is: Option<Link>,
    /// The names of every MIDL attribute of the parameter, in source order (`in`, `out`,
    /// `size_is` ...), for generators that say what they leave out.
    pub attrs: Vec<String>,
    /// How generated safe signatures treat the parameter.
    pub role: ParamRole,
}

/// What an attribute such as `size_is(...)` refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Another parameter, by index (`size_is(cb)`).
    Param(usize),
    /// The value another parameter points to, by index (`length_is(*pcFetched)`).
    Deref(usize),
    /// Any other expression (`size_is(cb * 2)`, a struct member, a constant).
    Expr,
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
    /// `[out, string] WCHAR **`: a string the callee allocates with the COM task allocator and
    /// the caller frees; a trait method returns it as a `String`.
    OutString,
    /// `[in, size_is(n)] const WCHAR **` (an array of `LPCWSTR`) with `[in] count n`: a slice of
    /// string views; `[unique]` allows null with a zero count.
    InStringArray {
        /// The index of the count parameter.
        len: usize,
        /// `[unique]`.
        optional: bool,
    },
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
            ParamRole::OutValue
                | ParamRole::OutInterface
                | ParamRole::OutIid { .. }
                | ParamRole::OutString
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

/// Renames parameters that have the name of a declared type (`AnnoScope AnnoScope`, legal in
/// C) with a trailing `_`, so that a Rust parameter never shadows a type.
fn rename_shadowing_params(decls: &mut [Decl]) {
    let names: std::collections::HashSet<String> = decls
        .iter()
        .filter(|d| !matches!(d.kind, DeclKind::Skipped(_) | DeclKind::CppQuote(_)))
        .map(|d| d.name.clone())
        .collect();
    for d in decls.iter_mut() {
        if let DeclKind::Interface(i) = &mut d.kind {
            for m in i.inherited.iter_mut().chain(i.methods.iter_mut()) {
                for p in &mut m.params {
                    if names.contains(&p.name) {
                        p.name.push('_');
                    }
                }
            }
        }
    }
}

/// Errors from building the view: diagnostics with the model's source map.
pub(crate) fn errors(model: &Compilation, list: Vec<Diagnostic>) -> Diagnostics {
    Diagnostics::new(list, model.source_map().clone())
}

/// Which interfaces of imported files the view holds, besides the bases of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportedInterfaces {
    /// Those a class of the root files implements, and the interfaces their parameters name
    /// (one level): the Rust bindings' view. An imported interface that only a root file's
    /// parameter names is a raw pointer there, since the SDK's interfaces name one another
    /// without end (`IShellItem` → `IBindCtx` → `IMoniker` → `IStorage` ...).
    #[default]
    Implemented,
    /// Every imported interface a parameter names, and the ones those name in turn: the RDL's
    /// view, whose metadata then types every interface parameter as the SDK's metadata does
    /// (`IStream`, not `*mut void`).
    Referenced,
}

impl Api {
    /// The ABI view of the root files of a checked compilation.
    ///
    /// A declaration the generators cannot express becomes [`DeclKind::Skipped`] with the
    /// reason (see [`Api::skipped`]), and so does everything that needs it by value; a method
    /// that cannot be expressed keeps its vtable slot ([`Method::unsupported`]).
    ///
    /// # Errors
    /// A compilation whose values were never computed (loaded with `syntax_only`).
    pub fn from_compilation(model: &Compilation) -> Result<Api, Diagnostics> {
        Api::from_compilation_with(model, ImportedInterfaces::Implemented)
    }

    /// The ABI view of the root files of a checked compilation, holding the imported
    /// interfaces `imported` says (see [`Api::from_compilation`]).
    ///
    /// # Errors
    /// A compilation whose values were never computed (loaded with `syntax_only`).
    pub fn from_compilation_with(
        model: &Compilation,
        imported: ImportedInterfaces,
    ) -> Result<Api, Diagnostics> {
        let mut builder = ApiBuilder::new(model);
        builder.all_referenced_interfaces = imported == ImportedInterfaces::Referenced;
        for file in model.roots() {
            builder.items(&file.items);
        }
        builder.imported();
        if !builder.invalid.is_empty() {
            return Err(errors(model, builder.invalid));
        }
        let mut decls = builder.imported_decls;
        // By file name, not file id: ids follow the order files were loaded in, which
        // parallel loading does not fix, and the output must not depend on it.
        let map = model.source_map();
        decls.sort_by_cached_key(|d| {
            let file = map.get(d.span.file).map(|f| f.name().to_string());
            (file, d.span.range().start)
        });
        decls.extend(builder.decls);
        prune::prune(&mut decls);
        rename_shadowing_params(&mut decls);
        Ok(Api { decls })
    }

    /// What the generators leave out, as warnings at the declarations: skipped declarations
    /// and methods whose vtable slot is a placeholder.
    pub fn skipped(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for d in &self.decls {
            match &d.kind {
                DeclKind::Skipped(reason) => {
                    let what = if d.name.is_empty() {
                        "a declaration".to_string()
                    } else {
                        format!("`{}`", d.name)
                    };
                    out.push(Diagnostic::warning(
                        d.span,
                        format!("{what} is not generated: {reason}"),
                    ));
                }
                DeclKind::Interface(i) => {
                    for m in i.methods.iter().filter(|m| m.unsupported.is_some()) {
                        let reason = m.unsupported.as_deref().unwrap_or_default();
                        out.push(Diagnostic::warning(
                            m.span,
                            format!(
                                "`{}::{}` keeps its vtable slot but has no method: {reason}",
                                d.name, m.name
                            ),
                        ));
                    }
                }
                _ => {}
            }
        }
        out
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

pub(super) fn doc_or(doc: &Option<String>, fallback: impl FnOnce() -> String) -> String {
    match doc.as_deref().map(clean_doc) {
        Some(d) if !d.is_empty() => d,
        _ => fallback(),
    }
}

#[cfg(test)]
mod tests;
