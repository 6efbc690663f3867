//! Why a method's signature differs: a real difference between Wine's IDL and the SDK, or
//! meaning lost on our way to windows-bindgen.
//!
//! The vtable slot's raw parameter types are compared position by position (they correspond one
//! to one to the IDL's parameters); then the safe wrappers' shapes (optional pointers, the
//! generic `T` of an `[iid_is]` pair, slices of a `[size_is]` array, a `Result<T>` of the last
//! out-parameter) are traced back to the attributes Wine's IDL gives the method. A difference
//! none of the causes accounts for is [`Cause::Unexplained`]: ours to fix.

use std::collections::BTreeSet;
use std::fmt;

use mobsync_idl::codegen::abi::{Direction, Method};

/// Why two signatures differ.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// The SDK marks a pointer optional (SAL `_opt_`); Wine's IDL has no `[unique]` on it.
    OptionalInSdk,
    /// Wine's IDL marks a pointer `[unique]`/`[optional]`; the SDK does not.
    OptionalInWine,
    /// The SDK has `[iid_is]`/`_COM_Outptr_` for an interface out-pointer; Wine's IDL has no
    /// `[iid_is]`.
    IidIsInSdk,
    /// The SDK has a counted array (`[size_is]`, `_In_reads_`); Wine's IDL has no `[size_is]`.
    ArrayInSdk,
    /// Wine's IDL has `[size_is]` where the SDK's metadata has none.
    ArrayInWine,
    /// The last out-parameter is the result on one side only, because of its optionality above.
    RetvalFollowsOptional,
    /// An `[in]` pointer is `*const` in ours (MIDL's `[in]`), `*mut` in the SDK's header.
    ConstIn,
    /// The Win32 metadata writes `LARGE_INTEGER`/`ULARGE_INTEGER` as `i64`/`u64`.
    LargeInteger,
    /// Wine's IDL declares another type (checked equal in ABI to widl's header by abi-corpus).
    OtherType(String),
    /// Nothing above accounts for it.
    Unexplained(String),
}

impl Cause {
    /// Whether it is a real difference between Wine's IDL and the SDK (or a convention of the
    /// metadata), as opposed to meaning we lost.
    pub fn is_explained(&self) -> bool {
        !matches!(self, Cause::Unexplained(_))
    }

    /// A short label for the summary (without the details of `OtherType`/`Unexplained`).
    pub fn label(&self) -> &'static str {
        match self {
            Cause::OptionalInSdk => "optional in the SDK (SAL), no [unique] in Wine's IDL",
            Cause::OptionalInWine => "[unique]/[optional] in Wine's IDL, required in the SDK",
            Cause::IidIsInSdk => "[iid_is] in the SDK, not in Wine's IDL",
            Cause::ArrayInSdk => "a counted array in the SDK, no [size_is] in Wine's IDL",
            Cause::ArrayInWine => "[size_is] in Wine's IDL, no array in the SDK's metadata",
            Cause::RetvalFollowsOptional => "the result parameter follows from the above",
            Cause::ConstIn => "[in] pointer: *const in ours, *mut in the SDK's C header",
            Cause::LargeInteger => "(U)LARGE_INTEGER written as u64/i64 by the metadata",
            Cause::OtherType(_) => "another type in Wine's IDL",
            Cause::Unexplained(_) => "unexplained (meaning lost on our way)",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::OtherType(detail) | Cause::Unexplained(detail) => {
                write!(f, "{}: {detail}", self.label())
            }
            _ => f.write_str(self.label()),
        }
    }
}

/// One method's two sides.
pub struct Sides<'a> {
    /// Our safe wrapper's signature (parameter names left out).
    pub ours: &'a str,
    /// The Win32 metadata's.
    pub win32: &'a str,
    /// Our vtable slot's parameter types (`this` left out).
    pub ours_raw: &'a [String],
    /// The Win32 metadata's.
    pub win32_raw: &'a [String],
    /// The method as Wine's IDL declares it.
    pub idl: &'a Method,
}

/// The causes of the difference between the two sides.
pub fn explain(sides: &Sides<'_>) -> BTreeSet<Cause> {
    let mut causes = BTreeSet::new();
    if sides.ours_raw.len() != sides.win32_raw.len() {
        causes.insert(Cause::Unexplained(format!(
            "{} vtable parameters in ours, {} in the SDK",
            sides.ours_raw.len(),
            sides.win32_raw.len()
        )));
        return causes;
    }
    for (i, (ours, win32)) in sides.ours_raw.iter().zip(sides.win32_raw).enumerate() {
        let declared = sides.idl.params.get(i).and_then(|p| p.typedef.as_ref());
        raw_difference(
            ours,
            win32,
            declared.map(|(name, _)| name.as_str()),
            &mut causes,
        );
    }
    wrapper_differences(sides, &mut causes);
    if causes.is_empty() {
        causes.insert(Cause::Unexplained(
            "the vtables agree and no attribute accounts for the wrappers' difference".into(),
        ));
    }
    causes
}

/// The type name a raw type text ends with, pointers and paths left out (`* mut * mut VARIANT`
/// → `VARIANT`).
fn base_name(ty: &str) -> &str {
    ty.rsplit([' ', ':']).next().unwrap_or(ty)
}

/// Compares one raw parameter type; `declared` is the typedef Wine's IDL declares it with.
fn raw_difference(ours: &str, win32: &str, declared: Option<&str>, causes: &mut BTreeSet<Cause>) {
    if ours == win32 {
        return;
    }
    let mut o = ours.to_owned();
    if o.replace("* const", "* mut") == win32 {
        causes.insert(Cause::ConstIn);
        return;
    }
    for (from, to) in [("ULARGE_INTEGER", "u64"), ("LARGE_INTEGER", "i64")] {
        if o.contains(from) && win32.contains(to) {
            o = o.replace(from, to);
            causes.insert(Cause::LargeInteger);
        }
    }
    if o == win32 {
        return;
    }
    if o.replace("* const", "* mut") == win32 {
        causes.insert(Cause::ConstIn);
        return;
    }
    // Wine's IDL names the type as the SDK does, and ours does not say that name: we lost it
    // (a typedef resolved, a struct's tag instead of its typedef, BSTR as a pointer).
    match declared {
        Some(name) if name == base_name(win32) || name == "BSTR" => {
            causes.insert(Cause::Unexplained(format!(
                "Wine's IDL says {name}; ours {ours}, the SDK {win32}"
            )));
        }
        _ => {
            let declared = declared.map_or_else(String::new, |d| format!(" (Wine: {d})"));
            causes.insert(Cause::OtherType(format!("{ours} vs {win32}{declared}")));
        }
    }
}

/// How many times `needle` occurs in `haystack`.
fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The wrapper shapes, traced back to Wine's attributes.
fn wrapper_differences(sides: &Sides<'_>, causes: &mut BTreeSet<Cause>) {
    let idl = sides.idl;
    let pointer_params = idl.params.iter().filter(|p| p.ty.pointee().is_some());
    let unique = pointer_params
        .clone()
        .filter(|p| p.unique || p.optional)
        .count();
    let required = pointer_params.clone().count() - unique;
    let (opt_o, opt_w) = (
        count(sides.ours, "Option <"),
        count(sides.win32, "Option <"),
    );
    let mut optional_differs = false;
    if opt_w > opt_o {
        optional_differs = true;
        causes.insert(if required > 0 {
            Cause::OptionalInSdk
        } else {
            Cause::Unexplained("the SDK's optional pointer is [unique] in Wine's IDL too".into())
        });
    }
    if opt_o > opt_w {
        optional_differs = true;
        causes.insert(if unique > 0 {
            Cause::OptionalInWine
        } else {
            Cause::Unexplained("an optional pointer of ours has no [unique] in Wine's IDL".into())
        });
    }
    let generic = |s: &str| s.contains("T : windows_core :: Interface");
    if generic(sides.win32) && !generic(sides.ours) {
        causes.insert(if idl.params.iter().all(|p| p.iid_is.is_none()) {
            Cause::IidIsInSdk
        } else {
            Cause::Unexplained("Wine's IDL has [iid_is], our wrapper is not generic".into())
        });
    }
    if generic(sides.ours) && !generic(sides.win32) {
        causes.insert(Cause::Unexplained(
            "our wrapper is generic over an [iid_is] pair, the SDK's is not".into(),
        ));
    }
    let slices = |s: &str| count(s, "& [") + count(s, "& mut [");
    let (sl_o, sl_w) = (slices(sides.ours), slices(sides.win32));
    if sl_w > sl_o {
        let sized = idl.params.iter().filter(|p| p.size_is.is_some()).count();
        causes.insert(if sized < sl_w {
            Cause::ArrayInSdk
        } else {
            Cause::Unexplained("Wine's IDL has [size_is], our wrapper has no slice".into())
        });
    }
    if sl_o > sl_w {
        causes.insert(Cause::ArrayInWine);
    }
    let result = |s: &str| s.contains("-> windows_core :: Result <");
    if result(sides.ours) != result(sides.win32) {
        let last_out = idl.params.iter().rev().find(|p| p.dir == Direction::Out);
        causes.insert(if optional_differs && last_out.is_some() {
            Cause::RetvalFollowsOptional
        } else {
            Cause::Unexplained("only one side returns the last out-parameter".into())
        });
    }
}
