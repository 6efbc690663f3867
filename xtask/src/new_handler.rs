//! `cargo xtask new-handler NAME`: writes a new Sync Manager handler crate, the README's
//! handler with a fresh CLSID, that builds, registers and syncs at once.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};

/// The handler's source: the README's handler (`xtask/templates/handler_lib.rs.in`, checked
/// against the README by a test), with `{{TYPE}}`, `{{TITLE}}`, `{{CLSID}}` and `{{ITEM_GUID}}`
/// to fill in.
const LIB_TEMPLATE: &str = include_str!("../templates/handler_lib.rs.in");

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The crate's name (lowercase letters, digits, `-` and `_`, starting with a letter).
    name: String,
    /// The directory to create the crate in (it becomes DIR/NAME).
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = crate::project_root();
    let krate = args.dir.join(&args.name);
    let clsid = write_handler(&krate, &args.name, &root)?;
    let lib = format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        args.name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    );
    println!("wrote {} (CLSID {{{clsid}}})", krate.display());
    println!("next:");
    println!("  (cd {} && cargo build)", krate.display());
    println!("  cargo build -p mobsync-host   # in {}", root.display());
    println!(
        "  {}/target/debug/mobsync-host regsvr {}/target/debug/{lib}",
        root.display(),
        krate.display()
    );
    println!("  {}/target/debug/mobsync-host sync --all", root.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes the crate `name` into `dir` (which must not exist), depending on the runtime of the
/// checkout at `root`; returns its CLSID.
pub fn write_handler(dir: &Path, name: &str, root: &Path) -> anyhow::Result<String> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        bail!(
            "`{name}` is not a crate name this command takes: use lowercase letters, digits, \
             `-` and `_`, starting with a letter"
        );
    }
    if dir.exists() {
        bail!(
            "{} exists already: choose another name or --dir",
            dir.display()
        );
    }
    let clsid = random_guid();
    let item = random_guid();
    let title: String = name
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let type_name: String = title.replace(' ', "");
    let lib = LIB_TEMPLATE
        .replace("{{TYPE}}", &type_name)
        .replace("{{TITLE}}", &title)
        .replace("{{CLSID}}", &clsid)
        .replace(
            "{{ITEM_GUID}}",
            &format!("0x{}", item.replace('-', "").to_lowercase()),
        );
    let runtime = root.join("mobsync-runtime");
    let manifest = format!(
        "[package]\n\
         name = \"{name}\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         [lib]\n\
         crate-type = [\"cdylib\", \"rlib\"]\n\
         \n\
         [dependencies]\n\
         mobsync-runtime = {{ path = {runtime:?}, default-features = false }}\n\
         mobsync-derive = {{ path = {derive:?} }}\n\
         windows-core = {{ version = \"0.100\", default-features = false, features = [\"std\"] }}\n\
         \n\
         # A crate of its own, not a member of the workspace it may sit in.\n\
         [workspace]\n",
        runtime = runtime.display().to_string(),
        derive = root.join("mobsync-derive").display().to_string(),
    );
    std::fs::create_dir_all(dir.join("src"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    for (path, text) in [
        (dir.join("Cargo.toml"), manifest),
        (dir.join("src/lib.rs"), lib),
        (dir.join(".gitignore"), "/target\n".to_string()),
    ] {
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(clsid)
}

/// A random (version 4) GUID, `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`.
fn random_guid() -> String {
    let mut bytes = [0u8; 16];
    // Sixteen bytes only: the device never ends.
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .ok();
    if from_os.is_none() {
        // No /dev/urandom (Windows): the standard library's randomly seeded hasher.
        use std::hash::{BuildHasher as _, Hasher as _};
        for chunk in bytes.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_the_readme_handler() {
        let readme =
            std::fs::read_to_string(crate::project_root().join("README.md")).expect("README");
        let filled = LIB_TEMPLATE
            .replace("{{TYPE}}", "NotesSync")
            .replace("{{TITLE}}", "Notes Sync")
            .replace("{{CLSID}}", "3F2A7C10-5B1E-4D7A-9C61-2E8F0A4B7D00")
            .replace("{{ITEM_GUID}}", "0x3f2a7c10_5b1e_4d7a_9c61_2e8f0a4b7d01")
            .replace(
                "/// A handler with one item, \"Notes\" (written by `cargo xtask new-handler`: make it yours).",
                "/// A handler with one item, \"Notes\".",
            );
        assert!(
            readme.contains(&filled),
            "xtask/templates/handler_lib.rs.in drifted from the README's handler"
        );
    }

    #[test]
    fn guids_are_random_version_4() {
        let (a, b) = (random_guid(), random_guid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn names_and_existing_directories_are_refused() {
        let tmp = std::env::temp_dir().join(format!("new-handler-{}", std::process::id()));
        let root = crate::project_root();
        let err = write_handler(&tmp.join("Bad Name"), "Bad Name", &root).unwrap_err();
        assert!(
            err.to_string().contains("`Bad Name` is not a crate name"),
            "{err}"
        );
        std::fs::create_dir_all(tmp.join("taken")).unwrap();
        let err = write_handler(&tmp.join("taken"), "taken", &root).unwrap_err();
        assert!(err.to_string().contains("exists already"), "{err}");
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
