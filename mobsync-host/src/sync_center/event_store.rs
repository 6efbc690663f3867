//! A handler's stored events, over the raw ABI as Sync Center's Sync Results folder reaches
//! them: the handler's `ISyncMgrEventStore` (from
//! `ISyncMgrHandler::GetObject(SYNCMGR_OBJECTID_EventStore)` when its capabilities include
//! `SYNCMGR_HCM_EVENT_STORE`, else by `QueryInterface` on the handler), `GetEventEnumerator`, and
//! per event every `ISyncMgrEvent` getter; `GetEventCount` and `GetEvent` (by each listed ID)
//! are checked against the enumeration.

use mobsync_runtime::WStr;
use mobsync_runtime::syncmgr::sys::{
    FILETIME, IEnumSyncMgrEvents, ISyncMgrEvent, ISyncMgrEventStore, ISyncMgrHandler,
    SYNCMGR_HCM_EVENT_STORE, SYNCMGR_OBJECTID_EventStore,
};
use mobsync_runtime::task_mem::task_free;
use serde::Serialize;
use windows_core::{GUID, HRESULT, Interface};

use super::host::SyncCenterHost;
use super::model::{CallError, EventLevel, HandlerDescription, display_name};
use super::stores::{StoreKind, store, with_handler};
use crate::hresult::{E_INVALIDARG, S_FALSE, S_OK};
use crate::loader::HandlerSource;

/// The event store, as a handler offers it.
const EVENT_STORE: StoreKind = StoreKind {
    capability: SYNCMGR_HCM_EVENT_STORE.0 as u32,
    capability_name: "SYNCMGR_HCM_EVENT_STORE",
    object_id: SYNCMGR_OBJECTID_EventStore,
    object_id_name: "SYNCMGR_OBJECTID_EventStore",
    interface_name: "ISyncMgrEventStore",
};

/// Events asked for per `IEnumSyncMgrEvents::Next` call.
const BATCH: usize = 8;
/// The most events listed (a store that never ends its enumeration is cut off there).
const MAX_EVENTS: usize = 100_000;

/// One stored event of a handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEventReport {
    /// `GetEventID`.
    #[serde(serialize_with = "crate::model::ser_guid")]
    pub id: GUID,
    /// `GetItemID`; none when empty (an event of the handler itself).
    pub item: Option<String>,
    /// That item's name, when the handler lists the item.
    pub item_name: Option<String>,
    /// `GetLevel`: `information`, `warning`, `error`, or `unknown (N)`.
    pub level: String,
    /// `GetFlags` (`SYNCMGR_EF_*`).
    pub flags: u32,
    /// `GetTime`, as UTC (`2026-12-07T13:53:05Z`); none for a zero `FILETIME`.
    pub time: Option<String>,
    /// `GetName`.
    pub name: String,
    /// `GetDescription`.
    pub description: String,
    /// `GetLinkText`; none when empty or not implemented.
    pub link_text: Option<String>,
    /// `GetLinkReference`; none when empty or not implemented.
    pub link_reference: Option<String>,
    /// `GetContext`; none when empty or not implemented.
    pub context: Option<String>,
}

/// A handler's stored events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandlerEvents {
    /// The CLSID.
    #[serde(serialize_with = "crate::model::ser_guid")]
    pub clsid: GUID,
    /// `ISyncMgrHandler::GetName`.
    pub name: String,
    /// The library it was loaded from.
    pub module: Option<std::path::PathBuf>,
    /// Whether it has an event store.
    pub event_store: bool,
    /// Its events, in the enumerator's order.
    pub events: Vec<StoredEventReport>,
    /// Calls that failed without stopping the listing, and broken contracts.
    pub problems: Vec<String>,
}

impl SyncCenterHost {
    /// Loads a handler and lists the events its event store holds. The handler is released
    /// afterwards.
    pub fn events(&self, source: HandlerSource) -> Result<HandlerEvents, CallError> {
        let (mut report, module, leak) = with_handler(source, list)?;
        report.module = module;
        report.problems.extend(leak);
        Ok(report)
    }
}

/// Every event of the handler's store.
fn list(
    handler: &ISyncMgrHandler,
    description: &HandlerDescription,
) -> Result<HandlerEvents, CallError> {
    let who = display_name(&description.name, &description.clsid);
    let mut problems = Vec::new();
    let store =
        store::<ISyncMgrEventStore>(handler, description, &EVENT_STORE, &who, &mut problems)?;
    let mut report = HandlerEvents {
        clsid: description.clsid,
        name: description.name.clone(),
        module: None,
        event_store: store.is_some(),
        events: Vec::new(),
        problems,
    };
    let Some(store) = store else {
        return Ok(report);
    };
    let events = store.GetEventEnumerator().map_err(|e| {
        CallError::from_object(
            &who,
            None,
            "ISyncMgrEventStore::GetEventEnumerator",
            e.code(),
            &store,
            &ISyncMgrEventStore::IID,
        )
    })?;
    report.events = enumerate(&events, &who, &mut report.problems)?;
    for event in &mut report.events {
        event.item_name = event.item.as_ref().and_then(|id| {
            description
                .items
                .iter()
                .find(|i| i.id == *id)
                .map(|i| i.name.clone())
        });
    }
    let total = report.events.len();
    match store.GetEventCount() {
        Ok(count) if count as usize != total => report.problems.push(format!(
            "{who}: ISyncMgrEventStore::GetEventCount says {count}, its enumerator listed {total}"
        )),
        Ok(_) => {}
        Err(e) => report.problems.push(
            CallError::code(&who, None, "ISyncMgrEventStore::GetEventCount", e.code()).to_string(),
        ),
    }
    for listed in &report.events {
        match store.GetEvent(&listed.id).and_then(|e| e.GetEventID()) {
            Ok(id) if id == listed.id => {}
            Ok(id) => report.problems.push(format!(
                "{who}: ISyncMgrEventStore::GetEvent({}) gave the event {}",
                crate::model::guid_string(&listed.id),
                crate::model::guid_string(&id)
            )),
            Err(e) => report.problems.push(format!(
                "{who}: ISyncMgrEventStore::GetEvent({}) of a listed event failed: {}",
                crate::model::guid_string(&listed.id),
                crate::model::hresult_string(e.code())
            )),
        }
    }
    Ok(report)
}

/// Every event an enumerator lists.
fn enumerate(
    events: &IEnumSyncMgrEvents,
    who: &str,
    problems: &mut Vec<String>,
) -> Result<Vec<StoredEventReport>, CallError> {
    let mut out = Vec::new();
    loop {
        let mut slots = [std::ptr::null_mut(); BATCH];
        let mut fetched = 0u32;
        // SAFETY: `slots` has room for BATCH pointers and `fetched` is writable; every pointer
        // handed out is taken over below.
        let hr = unsafe { events.Next(BATCH as u32, slots.as_mut_ptr(), &mut fetched) };
        if hr != S_OK && hr != S_FALSE {
            return Err(CallError::code(who, None, "IEnumSyncMgrEvents::Next", hr));
        }
        if fetched as usize > BATCH {
            problems.push(format!(
                "{who}: IEnumSyncMgrEvents::Next said it fetched {fetched} of {BATCH}"
            ));
        }
        let fetched = (fetched as usize).min(BATCH);
        // Take every pointer first, so none leaks when one is refused.
        let taken: Vec<Option<ISyncMgrEvent>> = slots[..fetched]
            .iter()
            // SAFETY: each non-null slot holds a counted ISyncMgrEvent pointer, owned here.
            .map(|&raw| (!raw.is_null()).then(|| unsafe { ISyncMgrEvent::from_raw(raw) }))
            .collect();
        for event in taken {
            let Some(event) = event else {
                return Err(CallError::new(
                    who,
                    None,
                    "IEnumSyncMgrEvents::Next",
                    E_INVALIDARG,
                    "a null event among those it said it fetched".into(),
                ));
            };
            out.push(read_event(&event, who)?);
        }
        if hr == S_FALSE || fetched < BATCH || out.len() >= MAX_EVENTS {
            return Ok(out);
        }
    }
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

/// Calls a string getter of `event` through its slot: the string (none when empty), or the
/// failure code.
fn string(
    event: &ISyncMgrEvent,
    getter: unsafe extern "system" fn(*mut std::ffi::c_void, *mut *mut u16) -> HRESULT,
) -> Result<Option<String>, HRESULT> {
    let mut out = std::ptr::null_mut();
    // SAFETY: `event` is live for the call and `out` a writable out-pointer; a string stored
    // there is taken over (and freed) by `take`, also on failure.
    let hr = unsafe { getter(event.as_raw(), &mut out) };
    let text = take(out);
    if hr.is_err() {
        return Err(hr);
    }
    Ok(text.filter(|t| !t.is_empty()))
}

fn read_event(event: &ISyncMgrEvent, who: &str) -> Result<StoredEventReport, CallError> {
    let fail = |method: &str, hr: HRESULT| CallError::code(who, None, method, hr);
    let vtbl = event.vtable();
    let id = event
        .GetEventID()
        .map_err(|e| fail("ISyncMgrEvent::GetEventID", e.code()))?;
    let required = |method: &str, getter| {
        string(event, getter)
            .map(Option::unwrap_or_default)
            .map_err(|hr| fail(method, hr))
    };
    // Optional values: E_NOTIMPL (or any failure) reads as none.
    let optional = |getter| string(event, getter).ok().flatten();
    let level = event
        .GetLevel()
        .map_err(|e| fail("ISyncMgrEvent::GetLevel", e.code()))?;
    let flags = event
        .GetFlags()
        .map_err(|e| fail("ISyncMgrEvent::GetFlags", e.code()))?;
    let time = event
        .GetTime()
        .map_err(|e| fail("ISyncMgrEvent::GetTime", e.code()))?;
    Ok(StoredEventReport {
        id,
        item: string(event, vtbl.GetItemID).map_err(|hr| fail("ISyncMgrEvent::GetItemID", hr))?,
        item_name: None,
        level: EventLevel::from_raw(level)
            .map(|l| l.to_string())
            .unwrap_or_else(|| format!("unknown ({})", level.0)),
        flags: flags.0 as u32,
        time: utc(time),
        name: required("ISyncMgrEvent::GetName", vtbl.GetName)?,
        description: required("ISyncMgrEvent::GetDescription", vtbl.GetDescription)?,
        link_text: optional(vtbl.GetLinkText),
        link_reference: optional(vtbl.GetLinkReference),
        context: optional(vtbl.GetContext),
    })
}

/// A `FILETIME` as UTC, `YYYY-MM-DDTHH:MM:SSZ` (none for zero).
fn utc(time: FILETIME) -> Option<String> {
    let ticks = (u64::from(time.dwHighDateTime) << 32) | u64::from(time.dwLowDateTime);
    if ticks == 0 {
        return None;
    }
    // Seconds since 1601-01-01, then days since 1970-01-01 (may be negative).
    let secs = (ticks / 10_000_000) as i64 - 11_644_473_600;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filetime(unix_secs: u64) -> FILETIME {
        let ticks = (unix_secs + 11_644_473_600) * 10_000_000;
        FILETIME {
            dwLowDateTime: ticks as u32,
            dwHighDateTime: (ticks >> 32) as u32,
        }
    }

    #[test]
    fn filetimes_read_as_utc() {
        assert_eq!(utc(FILETIME::default()), None);
        assert_eq!(utc(filetime(0)).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(utc(filetime(951_782_400)).unwrap(), "2000-02-29T00:00:00Z");
        assert_eq!(
            utc(filetime(1_796_651_585)).unwrap(),
            "2026-12-07T13:53:05Z"
        );
        assert_eq!(
            utc(FILETIME {
                dwLowDateTime: 1,
                dwHighDateTime: 0
            })
            .unwrap(),
            "1601-01-01T00:00:00Z"
        );
    }
}
