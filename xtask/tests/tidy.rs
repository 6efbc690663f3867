//! Tidy checks over the workspace's own sources, run by `cargo test` (after the idea of
//! rust-analyzer's `tidy` test): they read the files of the repository and need nothing else.
//!
//! - [`module_imports_form_no_cycles`]: in every crate of the workspace, the dependencies
//!   between sibling modules form no cycle;
//! - [`no_hand_written_source_file_is_too_long`]: no hand-written `.rs` file under a crate's
//!   `src/` is longer than [`MAX_LINES`] lines (generated files, stamped "Do not edit" in their
//!   first lines as `cargo xtask regen` writes them, are exempt).
//!
//! How module dependencies are found is told in [`modules`], how they are counted in
//! [`cycles`].

#[path = "tidy/cycles.rs"]
mod cycles;
#[path = "tidy/modules.rs"]
mod modules;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The longest a hand-written source file may be.
const MAX_LINES: usize = 800;

/// How many of a file's first lines are searched for the "do not edit" stamp of generated
/// code.
const STAMP_LINES: usize = 5;

#[test]
fn module_imports_form_no_cycles() {
    let root = workspace_root();
    let mut report = String::new();
    let mut count = 0;
    for member in members(&root) {
        let files = read_src(&root, &member);
        let crates = match modules::crates_of(&member, &files) {
            Ok(c) => c,
            Err(e) => panic!("tidy: cannot read the modules of `{member}`: {e}"),
        };
        for krate in &crates {
            for cycle in cycles::cycles(krate) {
                count += 1;
                report.push_str(&cycle);
            }
        }
    }
    assert!(
        count == 0,
        "{count} group(s) of sibling modules depend on each other in a cycle (a `use` or path \
         in module `a::b` of an item of `a::c::d` is the edge `b -> c` among the children of \
         `a`; each module's children must form a DAG: move what both sides need into a lower \
         module):\n\n{report}"
    );
}

#[test]
fn no_hand_written_source_file_is_too_long() {
    let root = workspace_root();
    let mut long = Vec::new();
    for member in members(&root) {
        for (path, text) in read_src(&root, &member) {
            if let Some(lines) = too_long(&text) {
                long.push(format!("  {member}/src/{path}: {lines} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "{} hand-written source file(s) longer than {MAX_LINES} lines (split them by job; \
         generated files are exempt when one of their first {STAMP_LINES} lines says \
         \"Do not edit\"):\n{}\n",
        long.len(),
        long.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// The workspace
// ---------------------------------------------------------------------------------------

/// The directory of the root `Cargo.toml` (the parent of `xtask/`).
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .expect("xtask lies in the workspace directory")
        .to_path_buf()
}

/// The workspace members that have a `src/` directory, as paths relative to `root` (with
/// `/`), from the `members` list of the root `Cargo.toml` (`dir/*` globs included).
fn members(root: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .unwrap_or_else(|e| panic!("tidy: cannot read the root Cargo.toml: {e}"));
    let list = manifest_members(&manifest);
    assert!(
        !list.is_empty(),
        "tidy: no `members` in the root Cargo.toml"
    );
    let mut out = Vec::new();
    for m in list {
        if let Some(dir) = m.strip_suffix("/*") {
            let mut found: Vec<String> = std::fs::read_dir(root.join(dir))
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| e.path().join("Cargo.toml").is_file())
                .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(m);
        }
    }
    out.retain(|m| root.join(m).join("src").is_dir());
    out
}

/// The strings of the `members = [...]` array of a workspace manifest.
fn manifest_members(manifest: &str) -> Vec<String> {
    let Some(start) = manifest.find("members") else {
        return Vec::new();
    };
    let rest = &manifest[start..];
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else {
        return Vec::new();
    };
    rest[open + 1..close]
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split(','))
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Every `.rs` file under `member/src`, by path relative to `src/` (with `/`), sorted.
fn read_src(root: &Path, member: &str) -> BTreeMap<String, String> {
    let src = root.join(member).join("src");
    let mut files = BTreeMap::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("tidy: cannot list {}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("tidy: cannot read {}: {e}", path.display()));
                let rel = path.strip_prefix(&src).unwrap_or(&path);
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                files.insert(rel.join("/"), text);
            }
        }
    }
    files
}

// ---------------------------------------------------------------------------------------
// File length
// ---------------------------------------------------------------------------------------

/// The number of lines of `text` when it is hand-written and longer than [`MAX_LINES`].
fn too_long(text: &str) -> Option<usize> {
    let lines = text.lines().count();
    (lines > MAX_LINES && !is_generated(text)).then_some(lines)
}

/// Whether the file carries the stamp of generated code ("Do not edit", in any case) in its
/// first lines, as `cargo xtask regen` writes it.
fn is_generated(text: &str) -> bool {
    text.lines()
        .take(STAMP_LINES)
        .any(|l| l.to_ascii_lowercase().contains("do not edit"))
}

// ---------------------------------------------------------------------------------------
// Tests of the checks themselves (the module scanner's are in `cycles`)
// ---------------------------------------------------------------------------------------

#[test]
fn long_files_are_found_unless_generated() {
    let line = "x\n";
    assert_eq!(too_long(&line.repeat(MAX_LINES)), None);
    assert_eq!(too_long(&line.repeat(MAX_LINES + 1)), Some(MAX_LINES + 1));
    let generated = format!(
        "// Generated by `cargo xtask regen` from `idl/mobsync.idl`. Do not edit.\n{}",
        line.repeat(2000)
    );
    assert_eq!(too_long(&generated), None);
    let stamped_late = format!("{}// do not edit\n", line.repeat(2000));
    assert_eq!(too_long(&stamped_late), Some(2001));
}

#[test]
fn members_are_read_from_the_manifest() {
    let manifest = "[workspace]\nresolver = \"3\"\nmembers = [\n    \"idl\", # the front end\n    \
                    \"examples/folder-sync\",\n]\n\n[workspace.package]\n";
    assert_eq!(manifest_members(manifest), ["idl", "examples/folder-sync"]);
}
