//! [`SyncSession`]: the safe side of `ISyncMgrSyncCallback`, through which a handler's
//! `Synchronize` reports progress, events and asks whether it may go on.

use std::ffi::c_void;

use windows_core::{GUID, HRESULT, Interface as _};

use crate::WStr;
use crate::hresults::{E_UNEXPECTED, S_FALSE};
use crate::syncmgr::sys::{
    ISyncMgrSessionCreator, ISyncMgrSyncCallback, SYNCMGR_CANCEL_REQUEST, SYNCMGR_CR_CANCEL_ALL,
    SYNCMGR_CR_CANCEL_ITEM, SYNCMGR_CR_NONE, SYNCMGR_EVENT_FLAGS, SYNCMGR_EVENT_LEVEL,
    SYNCMGR_PROGRESS_STATUS,
};

/// `text` as a NUL-terminated UTF-16 string (a NUL inside `text` ends it for the reader).
fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// What the user or an application asked for, as `ReportProgress` and
/// `SetHandlerProgressText` return it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelRequest {
    /// Go on (`SYNCMGR_CR_NONE`).
    None,
    /// Stop synchronizing this item (`SYNCMGR_CR_CANCEL_ITEM`).
    Item,
    /// Stop the whole synchronization (`SYNCMGR_CR_CANCEL_ALL`).
    All,
}

impl CancelRequest {
    /// The request a raw value stands for; an unknown value is taken as `All` (stopping is the
    /// safe reading of a request one does not understand).
    pub fn from_raw(raw: SYNCMGR_CANCEL_REQUEST) -> Self {
        match raw {
            SYNCMGR_CR_NONE => CancelRequest::None,
            SYNCMGR_CR_CANCEL_ITEM => CancelRequest::Item,
            SYNCMGR_CR_CANCEL_ALL => CancelRequest::All,
            other => {
                log::warn!(
                    "unknown SYNCMGR_CANCEL_REQUEST {}: taken as cancel-all",
                    other.0
                );
                CancelRequest::All
            }
        }
    }

    /// Whether anything was cancelled.
    pub fn is_cancel(self) -> bool {
        self != CancelRequest::None
    }
}

/// An event for the Sync Results folder ([`SyncSession::report_event`]).
///
/// ```
/// use mobsync_runtime::syncmgr::Event;
/// use mobsync_runtime::syncmgr::sys::SYNCMGR_EL_ERROR;
///
/// let event = Event::new(SYNCMGR_EL_ERROR, "Copy failed", "notes.txt: access denied")
///     .item("docs");
/// assert_eq!(event.item.as_deref(), Some("docs"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The item the event is about, or `None` for the handler.
    pub item: Option<String>,
    /// Its severity (`SYNCMGR_EL_*`).
    pub level: SYNCMGR_EVENT_LEVEL,
    /// `SYNCMGR_EF_*` flags.
    pub flags: SYNCMGR_EVENT_FLAGS,
    /// The event's name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The text of a link, if any.
    pub link_text: Option<String>,
    /// What the link refers to (passed to the `SYNCMGR_OBJECTID_EventLinkClick` operation).
    pub link_reference: Option<String>,
    /// Context of the handler's own, if any.
    pub context: Option<String>,
}

impl Event {
    /// An event about the handler, without flags, link or context.
    pub fn new(
        level: SYNCMGR_EVENT_LEVEL,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Event {
            item: None,
            level,
            flags: SYNCMGR_EVENT_FLAGS(0),
            name: name.into(),
            description: description.into(),
            link_text: None,
            link_reference: None,
            context: None,
        }
    }

    /// About this item.
    pub fn item(mut self, item: impl Into<String>) -> Self {
        self.item = Some(item.into());
        self
    }

    /// With a link: its text and what it refers to.
    pub fn link(mut self, text: impl Into<String>, reference: impl Into<String>) -> Self {
        self.link_text = Some(text.into());
        self.link_reference = Some(reference.into());
        self
    }

    /// With context of the handler's own.
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }
}

/// The safe side of the `ISyncMgrSyncCallback` a handler reports a synchronization through:
/// made from the callback ([`new`](Self::new)) or by creating the session
/// ([`create`](Self::create)) with the `ISyncMgrSessionCreator` that `Synchronize` receives.
///
/// Cheap to clone (one `AddRef`); `Send + Sync` like the interface, so a handler may report
/// from worker threads.
#[derive(Clone, Debug)]
pub struct SyncSession {
    callback: ISyncMgrSyncCallback,
}

impl SyncSession {
    /// A session over this callback.
    pub fn new(callback: ISyncMgrSyncCallback) -> Self {
        SyncSession { callback }
    }

    /// `ISyncMgrSessionCreator::CreateSession`: tells Sync Center that the handler `handler_id`
    /// starts synchronizing `items` (all of its items when empty) and returns the session.
    ///
    /// # Errors
    ///
    /// The creator's failure, or `E_UNEXPECTED` when it succeeds without a callback.
    pub fn create(
        creator: &ISyncMgrSessionCreator,
        handler_id: &str,
        items: &[&WStr],
    ) -> windows_core::Result<Self> {
        let handler_id = wide(handler_id);
        let owned: Vec<Vec<u16>> = items
            .iter()
            .map(|id| id.as_units().iter().copied().chain([0]).collect())
            .collect();
        let mut pointers: Vec<*const u16> = owned.iter().map(|id| id.as_ptr()).collect();
        let count = u32::try_from(pointers.len()).map_err(|_| E_UNEXPECTED)?;
        let array = if pointers.is_empty() {
            std::ptr::null_mut()
        } else {
            pointers.as_mut_ptr()
        };
        let mut callback: *mut c_void = std::ptr::null_mut();
        // SAFETY: the handler ID and every item ID are NUL-terminated buffers alive for the call,
        // `array` holds `count` pointers to them (or is null with a zero count) and
        // `callback` is a writable out-pointer, as the method's MIDL attributes require.
        let hr = unsafe { creator.CreateSession(handler_id.as_ptr(), array, count, &mut callback) };
        hr.ok()?;
        if callback.is_null() {
            return Err(E_UNEXPECTED.into());
        }
        // SAFETY: on success `callback` is an owned ISyncMgrSyncCallback reference.
        Ok(SyncSession::new(unsafe {
            ISyncMgrSyncCallback::from_raw(callback)
        }))
    }

    /// The callback.
    pub fn callback(&self) -> &ISyncMgrSyncCallback {
        &self.callback
    }

    /// `ReportProgress`: the item `item` is at step `step` of `max` with this status and
    /// message (`None` keeps the last one; at most `MAX_SYNCMGR_PROGRESSTEXT - 1` UTF-16 units
    /// are shown). Returns any cancellation asked for.
    ///
    /// # Errors
    ///
    /// The callback's failure.
    pub fn report_progress(
        &self,
        item: &str,
        text: Option<&str>,
        status: SYNCMGR_PROGRESS_STATUS,
        step: u32,
        max: u32,
    ) -> windows_core::Result<CancelRequest> {
        let item = wide(item);
        let text = text.map(wide);
        let mut cancel = SYNCMGR_CR_NONE;
        // SAFETY: both strings are NUL-terminated buffers alive for the call (the text may be
        // null, `[unique]`), and `cancel` is a live, initialized in/out value.
        let hr = unsafe {
            self.callback.ReportProgress(
                item.as_ptr(),
                text.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
                status,
                step,
                max,
                &mut cancel,
            )
        };
        hr.ok()?;
        Ok(CancelRequest::from_raw(cancel))
    }

    /// `SetHandlerProgressText`: the progress message of the handler as a whole. Returns any
    /// cancellation asked for.
    ///
    /// # Errors
    ///
    /// The callback's failure.
    pub fn set_handler_progress_text(&self, text: &str) -> windows_core::Result<CancelRequest> {
        let text = wide(text);
        let mut cancel = SYNCMGR_CR_NONE;
        // SAFETY: `text` is a NUL-terminated buffer alive for the call and `cancel` a live,
        // initialized in/out value.
        let hr = unsafe {
            self.callback
                .SetHandlerProgressText(text.as_ptr(), &mut cancel)
        };
        hr.ok()?;
        Ok(CancelRequest::from_raw(cancel))
    }

    /// `ReportEvent`: adds the event to the Sync Results folder and returns its identifier.
    ///
    /// # Errors
    ///
    /// The callback's failure.
    pub fn report_event(&self, event: &Event) -> windows_core::Result<GUID> {
        let opt = |s: &Option<String>| s.as_deref().map(wide);
        let (item, link_text, link_reference, context) = (
            opt(&event.item),
            opt(&event.link_text),
            opt(&event.link_reference),
            opt(&event.context),
        );
        self.callback.ReportEvent(
            item.as_deref(),
            event.level,
            event.flags,
            &wide(&event.name),
            &wide(&event.description),
            link_text.as_deref(),
            link_reference.as_deref(),
            context.as_deref(),
        )
    }

    /// `CanContinue`: whether the synchronization of `item` may go on (`false` once it was
    /// cancelled; the handler then reports `SYNCMGR_PS_CANCELED`).
    ///
    /// # Errors
    ///
    /// The callback's failure, or a success code other than `S_OK`/`S_FALSE` (`E_UNEXPECTED`).
    pub fn can_continue(&self, item: &str) -> windows_core::Result<bool> {
        success_flag(self.callback.CanContinue(&wide(item)))
    }

    /// `ReportManualSync`: tells Sync Center that the synchronization was started by hand.
    ///
    /// # Errors
    ///
    /// The callback's failure.
    pub fn report_manual_sync(&self) -> windows_core::Result<()> {
        self.callback.ReportManualSync().ok()
    }
}

/// `S_OK` → `true`, `S_FALSE` → `false`, a failure → the error, any other success code →
/// `E_UNEXPECTED` (logged).
fn success_flag(hr: HRESULT) -> windows_core::Result<bool> {
    hr.ok()?;
    match hr {
        HRESULT(0) => Ok(true),
        S_FALSE => Ok(false),
        other => {
            log::warn!("CanContinue returned the undocumented success code {other:?}");
            Err(E_UNEXPECTED.into())
        }
    }
}
