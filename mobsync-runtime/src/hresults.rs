//! The standard COM `HRESULT` codes the runtime returns.
//!
//! The Sync Manager codes (`S_SYNCMGR_*`) come from the IDL and live in [`crate::sys`].

use windows_core::HRESULT;

/// Success.
pub const S_OK: HRESULT = HRESULT(0);
/// Success, with a "no" or "fewer" meaning (enumerators, `Initialize` declining).
pub const S_FALSE: HRESULT = HRESULT(1);
/// Catastrophic failure; returned when a method panicked.
pub const E_UNEXPECTED: HRESULT = HRESULT(0x8000_FFFF_u32 as i32);
/// The method is not implemented.
pub const E_NOTIMPL: HRESULT = HRESULT(0x8000_4001_u32 as i32);
/// The object does not implement the requested interface.
pub const E_NOINTERFACE: HRESULT = HRESULT(0x8000_4002_u32 as i32);
/// A required pointer was null.
pub const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);
/// Unspecified failure.
pub const E_FAIL: HRESULT = HRESULT(0x8000_4005_u32 as i32);
/// Out of memory.
pub const E_OUTOFMEMORY: HRESULT = HRESULT(0x8007_000E_u32 as i32);
/// An argument is invalid (for example a count that does not match its buffer, or a wrong `cbSize`).
pub const E_INVALIDARG: HRESULT = HRESULT(0x8007_0057_u32 as i32);
/// The class factory was asked to aggregate, which these classes do not support.
pub const CLASS_E_NOAGGREGATION: HRESULT = HRESULT(0x8004_0110_u32 as i32);
/// `DllGetClassObject` was asked for a class this module does not export.
pub const CLASS_E_CLASSNOTAVAILABLE: HRESULT = HRESULT(0x8004_0111_u32 as i32);
/// An apartment-threaded object was called from a thread other than the one that created it.
pub const RPC_E_WRONG_THREAD: HRESULT = HRESULT(0x8001_010E_u32 as i32);
