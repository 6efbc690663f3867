//! `com_class!`: the runtime's own COM objects (the ready enumerators and item objects) made COM
//! classes as `#[derive(ComObject)]` makes a user's type. The runtime does not use its derive
//! itself, so a handler's build can compile the runtime beside `syn` and the derive instead of
//! after them (see the `derive` feature).

/// `com_class!(Type => IFoo)` or `com_class!(Type => IFoo, IBar)`: implements
/// [`ComClass`](crate::object::ComClass) with the interfaces in that slot order (free threading:
/// `Type` must be `Send + Sync`, asserted), their bases for `QueryInterface`, and
/// [`HasInterface`](crate::object::HasInterface) for each.
macro_rules! com_class {
    ($ty:ty => $i0:ty) => {
        $crate::com_class::com_class!(@class $ty, 1, [$i0 => 0]);
    };
    ($ty:ty => $i0:ty, $i1:ty) => {
        $crate::com_class::com_class!(@class $ty, 2, [$i0 => 0, $i1 => 1]);
    };
    (@class $ty:ty, $n:literal, [$($iface:ty => $k:literal),+]) => {
        const _: fn() = || {
            fn runtime_objects_are_send_and_sync<T: Send + Sync>() {}
            runtime_objects_are_send_and_sync::<$ty>();
        };
        // SAFETY: slot `k` holds the runtime-built vtable of the `k`-th interface for `Self` in
        // slot `k`, `IIDS` and `BASE_IIDS` list the same interfaces in the same order, and the
        // type is asserted `Send + Sync` above for the free threading policy.
        unsafe impl $crate::object::ComClass for $ty {
            type Vtables = [$crate::object::VtablePtr; $n];
            const VTABLES: Self::Vtables = [$($crate::object::VtablePtr::new(
                &<$iface as $crate::object::Implement<Self, $k>>::VTABLE,
            )),+];
            const IIDS: &'static [windows_core::GUID] =
                &[$(<$iface as windows_core::Interface>::IID),+];
            const BASE_IIDS: &'static [&'static [windows_core::GUID]] =
                &[$(<$iface as $crate::object::Implement<Self, $k>>::BASES),+];
            type Threading = $crate::threading::Both;
        }
        $(
            // SAFETY: slot `k` holds this interface's vtable and `IIDS[k]` its IID (above).
            unsafe impl $crate::object::HasInterface<$iface> for $ty {
                const SLOT: usize = $k;
            }
        )+
    };
}

pub(crate) use com_class;
