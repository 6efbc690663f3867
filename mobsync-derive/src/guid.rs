//! CLSID text parsing, done at expansion time so a typo is a compile error at the literal.

/// Parses `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX` (hex digits, either case, optionally inside
/// `{}`) into the 128-bit value `GUID::from_u128` takes.
pub fn parse(text: &str) -> Result<u128, String> {
    let inner = match (text.strip_prefix('{'), text.strip_suffix('}')) {
        (Some(_), Some(_)) => &text[1..text.len() - 1],
        (None, None) => text,
        _ => return Err("unbalanced braces".to_owned()),
    };
    let groups: Vec<&str> = inner.split('-').collect();
    let expected = [8, 4, 4, 4, 12];
    if groups.len() != expected.len() {
        return Err(format!(
            "expected 5 groups of hex digits separated by `-` (8-4-4-4-12), found {}",
            groups.len()
        ));
    }
    let mut value: u128 = 0;
    for (index, (group, len)) in groups.iter().zip(expected).enumerate() {
        if group.len() != len {
            return Err(format!(
                "group {} has {} characters, expected {len}",
                index + 1,
                group.len()
            ));
        }
        if let Some(bad) = group.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(format!("`{bad}` is not a hexadecimal digit"));
        }
        for c in group.chars() {
            value = value << 4 | u128::from(c.to_digit(16).expect("checked hex digit"));
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_plain_and_braced() {
        let v = 0x632306B6_690C_48C1_AB87_953A6833A855_u128;
        assert_eq!(parse("632306B6-690C-48C1-AB87-953A6833A855"), Ok(v));
        assert_eq!(parse("{632306b6-690c-48c1-ab87-953a6833a855}"), Ok(v));
    }

    #[test]
    fn rejects_malformed() {
        assert!(parse("632306B6-690C-48C1-AB87").is_err());
        assert!(parse("632306B6-690C-48C1-AB87-953A6833A85").is_err());
        assert!(parse("632306B6-690C-48C1-AB87-953A6833A85G").is_err());
        assert!(parse("{632306B6-690C-48C1-AB87-953A6833A855").is_err());
        assert!(parse("").is_err());
    }
}
