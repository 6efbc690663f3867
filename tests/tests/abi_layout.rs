//! ABI proof, Rust side: the generated `mobsync_runtime::sys` has the Windows x64 ABI of the
//! SDK's `mobsync.h`.
//!
//! Every number below is typed from the published header (struct layouts computed by the
//! Windows x64 C rules: `DWORD`/`UINT`/`INT` 4 bytes, pointers and handles 8, `GUID` 16 with
//! alignment 4, `WCHAR` 2; vtable slots in declaration order after the three `IUnknown`
//! ones), not read from our generated output. The measured side comes from `abi_support`.

mod abi_support;

use std::collections::BTreeSet;
use std::ffi::c_void;

use abi_support::{GuidConst, IntConst, StructLayout, VtableLayout};
use mobsync_idl::codegen::abi::{Api, DeclKind};
use mobsync_runtime::sys::{self, *};
use windows_core::{GUID, HRESULT};

/// Field names with offsets, or method names with slot indices.
type Positions = &'static [(&'static str, usize)];

/// Struct layouts of the published header on Windows x64: (name, size, align, fields).
const EXPECTED_STRUCTS: &[(&str, usize, usize, Positions)] = &[
    (
        "FILETIME",
        8,
        4,
        &[("dwLowDateTime", 0), ("dwHighDateTime", 4)],
    ),
    (
        "SYNCMGRHANDLERINFO",
        88,
        8,
        &[
            ("cbSize", 0),
            ("hIcon", 8),
            ("SyncMgrHandlerFlags", 16),
            ("wszHandlerName", 20),
        ],
    ),
    (
        "SYNCMGRPROGRESSITEM",
        32,
        8,
        &[
            ("cbSize", 0),
            ("mask", 4),
            ("lpcStatusText", 8),
            ("dwStatusType", 16),
            ("iProgValue", 20),
            ("iMaxValue", 24),
        ],
    ),
    (
        "SYNCMGRLOGERRORINFO",
        44,
        4,
        &[
            ("cbSize", 0),
            ("mask", 4),
            ("dwSyncMgrErrorFlags", 8),
            ("ErrorID", 12),
            ("ItemID", 28),
        ],
    ),
    (
        "SYNCMGRITEM",
        304,
        8,
        &[
            ("cbSize", 0),
            ("dwFlags", 4),
            ("ItemID", 8),
            ("dwItemState", 24),
            ("hIcon", 32),
            ("wszItemName", 40),
            ("ftLastUpdate", 296),
        ],
    ),
];

/// Vtables of the published header: (interface, slot count, methods with slot indices).
const EXPECTED_VTABLES: &[(&str, usize, Positions)] = &[
    (
        "ISyncMgrSynchronize",
        13,
        &[
            ("QueryInterface", 0),
            ("AddRef", 1),
            ("Release", 2),
            ("Initialize", 3),
            ("GetHandlerInfo", 4),
            ("EnumSyncMgrItems", 5),
            ("GetItemObject", 6),
            ("ShowProperties", 7),
            ("SetProgressCallback", 8),
            ("PrepareForSync", 9),
            ("Synchronize", 10),
            ("SetItemStatus", 11),
            ("ShowError", 12),
        ],
    ),
    (
        "ISyncMgrSynchronizeCallback",
        12,
        &[
            ("QueryInterface", 0),
            ("AddRef", 1),
            ("Release", 2),
            ("ShowPropertiesCompleted", 3),
            ("PrepareForSyncCompleted", 4),
            ("SynchronizeCompleted", 5),
            ("ShowErrorCompleted", 6),
            ("EnableModeless", 7),
            ("Progress", 8),
            ("LogError", 9),
            ("DeleteLogError", 10),
            ("EstablishConnection", 11),
        ],
    ),
    (
        "ISyncMgrEnumItems",
        7,
        &[
            ("QueryInterface", 0),
            ("AddRef", 1),
            ("Release", 2),
            ("Next", 3),
            ("Skip", 4),
            ("Reset", 5),
            ("Clone", 6),
        ],
    ),
    (
        "ISyncMgrSynchronizeInvoke",
        5,
        &[
            ("QueryInterface", 0),
            ("AddRef", 1),
            ("Release", 2),
            ("UpdateItems", 3),
            ("UpdateAll", 4),
        ],
    ),
    (
        "ISyncMgrRegister",
        6,
        &[
            ("QueryInterface", 0),
            ("AddRef", 1),
            ("Release", 2),
            ("RegisterSyncMgrHandler", 3),
            ("UnregisterSyncMgrHandler", 4),
            ("GetHandlerRegistrationInfo", 5),
        ],
    ),
];

/// The IIDs and the CLSID of the published header.
const EXPECTED_GUIDS: &[(&str, u128)] = &[
    (
        "IID_ISyncMgrSynchronize",
        0x6295DF40_35EE_11D1_8707_00C04FD93327,
    ),
    (
        "IID_ISyncMgrSynchronizeCallback",
        0x6295DF41_35EE_11D1_8707_00C04FD93327,
    ),
    (
        "IID_ISyncMgrEnumItems",
        0x6295DF2A_35EE_11D1_8707_00C04FD93327,
    ),
    (
        "IID_ISyncMgrSynchronizeInvoke",
        0x6295DF2C_35EE_11D1_8707_00C04FD93327,
    ),
    (
        "IID_ISyncMgrRegister",
        0x6295DF42_35EE_11D1_8707_00C04FD93327,
    ),
    ("CLSID_SyncMgr", 0x6295DF27_35EE_11D1_8707_00C04FD93327),
];

/// Enumerators and constants of the published header (`S_SYNCMGR_*` are
/// `MAKE_SCODE(SEVERITY_SUCCESS, FACILITY_ITF, code)` = `0x0004_0000 | code`).
const EXPECTED_CONSTANTS: &[(&str, i64)] = &[
    ("S_SYNCMGR_MISSINGITEMS", 0x0004_0201),
    ("S_SYNCMGR_RETRYSYNC", 0x0004_0202),
    ("S_SYNCMGR_CANCELITEM", 0x0004_0203),
    ("S_SYNCMGR_CANCELALL", 0x0004_0204),
    ("S_SYNCMGR_ITEMDELETED", 0x0004_0210),
    ("S_SYNCMGR_ENUMITEMS", 0x0004_0211),
    ("SYNCMGRFLAG_CONNECT", 0x1),
    ("SYNCMGRFLAG_PENDINGDISCONNECT", 0x2),
    ("SYNCMGRFLAG_MANUAL", 0x3),
    ("SYNCMGRFLAG_IDLE", 0x4),
    ("SYNCMGRFLAG_INVOKE", 0x5),
    ("SYNCMGRFLAG_SCHEDULED", 0x6),
    ("SYNCMGRFLAG_EVENTMASK", 0xFF),
    ("SYNCMGRFLAG_SETTINGS", 0x100),
    ("SYNCMGRFLAG_MAYBOTHERUSER", 0x200),
    ("SYNCMGRHANDLER_HASPROPERTIES", 0x1),
    ("SYNCMGRHANDLER_MAYESTABLISHCONNECTION", 0x2),
    ("SYNCMGRHANDLER_ALWAYSLISTHANDLER", 0x4),
    ("SYNCMGRSTATUS_STOPPED", 0),
    ("SYNCMGRSTATUS_SKIPPED", 1),
    ("SYNCMGRSTATUS_PENDING", 2),
    ("SYNCMGRSTATUS_UPDATING", 3),
    ("SYNCMGRSTATUS_SUCCEEDED", 4),
    ("SYNCMGRSTATUS_FAILED", 5),
    ("SYNCMGRSTATUS_PAUSED", 6),
    ("SYNCMGRSTATUS_RESUMING", 7),
    ("SYNCMGRSTATUS_DELETED", 0x100),
    ("SYNCMGRLOGLEVEL_INFORMATION", 1),
    ("SYNCMGRLOGLEVEL_WARNING", 2),
    ("SYNCMGRLOGLEVEL_ERROR", 3),
    ("SYNCMGRERRORFLAG_ENABLEJUMPTEXT", 1),
    ("SYNCMGRITEM_HASPROPERTIES", 0x1),
    ("SYNCMGRITEM_TEMPORARY", 0x2),
    ("SYNCMGRITEM_ROAMINGUSER", 0x4),
    ("SYNCMGRITEM_LASTUPDATETIME", 0x8),
    ("SYNCMGRITEM_MAYDELETEITEM", 0x10),
    ("SYNCMGRINVOKE_STARTSYNC", 0x2),
    ("SYNCMGRINVOKE_MINIMIZED", 0x4),
    ("SYNCMGRREGISTERFLAG_CONNECT", 0x1),
    ("SYNCMGRREGISTERFLAG_PENDINGDISCONNECT", 0x2),
    ("SYNCMGRREGISTERFLAG_IDLE", 0x4),
    ("MAX_SYNCMGRHANDLERNAME", 32),
    ("SYNCMGRHANDLERFLAG_MASK", 0x07),
    ("SYNCMGRITEMSTATE_UNCHECKED", 0),
    ("SYNCMGRITEMSTATE_CHECKED", 1),
    ("SYNCMGRPROGRESSITEM_STATUSTEXT", 0x1),
    ("SYNCMGRPROGRESSITEM_STATUSTYPE", 0x2),
    ("SYNCMGRPROGRESSITEM_PROGVALUE", 0x4),
    ("SYNCMGRPROGRESSITEM_MAXVALUE", 0x8),
    ("SYNCMGRLOGERROR_ERRORFLAGS", 0x1),
    ("SYNCMGRLOGERROR_ERRORID", 0x2),
    ("SYNCMGRLOGERROR_ITEMID", 0x4),
    ("SYNCMGRITEM_ITEMFLAGMASK", 0x1F),
    ("MAX_SYNCMGRITEMNAME", 128),
    ("SYNCMGRREGISTERFLAGS_MASK", 0x07),
];

fn model_api() -> Api {
    Api::from_compilation(mobsync_idl::mobsync_compilation()).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
#[cfg(target_pointer_width = "64")]
fn every_struct_has_the_windows_x64_layout() {
    let measured = abi_support::structs();
    assert_eq!(measured.len(), EXPECTED_STRUCTS.len());
    for (actual, &(name, size, align, fields)) in measured.iter().zip(EXPECTED_STRUCTS) {
        let expected = StructLayout {
            name,
            size,
            align,
            fields: fields.to_vec(),
        };
        assert_eq!(actual, &expected, "layout of {name}");
    }
    // GUID, handles, enums and HRESULT.
    assert_eq!(
        abi_support::guid_layout(),
        StructLayout {
            name: "GUID",
            size: 16,
            align: 4,
            fields: vec![("Data1", 0), ("Data2", 4), ("Data3", 6), ("Data4", 8)],
        }
    );
    for scalar in abi_support::scalars() {
        let (size, align) = match scalar.name {
            "HWND" | "HICON" => (8, 8),
            "SYNCMGRITEMID" | "SYNCMGRERRORID" => (16, 4),
            _ => (4, 4),
        };
        assert_eq!(
            (scalar.size, scalar.align),
            (size, align),
            "{}",
            scalar.name
        );
    }
}

#[test]
#[cfg(target_pointer_width = "64")]
fn every_vtable_has_the_sdk_slots() {
    let measured = abi_support::vtables();
    assert_eq!(measured.len(), EXPECTED_VTABLES.len());
    for (actual, &(interface, slots, methods)) in measured.iter().zip(EXPECTED_VTABLES) {
        let expected = VtableLayout {
            interface,
            slots,
            methods: methods.to_vec(),
        };
        assert_eq!(actual, &expected, "vtable of {interface}");
    }
}

#[test]
fn guids_and_constants_are_the_sdk_values() {
    let guids: Vec<GuidConst> = EXPECTED_GUIDS
        .iter()
        .map(|&(name, v)| GuidConst {
            name,
            value: GUID::from_u128(v),
        })
        .collect();
    assert_eq!(abi_support::guids(), guids);
    assert_eq!(
        <ISyncMgrSynchronize as windows_core::Interface>::IID,
        GUID::from_u128(0x6295DF40_35EE_11D1_8707_00C04FD93327)
    );
    let constants: Vec<IntConst> = EXPECTED_CONSTANTS
        .iter()
        .map(|&(name, value)| IntConst { name, value })
        .collect();
    assert_eq!(abi_support::constants(), constants);
}

/// Each slot has the SDK's prototype: the vtables are built from functions whose parameter
/// types are typed from the published header (a mismatch does not compile), and each function
/// is found in memory at its SDK slot.
#[test]
fn every_slot_has_the_sdk_signature() {
    use windows_core::IUnknown_Vtbl;

    // The parameter types of the published prototypes, spelled in Rust:
    // DWORD/ULONG/UINT = u32, WINBOOL = i32, const BYTE * = *const u8, REFIID/REFCLSID/
    // REFSYNCMGRITEMID/REFSYNCMGRERRORID = *const GUID, SYNCMGRITEMID * = *mut GUID,
    // LPCWSTR = *const u16, LPDWORD = *mut u32, interface pointers = *mut c_void.
    unsafe extern "system" fn query_interface(
        _: *mut c_void,
        _: *const GUID,
        _: *mut *mut c_void,
    ) -> HRESULT {
        HRESULT(0)
    }
    unsafe extern "system" fn add_ref(_: *mut c_void) -> u32 {
        1
    }
    unsafe extern "system" fn release(_: *mut c_void) -> u32 {
        2
    }
    unsafe extern "system" fn initialize(
        _: *mut c_void,
        _: u32,
        _: u32,
        _: u32,
        _: *const u8,
    ) -> HRESULT {
        HRESULT(3)
    }
    unsafe extern "system" fn get_handler_info(
        _: *mut c_void,
        _: *mut *mut SYNCMGRHANDLERINFO,
    ) -> HRESULT {
        HRESULT(4)
    }
    unsafe extern "system" fn out_interface(_: *mut c_void, _: *mut *mut c_void) -> HRESULT {
        HRESULT(5)
    }
    unsafe extern "system" fn get_item_object(
        _: *mut c_void,
        _: *const GUID,
        _: *const GUID,
        _: *mut *mut c_void,
    ) -> HRESULT {
        HRESULT(6)
    }
    unsafe extern "system" fn hwnd_guid(_: *mut c_void, _: HWND, _: *const GUID) -> HRESULT {
        HRESULT(7)
    }
    unsafe extern "system" fn in_interface(_: *mut c_void, _: *mut c_void) -> HRESULT {
        HRESULT(8)
    }
    unsafe extern "system" fn prepare_for_sync(
        _: *mut c_void,
        _: u32,
        _: *mut GUID,
        _: HWND,
        _: u32,
    ) -> HRESULT {
        HRESULT(9)
    }
    unsafe extern "system" fn synchronize(_: *mut c_void, _: HWND) -> HRESULT {
        HRESULT(10)
    }
    unsafe extern "system" fn guid_dword(_: *mut c_void, _: *const GUID, _: u32) -> HRESULT {
        HRESULT(11)
    }
    unsafe extern "system" fn completed(_: *mut c_void, _: HRESULT) -> HRESULT {
        HRESULT(12)
    }
    unsafe extern "system" fn show_error_completed(
        _: *mut c_void,
        _: HRESULT,
        _: u32,
        _: *mut GUID,
    ) -> HRESULT {
        HRESULT(13)
    }
    unsafe extern "system" fn enable_modeless(_: *mut c_void, _: i32) -> HRESULT {
        HRESULT(14)
    }
    unsafe extern "system" fn progress(
        _: *mut c_void,
        _: *const GUID,
        _: *mut SYNCMGRPROGRESSITEM,
    ) -> HRESULT {
        HRESULT(15)
    }
    unsafe extern "system" fn log_error(
        _: *mut c_void,
        _: u32,
        _: *const u16,
        _: *mut SYNCMGRLOGERRORINFO,
    ) -> HRESULT {
        HRESULT(16)
    }
    unsafe extern "system" fn wstr_dword(_: *mut c_void, _: *const u16, _: u32) -> HRESULT {
        HRESULT(17)
    }
    unsafe extern "system" fn next(
        _: *mut c_void,
        _: u32,
        _: *mut SYNCMGRITEM,
        _: *mut u32,
    ) -> HRESULT {
        HRESULT(18)
    }
    unsafe extern "system" fn dword(_: *mut c_void, _: u32) -> HRESULT {
        HRESULT(19)
    }
    unsafe extern "system" fn no_args(_: *mut c_void) -> HRESULT {
        HRESULT(20)
    }
    unsafe extern "system" fn update_items(
        _: *mut c_void,
        _: u32,
        _: *const GUID,
        _: u32,
        _: *const u8,
    ) -> HRESULT {
        HRESULT(21)
    }
    unsafe extern "system" fn register_handler(
        _: *mut c_void,
        _: *const GUID,
        _: *const u16,
        _: u32,
    ) -> HRESULT {
        HRESULT(22)
    }
    unsafe extern "system" fn registration_info(
        _: *mut c_void,
        _: *const GUID,
        _: *mut u32,
    ) -> HRESULT {
        HRESULT(23)
    }

    let unknown = || IUnknown_Vtbl {
        QueryInterface: query_interface,
        AddRef: add_ref,
        Release: release,
    };
    let base: [usize; 3] = [
        query_interface as *const () as usize,
        add_ref as *const () as usize,
        release as *const () as usize,
    ];

    /// The vtable as an array of function addresses.
    fn slots_of<V>(v: &V) -> &[usize] {
        let count = size_of::<V>() / size_of::<usize>();
        // SAFETY: every vtable is a repr(C) struct of `count` function pointers, each the size
        // and alignment of usize, so it can be read as `count` usizes.
        unsafe { std::slice::from_raw_parts(std::ptr::from_ref(v).cast::<usize>(), count) }
    }

    let v = ISyncMgrSynchronize_Vtbl {
        base__: unknown(),
        Initialize: initialize,
        GetHandlerInfo: get_handler_info,
        EnumSyncMgrItems: out_interface,
        GetItemObject: get_item_object,
        ShowProperties: hwnd_guid,
        SetProgressCallback: in_interface,
        PrepareForSync: prepare_for_sync,
        Synchronize: synchronize,
        SetItemStatus: guid_dword,
        ShowError: hwnd_guid,
    };
    let mut expected = base.to_vec();
    expected.extend([
        initialize as *const () as usize,
        get_handler_info as *const () as usize,
        out_interface as *const () as usize,
        get_item_object as *const () as usize,
        hwnd_guid as *const () as usize,
        in_interface as *const () as usize,
        prepare_for_sync as *const () as usize,
        synchronize as *const () as usize,
        guid_dword as *const () as usize,
        hwnd_guid as *const () as usize,
    ]);
    assert_eq!(slots_of(&v), expected.as_slice());

    let v = ISyncMgrSynchronizeCallback_Vtbl {
        base__: unknown(),
        ShowPropertiesCompleted: completed,
        PrepareForSyncCompleted: completed,
        SynchronizeCompleted: completed,
        ShowErrorCompleted: show_error_completed,
        EnableModeless: enable_modeless,
        Progress: progress,
        LogError: log_error,
        DeleteLogError: guid_dword,
        EstablishConnection: wstr_dword,
    };
    let mut expected = base.to_vec();
    expected.extend([
        completed as *const () as usize,
        completed as *const () as usize,
        completed as *const () as usize,
        show_error_completed as *const () as usize,
        enable_modeless as *const () as usize,
        progress as *const () as usize,
        log_error as *const () as usize,
        guid_dword as *const () as usize,
        wstr_dword as *const () as usize,
    ]);
    assert_eq!(slots_of(&v), expected.as_slice());

    let v = ISyncMgrEnumItems_Vtbl {
        base__: unknown(),
        Next: next,
        Skip: dword,
        Reset: no_args,
        Clone: out_interface,
    };
    let mut expected = base.to_vec();
    expected.extend([
        next as *const () as usize,
        dword as *const () as usize,
        no_args as *const () as usize,
        out_interface as *const () as usize,
    ]);
    assert_eq!(slots_of(&v), expected.as_slice());

    let v = ISyncMgrSynchronizeInvoke_Vtbl {
        base__: unknown(),
        UpdateItems: update_items,
        UpdateAll: no_args,
    };
    let mut expected = base.to_vec();
    expected.extend([
        update_items as *const () as usize,
        no_args as *const () as usize,
    ]);
    assert_eq!(slots_of(&v), expected.as_slice());

    let v = ISyncMgrRegister_Vtbl {
        base__: unknown(),
        RegisterSyncMgrHandler: register_handler,
        UnregisterSyncMgrHandler: guid_dword,
        GetHandlerRegistrationInfo: registration_info,
    };
    let mut expected = base.to_vec();
    expected.extend([
        register_handler as *const () as usize,
        guid_dword as *const () as usize,
        registration_info as *const () as usize,
    ]);
    assert_eq!(slots_of(&v), expected.as_slice());

    // Field types of the structs, likewise typed from the header.
    let item = SYNCMGRITEM::default();
    let _: (u32, u32, GUID, u32, HICON, [u16; 128], FILETIME) = (
        item.cbSize,
        item.dwFlags,
        item.ItemID,
        item.dwItemState,
        item.hIcon,
        item.wszItemName,
        item.ftLastUpdate,
    );
    let info = SYNCMGRHANDLERINFO::default();
    let _: (u32, HICON, u32, [u16; 32]) = (
        info.cbSize,
        info.hIcon,
        info.SyncMgrHandlerFlags,
        info.wszHandlerName,
    );
    let progress = SYNCMGRPROGRESSITEM::default();
    let _: (u32, u32, *const u16, u32, i32, i32) = (
        progress.cbSize,
        progress.mask,
        progress.lpcStatusText,
        progress.dwStatusType,
        progress.iProgValue,
        progress.iMaxValue,
    );
    let log = SYNCMGRLOGERRORINFO::default();
    let _: (u32, u32, u32, GUID, GUID) = (
        log.cbSize,
        log.mask,
        log.dwSyncMgrErrorFlags,
        log.ErrorID,
        log.ItemID,
    );
    let time = FILETIME::default();
    let _: (u32, u32) = (time.dwLowDateTime, time.dwHighDateTime);
    // Defaults are all-zero.
    assert!(progress.lpcStatusText.is_null() && item.hIcon.is_null() && info.cbSize == 0);
}

/// The hand-written lists in `abi_support` (and so the expectations above) cover exactly the
/// structs, fields, interfaces, methods, IIDs and constants the IDL declares.
#[test]
fn the_checks_cover_every_declaration_of_the_idl() {
    let api = model_api();
    let mut model_structs = BTreeSet::new();
    let mut model_vtables = BTreeSet::new();
    let mut model_guids = BTreeSet::new();
    let mut model_consts = BTreeSet::new();
    for d in &api.decls {
        match &d.kind {
            DeclKind::Struct(s) => {
                let fields: Vec<String> = s.fields.iter().map(|f| f.name.clone()).collect();
                model_structs.insert((d.name.clone(), fields));
            }
            DeclKind::Interface(i) => {
                let methods: Vec<(String, usize)> = i
                    .inherited
                    .iter()
                    .chain(&i.methods)
                    .map(|m| (m.name.clone(), m.slot))
                    .collect();
                model_vtables.insert((d.name.clone(), i.slot_count(), methods));
                model_guids.insert(format!("IID_{}", d.name));
            }
            DeclKind::Class(_) => {
                model_guids.insert(format!("CLSID_{}", d.name));
            }
            DeclKind::Enum(e) => {
                model_consts.extend(e.variants.iter().map(|v| v.name.clone()));
            }
            DeclKind::Const(_) => {
                model_consts.insert(d.name.clone());
            }
            _ => {}
        }
    }
    let checked_structs: BTreeSet<(String, Vec<String>)> = abi_support::structs()
        .into_iter()
        .map(|s| {
            (
                s.name.to_string(),
                s.fields.iter().map(|(f, _)| f.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(checked_structs, model_structs);
    type Vtable = (String, usize, Vec<(String, usize)>);
    let checked_vtables: BTreeSet<Vtable> = EXPECTED_VTABLES
        .iter()
        .map(|&(i, n, m)| {
            (
                i.to_string(),
                n,
                m.iter().map(|&(m, s)| (m.to_string(), s)).collect(),
            )
        })
        .collect();
    assert_eq!(checked_vtables, model_vtables);
    let checked_guids: BTreeSet<String> =
        EXPECTED_GUIDS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(checked_guids, model_guids);
    let checked_consts: BTreeSet<String> = EXPECTED_CONSTANTS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(checked_consts, model_consts);
}

#[test]
fn interfaces_follow_windows_core_conventions() {
    use windows_core::Interface;
    // One pointer, repr(transparent) over IUnknown.
    assert_eq!(size_of::<ISyncMgrSynchronize>(), size_of::<*mut c_void>());
    assert_eq!(
        size_of::<Option<ISyncMgrEnumItems>>(),
        size_of::<*mut c_void>()
    );
    assert_eq!(ISyncMgrRegister::IID, sys::IID_ISyncMgrRegister);
    assert_eq!(
        ISyncMgrSynchronizeCallback::IID,
        sys::IID_ISyncMgrSynchronizeCallback
    );
    assert_eq!(
        ISyncMgrSynchronizeInvoke::IID,
        sys::IID_ISyncMgrSynchronizeInvoke
    );
    assert_eq!(ISyncMgrEnumItems::IID, sys::IID_ISyncMgrEnumItems);
    // Enums and codes.
    assert_eq!(SYNCMGRSTATUS::default(), SYNCMGRSTATUS_STOPPED);
    assert!(S_SYNCMGR_CANCELITEM.is_ok() && S_SYNCMGR_CANCELALL.is_ok());
    // Debug shows UTF-16 names as text.
    let mut item = SYNCMGRITEM::default();
    for (slot, unit) in item.wszItemName.iter_mut().zip("Docs".encode_utf16()) {
        *slot = unit;
    }
    assert!(format!("{item:?}").contains("wszItemName: \"Docs\""));
}
