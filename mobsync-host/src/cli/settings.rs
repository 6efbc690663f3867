//! Handler settings as `mobsync-host config` stores them: `key=value` pairs separated by `;`,
//! with `\;` and `\\` escaping `;` and `\` inside values — the cookie format folder-sync reads,
//! which the host passes to `Initialize` as is.

/// One setting.
pub type Setting = (String, String);

/// Reads stored settings (leniently: an entry without `=` is a key with an empty value).
pub fn parse(text: &str) -> Vec<Setting> {
    let mut entries = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            // An escape stays for `unescape`; the escaped character never splits.
            '\\' => {
                current.push('\\');
                current.extend(chars.next());
            }
            ';' => entries.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    entries.push(current);
    entries
        .into_iter()
        .filter(|e| !e.trim().is_empty())
        .map(|entry| {
            let (key, value) = entry.split_once('=').unwrap_or((&entry, ""));
            (key.trim().to_owned(), unescape(value))
        })
        .collect()
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next @ (';' | '\\'))) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// Writes settings in the stored (cookie) form.
pub fn format(settings: &[Setting]) -> String {
    settings
        .iter()
        .map(|(key, value)| {
            let value = value.replace('\\', "\\\\").replace(';', "\\;");
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Applies one `key=value` argument: sets the key (replacing it, keys ignoring ASCII case), or
/// removes it when the value is empty.
pub fn apply(settings: &mut Vec<Setting>, argument: &str) -> Result<(), String> {
    let Some((key, value)) = argument.split_once('=') else {
        return Err(format!("`{argument}` is not of the form key=value"));
    };
    let key = key.trim();
    if key.is_empty() || key.contains([';', '\\']) {
        return Err(format!(
            "`{argument}`: a key must be non-empty, without `;` or `\\`"
        ));
    }
    let at = settings
        .iter()
        .position(|(k, _)| k.eq_ignore_ascii_case(key));
    match (at, value.is_empty()) {
        (Some(at), true) => {
            settings.remove(at);
        }
        (Some(at), false) => settings[at] = (key.to_owned(), value.to_owned()),
        (None, true) => {}
        (None, false) => settings.push((key.to_owned(), value.to_owned())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_the_cookie_form() {
        let mut settings = Vec::new();
        apply(&mut settings, "source=/home/me/My Documents").unwrap();
        apply(&mut settings, "dest=/tmp/a;b\\c").unwrap();
        apply(&mut settings, "pace_ms=5").unwrap();
        let text = format(&settings);
        assert_eq!(
            text,
            "source=/home/me/My Documents;dest=/tmp/a\\;b\\\\c;pace_ms=5"
        );
        assert_eq!(parse(&text), settings);
        apply(&mut settings, "PACE_MS=").unwrap();
        apply(&mut settings, "Source=/data").unwrap();
        assert_eq!(format(&settings), "Source=/data;dest=/tmp/a\\;b\\\\c");
        assert!(apply(&mut settings, "novalue").is_err());
        assert!(apply(&mut settings, "=x").is_err());
        assert_eq!(parse(""), Vec::<Setting>::new());
        assert_eq!(
            parse("a=1;;b"),
            vec![("a".into(), "1".into()), ("b".into(), String::new())]
        );
    }
}
