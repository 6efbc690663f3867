//! The unsafe building blocks: calls through the vtable of a raw interface pointer, as a C client
//! makes them. Tests that pass null or garbage on purpose, or that play with an object's
//! reference count while it is being destroyed, need them; everything else is better served by
//! [`ComRef`](crate::ComRef), whose invariant makes these calls safe.

use std::ffi::c_void;

use windows_core::{GUID, HRESULT, IUnknown_Vtbl};

/// What out-parameters start as in [`query`] (and [`garbage`]): neither null nor a valid
/// pointer, so that a callee that does not clear its out-parameter on failure is caught.
pub const GARBAGE: usize = 0xdead_beef;

/// [`GARBAGE`] as a pointer: the initial value of an out-parameter whose clearing is checked.
pub fn garbage<T>() -> *mut T {
    GARBAGE as *mut T
}

/// The vtable of the interface pointer `this`, read as a `V`.
///
/// # Safety
///
/// `this` is a live interface pointer whose vtable begins with the layout `V`, and the object
/// stays alive for `'a` (its class's vtable lives at least as long as the object).
pub unsafe fn vtbl<'a, V>(this: *mut c_void) -> &'a V {
    // SAFETY: a COM interface pointer points to the object's first word, an aligned pointer to
    // the vtable; the caller guarantees the object is alive for 'a and the vtable is a `V`.
    unsafe { &**this.cast::<*const V>() }
}

/// `IUnknown::AddRef` through the vtable: the count it returns.
///
/// # Safety
///
/// `this` is a live interface pointer (of any interface: every vtable begins with IUnknown's).
pub unsafe fn add_ref(this: *mut c_void) -> u32 {
    // SAFETY: the caller guarantees `this` is live, so its vtable begins with IUnknown's slots.
    unsafe { (vtbl::<IUnknown_Vtbl>(this).AddRef)(this) }
}

/// `IUnknown::Release` through the vtable: the count it returns.
///
/// # Safety
///
/// `this` is a live interface pointer and the caller gives up one reference it holds (or, in a
/// test of over-release, knows what the object does with one it does not hold).
pub unsafe fn release(this: *mut c_void) -> u32 {
    // SAFETY: the caller guarantees `this` is live, so its vtable begins with IUnknown's slots.
    unsafe { (vtbl::<IUnknown_Vtbl>(this).Release)(this) }
}

/// `IUnknown::QueryInterface` through the vtable, with `*ppv` starting as [`GARBAGE`] so that
/// the caller can check it is cleared on failure. On success the caller owns the returned
/// reference.
///
/// # Safety
///
/// `this` is a live interface pointer.
pub unsafe fn query(this: *mut c_void, iid: &GUID) -> (HRESULT, *mut c_void) {
    let mut out = garbage();
    // SAFETY: the caller guarantees `this` is live, so its vtable begins with IUnknown's slots;
    // `iid` and `out` are valid for the duration of the call.
    let hr = unsafe { (vtbl::<IUnknown_Vtbl>(this).QueryInterface)(this, iid, &mut out) };
    (hr, out)
}

/// A raw interface pointer that a test moves to another thread. Only the address moves: each
/// call made through it is an unsafe block of its own, whose SAFETY comment answers for the
/// object being callable (and still alive) on that thread.
#[derive(Clone, Copy, Debug)]
pub struct SendPtr(pub *mut c_void);

// SAFETY: a `SendPtr` is an address and nothing else; sending it dereferences nothing, and every
// use of the address on the other thread is an unsafe call justified where it is made.
unsafe impl Send for SendPtr {}
// SAFETY: as for `Send`: sharing the address dereferences nothing.
unsafe impl Sync for SendPtr {}
