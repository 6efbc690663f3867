//! Embeds the bundled IDL (`mobsync.idl` and `include/*.idl`) into the crate.
//!
//! Generates `$OUT_DIR/bundled.rs` with one `include_str!` per file, so Cargo rebuilds this
//! crate (and everything downstream) when any bundled IDL file changes, and re-runs this script
//! when a file is added to or removed from `include/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));

    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let main_idl = manifest.join("mobsync.idl");
    println!("cargo:rerun-if-changed={}", main_idl.display());
    if main_idl.is_file() {
        files.push(("mobsync.idl".to_string(), main_idl));
    }
    let include = manifest.join("include");
    println!("cargo:rerun-if-changed={}", include.display());
    if let Ok(dir) = std::fs::read_dir(&include) {
        let mut names: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_idl_like(p))
            .collect();
        names.sort();
        for path in names {
            let name = path.file_name().expect("listed file").to_string_lossy();
            files.push((format!("include/{name}"), path.clone()));
        }
    }

    let mut code = String::from(
        "/// Bundled files: (path relative to the crate's `idl/` directory, contents).\n\
         pub(crate) static FILES: &[(&str, &str)] = &[\n",
    );
    for (name, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("write to string");
    }
    code.push_str("];\n");
    std::fs::write(out.join("bundled.rs"), code).expect("write bundled.rs");
}

fn is_idl_like(path: &Path) -> bool {
    path.is_file()
        && matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("idl" | "h" | "acf" | "inl")
        )
}
