//! The file logic of one item: bring a destination folder up to date with a source folder.
//!
//! - New files (missing at the destination) and changed files (different length or modification
//!   time) are copied; the copy gets the source's modification time, so an unchanged file is not
//!   copied again next time. Nothing is ever deleted at the destination.
//! - Every copy is atomic: the bytes go to a temporary file beside the target, which is flushed and
//!   then renamed over the target. A cancel or an error removes the temporary file, so the target
//!   is always either the old version or the complete new one.
//! - A file or folder that cannot be read or written is reported to the observer and skipped;
//!   the others go on. Every error names the path that failed and what was being done to it
//!   ([`CopyError`]): a destination that cannot be written is never reported under the source.
//! - Cancellation is polled before each file and between chunks of a file.
//! - Symbolic links to files are followed; links to folders are not (no cycles).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// Size of one copy chunk; cancellation is checked between chunks.
pub const CHUNK: usize = 64 * 1024;

/// The infix of temporary file names (`.<name>.folder-sync-partial-<pid>-<n>`).
pub const PARTIAL_INFIX: &str = ".folder-sync-partial-";

/// A failure, with the path it concerns and what was being done to it.
#[derive(Debug)]
pub struct CopyError {
    /// What was being done: "read", "list the folder", "create the folder", "write", ...
    pub action: &'static str,
    /// The path that failed: a source path for reads, a destination path for writes.
    pub path: PathBuf,
    /// The error.
    pub source: io::Error,
}

impl CopyError {
    fn new(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| Self {
            action,
            path,
            source,
        }
    }

    /// The kind of the underlying error.
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

impl std::fmt::Display for CopyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {} {}: {}",
            self.action,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for CopyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// What the copier reports while it works, and how it learns about a cancel.
pub trait CopyObserver {
    /// About to copy file number `index` (0-based) of `total`; `rel` is relative to the item folder.
    fn file_started(&mut self, index: usize, total: usize, rel: &Path);
    /// File number `index` of `total` is done (copied, or failed and reported).
    fn file_finished(&mut self, index: usize, total: usize, rel: &Path);
    /// `rel` could not be read or written (`error` names the path that failed); the copier
    /// skips it and goes on.
    fn file_failed(&mut self, rel: &Path, error: &CopyError);
    /// Whether the item was cancelled; polled before each file and between chunks.
    fn cancelled(&mut self) -> bool;
}

/// What happened to one folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderReport {
    /// Files copied (new or changed).
    pub copied: usize,
    /// Files already up to date.
    pub up_to_date: usize,
    /// Bytes written by completed copies.
    pub bytes: u64,
    /// Paths (relative to the item folder) that failed, with the error text (which names the
    /// full path that failed).
    pub failed: Vec<(PathBuf, String)>,
    /// Whether the copy stopped early because of a cancel.
    pub cancelled: bool,
    /// Files the caller held back ([`sync_folder_holding_back`]): neither copied nor counted
    /// as up to date.
    pub held_back: usize,
}

/// One file that needs copying.
#[derive(Debug, Clone)]
struct PlannedCopy {
    rel: PathBuf,
    modified: Option<SystemTime>,
}

/// Brings `dest` up to date with `source` (recursively), reporting to `observer`.
///
/// Returns `Err` only when `source` itself cannot be listed or `dest` cannot be created; problems
/// with single files or subfolders land in [`FolderReport::failed`].
pub fn sync_folder(
    source: &Path,
    dest: &Path,
    observer: &mut dyn CopyObserver,
) -> Result<FolderReport, CopyError> {
    sync_folder_holding_back(source, dest, observer, &|_| false)
}

/// [`sync_folder`], except that a file for which `hold_back(rel)` is true (`rel` relative to
/// the item folder) is left alone and counted in [`FolderReport::held_back`]: Sync Center's
/// side holds back files in conflict and destination copies the user chose to keep.
pub fn sync_folder_holding_back(
    source: &Path,
    dest: &Path,
    observer: &mut dyn CopyObserver,
    hold_back: &dyn Fn(&Path) -> bool,
) -> Result<FolderReport, CopyError> {
    let mut report = FolderReport::default();
    let mut plan = Vec::new();
    // The item folder itself must be readable.
    fs::read_dir(source).map_err(CopyError::new("read the folder", source))?;
    walk(
        source,
        dest,
        Path::new(""),
        &mut plan,
        &mut report,
        observer,
    );
    let planned = plan.len();
    plan.retain(|file| !hold_back(&file.rel));
    report.held_back = planned - plan.len();
    fs::create_dir_all(dest).map_err(CopyError::new("create the folder", dest))?;
    let total = plan.len();
    for (index, file) in plan.iter().enumerate() {
        if observer.cancelled() {
            report.cancelled = true;
            return Ok(report);
        }
        observer.file_started(index, total, &file.rel);
        match copy_atomically(
            &source.join(&file.rel),
            &dest.join(&file.rel),
            file,
            observer,
        ) {
            Ok(Some(bytes)) => {
                report.copied += 1;
                report.bytes += bytes;
            }
            Ok(None) => {
                report.cancelled = true;
                return Ok(report);
            }
            Err(error) => {
                observer.file_failed(&file.rel, &error);
                report.failed.push((file.rel.clone(), error.to_string()));
            }
        }
        observer.file_finished(index, total, &file.rel);
    }
    Ok(report)
}

/// Lists what needs copying below `source/rel`, in a stable (sorted) order.
fn walk(
    source_root: &Path,
    dest_root: &Path,
    rel: &Path,
    plan: &mut Vec<PlannedCopy>,
    report: &mut FolderReport,
    observer: &mut dyn CopyObserver,
) {
    let mut fail =
        |path: PathBuf, action: &'static str, error: io::Error, report: &mut FolderReport| {
            let error = CopyError::new(action, &source_root.join(&path))(error);
            observer.file_failed(&path, &error);
            report.failed.push((path, error.to_string()));
        };
    let entries = match fs::read_dir(source_root.join(rel)) {
        Ok(entries) => entries,
        Err(error) => return fail(rel.to_path_buf(), "read the folder", error, report),
    };
    let mut names = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => names.push(entry.file_name()),
            Err(error) => fail(rel.to_path_buf(), "read the folder", error, report),
        }
    }
    names.sort();
    let mut subdirs = Vec::new();
    for name in names {
        let child = rel.join(&name);
        if name.to_string_lossy().contains(PARTIAL_INFIX) {
            continue; // our own leftovers, never content
        }
        let link = match fs::symlink_metadata(source_root.join(&child)) {
            Ok(meta) => meta,
            Err(error) => {
                fail(child, "read", error, report);
                continue;
            }
        };
        if link.is_dir() {
            subdirs.push(child);
            continue;
        }
        // Follows a link to a file; a dangling link is an unreadable file.
        let meta = match fs::metadata(source_root.join(&child)) {
            Ok(meta) if meta.is_dir() => continue, // a link to a folder: not followed
            Ok(meta) => meta,
            Err(error) => {
                fail(child, "read", error, report);
                continue;
            }
        };
        let modified = meta.modified().ok();
        if is_up_to_date(&dest_root.join(&child), meta.len(), modified) {
            report.up_to_date += 1;
        } else {
            plan.push(PlannedCopy {
                rel: child,
                modified,
            });
        }
    }
    for dir in subdirs {
        walk(source_root, dest_root, &dir, plan, report, observer);
    }
}

/// Copies one file atomically (as [`sync_folder`] does, keeping the modification time),
/// returning the bytes written; the error names the path that failed.
pub fn copy_file(from: &Path, to: &Path) -> Result<u64, CopyError> {
    struct Never;
    impl CopyObserver for Never {
        fn file_started(&mut self, _: usize, _: usize, _: &Path) {}
        fn file_finished(&mut self, _: usize, _: usize, _: &Path) {}
        fn file_failed(&mut self, _: &Path, _: &CopyError) {}
        fn cancelled(&mut self) -> bool {
            false
        }
    }
    let modified = fs::metadata(from)
        .map_err(CopyError::new("read", from))?
        .modified()
        .ok();
    let planned = PlannedCopy {
        rel: PathBuf::new(),
        modified,
    };
    copy_atomically(from, to, &planned, &mut Never).map(|bytes| bytes.unwrap_or(0))
}

fn is_up_to_date(dest: &Path, len: u64, modified: Option<SystemTime>) -> bool {
    match (fs::metadata(dest), modified) {
        (Ok(meta), Some(modified)) => {
            meta.is_file() && meta.len() == len && meta.modified().ok() == Some(modified)
        }
        _ => false,
    }
}

/// Copies one file through a temporary file; `Ok(None)` means cancelled (nothing left behind).
/// An error names the source for reads and the destination for writes.
fn copy_atomically(
    from: &Path,
    to: &Path,
    planned: &PlannedCopy,
    observer: &mut dyn CopyObserver,
) -> Result<Option<u64>, CopyError> {
    let mut input = File::open(from).map_err(CopyError::new("read", from))?;
    let parent = to
        .parent()
        .expect("a file below the item folder has a parent");
    fs::create_dir_all(parent).map_err(CopyError::new("create the folder", parent))?;
    let temp = temp_path(to);
    let result = (|| {
        let write = |e| CopyError::new("write", to)(e);
        let mut output = File::create(&temp).map_err(write)?;
        let mut buffer = vec![0u8; CHUNK];
        let mut written = 0u64;
        loop {
            if observer.cancelled() {
                return Ok(None);
            }
            let n = match input.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(CopyError::new("read", from)(error)),
            };
            output.write_all(&buffer[..n]).map_err(write)?;
            written += n as u64;
        }
        if let Some(modified) = planned.modified {
            output.set_modified(modified).map_err(write)?;
        }
        output.sync_all().map_err(write)?;
        drop(output);
        fs::rename(&temp, to).map_err(CopyError::new("replace", to))?;
        Ok(Some(written))
    })();
    if !matches!(result, Ok(Some(_))) {
        // Best effort: the temporary file may not exist if creating it failed.
        let _ = fs::remove_file(&temp);
    }
    result
}

fn temp_path(target: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = target
        .file_name()
        .expect("a file path has a name")
        .to_string_lossy();
    target.with_file_name(format!(".{name}{PARTIAL_INFIX}{}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records everything and cancels after a given number of `cancelled()` polls.
    #[derive(Default)]
    struct Recorder {
        started: Vec<(usize, usize, PathBuf)>,
        finished: usize,
        failed: Vec<PathBuf>,
        polls: usize,
        cancel_after_polls: Option<usize>,
    }

    impl CopyObserver for Recorder {
        fn file_started(&mut self, index: usize, total: usize, rel: &Path) {
            self.started.push((index, total, rel.to_path_buf()));
        }
        fn file_finished(&mut self, _index: usize, _total: usize, _rel: &Path) {
            self.finished += 1;
        }
        fn file_failed(&mut self, rel: &Path, _error: &CopyError) {
            self.failed.push(rel.to_path_buf());
        }
        fn cancelled(&mut self) -> bool {
            self.polls += 1;
            self.cancel_after_polls.is_some_and(|n| self.polls > n)
        }
    }

    fn write(path: &Path, bytes: &[u8]) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn leftovers(dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    found.extend(leftovers(&path));
                } else if path.to_string_lossy().contains(PARTIAL_INFIX) {
                    found.push(path);
                }
            }
        }
        found
    }

    #[test]
    fn copies_new_files_recursively_then_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let (src, dst) = (tmp.path().join("src"), tmp.path().join("dst"));
        write(&src.join("a.txt"), b"alpha");
        write(&src.join("sub/b.txt"), b"beta");
        write(&src.join("sub/deeper/c.bin"), &[7u8; 3 * CHUNK + 5]);

        let mut rec = Recorder::default();
        let report = sync_folder(&src, &dst, &mut rec).unwrap();
        assert_eq!(report.copied, 3);
        assert_eq!(report.bytes, 5 + 4 + 3 * CHUNK as u64 + 5);
        assert!(report.failed.is_empty() && !report.cancelled);
        assert_eq!(fs::read(dst.join("a.txt")).unwrap(), b"alpha");
        assert_eq!(fs::read(dst.join("sub/b.txt")).unwrap(), b"beta");
        assert_eq!(
            fs::read(dst.join("sub/deeper/c.bin")).unwrap(),
            vec![7u8; 3 * CHUNK + 5]
        );
        let order: Vec<_> = rec
            .started
            .iter()
            .map(|(i, t, p)| (*i, *t, p.clone()))
            .collect();
        assert_eq!(
            order,
            vec![
                (0, 3, PathBuf::from("a.txt")),
                (1, 3, PathBuf::from("sub/b.txt")),
                (2, 3, PathBuf::from("sub/deeper/c.bin")),
            ]
        );
        assert_eq!(rec.finished, 3);

        // Second run: everything is up to date.
        let mut rec = Recorder::default();
        let report = sync_folder(&src, &dst, &mut rec).unwrap();
        assert_eq!((report.copied, report.up_to_date), (0, 3));
        assert!(rec.started.is_empty());
    }

    #[test]
    fn copies_changed_files_only() {
        let tmp = tempfile::tempdir().unwrap();
        let (src, dst) = (tmp.path().join("src"), tmp.path().join("dst"));
        write(&src.join("same.txt"), b"same");
        write(&src.join("grows.txt"), b"short");
        sync_folder(&src, &dst, &mut Recorder::default()).unwrap();

        write(&src.join("grows.txt"), b"much longer now");
        write(&src.join("new.txt"), b"new");
        let mut rec = Recorder::default();
        let report = sync_folder(&src, &dst, &mut rec).unwrap();
        assert_eq!((report.copied, report.up_to_date), (2, 1));
        assert_eq!(fs::read(dst.join("grows.txt")).unwrap(), b"much longer now");
        assert_eq!(fs::read(dst.join("new.txt")).unwrap(), b"new");

        // Same length, different time: changed too.
        let later = SystemTime::now() + std::time::Duration::from_secs(3600);
        write(&src.join("same.txt"), b"SAME");
        File::options()
            .write(true)
            .open(src.join("same.txt"))
            .unwrap()
            .set_modified(later)
            .unwrap();
        let report = sync_folder(&src, &dst, &mut Recorder::default()).unwrap();
        assert_eq!(report.copied, 1);
        assert_eq!(fs::read(dst.join("same.txt")).unwrap(), b"SAME");
    }

    #[test]
    fn cancel_mid_file_leaves_old_version_and_no_partial() {
        let tmp = tempfile::tempdir().unwrap();
        let (src, dst) = (tmp.path().join("src"), tmp.path().join("dst"));
        write(&src.join("big.bin"), &[1u8; 4 * CHUNK]);
        write(&dst.join("big.bin"), b"old version");
        // Poll 1: before the file; poll 2: before chunk 1; poll 3: before chunk 2 -> cancel.
        let mut rec = Recorder {
            cancel_after_polls: Some(2),
            ..Default::default()
        };
        let report = sync_folder(&src, &dst, &mut rec).unwrap();
        assert!(report.cancelled);
        assert_eq!(report.copied, 0);
        assert_eq!(fs::read(dst.join("big.bin")).unwrap(), b"old version");
        assert_eq!(leftovers(&dst), Vec::<PathBuf>::new());
        assert_eq!(rec.finished, 0, "a cancelled file is not reported finished");
    }

    #[test]
    fn cancel_between_files_keeps_completed_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let (src, dst) = (tmp.path().join("src"), tmp.path().join("dst"));
        write(&src.join("1.txt"), b"one");
        write(&src.join("2.txt"), b"two");
        // Polls for file 1: before file, chunk, end-of-file read → 3; the 4th (before file 2) cancels.
        let mut rec = Recorder {
            cancel_after_polls: Some(3),
            ..Default::default()
        };
        let report = sync_folder(&src, &dst, &mut rec).unwrap();
        assert!(report.cancelled);
        assert_eq!(report.copied, 1);
        assert_eq!(fs::read(dst.join("1.txt")).unwrap(), b"one");
        assert!(!dst.join("2.txt").exists());
        assert_eq!(leftovers(&dst), Vec::<PathBuf>::new());
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_files_are_reported_and_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let (src, dst) = (tmp.path().join("src"), tmp.path().join("dst"));
        write(&src.join("good.txt"), b"good");
        std::os::unix::fs::symlink(tmp.path().join("nowhere"), src.join("dangling.txt")).unwrap();
        let mut rec = Recorder::default();
        let report = sync_folder(&src, &dst, &mut rec).unwrap();
        assert_eq!(report.copied, 1);
        assert_eq!(rec.failed, vec![PathBuf::from("dangling.txt")]);
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].0, PathBuf::from("dangling.txt"));
        assert_eq!(fs::read(dst.join("good.txt")).unwrap(), b"good");
    }

    #[test]
    fn errors_name_the_destination_that_cannot_be_written() {
        let tmp = tempfile::tempdir().unwrap();
        let (src, dst) = (tmp.path().join("src"), tmp.path().join("dst"));
        write(&src.join("a.txt"), b"a");
        write(&src.join("sub/b.txt"), b"b");
        // A file where the destination needs the folder `sub`.
        write(&dst.join("sub"), b"in the way");
        let mut rec = Recorder::default();
        let report = sync_folder(&src, &dst, &mut rec).unwrap();
        assert_eq!(report.copied, 1);
        assert_eq!(report.failed.len(), 1);
        let (rel, text) = &report.failed[0];
        assert_eq!(rel, &PathBuf::from("sub/b.txt"));
        let expected = format!("cannot create the folder {}: ", dst.join("sub").display());
        assert!(text.starts_with(&expected), "{text}");
        assert!(!text.contains(&src.display().to_string()), "{text}");

        // The item's destination folder itself.
        let blocked = tmp.path().join("blocked");
        write(&blocked, b"a file");
        let error = sync_folder(&src, &blocked, &mut Recorder::default()).unwrap_err();
        assert_eq!(error.action, "create the folder");
        assert_eq!(error.path, blocked);
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot create the folder {}: ", blocked.display()))
        );
    }

    #[test]
    fn missing_source_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let err = sync_folder(
            &tmp.path().join("absent"),
            &tmp.path().join("d"),
            &mut Recorder::default(),
        );
        let err = err.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(
            err.to_string().starts_with("cannot read the folder "),
            "{err}"
        );
    }
}
