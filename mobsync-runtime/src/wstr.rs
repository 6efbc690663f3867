//! [`WStr`]: a checked, borrowed view of a NUL-terminated UTF-16 string from the caller.

use std::fmt;

/// A borrowed UTF-16 string as passed through an `LPCWSTR`, without its terminating NUL.
///
/// The units are not guaranteed to be valid UTF-16 (Windows strings may hold unpaired
/// surrogates): [`to_string`](WStr::to_string) reports that, [`to_string_lossy`](WStr::to_string_lossy)
/// replaces them.
///
/// ```
/// use mobsync_runtime::WStr;
/// let units: Vec<u16> = "Inbox".encode_utf16().collect();
/// let text = WStr::from_units(&units);
/// assert_eq!(text.to_string_lossy(), "Inbox");
/// assert_eq!(text.len(), 5);
/// ```
#[derive(PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct WStr([u16]);

impl WStr {
    /// A view of `units` (which should not contain the terminator).
    pub fn from_units(units: &[u16]) -> &WStr {
        // SAFETY: `WStr` is a transparent wrapper over `[u16]`.
        unsafe { &*(units as *const [u16] as *const WStr) }
    }

    /// A view of the NUL-terminated string at `ptr`, or `None` when `ptr` is null.
    ///
    /// # Safety
    ///
    /// A non-null `ptr` must point to a readable, NUL-terminated UTF-16 string that stays
    /// unchanged for `'a`.
    pub unsafe fn from_ptr<'a>(ptr: *const u16) -> Option<&'a WStr> {
        if ptr.is_null() {
            return None;
        }
        if !(ptr as usize).is_multiple_of(std::mem::align_of::<u16>()) {
            // A misaligned string cannot be viewed as `&[u16]`; callers never pass one in
            // practice, and refusing is safer than copying into a leaked buffer.
            return None;
        }
        let mut len = 0;
        // SAFETY: the string is readable up to and including its terminator.
        while unsafe { ptr.add(len).read() } != 0 {
            len += 1;
        }
        // SAFETY: `len` units are readable, aligned and unchanged for `'a`.
        Some(WStr::from_units(unsafe {
            std::slice::from_raw_parts(ptr, len)
        }))
    }

    /// The UTF-16 units, without the terminator.
    pub fn as_units(&self) -> &[u16] {
        &self.0
    }

    /// The number of UTF-16 units.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text, or an error if it is not valid UTF-16.
    pub fn to_string(&self) -> Result<String, std::string::FromUtf16Error> {
        String::from_utf16(&self.0)
    }

    /// The text, with invalid UTF-16 replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf16_lossy(&self.0)
    }
}

impl fmt::Debug for WStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string_lossy(), f)
    }
}

impl fmt::Display for WStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in char::decode_utf16(self.0.iter().copied()) {
            fmt::Write::write_char(f, c.unwrap_or(char::REPLACEMENT_CHARACTER))?;
        }
        Ok(())
    }
}

impl PartialEq<str> for WStr {
    fn eq(&self, other: &str) -> bool {
        self.0.iter().copied().eq(other.encode_utf16())
    }
}

impl PartialEq<&str> for WStr {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

/// Copies `text` into `buffer` as UTF-16 with a terminating NUL, truncated to fit without
/// splitting a surrogate pair. Returns the number of units written before the NUL. An empty
/// buffer is left untouched.
pub fn copy_truncated(text: &str, buffer: &mut [u16]) -> usize {
    let Some(capacity) = buffer.len().checked_sub(1) else {
        return 0;
    };
    let mut written = 0;
    for c in text.chars() {
        let mut units = [0u16; 2];
        let encoded = c.encode_utf16(&mut units);
        if written + encoded.len() > capacity {
            break;
        }
        buffer[written..written + encoded.len()].copy_from_slice(encoded);
        written += encoded.len();
    }
    buffer[written..].fill(0);
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_ptr_reads_to_the_terminator() {
        let units: Vec<u16> = "héllo\0junk".encode_utf16().collect();
        // SAFETY: NUL-terminated and alive for the test.
        let s = unsafe { WStr::from_ptr(units.as_ptr()) }.unwrap();
        assert_eq!(s.len(), 5);
        assert_eq!(s.to_string().unwrap(), "héllo");
        assert_eq!(s, "héllo");
        // SAFETY: null is allowed.
        assert!(unsafe { WStr::from_ptr(std::ptr::null()) }.is_none());
    }

    #[test]
    fn invalid_utf16_is_reported_or_replaced() {
        let units = [0x61, 0xD800, 0x62];
        let s = WStr::from_units(&units);
        assert!(s.to_string().is_err());
        assert_eq!(s.to_string_lossy(), "a\u{FFFD}b");
        assert_eq!(format!("{s}"), "a\u{FFFD}b");
    }

    #[test]
    fn truncation_keeps_surrogate_pairs_whole() {
        let mut buf = [0xFFFFu16; 4];
        // "ab" + U+1F600 (two units) needs 4 units + NUL: only "ab" fits with the terminator.
        assert_eq!(copy_truncated("ab\u{1F600}", &mut buf), 2);
        assert_eq!(buf, [0x61, 0x62, 0, 0]);
        let mut buf = [0xFFFFu16; 5];
        assert_eq!(copy_truncated("ab\u{1F600}", &mut buf), 4);
        assert_eq!(&buf[..4], &[0x61, 0x62, 0xD83D, 0xDE00]);
        assert_eq!(buf[4], 0);
        let mut empty: [u16; 0] = [];
        assert_eq!(copy_truncated("x", &mut empty), 0);
        let mut one = [7u16; 1];
        assert_eq!(copy_truncated("x", &mut one), 0);
        assert_eq!(one, [0]);
    }
}
