//! Shared helpers of the preprocessor tests: an in-memory file system and shortcuts.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use mobsync_idl::Diagnostic;
use mobsync_idl::preprocess::{PpOptions, Preprocessed, preprocess};
use mobsync_idl::source::{FileId, SourceMap};

/// Files by path.
#[derive(Default)]
pub struct Fs {
    pub files: HashMap<PathBuf, String>,
}

impl Fs {
    pub fn new(files: &[(&str, &str)]) -> Fs {
        Fs {
            files: files
                .iter()
                .map(|(p, t)| (PathBuf::from(p), t.to_string()))
                .collect(),
        }
    }

    pub fn load(&self, p: &Path) -> io::Result<String> {
        self.files
            .get(p)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
}

/// The outcome of a run, with the map to resolve locations.
pub struct Run {
    pub map: SourceMap,
    pub root: FileId,
    pub result: Result<Preprocessed, Vec<Diagnostic>>,
}

impl Run {
    /// The output text; panics (test failure) with the diagnostics on error.
    pub fn text(&self) -> &str {
        match &self.result {
            Ok(p) => &p.text,
            Err(d) => panic!("unexpected errors: {d:#?}"),
        }
    }

    pub fn pp(&self) -> &Preprocessed {
        match &self.result {
            Ok(p) => p,
            Err(d) => panic!("unexpected errors: {d:#?}"),
        }
    }

    /// The diagnostics of a failed run; panics when it succeeded.
    pub fn errors(&self) -> &[Diagnostic] {
        match &self.result {
            Ok(p) => panic!("expected errors, got output {:?}", p.text),
            Err(d) => d,
        }
    }

    /// `file:line:col: message` of every diagnostic.
    pub fn messages(&self) -> Vec<String> {
        let diags = match &self.result {
            Ok(p) => &p.warnings,
            Err(d) => d,
        };
        diags
            .iter()
            .map(|d| match &d.span {
                Some(s) => format!(
                    "{}:{}:{}: {}",
                    self.map.path(s.file).display(),
                    s.line,
                    s.col,
                    d.message
                ),
                None => d.message.clone(),
            })
            .collect()
    }

    /// `file:line:col` of the origin of the first occurrence of `needle` in the output.
    pub fn origin_of(&self, needle: &str) -> String {
        let p = self.pp();
        let at = p
            .text
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not in output {:?}", p.text));
        let span = p.span(&self.map, at, at + needle.len());
        format!(
            "{}:{}:{}",
            self.map.path(span.file).display(),
            span.line,
            span.col
        )
    }
}

/// Preprocesses `root` of `fs` with `opts`.
pub fn run_with(fs: &Fs, root: &str, opts: &PpOptions) -> Run {
    let mut map = SourceMap::new();
    let text = fs.load(Path::new(root)).expect("root file exists");
    let id = map.add(root, text);
    let result = preprocess(&mut map, id, opts, &|p: &Path| fs.load(p));
    Run {
        map,
        root: id,
        result,
    }
}

/// Preprocesses one file `main.idl` with default options.
pub fn run(text: &str) -> Run {
    run_with(
        &Fs::new(&[("main.idl", text)]),
        "main.idl",
        &PpOptions::default(),
    )
}

/// The output with white space runs collapsed to one space and trimmed (for comparing token
/// sequences).
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits preprocessed C/IDL text into tokens, ignoring white space, comments and line
/// markers. Punctuation is split into single characters so that spacing differences between
/// two preprocessors (`- -` versus `--`) do not matter.
pub fn tokens(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line_start = true;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if line_start && c == b'#' {
            // A line marker `# 12 "file" 1 3`.
            let rest = text[i + 1..].trim_start_matches(' ');
            if rest.starts_with(|ch: char| ch.is_ascii_digit()) {
                i = text[i..].find('\n').map_or(b.len(), |p| i + p);
                continue;
            }
        }
        line_start = false;
        let start = i;
        if text[i..].starts_with("/*") {
            i = text[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
            continue;
        }
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(b.len(), |p| i + p);
            continue;
        }
        let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
        if c == b'"'
            || c == b'\''
            || (ident(c) && {
                let mut j = i;
                while j < b.len() && ident(b[j]) {
                    j += 1;
                }
                j < b.len()
                    && (b[j] == b'"' || b[j] == b'\'')
                    && matches!(&text[i..j], "L" | "u" | "U" | "u8")
            })
        {
            while b[i] != b'"' && b[i] != b'\'' {
                i += 1;
            }
            let q = b[i];
            i += 1;
            while i < b.len() && b[i] != q && b[i] != b'\n' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i += 1;
            while i < b.len()
                && (ident(b[i])
                    || b[i] == b'.'
                    || (matches!(b[i], b'+' | b'-')
                        && matches!(b[i - 1], b'e' | b'E' | b'p' | b'P')))
            {
                i += 1;
            }
        } else if ident(c) {
            while i < b.len() && ident(b[i]) {
                i += 1;
            }
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
        out.push(&text[start..i.min(b.len())]);
    }
    out
}
