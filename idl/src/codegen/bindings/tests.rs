//! Tests of the bindings generator on small IDL texts.

use std::path::Path;

use super::*;
use crate::{Options, Session};

/// The API of an IDL text (with the bundled base files).
pub(super) fn api_for(text: &str) -> Api {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut session = Session::new(Options {
        include_dirs: vec![root.join("include")],
        ..Options::default()
    });
    let id = session
        .load_source(&root.join("test.idl"), text)
        .unwrap_or_else(|d| panic!("{d}"));
    Api::from_compilation(&session.into_compilation(vec![id])).unwrap_or_else(|d| panic!("{d}"))
}

/// Asserts that an item written as `text` finishes (prettyplease, then comments and blank
/// lines) exactly as its `tokens` do; `what` names it in the failure.
pub(super) fn assert_finishes_as_tokens(text: String, tokens: TokenStream, what: &str) {
    let stamp = crate::codegen::options::Stamp::new("test", "test.idl");
    let mut parts = crate::codegen::parts::Parts::default();
    parts.text(text);
    assert_eq!(
        finish(parts, &stamp).unwrap(),
        finish(tokens, &stamp).unwrap(),
        "{what}"
    );
}

fn generate_for(text: &str) -> (String, String) {
    let api = api_for(text);
    (
        generate(&api, &crate::codegen::test_options::bindings()).expect("generates"),
        super::super::c_header::generate(&api, &crate::codegen::test_options::c_header()),
    )
}

#[test]
fn methods_without_a_safe_form_are_unsafe_with_safety_docs() {
    let (rust, c) = generate_for(
        "import \"unknwn.idl\";\n\
         /// A test interface.\n\
         [object, local, uuid(11111111-2222-3333-4444-555555555555)]\n\
         interface IRaw : IUnknown {\n\
             /// Takes anything.\n\
             HRESULT Blob([in] void *data, [out] void **anything);\n\
             /// Counts.\n\
             ULONG Count();\n\
         }\n\
         /// Derives from IRaw.\n\
         [object, local, uuid(11111111-2222-3333-4444-555555555556)]\n\
         interface IMore : IRaw { HRESULT More([in] LONG x); }\n",
    );
    assert!(rust.contains("pub unsafe fn Blob(\n        &self,\n        data: *mut c_void,\n        anything: *mut *mut c_void,\n    ) -> windows_core::HRESULT"), "{rust}");
    assert!(rust.contains("pub unsafe fn Count(&self) -> u32"), "{rust}");
    assert!(rust.contains("/// # Safety"));
    assert!(rust.contains("// SAFETY: the caller upholds the contract"));
    // A derived interface derefs to its base and converts to every ancestor.
    assert!(rust.contains("pub base__: IRaw_Vtbl,"), "{rust}");
    assert!(rust.contains("type Target = IRaw;"));
    assert!(rust.contains("impl From<IMore> for windows_core::IUnknown"));
    assert!(rust.contains("impl From<IMore> for IRaw"));
    assert!(rust.contains("pub fn More(&self, x: i32) -> windows_core::HRESULT"));
    // No marker survives formatting, and unused helpers are left out.
    assert!(!rust.contains("safety_comment__"));
    assert!(!rust.contains("fn len__") && !rust.contains("fn wide__"));
    assert!(!rust.contains("E_POINTER__") && !rust.contains("WideText__"));
    // The C vtable of the derived interface is flat: IUnknown, IRaw, then its own slot.
    assert!(c.contains("    /** Slot 3: Blob (inherited). */\n    HRESULT (MOBSYNC_RS_CALL *Blob)(IMore *This, void *data, void **anything);"), "{c}");
    assert!(c.contains("    uint32_t (MOBSYNC_RS_CALL *Count)(IMore *This);"));
    assert!(c.contains("    HRESULT (MOBSYNC_RS_CALL *More)(IMore *This, int32_t x);"));
    assert!(c.contains(
        "#define IMore_Blob(This, data, anything) ((This)->lpVtbl->Blob(This, data, anything))"
    ));
}

#[test]
fn keywords_become_raw_identifiers_and_literals_keep_their_base() {
    let (rust, c) = generate_for(
        "import \"unknwn.idl\";\n\
         /// Decimal.\nconst DWORD DEC = 128;\n\
         /// Hex.\nconst DWORD HEX = 0x80;\n\
         /// Negative.\nconst LONG NEG = -5;\n\
         /// A failure code.\nconst HRESULT E_TEST = 0x80040001;\n\
         /// Fields named like keywords.\n\
         typedef struct _K { DWORD type; float ref; } K;\n",
    );
    assert!(rust.contains("pub const DEC: u32 = 128;"));
    assert!(rust.contains("pub const HEX: u32 = 0x80;"));
    assert!(rust.contains("pub const NEG: i32 = -5;"));
    assert!(
        rust.contains("windows_core::HRESULT(0x80040001_u32 as i32)"),
        "{rust}"
    );
    assert!(rust.contains("pub r#type: u32,"));
    assert!(rust.contains("pub r#ref: f32,"));
    // Floats: no Eq.
    assert!(
        rust.contains("#[derive(Clone, Copy, PartialEq, Default)]\npub struct K"),
        "{rust}"
    );
    assert!(c.contains("#define DEC 128\n"));
    assert!(c.contains("#define HEX 0x80\n"));
    assert!(c.contains("#define NEG (-5)\n"));
    assert!(c.contains("#define E_TEST ((HRESULT)0x80040001)\n"), "{c}");
    assert!(c.contains("    float ref;\n"));
}

#[test]
fn unions_are_plain_data_and_their_holders_do_not_compare() {
    let (rust, c) = generate_for(
        "import \"unknwn.idl\";\n\
         typedef struct tagV { WORD vt; union { LONG l; double d; BYTE *p; } DUMMYUNIONNAME; } V;\n\
         typedef struct tagP { LONG x; LONG y; } P;\n",
    );
    assert!(
        rust.contains("#[repr(C)]\n#[derive(Clone, Copy)]\npub union V_0 {"),
        "{rust}"
    );
    assert!(rust.contains("    pub Anonymous: V_0,"), "{rust}");
    assert!(rust.contains("unsafe { core::mem::zeroed() }"), "{rust}");
    assert!(rust.contains("f.write_str(\"V_0 { .. }\")"), "{rust}");
    // A struct holding a union does not derive `PartialEq`; one without floats derives `Eq`.
    assert!(
        rust.contains("#[derive(Clone, Copy, Default)]\npub struct V {"),
        "{rust}"
    );
    assert!(rust.contains("#[derive(Clone, Copy, PartialEq, Eq, Default)]\npub struct P {"));
    // C writes the union at its member, nameless as the IDL's `DUMMYUNIONNAME` is.
    assert!(c.contains("typedef struct tagV {"), "{c}");
    assert!(c.contains("    union {\n"), "{c}");
    assert!(c.contains("    } DUMMYUNIONNAME;\n} V;"), "{c}");
    assert!(!c.contains("typedef union V_0"), "{c}");
}

#[test]
fn function_pointers_bit_fields_and_literals_in_rust_and_c() {
    let (rust, c) = generate_for(
        "import \"unknwn.idl\";\n\
         typedef HRESULT (*PFN_CB)(IUnknown *sender, DWORD code);\n\
         typedef struct _B { DWORD a : 3; DWORD b : 5; PFN_CB cb; } B;\n\
         const float SCALE = 0.5;\n\
         const char *NARROW = \"ab\";\n\
         const WCHAR *WIDE = L\"hi\";\n",
    );
    assert!(rust.contains("pub type PFN_CB = Option<\n    unsafe extern \"system\" fn(*mut c_void, u32) -> windows_core::HRESULT,\n>;") || rust.contains("pub type PFN_CB = Option<unsafe extern \"system\" fn(*mut c_void, u32) -> windows_core::HRESULT>;"), "{rust}");
    assert!(rust.contains("pub _bitfield: u32,"), "{rust}");
    // A struct holding a function pointer does not derive `PartialEq`.
    assert!(
        rust.contains("#[derive(Clone, Copy, Default)]\npub struct B {"),
        "{rust}"
    );
    assert!(rust.contains("pub const SCALE: f32 = 0.5;"), "{rust}");
    assert!(
        rust.contains("pub const NARROW: &core::ffi::CStr = c\"ab\";"),
        "{rust}"
    );
    assert!(
        rust.contains("pub const WIDE: &[u16] = &[104, 105, 0];"),
        "{rust}"
    );
    assert!(
        c.contains("typedef HRESULT (*PFN_CB)(IUnknown *, uint32_t);"),
        "{c}"
    );
    assert!(c.contains("    uint32_t a : 3;\n"), "{c}");
    assert!(c.contains("    uint32_t b : 5;\n"), "{c}");
    assert!(c.contains("#define SCALE 0.5f"), "{c}");
    assert!(
        c.contains("#define WIDE ((const uint16_t *)u\"hi\")"),
        "{c}"
    );
}

/// The bindings of a real IDL file read as prettyplease prints them: every item written as
/// text is what prettyplease prints for the text's own tokens.
#[test]
fn the_text_items_of_real_files_are_what_prettyplease_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("mobsync.idl"), root.join("syncmgr.idl")];
    // Wine's larger files too, where the corpus is installed.
    let wine = crate::wine_idl_root().join("windows");
    files.extend(
        ["objidl.idl", "ocidl.idl", "shobjidl.idl"]
            .iter()
            .map(|f| wine.join(f))
            .filter(|p| p.is_file()),
    );
    for file in files {
        let mut session = Session::new(Options {
            include_dirs: vec![root.join("include"), wine.clone()],
            ..Options::default()
        });
        let id = session.load_file(&file).unwrap_or_else(|d| panic!("{d}"));
        let api = Api::from_compilation(&session.into_compilation(vec![id]))
            .unwrap_or_else(|d| panic!("{d}"));
        let opts = crate::codegen::test_options::bindings();
        let as_text = generate(&api, &opts).expect("generates");
        let all_tokens = parts(&api, &opts, false).into_tokens();
        let printed = finish(all_tokens, &opts.stamp).expect("prints");
        assert!(
            as_text == printed,
            "{}: the text items differ",
            file.display()
        );
    }
}
