//! Safe views of the structures a caller passes in: [`ProgressItem`] and [`LogErrorInfo`].
//!
//! Both structures say with a `mask` which fields are valid; the views answer `None` for the
//! others, so a caller that leaves an unused field uninitialized (as C code may) is never read.

use windows_core::GUID;

use crate::abi;
use crate::sys::{
    SYNCMGRLOGERROR_ERRORFLAGS, SYNCMGRLOGERROR_ERRORID, SYNCMGRLOGERROR_ITEMID,
    SYNCMGRLOGERRORINFO, SYNCMGRPROGRESSITEM, SYNCMGRPROGRESSITEM_MAXVALUE,
    SYNCMGRPROGRESSITEM_PROGVALUE, SYNCMGRPROGRESSITEM_STATUSTEXT, SYNCMGRPROGRESSITEM_STATUSTYPE,
};
use crate::wstr::WStr;

/// A `SYNCMGRPROGRESSITEM` passed to
/// [`SyncMgrSynchronizeCallback::progress`](crate::SyncMgrSynchronizeCallback::progress), with
/// its `cbSize` already checked.
#[derive(Clone, Copy, Debug)]
pub struct ProgressItem<'a> {
    raw: &'a SYNCMGRPROGRESSITEM,
}

impl<'a> ProgressItem<'a> {
    /// A view of a checked structure.
    ///
    /// # Safety
    ///
    /// When `raw.mask` has `SYNCMGRPROGRESSITEM_STATUSTEXT`, `raw.lpcStatusText` is null or a
    /// NUL-terminated string unchanged for `'a`.
    pub unsafe fn from_checked(raw: &'a SYNCMGRPROGRESSITEM) -> Self {
        ProgressItem { raw }
    }

    /// The raw structure.
    pub fn raw(&self) -> &'a SYNCMGRPROGRESSITEM {
        self.raw
    }

    fn has(&self, bit: u32) -> bool {
        self.raw.mask & bit != 0
    }

    /// The status text (`SYNCMGRPROGRESSITEM_STATUSTEXT`).
    pub fn status_text(&self) -> Option<&'a WStr> {
        if !self.has(SYNCMGRPROGRESSITEM_STATUSTEXT) {
            return None;
        }
        // SAFETY: `from_checked`'s contract covers the pointer when the mask bit is set. A
        // misaligned pointer, refused by the check, reads as no text.
        unsafe { abi::in_wstr_opt(self.raw.lpcStatusText) }
            .ok()
            .flatten()
    }

    /// The item's status, a `SYNCMGRSTATUS` value (`SYNCMGRPROGRESSITEM_STATUSTYPE`).
    pub fn status_type(&self) -> Option<u32> {
        self.has(SYNCMGRPROGRESSITEM_STATUSTYPE)
            .then_some(self.raw.dwStatusType)
    }

    /// The progress value (`SYNCMGRPROGRESSITEM_PROGVALUE`).
    pub fn progress_value(&self) -> Option<i32> {
        self.has(SYNCMGRPROGRESSITEM_PROGVALUE)
            .then_some(self.raw.iProgValue)
    }

    /// The value meaning complete (`SYNCMGRPROGRESSITEM_MAXVALUE`).
    pub fn max_value(&self) -> Option<i32> {
        self.has(SYNCMGRPROGRESSITEM_MAXVALUE)
            .then_some(self.raw.iMaxValue)
    }
}

/// A `SYNCMGRLOGERRORINFO` passed to
/// [`SyncMgrSynchronizeCallback::log_error`](crate::SyncMgrSynchronizeCallback::log_error), with
/// its `cbSize` already checked.
#[derive(Clone, Copy, Debug)]
pub struct LogErrorInfo<'a> {
    raw: &'a SYNCMGRLOGERRORINFO,
}

impl<'a> LogErrorInfo<'a> {
    /// A view of a checked structure.
    ///
    /// # Safety
    ///
    /// None beyond `raw` being a caller's structure whose `cbSize` was checked; `unsafe` for
    /// symmetry with [`ProgressItem::from_checked`], so the generated shims treat both alike.
    pub unsafe fn from_checked(raw: &'a SYNCMGRLOGERRORINFO) -> Self {
        LogErrorInfo { raw }
    }

    /// The raw structure.
    pub fn raw(&self) -> &'a SYNCMGRLOGERRORINFO {
        self.raw
    }

    fn has(&self, bit: u32) -> bool {
        self.raw.mask & bit != 0
    }

    /// `SYNCMGRERRORFLAGS` bits (`SYNCMGRLOGERROR_ERRORFLAGS`).
    pub fn error_flags(&self) -> Option<u32> {
        self.has(SYNCMGRLOGERROR_ERRORFLAGS)
            .then_some(self.raw.dwSyncMgrErrorFlags)
    }

    /// The error's identifier (`SYNCMGRLOGERROR_ERRORID`).
    pub fn error_id(&self) -> Option<GUID> {
        self.has(SYNCMGRLOGERROR_ERRORID)
            .then_some(self.raw.ErrorID)
    }

    /// The item the error is about (`SYNCMGRLOGERROR_ITEMID`).
    pub fn item_id(&self) -> Option<GUID> {
        self.has(SYNCMGRLOGERROR_ITEMID).then_some(self.raw.ItemID)
    }
}
