//! The Sync Center face of folder-sync (Windows Vista and later): `ISyncMgrHandler` and
//! `ISyncMgrSyncItemContainer`, built with `#[derive(SyncCenterHandler)]`, next to the Sync
//! Manager class in the same DLL.
//!
//! The items are the same subfolders, with the same identities: an item's ID is its Sync
//! Manager item GUID in braces. `Synchronize` runs on the thread Sync Center calls it on and
//! returns when done (no thread of its own): per item, it copies new and changed files with
//! [`sync_folder_holding_back`] (holding back conflicts), reports each file through
//! `ISyncMgrSyncCallback::ReportProgress` and every file it cannot copy as an error event naming the path, polls `CanContinue` (and the cancel
//! request `ReportProgress` returns) before each item and between files, and ends each item
//! with `SYNCMGR_PS_SUCCEEDED`, `SYNCMGR_PS_FAILED` or `SYNCMGR_PS_CANCELED`.
//!
//! Conflicts: a file changed in the source and in the destination since the last Sync Center
//! synchronization is not overwritten but reported, as a warning event and as a conflict of the
//! handler's `ISyncMgrConflictStore` (capability `SYNCMGR_HCM_CONFLICT_STORE`; the store is the
//! handler object itself, and `GetObject(SYNCMGR_OBJECTID_ConflictStore)` gives one too), which
//! resolves it keeping the source, the destination or both: see [`crate::conflicts`].
//!
//! Events: the events a synchronization reports are kept per destination and served as the
//! handler's `ISyncMgrEventStore` (capability `SYNCMGR_HCM_EVENT_STORE`; the handler object
//! itself, and `GetObject(SYNCMGR_OBJECTID_EventStore)`), removable with `RemoveEvent`: see
//! [`crate::events`].
//!
//! `FOLDER_SYNC_FAULT=panic` makes `Synchronize` (of both classes) panic (see [`FAULT_ENV`]).
//!
//! Configuration: Sync Center passes no cookie, so the handler reads the cookie format of
//! [`crate::config`] from `FOLDER_SYNC_COOKIE`. Without it the handler has no items, and a
//! synchronization reports one error event saying so.

use std::path::Path;
use std::thread;

use mobsync_runtime::abi::InterfaceOut;
use mobsync_runtime::syncmgr::sys::{
    HWND, IEnumSyncMgrConflict, IEnumSyncMgrEvents, IEnumSyncMgrSyncItems, ISyncMgrEvent,
    ISyncMgrHandlerInfo, ISyncMgrSessionCreator, ISyncMgrSyncItem, SYNCMGR_CONFLICT_ID_INFO,
    SYNCMGR_EL_ERROR, SYNCMGR_EL_WARNING, SYNCMGR_HANDLER_CAPABILITIES, SYNCMGR_HANDLER_POLICIES,
    SYNCMGR_HCM_CONFLICT_STORE, SYNCMGR_HCM_EVENT_STORE, SYNCMGR_HPM_NONE, SYNCMGR_HT_FOLDER,
    SYNCMGR_OBJECTID_ConflictStore, SYNCMGR_OBJECTID_EventStore, SYNCMGR_PROGRESS_STATUS,
    SYNCMGR_PS_CANCELED, SYNCMGR_PS_FAILED, SYNCMGR_PS_SUCCEEDED, SYNCMGR_PS_UPDATING,
};
use mobsync_runtime::syncmgr::{
    CancelRequest, Conflict, ConflictStore, Event, EventStore, HandlerInfo, Resolution,
    SyncCenterHandler, SyncItem, SyncItems, SyncMgrConflictStore, SyncMgrEventStore,
    SyncMgrHandler, SyncMgrSyncItemContainer, SyncSession,
};
use mobsync_runtime::{ComObject, WStr};
use windows_core::{GUID, IUnknown, Result};

use crate::config::FolderConfig;
use crate::conflicts::{FolderPlan, FolderResolver, list_conflicts};
use crate::copier::{CopyError, CopyObserver, sync_folder_holding_back};
use crate::events::{EventLog, FolderEvents, event_store};
use crate::handler::COOKIE_ENV;
use crate::items::list_items;

pub use crate::config::FAULT_ENV;

/// The Sync Center handler's display name.
pub const SYNC_CENTER_NAME: &str = "Folder Sync (Sync Center)";

/// The Sync Center handler's CLSID.
pub const SYNC_CENTER_CLSID: GUID = GUID::from_u128(0x7d1e5a40_2c8b_4f6e_9a31_5b0c4e2f8a17);

/// The handler ID it opens sessions with: its CLSID in braces.
pub fn handler_id() -> String {
    format!("{{{SYNC_CENTER_CLSID:?}}}")
}

/// The Sync Center item ID of a subfolder: its Sync Manager item GUID in braces.
pub fn folder_item_id(name: &str) -> String {
    format!(
        "{{{:?}}}",
        GUID::from_u128(crate::item_id::item_id_u128(name))
    )
}

/// The folder-sync handler for Sync Center: items are the subfolders of the source directory.
#[derive(Debug, SyncCenterHandler)]
#[sync_center(
    clsid = "7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17",
    name = "Folder Sync (Sync Center)",
    interfaces(ISyncMgrConflictStore, ISyncMgrEventStore)
)]
pub struct FolderSyncCenter {
    config: Option<FolderConfig>,
}

impl Default for FolderSyncCenter {
    /// Reads the configuration from `FOLDER_SYNC_COOKIE` (none when unset or malformed, logged).
    fn default() -> Self {
        let config = std::env::var(COOKIE_ENV).ok().and_then(|text| {
            FolderConfig::from_cookie(text.as_bytes())
                .inspect_err(|e| log::warn!("folder-sync: {COOKIE_ENV}: {e}"))
                .ok()
        });
        FolderSyncCenter { config }
    }
}

impl FolderSyncCenter {
    /// The handler over this configuration (`None`: not configured).
    pub fn with_config(config: Option<FolderConfig>) -> Self {
        FolderSyncCenter { config }
    }

    /// The conflict store: every conflict on disk now, resolved by [`FolderResolver`].
    pub fn conflict_store(&self) -> ConflictStore {
        let Some(config) = &self.config else {
            return ConflictStore::new(handler_id(), Vec::new(), |_: &Conflict, _: &Resolution| {
                Err(mobsync_runtime::hresults::E_UNEXPECTED.into())
            });
        };
        let folders: Vec<String> = self
            .items()
            .items()
            .iter()
            .map(|i| i.name.clone())
            .collect();
        let conflicts = list_conflicts(config, &folders, folder_item_id);
        ConflictStore::new(handler_id(), conflicts, FolderResolver::new(config.clone()))
    }

    /// The event store: the events kept for the destination now (see [`crate::events`]).
    pub fn event_store(&self) -> EventStore {
        event_store(&handler_id(), self.config.as_ref())
    }

    /// The items: the subfolders of the source directory, now.
    fn items(&self) -> SyncItems {
        let Some(config) = &self.config else {
            return SyncItems::default();
        };
        match list_items(&config.source) {
            Ok(folders) => SyncItems::new(
                folders
                    .into_iter()
                    .map(|f| {
                        SyncItem::new(folder_item_id(&f.name), f.name.as_str())
                            .type_label("Folder")
                            .comment(config.source.join(&f.name).display().to_string())
                    })
                    .collect::<Vec<_>>(),
            ),
            Err(e) => {
                log::warn!("folder-sync: listing {}: {e}", config.source.display());
                SyncItems::default()
            }
        }
    }
}

impl SyncMgrHandler for FolderSyncCenter {
    fn get_name(&self) -> Result<String> {
        Ok(SYNC_CENTER_NAME.into())
    }

    fn get_handler_info(&self) -> Result<ISyncMgrHandlerInfo> {
        let count = self.items().count()?;
        Ok(HandlerInfo::new(SYNCMGR_HT_FOLDER)
            .type_label("Folders")
            .comment(format!("{count} folders"))
            .into_interface())
    }

    fn get_object(&self, id: &GUID, object: InterfaceOut<'_>) -> Result<()> {
        if *id == SYNCMGR_OBJECTID_ConflictStore {
            let store = ComObject::new(FolderConflicts {
                config: self.config.clone(),
            });
            object.set(&store.to_unknown())
        } else if *id == SYNCMGR_OBJECTID_EventStore {
            let store = ComObject::new(FolderEvents {
                handler_id: handler_id(),
                config: self.config.clone(),
            });
            object.set(&store.to_unknown())
        } else {
            Err(mobsync_runtime::hresults::E_NOTIMPL.into())
        }
    }

    fn get_capabilities(&self) -> Result<SYNCMGR_HANDLER_CAPABILITIES> {
        Ok(SYNCMGR_HANDLER_CAPABILITIES(
            SYNCMGR_HCM_CONFLICT_STORE.0 | SYNCMGR_HCM_EVENT_STORE.0,
        ))
    }

    fn get_policies(&self) -> Result<SYNCMGR_HANDLER_POLICIES> {
        Ok(SYNCMGR_HPM_NONE)
    }

    fn synchronize(
        &self,
        item_ids: &[&WStr],
        _owner: HWND,
        creator: ISyncMgrSessionCreator,
        _punk: Option<IUnknown>,
    ) -> Result<()> {
        if std::env::var_os(FAULT_ENV).is_some_and(|v| v == "panic") {
            panic!("{FAULT_ENV}=panic: a deliberate panic in Synchronize");
        }
        let session = SyncSession::create(&creator, &handler_id(), item_ids)?;
        let Some(config) = &self.config else {
            let event = Event::new(
                SYNCMGR_EL_ERROR,
                "Folder Sync is not configured",
                format!("Set {COOKIE_ENV} to source=<dir>;dest=<dir>."),
            );
            session.report_event(&event)?;
            return Ok(());
        };
        let events = EventLog::new(&session, &handler_id(), config);
        let result = self.sync_items(&events, config, item_ids);
        // Kept even when the callback failed midway: the events reported until then stand.
        events.save(config);
        result
    }
}

impl FolderSyncCenter {
    /// `Synchronize`'s work once configured: the items in turn.
    fn sync_items(
        &self,
        events: &EventLog<'_>,
        config: &FolderConfig,
        ids: &[&WStr],
    ) -> Result<()> {
        let session = events.session();
        let items = self.items();
        let mut cancel_all = false;
        for id in ids {
            let id = id.to_string_lossy();
            if cancel_all || !session.can_continue(&id)? {
                session.report_progress(&id, Some("Cancelled"), SYNCMGR_PS_CANCELED, 0, 0)?;
                continue;
            }
            let Some(item) = items.find(&id) else {
                let event = Event::new(SYNCMGR_EL_ERROR, "Unknown item", "No such folder.")
                    .item(id.as_str());
                events.report(event)?;
                session.report_progress(&id, Some("No such folder"), SYNCMGR_PS_FAILED, 0, 0)?;
                continue;
            };
            let folder = item.name.clone();
            let outcome = sync_item(events, config, &id, &folder)?;
            cancel_all = outcome == Outcome::CancelAll;
        }
        Ok(())
    }
}

impl SyncMgrEventStore for FolderSyncCenter {
    fn get_event_enumerator(&self) -> Result<IEnumSyncMgrEvents> {
        self.event_store().enumerate()
    }

    fn get_event_count(&self) -> Result<u32> {
        self.event_store().count()
    }

    fn get_event(&self, id: &GUID) -> Result<ISyncMgrEvent> {
        self.event_store().get(id)
    }

    fn remove_event(&self, ids: &[GUID]) -> Result<()> {
        self.event_store().remove(ids)
    }
}

impl SyncMgrSyncItemContainer for FolderSyncCenter {
    fn get_sync_item(&self, id: &WStr) -> Result<ISyncMgrSyncItem> {
        self.items().get(id)
    }

    fn get_sync_item_enumerator(&self) -> Result<IEnumSyncMgrSyncItems> {
        self.items().enumerator()
    }

    fn get_sync_item_count(&self) -> Result<u32> {
        self.items().count()
    }
}

/// The conflict store `GetObject(SYNCMGR_OBJECTID_ConflictStore)` hands out: like the handler's
/// own, every call reads the conflicts on disk anew, so a store kept across a synchronization
/// sees the conflicts it found.
#[derive(Debug, ComObject)]
#[com_object(interfaces(mobsync_runtime::syncmgr::sys::ISyncMgrConflictStore))]
pub struct FolderConflicts {
    config: Option<FolderConfig>,
}

impl FolderConflicts {
    fn store(&self) -> ConflictStore {
        FolderSyncCenter::with_config(self.config.clone()).conflict_store()
    }
}

impl SyncMgrConflictStore for FolderConflicts {
    fn enum_conflicts(
        &self,
        handler_id: &WStr,
        item_id: Option<&WStr>,
    ) -> Result<IEnumSyncMgrConflict> {
        self.store().enumerate(handler_id, item_id)
    }

    fn bind_to_conflict(
        &self,
        info: &SYNCMGR_CONFLICT_ID_INFO,
        object: InterfaceOut<'_>,
    ) -> Result<()> {
        self.store().bind(info, object)
    }

    fn remove_conflicts(&self, infos: &[SYNCMGR_CONFLICT_ID_INFO]) -> Result<()> {
        self.store().remove(infos)
    }

    fn get_count(&self, handler_id: &WStr, item_id: Option<&WStr>) -> Result<u32> {
        self.store().count(handler_id, item_id)
    }
}

impl SyncMgrConflictStore for FolderSyncCenter {
    fn enum_conflicts(
        &self,
        handler_id: &WStr,
        item_id: Option<&WStr>,
    ) -> Result<IEnumSyncMgrConflict> {
        self.conflict_store().enumerate(handler_id, item_id)
    }

    fn bind_to_conflict(
        &self,
        info: &SYNCMGR_CONFLICT_ID_INFO,
        object: InterfaceOut<'_>,
    ) -> Result<()> {
        self.conflict_store().bind(info, object)
    }

    fn remove_conflicts(&self, infos: &[SYNCMGR_CONFLICT_ID_INFO]) -> Result<()> {
        self.conflict_store().remove(infos)
    }

    fn get_count(&self, handler_id: &WStr, item_id: Option<&WStr>) -> Result<u32> {
        self.conflict_store().count(handler_id, item_id)
    }
}

/// How one item ended.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    CancelAll,
}

/// Copies one folder, reporting through the session.
fn sync_item(
    events: &EventLog<'_>,
    config: &FolderConfig,
    id: &str,
    folder: &str,
) -> Result<Outcome> {
    let session = events.session();
    let mut observer = Observer {
        events,
        session,
        id,
        pace: config.pace,
        cancel: CancelRequest::None,
        error: None,
    };
    let (source, dest) = (config.source.join(folder), config.dest.join(folder));
    let plan = match FolderPlan::new(&source, &dest) {
        Ok(plan) => plan,
        Err(e) => {
            report_failure(events, id, &e)?;
            finish(session, id, SYNCMGR_PS_FAILED, &e.to_string())?;
            return Ok(Outcome::Done);
        }
    };
    for rel in &plan.conflicts {
        let event = Event::new(
            SYNCMGR_EL_WARNING,
            "Conflict",
            format!(
                "{} and {} both changed since the last sync; resolve the conflict to keep the source, the backup or both",
                source.join(rel).display(),
                dest.join(rel).display()
            ),
        )
        .item(id);
        events.report(event)?;
    }
    let report =
        sync_folder_holding_back(&source, &dest, &mut observer, &|rel| plan.holds_back(rel));
    let conflicts = plan.conflicts.len();
    if let Err(e) = plan.finish() {
        report_failure(events, id, &e)?;
    }
    if let Some(error) = observer.error {
        // The callback itself failed: stop reporting to it.
        return Err(error);
    }
    let (status, text) = match &report {
        Ok(r) if r.cancelled => (SYNCMGR_PS_CANCELED, "Cancelled".to_string()),
        Ok(r) if !r.failed.is_empty() => (
            SYNCMGR_PS_FAILED,
            format!("{} copied, {} failed", r.copied, r.failed.len()),
        ),
        Ok(r) if conflicts > 0 => (
            SYNCMGR_PS_SUCCEEDED,
            format!(
                "{} copied, {} up to date, {conflicts} in conflict",
                r.copied, r.up_to_date
            ),
        ),
        Ok(r) => (
            SYNCMGR_PS_SUCCEEDED,
            format!("{} copied, {} up to date", r.copied, r.up_to_date),
        ),
        Err(e) => {
            report_failure(events, id, e)?;
            (SYNCMGR_PS_FAILED, e.to_string())
        }
    };
    finish(session, id, status, &text)?;
    Ok(match observer.cancel {
        CancelRequest::All => Outcome::CancelAll,
        _ => Outcome::Done,
    })
}

fn finish(
    session: &SyncSession,
    id: &str,
    status: SYNCMGR_PROGRESS_STATUS,
    text: &str,
) -> Result<()> {
    session
        .report_progress(id, Some(text), status, 1, 1)
        .map(drop)
}

fn report_failure(events: &EventLog<'_>, id: &str, error: &CopyError) -> Result<()> {
    events.report(Event::new(SYNCMGR_EL_ERROR, "Copy failed", error.to_string()).item(id))
}

/// Turns the copier's reports into Sync Center progress and events.
struct Observer<'a> {
    events: &'a EventLog<'a>,
    session: &'a SyncSession,
    id: &'a str,
    pace: std::time::Duration,
    /// The strongest cancel request seen.
    cancel: CancelRequest,
    /// The first failure of the callback itself.
    error: Option<windows_core::Error>,
}

impl Observer<'_> {
    fn note(&mut self, result: Result<CancelRequest>) {
        match result {
            Ok(CancelRequest::None) => {}
            Ok(request) if self.cancel != CancelRequest::All => self.cancel = request,
            Ok(_) => {}
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }
}

impl CopyObserver for Observer<'_> {
    fn file_started(&mut self, index: usize, total: usize, rel: &Path) {
        if !self.pace.is_zero() {
            thread::sleep(self.pace);
        }
        let text = format!("Copying {}", rel.display());
        let step = u32::try_from(index).unwrap_or(u32::MAX);
        let max = u32::try_from(total).unwrap_or(u32::MAX);
        let result =
            self.session
                .report_progress(self.id, Some(&text), SYNCMGR_PS_UPDATING, step, max);
        self.note(result);
    }

    fn file_finished(&mut self, index: usize, total: usize, _rel: &Path) {
        let step = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let max = u32::try_from(total).unwrap_or(u32::MAX);
        let result = self
            .session
            .report_progress(self.id, None, SYNCMGR_PS_UPDATING, step, max);
        self.note(result);
    }

    fn file_failed(&mut self, _rel: &Path, error: &CopyError) {
        if let Err(e) = report_failure(self.events, self.id, error) {
            self.error.get_or_insert(e);
        }
    }

    fn cancelled(&mut self) -> bool {
        if self.error.is_some() || self.cancel.is_cancel() {
            return true;
        }
        match self.session.can_continue(self.id) {
            Ok(go_on) => !go_on,
            Err(e) => {
                self.error.get_or_insert(e);
                true
            }
        }
    }
}
