//! Our side of the facts: the generated bindings, compiled and asked.
//!
//! The scratch directory (`target/abi-corpus/`) holds a cargo workspace, generated and never
//! committed: one library crate per generated file (`crates/abi_<stem>`: the bindings and a
//! `facts` function), `support` (what the `facts` functions report through) and `runner` (a
//! binary that calls every `facts` function and prints `FILE\tKEY\tVALUE` lines). It depends
//! on `windows-core` exactly as the workspace does (the dependency line is copied from the
//! root `Cargo.toml`, and so is `Cargo.lock`), builds `--offline` from the registry cache into
//! its own target directory, and is rewritten file by file only where something changed, so
//! that cargo rebuilds only the crates whose bindings changed.
//!
//! One crate per file keeps the files apart: a file whose bindings do not compile (the
//! generator is not finished) only loses its own crate (`cargo build --keep-going`), and the
//! runner is then built over the crates that did compile.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::corpus::write_if_changed;
use super::generate::TOOL;

/// The support crate: what the `facts` functions report through.
const SUPPORT_LIB: &str = r#"//! What the `facts` functions of the generated crates report through.
//!
//! The values are those of the machine `cargo xtask abi-corpus` runs on, x86_64 Linux: the
//! bindings use only fixed-width integers, raw pointers and `#[repr(C)]` or
//! `#[repr(transparent)]` types, whose x86_64 System V sizes, alignments and field offsets are
//! those of Windows x64 (8-byte pointers, natural alignment of every integer and float up to
//! 8 bytes, the same C struct layout rules); and vtable slots and constants do not depend on
//! the platform at all.

use std::fmt::Write as _;

/// The vtable type of an interface.
pub type VtableOf<I> = <I as windows_core::Interface>::Vtable;

/// The facts reported so far, one `FILE\tKEY\tVALUE` line each.
#[derive(Debug, Default)]
pub struct Facts {
    file: String,
    out: String,
}

impl Facts {
    /// Starts the facts of the file `name`.
    pub fn file(&mut self, name: &str) {
        self.file = name.to_string();
    }

    /// A size, alignment, offset or slot number.
    pub fn size(&mut self, key: &str, value: usize) {
        self.line(key, &value.to_string());
    }

    /// An integer, or an integer newtype (an enum, an `HRESULT`), read as the declared type.
    pub fn int<T: Copy>(&mut self, key: &str, value: T, signed: bool) {
        let size = core::mem::size_of::<T>();
        if !matches!(size, 1 | 2 | 4 | 8) {
            self.line(key, &format!("a value of {size} bytes"));
            return;
        }
        let mut bytes = [0u8; 8];
        // SAFETY: `value` is a live, initialized `T` of `size` bytes (an integer or a
        // `#[repr(transparent)]` integer newtype, so without padding bytes), `bytes` has room
        // for `size` (at most 8) bytes, and the two do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(
                (&raw const value).cast::<u8>(),
                bytes.as_mut_ptr(),
                size,
            );
        }
        let pattern = u64::from_le_bytes(bytes);
        let shift = 64 - 8 * size as u32;
        let number: i128 = if signed {
            (((pattern << shift) as i64) >> shift).into()
        } else {
            pattern.into()
        };
        self.line(key, &number.to_string());
    }

    /// A GUID, in lower-case text.
    pub fn guid(&mut self, key: &str, g: &windows_core::GUID) {
        let d = &g.data4;
        let text = format!(
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            g.data1, g.data2, g.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        );
        self.line(key, &text);
    }

    /// Everything reported.
    pub fn text(&self) -> &str {
        &self.out
    }

    fn line(&mut self, key: &str, value: &str) {
        let _ = writeln!(self.out, "{}\t{key}\t{value}", self.file);
    }
}
"#;

/// The scratch workspace.
#[derive(Debug)]
pub struct Scratch {
    /// `target/abi-corpus`.
    pub dir: PathBuf,
    /// The workspace's own `Cargo.toml` and `Cargo.lock` directory.
    root: PathBuf,
}

/// The crate of a file: `abi_` and the stem, with anything but letters, digits and `_` as `_`.
pub fn crate_name(stem: &str) -> String {
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("abi_{clean}")
}

impl Scratch {
    /// The scratch workspace in `dir`, depending on what the workspace at `root` uses.
    pub fn new(dir: PathBuf, root: &Path) -> Self {
        Scratch {
            dir,
            root: root.to_path_buf(),
        }
    }

    /// The directory of a file's crate.
    pub fn crate_dir(&self, stem: &str) -> PathBuf {
        self.dir.join("crates").join(crate_name(stem))
    }

    fn cargo(&self) -> Command {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .stdin(Stdio::null());
        command
    }

    /// Writes the workspace around `crates` (the runner without dependencies yet).
    pub fn write_workspace(&self, crates: &[String]) -> Result<()> {
        let manifest = std::fs::read_to_string(self.root.join("Cargo.toml"))
            .context("cannot read the workspace's Cargo.toml")?;
        let windows_core = dependency_line(&manifest, "windows-core")
            .context("the workspace's Cargo.toml has no `windows-core = ...` dependency")?;
        let mut members = vec!["\"support\"".to_string(), "\"runner\"".to_string()];
        members.extend(crates.iter().map(|c| format!("\"crates/{c}\"")));
        write_if_changed(
            &self.dir.join("Cargo.toml"),
            &format!(
                "# Generated by `{TOOL}`. Do not edit.\n\
                 [workspace]\nresolver = \"3\"\nmembers = [\n    {}\n]\n\n\
                 [workspace.dependencies]\n{windows_core}\n\n\
                 [profile.dev]\ndebug = false\n",
                members.join(",\n    ")
            ),
        )?;
        let lock = std::fs::read_to_string(self.root.join("Cargo.lock"))
            .context("cannot read the workspace's Cargo.lock")?;
        write_if_changed(&self.dir.join("Cargo.lock"), &lock)?;
        write_if_changed(
            &self.dir.join("support").join("Cargo.toml"),
            &format!(
                "# Generated by `{TOOL}`. Do not edit.\n[package]\nname = \"abi_support\"\n\
                 version = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\nwindows-core.workspace = true\n"
            ),
        )?;
        write_if_changed(
            &self.dir.join("support").join("src").join("lib.rs"),
            &format!("// Generated by `{TOOL}`. Do not edit.\n{SUPPORT_LIB}"),
        )?;
        self.write_runner(&[])
    }

    /// The runner over `crates` (stem, crate name).
    fn write_runner(&self, crates: &[(String, String)]) -> Result<()> {
        let mut manifest = format!(
            "# Generated by `{TOOL}`. Do not edit.\n[package]\nname = \"abi_runner\"\n\
             version = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nabi_support = {{ path = \"../support\" }}\n"
        );
        let mut main = format!(
            "// Generated by `{TOOL}`. Do not edit.\n\
             //! Prints the ABI facts of every generated crate.\n\n\
             fn main() {{\n    let mut f = abi_support::Facts::default();\n"
        );
        for (stem, krate) in crates {
            manifest.push_str(&format!("{krate} = {{ path = \"../crates/{krate}\" }}\n"));
            main.push_str(&format!(
                "    f.file({stem:?});\n    {krate}::facts(&mut f);\n"
            ));
        }
        main.push_str("    print!(\"{}\", f.text());\n}\n");
        write_if_changed(&self.dir.join("runner").join("Cargo.toml"), &manifest)?;
        write_if_changed(&self.dir.join("runner").join("src").join("main.rs"), &main)
    }

    /// Builds every crate of the workspace but the runner; for each crate that does not
    /// compile, its first error and the number of errors.
    pub fn build(&self) -> Result<BTreeMap<String, String>> {
        let output = self
            .cargo()
            .args(["build", "--offline", "--keep-going", "--workspace"])
            .args([
                "--exclude",
                "abi_runner",
                "--message-format=json-diagnostic-short",
            ])
            .output()
            .context("cannot run cargo")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let failures = build_failures(&stdout);
        if !output.status.success() && failures.is_empty() {
            bail!(
                "cargo build failed in {}:\n{}",
                self.dir.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        if failures.contains_key("abi_support") {
            bail!(
                "the support crate does not compile: {}",
                failures["abi_support"]
            );
        }
        Ok(failures)
    }

    /// Builds and runs the runner over `crates` (stem, crate name): every fact's value, by
    /// file and key.
    pub fn run(
        &self,
        crates: &[(String, String)],
    ) -> Result<HashMap<String, HashMap<String, String>>> {
        self.write_runner(crates)?;
        let output = self
            .cargo()
            .args([
                "build",
                "--offline",
                "-p",
                "abi_runner",
                "--message-format=json-diagnostic-short",
            ])
            .output()
            .context("cannot run cargo")?;
        if !output.status.success() {
            let stdout = String::from_utf8_lossy(&output.stdout);
            bail!(
                "the runner does not build: {:?}\n{}",
                build_failures(&stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let exe = self
            .dir
            .join("target")
            .join("debug")
            .join(format!("abi_runner{}", std::env::consts::EXE_SUFFIX));
        let output = Command::new(&exe)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", exe.display()))?;
        if !output.status.success() {
            bail!(
                "the runner failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(runner_values(&String::from_utf8_lossy(&output.stdout)))
    }
}

/// The `name = ...` line of a manifest's dependency tables, as written.
pub fn dependency_line(manifest: &str, name: &str) -> Option<String> {
    manifest
        .lines()
        .find(|l| {
            l.split_once('=')
                .is_some_and(|(k, _)| k.trim() == name || k.trim() == format!("\"{name}\""))
        })
        .map(|l| l.trim().to_string())
}

/// The crates that failed in cargo's JSON messages, each with its first error (with
/// `(and N more errors)` when there are more).
pub fn build_failures(json_lines: &str) -> BTreeMap<String, String> {
    let mut first: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for line in json_lines.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-message" || msg["message"]["level"] != "error" {
            continue;
        }
        let Some(krate) = msg["target"]["name"].as_str() else {
            continue;
        };
        let rendered = msg["message"]["rendered"]
            .as_str()
            .or_else(|| msg["message"]["message"].as_str())
            .unwrap_or_default()
            .trim();
        let bare = rendered.trim_start_matches("error: ");
        if bare.starts_with("aborting due to") || bare.starts_with("could not compile") {
            continue;
        }
        let text = short_error(rendered);
        let entry = first.entry(krate.to_string()).or_insert((text, 0));
        entry.1 += 1;
    }
    first
        .into_iter()
        .map(|(k, (text, n))| {
            let more = match n {
                1 => String::new(),
                2 => " (and 1 more error)".into(),
                n => format!(" (and {} more errors)", n - 1),
            };
            (k, format!("{text}{more}"))
        })
        .collect()
}

/// `crates/abi_x/src/bindings.rs:12:5: error[E0425]: msg` as `msg (bindings.rs:12:5)`.
fn short_error(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or_default();
    match first.split_once(": error") {
        Some((location, rest)) => {
            let message = rest.split_once(": ").map_or(rest, |(_, m)| m);
            let place = location.rsplit('/').next().unwrap_or(location);
            format!("{message} ({place})")
        }
        None => first.trim_start_matches("error: ").to_string(),
    }
}

/// The runner's output, by file and key.
pub fn runner_values(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, '\t');
        if let (Some(file), Some(key), Some(value)) = (parts.next(), parts.next(), parts.next()) {
            out.entry(file.to_string())
                .or_default()
                .insert(key.to_string(), value.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names() {
        assert_eq!(crate_name("audiopolicy"), "abi_audiopolicy");
        assert_eq!(
            crate_name("windows.foundation.collections"),
            "abi_windows_foundation_collections"
        );
    }

    #[test]
    fn the_dependency_line_is_copied() {
        let manifest = "[workspace.dependencies]\nloom = \"0.7\"\n\
                        windows-core = { version = \"0.100\", default-features = false }\n\
                        windows-registry = \"0.100\"\n";
        assert_eq!(
            dependency_line(manifest, "windows-core").as_deref(),
            Some("windows-core = { version = \"0.100\", default-features = false }")
        );
        assert_eq!(dependency_line(manifest, "windows"), None);
    }

    #[test]
    fn build_failures_name_each_crate_once() {
        let lines = [
            r#"{"reason":"compiler-artifact","target":{"name":"abi_ok","kind":["lib"]}}"#,
            r#"{"reason":"compiler-message","target":{"name":"abi_x"},"message":{"level":"error","rendered":"crates/abi_x/src/bindings.rs:12:5: error[E0425]: cannot find type `IUri` in this scope\n"}}"#,
            r#"{"reason":"compiler-message","target":{"name":"abi_x"},"message":{"level":"error","rendered":"crates/abi_x/src/bindings.rs:14:5: error[E0425]: cannot find type `IUri` in this scope\n"}}"#,
            r#"{"reason":"compiler-message","target":{"name":"abi_x"},"message":{"level":"error","rendered":"error: aborting due to 2 previous errors\n"}}"#,
            r#"{"reason":"compiler-message","target":{"name":"abi_y"},"message":{"level":"warning","rendered":"w"}}"#,
            "not json",
        ]
        .join("\n");
        let failures = build_failures(&lines);
        assert_eq!(failures.len(), 1);
        assert_eq!(
            failures["abi_x"],
            "cannot find type `IUri` in this scope (bindings.rs:12:5) (and 1 more error)"
        );
    }

    #[test]
    fn runner_lines_are_read() {
        let values = runner_values("a\tsize X\t24\na\tiid I\t0000-1\nb\tenum E\t-1\nbad line\n");
        assert_eq!(values["a"]["size X"], "24");
        assert_eq!(values["a"]["iid I"], "0000-1");
        assert_eq!(values["b"]["enum E"], "-1");
        assert_eq!(values.len(), 2);
    }
}
