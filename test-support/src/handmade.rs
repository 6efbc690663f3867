//! COM objects written by hand: one heap block `{ vtable pointer, reference count, IID, value }`
//! behind a `static` vtable of `extern "system"` functions, the way a careful C programmer writes
//! them. Tests use them for objects that must break rules or record raw arguments; the benchmarks'
//! floor for the cheapest correct object.
//!
//! [`unknown`] gives the `IUnknown` slots every such object shares: `AddRef` is a relaxed
//! increment, `Release` a release decrement with an acquire fence before the block is freed (and
//! the value dropped), and `QueryInterface` answers `IUnknown` and the object's one IID with the
//! object itself, checking its pointers for null and clearing `*ppv` on failure. The other slots
//! are the user's; they reach the value with [`HandMade::from_raw`].

use std::ffi::c_void;
use std::fmt;
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering, fence};

use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

const S_OK: HRESULT = HRESULT(0);
const E_NOINTERFACE: HRESULT = HRESULT(0x8000_4002_u32 as i32);
const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);

/// A hand-written COM object with a value of type `T`. Its address is its interface pointer (the
/// vtable pointer is the first field).
#[repr(C)]
pub struct HandMade<T> {
    vtbl: *const c_void,
    refs: AtomicU32,
    iid: GUID,
    value: T,
}

impl<T> HandMade<T> {
    /// A new object with one reference, on the heap: its interface pointer.
    ///
    /// `vtbl` must begin with [`unknown::<T>()`](unknown)'s slots and its other slots must expect
    /// `this` to be a `HandMade<T>`: every call through the returned pointer relies on it.
    pub fn create<V>(vtbl: &'static V, iid: GUID, value: T) -> *mut c_void {
        Box::into_raw(Box::new(HandMade {
            vtbl: ptr::from_ref(vtbl).cast(),
            refs: AtomicU32::new(1),
            iid,
            value,
        }))
        .cast()
    }

    /// The object behind an interface pointer.
    ///
    /// # Safety
    ///
    /// `this` was returned by [`HandMade::create`] with the same `T`, and the object stays
    /// alive for `'a` (the caller holds, or is called under, one of its references).
    pub unsafe fn from_raw<'a>(this: *mut c_void) -> &'a Self {
        // SAFETY: `create` made `this` from a `Box<HandMade<T>>` (aligned, initialized), which
        // the caller guarantees is not freed during 'a.
        unsafe { &*this.cast::<Self>() }
    }

    /// The value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// `AddRef` on the object itself (what its `AddRef` slot does): the new count. The caller
    /// owns the new reference and gives it up through the `Release` slot.
    pub fn add_ref(&self) -> u32 {
        self.refs.fetch_add(1, Ordering::Relaxed) + 1
    }
}

impl<T: fmt::Debug> fmt::Debug for HandMade<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandMade")
            .field("refs", &self.refs)
            .field("iid", &self.iid)
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

/// The `IUnknown` slots of [`HandMade<T>`] objects, for the `base__` of their vtables.
pub const fn unknown<T>() -> IUnknown_Vtbl {
    IUnknown_Vtbl {
        QueryInterface: query_interface::<T>,
        AddRef: add_ref::<T>,
        Release: release::<T>,
    }
}

/// The `QueryInterface` slot of [`HandMade<T>`] objects, callable directly (as an object's own
/// code calls it on another of its kind).
///
/// # Safety
///
/// `this` is a live `HandMade<T>` (made by [`HandMade::create`]) and the caller holds a
/// reference to it; `iid` is null or readable and `ppv` null or writable.
pub unsafe extern "system" fn query_interface<T>(
    this: *mut c_void,
    iid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    if ppv.is_null() {
        return E_POINTER;
    }
    // SAFETY: `ppv` is non-null, so writable per the contract.
    unsafe { *ppv = ptr::null_mut() };
    if iid.is_null() {
        return E_POINTER;
    }
    // SAFETY: per the contract `this` is a live `HandMade<T>` whose caller holds a reference
    // (through a vtable, only such objects reach this slot); `iid` is non-null, so readable, and
    // `ppv` writable as above.
    unsafe {
        let object = HandMade::<T>::from_raw(this);
        let iid = *iid;
        if iid == IUnknown::IID || iid == object.iid {
            object.add_ref();
            *ppv = this;
            S_OK
        } else {
            E_NOINTERFACE
        }
    }
}

/// The `AddRef` slot of [`HandMade<T>`] objects.
///
/// # Safety
///
/// `this` is a live `HandMade<T>` and the caller holds a reference to it.
pub unsafe extern "system" fn add_ref<T>(this: *mut c_void) -> u32 {
    // SAFETY: per the contract (through a vtable, only live `HandMade<T>`s reach this slot, under
    // their caller's reference).
    unsafe { HandMade::<T>::from_raw(this) }.add_ref()
}

/// The `Release` slot of [`HandMade<T>`] objects: frees the object (dropping its value) when
/// the last reference goes.
///
/// # Safety
///
/// `this` is a live `HandMade<T>` and the caller gives up a reference it holds.
pub unsafe extern "system" fn release<T>(this: *mut c_void) -> u32 {
    // SAFETY: per the contract `this` is a live `HandMade<T>` and the caller gives up a reference
    // it holds, so the object is alive until the decrement below.
    let remaining = unsafe { HandMade::<T>::from_raw(this) }
        .refs
        .fetch_sub(1, Ordering::Release)
        - 1;
    if remaining == 0 {
        // Every other reference's accesses happen before this point (their Release decrements
        // synchronize with this acquire fence).
        fence(Ordering::Acquire);
        // SAFETY: the last reference is gone, so nobody else can reach the object; the block
        // came from `Box::into_raw` in `create` with this `T`.
        drop(unsafe { Box::from_raw(this.cast::<HandMade<T>>()) });
    }
    remaining
}
