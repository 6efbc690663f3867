//! A handler's conflicts, over the raw ABI as Sync Center's Conflicts folder reaches them: the
//! handler's `ISyncMgrConflictStore` (from `ISyncMgrHandler::GetObject(SYNCMGR_OBJECTID_ConflictStore)`
//! when its capabilities include `SYNCMGR_HCM_CONFLICT_STORE`, else by `QueryInterface` on the
//! handler), `EnumConflicts` per item (then for the handler as a whole, for conflicts of no
//! item), and per conflict `GetConflictIdInfo`, `GetProperty(PKEY_ItemNameDisplay, PKEY_Comment)`
//! and `GetItemsArray`.
//!
//! Resolving one plays the conflict presenter: the host binds the conflict by its ID
//! (`BindToConflict`), asks its `ISyncMgrResolutionHandler::QueryAbilities` whether the choice is
//! offered, records the choice in an `ISyncMgrConflictResolveInfo` (`SYNCMGR_PC_KEEP_ONE` with one
//! version, `SYNCMGR_PC_KEEP_MULTIPLE` with all) lent to the handler (guarded like the session objects), and
//! calls `ISyncMgrConflict::Resolve`.

use mobsync_runtime::WStr;
use mobsync_runtime::syncmgr::sys::{
    BYTE_BLOB, CONFIRM_CONFLICT_ITEM, IEnumSyncMgrConflict, ISyncMgrConflict,
    ISyncMgrConflictResolveInfo, ISyncMgrConflictStore, ISyncMgrHandler, ISyncMgrResolutionHandler,
    SYNCMGR_CIT_DELETED, SYNCMGR_CIT_UPDATED, SYNCMGR_CONFLICT_ID_INFO, SYNCMGR_HCM_CONFLICT_STORE,
    SYNCMGR_OBJECTID_ConflictStore, SYNCMGR_PC_KEEP_MULTIPLE, SYNCMGR_PC_KEEP_ONE,
    SYNCMGR_RA_KEEP_MULTIPLE, SYNCMGR_RA_KEEP_SINGLE, tagPROPVARIANT,
};
use mobsync_runtime::syncmgr::{PKEY_COMMENT, PKEY_ITEM_NAME_DISPLAY, ResolveInfo};
use mobsync_runtime::task_mem::task_free;
use serde::Serialize;
use windows_core::{GUID, HRESULT, Interface};

use super::host::SyncCenterHost;
use super::model::{CallError, HandlerDescription, display_name};
use super::stores::{StoreKind, store, with_handler};
use crate::hresult::{E_INVALIDARG, E_NOINTERFACE, E_NOTIMPL, S_FALSE, S_OK};
use crate::lent::Problems;
use crate::lent::sync_center::lend_resolve_info;
use crate::loader::HandlerSource;

/// The method named in a [`CallError`] when the conflict ID or the choice does not fit the
/// handler's conflicts.
pub const CHOOSE_CONFLICT: &str = "choose conflict";

/// `VT_LPWSTR`.
const VT_LPWSTR: u16 = 31;
/// `VT_EMPTY`.
const VT_EMPTY: u16 = 0;
/// The conflict store, as a handler offers it.
const CONFLICT_STORE: StoreKind = StoreKind {
    capability: SYNCMGR_HCM_CONFLICT_STORE.0 as u32,
    capability_name: "SYNCMGR_HCM_CONFLICT_STORE",
    object_id: SYNCMGR_OBJECTID_ConflictStore,
    object_id_name: "SYNCMGR_OBJECTID_ConflictStore",
    interface_name: "ISyncMgrConflictStore",
};

/// Conflicts asked for per `IEnumSyncMgrConflict::Next` call.
const BATCH: usize = 8;

/// One version in a conflict (`CONFIRM_CONFLICT_ITEM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictVersionReport {
    /// Its index (what a resolution names).
    pub index: u32,
    /// `pszOriginalName`.
    pub original_name: Option<String>,
    /// `pszAlternateName`: the name it is kept under when several versions are kept.
    pub alternate_name: Option<String>,
    /// `pszLocationShort`.
    pub location_short: Option<String>,
    /// `pszLocationFull`.
    pub location_full: Option<String>,
    /// `nType`: `updated`, `deleted` or `unknown`.
    pub kind: &'static str,
}

/// One conflict of a handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictReport {
    /// The ID (`pblobID`, as UTF-8; other bytes are replaced).
    pub id: String,
    /// The ID of the item whose enumeration listed it; none when only the handler's did.
    pub item: Option<String>,
    /// That item's name.
    pub item_name: Option<String>,
    /// `PKEY_ItemNameDisplay`.
    pub name: Option<String>,
    /// `PKEY_Comment`.
    pub description: Option<String>,
    /// The versions, by index.
    pub versions: Vec<ConflictVersionReport>,
}

/// A handler's conflicts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandlerConflicts {
    /// The CLSID.
    #[serde(serialize_with = "crate::model::ser_guid")]
    pub clsid: GUID,
    /// `ISyncMgrHandler::GetName`.
    pub name: String,
    /// The library it was loaded from.
    pub module: Option<std::path::PathBuf>,
    /// Whether it has a conflict store.
    pub conflict_store: bool,
    /// Its conflicts.
    pub conflicts: Vec<ConflictReport>,
    /// Calls that failed without stopping the listing, and broken contracts.
    pub problems: Vec<String>,
}

/// Which versions a resolution keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// Version 0 (folder-sync: the source).
    Source,
    /// Version 1 (folder-sync: the destination).
    Destination,
    /// Every version.
    Both,
}

impl std::fmt::Display for Keep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Keep::Source => "source",
            Keep::Destination => "destination",
            Keep::Both => "both",
        })
    }
}

/// A resolved conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// The CLSID.
    #[serde(serialize_with = "crate::model::ser_guid")]
    pub clsid: GUID,
    /// The handler's name.
    pub name: String,
    /// The conflict as it was listed before.
    pub conflict: ConflictReport,
    /// The choice.
    pub keep: Keep,
    /// The versions kept (indexes).
    pub kept: Vec<u32>,
    /// Whether the store still lists the conflict afterwards.
    pub still_listed: bool,
    /// Contract breaks and other problems.
    pub problems: Vec<String>,
}

impl SyncCenterHost {
    /// Loads a handler and lists its conflicts. The handler is released afterwards.
    pub fn conflicts(&self, source: HandlerSource) -> Result<HandlerConflicts, CallError> {
        let (mut report, module, leak) = with_handler(source, list)?;
        report.module = module;
        report.problems.extend(leak);
        Ok(report)
    }

    /// Loads a handler and resolves its conflict `id`, keeping `keep`.
    pub fn resolve(
        &self,
        source: HandlerSource,
        id: &str,
        keep: Keep,
    ) -> Result<Resolved, CallError> {
        let (mut resolved, _, leak) = with_handler(source, |handler, description| {
            resolve(handler, description, id, keep)
        })?;
        resolved.problems.extend(leak);
        Ok(resolved)
    }
}

/// Every conflict of the handler.
fn list(
    handler: &ISyncMgrHandler,
    description: &HandlerDescription,
) -> Result<HandlerConflicts, CallError> {
    let who = display_name(&description.name, &description.clsid);
    let mut problems = Vec::new();
    let store =
        store::<ISyncMgrConflictStore>(handler, description, &CONFLICT_STORE, &who, &mut problems)?;
    let mut report = HandlerConflicts {
        clsid: description.clsid,
        name: description.name.clone(),
        module: None,
        conflict_store: store.is_some(),
        conflicts: Vec::new(),
        problems,
    };
    let Some(store) = store else {
        return Ok(report);
    };
    let handler_id = wide(&crate::model::guid_string(&description.clsid));
    for item in &description.items {
        let item_id = wide(&item.id);
        let listed = enumerate(&store, &handler_id, Some(&item_id), &who, Some(&item.id))?;
        for mut conflict in listed {
            if report.conflicts.iter().all(|c| c.id != conflict.id) {
                conflict.item = Some(item.id.clone());
                conflict.item_name = Some(item.name.clone());
                report.conflicts.push(conflict);
            }
        }
    }
    let all = enumerate(&store, &handler_id, None, &who, None)?;
    let total = all.len();
    for conflict in all {
        if report.conflicts.iter().all(|c| c.id != conflict.id) {
            report.conflicts.push(conflict);
        }
    }
    match store.GetCount(&handler_id, None) {
        Ok(count) if count as usize != total => report.problems.push(format!(
            "{who}: ISyncMgrConflictStore::GetCount says {count}, its enumerator listed {total}"
        )),
        Ok(_) => {}
        Err(e) => report.problems.push(
            CallError::code(&who, None, "ISyncMgrConflictStore::GetCount", e.code()).to_string(),
        ),
    }
    Ok(report)
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// `EnumConflicts` and every conflict it lists.
fn enumerate(
    store: &ISyncMgrConflictStore,
    handler_id: &[u16],
    item_id: Option<&[u16]>,
    who: &str,
    item: Option<&str>,
) -> Result<Vec<ConflictReport>, CallError> {
    let method = "ISyncMgrConflictStore::EnumConflicts";
    let conflicts: IEnumSyncMgrConflict = store
        .EnumConflicts(handler_id, item_id)
        .map_err(|e| CallError::code(who, item, method, e.code()))?;
    let mut out = Vec::new();
    loop {
        let mut slots = [std::ptr::null_mut(); BATCH];
        let mut fetched = 0u32;
        // SAFETY: `slots` has room for BATCH pointers and `fetched` is writable; every pointer
        // handed out is taken over below.
        let hr = unsafe { conflicts.Next(BATCH as u32, slots.as_mut_ptr(), &mut fetched) };
        if hr != S_OK && hr != S_FALSE {
            return Err(CallError::code(who, item, "IEnumSyncMgrConflict::Next", hr));
        }
        let fetched = (fetched as usize).min(BATCH);
        for &raw in &slots[..fetched] {
            if raw.is_null() {
                return Err(CallError::new(
                    who,
                    item,
                    "IEnumSyncMgrConflict::Next",
                    E_INVALIDARG,
                    "a null conflict among those it said it fetched".into(),
                ));
            }
            // SAFETY: `Next` stored a counted ISyncMgrConflict pointer, now owned here.
            let conflict = unsafe { ISyncMgrConflict::from_raw(raw) };
            out.push(read_conflict(&conflict, who, item)?);
        }
        if hr == S_FALSE || fetched < BATCH {
            return Ok(out);
        }
    }
}

/// Takes the blobs of a `GetConflictIdInfo` (freeing both) and returns the ID bytes.
fn take_id_info(info: SYNCMGR_CONFLICT_ID_INFO) -> Option<Vec<u8>> {
    let read = |blob: *mut BYTE_BLOB| -> Option<Vec<u8>> {
        if blob.is_null() || !blob.is_aligned() {
            return None;
        }
        // SAFETY: a non-null, aligned blob from the task allocator, readable for its size.
        unsafe {
            let len = (*blob).clSize as usize;
            let data = blob
                .cast::<u8>()
                .add(std::mem::offset_of!(BYTE_BLOB, abData));
            Some(std::slice::from_raw_parts(data, len).to_vec())
        }
    };
    let id = read(info.pblobID);
    // SAFETY: both are null or task-allocated blobs now owned here, freed once.
    unsafe {
        task_free(info.pblobID.cast());
        task_free(info.pblobExtra.cast());
    }
    id
}

/// Takes a task-allocated string (freeing it).
fn take(ptr: *mut u16) -> Option<String> {
    // SAFETY: null or a NUL-terminated task-allocated string now owned here, freed once.
    unsafe {
        let text = WStr::from_ptr(ptr).map(WStr::to_string_lossy);
        task_free(ptr.cast());
        text
    }
}

/// A string property: `VT_LPWSTR` (taken), `VT_EMPTY` (none); another type is a problem.
fn property(
    conflict: &ISyncMgrConflict,
    key: &mobsync_runtime::syncmgr::sys::PROPERTYKEY,
) -> Option<String> {
    let value: tagPROPVARIANT = conflict.GetProperty(key).ok()?;
    match value.vt {
        // SAFETY: VT_LPWSTR: `pwszVal` is a task-allocated string now owned here.
        VT_LPWSTR => take(unsafe { value.Anonymous.pwszVal }),
        VT_EMPTY => None,
        _ => None,
    }
}

fn read_conflict(
    conflict: &ISyncMgrConflict,
    who: &str,
    item: Option<&str>,
) -> Result<ConflictReport, CallError> {
    let info = conflict
        .GetConflictIdInfo()
        .map_err(|e| CallError::code(who, item, "ISyncMgrConflict::GetConflictIdInfo", e.code()))?;
    let id = take_id_info(info).ok_or_else(|| {
        CallError::new(
            who,
            item,
            "ISyncMgrConflict::GetConflictIdInfo",
            E_INVALIDARG,
            "a null or misaligned pblobID".into(),
        )
    })?;
    let id = String::from_utf8_lossy(&id).into_owned();
    let items = conflict
        .GetItemsArray()
        .map_err(|e| CallError::code(who, item, "ISyncMgrConflict::GetItemsArray", e.code()))?;
    let count = items
        .GetCount()
        .map_err(|e| CallError::code(who, item, "ISyncMgrConflictItems::GetCount", e.code()))?;
    let mut versions = Vec::new();
    for index in 0..count.min(64) {
        let version: CONFIRM_CONFLICT_ITEM = items
            .GetItem(index)
            .map_err(|e| CallError::code(who, item, "ISyncMgrConflictItems::GetItem", e.code()))?;
        if !version.pShellItem.is_null() {
            // SAFETY: a non-null pShellItem is a counted interface pointer now owned here.
            drop(unsafe { windows_core::IUnknown::from_raw(version.pShellItem) });
        }
        versions.push(ConflictVersionReport {
            index,
            original_name: take(version.pszOriginalName),
            alternate_name: take(version.pszAlternateName),
            location_short: take(version.pszLocationShort),
            location_full: take(version.pszLocationFull),
            kind: match version.nType {
                SYNCMGR_CIT_UPDATED => "updated",
                SYNCMGR_CIT_DELETED => "deleted",
                _ => "unknown",
            },
        });
    }
    Ok(ConflictReport {
        id,
        item: None,
        item_name: None,
        name: property(conflict, &PKEY_ITEM_NAME_DISPLAY),
        description: property(conflict, &PKEY_COMMENT),
        versions,
    })
}

/// Resolves the conflict `id` of `handler`.
fn resolve(
    handler: &ISyncMgrHandler,
    description: &HandlerDescription,
    id: &str,
    keep: Keep,
) -> Result<Resolved, CallError> {
    let who = display_name(&description.name, &description.clsid);
    let listed = list(handler, description)?;
    let mut problems = listed.problems.clone();
    let Some(conflict) = listed.conflicts.iter().find(|c| c.id == id).cloned() else {
        let known: Vec<&str> = listed.conflicts.iter().map(|c| c.id.as_str()).collect();
        return Err(CallError::new(
            &who,
            None,
            CHOOSE_CONFLICT,
            E_INVALIDARG,
            format!(
                "the handler has no conflict with the ID {id} (its conflicts: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        ));
    };
    let count = conflict.versions.len() as u32;
    let kept: Vec<u32> = match keep {
        Keep::Source => vec![0],
        Keep::Destination => vec![1],
        Keep::Both => (0..count).collect(),
    };
    if kept.iter().any(|&k| k >= count) || kept.is_empty() {
        return Err(CallError::new(
            &who,
            None,
            CHOOSE_CONFLICT,
            E_INVALIDARG,
            format!("conflict {id} has {count} version(s): there is nothing to keep as {keep}"),
        ));
    }
    let store =
        store::<ISyncMgrConflictStore>(handler, description, &CONFLICT_STORE, &who, &mut problems)?
            .expect("a handler that listed a conflict has a conflict store");
    // The ID as the caller's BYTE_BLOB: a u32-aligned buffer, the size, then the bytes.
    let mut words = vec![0u32; 1 + id.len().div_ceil(4).max(1)];
    words[0] = id.len() as u32;
    // SAFETY: the buffer holds 4 + id.len() bytes at least; the bytes go after the size.
    unsafe {
        std::ptr::copy_nonoverlapping(
            id.as_ptr(),
            words
                .as_mut_ptr()
                .cast::<u8>()
                .add(std::mem::offset_of!(BYTE_BLOB, abData)),
            id.len(),
        );
    }
    let info = SYNCMGR_CONFLICT_ID_INFO {
        pblobID: words.as_mut_ptr().cast(),
        pblobExtra: std::ptr::null_mut(),
    };
    let bound: ISyncMgrConflict = store.BindToConflict(&info).map_err(|e| {
        CallError::code(
            &who,
            None,
            "ISyncMgrConflictStore::BindToConflict",
            e.code(),
        )
    })?;
    let single = kept.len() == 1;
    match bound.GetResolutionHandler::<ISyncMgrResolutionHandler>() {
        Ok(resolution) => match resolution.QueryAbilities() {
            Ok(abilities) => {
                let needed = if single {
                    SYNCMGR_RA_KEEP_SINGLE.0
                } else {
                    SYNCMGR_RA_KEEP_MULTIPLE.0
                } as u32;
                if abilities & needed == 0 {
                    return Err(CallError::new(
                        &who,
                        None,
                        CHOOSE_CONFLICT,
                        E_INVALIDARG,
                        format!(
                            "its resolution handler does not offer keeping {} (abilities 0x{abilities:x})",
                            if single {
                                "one version"
                            } else {
                                "several versions"
                            }
                        ),
                    ));
                }
            }
            Err(e) => problems.push(
                CallError::code(
                    &who,
                    None,
                    "ISyncMgrResolutionHandler::QueryAbilities",
                    e.code(),
                )
                .to_string(),
            ),
        },
        Err(e) if e.code() == E_NOTIMPL || e.code() == E_NOINTERFACE => {}
        Err(e) => problems.push(
            CallError::code(
                &who,
                None,
                "ISyncMgrConflict::GetResolutionHandler",
                e.code(),
            )
            .to_string(),
        ),
    }
    let choice = if single {
        SYNCMGR_PC_KEEP_ONE
    } else {
        SYNCMGR_PC_KEEP_MULTIPLE
    };
    let resolve_info: ISyncMgrConflictResolveInfo =
        ResolveInfo::new(choice, kept.clone()).into_interface();
    let found = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink: Problems = {
        let found = std::sync::Arc::clone(&found);
        let who = who.clone();
        std::sync::Arc::new(move |text| {
            found
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(format!("{who}: {text}"))
        })
    };
    let lent = lend_resolve_info(resolve_info, sink);
    // SAFETY: the lent object is a live ISyncMgrConflictResolveInfo for the whole call.
    let hr: HRESULT = unsafe { (bound.vtable().Resolve)(bound.as_raw(), lent.as_raw()) };
    let returned = lent.disconnect();
    problems.extend(found.lock().unwrap_or_else(|p| p.into_inner()).drain(..));
    if returned.over_releases > 0 {
        problems.push(format!(
            "{who}: released the host's ISyncMgrConflictResolveInfo {} time(s) more than it \
             added references",
            returned.over_releases
        ));
    }
    if hr.is_err() {
        let method = "ISyncMgrConflict::Resolve";
        // The handler's own text (its IErrorInfo), when it gave one.
        let text = mobsync_runtime::error_info::error_description(
            &bound
                .cast::<windows_core::IUnknown>()
                .map_err(|e| CallError::code(&who, None, "IUnknown::QueryInterface", e.code()))?,
            &ISyncMgrConflict::IID,
        );
        return Err(match text {
            Some(text) => CallError::new(
                &who,
                None,
                method,
                hr,
                format!("{}: {text}", crate::model::hresult_string(hr)),
            ),
            None => CallError::code(&who, None, method, hr),
        });
    }
    drop(bound);
    let after = list(handler, description)?;
    Ok(Resolved {
        clsid: description.clsid,
        name: description.name.clone(),
        still_listed: after.conflicts.iter().any(|c| c.id == id),
        conflict,
        keep,
        kept,
        problems,
    })
}
