//! The events of the Sync Center class, kept so that Sync Center can show them later: every
//! event a synchronization reports about a configured destination (the error events naming the
//! paths it could not copy, the conflict warnings, unknown items) is kept, under the identifier
//! `ReportEvent` returned, in [`EVENTS_FILE`] in the destination directory, written atomically
//! (a temporary file, then a rename) when the synchronization ends and after every
//! `RemoveEvent` (a synchronization that reports nothing leaves the file as it is). The handler
//! serves them as its `ISyncMgrEventStore` (capability
//! `SYNCMGR_HCM_EVENT_STORE`; the store is the handler object itself, and
//! `GetObject(SYNCMGR_OBJECTID_EventStore)` gives one too), reading the file anew on every call,
//! so every handler instance sees the same events.
//!
//! The file keeps the newest [`MAX_EVENTS`]. Two synchronizations of one destination at once
//! each write what they saw: the last one to end wins. The event of an unconfigured handler is
//! not kept (there is no destination to keep it in).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use mobsync_runtime::syncmgr::sys::{
    FILETIME, IEnumSyncMgrEvents, ISyncMgrEvent, SYNCMGR_EVENT_FLAGS, SYNCMGR_EVENT_LEVEL,
};
use mobsync_runtime::syncmgr::{Event, EventStore, StoredEvent, SyncMgrEventStore, SyncSession};
use mobsync_runtime::{ComObject, error};
use windows_core::{GUID, Result};

use crate::config::FolderConfig;
use crate::copier::{CopyError, PARTIAL_INFIX};

/// The events file in the destination directory.
pub const EVENTS_FILE: &str = ".folder-sync-events";

/// The first line of an events file.
const EVENTS_HEADER: &str = "folder-sync-events 1";

/// How many events the file keeps (the newest).
pub const MAX_EVENTS: usize = 1000;

/// What a failure to write the events file answers (its text names the path).
const E_FAIL: windows_core::HRESULT = mobsync_runtime::hresults::E_FAIL;

/// The path of the events file of destination `dest`.
pub fn events_path(dest: &Path) -> PathBuf {
    dest.join(EVENTS_FILE)
}

/// Reads the events kept for destination `dest` (none when there is no file; malformed lines
/// are skipped, an unreadable file is logged and read as empty).
pub fn load_events(dest: &Path) -> Vec<StoredEvent> {
    let path = events_path(dest);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            log::warn!("folder-sync: reading {}: {e}", path.display());
            return Vec::new();
        }
    };
    let mut lines = text.lines();
    if lines.next() != Some(EVENTS_HEADER) {
        return Vec::new();
    }
    lines.filter_map(parse_line).collect()
}

/// Writes the events of destination `dest` atomically (the newest [`MAX_EVENTS`]), creating the
/// directory when needed. The error names the path.
pub fn save_events(dest: &Path, events: &[StoredEvent]) -> std::result::Result<(), CopyError> {
    let path = events_path(dest);
    let temp = dest.join(format!(
        ".{EVENTS_FILE}{PARTIAL_INFIX}{}",
        std::process::id()
    ));
    let newest = &events[events.len().saturating_sub(MAX_EVENTS)..];
    let result = (|| {
        fs::create_dir_all(dest)?;
        let mut file = fs::File::create(&temp)?;
        let mut text = format!("{EVENTS_HEADER}\n");
        for event in newest {
            text.push_str(&format_line(event));
            text.push('\n');
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temp, &path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(|source| CopyError {
        action: "write the events file",
        path,
        source,
    })
}

/// One event as a line: tab-separated fields, each escaped (`\\`, `\t`, `\n`, `\r`); an absent
/// item, link or context is an empty field.
fn format_line(stored: &StoredEvent) -> String {
    let e = &stored.event;
    let time = (u64::from(stored.time.dwHighDateTime) << 32) | u64::from(stored.time.dwLowDateTime);
    let opt = |s: &Option<String>| escape(s.as_deref().unwrap_or(""));
    [
        format!("{{{:?}}}", stored.id),
        time.to_string(),
        e.level.0.to_string(),
        e.flags.0.to_string(),
        opt(&e.item),
        escape(&e.name),
        escape(&e.description),
        opt(&e.link_text),
        opt(&e.link_reference),
        opt(&e.context),
    ]
    .join("\t")
}

fn parse_line(line: &str) -> Option<StoredEvent> {
    let fields: Vec<String> = line.split('\t').map(unescape).collect();
    let [
        id,
        time,
        level,
        flags,
        item,
        name,
        description,
        link_text,
        link_reference,
        context,
    ] = <[String; 10]>::try_from(fields).ok()?;
    let id = GUID::try_from(id.trim_start_matches('{').trim_end_matches('}')).ok()?;
    let time: u64 = time.parse().ok()?;
    let opt = |s: String| (!s.is_empty()).then_some(s);
    Some(StoredEvent {
        id,
        time: FILETIME {
            dwLowDateTime: time as u32,
            dwHighDateTime: (time >> 32) as u32,
        },
        event: Event {
            item: opt(item),
            level: SYNCMGR_EVENT_LEVEL(level.parse().ok()?),
            flags: SYNCMGR_EVENT_FLAGS(flags.parse().ok()?),
            name,
            description,
            link_text: opt(link_text),
            link_reference: opt(link_reference),
            context: opt(context),
        },
    })
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// The event store of destination `config.dest` as the file holds it now; a removal rewrites
/// the file first (its failure, naming the path, keeps the events).
pub fn event_store(handler_id: &str, config: Option<&FolderConfig>) -> EventStore {
    let Some(config) = config else {
        return EventStore::new(handler_id, Vec::new());
    };
    let dest = config.dest.clone();
    EventStore::with_remover(
        handler_id,
        load_events(&dest),
        move |_: &[StoredEvent], left: &[StoredEvent]| {
            save_events(&dest, left).map_err(|e| error(E_FAIL, e.to_string()))
        },
    )
}

/// Reports events through a session and keeps them for the event store.
pub(crate) struct EventLog<'a> {
    session: &'a SyncSession,
    kept: EventStore,
    /// Whether an event was reported (else the file is left as it is).
    reported: std::sync::atomic::AtomicBool,
}

impl<'a> EventLog<'a> {
    /// Reporting through `session`, keeping the events beside those already kept for
    /// `config`'s destination.
    pub(crate) fn new(session: &'a SyncSession, handler_id: &str, config: &FolderConfig) -> Self {
        EventLog {
            session,
            kept: event_store(handler_id, Some(config)),
            reported: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The session reported through.
    pub(crate) fn session(&self) -> &'a SyncSession {
        self.session
    }

    /// `ReportEvent`, then keeps the event under the identifier it returned.
    pub(crate) fn report(&self, event: Event) -> Result<()> {
        let id = self.session.report_event(&event)?;
        self.kept.insert(StoredEvent::new(id, event));
        self.reported
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Writes the kept events to the destination's file when the synchronization reported any
    /// (a failure is logged: the synchronization itself went as reported).
    pub(crate) fn save(&self, config: &FolderConfig) {
        if !self.reported.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        if let Err(e) = save_events(&config.dest, &self.kept.events()) {
            log::warn!("folder-sync: {e}");
        }
    }
}

/// The event store `GetObject(SYNCMGR_OBJECTID_EventStore)` hands out: every call reads the
/// events file anew, so a store kept across a synchronization sees its events.
#[derive(Debug, ComObject)]
#[com_object(interfaces(mobsync_runtime::syncmgr::sys::ISyncMgrEventStore))]
pub struct FolderEvents {
    pub(crate) handler_id: String,
    pub(crate) config: Option<FolderConfig>,
}

impl FolderEvents {
    fn store(&self) -> EventStore {
        event_store(&self.handler_id, self.config.as_ref())
    }
}

impl SyncMgrEventStore for FolderEvents {
    fn get_event_enumerator(&self) -> Result<IEnumSyncMgrEvents> {
        self.store().enumerate()
    }

    fn get_event_count(&self) -> Result<u32> {
        self.store().count()
    }

    fn get_event(&self, id: &GUID) -> Result<ISyncMgrEvent> {
        self.store().get(id)
    }

    fn remove_event(&self, ids: &[GUID]) -> Result<()> {
        self.store().remove(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mobsync_runtime::syncmgr::sys::{SYNCMGR_EL_ERROR, SYNCMGR_EL_WARNING};

    fn config(dir: &Path) -> FolderConfig {
        FolderConfig::from_cookie(
            format!(
                "source={};dest={}",
                dir.join("src").display(),
                dir.join("dst").display()
            )
            .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn events_survive_a_round_trip_with_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("dst");
        let awkward = Event::new(SYNCMGR_EL_ERROR, "Copy\tfailed", "a\\b\nc\rd")
            .item("{item}")
            .link("Open", "file:///x")
            .context("ctx");
        let bare = Event::new(SYNCMGR_EL_WARNING, "Conflict", "");
        let events = vec![
            StoredEvent::new(GUID::from_u128(1), awkward),
            StoredEvent::new(GUID::from_u128(2), bare),
        ];
        save_events(&dest, &events).unwrap();
        assert_eq!(load_events(&dest), events);
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(&dest)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [EVENTS_FILE]);
    }

    #[test]
    fn the_file_keeps_the_newest_and_skips_what_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let events: Vec<_> = (0..MAX_EVENTS as u128 + 2)
            .map(|n| StoredEvent::new(GUID::from_u128(n), Event::new(SYNCMGR_EL_ERROR, "e", "")))
            .collect();
        save_events(dir.path(), &events).unwrap();
        let loaded = load_events(dir.path());
        assert_eq!(loaded.len(), MAX_EVENTS);
        assert_eq!(loaded[0].id, GUID::from_u128(2));
        let path = events_path(dir.path());
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, format!("{text}garbage\n")).unwrap();
        assert_eq!(load_events(dir.path()).len(), MAX_EVENTS);
        fs::write(&path, "another format\n").unwrap();
        assert!(load_events(dir.path()).is_empty());
    }

    #[test]
    fn removing_rewrites_the_file_and_a_failure_names_the_path_and_keeps_the_events() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path());
        let events = vec![
            StoredEvent::new(GUID::from_u128(1), Event::new(SYNCMGR_EL_ERROR, "a", "")),
            StoredEvent::new(GUID::from_u128(2), Event::new(SYNCMGR_EL_ERROR, "b", "")),
        ];
        save_events(&config.dest, &events).unwrap();
        let store = event_store("{h}", Some(&config));
        store.remove(&[GUID::from_u128(1)]).unwrap();
        assert_eq!(load_events(&config.dest), events[1..]);
        // The destination turned into a file: the rewrite fails naming the path, and nothing
        // is removed.
        fs::remove_dir_all(&config.dest).unwrap();
        fs::write(&config.dest, "not a directory").unwrap();
        let err = save_events(&config.dest, &events).unwrap_err();
        assert!(err.to_string().contains(EVENTS_FILE), "{err}");
        let store = EventStore::with_remover(
            "{h}",
            events.clone(),
            move |_: &[StoredEvent], left: &[StoredEvent]| {
                save_events(&config.dest, left).map_err(|e| error(E_FAIL, e.to_string()))
            },
        );
        assert_eq!(
            store.remove(&[GUID::from_u128(2)]).unwrap_err().code(),
            E_FAIL
        );
        assert_eq!(store.events(), events);
    }

    #[test]
    fn the_handler_serves_the_kept_events_and_removes_them_through_its_interfaces() {
        use mobsync_runtime::syncmgr::E_EVENT_NOT_FOUND;
        use mobsync_runtime::syncmgr::sys::{
            ISyncMgrEventStore, ISyncMgrHandler, SYNCMGR_OBJECTID_EventStore,
        };

        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path());
        let events = vec![
            StoredEvent::new(GUID::from_u128(1), Event::new(SYNCMGR_EL_ERROR, "a", "")),
            StoredEvent::new(GUID::from_u128(2), Event::new(SYNCMGR_EL_WARNING, "b", "")),
        ];
        save_events(&config.dest, &events).unwrap();
        let object = ComObject::new(crate::FolderSyncCenter::with_config(Some(config.clone())));
        // The handler object itself, and the object GetObject(SYNCMGR_OBJECTID_EventStore)
        // gives.
        let own: ISyncMgrEventStore = object.cast().unwrap();
        let handler: ISyncMgrHandler = object.cast().unwrap();
        let given: ISyncMgrEventStore = handler.GetObject(&SYNCMGR_OBJECTID_EventStore).unwrap();
        assert_eq!(own.GetEventCount().unwrap(), 2);
        assert_eq!(given.GetEventCount().unwrap(), 2);
        let event = given.GetEvent(&GUID::from_u128(2)).unwrap();
        assert_eq!(event.GetLevel().unwrap(), SYNCMGR_EL_WARNING);
        // Removed through one: gone for the other and from the file.
        assert!(given.RemoveEvent(&[GUID::from_u128(1)]).is_ok());
        assert_eq!(own.GetEventCount().unwrap(), 1);
        assert_eq!(load_events(&config.dest), events[1..]);
        assert_eq!(own.RemoveEvent(&[GUID::from_u128(1)]), E_EVENT_NOT_FOUND);
    }
}
