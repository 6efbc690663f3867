//! The conflict store and its objects through their vtables: identities in task-allocated
//! blobs, the enumerator contract, versions, both resolution paths and every refusal.

use std::ffi::c_void;
use std::sync::{Arc, Mutex};

use windows_core::{Interface as _, Result};

use super::sys::*;
use super::*;
use crate::WStr;
use crate::hresults::{E_INVALIDARG, E_NOTIMPL, E_POINTER, S_FALSE, S_OK};

const HANDLER: &str = "{handler}";

fn units(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

fn conflict(id: &str, item: &str) -> Conflict {
    Conflict {
        id: id.into(),
        item_id: item.into(),
        name: format!("{id} name"),
        description: "changed on both sides".into(),
        versions: vec![
            ConflictVersion::updated("a.txt", "Source", "/src/a.txt"),
            ConflictVersion::updated("a.txt", "Backup", "/dst/a.txt").alternate_name("a (2).txt"),
        ],
    }
}

type Calls = Arc<Mutex<Vec<(String, Resolution)>>>;

/// A store of three conflicts (two of item "x") whose resolver records its calls.
fn store() -> (ConflictStore, Calls) {
    let calls: Calls = Arc::default();
    let seen = calls.clone();
    let store = ConflictStore::new(
        HANDLER,
        vec![
            conflict("c1", "x"),
            conflict("c2", "x"),
            conflict("c3", "y"),
        ],
        move |c: &Conflict, r: &Resolution| {
            seen.lock().unwrap().push((c.id.clone(), r.clone()));
            Ok(())
        },
    );
    (store, calls)
}

/// A caller-built `SYNCMGR_CONFLICT_ID_INFO` over `blob` (a `BYTE_BLOB` laid out in `u32`s).
fn blob(id: &str) -> Vec<u32> {
    let mut words = vec![id.len() as u32];
    let mut bytes = id.as_bytes().to_vec();
    bytes.resize(bytes.len().div_ceil(4).max(1) * 4, 0);
    words.extend(
        bytes
            .chunks(4)
            .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])),
    );
    words
}

fn info_for(words: &mut [u32]) -> SYNCMGR_CONFLICT_ID_INFO {
    SYNCMGR_CONFLICT_ID_INFO {
        pblobID: words.as_mut_ptr().cast(),
        pblobExtra: std::ptr::null_mut(),
    }
}

/// Reads and frees the blobs of a `GetConflictIdInfo`.
fn take_id(info: SYNCMGR_CONFLICT_ID_INFO) -> (String, u32) {
    // SAFETY: both blobs came from the task allocator, are read for their sizes and freed once.
    unsafe {
        let id_len = (*info.pblobID).clSize as usize;
        let data = info
            .pblobID
            .cast::<u8>()
            .add(std::mem::offset_of!(BYTE_BLOB, abData));
        let id = String::from_utf8(std::slice::from_raw_parts(data, id_len).to_vec()).unwrap();
        let extra = (*info.pblobExtra).clSize;
        crate::task_mem::task_free(info.pblobID.cast());
        crate::task_mem::task_free(info.pblobExtra.cast());
        (id, extra)
    }
}

/// A task-allocated string, read and freed (`None` for null).
fn take(ptr: *mut u16) -> Option<String> {
    // SAFETY: null or a NUL-terminated task-allocated string, freed once.
    unsafe {
        let text = WStr::from_ptr(ptr).map(WStr::to_string_lossy);
        crate::task_mem::task_free(ptr.cast());
        text
    }
}

/// All conflicts an enumerator hands out, by ID.
fn ids(conflicts: &IEnumSyncMgrConflict) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let mut slot = [std::ptr::null_mut::<c_void>()];
        let mut fetched = 0;
        // SAFETY: one writable slot and a writable count; the conflict is taken over.
        let hr = unsafe { conflicts.Next(1, slot.as_mut_ptr(), &mut fetched) };
        if fetched == 0 {
            assert_eq!(hr, S_FALSE);
            return out;
        }
        // SAFETY: `Next` stored one counted interface pointer.
        let conflict = unsafe { ISyncMgrConflict::from_raw(slot[0]) };
        out.push(take_id(conflict.GetConflictIdInfo().unwrap()).0);
    }
}

#[test]
fn enumeration_and_count_filter_by_handler_and_item() {
    let (store, _) = store();
    let iface = store.into_interface();
    let handler = units(HANDLER);
    let upper = units("{HANDLER}");
    let x = units("x");
    let all = iface.EnumConflicts(&handler, None).unwrap();
    assert_eq!(ids(&all), ["c1", "c2", "c3"]);
    assert_eq!(
        ids(&iface.EnumConflicts(&upper, Some(&x)).unwrap()),
        ["c1", "c2"]
    );
    assert_eq!(iface.GetCount(&handler, None).unwrap(), 3);
    assert_eq!(iface.GetCount(&handler, Some(&x)).unwrap(), 2);
    assert_eq!(iface.GetCount(&units("{other}"), None).unwrap(), 0);
    // The enumerator contract: Reset, Skip, Clone at the same position.
    assert_eq!(all.Reset(), S_OK);
    assert_eq!(all.Skip(2), S_OK);
    let copy = all.Clone().unwrap();
    assert_eq!(all.Skip(2), S_FALSE);
    assert_eq!(ids(&copy), ["c3"]);
    // Null out-pointers and a null array with a count are refused through the vtable.
    // SAFETY: null is what is tested; nothing is written through it.
    unsafe {
        let vtbl = iface.vtable();
        assert_eq!(
            (vtbl.EnumConflicts)(
                iface.as_raw(),
                handler.as_ptr(),
                std::ptr::null(),
                std::ptr::null_mut()
            ),
            E_POINTER
        );
        let mut out = std::ptr::null_mut();
        assert_eq!(
            (vtbl.EnumConflicts)(iface.as_raw(), std::ptr::null(), std::ptr::null(), &mut out),
            E_POINTER
        );
        assert!(out.is_null());
        assert_eq!(
            (vtbl.GetCount)(
                iface.as_raw(),
                handler.as_ptr(),
                std::ptr::null(),
                std::ptr::null_mut()
            ),
            E_POINTER
        );
        let mut fetched = 7;
        assert_eq!(
            copy.Next(1, std::ptr::null_mut(), &mut fetched),
            E_INVALIDARG
        );
    }
}

#[test]
fn a_conflict_binds_by_the_id_it_reports() {
    let (store, _) = store();
    let iface = store.into_interface();
    let mut words = blob("c2");
    let conflict: ISyncMgrConflict = iface.BindToConflict(&info_for(&mut words)).unwrap();
    assert_eq!(
        take_id(conflict.GetConflictIdInfo().unwrap()),
        ("c2".into(), 0)
    );
    // The same object answers the resolution handler's IID.
    let handler: ISyncMgrResolutionHandler = conflict.GetResolutionHandler().unwrap();
    assert_eq!(
        handler.QueryAbilities().unwrap(),
        (SYNCMGR_RA_KEEP_SINGLE.0 | SYNCMGR_RA_KEEP_MULTIPLE.0) as u32
    );
    // Unknown, null, misaligned, oversized and non-UTF-8 IDs.
    let mut unknown = blob("nope");
    let err = iface
        .BindToConflict::<ISyncMgrConflict>(&info_for(&mut unknown))
        .unwrap_err();
    assert_eq!(err.code(), E_CONFLICT_NOT_FOUND);
    let null = SYNCMGR_CONFLICT_ID_INFO::default();
    assert_eq!(
        iface
            .BindToConflict::<ISyncMgrConflict>(&null)
            .unwrap_err()
            .code(),
        E_POINTER
    );
    let mut words = blob("c1");
    let misaligned = SYNCMGR_CONFLICT_ID_INFO {
        // SAFETY: one byte into a live buffer, never read (refused as misaligned).
        pblobID: unsafe { words.as_mut_ptr().cast::<u8>().add(1) }.cast(),
        pblobExtra: std::ptr::null_mut(),
    };
    assert_eq!(
        iface
            .BindToConflict::<ISyncMgrConflict>(&misaligned)
            .unwrap_err()
            .code(),
        E_INVALIDARG
    );
    let mut long = vec![u32::try_from(MAX_CONFLICT_ID_BYTES + 1).unwrap()];
    assert_eq!(
        iface
            .BindToConflict::<ISyncMgrConflict>(&info_for(&mut long))
            .unwrap_err()
            .code(),
        E_INVALIDARG
    );
    let mut bad_utf8 = vec![1, 0xff];
    assert_eq!(
        iface
            .BindToConflict::<ISyncMgrConflict>(&info_for(&mut bad_utf8))
            .unwrap_err()
            .code(),
        E_INVALIDARG
    );
    // SAFETY: null info and null out-pointer are what is tested.
    unsafe {
        let mut out = std::ptr::null_mut();
        let vtbl = iface.vtable();
        assert_eq!(
            (vtbl.BindToConflict)(
                iface.as_raw(),
                std::ptr::null(),
                &ISyncMgrConflict::IID,
                &mut out
            ),
            E_POINTER
        );
        let info = info_for(&mut words);
        assert_eq!(
            (vtbl.BindToConflict)(
                iface.as_raw(),
                &info,
                &ISyncMgrConflict::IID,
                std::ptr::null_mut()
            ),
            E_POINTER
        );
        assert_eq!(
            (conflict.vtable().GetConflictIdInfo)(conflict.as_raw(), std::ptr::null_mut()),
            E_POINTER
        );
    }
}

#[test]
fn versions_come_as_confirm_conflict_items() {
    let (store, _) = store();
    let iface = store.into_interface();
    let conflict: ISyncMgrConflict = iface.BindToConflict(&info_for(&mut blob("c1"))).unwrap();
    let items = conflict.GetItemsArray().unwrap();
    assert_eq!(items.GetCount().unwrap(), 2);
    let first = items.GetItem(0).unwrap();
    assert!(first.pShellItem.is_null());
    assert_eq!(first.nType, SYNCMGR_CIT_UPDATED);
    assert_eq!(take(first.pszOriginalName).as_deref(), Some("a.txt"));
    assert_eq!(take(first.pszAlternateName), None);
    assert_eq!(take(first.pszLocationShort).as_deref(), Some("Source"));
    assert_eq!(take(first.pszLocationFull).as_deref(), Some("/src/a.txt"));
    let second = items.GetItem(1).unwrap();
    assert_eq!(take(second.pszAlternateName).as_deref(), Some("a (2).txt"));
    for text in [
        second.pszOriginalName,
        second.pszLocationShort,
        second.pszLocationFull,
    ] {
        take(text);
    }
    assert_eq!(items.GetItem(2).unwrap_err().code(), E_INVALIDARG);
    // SAFETY: a null out-pointer is what is tested.
    unsafe {
        assert_eq!(
            (items.vtable().GetItem)(items.as_raw(), 0, std::ptr::null_mut()),
            E_POINTER
        );
        assert_eq!(
            (items.vtable().GetCount)(items.as_raw(), std::ptr::null_mut()),
            E_POINTER
        );
    }
    // Properties: the name, the description, VT_EMPTY for others.
    let name = conflict.GetProperty(&PKEY_ITEM_NAME_DISPLAY).unwrap();
    assert_eq!(name.vt, 31);
    // SAFETY: VT_LPWSTR: `pwszVal` is the task-allocated string.
    let text = unsafe { name.Anonymous.pwszVal };
    assert_eq!(take(text).as_deref(), Some("c1 name"));
    let comment = conflict.GetProperty(&PKEY_COMMENT).unwrap();
    // SAFETY: as above.
    let text = unsafe { comment.Anonymous.pwszVal };
    assert_eq!(take(text).as_deref(), Some("changed on both sides"));
    let other = PROPERTYKEY {
        fmtid: windows_core::GUID::from_u128(1),
        pid: 2,
    };
    assert_eq!(conflict.GetProperty(&other).unwrap().vt, 0);
}

#[test]
fn resolve_reads_the_presenters_choice() {
    let (store, calls) = store();
    let iface = store.clone().into_interface();
    let conflict: ISyncMgrConflict = iface.BindToConflict(&info_for(&mut blob("c1"))).unwrap();
    // Skipping and no choice leave it.
    for choice in [SYNCMGR_PC_SKIP, SYNCMGR_PC_NO_CHOICE] {
        let info = ResolveInfo::new(choice, vec![]).into_interface();
        assert_eq!(conflict.Resolve(&info), S_OK);
    }
    // Refusals: two versions for KEEP_ONE, none, out of range, duplicates, an ability not offered,
    // an unknown choice.
    let refused = [
        (SYNCMGR_PC_KEEP_ONE, vec![0, 1], E_INVALIDARG),
        (SYNCMGR_PC_KEEP_MULTIPLE, vec![], E_INVALIDARG),
        (SYNCMGR_PC_KEEP_ONE, vec![2], E_INVALIDARG),
        (SYNCMGR_PC_KEEP_MULTIPLE, vec![1, 1], E_INVALIDARG),
        (SYNCMGR_PC_KEEP_RECENT, vec![], E_NOTIMPL),
        (SYNCMGR_PRESENTER_CHOICE(42), vec![], E_INVALIDARG),
    ];
    for (choice, indexes, code) in refused {
        let info = ResolveInfo::new(choice, indexes).into_interface();
        assert_eq!(conflict.Resolve(&info), code, "{choice:?}");
    }
    assert!(calls.lock().unwrap().is_empty());
    assert_eq!(store.conflicts().len(), 3);
    // Keep both.
    let info = ResolveInfo::new(SYNCMGR_PC_KEEP_MULTIPLE, vec![1, 0]).into_interface();
    assert_eq!(conflict.Resolve(&info), S_OK);
    let kept = |index| KeptVersion {
        index,
        new_name: None,
    };
    assert_eq!(
        *calls.lock().unwrap(),
        [("c1".to_string(), Resolution::Keep(vec![kept(0), kept(1)]))]
    );
    assert_eq!(iface.GetCount(&units(HANDLER), None).unwrap(), 2);
    // Resolved: binding it again fails; resolving the stale object too.
    assert_eq!(
        iface
            .BindToConflict::<ISyncMgrConflict>(&info_for(&mut blob("c1")))
            .unwrap_err()
            .code(),
        E_CONFLICT_NOT_FOUND
    );
    assert_eq!(conflict.Resolve(&info), E_CONFLICT_NOT_FOUND);
    // SAFETY: a null resolve info is what is tested.
    unsafe {
        assert_eq!(
            (conflict.vtable().Resolve)(conflict.as_raw(), std::ptr::null_mut()),
            E_POINTER
        );
    }
}

#[test]
fn the_resolution_handler_keeps_items_with_their_names() {
    let (store, calls) = store();
    let iface = store.clone().into_interface();
    let conflict: ISyncMgrConflict = iface.BindToConflict(&info_for(&mut blob("c2"))).unwrap();
    let handler: ISyncMgrResolutionHandler = conflict.GetResolutionHandler().unwrap();
    let mut feedback = SYNCMGR_RF_CANCEL;
    // SAFETY: the out-pointer is a live local; a null Shell item is passed.
    unsafe {
        assert_eq!(
            handler.KeepOther(std::ptr::null_mut(), &mut feedback),
            E_NOTIMPL
        );
        assert_eq!(
            (handler.vtable().QueryAbilities)(handler.as_raw(), std::ptr::null_mut()),
            E_POINTER
        );
        assert_eq!(
            (handler.vtable().KeepItems)(handler.as_raw(), std::ptr::null_mut(), &mut feedback),
            E_POINTER
        );
    }
    assert_eq!(handler.KeepRecent().unwrap_err().code(), E_NOTIMPL);
    let too_many = ResolutionItems::new(vec![(0, None), (1, None), (0, None)]).into_interface();
    assert_eq!(
        handler.KeepItems(&too_many).unwrap_err().code(),
        E_INVALIDARG
    );
    let items = ResolutionItems::new(vec![(1, Some("b.txt".into())), (0, None)]).into_interface();
    assert_eq!(handler.KeepItems(&items).unwrap(), SYNCMGR_RF_CONTINUE);
    assert_eq!(
        *calls.lock().unwrap(),
        [(
            "c2".to_string(),
            Resolution::Keep(vec![
                KeptVersion {
                    index: 0,
                    new_name: None
                },
                KeptVersion {
                    index: 1,
                    new_name: Some("b.txt".into())
                },
            ])
        )]
    );
    assert!(store.find("c2").is_none());
}

#[test]
fn remove_checks_every_id_first() {
    let removed: Arc<Mutex<Vec<String>>> = Arc::default();
    struct Remover(Arc<Mutex<Vec<String>>>);
    impl ConflictResolver for Remover {
        fn resolve(&self, _: &Conflict, _: &Resolution) -> Result<()> {
            Ok(())
        }
        fn remove(&self, conflict: &Conflict) -> Result<()> {
            self.0.lock().unwrap().push(conflict.id.clone());
            Ok(())
        }
    }
    let store = ConflictStore::new(
        HANDLER,
        vec![conflict("c1", "x"), conflict("c2", "x")],
        Remover(removed.clone()),
    );
    let iface = store.clone().into_interface();
    let (mut a, mut b) = (blob("c1"), blob("nope"));
    let infos = [info_for(&mut a), info_for(&mut b)];
    assert_eq!(iface.RemoveConflicts(&infos), E_CONFLICT_NOT_FOUND);
    assert_eq!(store.conflicts().len(), 2);
    assert_eq!(iface.RemoveConflicts(&infos[..1]), S_OK);
    assert_eq!(*removed.lock().unwrap(), ["c1"]);
    assert_eq!(store.conflicts().len(), 1);
    assert_eq!(iface.RemoveConflicts(&[]), S_OK);
    // SAFETY: a null array with a count is what is tested.
    unsafe {
        assert_eq!(
            (iface.vtable().RemoveConflicts)(iface.as_raw(), std::ptr::null(), 1),
            E_INVALIDARG
        );
    }
}

#[test]
fn a_resolver_error_keeps_the_conflict() {
    let store = ConflictStore::new(
        HANDLER,
        vec![conflict("c1", "x")],
        |_: &Conflict, _: &Resolution| Err(windows_core::Error::from(crate::hresults::E_FAIL)),
    );
    let keep = Resolution::Keep(vec![KeptVersion {
        index: 0,
        new_name: None,
    }]);
    assert_eq!(
        store.resolve("c1", &keep).unwrap_err().code(),
        crate::hresults::E_FAIL
    );
    assert_eq!(store.conflicts().len(), 1);
    assert_eq!(
        store.resolve("zz", &keep).unwrap_err().code(),
        E_CONFLICT_NOT_FOUND
    );
}

#[test]
fn resolve_info_answers_what_was_set() {
    let info = ResolveInfo::empty();
    let iface = ResolveInfo::empty().into_interface();
    assert_eq!(info.state().choice, SYNCMGR_PC_NO_CHOICE);
    assert_eq!(
        iface.SetPresenterChoice(SYNCMGR_PC_KEEP_ONE, true.into()),
        S_OK
    );
    assert_eq!(iface.SetItemChoices(&[1]), S_OK);
    assert_eq!(iface.SetPresenterNextStep(SYNCMGR_PNS_CANCEL), S_OK);
    assert_eq!(
        iface.GetPresenterChoice().unwrap(),
        (SYNCMGR_PC_KEEP_ONE, 1)
    );
    assert_eq!(iface.GetItemChoiceCount().unwrap(), 1);
    assert_eq!(iface.GetItemChoice(0).unwrap(), 1);
    assert_eq!(iface.GetItemChoice(1).unwrap_err().code(), E_INVALIDARG);
    assert_eq!(iface.GetPresenterNextStep().unwrap(), SYNCMGR_PNS_CANCEL);
    assert_eq!(iface.GetIterationInfo().unwrap(), (1, 1, 0));
    let items = ResolutionItems::new(vec![(3, Some("n".into()))]).into_interface();
    let got = items.GetItem(0).unwrap();
    assert_eq!(
        (got.iItemIndex, take(got.pszNewName).as_deref()),
        (3, Some("n"))
    );
    assert_eq!(items.GetItem(1).unwrap_err().code(), E_INVALIDARG);
}
