//! [`ItemEnumerator`]: a ready `ISyncMgrEnumItems` over a list of [`SyncItem`]s.

use std::mem::{MaybeUninit, size_of};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use windows_core::GUID;

use crate::sys::{
    FILETIME, HICON, ISyncMgrEnumItems, SYNCMGRITEM, SYNCMGRITEM_LASTUPDATETIME,
    SYNCMGRITEMSTATE_CHECKED, SYNCMGRITEMSTATE_UNCHECKED,
};
use crate::wstr::copy_truncated;
use crate::{ComObject, SkipOutcome, SyncMgrEnumItems};

/// One item of a handler, as Sync Manager lists it.
///
/// ```
/// use mobsync_runtime::SyncItem;
/// use windows_core::GUID;
/// let item = SyncItem::new(GUID::from_u128(1), "Documents").checked(true);
/// assert!(item.checked);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncItem {
    /// The item's identifier (stable across sessions).
    pub id: GUID,
    /// The display name; truncated to `MAX_SYNCMGRITEMNAME - 1` UTF-16 units when enumerated.
    pub name: String,
    /// `SYNCMGRITEMFLAGS` bits (`SYNCMGRITEM_HASPROPERTIES` ...). `SYNCMGRITEM_LASTUPDATETIME`
    /// is added when [`last_update`](SyncItem::last_update) is set.
    pub flags: u32,
    /// Whether the item is selected for synchronization (`SYNCMGRITEMSTATE_CHECKED`).
    pub checked: bool,
    /// The icon handle's value (0 for none). Icon handles are process-wide values, so the item
    /// stays `Send`.
    pub icon: usize,
    /// When the item was last synchronized, as a FILETIME (100 ns ticks since 1601-01-01).
    pub last_update: Option<u64>,
}

/// Seconds from 1601-01-01 to 1970-01-01.
const FILETIME_UNIX_OFFSET_SECS: u64 = 11_644_473_600;

impl SyncItem {
    /// An unchecked item without flags, icon or update time.
    pub fn new(id: GUID, name: impl Into<String>) -> Self {
        SyncItem {
            id,
            name: name.into(),
            flags: 0,
            checked: false,
            icon: 0,
            last_update: None,
        }
    }

    /// Selected (`true`) or not.
    pub fn checked(mut self, checked: bool) -> Self {
        self.checked = checked;
        self
    }

    /// With these `SYNCMGRITEMFLAGS` bits.
    pub fn flags(mut self, flags: u32) -> Self {
        self.flags = flags;
        self
    }

    /// With this icon.
    pub fn icon(mut self, icon: HICON) -> Self {
        self.icon = icon.0 as usize;
        self
    }

    /// Last synchronized at `time` (times before 1601 are clamped to 1601).
    pub fn last_update(mut self, time: SystemTime) -> Self {
        let ticks = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => {
                after.as_nanos() / 100 + u128::from(FILETIME_UNIX_OFFSET_SECS) * 10_000_000
            }
            Err(before) => {
                let before = before.duration().as_nanos() / 100;
                (u128::from(FILETIME_UNIX_OFFSET_SECS) * 10_000_000).saturating_sub(before)
            }
        };
        self.last_update = Some(u64::try_from(ticks).unwrap_or(u64::MAX));
        self
    }

    /// The last update as a `SystemTime`, if set.
    pub fn last_update_time(&self) -> Option<SystemTime> {
        let ticks = self.last_update?;
        let since_1601 = Duration::from_nanos(ticks.saturating_mul(100));
        let offset = Duration::from_secs(FILETIME_UNIX_OFFSET_SECS);
        Some(if since_1601 >= offset {
            UNIX_EPOCH + (since_1601 - offset)
        } else {
            UNIX_EPOCH - (offset - since_1601)
        })
    }

    /// The raw structure `Next` hands out.
    pub fn to_raw(&self) -> SYNCMGRITEM {
        let mut flags = self.flags;
        let mut last = FILETIME {
            dwLowDateTime: 0,
            dwHighDateTime: 0,
        };
        if let Some(ticks) = self.last_update {
            flags |= SYNCMGRITEM_LASTUPDATETIME.0 as u32;
            last.dwLowDateTime = ticks as u32;
            last.dwHighDateTime = (ticks >> 32) as u32;
        }
        let mut raw = SYNCMGRITEM {
            cbSize: size_of::<SYNCMGRITEM>() as u32,
            dwFlags: flags,
            ItemID: self.id,
            dwItemState: if self.checked {
                SYNCMGRITEMSTATE_CHECKED
            } else {
                SYNCMGRITEMSTATE_UNCHECKED
            },
            // A handle value, never dereferenced here: no provenance (Miri runs with
            // -Zmiri-strict-provenance).
            hIcon: HICON(std::ptr::without_provenance_mut(self.icon)),
            wszItemName: [0; crate::sys::MAX_SYNCMGRITEMNAME as usize],
            ftLastUpdate: last,
        };
        copy_truncated(&self.name, &mut raw.wszItemName);
        raw
    }
}

/// A ready `ISyncMgrEnumItems` over a fixed list of items, with the exact COM enumerator
/// contract: `Next` returns `S_FALSE` when it fills fewer than asked, `pceltFetched` may be null
/// only when asking for one item, `Skip` returns `S_FALSE` when fewer were left, `Reset` starts
/// over, and `Clone` gives an independent enumerator at the same position.
///
/// ```
/// use mobsync_runtime::{ItemEnumerator, SyncItem};
/// use windows_core::GUID;
///
/// let enumerator = ItemEnumerator::new(vec![
///     SyncItem::new(GUID::from_u128(1), "Documents").checked(true),
///     SyncItem::new(GUID::from_u128(2), "Pictures"),
/// ]);
/// let interface = enumerator.into_interface(); // an owned ISyncMgrEnumItems
/// # drop(interface);
/// ```
#[derive(Debug)]
pub struct ItemEnumerator {
    items: Arc<[SyncItem]>,
    position: AtomicUsize,
}

crate::com_class::com_class!(ItemEnumerator => ISyncMgrEnumItems);

impl ItemEnumerator {
    /// An enumerator at the first of `items`.
    pub fn new(items: impl Into<Vec<SyncItem>>) -> Self {
        ItemEnumerator {
            items: items.into().into(),
            position: AtomicUsize::new(0),
        }
    }

    /// The items.
    pub fn items(&self) -> &[SyncItem] {
        &self.items
    }

    /// Moves the enumerator into a new COM object and returns its `ISyncMgrEnumItems`.
    pub fn into_interface(self) -> ISyncMgrEnumItems {
        ComObject::new(self).into_interface()
    }

    /// Advances the position by up to `count`, returning the range of indices passed over.
    fn advance(&self, count: usize) -> std::ops::Range<usize> {
        let len = self.items.len();
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

    /// Takes the next items, as many as there are `slots` at most, and stores each into its
    /// slot with `store` (which builds the `SYNCMGRITEM` right into the slot); returns how many.
    fn fill<S>(&self, slots: &mut [S], store: impl Fn(&mut S, &SyncItem)) -> usize {
        let range = self.advance(slots.len());
        let filled = range.len();
        for (slot, item) in slots.iter_mut().zip(&self.items[range]) {
            store(slot, item);
        }
        filled
    }
}

impl SyncMgrEnumItems for ItemEnumerator {
    fn next(&self, items: &mut [SYNCMGRITEM]) -> windows_core::Result<usize> {
        Ok(self.fill(items, |slot, item| *slot = item.to_raw()))
    }

    /// What COM's `Next` calls: each item written once into the caller's buffer (the default
    /// would zero the whole buffer first).
    fn next_uninit(&self, items: &mut [MaybeUninit<SYNCMGRITEM>]) -> windows_core::Result<usize> {
        Ok(self.fill(items, |slot, item| {
            slot.write(item.to_raw());
        }))
    }

    fn skip(&self, count: u32) -> windows_core::Result<SkipOutcome> {
        let requested = count as usize;
        let skipped = self.advance(requested).len();
        Ok(if skipped == requested {
            SkipOutcome::S_OK
        } else {
            SkipOutcome::S_FALSE
        })
    }

    fn reset(&self) -> windows_core::Result<()> {
        self.position.store(0, Ordering::Release);
        Ok(())
    }

    fn clone_com(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        let copy = ItemEnumerator {
            items: Arc::clone(&self.items),
            position: AtomicUsize::new(self.position.load(Ordering::Acquire)),
        };
        Ok(copy.into_interface())
    }
}

#[cfg(test)]
mod tests {
    use windows_core::{GUID, Interface};

    use super::*;
    use crate::hresults::{E_NOTIMPL, S_FALSE};

    /// An enumerator that implements only `next` (one item, always): COM's `Next` reaches it
    /// through the default `next_uninit`, which zeroes the caller's buffer first.
    #[derive(Debug, crate::ComObject)]
    #[com_object(interfaces(ISyncMgrEnumItems))]
    struct OneItem;

    impl SyncMgrEnumItems for OneItem {
        fn next(&self, items: &mut [SYNCMGRITEM]) -> windows_core::Result<usize> {
            assert!(
                items.iter().all(|item| *item == SYNCMGRITEM::default()),
                "the items come zeroed"
            );
            items[0] = SyncItem::new(GUID::from_u128(7), "seven").to_raw();
            Ok(1)
        }
        fn skip(&self, _: u32) -> windows_core::Result<SkipOutcome> {
            Ok(SkipOutcome::S_OK)
        }
        fn reset(&self) -> windows_core::Result<()> {
            Ok(())
        }
        fn clone_com(&self) -> windows_core::Result<ISyncMgrEnumItems> {
            Err(E_NOTIMPL.into())
        }
    }

    #[test]
    fn an_enumerator_with_only_next_gets_the_callers_items_zeroed() {
        let items: ISyncMgrEnumItems = ComObject::new(OneItem).cast().expect("an enumerator");
        let vtbl = items.vtable();
        let mut buffer = [SyncItem::new(GUID::from_u128(1), "old").to_raw(); 3];
        let mut fetched = 0;
        // SAFETY: `items` holds the object; `buffer` has room for the 3 items asked for.
        let hr = unsafe { (vtbl.Next)(items.as_raw(), 3, buffer.as_mut_ptr(), &mut fetched) };
        assert_eq!((hr, fetched), (S_FALSE, 1));
        assert_eq!(buffer[0].ItemID, GUID::from_u128(7));
        assert_eq!(
            buffer[1],
            SYNCMGRITEM::default(),
            "zeroed, not left as given"
        );
    }
}
