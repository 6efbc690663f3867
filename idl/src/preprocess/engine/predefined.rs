//! Predefined macros: the names every run defines (`__WIDL__`, `_WIN32`, `_WIN64`,
//! `__MOBSYNC_IDL__`),
//! the command-line definitions, and the dynamic names `__LINE__`, `__FILE__`, `__DATE__`
//! and `__TIME__`, whose value depends on where and when they are expanded.

use std::sync::Arc;

use super::Engine;
use super::define::{Macro, MacroKind};
use crate::preprocess::WIDL_VERSION;
use crate::preprocess::lex::{Kind, LEADING_WS, Loc, NO_FILE, Token};
use crate::source::FileId;

impl Engine<'_> {
    /// Defines the predefined names and the command-line definitions.
    pub(super) fn predefine(&mut self) {
        let mut text = String::new();
        // The standard's dynamic names are always there (as with `cpp -undef`).
        for name in ["__LINE__", "__FILE__", "__DATE__", "__TIME__"] {
            self.define_builtin(name);
        }
        if self.opts.predefined {
            text.push_str("#define __WIDL__ ");
            text.push_str(WIDL_VERSION);
            text.push_str("\n#define _WIN32 1\n#define _WIN64 1\n#define __MOBSYNC_IDL__ 1\n");
        }
        for (name, value) in &self.opts.defines {
            let (head, body) = match value {
                Some(v) => (name.as_str(), v.as_str()),
                None => (name.as_str(), "1"),
            };
            // A parameter list stays attached to the name; the body follows a space.
            text.push_str("#define ");
            text.push_str(head);
            text.push(' ');
            text.push_str(&body.replace('\n', " "));
            text.push('\n');
        }
        for name in &self.opts.undefines {
            text.push_str("#undef ");
            text.push_str(name);
            text.push('\n');
        }
        if text.is_empty() {
            return;
        }
        let idx = self.add_file(None, Arc::from(text));
        self.process_file(idx, 0);
        // Directive lines leave line feeds; built-in text produces no output.
        self.out.text.clear();
        self.out.segs.clear();
    }

    /// Defines one of the dynamic predefined names.
    fn define_builtin(&mut self, name: &str) {
        let kind = match name {
            "__LINE__" => MacroKind::Line,
            "__FILE__" => MacroKind::File,
            "__DATE__" => MacroKind::Date,
            _ => MacroKind::Time,
        };
        let idx = self.macros.len() as u32;
        self.macros.push(Macro {
            name: name.into(),
            kind,
            params: Vec::new(),
            variadic: false,
            body: Vec::new(),
            has_paste: false,
            def: Loc {
                file: NO_FILE,
                off: 0,
            },
            disabled: false,
        });
        self.names.insert(name.into(), idx);
    }

    /// The token the dynamic name `name` (a macro of kind `kind`: `__LINE__`, `__FILE__`,
    /// `__DATE__` or `__TIME__`) expands to.
    pub(super) fn builtin_token(&mut self, kind: MacroKind, name: &Token) -> Token {
        let (text, kind) = match kind {
            MacroKind::Line => (self.line_of(name.origin).to_string(), Kind::Number),
            MacroKind::File => (quote(&self.file_name_of(name.origin)), Kind::Str),
            MacroKind::Date => (self.date_time.0.clone(), Kind::Str),
            // `__TIME__` (only the dynamic names come here).
            _ => (self.date_time.1.clone(), Kind::Str),
        };
        self.scratch_token(&text, kind, name.origin, name.flags & LEADING_WS)
    }

    /// The line of `loc` as `__LINE__` reports it.
    fn line_of(&self, loc: Loc) -> i64 {
        if loc.file == NO_FILE {
            return 1;
        }
        match self.map.get(FileId(loc.file)) {
            Some(f) => f.line_col(loc.off as usize).0 as i64 + self.line_delta,
            None => 1,
        }
    }

    /// The file name `__FILE__` reports at `loc`.
    fn file_name_of(&self, loc: Loc) -> String {
        if let Some(p) = &self.presumed_file {
            return p.clone();
        }
        if loc.file == NO_FILE {
            return "<command-line>".into();
        }
        match self.map.get(FileId(loc.file)) {
            Some(f) => f.path().display().to_string(),
            None => String::new(),
        }
    }
}

/// `s` as a C string literal.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q
}

/// `__DATE__` and `__TIME__` strings (`"Nov 23 2026"`, `"23:56:54"`, UTC), from
/// `SOURCE_DATE_EPOCH` when set, else the clock.
pub(super) fn date_time() -> (String, String) {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    format_date_time(secs)
}

/// `__DATE__` and `__TIME__` strings of `secs` seconds after 1970-01-01 00:00 UTC.
fn format_date_time(secs: i64) -> (String, String) {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS[((m - 1).clamp(0, 11)) as usize];
    (
        format!("\"{month} {d:2} {y}\""),
        format!("\"{:02}:{:02}:{:02}\"", tod / 3600, tod / 60 % 60, tod % 60),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(
            super::format_date_time(1_700_000_000),
            ("\"Nov 14 2023\"".to_string(), "\"22:13:20\"".to_string())
        );
        assert_eq!(
            super::format_date_time(0),
            ("\"Jan  1 1970\"".to_string(), "\"00:00:00\"".to_string())
        );
        assert_eq!(super::format_date_time(951_782_400).0, "\"Feb 29 2000\"");
    }
}
