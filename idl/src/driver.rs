//! The driver: loads files (from disk or from the bundled copy), runs preprocessor, parser,
//! lowering and checks, and caches every file so imports are processed once per [`Session`].

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::check::CheckContext;
use crate::compilation::Compilation;
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{File, Item};
use crate::options::{Loader, Options};
use crate::parse::Parsed;
use crate::source::{FileId, SourceMap};
use crate::symbols::{FileSet, SymbolTable};

/// The state of one loaded file.
#[derive(Debug)]
struct Unit {
    /// `None` while the file is being processed (an import cycle reaching it is skipped, as
    /// widl does), or when it could not be parsed.
    file: Option<Arc<File>>,
    /// Own diagnostics (not those of imports).
    diags: Vec<Diagnostic>,
    /// Whether this file or anything it imports has errors.
    failed: bool,
    /// This file and everything it imports, transitively (what importers get).
    closure: FileSet,
    /// What names in this file may refer to: its closure plus, for a file first loaded by an
    /// import, everything its first importer could see at that point (widl parses an
    /// imported file in the middle of its importer, so the importer's names are known; some
    /// SDK files rely on it, e.g. bdatypes.h uses `ULONG` without importing it).
    lookup: FileSet,
    /// Files imported directly.
    imports: Vec<FileId>,
    done: bool,
}

/// Loads and checks IDL files, caching each file (and its imports) for the session's lifetime.
///
/// Use one session to process many files that share imports: each imported file is read,
/// preprocessed, parsed and checked once.
pub struct Session {
    opts: Options,
    loader: Box<Loader>,
    map: SourceMap,
    /// Normalized path → unit.
    by_path: HashMap<PathBuf, FileId>,
    units: HashMap<FileId, Unit>,
    pub(crate) symbols: SymbolTable,
    /// Files preprocessed and parsed ahead of time by [`Session::load_files`], waiting for
    /// their turn to be checked.
    prefetched: HashMap<PathBuf, (FileId, Parsed)>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("opts", &self.opts)
            .field("files", &self.by_path.len())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session reading files from disk.
    pub fn new(opts: Options) -> Self {
        Session::with_loader(opts, Box::new(|p: &Path| std::fs::read_to_string(p)))
    }

    /// A session reading files through `loader` (an in-memory file system, for example).
    pub fn with_loader(opts: Options, loader: Box<Loader>) -> Self {
        Session {
            opts,
            loader,
            map: SourceMap::new(),
            by_path: HashMap::new(),
            units: HashMap::new(),
            symbols: SymbolTable::default(),
            prefetched: HashMap::new(),
        }
    }

    /// The options of this session.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Every file loaded so far.
    pub fn source_map(&self) -> &SourceMap {
        &self.map
    }

    /// Loads, parses and (unless `syntax_only`) checks `path` and everything it imports.
    ///
    /// On success returns the file's id; on failure, the diagnostics of the file and of the
    /// imported files that failed. Loading the same path again returns the cached result.
    pub fn load_file(&mut self, path: &Path) -> Result<FileId, Diagnostics> {
        crate::pool::run(|| self.load_file_here(path))
    }

    /// [`Session::load_file`] on the current thread.
    fn load_file_here(&mut self, path: &Path) -> Result<FileId, Diagnostics> {
        let key = normalize(path);
        let id = match self.by_path.get(&key) {
            Some(&id) => id,
            None if self.prefetched.contains_key(&key) => self.process(key, String::new(), None),
            None => match (self.loader)(path) {
                Ok(text) => self.process(key, text, None),
                Err(err) => {
                    let d = Diagnostic::error_without_span(format!(
                        "cannot read `{}`: {err}",
                        path.display()
                    ));
                    return Err(Diagnostics::new(vec![d], self.map.clone()));
                }
            },
        };
        let unit = &self.units[&id];
        if unit.failed {
            Err(Diagnostics::new(self.collect_diags(id), self.map.clone()))
        } else {
            Ok(id)
        }
    }

    /// Loads, parses and checks several files, like [`Session::load_file`] on each in order,
    /// but reading, preprocessing and parsing them (and the files they import, as far as they
    /// are among `paths`) on all cores first. Checks then run in order, so the results are
    /// exactly those of loading the files one by one.
    pub fn load_files(&mut self, paths: &[PathBuf]) -> Vec<Result<FileId, Diagnostics>> {
        crate::pool::run(|| {
            self.prefetch(paths);
            paths.iter().map(|p| self.load_file_here(p)).collect()
        })
    }

    /// Reads, preprocesses and parses the files of `paths` that are not loaded yet, in
    /// parallel; [`Session::process`] picks the results up.
    fn prefetch(&mut self, paths: &[PathBuf]) {
        use rayon::prelude::*;
        let mut seen = std::collections::HashSet::new();
        let todo: Vec<(PathBuf, &PathBuf)> = paths
            .iter()
            .map(|p| (normalize(p), p))
            .filter(|(key, _)| {
                !self.by_path.contains_key(key)
                    && !self.prefetched.contains_key(key)
                    && seen.insert(key.clone())
            })
            .collect();
        let (map, opts, loader) = (&self.map, &self.opts, &*self.loader);
        let done: Vec<(PathBuf, FileId, Parsed)> = todo
            .into_par_iter()
            .filter_map(|(key, path)| {
                // Unreadable files are reported by `load_file`, in order.
                let text = loader(path).ok()?;
                let mut map = map.clone();
                let id = map.add(key.clone(), text);
                let parsed = crate::parse::preprocess_and_parse(&mut map, id, opts, loader);
                Some((key, id, parsed))
            })
            .collect();
        for (key, id, parsed) in done {
            self.prefetched.insert(key, (id, parsed));
        }
    }

    /// Loads a file given its text directly (for tests and tools); `path` names it in
    /// diagnostics and is the base for relative imports.
    pub fn load_source(&mut self, path: &Path, text: &str) -> Result<FileId, Diagnostics> {
        crate::pool::run(|| self.load_source_here(path, text))
    }

    /// [`Session::load_source`] on the current thread.
    fn load_source_here(&mut self, path: &Path, text: &str) -> Result<FileId, Diagnostics> {
        let key = normalize(path);
        // The text given here wins over a copy read ahead of time.
        self.prefetched.remove(&key);
        let id = match self.by_path.get(&key) {
            Some(&id) => id,
            None => self.process(key, text.to_string(), None),
        };
        if self.units[&id].failed {
            Err(Diagnostics::new(self.collect_diags(id), self.map.clone()))
        } else {
            Ok(id)
        }
    }

    /// The diagnostics (warnings included) of a loaded file itself, not of its imports.
    pub fn diagnostics(&self, id: FileId) -> Diagnostics {
        let list = self
            .units
            .get(&id)
            .map_or_else(Vec::new, |u| u.diags.clone());
        Diagnostics::new(list, self.map.clone())
    }

    /// The parsed file with this id, if it was loaded and parsed.
    pub fn file(&self, id: FileId) -> Option<&Arc<File>> {
        self.units.get(&id)?.file.as_ref()
    }

    /// Builds a [`Compilation`] whose roots are the given loaded files, consuming the session.
    pub fn into_compilation(self, roots: Vec<FileId>) -> Compilation {
        let mut files: Vec<Option<Arc<File>>> = vec![None; self.map.len()];
        let mut closures = vec![FileSet::default(); self.map.len()];
        for (id, unit) in self.units {
            files[id.index()] = unit.file;
            closures[id.index()] = unit.closure;
        }
        Compilation::new(self.map, files, roots, self.symbols, closures)
    }

    /// Diagnostics of `id` and of every failed file it imports (each file once).
    fn collect_diags(&self, id: FileId) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut seen = FileSet::default();
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            if seen.contains(id) {
                continue;
            }
            seen.insert(id);
            if let Some(unit) = self.units.get(&id) {
                if unit.failed {
                    // Imports first, so errors read in the order widl would meet them.
                    stack.extend(unit.imports.iter().rev().copied());
                }
                out.extend(unit.diags.iter().cloned());
            }
        }
        out
    }

    /// Runs the whole pipeline on a new file.
    fn process(&mut self, key: PathBuf, text: String, inherited: Option<FileSet>) -> FileId {
        let (id, parsed) = match self.prefetched.remove(&key) {
            Some(done) => done,
            None => {
                let id = self.map.add(key.clone(), text);
                let parsed = crate::parse::preprocess_and_parse(
                    &mut self.map,
                    id,
                    &self.opts,
                    &*self.loader,
                );
                (id, parsed)
            }
        };
        self.by_path.insert(key.clone(), id);
        let mut closure = FileSet::default();
        closure.insert(id);
        let mut lookup = inherited.unwrap_or_default();
        lookup.union_with(&closure);
        self.units.insert(
            id,
            Unit {
                file: None,
                diags: Vec::new(),
                failed: false,
                closure,
                lookup,
                imports: Vec::new(),
                done: false,
            },
        );

        if !self.opts.syntax_only
            && let Ok(items) = &parsed.items
        {
            self.prefetch_imports(&key, items);
        }
        let mut diags = parsed.warnings;
        let parsed = match parsed.items {
            Ok(items) => Some(items),
            Err(mut errs) => {
                diags.append(&mut errs);
                None
            }
        };
        let file = parsed.map(|items| {
            Arc::new(File {
                id,
                path: key.display().to_string(),
                items,
            })
        });
        if let Some(file) = &file {
            // Published before checking so that an import cycle back to this file sees it.
            if let Some(unit) = self.units.get_mut(&id) {
                unit.file = Some(file.clone());
            }
            if !self.opts.syntax_only {
                let mut errs = crate::check::check_file(self, id, file);
                diags.append(&mut errs);
            }
        }
        let failed_imports = self.units[&id]
            .imports
            .iter()
            .any(|i| self.units.get(i).is_some_and(|u| u.failed));
        let unit = self.units.get_mut(&id).expect("inserted above");
        unit.failed = file.is_none() || failed_imports || diags.iter().any(Diagnostic::is_error);
        unit.diags = diags;
        unit.done = true;
        id
    }

    /// Reads, preprocesses and parses ahead, in parallel, the files that the imports of `items`
    /// (of the file at `key`) will load, and the files those import in turn, wave by wave, so
    /// that the checks (which load imports one at a time, in order) find them ready. Files are
    /// found as [`Session::import`] finds them; anything not found here is loaded there.
    fn prefetch_imports(&mut self, key: &Path, items: &[Item]) {
        use rayon::prelude::*;
        let mut pending: Vec<(Option<PathBuf>, String)> = Vec::new();
        import_names(items, key.parent(), &mut pending);
        while !pending.is_empty() {
            // Resolve on this thread (it only reads files), so each file is parsed once.
            let mut wave: Vec<(PathBuf, String)> = Vec::new();
            for (base, name) in pending.drain(..) {
                for cand in self.import_candidates(base.as_deref(), &name) {
                    let key = normalize(&cand);
                    if self.by_path.contains_key(&key)
                        || self.prefetched.contains_key(&key)
                        || wave.iter().any(|(k, _)| *k == key)
                    {
                        break;
                    }
                    if let Ok(text) = (self.loader)(&cand) {
                        wave.push((key, text));
                        break;
                    }
                }
            }
            if wave.is_empty() {
                break;
            }
            let (map, opts, loader) = (&self.map, &self.opts, &*self.loader);
            let done: Vec<(PathBuf, FileId, Parsed)> = wave
                .into_par_iter()
                .map(|(key, text)| {
                    let mut map = map.clone();
                    let id = map.add(key.clone(), text);
                    let parsed = crate::parse::preprocess_and_parse(&mut map, id, opts, loader);
                    (key, id, parsed)
                })
                .collect();
            for (key, id, parsed) in done {
                if let Ok(items) = &parsed.items {
                    import_names(items, key.parent(), &mut pending);
                }
                self.prefetched.insert(key, (id, parsed));
            }
        }
    }

    /// Where an import named `name` in a file of directory `base` may be, in the order
    /// [`Session::import`] tries them.
    fn import_candidates(&self, base: Option<&Path>, name: &str) -> Vec<PathBuf> {
        if Path::new(name).is_absolute() {
            return vec![PathBuf::from(name)];
        }
        base.map(|b| b.join(name))
            .into_iter()
            .chain(self.opts.include_dirs.iter().map(|d| d.join(name)))
            .collect()
    }

    /// Resolves and loads an import named `name` from file `from`; the imported file and its
    /// closure become visible in `from`. Returns `None` when the file does not exist (the
    /// caller reports it) and `Some(id)` otherwise (also for cycles, which are skipped).
    fn import(&mut self, from: FileId, name: &str) -> Option<FileId> {
        let base = self.map.path(from).parent().map(Path::to_path_buf);
        let candidates = self.import_candidates(base.as_deref(), name);
        let mut found = None;
        for cand in candidates {
            let key = normalize(&cand);
            if let Some(&id) = self.by_path.get(&key) {
                found = Some(id);
                break;
            }
            if self.prefetched.contains_key(&key) {
                let context = self.units.get(&from).map(|u| u.lookup.clone());
                found = Some(self.process(key, String::new(), context));
                break;
            }
            if let Ok(text) = (self.loader)(&cand) {
                let context = self.units.get(&from).map(|u| u.lookup.clone());
                found = Some(self.process(key, text, context));
                break;
            }
        }
        let id = found?;
        let closure = self.units.get(&id).map(|u| (u.closure.clone(), u.done));
        if let Some(unit) = self.units.get_mut(&from) {
            if !unit.imports.contains(&id) {
                unit.imports.push(id);
            }
            if let Some((closure, _)) = closure {
                unit.closure.union_with(&closure);
                unit.lookup.union_with(&closure);
            }
        }
        Some(id)
    }
}

impl CheckContext for Session {
    fn import(&mut self, from: FileId, name: &str) -> Option<FileId> {
        Session::import(self, from, name)
    }

    fn visible(&self, file: FileId) -> &FileSet {
        &self.units[&file].lookup
    }

    fn symbols(&self) -> &SymbolTable {
        &self.symbols
    }

    fn symbols_mut(&mut self) -> &mut SymbolTable {
        &mut self.symbols
    }
}

/// The names of the files `items` import (`import "a.idl", "b.idl";` at any depth of
/// libraries, modules and namespaces), each with the directory of the importing file.
fn import_names(items: &[Item], base: Option<&Path>, out: &mut Vec<(Option<PathBuf>, String)>) {
    for item in items {
        match item {
            Item::Import(imp) => out.extend(
                imp.files
                    .iter()
                    .map(|f| (base.map(Path::to_path_buf), f.value.clone())),
            ),
            Item::Library(l) | Item::Module(l) => import_names(&l.items, base, out),
            Item::Namespace(n) => import_names(&n.items, base, out),
            _ => {}
        }
    }
}

/// Removes `.` and resolvable `..` components so one file gets one key.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Loads and checks `paths` (and everything they import) with one [`Session`].
///
/// Returns the compilation, or every diagnostic of every file that failed.
pub fn load(paths: &[PathBuf], opts: &Options) -> Result<Compilation, Diagnostics> {
    let mut session = Session::new(opts.clone());
    let mut roots = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match session.load_file(path) {
            Ok(id) => roots.push(id),
            Err(d) => errors.extend(d.list().iter().cloned()),
        }
    }
    if errors.is_empty() && !roots.is_empty() {
        Ok(session.into_compilation(roots))
    } else {
        if roots.is_empty() && errors.is_empty() {
            errors.push(Diagnostic::error_without_span("no input files"));
        }
        Err(Diagnostics::new(errors, session.source_map().clone()))
    }
}
