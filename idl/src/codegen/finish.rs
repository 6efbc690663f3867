//! The finishing step every Rust generator shares: format the tokens with prettyplease, turn
//! the `safety_comment__!("...")` markers into `// SAFETY:` comments wrapped to the width of
//! the file, separate items with blank lines, and stamp the file.

use proc_macro2::TokenStream;

use super::options::Stamp;

/// The width that `// SAFETY:` comments are wrapped to, indentation excluded: with the 11
/// columns of `// SAFETY: `, a comment line ends by column 100, rustfmt's default width.
const SAFETY_WIDTH: usize = 89;

/// Formats a token stream as a file, turns the comment markers into comments, and stamps it.
pub(crate) fn finish(file: TokenStream, stamp: &Stamp) -> Result<String, String> {
    let parsed: syn::File =
        syn::parse2(file).map_err(|e| format!("generated Rust does not parse: {e}"))?;
    let text = prettyplease::unparse(&parsed);
    let mut out = format!("// {}\n\n", stamp.text());
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut prev = "";
    // Whether the attribute being written is an inner one (`#![...]`, which ends the module's
    // header) rather than an outer one (which belongs to the item after it).
    let mut inner_attribute = false;
    while i < lines.len() {
        let line = lines[i];
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
            while !call.trim_end().ends_with(");") && i + 1 < lines.len() {
                i += 1;
                call.push(' ');
                call.push_str(lines[i].trim());
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
            prev = "//";
            i += 1;
            continue;
        }
        if needs_blank_line(prev, line, inner_attribute) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        prev = line;
        i += 1;
    }
    Ok(out)
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
    let member_start = ["/// ", "///\n", "pub fn ", "fn ", "pub unsafe fn ", "#["]
        .iter()
        .any(|p| line.trim_start().starts_with(p) || line.trim() == "///");
    prev.trim() == "}"
        && prev.len() - prev.trim_start().len() == 4
        && line.starts_with("    ")
        && !line.starts_with("     ")
        && member_start
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
