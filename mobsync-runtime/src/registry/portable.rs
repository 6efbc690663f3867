//! The portable file-backed store (systems other than Windows); the format is documented on
//! [`Store`](super::Store).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::RegistryError;
use super::json::{self, Json};
use super::keys::{ReadKeys, Value, WriteKeys};

/// The value of the `format` field.
pub(crate) const FORMAT: &str = "mobsync-rs registry 1";

/// The environment variable naming the store file.
pub(crate) const ENV_VAR: &str = "MOBSYNC_REGISTRY";

/// The store location when `MOBSYNC_REGISTRY` is not set: see `Store::open`.
pub(crate) fn default_path() -> Result<PathBuf, RegistryError> {
    if let Some(path) = std::env::var_os(ENV_VAR).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return std::path::absolute(&path)
            .map_err(|err| RegistryError::io("resolve the path of MOBSYNC_REGISTRY", &path, err));
    }
    let dir = config_dir().ok_or(RegistryError::NoStoreLocation)?;
    Ok(dir.join("mobsync-rs").join("registry.json"))
}

/// The user's configuration directory: `$XDG_CONFIG_HOME`, else `$HOME/.config` (macOS:
/// `$HOME/Library/Application Support`); relative paths are not taken (the XDG rule).
fn config_dir() -> Option<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if cfg!(target_os = "macos") {
        return absolute("HOME").map(|home| home.join("Library").join("Application Support"));
    }
    absolute("XDG_CONFIG_HOME").or_else(|| absolute("HOME").map(|home| home.join(".config")))
}

/// The keys of a store: full key path → value name → value. Lookups ignore ASCII case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tree {
    keys: BTreeMap<String, BTreeMap<String, Value>>,
}

fn is_under(key: &str, parent: &str) -> bool {
    key.len() > parent.len() + 1
        && key.as_bytes()[parent.len()] == b'\\'
        && key[..parent.len()].eq_ignore_ascii_case(parent)
}

impl Tree {
    fn find_key(&self, key: &str) -> Option<&String> {
        self.keys.keys().find(|k| k.eq_ignore_ascii_case(key))
    }

    fn values(&self, key: &str) -> Option<&BTreeMap<String, Value>> {
        self.find_key(key).and_then(|k| self.keys.get(k))
    }

    /// Parses a store file's content.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, String> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err("the file is empty (truncated?)".to_owned());
        }
        let json = json::parse(bytes).map_err(|err| {
            if err.eof {
                format!("it ends too early, truncated? ({})", err.message)
            } else {
                format!("invalid JSON: {}", err.message)
            }
        })?;
        let Json::Object(top) = json else {
            return Err("the top level is not a JSON object".to_owned());
        };
        let field = |name: &str| top.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        if let Some(name) = top
            .iter()
            .enumerate()
            .find(|(k, (name, _))| top[..*k].iter().any(|(n, _)| n == name))
            .map(|(_, (name, _))| name)
        {
            return Err(format!("field {name:?} is listed twice"));
        }
        match field("format") {
            Some(Json::String(f)) if f == FORMAT => {}
            Some(Json::String(f)) => {
                return Err(format!(
                    "unsupported \"format\" {f:?} (expected \"{FORMAT}\")"
                ));
            }
            Some(other) => {
                return Err(format!(
                    "unsupported \"format\": {} (expected \"{FORMAT}\")",
                    other.kind()
                ));
            }
            None => return Err(format!("no \"format\" field (expected \"{FORMAT}\")")),
        }
        if let Some((field, _)) = top.iter().find(|(k, _)| k != "format" && k != "keys") {
            return Err(format!("unexpected field {field:?}"));
        }
        let Some(Json::Object(keys)) = field("keys") else {
            return Err("\"keys\" is missing or not an object".to_owned());
        };
        let mut tree = Self::default();
        for (key, values) in keys {
            if key.is_empty() || key.split('\\').any(str::is_empty) {
                return Err(format!("invalid key path {key:?}"));
            }
            if tree.find_key(key).is_some() {
                return Err(format!("key {key:?} is listed twice"));
            }
            let Json::Object(values) = values else {
                return Err(format!("the values of key {key:?} are not an object"));
            };
            let mut parsed = BTreeMap::new();
            for (name, value) in values {
                if parsed.keys().any(|n: &String| n.eq_ignore_ascii_case(name)) {
                    return Err(format!("value {name:?} of key {key:?} is listed twice"));
                }
                let value = match value {
                    Json::String(s) => Value::Sz(s.clone()),
                    Json::Number(_) => match value.as_u32() {
                        Some(d) => Value::Dword(d),
                        None => {
                            return Err(format!(
                                "value {name:?} of key {key:?} is not a 32-bit unsigned integer"
                            ));
                        }
                    },
                    _ => {
                        return Err(format!(
                            "value {name:?} of key {key:?} is neither a string nor a number"
                        ));
                    }
                };
                parsed.insert(name.clone(), value);
            }
            tree.keys.insert(key.clone(), parsed);
        }
        Ok(tree)
    }

    /// The store file's content.
    pub(crate) fn to_json(&self) -> String {
        let keys = self
            .keys
            .iter()
            .map(|(key, values)| {
                let values = values
                    .iter()
                    .map(|(name, value)| {
                        let value = match value {
                            Value::Sz(s) => Json::String(s.clone()),
                            Value::Dword(d) => Json::Number(d.to_string()),
                        };
                        (name.clone(), value)
                    })
                    .collect();
                (key.clone(), Json::Object(values))
            })
            .collect();
        let top = Json::Object(vec![
            ("format".to_owned(), Json::String(FORMAT.to_owned())),
            ("keys".to_owned(), Json::Object(keys)),
        ]);
        let mut text = String::new();
        json::write_pretty(&top, &mut text);
        text.push('\n');
        text
    }
}

impl ReadKeys for Tree {
    fn value(&self, key: &str, name: &str) -> Result<Option<Value>, RegistryError> {
        Ok(self.values(key).and_then(|values| {
            values
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        }))
    }

    fn key_exists(&self, key: &str) -> Result<bool, RegistryError> {
        Ok(self.find_key(key).is_some() || self.keys.keys().any(|k| is_under(k, key)))
    }

    fn subkeys(&self, key: &str) -> Result<Vec<String>, RegistryError> {
        let mut out: Vec<String> = Vec::new();
        for k in self.keys.keys().filter(|k| is_under(k, key)) {
            let child = k[key.len() + 1..].split('\\').next().unwrap_or_default();
            if !out.iter().any(|c| c.eq_ignore_ascii_case(child)) {
                out.push(child.to_owned());
            }
        }
        Ok(out)
    }

    fn lists_classes(&self) -> bool {
        true
    }
}

impl WriteKeys for Tree {
    fn set_value(&mut self, key: &str, name: &str, value: Value) -> Result<(), RegistryError> {
        let key = self
            .find_key(key)
            .cloned()
            .unwrap_or_else(|| key.to_owned());
        let values = self.keys.entry(key).or_default();
        let name = values
            .keys()
            .find(|n| n.eq_ignore_ascii_case(name))
            .cloned()
            .unwrap_or_else(|| name.to_owned());
        values.insert(name, value);
        Ok(())
    }

    fn delete_value(&mut self, key: &str, name: &str) -> Result<bool, RegistryError> {
        let Some(key) = self.find_key(key).cloned() else {
            return Ok(false);
        };
        let values = self.keys.get_mut(&key).expect("found above");
        let Some(name) = values
            .keys()
            .find(|n| n.eq_ignore_ascii_case(name))
            .cloned()
        else {
            return Ok(false);
        };
        values.remove(&name);
        Ok(true)
    }

    fn delete_key_if_empty(&mut self, key: &str) -> Result<bool, RegistryError> {
        let Some(found) = self.find_key(key).cloned() else {
            return Ok(false);
        };
        let empty = self.keys[&found].is_empty() && !self.keys.keys().any(|k| is_under(k, key));
        if empty {
            self.keys.remove(&found);
        }
        Ok(empty)
    }
}

/// A store file plus its lock file.
#[derive(Clone, Debug)]
pub(crate) struct FileStore {
    path: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FileStore {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        }
    }

    /// Reads the store; a missing file is an empty store.
    pub(crate) fn read(&self) -> Result<Tree, RegistryError> {
        match fs::read(&self.path) {
            Ok(bytes) => Tree::parse(&bytes).map_err(|detail| RegistryError::Corrupt {
                path: self.path.clone(),
                detail,
            }),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Tree::default()),
            Err(err) => Err(RegistryError::io("read", &self.path, err)),
        }
    }

    /// Applies `change` to the store under the lock and writes the result atomically if it changed
    /// anything. Nothing is written when `change` or reading the store fails.
    pub(crate) fn update<R>(
        &self,
        change: impl FnOnce(&mut Tree) -> Result<R, RegistryError>,
    ) -> Result<R, RegistryError> {
        let dir = self.dir();
        fs::create_dir_all(dir).map_err(|err| RegistryError::io("create directory", dir, err))?;
        let lock_path = self.lock_path();
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|err| RegistryError::io("open the lock file", &lock_path, err))?;
        lock.lock()
            .map_err(|err| RegistryError::io("lock", &lock_path, err))?;
        self.remove_stale_temporaries();
        let before = self.read()?;
        let mut tree = before.clone();
        let result = change(&mut tree)?;
        if tree != before {
            self.write_atomically(&tree.to_json())?;
        }
        // Closing the lock file releases the lock.
        drop(lock);
        Ok(result)
    }

    fn temp_prefix(&self) -> String {
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "registry".to_owned());
        format!(".{file_name}.")
    }

    /// Removes temporary files that writers killed between writing and renaming left behind. Only
    /// called under the lock, when no other writer can have a temporary file in flight.
    fn remove_stale_temporaries(&self) {
        let prefix = self.temp_prefix();
        let Ok(entries) = fs::read_dir(self.dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && name.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Writes `text` to a temporary file in the store's directory, flushes it and renames it over
    /// the store, so that the store is always either the old or the new content.
    fn write_atomically(&self, text: &str) -> Result<(), RegistryError> {
        let dir = self.dir();
        let temp = dir.join(format!(
            "{}{}.{}.tmp",
            self.temp_prefix(),
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let write = || -> io::Result<()> {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()
        };
        if let Err(err) = write() {
            let _ = fs::remove_file(&temp);
            return Err(RegistryError::io("write", &temp, err));
        }
        if let Err(err) = fs::rename(&temp, &self.path) {
            let _ = fs::remove_file(&temp);
            return Err(RegistryError::io("replace", &self.path, err));
        }
        // Make the rename itself durable. Not every system can open a directory for syncing; the
        // content is already safe, so a failure here is not an error.
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips() {
        let mut tree = Tree::default();
        tree.set_value(r"HKCR\CLSID\{X}", "", Value::Sz("n".into()))
            .unwrap();
        tree.set_value(r"HKCU\A\B", "Flags", Value::Dword(u32::MAX))
            .unwrap();
        let text = tree.to_json();
        assert_eq!(Tree::parse(text.as_bytes()).unwrap(), tree);
    }

    #[test]
    fn lookups_ignore_case() {
        let mut tree = Tree::default();
        tree.set_value(
            r"HKCR\CLSID\{ab}",
            "ThreadingModel",
            Value::Sz("Both".into()),
        )
        .unwrap();
        tree.set_value(
            r"hkcr\clsid\{AB}",
            "threadingmodel",
            Value::Sz("Free".into()),
        )
        .unwrap();
        assert_eq!(tree.keys.len(), 1);
        assert_eq!(
            tree.value(r"HKCR\CLSID\{AB}", "THREADINGMODEL").unwrap(),
            Some(Value::Sz("Free".into()))
        );
        assert_eq!(
            tree.subkeys(r"hkcr\CLSID").unwrap(),
            vec!["{ab}".to_owned()]
        );
    }

    #[test]
    fn subkeys_and_empty_keys() {
        let mut tree = Tree::default();
        tree.set_value(r"HKCR\CLSID\{A}\InprocServer32", "", Value::Sz("m".into()))
            .unwrap();
        tree.set_value(r"HKCR\CLSID\{A}", "", Value::Sz("n".into()))
            .unwrap();
        assert!(tree.key_exists(r"HKCR\CLSID").unwrap());
        assert!(!tree.key_exists(r"HKCR\CLSI").unwrap());
        // Has a subkey: kept.
        tree.delete_value(r"HKCR\CLSID\{A}", "").unwrap();
        assert!(!tree.delete_key_if_empty(r"HKCR\CLSID\{A}").unwrap());
        assert!(
            tree.delete_value(r"HKCR\CLSID\{A}\InprocServer32", "")
                .unwrap()
        );
        assert!(
            !tree
                .delete_value(r"HKCR\CLSID\{A}\InprocServer32", "")
                .unwrap()
        );
        assert!(
            tree.delete_key_if_empty(r"HKCR\CLSID\{A}\InprocServer32")
                .unwrap()
        );
        assert!(tree.delete_key_if_empty(r"HKCR\CLSID\{A}").unwrap());
        assert_eq!(tree, Tree::default());
    }

    #[test]
    fn parse_rejects_bad_content_with_reasons() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("  \n", "empty"),
            (
                "{\"format\": \"mobsync-rs registry 1\", \"keys\": {",
                "truncated",
            ),
            ("[]", "not a JSON object"),
            ("{\"keys\": {}}", "no \"format\""),
            ("{\"format\": \"other 2\", \"keys\": {}}", "unsupported"),
            ("{\"format\": \"mobsync-rs registry 1\"}", "\"keys\""),
            (
                "{\"format\": \"mobsync-rs registry 1\", \"keys\": {}, \"x\": 1}",
                "unexpected field",
            ),
            (
                "{\"format\": \"mobsync-rs registry 1\", \"keys\": {\"A\\\\\\\\B\": {}}}",
                "invalid key path",
            ),
            (
                "{\"format\": \"mobsync-rs registry 1\", \"keys\": {\"A\": {}, \"a\": {}}}",
                "listed twice",
            ),
            (
                "{\"format\": \"mobsync-rs registry 1\", \"keys\": {\"A\": 1}}",
                "not an object",
            ),
            (
                "{\"format\": \"mobsync-rs registry 1\", \"keys\": {\"A\": {\"v\": -1}}}",
                "32-bit",
            ),
            (
                "{\"format\": \"mobsync-rs registry 1\", \"keys\": {\"A\": {\"v\": 4294967296}}}",
                "32-bit",
            ),
            (
                "{\"format\": \"mobsync-rs registry 1\", \"keys\": {\"A\": {\"v\": true}}}",
                "neither a string nor a number",
            ),
            (
                "{\"format\": \"mobsync-rs registry 1\", \"keys\": {}} x",
                "invalid JSON",
            ),
        ];
        for (text, expected) in cases {
            let err = Tree::parse(text.as_bytes()).expect_err(text);
            assert!(
                err.contains(expected),
                "{text:?}: {err:?} lacks {expected:?}"
            );
        }
    }
}
