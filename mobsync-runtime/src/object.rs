//! The COM object model: layout, reference counting, `QueryInterface` and identity.
//!
//! A COM object is one heap block:
//!
//! ```text
//! Object<T> (repr(C))
//! ├─ vtables: [VtablePtr; N]   slot k = the interface pointer for T::IIDS[k]; slot 0 is also IUnknown
//! ├─ support_error_info: VtablePtr  the ISupportErrorInfo pointer (crate::error_info)
//! ├─ refs:    AtomicU32        one count for the whole object
//! ├─ owner:   Option<ThreadId> the creating thread, for apartment-threaded classes
//! └─ value:   T                the user's value, dropped exactly once
//! ```
//!
//! An interface pointer is the address of its slot; the slot holds the address of a `'static`
//! vtable whose functions are generic over `T` and the slot index `K`, so every shim finds the
//! object by stepping back `K` slots. `QueryInterface(IID_IUnknown)` through any slot returns slot
//! 0, which gives COM identity. Only the IIDs in [`ComClass::IIDS`] (and their bases) and
//! `ISupportErrorInfo` are answered: no `IInspectable`, no `IAgileObject`, no `IMarshal`.
//!
//! Reference counting follows the usual pattern: `fetch_add(Relaxed)` on `AddRef`;
//! `fetch_sub(Release)` and an `Acquire` fence before destroying at zero. A `Release` that finds
//! the count already at zero (an over-release while the block is still alive, for example from the
//! value's own `Drop`) is logged and ignored, and a re-entrant `AddRef`/`Release` during
//! destruction cannot reach zero again, so the value is never dropped twice.

#[cfg(loom)]
use loom::sync::atomic::{AtomicU32, Ordering, fence};
use std::ffi::c_void;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
#[cfg(not(loom))]
use std::sync::atomic::{AtomicU32, Ordering, fence};
use std::thread::ThreadId;

use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

use crate::abi::{self, Checked, OutPtr};
use crate::error_info::{self, ISupportErrorInfo, ISupportErrorInfo_Vtbl};
use crate::guard;
use crate::hresults::{E_NOINTERFACE, E_POINTER, RPC_E_WRONG_THREAD, S_OK};
use crate::module;
use crate::threading::{ThreadingPolicy, current_thread};

/// The count stored while the value is being dropped, far from zero so that re-entrant
/// `AddRef`/`Release` pairs from the value's `Drop` cannot trigger a second destruction.
const DESTROYING: u32 = 1 << 30;

/// A pointer to a `'static` vtable, as stored in an object's interface slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct VtablePtr(*const c_void);

// SAFETY: a vtable pointer points to immutable `'static` data (a constant promoted to static memory).
unsafe impl Send for VtablePtr {}
// SAFETY: as above.
unsafe impl Sync for VtablePtr {}

impl VtablePtr {
    /// The address of a `'static` vtable.
    pub const fn new<V>(vtable: &'static V) -> Self {
        VtablePtr(vtable as *const V as *const c_void)
    }

    /// The raw address.
    pub const fn as_ptr(self) -> *const c_void {
        self.0
    }
}

/// The interface slots of a class: `[VtablePtr; N]` for its `N` interfaces.
///
/// # Safety
///
/// Implemented only for `[VtablePtr; N]`, whose slots are contiguous from offset 0.
pub unsafe trait VtableArray: Copy + Send + Sync + 'static {
    /// The number of slots.
    const LEN: usize;
}

// SAFETY: arrays are contiguous, element `k` at offset `k * size_of::<VtablePtr>()`.
unsafe impl<const N: usize> VtableArray for [VtablePtr; N] {
    const LEN: usize = N;
}

/// A Rust type that can live in a COM object: its interface table and threading model.
///
/// Implemented by `#[derive(SyncMgrHandler)]` (and by the runtime for its own objects such as
/// [`ItemEnumerator`](crate::ItemEnumerator)); not meant to be implemented by hand.
///
/// # Safety
///
/// `VTABLES[k]` must point to a vtable for the interface `IIDS[k]` whose functions treat `this`
/// as slot `k` of an `Object<Self>`; `IIDS.len() == Self::Vtables::LEN >= 1`. Unless `Threading`
/// is [`Apartment`](crate::threading::Apartment), `Self` must be `Send + Sync` (the derives
/// assert it).
pub unsafe trait ComClass: Sized + 'static {
    /// `[VtablePtr; N]`.
    type Vtables: VtableArray;
    /// The vtable of each interface slot, in slot order.
    const VTABLES: Self::Vtables;
    /// The IID of each interface slot, in slot order.
    const IIDS: &'static [GUID];
    /// For each interface slot, the IIDs of the interfaces its vtable starts with besides
    /// `IUnknown` ([`Implement::BASES`]): `QueryInterface` answers them with that slot when no
    /// slot is theirs. Empty when no interface has such a base.
    const BASE_IIDS: &'static [&'static [GUID]] = &[];
    /// The threading model; its bound is where `Send + Sync` is required.
    type Threading: ThreadingPolicy<Self>;
    /// Whether the objects answer `ISupportErrorInfo` (`S_OK` for their interfaces) and their
    /// failures set the thread's error object ([`crate::error_info`]). Only error objects say no.
    const SUPPORTS_ERROR_INFO: bool = true;
}

/// An interface whose vtable, for class `T` in slot `K`, the runtime can build.
///
/// Implemented (generated from the IDL) for every interface type in [`crate::sys`] whose user
/// trait `T` implements, and for [`IClassFactory`](crate::factory::IClassFactory).
///
/// # Safety
///
/// `VTABLE` must be a vtable of `Self` whose functions treat `this` as slot `K` of an `Object<T>`.
pub unsafe trait Implement<T: ComClass, const K: usize>: Interface {
    /// The vtable.
    const VTABLE: Self::Vtable;
    /// The IIDs of the interfaces `VTABLE` starts with, nearest first, `IUnknown` left out
    /// (`IPersist` for `IPersistStream`).
    const BASES: &'static [GUID] = &[];
}

/// A class whose objects hold the interface `I` in slot `SLOT`: [`ComObject::to_interface`] and
/// [`ComObject::into_interface`] then give the `I` pointer without a `QueryInterface`, checked
/// at compile time. Implemented by the derives for every interface they list.
///
/// # Safety
///
/// `SLOT < Self::IIDS.len()`, `Self::IIDS[SLOT] == I::IID` and `Self::VTABLES[SLOT]` is a
/// vtable of `I`.
pub unsafe trait HasInterface<I: Interface>: ComClass {
    /// The slot of `I`.
    const SLOT: usize;
}

/// The heap block of a COM object. See the module docs for the layout.
#[repr(C)]
pub(crate) struct Object<T: ComClass> {
    vtables: T::Vtables,
    support_error_info: VtablePtr,
    refs: AtomicU32,
    owner: Option<ThreadId>,
    value: ManuallyDrop<T>,
}

impl<T: ComClass> Object<T> {
    /// Allocates an object with one reference and counts it in the module.
    fn allocate(value: T) -> NonNull<Object<T>> {
        debug_assert_eq!(T::IIDS.len(), <T::Vtables as VtableArray>::LEN);
        let owner = if <T::Threading as ThreadingPolicy<T>>::CHECKS_THREAD {
            current_thread()
        } else {
            None
        };
        let boxed = Box::new(Object {
            vtables: T::VTABLES,
            support_error_info: VtablePtr::new(&SupportErrorInfo::<T>::VTABLE),
            refs: AtomicU32::new(1),
            owner,
            value: ManuallyDrop::new(value),
        });
        module::object_created();
        NonNull::from(Box::leak(boxed))
    }

    /// The interface pointer of slot `k`.
    ///
    /// # Safety
    ///
    /// `this` points to a live object and `k < LEN`.
    unsafe fn slot(this: NonNull<Object<T>>, k: usize) -> *mut c_void {
        debug_assert!(k < <T::Vtables as VtableArray>::LEN);
        // SAFETY: `vtables` is at offset 0 (repr(C)) and is `[VtablePtr; LEN]`; `k < LEN` keeps the
        // pointer inside the array, and it is derived from the whole block's pointer.
        unsafe { this.as_ptr().cast::<VtablePtr>().add(k).cast::<c_void>() }
    }

    /// The object behind the interface pointer of slot `k`.
    ///
    /// # Safety
    ///
    /// `this` is non-null and is slot `k` of a live `Object<T>`.
    unsafe fn from_slot(this: *mut c_void, k: usize) -> NonNull<Object<T>> {
        // SAFETY: stepping back `k` slots from slot `k` gives offset 0 of the same block.
        unsafe { NonNull::new_unchecked(this.cast::<VtablePtr>().sub(k).cast::<Object<T>>()) }
    }

    /// Whether the calling thread may touch the value.
    fn on_owner_thread(&self) -> bool {
        !<T::Threading as ThreadingPolicy<T>>::CHECKS_THREAD
            || (self.owner.is_some() && current_thread() == self.owner)
    }

    /// Adds a reference and returns the new count.
    ///
    /// Takes the block's pointer, not `&self`, and borrows only the `refs` field: an `AddRef`
    /// from the value's own `Drop` (which holds `&mut` to the value) must not create a shared
    /// reference to the whole block, value included, which would alias that `&mut` (undefined
    /// behaviour that Miri reports under Stacked Borrows).
    ///
    /// # Safety
    ///
    /// `this` points to an object whose block is still allocated.
    unsafe fn add_ref(this: NonNull<Object<T>>) -> u32 {
        // SAFETY: the block is allocated per the contract; the reference covers `refs` alone.
        let refs = unsafe { &(*this.as_ptr()).refs };
        refs.fetch_add(1, Ordering::Relaxed).wrapping_add(1)
    }

    /// Drops one reference, destroying the object at zero.
    ///
    /// # Safety
    ///
    /// `this` points to a live object and the caller owns one reference, which it gives up.
    unsafe fn release(this: NonNull<Object<T>>) -> u32 {
        // SAFETY: the caller's reference keeps the block alive until the decrement below.
        let refs = unsafe { &(*this.as_ptr()).refs };
        let previous = refs.fetch_sub(1, Ordering::Release);
        match previous {
            1 => {
                fence(Ordering::Acquire);
                refs.store(DESTROYING, Ordering::Relaxed);
                // SAFETY: the count reached zero: this thread is the last owner.
                unsafe { Self::destroy(this) };
                0
            }
            0 | DESTROYING => {
                // Over-release (at zero, or while the value is being dropped): undo and refuse.
                refs.fetch_add(1, Ordering::Relaxed);
                log::error!(
                    "Release called on a COM object whose reference count is already zero; ignored"
                );
                0
            }
            n => n - 1,
        }
    }

    /// Drops the value (exactly once) and frees the block.
    ///
    /// # Safety
    ///
    /// Called once, by the thread that took the count to zero.
    unsafe fn destroy(this: NonNull<Object<T>>) {
        let ptr = this.as_ptr();
        // SAFETY: no other reference exists; shared access suffices for the thread check.
        let on_owner = unsafe { (*ptr).on_owner_thread() };
        if !on_owner {
            log::error!(
                "the last reference to an apartment-threaded COM object was released on another \
                 thread; its value is leaked instead of being dropped on the wrong thread"
            );
            module::object_destroyed();
            return;
        }
        // SAFETY: the value has not been dropped (this is the only destruction) and no shim is
        // running on it (every caller's reference is gone).
        let dropped = guard::catch_value("COM object destructor", || unsafe {
            ManuallyDrop::drop(&mut (*ptr).value)
        });
        if dropped.is_none() {
            log::error!("the COM object's value panicked while being dropped");
        }
        // SAFETY: the block came from `Box::leak` in `allocate`; the value is already dropped and
        // `ManuallyDrop` keeps the box from dropping it again.
        drop(unsafe { Box::from_raw(ptr) });
        module::object_destroyed();
    }

    /// `QueryInterface` for the whole object: the interface pointer for `iid`, with a reference
    /// for the caller, or `E_NOINTERFACE`.
    ///
    /// # Safety
    ///
    /// `this` points to a live object.
    unsafe fn query(this: NonNull<Object<T>>, iid: &GUID) -> Checked<*mut c_void> {
        if T::SUPPORTS_ERROR_INFO && *iid == ISupportErrorInfo::IID {
            // SAFETY: the object is alive (the caller holds a reference); the field is in the
            // block, and the pointer is derived from the whole block's.
            unsafe {
                Self::add_ref(this);
                return Ok((&raw mut (*this.as_ptr()).support_error_info).cast());
            }
        }
        let slot = if *iid == IUnknown::IID {
            Some(0)
        } else {
            T::IIDS
                .iter()
                .position(|candidate| candidate == iid)
                .or_else(|| T::BASE_IIDS.iter().position(|bases| bases.contains(iid)))
        };
        let k = slot.ok_or(E_NOINTERFACE)?;
        // SAFETY: the object is alive (the caller holds a reference) and `k < LEN`.
        unsafe {
            Self::add_ref(this);
            Ok(Self::slot(this, k))
        }
    }
}

/// The `ISupportErrorInfo` slot of class `T`: its `this` is the `support_error_info` field.
struct SupportErrorInfo<T>(PhantomData<T>);

impl<T: ComClass> SupportErrorInfo<T> {
    const VTABLE: ISupportErrorInfo_Vtbl = ISupportErrorInfo_Vtbl {
        base__: IUnknown_Vtbl {
            QueryInterface: Self::query_interface,
            AddRef: Self::add_ref,
            Release: Self::release,
        },
        InterfaceSupportsErrorInfo: Self::interface_supports_error_info,
    };

    /// The object whose `support_error_info` field `this` points to.
    ///
    /// # Safety
    ///
    /// `this` is non-null and is that field of a live `Object<T>`.
    unsafe fn object(this: *mut c_void) -> NonNull<Object<T>> {
        let offset = std::mem::offset_of!(Object<T>, support_error_info);
        // SAFETY: stepping back the field's offset gives the start of the same block.
        unsafe { NonNull::new_unchecked(this.byte_sub(offset).cast::<Object<T>>()) }
    }

    unsafe extern "system" fn query_interface(
        this: *mut c_void,
        iid: *const GUID,
        ppv: *mut *mut c_void,
    ) -> HRESULT {
        let object = |this| {
            // SAFETY: `this` is the non-null field of a live object (see below).
            unsafe { Self::object(this) }
        };
        // SAFETY: `this` is null or the field of a live object on which the caller holds a
        // reference; `iid` and `ppv` as COM passes them.
        unsafe { query_interface_of(this, iid, ppv, object) }
    }

    unsafe extern "system" fn add_ref(this: *mut c_void) -> u32 {
        if this.is_null() {
            return 0;
        }
        // SAFETY: `this` is the field of a live object; the caller holds a reference.
        unsafe { Object::<T>::add_ref(Self::object(this)) }
    }

    unsafe extern "system" fn release(this: *mut c_void) -> u32 {
        if this.is_null() {
            return 0;
        }
        // SAFETY: `this` is the field of a live object and the caller gives up one reference.
        unsafe { Object::<T>::release(Self::object(this)) }
    }

    /// `S_OK` for the object's interfaces (and their bases), `S_FALSE` for others.
    unsafe extern "system" fn interface_supports_error_info(
        this: *mut c_void,
        iid: *const GUID,
    ) -> HRESULT {
        if this.is_null() {
            return E_POINTER;
        }
        // SAFETY: per the COM contract `iid` is null or readable.
        match unsafe { abi::in_guid(iid) } {
            Ok(iid) if T::IIDS.contains(&iid) || T::BASE_IIDS.iter().any(|b| b.contains(&iid)) => {
                S_OK
            }
            Ok(_) => crate::hresults::S_FALSE,
            Err(hr) => hr,
        }
    }
}

/// The `IUnknown` part of the vtable of slot `K` of class `T`.
pub const fn unknown_vtable<T: ComClass, const K: usize>() -> IUnknown_Vtbl {
    IUnknown_Vtbl {
        QueryInterface: query_interface::<T, K>,
        AddRef: add_ref::<T, K>,
        Release: release::<T, K>,
    }
}

unsafe extern "system" fn query_interface<T: ComClass, const K: usize>(
    this: *mut c_void,
    iid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    let object = |this| {
        // SAFETY: `this` is non-null slot `K` of a live object (see below).
        unsafe { Object::<T>::from_slot(this, K) }
    };
    // SAFETY: `this` is null or slot `K` of a live `Object<T>` (the vtable is only reachable
    // from there), on which the caller holds a reference; `iid` and `ppv` as COM passes them.
    unsafe { query_interface_of(this, iid, ppv, object) }
}

/// `QueryInterface` through an interface pointer `this` of the object `object(this)` finds.
///
/// # Safety
///
/// `this` is null or an interface pointer of a live `Object<T>` on which the caller holds a
/// reference, and `object` maps it (when non-null) to that object; `iid` is null or readable,
/// `ppv` null or writable.
unsafe fn query_interface_of<T: ComClass>(
    this: *mut c_void,
    iid: *const GUID,
    ppv: *mut *mut c_void,
    object: impl FnOnce(*mut c_void) -> NonNull<Object<T>>,
) -> HRESULT {
    // SAFETY: per the contract `ppv` is null or writable for the call; null is a valid
    // `*mut c_void`. Checked (and cleared when valid) before anything else.
    let out = unsafe { OutPtr::new(ppv) };
    if this.is_null() {
        return E_POINTER;
    }
    abi::respond(|| {
        let out = out?;
        // SAFETY: per the contract `iid` is null or readable.
        let iid = unsafe { abi::in_guid(iid) }?;
        // SAFETY: the object is alive and the caller holds a reference, per the contract.
        out.set(unsafe { Object::<T>::query(object(this), &iid) }?);
        Ok(S_OK)
    })
}

unsafe extern "system" fn add_ref<T: ComClass, const K: usize>(this: *mut c_void) -> u32 {
    if this.is_null() {
        return 0;
    }
    // SAFETY: `this` is slot `K` of a live object; the caller holds a reference (or is the
    // value's own `Drop`, while the block is still allocated).
    unsafe { Object::<T>::add_ref(Object::<T>::from_slot(this, K)) }
}

unsafe extern "system" fn release<T: ComClass, const K: usize>(this: *mut c_void) -> u32 {
    if this.is_null() {
        return 0;
    }
    // SAFETY: `this` is slot `K` of a live object and the caller gives up one reference.
    unsafe { Object::<T>::release(Object::<T>::from_slot(this, K)) }
}

/// Runs a method of the value behind interface pointer `this` (slot `K`): `E_POINTER` for a null
/// `this`, `RPC_E_WRONG_THREAD` for an apartment object called on another thread, and a panic in
/// `f` becomes `E_UNEXPECTED` (logged with `method`). Used by the generated shims.
///
/// # Safety
///
/// `this` is null or slot `K` of a live `Object<T>` on which the caller holds a reference for the
/// duration of the call.
#[inline(always)]
pub unsafe fn dispatch<T: ComClass, const K: usize>(
    this: *mut c_void,
    method: &'static str,
    f: impl FnOnce(&T) -> HRESULT,
) -> HRESULT {
    if this.is_null() {
        return E_POINTER;
    }
    // SAFETY: per the contract, `this` is slot `K` of a live object that stays alive for the call.
    let object = unsafe { &*Object::<T>::from_slot(this, K).as_ptr() };
    if !object.on_owner_thread() {
        return RPC_E_WRONG_THREAD;
    }
    let hr = guard::catch(method, || f(&object.value));
    if T::SUPPORTS_ERROR_INFO && hr.is_err() {
        return finish_failed_call::<T, K>(hr);
    }
    hr
}

/// [`error_info::finish_call`] for slot `K` of `T`; returns `hr`. `extern "C"` because such a
/// function cannot unwind (a panic in it aborts): the shim's call to it then needs no landing
/// pad, and the frame it needs is set up on the failure path only, not on the shim's path for
/// successful calls.
#[cold]
#[inline(never)]
extern "C" fn finish_failed_call<T: ComClass, const K: usize>(hr: HRESULT) -> HRESULT {
    error_info::finish_call(hr, &T::IIDS[K], std::any::type_name::<T>());
    hr
}

/// Runs a method that does not return an `HRESULT` (`ULONG AddRef`-style counters, `void`
/// methods): as [`dispatch`], but a null `this`, a call on the wrong thread and a panic give
/// `fallback` (the type's zero), since the method has no error code to report them with.
///
/// # Safety
///
/// As [`dispatch`].
#[inline(always)]
pub unsafe fn dispatch_value<T: ComClass, const K: usize, R>(
    this: *mut c_void,
    method: &'static str,
    fallback: R,
    f: impl FnOnce(&T) -> R,
) -> R {
    if this.is_null() {
        return fallback;
    }
    // SAFETY: per the contract, `this` is slot `K` of a live object that stays alive for the call.
    let object = unsafe { &*Object::<T>::from_slot(this, K).as_ptr() };
    if !object.on_owner_thread() {
        return fallback;
    }
    guard::catch_value(method, || f(&object.value)).unwrap_or(fallback)
}

/// The vtable entry of a method whose signature the bindings cannot express (a placeholder
/// slot): answers `E_NOTIMPL` without touching its arguments. The Windows x64 convention lets
/// the caller pass more arguments than the callee reads.
///
/// # Safety
///
/// None needed: it reads no argument; `unsafe` only because vtable slots are `unsafe fn`s.
pub unsafe extern "system" fn not_implemented(_this: *mut c_void) -> HRESULT {
    crate::hresults::E_NOTIMPL
}

/// An owned reference to a COM object holding a `T`: the Rust side's handle.
///
/// Creating one counts a live object in the module (see [`crate::module`]); dropping the last
/// reference (Rust's or COM's) drops the `T` exactly once.
///
/// ```
/// use mobsync_runtime::{ComObject, ItemEnumerator, SyncItem};
/// use windows_core::Interface;
///
/// let items = ItemEnumerator::new(vec![SyncItem::new(windows_core::GUID::zeroed(), "Inbox")]);
/// let object = ComObject::new(items);
/// let unknown: windows_core::IUnknown = object.to_unknown();
/// assert_eq!(unknown.as_raw(), object.as_raw());
/// ```
pub struct ComObject<T: ComClass> {
    ptr: NonNull<Object<T>>,
    _owns: PhantomData<T>,
}

// SAFETY: the handle only gives `&T`; moving or sharing it across threads moves or shares `&T`
// and the final drop of `T`, which the bounds allow.
unsafe impl<T: ComClass + Send + Sync> Send for ComObject<T> {}
// SAFETY: as above.
unsafe impl<T: ComClass + Send + Sync> Sync for ComObject<T> {}

impl<T: ComClass> ComObject<T> {
    /// Moves `value` into a new COM object with one reference, held by the returned handle.
    pub fn new(value: T) -> Self {
        ComObject {
            ptr: Object::allocate(value),
            _owns: PhantomData,
        }
    }

    /// The value.
    pub fn get(&self) -> &T {
        // SAFETY: the handle's reference keeps the object alive; the value is dropped only at zero.
        unsafe { &(*self.ptr.as_ptr()).value }
    }

    /// The object's identity pointer (its `IUnknown`, slot 0), borrowed: no reference is added.
    pub fn as_raw(&self) -> *mut c_void {
        // SAFETY: the object is alive and slot 0 exists.
        unsafe { Object::slot(self.ptr, 0) }
    }

    /// Gives up the handle's reference as the identity (`IUnknown`) pointer; the caller must
    /// `Release` it.
    pub fn into_raw(self) -> *mut c_void {
        let raw = self.as_raw();
        std::mem::forget(self);
        raw
    }

    /// A counted `IUnknown` for the object.
    pub fn to_unknown(&self) -> IUnknown {
        // SAFETY: the object is alive; `add_ref` gives the new `IUnknown` its own reference and
        // slot 0 starts with a vtable beginning with IUnknown's methods.
        unsafe {
            Object::add_ref(self.ptr);
            IUnknown::from_raw(self.as_raw())
        }
    }

    /// The object's `I` pointer, with its own reference: no `QueryInterface`, since the class
    /// says at compile time where `I` is ([`HasInterface`]).
    pub fn to_interface<I: Interface>(&self) -> I
    where
        T: HasInterface<I>,
    {
        debug_assert!(T::IIDS.get(T::SLOT) == Some(&I::IID));
        // SAFETY: the object is alive; `add_ref` gives the new pointer its own reference, and
        // slot `SLOT` holds a vtable of `I` (the `HasInterface` contract).
        unsafe {
            Object::add_ref(self.ptr);
            I::from_raw(Object::slot(self.ptr, T::SLOT))
        }
    }

    /// Gives up the handle's reference as the object's `I` pointer (see
    /// [`ComObject::to_interface`]): `ComObject::new(value).into_interface()` creates an object
    /// and gets its interface with one reference count and no `QueryInterface`.
    pub fn into_interface<I: Interface>(self) -> I
    where
        T: HasInterface<I>,
    {
        debug_assert!(T::IIDS.get(T::SLOT) == Some(&I::IID));
        // SAFETY: the object is alive and slot `SLOT` holds a vtable of `I`; the handle's
        // reference moves to the returned pointer (the handle is forgotten, not dropped).
        let raw = unsafe { Object::slot(self.ptr, T::SLOT) };
        std::mem::forget(self);
        // SAFETY: as above: an owned pointer to an `I` vtable.
        unsafe { I::from_raw(raw) }
    }

    /// `QueryInterface` for `I`: a counted interface pointer, or `E_NOINTERFACE`.
    pub fn cast<I: Interface>(&self) -> windows_core::Result<I> {
        // SAFETY: the object is alive.
        let raw = unsafe { Object::query(self.ptr, &I::IID) }?;
        // SAFETY: `query` succeeded for `I::IID`, so `raw` is an owned pointer to an `I` vtable.
        Ok(unsafe { I::from_raw(raw) })
    }

    /// `QueryInterface` into a caller's checked out-pointer: stores the interface for `iid` (with
    /// a reference for the caller) and returns `S_OK`, or `E_NOINTERFACE` leaving null behind.
    pub(crate) fn query_into(&self, iid: &GUID, out: OutPtr<'_, *mut c_void>) -> HRESULT {
        // SAFETY: the object is alive.
        match unsafe { Object::query(self.ptr, iid) } {
            Ok(raw) => {
                out.set(raw);
                S_OK
            }
            Err(hr) => hr,
        }
    }

    /// The current reference count (for diagnostics and tests; racy by nature).
    pub fn ref_count(&self) -> u32 {
        // SAFETY: the object is alive.
        unsafe { (*self.ptr.as_ptr()).refs.load(Ordering::Relaxed) }
    }
}

impl<T: ComClass> std::ops::Deref for ComObject<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.get()
    }
}

impl<T: ComClass> Clone for ComObject<T> {
    fn clone(&self) -> Self {
        // SAFETY: the object is alive; the clone owns the new reference.
        unsafe { Object::add_ref(self.ptr) };
        ComObject {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T: ComClass> Drop for ComObject<T> {
    fn drop(&mut self) {
        // SAFETY: the handle owns one reference, given up here.
        unsafe { Object::release(self.ptr) };
    }
}

impl<T: ComClass + std::fmt::Debug> std::fmt::Debug for ComObject<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComObject")
            .field("ptr", &self.as_raw())
            .field("value", self.get())
            .finish()
    }
}
