//! Benchmark fixtures for mobsync-rs: the same Sync Manager objects written three ways, so that
//! criterion can measure them side by side in one run.
//!
//! - [`floor`]: hand-written `extern "system"` functions behind `static` vtables, with an atomic
//!   reference count and the argument checks a careful C programmer writes (null pointers), and
//!   nothing else. The fastest a correct COM object can be; the floor of every ratio.
//! - [`wincore`]: the same interfaces declared with windows-core's `#[interface]` and implemented
//!   with its `#[implement]` (raw `unsafe fn`s over pointers, as windows-core users write them).
//! - [`ours`]: `#[derive(SyncMgrHandler)]` and the runtime's [`ItemEnumerator`](mobsync_runtime::ItemEnumerator),
//!   through the shims generated from the IDL (argument checks, panic guard, typed outcomes).
//!
//! [`bulk`] holds the handler and the minimal driver of the host-sync benchmark. Every object is
//! called through its vtable, as a COM client does, with `mobsync_test_support`'s
//! [`ComRef`]: the three implementations lay their vtables out identically (the SDK's slot order),
//! so every benchmark calls all three through the same code and only the object behind the
//! pointer differs.
//!
//! Every object does the same work per call (a relaxed store of the argument), so the
//! measurements compare the call machinery, not the method bodies. The benches are in
//! `benches/benches/`; `cargo xtask bench` runs them and writes the README table.

pub mod bulk;
pub mod floor;
pub mod ours;
pub mod wincore;

use mobsync_runtime::sys::{ISyncMgrEnumItems_Vtbl, SYNCMGRITEM};
use mobsync_test_support::ComRef;
use windows_core::{GUID, HRESULT};

/// The item ID the handlers watch in `SetItemStatus`.
pub const WATCHED_ITEM: GUID = GUID::from_u128(0x5eed_b0b0_0000_4000_8000_0000_0000_0001);

/// An IID no object implements (the `QueryInterface` miss).
pub const UNKNOWN_IID: GUID = GUID::from_u128(0xdead_beef_0000_4000_8000_0000_0000_0002);

/// `count` items named like real folders (`"Folder 00042"`), half of them checked.
pub fn sample_items(count: usize) -> Vec<mobsync_runtime::SyncItem> {
    (0..count)
        .map(|n| {
            mobsync_runtime::SyncItem::new(
                GUID::from_u128(0x5eed_17e0_0000_4000_8000_0000_0000_0000 | n as u128),
                format!("Folder {n:05}"),
            )
            .checked(n % 2 == 0)
        })
        .collect()
}

/// `ISyncMgrEnumItems::Reset`, then `Next(batch)` until it returns `S_FALSE`: the number of items
/// fetched. `buffer` must hold at least `batch` items.
pub fn drain(
    enumerator: &ComRef<ISyncMgrEnumItems_Vtbl>,
    batch: u32,
    buffer: &mut [SYNCMGRITEM],
) -> usize {
    assert!(buffer.len() >= batch as usize);
    let batch = &mut buffer[..batch as usize];
    assert_eq!(enumerator.reset(), HRESULT(0), "Reset failed");
    let mut total = 0usize;
    loop {
        let (hr, fetched) = enumerator.next(batch);
        total += fetched as usize;
        match hr.0 {
            0 => {}
            1 => return total,
            _ => panic!("Next failed: {hr:?}"),
        }
    }
}

/// `ISyncMgrEnumItems::Reset`, then `Next(1)`: the first item (the enumerator must have one).
pub fn first_item(enumerator: &ComRef<ISyncMgrEnumItems_Vtbl>) -> SYNCMGRITEM {
    let mut item = [SYNCMGRITEM::default()];
    assert_eq!(enumerator.reset(), HRESULT(0));
    assert_eq!(enumerator.next(&mut item), (HRESULT(0), 1));
    item[0]
}
