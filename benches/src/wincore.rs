//! The windows-core baseline: the Sync Manager interfaces declared with windows-core 0.100's
//! `#[interface]` and implemented with its `#[implement]`, the way windows-rs users write COM
//! objects (raw `unsafe fn`s over pointers; the method bodies do the same work as the floor's).
//!
//! The declarations list the SDK's methods in the SDK's order with the SDK's IIDs, so the vtables
//! have the same layout as [`mobsync_runtime::sys`]'s (checked below) and the benchmarks call
//! them through the same [`ComRef`]s as the others.

#![allow(non_snake_case)]

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use mobsync_runtime::SyncItem;
use mobsync_runtime::factory::IClassFactory_Vtbl;
use mobsync_runtime::sys::{
    HWND, ISyncMgrEnumItems_Vtbl, ISyncMgrSynchronize_Vtbl, SYNCMGRHANDLERINFO, SYNCMGRITEM,
};
use mobsync_test_support::ComRef;
use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface, implement, interface};

use crate::floor::HandlerState;

const S_OK: HRESULT = HRESULT(0);
const S_FALSE: HRESULT = HRESULT(1);
const E_NOTIMPL: HRESULT = HRESULT(0x8000_4001_u32 as i32);
const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);
const E_INVALIDARG: HRESULT = HRESULT(0x8007_0057_u32 as i32);
const CLASS_E_NOAGGREGATION: HRESULT = HRESULT(0x8004_0110_u32 as i32);

/// `ISyncMgrSynchronize`, declared with windows-core.
#[interface("6295DF40-35EE-11D1-8707-00C04FD93327")]
pub unsafe trait IWcSyncMgrSynchronize: IUnknown {
    fn Initialize(&self, reserved: u32, flags: u32, cookie_len: u32, cookie: *const u8) -> HRESULT;
    fn GetHandlerInfo(&self, info: *mut *mut SYNCMGRHANDLERINFO) -> HRESULT;
    fn EnumSyncMgrItems(&self, items: *mut *mut c_void) -> HRESULT;
    fn GetItemObject(&self, item: *const GUID, iid: *const GUID, ppv: *mut *mut c_void) -> HRESULT;
    fn ShowProperties(&self, parent: HWND, item: *const GUID) -> HRESULT;
    fn SetProgressCallback(&self, callback: *mut c_void) -> HRESULT;
    fn PrepareForSync(&self, count: u32, items: *mut GUID, parent: HWND, reserved: u32) -> HRESULT;
    fn Synchronize(&self, parent: HWND) -> HRESULT;
    fn SetItemStatus(&self, item: *const GUID, status: u32) -> HRESULT;
    fn ShowError(&self, parent: HWND, error: *const GUID) -> HRESULT;
}

/// `IClassFactory`, declared with windows-core (0.100 has no binding of its own).
#[interface("00000001-0000-0000-C000-000000000046")]
pub unsafe trait IWcClassFactory: IUnknown {
    fn CreateInstance(
        &self,
        outer: *mut c_void,
        iid: *const GUID,
        ppv: *mut *mut c_void,
    ) -> HRESULT;
    fn LockServer(&self, lock: i32) -> HRESULT;
}

/// `ISyncMgrEnumItems`, declared with windows-core.
#[interface("6295DF2A-35EE-11D1-8707-00C04FD93327")]
pub unsafe trait IWcSyncMgrEnumItems: IUnknown {
    fn Next(&self, count: u32, items: *mut SYNCMGRITEM, fetched: *mut u32) -> HRESULT;
    fn Skip(&self, count: u32) -> HRESULT;
    fn Reset(&self) -> HRESULT;
    fn Clone(&self, enumerator: *mut *mut c_void) -> HRESULT;
}

// Same slot count as the SDK's vtables, so a `ComRef` may call through either layout.
const _: () = {
    use std::mem::size_of;
    assert!(size_of::<IWcSyncMgrSynchronize_Vtbl>() == size_of::<ISyncMgrSynchronize_Vtbl>());
    assert!(size_of::<IWcClassFactory_Vtbl>() == size_of::<IClassFactory_Vtbl>());
    assert!(size_of::<IWcSyncMgrEnumItems_Vtbl>() == size_of::<ISyncMgrEnumItems_Vtbl>());
    assert!(size_of::<IUnknown_Vtbl>() == 3 * size_of::<usize>());
};

/// The windows-core handler.
#[implement(IWcSyncMgrSynchronize)]
#[derive(Default, Debug)]
pub struct WcHandler {
    /// What the methods record.
    pub state: HandlerState,
}

fn clear<T>(out: *mut *mut T) {
    if !out.is_null() {
        // SAFETY: a non-null out pointer is writable per the COM contract.
        unsafe { *out = ptr::null_mut() };
    }
}

impl IWcSyncMgrSynchronize_Impl for WcHandler_Impl {
    unsafe fn Initialize(&self, _: u32, _: u32, _: u32, _: *const u8) -> HRESULT {
        S_OK
    }
    unsafe fn GetHandlerInfo(&self, info: *mut *mut SYNCMGRHANDLERINFO) -> HRESULT {
        clear(info);
        E_NOTIMPL
    }
    unsafe fn EnumSyncMgrItems(&self, items: *mut *mut c_void) -> HRESULT {
        clear(items);
        E_NOTIMPL
    }
    unsafe fn GetItemObject(
        &self,
        _: *const GUID,
        _: *const GUID,
        ppv: *mut *mut c_void,
    ) -> HRESULT {
        clear(ppv);
        E_NOTIMPL
    }
    unsafe fn ShowProperties(&self, _: HWND, _: *const GUID) -> HRESULT {
        E_NOTIMPL
    }
    unsafe fn SetProgressCallback(&self, _: *mut c_void) -> HRESULT {
        S_OK
    }
    unsafe fn PrepareForSync(&self, _: u32, _: *mut GUID, _: HWND, _: u32) -> HRESULT {
        S_OK
    }
    unsafe fn Synchronize(&self, parent: HWND) -> HRESULT {
        self.state.synchronize(parent);
        S_OK
    }
    unsafe fn SetItemStatus(&self, item: *const GUID, status: u32) -> HRESULT {
        if item.is_null() {
            return E_POINTER;
        }
        // SAFETY: non-null and readable per the COM contract.
        self.state.set_item_status(unsafe { &*item }, status);
        S_OK
    }
    unsafe fn ShowError(&self, _: HWND, _: *const GUID) -> HRESULT {
        E_NOTIMPL
    }
}

/// A new windows-core handler: its `ISyncMgrSynchronize`, one reference.
pub fn new_handler() -> ComRef<ISyncMgrSynchronize_Vtbl> {
    let handler: IWcSyncMgrSynchronize = WcHandler::default().into();
    // SAFETY: `into_raw` hands over the one reference; IWcSyncMgrSynchronize declares the SDK's
    // methods in the SDK's order, so its vtable has ISyncMgrSynchronize_Vtbl's layout (the sizes
    // are checked above).
    unsafe { ComRef::from_raw(handler.into_raw()) }
}

/// The windows-core class factory of [`WcHandler`].
#[implement(IWcClassFactory)]
#[derive(Default, Debug)]
pub struct WcFactory;

impl IWcClassFactory_Impl for WcFactory_Impl {
    unsafe fn CreateInstance(
        &self,
        outer: *mut c_void,
        iid: *const GUID,
        ppv: *mut *mut c_void,
    ) -> HRESULT {
        if ppv.is_null() {
            return E_POINTER;
        }
        clear(ppv);
        if !outer.is_null() {
            return CLASS_E_NOAGGREGATION;
        }
        let unknown: IUnknown = WcHandler::default().into();
        // SAFETY: `iid` and `ppv` are the caller's, valid per the COM contract.
        unsafe { unknown.query(iid, ppv) }
    }
    unsafe fn LockServer(&self, _: i32) -> HRESULT {
        S_OK
    }
}

/// A new windows-core class factory: its `IClassFactory`, one reference.
pub fn new_factory() -> ComRef<IClassFactory_Vtbl> {
    let factory: IWcClassFactory = WcFactory.into();
    // SAFETY: `into_raw` hands over the one reference; IWcClassFactory declares IClassFactory's
    // methods in the SDK's order, so its vtable has IClassFactory_Vtbl's layout.
    unsafe { ComRef::from_raw(factory.into_raw()) }
}

/// The windows-core enumerator, with the same position logic as the runtime's `ItemEnumerator`
/// (a compare-and-swap, so that concurrent `Next`/`Skip` calls never hand out an item twice), so
/// that the comparison is between the two frameworks, not between two algorithms.
#[implement(IWcSyncMgrEnumItems)]
#[derive(Debug)]
pub struct WcEnumerator {
    items: Vec<SyncItem>,
    position: AtomicUsize,
}

impl WcEnumerator {
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
}

impl IWcSyncMgrEnumItems_Impl for WcEnumerator_Impl {
    unsafe fn Next(&self, count: u32, items: *mut SYNCMGRITEM, fetched: *mut u32) -> HRESULT {
        if fetched.is_null() && count != 1 {
            return E_POINTER;
        }
        if items.is_null() && count != 0 {
            return E_INVALIDARG;
        }
        let range = self.advance(count as usize);
        let n = range.len() as u32;
        for (k, item) in self.items[range].iter().enumerate() {
            // SAFETY: `items` is non-null (checked above, as `count != 0`) and so per the COM
            // contract holds `count` writable items; `k < count`.
            unsafe { items.add(k).write(item.to_raw()) };
        }
        if !fetched.is_null() {
            // SAFETY: a non-null out pointer is writable per the COM contract.
            unsafe { *fetched = n };
        }
        if n == count { S_OK } else { S_FALSE }
    }
    unsafe fn Skip(&self, count: u32) -> HRESULT {
        if self.advance(count as usize).len() == count as usize {
            S_OK
        } else {
            S_FALSE
        }
    }
    unsafe fn Reset(&self) -> HRESULT {
        self.position.store(0, Ordering::Release);
        S_OK
    }
    unsafe fn Clone(&self, enumerator: *mut *mut c_void) -> HRESULT {
        clear(enumerator);
        E_NOTIMPL
    }
}

/// A new windows-core enumerator over `items`: its `ISyncMgrEnumItems`, one reference.
pub fn new_enumerator(items: Vec<SyncItem>) -> ComRef<ISyncMgrEnumItems_Vtbl> {
    let enumerator: IWcSyncMgrEnumItems = WcEnumerator {
        items,
        position: AtomicUsize::new(0),
    }
    .into();
    // SAFETY: `into_raw` hands over the one reference; IWcSyncMgrEnumItems declares the SDK's
    // methods in the SDK's order, so its vtable has ISyncMgrEnumItems_Vtbl's layout.
    unsafe { ComRef::from_raw(enumerator.into_raw()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mobsync_runtime::sys::{IID_ISyncMgrEnumItems, IID_ISyncMgrSynchronize};

    #[test]
    fn iids_are_the_sdks() {
        assert_eq!(IWcSyncMgrSynchronize::IID, IID_ISyncMgrSynchronize);
        assert_eq!(IWcSyncMgrEnumItems::IID, IID_ISyncMgrEnumItems);
        assert_eq!(
            IWcClassFactory::IID,
            mobsync_runtime::factory::IClassFactory::IID
        );
    }
}
