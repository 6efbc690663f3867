//! Conflicts: [`ConflictStore`] (a ready `ISyncMgrConflictStore` over a list of [`Conflict`]s),
//! the objects it hands out (`IEnumSyncMgrConflict`, `ISyncMgrConflict` with its
//! `ISyncMgrResolutionHandler`, `ISyncMgrConflictItems`), and [`ConflictResolver`], through
//! which a handler supplies what resolving a conflict does. The contract is on
//! [`ConflictStore`].

use std::ffi::c_void;
use std::mem::offset_of;
use std::sync::{Arc, Mutex, MutexGuard};

use windows_core::{GUID, HRESULT};

use crate::abi::{self, InterfaceOut};
use crate::hresults::{E_INVALIDARG, E_NOTIMPL, E_OUTOFMEMORY};
use crate::syncmgr::interfaces::{
    EnumSyncMgrConflict, EnumSyncMgrConflictSkipOutcome, SyncMgrConflict, SyncMgrConflictItems,
    SyncMgrConflictStore, SyncMgrResolutionHandler,
};
use crate::syncmgr::sys::{
    BYTE_BLOB, CONFIRM_CONFLICT_ITEM, IEnumSyncMgrConflict, ISyncMgrConflict,
    ISyncMgrConflictItems, ISyncMgrConflictResolutionItems, ISyncMgrConflictResolveInfo,
    ISyncMgrConflictStore, ISyncMgrResolutionHandler, PROPERTYKEY, SYNCMGR_CIT_UPDATED,
    SYNCMGR_CONFLICT_ID_INFO, SYNCMGR_CONFLICT_ITEM_TYPE, SYNCMGR_PC_KEEP_MULTIPLE,
    SYNCMGR_PC_KEEP_ONE, SYNCMGR_PC_KEEP_RECENT, SYNCMGR_PC_NO_CHOICE,
    SYNCMGR_PC_REMOVE_FROM_SYNC_SET, SYNCMGR_PC_SKIP, SYNCMGR_RA_KEEP_MULTIPLE,
    SYNCMGR_RA_KEEP_SINGLE, SYNCMGR_RA_KEEPRECENT, SYNCMGR_RA_REMOVEFROMSYNCSET,
    SYNCMGR_RESOLUTION_ABILITIES_FLAGS, SYNCMGR_RESOLUTION_FEEDBACK, SYNCMGR_RF_CONTINUE,
    tagPROPVARIANT,
};
use crate::{ComObject, WStr};

/// `HRESULT_FROM_WIN32(ERROR_NOT_FOUND)` (`0x80070490`): what `BindToConflict` and
/// `RemoveConflicts` answer for a conflict ID the store does not hold.
pub const E_CONFLICT_NOT_FOUND: HRESULT = HRESULT(0x8007_0490_u32 as i32);

/// The longest conflict ID a store reads from a `SYNCMGR_CONFLICT_ID_INFO` (Sync Center
/// embeds IDs in item ID lists, so they are short); longer answers `E_INVALIDARG`.
pub const MAX_CONFLICT_ID_BYTES: usize = 4096;

/// `PKEY_ItemNameDisplay` (`{B725F130-47EF-101A-A5F1-02608C9EEBAC}`, 10): a conflict's
/// [`name`](Conflict::name) in `GetProperty`.
pub const PKEY_ITEM_NAME_DISPLAY: PROPERTYKEY = PROPERTYKEY {
    fmtid: GUID::from_u128(0xb725f130_47ef_101a_a5f1_02608c9eebac),
    pid: 10,
};

/// `PKEY_Comment` (`{F29F85E0-4FF9-1068-AB91-08002B27B3D9}`, 6): a conflict's
/// [`description`](Conflict::description) in `GetProperty`.
pub const PKEY_COMMENT: PROPERTYKEY = PROPERTYKEY {
    fmtid: GUID::from_u128(0xf29f85e0_4ff9_1068_ab91_08002b27b3d9),
    pid: 6,
};

/// `VT_LPWSTR`, the `PROPVARIANT` type of a task-allocated UTF-16 string.
const VT_LPWSTR: u16 = 31;

/// One version in a conflict: a `CONFIRM_CONFLICT_ITEM`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConflictVersion {
    /// `pszOriginalName`: the version's name.
    pub original_name: String,
    /// `pszAlternateName`: the name it is kept under when several versions are kept (`None`:
    /// null).
    pub alternate_name: Option<String>,
    /// `pszLocationShort`: where the version is, briefly ("Source", "Backup").
    pub location_short: String,
    /// `pszLocationFull`: where the version is, in full (a path).
    pub location_full: String,
    /// `nType`: how this version differs (`SYNCMGR_CIT_UPDATED` or `SYNCMGR_CIT_DELETED`).
    pub kind: SYNCMGR_CONFLICT_ITEM_TYPE,
}

impl ConflictVersion {
    /// An updated version (`SYNCMGR_CIT_UPDATED`) with this name and these locations.
    pub fn updated(
        original_name: impl Into<String>,
        location_short: impl Into<String>,
        location_full: impl Into<String>,
    ) -> Self {
        ConflictVersion {
            original_name: original_name.into(),
            alternate_name: None,
            location_short: location_short.into(),
            location_full: location_full.into(),
            kind: SYNCMGR_CIT_UPDATED,
        }
    }

    /// With this alternate name.
    pub fn alternate_name(mut self, name: impl Into<String>) -> Self {
        self.alternate_name = Some(name.into());
        self
    }
}

/// One conflict of a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// Unique within the store and stable across instances (Sync Center keeps it); the UTF-8
    /// bytes of `pblobID` on the ABI, at most [`MAX_CONFLICT_ID_BYTES`].
    pub id: String,
    /// The Sync Center item it belongs to (`EnumConflicts` and `GetCount` filter on it).
    pub item_id: String,
    /// What Sync Center shows (`PKEY_ItemNameDisplay`).
    pub name: String,
    /// A description (`PKEY_Comment`).
    pub description: String,
    /// The versions in conflict, in the order their indexes refer to.
    pub versions: Vec<ConflictVersion>,
}

/// One version the user chose to keep (`CONFIRM_CONFLICT_RESULT_INFO`, or an index from
/// `ISyncMgrConflictResolveInfo::GetItemChoice`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptVersion {
    /// Its index in [`Conflict::versions`].
    pub index: usize,
    /// The name to keep it under, when the caller gave one (`pszNewName`).
    pub new_name: Option<String>,
}

/// How the user chose to resolve a conflict (see the [`ConflictStore`] documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Keep these versions (one or more, indexes distinct and in range, ascending).
    Keep(Vec<KeptVersion>),
    /// Keep the most recent version.
    KeepRecent,
    /// Stop synchronizing the item and drop the conflict.
    RemoveFromSyncSet,
}

impl Resolution {
    /// The resolution ability (`SYNCMGR_RA_*`) this resolution needs.
    pub fn ability(&self) -> SYNCMGR_RESOLUTION_ABILITIES_FLAGS {
        match self {
            Resolution::Keep(kept) if kept.len() == 1 => SYNCMGR_RA_KEEP_SINGLE.0 as u32,
            Resolution::Keep(_) => SYNCMGR_RA_KEEP_MULTIPLE.0 as u32,
            Resolution::KeepRecent => SYNCMGR_RA_KEEPRECENT.0 as u32,
            Resolution::RemoveFromSyncSet => SYNCMGR_RA_REMOVEFROMSYNCSET.0 as u32,
        }
    }
}

/// What resolving and removing a conflict does: the handler's part of a [`ConflictStore`]. A
/// closure `Fn(&Conflict, &Resolution) -> Result<()>` is one, with the default abilities.
pub trait ConflictResolver: Send + Sync {
    /// The `SYNCMGR_RA_*` flags offered (`QueryAbilities`); default: keep one version or
    /// several (`SYNCMGR_RA_KEEP_SINGLE | SYNCMGR_RA_KEEP_MULTIPLE`).
    fn abilities(&self) -> SYNCMGR_RESOLUTION_ABILITIES_FLAGS {
        (SYNCMGR_RA_KEEP_SINGLE.0 | SYNCMGR_RA_KEEP_MULTIPLE.0) as u32
    }

    /// Resolves `conflict` as chosen; the store has checked `resolution` against the
    /// abilities and the versions. On success the conflict leaves the store.
    fn resolve(&self, conflict: &Conflict, resolution: &Resolution) -> windows_core::Result<()>;

    /// `RemoveConflicts`: the conflict is deleted without a resolution; default: nothing to do.
    fn remove(&self, conflict: &Conflict) -> windows_core::Result<()> {
        let _ = conflict;
        Ok(())
    }
}

impl<F> ConflictResolver for F
where
    F: Fn(&Conflict, &Resolution) -> windows_core::Result<()> + Send + Sync,
{
    fn resolve(&self, conflict: &Conflict, resolution: &Resolution) -> windows_core::Result<()> {
        self(conflict, resolution)
    }
}

/// What the store's objects share: the conflicts left and the resolver.
struct Shared {
    conflicts: Mutex<Vec<Conflict>>,
    resolver: Box<dyn ConflictResolver>,
}

/// A handler's conflicts as an `ISyncMgrConflictStore`: implement
/// [`SyncMgrConflictStore`] by forwarding to [`enumerate`](Self::enumerate),
/// [`bind`](Self::bind), [`remove`](Self::remove) and [`count`](Self::count), or hand out the
/// store itself ([`into_interface`](Self::into_interface)) from `ISyncMgrHandler::GetObject`
/// (`SYNCMGR_OBJECTID_ConflictStore`). Clones share the list.
///
/// The store answers for one handler ID (compared without regard to ASCII case): for another,
/// `EnumConflicts` is empty and `GetCount` zero.
///
/// # The resolution contract
///
/// A conflict has two or more *versions* ([`ConflictVersion`], Sync Center's
/// `CONFIRM_CONFLICT_ITEM`s, in a fixed order). Sync Center resolves a conflict in one of two
/// ways, and the store answers both with the same [`Resolution`]:
///
/// - `ISyncMgrConflict::Resolve(pResolveInfo)`: the conflict presenter recorded the user's
///   choice in an `ISyncMgrConflictResolveInfo`. The conflict reads `GetPresenterChoice`:
///   `SYNCMGR_PC_KEEP_ONE` (exactly one version, from `GetItemChoiceCount`/`GetItemChoice`) and
///   `SYNCMGR_PC_KEEP_MULTIPLE` (one or more) become [`Resolution::Keep`],
///   `SYNCMGR_PC_KEEP_RECENT` [`Resolution::KeepRecent`], `SYNCMGR_PC_REMOVE_FROM_SYNC_SET`
///   [`Resolution::RemoveFromSyncSet`]; `SYNCMGR_PC_NO_CHOICE` and `SYNCMGR_PC_SKIP` leave the
///   conflict as it is (`S_OK`).
/// - `ISyncMgrConflict::GetResolutionHandler` gives an `ISyncMgrResolutionHandler`:
///   `QueryAbilities` answers [`ConflictResolver::abilities`], `KeepItems` becomes
///   [`Resolution::Keep`] (with the names the user chose), `KeepRecent` and `RemoveFromSyncSet`
///   the other two; each answers `SYNCMGR_RF_CONTINUE`. `KeepOther` (keep a merged Shell item)
///   answers `E_NOTIMPL`: there is no `IShellItem` to take on this platform.
///
/// A choice the resolver's abilities do not include answers `E_NOTIMPL`; a version index out of
/// range, a `KEEP_ONE` with other than one version, an unknown choice or duplicate indexes answer
/// `E_INVALIDARG`. A conflict resolved (or removed) successfully leaves the store's list; the
/// resolver's error is returned unchanged and the conflict stays.
///
/// # Identities
///
/// A conflict's ID ([`Conflict::id`]) is a string, unique in its store; on the ABI it travels as
/// the UTF-8 bytes of `SYNCMGR_CONFLICT_ID_INFO::pblobID` (`pblobExtra` is an empty blob). Both
/// blobs of `GetConflictIdInfo` come from the COM task allocator: the caller frees each with
/// `CoTaskMemFree`. An ID the store does not hold answers [`E_CONFLICT_NOT_FOUND`]
/// (`HRESULT_FROM_WIN32(ERROR_NOT_FOUND)`); a null blob `E_POINTER`, a misaligned one
/// `E_INVALIDARG`, one longer than [`MAX_CONFLICT_ID_BYTES`] or not UTF-8 `E_INVALIDARG`.
///
/// `CONFIRM_CONFLICT_ITEM::pShellItem` is always null: no Shell exists on this platform to make
/// an `IShellItem2` from, so callers show the names and locations instead (under Windows, a
/// caller must accept null there too, as the handler offers none). Its strings come from the COM
/// task allocator; the caller frees each with `CoTaskMemFree`.
///
/// ```
/// use mobsync_runtime::syncmgr::{Conflict, ConflictStore, ConflictVersion, Resolution};
///
/// let conflict = Conflict {
///     id: "notes/a.txt".into(),
///     item_id: "notes".into(),
///     name: "a.txt".into(),
///     description: "changed on both sides".into(),
///     versions: vec![
///         ConflictVersion::updated("a.txt", "Source", "/src/notes/a.txt"),
///         ConflictVersion::updated("a.txt", "Backup", "/dst/notes/a.txt"),
///     ],
/// };
/// let store = ConflictStore::new("{handler}", vec![conflict], |_: &Conflict, r: &Resolution| {
///     assert!(matches!(r, Resolution::Keep(kept) if kept[0].index == 1));
///     Ok(())
/// });
/// store.resolve("notes/a.txt", &Resolution::Keep(vec![
///     mobsync_runtime::syncmgr::KeptVersion { index: 1, new_name: None },
/// ])).unwrap();
/// assert!(store.conflicts().is_empty());
/// ```
#[derive(Clone)]
pub struct ConflictStore {
    handler_id: String,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ConflictStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConflictStore")
            .field("handler_id", &self.handler_id)
            .field("conflicts", &*self.lock())
            .finish_non_exhaustive()
    }
}

crate::com_class::com_class!(ConflictStore => crate::syncmgr::sys::ISyncMgrConflictStore);

impl ConflictStore {
    /// The store of handler `handler_id` holding `conflicts`, resolved by `resolver`.
    pub fn new(
        handler_id: impl Into<String>,
        conflicts: Vec<Conflict>,
        resolver: impl ConflictResolver + 'static,
    ) -> Self {
        ConflictStore {
            handler_id: handler_id.into(),
            shared: Arc::new(Shared {
                conflicts: Mutex::new(conflicts),
                resolver: Box::new(resolver),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Conflict>> {
        // A resolver that panicked left the list as it was: keep using it.
        self.shared
            .conflicts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The conflicts left, in order.
    pub fn conflicts(&self) -> Vec<Conflict> {
        self.lock().clone()
    }

    /// The conflicts of handler `handler_id` (and item `item_id`, when given).
    fn select(&self, handler_id: &WStr, item_id: Option<&WStr>) -> Vec<Conflict> {
        if !handler_id
            .to_string_lossy()
            .eq_ignore_ascii_case(&self.handler_id)
        {
            return Vec::new();
        }
        let item_id = item_id.map(WStr::to_string_lossy);
        self.lock()
            .iter()
            .filter(|c| item_id.as_ref().is_none_or(|id| *id == c.item_id))
            .cloned()
            .collect()
    }

    /// `EnumConflicts`: an enumerator over a snapshot of the conflicts of `handler_id` (only
    /// those of item `item_id` when given).
    pub fn enumerate(
        &self,
        handler_id: &WStr,
        item_id: Option<&WStr>,
    ) -> windows_core::Result<IEnumSyncMgrConflict> {
        let conflicts = self.select(handler_id, item_id);
        Ok(ConflictEnumerator::new(self.clone(), conflicts).into_interface())
    }

    /// `GetCount`: how many conflicts `handler_id` (or its item `item_id`) has.
    pub fn count(&self, handler_id: &WStr, item_id: Option<&WStr>) -> windows_core::Result<u32> {
        u32::try_from(self.select(handler_id, item_id).len()).map_err(|_| E_INVALIDARG.into())
    }

    /// The conflict with this ID, if the store holds it.
    pub fn find(&self, id: &str) -> Option<Conflict> {
        self.lock().iter().find(|c| c.id == id).cloned()
    }

    /// `BindToConflict`: the conflict `info` identifies, as the interface asked for
    /// ([`E_CONFLICT_NOT_FOUND`] for an ID the store does not hold).
    pub fn bind(
        &self,
        info: &SYNCMGR_CONFLICT_ID_INFO,
        object: InterfaceOut<'_>,
    ) -> windows_core::Result<()> {
        // SAFETY: `info` came through the ABI, whose caller passes blobs that are null or
        // readable for their `clSize` bytes.
        let id = unsafe { read_conflict_id(info.pblobID) }?;
        let conflict = self.find(&id).ok_or(E_CONFLICT_NOT_FOUND)?;
        let interface: ISyncMgrConflict = ConflictObject {
            conflict,
            store: self.clone(),
        }
        .into_interface();
        object.set(&interface)
    }

    /// `RemoveConflicts`: deletes these conflicts without resolving them, after checking every
    /// ID (an unknown one, [`E_CONFLICT_NOT_FOUND`], removes none). The resolver's
    /// [`remove`](ConflictResolver::remove) is told of each.
    pub fn remove(&self, infos: &[SYNCMGR_CONFLICT_ID_INFO]) -> windows_core::Result<()> {
        let mut ids = Vec::with_capacity(infos.len());
        for info in infos {
            // SAFETY: as in `bind`.
            let id = unsafe { read_conflict_id(info.pblobID) }?;
            if self.find(&id).is_none() {
                return Err(E_CONFLICT_NOT_FOUND.into());
            }
            ids.push(id);
        }
        for id in ids {
            let Some(conflict) = self.find(&id) else {
                continue; // listed twice: already removed
            };
            self.shared.resolver.remove(&conflict)?;
            self.lock().retain(|c| c.id != id);
        }
        Ok(())
    }

    /// Resolves the conflict `id` as chosen, after checking the choice against the resolver's
    /// abilities and the conflict's versions (see the [`ConflictStore`] documentation); on
    /// success the conflict leaves the store.
    pub fn resolve(&self, id: &str, resolution: &Resolution) -> windows_core::Result<()> {
        let conflict = self.find(id).ok_or(E_CONFLICT_NOT_FOUND)?;
        check_resolution(&conflict, resolution)?;
        if self.shared.resolver.abilities() & resolution.ability() == 0 {
            return Err(E_NOTIMPL.into());
        }
        self.shared.resolver.resolve(&conflict, resolution)?;
        self.lock().retain(|c| c.id != id);
        Ok(())
    }

    /// Moves the store into a new COM object and returns its `ISyncMgrConflictStore` (the
    /// list stays shared with the clones).
    pub fn into_interface(self) -> ISyncMgrConflictStore {
        ComObject::new(self).into_interface()
    }
}

impl SyncMgrConflictStore for ConflictStore {
    fn enum_conflicts(
        &self,
        handler_id: &WStr,
        item_id: Option<&WStr>,
    ) -> windows_core::Result<IEnumSyncMgrConflict> {
        self.enumerate(handler_id, item_id)
    }

    fn bind_to_conflict(
        &self,
        conflict_id_info: &SYNCMGR_CONFLICT_ID_INFO,
        object: InterfaceOut<'_>,
    ) -> windows_core::Result<()> {
        self.bind(conflict_id_info, object)
    }

    fn remove_conflicts(
        &self,
        rg_conflict_id_info: &[SYNCMGR_CONFLICT_ID_INFO],
    ) -> windows_core::Result<()> {
        self.remove(rg_conflict_id_info)
    }

    fn get_count(&self, handler_id: &WStr, item_id: Option<&WStr>) -> windows_core::Result<u32> {
        self.count(handler_id, item_id)
    }
}

/// Checks the versions a resolution keeps: one or more, distinct, in range.
fn check_resolution(conflict: &Conflict, resolution: &Resolution) -> windows_core::Result<()> {
    if let Resolution::Keep(kept) = resolution {
        let mut seen = vec![false; conflict.versions.len()];
        if kept.is_empty() {
            return Err(E_INVALIDARG.into());
        }
        for k in kept {
            match seen.get_mut(k.index) {
                Some(s) if !*s => *s = true,
                _ => return Err(E_INVALIDARG.into()),
            }
        }
    }
    Ok(())
}

/// Reads the UTF-8 conflict ID of a `pblobID`.
///
/// # Safety
///
/// `blob` is null, misaligned, or a `BYTE_BLOB` readable for `clSize` data bytes.
unsafe fn read_conflict_id(blob: *mut BYTE_BLOB) -> windows_core::Result<String> {
    let header = abi::checked_ptr(blob.cast_const()).map_err(windows_core::Error::from)?;
    // SAFETY: checked non-null and aligned; readable per the contract.
    let len = unsafe { header.as_ref() }.clSize;
    let len = usize::try_from(len).map_err(|_| E_INVALIDARG)?;
    if len > MAX_CONFLICT_ID_BYTES {
        return Err(E_INVALIDARG.into());
    }
    // SAFETY: the data bytes follow the header's `abData` offset and are readable for `len`
    // bytes per the contract; the pointer keeps the provenance of the whole blob.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            header
                .as_ptr()
                .cast::<u8>()
                .cast_const()
                .add(offset_of!(BYTE_BLOB, abData)),
            len,
        )
    };
    String::from_utf8(bytes.to_vec()).map_err(|_| E_INVALIDARG.into())
}

/// A `BYTE_BLOB` holding `bytes`, from the COM task allocator.
fn task_blob(bytes: &[u8]) -> windows_core::Result<*mut BYTE_BLOB> {
    let size = offset_of!(BYTE_BLOB, abData)
        .checked_add(bytes.len().max(1))
        .ok_or(E_OUTOFMEMORY)?;
    let len = u32::try_from(bytes.len()).map_err(|_| E_INVALIDARG)?;
    let block = crate::task_mem::task_alloc(size)
        .ok_or(E_OUTOFMEMORY)?
        .cast::<BYTE_BLOB>();
    // SAFETY: the block is fresh, `size` bytes long and aligned for BYTE_BLOB (the task
    // allocator aligns to at least 8); the data bytes fit after the header.
    unsafe {
        std::ptr::addr_of_mut!((*block.as_ptr()).clSize).write(len);
        let data = block
            .as_ptr()
            .cast::<u8>()
            .add(offset_of!(BYTE_BLOB, abData));
        data.write(0);
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
    }
    Ok(block.as_ptr())
}

/// The `SYNCMGR_CONFLICT_ID_INFO` of a conflict ID: two task-allocated blobs.
fn id_info(id: &str) -> windows_core::Result<SYNCMGR_CONFLICT_ID_INFO> {
    if id.len() > MAX_CONFLICT_ID_BYTES {
        return Err(E_INVALIDARG.into());
    }
    let id_blob = task_blob(id.as_bytes())?;
    match task_blob(&[]) {
        Ok(extra) => Ok(SYNCMGR_CONFLICT_ID_INFO {
            pblobID: id_blob,
            pblobExtra: extra,
        }),
        Err(e) => {
            // SAFETY: allocated just above and not handed out.
            unsafe { crate::task_mem::task_free(id_blob.cast()) };
            Err(e)
        }
    }
}

/// One conflict as a COM object: `ISyncMgrConflict` and, for `GetResolutionHandler`,
/// `ISyncMgrResolutionHandler`.
struct ConflictObject {
    conflict: Conflict,
    store: ConflictStore,
}

crate::com_class::com_class!(
    ConflictObject => crate::syncmgr::sys::ISyncMgrConflict,
    crate::syncmgr::sys::ISyncMgrResolutionHandler
);

impl ConflictObject {
    fn into_interface(self) -> ISyncMgrConflict {
        ComObject::new(self).into_interface()
    }

    fn copy(&self) -> ConflictObject {
        ConflictObject {
            conflict: self.conflict.clone(),
            store: self.store.clone(),
        }
    }

    fn resolve_as(&self, resolution: Resolution) -> windows_core::Result<()> {
        self.store.resolve(&self.conflict.id, &resolution)
    }
}

impl SyncMgrConflict for ConflictObject {
    fn get_property(&self, propkey: &PROPERTYKEY) -> windows_core::Result<tagPROPVARIANT> {
        let text = if *propkey == PKEY_ITEM_NAME_DISPLAY {
            &self.conflict.name
        } else if *propkey == PKEY_COMMENT {
            &self.conflict.description
        } else {
            // A property the conflict does not have: VT_EMPTY, as property stores answer.
            return Ok(tagPROPVARIANT::default());
        };
        let mut value = tagPROPVARIANT {
            vt: VT_LPWSTR,
            ..Default::default()
        };
        value.Anonymous.pwszVal = abi::task_wstr(text)?;
        Ok(value)
    }

    fn get_conflict_id_info(&self) -> windows_core::Result<SYNCMGR_CONFLICT_ID_INFO> {
        id_info(&self.conflict.id)
    }

    fn get_items_array(&self) -> windows_core::Result<ISyncMgrConflictItems> {
        Ok(ComObject::new(ConflictItems {
            versions: self.conflict.versions.clone(),
        })
        .into_interface())
    }

    fn resolve(&self, resolve_info: ISyncMgrConflictResolveInfo) -> windows_core::Result<()> {
        let (choice, _apply_to_all) = resolve_info.GetPresenterChoice()?;
        let resolution = match choice {
            SYNCMGR_PC_NO_CHOICE | SYNCMGR_PC_SKIP => return Ok(()),
            SYNCMGR_PC_KEEP_ONE | SYNCMGR_PC_KEEP_MULTIPLE => {
                let count = resolve_info.GetItemChoiceCount()?;
                if count == 0 || (choice == SYNCMGR_PC_KEEP_ONE && count != 1) {
                    return Err(E_INVALIDARG.into());
                }
                let mut kept = Vec::new();
                for n in 0..count.min(self.conflict.versions.len() as u32 + 1) {
                    let index = resolve_info.GetItemChoice(n)?;
                    kept.push(KeptVersion {
                        index: index as usize,
                        new_name: None,
                    });
                }
                kept.sort_by_key(|k| k.index);
                Resolution::Keep(kept)
            }
            SYNCMGR_PC_KEEP_RECENT => Resolution::KeepRecent,
            SYNCMGR_PC_REMOVE_FROM_SYNC_SET => Resolution::RemoveFromSyncSet,
            _ => return Err(E_INVALIDARG.into()),
        };
        self.resolve_as(resolution)
    }

    fn get_resolution_handler(&self, object: InterfaceOut<'_>) -> windows_core::Result<()> {
        let handler: ISyncMgrResolutionHandler = ComObject::new(self.copy()).into_interface();
        object.set(&handler)
    }
}

impl SyncMgrResolutionHandler for ConflictObject {
    fn query_abilities(&self) -> windows_core::Result<u32> {
        Ok(self.store.shared.resolver.abilities())
    }

    fn keep_other(
        &self,
        _psi_other: *mut c_void,
    ) -> windows_core::Result<SYNCMGR_RESOLUTION_FEEDBACK> {
        Err(E_NOTIMPL.into())
    }

    fn keep_recent(&self) -> windows_core::Result<SYNCMGR_RESOLUTION_FEEDBACK> {
        self.resolve_as(Resolution::KeepRecent)?;
        Ok(SYNCMGR_RF_CONTINUE)
    }

    fn remove_from_sync_set(&self) -> windows_core::Result<SYNCMGR_RESOLUTION_FEEDBACK> {
        self.resolve_as(Resolution::RemoveFromSyncSet)?;
        Ok(SYNCMGR_RF_CONTINUE)
    }

    fn keep_items(
        &self,
        array: ISyncMgrConflictResolutionItems,
    ) -> windows_core::Result<SYNCMGR_RESOLUTION_FEEDBACK> {
        let count = array.GetCount()?;
        if count == 0 || count as usize > self.conflict.versions.len() {
            return Err(E_INVALIDARG.into());
        }
        let mut kept = Vec::new();
        for n in 0..count {
            let info = array.GetItem(n)?;
            // SAFETY: `pszNewName` is null or a task-allocated string now ours: read, then
            // freed once.
            let new_name = unsafe {
                let name = WStr::from_ptr(info.pszNewName).map(WStr::to_string_lossy);
                crate::task_mem::task_free(info.pszNewName.cast());
                name
            };
            kept.push(KeptVersion {
                index: info.iItemIndex as usize,
                new_name,
            });
        }
        kept.sort_by_key(|k| k.index);
        self.resolve_as(Resolution::Keep(kept))?;
        Ok(SYNCMGR_RF_CONTINUE)
    }
}

/// The versions of a conflict: `ISyncMgrConflictItems`.
struct ConflictItems {
    versions: Vec<ConflictVersion>,
}

crate::com_class::com_class!(ConflictItems => crate::syncmgr::sys::ISyncMgrConflictItems);

impl SyncMgrConflictItems for ConflictItems {
    fn get_count(&self) -> windows_core::Result<u32> {
        u32::try_from(self.versions.len()).map_err(|_| E_INVALIDARG.into())
    }

    fn get_item(&self, index: u32) -> windows_core::Result<CONFIRM_CONFLICT_ITEM> {
        let version = self.versions.get(index as usize).ok_or(E_INVALIDARG)?;
        let mut strings = TaskStrings::default();
        Ok(CONFIRM_CONFLICT_ITEM {
            pShellItem: std::ptr::null_mut(),
            pszOriginalName: strings.add(Some(&version.original_name))?,
            pszAlternateName: strings.add(version.alternate_name.as_deref())?,
            pszLocationShort: strings.add(Some(&version.location_short))?,
            pszLocationFull: strings.add(Some(&version.location_full))?,
            nType: version.kind,
        })
        .inspect(|_| strings.keep())
    }
}

/// Task-allocated strings freed on drop unless kept (a failed `GetItem` leaks none).
#[derive(Default)]
struct TaskStrings(Vec<*mut u16>);

impl TaskStrings {
    fn add(&mut self, text: Option<&str>) -> windows_core::Result<*mut u16> {
        let Some(text) = text else {
            return Ok(std::ptr::null_mut());
        };
        let ptr = abi::task_wstr(text)?;
        self.0.push(ptr);
        Ok(ptr)
    }

    fn keep(mut self) {
        self.0.clear();
    }
}

impl Drop for TaskStrings {
    fn drop(&mut self) {
        for ptr in self.0.drain(..) {
            // SAFETY: allocated by `add` and not handed out (`keep` empties the list).
            unsafe { crate::task_mem::task_free(ptr.cast()) };
        }
    }
}

/// A ready `IEnumSyncMgrConflict` over a snapshot of a store's conflicts, with the COM
/// enumerator contract (`Next` returns `S_FALSE` when it fills fewer than asked, `Skip`
/// `S_FALSE` when fewer were left, `Clone` an independent enumerator at the same position).
struct ConflictEnumerator {
    store: ConflictStore,
    conflicts: Arc<[Conflict]>,
    position: Mutex<usize>,
}

crate::com_class::com_class!(ConflictEnumerator => crate::syncmgr::sys::IEnumSyncMgrConflict);

impl ConflictEnumerator {
    fn new(store: ConflictStore, conflicts: Vec<Conflict>) -> Self {
        ConflictEnumerator {
            store,
            conflicts: conflicts.into(),
            position: Mutex::new(0),
        }
    }

    fn into_interface(self) -> IEnumSyncMgrConflict {
        ComObject::new(self).into_interface()
    }

    fn advance(&self, count: usize) -> std::ops::Range<usize> {
        let mut position = self.position.lock().unwrap_or_else(|e| e.into_inner());
        let start = *position;
        let end = start
            .saturating_add(count)
            .min(self.conflicts.len())
            .max(start);
        *position = end;
        start..end
    }
}

impl EnumSyncMgrConflict for ConflictEnumerator {
    fn next(&self, items: &mut [Option<ISyncMgrConflict>]) -> windows_core::Result<usize> {
        let range = self.advance(items.len());
        let filled = range.len();
        for (slot, conflict) in items.iter_mut().zip(&self.conflicts[range]) {
            *slot = Some(
                ConflictObject {
                    conflict: conflict.clone(),
                    store: self.store.clone(),
                }
                .into_interface(),
            );
        }
        Ok(filled)
    }

    fn skip(&self, count: u32) -> windows_core::Result<EnumSyncMgrConflictSkipOutcome> {
        let requested = count as usize;
        Ok(if self.advance(requested).len() == requested {
            EnumSyncMgrConflictSkipOutcome::S_OK
        } else {
            EnumSyncMgrConflictSkipOutcome::S_FALSE
        })
    }

    fn reset(&self) -> windows_core::Result<()> {
        *self.position.lock().unwrap_or_else(|e| e.into_inner()) = 0;
        Ok(())
    }

    fn clone_com(&self) -> windows_core::Result<IEnumSyncMgrConflict> {
        let position = *self.position.lock().unwrap_or_else(|e| e.into_inner());
        Ok(ConflictEnumerator {
            store: self.store.clone(),
            conflicts: self.conflicts.clone(),
            position: Mutex::new(position),
        }
        .into_interface())
    }
}
