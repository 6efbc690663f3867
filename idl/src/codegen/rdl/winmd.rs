//! `.winmd` from generated RDL, through Microsoft's `windows-rdl` crate (feature `winmd`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Compiles RDL text (as [`super::generate`] writes it) into the bytes of a `.winmd` whose
/// assembly is named `assembly` (by convention the file's stem), against the default Windows
/// metadata (where `IUnknown` and the string types are).
///
/// # Errors
/// What windows-rdl reports, with the line of the RDL it points at (RDL that windows-rdl
/// refuses is a bug of the generator), or why its scratch file could not be used.
pub fn compile(rdl: &str, assembly: &str) -> Result<Vec<u8>, String> {
    // windows-rdl writes only to a path: a scratch file of our own, named after the assembly.
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mobsync-idl-winmd-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let scratch = Scratch(dir);
    std::fs::create_dir_all(&scratch.0)
        .map_err(|e| format!("cannot create {}: {e}", scratch.0.display()))?;
    let path = scratch.0.join(format!("{assembly}.winmd"));
    windows_rdl::reader()
        .input_text(rdl)
        .reference_default()
        .output(&path)
        .write()
        .map_err(|e| {
            let line = rdl
                .lines()
                .nth(e.line.saturating_sub(1))
                .map(str::trim)
                .filter(|_| e.line > 0);
            match line {
                Some(text) => format!(
                    "windows-rdl refuses the RDL at {}:{}: {} (`{text}`)",
                    e.line,
                    e.column + 1,
                    e.message
                ),
                None => format!("windows-rdl: {}", e.message),
            }
        })?;
    std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
