//! Diagnostics: errors and warnings with source locations, rendered with codespan-reporting.
//!
//! Every error of a run is collected into [`Diagnostics`], whose `Display` renders each one as
//!
//! ```text
//! path/to/file.idl:3:5: error: unknown type `DWRD`
//!   ┌─ path/to/file.idl:3:5
//!   │
//! 3 │     DWRD x;
//!   │     ^^^^ not declared
//! ```
//!
//! (plain text, no colour).

use std::fmt;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;

use crate::source::{SourceMap, Span};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational; does not fail a run.
    Note,
    /// Suspicious input; does not fail a run.
    Warning,
    /// The input is rejected.
    Error,
}

/// A secondary location shown with a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there (may be empty).
    pub message: String,
}

/// One error or warning.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// The one-line message (`unknown type \`X\``).
    pub message: String,
    /// The primary location, if the diagnostic concerns a place in a file.
    pub span: Option<Span>,
    /// Text shown under the caret of the primary location.
    pub label: String,
    /// Secondary locations.
    pub labels: Vec<Label>,
    /// Free-form notes printed after the snippet.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span: Some(span),
            label: String::new(),
            labels: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, message)
        }
    }

    /// An error that concerns no place in a file (a missing file given on the command line).
    pub fn error_without_span(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span: None,
            label: String::new(),
            labels: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Sets the text shown under the primary caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Adds a secondary location.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn to_codespan(&self) -> cs::Diagnostic<crate::source::FileId> {
        let severity = match self.severity {
            Severity::Note => cs::Severity::Note,
            Severity::Warning => cs::Severity::Warning,
            Severity::Error => cs::Severity::Error,
        };
        let mut labels = Vec::new();
        if let Some(span) = self.span {
            labels.push(cs::Label::primary(span.file, span.range()).with_message(&self.label));
        }
        for label in &self.labels {
            labels.push(
                cs::Label::secondary(label.span.file, label.span.range())
                    .with_message(&label.message),
            );
        }
        cs::Diagnostic::new(severity)
            .with_message(&self.message)
            .with_labels(labels)
            .with_notes(self.notes.clone())
    }

    /// Renders the diagnostic as `file:line:col: error: message`, followed by the source
    /// line with a caret (when the diagnostic has a location) and its notes.
    pub fn render(&self, map: &SourceMap) -> String {
        let diagnostic = self.to_codespan();
        let mut config = term::Config {
            display_style: term::DisplayStyle::Short,
            ..term::Config::default()
        };
        let header = term::emit_into_string(&config, map, &diagnostic);
        let Ok(mut out) = header else {
            return self.render_plain();
        };
        if self.span.is_none() {
            for note in &self.notes {
                out.push_str(&format!("  = {note}\n"));
            }
            return out;
        }
        config.display_style = term::DisplayStyle::Rich;
        match term::emit_into_string(&config, map, &diagnostic) {
            Ok(rich) => {
                // The rich form repeats the message on its first line; the short header
                // above already carries it with the location.
                let body = rich.split_once('\n').map_or("", |(_, rest)| rest);
                out.push_str(body);
            }
            Err(_) => return self.render_plain(),
        }
        out
    }

    /// Fallback rendering when the span does not fit the map (never expected).
    fn render_plain(&self) -> String {
        let sev = match self.severity {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match self.span {
            Some(s) => format!("{}:{}:{}: {sev}: {}\n", s.file, s.line, s.col, self.message),
            None => format!("{sev}: {}\n", self.message),
        }
    }
}

/// All diagnostics of a run, with a snapshot of the source map to render them.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
    map: SourceMap,
}

impl Diagnostics {
    /// Wraps a list of diagnostics and the map their spans point into.
    pub fn new(list: Vec<Diagnostic>, map: SourceMap) -> Self {
        Diagnostics { list, map }
    }

    /// The diagnostics, in the order they were found.
    pub fn list(&self) -> &[Diagnostic] {
        &self.list
    }

    /// The diagnostics that are errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter().filter(|d| d.is_error())
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there is no diagnostic.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The source map the spans point into.
    pub fn source_map(&self) -> &SourceMap {
        &self.map
    }

    /// The first error's message and `line:col`, handy in tests.
    pub fn first(&self) -> Option<&Diagnostic> {
        self.list.first()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.list {
            f.write_str(&d.render(&self.map))?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_source_line_and_caret() {
        let mut map = SourceMap::new();
        let id = map.add("x.idl", "interface A {\n    DWRD x;\n}\n");
        let span = map.span(id, 18, 22);
        let d = Diagnostics::new(
            vec![Diagnostic::error(span, "unknown type `DWRD`").with_label("not declared")],
            map,
        );
        let text = d.to_string();
        assert!(
            text.starts_with("x.idl:2:5: error: unknown type `DWRD`\n"),
            "{text}"
        );
        assert!(text.contains("2 │     DWRD x;"), "{text}");
        assert!(text.contains("^^^^ not declared"), "{text}");
    }
}
