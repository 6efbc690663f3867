//! Where folder-sync reads from and writes to: the cookie format and its parser.
//!
//! A Sync Manager client passes an opaque byte cookie to `ISyncMgrSynchronize::Initialize`
//! (for example through `ISyncMgrSynchronizeInvoke::UpdateItems`). folder-sync reads it as
//! UTF-8 text of `key=value` pairs separated by `;`:
//!
//! ```text
//! source=/home/me/Documents;dest=/media/backup/Documents
//! ```
//!
//! - Keys are `source` and `dest` (ASCII, case-insensitive); both are required, each at most once.
//! - An optional `pace_ms=N` (0 to 10000) makes the worker wait N milliseconds before each file,
//!   so that progress can be watched in demos; the default is 0.
//! - Whitespace around keys is ignored; values are taken verbatim (paths may contain spaces).
//! - A literal `;` or `\` inside a value is written `\;` or `\\`.
//! - A trailing NUL (C clients often count it) and a trailing `;` are accepted.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Set to `panic` to make `Synchronize` of both classes panic: the proof that a panic in a
/// handler becomes `E_UNEXPECTED`, never crosses the ABI, and reaches the host as one line.
pub const FAULT_ENV: &str = "FOLDER_SYNC_FAULT";

/// The two directories one sync works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderConfig {
    /// The directory whose subfolders are the sync items.
    pub source: PathBuf,
    /// The directory that receives a copy of every selected subfolder.
    pub dest: PathBuf,
    /// A pause before each file (`pace_ms`), for demonstrations.
    pub pace: Duration,
}

/// Why a cookie could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CookieError {
    /// The cookie bytes are not UTF-8.
    NotUtf8,
    /// A `key=value` pair without `=`.
    MissingEquals(String),
    /// A key other than `source` or `dest`.
    UnknownKey(String),
    /// The same key twice.
    DuplicateKey(String),
    /// A required key was not given.
    MissingKey(&'static str),
    /// A key with an empty value.
    EmptyValue(String),
    /// A `\` not followed by `;` or `\`.
    BadEscape,
    /// `pace_ms` is not a whole number from 0 to 10000.
    BadPace(String),
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotUtf8 => write!(f, "cookie is not UTF-8 text"),
            Self::MissingEquals(pair) => write!(f, "cookie entry `{pair}` has no `=`"),
            Self::UnknownKey(key) => write!(
                f,
                "unknown cookie key `{key}` (expected `source` or `dest`)"
            ),
            Self::DuplicateKey(key) => write!(f, "cookie key `{key}` given twice"),
            Self::MissingKey(key) => write!(f, "cookie lacks `{key}=...`"),
            Self::EmptyValue(key) => write!(f, "cookie key `{key}` has an empty value"),
            Self::BadEscape => write!(f, "a `\\` in the cookie must be followed by `;` or `\\`"),
            Self::BadPace(value) => write!(
                f,
                "pace_ms must be a whole number from 0 to 10000, not `{value}`"
            ),
        }
    }
}

impl std::error::Error for CookieError {}

impl FolderConfig {
    /// Parses a cookie in the format described in the module docs.
    pub fn from_cookie(bytes: &[u8]) -> Result<Self, CookieError> {
        let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|_| CookieError::NotUtf8)?;
        let mut source = None;
        let mut dest = None;
        let mut pace = None;
        for pair in split_unescaped(text)? {
            if pair.trim().is_empty() {
                continue;
            }
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| CookieError::MissingEquals(pair.clone()))?;
            let key = key.trim().to_ascii_lowercase();
            if key == "pace_ms" {
                if pace.is_some() {
                    return Err(CookieError::DuplicateKey(key));
                }
                let ms: u64 = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|ms| *ms <= 10_000)
                    .ok_or_else(|| CookieError::BadPace(value.to_string()))?;
                pace = Some(Duration::from_millis(ms));
                continue;
            }
            let slot = match key.as_str() {
                "source" => &mut source,
                "dest" => &mut dest,
                _ => return Err(CookieError::UnknownKey(key)),
            };
            if slot.is_some() {
                return Err(CookieError::DuplicateKey(key));
            }
            if value.is_empty() {
                return Err(CookieError::EmptyValue(key));
            }
            *slot = Some(PathBuf::from(value));
        }
        Ok(Self {
            source: source.ok_or(CookieError::MissingKey("source"))?,
            dest: dest.ok_or(CookieError::MissingKey("dest"))?,
            pace: pace.unwrap_or_default(),
        })
    }

    /// Writes the cookie that [`FolderConfig::from_cookie`] reads back (without a trailing NUL).
    pub fn to_cookie(&self) -> Vec<u8> {
        let mut cookie = format!(
            "source={};dest={}",
            escape(&self.source),
            escape(&self.dest)
        );
        if !self.pace.is_zero() {
            cookie.push_str(&format!(";pace_ms={}", self.pace.as_millis()));
        }
        cookie.into_bytes()
    }
}

fn escape(path: &std::path::Path) -> String {
    path.to_string_lossy()
        .replace('\\', "\\\\")
        .replace(';', "\\;")
}

/// Splits on `;` not preceded by `\`, resolving the two escapes.
fn split_unescaped(text: &str) -> Result<Vec<String>, CookieError> {
    let mut parts = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ (';' | '\\')) => {
                    parts.last_mut().expect("never empty").push(escaped)
                }
                _ => return Err(CookieError::BadEscape),
            },
            ';' => parts.push(String::new()),
            other => parts.last_mut().expect("never empty").push(other),
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_keys_in_any_order_and_case() {
        let cfg = FolderConfig::from_cookie(b" DEST=/b c;source=/a\0").unwrap();
        assert_eq!(cfg.source, PathBuf::from("/a"));
        assert_eq!(cfg.dest, PathBuf::from("/b c"));
    }

    #[test]
    fn round_trips_escapes() {
        let mut cfg = FolderConfig {
            source: PathBuf::from(r"C:\data;old"),
            dest: PathBuf::from("/x;y"),
            pace: Duration::ZERO,
        };
        let cookie = cfg.to_cookie();
        assert_eq!(cookie, br"source=C:\\data\;old;dest=/x\;y".to_vec());
        assert_eq!(FolderConfig::from_cookie(&cookie).unwrap(), cfg);
        cfg.pace = Duration::from_millis(25);
        assert_eq!(FolderConfig::from_cookie(&cfg.to_cookie()).unwrap(), cfg);
    }

    #[test]
    fn rejects_bad_cookies() {
        assert_eq!(
            FolderConfig::from_cookie(&[0xff, 0xfe]),
            Err(CookieError::NotUtf8)
        );
        assert_eq!(
            FolderConfig::from_cookie(b"source=/a"),
            Err(CookieError::MissingKey("dest"))
        );
        assert_eq!(
            FolderConfig::from_cookie(b"dest=/a;"),
            Err(CookieError::MissingKey("source"))
        );
        assert_eq!(
            FolderConfig::from_cookie(b"source=/a;source=/b;dest=/c"),
            Err(CookieError::DuplicateKey("source".into()))
        );
        assert_eq!(
            FolderConfig::from_cookie(b"src=/a"),
            Err(CookieError::UnknownKey("src".into()))
        );
        assert_eq!(
            FolderConfig::from_cookie(b"source"),
            Err(CookieError::MissingEquals("source".into()))
        );
        assert_eq!(
            FolderConfig::from_cookie(b"source=;dest=/b"),
            Err(CookieError::EmptyValue("source".into()))
        );
        assert_eq!(
            FolderConfig::from_cookie(br"source=/a\x;dest=/b"),
            Err(CookieError::BadEscape)
        );
    }
}
