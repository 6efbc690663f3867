//! The bundled `idl/mobsync.idl` states the facts of the Windows SDK's `mobsync.h`.
//!
//! Every expected value below is typed from the published header (the public-domain copy that
//! Debian's mingw-w64 ships as `/usr/share/mingw-w64/include/mobsync.h`): its `DEFINE_GUID`
//! lines, the vtable declarations, the struct and enum definitions and the `#define`s. None of
//! them is derived from our own IDL or model. Where the header's C type differs only in
//! spelling from the IDL (`WINBOOL` for `BOOL`), the comment says so.

use std::collections::HashMap;

use mobsync_idl::mobsync_compilation;
use mobsync_idl::model::{
    ArraySize, AttrArg, ConstValue, Expr, ExprKind, HasAttributes, Item, Param, StructType, Type,
    TypeKind, UnaryOp,
};

// ---------------------------------------------------------------------------------------
// Walking the model
// ---------------------------------------------------------------------------------------

/// Every item of the root file, interface bodies included, in order.
fn all_items() -> Vec<&'static Item> {
    fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
        for item in items {
            out.push(item);
            if let Item::Interface(i) = item {
                walk(&i.items, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&mobsync_compilation().root().items, &mut out);
    out
}

fn interface(name: &str) -> &'static mobsync_idl::model::Interface {
    all_items()
        .into_iter()
        .find_map(|i| match i {
            Item::Interface(x) if x.name.name == name => Some(&**x),
            _ => None,
        })
        .unwrap_or_else(|| panic!("interface {name} not found"))
}

/// The type a typedef gives `name`, with the typedef's specifier.
fn typedef(name: &str) -> (&'static Type, &'static Type) {
    all_items()
        .into_iter()
        .find_map(|i| match i {
            Item::Typedef(t) => t
                .declarators
                .iter()
                .find(|d| d.name.as_ref().is_some_and(|n| n.name == name))
                .map(|d| (&d.ty, &t.spec)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("typedef {name} not found"))
}

fn constant(name: &str) -> &'static mobsync_idl::model::Const {
    all_items()
        .into_iter()
        .find_map(|i| match i {
            Item::Const(c) if c.name.name == name => Some(&**c),
            _ => None,
        })
        .unwrap_or_else(|| panic!("const {name} not found"))
}

fn const_value(name: &str) -> i128 {
    match constant(name).value.get() {
        Some(ConstValue::Int(v)) => *v,
        other => panic!("const {name} has value {other:?}"),
    }
}

/// C spelling of a type, as the header writes it in declarations (`const BYTE *`).
fn c_type(t: &Type) -> String {
    match &t.kind {
        TypeKind::Void => "void".into(),
        TypeKind::Named { name, .. } => name.name.clone(),
        TypeKind::Const(inner) => format!("const {}", c_type(inner)),
        TypeKind::Pointer { pointee, .. } => {
            let inner = c_type(pointee);
            if inner.ends_with('*') {
                format!("{inner}*")
            } else {
                format!("{inner} *")
            }
        }
        TypeKind::Struct(s) => format!("struct {}", s.tag.as_ref().map_or("", |t| &t.name)),
        TypeKind::Enum(e) => format!("enum {}", e.tag.as_ref().map_or("", |t| &t.name)),
        other => format!("{other:?}"),
    }
}

/// `TYPE name` of each parameter, joined as the header's prototypes are.
fn signature(params: &[Param]) -> String {
    params
        .iter()
        .map(|p| {
            let ty = c_type(&p.ty);
            let name = p.name.as_ref().map_or("", |n| &n.name);
            if ty.ends_with('*') {
                format!("{ty}{name}")
            } else {
                format!("{ty} {name}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn expr_text(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Ident { name } => name.clone(),
        ExprKind::Int { value, .. } => value.to_string(),
        ExprKind::Unary {
            op: UnaryOp::Deref,
            operand,
        } => format!("*{}", expr_text(operand)),
        other => format!("{other:?}"),
    }
}

/// The MIDL attributes of a parameter, as `in,unique,size_is(cbCookie)`.
fn attrs_text(p: &Param) -> String {
    p.attrs()
        .iter()
        .map(|a| {
            let args: Vec<String> = a
                .args()
                .iter()
                .map(|arg| match arg {
                    AttrArg::Expr(e) => expr_text(e),
                    other => format!("{other:?}"),
                })
                .collect();
            if a.args.is_none() {
                a.name().to_string()
            } else {
                format!("{}({})", a.name(), args.join(","))
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn uuid_of(attrs: &[mobsync_idl::model::Attribute]) -> (u32, u16, u16, [u8; 8]) {
    let a = attrs
        .iter()
        .find(|a| a.name() == "uuid")
        .expect("uuid attribute");
    match a.args().first() {
        Some(AttrArg::Uuid(u)) => {
            let g = u.value.expect("well-formed uuid");
            (g.data1, g.data2, g.data3, g.data4)
        }
        other => panic!("uuid argument {other:?}"),
    }
}

/// The struct a typedef names, with its fields' names and C types.
fn struct_fields(name: &str) -> Vec<(String, String)> {
    let (_, spec) = typedef(name);
    let s: &StructType = match &spec.kind {
        TypeKind::Struct(s) => s,
        other => panic!("{name} is not a struct: {other:?}"),
    };
    s.fields
        .as_ref()
        .expect("struct definition")
        .iter()
        .map(|f| {
            let ty = match &f.ty.kind {
                TypeKind::Array { element, size } => match &**size {
                    ArraySize::Fixed { value, .. } => format!(
                        "{}[{}]",
                        c_type(element),
                        value.get().expect("evaluated array size")
                    ),
                    ArraySize::Conformant { .. } => c_type(&f.ty),
                },
                _ => c_type(&f.ty),
            };
            (ty, f.name.as_ref().expect("named field").name.clone())
        })
        .collect()
}

fn enum_values(name: &str) -> (String, Vec<(String, i128)>) {
    let (_, spec) = typedef(name);
    let e = match &spec.kind {
        TypeKind::Enum(e) => e,
        other => panic!("{name} is not an enum: {other:?}"),
    };
    let tag = e.tag.as_ref().expect("enum tag").name.clone();
    let values = e
        .enumerators
        .as_ref()
        .expect("enum definition")
        .iter()
        .map(|x| {
            (
                x.name.name.clone(),
                *x.value.get().expect("evaluated enumerator"),
            )
        })
        .collect();
    (tag, values)
}

fn owned(pairs: &[(&str, i128)]) -> Vec<(String, i128)> {
    pairs.iter().map(|(n, v)| (n.to_string(), *v)).collect()
}

// ---------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------

/// The tail every SyncMgr GUID shares: `0x87,0x7,0x0,0xc0,0x4f,0xd9,0x33,0x27`.
const TAIL: [u8; 8] = [0x87, 0x07, 0x00, 0xc0, 0x4f, 0xd9, 0x33, 0x27];

#[test]
fn interface_identifiers() {
    // DEFINE_GUID(IID_..., 0x6295df.., 0x35ee, 0x11d1, 0x87,0x7,0x0,0xc0,0x4f,0xd9,0x33,0x27)
    let expected = [
        ("ISyncMgrSynchronize", 0x6295df40),
        ("ISyncMgrSynchronizeCallback", 0x6295df41),
        ("ISyncMgrRegister", 0x6295df42),
        ("ISyncMgrEnumItems", 0x6295df2a),
        ("ISyncMgrSynchronizeInvoke", 0x6295df2c),
    ];
    for (name, data1) in expected {
        let i = interface(name);
        assert_eq!(uuid_of(&i.attrs), (data1, 0x35ee, 0x11d1, TAIL), "{name}");
        assert!(i.has_attr("object") && i.has_attr("local"), "{name}");
        assert_eq!(i.base_name(), Some("IUnknown"), "{name}");
    }
}

#[test]
fn syncmgr_class_identifier() {
    // DEFINE_GUID(CLSID_SyncMgr,0x6295df27,0x35ee,0x11d1,0x87,0x7,0x0,0xc0,0x4f,0xd9,0x33,0x27)
    let coclass = all_items()
        .into_iter()
        .find_map(|i| match i {
            Item::Coclass(c) if c.name.name == "SyncMgr" => Some(c),
            _ => None,
        })
        .expect("coclass SyncMgr");
    assert_eq!(uuid_of(&coclass.attrs), (0x6295df27, 0x35ee, 0x11d1, TAIL));
    let members: Vec<String> = coclass.members.iter().map(|m| c_type(&m.ty)).collect();
    assert_eq!(
        members,
        vec!["ISyncMgrSynchronizeInvoke", "ISyncMgrRegister"]
    );
}

// ---------------------------------------------------------------------------------------
// Methods: names, order, C signatures and MIDL attributes
// ---------------------------------------------------------------------------------------

/// `(method, C parameter list of the header's C++ declaration)` in vtable order.
fn check_methods(iface: &str, expected: &[(&str, &str)]) {
    let i = interface(iface);
    let got: Vec<(String, String)> = i
        .methods()
        .map(|m| (m.name.name.clone(), signature(&m.params)))
        .collect();
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    assert_eq!(got, want, "{iface}");
    for m in i.methods() {
        assert_eq!(c_type(&m.ret), "HRESULT", "{iface}::{}", m.name.name);
    }
}

#[test]
fn isyncmgrsynchronize_methods() {
    check_methods(
        "ISyncMgrSynchronize",
        &[
            (
                "Initialize",
                "DWORD dwReserved,DWORD dwSyncMgrFlags,DWORD cbCookie,const BYTE *lpCookie",
            ),
            (
                "GetHandlerInfo",
                "LPSYNCMGRHANDLERINFO *ppSyncMgrHandlerInfo",
            ),
            ("EnumSyncMgrItems", "ISyncMgrEnumItems **ppSyncMgrEnumItems"),
            (
                "GetItemObject",
                "REFSYNCMGRITEMID ItemID,REFIID riid,void **ppv",
            ),
            ("ShowProperties", "HWND hWndParent,REFSYNCMGRITEMID ItemID"),
            (
                "SetProgressCallback",
                "ISyncMgrSynchronizeCallback *lpCallBack",
            ),
            (
                "PrepareForSync",
                "ULONG cbNumItems,SYNCMGRITEMID *pItemIDs,HWND hWndParent,DWORD dwReserved",
            ),
            ("Synchronize", "HWND hWndParent"),
            (
                "SetItemStatus",
                "REFSYNCMGRITEMID pItemID,DWORD dwSyncMgrStatus",
            ),
            ("ShowError", "HWND hWndParent,REFSYNCMGRERRORID ErrorID"),
        ],
    );
}

#[test]
fn isyncmgrsynchronizecallback_methods() {
    check_methods(
        "ISyncMgrSynchronizeCallback",
        &[
            ("ShowPropertiesCompleted", "HRESULT hr"),
            ("PrepareForSyncCompleted", "HRESULT hr"),
            ("SynchronizeCompleted", "HRESULT hr"),
            (
                "ShowErrorCompleted",
                "HRESULT hr,ULONG cbNumItems,SYNCMGRITEMID *pItemIDs",
            ),
            // The header spells BOOL as WINBOOL.
            ("EnableModeless", "BOOL fEnable"),
            (
                "Progress",
                "REFSYNCMGRITEMID pItemID,LPSYNCMGRPROGRESSITEM lpSyncProgressItem",
            ),
            (
                "LogError",
                "DWORD dwErrorLevel,LPCWSTR lpcErrorText,LPSYNCMGRLOGERRORINFO lpSyncLogError",
            ),
            (
                "DeleteLogError",
                "REFSYNCMGRERRORID ErrorID,DWORD dwReserved",
            ),
            (
                "EstablishConnection",
                "LPCWSTR lpwszConnection,DWORD dwReserved",
            ),
        ],
    );
}

#[test]
fn isyncmgrenumitems_methods() {
    check_methods(
        "ISyncMgrEnumItems",
        &[
            ("Next", "ULONG celt,LPSYNCMGRITEM rgelt,ULONG *pceltFetched"),
            ("Skip", "ULONG celt"),
            ("Reset", ""),
            ("Clone", "ISyncMgrEnumItems **ppenum"),
        ],
    );
}

#[test]
fn isyncmgrsynchronizeinvoke_methods() {
    check_methods(
        "ISyncMgrSynchronizeInvoke",
        &[
            (
                "UpdateItems",
                "DWORD dwInvokeFlags,REFCLSID rclsid,DWORD cbCookie,const BYTE *lpCookie",
            ),
            ("UpdateAll", ""),
        ],
    );
}

#[test]
fn isyncmgrregister_methods() {
    check_methods(
        "ISyncMgrRegister",
        &[
            (
                "RegisterSyncMgrHandler",
                "REFCLSID rclsidHandler,LPCWSTR pwszDescription,DWORD dwSyncMgrRegisterFlags",
            ),
            (
                "UnregisterSyncMgrHandler",
                "REFCLSID rclsidHandler,DWORD dwReserved",
            ),
            (
                "GetHandlerRegistrationInfo",
                "REFCLSID rclsidHandler,LPDWORD pdwSyncMgrRegisterFlags",
            ),
        ],
    );
}

#[test]
fn parameter_attributes_that_matter() {
    // Directions follow the SDK documentation; the marshaling attributes describe the
    // buffers the header's prototypes take (sizes from the neighbouring count parameters).
    let expected: &[(&str, &str, &str, &str)] = &[
        (
            "ISyncMgrSynchronize",
            "Initialize",
            "lpCookie",
            "in,unique,size_is(cbCookie)",
        ),
        (
            "ISyncMgrSynchronize",
            "GetHandlerInfo",
            "ppSyncMgrHandlerInfo",
            "out",
        ),
        (
            "ISyncMgrSynchronize",
            "EnumSyncMgrItems",
            "ppSyncMgrEnumItems",
            "out",
        ),
        (
            "ISyncMgrSynchronize",
            "GetItemObject",
            "ppv",
            "out,iid_is(riid)",
        ),
        (
            "ISyncMgrSynchronize",
            "SetProgressCallback",
            "lpCallBack",
            "in,unique",
        ),
        (
            "ISyncMgrSynchronize",
            "PrepareForSync",
            "pItemIDs",
            "in,size_is(cbNumItems)",
        ),
        (
            "ISyncMgrSynchronizeCallback",
            "ShowErrorCompleted",
            "pItemIDs",
            "in,size_is(cbNumItems)",
        ),
        (
            "ISyncMgrSynchronizeCallback",
            "Progress",
            "lpSyncProgressItem",
            "in,unique",
        ),
        (
            "ISyncMgrSynchronizeCallback",
            "LogError",
            "lpcErrorText",
            "in,string",
        ),
        (
            "ISyncMgrSynchronizeCallback",
            "LogError",
            "lpSyncLogError",
            "in,unique",
        ),
        (
            "ISyncMgrSynchronizeCallback",
            "EstablishConnection",
            "lpwszConnection",
            "in,unique,string",
        ),
        (
            "ISyncMgrEnumItems",
            "Next",
            "rgelt",
            "out,size_is(celt),length_is(*pceltFetched)",
        ),
        ("ISyncMgrEnumItems", "Next", "pceltFetched", "out"),
        ("ISyncMgrEnumItems", "Clone", "ppenum", "out"),
        (
            "ISyncMgrSynchronizeInvoke",
            "UpdateItems",
            "lpCookie",
            "in,unique,size_is(cbCookie)",
        ),
        (
            "ISyncMgrRegister",
            "RegisterSyncMgrHandler",
            "pwszDescription",
            "in,unique,string",
        ),
        (
            "ISyncMgrRegister",
            "GetHandlerRegistrationInfo",
            "pdwSyncMgrRegisterFlags",
            "in,out",
        ),
    ];
    for (iface, method, param, attrs) in expected {
        let m = interface(iface)
            .methods()
            .find(|m| m.name.name == *method)
            .unwrap_or_else(|| panic!("{iface}::{method}"));
        let p = m
            .params
            .iter()
            .find(|p| p.name.as_ref().is_some_and(|n| n.name == *param))
            .unwrap_or_else(|| panic!("{iface}::{method}({param})"));
        assert_eq!(attrs_text(p), *attrs, "{iface}::{method}({param})");
    }
    // Every other parameter is a plain [in].
    let mut plain = 0;
    for iface in [
        "ISyncMgrSynchronize",
        "ISyncMgrSynchronizeCallback",
        "ISyncMgrEnumItems",
        "ISyncMgrSynchronizeInvoke",
        "ISyncMgrRegister",
    ] {
        for m in interface(iface).methods() {
            for p in &m.params {
                let name = &p.name.as_ref().expect("named").name;
                let listed = expected
                    .iter()
                    .any(|(i, mm, pp, _)| *i == iface && *mm == m.name.name && pp == name);
                if !listed {
                    assert_eq!(attrs_text(p), "in", "{iface}::{}({name})", m.name.name);
                    plain += 1;
                }
            }
        }
    }
    // 53 parameters in all (21 + 16 + 5 + 4 + 7 in the header), 17 listed above.
    assert_eq!(plain, 36);
}

// ---------------------------------------------------------------------------------------
// Typedefs
// ---------------------------------------------------------------------------------------

#[test]
fn identifier_and_pointer_typedefs() {
    // typedef GUID SYNCMGRITEMID; typedef REFGUID REFSYNCMGRITEMID; ...
    let expected = [
        ("SYNCMGRITEMID", "GUID"),
        ("REFSYNCMGRITEMID", "REFGUID"),
        ("SYNCMGRERRORID", "GUID"),
        ("REFSYNCMGRERRORID", "REFGUID"),
        ("LPSYNCMGRSYNCHRONIZE", "ISyncMgrSynchronize *"),
        (
            "LPSYNCMGRSYNCHRONIZECALLBACK",
            "ISyncMgrSynchronizeCallback *",
        ),
        ("LPSYNCMGRENUMITEMS", "ISyncMgrEnumItems *"),
        ("LPSYNCMGRSYNCHRONIZEINVOKE", "ISyncMgrSynchronizeInvoke *"),
        ("LPSYNCMGRREGISTER", "ISyncMgrRegister *"),
        // The header writes `struct _tagSYNCMGRHANDLERINFO *`; the typedef'd name is the same type.
        ("LPSYNCMGRHANDLERINFO", "SYNCMGRHANDLERINFO *"),
        ("LPSYNCMGRPROGRESSITEM", "SYNCMGRPROGRESSITEM *"),
        ("LPSYNCMGRLOGERRORINFO", "SYNCMGRLOGERRORINFO *"),
        ("LPSYNCMGRITEM", "SYNCMGRITEM *"),
    ];
    for (name, ty) in expected {
        assert_eq!(c_type(typedef(name).0), ty, "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// Enumerations
// ---------------------------------------------------------------------------------------

/// `(typedef name, enum tag, enumerators with values)`.
type EnumFact = (&'static str, &'static str, Vec<(String, i128)>);

#[test]
fn enumerations() {
    let expected: Vec<EnumFact> = vec![
        (
            "SYNCMGRFLAG",
            "_tagSYNCMGRFLAG",
            owned(&[
                ("SYNCMGRFLAG_CONNECT", 0x1),
                ("SYNCMGRFLAG_PENDINGDISCONNECT", 0x2),
                ("SYNCMGRFLAG_MANUAL", 0x3),
                ("SYNCMGRFLAG_IDLE", 0x4),
                ("SYNCMGRFLAG_INVOKE", 0x5),
                ("SYNCMGRFLAG_SCHEDULED", 0x6),
                ("SYNCMGRFLAG_EVENTMASK", 0xff),
                ("SYNCMGRFLAG_SETTINGS", 0x100),
                ("SYNCMGRFLAG_MAYBOTHERUSER", 0x200),
            ]),
        ),
        (
            "SYNCMGRHANDLERFLAGS",
            "_tagSYNCMGRHANDLERFLAGS",
            owned(&[
                ("SYNCMGRHANDLER_HASPROPERTIES", 0x1),
                ("SYNCMGRHANDLER_MAYESTABLISHCONNECTION", 0x2),
                ("SYNCMGRHANDLER_ALWAYSLISTHANDLER", 0x4),
            ]),
        ),
        (
            "SYNCMGRSTATUS",
            "_tagSYNCMGRSTATUS",
            owned(&[
                ("SYNCMGRSTATUS_STOPPED", 0),
                ("SYNCMGRSTATUS_SKIPPED", 0x1),
                ("SYNCMGRSTATUS_PENDING", 0x2),
                ("SYNCMGRSTATUS_UPDATING", 0x3),
                ("SYNCMGRSTATUS_SUCCEEDED", 0x4),
                ("SYNCMGRSTATUS_FAILED", 0x5),
                ("SYNCMGRSTATUS_PAUSED", 0x6),
                ("SYNCMGRSTATUS_RESUMING", 0x7),
                ("SYNCMGRSTATUS_DELETED", 0x100),
            ]),
        ),
        (
            "SYNCMGRLOGLEVEL",
            "_tagSYNCMGRLOGLEVEL",
            owned(&[
                ("SYNCMGRLOGLEVEL_INFORMATION", 0x1),
                ("SYNCMGRLOGLEVEL_WARNING", 0x2),
                ("SYNCMGRLOGLEVEL_ERROR", 0x3),
            ]),
        ),
        (
            "SYNCMGRERRORFLAGS",
            "_tagSYNCMGRERRORFLAGS",
            owned(&[("SYNCMGRERRORFLAG_ENABLEJUMPTEXT", 0x1)]),
        ),
        (
            "SYNCMGRITEMFLAGS",
            "_tagSYNCMGRITEMFLAGS",
            owned(&[
                ("SYNCMGRITEM_HASPROPERTIES", 0x1),
                ("SYNCMGRITEM_TEMPORARY", 0x2),
                ("SYNCMGRITEM_ROAMINGUSER", 0x4),
                ("SYNCMGRITEM_LASTUPDATETIME", 0x8),
                ("SYNCMGRITEM_MAYDELETEITEM", 0x10),
            ]),
        ),
        (
            "SYNCMGRINVOKEFLAGS",
            "_tagSYNCMGRINVOKEFLAGS",
            owned(&[
                ("SYNCMGRINVOKE_STARTSYNC", 0x2),
                ("SYNCMGRINVOKE_MINIMIZED", 0x4),
            ]),
        ),
        (
            "SYNCMGRREGISTERFLAGS",
            "_tagSYNCMGRREGISTERFLAGS",
            owned(&[
                ("SYNCMGRREGISTERFLAG_CONNECT", 0x1),
                ("SYNCMGRREGISTERFLAG_PENDINGDISCONNECT", 0x2),
                ("SYNCMGRREGISTERFLAG_IDLE", 0x4),
            ]),
        ),
    ];
    for (name, tag, values) in expected {
        assert_eq!(enum_values(name), (tag.to_string(), values), "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// Structures
// ---------------------------------------------------------------------------------------

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(t, n)| (t.to_string(), n.to_string()))
        .collect()
}

#[test]
fn structures_have_the_sdk_fields_in_order() {
    assert_eq!(
        struct_fields("SYNCMGRHANDLERINFO"),
        fields(&[
            ("DWORD", "cbSize"),
            ("HICON", "hIcon"),
            ("DWORD", "SyncMgrHandlerFlags"),
            ("WCHAR[32]", "wszHandlerName"),
        ])
    );
    assert_eq!(
        struct_fields("SYNCMGRPROGRESSITEM"),
        fields(&[
            ("DWORD", "cbSize"),
            ("UINT", "mask"),
            ("LPCWSTR", "lpcStatusText"),
            ("DWORD", "dwStatusType"),
            ("INT", "iProgValue"),
            ("INT", "iMaxValue"),
        ])
    );
    assert_eq!(
        struct_fields("SYNCMGRLOGERRORINFO"),
        fields(&[
            ("DWORD", "cbSize"),
            ("DWORD", "mask"),
            ("DWORD", "dwSyncMgrErrorFlags"),
            ("SYNCMGRERRORID", "ErrorID"),
            ("SYNCMGRITEMID", "ItemID"),
        ])
    );
    assert_eq!(
        struct_fields("SYNCMGRITEM"),
        fields(&[
            ("DWORD", "cbSize"),
            ("DWORD", "dwFlags"),
            ("SYNCMGRITEMID", "ItemID"),
            ("DWORD", "dwItemState"),
            ("HICON", "hIcon"),
            ("WCHAR[128]", "wszItemName"),
            ("FILETIME", "ftLastUpdate"),
        ])
    );
}

#[test]
fn structure_tags_match_the_sdk() {
    for (name, tag) in [
        ("SYNCMGRHANDLERINFO", "_tagSYNCMGRHANDLERINFO"),
        ("SYNCMGRPROGRESSITEM", "_tagSYNCMGRPROGRESSITEM"),
        ("SYNCMGRLOGERRORINFO", "_tagSYNCMGRLOGERRORINFO"),
        ("SYNCMGRITEM", "_tagSYNCMGRITEM"),
    ] {
        let (_, spec) = typedef(name);
        assert_eq!(c_type(spec), format!("struct {tag}"), "{name}");
    }
}

#[test]
fn array_sizes_are_written_with_the_name_constants() {
    for (name, field, constant_name) in [
        (
            "SYNCMGRHANDLERINFO",
            "wszHandlerName",
            "MAX_SYNCMGRHANDLERNAME",
        ),
        ("SYNCMGRITEM", "wszItemName", "MAX_SYNCMGRITEMNAME"),
    ] {
        let (_, spec) = typedef(name);
        let TypeKind::Struct(s) = &spec.kind else {
            panic!("{name}")
        };
        let f = s
            .fields
            .as_ref()
            .and_then(|fs| {
                fs.iter()
                    .find(|f| f.name.as_ref().is_some_and(|n| n.name == field))
            })
            .expect("field");
        let TypeKind::Array { size, .. } = &f.ty.kind else {
            panic!("{name}.{field} is not an array")
        };
        let ArraySize::Fixed { expr, .. } = &**size else {
            panic!("{name}.{field} is not a fixed array")
        };
        assert_eq!(expr_text(expr), constant_name);
    }
}

// ---------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------

#[test]
fn constants_and_masks() {
    let expected: HashMap<&str, i128> = HashMap::from([
        ("MAX_SYNCMGRHANDLERNAME", 32),
        ("MAX_SYNCMGRITEMNAME", 128),
        ("SYNCMGRHANDLERFLAG_MASK", 0x07),
        ("SYNCMGRITEMSTATE_UNCHECKED", 0x0000),
        ("SYNCMGRITEMSTATE_CHECKED", 0x0001),
        ("SYNCMGRPROGRESSITEM_STATUSTEXT", 0x0001),
        ("SYNCMGRPROGRESSITEM_STATUSTYPE", 0x0002),
        ("SYNCMGRPROGRESSITEM_PROGVALUE", 0x0004),
        ("SYNCMGRPROGRESSITEM_MAXVALUE", 0x0008),
        ("SYNCMGRLOGERROR_ERRORFLAGS", 0x0001),
        ("SYNCMGRLOGERROR_ERRORID", 0x0002),
        ("SYNCMGRLOGERROR_ITEMID", 0x0004),
        ("SYNCMGRITEM_ITEMFLAGMASK", 0x1F),
        ("SYNCMGRREGISTERFLAGS_MASK", 0x07),
    ]);
    for (name, value) in &expected {
        assert_eq!(const_value(name), *value, "{name}");
    }
}

#[test]
fn success_codes() {
    // #define S_SYNCMGR_X MAKE_SCODE(SEVERITY_SUCCESS, FACILITY_ITF, code), where
    // MAKE_SCODE(sev, fac, code) = (sev << 31) | (fac << 16) | code, SEVERITY_SUCCESS = 0 and
    // FACILITY_ITF = 4 (winerror.h).
    let make_scode = |sev: i128, fac: i128, code: i128| (sev << 31) | (fac << 16) | code;
    for (name, code) in [
        ("S_SYNCMGR_MISSINGITEMS", 0x0201),
        ("S_SYNCMGR_RETRYSYNC", 0x0202),
        ("S_SYNCMGR_CANCELITEM", 0x0203),
        ("S_SYNCMGR_CANCELALL", 0x0204),
        ("S_SYNCMGR_ITEMDELETED", 0x0210),
        ("S_SYNCMGR_ENUMITEMS", 0x0211),
    ] {
        assert_eq!(const_value(name), make_scode(0, 4, code), "{name}");
        assert_eq!(c_type(constant(name).ty.unqualified()), "HRESULT", "{name}");
    }
    assert_eq!(const_value("S_SYNCMGR_MISSINGITEMS"), 0x0004_0201);
}

// ---------------------------------------------------------------------------------------
// Documentation
// ---------------------------------------------------------------------------------------

#[test]
fn every_declaration_is_documented() {
    let mut undocumented = Vec::new();
    for item in all_items() {
        let (what, doc) = match item {
            Item::Interface(i) => (i.name.name.clone(), &i.doc),
            Item::Coclass(c) => (c.name.name.clone(), &c.doc),
            Item::Typedef(t) => (
                t.declarators
                    .iter()
                    .filter_map(|d| d.name.as_ref().map(|n| n.name.clone()))
                    .collect::<Vec<_>>()
                    .join(","),
                &t.doc,
            ),
            Item::Const(c) => (c.name.name.clone(), &c.doc),
            Item::Function(f) => (f.name.name.clone(), &f.doc),
            _ => continue,
        };
        if doc.as_deref().is_none_or(|d| d.trim().is_empty()) {
            undocumented.push(what);
        }
        if let Item::Typedef(t) = item {
            let fields = match &t.spec.kind {
                TypeKind::Struct(s) => s
                    .fields
                    .iter()
                    .flatten()
                    .map(|f| (f.name.as_ref().map(|n| n.name.clone()), &f.doc))
                    .collect::<Vec<_>>(),
                TypeKind::Enum(e) => e
                    .enumerators
                    .iter()
                    .flatten()
                    .map(|x| (Some(x.name.name.clone()), &x.doc))
                    .collect(),
                _ => Vec::new(),
            };
            for (name, doc) in fields {
                if doc.as_deref().is_none_or(|d| d.trim().is_empty()) {
                    undocumented.push(name.unwrap_or_default());
                }
            }
        }
    }
    assert!(undocumented.is_empty(), "undocumented: {undocumented:?}");
}

/// Fails under CI, otherwise prints why a cross-check did not run.
fn tool_missing(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is missing (install wine64-tools and mingw-w64)");
    }
    eprintln!("NOT RUN: {what} is missing");
}

/// Declarations whose sizes encode the facts of a `mobsync.h`: struct sizes and field
/// offsets, vtable slot offsets, enumerator and constant values.
const LAYOUT_PROBE: &str = r#"
#include <windows.h>
#include <stddef.h>
#include MOBSYNC_HEADER
#define SZ(t) char sz_##t[sizeof(t)];
#define OFF(t, f) char off_##t##_##f[offsetof(t, f) + 1];
#define VT(i, m) char vt_##i##_##m[offsetof(i##Vtbl, m) + 1];
#define VAL(x) char val_##x[(x) + 1];
SZ(SYNCMGRHANDLERINFO) OFF(SYNCMGRHANDLERINFO, hIcon) OFF(SYNCMGRHANDLERINFO, SyncMgrHandlerFlags)
OFF(SYNCMGRHANDLERINFO, wszHandlerName)
SZ(SYNCMGRPROGRESSITEM) OFF(SYNCMGRPROGRESSITEM, mask) OFF(SYNCMGRPROGRESSITEM, lpcStatusText)
OFF(SYNCMGRPROGRESSITEM, dwStatusType) OFF(SYNCMGRPROGRESSITEM, iProgValue)
OFF(SYNCMGRPROGRESSITEM, iMaxValue)
SZ(SYNCMGRLOGERRORINFO) OFF(SYNCMGRLOGERRORINFO, mask) OFF(SYNCMGRLOGERRORINFO, dwSyncMgrErrorFlags)
OFF(SYNCMGRLOGERRORINFO, ErrorID) OFF(SYNCMGRLOGERRORINFO, ItemID)
SZ(SYNCMGRITEM) OFF(SYNCMGRITEM, dwFlags) OFF(SYNCMGRITEM, ItemID) OFF(SYNCMGRITEM, dwItemState)
OFF(SYNCMGRITEM, hIcon) OFF(SYNCMGRITEM, wszItemName) OFF(SYNCMGRITEM, ftLastUpdate)
VT(ISyncMgrSynchronize, Initialize) VT(ISyncMgrSynchronize, GetHandlerInfo)
VT(ISyncMgrSynchronize, EnumSyncMgrItems) VT(ISyncMgrSynchronize, GetItemObject)
VT(ISyncMgrSynchronize, ShowProperties) VT(ISyncMgrSynchronize, SetProgressCallback)
VT(ISyncMgrSynchronize, PrepareForSync) VT(ISyncMgrSynchronize, Synchronize)
VT(ISyncMgrSynchronize, SetItemStatus) VT(ISyncMgrSynchronize, ShowError)
SZ(ISyncMgrSynchronizeVtbl)
VT(ISyncMgrSynchronizeCallback, ShowPropertiesCompleted)
VT(ISyncMgrSynchronizeCallback, PrepareForSyncCompleted)
VT(ISyncMgrSynchronizeCallback, SynchronizeCompleted)
VT(ISyncMgrSynchronizeCallback, ShowErrorCompleted)
VT(ISyncMgrSynchronizeCallback, EnableModeless) VT(ISyncMgrSynchronizeCallback, Progress)
VT(ISyncMgrSynchronizeCallback, LogError) VT(ISyncMgrSynchronizeCallback, DeleteLogError)
VT(ISyncMgrSynchronizeCallback, EstablishConnection) SZ(ISyncMgrSynchronizeCallbackVtbl)
VT(ISyncMgrEnumItems, Next) VT(ISyncMgrEnumItems, Skip) VT(ISyncMgrEnumItems, Reset)
VT(ISyncMgrEnumItems, Clone) SZ(ISyncMgrEnumItemsVtbl)
VT(ISyncMgrSynchronizeInvoke, UpdateItems) VT(ISyncMgrSynchronizeInvoke, UpdateAll)
SZ(ISyncMgrSynchronizeInvokeVtbl)
VT(ISyncMgrRegister, RegisterSyncMgrHandler) VT(ISyncMgrRegister, UnregisterSyncMgrHandler)
VT(ISyncMgrRegister, GetHandlerRegistrationInfo) SZ(ISyncMgrRegisterVtbl)
VAL(SYNCMGRFLAG_CONNECT) VAL(SYNCMGRFLAG_PENDINGDISCONNECT) VAL(SYNCMGRFLAG_MANUAL)
VAL(SYNCMGRFLAG_IDLE) VAL(SYNCMGRFLAG_INVOKE) VAL(SYNCMGRFLAG_SCHEDULED)
VAL(SYNCMGRFLAG_EVENTMASK) VAL(SYNCMGRFLAG_SETTINGS) VAL(SYNCMGRFLAG_MAYBOTHERUSER)
VAL(MAX_SYNCMGRHANDLERNAME) VAL(SYNCMGRHANDLERFLAG_MASK) VAL(SYNCMGRHANDLER_HASPROPERTIES)
VAL(SYNCMGRHANDLER_MAYESTABLISHCONNECTION) VAL(SYNCMGRHANDLER_ALWAYSLISTHANDLER)
VAL(SYNCMGRITEMSTATE_UNCHECKED) VAL(SYNCMGRITEMSTATE_CHECKED)
VAL(SYNCMGRSTATUS_STOPPED) VAL(SYNCMGRSTATUS_SKIPPED) VAL(SYNCMGRSTATUS_PENDING)
VAL(SYNCMGRSTATUS_UPDATING) VAL(SYNCMGRSTATUS_SUCCEEDED) VAL(SYNCMGRSTATUS_FAILED)
VAL(SYNCMGRSTATUS_PAUSED) VAL(SYNCMGRSTATUS_RESUMING) VAL(SYNCMGRSTATUS_DELETED)
VAL(SYNCMGRPROGRESSITEM_STATUSTEXT) VAL(SYNCMGRPROGRESSITEM_STATUSTYPE)
VAL(SYNCMGRPROGRESSITEM_PROGVALUE) VAL(SYNCMGRPROGRESSITEM_MAXVALUE)
VAL(SYNCMGRLOGLEVEL_INFORMATION) VAL(SYNCMGRLOGLEVEL_WARNING) VAL(SYNCMGRLOGLEVEL_ERROR)
VAL(SYNCMGRLOGERROR_ERRORFLAGS) VAL(SYNCMGRLOGERROR_ERRORID) VAL(SYNCMGRLOGERROR_ITEMID)
VAL(SYNCMGRERRORFLAG_ENABLEJUMPTEXT) VAL(SYNCMGRITEM_ITEMFLAGMASK) VAL(MAX_SYNCMGRITEMNAME)
VAL(SYNCMGRITEM_HASPROPERTIES) VAL(SYNCMGRITEM_TEMPORARY) VAL(SYNCMGRITEM_ROAMINGUSER)
VAL(SYNCMGRITEM_LASTUPDATETIME) VAL(SYNCMGRITEM_MAYDELETEITEM)
VAL(SYNCMGRINVOKE_STARTSYNC) VAL(SYNCMGRINVOKE_MINIMIZED) VAL(SYNCMGRREGISTERFLAGS_MASK)
VAL(SYNCMGRREGISTERFLAG_CONNECT) VAL(SYNCMGRREGISTERFLAG_PENDINGDISCONNECT)
VAL(SYNCMGRREGISTERFLAG_IDLE)
VAL(S_SYNCMGR_MISSINGITEMS) VAL(S_SYNCMGR_RETRYSYNC) VAL(S_SYNCMGR_CANCELITEM)
VAL(S_SYNCMGR_CANCELALL) VAL(S_SYNCMGR_ITEMDELETED) VAL(S_SYNCMGR_ENUMITEMS)
"#;

/// Compiles the probe against `header` for Windows x64 to assembly and returns
/// `symbol -> size` (PE objects carry no symbol sizes, the `.space` directives do).
fn probe_layout(
    dir: &std::path::Path,
    name: &str,
    header: &str,
) -> Result<HashMap<String, u64>, String> {
    use std::process::Command;
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, LAYOUT_PROBE).map_err(|e| e.to_string())?;
    let out = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-S", "-fno-common", "-Wall", "-o", "-"])
        .arg(format!("-DMOBSYNC_HEADER={header}"))
        .arg("-I")
        .arg(dir)
        .arg(&src)
        .output()
        .map_err(|e| format!("cannot run x86_64-w64-mingw32-gcc: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "compiling against {header} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let asm = String::from_utf8_lossy(&out.stdout);
    let mut sizes = HashMap::new();
    let mut label: Option<&str> = None;
    for line in asm.lines() {
        if let Some(sym) = line.strip_suffix(':')
            && !sym.starts_with(['.', '\t', ' '])
        {
            label = Some(sym);
        } else if let (Some(sym), Some(n)) = (label, line.trim().strip_prefix(".space ")) {
            let n = n
                .trim()
                .parse::<u64>()
                .map_err(|e| format!("{line}: {e}"))?;
            sizes.insert(sym.to_string(), n);
            label = None;
        }
    }
    Ok(sizes)
}

#[test]
fn widl_header_of_mobsync_idl_has_the_sdk_layout() {
    // Wine's MIDL compiler turns idl/mobsync.idl (with our own base files) into a C header; a
    // probe compiled for Windows x64 against it and against the SDK header must give the same
    // struct sizes, field offsets, vtable slots and values. Nothing is run, only compiled.
    let manifest = env!("CARGO_MANIFEST_DIR");
    let widl = std::env::var("WIDL").unwrap_or_else(|_| "widl-stable".into());
    let sdk = std::path::Path::new("/usr/share/mingw-w64/include/mobsync.h");
    let dir = std::env::temp_dir().join(format!("mobsync-facts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let generated = dir.join("gen_mobsync.h");
    // Never `-o /dev/null`: widl deletes its output file when the input has errors.
    let status = std::process::Command::new(&widl)
        .args(["-h", "-o"])
        .arg(&generated)
        .arg("-I")
        .arg(format!("{manifest}/include"))
        .arg(format!("{manifest}/mobsync.idl"))
        .status();
    match status {
        Ok(s) => assert!(s.success(), "widl rejected idl/mobsync.idl"),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return tool_missing(&format!("{widl} ({e})"));
        }
    }
    if !sdk.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        return tool_missing("the mingw-w64 mobsync.h");
    }
    let ours = probe_layout(&dir, "ours", "\"gen_mobsync.h\"");
    let theirs = probe_layout(&dir, "sdk", "<mobsync.h>");
    let _ = std::fs::remove_dir_all(&dir);
    let (ours, theirs) = match (ours, theirs) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) if e.starts_with("cannot run") => return tool_missing(&e),
        (Err(e), _) | (_, Err(e)) => panic!("{e}"),
    };
    assert_eq!(theirs.len(), 110, "probe symbols: {theirs:?}");
    let mut diffs: Vec<String> = theirs
        .iter()
        .filter(|(sym, size)| ours.get(*sym) != Some(size))
        .map(|(sym, size)| format!("{sym}: SDK {size}, ours {:?}", ours.get(sym)))
        .collect();
    diffs.sort();
    assert!(
        diffs.is_empty(),
        "layout differences:\n{}",
        diffs.join("\n")
    );
    // Spot checks of the numbers themselves (x64): sizeof(SYNCMGRITEM) and a vtable.
    assert_eq!(theirs["sz_SYNCMGRITEM"], 304);
    assert_eq!(theirs["sz_ISyncMgrSynchronizeVtbl"], 13 * 8);
}
