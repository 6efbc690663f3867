//! GUID constants that IDL files state in C: `cpp_quote("DEFINE_GUID(NAME, l, w1, w2, b1, ...,
//! b8);")`, as the SDK's IDL files do for identifiers MIDL has no syntax for
//! (`SYNCMGR_OBJECTID_Icon`). The bindings turn those of the root files into `GUID` constants.

use crate::model::Guid;

/// A C integer literal (decimal, or hexadecimal with `0x`; `u`/`l` suffixes allowed).
fn c_integer(text: &str) -> Option<u64> {
    let text = text
        .trim()
        .trim_end_matches(['u', 'U', 'l', 'L'])
        .replace('_', "\u{0}");
    if text.contains('\u{0}') || text.is_empty() {
        return None;
    }
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// The name and value of a `DEFINE_GUID(...)` line, or `None` when `text` is anything else
/// (a different line, a macro argument, a value out of range).
pub(crate) fn parse(text: &str) -> Option<(String, Guid)> {
    let body = text.trim().strip_prefix("DEFINE_GUID")?.trim_start();
    let body = body.strip_prefix('(')?;
    let (args, rest) = body.split_once(')')?;
    if !matches!(rest.trim(), "" | ";") {
        return None;
    }
    let args: Vec<&str> = args.split(',').map(str::trim).collect();
    let [name, l, w1, w2, bytes @ ..] = args.as_slice() else {
        return None;
    };
    let is_ident = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !is_ident || bytes.len() != 8 {
        return None;
    }
    let mut data4 = [0u8; 8];
    for (slot, b) in data4.iter_mut().zip(bytes) {
        *slot = u8::try_from(c_integer(b)?).ok()?;
    }
    Some((
        (*name).to_string(),
        Guid {
            data1: u32::try_from(c_integer(l)?).ok()?,
            data2: u16::try_from(c_integer(w1)?).ok()?,
            data3: u16::try_from(c_integer(w2)?).ok()?,
            data4,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn define_guid_lines_and_nothing_else() {
        let (name, guid) = parse(
            "DEFINE_GUID(SYNCMGR_OBJECTID_Icon, 0x6dbc85c3, 0x5d07, 0x4c72, 0xa7, 0x77, 0x7f, \
             0xec, 0x78, 0x07, 0x2c, 0x06);",
        )
        .expect("parses");
        assert_eq!(name, "SYNCMGR_OBJECTID_Icon");
        assert_eq!(guid.data1, 0x6dbc85c3);
        assert_eq!(guid.data2, 0x5d07);
        assert_eq!(guid.data3, 0x4c72);
        assert_eq!(guid.data4, [0xa7, 0x77, 0x7f, 0xec, 0x78, 0x07, 0x2c, 0x06]);
        assert!(parse("DEFINE_GUID(X, 1UL, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)").is_some());
        for other in [
            "#include <windows.h>",
            "DEFINE_GUID(X, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)",
            "DEFINE_GUID(X, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 256);",
            "DEFINE_GUID(X, 1, 0x10000, 3, 4, 5, 6, 7, 8, 9, 10, 11);",
            "DEFINE_GUID(X, SOME_MACRO, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);",
            "DEFINE_GUID(1X, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);",
            "DEFINE_GUID(X, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11) extra",
        ] {
            assert!(parse(other).is_none(), "{other}");
        }
    }
}
