//! Each parameter of a method as Wine's IDL declares it, against the same parameter in the
//! Win32 metadata ([`SdkParam`]): where their direction, optionality, `[iid_is]` and counted
//! arrays differ. These are facts of the two declarations, found without the Rust text;
//! [`super::explain`] says which of them a difference of the wrappers follows from.

use mobsync_idl::codegen::abi::{Direction, Method, Param, Ty};

use super::sdk_params::SdkParam;

/// Where one method's parameters differ (indices into both lists).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Another direction, one windows-bindgen sees: one side's parameter is input-only and the
    /// other's is not, or it is the last parameter (`[out]` against `[in, out]` decides whether
    /// it is the result).
    pub direction: Vec<usize>,
    /// Optional in the SDK (`Optional` flag or `Reserved`), neither `[unique]` nor
    /// `[optional]` in Wine's IDL.
    pub optional_in_sdk: Vec<usize>,
    /// `[unique]` or `[optional]` in Wine's IDL, not optional in the SDK.
    pub optional_in_wine: Vec<usize>,
    /// `ComOutPtr` in the SDK, no `[iid_is]` in Wine's IDL.
    pub iid_is_in_sdk: Vec<usize>,
    /// `ComOutPtr` in the SDK and `[iid_is]` in Wine's IDL too.
    pub iid_is_in_both: Vec<usize>,
    /// A counted array in the SDK (`NativeArrayInfo`, `MemorySize`), no `[size_is]` in Wine's
    /// IDL.
    pub array_in_sdk: Vec<usize>,
    /// `[size_is]` in Wine's IDL, no counted array in the SDK.
    pub array_in_wine: Vec<usize>,
}

impl Facts {
    /// Compares the parameters position by position; `None` when their numbers differ.
    pub fn compare(idl: &Method, sdk: &[SdkParam]) -> Option<Facts> {
        if idl.params.len() != sdk.len() {
            return None;
        }
        let last = sdk.len().checked_sub(1);
        let mut facts = Facts::default();
        for (i, (wine, sdk)) in idl.params.iter().zip(sdk).enumerate() {
            let input_only = |d: Direction| d == Direction::In;
            if wine.dir != sdk.dir
                && (input_only(wine.dir) != input_only(sdk.dir) || Some(i) == last)
            {
                facts.direction.push(i);
            }
            let wine_optional = wine.unique || wine.optional;
            if sdk.optional && !wine_optional {
                facts.optional_in_sdk.push(i);
            }
            if wine_optional && !sdk.optional {
                facts.optional_in_wine.push(i);
            }
            if sdk.com_out_ptr {
                if wine.iid_is.is_some() {
                    facts.iid_is_in_both.push(i);
                } else {
                    facts.iid_is_in_sdk.push(i);
                }
            }
            match (wine.size_is.is_some(), sdk.array) {
                (false, true) => facts.array_in_sdk.push(i),
                (true, false) => facts.array_in_wine.push(i),
                _ => {}
            }
        }
        Some(facts)
    }
}

/// A direction as MIDL writes it.
pub fn direction_text(dir: Direction) -> &'static str {
    match dir {
        Direction::In => "[in]",
        Direction::Out => "[out]",
        Direction::InOut => "[in, out]",
    }
}

/// `pdwStyle: [in] in Wine's IDL, [out] in the SDK`.
pub fn direction_detail(wine: &Param, sdk: &SdkParam) -> String {
    format!(
        "{}: {} in Wine's IDL, {} in the SDK",
        wine.name,
        direction_text(wine.dir),
        direction_text(sdk.dir)
    )
}

/// The interface a parameter's `IFoo **` points to, if it is one.
pub fn interface_out(p: &Param) -> Option<&str> {
    match p.ty.pointee()?.0.pointee()?.0.resolved() {
        Ty::Interface(name) => Some(name),
        _ => None,
    }
}

/// The interface of a parameter `IFoo *` or `IFoo **`, if it is one.
pub fn interface_of(p: &Param) -> Option<&str> {
    match p.ty.pointee()?.0.resolved() {
        Ty::Interface(name) => Some(name),
        _ => interface_out(p),
    }
}

/// The typedef a parameter's type is declared with when that typedef is itself a pointer
/// (`LPFOLDERSETTINGS`), as opposed to a pointer written over a type.
pub fn pointer_typedef(p: &Param) -> Option<&str> {
    match &p.ty {
        Ty::Named { name, .. } if p.ty.pointee().is_some() => Some(name),
        _ => None,
    }
}
