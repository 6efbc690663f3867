//! The list of typedef names that mobsync-idl's RDL keeps because Win32 metadata keeps them
//! (`mobsync_idl::codegen::rdl::win32_names`) is checked against the metadata windows-bindgen
//! bundles: every name is a `NativeTypedef` there.

use std::collections::HashSet;

use mobsync_idl::codegen::rdl::win32_names::NATIVE_TYPEDEFS;
use windows_metadata::reader::{File, HasAttributes, Index};

#[test]
fn every_kept_name_is_a_native_typedef_of_the_win32_metadata() {
    let file = File::new(windows_default::WIN32.to_vec()).expect("the bundled Win32 metadata");
    let index = Index::new(vec![file]);
    let native: HashSet<&str> = index
        .types()
        .filter(|t| t.attributes().any(|a| a.name() == "NativeTypedefAttribute"))
        .map(|t| t.name())
        .collect();
    let missing: Vec<&&str> = NATIVE_TYPEDEFS
        .iter()
        .filter(|n| !native.contains(**n))
        .collect();
    assert!(
        missing.is_empty(),
        "not NativeTypedefs in Win32 metadata: {missing:?}"
    );
    for name in [
        "LCID",
        "DISPID",
        "OLECHAR",
        "BSTR",
        "STGMEDIUM",
        "KNOWNFOLDERID",
    ] {
        assert!(NATIVE_TYPEDEFS.contains(&name), "{name}");
    }
}
