//! `.winmd` output: the RDL of `mobsync.idl` compiled by windows-rdl, read back by
//! windows-bindgen (Rust) and by windows-rdl's own writer (RDL).
#![cfg(feature = "winmd")]

use std::path::PathBuf;

use mobsync_idl::codegen::{Api, RdlOptions, Stamp, rdl};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mobsync-idl-winmd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir.join(name)
}

/// The RDL of the bundled `mobsync.idl` in namespace `Mobsync`.
fn mobsync_rdl() -> String {
    let api = Api::from_compilation(mobsync_idl::mobsync_compilation()).expect("api");
    let opts = RdlOptions {
        stamp: Stamp::new("test", "mobsync.idl"),
        namespace: "Mobsync".into(),
        portable: false,
    };
    rdl::generate(&api, &opts).expect("rdl").text
}

fn winmd(name: &str) -> PathBuf {
    let path = scratch(name);
    let stem = name.trim_end_matches(".winmd");
    let bytes = rdl::winmd::compile(&mobsync_rdl(), stem).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&path, bytes).expect("written");
    path
}

#[test]
fn windows_bindgen_reads_the_winmd() {
    let winmd = winmd("Mobsync.winmd");
    let rs = scratch("bindings.rs");
    windows_bindgen::builder()
        .input(&winmd)
        .output(&rs)
        .filter("Mobsync")
        .flat()
        .write();
    let rust = std::fs::read_to_string(&rs).expect("bindgen wrote the bindings");
    for want in [
        "windows_core::imp::define_interface!(\n    ISyncMgrSynchronize,",
        "windows_core::imp::interface_hierarchy!(ISyncMgrSynchronize, windows_core::IUnknown);",
        "pub const CLSID_SyncMgr: windows_core::GUID",
        "pub struct SYNCMGRITEM {",
        "pub const MAX_SYNCMGRITEMNAME: u32 = 128;",
        // `[in, unique, size_is(cbCookie)] const BYTE *lpCookie` is an optional slice.
        "lpcookie: Option<&[u8]>,",
    ] {
        assert!(rust.contains(want), "no `{want}` in:\n{rust}");
    }
}

#[test]
fn windows_rdl_writes_back_the_same_declarations() {
    let winmd = winmd("Roundtrip.winmd");
    let path = scratch("roundtrip.rdl");
    windows_rdl::writer()
        .input(&winmd)
        .output(&path)
        .write()
        .unwrap_or_else(|e| panic!("{e}"));
    let back = std::fs::read_to_string(&path).expect("written");
    // The writer sorts the items by name and writes no comments; the declarations, their
    // attributes and their spelling are ours line for line.
    let lines = |text: &str| {
        let mut lines: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .map(String::from)
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(lines(&mobsync_rdl()), lines(&back), "written back:\n{back}");
}
