//! The C header of an IDL file (`mobsync-runtime/include/mobsync_rs.h` for `mobsync.idl`), for C
//! and C++ clients of COM objects.
//!
//! Design:
//! - The header declares the SDK's names (`SYNCMGRITEM`, `IID_ISyncMgrSynchronize`,
//!   `ISyncMgrSynchronizeVtbl`, `ISyncMgrSynchronize_Initialize(This, ...)` ...) so that code
//!   written against `<mobsync.h>` compiles against it. It takes `<mobsync.h>`'s place: it
//!   refuses to be included after `<mobsync.h>` and defines `<mobsync.h>`'s include guard so a
//!   later `#include <mobsync.h>` is a no-op.
//! - Every scalar is a fixed-width `<stdint.h>` type (`DWORD` is `uint32_t`, `WCHAR` is
//!   `uint16_t`), so the layout is the same for LP64 (Linux, macOS) and LLP64 (Windows)
//!   clients. The header needs nothing but `<stdint.h>`.
//! - The few base types it shares with the Windows SDK (`GUID`, `HRESULT`, `FILETIME`, handles,
//!   `IUnknown`) sit behind the SDK's own guard macros and handle spellings. On Windows the
//!   header includes `<windows.h>` first, as the SDK's `<mobsync.h>` does (the SDK defines
//!   `FILETIME` unconditionally), so it can be included before or after `<windows.h>`; with
//!   `MOBSYNC_RS_STANDALONE` defined it uses its own definitions and needs nothing else. On Windows, `GUID` and `HRESULT` use the SDK's
//!   exact types (`unsigned long`, `long`: 32 bits there).
//! - IIDs and CLSIDs are `static const GUID`s made by `MOBSYNC_RS_DEFINE_GUID`, which a client
//!   may define first (for example to emit `extern` definitions in one translation unit).
//! - Interfaces are C structs with an `lpVtbl` pointer, vtables list every slot (the
//!   `IUnknown` ones included) with the calling convention `MOBSYNC_RS_CALL` (`__stdcall` on
//!   Windows, which x64 ignores; nothing elsewhere), and `Interface_Method(This, ...)` call
//!   macros are always defined.

use std::fmt::Write as _;

use super::abi::{
    Api, Decl, DeclKind, Interface, Literal, Method, NamedKind, Origin, Prim, Struct, Ty,
};
use super::c_order::{Step, emission_order, undefined_interfaces};
use super::options::CHeaderOptions;
use crate::model::Guid;

/// SDK guard macros and companion names of imported structs, so that the header and the SDK
/// headers define each of them once, whichever comes first.
const SDK_STRUCT_GUARDS: &[(&str, &str, &[&str])] =
    &[("FILETIME", "_FILETIME_", &["PFILETIME", "LPFILETIME"])];

/// Generates the text of a C header declaring everything in `api`.
pub fn generate(api: &Api, opts: &CHeaderOptions) -> String {
    let p = opts.macro_prefix();
    let guard = format!("{p}_H");
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "/* {} */", opts.stamp.text());
    let _ = writeln!(w);
    comment(
        w,
        "",
        &format!(
            "{}: {}\n\n\
             Every scalar has a fixed width (<stdint.h>), so the same header is correct for LP64 \
             (Linux) and LLP64 (Windows) clients.{} Requires C11 or C++11.",
            opts.file_name,
            opts.title,
            match &opts.replaces {
                Some(sdk) => format!(
                    " The names are the SDK's; include this header instead of <{sdk}>, not with it."
                ),
                None => String::new(),
            }
        ),
    );
    let _ = writeln!(w, "#ifndef {guard}");
    let _ = writeln!(w, "#define {guard}");
    let _ = writeln!(w);
    if let Some(sdk) = &opts.replaces {
        let sdk_guard = sdk_include_guard(sdk);
        let _ = writeln!(w, "#ifdef {sdk_guard}");
        let _ = writeln!(
            w,
            "#error \"{} declares the names of <{sdk}>: include only one of them\"",
            opts.file_name
        );
        let _ = writeln!(w, "#endif");
        let _ = writeln!(w, "/* Makes a later #include <{sdk}> a no-op. */");
        let _ = writeln!(w, "#define {sdk_guard}");
        let _ = writeln!(w);
    }
    let _ = writeln!(w, "#include <stdint.h>");
    let _ = writeln!(w);
    let as_sdk = match &opts.replaces {
        Some(sdk) => format!("the SDK's <{sdk}> does"),
        None => "the SDK's own headers do".to_string(),
    };
    comment(
        w,
        "",
        &format!(
            "On Windows the SDK's base headers define GUID, HRESULT, FILETIME and the handle \
             types, and they do not tolerate earlier definitions, so this header includes \
             <windows.h> there (as {as_sdk}). Define {p}_STANDALONE to use this header's own \
             definitions instead; then do not include <windows.h> after it."
        ),
    );
    let _ = writeln!(w, "#if defined(_WIN32) && !defined({p}_STANDALONE)");
    let _ = writeln!(w, "#include <windows.h>");
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w);
    let _ = writeln!(w, "/* The calling convention of COM methods. */");
    let _ = writeln!(w, "#ifndef {p}_CALL");
    let _ = writeln!(w, "#if defined(_WIN32)");
    let _ = writeln!(w, "#define {p}_CALL __stdcall");
    let _ = writeln!(w, "#else");
    let _ = writeln!(w, "#define {p}_CALL");
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w);
    let _ = writeln!(w, "#if defined(__GNUC__) || defined(__clang__)");
    let _ = writeln!(w, "#define {p}_UNUSED __attribute__((unused))");
    let _ = writeln!(w, "#else");
    let _ = writeln!(w, "#define {p}_UNUSED");
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w);
    comment(
        w,
        "",
        &format!(
            "Defines the GUID `name`. Defaults to a static const definition in every \
             translation unit; define {p}_DEFINE_GUID before including this header to change \
             that."
        ),
    );
    let _ = writeln!(w, "#ifndef {p}_DEFINE_GUID");
    let _ = writeln!(
        w,
        "#define {p}_DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \\\n    \
         static const GUID name {p}_UNUSED = {{l, w1, w2, {{b1, b2, b3, b4, b5, b6, b7, b8}}}};"
    );
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w);
    let _ = writeln!(w, "#ifdef __cplusplus");
    let _ = writeln!(w, "extern \"C\" {{");
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w);

    base_types(w, api);

    // Interfaces are declared up front so that any declaration can point to them.
    let interfaces: Vec<&Decl> = api.interfaces().map(|(d, _)| d).collect();
    if !interfaces.is_empty() {
        let _ = writeln!(w, "/* Interfaces. */");
        for d in &interfaces {
            let _ = writeln!(w, "typedef struct {0} {0};", d.name);
        }
        let _ = writeln!(w);
    }
    // Interfaces of imported files that are named but not defined here, behind the SDK's
    // forward-declaration guards.
    let undefined = undefined_interfaces(api);
    if !undefined.is_empty() {
        let _ = writeln!(w, "/* Interfaces this header names but does not define. */");
        for name in &undefined {
            let _ = writeln!(w, "#ifndef __{name}_FWD_DEFINED__");
            let _ = writeln!(w, "#define __{name}_FWD_DEFINED__");
            let _ = writeln!(w, "typedef struct {name} {name};");
            let _ = writeln!(w, "#endif");
        }
        let _ = writeln!(w);
    }
    // `cpp_quote("DEFINE_GUID(...)")`, as the SDK's IDL files write GUID constants.
    let quotes_define_guid = api
        .decls
        .iter()
        .any(|d| matches!(&d.kind, DeclKind::CppQuote(text) if text.contains("DEFINE_GUID(")));
    if quotes_define_guid {
        comment(
            w,
            "",
            "The SDK's DEFINE_GUID, which the IDL's cpp_quote lines use (`DEFINE_GUID(...);`): \
             a static const definition here, the SDK's own where <windows.h> defines it.",
        );
        let _ = writeln!(w, "#ifndef DEFINE_GUID");
        let _ = writeln!(
            w,
            "#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \\\n    \
             static const GUID name {p}_UNUSED = {{l, w1, w2, {{b1, b2, b3, b4, b5, b6, b7, b8}}}}"
        );
        let _ = writeln!(w, "#endif");
        let _ = writeln!(w);
    }

    for step in emission_order(api) {
        match step {
            Step::Forward(keyword, tag, name) => {
                let _ = writeln!(w, "typedef {keyword} {tag} {name};");
                let _ = writeln!(w);
            }
            Step::Decl(d) if d.origin == Origin::Imported => imported_decl(w, api, d, &p),
            Step::Decl(d) => decl(w, api, d, &p),
        }
    }

    let _ = writeln!(w, "#ifdef __cplusplus");
    let _ = writeln!(w, "}} /* extern \"C\" */");
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w);
    let _ = writeln!(w, "#endif /* {guard} */");
    out
}

/// Writes a `/** ... */` comment, paragraphs refilled to 96 columns; a short one-line text
/// stays on one line.
fn comment(w: &mut String, indent: &str, text: &str) {
    let text = text.replace("*/", "* /");
    let width = 96usize.saturating_sub(indent.len() + 3).max(40);
    let paragraphs: Vec<Vec<String>> = text
        .split("\n\n")
        .map(|para| fill(&para.split_whitespace().collect::<Vec<_>>(), width))
        .filter(|lines| !lines.is_empty())
        .collect();
    if let [lines] = paragraphs.as_slice()
        && let [line] = lines.as_slice()
        && indent.len() + line.len() + 7 <= 96
    {
        let _ = writeln!(w, "{indent}/** {line} */");
        return;
    }
    let _ = writeln!(w, "{indent}/**");
    for (i, lines) in paragraphs.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(w, "{indent} *");
        }
        for line in lines {
            let _ = writeln!(w, "{indent} * {line}");
        }
    }
    let _ = writeln!(w, "{indent} */");
}

/// Fills words into lines of at most `width` characters.
fn fill(words: &[&str], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in words {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Whether any declaration uses a type satisfying `pred`.
fn uses(api: &Api, pred: &dyn Fn(&Ty) -> bool) -> bool {
    fn walk(ty: &Ty, pred: &dyn Fn(&Ty) -> bool) -> bool {
        pred(ty)
            || match ty {
                Ty::Ptr { pointee, .. } => walk(pointee, pred),
                Ty::Array { element, .. } => walk(element, pred),
                Ty::FnPtr { ret, params } => {
                    walk(ret, pred) || params.iter().any(|p| walk(p, pred))
                }
                Ty::Named {
                    kind: NamedKind::Alias(t),
                    ..
                } => walk(t, pred),
                _ => false,
            }
    }
    let method = |m: &Method| walk(&m.ret, pred) || m.params.iter().any(|p| walk(&p.ty, pred));
    api.decls.iter().any(|d| match &d.kind {
        DeclKind::Struct(s) => s.fields.iter().any(|f| walk(&f.ty, pred)),
        DeclKind::Alias(t) => walk(t, pred),
        DeclKind::Const(c) => walk(&c.ty, pred),
        DeclKind::Interface(i) => i.inherited.iter().chain(&i.methods).any(method),
        _ => false,
    })
}

/// `HRESULT`, `GUID` and `IUnknown`, behind the SDK's guards.
fn base_types(w: &mut String, api: &Api) {
    let _ = writeln!(w, "/* Base types, shared with the Windows SDK headers. */");
    let _ = writeln!(w, "#ifndef _HRESULT_DEFINED");
    let _ = writeln!(w, "#define _HRESULT_DEFINED");
    comment(
        w,
        "",
        "A COM status code: negative for failures, zero or positive for success codes.",
    );
    let _ = writeln!(w, "#if defined(_WIN32)");
    let _ = writeln!(w, "typedef long HRESULT;");
    let _ = writeln!(w, "#else");
    let _ = writeln!(w, "typedef int32_t HRESULT;");
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w);
    let _ = writeln!(w, "#ifndef GUID_DEFINED");
    let _ = writeln!(w, "#define GUID_DEFINED");
    comment(w, "", "A 128-bit globally unique identifier.");
    let _ = writeln!(w, "typedef struct _GUID {{");
    let _ = writeln!(w, "#if defined(_WIN32)");
    let _ = writeln!(w, "    unsigned long Data1;");
    let _ = writeln!(w, "#else");
    let _ = writeln!(w, "    uint32_t Data1;");
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w, "    uint16_t Data2;");
    let _ = writeln!(w, "    uint16_t Data3;");
    let _ = writeln!(w, "    uint8_t Data4[8];");
    let _ = writeln!(w, "}} GUID;");
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w);
    if uses(api, &|t| matches!(t, Ty::Interface(n) if n == "IUnknown")) {
        let _ = writeln!(w, "#ifndef __IUnknown_FWD_DEFINED__");
        let _ = writeln!(w, "#define __IUnknown_FWD_DEFINED__");
        let _ = writeln!(w, "typedef struct IUnknown IUnknown;");
        let _ = writeln!(w, "#endif");
        let _ = writeln!(w);
    }
}

/// The C spelling of a type (not arrays).
pub(crate) fn c_ty(ty: &Ty) -> String {
    match ty {
        Ty::Void => "void".into(),
        Ty::Prim(p) => prim(*p).into(),
        Ty::Guid => "GUID".into(),
        Ty::Hresult => "HRESULT".into(),
        Ty::Interface(n) | Ty::Named { name: n, .. } => n.clone(),
        Ty::FnPtr { ret, params } => format!("{} (*)({})", c_ty(ret), c_params(params)),
        Ty::Ptr { pointee, .. } if matches!(**pointee, Ty::FnPtr { .. }) => {
            let Ty::FnPtr { ret, params } = &**pointee else {
                unreachable!("matched above")
            };
            format!("{} (**)({})", c_ty(ret), c_params(params))
        }
        Ty::Ptr { pointee, is_const } => {
            let inner = c_ty(pointee);
            match (is_const, inner.ends_with('*')) {
                (true, true) => format!("{inner} const *"),
                (true, false) => format!("const {inner} *"),
                (false, true) => format!("{inner}*"),
                (false, false) => format!("{inner} *"),
            }
        }
        Ty::Array { element, len } => format!("{}[{len}]", c_ty(element)),
    }
}

/// A string's text for a C string literal: quotes, backslashes and control characters
/// escaped.
fn c_escape(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The parameter list of a function pointer type.
fn c_params(params: &[Ty]) -> String {
    if params.is_empty() {
        "void".to_string()
    } else {
        params.iter().map(c_ty).collect::<Vec<_>>().join(", ")
    }
}

/// `type name` or `type name[N]`.
fn c_decl(ty: &Ty, name: &str) -> String {
    match ty {
        Ty::FnPtr { ret, params } => format!("{} (*{name})({})", c_ty(ret), c_params(params)),
        Ty::Array { element, len } => {
            let inner = c_decl(element, name);
            format!("{inner}[{len}]")
        }
        other => {
            let t = c_ty(other);
            if t.ends_with('*') {
                format!("{t}{name}")
            } else {
                format!("{t} {name}")
            }
        }
    }
}

fn prim(p: Prim) -> &'static str {
    match p {
        Prim::Char => "char",
        Prim::I8 => "int8_t",
        Prim::U8 => "uint8_t",
        Prim::I16 => "int16_t",
        Prim::U16 | Prim::WChar => "uint16_t",
        Prim::I32 => "int32_t",
        Prim::U32 => "uint32_t",
        Prim::I64 => "int64_t",
        Prim::U64 => "uint64_t",
        Prim::ISize => "intptr_t",
        Prim::USize => "uintptr_t",
        Prim::F32 => "float",
        Prim::F64 => "double",
    }
}

/// An integer literal for C, hexadecimal when `hex` and at least 10.
fn c_int(value: i128, hex: bool) -> String {
    if value == i128::from(i32::MIN) {
        "(-2147483647 - 1)".into()
    } else if value < 0 {
        format!("({value})")
    } else if value > i128::from(i32::MAX) {
        format!("{value:#x}u")
    } else if hex && value >= 10 {
        format!("{value:#x}")
    } else {
        value.to_string()
    }
}

fn guid_args(g: &Guid) -> String {
    let d = &g.data4;
    format!(
        "{:#010x}, {:#06x}, {:#06x}, {:#04x}, {:#04x}, {:#04x}, {:#04x}, {:#04x}, {:#04x}, {:#04x}, {:#04x}",
        g.data1, g.data2, g.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
    )
}

/// Imported structs, enums and handles, behind guards that the SDK headers share.
fn imported_decl(w: &mut String, api: &Api, d: &Decl, p: &str) {
    match &d.kind {
        DeclKind::Handle => handle(w, d),
        // Written at its member (see `members`).
        DeclKind::Struct(s) if s.inline => {}
        DeclKind::Struct(_) | DeclKind::Enum(_) => {
            let (guard, extra) = SDK_STRUCT_GUARDS
                .iter()
                .find(|(name, _, _)| *name == d.name)
                .map_or_else(
                    || (format!("{p}_{}_DEFINED", d.name), &[][..]),
                    |(_, g, extra)| ((*g).to_string(), *extra),
                );
            let _ = writeln!(w, "#ifndef {guard}");
            let _ = writeln!(w, "#define {guard}");
            decl(w, api, d, p);
            for name in extra {
                let _ = writeln!(w, "typedef {} *{name};", d.name);
            }
            let _ = writeln!(w, "#endif");
            let _ = writeln!(w);
        }
        _ => decl(w, api, d, p),
    }
}

/// A handle: `struct NAME__ *` as the SDK's `STRICT` mode declares it, so that identical
/// typedefs in `<windows.h>` and here agree.
fn handle(w: &mut String, d: &Decl) {
    comment(w, "", &d.doc);
    let _ = writeln!(w, "#if defined(_WIN32) && defined(NO_STRICT)");
    let _ = writeln!(w, "typedef void *{};", d.name);
    let _ = writeln!(w, "#else");
    let _ = writeln!(w, "typedef struct {0}__ *{0};", d.name);
    let _ = writeln!(w, "#endif");
    let _ = writeln!(w);
}

/// The members of a struct or union, at `indent`; a member whose type is an inline struct or
/// union has its definition written in place, as the IDL writes it.
fn members(w: &mut String, api: &Api, s: &Struct, indent: &str) {
    for f in &s.fields {
        comment(w, indent, &f.doc);
        if !f.bits.is_empty() {
            for b in &f.bits {
                let _ = writeln!(w, "{indent}{} {} : {};", c_ty(&f.ty), b.name, b.width);
            }
            continue;
        }
        let inline = match f.ty.resolved() {
            Ty::Named { name, .. } => match api.find(name.as_str()).map(|d| &d.kind) {
                Some(DeclKind::Struct(inner)) if inner.inline => Some(inner),
                _ => None,
            },
            _ => None,
        };
        match inline {
            Some(inner) => {
                let keyword = if inner.is_union { "union" } else { "struct" };
                let tag = inner
                    .tag
                    .as_deref()
                    .map_or(String::new(), |t| format!(" {t}"));
                let _ = writeln!(w, "{indent}{keyword}{tag} {{");
                members(w, api, inner, &format!("{indent}    "));
                let name = if f.name.is_empty() {
                    String::new()
                } else {
                    format!(" {}", f.name)
                };
                let _ = writeln!(w, "{indent}}}{name};");
            }
            None => {
                let _ = writeln!(w, "{indent}{};", c_decl(&f.ty, &f.name));
            }
        }
    }
}

fn decl(w: &mut String, api: &Api, d: &Decl, p: &str) {
    match &d.kind {
        // Written at its member (see `members`).
        DeclKind::Struct(s) if s.inline => {}
        DeclKind::Struct(s) => {
            comment(w, "", &d.doc);
            if let Some(n) = s.pack {
                let _ = writeln!(w, "#pragma pack(push, {n})");
            }
            let tag = s.tag.as_deref().unwrap_or(&d.name);
            let keyword = if s.is_union { "union" } else { "struct" };
            let _ = writeln!(w, "typedef {keyword} {tag} {{");
            members(w, api, s, "    ");
            let _ = writeln!(w, "}} {};", d.name);
            if s.pack.is_some() {
                let _ = writeln!(w, "#pragma pack(pop)");
            }
            let _ = writeln!(w);
        }
        DeclKind::Enum(e) => {
            comment(w, "", &d.doc);
            let tag = e.tag.as_deref().unwrap_or(&d.name);
            let _ = writeln!(w, "typedef enum {tag} {{");
            for v in &e.variants {
                comment(w, "    ", &v.doc);
                let _ = writeln!(w, "    {} = {},", v.name, c_int(v.value.into(), v.hex));
            }
            let _ = writeln!(w, "}} {};", d.name);
            let _ = writeln!(w);
        }
        DeclKind::Handle => handle(w, d),
        DeclKind::Alias(ty) => {
            comment(w, "", &d.doc);
            let _ = writeln!(w, "typedef {};", c_decl(ty, &d.name));
            let _ = writeln!(w);
        }
        DeclKind::GuidConst(guid) => {
            comment(w, "", &d.doc);
            let _ = writeln!(w, "{p}_DEFINE_GUID({}, {})", d.name, guid_args(guid));
            let _ = writeln!(w);
        }
        DeclKind::Literal(literal) => {
            comment(w, "", &d.doc);
            let value = match literal {
                Literal::Float { value, single } => {
                    let text = format!("{value:?}");
                    if *single { format!("{text}f") } else { text }
                }
                Literal::Str(text) => format!("\"{}\"", c_escape(text)),
                // `u"..."` is UTF-16 (char16_t), as the header's WCHAR (uint16_t).
                Literal::WideStr(text) => {
                    format!("((const uint16_t *)u\"{}\")", c_escape(text))
                }
            };
            let _ = writeln!(w, "#define {} {value}", d.name);
            let _ = writeln!(w);
        }
        DeclKind::Const(c) => {
            comment(w, "", &d.doc);
            let value = match c.ty.resolved() {
                // As the SDK writes them: the 32-bit pattern in hexadecimal.
                Ty::Hresult => format!("((HRESULT){:#010x})", c.value as u32),
                _ => c_int(c.value, c.hex),
            };
            let _ = writeln!(w, "#define {} {value}", d.name);
            let _ = writeln!(w);
        }
        DeclKind::Interface(i) => interface(w, d, i, p),
        DeclKind::Class(c) => {
            let mut text = d.doc.clone();
            if !c.interfaces.is_empty() {
                text.push_str(&format!(
                    "\n\nThe class identifier of {}, which implements {}.",
                    d.name,
                    c.interfaces.join(", ")
                ));
            }
            comment(w, "", &text);
            let _ = writeln!(
                w,
                "{p}_DEFINE_GUID(CLSID_{}, {})",
                d.name,
                guid_args(&c.clsid)
            );
            let _ = writeln!(w);
        }
        DeclKind::CppQuote(text) => {
            let _ = writeln!(w, "{text}");
        }
        DeclKind::Skipped(reason) => {
            let what = if d.name.is_empty() {
                "A declaration"
            } else {
                &d.name
            };
            comment(w, "", &format!("{what}: not generated: {reason}."));
            let _ = writeln!(w);
        }
    }
}

fn interface(w: &mut String, d: &Decl, i: &Interface, p: &str) {
    let name = &d.name;
    let _ = writeln!(
        w,
        "/* ---------------------------------------------------------------------------- */"
    );
    let _ = writeln!(w, "/* {name} */");
    let _ = writeln!(w);
    comment(w, "", &format!("The interface identifier of {name}."));
    let _ = writeln!(
        w,
        "{p}_DEFINE_GUID({}, {})",
        i.iid_name(name),
        guid_args(&i.iid)
    );
    let _ = writeln!(w);
    comment(
        w,
        "",
        &format!(
            "The vtable of {name}: {} slots in SDK order, the IUnknown ones included.",
            i.slot_count()
        ),
    );
    let _ = writeln!(w, "typedef struct {name}Vtbl {{");
    for m in i.inherited.iter().chain(&i.methods) {
        let text = if m.slot < i.base_slots {
            format!("Slot {}: {} (inherited).", m.slot, m.name)
        } else {
            format!("Slot {}: {}", m.slot, m.doc)
        };
        comment(w, "    ", &text);
        if let Some(reason) = &m.unsupported {
            comment(
                w,
                "    ",
                &format!("A placeholder of the same size: {reason}."),
            );
            let _ = writeln!(w, "    void *{};", m.name);
            continue;
        }
        let mut params = vec![format!("{name} *This")];
        params.extend(m.params.iter().map(|p| c_decl(&p.ty, &p.name)));
        let _ = writeln!(
            w,
            "    {} ({p}_CALL *{})({});",
            c_ty(&m.ret),
            m.name,
            params.join(", ")
        );
    }
    let _ = writeln!(w, "}} {name}Vtbl;");
    let _ = writeln!(w);
    comment(w, "", &d.doc);
    let _ = writeln!(w, "struct {name} {{");
    comment(w, "    ", "The object's vtable.");
    let _ = writeln!(w, "    const struct {name}Vtbl *lpVtbl;");
    let _ = writeln!(w, "}};");
    let _ = writeln!(w);
    let _ = writeln!(w, "/* Call macros: {name}_Method(This, ...). */");
    for m in i
        .inherited
        .iter()
        .chain(&i.methods)
        .filter(|m| m.unsupported.is_none())
    {
        let mut args = vec!["This".to_string()];
        args.extend(m.params.iter().map(|p| p.name.clone()));
        let list = args.join(", ");
        let _ = writeln!(
            w,
            "#define {name}_{}({list}) ((This)->lpVtbl->{}({list}))",
            m.name, m.name
        );
    }
    let _ = writeln!(w);
}

/// The include guard of an SDK header as MIDL writes it: `__` + the file name with every
/// non-alphanumeric character replaced by `_` + `__` (`mobsync.h` → `__mobsync_h__`).
fn sdk_include_guard(file_name: &str) -> String {
    let body: String = file_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("__{body}__")
}
