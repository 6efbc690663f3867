//! `ISyncMgrSynchronizeCallback` implemented with `#[derive(ComObject)]` (the host side), every
//! slot through the vtable with valid and invalid arguments; and the handler side's
//! `SyncCallback` wrapper against it, which must never lose a cancel code.

mod raw_abi_support;

use std::mem::size_of;
use std::ptr;

use mobsync_runtime::hresults::*;
use mobsync_runtime::sys::*;
use mobsync_runtime::{
    EnableModelessOutcome, LogDetails, LogLevel, ProgressOutcome, ProgressResponse, ProgressUpdate,
    SyncCallback,
};
use raw_abi_support::*;
use windows_core::GUID;

fn progress_item(mask: u32, text: *const u16) -> SYNCMGRPROGRESSITEM {
    SYNCMGRPROGRESSITEM {
        cbSize: size_of::<SYNCMGRPROGRESSITEM>() as u32,
        mask,
        lpcStatusText: text,
        dwStatusType: SYNCMGRSTATUS_UPDATING.0 as u32,
        iProgValue: 3,
        iMaxValue: 10,
    }
}

#[test]
fn completion_slots_pass_their_hresults() {
    let drops = DropCounter::default();
    let (object, callback) = new_callback(&drops);
    let (v, cb) = (callback.vtbl(), callback.as_raw());
    // SAFETY: `callback` holds a reference, so `cb` is the live callback; the slots take only
    // HRESULT values besides `this`.
    unsafe {
        assert_eq!((v.ShowPropertiesCompleted)(cb, S_SYNCMGR_ENUMITEMS), S_OK);
        assert_eq!((v.PrepareForSyncCompleted)(cb, S_OK), S_OK);
        assert_eq!((v.SynchronizeCompleted)(cb, E_FAIL), S_OK);
    }
    callback.release();
    assert_eq!(
        object.calls(),
        [
            format!("show_properties_completed({S_SYNCMGR_ENUMITEMS})"),
            format!("prepare_for_sync_completed({S_OK})"),
            format!("synchronize_completed({E_FAIL})"),
        ]
    );
    drop(object);
    assert_eq!(drops.count(), 1);
}

#[test]
fn show_error_completed_checks_the_item_array() {
    let drops = DropCounter::default();
    let (object, callback) = new_callback(&drops);
    let (done, cb) = (callback.vtbl().ShowErrorCompleted, callback.as_raw());
    // SAFETY: `callback` holds a reference, so `cb` is the live callback; `ids` holds the 2
    // items passed with it, and the null arrays come with a count of 3 (refused before any read)
    // or 0.
    unsafe {
        let mut ids = [ITEM_B, ITEM_C];
        assert_eq!(done(cb, S_SYNCMGR_RETRYSYNC, 2, ids.as_mut_ptr()), S_OK);
        assert_eq!(object.record.lock().unwrap().retry_items, [ITEM_B, ITEM_C]);
        assert_eq!(
            done(cb, S_SYNCMGR_RETRYSYNC, 3, ptr::null_mut()),
            E_INVALIDARG
        );
        assert_eq!(done(cb, S_OK, 0, ptr::null_mut()), S_OK);
    }
    callback.release();
    assert_eq!(object.calls().len(), 2);
}

#[test]
fn enable_modeless_passes_bool_and_s_false() {
    let drops = DropCounter::default();
    let (object, callback) = new_callback(&drops);
    let (modeless, cb) = (callback.vtbl().EnableModeless, callback.as_raw());
    // SAFETY: `callback` holds a reference, so `cb` is the live callback; a BOOL is a value.
    unsafe {
        assert_eq!(modeless(cb, 0), S_OK);
        *object.modeless_answer.lock().unwrap() = EnableModelessOutcome::S_FALSE;
        assert_eq!(modeless(cb, 7), S_FALSE, "any nonzero BOOL is true");
    }
    callback.release();
    assert_eq!(
        object.calls(),
        ["enable_modeless(false)", "enable_modeless(true)"]
    );
}

#[test]
fn progress_checks_the_item_and_its_size_and_returns_cancel_codes() {
    let drops = DropCounter::default();
    let (object, callback) = new_callback(&drops);
    let text = wide("Copying a.txt");
    let (progress, cb) = (callback.vtbl().Progress, callback.as_raw());
    // SAFETY: `callback` holds a reference, so `cb` is the live callback. Item IDs are constants
    // or the refused null; the progress items are locals whose text is `text` (NUL-terminated,
    // alive to the end of the test) or a dangling pointer outside the mask, which the shim must
    // not read (part of what is checked); a null progress item is allowed.
    unsafe {
        let all = SYNCMGRPROGRESSITEM_STATUSTEXT
            | SYNCMGRPROGRESSITEM_STATUSTYPE
            | SYNCMGRPROGRESSITEM_PROGVALUE
            | SYNCMGRPROGRESSITEM_MAXVALUE;
        let mut item = progress_item(all, text.as_ptr());
        assert_eq!(progress(cb, ptr::null(), &mut item), E_POINTER);
        assert_eq!(progress(cb, &ITEM_A, &mut item), S_OK);
        // A wrong cbSize is refused before the callback runs.
        let mut short = item;
        short.cbSize -= 4;
        assert_eq!(progress(cb, &ITEM_A, &mut short), E_INVALIDARG);
        // A null item is allowed ([unique]).
        assert_eq!(progress(cb, &ITEM_B, ptr::null_mut()), S_OK);
        // Fields outside the mask are not read: a garbage text pointer without STATUSTEXT.
        let mut partial = progress_item(SYNCMGRPROGRESSITEM_PROGVALUE, std::ptr::dangling::<u16>());
        assert_eq!(progress(cb, &ITEM_C, &mut partial), S_OK);
        // The host's cancel answers reach the caller.
        *object.progress_answer.lock().unwrap() = ProgressOutcome::S_SYNCMGR_CANCELITEM;
        assert_eq!(progress(cb, &ITEM_A, &mut item), S_SYNCMGR_CANCELITEM);
        *object.progress_answer.lock().unwrap() = ProgressOutcome::S_SYNCMGR_CANCELALL;
        assert_eq!(progress(cb, &ITEM_A, &mut item), S_SYNCMGR_CANCELALL);
    }
    callback.release();
    let seen = object.record.lock().unwrap().progress_items.clone();
    let updating = Some(SYNCMGRSTATUS_UPDATING.0 as u32);
    assert_eq!(
        seen[0],
        (
            ITEM_A,
            Some("Copying a.txt".into()),
            updating,
            Some(3),
            Some(10)
        )
    );
    assert_eq!(seen[1], (ITEM_B, None, None, None, None));
    assert_eq!(seen[2], (ITEM_C, None, None, Some(3), None));
    assert_eq!(seen.len(), 5);
}

#[test]
fn log_error_checks_text_and_info() {
    let drops = DropCounter::default();
    let (object, callback) = new_callback(&drops);
    let text = wide("disk full");
    let (log, cb) = (callback.vtbl().LogError, callback.as_raw());
    // SAFETY: `callback` holds a reference, so `cb` is the live callback; the text is `text`
    // (NUL-terminated) or the refused null, and the info a local or the allowed null.
    unsafe {
        let level = SYNCMGRLOGLEVEL_ERROR.0 as u32;
        assert_eq!(log(cb, level, ptr::null(), ptr::null_mut()), E_POINTER);
        assert_eq!(log(cb, level, text.as_ptr(), ptr::null_mut()), S_OK);
        let mut info = SYNCMGRLOGERRORINFO {
            cbSize: size_of::<SYNCMGRLOGERRORINFO>() as u32,
            mask: SYNCMGRLOGERROR_ITEMID | SYNCMGRLOGERROR_ERRORID,
            dwSyncMgrErrorFlags: 0xffff,
            ErrorID: ITEM_C,
            ItemID: ITEM_A,
        };
        assert_eq!(log(cb, level, text.as_ptr(), &mut info), S_OK);
        info.cbSize = 0;
        assert_eq!(log(cb, level, text.as_ptr(), &mut info), E_INVALIDARG);
    }
    callback.release();
    let logged = object.record.lock().unwrap().logged.clone();
    assert_eq!(logged.len(), 2);
    assert_eq!(logged[0], (3, "disk full".to_string(), None));
    assert_eq!(
        logged[1].2,
        Some((None, Some(ITEM_C), Some(ITEM_A))),
        "flags outside the mask are hidden"
    );
}

#[test]
fn delete_log_error_and_establish_connection() {
    let drops = DropCounter::default();
    let (object, callback) = new_callback(&drops);
    let name = wide("VPN");
    let (v, cb) = (callback.vtbl(), callback.as_raw());
    // SAFETY: `callback` holds a reference, so `cb` is the live callback; the GUID is a local or
    // the refused null, and the name `name` (NUL-terminated) or the allowed null.
    unsafe {
        assert_eq!((v.DeleteLogError)(cb, ptr::null(), 0), E_POINTER);
        assert_eq!((v.DeleteLogError)(cb, &GUID::zeroed(), 0), S_OK);
        assert_eq!((v.EstablishConnection)(cb, ptr::null(), 0), S_OK);
        assert_eq!((v.EstablishConnection)(cb, name.as_ptr(), 0), S_OK);
    }
    callback.release();
    assert_eq!(
        object.calls(),
        [
            "delete_log_error(0,0)",
            "establish_connection(None,0)",
            "establish_connection(Some(\"VPN\"),0)"
        ]
    );
}

#[test]
fn sync_callback_wraps_every_method_and_keeps_cancel_answers() {
    let drops = DropCounter::default();
    let (object, cb) = new_callback(&drops);
    let callback = SyncCallback::new(cb.into_interface());
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    assert_send_sync(&callback);

    let update = ProgressUpdate::new()
        .text("Copying")
        .status(SYNCMGRSTATUS_UPDATING.0 as u32)
        .progress(1, 4);
    assert_eq!(
        callback.progress(&ITEM_A, &update).unwrap(),
        ProgressResponse::Continue
    );
    *object.progress_answer.lock().unwrap() = ProgressOutcome::S_SYNCMGR_CANCELITEM;
    assert_eq!(
        callback.progress(&ITEM_A, &update).unwrap(),
        ProgressResponse::CancelItem
    );
    *object.progress_answer.lock().unwrap() = ProgressOutcome::S_SYNCMGR_CANCELALL;
    let from_thread = {
        let callback = callback.clone();
        std::thread::spawn(move || callback.progress(&ITEM_B, &ProgressUpdate::new()).unwrap())
            .join()
            .unwrap()
    };
    assert_eq!(from_thread, ProgressResponse::CancelAll);
    assert!(from_thread.is_cancel());

    callback.show_properties_completed(S_OK).unwrap();
    callback.prepare_for_sync_completed(S_OK).unwrap();
    callback.synchronize_completed(E_FAIL).unwrap();
    callback
        .show_error_completed(S_SYNCMGR_RETRYSYNC, &[ITEM_C])
        .unwrap();
    assert!(callback.enable_modeless(false).unwrap());
    *object.modeless_answer.lock().unwrap() = EnableModelessOutcome::S_FALSE;
    assert!(!callback.enable_modeless(false).unwrap());
    let details = LogDetails {
        error_id: Some(ITEM_C),
        item_id: Some(ITEM_A),
        jump_text: true,
    };
    callback
        .log_error(LogLevel::Warning, "slow disk", Some(&details))
        .unwrap();
    callback
        .log_error(LogLevel::Information, "done", None)
        .unwrap();
    callback.delete_log_error(&ITEM_C).unwrap();
    callback.establish_connection(Some("Office")).unwrap();
    callback.establish_connection(None).unwrap();

    let record = object.record.lock().unwrap();
    assert_eq!(
        record.progress_items[0],
        (
            ITEM_A,
            Some("Copying".into()),
            Some(SYNCMGRSTATUS_UPDATING.0 as u32),
            Some(1),
            Some(4)
        )
    );
    assert_eq!(record.progress_items[2], (ITEM_B, None, None, None, None));
    assert_eq!(record.retry_items, [ITEM_C]);
    assert_eq!(
        record.logged[0],
        (
            SYNCMGRLOGLEVEL_WARNING.0 as u32,
            "slow disk".to_string(),
            Some((
                Some(SYNCMGRERRORFLAG_ENABLEJUMPTEXT.0 as u32),
                Some(ITEM_C),
                Some(ITEM_A)
            ))
        )
    );
    assert_eq!(
        record.logged[1],
        (
            SYNCMGRLOGLEVEL_INFORMATION.0 as u32,
            "done".to_string(),
            None
        )
    );
    assert!(
        record
            .calls
            .contains(&"establish_connection(Some(\"Office\"),0)".to_string())
    );
    drop(record);
    drop(callback);
    drop(object);
    assert_eq!(drops.count(), 1);
}

#[test]
fn sync_callback_text_stops_at_an_interior_nul() {
    let drops = DropCounter::default();
    let (object, cb) = new_callback(&drops);
    let callback = SyncCallback::new(cb.into_interface());
    // A text with an interior NUL is cut there by the C string convention, not refused.
    callback.log_error(LogLevel::Error, "a\0b", None).unwrap();
    assert_eq!(object.record.lock().unwrap().logged[0].1, "a");
}
