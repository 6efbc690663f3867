//! The entry points that receive an out-pointer from a COM caller refuse a misaligned one with
//! [`MISALIGNED`] and write nothing through it: `QueryInterface`, `IClassFactory::CreateInstance`,
//! `DllGetClassObject`, and the generated shims (here `ISyncMgrEnumItems::Clone`).

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use windows_core::{GUID, HRESULT, IUnknown, Interface};

use crate::abi::MISALIGNED;
use crate::exports::{ClassEntry, dll_get_class_object};
use crate::factory::{Class, IClassFactory, class_factory};
use crate::hresults::{E_POINTER, S_OK};
use crate::sys::{ISyncMgrEnumItems, SYNCMGRITEM};
use crate::{ComObject, SkipOutcome, SyncMgrEnumItems};

/// How many `Probe`s the class factory created.
static CREATED: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Default, crate::ComObject)]
#[com_object(interfaces(ISyncMgrEnumItems))]
struct Probe;

impl SyncMgrEnumItems for Probe {
    fn next(&self, _items: &mut [SYNCMGRITEM]) -> windows_core::Result<usize> {
        Ok(0)
    }
    fn skip(&self, _count: u32) -> windows_core::Result<SkipOutcome> {
        Ok(SkipOutcome::S_OK)
    }
    fn reset(&self) -> windows_core::Result<()> {
        Ok(())
    }
    fn clone_com(&self) -> windows_core::Result<ISyncMgrEnumItems> {
        ComObject::new(Probe).cast()
    }
}

impl Class for Probe {
    const CLSID: GUID = GUID::from_u128(0x5d0c_6a41_2b7e_4f08_9a3c_71e2_b48d_0f15);
    const NAME: &'static str = "Probe";
    const SYNC_MGR_FLAGS: u32 = 0;

    fn create() -> Self {
        CREATED.fetch_add(1, Ordering::SeqCst);
        Probe
    }
}

const PATTERN: u8 = 0xA5;

/// Pointer-aligned bytes around an out-slot, to hand out a misaligned pointer into them and see
/// that nothing was written.
#[repr(C, align(8))]
struct Bytes([u8; 16]);

impl Bytes {
    fn new() -> Self {
        Bytes([PATTERN; 16])
    }

    /// A pointer one byte past an 8-aligned address: misaligned for any pointer type.
    fn misaligned(&mut self) -> *mut *mut c_void {
        self.0.as_mut_ptr().wrapping_add(1).cast()
    }

    fn untouched(&self) -> bool {
        self.0.iter().all(|&b| b == PATTERN)
    }
}

/// Adopts (and so releases) an interface pointer an entry point returned.
fn release(raw: *mut c_void) {
    assert!(!raw.is_null());
    // SAFETY: `raw` is an owned interface pointer, which the `IUnknown` releases on drop.
    drop(unsafe { IUnknown::from_raw(raw) });
}

#[test]
fn query_interface_refuses_a_misaligned_ppv() {
    let object = ComObject::new(Probe);
    let unknown = object.to_unknown();
    let query = unknown.vtable().QueryInterface;
    let refs = object.ref_count();
    let mut bytes = Bytes::new();
    // SAFETY: a live object; the IID is readable; the out pointer is checked before any write.
    let hr = unsafe {
        query(
            unknown.as_raw(),
            &ISyncMgrEnumItems::IID,
            bytes.misaligned(),
        )
    };
    assert_eq!(hr, MISALIGNED);
    assert!(bytes.untouched());
    assert_eq!(object.ref_count(), refs, "no reference handed out");

    // SAFETY: as above, with a null and then a valid out pointer.
    unsafe {
        assert_eq!(
            query(unknown.as_raw(), &ISyncMgrEnumItems::IID, ptr::null_mut()),
            E_POINTER
        );
        let mut out = ptr::null_mut();
        assert_eq!(
            query(unknown.as_raw(), &ISyncMgrEnumItems::IID, &mut out),
            S_OK
        );
        release(out);
    }
}

#[test]
fn create_instance_refuses_a_misaligned_ppv() {
    let factory: IClassFactory = class_factory::<Probe>();
    let create = factory.vtable().CreateInstance;
    let created = CREATED.load(Ordering::SeqCst);
    let mut bytes = Bytes::new();
    // SAFETY: a live factory; the IID is readable; the out pointer is checked before any write.
    let hr = unsafe {
        create(
            factory.as_raw(),
            ptr::null_mut(),
            &ISyncMgrEnumItems::IID,
            bytes.misaligned(),
        )
    };
    assert_eq!(hr, MISALIGNED);
    assert!(bytes.untouched());
    assert_eq!(CREATED.load(Ordering::SeqCst), created, "no object created");

    let mut out = ptr::null_mut();
    // SAFETY: as above, with a valid out pointer.
    let hr = unsafe {
        create(
            factory.as_raw(),
            ptr::null_mut(),
            &ISyncMgrEnumItems::IID,
            &mut out,
        )
    };
    assert_eq!(hr, S_OK);
    assert_eq!(CREATED.load(Ordering::SeqCst), created + 1);
    release(out);
}

#[test]
fn dll_get_class_object_refuses_a_misaligned_ppv() {
    let classes = [ClassEntry::of::<Probe>()];
    let get = |iid: &GUID, ppv: *mut *mut c_void| -> HRESULT {
        // SAFETY: the CLSID and IID are readable; the out pointer is checked before any write.
        unsafe { dll_get_class_object(&classes, &Probe::CLSID, iid, ppv) }
    };
    let mut bytes = Bytes::new();
    assert_eq!(get(&IClassFactory::IID, bytes.misaligned()), MISALIGNED);
    assert!(bytes.untouched());
    assert_eq!(get(&IClassFactory::IID, ptr::null_mut()), E_POINTER);
    let mut out = ptr::null_mut();
    assert_eq!(get(&IClassFactory::IID, &mut out), S_OK);
    release(out);
}

#[test]
fn generated_shims_refuse_a_misaligned_out_pointer() {
    let items: ISyncMgrEnumItems = ComObject::new(Probe).cast().unwrap();
    let clone = items.vtable().Clone;
    let mut bytes = Bytes::new();
    // SAFETY: a live enumerator; the out pointer is checked before any write.
    let hr = unsafe { clone(items.as_raw(), bytes.misaligned()) };
    assert_eq!(hr, MISALIGNED);
    assert!(bytes.untouched());
    let mut out = ptr::null_mut();
    // SAFETY: as above, with a valid out pointer.
    assert_eq!(unsafe { clone(items.as_raw(), &mut out) }, S_OK);
    release(out);
}
