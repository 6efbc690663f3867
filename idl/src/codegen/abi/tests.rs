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
            "import \"unknwn.idl\";\n\ndispinterface DU { properties: methods: };\n",
            "`DU` is not generated: a dispinterface needs a `uuid(...)` attribute",
            3,
        ),
        (
            "import \"unknwn.idl\";\n\n[uuid(11111111-2222-3333-4444-555555555555)]\ninterface INotCom { HRESULT F(); }\n",
            "RPC interface",
            3,
        ),
        (
            "import \"unknwn.idl\";\ntypedef union _U { DWORD a : 3; } U;\n",
            "bit fields in unions are not supported",
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
         typedef union _U { DWORD a : 3; } U;\n\
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

fn aggregate<'a>(api: &'a Api, name: &str) -> &'a Struct {
    match api.find(name).map(|d| &d.kind) {
        Some(DeclKind::Struct(s)) => s,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn unions_nameless_members_and_inline_definitions_become_named_aggregates() {
    let api = lower(
        "import \"unknwn.idl\";\n\
         cpp_quote(\"#define __NAME_1\")\n\
         typedef struct tagV {\n\
           union {\n\
             struct __tagInner { WORD vt; union { LONG l; double d; } __NAME_1; } n2;\n\
             double dec;\n\
           } DUMMYUNIONNAME;\n\
           struct { BYTE a; BYTE b; } pair;\n\
         } V;\n\
         typedef union _W switch (DWORD kind) arm { case 1: LONG l; case 2: BYTE *p; default: ; } W;\n\
         typedef [switch_type(DWORD)] union _N { [case(1)] LONG l; [default] ; } N;\n",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    assert!(api.skipped().is_empty(), "{:?}", api.skipped());
    let v = aggregate(&api, "V");
    assert!(!v.is_union && !v.inline);
    assert_eq!(v.rust_field_names(), ["Anonymous", "pair"]);
    assert!(v.fields[0].nameless && !v.fields[1].nameless);
    // Untagged definitions are named after the parent and their place; tags are kept.
    let u = aggregate(&api, "V_0");
    assert!(u.is_union && u.inline);
    assert_eq!(u.rust_field_names(), ["n2", "dec"]);
    let inner = aggregate(&api, "__tagInner");
    assert!(!inner.is_union && inner.inline);
    assert_eq!(inner.rust_field_names(), ["vt", "Anonymous"]);
    assert!(aggregate(&api, "__tagInner_0").is_union);
    assert_eq!(aggregate(&api, "V_1").rust_field_names(), ["a", "b"]);
    // An encapsulated union is the discriminant and the union of the arms.
    let w = aggregate(&api, "W");
    assert!(!w.is_union);
    assert_eq!(w.rust_field_names(), ["kind", "arm"]);
    assert_eq!(aggregate(&api, "W_0").rust_field_names(), ["l", "p"]);
    // A non-encapsulated union drops its empty arm.
    let n = aggregate(&api, "N");
    assert!(n.is_union && !n.inline);
    assert_eq!(n.rust_field_names(), ["l"]);
}

#[test]
fn bit_fields_share_storage_units_as_msvc_lays_them_out() {
    let api = lower(
        "import \"unknwn.idl\";\n\
         typedef struct _B { DWORD a : 3; DWORD : 2; DWORD b : 27; DWORD c : 1; WORD d : 4; \
         BYTE e; DWORD f : 1; DWORD : 0; DWORD g : 1; } B;\n",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let b = aggregate(&api, "B");
    assert_eq!(
        b.rust_field_names(),
        [
            "_bitfield1",
            "_bitfield2",
            "_bitfield3",
            "e",
            "_bitfield4",
            "_bitfield5"
        ]
    );
    let widths = |i: usize| -> Vec<(String, u32, u32)> {
        b.fields[i]
            .bits
            .iter()
            .map(|f| (f.name.clone(), f.offset, f.width))
            .collect()
    };
    // a, the unnamed 2 bits and b fill 32 bits; c starts a new unit; the WORD-typed d cannot
    // share a DWORD unit; the zero-width field closes f's unit.
    assert_eq!(
        widths(0),
        [
            ("a".into(), 0, 3),
            (String::new(), 3, 2),
            ("b".into(), 5, 27)
        ]
    );
    assert_eq!(widths(1), [("c".into(), 0, 1)]);
    assert_eq!(widths(2), [("d".into(), 0, 4)]);
    assert_eq!(b.fields[2].ty, Ty::Prim(Prim::U16));
    assert_eq!(widths(4), [("f".into(), 0, 1)]);
    assert_eq!(widths(5), [("g".into(), 0, 1)]);
}

#[test]
fn function_pointers_and_literal_constants_are_generated() {
    let api = lower(
        "import \"unknwn.idl\";\n\
         typedef HRESULT (__stdcall *PFN_CB)(IUnknown *sender, DWORD code);\n\
         typedef void FN_PLAIN(void);\n\
         typedef struct _H { PFN_CB cb; FN_PLAIN *plain; } H;\n\
         const float SCALE = 0.5;\n\
         const double LIMIT = 1e300;\n\
         const char *NARROW = \"a\\\"b\";\n\
         const WCHAR *WIDE = L\"h\\u00e9\";\n",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    assert!(api.skipped().is_empty(), "{:?}", api.skipped());
    let Some(DeclKind::Alias(pfn)) = api.find("PFN_CB").map(|d| &d.kind) else {
        panic!("PFN_CB is an alias");
    };
    assert_eq!(
        pfn,
        &Ty::FnPtr {
            ret: Box::new(Ty::Hresult),
            params: vec![
                Ty::Ptr {
                    pointee: Box::new(Ty::Interface("IUnknown".into())),
                    is_const: false
                },
                Ty::Prim(Prim::U32)
            ]
        }
    );
    // A pointer to a function type is the function pointer itself.
    let h = aggregate(&api, "H");
    assert!(matches!(h.fields[1].ty.resolved(), Ty::FnPtr { params, .. } if params.is_empty()));
    let literal = |name: &str| match api.find(name).map(|d| &d.kind) {
        Some(DeclKind::Literal(l)) => l.clone(),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(
        literal("SCALE"),
        Literal::Float {
            value: 0.5,
            single: true
        }
    );
    assert_eq!(literal("NARROW"), Literal::Str("a\"b".into()));
    assert!(matches!(literal("WIDE"), Literal::WideStr(_)));
}

#[test]
fn dispinterfaces_have_the_idispatch_vtable_and_libraries_a_libid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut session = Session::new(Options {
        include_dirs: vec![root.join("include")],
        ..Options::default()
    });
    let text = "import \"unknwn.idl\";\n\
         [object, uuid(00020400-0000-0000-C000-000000000046)]\n\
         interface IDispatch : IUnknown { HRESULT GetTypeInfoCount([out] UINT *n); }\n\
         [uuid(11111111-2222-3333-4444-555555555555)]\n\
         library Lib {\n\
           [uuid(11111111-2222-3333-4444-555555555556)]\n\
           dispinterface DEvents { properties: methods: [id(1)] void Fired(); };\n\
         }\n";
    let id = session
        .load_source(&root.join("test.idl"), text)
        .unwrap_or_else(|d| panic!("{d}"));
    let api = Api::from_compilation(&session.into_compilation(vec![id]))
        .unwrap_or_else(|d| panic!("{d}"));
    assert!(api.skipped().is_empty(), "{:?}", api.skipped());
    let (d, i) = api
        .interfaces()
        .find(|(d, _)| d.name == "DEvents")
        .expect("the dispinterface is generated");
    assert!(i.dispinterface && i.methods.is_empty());
    assert_eq!(i.base.as_deref(), Some("IDispatch"));
    assert_eq!(i.base_slots, 4);
    assert_eq!(i.iid_name(&d.name), "DIID_DEvents");
    assert!(matches!(
        api.find("LIBID_Lib").map(|d| &d.kind),
        Some(DeclKind::GuidConst(g)) if g.data1 == 0x1111_1111 && g.data4[7] == 0x55
    ));
}

#[test]
fn callee_allocated_strings_and_string_arrays_have_roles_of_their_own() {
    let api = lower(
        "import \"unknwn.idl\";\n\
         [object, local, uuid(11111111-2222-3333-4444-555555555556)]\n\
         interface IStrings : IUnknown {\n\
             HRESULT Name([out, string] LPWSTR *name);\n\
             HRESULT MaybeName([out, unique, string] LPWSTR *name);\n\
             HRESULT Run([in, size_is(n)] LPCWSTR *ids, [in] ULONG n);\n\
             HRESULT RunSome([in, unique, size_is(n)] LPCWSTR *ids, [in] ULONG n);\n\
             HRESULT Edit([in, size_is(n)] LPWSTR *ids, [in] ULONG n);\n\
             HRESULT Next([in] ULONG celt, [out, size_is(celt), length_is(*fetched)] IUnknown **items, [out] ULONG *fetched);\n\
         }\n",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    use ParamRole::*;
    let name = method(&api, "IStrings", "Name");
    assert_eq!(roles(name), [OutString]);
    assert!(name.has_safe_signature() && name.needs_runtime());
    assert_eq!(name.out_values(), [0]);
    // A `[unique]` out-string may be left null: no owned form says that, so it stays raw.
    assert_eq!(roles(method(&api, "IStrings", "MaybeName")), [Raw]);
    assert_eq!(
        roles(method(&api, "IStrings", "Run")),
        [
            InStringArray {
                len: 1,
                optional: false
            },
            ArrayLen { array: 0 }
        ]
    );
    assert_eq!(
        roles(method(&api, "IStrings", "RunSome")),
        [
            InStringArray {
                len: 1,
                optional: true
            },
            ArrayLen { array: 0 }
        ]
    );
    // Mutable strings are not views.
    assert_eq!(roles(method(&api, "IStrings", "Edit")), [Raw, Value]);
    // An array of interfaces is an out-array like an array of values, with the runtime's help.
    let next = method(&api, "IStrings", "Next");
    assert_eq!(
        roles(next)[..2],
        [
            ArrayLen { array: 1 },
            OutArray {
                len: 0,
                fetched: Some(2)
            }
        ]
    );
    assert!(next.needs_runtime());
}
