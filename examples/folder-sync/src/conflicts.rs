//! Conflicts of the Sync Center class: files changed on both sides since the last sync.
//!
//! Each destination item folder keeps a small state file, [`STATE_FILE`], written atomically
//! (a temporary file, then a rename) after every Sync Center synchronization and resolution. For
//! every file synchronized it records the source's and the destination's length and
//! modification time as they were then (a *stamp*). A file is **in conflict** when, compared
//! with its record, both the source and the destination changed, and they now differ from each
//! other. The conflicts are derived from these files and the trees on disk, so every handler
//! instance (the host creates one per command) sees the same ones.
//!
//! A synchronization holds back a file in conflict (it is not overwritten) and a destination
//! copy the user chose to keep (neither side changed since); everything else is copied as the
//! Sync Manager side copies it. A file without a record (never synchronized by Sync Center) is
//! never in conflict. Like the copier, this compares lengths and modification times only: two
//! edits that leave both sides with the same length and the same time (within the file
//! system's timestamp granularity) look like the same content. Files whose relative path is not UTF-8 or contains a line break are not
//! recorded, so never reported as conflicts.
//!
//! A conflict's versions are 0, the source, and 1, the destination; resolving keeps:
//!
//! | versions kept | `--keep` | what happens |
//! |---|---|---|
//! | 0 | `source` | the source is copied over the destination |
//! | 1 | `destination` | nothing is copied; the destination's copy is recorded as kept |
//! | 0 and 1 | `both` | the destination's copy is renamed to its alternate name (`name (backup).ext`, or `name (backup 2).ext` ... when taken; or the new name the caller gave for version 1), then the source is copied |
//!
//! `RemoveConflicts` (delete without resolving) records the destination's copy as kept, like
//! keeping the destination. Errors name the path that failed.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use mobsync_runtime::syncmgr::{Conflict, ConflictResolver, ConflictVersion, Resolution};
use windows_core::HRESULT;

use crate::config::FolderConfig;
use crate::copier::{CopyError, PARTIAL_INFIX, copy_file};

/// The state file in each destination item folder.
pub const STATE_FILE: &str = ".folder-sync-state";

/// The first line of a state file.
const STATE_HEADER: &str = "folder-sync-state 1";

/// The length and modification time (nanoseconds since 1970) of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// Length in bytes.
    pub len: u64,
    /// Modification time, nanoseconds since 1970-01-01 UTC.
    pub modified_ns: u128,
}

impl Stamp {
    /// The stamp of the file at `path` (`None`: missing, not a file, or no usable time).
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = fs::metadata(path).ok().filter(|m| m.is_file())?;
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Stamp {
            len: meta.len(),
            modified_ns: modified.as_nanos(),
        })
    }
}

/// What was recorded for one file at its last synchronization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// The source's stamp.
    pub source: Stamp,
    /// The destination's stamp.
    pub dest: Stamp,
}

/// The records of one item folder, by path relative to it (`/`-separated).
pub type State = BTreeMap<String, Record>;

/// Reads the state file of the destination item folder `dest` (empty when there is none;
/// malformed lines are skipped).
pub fn load_state(dest: &Path) -> Result<State, CopyError> {
    let path = dest.join(STATE_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::new()),
        Err(source) => {
            return Err(CopyError {
                action: "read the state file",
                path,
                source,
            });
        }
    };
    let mut lines = text.lines();
    if lines.next() != Some(STATE_HEADER) {
        return Ok(State::new());
    }
    let mut state = State::new();
    for line in lines {
        let mut fields = line.splitn(5, ' ');
        let mut number = || fields.next().and_then(|f| f.parse::<u128>().ok());
        let (Some(sl), Some(sm), Some(dl), Some(dm)) = (number(), number(), number(), number())
        else {
            continue;
        };
        let (Ok(sl), Ok(dl)) = (u64::try_from(sl), u64::try_from(dl)) else {
            continue;
        };
        let Some(rel) = fields.next() else { continue };
        state.insert(
            rel.to_string(),
            Record {
                source: Stamp {
                    len: sl,
                    modified_ns: sm,
                },
                dest: Stamp {
                    len: dl,
                    modified_ns: dm,
                },
            },
        );
    }
    Ok(state)
}

/// Writes the state file of `dest` atomically.
pub fn save_state(dest: &Path, state: &State) -> Result<(), CopyError> {
    let path = dest.join(STATE_FILE);
    let temp = dest.join(format!(
        ".{STATE_FILE}{PARTIAL_INFIX}{}",
        std::process::id()
    ));
    let write = |source| CopyError {
        action: "write the state file",
        path: path.clone(),
        source,
    };
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        let mut text = format!("{STATE_HEADER}\n");
        for (rel, r) in state {
            text.push_str(&format!(
                "{} {} {} {} {rel}\n",
                r.source.len, r.source.modified_ns, r.dest.len, r.dest.modified_ns
            ));
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temp, &path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(write)
}

/// The `/`-separated form of a relative path, if it can be recorded.
fn rel_key(rel: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    let key = parts?.join("/");
    (!key.contains(['\n', '\r'])).then_some(key)
}

/// Every file below `root`, relative to it (folders recursed, links to folders not followed,
/// our temporary files and the state file left out), sorted.
fn files(root: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(root.join(rel)) else {
            return;
        };
        let mut names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            let text = name.to_string_lossy();
            if text.contains(PARTIAL_INFIX) || (rel.as_os_str().is_empty() && text == STATE_FILE) {
                continue;
            }
            let child = rel.join(&name);
            match fs::symlink_metadata(root.join(&child)) {
                Ok(meta) if meta.is_dir() => walk(root, &child, out),
                Ok(_) => out.push(child),
                Err(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(root, Path::new(""), &mut out);
    out
}

/// How a file with a record stands now.
#[derive(Debug, PartialEq, Eq)]
enum Standing {
    /// Changed on both sides, differently.
    Conflict,
    /// Neither side changed since the record, which keeps the destination's copy: hold it back.
    Kept,
    /// Anything else: the ordinary copy rules apply.
    Ordinary,
}

fn standing(record: Option<&Record>, source: Option<Stamp>, dest: Option<Stamp>) -> Standing {
    let (Some(record), Some(source), Some(dest)) = (record, source, dest) else {
        return Standing::Ordinary;
    };
    if source == record.source && dest == record.dest {
        return if source == dest {
            Standing::Ordinary
        } else {
            Standing::Kept
        };
    }
    if source != record.source && dest != record.dest && source != dest {
        Standing::Conflict
    } else {
        Standing::Ordinary
    }
}

/// One item folder's side of a synchronization: what to hold back, and the state to write
/// afterwards.
#[derive(Debug)]
pub struct FolderPlan {
    source: PathBuf,
    dest: PathBuf,
    state: State,
    /// Files in conflict (relative paths), sorted.
    pub conflicts: Vec<PathBuf>,
    kept: Vec<PathBuf>,
}

impl FolderPlan {
    /// Reads the state of the item folder pair and finds its conflicts.
    pub fn new(source: &Path, dest: &Path) -> Result<FolderPlan, CopyError> {
        let state = load_state(dest)?;
        let mut conflicts = Vec::new();
        let mut kept = Vec::new();
        for rel in files(source) {
            let Some(key) = rel_key(&rel) else { continue };
            match standing(
                state.get(&key),
                Stamp::of(&source.join(&rel)),
                Stamp::of(&dest.join(&rel)),
            ) {
                Standing::Conflict => conflicts.push(rel),
                Standing::Kept => kept.push(rel),
                Standing::Ordinary => {}
            }
        }
        Ok(FolderPlan {
            source: source.to_path_buf(),
            dest: dest.to_path_buf(),
            state,
            conflicts,
            kept,
        })
    }

    /// Whether the copier must leave `rel` alone.
    pub fn holds_back(&self, rel: &Path) -> bool {
        self.conflicts.iter().any(|c| c == rel) || self.kept.iter().any(|k| k == rel)
    }

    /// After the copy: records every file now the same on both sides (and keeps the records of
    /// those held back), then writes the state file.
    pub fn finish(mut self) -> Result<(), CopyError> {
        for rel in files(&self.source) {
            let Some(key) = rel_key(&rel) else { continue };
            if self.holds_back(&rel) {
                continue;
            }
            let source = Stamp::of(&self.source.join(&rel));
            let dest = Stamp::of(&self.dest.join(&rel));
            if let (Some(source), Some(dest)) = (source, dest)
                && source == dest
            {
                self.state.insert(key, Record { source, dest });
            }
        }
        fs::create_dir_all(&self.dest).map_err(|source| CopyError {
            action: "create the folder",
            path: self.dest.clone(),
            source,
        })?;
        save_state(&self.dest, &self.state)
    }
}

/// The conflict ID of file `rel` of item folder `folder`: `folder/rel`.
pub fn conflict_id(folder: &str, rel: &str) -> String {
    format!("{folder}/{rel}")
}

/// The alternate name of the destination's copy: `stem (backup).ext`, numbered when taken.
pub fn alternate_name(dest_file: &Path) -> String {
    let stem = dest_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = dest_file
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem} (backup){ext}")
        } else {
            format!("{stem} (backup {n}){ext}")
        };
        if !dest_file.with_file_name(&name).exists() {
            return name;
        }
        n += 1;
    }
}

/// Every conflict of every item folder of `config`, for the conflict store. `item_id` maps a
/// folder name to its Sync Center item ID.
pub fn list_conflicts(
    config: &FolderConfig,
    folders: &[String],
    item_id: impl Fn(&str) -> String,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    for folder in folders {
        let (source, dest) = (config.source.join(folder), config.dest.join(folder));
        let plan = match FolderPlan::new(&source, &dest) {
            Ok(plan) => plan,
            Err(e) => {
                log::warn!("folder-sync: {e}");
                continue;
            }
        };
        for rel in plan.conflicts {
            let Some(key) = rel_key(&rel) else { continue };
            let (from, to) = (source.join(&rel), dest.join(&rel));
            let name = rel
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| key.clone());
            out.push(Conflict {
                id: conflict_id(folder, &key),
                item_id: item_id(folder),
                name: name.clone(),
                description: format!(
                    "{key} in {folder} changed in the source and in the backup since the last sync"
                ),
                versions: vec![
                    ConflictVersion::updated(&name, "Source", from.display().to_string()),
                    ConflictVersion::updated(&name, "Backup", to.display().to_string())
                        .alternate_name(alternate_name(&to)),
                ],
            });
        }
    }
    out
}

/// The resolver of folder-sync's conflict store (see the module documentation).
#[derive(Clone, Debug)]
pub struct FolderResolver {
    config: FolderConfig,
}

impl FolderResolver {
    /// The resolver over this configuration.
    pub fn new(config: FolderConfig) -> Self {
        FolderResolver { config }
    }

    /// The folder and relative path of a conflict ID.
    fn split<'a>(&self, id: &'a str) -> Result<(&'a str, &'a str), ResolveError> {
        id.split_once('/')
            .filter(|(f, r)| !f.is_empty() && !r.is_empty())
            .ok_or_else(|| {
                error(
                    mobsync_runtime::hresults::E_INVALIDARG,
                    format!("bad conflict ID {id}"),
                )
            })
    }

    /// Records the current stamps of `rel` in its folder's state.
    fn record(&self, folder: &str, rel: &str) -> Result<(), ResolveError> {
        let (source, dest) = (
            self.config.source.join(folder),
            self.config.dest.join(folder),
        );
        let mut state = load_state(&dest).map_err(copy_error)?;
        let (Some(s), Some(d)) = (Stamp::of(&source.join(rel)), Stamp::of(&dest.join(rel))) else {
            return Err(error(
                E_FILE_NOT_FOUND,
                format!(
                    "{} or {} is gone",
                    source.join(rel).display(),
                    dest.join(rel).display()
                ),
            ));
        };
        state.insert(rel.to_string(), Record { source: s, dest: d });
        save_state(&dest, &state).map_err(copy_error)
    }

    /// Resolves the conflict `id` keeping `source`, the destination, or both (the destination's
    /// copy under `dest_name` when given).
    pub fn keep(
        &self,
        id: &str,
        keep_source: bool,
        keep_dest: bool,
        dest_name: Option<&str>,
    ) -> Result<(), ResolveError> {
        let (folder, rel) = self.split(id)?;
        let from = self.config.source.join(folder).join(rel);
        let to = self.config.dest.join(folder).join(rel);
        if keep_dest && keep_source {
            let name = match dest_name {
                Some(name) if !name.is_empty() && !name.contains(['/', '\\']) && name != ".." => {
                    name.to_string()
                }
                Some(name) => {
                    return Err(error(
                        mobsync_runtime::hresults::E_INVALIDARG,
                        format!("{name:?} is not a file name"),
                    ));
                }
                None => alternate_name(&to),
            };
            let renamed = to.with_file_name(&name);
            if renamed.exists() {
                return Err(error(
                    E_FILE_EXISTS,
                    format!("cannot keep the backup as {}: it exists", renamed.display()),
                ));
            }
            fs::rename(&to, &renamed).map_err(|source| {
                copy_error(CopyError {
                    action: "rename",
                    path: to.clone(),
                    source,
                })
            })?;
        }
        if keep_source {
            copy_file(&from, &to).map_err(copy_error)?;
        }
        self.record(folder, rel)
    }
}

impl ConflictResolver for FolderResolver {
    fn resolve(&self, conflict: &Conflict, resolution: &Resolution) -> windows_core::Result<()> {
        let Resolution::Keep(kept) = resolution else {
            return Err(mobsync_runtime::hresults::E_NOTIMPL.into());
        };
        let source = kept.iter().any(|k| k.index == 0);
        let dest = kept.iter().find(|k| k.index == 1);
        self.keep(
            &conflict.id,
            source,
            dest.is_some(),
            dest.and_then(|k| k.new_name.as_deref()),
        )
        .map_err(Into::into)
    }

    fn remove(&self, conflict: &Conflict) -> windows_core::Result<()> {
        let (folder, rel) = self.split(&conflict.id)?;
        Ok(self.record(folder, rel)?)
    }
}

/// `HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)`.
const E_FILE_NOT_FOUND: HRESULT = HRESULT(0x8007_0002_u32 as i32);
/// `HRESULT_FROM_WIN32(ERROR_FILE_EXISTS)`.
const E_FILE_EXISTS: HRESULT = HRESULT(0x8007_0050_u32 as i32);
/// `E_ACCESSDENIED`.
const E_ACCESSDENIED: HRESULT = HRESULT(0x8007_0005_u32 as i32);

/// Why a resolution failed: the code the COM caller gets, and a message naming the path (the
/// caller's error text, through `IErrorInfo`; the handler logs it too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// The HRESULT returned through `ISyncMgrConflict::Resolve` or `KeepItems`.
    pub code: HRESULT,
    /// What failed, naming the path.
    pub message: String,
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ResolveError {}

impl From<ResolveError> for windows_core::Error {
    /// The code, with the message as the caller's error text (`IErrorInfo`).
    fn from(e: ResolveError) -> Self {
        log::warn!("folder-sync: {}", e.message);
        mobsync_runtime::error(e.code, e.message)
    }
}

fn error(code: HRESULT, message: String) -> ResolveError {
    ResolveError { code, message }
}

/// A copy error as a resolution error whose message names the path.
fn copy_error(e: CopyError) -> ResolveError {
    let code = match e.kind() {
        io::ErrorKind::NotFound => E_FILE_NOT_FOUND,
        io::ErrorKind::PermissionDenied => E_ACCESSDENIED,
        _ => mobsync_runtime::hresults::E_FAIL,
    };
    error(code, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn write(path: &Path, text: &str, seconds: u64) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(UNIX_EPOCH + Duration::from_secs(1_700_000_000 + seconds))
            .unwrap();
    }

    /// A synchronized pair with one file, `a.txt`, recorded.
    fn synced() -> (tempfile::TempDir, FolderConfig) {
        let dir = tempfile::tempdir().unwrap();
        let config = FolderConfig {
            source: dir.path().join("src"),
            dest: dir.path().join("dst"),
            pace: Duration::ZERO,
        };
        write(&config.source.join("N/a.txt"), "one", 1);
        copy_file(&config.source.join("N/a.txt"), &config.dest.join("N/a.txt")).unwrap();
        let plan = FolderPlan::new(&config.source.join("N"), &config.dest.join("N")).unwrap();
        assert!(plan.conflicts.is_empty());
        plan.finish().unwrap();
        (dir, config)
    }

    fn conflicts(config: &FolderConfig) -> Vec<String> {
        list_conflicts(config, &["N".into()], |f| format!("item-{f}"))
            .into_iter()
            .map(|c| c.id)
            .collect()
    }

    #[test]
    fn a_change_on_both_sides_is_a_conflict_and_one_side_is_not() {
        let (_dir, config) = synced();
        assert!(conflicts(&config).is_empty());
        write(&config.source.join("N/a.txt"), "source edit", 2);
        assert!(conflicts(&config).is_empty(), "only the source changed");
        write(&config.dest.join("N/a.txt"), "backup edit", 3);
        assert_eq!(conflicts(&config), ["N/a.txt"]);
        let all = list_conflicts(&config, &["N".into()], |f| format!("item-{f}"));
        assert_eq!(all[0].item_id, "item-N");
        assert_eq!(
            all[0].versions[1].alternate_name.as_deref(),
            Some("a (backup).txt")
        );
        // The same content on both sides is no conflict.
        write(&config.dest.join("N/a.txt"), "source edit", 2);
        assert!(conflicts(&config).is_empty());
    }

    #[test]
    fn the_state_survives_a_round_trip_and_names_its_path_on_error() {
        let (_dir, config) = synced();
        let state = load_state(&config.dest.join("N")).unwrap();
        assert_eq!(state.len(), 1);
        save_state(&config.dest.join("N"), &state).unwrap();
        assert_eq!(load_state(&config.dest.join("N")).unwrap(), state);
        let err = save_state(&config.dest.join("missing/deeper"), &state).unwrap_err();
        assert!(err.to_string().contains("missing/deeper"), "{err}");
    }

    fn conflicted() -> (tempfile::TempDir, FolderConfig, FolderResolver) {
        let (dir, config) = synced();
        write(&config.source.join("N/a.txt"), "source edit", 2);
        write(&config.dest.join("N/a.txt"), "backup edit", 3);
        let resolver = FolderResolver::new(config.clone());
        (dir, config, resolver)
    }

    #[test]
    fn keep_source_copies_over() {
        let (_dir, config, resolver) = conflicted();
        resolver.keep("N/a.txt", true, false, None).unwrap();
        assert_eq!(
            fs::read_to_string(config.dest.join("N/a.txt")).unwrap(),
            "source edit"
        );
        assert!(conflicts(&config).is_empty());
    }

    #[test]
    fn keep_destination_is_held_back_until_a_side_changes() {
        let (_dir, config, resolver) = conflicted();
        resolver.keep("N/a.txt", false, true, None).unwrap();
        assert!(conflicts(&config).is_empty());
        let plan = FolderPlan::new(&config.source.join("N"), &config.dest.join("N")).unwrap();
        assert!(plan.holds_back(Path::new("a.txt")));
        assert_eq!(
            fs::read_to_string(config.dest.join("N/a.txt")).unwrap(),
            "backup edit"
        );
    }

    #[test]
    fn keep_both_renames_the_backup_then_copies() {
        let (_dir, config, resolver) = conflicted();
        resolver.keep("N/a.txt", true, true, None).unwrap();
        assert_eq!(
            fs::read_to_string(config.dest.join("N/a.txt")).unwrap(),
            "source edit"
        );
        assert_eq!(
            fs::read_to_string(config.dest.join("N/a (backup).txt")).unwrap(),
            "backup edit"
        );
        assert!(conflicts(&config).is_empty());
        // An unknown file names its path.
        let err = resolver.keep("N/gone.txt", true, false, None).unwrap_err();
        assert!(err.message.contains("gone.txt"), "{err}");
        assert_eq!(err.code, E_FILE_NOT_FOUND);
        assert!(resolver.keep("nonsense", true, false, None).is_err());
    }
}
