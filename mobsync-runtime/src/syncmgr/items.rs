//! Sync items: [`SyncItem`] (a ready `ISyncMgrSyncItem` and `ISyncMgrSyncItemInfo`),
//! [`SyncItems`] (what a handler's `ISyncMgrSyncItemContainer` answers, over a list) and
//! [`ItemEnumerator`] (a ready `IEnumSyncMgrSyncItems`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use crate::hresults::{E_INVALIDARG, E_NOTIMPL};
use crate::syncmgr::info::filetime;
use crate::syncmgr::interfaces::{
    EnumSyncMgrSyncItems, EnumSyncMgrSyncItemsSkipOutcome, SyncMgrSyncItem, SyncMgrSyncItemInfo,
    SyncMgrSyncItemInfoIsConnectedOutcome, SyncMgrSyncItemInfoIsEnabledOutcome,
};
use crate::syncmgr::sys::{
    FILETIME, IEnumSyncMgrSyncItems, ISyncMgrSyncItem, ISyncMgrSyncItemInfo, SYNCMGR_ICM_NONE,
    SYNCMGR_IPM_NONE, SYNCMGR_ITEM_CAPABILITIES, SYNCMGR_ITEM_POLICIES,
};
use crate::{ComObject, WStr};

/// One item of a Sync Center handler: what Sync Center lists in the handler's folder and
/// synchronizes on its own. The value is also the COM object: [`into_interface`](Self::into_interface)
/// moves a copy into a new object implementing `ISyncMgrSyncItem` and `ISyncMgrSyncItemInfo`.
///
/// `IsEnabled` answers `S_OK`/`S_FALSE` when [`enabled`](Self::enabled) is set, `E_NOTIMPL`
/// (Sync Center keeps the state) when not; `GetLastSyncTime` answers `E_NOTIMPL` until a time
/// is set; `GetObject` answers `E_INVALIDARG` (no objects), `Enable` and `Delete` `E_NOTIMPL`.
///
/// ```
/// use mobsync_runtime::syncmgr::SyncItem;
///
/// let item = SyncItem::new("docs", "Documents").comment("12 files");
/// let interface = item.into_interface();
/// let mut id = std::ptr::null_mut();
/// // SAFETY: `id` is a writable out-pointer; the string it receives is freed below.
/// unsafe {
///     assert!(interface.GetItemID(&mut id).is_ok());
///     assert_eq!(mobsync_runtime::WStr::from_ptr(id).unwrap().to_string_lossy(), "docs");
///     mobsync_runtime::task_mem::task_free(id.cast());
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncItem {
    /// The item's identifier: unique within the handler, at most `MAX_SYNCMGR_ID - 1` UTF-16
    /// units, stable across sessions.
    pub id: String,
    /// The display name (at most `MAX_SYNCMGR_NAME - 1` UTF-16 units are shown).
    pub name: String,
    /// A label for the item's kind.
    pub type_label: String,
    /// A short summary of the item.
    pub comment: String,
    /// `SYNCMGR_ICM_*` flags.
    pub capabilities: SYNCMGR_ITEM_CAPABILITIES,
    /// `SYNCMGR_IPM_*` flags.
    pub policies: SYNCMGR_ITEM_POLICIES,
    /// When the item last synchronized.
    pub last_sync: Option<FILETIME>,
    /// Whether the item is enabled, or `None` to let Sync Center keep track.
    pub enabled: Option<bool>,
    /// Whether the item is connected.
    pub connected: bool,
}

crate::com_class::com_class!(
    SyncItem => crate::syncmgr::sys::ISyncMgrSyncItem,
    crate::syncmgr::sys::ISyncMgrSyncItemInfo
);

impl SyncItem {
    /// A connected item with this identifier and name, no labels, capabilities or policies.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        SyncItem {
            id: id.into(),
            name: name.into(),
            type_label: String::new(),
            comment: String::new(),
            capabilities: SYNCMGR_ICM_NONE,
            policies: SYNCMGR_IPM_NONE,
            last_sync: None,
            enabled: None,
            connected: true,
        }
    }

    /// With this type label.
    pub fn type_label(mut self, label: impl Into<String>) -> Self {
        self.type_label = label.into();
        self
    }

    /// With this comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = comment.into();
        self
    }

    /// With these `SYNCMGR_ICM_*` capabilities.
    pub fn capabilities(mut self, capabilities: SYNCMGR_ITEM_CAPABILITIES) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// With these `SYNCMGR_IPM_*` policies.
    pub fn policies(mut self, policies: SYNCMGR_ITEM_POLICIES) -> Self {
        self.policies = policies;
        self
    }

    /// Last synchronized at `time`.
    pub fn last_sync(mut self, time: SystemTime) -> Self {
        self.last_sync = Some(filetime(time));
        self
    }

    /// Enabled (`true`) or not.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Connected (`true`, the default) or not.
    pub fn connected(mut self, connected: bool) -> Self {
        self.connected = connected;
        self
    }

    /// Moves the item into a new COM object and returns its `ISyncMgrSyncItem`.
    pub fn into_interface(self) -> ISyncMgrSyncItem {
        ComObject::new(self).into_interface()
    }
}

impl SyncMgrSyncItem for SyncItem {
    fn get_item_id(&self) -> windows_core::Result<String> {
        Ok(self.id.clone())
    }

    fn get_name(&self) -> windows_core::Result<String> {
        Ok(self.name.clone())
    }

    fn get_item_info(&self) -> windows_core::Result<ISyncMgrSyncItemInfo> {
        Ok(ComObject::new(self.clone()).into_interface())
    }

    fn get_capabilities(&self) -> windows_core::Result<SYNCMGR_ITEM_CAPABILITIES> {
        Ok(self.capabilities)
    }

    fn get_policies(&self) -> windows_core::Result<SYNCMGR_ITEM_POLICIES> {
        Ok(self.policies)
    }
}

impl SyncMgrSyncItemInfo for SyncItem {
    fn get_type_label(&self) -> windows_core::Result<String> {
        Ok(self.type_label.clone())
    }

    fn get_comment(&self) -> windows_core::Result<String> {
        Ok(self.comment.clone())
    }

    fn get_last_sync_time(&self) -> windows_core::Result<FILETIME> {
        self.last_sync.ok_or_else(|| E_NOTIMPL.into())
    }

    fn is_enabled(&self) -> windows_core::Result<SyncMgrSyncItemInfoIsEnabledOutcome> {
        match self.enabled {
            Some(true) => Ok(SyncMgrSyncItemInfoIsEnabledOutcome::S_OK),
            Some(false) => Ok(SyncMgrSyncItemInfoIsEnabledOutcome::S_FALSE),
            None => Err(E_NOTIMPL.into()),
        }
    }

    fn is_connected(&self) -> windows_core::Result<SyncMgrSyncItemInfoIsConnectedOutcome> {
        Ok(if self.connected {
            SyncMgrSyncItemInfoIsConnectedOutcome::S_OK
        } else {
            SyncMgrSyncItemInfoIsConnectedOutcome::S_FALSE
        })
    }
}

/// A handler's items, answering the three methods of `ISyncMgrSyncItemContainer`: implement
/// [`SyncMgrSyncItemContainer`](crate::syncmgr::SyncMgrSyncItemContainer) by forwarding to
/// [`get`](Self::get), [`enumerator`](Self::enumerator) and [`count`](Self::count).
///
/// ```
/// use mobsync_runtime::syncmgr::{SyncItem, SyncItems};
///
/// let items = SyncItems::new(vec![SyncItem::new("a", "A"), SyncItem::new("b", "B")]);
/// assert_eq!(items.count().unwrap(), 2);
/// assert!(items.find("b").is_some());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncItems {
    items: Arc<[SyncItem]>,
}

impl SyncItems {
    /// A list of these items.
    pub fn new(items: impl Into<Vec<SyncItem>>) -> Self {
        SyncItems {
            items: items.into().into(),
        }
    }

    /// The items.
    pub fn items(&self) -> &[SyncItem] {
        &self.items
    }

    /// The item with this identifier (compared exactly), if any.
    pub fn find(&self, id: &str) -> Option<&SyncItem> {
        self.items.iter().find(|item| item.id == id)
    }

    /// `GetSyncItem`: a new object for the item `id`, or `E_INVALIDARG` when there is none.
    pub fn get(&self, id: &WStr) -> windows_core::Result<ISyncMgrSyncItem> {
        let wanted = id.as_units();
        self.items
            .iter()
            .find(|item| item.id.encode_utf16().eq(wanted.iter().copied()))
            .map(|item| item.clone().into_interface())
            .ok_or_else(|| E_INVALIDARG.into())
    }

    /// `GetSyncItemEnumerator`: an enumerator at the first item.
    pub fn enumerator(&self) -> windows_core::Result<IEnumSyncMgrSyncItems> {
        Ok(ItemEnumerator::new(self.clone()).into_interface())
    }

    /// `GetSyncItemCount`.
    pub fn count(&self) -> windows_core::Result<u32> {
        u32::try_from(self.items.len()).map_err(|_| E_INVALIDARG.into())
    }
}

/// A ready `IEnumSyncMgrSyncItems` over [`SyncItems`], with the COM enumerator contract: `Next`
/// hands out a new item object per element and returns `S_FALSE` when it fills fewer than
/// asked, `Skip` returns `S_FALSE` when fewer were left, `Reset` starts over, and `Clone` gives
/// an independent enumerator at the same position.
#[derive(Debug)]
pub struct ItemEnumerator {
    items: SyncItems,
    position: AtomicUsize,
}

crate::com_class::com_class!(ItemEnumerator => crate::syncmgr::sys::IEnumSyncMgrSyncItems);

impl ItemEnumerator {
    /// An enumerator at the first of `items`.
    pub fn new(items: SyncItems) -> Self {
        ItemEnumerator {
            items,
            position: AtomicUsize::new(0),
        }
    }

    /// Moves the enumerator into a new COM object and returns its `IEnumSyncMgrSyncItems`.
    pub fn into_interface(self) -> IEnumSyncMgrSyncItems {
        ComObject::new(self)
            .cast()
            .expect("an ItemEnumerator object implements IEnumSyncMgrSyncItems")
    }

    /// Advances the position by up to `count`, returning the range of indices passed over.
    fn advance(&self, count: usize) -> std::ops::Range<usize> {
        let len = self.items.items.len();
        let mut start = self.position.load(Ordering::Acquire);
        loop {
            let end = start.saturating_add(count).min(len).max(start);
            match self.position.compare_exchange_weak(
                start,
                end,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return start..end,
                Err(actual) => start = actual,
            }
        }
    }
}

impl EnumSyncMgrSyncItems for ItemEnumerator {
    fn next(&self, items: &mut [Option<ISyncMgrSyncItem>]) -> windows_core::Result<usize> {
        let range = self.advance(items.len());
        let filled = range.len();
        for (slot, item) in items.iter_mut().zip(&self.items.items[range]) {
            *slot = Some(item.clone().into_interface());
        }
        Ok(filled)
    }

    fn skip(&self, count: u32) -> windows_core::Result<EnumSyncMgrSyncItemsSkipOutcome> {
        let requested = count as usize;
        Ok(if self.advance(requested).len() == requested {
            EnumSyncMgrSyncItemsSkipOutcome::S_OK
        } else {
            EnumSyncMgrSyncItemsSkipOutcome::S_FALSE
        })
    }

    fn reset(&self) -> windows_core::Result<()> {
        self.position.store(0, Ordering::Release);
        Ok(())
    }

    fn clone_com(&self) -> windows_core::Result<IEnumSyncMgrSyncItems> {
        let copy = ItemEnumerator {
            items: self.items.clone(),
            position: AtomicUsize::new(self.position.load(Ordering::Acquire)),
        };
        Ok(copy.into_interface())
    }
}
