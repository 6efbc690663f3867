//! `IClassFactory` and creatable classes.
//!
//! `IClassFactory` is declared in our `idl/include/unknwn.idl` but not in `mobsync.idl`, so its
//! binding is written here: the vtable in SDK order and an interface type in the
//! windows-core style. Each class exported by a DLL gets its own factory object from
//! `DllGetClassObject`; the factory creates the class's value with [`Class::create`], refuses
//! aggregation with `CLASS_E_NOAGGREGATION` and counts `LockServer` calls for `DllCanUnloadNow`.

#![allow(non_snake_case)]

use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr;

use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

use crate::abi::{self, OutPtr};
use crate::hresults::{CLASS_E_NOAGGREGATION, E_POINTER};
use crate::module;
use crate::object::{ComClass, ComObject, Implement, VtablePtr, dispatch, unknown_vtable};
use crate::threading::Both;

/// The vtable of `IClassFactory` (SDK order).
#[repr(C)]
#[allow(missing_debug_implementations)]
pub struct IClassFactory_Vtbl {
    /// `QueryInterface`, `AddRef`, `Release`.
    pub base__: IUnknown_Vtbl,
    /// `HRESULT CreateInstance(IUnknown *pUnkOuter, REFIID riid, void **ppvObject)`.
    pub CreateInstance: unsafe extern "system" fn(
        this: *mut c_void,
        pUnkOuter: *mut c_void,
        riid: *const GUID,
        ppvObject: *mut *mut c_void,
    ) -> HRESULT,
    /// `HRESULT LockServer(BOOL fLock)`.
    pub LockServer: unsafe extern "system" fn(this: *mut c_void, fLock: i32) -> HRESULT,
}

/// The `IClassFactory` interface: creates objects of one class.
#[repr(transparent)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IClassFactory(IUnknown);

// SAFETY: a transparent wrapper over an owned interface pointer whose vtable is `IClassFactory_Vtbl`.
unsafe impl Interface for IClassFactory {
    type Vtable = IClassFactory_Vtbl;
    const IID: GUID = GUID::from_u128(0x00000001_0000_0000_c000_000000000046);
}

impl IClassFactory {
    /// Creates an object of the factory's class and returns its interface `I`.
    pub fn create_instance<I: Interface>(&self) -> windows_core::Result<I> {
        let mut out = ptr::null_mut();
        // SAFETY: `self` is a live IClassFactory; the IID and out pointer are valid.
        let hr = unsafe {
            (self.vtable().CreateInstance)(self.as_raw(), ptr::null_mut(), &I::IID, &mut out)
        };
        hr.ok()?;
        if out.is_null() {
            return Err(E_POINTER.into());
        }
        // SAFETY: success for `I::IID` hands us one reference to an `I`.
        Ok(unsafe { I::from_raw(out) })
    }

    /// `LockServer(lock)`.
    pub fn lock_server(&self, lock: bool) -> windows_core::Result<()> {
        // SAFETY: `self` is a live IClassFactory.
        unsafe { (self.vtable().LockServer)(self.as_raw(), i32::from(lock)) }.ok()
    }
}

/// A class that a DLL exports: a [`ComClass`] with a CLSID, a name and a way to create a value.
///
/// Implemented by `#[derive(SyncMgrHandler)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handler class",
    label = "not a `#[derive(SyncMgrHandler)]` type",
    note = "derive it: `#[derive(Default, SyncMgrHandler)] #[sync_mgr(clsid = \"...\", name = \"...\")]`"
)]
pub trait Class: ComClass {
    /// The class identifier.
    const CLSID: GUID;
    /// The class name: `HKCR\CLSID\{clsid}`'s default value and the Sync Manager description.
    const NAME: &'static str;
    /// The `SYNCMGRREGISTERFLAG_*` events the handler registers for with Sync Manager.
    const SYNC_MGR_FLAGS: u32;
    /// Whether `DllRegisterServer` registers the class as a Sync Manager handler too (true for
    /// `#[derive(SyncMgrHandler)]`); a plain COM class (`#[derive(ComObject)]` with a `clsid`)
    /// is registered under `HKCR\CLSID` only.
    const SYNC_MGR_HANDLER: bool = true;
    /// Whether `DllRegisterServer` registers the class as a Sync Center handler (true for
    /// `#[derive(SyncCenterHandler)]`).
    const SYNC_CENTER_HANDLER: bool = false;

    /// Creates the value of a new object (`IClassFactory::CreateInstance`).
    fn create() -> Self;
}

/// The factory object of class `C`.
pub(crate) struct ClassFactory<C>(pub(crate) PhantomData<fn() -> C>);

// SAFETY: one slot, IClassFactory, whose vtable treats `this` as slot 0 of `Object<ClassFactory<C>>`.
unsafe impl<C: Class> ComClass for ClassFactory<C> {
    type Vtables = [VtablePtr; 1];
    const VTABLES: Self::Vtables = [VtablePtr::new(
        &<IClassFactory as Implement<Self, 0>>::VTABLE,
    )];
    const IIDS: &'static [GUID] = &[IClassFactory::IID];
    type Threading = Both;
}

// SAFETY: the shims treat `this` as slot `K` of `Object<ClassFactory<C>>` through `dispatch`.
unsafe impl<C: Class, const K: usize> Implement<ClassFactory<C>, K> for IClassFactory {
    const VTABLE: IClassFactory_Vtbl = IClassFactory_Vtbl {
        base__: unknown_vtable::<ClassFactory<C>, K>(),
        CreateInstance: create_instance::<C, K>,
        LockServer: lock_server::<C, K>,
    };
}

unsafe extern "system" fn create_instance<C: Class, const K: usize>(
    this: *mut c_void,
    outer: *mut c_void,
    riid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    // SAFETY: per the COM contract `ppv` is null or writable for the call; null is a valid
    // `*mut c_void`. Checked (and cleared when valid) before anything else.
    let out = match unsafe { OutPtr::new(ppv) } {
        Ok(out) => out,
        Err(hr) => return hr,
    };
    let create = |_: &ClassFactory<C>| {
        if !outer.is_null() {
            return CLASS_E_NOAGGREGATION;
        }
        // SAFETY: per the COM contract `riid` is null or readable.
        let iid = match unsafe { abi::in_guid(riid) } {
            Ok(iid) => iid,
            Err(hr) => return hr,
        };
        let object = ComObject::new(C::create());
        // The handle's reference is released when `object` goes out of scope; on failure that
        // destroys the new object.
        object.query_into(&iid, out)
    };
    // SAFETY: `this` is null or slot `K` of a live factory object held by the caller.
    unsafe { dispatch::<ClassFactory<C>, K>(this, "IClassFactory::CreateInstance", create) }
}

unsafe extern "system" fn lock_server<C: Class, const K: usize>(
    this: *mut c_void,
    lock: i32,
) -> HRESULT {
    // SAFETY: `this` is null or slot `K` of a live factory object held by the caller.
    unsafe {
        dispatch::<ClassFactory<C>, K>(this, "IClassFactory::LockServer", |_| {
            if lock != 0 {
                module::lock()
            } else {
                module::unlock()
            }
        })
    }
}

/// Creates a handler's value for its class factory (what `#[derive(SyncMgrHandler)]` calls):
/// handlers are created with `Default`.
pub fn handler_is_created_with_default<C: Default>() -> C {
    C::default()
}

/// A new class factory for `C`, as `DllGetClassObject` hands out (one reference).
pub fn class_factory<C: Class>() -> IClassFactory {
    let factory = ComObject::new(ClassFactory::<C>(PhantomData));
    // SAFETY: slot 0 of the factory object is its IClassFactory; `into_raw` transfers the reference.
    unsafe { IClassFactory::from_raw(factory.into_raw()) }
}
