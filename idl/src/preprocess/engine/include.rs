//! `#include`, `#include_next` and `#import`: the header name, the search of the include
//! directories, and processing the included file in place.

use std::io;
use std::path::{Path, PathBuf};

use super::Engine;
use crate::preprocess::lex::{Kind, LINEAR, Loc, SCRATCH, Token, slice};

impl Engine<'_> {
    /// `#include`: finds the file and processes it in place.
    pub(super) fn include(
        &mut self,
        rest: &[Token],
        first: &Token,
        directive: &str,
        current: u32,
        depth: u32,
    ) {
        let Some((name, angled, at)) = self.header_name(rest, first, directive) else {
            return;
        };
        if depth + 1 > self.opts.limits.max_include_depth {
            self.fatal_error(
                at,
                format!(
                    "#include nested too deeply (more than {} levels)",
                    self.opts.limits.max_include_depth
                ),
            );
            return;
        }
        let next = directive == "include_next";
        let Some((idx, found_in)) = self.find_include(&name, angled, next, current, at) else {
            return;
        };
        let Some(id) = self.files[idx as usize].id else {
            return;
        };
        if self.once.contains(&id) {
            return;
        }
        if directive == "import" {
            self.once.insert(id);
        }
        self.included_count += 1;
        if self.included_count > self.opts.limits.max_includes {
            self.fatal_error(
                at,
                format!("more than {} files included", self.opts.limits.max_includes),
            );
            return;
        }
        if !self.includes.contains(&id) {
            self.includes.push(id);
        }
        let saved = (self.line_delta, self.presumed_file.take(), self.found_in);
        self.line_delta = 0;
        self.found_in = found_in;
        self.process_file(idx, depth + 1);
        (self.line_delta, self.presumed_file, self.found_in) = saved;
    }

    /// The file name of an `#include`: `"name"`, `<name>`, or macros expanding to either.
    fn header_name(
        &mut self,
        rest: &[Token],
        first: &Token,
        directive: &str,
    ) -> Option<(String, bool, Loc)> {
        let Some(t0) = rest.first().copied() else {
            self.error_tok(
                first,
                format!("#{directive} expects \"FILENAME\" or <FILENAME>"),
            );
            return None;
        };
        let direct = self.header_from(rest);
        let (name, angled, used) = match direct {
            Some(found) => found,
            None => {
                let expanded = self.expand_list(rest.to_vec(), 0);
                match self.header_from(&expanded) {
                    Some((n, a, _)) => (n, a, rest.len()),
                    None => {
                        self.error_tok(
                            &t0,
                            format!("#{directive} expects \"FILENAME\" or <FILENAME>"),
                        );
                        return None;
                    }
                }
            }
        };
        if used < rest.len() {
            self.warning(
                rest[used].origin,
                1,
                format!("extra tokens at end of #{directive} directive"),
            );
        }
        if name.is_empty() {
            self.error_tok(&t0, format!("empty filename in #{directive}"));
            return None;
        }
        Some((name, angled, t0.origin))
    }

    /// Reads `"name"` or `< ... >` at the start of `toks`; returns the name, whether it was
    /// angled and how many tokens it used.
    fn header_from(&self, toks: &[Token]) -> Option<(String, bool, usize)> {
        let t0 = toks.first()?;
        let text = self.text(t0);
        if t0.kind == Kind::Str && text.starts_with('"') && text.len() >= 2 && text.ends_with('"') {
            return Some((text[1..text.len() - 1].to_string(), false, 1));
        }
        if t0.kind == Kind::Punct && text == "<" {
            let close = toks
                .iter()
                .position(|t| t.kind == Kind::Punct && self.text(t) == ">")?;
            let inner = &toks[1..close];
            // Directly scanned tokens: take the raw text between the brackets.
            let raw = match (inner.first(), inner.last()) {
                (Some(a), Some(b))
                    if a.src == b.src && a.src != SCRATCH && a.has(LINEAR) && b.has(LINEAR) =>
                {
                    let f = self.files.get(a.src as usize)?;
                    slice(f.str(), a.start as usize, b.end as usize).to_string()
                }
                _ => self.rest_text(inner),
            };
            return Some((raw, true, close + 1));
        }
        None
    }

    /// Finds and loads an `#include`d file. Returns its index and the include directory it
    /// was found in.
    fn find_include(
        &mut self,
        name: &str,
        angled: bool,
        next: bool,
        current: u32,
        at: Loc,
    ) -> Option<(u32, Option<usize>)> {
        let mut candidates: Vec<(PathBuf, Option<usize>)> = Vec::new();
        let path = Path::new(name);
        if path.is_absolute() {
            candidates.push((path.to_path_buf(), None));
        } else {
            let start_dir = if next {
                self.found_in.map_or(0, |i| i + 1)
            } else {
                0
            };
            if !angled
                && !next
                && let Some(id) = self.files[current as usize].id
            {
                let dir = self
                    .map
                    .path(id)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                candidates.push((dir.join(path), None));
            }
            for (i, dir) in self.opts.include_dirs.iter().enumerate().skip(start_dir) {
                candidates.push((dir.join(path), Some(i)));
            }
        }
        for (cand, dir) in &candidates {
            if let Some(id) = self.map.find(cand) {
                let text = self.map.file(id).shared_text();
                return Some((self.add_file(Some(id), text), *dir));
            }
            match (self.loader)(cand) {
                Ok(text) => {
                    let id = self.map.add(cand.clone(), text);
                    let text = self.map.file(id).shared_text();
                    return Some((self.add_file(Some(id), text), *dir));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::IsADirectory
                    ) => {}
                Err(e) => {
                    self.error(at, format!("cannot read `{}`: {e}", cand.display()));
                    return None;
                }
            }
        }
        let searched: Vec<String> = candidates
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        let d = self
            .diag_at(at, 1, format!("cannot find include file `{name}`"), true)
            .with_note(if searched.is_empty() {
                "no include directories were given (use -I)".to_string()
            } else {
                format!("searched: {}", searched.join(", "))
            });
        self.push_error(d);
        None
    }
}
