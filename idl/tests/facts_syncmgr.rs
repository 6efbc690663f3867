//! `idl/syncmgr.idl` states the facts of the Windows SDK's `syncmgr.h` (Sync Center).
//!
//! Every expected value below is typed from published facts, none is derived from our own IDL
//! or model: the interface identifiers, base interfaces, vtable order, enumerator values,
//! structure fields and the `SYNCMGR_OBJECTID_*` and class identifiers from the `windows`
//! crate 0.62 (`Win32::UI::Shell`, which is generated from Microsoft's metadata), the
//! parameter names from the SDK's syncmgr.h prototypes, and the success codes and optional
//! methods from the reference documentation of each method.
//!
//! `syncmgr.idl` imports the real Windows IDL files (`shobjidl.idl` ...); Wine's copies (Debian's
//! `libwine-dev`) serve, found under `MOBSYNC_WINE_IDL` (default `/usr/include/wine/wine`), as
//! the corpus test does. Without them the tests print why they did nothing; when the
//! environment variable `CI` is set they fail instead. The C check also needs Wine's compiler
//! (`widl-stable`, or `WIDL`) and mingw-w64.

use std::path::PathBuf;
use std::sync::OnceLock;

use mobsync_idl::model::{
    AttrArg, ConstValue, HasAttributes, Interface, Item, StructType, Type, TypeKind,
};
use mobsync_idl::{Compilation, Options, load};

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

fn wine_root() -> PathBuf {
    mobsync_idl::wine_idl_root()
}

fn syncmgr_idl() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("syncmgr.idl")
}

/// Handles a missing prerequisite: fails under CI, otherwise says why the test did nothing.
fn missing(what: &str) {
    let msg = format!(
        "{what} is missing: install Debian's libwine-dev, wine64-tools and mingw-w64 \
         (the `.ci/run` script does)"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("NOT RUN: {msg}");
}

/// The checked compilation of `idl/syncmgr.idl` against Wine's IDL files; `None` when they
/// are not installed.
fn compilation() -> Option<&'static Compilation> {
    static COMPILATION: OnceLock<Option<Compilation>> = OnceLock::new();
    COMPILATION
        .get_or_init(|| {
            let root = wine_root();
            if !root.join("windows").join("shobjidl.idl").is_file() {
                return None;
            }
            let opts = Options {
                include_dirs: vec![root.join("windows"), root],
                ..Options::default()
            };
            match load(&[syncmgr_idl()], &opts) {
                Ok(c) => Some(c),
                Err(diags) => panic!("idl/syncmgr.idl does not load:\n{diags}"),
            }
        })
        .as_ref()
}

/// Runs `check` on the compilation, or reports that Wine's IDL files are missing.
fn with_compilation(check: impl FnOnce(&'static Compilation)) {
    match compilation() {
        Some(c) => check(c),
        None => missing(&format!(
            "the Wine IDL files ({}/windows/shobjidl.idl)",
            wine_root().display()
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Walking the model
// ---------------------------------------------------------------------------------------

/// Every item of syncmgr.idl, interface bodies included, in order.
fn all_items(c: &'static Compilation) -> Vec<&'static Item> {
    fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
        for item in items {
            out.push(item);
            if let Item::Interface(i) = item {
                walk(&i.items, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&c.root().items, &mut out);
    out
}

fn interface(c: &'static Compilation, name: &str) -> &'static Interface {
    c.root()
        .items
        .iter()
        .find_map(|i| match i {
            Item::Interface(x) if x.name.name == name => Some(&**x),
            _ => None,
        })
        .unwrap_or_else(|| panic!("interface {name} not found"))
}

/// The type a typedef gives `name`, with the typedef's specifier.
fn typedef(c: &'static Compilation, name: &str) -> (&'static Type, &'static Type) {
    all_items(c)
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

/// C spelling of a type (`const SYNCMGR_CONFLICT_ID_INFO *`).
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

/// The value of a `custom(guid, "...")` attribute of a method, if present.
fn custom(f: &mobsync_idl::model::Function, guid: u128) -> Option<String> {
    f.attrs().iter().find_map(|a| {
        if a.name() != "custom" {
            return None;
        }
        match a.args() {
            [AttrArg::Uuid(u), value] if u.value.is_some_and(|g| g.to_u128() == guid) => {
                Some(value.as_str().expect("string value").to_string())
            }
            _ => None,
        }
    })
}

/// `custom(...)` GUID of the success codes a method is documented to return.
const SUCCESS_CODES: u128 = 0x5A2B5787_68ED_42BD_BEDD_312CC5FE3B52;
/// `custom(...)` GUID of an optional method, with the HRESULT it then returns.
const OPTIONAL: u128 = 0xDCA7B294_D51F_457E_8478_F118F5412513;

// ---------------------------------------------------------------------------------------
// Interfaces
// ---------------------------------------------------------------------------------------

/// `(interface, IID, base, local)`, in the order of syncmgr.h. IIDs and bases as the
/// `windows` crate's `define_interface!` / `interface_hierarchy!` give them; `local` for the two
/// interfaces whose prototypes in syncmgr.h carry no marshalling annotations.
const INTERFACES: [(&str, u128, &str, bool); 26] = [
    (
        "ISyncMgrHandlerCollection",
        0xa7f337a3_d20b_45cb_9ed7_87d094ca5045,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrHandler",
        0x04ec2e43_ac77_49f9_9b98_0307ef7a72a2,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrHandlerInfo",
        0x4ff1d798_ecf7_4524_aa81_1e362a0aef3a,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrSyncItemContainer",
        0x90701133_be32_4129_a65c_99e616cafff4,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrSyncItem",
        0xb20b24ce_2593_4f04_bd8b_7ad6c45051cd,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrSyncItemInfo",
        0xe7fd9502_be0c_4464_90a1_2b5277031232,
        "IUnknown",
        false,
    ),
    (
        "IEnumSyncMgrSyncItems",
        0x54b3abf3_f085_4181_b546_e29c403c726b,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrSessionCreator",
        0x17f48517_f305_4321_a08d_b25a834918fd,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrSyncCallback",
        0x884ccd87_b139_4937_a4ba_4f8e19513fbe,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrUIOperation",
        0xfc7cfa47_dfe1_45b5_a049_8cfd82bec271,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrEventLinkUIOperation",
        0x64522e52_848b_4015_89ce_5a36f00b94ff,
        "ISyncMgrUIOperation",
        false,
    ),
    (
        "ISyncMgrScheduleWizardUIOperation",
        0x459a6c84_21d2_4ddc_8a53_f023a46066f2,
        "ISyncMgrUIOperation",
        false,
    ),
    (
        "ISyncMgrSyncResult",
        0x2b90f17e_5a3e_4b33_bb7f_1bc48056b94d,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrControl",
        0x9b63616c_36b2_46bc_959f_c1593952d19b,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrEventStore",
        0x37e412f9_016e_44c2_81ff_db3add774266,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrEvent",
        0xfee0ef8b_46bd_4db4_b7e6_ff2c687313bc,
        "IUnknown",
        false,
    ),
    (
        "IEnumSyncMgrEvents",
        0xc81a1d4e_8cf7_4683_80e0_bcae88d677b6,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrConflictStore",
        0xcf8fc579_c396_4774_85f1_d908a831156e,
        "IUnknown",
        false,
    ),
    (
        "IEnumSyncMgrConflict",
        0x82705914_dda3_4893_ba99_49de6c8c8036,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrConflict",
        0x9c204249_c443_4ba4_85ed_c972681db137,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrResolutionHandler",
        0x40a3d052_8bff_4c4b_a338_d4a395700de9,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrConflictPresenter",
        0x0b4f5353_fd2b_42cd_8763_4779f2d508a3,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrConflictResolveInfo",
        0xc405a219_25a2_442e_8743_b845a2cee93f,
        "IUnknown",
        true,
    ),
    (
        "ISyncMgrConflictFolder",
        0x59287f5e_bc81_4fca_a7f1_e5a8ecdb1d69,
        "IUnknown",
        true,
    ),
    (
        "ISyncMgrConflictItems",
        0x9c7ead52_8023_4936_a4db_d2a9a99e436a,
        "IUnknown",
        false,
    ),
    (
        "ISyncMgrConflictResolutionItems",
        0x458725b9_129d_4135_a998_9ceafec27007,
        "IUnknown",
        false,
    ),
];

#[test]
fn interfaces_are_defined_in_the_order_of_syncmgr_h() {
    with_compilation(|c| {
        let defined: Vec<&str> = c
            .root()
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Interface(x) => Some(x.name.name.as_str()),
                _ => None,
            })
            .collect();
        let expected: Vec<&str> = INTERFACES.iter().map(|i| i.0).collect();
        assert_eq!(defined, expected);
    });
}

#[test]
fn interface_identifiers_bases_and_locality() {
    with_compilation(|c| {
        for (name, iid, base, local) in INTERFACES {
            let i = interface(c, name);
            let uuid = i.uuid().unwrap_or_else(|| panic!("{name}: no uuid"));
            assert_eq!(uuid.to_u128(), iid, "{name}: IID {uuid}");
            assert_eq!(i.base_name(), Some(base), "{name}: base");
            assert!(i.has_attr("object"), "{name}: object");
            assert_eq!(i.has_attr("local"), local, "{name}: local");
        }
    });
}

/// `(interface, [(method, parameter names)])`: the vtable order of the `windows` crate's
/// `*_Vtbl` structs (after the base's slots), the parameter names of syncmgr.h's prototypes.
const METHODS: [(&str, &[(&str, &str)]); 26] = [
    (
        "ISyncMgrHandlerCollection",
        &[
            ("GetHandlerEnumerator", "ppenum"),
            ("BindToHandler", "pszHandlerID riid ppv"),
        ],
    ),
    (
        "ISyncMgrHandler",
        &[
            ("GetName", "ppszName"),
            ("GetHandlerInfo", "ppHandlerInfo"),
            ("GetObject", "rguidObjectID riid ppv"),
            ("GetCapabilities", "pmCapabilities"),
            ("GetPolicies", "pmPolicies"),
            ("Activate", "fActivate"),
            ("Enable", "fEnable"),
            (
                "Synchronize",
                "ppszItemIDs cItems hwndOwner pSessionCreator punk",
            ),
        ],
    ),
    (
        "ISyncMgrHandlerInfo",
        &[
            ("GetType", "pnType"),
            ("GetTypeLabel", "ppszTypeLabel"),
            ("GetComment", "ppszComment"),
            ("GetLastSyncTime", "pftLastSync"),
            ("IsActive", ""),
            ("IsEnabled", ""),
            ("IsConnected", ""),
        ],
    ),
    (
        "ISyncMgrSyncItemContainer",
        &[
            ("GetSyncItem", "pszItemID ppItem"),
            ("GetSyncItemEnumerator", "ppenum"),
            ("GetSyncItemCount", "pcItems"),
        ],
    ),
    (
        "ISyncMgrSyncItem",
        &[
            ("GetItemID", "ppszItemID"),
            ("GetName", "ppszName"),
            ("GetItemInfo", "ppItemInfo"),
            ("GetObject", "rguidObjectID riid ppv"),
            ("GetCapabilities", "pmCapabilities"),
            ("GetPolicies", "pmPolicies"),
            ("Enable", "fEnable"),
            ("Delete", ""),
        ],
    ),
    (
        "ISyncMgrSyncItemInfo",
        &[
            ("GetTypeLabel", "ppszTypeLabel"),
            ("GetComment", "ppszComment"),
            ("GetLastSyncTime", "pftLastSync"),
            ("IsEnabled", ""),
            ("IsConnected", ""),
        ],
    ),
    (
        "IEnumSyncMgrSyncItems",
        &[
            ("Next", "celt rgelt pceltFetched"),
            ("Skip", "celt"),
            ("Reset", ""),
            ("Clone", "ppenum"),
        ],
    ),
    (
        "ISyncMgrSessionCreator",
        &[(
            "CreateSession",
            "pszHandlerID ppszItemIDs cItems ppCallback",
        )],
    ),
    (
        "ISyncMgrSyncCallback",
        &[
            (
                "ReportProgress",
                "pszItemID pszProgressText nStatus uCurrentStep uMaxStep pnCancelRequest",
            ),
            ("SetHandlerProgressText", "pszProgressText pnCancelRequest"),
            (
                "ReportEvent",
                "pszItemID nLevel nFlags pszName pszDescription pszLinkText pszLinkReference \
                 pszContext pguidEventID",
            ),
            ("CanContinue", "pszItemID"),
            ("QueryForAdditionalItems", "ppenumItemIDs ppenumPunks"),
            ("AddItemToSession", "pszItemID"),
            ("AddIUnknownToSession", "punk"),
            ("ProposeItem", "pNewItem"),
            ("CommitItem", "pszItemID"),
            ("ReportManualSync", ""),
        ],
    ),
    ("ISyncMgrUIOperation", &[("Run", "hwndOwner")]),
    (
        "ISyncMgrEventLinkUIOperation",
        &[("Init", "rguidEventID pEvent")],
    ),
    (
        "ISyncMgrScheduleWizardUIOperation",
        &[("InitWizard", "pszHandlerID")],
    ),
    (
        "ISyncMgrSyncResult",
        &[("Result", "nStatus cError cConflicts")],
    ),
    (
        "ISyncMgrControl",
        &[
            (
                "StartHandlerSync",
                "pszHandlerID hwndOwner punk nSyncControlFlags pResult",
            ),
            (
                "StartItemSync",
                "pszHandlerID ppszItemIDs cItems hwndOwner punk nSyncControlFlags pResult",
            ),
            ("StartSyncAll", "hwndOwner"),
            ("StopHandlerSync", "pszHandlerID"),
            ("StopItemSync", "pszHandlerID ppszItemIDs cItems"),
            ("StopSyncAll", ""),
            (
                "UpdateHandlerCollection",
                "rclsidCollectionID nControlFlags",
            ),
            ("UpdateHandler", "pszHandlerID nControlFlags"),
            ("UpdateItem", "pszHandlerID pszItemID nControlFlags"),
            ("UpdateEvents", "pszHandlerID pszItemID nControlFlags"),
            ("UpdateConflict", "pszHandlerID pszItemID pConflict nReason"),
            ("UpdateConflicts", "pszHandlerID pszItemID nControlFlags"),
            (
                "ActivateHandler",
                "fActivate pszHandlerID hwndOwner nControlFlags",
            ),
            (
                "EnableHandler",
                "fEnable pszHandlerID hwndOwner nControlFlags",
            ),
            (
                "EnableItem",
                "fEnable pszHandlerID pszItemID hwndOwner nControlFlags",
            ),
        ],
    ),
    (
        "ISyncMgrEventStore",
        &[
            ("GetEventEnumerator", "ppenum"),
            ("GetEventCount", "pcEvents"),
            ("GetEvent", "rguidEventID ppEvent"),
            ("RemoveEvent", "pguidEventIDs cEvents"),
        ],
    ),
    (
        "ISyncMgrEvent",
        &[
            ("GetEventID", "pguidEventID"),
            ("GetHandlerID", "ppszHandlerID"),
            ("GetItemID", "ppszItemID"),
            ("GetLevel", "pnLevel"),
            ("GetFlags", "pnFlags"),
            ("GetTime", "pfCreationTime"),
            ("GetName", "ppszName"),
            ("GetDescription", "ppszDescription"),
            ("GetLinkText", "ppszLinkText"),
            ("GetLinkReference", "ppszLinkReference"),
            ("GetContext", "ppszContext"),
        ],
    ),
    (
        "IEnumSyncMgrEvents",
        &[
            ("Next", "celt rgelt pceltFetched"),
            ("Skip", "celt"),
            ("Reset", ""),
            ("Clone", "ppenum"),
        ],
    ),
    (
        "ISyncMgrConflictStore",
        &[
            ("EnumConflicts", "pszHandlerID pszItemID ppEnum"),
            ("BindToConflict", "pConflictIdInfo riid ppv"),
            ("RemoveConflicts", "rgConflictIdInfo cConflicts"),
            ("GetCount", "pszHandlerID pszItemID pnConflicts"),
        ],
    ),
    (
        "IEnumSyncMgrConflict",
        &[
            ("Next", "celt rgelt pceltFetched"),
            ("Skip", "celt"),
            ("Reset", ""),
            ("Clone", "ppenum"),
        ],
    ),
    (
        "ISyncMgrConflict",
        &[
            ("GetProperty", "propkey ppropvar"),
            ("GetConflictIdInfo", "pConflictIdInfo"),
            ("GetItemsArray", "ppArray"),
            ("Resolve", "pResolveInfo"),
            ("GetResolutionHandler", "riid ppvResolutionHandler"),
        ],
    ),
    (
        "ISyncMgrResolutionHandler",
        &[
            ("QueryAbilities", "pdwAbilities"),
            ("KeepOther", "psiOther pFeedback"),
            ("KeepRecent", "pFeedback"),
            ("RemoveFromSyncSet", "pFeedback"),
            ("KeepItems", "pArray pFeedback"),
        ],
    ),
    (
        "ISyncMgrConflictPresenter",
        &[("PresentConflict", "pConflict pResolveInfo")],
    ),
    (
        "ISyncMgrConflictResolveInfo",
        &[
            (
                "GetIterationInfo",
                "pnCurrentConflict pcConflicts pcRemainingForApplyToAll",
            ),
            ("GetPresenterNextStep", "pnPresenterNextStep"),
            ("GetPresenterChoice", "pnPresenterChoice pfApplyToAll"),
            ("GetItemChoiceCount", "pcChoices"),
            ("GetItemChoice", "iChoice piChoiceIndex"),
            ("SetPresenterNextStep", "nPresenterNextStep"),
            ("SetPresenterChoice", "nPresenterChoice fApplyToAll"),
            ("SetItemChoices", "prgiConflictItemIndexes cChoices"),
        ],
    ),
    (
        "ISyncMgrConflictFolder",
        &[("GetConflictIDList", "pConflict ppidlConflict")],
    ),
    (
        "ISyncMgrConflictItems",
        &[("GetCount", "pCount"), ("GetItem", "iIndex pItemInfo")],
    ),
    (
        "ISyncMgrConflictResolutionItems",
        &[("GetCount", "pCount"), ("GetItem", "iIndex pItemInfo")],
    ),
];

#[test]
fn methods_in_vtable_order_with_their_parameters() {
    with_compilation(|c| {
        let mut total = 0;
        for (name, expected) in METHODS {
            let got: Vec<(String, String)> = interface(c, name)
                .methods()
                .map(|m| {
                    let params: Vec<&str> = m
                        .params
                        .iter()
                        .map(|p| p.name.as_ref().map_or("", |n| n.name.as_str()))
                        .collect();
                    (m.name.name.clone(), params.join(" "))
                })
                .collect();
            let want: Vec<(String, String)> = expected
                .iter()
                .map(|(m, p)| (m.to_string(), p.to_string()))
                .collect();
            assert_eq!(got, want, "{name}");
            assert!(
                interface(c, name)
                    .methods()
                    .all(|m| c_type(&m.ret) == "HRESULT"),
                "{name}: every method returns HRESULT"
            );
            total += got.len();
        }
        assert_eq!(total, 118);
        let names: Vec<&str> = METHODS.iter().map(|m| m.0).collect();
        let order: Vec<&str> = INTERFACES.iter().map(|i| i.0).collect();
        assert_eq!(
            names, order,
            "this test's two tables list the same interfaces"
        );
    });
}

#[test]
fn parameter_types_that_carry_the_abi() {
    // Spot checks of the C types of syncmgr.h's prototypes where our IDL could plausibly
    // differ: string arrays, the conflict identifier, the enum-typed flags, BOOL and UINT.
    let expected = [
        ("ISyncMgrHandler", "Synchronize", "ppszItemIDs", "LPCWSTR *"),
        ("ISyncMgrHandler", "Synchronize", "cItems", "ULONG"),
        ("ISyncMgrHandler", "Synchronize", "hwndOwner", "HWND"),
        ("ISyncMgrHandler", "Activate", "fActivate", "BOOL"),
        ("ISyncMgrHandler", "GetObject", "rguidObjectID", "REFGUID"),
        ("ISyncMgrHandler", "GetObject", "ppv", "void **"),
        ("ISyncMgrHandler", "GetName", "ppszName", "LPWSTR *"),
        (
            "ISyncMgrHandler",
            "GetCapabilities",
            "pmCapabilities",
            "SYNCMGR_HANDLER_CAPABILITIES *",
        ),
        (
            "ISyncMgrHandlerCollection",
            "GetHandlerEnumerator",
            "ppenum",
            "IEnumString **",
        ),
        (
            "ISyncMgrSyncCallback",
            "ReportProgress",
            "pnCancelRequest",
            "SYNCMGR_CANCEL_REQUEST *",
        ),
        (
            "ISyncMgrSyncCallback",
            "QueryForAdditionalItems",
            "ppenumPunks",
            "IEnumUnknown **",
        ),
        (
            "ISyncMgrSyncCallback",
            "ReportEvent",
            "pguidEventID",
            "GUID *",
        ),
        ("ISyncMgrSyncResult", "Result", "cError", "UINT"),
        (
            "ISyncMgrControl",
            "UpdateHandlerCollection",
            "rclsidCollectionID",
            "REFCLSID",
        ),
        (
            "ISyncMgrControl",
            "StartItemSync",
            "nSyncControlFlags",
            "SYNCMGR_SYNC_CONTROL_FLAGS",
        ),
        (
            "ISyncMgrEventStore",
            "RemoveEvent",
            "pguidEventIDs",
            "GUID *",
        ),
        ("ISyncMgrEvent", "GetTime", "pfCreationTime", "FILETIME *"),
        (
            "ISyncMgrConflictStore",
            "BindToConflict",
            "pConflictIdInfo",
            "const SYNCMGR_CONFLICT_ID_INFO *",
        ),
        (
            "ISyncMgrConflictStore",
            "RemoveConflicts",
            "cConflicts",
            "DWORD",
        ),
        (
            "ISyncMgrConflict",
            "GetProperty",
            "propkey",
            "REFPROPERTYKEY",
        ),
        (
            "ISyncMgrConflict",
            "GetProperty",
            "ppropvar",
            "PROPVARIANT *",
        ),
        (
            "ISyncMgrResolutionHandler",
            "QueryAbilities",
            "pdwAbilities",
            "SYNCMGR_RESOLUTION_ABILITIES_FLAGS *",
        ),
        (
            "ISyncMgrResolutionHandler",
            "KeepOther",
            "psiOther",
            "IShellItem *",
        ),
        (
            "ISyncMgrConflictResolveInfo",
            "SetItemChoices",
            "prgiConflictItemIndexes",
            "UINT *",
        ),
        (
            "ISyncMgrConflictResolveInfo",
            "GetPresenterChoice",
            "pfApplyToAll",
            "BOOL *",
        ),
        (
            "ISyncMgrConflictFolder",
            "GetConflictIDList",
            "ppidlConflict",
            "PIDLIST_RELATIVE *",
        ),
        (
            "ISyncMgrConflictItems",
            "GetItem",
            "pItemInfo",
            "CONFIRM_CONFLICT_ITEM *",
        ),
    ];
    with_compilation(|c| {
        for (iface, method, param, ty) in expected {
            let m = interface(c, iface)
                .methods()
                .find(|m| m.name.name == method)
                .unwrap_or_else(|| panic!("{iface}::{method} not found"));
            let p = m
                .params
                .iter()
                .find(|p| p.name.as_ref().is_some_and(|n| n.name == param))
                .unwrap_or_else(|| panic!("{iface}::{method}: no parameter {param}"));
            assert_eq!(c_type(&p.ty), ty, "{iface}::{method}({param})");
        }
    });
}

// ---------------------------------------------------------------------------------------
// Method contracts
// ---------------------------------------------------------------------------------------

#[test]
fn method_contracts_follow_the_documentation() {
    // (interface, method, documented success codes, HRESULT of an unimplemented method).
    // Enumerators follow the IEnumXxx contract (S_FALSE when fewer elements were left).
    let expected: [(&str, &str, Option<&str>, Option<&str>); 23] = [
        ("ISyncMgrHandler", "GetObject", None, Some("E_NOTIMPL")),
        ("ISyncMgrHandler", "Activate", None, Some("E_NOTIMPL")),
        ("ISyncMgrHandler", "Enable", None, Some("E_NOTIMPL")),
        (
            "ISyncMgrHandlerInfo",
            "IsActive",
            Some("S_OK S_FALSE"),
            Some("E_NOTIMPL"),
        ),
        (
            "ISyncMgrHandlerInfo",
            "IsEnabled",
            Some("S_OK S_FALSE"),
            Some("E_NOTIMPL"),
        ),
        (
            "ISyncMgrHandlerInfo",
            "IsConnected",
            Some("S_OK S_FALSE"),
            None,
        ),
        ("ISyncMgrSyncItem", "GetObject", None, Some("E_INVALIDARG")),
        ("ISyncMgrSyncItem", "Enable", None, Some("E_NOTIMPL")),
        ("ISyncMgrSyncItem", "Delete", None, Some("E_NOTIMPL")),
        (
            "ISyncMgrSyncItemInfo",
            "IsEnabled",
            Some("S_OK S_FALSE"),
            Some("E_NOTIMPL"),
        ),
        (
            "ISyncMgrSyncItemInfo",
            "IsConnected",
            Some("S_OK S_FALSE"),
            None,
        ),
        ("IEnumSyncMgrSyncItems", "Next", Some("S_OK S_FALSE"), None),
        ("IEnumSyncMgrSyncItems", "Skip", Some("S_OK S_FALSE"), None),
        (
            "ISyncMgrSyncCallback",
            "CanContinue",
            Some("S_OK S_FALSE"),
            None,
        ),
        (
            "ISyncMgrSyncCallback",
            "QueryForAdditionalItems",
            Some("S_OK S_FALSE"),
            None,
        ),
        ("ISyncMgrUIOperation", "Run", Some("S_OK S_FALSE"), None),
        ("IEnumSyncMgrEvents", "Next", Some("S_OK S_FALSE"), None),
        ("IEnumSyncMgrEvents", "Skip", Some("S_OK S_FALSE"), None),
        ("IEnumSyncMgrConflict", "Next", Some("S_OK S_FALSE"), None),
        ("IEnumSyncMgrConflict", "Skip", Some("S_OK S_FALSE"), None),
        ("ISyncMgrHandler", "Synchronize", None, None),
        ("ISyncMgrSyncCallback", "ReportProgress", None, None),
        ("ISyncMgrResolutionHandler", "KeepItems", None, None),
    ];
    with_compilation(|c| {
        let mut marked = Vec::new();
        for (iface, _) in METHODS {
            for m in interface(c, iface).methods() {
                if custom(m, SUCCESS_CODES).is_some() || custom(m, OPTIONAL).is_some() {
                    marked.push(format!("{iface}::{}", m.name.name));
                }
            }
        }
        for (iface, method, codes, optional) in expected {
            let m = interface(c, iface)
                .methods()
                .find(|m| m.name.name == method)
                .unwrap_or_else(|| panic!("{iface}::{method} not found"));
            assert_eq!(
                custom(m, SUCCESS_CODES).as_deref(),
                codes,
                "{iface}::{method}: success codes"
            );
            assert_eq!(
                custom(m, OPTIONAL).as_deref(),
                optional,
                "{iface}::{method}: optional"
            );
        }
        // Only the methods listed above carry contract attributes.
        let listed: Vec<String> = expected
            .iter()
            .filter(|e| e.2.is_some() || e.3.is_some())
            .map(|e| format!("{}::{}", e.0, e.1))
            .collect();
        marked.sort();
        let mut listed_sorted = listed.clone();
        listed_sorted.sort();
        assert_eq!(marked, listed_sorted);
    });
}

// ---------------------------------------------------------------------------------------
// Enumerations, constants and structures
// ---------------------------------------------------------------------------------------

fn enum_values(c: &'static Compilation, name: &str) -> (String, Vec<(String, i128)>) {
    let (_, spec) = typedef(c, name);
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

/// Every enumeration of syncmgr.h with its enumerators, in declaration order, and their
/// values as the `windows` crate's constants give them (each enum's tag is its typedef name).
const ENUMS: [(&str, &[(&str, i128)]); 17] = [
    (
        "SYNCMGR_HANDLER_CAPABILITIES",
        &[
            ("SYNCMGR_HCM_NONE", 0),
            ("SYNCMGR_HCM_PROVIDES_ICON", 1),
            ("SYNCMGR_HCM_EVENT_STORE", 2),
            ("SYNCMGR_HCM_CONFLICT_STORE", 4),
            ("SYNCMGR_HCM_SUPPORTS_CONCURRENT_SESSIONS", 16),
            ("SYNCMGR_HCM_CAN_BROWSE_CONTENT", 65536),
            ("SYNCMGR_HCM_CAN_SHOW_SCHEDULE", 131072),
            ("SYNCMGR_HCM_QUERY_BEFORE_ACTIVATE", 1048576),
            ("SYNCMGR_HCM_QUERY_BEFORE_DEACTIVATE", 2097152),
            ("SYNCMGR_HCM_QUERY_BEFORE_ENABLE", 4194304),
            ("SYNCMGR_HCM_QUERY_BEFORE_DISABLE", 8388608),
            ("SYNCMGR_HCM_VALID_MASK", 15925271),
        ],
    ),
    (
        "SYNCMGR_HANDLER_POLICIES",
        &[
            ("SYNCMGR_HPM_NONE", 0),
            ("SYNCMGR_HPM_PREVENT_ACTIVATE", 1),
            ("SYNCMGR_HPM_PREVENT_DEACTIVATE", 2),
            ("SYNCMGR_HPM_PREVENT_ENABLE", 4),
            ("SYNCMGR_HPM_PREVENT_DISABLE", 8),
            ("SYNCMGR_HPM_PREVENT_START_SYNC", 16),
            ("SYNCMGR_HPM_PREVENT_STOP_SYNC", 32),
            ("SYNCMGR_HPM_DISABLE_ENABLE", 256),
            ("SYNCMGR_HPM_DISABLE_DISABLE", 512),
            ("SYNCMGR_HPM_DISABLE_START_SYNC", 1024),
            ("SYNCMGR_HPM_DISABLE_STOP_SYNC", 2048),
            ("SYNCMGR_HPM_DISABLE_BROWSE", 4096),
            ("SYNCMGR_HPM_DISABLE_SCHEDULE", 8192),
            ("SYNCMGR_HPM_HIDDEN_BY_DEFAULT", 65536),
            ("SYNCMGR_HPM_BACKGROUND_SYNC_ONLY", 48),
            ("SYNCMGR_HPM_VALID_MASK", 77631),
        ],
    ),
    (
        "SYNCMGR_HANDLER_TYPE",
        &[
            ("SYNCMGR_HT_UNSPECIFIED", 0),
            ("SYNCMGR_HT_APPLICATION", 1),
            ("SYNCMGR_HT_DEVICE", 2),
            ("SYNCMGR_HT_FOLDER", 3),
            ("SYNCMGR_HT_SERVICE", 4),
            ("SYNCMGR_HT_COMPUTER", 5),
            ("SYNCMGR_HT_MIN", 0),
            ("SYNCMGR_HT_MAX", 5),
        ],
    ),
    (
        "SYNCMGR_ITEM_CAPABILITIES",
        &[
            ("SYNCMGR_ICM_NONE", 0),
            ("SYNCMGR_ICM_PROVIDES_ICON", 1),
            ("SYNCMGR_ICM_EVENT_STORE", 2),
            ("SYNCMGR_ICM_CONFLICT_STORE", 4),
            ("SYNCMGR_ICM_CAN_DELETE", 16),
            ("SYNCMGR_ICM_CAN_BROWSE_CONTENT", 65536),
            ("SYNCMGR_ICM_QUERY_BEFORE_ENABLE", 1048576),
            ("SYNCMGR_ICM_QUERY_BEFORE_DISABLE", 2097152),
            ("SYNCMGR_ICM_QUERY_BEFORE_DELETE", 4194304),
            ("SYNCMGR_ICM_VALID_MASK", 7405591),
        ],
    ),
    (
        "SYNCMGR_ITEM_POLICIES",
        &[
            ("SYNCMGR_IPM_NONE", 0),
            ("SYNCMGR_IPM_PREVENT_ENABLE", 1),
            ("SYNCMGR_IPM_PREVENT_DISABLE", 2),
            ("SYNCMGR_IPM_PREVENT_START_SYNC", 4),
            ("SYNCMGR_IPM_PREVENT_STOP_SYNC", 8),
            ("SYNCMGR_IPM_DISABLE_ENABLE", 16),
            ("SYNCMGR_IPM_DISABLE_DISABLE", 32),
            ("SYNCMGR_IPM_DISABLE_START_SYNC", 64),
            ("SYNCMGR_IPM_DISABLE_STOP_SYNC", 128),
            ("SYNCMGR_IPM_DISABLE_BROWSE", 256),
            ("SYNCMGR_IPM_DISABLE_DELETE", 512),
            ("SYNCMGR_IPM_HIDDEN_BY_DEFAULT", 65536),
            ("SYNCMGR_IPM_VALID_MASK", 66303),
        ],
    ),
    (
        "SYNCMGR_PROGRESS_STATUS",
        &[
            ("SYNCMGR_PS_UPDATING", 1),
            ("SYNCMGR_PS_UPDATING_INDETERMINATE", 2),
            ("SYNCMGR_PS_SUCCEEDED", 3),
            ("SYNCMGR_PS_FAILED", 4),
            ("SYNCMGR_PS_CANCELED", 5),
            ("SYNCMGR_PS_DISCONNECTED", 6),
            ("SYNCMGR_PS_MAX", 6),
        ],
    ),
    (
        "SYNCMGR_CANCEL_REQUEST",
        &[
            ("SYNCMGR_CR_NONE", 0),
            ("SYNCMGR_CR_CANCEL_ITEM", 1),
            ("SYNCMGR_CR_CANCEL_ALL", 2),
            ("SYNCMGR_CR_MAX", 2),
        ],
    ),
    (
        "SYNCMGR_EVENT_LEVEL",
        &[
            ("SYNCMGR_EL_INFORMATION", 1),
            ("SYNCMGR_EL_WARNING", 2),
            ("SYNCMGR_EL_ERROR", 3),
            ("SYNCMGR_EL_MAX", 3),
        ],
    ),
    (
        "SYNCMGR_EVENT_FLAGS",
        &[("SYNCMGR_EF_NONE", 0), ("SYNCMGR_EF_VALID", 0)],
    ),
    (
        "SYNCMGR_CONTROL_FLAGS",
        &[
            ("SYNCMGR_CF_NONE", 0),
            ("SYNCMGR_CF_NOWAIT", 0),
            ("SYNCMGR_CF_WAIT", 1),
            ("SYNCMGR_CF_NOUI", 2),
            ("SYNCMGR_CF_VALID", 3),
        ],
    ),
    (
        "SYNCMGR_SYNC_CONTROL_FLAGS",
        &[
            ("SYNCMGR_SCF_NONE", 0),
            ("SYNCMGR_SCF_IGNORE_IF_ALREADY_SYNCING", 1),
            ("SYNCMGR_SCF_VALID", 1),
        ],
    ),
    (
        "SYNCMGR_UPDATE_REASON",
        &[
            ("SYNCMGR_UR_ADDED", 0),
            ("SYNCMGR_UR_CHANGED", 1),
            ("SYNCMGR_UR_REMOVED", 2),
            ("SYNCMGR_UR_MAX", 2),
        ],
    ),
    (
        "SYNCMGR_CONFLICT_ITEM_TYPE",
        &[("SYNCMGR_CIT_UPDATED", 1), ("SYNCMGR_CIT_DELETED", 2)],
    ),
    (
        "SYNCMGR_RESOLUTION_ABILITIES",
        &[
            ("SYNCMGR_RA_KEEPOTHER", 1),
            ("SYNCMGR_RA_KEEPRECENT", 2),
            ("SYNCMGR_RA_REMOVEFROMSYNCSET", 4),
            ("SYNCMGR_RA_KEEP_SINGLE", 8),
            ("SYNCMGR_RA_KEEP_MULTIPLE", 16),
            ("SYNCMGR_RA_VALID", 31),
        ],
    ),
    (
        "SYNCMGR_RESOLUTION_FEEDBACK",
        &[
            ("SYNCMGR_RF_CONTINUE", 0),
            ("SYNCMGR_RF_REFRESH", 1),
            ("SYNCMGR_RF_CANCEL", 2),
        ],
    ),
    (
        "SYNCMGR_PRESENTER_NEXT_STEP",
        &[
            ("SYNCMGR_PNS_CONTINUE", 0),
            ("SYNCMGR_PNS_DEFAULT", 1),
            ("SYNCMGR_PNS_CANCEL", 2),
        ],
    ),
    (
        "SYNCMGR_PRESENTER_CHOICE",
        &[
            ("SYNCMGR_PC_NO_CHOICE", 0),
            ("SYNCMGR_PC_KEEP_ONE", 1),
            ("SYNCMGR_PC_KEEP_MULTIPLE", 2),
            ("SYNCMGR_PC_KEEP_RECENT", 3),
            ("SYNCMGR_PC_REMOVE_FROM_SYNC_SET", 4),
            ("SYNCMGR_PC_SKIP", 5),
        ],
    ),
];

#[test]
fn enumerations_and_their_values() {
    with_compilation(|c| {
        let mut count = 0;
        for (name, values) in ENUMS {
            let want: Vec<(String, i128)> =
                values.iter().map(|(n, v)| (n.to_string(), *v)).collect();
            assert_eq!(enum_values(c, name), (name.to_string(), want), "{name}");
            count += values.len();
        }
        assert_eq!(count, 108, "enumerators in all");
        // No other enumeration in the file.
        let enums: Vec<String> = all_items(c)
            .into_iter()
            .filter_map(|i| match i {
                Item::Typedef(t) if matches!(t.spec.kind, TypeKind::Enum(_)) => t
                    .declarators
                    .first()
                    .and_then(|d| d.name.as_ref())
                    .map(|n| n.name.clone()),
                _ => None,
            })
            .collect();
        let listed: Vec<String> = ENUMS.iter().map(|e| e.0.to_string()).collect();
        assert_eq!(enums, listed);
    });
}

#[test]
fn constants_and_flag_typedefs() {
    with_compilation(|c| {
        // pub const MAX_SYNCMGR_ID: u32 = 64u32; ... in the windows crate.
        for (name, value) in [
            ("MAX_SYNCMGR_ID", 64),
            ("MAX_SYNCMGR_PROGRESSTEXT", 260),
            ("MAX_SYNCMGR_NAME", 128),
        ] {
            let k = all_items(c)
                .into_iter()
                .find_map(|i| match i {
                    Item::Const(k) if k.name.name == name => Some(k),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("const {name} not found"));
            match k.value.get() {
                Some(ConstValue::Int(v)) => assert_eq!(*v, value, "{name}"),
                other => panic!("const {name} has value {other:?}"),
            }
        }
        for (name, ty) in [
            ("SYNCMGR_CONFLICT_ITEM_TYPE_FLAG", "DWORD"),
            ("SYNCMGR_RESOLUTION_ABILITIES_FLAGS", "DWORD"),
            (
                "PSYNCMGR_CONFLICT_ID_INFO",
                "struct SYNCMGR_CONFLICT_ID_INFO *",
            ),
        ] {
            assert_eq!(c_type(typedef(c, name).0), ty, "{name}");
        }
    });
}

fn struct_fields(c: &'static Compilation, name: &str) -> (String, Vec<(String, String)>) {
    let (_, spec) = typedef(c, name);
    let s: &StructType = match &spec.kind {
        TypeKind::Struct(s) => s,
        other => panic!("{name} is not a struct: {other:?}"),
    };
    let fields = s
        .fields
        .as_ref()
        .expect("struct definition")
        .iter()
        .map(|f| {
            (
                c_type(&f.ty),
                f.name.as_ref().expect("named field").name.clone(),
            )
        })
        .collect();
    (s.tag.as_ref().expect("struct tag").name.clone(), fields)
}

#[test]
fn structures_have_the_sdk_fields_in_order() {
    // The windows crate's #[repr(C)] structs; IShellItem2 and LPWSTR as syncmgr.h spells them.
    let expected: [(&str, &[(&str, &str)]); 3] = [
        (
            "SYNCMGR_CONFLICT_ID_INFO",
            &[("BYTE_BLOB *", "pblobID"), ("BYTE_BLOB *", "pblobExtra")],
        ),
        (
            "CONFIRM_CONFLICT_ITEM",
            &[
                ("IShellItem2 *", "pShellItem"),
                ("LPWSTR", "pszOriginalName"),
                ("LPWSTR", "pszAlternateName"),
                ("LPWSTR", "pszLocationShort"),
                ("LPWSTR", "pszLocationFull"),
                ("SYNCMGR_CONFLICT_ITEM_TYPE", "nType"),
            ],
        ),
        (
            "CONFIRM_CONFLICT_RESULT_INFO",
            &[("LPWSTR", "pszNewName"), ("UINT", "iItemIndex")],
        ),
    ];
    with_compilation(|c| {
        for (name, fields) in expected {
            let want: Vec<(String, String)> = fields
                .iter()
                .map(|(t, n)| (t.to_string(), n.to_string()))
                .collect();
            assert_eq!(struct_fields(c, name), (name.to_string(), want), "{name}");
        }
    });
}

// ---------------------------------------------------------------------------------------
// GUIDs
// ---------------------------------------------------------------------------------------

/// `DEFINE_GUID(NAME, l, w1, w2, b1, ..., b8);` as the GUID's 128-bit textual-order value.
fn parse_define_guid(text: &str) -> Option<(&str, u128)> {
    let body = text
        .trim()
        .strip_prefix("DEFINE_GUID(")?
        .strip_suffix(");")?;
    let parts: Vec<&str> = body.split(',').map(str::trim).collect();
    if parts.len() != 12 {
        return None;
    }
    let num = |s: &str| u128::from_str_radix(s.strip_prefix("0x")?, 16).ok();
    let mut v = num(parts[1])? << 96 | num(parts[2])? << 80 | num(parts[3])? << 64;
    for (i, b) in parts[4..].iter().enumerate() {
        v |= num(b)? << (8 * (7 - i));
    }
    Some((parts[0], v))
}

#[test]
fn the_define_guid_reader_of_this_test() {
    assert_eq!(
        parse_define_guid(
            "DEFINE_GUID(IID_IUnknown, 0x00000000, 0x0000, 0x0000, 0xc0, 0x00, 0x00, 0x00, \
             0x00, 0x00, 0x00, 0x46);"
        ),
        Some(("IID_IUnknown", 0x00000000_0000_0000_c000_000000000046))
    );
}

/// `NAME = xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` lines, for readable failures.
fn hex(guids: &[(&str, u128)]) -> Vec<String> {
    guids
        .iter()
        .map(|(n, v)| {
            let h = format!("{v:032x}");
            format!(
                "{n} = {}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        })
        .collect()
}

#[test]
fn object_identifiers() {
    // pub const SYNCMGR_OBJECTID_*: GUID = GUID::from_u128(...) in the windows crate. MIDL has
    // no GUID constants, so syncmgr.idl states them in cpp_quote'd DEFINE_GUID lines.
    let expected: [(&str, u128); 11] = [
        (
            "SYNCMGR_OBJECTID_Icon",
            0x6dbc85c3_5d07_4c72_a777_7fec78072c06,
        ),
        (
            "SYNCMGR_OBJECTID_EventStore",
            0x4bef34b9_a786_4075_ba88_0c2b9d89a98f,
        ),
        (
            "SYNCMGR_OBJECTID_ConflictStore",
            0xd78181f4_2389_47e4_a960_60bcc2ed930b,
        ),
        (
            "SYNCMGR_OBJECTID_BrowseContent",
            0x57cbb584_e9b4_47ae_a120_c4df3335dee2,
        ),
        (
            "SYNCMGR_OBJECTID_ShowSchedule",
            0xedc6f3e3_8441_4109_adf3_6c1ca0b7de47,
        ),
        (
            "SYNCMGR_OBJECTID_QueryBeforeActivate",
            0xd882d80b_e7aa_49ed_86b7_e6e1f714cdfe,
        ),
        (
            "SYNCMGR_OBJECTID_QueryBeforeDeactivate",
            0xa0efc282_60e0_460e_9374_ea88513cfc80,
        ),
        (
            "SYNCMGR_OBJECTID_QueryBeforeEnable",
            0x04cbf7f0_5beb_4de1_bc90_908345c480f6,
        ),
        (
            "SYNCMGR_OBJECTID_QueryBeforeDisable",
            0xbb5f64aa_f004_4eb5_8e4d_26751966344c,
        ),
        (
            "SYNCMGR_OBJECTID_QueryBeforeDelete",
            0xf76c3397_afb3_45d7_a59f_5a49e905437e,
        ),
        (
            "SYNCMGR_OBJECTID_EventLinkClick",
            0x2203bdc1_1af1_4082_8c30_28399f41384c,
        ),
    ];
    with_compilation(|c| {
        let found: Vec<(&str, u128)> = c
            .root()
            .items
            .iter()
            .filter_map(|i| match i {
                Item::CppQuote(q) if q.text.starts_with("DEFINE_GUID") => Some(
                    parse_define_guid(&q.text)
                        .unwrap_or_else(|| panic!("malformed DEFINE_GUID: {}", q.text)),
                ),
                _ => None,
            })
            .collect();
        assert_eq!(hex(&found), hex(&expected));
    });
}

#[test]
fn class_identifiers() {
    // pub const SyncMgrClient: GUID = GUID::from_u128(...) ... in the windows crate, in the
    // order of syncmgr.h's class declarations.
    let expected: [(&str, u128); 8] = [
        ("SyncMgrClient", 0x1202db60_1dac_42c5_aed5_1abdd432248e),
        ("SyncMgrControl", 0x1a1f4206_0688_4e7f_be03_d82ec69df9a5),
        (
            "SyncMgrScheduleWizard",
            0x8d8b8e30_c451_421b_8553_d2976afa648c,
        ),
        ("SyncMgrFolder", 0x9c73f5e5_7ae7_4e32_a8e8_8d23b85255bf),
        ("SyncSetupFolder", 0x2e9e59c0_b437_4981_a647_9c34b9b90891),
        ("ConflictFolder", 0x289978ac_a101_4341_a817_21eba7fd046d),
        ("SyncResultsFolder", 0x71d99464_3b6b_475c_b241_e15883207529),
        (
            "SimpleConflictPresenter",
            0x7a0f6ab7_ed84_46b6_b47e_02aa159a152b,
        ),
    ];
    with_compilation(|c| {
        let found: Vec<(&str, u128)> = c
            .root()
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Coclass(k) => Some((
                    k.name.name.as_str(),
                    k.uuid().expect("coclass uuid").to_u128(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(hex(&found), hex(&expected));
    });
}

// ---------------------------------------------------------------------------------------
// Documentation
// ---------------------------------------------------------------------------------------

#[test]
fn every_declaration_is_documented() {
    with_compilation(|c| {
        let mut undocumented = Vec::new();
        for item in all_items(c) {
            let (what, doc) = match item {
                Item::Interface(i) => (i.name.name.clone(), &i.doc),
                Item::Coclass(k) => (k.name.name.clone(), &k.doc),
                Item::Typedef(t) => (
                    t.declarators
                        .iter()
                        .filter_map(|d| d.name.as_ref().map(|n| n.name.clone()))
                        .collect::<Vec<_>>()
                        .join(","),
                    &t.doc,
                ),
                Item::Const(k) => (k.name.name.clone(), &k.doc),
                Item::Function(f) => (f.name.name.clone(), &f.doc),
                _ => continue,
            };
            if doc.as_deref().is_none_or(|d| d.trim().is_empty()) {
                undocumented.push(what);
            }
            if let Item::Typedef(t) = item {
                let members: Vec<(String, bool)> = match &t.spec.kind {
                    TypeKind::Struct(s) => s
                        .fields
                        .iter()
                        .flatten()
                        .map(|f| {
                            (
                                f.name.as_ref().map_or(String::new(), |n| n.name.clone()),
                                f.doc.as_deref().is_some_and(|d| !d.trim().is_empty()),
                            )
                        })
                        .collect(),
                    TypeKind::Enum(e) => e
                        .enumerators
                        .iter()
                        .flatten()
                        .map(|x| {
                            (
                                x.name.name.clone(),
                                x.doc.as_deref().is_some_and(|d| !d.trim().is_empty()),
                            )
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                undocumented.extend(
                    members
                        .into_iter()
                        .filter(|(_, documented)| !documented)
                        .map(|(n, _)| n),
                );
            }
        }
        assert!(undocumented.is_empty(), "undocumented: {undocumented:?}");
    });
}

// ---------------------------------------------------------------------------------------
// The C header Wine's compiler makes of it
// ---------------------------------------------------------------------------------------

/// Compile-time checks of the generated header for Windows x64: vtable sizes (the base's
/// slots plus the methods above), struct sizes, a few values and that every identifier is
/// declared. Nothing is run, only compiled.
const PROBE: &str = r#"
#include <windows.h>
#include <stddef.h>
#include "gen_syncmgr.h"
#define VT(i, n) _Static_assert(sizeof(i##Vtbl) == (n) * sizeof(void *), #i);
VT(ISyncMgrHandlerCollection, 5) VT(ISyncMgrHandler, 11) VT(ISyncMgrHandlerInfo, 10)
VT(ISyncMgrSyncItemContainer, 6) VT(ISyncMgrSyncItem, 11) VT(ISyncMgrSyncItemInfo, 8)
VT(IEnumSyncMgrSyncItems, 7) VT(ISyncMgrSessionCreator, 4) VT(ISyncMgrSyncCallback, 13)
VT(ISyncMgrUIOperation, 4) VT(ISyncMgrEventLinkUIOperation, 5)
VT(ISyncMgrScheduleWizardUIOperation, 5) VT(ISyncMgrSyncResult, 4) VT(ISyncMgrControl, 18)
VT(ISyncMgrEventStore, 7) VT(ISyncMgrEvent, 14) VT(IEnumSyncMgrEvents, 7)
VT(ISyncMgrConflictStore, 7) VT(IEnumSyncMgrConflict, 7) VT(ISyncMgrConflict, 8)
VT(ISyncMgrResolutionHandler, 8) VT(ISyncMgrConflictPresenter, 4)
VT(ISyncMgrConflictResolveInfo, 11) VT(ISyncMgrConflictFolder, 4) VT(ISyncMgrConflictItems, 5)
VT(ISyncMgrConflictResolutionItems, 5)
_Static_assert(offsetof(ISyncMgrControlVtbl, EnableItem) == 17 * sizeof(void *), "slot");
_Static_assert(sizeof(SYNCMGR_CONFLICT_ID_INFO) == 16, "SYNCMGR_CONFLICT_ID_INFO");
_Static_assert(sizeof(CONFIRM_CONFLICT_ITEM) == 48, "CONFIRM_CONFLICT_ITEM");
_Static_assert(offsetof(CONFIRM_CONFLICT_ITEM, nType) == 40, "nType");
_Static_assert(sizeof(CONFIRM_CONFLICT_RESULT_INFO) == 16, "CONFIRM_CONFLICT_RESULT_INFO");
_Static_assert(SYNCMGR_HPM_BACKGROUND_SYNC_ONLY == 0x30, "BACKGROUND_SYNC_ONLY");
_Static_assert(SYNCMGR_HCM_VALID_MASK == 0xf30017, "HCM_VALID_MASK");
_Static_assert(SYNCMGR_PC_SKIP == 5, "PC_SKIP");
_Static_assert(MAX_SYNCMGR_PROGRESSTEXT == 260, "MAX_SYNCMGR_PROGRESSTEXT");
const GUID *const ids[] = {
    &SYNCMGR_OBJECTID_Icon, &SYNCMGR_OBJECTID_EventLinkClick, &IID_ISyncMgrHandler,
    &IID_ISyncMgrConflictResolutionItems, &CLSID_SyncMgrClient, &CLSID_SyncMgrControl,
    &CLSID_SyncMgrScheduleWizard, &CLSID_SyncMgrFolder, &CLSID_SimpleConflictPresenter,
};
"#;

#[test]
fn widl_header_compiles_for_windows_with_the_sdk_layout() {
    use std::process::Command;
    let root = wine_root().join("windows");
    if !root.join("shobjidl.idl").is_file() {
        return missing("the Wine IDL files");
    }
    let widl = std::env::var("WIDL").unwrap_or_else(|_| "widl-stable".into());
    let dir = std::env::temp_dir().join(format!("mobsync-syncmgr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let header = dir.join("gen_syncmgr.h");
    // Never `-o /dev/null`: widl deletes its output file when the input has errors.
    let status = Command::new(&widl)
        .arg("-I")
        .arg(&root)
        .args(["-h", "-o"])
        .arg(&header)
        .arg(syncmgr_idl())
        .status();
    match status {
        Ok(s) => assert!(s.success(), "widl rejected idl/syncmgr.idl"),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return missing(&format!("{widl} ({e})"));
        }
    }
    let src = dir.join("probe.c");
    std::fs::write(&src, PROBE).expect("probe source");
    let out = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-c", "-Wall", "-Werror", "-o"])
        .arg(dir.join("probe.o"))
        .arg("-I")
        .arg(&dir)
        .arg(&src)
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    match out {
        Ok(o) => assert!(
            o.status.success(),
            "the generated header does not compile:\n{}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => missing(&format!("x86_64-w64-mingw32-gcc ({e})")),
    }
}
