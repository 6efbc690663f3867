//! `ISyncMgrEnumItems` through the vtable: the runtime's `ItemEnumerator` and the COM enumerator
//! contract (`S_FALSE` when short, `pceltFetched` rules, `Skip`, `Reset`, independent `Clone`),
//! and item names truncated safely.

mod raw_abi_support;

use std::ffi::c_void;
use std::mem::size_of;
use std::ptr;
use std::time::{Duration, UNIX_EPOCH};

use mobsync_runtime::hresults::*;
use mobsync_runtime::sys::*;
use mobsync_runtime::{ItemEnumerator, SyncItem};
use raw_abi_support::*;
use windows_core::{GUID, IUnknown};

type Enumerator = ComRef<ISyncMgrEnumItems_Vtbl>;

fn enumerator(items: Vec<SyncItem>) -> Enumerator {
    ComRef::new(ItemEnumerator::new(items).into_interface())
}

fn three() -> Enumerator {
    enumerator(vec![
        SyncItem::new(ITEM_A, "Alpha").checked(true),
        SyncItem::new(ITEM_B, "Beta"),
        SyncItem::new(ITEM_C, "Gamma"),
    ])
}

/// `Next(celt, buf, fetched)` through the vtable, with the raw arguments under test.
///
/// # Safety
///
/// `buf` is null or holds `celt` writable items, and `fetched` is null or a writable u32 (the
/// runtime's shim refuses the nulls it must).
unsafe fn next(
    e: &Enumerator,
    celt: u32,
    buf: *mut SYNCMGRITEM,
    fetched: *mut u32,
) -> windows_core::HRESULT {
    // SAFETY: `e` holds a reference, so it is a live enumerator; the caller answers for `buf`
    // and `fetched`.
    unsafe { (e.vtbl().Next)(e.as_raw(), celt, buf, fetched) }
}

#[test]
fn next_returns_s_false_when_short_and_reports_the_count() {
    let e = three();
    // SAFETY: `buf` holds the 2 items asked for, and `fetched` is a local.
    unsafe {
        let mut buf = [SYNCMGRITEM::default(); 2];
        let mut fetched = 99;
        assert_eq!(next(&e, 2, buf.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(fetched, 2);
        assert_eq!([buf[0].ItemID, buf[1].ItemID], [ITEM_A, ITEM_B]);
        assert_eq!(buf[0].cbSize as usize, size_of::<SYNCMGRITEM>());
        assert_eq!(buf[0].dwItemState, SYNCMGRITEMSTATE_CHECKED);
        assert_eq!(buf[1].dwItemState, SYNCMGRITEMSTATE_UNCHECKED);
        assert_eq!(from_wide(&buf[1].wszItemName), "Beta");
        assert_eq!(next(&e, 2, buf.as_mut_ptr(), &mut fetched), S_FALSE);
        assert_eq!(fetched, 1);
        assert_eq!(buf[0].ItemID, ITEM_C);
        assert_eq!(next(&e, 2, buf.as_mut_ptr(), &mut fetched), S_FALSE);
        assert_eq!(fetched, 0);
    }
    assert_eq!(e.release(), 0);
}

#[test]
fn fetched_may_be_null_only_for_one_item() {
    let e = three();
    // SAFETY: `buf` holds the up to 3 items asked for; `fetched` is a local or null, which COM
    // allows for one item and the shim must refuse for more.
    unsafe {
        let mut buf = [SYNCMGRITEM::default(); 3];
        assert_eq!(next(&e, 1, buf.as_mut_ptr(), ptr::null_mut()), S_OK);
        assert_eq!(buf[0].ItemID, ITEM_A);
        // Two items without a place for the count: refused, and the position does not move.
        assert_eq!(next(&e, 2, buf.as_mut_ptr(), ptr::null_mut()), E_POINTER);
        let mut fetched = 0;
        assert_eq!(next(&e, 3, buf.as_mut_ptr(), &mut fetched), S_FALSE);
        assert_eq!(fetched, 2);
        assert_eq!(buf[0].ItemID, ITEM_B);
    }
    e.release();
}

#[test]
fn a_count_without_a_buffer_is_refused() {
    let e = three();
    // SAFETY: the null buffer comes with a count of 2 (refused before any write) or 0; `buf`
    // holds the 1 item asked for, and `fetched` is a local.
    unsafe {
        let mut fetched = 7;
        assert_eq!(next(&e, 2, ptr::null_mut(), &mut fetched), E_INVALIDARG);
        assert_eq!(fetched, 0, "the count is cleared first");
        assert_eq!(next(&e, 0, ptr::null_mut(), &mut fetched), S_OK);
        assert_eq!(fetched, 0);
        let mut buf = [SYNCMGRITEM::default(); 1];
        assert_eq!(next(&e, 1, buf.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(
            buf[0].ItemID, ITEM_A,
            "nothing was consumed by the refused calls"
        );
    }
    e.release();
}

#[test]
fn skip_reset_and_independent_clone() {
    let e = three();
    let v = e.vtbl();
    // SAFETY: `e` holds a reference, so `this` is the live enumerator; the null out pointer of
    // Clone is the refused argument under test and `copy` a writable local, which S_OK sets to
    // a new enumerator with one reference for us (taken over by the ComRef); `buf` holds the 1
    // item asked for and `fetched` is a local.
    unsafe {
        let this = e.as_raw();
        assert_eq!((v.Skip)(this, 1), S_OK);
        let mut copy = 0x10 as *mut c_void;
        assert_eq!((v.Clone)(this, ptr::null_mut()), E_POINTER);
        assert_eq!((v.Clone)(this, &mut copy), S_OK);
        assert_ne!(copy, this);
        let copy = Enumerator::from_raw(copy);
        let mut buf = [SYNCMGRITEM::default(); 1];
        let mut fetched = 0;
        // The clone starts where the original was...
        assert_eq!(next(&copy, 1, buf.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(buf[0].ItemID, ITEM_B);
        // ...and moves on its own.
        assert_eq!((copy.vtbl().Skip)(copy.as_raw(), 5), S_FALSE);
        assert_eq!(next(&e, 1, buf.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(buf[0].ItemID, ITEM_B);
        assert_eq!((v.Skip)(this, 1), S_OK);
        assert_eq!((v.Skip)(this, 1), S_FALSE, "nothing left to skip");
        assert_eq!((v.Reset)(this), S_OK);
        assert_eq!(next(&e, 1, buf.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(buf[0].ItemID, ITEM_A);
        assert_eq!((v.Skip)(this, 0), S_OK);
        assert_eq!(copy.release(), 0);
    }
    assert_eq!(e.release(), 0);
}

#[test]
fn names_are_truncated_without_splitting_surrogate_pairs() {
    let max = MAX_SYNCMGRITEMNAME as usize;
    // 126 ASCII units then U+1F600 (two units): 128 units do not fit with the terminator; the
    // pair is dropped whole, leaving 126 units and the NUL.
    let name = format!("{}\u{1F600}tail", "x".repeat(max - 2));
    let exact = "y".repeat(max - 1);
    let e = enumerator(vec![
        SyncItem::new(ITEM_A, name.clone()),
        SyncItem::new(ITEM_B, exact.clone()),
        SyncItem::new(ITEM_C, "z".repeat(500)),
    ]);
    // SAFETY: `buf` holds the 3 items asked for, and `fetched` is a local.
    unsafe {
        let mut buf = [SYNCMGRITEM::default(); 3];
        let mut fetched = 0;
        assert_eq!(next(&e, 3, buf.as_mut_ptr(), &mut fetched), S_OK);
        let first = &buf[0].wszItemName;
        assert_eq!(from_wide(first), "x".repeat(max - 2));
        assert_eq!(first[max - 2], 0);
        assert!(
            first.iter().all(|&u| !(0xD800..0xDC00).contains(&u)),
            "no lone high surrogate"
        );
        assert_eq!(
            from_wide(&buf[1].wszItemName),
            exact,
            "127 units fit exactly"
        );
        assert_eq!(buf[1].wszItemName[max - 1], 0);
        assert_eq!(from_wide(&buf[2].wszItemName).len(), max - 1);
    }
    e.release();
}

#[test]
fn flags_icon_and_last_update_are_filled() {
    let when = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let item = SyncItem::new(ITEM_A, "Dated")
        .flags(SYNCMGRITEM_HASPROPERTIES.0 as u32)
        .icon(HICON(0x1234 as *mut c_void))
        .last_update(when);
    assert_eq!(item.last_update_time(), Some(when));
    let e = enumerator(vec![item]);
    // SAFETY: `buf` holds the 1 item asked for; a null count is allowed for one item.
    unsafe {
        let mut buf = [SYNCMGRITEM::default(); 1];
        assert_eq!(next(&e, 1, buf.as_mut_ptr(), ptr::null_mut()), S_OK);
        let raw = &buf[0];
        assert_eq!(
            raw.dwFlags,
            (SYNCMGRITEM_HASPROPERTIES.0 | SYNCMGRITEM_LASTUPDATETIME.0) as u32
        );
        assert_eq!(raw.hIcon.0 as usize, 0x1234);
        let ticks = (u64::from(raw.ftLastUpdate.dwHighDateTime) << 32)
            | u64::from(raw.ftLastUpdate.dwLowDateTime);
        assert_eq!(ticks, (1_700_000_000 + 11_644_473_600) * 10_000_000);
    }
    e.release();
}

#[test]
fn an_empty_enumerator_and_identity() {
    let e = enumerator(vec![]);
    // SAFETY: `buf` holds the 1 item asked for, and `fetched` is a local.
    unsafe {
        let mut buf = [SYNCMGRITEM::default(); 1];
        let mut fetched = 5;
        assert_eq!(next(&e, 1, buf.as_mut_ptr(), &mut fetched), S_FALSE);
        assert_eq!(fetched, 0);
    }
    // `cast` asserts that each query answers S_OK with an interface.
    let unknown = e.cast::<IUnknown>().unwrap();
    let same = unknown.cast::<ISyncMgrEnumItems>().unwrap();
    assert_eq!(same, e);
    assert_eq!(e.query(&IID_ISyncMgrSynchronize).0, E_NOINTERFACE);
    same.release();
    unknown.release();
    assert_eq!(e.release(), 0);
    let _ = GUID::zeroed();
}
