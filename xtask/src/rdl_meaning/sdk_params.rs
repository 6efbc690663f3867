//! The SDK's side of a method, read from the Win32 metadata itself (not from the Rust that
//! windows-bindgen makes of it): each parameter's direction and the attributes that shape its
//! safe wrapper.

use mobsync_idl::codegen::abi::Direction;
use windows_metadata::reader::{HasAttributes, Index, ParamDirection};

/// One parameter of a method of the Win32 metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkParam {
    /// Its name.
    pub name: String,
    /// `[In]`/`[Out]` of its Param row (neither is `[in]`, as windows-bindgen reads it).
    pub dir: Direction,
    /// The `Optional` flag, or the `Reserved` attribute (SAL `_opt_`, `_Reserved_`): the safe
    /// wrapper takes an `Option`.
    pub optional: bool,
    /// `ComOutPtr` (SAL `_COM_Outptr_`): an interface out-pointer, typed by an IID parameter
    /// when there is one.
    pub com_out_ptr: bool,
    /// `NativeArrayInfo` or `MemorySize`: a counted array.
    pub array: bool,
}

impl SdkParam {
    /// A parameter with no attribute, for the tests.
    #[cfg(test)]
    pub fn plain(name: &str, dir: Direction) -> Self {
        SdkParam {
            name: name.into(),
            dir,
            optional: false,
            com_out_ptr: false,
            array: false,
        }
    }
}

/// The parameters, in order, of the method `method` of the interface `interface` of the
/// `Windows.Win32` namespace; `None` when the metadata has no such method.
pub fn sdk_params(win32: &Index, interface: &str, method: &str) -> Option<Vec<SdkParam>> {
    let def = win32
        .get("Windows.Win32", interface)
        .find_map(|ty| ty.methods().find(|m| m.name() == method))?;
    let count = def.signature(&[]).types.len();
    let rows = def.params_by_sequence(count).ok()?;
    Some(
        rows.params()
            .iter()
            .enumerate()
            .map(|(i, row)| match row {
                Some(row) => SdkParam {
                    name: row.name().to_owned(),
                    dir: match row.direction() {
                        ParamDirection::Output => Direction::Out,
                        ParamDirection::InputOutput => Direction::InOut,
                        ParamDirection::Input | ParamDirection::Unspecified => Direction::In,
                    },
                    optional: row.is_optional() || row.is_reserved(),
                    com_out_ptr: row.has_attribute("ComOutPtrAttribute"),
                    array: row.has_attribute("NativeArrayInfoAttribute")
                        || row.has_attribute("MemorySizeAttribute"),
                },
                None => SdkParam {
                    name: format!("#{i}"),
                    dir: Direction::In,
                    optional: false,
                    com_out_ptr: false,
                    array: false,
                },
            })
            .collect(),
    )
}
