//! [`ComRef`]: one counted reference to a COM object, called through its vtable.

use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ptr::{self, NonNull};

use mobsync_runtime::factory::IClassFactory_Vtbl;
use mobsync_runtime::sys::{HWND, ISyncMgrEnumItems_Vtbl, ISyncMgrSynchronize_Vtbl, SYNCMGRITEM};
use windows_core::{GUID, HRESULT, IUnknown_Vtbl, Interface};

use crate::raw;

/// One counted reference to a COM object: the interface pointer a C client holds, whose vtable is
/// a `V`. Released on drop; [`release`](ComRef::release) releases it and returns the count, so
/// that tests can check every step of the reference count.
///
/// The invariant, which every safe method relies on: the pointer is non-null and points to a live
/// COM object whose vtable for this interface begins with the layout `V` (and so with IUnknown's
/// three slots), and this value owns one of the object's references, so the object (and its
/// vtable) stays alive at least as long as the `ComRef`. A safe `ComRef` comes only from a
/// windows-core interface value (which owns a reference by the same contract) or from
/// `QueryInterface`/`CreateInstance` for the IID of a windows-core interface type; anything else
/// goes through the unsafe [`from_raw`](ComRef::from_raw).
///
/// Not `Send`: a COM object may belong to the thread that made it. Tests that call from other
/// threads move a [`SendPtr`](crate::SendPtr) instead.
pub struct ComRef<V: 'static = IUnknown_Vtbl> {
    this: NonNull<c_void>,
    vtbl: PhantomData<*const V>,
}

impl<V> ComRef<V> {
    /// Takes over the reference owned by a windows-core interface value.
    pub fn new<I: Interface<Vtable = V>>(interface: I) -> Self {
        const {
            assert!(
                I::UNKNOWN,
                "a ComRef is an IUnknown-derived interface pointer"
            )
        };
        let this = interface.into_raw();
        Self::wrap(NonNull::new(this).expect("a windows-core interface is never null"))
    }

    /// Takes over one reference given as a raw interface pointer.
    ///
    /// # Safety
    ///
    /// `this` is a live interface pointer whose vtable begins with the layout `V`, and the
    /// caller gives up one reference it owns to the new `ComRef`.
    ///
    /// # Panics
    ///
    /// If `this` is null.
    pub unsafe fn from_raw(this: *mut c_void) -> Self {
        Self::wrap(NonNull::new(this).expect("ComRef::from_raw of a null pointer"))
    }

    fn wrap(this: NonNull<c_void>) -> Self {
        ComRef {
            this,
            vtbl: PhantomData,
        }
    }

    /// The interface pointer (the reference stays with `self`).
    pub fn as_raw(&self) -> *mut c_void {
        self.this.as_ptr()
    }

    /// The interface pointer, with the reference: the caller must release it.
    pub fn into_raw(self) -> *mut c_void {
        ManuallyDrop::new(self).as_raw()
    }

    /// The reference as a windows-core interface value of the same vtable layout, which
    /// releases it on drop.
    pub fn into_interface<I: Interface<Vtable = V>>(self) -> I {
        // SAFETY: by the invariant `self` owns one reference to a live object whose vtable is a
        // `V`, which is `I`'s vtable layout: exactly what `I::from_raw` takes over.
        unsafe { I::from_raw(self.into_raw()) }
    }

    /// The vtable, for calls with raw arguments (still `unsafe`: the callee trusts them).
    pub fn vtbl(&self) -> &V {
        // SAFETY: by the type's invariant the object is alive while `self` is (we own one of its
        // references) and its vtable begins with a `V`; the returned borrow is tied to `self`.
        unsafe { raw::vtbl(self.as_raw()) }
    }

    fn unknown(&self) -> &IUnknown_Vtbl {
        // SAFETY: as in `vtbl`; every COM vtable `V` begins with IUnknown's three slots.
        unsafe { raw::vtbl(self.as_raw()) }
    }

    /// `AddRef`: a second `ComRef` owning the new reference, and the count `AddRef` returned.
    pub fn add_ref(&self) -> (Self, u32) {
        // SAFETY: the object is alive (invariant); AddRef takes nothing but `this`.
        let count = unsafe { (self.unknown().AddRef)(self.as_raw()) };
        (Self::wrap(self.this), count)
    }

    /// `Release` of the reference this value owns: the count `Release` returned.
    pub fn release(self) -> u32 {
        let this = ManuallyDrop::new(self);
        // SAFETY: the object is alive (invariant) and we give up the one reference `self` owned,
        // exactly once: `ManuallyDrop` keeps `Drop` from releasing it again.
        unsafe { (this.unknown().Release)(this.as_raw()) }
    }

    /// `QueryInterface(iid)` as it answered: the result and `*ppv`, which starts as
    /// [`raw::GARBAGE`] so that a failure that does not clear it shows. On success the returned
    /// pointer carries a reference the caller must release (or wrap with [`ComRef::from_raw`]).
    pub fn query(&self, iid: &GUID) -> (HRESULT, *mut c_void) {
        // SAFETY: the object is alive (invariant); `iid` is a valid GUID for the call.
        unsafe { raw::query(self.as_raw(), iid) }
    }

    /// `QueryInterface` for the interface `I`, owned; `Err` with the failure code.
    ///
    /// # Panics
    ///
    /// If the object reports success with anything but `S_OK` (the only success code of
    /// `QueryInterface`) or without an interface pointer.
    pub fn cast<I: Interface>(&self) -> Result<ComRef<I::Vtable>, HRESULT> {
        const {
            assert!(
                I::UNKNOWN,
                "a ComRef is an IUnknown-derived interface pointer"
            )
        };
        let (hr, out) = self.query(&I::IID);
        if hr.is_err() {
            return Err(hr);
        }
        assert_eq!(hr, HRESULT(0), "QueryInterface succeeds with S_OK only");
        assert!(
            !out.is_null() && out != raw::garbage(),
            "QueryInterface returned S_OK without an interface"
        );
        // SAFETY: a successful QueryInterface for `I::IID` hands over one reference to an
        // interface pointer whose vtable is `I`'s (the COM contract that windows-core's `cast`
        // relies on too).
        Ok(unsafe { ComRef::from_raw(out) })
    }
}

impl<V> Drop for ComRef<V> {
    fn drop(&mut self) {
        // SAFETY: the object is alive (invariant) and this is the one release of the reference
        // `self` owns (`release` and `into_raw` skip `Drop`).
        unsafe { (self.unknown().Release)(self.as_raw()) };
    }
}

impl<V> fmt::Debug for ComRef<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ComRef").field(&self.this).finish()
    }
}

/// Two `ComRef`s are equal when they hold the same interface pointer (COM identity holds for
/// `IUnknown` pointers only).
impl<V, W> PartialEq<ComRef<W>> for ComRef<V> {
    fn eq(&self, other: &ComRef<W>) -> bool {
        self.this == other.this
    }
}

impl ComRef<ISyncMgrSynchronize_Vtbl> {
    /// `ISyncMgrSynchronize::SetItemStatus(item, status)`.
    #[inline]
    pub fn set_item_status(&self, item: &GUID, status: u32) -> HRESULT {
        // SAFETY: the object is alive and its vtable is ISyncMgrSynchronize's (invariant); `item`
        // is a readable GUID for the call.
        unsafe { (self.vtbl().SetItemStatus)(self.as_raw(), item, status) }
    }

    /// `ISyncMgrSynchronize::Synchronize(parent)`.
    #[inline]
    pub fn synchronize(&self, parent: HWND) -> HRESULT {
        // SAFETY: the object is alive and its vtable is ISyncMgrSynchronize's (invariant); a
        // window handle is only a value to the callee.
        unsafe { (self.vtbl().Synchronize)(self.as_raw(), parent) }
    }
}

impl ComRef<ISyncMgrEnumItems_Vtbl> {
    /// `ISyncMgrEnumItems::Reset()`.
    #[inline]
    pub fn reset(&self) -> HRESULT {
        // SAFETY: the object is alive and its vtable is ISyncMgrEnumItems's (invariant).
        unsafe { (self.vtbl().Reset)(self.as_raw()) }
    }

    /// `ISyncMgrEnumItems::Next(items.len(), items, &fetched)`: the result and `fetched`.
    #[inline]
    pub fn next(&self, items: &mut [SYNCMGRITEM]) -> (HRESULT, u32) {
        // (A longer slice is offered in part: no enumerator is asked for more than u32::MAX.)
        let count = items.len().min(u32::MAX as usize) as u32;
        let mut fetched = 0u32;
        // SAFETY: the object is alive and its vtable is ISyncMgrEnumItems's (invariant); `items`
        // holds `count` writable items (plain data, any bit pattern the callee writes is a value)
        // and `fetched` is a writable u32, both for the duration of the call.
        let hr =
            unsafe { (self.vtbl().Next)(self.as_raw(), count, items.as_mut_ptr(), &mut fetched) };
        (hr, fetched)
    }
}

impl ComRef<IClassFactory_Vtbl> {
    /// `IClassFactory::CreateInstance(NULL, iid, &out)` as it answered: the result and `out`
    /// (which starts null). On success the returned pointer carries a reference the caller must
    /// release (or wrap with [`ComRef::from_raw`]).
    #[inline]
    pub fn create_instance(&self, iid: &GUID) -> (HRESULT, *mut c_void) {
        let mut out = ptr::null_mut();
        // SAFETY: the object is alive and its vtable is IClassFactory's (invariant); no outer
        // unknown, and `iid` and `out` are valid for the call.
        let hr =
            unsafe { (self.vtbl().CreateInstance)(self.as_raw(), ptr::null_mut(), iid, &mut out) };
        (hr, out)
    }
}
