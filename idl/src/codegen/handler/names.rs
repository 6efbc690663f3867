//! Rust names for the generated traits, methods and parameters.

use super::super::abi::{Api, DeclKind, Method, Param, Prim, Ty};

/// Conventional COM parameter names and their Rust names.
const PARAM_NAMES: &[(&str, &str)] = &[
    ("ppv", "object"),
    ("riid", "iid"),
    ("rclsid", "clsid"),
    ("rclsidHandler", "handler_clsid"),
    ("rgelt", "items"),
    ("celt", "count"),
    ("lpCallBack", "callback"),
];

/// Hungarian prefixes stripped from parameter names when a capital letter follows.
const PREFIXES: &[&str] = &[
    "lpwsz", "ppsz", "pwsz", "psz", "lpc", "pdw", "wsz", "lp", "pp", "dw", "cb", "p", "f", "n",
    "u", "i",
];

/// Method names that would collide with a method of a prelude trait; they get a `_com` suffix.
const PRELUDE_METHODS: &[&str] = &[
    "clone", "drop", "eq", "ne", "cmp", "hash", "fmt", "into", "from", "default",
];

/// `ISyncMgrSynchronize` → `SyncMgrSynchronize`; an interface whose name does not start with
/// `I` and a capital, or whose shortened name another declaration has, gets `_Impl` as
/// windows-rs names its traits (`_Collection` → `_Collection_Impl`).
pub(super) fn trait_name(api: &Api, interface: &str) -> String {
    match interface.strip_prefix('I') {
        Some(rest)
            if rest.starts_with(|c: char| c.is_ascii_uppercase()) && !names_item(api, rest) =>
        {
            rest.to_string()
        }
        _ => format!("{interface}_Impl"),
    }
}

/// Whether the bindings emit a Rust item named `name` (a class emits `CLSID_Name` only).
fn names_item(api: &Api, name: &str) -> bool {
    api.decls.iter().any(|d| {
        d.name == name
            && !matches!(
                d.kind,
                DeclKind::Class(_) | DeclKind::CppQuote(_) | DeclKind::Skipped(_)
            )
    })
}

/// `EnumSyncMgrItems` → `enum_sync_mgr_items`; `ItemIDs` → `item_ids`.
pub(crate) fn snake_case(name: &str) -> String {
    let name = name.replace("IDs", "Ids");
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let acronym_end = i > 0
                && chars[i - 1].is_ascii_uppercase()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if (prev_lower || acronym_end) && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out.replace("h_wnd", "hwnd")
}

/// The Rust name of a method.
pub(super) fn method_name(m: &Method) -> String {
    let snake = snake_case(&m.name);
    if PRELUDE_METHODS.contains(&snake.as_str()) {
        format!("{snake}_com")
    } else {
        snake
    }
}

/// The Rust name of a parameter: conventional names, else the name without its Hungarian
/// prefix, in snake case.
pub(crate) fn param_name(name: &str) -> String {
    let rust = rust_param_name(name);
    // Names that cannot be identifiers, even raw ones (`pSelf` → `self`).
    if matches!(rust.as_str(), "self" | "super" | "crate" | "_") {
        format!("{rust}_")
    } else {
        rust
    }
}

fn rust_param_name(name: &str) -> String {
    if let Some((_, rust)) = PARAM_NAMES.iter().find(|(idl, _)| *idl == name) {
        return (*rust).to_string();
    }
    for prefix in PREFIXES {
        if let Some(rest) = name.strip_prefix(prefix)
            && rest.starts_with(|c: char| c.is_ascii_uppercase())
        {
            return snake_case(rest);
        }
    }
    snake_case(name)
}

pub(super) fn is_bool_flag(p: &Param) -> bool {
    p.name
        .strip_prefix('f')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_uppercase()))
        && matches!(p.ty.resolved(), Ty::Prim(Prim::I32))
}
