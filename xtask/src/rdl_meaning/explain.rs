//! Why a method's signature differs: a real difference between Wine's IDL and the SDK, or
//! meaning lost on our way to windows-bindgen.
//!
//! The vtable slot's raw parameter types are compared position by position (they correspond one
//! to one to the IDL's parameters); then the safe wrappers' shapes (optional pointers, the
//! generic `T` of an `[iid_is]` pair, slices of a `[size_is]` array, a `Result<T>` of the last
//! out-parameter) are traced back to where the parameters of Wine's IDL and of the SDK's
//! metadata differ ([`Facts`]). A difference none of the causes accounts for is
//! [`Cause::Unexplained`]: ours to fix.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use mobsync_idl::codegen::abi::{Direction, Method};

use super::param_facts::{Facts, direction_detail, interface_of, interface_out, pointer_typedef};
use super::sdk_params::SdkParam;

/// Why two signatures differ.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// The SDK marks a parameter optional (SAL `_opt_`, `_Reserved_`); Wine's IDL has no
    /// `[unique]` on it.
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
    /// A parameter has another direction in Wine's IDL than in the SDK's metadata (one that
    /// windows-bindgen sees): `pdwStyle: [in] in Wine's IDL, [out] in the SDK`.
    DirectionDiffers(String),
    /// The last out-parameter is the result on one side only, because of a difference above
    /// (which one: the detail).
    RetvalFollows(String),
    /// An `[in]` pointer is `*const` in ours (MIDL's `[in]`), `*mut` in the SDK's header.
    ConstIn,
    /// The Win32 metadata writes `LARGE_INTEGER`/`ULARGE_INTEGER` as `i64`/`u64`.
    LargeInteger,
    /// Wine's IDL declares another type (checked equal in ABI to widl's header by abi-corpus).
    OtherType(String),
    /// Wine's IDL does not define the type: a stand-in that a `cpp_quote`d conditional hides
    /// from C, or a struct it only declares (its C headers define the real one), so there is
    /// nothing for our RDL to name.
    NotDefinedInWine(String),
    /// Nothing above accounts for it.
    Unexplained(String),
}

impl Cause {
    /// Whether it is a real difference between Wine's IDL and the SDK (or a convention of the
    /// metadata), as opposed to meaning we lost.
    pub fn is_explained(&self) -> bool {
        !matches!(self, Cause::Unexplained(_))
    }

    /// A short label for the summary (without the details).
    pub fn label(&self) -> &'static str {
        match self {
            Cause::OptionalInSdk => "optional in the SDK (SAL), no [unique] in Wine's IDL",
            Cause::OptionalInWine => "[unique]/[optional] in Wine's IDL, required in the SDK",
            Cause::IidIsInSdk => "[iid_is] in the SDK, not in Wine's IDL",
            Cause::ArrayInSdk => "a counted array in the SDK, no [size_is] in Wine's IDL",
            Cause::ArrayInWine => "[size_is] in Wine's IDL, no array in the SDK's metadata",
            Cause::DirectionDiffers(_) => "another direction in Wine's IDL than in the SDK",
            Cause::RetvalFollows(_) => "the result parameter follows from the above",
            Cause::ConstIn => "[in] pointer: *const in ours, *mut in the SDK's C header",
            Cause::LargeInteger => "(U)LARGE_INTEGER written as u64/i64 by the metadata",
            Cause::OtherType(_) => "another type in Wine's IDL",
            Cause::NotDefinedInWine(_) => "a type Wine's IDL does not define (its C headers do)",
            Cause::Unexplained(_) => "unexplained (meaning lost on our way)",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::OtherType(detail)
            | Cause::Unexplained(detail)
            | Cause::DirectionDiffers(detail)
            | Cause::NotDefinedInWine(detail)
            | Cause::RetvalFollows(detail) => {
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
    /// Its parameters in the Win32 metadata.
    pub sdk: &'a [SdkParam],
    /// The interfaces the IDL file declares itself (the others are imported).
    pub own_interfaces: &'a BTreeSet<String>,
    /// The types Wine's IDL has only a stand-in for (a `cpp_quote`d conditional hides it from
    /// C), which the view does not generate.
    pub stand_ins: &'a BTreeSet<String>,
}

/// The causes of the difference between the two sides.
pub fn explain(sides: &Sides<'_>) -> BTreeSet<Cause> {
    let mut causes = BTreeSet::new();
    if sides.ours_raw.len() != sides.win32_raw.len() {
        if let Some(why) = &sides.idl.unsupported
            && why.contains("is declared but not defined in the IDL")
        {
            causes.insert(Cause::NotDefinedInWine(why.clone()));
            return causes;
        }
        causes.insert(Cause::Unexplained(match &sides.idl.unsupported {
            Some(why) => format!(
                "our RDL keeps only the vtable slot ({} parameters in the SDK): {why}",
                sides.win32_raw.len()
            ),
            None => format!(
                "{} vtable parameters in ours, {} in the SDK",
                sides.ours_raw.len(),
                sides.win32_raw.len()
            ),
        }));
        return causes;
    }
    let Some(facts) = Facts::compare(sides.idl, sides.sdk) else {
        causes.insert(Cause::Unexplained(format!(
            "{} parameters in Wine's IDL, {} in the SDK's metadata",
            sides.idl.params.len(),
            sides.sdk.len()
        )));
        return causes;
    };
    for &i in &facts.direction {
        causes.insert(Cause::DirectionDiffers(direction_detail(
            &sides.idl.params[i],
            &sides.sdk[i],
        )));
    }
    let lost = lost_interfaces(sides);
    for (i, (ours, win32)) in sides.ours_raw.iter().zip(sides.win32_raw).enumerate() {
        // `*const` for an input-only pointer, `*mut` otherwise: another direction is enough.
        let mutable = |s: &str| s.replace("* const", "* mut");
        if facts.direction.contains(&i) && mutable(ours) == mutable(win32) {
            continue;
        }
        // Ours `*const void` for an imported interface: not MIDL's `const`, the lost type.
        if lost.contains_key(&i) {
            continue;
        }
        let declared = sides.idl.params.get(i).and_then(|p| p.typedef.as_ref());
        if let Some((name, _)) = declared
            && sides.stand_ins.contains(name)
        {
            causes.insert(Cause::NotDefinedInWine(format!(
                "{name}: a stand-in hidden from C; ours {ours}, the SDK {win32}"
            )));
            continue;
        }
        raw_difference(
            ours,
            win32,
            declared.map(|(name, _)| name.as_str()),
            &mut causes,
        );
    }
    for (i, interface) in lost {
        causes.insert(Cause::Unexplained(format!(
            "the interface {interface} of an imported file is `*mut void` in ours ({})",
            sides.idl.params[i].name
        )));
    }
    wrapper_differences(sides, &facts, &mut causes);
    if causes.is_empty() {
        causes.insert(Cause::Unexplained(
            "the vtables agree and no attribute accounts for the wrappers' difference".into(),
        ));
    }
    causes
}

/// The parameters (by index) whose interface (`IFoo *`, `IFoo **`) the SDK's wrapper names and
/// ours does not: an interface declared in a file the IDL imports, which our RDL (holding only
/// the file's own declarations) writes `*mut void`.
fn lost_interfaces<'a>(sides: &Sides<'a>) -> BTreeMap<usize, &'a str> {
    sides
        .idl
        .params
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let interface = interface_of(p)?;
            let named = |s: &str| count(s, &format!(" {interface} >"));
            (!sides.own_interfaces.contains(interface) && named(sides.win32) > named(sides.ours))
                .then_some((i, interface))
        })
        .collect()
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

/// The wrapper shapes, traced back to where the parameters of Wine's IDL and the SDK's
/// metadata differ.
fn wrapper_differences(sides: &Sides<'_>, facts: &Facts, causes: &mut BTreeSet<Cause>) {
    let idl = sides.idl;
    // `*mut Option<IFoo>` (`*const` for an `[in]` one) is how a pointer to an interface
    // pointer is written, and `&[Option<IFoo>]` an array of them, not an optional one.
    let optionals = |s: &str| {
        count(s, "Option <")
            - count(s, "* mut Option <")
            - count(s, "* const Option <")
            - count(s, "& [Option <")
    };
    let (opt_o, opt_w) = (optionals(sides.ours), optionals(sides.win32));
    if opt_w > opt_o {
        causes.insert(if facts.optional_in_sdk.is_empty() {
            Cause::Unexplained(
                "the SDK's wrapper has more `Option`s, yet every parameter optional in the SDK's \
                 metadata is [unique]/[optional] in Wine's IDL too"
                    .into(),
            )
        } else {
            Cause::OptionalInSdk
        });
    }
    if opt_o > opt_w {
        causes.insert(if facts.optional_in_wine.is_empty() {
            Cause::Unexplained(
                "our wrapper has more `Option`s, yet every [unique]/[optional] parameter of \
                 Wine's IDL is optional in the SDK's metadata too"
                    .into(),
            )
        } else {
            Cause::OptionalInWine
        });
    }
    let generic = |s: &str| s.contains("T : windows_core :: Interface");
    if generic(sides.win32) && !generic(sides.ours) {
        causes.insert(if !facts.iid_is_in_sdk.is_empty() {
            Cause::IidIsInSdk
        } else if let Some(&i) = facts.iid_is_in_both.first() {
            let p = &idl.params[i];
            Cause::Unexplained(match interface_out(p) {
                Some(interface) => format!(
                    "Wine's IDL has [iid_is] on `{interface} **{}`; our RDL keeps [iid_is] only \
                     on a `void **`",
                    p.name
                ),
                None => format!(
                    "Wine's IDL has [iid_is] on {}, our wrapper is not generic",
                    p.name
                ),
            })
        } else {
            Cause::Unexplained(
                "the SDK's wrapper is generic, yet no parameter of its metadata is ComOutPtr"
                    .into(),
            )
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
        causes.insert(if facts.array_in_sdk.is_empty() {
            Cause::Unexplained(
                "the SDK's wrapper has more slices, yet Wine's IDL has [size_is] wherever the \
                 SDK's metadata has a counted array"
                    .into(),
            )
        } else {
            Cause::ArrayInSdk
        });
    }
    if sl_o > sl_w {
        causes.insert(if facts.array_in_wine.is_empty() {
            Cause::Unexplained(
                "our wrapper has more slices, yet the SDK's metadata has a counted array \
                 wherever Wine's IDL has [size_is]"
                    .into(),
            )
        } else {
            Cause::ArrayInWine
        });
    }
    let result = |s: &str| s.contains("-> windows_core :: Result <");
    if result(sides.ours) != result(sides.win32) {
        let cause = retval_cause(sides, facts, causes.contains(&Cause::IidIsInSdk));
        causes.insert(cause);
    }
}

/// Why only one side returns the last out-parameter as its `Result<T>`: windows-bindgen makes
/// the last parameter the result when it is `[out]` only, not optional, no counted array, and
/// every other parameter is input-only (or, with a `ComOutPtr` and an IID before it, the `T`
/// of a generic query). A difference of these between Wine's IDL and the SDK accounts for it;
/// `iid_is_in_sdk` says [`Cause::IidIsInSdk`] was found.
fn retval_cause(sides: &Sides<'_>, facts: &Facts, iid_is_in_sdk: bool) -> Cause {
    let Some(last) = sides.idl.params.len().checked_sub(1) else {
        return Cause::Unexplained(
            "only one side returns a result, yet there is no parameter".into(),
        );
    };
    let p = &sides.idl.params[last];
    let name = |i: usize| sides.idl.params[i].name.as_str();
    if let Some(&i) = facts.direction.first() {
        return Cause::RetvalFollows(format!("the direction of {}", name(i)));
    }
    if facts.optional_in_sdk.contains(&last) || facts.optional_in_wine.contains(&last) {
        return Cause::RetvalFollows(format!("the optionality of {}", p.name));
    }
    if iid_is_in_sdk && facts.iid_is_in_sdk.contains(&last) {
        return Cause::RetvalFollows(format!("the SDK's _COM_Outptr_ on {}", p.name));
    }
    if facts.array_in_sdk.contains(&last) || facts.array_in_wine.contains(&last) {
        return Cause::RetvalFollows(format!("the counted array {}", p.name));
    }
    if p.dir == Direction::Out
        && let Some(interface) = interface_out(p)
        && !sides.own_interfaces.contains(interface)
    {
        return Cause::Unexplained(format!(
            "the interface {interface} of an imported file is `*mut void` in ours ({})",
            p.name
        ));
    }
    if let Some(typedef) = pointer_typedef(p) {
        return Cause::Unexplained(format!(
            "{} is the pointer typedef {typedef} in ours, which windows-bindgen does not see as \
             a pointer",
            p.name
        ));
    }
    Cause::Unexplained("only one side returns the last out-parameter".into())
}

#[cfg(test)]
mod tests;
