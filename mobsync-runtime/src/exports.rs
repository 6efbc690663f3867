//! The four DLL exports of an in-process COM server, and [`export_handlers!`](crate::export_handlers).

use std::ffi::c_void;

use windows_core::{GUID, HRESULT};

use crate::abi::{self, OutPtr};
use crate::factory::{Class, ClassFactory};
use crate::hresults::CLASS_E_CLASSNOTAVAILABLE;
use crate::object::ComObject;
use crate::registry::{self, Registration, SyncMgrRegistration, ThreadingModel};
use crate::threading::ThreadingPolicy;

/// One exported class, as the export functions see it. Built by [`export_handlers!`](crate::export_handlers).
#[derive(Clone, Copy, Debug)]
pub struct ClassEntry {
    /// What `DllRegisterServer` registers for the class.
    pub registration: Registration<'static>,
    /// Creates the class's factory object and queries it into the caller's out-pointer.
    new_factory: fn(&GUID, OutPtr<'_, *mut c_void>) -> HRESULT,
}

impl ClassEntry {
    /// The entry of class `C`.
    pub const fn of<C: Class>() -> Self {
        let threading_model =
            match ThreadingModel::from_name(<C::Threading as ThreadingPolicy<C>>::MODEL) {
                Some(model) => model,
                None => panic!("a threading policy names an unknown ThreadingModel"),
            };
        ClassEntry {
            registration: Registration {
                clsid: C::CLSID,
                name: C::NAME,
                module_path: None,
                threading_model,
                sync_mgr: if C::SYNC_MGR_HANDLER {
                    Some(SyncMgrRegistration {
                        description: C::NAME,
                        flags: C::SYNC_MGR_FLAGS,
                    })
                } else {
                    None
                },
                sync_center: C::SYNC_CENTER_HANDLER,
            },
            new_factory: new_factory::<C>,
        }
    }

    /// The class identifier.
    pub const fn clsid(&self) -> GUID {
        self.registration.clsid
    }
}

fn new_factory<C: Class>(iid: &GUID, out: OutPtr<'_, *mut c_void>) -> HRESULT {
    // The handle's reference is released on return; when the query failed, that destroys the
    // new factory.
    ComObject::new(ClassFactory::<C>(std::marker::PhantomData)).query_into(iid, out)
}

/// Whether two GUIDs are equal, in a `const` context.
pub const fn guid_eq(a: &GUID, b: &GUID) -> bool {
    a.to_u128() == b.to_u128()
}

/// `DllGetClassObject`: a new factory for `*rclsid` queried for `*riid`, or
/// `CLASS_E_CLASSNOTAVAILABLE`.
///
/// # Safety
///
/// Each pointer is null or valid as in the COM contract (`rclsid`, `riid` readable; `ppv` writable).
pub unsafe fn dll_get_class_object(
    classes: &[ClassEntry],
    rclsid: *const GUID,
    riid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    abi::respond(|| {
        // SAFETY: `ppv` is null or writable for the call per the contract; null is a valid
        // `*mut c_void`. Checked (and cleared when valid) before anything else.
        let out = unsafe { OutPtr::new(ppv) }?;
        // SAFETY: null or readable per the contract.
        let clsid = unsafe { abi::in_guid(rclsid) }?;
        // SAFETY: null or readable per the contract.
        let iid = unsafe { abi::in_guid(riid) }?;
        let Some(entry) = classes.iter().find(|c| c.clsid() == clsid) else {
            return Ok(CLASS_E_CLASSNOTAVAILABLE);
        };
        Ok(crate::guard::catch("DllGetClassObject", || {
            (entry.new_factory)(&iid, out)
        }))
    })
}

/// `DllCanUnloadNow`: `S_OK` when no object of this module is alive and no lock is held.
pub fn dll_can_unload_now() -> HRESULT {
    crate::module::can_unload_now()
}

/// `DllRegisterServer`: registers every class (HKCR\CLSID and Sync Manager).
pub fn dll_register_server(classes: &[ClassEntry]) -> HRESULT {
    crate::guard::catch("DllRegisterServer", || {
        let registrations: Vec<_> = classes.iter().map(|c| c.registration).collect();
        registry::dll_register_server(&registrations)
    })
}

/// `DllUnregisterServer`: removes what [`dll_register_server`] added.
pub fn dll_unregister_server(classes: &[ClassEntry]) -> HRESULT {
    crate::guard::catch("DllUnregisterServer", || {
        let registrations: Vec<_> = classes.iter().map(|c| c.registration).collect();
        registry::dll_unregister_server(&registrations)
    })
}

/// Exports `DllGetClassObject`, `DllCanUnloadNow`, `DllRegisterServer` and `DllUnregisterServer`
/// (and the optional `MobsyncSetLogSink` of [`host_log`](crate::host_log)) for the listed classes (types with `#[derive(SyncMgrHandler)]`), from a `cdylib`.
///
/// Call it once per crate, at module level. Two classes with the same CLSID are a compile error.
/// The crate docs have a complete example.
///
/// ```text
/// mobsync_runtime::export_handlers!(FolderSync, MailSync);
/// ```
#[macro_export]
macro_rules! export_handlers {
    ($($class:ty),+ $(,)?) => {
        $crate::__export_handlers_distinct!($($class),+);

        const _: () = {
            const CLASSES: &[$crate::__private::ClassEntry] =
                &[$($crate::__private::ClassEntry::of::<$class>()),+];

            /// COM entry point: the class factory of a class this module exports.
            ///
            /// # Safety
            ///
            /// Called by COM with valid or null pointers.
            #[unsafe(no_mangle)]
            pub unsafe extern "system" fn DllGetClassObject(
                rclsid: *const $crate::__private::GUID,
                riid: *const $crate::__private::GUID,
                ppv: *mut *mut ::core::ffi::c_void,
            ) -> $crate::__private::HRESULT {
                // SAFETY: the pointers come from COM, which passes valid or null pointers.
                unsafe { $crate::__private::dll_get_class_object(CLASSES, rclsid, riid, ppv) }
            }

            /// COM entry point: whether the module may be unloaded.
            #[unsafe(no_mangle)]
            pub extern "system" fn DllCanUnloadNow() -> $crate::__private::HRESULT {
                $crate::__private::dll_can_unload_now()
            }

            /// mobsync-runtime's optional export: where the module's log records and panics go
            /// (see `mobsync_runtime::host_log`).
            #[unsafe(no_mangle)]
            pub extern "system" fn MobsyncSetLogSink(
                sink: ::core::option::Option<$crate::host_log::LogSink>,
                context: *mut ::core::ffi::c_void,
                max_level: u32,
            ) -> $crate::__private::HRESULT {
                $crate::host_log::set_log_sink(sink, context, max_level)
            }

            /// COM entry point: registers the module's classes.
            #[unsafe(no_mangle)]
            pub extern "system" fn DllRegisterServer() -> $crate::__private::HRESULT {
                $crate::__private::dll_register_server(CLASSES)
            }

            /// COM entry point: removes the module's registrations.
            #[unsafe(no_mangle)]
            pub extern "system" fn DllUnregisterServer() -> $crate::__private::HRESULT {
                $crate::__private::dll_unregister_server(CLASSES)
            }
        };
    };
}

/// Exports the COM entry points for the listed creatable classes, exactly as
/// [`export_handlers!`]: for modules whose classes are plain COM classes
/// (`#[derive(ComObject)]` with `clsid` and `name`), which `DllRegisterServer` registers under
/// `HKCR\CLSID` only (not with Sync Manager).
///
/// ```text
/// mobsync_runtime::export_classes!(Calculator);
/// ```
#[macro_export]
macro_rules! export_classes {
    ($($class:ty),+ $(,)?) => {
        $crate::export_handlers!($($class),+);
    };
}

/// Compile-time check that no two exported classes share a CLSID (pairwise, naming the pair).
#[doc(hidden)]
#[macro_export]
macro_rules! __export_handlers_distinct {
    ($first:ty $(, $rest:ty)*) => {
        $(
            const _: () = ::core::assert!(
                !$crate::__private::guid_eq(
                    &<$first as $crate::__private::Class>::CLSID,
                    &<$rest as $crate::__private::Class>::CLSID,
                ),
                ::core::concat!(
                    "export_handlers!: `", ::core::stringify!($first), "` and `",
                    ::core::stringify!($rest),
                    "` have the same CLSID; give each class its own #[sync_mgr(clsid = \"...\")]"
                ),
            );
        )*
        $crate::__export_handlers_distinct!($($rest),*);
    };
    () => {};
}
