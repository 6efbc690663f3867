//! Nothing is loaded from, or read out of, a place another user can write.
//!
//! Before the host loads a handler module or reads a registration store, it checks the file and
//! every directory above it, as ssh and sudo check their files: each must be owned by root or by
//! the user running the host, and none may be group- or world-writable, except a directory with
//! the sticky bit (`/tmp`), where others cannot remove or rename what they do not own. The path
//! checked is the canonical one (symlinks resolved), which is also the path the host then opens.
//! A store that does not exist yet is checked from the nearest directory that does.
//!
//! A refusal is an [`Untrusted`] error naming the path, the cause and the fix; the command line
//! exits with status 3 for it. On Windows, where permissions are ACLs, no check is made.

use std::fmt;
use std::path::{Path, PathBuf};

use windows_core::HRESULT;

/// `TRUST_E_SUBJECT_NOT_TRUSTED`: the HRESULT of a load refused by these checks.
pub const TRUST_E_SUBJECT_NOT_TRUSTED: HRESULT = HRESULT(0x800B_0004_u32 as i32);

/// A file the host refuses to load or read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    /// What was to be loaded or read, e.g. `the handler library /opt/x/libx.so`.
    pub subject: String,
    /// The path at fault: the file, or a directory above it.
    pub path: PathBuf,
    /// Why.
    pub cause: Cause,
}

/// Why a path is not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// Group- or world-writable (a directory without the sticky bit); `mode` is the permission
    /// bits.
    Writable {
        /// `st_mode & 0o7777`.
        mode: u32,
    },
    /// Owned by a user who is neither root nor the one running the host.
    Owner {
        /// The owner.
        uid: u32,
        /// The user running the host (effective ID).
        me: u32,
    },
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        write!(f, "refusing {}: {path} ", self.subject)?;
        match self.cause {
            Cause::Writable { mode } => {
                let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
                    (true, true) => ("group- and world-writable", "go-w"),
                    (true, false) => ("group-writable", "g-w"),
                    _ => ("world-writable", "o-w"),
                };
                write!(
                    f,
                    "is {} (mode {mode:04o}), so another user could replace what is loaded; \
                     fix: chmod {} {path}",
                    who.0, who.1
                )
            }
            Cause::Owner { uid, me } => write!(
                f,
                "is owned by user {uid}, neither root nor you (user {me}), so that user could \
                 replace what is loaded; fix: chown it to root or to yourself, or move the file \
                 to a place you own"
            ),
        }
    }
}

impl std::error::Error for Untrusted {}

/// What the checks conclude for one path, given its metadata: `None` when it is trusted.
/// `is_dir` directories may be world-writable with the sticky bit.
pub fn judge(mode: u32, uid: u32, is_dir: bool, me: u32) -> Option<Cause> {
    const STICKY: u32 = 0o1000;
    if uid != 0 && uid != me {
        return Some(Cause::Owner { uid, me });
    }
    let writable = mode & 0o022 != 0;
    if writable && !(is_dir && mode & STICKY != 0) {
        return Some(Cause::Writable {
            mode: mode & 0o7777,
        });
    }
    None
}

/// Checks `path` and every directory above it (see the module docs). `subject` names what the
/// file is for the message, e.g. `the handler library`.
///
/// Returns the canonical path, which is what the caller must open: a path that does not exist
/// is returned as given, made absolute, after the checks of the directories that exist above it.
pub fn check(path: &Path, subject: &str) -> Result<PathBuf, CheckError> {
    let absolute = std::path::absolute(path).map_err(|e| CheckError::Io(path.to_path_buf(), e))?;
    let (canonical, existing) = match absolute.canonicalize() {
        Ok(canonical) => (canonical.clone(), canonical),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let existing = absolute
                .ancestors()
                .skip(1)
                .find_map(|a| a.canonicalize().ok())
                .ok_or_else(|| CheckError::Io(absolute.clone(), e))?;
            (absolute.clone(), existing)
        }
        Err(e) => return Err(CheckError::Io(absolute, e)),
    };
    check_existing(&existing, &format!("{subject} {}", path.display()))?;
    Ok(canonical)
}

#[cfg(unix)]
fn check_existing(canonical: &Path, subject: &str) -> Result<(), CheckError> {
    use std::os::unix::fs::MetadataExt;
    let me = effective_uid();
    for p in canonical.ancestors() {
        let meta = std::fs::metadata(p).map_err(|e| CheckError::Io(p.to_path_buf(), e))?;
        if let Some(cause) = judge(meta.mode(), meta.uid(), meta.is_dir(), me) {
            return Err(CheckError::Untrusted(Untrusted {
                subject: subject.to_owned(),
                path: p.to_path_buf(),
                cause,
            }));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_existing(_canonical: &Path, _subject: &str) -> Result<(), CheckError> {
    Ok(())
}

/// The effective user ID of the process.
#[cfg(unix)]
fn effective_uid() -> u32 {
    unsafe extern "C" {
        /// POSIX `geteuid`: no arguments, always succeeds (`uid_t` is 32 bits on the Unix
        /// targets Rust supports), so it is declared safe to call.
        safe fn geteuid() -> u32;
    }
    geteuid()
}

/// Checks the registration store's file (see [`check`]); nothing on Windows, whose store is the
/// registry.
pub fn check_store(store: &mobsync_runtime::registry::Store) -> Result<(), CheckError> {
    #[cfg(not(windows))]
    check(store.path(), "the registration store")?;
    #[cfg(windows)]
    let _ = store;
    Ok(())
}

/// A failed check: refused, or the path could not be examined.
#[derive(Debug)]
pub enum CheckError {
    /// Refused.
    Untrusted(Untrusted),
    /// The path (or a directory above it) could not be examined.
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Untrusted(u) => u.fmt(f),
            Self::Io(path, e) => write!(f, "cannot examine {}: {e}", path.display()),
        }
    }
}

impl std::error::Error for CheckError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_judgement_follows_ssh() {
        let me = 1000;
        assert_eq!(judge(0o100755, 0, false, me), None);
        assert_eq!(judge(0o100644, me, false, me), None);
        assert_eq!(judge(0o040755, me, true, me), None);
        assert_eq!(
            judge(0o041777, 0, true, me),
            None,
            "/tmp: sticky, world-writable"
        );
        assert_eq!(
            judge(0o040777, 0, true, me),
            Some(Cause::Writable { mode: 0o777 })
        );
        assert_eq!(
            judge(0o100666, me, false, me),
            Some(Cause::Writable { mode: 0o666 })
        );
        assert_eq!(
            judge(0o101777, me, false, me),
            Some(Cause::Writable { mode: 0o1777 }),
            "the sticky bit protects directories only"
        );
        assert_eq!(
            judge(0o100664, me, false, me),
            Some(Cause::Writable { mode: 0o664 })
        );
        assert_eq!(
            judge(0o100755, 1001, false, me),
            Some(Cause::Owner { uid: 1001, me })
        );
        assert_eq!(
            judge(0o100755, 1001, false, 0),
            Some(Cause::Owner { uid: 1001, me: 0 })
        );
    }

    #[test]
    fn messages_name_the_path_the_cause_and_the_fix() {
        let refusal = |cause| Untrusted {
            subject: "the handler library lib/x.so".into(),
            path: "/srv/lib".into(),
            cause,
        };
        assert_eq!(
            refusal(Cause::Writable { mode: 0o777 }).to_string(),
            "refusing the handler library lib/x.so: /srv/lib is group- and world-writable \
             (mode 0777), so another user could replace what is loaded; fix: chmod go-w /srv/lib"
        );
        assert!(
            refusal(Cause::Writable { mode: 0o757 })
                .to_string()
                .contains("is world-writable (mode 0757)")
        );
        assert!(
            refusal(Cause::Writable { mode: 0o775 })
                .to_string()
                .ends_with("fix: chmod g-w /srv/lib")
        );
        assert!(
            refusal(Cause::Owner { uid: 7, me: 1000 })
                .to_string()
                .contains("/srv/lib is owned by user 7, neither root nor you (user 1000)")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_missing_file_is_checked_from_the_directory_above() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("store").join("registry.json");
        std::fs::create_dir(tmp.path().join("store")).unwrap();
        assert_eq!(check(&file, "the store").unwrap(), file);
        std::fs::set_permissions(
            tmp.path().join("store"),
            std::fs::Permissions::from_mode(0o777),
        )
        .unwrap();
        match check(&file, "the store") {
            Err(CheckError::Untrusted(u)) => {
                assert_eq!(u.path, tmp.path().join("store").canonicalize().unwrap());
                assert_eq!(u.cause, Cause::Writable { mode: 0o777 });
            }
            other => panic!("{other:?}"),
        }
    }
}
