//! Stable item IDs: the same subfolder name gives the same GUID on every run and every OS.
//!
//! The ID is an RFC 9562 version-8 (custom) UUID whose 122 free bits are the 128-bit FNV-1a hash
//! of `folder-sync/` followed by the folder name's UTF-8 bytes. No persistent state is needed, and
//! renaming a folder makes it a new item, which is what Sync Manager expects of a name-keyed item.

const FNV128_OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
const FNV128_PRIME: u128 = 0x0000000001000000000000000000013B;

/// The 128-bit ID of the subfolder called `name` (see the module docs), as a `u128` in the
/// big-endian textual order of a GUID (`GUID::from_u128` turns it into the GUID).
pub fn item_id_u128(name: &str) -> u128 {
    let mut hash = FNV128_OFFSET;
    for byte in b"folder-sync/".iter().chain(name.as_bytes()) {
        hash ^= u128::from(*byte);
        hash = hash.wrapping_mul(FNV128_PRIME);
    }
    // Version 8 in bits 48..52 of the textual form, variant 0b10 in bits 64..66.
    let version_mask: u128 = 0xF << 76;
    let variant_mask: u128 = 0b11 << 62;
    (hash & !version_mask & !variant_mask) | (0x8 << 76) | (0b10 << 62)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_distinct_and_well_formed() {
        let a = item_id_u128("Photos");
        assert_eq!(a, item_id_u128("Photos"));
        assert_ne!(a, item_id_u128("photos"));
        assert_ne!(a, item_id_u128("Photos "));
        assert_eq!((a >> 76) & 0xF, 8, "version 8");
        assert_eq!((a >> 62) & 0b11, 0b10, "RFC variant");
        // Pinned so that a change of the scheme (which would orphan users' item settings) is noticed.
        assert_eq!(a, 0x20de5f48_cf50_8686_ab28_5e1888618c71);
    }
}
