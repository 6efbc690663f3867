//! Tests of the ABI view over the bundled IDL and small IDL texts.

use std::path::Path;

use super::*;
use crate::{Options, Session};

fn api() -> Api {
    Api::from_compilation(crate::mobsync_compilation()).unwrap_or_else(|d| panic!("{d}"))
}

/// Lowers IDL text (importing the bundled base files).
fn lower(text: &str) -> Result<Api, Diagnostics> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut session = Session::new(Options {
        include_dirs: vec![root.join("include")],
        ..Options::default()
    });
    let id = session
        .load_source(&root.join("test.idl"), text)
        .unwrap_or_else(|d| panic!("{d}"));
    Api::from_compilation(&session.into_compilation(vec![id]))
}

fn method<'a>(api: &'a Api, interface: &str, name: &str) -> &'a Method {
    let (_, i) = api
        .interfaces()
        .find(|(d, _)| d.name == interface)
        .unwrap_or_else(|| panic!("no interface {interface}"));
    i.methods
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no method {interface}::{name}"))
}

fn roles(m: &Method) -> Vec<ParamRole> {
    m.params.iter().map(|p| p.role).collect()
}

#[test]
fn parameter_roles_follow_the_attributes() {
    use ParamRole::*;
    let api = api();
    let cases: &[(&str, &str, &[ParamRole])] = &[
        (
            "ISyncMgrSynchronize",
            "Initialize",
            &[
                Value,
                Value,
                ArrayLen { array: 3 },
                InArray {
                    len: 2,
                    optional: true,
                },
            ],
        ),
        ("ISyncMgrSynchronize", "GetHandlerInfo", &[OutValue]),
        ("ISyncMgrSynchronize", "EnumSyncMgrItems", &[OutInterface]),
        (
            "ISyncMgrSynchronize",
            "GetItemObject",
            &[InRef { optional: false }, Iid { out: 2 }, OutIid { iid: 1 }],
        ),
        (
            "ISyncMgrSynchronize",
            "SetProgressCallback",
            &[InInterface { optional: true }],
        ),
        (
            "ISyncMgrSynchronize",
            "PrepareForSync",
            &[
                ArrayLen { array: 1 },
                InArray {
                    len: 0,
                    optional: false,
                },
                Value,
                Value,
            ],
        ),
        (
            "ISyncMgrSynchronizeCallback",
            "Progress",
            &[InRef { optional: false }, InRef { optional: true }],
        ),
        (
            "ISyncMgrSynchronizeCallback",
            "LogError",
            &[
                Value,
                InString { optional: false },
                InRef { optional: true },
            ],
        ),
        (
            "ISyncMgrSynchronizeCallback",
            "EstablishConnection",
            &[InString { optional: true }, Value],
        ),
        (
            "ISyncMgrEnumItems",
            "Next",
            &[
                ArrayLen { array: 1 },
                OutArray {
                    len: 0,
                    fetched: Some(2),
                },
                OutValue,
            ],
        ),
        ("ISyncMgrEnumItems", "Clone", &[OutInterface]),
        (
            "ISyncMgrRegister",
            "GetHandlerRegistrationInfo",
            &[InRef { optional: false }, InOut],
        ),
    ];
    for (interface, name, expected) in cases {
        let m = method(&api, interface, name);
        assert_eq!(roles(m), expected.to_vec(), "{interface}::{name}");
        assert!(m.has_safe_signature(), "{interface}::{name}");
    }
}

#[test]
fn contracts_slots_and_inheritance_come_from_the_model() {
    let api = api();
    let progress = method(&api, "ISyncMgrSynchronizeCallback", "Progress");
    assert_eq!(
        progress.success_codes,
        ["S_OK", "S_SYNCMGR_CANCELITEM", "S_SYNCMGR_CANCELALL"]
    );
    assert!(progress.has_extra_success_codes());
    assert_eq!(progress.slot, 8);
    let show = method(&api, "ISyncMgrSynchronize", "ShowProperties");
    assert_eq!(show.optional.as_deref(), Some("E_NOTIMPL"));
    let (_, sync) = api
        .interfaces()
        .find(|(d, _)| d.name == "ISyncMgrSynchronize")
        .unwrap();
    assert_eq!(sync.base.as_deref(), Some("IUnknown"));
    assert_eq!(sync.ancestors, ["IUnknown"]);
    let inherited: Vec<&str> = sync.inherited.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(inherited, ["QueryInterface", "AddRef", "Release"]);
    assert_eq!(sync.slot_count(), 13);
    let (_, class) = api.classes().next().expect("the SyncMgr class");
    assert_eq!(
        class.interfaces,
        ["ISyncMgrSynchronizeInvoke", "ISyncMgrRegister"]
    );
}

#[test]
fn types_resolve_through_typedefs() {
    let api = api();
    // Root typedefs keep their names; imported ones resolve.
    let item_id = api.find("REFSYNCMGRITEMID").expect("REFSYNCMGRITEMID");
    assert!(matches!(
        &item_id.kind,
        DeclKind::Alias(Ty::Ptr { pointee, is_const: true }) if **pointee == Ty::Guid
    ));
    let init = method(&api, "ISyncMgrSynchronize", "Initialize");
    assert_eq!(init.params[0].ty, Ty::Prim(Prim::U32));
    assert_eq!(
        init.params[3].ty,
        Ty::Ptr {
            pointee: Box::new(Ty::Prim(Prim::U8)),
            is_const: true
        }
    );
    // Imported structs and handles the root files use are emitted, first.
    let imported: Vec<&str> = api
        .decls
        .iter()
        .filter(|d| d.origin == Origin::Imported)
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(imported, ["HWND", "HICON", "FILETIME"]);
    assert!(matches!(api.find("HWND").unwrap().kind, DeclKind::Handle));
    // Nothing unused is pulled in.
    assert!(api.find("IClassFactory").is_none() && api.find("LONGLONG").is_none());
    let (_, item) = api
        .structs()
        .find(|(d, _)| d.name == "SYNCMGRITEM")
        .unwrap();
    assert_eq!(
        item.fields[5].ty,
        Ty::Array {
            element: Box::new(Ty::Prim(Prim::WChar)),
            len: 128
        }
    );
    assert_eq!(item.tag.as_deref(), Some("_tagSYNCMGRITEM"));
    // Every declaration has documentation.
    assert!(api.decls.iter().all(|d| !d.doc.is_empty()));
}

#[test]
fn unsupported_declarations_are_skipped_with_locations() {
    let cases = [
        (
            "import \"unknwn.idl\";\n\ntypedef union _U { DWORD a; BYTE b; } U;\n",
            "`U` is not generated: unions are not supported",
            3,
        ),
        (
            "import \"unknwn.idl\";\n\n[uuid(11111111-2222-3333-4444-555555555555)]\ninterface INotCom { HRESULT F(); }\n",
            "RPC interface",
            3,
        ),
        (
            "import \"unknwn.idl\";\nconst WCHAR *NAME = L\"x\";\n",
            "integer and HRESULT constants only",
            2,
        ),
    ];
    for (text, message, line) in cases {
        let api = lower(text).unwrap_or_else(|d| panic!("{d}"));
        let skipped = api.skipped();
        assert_eq!(skipped.len(), 1, "{text}");
        assert!(
            skipped[0].message.contains(message),
            "{}",
            skipped[0].message
        );
        assert_eq!(skipped[0].span.map(|s| s.line), Some(line), "{text}");
    }
}

#[test]
fn what_needs_a_skipped_type_by_value_is_skipped_and_pointers_become_void() {
    let api = lower(
        "import \"unknwn.idl\";\n\
         typedef union _U { DWORD a; BYTE b; } U;\n\
         typedef struct _S { U u; } S;\n\
         typedef struct _P { U *u; DWORD n; } P;\n\
         [object, uuid(11111111-2222-3333-4444-555555555555)]\n\
         interface IUses : IUnknown { HRESULT ByValue([in] U u); HRESULT ByPointer([in] U *u); }\n",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    assert!(
        matches!(api.find("S").map(|d| &d.kind), Some(DeclKind::Skipped(r)) if r.contains("`U`"))
    );
    let Some(DeclKind::Struct(p)) = api.find("P").map(|d| &d.kind) else {
        panic!("P is generated");
    };
    assert_eq!(
        p.fields[0].ty.pointee().map(|(t, _)| t.clone()),
        Some(Ty::Void)
    );
    let by_value = method(&api, "IUses", "ByValue");
    assert!(
        by_value
            .unsupported
            .as_deref()
            .is_some_and(|r| r.contains("`U`"))
    );
    assert_eq!(by_value.slot, 3);
    let by_pointer = method(&api, "IUses", "ByPointer");
    assert!(by_pointer.unsupported.is_none());
    assert_eq!(by_pointer.slot, 4);
}

#[test]
fn raw_parameters_make_a_method_unsafe() {
    let api = lower(
        "import \"unknwn.idl\";\n\
         [object, local, uuid(11111111-2222-3333-4444-555555555555)]\n\
         interface IRaw : IUnknown {\n\
             HRESULT Blob([in] void *data, [out] void **anything);\n\
             HRESULT Counted([in] DWORD n, [in, size_is(n)] BYTE *a, [in, size_is(n)] BYTE *b);\n\
         }\n",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let blob = method(&api, "IRaw", "Blob");
    assert_eq!(roles(blob), [ParamRole::Raw, ParamRole::Raw]);
    assert!(!blob.has_safe_signature());
    // One count for two arrays: neither array has a safe form.
    let counted = method(&api, "IRaw", "Counted");
    assert_eq!(
        roles(counted),
        [ParamRole::Value, ParamRole::Raw, ParamRole::Raw]
    );
    assert_eq!(counted.slot, 4);
}

#[test]
fn an_untagged_enum_declares_int_constants() {
    let api = lower("import \"unknwn.idl\";\nenum { FIRST = 1, SECOND, BIG = 0xFFFFFFFF };\n")
        .unwrap_or_else(|d| panic!("{d}"));
    let value = |name: &str| match api.find(name).map(|d| &d.kind) {
        Some(DeclKind::Const(c)) => (c.value, c.ty.clone()),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(value("FIRST"), (1, Ty::Prim(Prim::I32)));
    assert_eq!(value("SECOND"), (2, Ty::Prim(Prim::I32)));
    // A C enumerator is an `int`: 0xFFFFFFFF is -1 there.
    assert_eq!(value("BIG"), (-1, Ty::Prim(Prim::I32)));
    assert!(api.skipped().is_empty());
}
