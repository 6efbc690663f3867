//! Asking a Sync Center handler about itself over the raw ABI: `ISyncMgrHandler` (name, handler
//! info, capabilities, policies) and its `ISyncMgrSyncItemContainer` (the item enumerator, each
//! item's ID, name, capabilities, policies and `ISyncMgrSyncItemInfo`).
//!
//! A call that is optional (`E_NOTIMPL`: the handler leaves it to Sync Center) gives `None`; any
//! other failure of an optional call is recorded in the description's problems; a failure of a
//! call the description cannot go without (`GetName`, the item container, the enumerator, an
//! item's ID) is a [`CallError`] naming the handler, the item and the method.

use std::ffi::c_void;

use mobsync_runtime::WStr;
use mobsync_runtime::syncmgr::sys::{
    FILETIME, IEnumSyncMgrSyncItems, ISyncMgrHandler, ISyncMgrSyncItem, ISyncMgrSyncItemContainer,
};
use mobsync_runtime::task_mem::task_free;
use windows_core::{GUID, HRESULT, Interface};

use super::model::{
    CallError, Flags, HandlerDescription, HandlerInfoReport, ItemDescription, display_name,
    handler_capability_names, handler_policy_names, handler_type_name, item_capability_names,
    item_policy_names,
};
use crate::hresult::{E_NOTIMPL, E_POINTER, S_FALSE, S_OK};

/// Items asked for per `IEnumSyncMgrSyncItems::Next` call.
const BATCH: usize = 16;

/// Who is being asked, for error messages: the handler's display name, and the problems found so
/// far.
pub(crate) struct Asking {
    pub handler: String,
    pub problems: Vec<String>,
}

impl Asking {
    fn error(&self, item: Option<&str>, method: &str, hr: HRESULT) -> CallError {
        CallError::code(&self.handler, item, method, hr)
    }

    /// The answer of an optional call: `None` for `E_NOTIMPL`, and for another failure, which is
    /// recorded as a problem.
    fn optional<T>(
        &mut self,
        item: Option<&str>,
        method: &str,
        answer: windows_core::Result<T>,
    ) -> Option<T> {
        match answer {
            Ok(value) => Some(value),
            Err(e) if e.code() == E_NOTIMPL => None,
            Err(e) => {
                self.problems
                    .push(self.error(item, method, e.code()).to_string());
                None
            }
        }
    }

    /// The flags an optional call returned (its raw value), 0 when it gave none.
    fn bits(&mut self, item: Option<&str>, method: &str, answer: windows_core::Result<i32>) -> u32 {
        self.optional(item, method, answer).map_or(0, |v| v as u32)
    }

    /// `S_OK` → true, `S_FALSE` → false, `E_NOTIMPL` → none; another code is a problem.
    fn flag(&mut self, item: Option<&str>, method: &str, hr: HRESULT) -> Option<bool> {
        match hr {
            S_OK => Some(true),
            S_FALSE => Some(false),
            _ => self.optional(item, method, Err(hr.into())),
        }
    }
}

/// Calls a method returning an `[out, string] LPWSTR*` and takes the string (freed with the task
/// allocator). A success without a string is `E_POINTER`.
fn task_string(call: impl FnOnce(*mut *mut u16) -> HRESULT) -> windows_core::Result<String> {
    let mut out: *mut u16 = std::ptr::null_mut();
    let hr = call(&mut out);
    if hr.is_err() {
        if !out.is_null() {
            // SAFETY: a string the callee allocated with the task allocator against the
            // contract (it failed); freeing it does not leak it, and it is not used again.
            unsafe { task_free(out.cast()) };
        }
        return Err(hr.into());
    }
    // SAFETY: on success `out` is null or a NUL-terminated string in task memory, now ours.
    let text = unsafe { WStr::from_ptr(out) }.map(WStr::to_string_lossy);
    if !out.is_null() {
        // SAFETY: as above; freed once, after it was read.
        unsafe { task_free(out.cast()) };
    }
    text.ok_or_else(|| E_POINTER.into())
}

/// A `FILETIME` as milliseconds since 1970-01-01 UTC.
fn unix_ms(time: FILETIME) -> i64 {
    const UNIX_EPOCH_MS: i64 = 11_644_473_600_000;
    let ticks = (u64::from(time.dwHighDateTime) << 32) | u64::from(time.dwLowDateTime);
    (ticks / 10_000) as i64 - UNIX_EPOCH_MS
}

/// The handler's name (`GetName`), which everything else names it by.
pub(crate) fn handler_name(handler: &ISyncMgrHandler, clsid: &GUID) -> Result<String, CallError> {
    // SAFETY: `out` is a writable out-pointer for the call.
    task_string(|out| unsafe { handler.GetName(out) }).map_err(|e| {
        CallError::code(
            &display_name("", clsid),
            None,
            "ISyncMgrHandler::GetName",
            e.code(),
        )
    })
}

/// Everything `handler` says about itself and its items.
pub(crate) fn describe(
    handler: &ISyncMgrHandler,
    clsid: GUID,
) -> Result<HandlerDescription, CallError> {
    let name = handler_name(handler, &clsid)?;
    let mut asking = Asking {
        handler: display_name(&name, &clsid),
        problems: Vec::new(),
    };
    let info = match handler.GetHandlerInfo() {
        Ok(info) => {
            let kind = asking.optional(None, "ISyncMgrHandlerInfo::GetType", info.GetType());
            Some(HandlerInfoReport {
                kind: kind.map_or("unspecified", handler_type_name),
                // SAFETY: `out` is a writable out-pointer for the call.
                type_label: asking.optional(
                    None,
                    "ISyncMgrHandlerInfo::GetTypeLabel",
                    task_string(|out| unsafe { info.GetTypeLabel(out) }),
                ),
                // SAFETY: as above.
                comment: asking.optional(
                    None,
                    "ISyncMgrHandlerInfo::GetComment",
                    task_string(|out| unsafe { info.GetComment(out) }),
                ),
                last_sync_ms: asking
                    .optional(
                        None,
                        "ISyncMgrHandlerInfo::GetLastSyncTime",
                        info.GetLastSyncTime(),
                    )
                    .map(unix_ms),
                active: asking.flag(None, "ISyncMgrHandlerInfo::IsActive", info.IsActive()),
                enabled: asking.flag(None, "ISyncMgrHandlerInfo::IsEnabled", info.IsEnabled()),
                connected: asking.flag(
                    None,
                    "ISyncMgrHandlerInfo::IsConnected",
                    info.IsConnected(),
                ),
            })
        }
        Err(e) => {
            // Sync Center then shows default properties: a problem, not a failure.
            asking.optional(None, "ISyncMgrHandler::GetHandlerInfo", Err::<(), _>(e));
            None
        }
    };
    let capabilities = asking.bits(
        None,
        "ISyncMgrHandler::GetCapabilities",
        handler.GetCapabilities().map(|c| c.0),
    );
    let policies = asking.bits(
        None,
        "ISyncMgrHandler::GetPolicies",
        handler.GetPolicies().map(|p| p.0),
    );
    let items = items(handler, &mut asking)?;
    Ok(HandlerDescription {
        clsid,
        name,
        module: None,
        info,
        capabilities: Flags::new(capabilities, handler_capability_names),
        policies: Flags::new(policies, handler_policy_names),
        items,
        problems: asking.problems,
    })
}

/// The items, through `ISyncMgrSyncItemContainer::GetSyncItemEnumerator`.
fn items(
    handler: &ISyncMgrHandler,
    asking: &mut Asking,
) -> Result<Vec<ItemDescription>, CallError> {
    let container: ISyncMgrSyncItemContainer = handler.cast().map_err(|e| {
        asking.error(
            None,
            "IUnknown::QueryInterface(ISyncMgrSyncItemContainer)",
            e.code(),
        )
    })?;
    let enumerator = container.GetSyncItemEnumerator().map_err(|e| {
        asking.error(
            None,
            "ISyncMgrSyncItemContainer::GetSyncItemEnumerator",
            e.code(),
        )
    })?;
    let mut items = Vec::new();
    for item in enumerate(&enumerator, asking)? {
        items.push(item_description(&item, asking)?);
    }
    if let Ok(count) = container.GetSyncItemCount()
        && count as usize != items.len()
    {
        asking.problems.push(format!(
            "{}: ISyncMgrSyncItemContainer::GetSyncItemCount says {count} items, the enumerator \
             gave {}",
            asking.handler,
            items.len()
        ));
    }
    Ok(items)
}

/// Every item of `enumerator`, `Next` in batches, checking the count it returns.
fn enumerate(
    enumerator: &IEnumSyncMgrSyncItems,
    asking: &Asking,
) -> Result<Vec<ISyncMgrSyncItem>, CallError> {
    const METHOD: &str = "IEnumSyncMgrSyncItems::Next";
    let mut items = Vec::new();
    loop {
        let mut batch: [*mut c_void; BATCH] = [std::ptr::null_mut(); BATCH];
        let mut fetched = 0u32;
        // SAFETY: `batch` has room for BATCH pointers and `fetched` is writable.
        let hr = unsafe { enumerator.Next(BATCH as u32, batch.as_mut_ptr(), &mut fetched) };
        if hr.is_err() {
            return Err(asking.error(None, METHOD, hr));
        }
        let taken = batch.iter().take_while(|p| !p.is_null()).count();
        // Take over every pointer the enumerator returned, so that none leaks, before judging.
        let got: Vec<ISyncMgrSyncItem> = batch
            .iter()
            .filter(|p| !p.is_null())
            // SAFETY: a non-null element is an owned ISyncMgrSyncItem reference from `Next`.
            .map(|p| unsafe { ISyncMgrSyncItem::from_raw(*p) })
            .collect();
        if fetched as usize > BATCH || fetched as usize != taken || got.len() != taken {
            return Err(CallError::new(
                &asking.handler,
                None,
                METHOD,
                hr,
                format!(
                    "asked for {BATCH} items, it reported {fetched} fetched but returned {} \
                     non-null pointers ({taken} in a row)",
                    got.len()
                ),
            ));
        }
        items.extend(got);
        if hr != S_OK || fetched == 0 {
            return Ok(items);
        }
    }
}

/// One item's ID, name, capabilities, policies and item info.
fn item_description(
    item: &ISyncMgrSyncItem,
    asking: &mut Asking,
) -> Result<ItemDescription, CallError> {
    // SAFETY: `out` is a writable out-pointer for the call.
    let id = task_string(|out| unsafe { item.GetItemID(out) })
        .map_err(|e| asking.error(None, "ISyncMgrSyncItem::GetItemID", e.code()))?;
    let at = Some(id.as_str());
    // SAFETY: as above.
    let name = task_string(|out| unsafe { item.GetName(out) })
        .map_err(|e| asking.error(at, "ISyncMgrSyncItem::GetName", e.code()))?;
    let capabilities = asking.bits(
        at,
        "ISyncMgrSyncItem::GetCapabilities",
        item.GetCapabilities().map(|c| c.0),
    );
    let policies = asking.bits(
        at,
        "ISyncMgrSyncItem::GetPolicies",
        item.GetPolicies().map(|p| p.0),
    );
    let mut described = ItemDescription {
        id: id.clone(),
        name,
        capabilities: Flags::new(capabilities, item_capability_names),
        policies: Flags::new(policies, item_policy_names),
        type_label: None,
        comment: None,
        last_sync_ms: None,
        enabled: None,
        connected: None,
    };
    let at = Some(id.as_str());
    if let Some(info) = asking.optional(at, "ISyncMgrSyncItem::GetItemInfo", item.GetItemInfo()) {
        // SAFETY: `out` is a writable out-pointer for the call.
        described.type_label = asking.optional(
            at,
            "ISyncMgrSyncItemInfo::GetTypeLabel",
            task_string(|out| unsafe { info.GetTypeLabel(out) }),
        );
        // SAFETY: as above.
        described.comment = asking.optional(
            at,
            "ISyncMgrSyncItemInfo::GetComment",
            task_string(|out| unsafe { info.GetComment(out) }),
        );
        described.last_sync_ms = asking
            .optional(
                at,
                "ISyncMgrSyncItemInfo::GetLastSyncTime",
                info.GetLastSyncTime(),
            )
            .map(unix_ms);
        described.enabled = asking.flag(at, "ISyncMgrSyncItemInfo::IsEnabled", info.IsEnabled());
        described.connected =
            asking.flag(at, "ISyncMgrSyncItemInfo::IsConnected", info.IsConnected());
    }
    Ok(described)
}
