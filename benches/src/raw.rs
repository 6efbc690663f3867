//! Calls through raw interface pointers, as a COM client (Sync Manager, the host) makes them.
//!
//! The three implementations lay their vtables out identically (the SDK's slot order; windows-core's
//! `#[interface]` declarations in [`crate::wincore`] list the same methods in the same order, which
//! `wincore` checks at compile time), so every benchmark calls all three through the same code
//! here and only the object behind the pointer differs.

use std::ffi::c_void;
use std::ptr;

use mobsync_runtime::factory::IClassFactory_Vtbl;
use mobsync_runtime::sys::{HWND, ISyncMgrEnumItems_Vtbl, ISyncMgrSynchronize_Vtbl, SYNCMGRITEM};
use windows_core::{GUID, HRESULT, IUnknown_Vtbl};

/// The vtable of the interface pointer `this`, seen as a `V`.
///
/// # Safety
///
/// `this` is a live interface pointer whose vtable starts with the layout `V`.
pub unsafe fn vtable<'a, V>(this: *mut c_void) -> &'a V {
    // SAFETY: a COM interface pointer points to a pointer to its vtable, which outlives the object.
    unsafe { &**this.cast::<*const V>() }
}

/// `IUnknown::AddRef`.
///
/// # Safety
///
/// `this` is a live interface pointer.
pub unsafe fn add_ref(this: *mut c_void) -> u32 {
    // SAFETY: every interface starts with IUnknown's slots.
    unsafe { (vtable::<IUnknown_Vtbl>(this).AddRef)(this) }
}

/// `IUnknown::Release`.
///
/// # Safety
///
/// `this` is a live interface pointer on which the caller owns the reference it gives up.
pub unsafe fn release(this: *mut c_void) -> u32 {
    // SAFETY: every interface starts with IUnknown's slots.
    unsafe { (vtable::<IUnknown_Vtbl>(this).Release)(this) }
}

/// `IUnknown::QueryInterface`: the result and the interface pointer (null on failure).
///
/// # Safety
///
/// `this` is a live interface pointer.
pub unsafe fn query_interface(this: *mut c_void, iid: &GUID) -> (HRESULT, *mut c_void) {
    let mut out = ptr::null_mut();
    // SAFETY: every interface starts with IUnknown's slots; `iid` and `out` are valid.
    let hr = unsafe { (vtable::<IUnknown_Vtbl>(this).QueryInterface)(this, iid, &mut out) };
    (hr, out)
}

/// `ISyncMgrSynchronize::SetItemStatus`.
///
/// # Safety
///
/// `this` is a live `ISyncMgrSynchronize` pointer.
pub unsafe fn set_item_status(this: *mut c_void, item: &GUID, status: u32) -> HRESULT {
    // SAFETY: as documented.
    unsafe { (vtable::<ISyncMgrSynchronize_Vtbl>(this).SetItemStatus)(this, item, status) }
}

/// `ISyncMgrSynchronize::Synchronize`.
///
/// # Safety
///
/// `this` is a live `ISyncMgrSynchronize` pointer.
pub unsafe fn synchronize(this: *mut c_void, parent: HWND) -> HRESULT {
    // SAFETY: as documented.
    unsafe { (vtable::<ISyncMgrSynchronize_Vtbl>(this).Synchronize)(this, parent) }
}

/// `IClassFactory::CreateInstance(NULL, iid, &out)`.
///
/// # Safety
///
/// `factory` is a live `IClassFactory` pointer.
pub unsafe fn create_instance(factory: *mut c_void, iid: &GUID) -> (HRESULT, *mut c_void) {
    let mut out = ptr::null_mut();
    // SAFETY: as documented; `iid` and `out` are valid.
    let hr = unsafe {
        (vtable::<IClassFactory_Vtbl>(factory).CreateInstance)(
            factory,
            ptr::null_mut(),
            iid,
            &mut out,
        )
    };
    (hr, out)
}

/// `ISyncMgrEnumItems::Reset`, then `Next(batch)` until it returns `S_FALSE`: the number of items
/// fetched. `buffer` must hold at least `batch` items.
///
/// # Safety
///
/// `enumerator` is a live `ISyncMgrEnumItems` pointer.
pub unsafe fn drain(enumerator: *mut c_void, batch: u32, buffer: &mut [SYNCMGRITEM]) -> usize {
    assert!(buffer.len() >= batch as usize);
    // SAFETY: as documented.
    let vtbl = unsafe { vtable::<ISyncMgrEnumItems_Vtbl>(enumerator) };
    // SAFETY: a live enumerator.
    let hr = unsafe { (vtbl.Reset)(enumerator) };
    assert_eq!(hr, HRESULT(0), "Reset failed");
    let mut total = 0usize;
    loop {
        let mut fetched = 0u32;
        // SAFETY: `buffer` holds `batch` writable items and `fetched` is a valid out pointer.
        let hr = unsafe { (vtbl.Next)(enumerator, batch, buffer.as_mut_ptr(), &mut fetched) };
        total += fetched as usize;
        match hr.0 {
            0 => {}
            1 => return total,
            _ => panic!("Next failed: {hr:?}"),
        }
    }
}

/// `ISyncMgrEnumItems::Reset`, then `Next(1)`: the first item.
///
/// # Safety
///
/// `enumerator` is a live `ISyncMgrEnumItems` pointer with at least one item.
pub unsafe fn first_item(enumerator: *mut c_void) -> SYNCMGRITEM {
    // SAFETY: as documented.
    let vtbl = unsafe { vtable::<ISyncMgrEnumItems_Vtbl>(enumerator) };
    let mut item = SYNCMGRITEM::default();
    let mut fetched = 0u32;
    // SAFETY: a live enumerator; `item` and `fetched` are valid out pointers.
    unsafe {
        assert_eq!((vtbl.Reset)(enumerator), HRESULT(0));
        assert_eq!(
            (vtbl.Next)(enumerator, 1, &mut item, &mut fetched),
            HRESULT(0)
        );
    }
    assert_eq!(fetched, 1);
    item
}
