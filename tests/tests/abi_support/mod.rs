//! The Rust side's view of the ABI of `mobsync_runtime::sys`, measured with `size_of`,
//! `align_of` and `offset_of!`: every struct with every field, every vtable with every slot,
//! every IID/CLSID and every integer constant. Shared by `abi_layout.rs` (which compares it with
//! numbers typed from the published Windows x64 header) and `c_header.rs` (which makes the C
//! compiler assert the same numbers against the generated header and the SDK's `<mobsync.h>`).
//!
//! The lists name things by hand; `abi_layout.rs` checks that they cover exactly what the IDL
//! model declares, so a declaration added to `mobsync.idl` cannot go unchecked.

#![allow(dead_code)]

use std::mem::{align_of, offset_of, size_of};

use mobsync_runtime::sys;
use windows_core::GUID;

/// A struct's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructLayout {
    /// The SDK name.
    pub name: &'static str,
    /// `sizeof`.
    pub size: usize,
    /// `alignof`.
    pub align: usize,
    /// Every field with its offset, in declaration order.
    pub fields: Vec<(&'static str, usize)>,
}

/// A vtable's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VtableLayout {
    /// The interface name.
    pub interface: &'static str,
    /// The number of slots (`size_of::<X_Vtbl>() / size_of::<usize>()`).
    pub slots: usize,
    /// Every method (the `IUnknown` ones first) with its slot index.
    pub methods: Vec<(&'static str, usize)>,
}

/// A named GUID constant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidConst {
    /// `IID_X` or `CLSID_X`.
    pub name: &'static str,
    /// The value.
    pub value: GUID,
}

/// A named integer constant (enumerators, HRESULT codes, `#define`d numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntConst {
    /// The SDK name.
    pub name: &'static str,
    /// The value.
    pub value: i64,
}

/// A scalar type's size and alignment (handles, enums, HRESULT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalarLayout {
    /// The SDK name.
    pub name: &'static str,
    /// `sizeof`.
    pub size: usize,
    /// `alignof`.
    pub align: usize,
}

macro_rules! layout {
    ($t:ident { $($f:ident),* $(,)? }) => {
        StructLayout {
            name: stringify!($t),
            size: size_of::<sys::$t>(),
            align: align_of::<sys::$t>(),
            fields: vec![$((stringify!($f), offset_of!(sys::$t, $f))),*],
        }
    };
}

macro_rules! vtable {
    ($i:ident, $v:ident { $($m:ident),* $(,)? }) => {
        VtableLayout {
            interface: stringify!($i),
            slots: size_of::<sys::$v>() / size_of::<usize>(),
            methods: vec![
                ("QueryInterface", offset_of!(sys::$v, base__.QueryInterface) / size_of::<usize>()),
                ("AddRef", offset_of!(sys::$v, base__.AddRef) / size_of::<usize>()),
                ("Release", offset_of!(sys::$v, base__.Release) / size_of::<usize>()),
                $((stringify!($m), offset_of!(sys::$v, $m) / size_of::<usize>())),*
            ],
        }
    };
}

macro_rules! scalar {
    ($t:ident) => {
        ScalarLayout {
            name: stringify!($t),
            size: size_of::<sys::$t>(),
            align: align_of::<sys::$t>(),
        }
    };
}

macro_rules! guid {
    ($name:ident) => {
        GuidConst {
            name: stringify!($name),
            value: sys::$name,
        }
    };
}

/// Enumerators (`E(pub i32)` newtypes) and HRESULT codes: the `.0` field.
macro_rules! newtype_const {
    ($($name:ident),* $(,)?) => {
        vec![$(IntConst { name: stringify!($name), value: i64::from(sys::$name.0) }),*]
    };
}

/// Plain integer constants.
macro_rules! int_const {
    ($($name:ident),* $(,)?) => {
        vec![$(IntConst { name: stringify!($name), value: i64::from(sys::$name) }),*]
    };
}

/// Every struct of `sys`, every field.
pub fn structs() -> Vec<StructLayout> {
    vec![
        layout!(FILETIME {
            dwLowDateTime,
            dwHighDateTime
        }),
        layout!(SYNCMGRHANDLERINFO {
            cbSize,
            hIcon,
            SyncMgrHandlerFlags,
            wszHandlerName
        }),
        layout!(SYNCMGRPROGRESSITEM {
            cbSize,
            mask,
            lpcStatusText,
            dwStatusType,
            iProgValue,
            iMaxValue
        }),
        layout!(SYNCMGRLOGERRORINFO {
            cbSize,
            mask,
            dwSyncMgrErrorFlags,
            ErrorID,
            ItemID
        }),
        layout!(SYNCMGRITEM {
            cbSize,
            dwFlags,
            ItemID,
            dwItemState,
            hIcon,
            wszItemName,
            ftLastUpdate
        }),
    ]
}

/// `GUID` (from `windows_core`), with the C field names.
pub fn guid_layout() -> StructLayout {
    StructLayout {
        name: "GUID",
        size: size_of::<GUID>(),
        align: align_of::<GUID>(),
        fields: vec![
            ("Data1", offset_of!(GUID, data1)),
            ("Data2", offset_of!(GUID, data2)),
            ("Data3", offset_of!(GUID, data3)),
            ("Data4", offset_of!(GUID, data4)),
        ],
    }
}

/// Handles, enums and typedefs whose size matters.
pub fn scalars() -> Vec<ScalarLayout> {
    vec![
        scalar!(HWND),
        scalar!(HICON),
        scalar!(SYNCMGRFLAG),
        scalar!(SYNCMGRHANDLERFLAGS),
        scalar!(SYNCMGRSTATUS),
        scalar!(SYNCMGRLOGLEVEL),
        scalar!(SYNCMGRERRORFLAGS),
        scalar!(SYNCMGRITEMFLAGS),
        scalar!(SYNCMGRINVOKEFLAGS),
        scalar!(SYNCMGRREGISTERFLAGS),
        scalar!(SYNCMGRITEMID),
        scalar!(SYNCMGRERRORID),
        ScalarLayout {
            name: "HRESULT",
            size: size_of::<windows_core::HRESULT>(),
            align: align_of::<windows_core::HRESULT>(),
        },
    ]
}

/// Every vtable of `sys`, every slot.
pub fn vtables() -> Vec<VtableLayout> {
    vec![
        vtable!(
            ISyncMgrSynchronize,
            ISyncMgrSynchronize_Vtbl {
                Initialize,
                GetHandlerInfo,
                EnumSyncMgrItems,
                GetItemObject,
                ShowProperties,
                SetProgressCallback,
                PrepareForSync,
                Synchronize,
                SetItemStatus,
                ShowError,
            }
        ),
        vtable!(
            ISyncMgrSynchronizeCallback,
            ISyncMgrSynchronizeCallback_Vtbl {
                ShowPropertiesCompleted,
                PrepareForSyncCompleted,
                SynchronizeCompleted,
                ShowErrorCompleted,
                EnableModeless,
                Progress,
                LogError,
                DeleteLogError,
                EstablishConnection,
            }
        ),
        vtable!(
            ISyncMgrEnumItems,
            ISyncMgrEnumItems_Vtbl {
                Next,
                Skip,
                Reset,
                Clone
            }
        ),
        vtable!(
            ISyncMgrSynchronizeInvoke,
            ISyncMgrSynchronizeInvoke_Vtbl {
                UpdateItems,
                UpdateAll
            }
        ),
        vtable!(
            ISyncMgrRegister,
            ISyncMgrRegister_Vtbl {
                RegisterSyncMgrHandler,
                UnregisterSyncMgrHandler,
                GetHandlerRegistrationInfo,
            }
        ),
    ]
}

/// Every IID and CLSID of `sys`.
pub fn guids() -> Vec<GuidConst> {
    vec![
        guid!(IID_ISyncMgrSynchronize),
        guid!(IID_ISyncMgrSynchronizeCallback),
        guid!(IID_ISyncMgrEnumItems),
        guid!(IID_ISyncMgrSynchronizeInvoke),
        guid!(IID_ISyncMgrRegister),
        guid!(CLSID_SyncMgr),
    ]
}

/// Every enumerator and integer constant of `sys`.
pub fn constants() -> Vec<IntConst> {
    let mut out = newtype_const![
        S_SYNCMGR_MISSINGITEMS,
        S_SYNCMGR_RETRYSYNC,
        S_SYNCMGR_CANCELITEM,
        S_SYNCMGR_CANCELALL,
        S_SYNCMGR_ITEMDELETED,
        S_SYNCMGR_ENUMITEMS,
        SYNCMGRFLAG_CONNECT,
        SYNCMGRFLAG_PENDINGDISCONNECT,
        SYNCMGRFLAG_MANUAL,
        SYNCMGRFLAG_IDLE,
        SYNCMGRFLAG_INVOKE,
        SYNCMGRFLAG_SCHEDULED,
        SYNCMGRFLAG_EVENTMASK,
        SYNCMGRFLAG_SETTINGS,
        SYNCMGRFLAG_MAYBOTHERUSER,
        SYNCMGRHANDLER_HASPROPERTIES,
        SYNCMGRHANDLER_MAYESTABLISHCONNECTION,
        SYNCMGRHANDLER_ALWAYSLISTHANDLER,
        SYNCMGRSTATUS_STOPPED,
        SYNCMGRSTATUS_SKIPPED,
        SYNCMGRSTATUS_PENDING,
        SYNCMGRSTATUS_UPDATING,
        SYNCMGRSTATUS_SUCCEEDED,
        SYNCMGRSTATUS_FAILED,
        SYNCMGRSTATUS_PAUSED,
        SYNCMGRSTATUS_RESUMING,
        SYNCMGRSTATUS_DELETED,
        SYNCMGRLOGLEVEL_INFORMATION,
        SYNCMGRLOGLEVEL_WARNING,
        SYNCMGRLOGLEVEL_ERROR,
        SYNCMGRERRORFLAG_ENABLEJUMPTEXT,
        SYNCMGRITEM_HASPROPERTIES,
        SYNCMGRITEM_TEMPORARY,
        SYNCMGRITEM_ROAMINGUSER,
        SYNCMGRITEM_LASTUPDATETIME,
        SYNCMGRITEM_MAYDELETEITEM,
        SYNCMGRINVOKE_STARTSYNC,
        SYNCMGRINVOKE_MINIMIZED,
        SYNCMGRREGISTERFLAG_CONNECT,
        SYNCMGRREGISTERFLAG_PENDINGDISCONNECT,
        SYNCMGRREGISTERFLAG_IDLE,
    ];
    out.extend(int_const![
        MAX_SYNCMGRHANDLERNAME,
        SYNCMGRHANDLERFLAG_MASK,
        SYNCMGRITEMSTATE_UNCHECKED,
        SYNCMGRITEMSTATE_CHECKED,
        SYNCMGRPROGRESSITEM_STATUSTEXT,
        SYNCMGRPROGRESSITEM_STATUSTYPE,
        SYNCMGRPROGRESSITEM_PROGVALUE,
        SYNCMGRPROGRESSITEM_MAXVALUE,
        SYNCMGRLOGERROR_ERRORFLAGS,
        SYNCMGRLOGERROR_ERRORID,
        SYNCMGRLOGERROR_ITEMID,
        SYNCMGRITEM_ITEMFLAGMASK,
        MAX_SYNCMGRITEMNAME,
        SYNCMGRREGISTERFLAGS_MASK,
    ]);
    out
}
