//! [`HandlerInfo`]: what `GetHandlerInfo` returns, as a safe value.

use std::mem::size_of;

use crate::abi::{Checked, IntoAbi};
use crate::sys::{HICON, MAX_SYNCMGRHANDLERNAME, SYNCMGRHANDLERINFO};
use crate::task_mem::TaskBox;
use crate::wstr::copy_truncated;

/// A description of the handler for Sync Manager, returned by
/// [`SyncMgrSynchronize::get_handler_info`](crate::SyncMgrSynchronize::get_handler_info).
///
/// The runtime copies it into a `SYNCMGRHANDLERINFO` allocated with the COM task allocator
/// (Sync Manager frees it), truncating the name to `MAX_SYNCMGRHANDLERNAME - 1` UTF-16 units
/// without splitting a surrogate pair.
///
/// ```
/// use mobsync_runtime::HandlerInfo;
/// use mobsync_runtime::sys::SYNCMGRHANDLER_HASPROPERTIES;
/// let info = HandlerInfo::new("Folder Sync").with_flags(SYNCMGRHANDLER_HASPROPERTIES.0 as u32);
/// assert_eq!(info.name, "Folder Sync");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HandlerInfo {
    /// The display name.
    pub name: String,
    /// `SYNCMGRHANDLERFLAGS` bits (`SYNCMGRHANDLER_HASPROPERTIES` ...).
    pub flags: u32,
    /// The icon, or null for none.
    pub icon: HICON,
}

impl HandlerInfo {
    /// A description with this name, no flags and no icon.
    pub fn new(name: impl Into<String>) -> Self {
        HandlerInfo {
            name: name.into(),
            ..HandlerInfo::default()
        }
    }

    /// With these `SYNCMGRHANDLERFLAGS` bits.
    pub fn with_flags(mut self, flags: u32) -> Self {
        self.flags = flags;
        self
    }

    /// With this icon.
    pub fn with_icon(mut self, icon: HICON) -> Self {
        self.icon = icon;
        self
    }

    /// The raw structure (without allocating).
    pub fn to_raw(&self) -> SYNCMGRHANDLERINFO {
        let mut raw = SYNCMGRHANDLERINFO {
            cbSize: size_of::<SYNCMGRHANDLERINFO>() as u32,
            hIcon: self.icon,
            SyncMgrHandlerFlags: self.flags,
            wszHandlerName: [0; MAX_SYNCMGRHANDLERNAME as usize],
        };
        copy_truncated(&self.name, &mut raw.wszHandlerName);
        raw
    }
}

impl IntoAbi<*mut SYNCMGRHANDLERINFO> for HandlerInfo {
    fn into_abi(self) -> Checked<*mut SYNCMGRHANDLERINFO> {
        Ok(TaskBox::new(self.to_raw())?.into_raw())
    }
}
