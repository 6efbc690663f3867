//! The event store and its objects through their vtables: the enumerator contract, every
//! `ISyncMgrEvent` value in task-allocated strings, lookups and removals by ID, item views, the
//! remover, and every refusal.

use std::ffi::c_void;
use std::sync::{Arc, Mutex};

use windows_core::{GUID, Interface as _};

use super::sys::*;
use super::*;
use crate::WStr;
use crate::hresults::{E_INVALIDARG, E_POINTER, S_FALSE, S_OK};

const HANDLER: &str = "{handler}";

fn id(n: u128) -> GUID {
    GUID::from_u128(0x1000 + n)
}

fn stored(n: u128, item: Option<&str>) -> StoredEvent {
    let mut event = Event::new(SYNCMGR_EL_ERROR, format!("e{n}"), format!("event {n}"));
    if let Some(item) = item {
        event = event.item(item);
    }
    StoredEvent {
        id: id(n),
        time: FILETIME {
            dwLowDateTime: n as u32,
            dwHighDateTime: 7,
        },
        event,
    }
}

/// Three events: two of item "x", one of the handler itself.
fn store() -> EventStore {
    EventStore::new(
        HANDLER,
        vec![stored(1, Some("x")), stored(2, None), stored(3, Some("x"))],
    )
}

/// A task-allocated string, read and freed (`None` for null).
fn take(ptr: *mut u16) -> Option<String> {
    // SAFETY: null or a NUL-terminated task-allocated string, freed once.
    unsafe {
        let text = WStr::from_ptr(ptr).map(WStr::to_string_lossy);
        crate::task_mem::task_free(ptr.cast());
        text
    }
}

/// Calls a string getter of the event through its raw slot and takes the string.
fn string(
    getter: unsafe extern "system" fn(*mut c_void, *mut *mut u16) -> windows_core::HRESULT,
    event: &ISyncMgrEvent,
) -> String {
    let mut out = std::ptr::null_mut();
    // SAFETY: `event` is live and `out` a writable out-pointer; the string is freed by `take`.
    assert_eq!(unsafe { getter(event.as_raw(), &mut out) }, S_OK);
    take(out).expect("a string")
}

/// The IDs an enumerator hands out, one `Next(1)` at a time.
fn ids(events: &IEnumSyncMgrEvents) -> Vec<GUID> {
    let mut out = Vec::new();
    loop {
        let mut slot = [std::ptr::null_mut::<c_void>()];
        let mut fetched = 0;
        // SAFETY: one writable slot and a writable count; the event is taken over.
        let hr = unsafe { events.Next(1, slot.as_mut_ptr(), &mut fetched) };
        if fetched == 0 {
            assert_eq!(hr, S_FALSE);
            assert!(slot[0].is_null());
            return out;
        }
        assert_eq!(hr, S_OK);
        // SAFETY: `Next` stored one counted interface pointer.
        let event = unsafe { ISyncMgrEvent::from_raw(slot[0]) };
        out.push(event.GetEventID().unwrap());
    }
}

#[test]
fn the_enumerator_keeps_the_com_contract() {
    let iface = store().into_interface();
    assert_eq!(iface.GetEventCount().unwrap(), 3);
    let all = iface.GetEventEnumerator().unwrap();
    assert_eq!(ids(&all), [id(1), id(2), id(3)]);
    assert_eq!(all.Reset(), S_OK);
    assert_eq!(all.Skip(1), S_OK);
    let copy = all.Clone().unwrap();
    assert_eq!(all.Skip(5), S_FALSE);
    assert_eq!(ids(&all), []);
    assert_eq!(ids(&copy), [id(2), id(3)]);
    // A Next asking for more than are left fills what it can and answers S_FALSE.
    assert_eq!(copy.Reset(), S_OK);
    let mut slots = [std::ptr::null_mut::<c_void>(); 5];
    let mut fetched = 0;
    // SAFETY: five writable slots and a writable count; the events are taken over.
    let hr = unsafe { copy.Next(5, slots.as_mut_ptr(), &mut fetched) };
    assert_eq!((hr, fetched), (S_FALSE, 3));
    assert!(slots[3..].iter().all(|p| p.is_null()));
    for raw in &slots[..3] {
        // SAFETY: `Next` stored three counted interface pointers.
        drop(unsafe { ISyncMgrEvent::from_raw(*raw) });
    }
    // The enumerator is a snapshot: a later event is not in it.
    let store = store();
    let snapshot = store.enumerate().unwrap();
    store.add(Event::new(SYNCMGR_EL_INFORMATION, "late", ""));
    assert_eq!(ids(&snapshot).len(), 3);
    assert_eq!(store.count().unwrap(), 4);
}

#[test]
fn an_event_answers_every_value() {
    let store = EventStore::new(HANDLER, Vec::new());
    let mut event = Event::new(SYNCMGR_EL_WARNING, "Copy failed", "a.txt: denied")
        .item("docs")
        .link("Open", "file:///src/a.txt")
        .context("ctx");
    event.flags = SYNCMGR_EVENT_FLAGS(1);
    let guid = store.add(event);
    let iface = store.clone().into_interface();
    let object = iface.GetEvent(&guid).unwrap();
    let vtbl = object.vtable();
    assert_eq!(object.GetEventID().unwrap(), guid);
    assert_eq!(object.GetLevel().unwrap(), SYNCMGR_EL_WARNING);
    assert_eq!(object.GetFlags().unwrap(), SYNCMGR_EVENT_FLAGS(1));
    assert_eq!(object.GetTime().unwrap(), store.events()[0].time);
    assert_ne!(object.GetTime().unwrap(), FILETIME::default());
    assert_eq!(string(vtbl.GetHandlerID, &object), HANDLER);
    assert_eq!(string(vtbl.GetItemID, &object), "docs");
    assert_eq!(string(vtbl.GetName, &object), "Copy failed");
    assert_eq!(string(vtbl.GetDescription, &object), "a.txt: denied");
    assert_eq!(string(vtbl.GetLinkText, &object), "Open");
    assert_eq!(string(vtbl.GetLinkReference, &object), "file:///src/a.txt");
    assert_eq!(string(vtbl.GetContext, &object), "ctx");
    // Values an event does not have are empty strings.
    let bare = store.add(Event::new(SYNCMGR_EL_INFORMATION, "n", "d"));
    let bare = iface.GetEvent(&bare).unwrap();
    for getter in [
        vtbl.GetItemID,
        vtbl.GetLinkText,
        vtbl.GetLinkReference,
        vtbl.GetContext,
    ] {
        assert_eq!(string(getter, &bare), "");
    }
    // Null out-pointers answer E_POINTER through every slot.
    // SAFETY: null is what is tested; nothing is written through it.
    unsafe {
        let this = object.as_raw();
        assert_eq!((vtbl.GetEventID)(this, std::ptr::null_mut()), E_POINTER);
        assert_eq!((vtbl.GetLevel)(this, std::ptr::null_mut()), E_POINTER);
        assert_eq!((vtbl.GetFlags)(this, std::ptr::null_mut()), E_POINTER);
        assert_eq!((vtbl.GetTime)(this, std::ptr::null_mut()), E_POINTER);
        for getter in [
            vtbl.GetHandlerID,
            vtbl.GetItemID,
            vtbl.GetName,
            vtbl.GetDescription,
            vtbl.GetLinkText,
            vtbl.GetLinkReference,
            vtbl.GetContext,
        ] {
            assert_eq!(getter(this, std::ptr::null_mut()), E_POINTER);
        }
    }
}

#[test]
fn get_event_finds_by_id_and_refuses_the_rest() {
    let iface = store().into_interface();
    assert_eq!(iface.GetEvent(&id(2)).unwrap().GetEventID().unwrap(), id(2));
    assert_eq!(
        iface.GetEvent(&id(9)).unwrap_err().code(),
        E_EVENT_NOT_FOUND
    );
    let vtbl = iface.vtable();
    // SAFETY: null pointers are what is tested (the store reads and writes nothing through
    // them); the unaligned GUID is 16 readable bytes; `out` is a writable out-pointer whose
    // interface is taken over once.
    unsafe {
        let mut out = std::ptr::dangling_mut::<c_void>();
        assert_eq!(
            (vtbl.GetEvent)(iface.as_raw(), std::ptr::null(), &mut out),
            E_POINTER
        );
        assert!(out.is_null());
        let guid = id(1);
        assert_eq!(
            (vtbl.GetEvent)(iface.as_raw(), &guid, std::ptr::null_mut()),
            E_POINTER
        );
        // A REFGUID is read as it lies, aligned or not (as Windows's callers may pass it).
        let mut raw = [0u8; 17];
        std::ptr::write_unaligned(raw.as_mut_ptr().add(1).cast::<GUID>(), id(3));
        let misaligned = raw.as_ptr().add(1).cast::<GUID>();
        assert_eq!((vtbl.GetEvent)(iface.as_raw(), misaligned, &mut out), S_OK);
        let found = ISyncMgrEvent::from_raw(out);
        assert_eq!(found.GetEventID().unwrap(), id(3));
        assert_eq!(
            (vtbl.GetEventCount)(iface.as_raw(), std::ptr::null_mut()),
            E_POINTER
        );
        assert_eq!(
            (vtbl.GetEventEnumerator)(iface.as_raw(), std::ptr::null_mut()),
            E_POINTER
        );
    }
    let all = iface.GetEventEnumerator().unwrap();
    let mut fetched = 7;
    // SAFETY: a null array with a count is what is tested; nothing is written through it.
    let hr = unsafe { all.Next(1, std::ptr::null_mut(), &mut fetched) };
    assert_eq!(hr, E_INVALIDARG);
}

#[test]
fn remove_event_removes_all_or_none() {
    let store = store();
    let iface = store.clone().into_interface();
    // An unknown ID among known ones removes nothing.
    assert_eq!(iface.RemoveEvent(&[id(1), id(9)]), E_EVENT_NOT_FOUND);
    assert_eq!(store.count().unwrap(), 3);
    // None at all succeeds; an ID listed twice is removed once.
    assert_eq!(iface.RemoveEvent(&[]), S_OK);
    assert_eq!(iface.RemoveEvent(&[id(1), id(3), id(1)]), S_OK);
    assert_eq!(
        store.events().iter().map(|e| e.id).collect::<Vec<_>>(),
        [id(2)]
    );
    assert_eq!(
        iface.GetEvent(&id(1)).unwrap_err().code(),
        E_EVENT_NOT_FOUND
    );
    let vtbl = iface.vtable();
    // SAFETY: a null array with a count and a misaligned array are what is tested.
    unsafe {
        assert_eq!(
            (vtbl.RemoveEvent)(iface.as_raw(), std::ptr::null_mut(), 1),
            E_INVALIDARG
        );
        assert_eq!(
            (vtbl.RemoveEvent)(iface.as_raw(), std::ptr::null_mut(), 0),
            S_OK
        );
        let mut words = [0u32; 8];
        let misaligned = words.as_mut_ptr().cast::<u8>().add(1).cast::<GUID>();
        assert_eq!(
            (vtbl.RemoveEvent)(iface.as_raw(), misaligned, 1),
            E_INVALIDARG
        );
    }
    assert_eq!(store.count().unwrap(), 1);
}

#[test]
fn the_remover_hears_of_removals_and_can_refuse_them() {
    type Seen = Arc<Mutex<Vec<(Vec<GUID>, Vec<GUID>)>>>;
    let seen: Seen = Arc::default();
    let calls = seen.clone();
    let refuse = Arc::new(Mutex::new(false));
    let refusing = refuse.clone();
    let store = EventStore::with_remover(
        HANDLER,
        vec![stored(1, None), stored(2, None)],
        move |removed: &[StoredEvent], left: &[StoredEvent]| {
            if *refusing.lock().unwrap() {
                return Err(crate::error(crate::hresults::E_FAIL, "disk full"));
            }
            let ids = |events: &[StoredEvent]| events.iter().map(|e| e.id).collect();
            calls.lock().unwrap().push((ids(removed), ids(left)));
            Ok(())
        },
    );
    let iface = store.clone().into_interface();
    *refuse.lock().unwrap() = true;
    assert_eq!(iface.RemoveEvent(&[id(1)]), crate::hresults::E_FAIL);
    assert_eq!(store.count().unwrap(), 2);
    *refuse.lock().unwrap() = false;
    assert_eq!(iface.RemoveEvent(&[id(1)]), S_OK);
    assert_eq!(*seen.lock().unwrap(), [(vec![id(1)], vec![id(2)])]);
    // Removing nothing does not call the remover.
    assert_eq!(iface.RemoveEvent(&[]), S_OK);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn an_item_view_shows_only_that_items_events() {
    let store = store();
    let view = store.item("x");
    let iface = view.clone().into_interface();
    assert_eq!(iface.GetEventCount().unwrap(), 2);
    assert_eq!(ids(&iface.GetEventEnumerator().unwrap()), [id(1), id(3)]);
    // The handler's own event is not the item's: not found, and not removable through it.
    assert_eq!(
        iface.GetEvent(&id(2)).unwrap_err().code(),
        E_EVENT_NOT_FOUND
    );
    assert_eq!(iface.RemoveEvent(&[id(2)]), E_EVENT_NOT_FOUND);
    assert_eq!(iface.RemoveEvent(&[id(3)]), S_OK);
    // The view shares the list.
    assert_eq!(
        store.events().iter().map(|e| e.id).collect::<Vec<_>>(),
        [id(1), id(2)]
    );
}

#[test]
fn added_events_get_distinct_ids_and_insert_replaces() {
    let store = EventStore::new(HANDLER, Vec::new());
    let a = store.add(Event::new(SYNCMGR_EL_INFORMATION, "a", ""));
    let b = store.add(Event::new(SYNCMGR_EL_INFORMATION, "b", ""));
    assert_ne!(a, b);
    let mut again = store.find(&a).unwrap();
    again.event.name = "a2".into();
    store.insert(again);
    let names: Vec<_> = store.events().into_iter().map(|e| e.event.name).collect();
    assert_eq!(names, ["b", "a2"]);
}

#[test]
fn the_remover_may_use_the_store() {
    let slot: Arc<std::sync::OnceLock<EventStore>> = Arc::default();
    // Weak: the store holds the remover, which must not keep the store alive (no leak).
    let inside = Arc::downgrade(&slot);
    let seen = Arc::new(Mutex::new(None));
    let counted = seen.clone();
    let store = EventStore::with_remover(
        HANDLER,
        vec![stored(1, None), stored(2, None)],
        move |_: &[StoredEvent], _: &[StoredEvent]| {
            // Still listed while the remover runs; no deadlock.
            *counted.lock().unwrap() = inside
                .upgrade()
                .and_then(|slot| slot.get().map(|s| s.count().unwrap()));
            Ok(())
        },
    );
    slot.set(store.clone()).unwrap();
    store.remove(&[id(1)]).unwrap();
    assert_eq!(*seen.lock().unwrap(), Some(2));
    assert_eq!(store.count().unwrap(), 1);
}
