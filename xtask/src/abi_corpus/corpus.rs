//! The corpus and the tools: Wine's IDL files, the headers `widl -h` writes for them (cached
//! under the scratch directory, keyed by a hash of what they depend on), and the small helpers
//! the other steps share (hashing, writing only changed files, running jobs on every core).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};

/// The root of Wine's IDL files: `MOBSYNC_WINE_IDL`, else `/usr/include/wine/wine` (Debian's
/// `libwine-dev`), as for the corpus tests of `mobsync-idl`.
pub fn corpus_root() -> PathBuf {
    mobsync_idl::wine_idl_root()
}

/// Wine's IDL compiler: `WIDL`, else `widl-stable` (Debian's `wine64-tools`).
pub fn widl() -> String {
    std::env::var("WIDL").unwrap_or_else(|_| "widl-stable".into())
}

/// The directories IDL imports are searched in, for widl and for our front end alike.
pub fn idl_include_dirs() -> Vec<PathBuf> {
    let root = corpus_root();
    vec![root.join("windows"), root]
}

/// Every corpus file (`windows/*.idl` and the four top-level `*.idl`), sorted by path.
pub fn corpus_files() -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in idl_include_dirs() {
        let entries = std::fs::read_dir(&dir).with_context(|| {
            format!(
                "cannot read {} (install Debian's libwine-dev, as .ci/setup does)",
                dir.display()
            )
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "idl") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The file stem (`audiopolicy` for `.../audiopolicy.idl`).
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

/// The file name (`audiopolicy.idl`).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

/// The first line a program prints for `--version` (or `-V`), to key caches on; an error when
/// the program cannot run.
pub fn tool_version(program: &str, flag: &str) -> Result<String> {
    let output = Command::new(program)
        .arg(flag)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run `{program}`: is it installed (.ci/setup)?"))?;
    if !output.status.success() {
        bail!("`{program} {flag}` failed");
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text.lines().next().unwrap_or_default().trim().to_string())
}

/// 64-bit FNV-1a over several byte strings (each followed by a separator): cache keys only.
pub fn hash(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(&[0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Writes `text` to `path` unless it already holds exactly that (so that cargo's fingerprints
/// and caches keyed on modification times stay fresh), creating the parent directories.
pub fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Runs `f` over `items` on `jobs` threads, returning the results in the order of `items`.
pub fn parallel<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().expect("no job panicked")[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no job panicked")
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

/// How the headers are made, part of every key: a change here remakes them.
const RECIPE: &str = "widl -h -o DIR/STEM.tmp/STEM.h";

/// The headers `widl -h` writes, cached in one directory (`<stem>.h`, with `<stem>.key`
/// holding the key it was made under and whether widl accepted the file). The directory
/// comes first on the C compiler's include path, so the headers include each other.
#[derive(Debug)]
pub struct WidlHeaders {
    /// The cache directory.
    pub dir: PathBuf,
    /// widl's version line, part of every key.
    version: String,
}

impl WidlHeaders {
    /// The cache in `dir`; fails when widl cannot run.
    pub fn new(dir: PathBuf) -> Result<Self> {
        let version = tool_version(&widl(), "-V")?;
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(WidlHeaders { dir, version })
    }

    /// The header of `idl`, made (or taken from the cache): `Ok(Some(text))` when widl accepts
    /// the file, `Ok(None)` when it rejects it.
    pub fn header(&self, idl: &Path) -> Result<Option<String>> {
        let text = std::fs::read(idl).with_context(|| format!("cannot read {}", idl.display()))?;
        let path_text = idl.display().to_string();
        let key = hash(&[
            self.version.as_bytes(),
            RECIPE.as_bytes(),
            path_text.as_bytes(),
            &text,
        ]);
        let stem = stem(idl);
        let header = self.dir.join(format!("{stem}.h"));
        let key_file = self.dir.join(format!("{stem}.key"));
        if let Ok(cached) = std::fs::read_to_string(&key_file) {
            match cached.split_once(' ') {
                Some((k, "rejected")) if k == key => return Ok(None),
                Some((k, "accepted")) if k == key => {
                    if let Ok(h) = std::fs::read_to_string(&header) {
                        return Ok(Some(h));
                    }
                }
                _ => {}
            }
        }
        // widl deletes its output when the input has errors: write into a scratch directory.
        // The file keeps its name there, since widl names the include guard after it
        // (`__d3d10_h__`): the SDK's own copy of a header, which an SDK header may include
        // with `#include "d3d10.h"`, must see the guard of ours.
        let scratch_dir = self.dir.join(format!("{stem}.tmp"));
        std::fs::create_dir_all(&scratch_dir)
            .with_context(|| format!("cannot create {}", scratch_dir.display()))?;
        let scratch = scratch_dir.join(format!("{stem}.h"));
        let mut command = Command::new(widl());
        command.arg("-h").arg("-o").arg(&scratch);
        for dir in idl_include_dirs() {
            command.arg("-I").arg(dir);
        }
        let status = command
            .arg(idl)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .with_context(|| format!("cannot run {}", widl()))?;
        let result = if status.success() {
            let h = std::fs::read_to_string(&scratch)
                .with_context(|| format!("widl wrote no {}", scratch.display()))?;
            std::fs::rename(&scratch, &header)
                .with_context(|| format!("cannot write {}", header.display()))?;
            Some(h)
        } else {
            let _ = std::fs::remove_file(&scratch);
            let _ = std::fs::remove_file(&header);
            None
        };
        let _ = std::fs::remove_dir(&scratch_dir);
        let verdict = if result.is_some() {
            "accepted"
        } else {
            "rejected"
        };
        std::fs::write(&key_file, format!("{key} {verdict}"))
            .with_context(|| format!("cannot write {}", key_file.display()))?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_separates_parts_and_is_stable() {
        assert_eq!(hash(&[b"ab", b"c"]), hash(&[b"ab", b"c"]));
        assert_ne!(hash(&[b"ab", b"c"]), hash(&[b"a", b"bc"]));
        // FNV-1a of the empty input followed by the separator byte 0xff.
        assert_eq!(
            hash(&[b""]),
            format!(
                "{:016x}",
                (0xcbf2_9ce4_8422_2325_u64 ^ 0xff).wrapping_mul(0x0100_0000_01b3)
            )
        );
    }

    #[test]
    fn parallel_keeps_the_order() {
        let items: Vec<u32> = (0..100).collect();
        assert_eq!(
            parallel(&items, 3, |x| x * 2),
            (0..100).map(|x| x * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn stems_and_names() {
        let p = Path::new("/a/b/d3d12shader.idl");
        assert_eq!(stem(p), "d3d12shader");
        assert_eq!(file_name(p), "d3d12shader.idl");
    }
}
