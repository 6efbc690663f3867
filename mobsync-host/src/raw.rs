//! Owned COM interface pointers for the raw ABI calls the host makes.

use std::ffi::c_void;
use std::ptr::NonNull;

use windows_core::{GUID, HRESULT, IUnknown_Vtbl};

/// One reference to a COM object, released on drop. The host calls through the vtables of
/// [`mobsync_runtime::sys`] directly, never through Rust traits, so it sees exactly what a
/// C caller would.
#[derive(Debug)]
pub(crate) struct ComRef(NonNull<c_void>);

// SAFETY: the objects the host holds are free-threaded (ThreadingModel Both/Free) or are only
// called from the driver thread that created them; moving the reference between threads does not
// touch the object.
unsafe impl Send for ComRef {}

impl ComRef {
    /// Takes ownership of one reference; `None` for null.
    ///
    /// # Safety
    ///
    /// `ptr` is null or a COM interface pointer whose reference the caller gives up.
    pub unsafe fn from_raw(ptr: *mut c_void) -> Option<Self> {
        NonNull::new(ptr).map(Self)
    }

    /// Gives up the reference: the caller owns it from now on.
    pub fn into_raw(self) -> *mut c_void {
        let ptr = self.as_raw();
        std::mem::forget(self);
        ptr
    }

    /// The interface pointer (still owned by `self`).
    pub fn as_raw(&self) -> *mut c_void {
        self.0.as_ptr()
    }

    /// The object's vtable, read as `V`.
    ///
    /// # Safety
    ///
    /// `V` is the vtable layout of the interface this pointer was obtained for.
    pub unsafe fn vtable<V>(&self) -> &V {
        // SAFETY: a COM interface pointer points to a pointer to its vtable, which lives at least
        // as long as the object (our reference keeps it alive while `self` is borrowed).
        unsafe { &**self.0.as_ptr().cast::<*const V>() }
    }

    /// `QueryInterface`, checking that a success comes with a non-null pointer.
    pub fn query(&self, iid: &GUID) -> Result<ComRef, HRESULT> {
        let mut out = std::ptr::null_mut();
        // SAFETY: every COM vtable starts with IUnknown's; `iid` and `out` are valid for the call.
        let hr = unsafe {
            (self.vtable::<IUnknown_Vtbl>().QueryInterface)(self.as_raw(), iid, &mut out)
        };
        if hr.is_err() {
            return Err(hr);
        }
        // SAFETY: on success `out` carries one reference for us.
        unsafe { ComRef::from_raw(out) }.ok_or(crate::hresult::E_POINTER)
    }

    /// Releases the reference and returns the count `Release` reported.
    pub fn release(self) -> u32 {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: we own one reference and give it up exactly once (Drop will not run).
        unsafe { (this.vtable::<IUnknown_Vtbl>().Release)(this.as_raw()) }
    }
}

impl Drop for ComRef {
    fn drop(&mut self) {
        // SAFETY: we own one reference and give it up exactly once.
        unsafe { (self.vtable::<IUnknown_Vtbl>().Release)(self.as_raw()) };
    }
}

impl Clone for ComRef {
    /// Another reference to the same interface (`AddRef`).
    fn clone(&self) -> Self {
        // SAFETY: every COM vtable starts with IUnknown's; our reference keeps the object alive
        // for the call, and the new reference is owned by the returned value.
        unsafe { (self.vtable::<IUnknown_Vtbl>().AddRef)(self.as_raw()) };
        ComRef(self.0)
    }
}
