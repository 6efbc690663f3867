//! The symbol table: every name declared by every loaded file, with the file that declares it,
//! looked up through the set of files visible from a given file (itself and its imports).

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::{
    ApiContract, Coclass, Const, Declaration, Delegate, Dispinterface, EnumType, Enumerator,
    Forward, Function, Interface, Library, StructType, Type, Typedef,
};
use crate::source::{FileId, Span};

/// A set of files, as a bit set indexed by [`FileId`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet {
    words: Vec<u64>,
}

impl FileSet {
    /// Adds a file.
    pub fn insert(&mut self, id: FileId) {
        let (w, b) = (id.index() / 64, id.index() % 64);
        if self.words.len() <= w {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << b;
    }

    /// Whether the file is in the set.
    pub fn contains(&self, id: FileId) -> bool {
        let (w, b) = (id.index() / 64, id.index() % 64);
        self.words.get(w).is_some_and(|word| word & (1 << b) != 0)
    }

    /// Adds every file of `other`.
    pub fn union_with(&mut self, other: &FileSet) {
        if self.words.len() < other.words.len() {
            self.words.resize(other.words.len(), 0);
        }
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }
}

/// What a name refers to.
#[derive(Debug, Clone)]
pub enum Symbol {
    /// A typedef name: the typedef and the index of the declarator that declares the name.
    Typedef {
        /// The typedef statement.
        typedef: Arc<Typedef>,
        /// Index into `typedef.declarators`.
        index: usize,
    },
    /// An interface definition.
    Interface(Arc<Interface>),
    /// A dispinterface definition.
    Dispinterface(Arc<Dispinterface>),
    /// A coclass.
    Coclass(Arc<Coclass>),
    /// A WinRT runtime class.
    RuntimeClass(Arc<Coclass>),
    /// A WinRT delegate.
    Delegate(Arc<Delegate>),
    /// A WinRT API contract.
    ApiContract(Arc<ApiContract>),
    /// A library.
    Library(Arc<Library>),
    /// A module.
    Module(Arc<Library>),
    /// A forward declaration (only returned when no definition is visible).
    Forward(Arc<Forward>),
    /// A constant.
    Const(Arc<Const>),
    /// An enumerator, with its enum and index.
    Enumerator {
        /// The enum that declares it.
        ty: Arc<EnumType>,
        /// Index into `ty.enumerators`.
        index: usize,
    },
    /// A function declaration.
    Function(Arc<Function>),
    /// A variable declared by a plain declaration (`extern const IID X;`).
    Variable {
        /// The declaration.
        decl: Arc<Declaration>,
        /// Index into `decl.declarators`.
        index: usize,
    },
    /// A struct or union tag.
    StructTag(Arc<StructType>),
    /// An enum tag.
    EnumTag(Arc<EnumType>),
    /// A WinRT generic parameter or other name that stands for a type inside its scope.
    TypeParam(Span),
}

impl Symbol {
    /// Whether the symbol names a type (usable as a type specifier).
    pub fn is_type(&self) -> bool {
        match self {
            Symbol::Typedef { .. }
            | Symbol::Interface(_)
            | Symbol::Dispinterface(_)
            | Symbol::Coclass(_)
            | Symbol::RuntimeClass(_)
            | Symbol::Delegate(_)
            | Symbol::StructTag(_)
            | Symbol::EnumTag(_)
            | Symbol::TypeParam(_) => true,
            Symbol::Forward(f) => !matches!(f.what, crate::model::ForwardKind::Module),
            _ => false,
        }
    }

    /// Whether this is only a forward declaration.
    pub fn is_forward(&self) -> bool {
        matches!(self, Symbol::Forward(_))
            || matches!(self, Symbol::StructTag(s) if !s.is_definition())
            || matches!(self, Symbol::EnumTag(e) if e.enumerators.is_none())
    }

    /// For a typedef, the type the name stands for.
    pub fn typedef_type(&self) -> Option<&Type> {
        match self {
            Symbol::Typedef { typedef, index } => Some(&typedef.declarators.get(*index)?.ty),
            _ => None,
        }
    }

    /// For an enumerator, the enumerator.
    pub fn enumerator(&self) -> Option<&Enumerator> {
        match self {
            Symbol::Enumerator { ty, index } => ty.enumerators.as_ref()?.get(*index),
            _ => None,
        }
    }

    /// The integer value of a constant or enumerator, once checked.
    pub fn int_value(&self) -> Option<i128> {
        match self {
            Symbol::Const(c) => c.value.get()?.as_int(),
            Symbol::Enumerator { .. } => self.enumerator()?.value.value(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    file: FileId,
    symbol: Symbol,
}

/// Every declared name of a session.
#[derive(Debug, Default)]
pub struct SymbolTable {
    names: HashMap<String, Vec<Entry>>,
    tags: HashMap<String, Vec<Entry>>,
}

impl SymbolTable {
    /// Records an ordinary name declared in `file`.
    pub(crate) fn define(&mut self, file: FileId, name: &str, symbol: Symbol) {
        self.names
            .entry(name.to_string())
            .or_default()
            .push(Entry { file, symbol });
    }

    /// Records a struct/union/enum tag declared in `file`.
    pub(crate) fn define_tag(&mut self, file: FileId, name: &str, symbol: Symbol) {
        self.tags
            .entry(name.to_string())
            .or_default()
            .push(Entry { file, symbol });
    }

    /// The latest visible declaration of `name`, preferring definitions over forward
    /// declarations.
    pub fn lookup(&self, name: &str, visible: &FileSet) -> Option<&Symbol> {
        Self::find(self.names.get(name)?, visible)
    }

    /// The latest visible declaration of a tag, preferring definitions.
    pub fn lookup_tag(&self, name: &str, visible: &FileSet) -> Option<&Symbol> {
        Self::find(self.tags.get(name)?, visible)
    }

    /// Every visible declaration of `name`, oldest first.
    pub(crate) fn all<'a>(
        &'a self,
        name: &str,
        visible: &'a FileSet,
    ) -> impl Iterator<Item = (FileId, &'a Symbol)> + 'a {
        self.names
            .get(name)
            .into_iter()
            .flatten()
            .filter(move |e| visible.contains(e.file))
            .map(|e| (e.file, &e.symbol))
    }

    fn find<'a>(entries: &'a [Entry], visible: &FileSet) -> Option<&'a Symbol> {
        let mut forward = None;
        for e in entries.iter().rev() {
            if !visible.contains(e.file) {
                continue;
            }
            if !e.symbol.is_forward() {
                return Some(&e.symbol);
            }
            forward.get_or_insert(&e.symbol);
        }
        forward
    }
}
