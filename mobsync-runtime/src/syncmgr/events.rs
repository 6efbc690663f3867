//! Events: [`EventStore`] (a ready `ISyncMgrEventStore` over a list of [`StoredEvent`]s), the
//! objects it hands out (`IEnumSyncMgrEvents`, `ISyncMgrEvent`), and [`EventRemover`], through
//! which a handler learns that Sync Center removed events (to forget them where it keeps them).
//! The contract is on [`EventStore`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use windows_core::{GUID, HRESULT};

use crate::ComObject;
use crate::hresults::E_INVALIDARG;
use crate::syncmgr::info::filetime;
use crate::syncmgr::interfaces::{
    EnumSyncMgrEvents, EnumSyncMgrEventsSkipOutcome, SyncMgrEvent, SyncMgrEventStore,
};
use crate::syncmgr::session::Event;
use crate::syncmgr::sys::{
    FILETIME, IEnumSyncMgrEvents, ISyncMgrEvent, ISyncMgrEventStore, SYNCMGR_EVENT_FLAGS,
    SYNCMGR_EVENT_LEVEL,
};

/// `HRESULT_FROM_WIN32(ERROR_NOT_FOUND)` (`0x80070490`): what `GetEvent` and `RemoveEvent`
/// answer for an event ID the store does not hold (the value of
/// [`E_CONFLICT_NOT_FOUND`](crate::syncmgr::E_CONFLICT_NOT_FOUND) too).
pub const E_EVENT_NOT_FOUND: HRESULT = HRESULT(0x8007_0490_u32 as i32);

/// One event of a store: what the handler reported ([`Event`]), its identifier and when it
/// happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// Unique within the store and stable across instances (Sync Center keeps it): the GUID
    /// `ReportEvent` returned, or one [`EventStore::add`] made.
    pub id: GUID,
    /// When the event happened (`GetTime`).
    pub time: FILETIME,
    /// The event.
    pub event: Event,
}

impl StoredEvent {
    /// `event`, identified by `id`, happening now.
    pub fn new(id: GUID, event: Event) -> Self {
        StoredEvent {
            id,
            time: filetime(SystemTime::now()),
            event,
        }
    }
}

/// What removing events means to the handler: the handler's part of an [`EventStore`]. A
/// closure `Fn(&[StoredEvent], &[StoredEvent]) -> Result<()>` is one.
pub trait EventRemover: Send + Sync {
    /// `RemoveEvent` is about to drop `removed`, leaving `left` (in order): forget them where
    /// the handler keeps them. An error leaves every event in the store and is returned to the
    /// caller unchanged.
    fn remove(&self, removed: &[StoredEvent], left: &[StoredEvent]) -> windows_core::Result<()>;
}

impl<F> EventRemover for F
where
    F: Fn(&[StoredEvent], &[StoredEvent]) -> windows_core::Result<()> + Send + Sync,
{
    fn remove(&self, removed: &[StoredEvent], left: &[StoredEvent]) -> windows_core::Result<()> {
        self(removed, left)
    }
}

/// What the store's clones share: the events and the remover.
struct Shared {
    events: Mutex<Vec<StoredEvent>>,
    remover: Option<Box<dyn EventRemover>>,
}

/// A handler's events as an `ISyncMgrEventStore`, what Sync Center shows in the Sync Results
/// folder instead of its default store: hand out the store
/// ([`into_interface`](Self::into_interface)) from `ISyncMgrHandler::GetObject`
/// (`SYNCMGR_OBJECTID_EventStore`, which Sync Center asks for when `GetCapabilities` includes
/// `SYNCMGR_HCM_EVENT_STORE`), or implement [`SyncMgrEventStore`] by forwarding to
/// [`enumerate`](Self::enumerate), [`count`](Self::count), [`get`](Self::get) and
/// [`remove`](Self::remove). Clones share the list; [`item`](Self::item) gives a view of one
/// item's events (for an item whose capabilities include `SYNCMGR_ICM_EVENT_STORE`).
///
/// # The contract
///
/// - `GetEventEnumerator` gives an `IEnumSyncMgrEvents` over a snapshot of the events, in the
///   order they were added, with the COM enumerator contract (`Next` returns `S_FALSE` when it
///   fills fewer than asked, `Skip` `S_FALSE` when fewer were left, `Reset` starts over, `Clone`
///   an independent enumerator at the same position). `GetEventCount` counts the same events.
/// - `GetEvent(id)` gives the event with this identifier, or [`E_EVENT_NOT_FOUND`]
///   (`HRESULT_FROM_WIN32(ERROR_NOT_FOUND)`) when the store (or the item's view) has none.
/// - `RemoveEvent(ids, count)` removes all of them or none: an ID the store (or view) does not
///   hold answers [`E_EVENT_NOT_FOUND`] and removes nothing; an ID listed twice is removed once;
///   a zero count succeeds. The [`EventRemover`], when there is one, hears of the removal
///   first; its error is returned and the events stay.
/// - Each `ISyncMgrEvent` is a snapshot: `GetEventID`, `GetLevel`, `GetFlags` and `GetTime`
///   answer its values, `GetHandlerID` the store's handler ID, and the strings (`GetItemID`,
///   `GetName`, `GetDescription`, `GetLinkText`, `GetLinkReference`, `GetContext`) come from the
///   COM task allocator, for the caller to free with `CoTaskMemFree`. A value the event does not
///   have (the item of a handler's own event, a link, a context) is an empty string.
///
/// The shims check every pointer first: a null out-pointer answers `E_POINTER`, a null
/// `rguidEventID` `E_POINTER` (one not aligned for a GUID is read as it lies), a null ID array
/// with a nonzero count `E_INVALIDARG`, a misaligned ID array or out-pointer `E_INVALIDARG`.
///
/// ```
/// use mobsync_runtime::syncmgr::{Event, EventStore, E_EVENT_NOT_FOUND};
/// use mobsync_runtime::syncmgr::sys::SYNCMGR_EL_ERROR;
///
/// let store = EventStore::new("{handler}", Vec::new());
/// let id = store.add(Event::new(SYNCMGR_EL_ERROR, "Copy failed", "a.txt: denied").item("docs"));
/// let interface = store.clone().into_interface();
/// assert_eq!(interface.GetEventCount().unwrap(), 1);
/// assert!(interface.RemoveEvent(&[id]).is_ok());
/// assert!(store.events().is_empty());
/// assert_eq!(interface.RemoveEvent(&[id]), E_EVENT_NOT_FOUND);
/// ```
#[derive(Clone)]
pub struct EventStore {
    handler_id: String,
    /// Only this item's events, when set.
    item: Option<String>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStore")
            .field("handler_id", &self.handler_id)
            .field("item", &self.item)
            .field("events", &self.events())
            .finish_non_exhaustive()
    }
}

crate::com_class::com_class!(EventStore => crate::syncmgr::sys::ISyncMgrEventStore);

impl EventStore {
    /// The store of handler `handler_id` holding `events`; removing only drops them from the
    /// list.
    pub fn new(handler_id: impl Into<String>, events: Vec<StoredEvent>) -> Self {
        Self::build(handler_id.into(), events, None)
    }

    /// Like [`new`](Self::new), with `remover` told of every removal first.
    pub fn with_remover(
        handler_id: impl Into<String>,
        events: Vec<StoredEvent>,
        remover: impl EventRemover + 'static,
    ) -> Self {
        Self::build(handler_id.into(), events, Some(Box::new(remover)))
    }

    fn build(
        handler_id: String,
        events: Vec<StoredEvent>,
        remover: Option<Box<dyn EventRemover>>,
    ) -> Self {
        EventStore {
            handler_id,
            item: None,
            shared: Arc::new(Shared {
                events: Mutex::new(events),
                remover,
            }),
        }
    }

    /// A view of the events of item `item_id` only, sharing the list (what an item's
    /// `GetObject(SYNCMGR_OBJECTID_EventStore)` hands out).
    pub fn item(&self, item_id: impl Into<String>) -> Self {
        EventStore {
            item: Some(item_id.into()),
            ..self.clone()
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<StoredEvent>> {
        // A remover that panicked left the list as it was: keep using it.
        self.shared.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn shows(&self, event: &StoredEvent) -> bool {
        self.item
            .as_deref()
            .is_none_or(|item| event.event.item.as_deref() == Some(item))
    }

    /// The events the store (or the item's view) holds, in order.
    pub fn events(&self) -> Vec<StoredEvent> {
        self.lock()
            .iter()
            .filter(|e| self.shows(e))
            .cloned()
            .collect()
    }

    /// Adds `event`, happening now, under a new identifier, and returns the identifier.
    pub fn add(&self, event: Event) -> GUID {
        let id = new_event_id();
        self.insert(StoredEvent::new(id, event));
        id
    }

    /// Adds `event` as it is (replacing an event with the same ID).
    pub fn insert(&self, event: StoredEvent) {
        let mut events = self.lock();
        events.retain(|e| e.id != event.id);
        events.push(event);
    }

    /// `GetEventEnumerator`: an enumerator over a snapshot of the events.
    pub fn enumerate(&self) -> windows_core::Result<IEnumSyncMgrEvents> {
        Ok(EventEnumerator {
            handler_id: self.handler_id.clone(),
            events: self.events().into(),
            position: Mutex::new(0),
        }
        .into_interface())
    }

    /// `GetEventCount`.
    pub fn count(&self) -> windows_core::Result<u32> {
        u32::try_from(self.events().len()).map_err(|_| E_INVALIDARG.into())
    }

    /// The event with this ID, if the store (or view) holds it.
    pub fn find(&self, id: &GUID) -> Option<StoredEvent> {
        self.lock()
            .iter()
            .find(|e| e.id == *id && self.shows(e))
            .cloned()
    }

    /// `GetEvent`: the event `id` ([`E_EVENT_NOT_FOUND`] when the store does not hold it).
    pub fn get(&self, id: &GUID) -> windows_core::Result<ISyncMgrEvent> {
        let event = self.find(id).ok_or(E_EVENT_NOT_FOUND)?;
        Ok(EventObject {
            handler_id: self.handler_id.clone(),
            event,
        }
        .into_interface())
    }

    /// `RemoveEvent`: removes the events `ids`, all or none (see the [`EventStore`] contract).
    pub fn remove(&self, ids: &[GUID]) -> windows_core::Result<()> {
        let (removed, left): (Vec<_>, Vec<_>) = {
            let events = self.lock();
            if let Some(missing) = ids
                .iter()
                .find(|id| !events.iter().any(|e| e.id == **id && self.shows(e)))
            {
                log::debug!("RemoveEvent: no event {missing:?} in the store");
                return Err(E_EVENT_NOT_FOUND.into());
            }
            events.iter().cloned().partition(|e| ids.contains(&e.id))
        };
        if removed.is_empty() {
            return Ok(());
        }
        // The remover runs without the lock, so it may use the store.
        if let Some(remover) = &self.shared.remover {
            remover.remove(&removed, &left)?;
        }
        self.lock().retain(|e| !ids.contains(&e.id));
        Ok(())
    }

    /// Moves the store into a new COM object and returns its `ISyncMgrEventStore` (the list
    /// stays shared with the clones).
    pub fn into_interface(self) -> ISyncMgrEventStore {
        ComObject::new(self).into_interface()
    }
}

impl SyncMgrEventStore for EventStore {
    fn get_event_enumerator(&self) -> windows_core::Result<IEnumSyncMgrEvents> {
        self.enumerate()
    }

    fn get_event_count(&self) -> windows_core::Result<u32> {
        self.count()
    }

    fn get_event(&self, rguid_event_id: &GUID) -> windows_core::Result<ISyncMgrEvent> {
        self.get(rguid_event_id)
    }

    fn remove_event(&self, pguid_event_ids: &[GUID]) -> windows_core::Result<()> {
        self.remove(pguid_event_ids)
    }
}

/// A new event identifier: random enough to tell the events of one store apart (`RandomState`
/// seeds from the operating system's randomness once per process, then varies per call).
fn new_event_id() -> GUID {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = RandomState::new();
    let high = state.hash_one(COUNTER.fetch_add(1, Ordering::Relaxed));
    let low = state.hash_one(high ^ u64::from(std::process::id()));
    GUID::from_u128((u128::from(high) << 64) | u128::from(low))
}

/// One event as a COM object (`ISyncMgrEvent`).
struct EventObject {
    handler_id: String,
    event: StoredEvent,
}

crate::com_class::com_class!(EventObject => crate::syncmgr::sys::ISyncMgrEvent);

impl EventObject {
    fn into_interface(self) -> ISyncMgrEvent {
        ComObject::new(self).into_interface()
    }
}

impl SyncMgrEvent for EventObject {
    fn get_event_id(&self) -> windows_core::Result<GUID> {
        Ok(self.event.id)
    }

    fn get_handler_id(&self) -> windows_core::Result<String> {
        Ok(self.handler_id.clone())
    }

    fn get_item_id(&self) -> windows_core::Result<String> {
        Ok(self.event.event.item.clone().unwrap_or_default())
    }

    fn get_level(&self) -> windows_core::Result<SYNCMGR_EVENT_LEVEL> {
        Ok(self.event.event.level)
    }

    fn get_flags(&self) -> windows_core::Result<SYNCMGR_EVENT_FLAGS> {
        Ok(self.event.event.flags)
    }

    fn get_time(&self) -> windows_core::Result<FILETIME> {
        Ok(self.event.time)
    }

    fn get_name(&self) -> windows_core::Result<String> {
        Ok(self.event.event.name.clone())
    }

    fn get_description(&self) -> windows_core::Result<String> {
        Ok(self.event.event.description.clone())
    }

    fn get_link_text(&self) -> windows_core::Result<String> {
        Ok(self.event.event.link_text.clone().unwrap_or_default())
    }

    fn get_link_reference(&self) -> windows_core::Result<String> {
        Ok(self.event.event.link_reference.clone().unwrap_or_default())
    }

    fn get_context(&self) -> windows_core::Result<String> {
        Ok(self.event.event.context.clone().unwrap_or_default())
    }
}

/// A ready `IEnumSyncMgrEvents` over a snapshot of a store's events.
struct EventEnumerator {
    handler_id: String,
    events: Arc<[StoredEvent]>,
    position: Mutex<usize>,
}

crate::com_class::com_class!(EventEnumerator => crate::syncmgr::sys::IEnumSyncMgrEvents);

impl EventEnumerator {
    fn into_interface(self) -> IEnumSyncMgrEvents {
        ComObject::new(self).into_interface()
    }

    fn advance(&self, count: usize) -> std::ops::Range<usize> {
        let mut position = self.position.lock().unwrap_or_else(|e| e.into_inner());
        let start = *position;
        let end = start
            .saturating_add(count)
            .min(self.events.len())
            .max(start);
        *position = end;
        start..end
    }
}

impl EnumSyncMgrEvents for EventEnumerator {
    fn next(&self, items: &mut [Option<ISyncMgrEvent>]) -> windows_core::Result<usize> {
        let range = self.advance(items.len());
        let filled = range.len();
        for (slot, event) in items.iter_mut().zip(&self.events[range]) {
            *slot = Some(
                EventObject {
                    handler_id: self.handler_id.clone(),
                    event: event.clone(),
                }
                .into_interface(),
            );
        }
        Ok(filled)
    }

    fn skip(&self, count: u32) -> windows_core::Result<EnumSyncMgrEventsSkipOutcome> {
        let requested = count as usize;
        Ok(if self.advance(requested).len() == requested {
            EnumSyncMgrEventsSkipOutcome::S_OK
        } else {
            EnumSyncMgrEventsSkipOutcome::S_FALSE
        })
    }

    fn reset(&self) -> windows_core::Result<()> {
        *self.position.lock().unwrap_or_else(|e| e.into_inner()) = 0;
        Ok(())
    }

    fn clone_com(&self) -> windows_core::Result<IEnumSyncMgrEvents> {
        let position = *self.position.lock().unwrap_or_else(|e| e.into_inner());
        Ok(EventEnumerator {
            handler_id: self.handler_id.clone(),
            events: self.events.clone(),
            position: Mutex::new(position),
        }
        .into_interface())
    }
}
