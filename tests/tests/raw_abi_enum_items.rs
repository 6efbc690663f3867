//! `ISyncMgrEnumItems` through the vtable: the runtime's `ItemEnumerator` and the COM enumerator
//! contract (`S_FALSE` when short, `pceltFetched` rules, `Skip`, `Reset`, independent `Clone`),
//! and item names truncated safely.

#![allow(clippy::undocumented_unsafe_blocks)]

mod raw_abi_support;

use std::ffi::c_void;
use std::mem::size_of;
use std::ptr;
use std::time::{Duration, UNIX_EPOCH};

use mobsync_runtime::hresults::*;
use mobsync_runtime::sys::*;
use mobsync_runtime::{ItemEnumerator, SyncItem};
use raw_abi_support::*;
use windows_core::{GUID, Interface};

fn enumerator(items: Vec<SyncItem>) -> *mut c_void {
    ItemEnumerator::new(items).into_interface().into_raw()
}

fn three() -> *mut c_void {
    enumerator(vec![
        SyncItem::new(ITEM_A, "Alpha").checked(true),
        SyncItem::new(ITEM_B, "Beta"),
        SyncItem::new(ITEM_C, "Gamma"),
    ])
}

unsafe fn next(
    e: *mut c_void,
    celt: u32,
    buf: *mut SYNCMGRITEM,
    fetched: *mut u32,
) -> windows_core::HRESULT {
    unsafe { (enum_vtbl(e).Next)(e, celt, buf, fetched) }
}

#[test]
fn next_returns_s_false_when_short_and_reports_the_count() {
    let e = three();
    unsafe {
        let mut buf = [SYNCMGRITEM::default(); 2];
        let mut fetched = 99;
        assert_eq!(next(e, 2, buf.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(fetched, 2);
        assert_eq!([buf[0].ItemID, buf[1].ItemID], [ITEM_A, ITEM_B]);
        assert_eq!(buf[0].cbSize as usize, size_of::<SYNCMGRITEM>());
        assert_eq!(buf[0].dwItemState, SYNCMGRITEMSTATE_CHECKED);
        assert_eq!(buf[1].dwItemState, SYNCMGRITEMSTATE_UNCHECKED);
        assert_eq!(from_wide(&buf[1].wszItemName), "Beta");
        assert_eq!(next(e, 2, buf.as_mut_ptr(), &mut fetched), S_FALSE);
        assert_eq!(fetched, 1);
        assert_eq!(buf[0].ItemID, ITEM_C);
        assert_eq!(next(e, 2, buf.as_mut_ptr(), &mut fetched), S_FALSE);
        assert_eq!(fetched, 0);
        assert_eq!(release(e), 0);
    }
}

#[test]
fn fetched_may_be_null_only_for_one_item() {
    let e = three();
    unsafe {
        let mut buf = [SYNCMGRITEM::default(); 3];
        assert_eq!(next(e, 1, buf.as_mut_ptr(), ptr::null_mut()), S_OK);
        assert_eq!(buf[0].ItemID, ITEM_A);
        // Two items without a place for the count: refused, and the position does not move.
        assert_eq!(next(e, 2, buf.as_mut_ptr(), ptr::null_mut()), E_POINTER);
        let mut fetched = 0;
        assert_eq!(next(e, 3, buf.as_mut_ptr(), &mut fetched), S_FALSE);
        assert_eq!(fetched, 2);
        assert_eq!(buf[0].ItemID, ITEM_B);
        release(e);
    }
}

#[test]
fn a_count_without_a_buffer_is_refused() {
    let e = three();
    unsafe {
        let mut fetched = 7;
        assert_eq!(next(e, 2, ptr::null_mut(), &mut fetched), E_INVALIDARG);
        assert_eq!(fetched, 0, "the count is cleared first");
        assert_eq!(next(e, 0, ptr::null_mut(), &mut fetched), S_OK);
        assert_eq!(fetched, 0);
        let mut buf = [SYNCMGRITEM::default(); 1];
        assert_eq!(next(e, 1, buf.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(
            buf[0].ItemID, ITEM_A,
            "nothing was consumed by the refused calls"
        );
        release(e);
    }
}

#[test]
fn skip_reset_and_independent_clone() {
    let e = three();
    unsafe {
        let v = enum_vtbl(e);
        assert_eq!((v.Skip)(e, 1), S_OK);
        let mut copy = 0x10 as *mut c_void;
        assert_eq!((v.Clone)(e, ptr::null_mut()), E_POINTER);
        assert_eq!((v.Clone)(e, &mut copy), S_OK);
        assert_ne!(copy, e);
        let mut buf = [SYNCMGRITEM::default(); 1];
        let mut fetched = 0;
        // The clone starts where the original was...
        assert_eq!(next(copy, 1, buf.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(buf[0].ItemID, ITEM_B);
        // ...and moves on its own.
        assert_eq!((enum_vtbl(copy).Skip)(copy, 5), S_FALSE);
        assert_eq!(next(e, 1, buf.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(buf[0].ItemID, ITEM_B);
        assert_eq!((v.Skip)(e, 1), S_OK);
        assert_eq!((v.Skip)(e, 1), S_FALSE, "nothing left to skip");
        assert_eq!((v.Reset)(e), S_OK);
        assert_eq!(next(e, 1, buf.as_mut_ptr(), &mut fetched), S_OK);
        assert_eq!(buf[0].ItemID, ITEM_A);
        assert_eq!((v.Skip)(e, 0), S_OK);
        assert_eq!(release(copy), 0);
        assert_eq!(release(e), 0);
    }
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
    unsafe {
        let mut buf = [SYNCMGRITEM::default(); 3];
        let mut fetched = 0;
        assert_eq!(next(e, 3, buf.as_mut_ptr(), &mut fetched), S_OK);
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
        release(e);
    }
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
    unsafe {
        let mut buf = [SYNCMGRITEM::default(); 1];
        assert_eq!(next(e, 1, buf.as_mut_ptr(), ptr::null_mut()), S_OK);
        let raw = &buf[0];
        assert_eq!(
            raw.dwFlags,
            (SYNCMGRITEM_HASPROPERTIES.0 | SYNCMGRITEM_LASTUPDATETIME.0) as u32
        );
        assert_eq!(raw.hIcon.0 as usize, 0x1234);
        let ticks = (u64::from(raw.ftLastUpdate.dwHighDateTime) << 32)
            | u64::from(raw.ftLastUpdate.dwLowDateTime);
        assert_eq!(ticks, (1_700_000_000 + 11_644_473_600) * 10_000_000);
        release(e);
    }
}

#[test]
fn an_empty_enumerator_and_identity() {
    let e = enumerator(vec![]);
    unsafe {
        let mut buf = [SYNCMGRITEM::default(); 1];
        let mut fetched = 5;
        assert_eq!(next(e, 1, buf.as_mut_ptr(), &mut fetched), S_FALSE);
        assert_eq!(fetched, 0);
        let (hr, unknown) = query(e, &IID_IUNKNOWN);
        assert_eq!(hr, S_OK);
        let (hr, same) = query(unknown, &IID_ISyncMgrEnumItems);
        assert_eq!((hr, same), (S_OK, e));
        assert_eq!(query(e, &IID_ISyncMgrSynchronize).0, E_NOINTERFACE);
        release(same);
        release(unknown);
        assert_eq!(release(e), 0);
    }
    let _ = GUID::zeroed();
}
