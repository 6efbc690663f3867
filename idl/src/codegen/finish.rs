//! The finishing step every Rust generator shares: format the tokens with prettyplease (the
//! items a generator wrote as text already, see [`Parts`], are copied), turn the
//! `safety_comment__!("...")` markers into `// SAFETY:` comments wrapped to the width of the
//! file, separate items with blank lines, and stamp the file.
//!
//! Parsing tokens back (syn) and printing them (prettyplease) costs most of the time of the
//! items that are still tokens, so each run of tokens is cut into pieces of whole top-level
//! items, parsed and printed one by one (smaller buffers for syn: faster even on one thread),
//! on the front end's threads for a big file, then joined: prettyplease prints each top-level
//! item on its own lines, whatever comes before or after it, so the text is the same as the
//! whole file's.

use std::borrow::Cow;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use rayon::prelude::*;

use super::options::Stamp;
use super::parts::{Part, Parts};

/// The width that `// SAFETY:` comments are wrapped to, indentation excluded: with the 11
/// columns of `// SAFETY: `, a comment line ends by column 100, rustfmt's default width.
const SAFETY_WIDTH: usize = 89;

/// Formats a file's runs (a token stream, or [`Parts`]), turns the comment markers into
/// comments, and stamps it.
pub(crate) fn finish(file: impl Into<Parts>, stamp: &Stamp) -> Result<String, String> {
    let runs = unparse(file.into())?;
    let size: usize = runs.iter().map(String::len).sum();
    let mut out = String::with_capacity(size + size / 8);
    out.push_str(&format!("// {}\n\n", stamp.text()));
    let mut lines = DocLines::new(runs.iter().flat_map(|run| run.lines()));
    let mut prev = Cow::Borrowed("");
    // Whether the attribute being written is an inner one (`#![...]`, which ends the module's
    // header) rather than an outer one (which belongs to the item after it).
    let mut inner_attribute = false;
    while let Some(line) = lines.next() {
        let line = line?;
        if line.starts_with("#!") {
            inner_attribute = true;
        } else if line.starts_with("#[") {
            inner_attribute = false;
        }
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let marker = if trimmed.starts_with("safety_comment__!(") {
            Some("// SAFETY: ")
        } else if trimmed.starts_with("note_comment__!(") {
            Some("// ")
        } else {
            None
        };
        if let Some(first_lead) = marker {
            // `safety_comment__!("text");` or `note_comment__!("text");`, possibly over
            // several lines.
            let mut call = String::from(trimmed);
            while !call.trim_end().ends_with(");") {
                let Some(next) = lines.next() else {
                    break;
                };
                call.push(' ');
                call.push_str(next?.trim());
            }
            let text = match (call.find('"'), call.rfind('"')) {
                (Some(a), Some(b)) if a < b => &call[a + 1..b],
                _ => return Err(format!("malformed comment marker: {call}")),
            };
            for (n, chunk) in wrap(text, SAFETY_WIDTH.saturating_sub(indent.len()).max(40))
                .iter()
                .enumerate()
            {
                let lead = if n == 0 { first_lead } else { "// " };
                out.push_str(indent);
                out.push_str(lead);
                out.push_str(chunk);
                out.push('\n');
            }
            prev = Cow::Borrowed("//");
            continue;
        }
        if needs_blank_line(&prev, &line, inner_attribute) {
            out.push('\n');
        }
        out.push_str(&line);
        out.push('\n');
        prev = line;
    }
    Ok(out)
}

/// The lines of prettyplease's text, each `/** ... */` block (a doc attribute of several
/// lines, as [`doc_attrs`](super::rust_tokens::doc_attrs) writes them) replaced by the `///`
/// lines it stands for: prettyplease writes the attribute's text between `/**` and `*/`, its
/// lines after the first without indentation, and each `///` line loses its trailing spaces,
/// as prettyplease trims a one-line doc attribute's.
struct DocLines<'a, I: Iterator<Item = &'a str>> {
    lines: I,
    /// The `///` lines of a block not given yet.
    pending: std::vec::IntoIter<String>,
}

impl<'a, I: Iterator<Item = &'a str>> DocLines<'a, I> {
    fn new(lines: I) -> Self {
        DocLines {
            lines,
            pending: Vec::new().into_iter(),
        }
    }

    /// The `///` lines of the block that starts on `line` (its first line).
    fn block(&mut self, line: &str) -> Result<Vec<String>, String> {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let mut out = Vec::new();
        let mut rest = &trimmed["/**".len()..];
        loop {
            let end = rest.find("*/");
            let content = end.map_or(rest, |at| &rest[..at]);
            out.push(format!("{indent}///{}", content.trim_end_matches(' ')));
            match end {
                Some(at) if rest[at + 2..].trim().is_empty() => return Ok(out),
                Some(at) => return Err(format!("text after a doc comment: {}", &rest[at + 2..])),
                None => rest = self.lines.next().ok_or("a doc comment without its end")?,
            }
        }
    }
}

impl<'a, I: Iterator<Item = &'a str>> Iterator for DocLines<'a, I> {
    type Item = Result<Cow<'a, str>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(line) = self.pending.next() {
            return Some(Ok(Cow::Owned(line)));
        }
        let line = self.lines.next()?;
        if !line.trim_start().starts_with("/**") {
            return Some(Ok(Cow::Borrowed(line)));
        }
        match self.block(line) {
            Ok(lines) => {
                self.pending = lines.into_iter();
                self.pending.next().map(|line| Ok(Cow::Owned(line)))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

/// Files of fewer top-level token trees are printed on the calling thread: sending a piece to
/// another thread costs writing it out as text and reading it back, worth it only for the big
/// files (`mshtml.idl`'s bindings have 62,000; half of the Wine corpus's files have fewer
/// than 1,300, nine more than 16,000).
const PARALLEL_TREES: usize = 16 * 1024;

/// Top-level token trees per run of items printed as one piece, on the calling thread (enough
/// to make a piece's fixed costs small) and in parallel (few enough to give every thread work).
const PIECE_TREES: usize = 2048;
const PARALLEL_PIECE_TREES: usize = 512;

/// A file's runs printed: its token runs by prettyplease, in pieces (in parallel for a big
/// file), its text runs as they are.
fn unparse(parts: Parts) -> Result<Vec<String>, String> {
    let runs: Vec<Run> = parts
        .into_vec()
        .into_iter()
        .map(|part| match part {
            Part::Tokens(tokens) => Run::Trees(tokens.into_iter().collect()),
            Part::Text(text) => Run::Text(text),
        })
        .collect();
    let trees: usize = runs
        .iter()
        .map(|run| match run {
            Run::Trees(trees) => trees.len(),
            Run::Text(_) => 0,
        })
        .sum();
    // A caller already on a rayon thread (`--out-dir`, generating files in parallel) keeps
    // its threads busy with other files: there the text round trip would be lost work.
    let parallel = trees >= PARALLEL_TREES && rayon::current_thread_index().is_none();
    let size = if parallel {
        PARALLEL_PIECE_TREES
    } else {
        PIECE_TREES
    };
    // Every token run's pieces, with the index of their run.
    let pieces: Vec<(usize, TokenStream)> = runs
        .iter()
        .enumerate()
        .flat_map(|(at, run)| {
            match run {
                Run::Trees(trees) => pieces(trees, size),
                Run::Text(_) => Vec::new(),
            }
            .into_iter()
            .map(move |piece| (at, piece))
        })
        .collect();
    // A piece's text, or `None` when it does not parse.
    let print = |parsed: syn::Result<syn::File>| parsed.ok().map(|f| prettyplease::unparse(&f));
    let printed: Vec<(usize, Option<String>)> = if !parallel {
        pieces
            .into_iter()
            .map(|(at, p)| (at, print(syn::parse2(p))))
            .collect()
    } else {
        // Tokens cannot move between threads (they share their storage): the pieces go as
        // text.
        let texts: Vec<(usize, String)> = pieces
            .iter()
            .map(|(at, piece)| (*at, piece.to_string()))
            .collect();
        crate::pool::run(|| {
            texts
                .par_iter()
                .map(|(at, text)| (*at, print(syn::parse_str(text))))
                .collect()
        })
    };
    let mut printed = printed.into_iter().peekable();
    let mut out = Vec::new();
    for (at, run) in runs.into_iter().enumerate() {
        let trees = match run {
            Run::Text(text) => {
                out.push(text);
                continue;
            }
            Run::Trees(trees) => trees,
        };
        let mut whole = true;
        let mut text = String::new();
        while let Some((_, piece)) = printed.next_if(|(of, _)| *of == at) {
            match piece {
                Some(piece) => text.push_str(&piece),
                None => whole = false,
            }
        }
        if !whole {
            // A cut in the wrong place, or tokens that are not Rust: the whole run decides,
            // and its error is the one reported.
            let parsed: syn::File = syn::parse2(trees.into_iter().collect())
                .map_err(|e| format!("generated Rust does not parse: {e}"))?;
            text = prettyplease::unparse(&parsed);
        }
        out.push(text);
    }
    Ok(out)
}

/// A run of a file on its way to text.
enum Run {
    Trees(Vec<TokenTree>),
    Text(String),
}

/// Cuts a file's top-level tokens into runs of items of about `size` token trees.
/// An item ends with a `;` or with a `{ ... }` that no `;` follows; attributes stay with the
/// item after them (inner ones with the first). Where that rule cuts inside an item (a brace
/// group followed by more of the same item), a piece does not parse and [`unparse`] falls
/// back to the whole run.
fn pieces(trees: &[TokenTree], size: usize) -> Vec<TokenStream> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for i in 0..trees.len() {
        let item_ends = match &trees[i] {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => {
                g.delimiter() == Delimiter::Brace
                    && !matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == ';')
            }
            _ => false,
        };
        if item_ends && i + 1 - start >= size {
            pieces.push(trees[start..=i].iter().cloned().collect());
            start = i + 1;
        }
    }
    if start < trees.len() || pieces.is_empty() {
        pieces.push(trees[start..].iter().cloned().collect());
    }
    pieces
}

/// Whether to separate `line` from the `prev` one with a blank line: between top-level items
/// (but not between `use` declarations, nor after an outer attribute) and between the methods of
/// an impl block. `inner_attribute` tells whether the last attribute begun is an inner one.
fn needs_blank_line(prev: &str, line: &str, inner_attribute: bool) -> bool {
    if prev.is_empty() || line.trim().is_empty() {
        return false;
    }
    if prev.starts_with("use ") && line.starts_with("use ") {
        return false;
    }
    if prev.starts_with("//!") && !line.starts_with("//!") {
        return true;
    }
    let top_level_end = !prev.starts_with(' ')
        && (prev == "}"
            || (prev == ")]" && inner_attribute)
            || (prev.ends_with(';') && !prev.starts_with("//")));
    if top_level_end && !line.starts_with(' ') && !line.starts_with('}') {
        return true;
    }
    // A member of an impl block after the one that ends on `prev` (checked in this order: most
    // lines are not one).
    prev == "    }"
        && line.starts_with("    ")
        && !line.starts_with("     ")
        && (line.trim() == "///"
            || ["/// ", "pub fn ", "fn ", "pub unsafe fn ", "#["]
                .iter()
                .any(|p| line[4..].starts_with(p)))
}

/// Splits text into lines of at most `width` characters at spaces.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn whole(file: &TokenStream) -> String {
        prettyplease::unparse(&syn::parse2(file.clone()).expect("test input parses"))
    }

    /// A file of `n` groups of items (a constant, a struct, an impl block).
    fn sample_file(n: usize) -> TokenStream {
        let items = (0..n).map(|i| {
            let c = quote::format_ident!("C{i}");
            let s = quote::format_ident!("S{i}");
            quote! {
                /// A constant.
                pub const #c: #s = #s { a: #i, b: [0; 4] };
                #[repr(C)]
                #[derive(Clone, Copy)]
                pub struct #s { pub a: usize, pub b: [u8; 4] }
                impl #s {
                    pub fn get(&self) -> usize { if self.a > 1 { self.a } else { 0 } }
                }
            }
        });
        quote! {
            #![allow(dead_code)]
            use core::ffi::c_void;
            #(#items)*
        }
    }

    fn trees(file: &TokenStream) -> Vec<TokenTree> {
        file.clone().into_iter().collect()
    }

    #[test]
    fn a_file_printed_in_pieces_reads_as_printed_whole() {
        // In parallel, and on the calling thread.
        let big = sample_file(1000);
        assert!(trees(&big).len() >= PARALLEL_TREES);
        assert_eq!(unparse(big.clone().into()).unwrap().concat(), whole(&big));
        let small = sample_file(200);
        assert!(trees(&small).len() < PARALLEL_TREES);
        assert!(pieces(&trees(&small), PIECE_TREES).len() > 1);
        assert_eq!(
            unparse(small.clone().into()).unwrap().concat(),
            whole(&small)
        );
    }

    #[test]
    fn a_cut_inside_an_item_falls_back_to_the_whole_file() {
        // 2,200 attribute trees, then an item whose first brace group is followed by `else`.
        let attrs = (0..1100).map(|_| quote!(#[allow(dead_code)]));
        let file = quote! {
            #(#attrs)*
            pub const X: u32 = if true { 1 } else { 2 };
            pub const Y: u32 = 3;
        };
        let cut = pieces(&trees(&file), PIECE_TREES);
        assert_eq!(cut.len(), 2);
        assert!(syn::parse2::<syn::File>(cut[0].clone()).is_err());
        assert_eq!(unparse(file.clone().into()).unwrap().concat(), whole(&file));
    }

    /// `finish` of items documented by [`doc_attrs`], without the stamp.
    fn finished(file: TokenStream) -> String {
        let stamp = Stamp::new("test", "test.idl".to_string());
        let text = finish(file, &stamp).unwrap();
        text.strip_prefix(&format!("// {}\n\n", stamp.text()))
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_doc_attribute_of_several_lines_is_written_as_line_comments() {
        use crate::codegen::rust_tokens::doc_attrs;
        let item_doc = doc_attrs("First line.  \n\n  Indented * and text*\n  ");
        let method_doc = doc_attrs("A method.\n\n# Errors\n\nNever.\n\n");
        let field_doc = doc_attrs("One line.");
        let item = quote! {
            #item_doc
            pub struct S {
                #field_doc
                pub a: u32,
            }
            impl S {
                #method_doc
                pub fn get(&self) -> u32 { self.a }
            }
        };
        let expected = "\
/// First line.
///
///   Indented * and text*
///
pub struct S {
    /// One line.
    pub a: u32,
}

impl S {
    /// A method.
    ///
    /// # Errors
    ///
    /// Never.
    ///
    pub fn get(&self) -> u32 {
        self.a
    }
}
";
        assert_eq!(finished(item), expected);
        // What prettyplease prints for one attribute per line, as rustdoc reads both.
        let per_line = |doc: &str| -> TokenStream {
            doc.lines()
                .map(|l| {
                    if l.is_empty() {
                        String::new()
                    } else {
                        format!(" {l}")
                    }
                })
                .map(|l| quote! { #[doc = #l] })
                .collect()
        };
        let (item_doc, method_doc) = (
            per_line("First line.  \n\n  Indented * and text*\n  "),
            per_line("A method.\n\n# Errors\n\nNever.\n\n"),
        );
        let lines = quote! {
            #item_doc
            pub struct S {
                /// One line.
                pub a: u32,
            }
            impl S {
                #method_doc
                pub fn get(&self) -> u32 { self.a }
            }
        };
        assert_eq!(finished(lines), expected);
    }

    #[test]
    fn a_doc_text_that_would_end_a_block_comment_gets_one_attribute_per_line() {
        use crate::codegen::rust_tokens::doc_attrs;
        for (text, first) in [
            ("Ends */ early.", "/// Ends */ early."),
            ("Opens /* one.", "/// Opens /* one."),
        ] {
            let doc = doc_attrs(&format!("{text}\nSecond."));
            assert_eq!(doc.to_string().matches("doc").count(), 2);
            let expected = format!("{first}\n/// Second.\npub const X: u32 = 1;\n");
            assert_eq!(finished(quote! { #doc pub const X: u32 = 1; }), expected);
        }
    }

    #[test]
    fn an_unterminated_doc_block_is_an_error() {
        let lines =
            |text: &'static str| DocLines::new(text.lines()).collect::<Result<Vec<_>, String>>();
        assert!(lines("/** open\nnever closed\n").is_err());
        assert!(lines("/** a */ pub const X: u32 = 1;\n").is_err());
        assert_eq!(
            lines("    /** a\n\n b  */\nfn f() {}\n").unwrap(),
            ["    /// a", "    ///", "    /// b", "fn f() {}"]
        );
    }

    #[test]
    fn text_runs_are_copied_between_printed_token_runs() {
        let (first, last) = (
            sample_file(3),
            quote!(
                pub const Z: u32 = 1;
            ),
        );
        let text = "pub const T: u32 = 0;\n";
        let mut parts = Parts::from(first.clone());
        parts.text(text.to_string());
        parts.tokens(last.clone());
        let expected = format!("{}{text}{}", whole(&first), whole(&last));
        assert_eq!(unparse(parts).unwrap().concat(), expected);
    }

    #[test]
    fn tokens_that_are_not_rust_are_an_error() {
        let error = unparse(quote!(pub const X: u32 = ;).into()).unwrap_err();
        assert!(
            error.starts_with("generated Rust does not parse: "),
            "{error}"
        );
    }
}
