//! What the tests and benchmarks of mobsync-rs share: calling COM objects the way a C client
//! does, through the function pointers of their vtables, and writing COM objects by hand.
//!
//! - [`raw`]: the unsafe building blocks over raw interface pointers (`vtbl`, `add_ref`,
//!   `release`, `query`), for tests that pass null or garbage on purpose, and [`SendPtr`] to move
//!   a raw pointer to another thread.
//! - [`ComRef`]: one counted reference to a COM object, whose type invariant makes reference
//!   counting, `QueryInterface` and the calls with valid arguments safe.
//! - [`handmade`]: a COM object written by hand (a vtable pointer, a reference count, the IID of
//!   its one interface and a value) with its `IUnknown` slots, for fakes and the benchmarks' floor.
//! - IIDs the runtime does not declare, and UTF-16 strings ([`wide`], [`from_wide`]).
//!
//! A dev-dependency of `mobsync-tests`, `mobsync-runtime`'s integration tests and a dependency of
//! `mobsync-benches`; not published.

pub mod handmade;
pub mod raw;

mod com_ref;

pub use com_ref::ComRef;
pub use raw::SendPtr;

use windows_core::GUID;

/// `IID_IUnknown`.
pub const IID_IUNKNOWN: GUID = GUID::from_u128(0x00000000_0000_0000_c000_000000000046);
/// `IID_IClassFactory`.
pub const IID_ICLASSFACTORY: GUID = GUID::from_u128(0x00000001_0000_0000_c000_000000000046);
/// `IID_IMarshal`: no object of the runtime implements it.
pub const IID_IMARSHAL: GUID = GUID::from_u128(0x00000003_0000_0000_c000_000000000046);
/// `IID_IInspectable`: no object of the runtime implements it.
pub const IID_IINSPECTABLE: GUID = GUID::from_u128(0xaf86e2e0_b12d_4c6a_9c5a_d7aa65101e90);
/// `IID_IAgileObject`: no object of the runtime implements it.
pub const IID_IAGILEOBJECT: GUID = GUID::from_u128(0x94ea2b94_e9cc_49e0_c0ff_ee64ca8f5b90);

/// `text` as UTF-16 with a terminating NUL.
pub fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// The text of a NUL-terminated UTF-16 buffer (all of it when there is no NUL).
pub fn from_wide(buffer: &[u16]) -> String {
    let end = buffer.iter().position(|&u| u == 0).unwrap_or(buffer.len());
    String::from_utf16_lossy(&buffer[..end])
}
