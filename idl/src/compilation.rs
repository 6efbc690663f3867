//! The result of loading and checking: a set of files with their symbols, what code generators
//! and other tools read.

use std::sync::Arc;

use crate::model::{File, Item};
use crate::source::{FileId, SourceMap, Span};
use crate::symbols::{FileSet, Symbol, SymbolTable};

/// A loaded and checked set of files: the root files given to the driver, everything they
/// import, and a symbol table of the names visible from the roots. The code generators read it.
#[derive(Debug)]
pub struct Compilation {
    map: SourceMap,
    files: Vec<Option<Arc<File>>>,
    roots: Vec<FileId>,
    symbols: Arc<SymbolTable>,
    /// Each loaded file's closure (itself and everything it imports), by file id.
    closures: Arc<Vec<FileSet>>,
    visible: FileSet,
}

impl Compilation {
    /// A compilation of `files` (indexed by file id, as `closures`) whose roots are `roots`.
    pub(crate) fn new(
        map: SourceMap,
        files: Vec<Option<Arc<File>>>,
        roots: Vec<FileId>,
        symbols: SymbolTable,
        closures: Vec<FileSet>,
    ) -> Self {
        let mut compilation = Compilation {
            map,
            files,
            roots: Vec::new(),
            symbols: Arc::new(symbols),
            closures: Arc::new(closures),
            visible: FileSet::default(),
        };
        compilation.set_roots(roots);
        compilation
    }

    fn set_roots(&mut self, roots: Vec<FileId>) {
        let mut visible = FileSet::default();
        for root in &roots {
            if let Some(closure) = self.closures.get(root.index()) {
                visible.union_with(closure);
            }
        }
        self.visible = visible;
        self.roots = roots;
    }
}

impl Compilation {
    /// The first root file.
    ///
    /// # Panics
    /// Never for a compilation returned by [`crate::load`] or [`crate::mobsync_compilation`]
    /// (they have at least one root).
    pub fn root(&self) -> &File {
        self.file(self.roots[0]).expect("roots are parsed files")
    }

    /// The same files seen from other roots (loaded files of this compilation), as if the
    /// session had been turned into a compilation with these roots: for generating each of
    /// many files from one load, where every file is parsed and checked once. The files and
    /// symbols are shared, not copied.
    pub fn with_roots(&self, roots: Vec<FileId>) -> Compilation {
        let mut compilation = Compilation {
            map: self.map.clone(),
            files: self.files.clone(),
            roots: Vec::new(),
            symbols: Arc::clone(&self.symbols),
            closures: Arc::clone(&self.closures),
            visible: FileSet::default(),
        };
        compilation.set_roots(roots);
        compilation
    }

    /// All root files, in the order given.
    pub fn roots(&self) -> impl Iterator<Item = &File> {
        self.roots.iter().filter_map(|&id| self.file(id))
    }

    /// A parsed file by id.
    pub fn file(&self, id: FileId) -> Option<&File> {
        self.files.get(id.index())?.as_deref()
    }

    /// Every parsed file of the roots (the roots and what they import, directly or not), in
    /// load order. (Files the session loaded that the roots do not import are left out.)
    pub fn files(&self) -> impl Iterator<Item = &File> {
        self.files
            .iter()
            .filter_map(|f| f.as_deref())
            .filter(|f| self.visible.contains(f.id))
    }

    /// The files imported (directly or not) by the roots, excluding the roots.
    pub fn imported_files(&self) -> impl Iterator<Item = &File> {
        self.files().filter(|f| !self.roots.contains(&f.id))
    }

    /// Looks up a type, typedef, interface, constant, enumerator or function by name among the
    /// declarations visible from the roots. Definitions win over forward declarations.
    pub fn lookup(&self, name: &str) -> Option<&Symbol> {
        self.symbols.lookup(name, &self.visible)
    }

    /// Looks up a `struct`/`union`/`enum` tag.
    pub fn lookup_tag(&self, tag: &str) -> Option<&Symbol> {
        self.symbols.lookup_tag(tag, &self.visible)
    }

    /// Every item of every root file, flattened through libraries, modules and namespaces.
    pub fn root_items(&self) -> Vec<&Item> {
        let mut out = Vec::new();
        for file in self.roots() {
            flatten(&file.items, &mut out);
        }
        out
    }

    /// The source map (for rendering spans).
    pub fn source_map(&self) -> &SourceMap {
        &self.map
    }

    /// The `file:line:col` of a span, with the file's path.
    pub fn location(&self, span: Span) -> String {
        format!(
            "{}:{}:{}",
            self.map
                .get(span.file)
                .map_or_else(|| span.file.to_string(), |f| f.name().to_string()),
            span.line,
            span.col
        )
    }

    /// The root files as JSON (what `cargo xtask parse --dump` prints).
    pub fn to_json(&self) -> String {
        let roots: Vec<&File> = self.roots().collect();
        serde_json::to_string_pretty(&roots).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

fn flatten<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
    for item in items {
        out.push(item);
        match item {
            Item::Library(l) | Item::Module(l) => flatten(&l.items, out),
            Item::Namespace(n) => flatten(&n.items, out),
            _ => {}
        }
    }
}
