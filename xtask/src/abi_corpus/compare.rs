//! Comparing the two sides, one file at a time, and the report.

use std::collections::HashMap;

use super::c_side::CValue;
use super::facts::Fact;

/// One fact whose two sides differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// The fact (`size tagFOO`).
    pub key: String,
    /// Our value.
    pub ours: String,
    /// widl's value, or why its header gives none.
    pub widl: String,
}

/// One fact the C side cannot evaluate, because widl's header declares it where the C
/// preprocessor leaves it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotComparable {
    /// The fact (`size HMF`).
    pub key: String,
    /// Our value.
    pub ours: String,
    /// Why the C side has none.
    pub reason: String,
}

/// What became of one file that widl accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The facts were compared.
    Compared {
        /// How many facts were compared (the not comparable ones are not counted).
        facts: usize,
        /// The ones that differ: ABI bugs of the generator.
        diffs: Vec<Diff>,
        /// The ones the C side cannot evaluate.
        not_comparable: Vec<NotComparable>,
    },
    /// The generator refused the file (its first error).
    Refused(String),
    /// The generator crashed.
    Crashed(String),
    /// The generated Rust does not compile (its first error).
    NoBuild(String),
    /// widl's header does not compile, so nothing could be compared (its first error).
    NoHeader(String),
}

impl Outcome {
    /// The report's line(s) for the file `name`.
    pub fn lines(&self, name: &str) -> String {
        match self {
            Outcome::Compared {
                facts,
                diffs,
                not_comparable,
            } => {
                let mut text = if diffs.is_empty() {
                    format!("ok {name} ({facts} facts")
                } else {
                    format!("DIFFERENT {name}: {} of {facts} facts differ", diffs.len())
                };
                if !not_comparable.is_empty() {
                    let n = not_comparable.len();
                    text.push_str(&if diffs.is_empty() {
                        format!(", {n} not comparable")
                    } else {
                        format!(" ({n} not comparable)")
                    });
                }
                if diffs.is_empty() {
                    text.push(')');
                }
                for d in diffs {
                    text.push_str(&format!(
                        "\n    {}: ours {}, widl's {}",
                        d.key, d.ours, d.widl
                    ));
                }
                for n in not_comparable {
                    text.push_str(&format!(
                        "\n    not comparable {}: ours {}; {}",
                        n.key, n.ours, n.reason
                    ));
                }
                text
            }
            Outcome::Refused(m) | Outcome::Crashed(m) => format!("not generated {name}: {m}"),
            Outcome::NoBuild(m) => {
                format!("not generated {name}: the generated Rust does not compile: {m}")
            }
            Outcome::NoHeader(m) => format!(
                "not checked {name}: widl's header does not compile with \
                 x86_64-w64-mingw32-gcc: {m}"
            ),
        }
    }
}

/// Compares a file's facts: `ours` from the runner (by key), `widl` from the C side (in the
/// order of `facts`).
pub fn compare(facts: &[Fact], ours: Option<&HashMap<String, String>>, widl: &[CValue]) -> Outcome {
    let mut diffs = Vec::new();
    let mut not_comparable = Vec::new();
    for (i, fact) in facts.iter().enumerate() {
        let our = ours.and_then(|o| o.get(&fact.key));
        let ours_text = || our.cloned().unwrap_or_else(|| "(not reported)".into());
        let widl = match widl.get(i) {
            Some(CValue::Value(v)) if our == Some(v) => continue,
            Some(CValue::Value(v)) => v.clone(),
            Some(CValue::NotComparable(reason)) => {
                not_comparable.push(NotComparable {
                    key: fact.key.clone(),
                    ours: ours_text(),
                    reason: reason.clone(),
                });
                continue;
            }
            Some(CValue::Error(e)) => format!("(none: {e})"),
            None => "(not evaluated)".into(),
        };
        diffs.push(Diff {
            key: fact.key.clone(),
            ours: ours_text(),
            widl,
        });
    }
    Outcome::Compared {
        facts: facts.len() - not_comparable.len(),
        diffs,
        not_comparable,
    }
}

/// The totals of a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    /// IDL files in the corpus.
    pub corpus: usize,
    /// Files widl accepts (the M of "N of M").
    pub accepted: usize,
    /// Files whose facts are all equal.
    pub equal: usize,
    /// Files with differing facts.
    pub differing_files: usize,
    /// Facts compared.
    pub facts: usize,
    /// Facts that differ.
    pub differing: usize,
    /// Facts the C side cannot evaluate (widl's header declares them where the preprocessor
    /// leaves them out).
    pub not_comparable: usize,
    /// Files with such facts.
    pub not_comparable_files: usize,
    /// Files the generator refused.
    pub refused: usize,
    /// Files on which the generator crashed.
    pub crashed: usize,
    /// Files whose generated Rust does not compile.
    pub no_build: usize,
    /// Files whose widl header does not compile.
    pub no_header: usize,
}

impl Totals {
    /// Adds one file's outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Compared {
                facts,
                diffs,
                not_comparable,
            } => {
                if diffs.is_empty() {
                    self.equal += 1;
                } else {
                    self.differing_files += 1;
                }
                self.facts += facts;
                self.differing += diffs.len();
                self.not_comparable += not_comparable.len();
                self.not_comparable_files += usize::from(!not_comparable.is_empty());
            }
            Outcome::Refused(_) => self.refused += 1,
            Outcome::Crashed(_) => self.crashed += 1,
            Outcome::NoBuild(_) => self.no_build += 1,
            Outcome::NoHeader(_) => self.no_header += 1,
        }
    }

    /// Files the generator could not turn into compiling bindings.
    pub fn ungenerated(&self) -> usize {
        self.refused + self.crashed + self.no_build
    }

    /// The summary lines.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} of {} Wine IDL files: every ABI fact equal to widl's \
             ({} files in the corpus, widl rejects {})\n\
             facts compared: {}, differing: {} (in {} files)\n\
             not comparable: {} (in {} files: widl's header declares them where the C \
             preprocessor leaves them out)\n\
             not generated: {} (refused by the generator {}, generator crashed {}, generated \
             Rust does not compile {})",
            self.equal,
            self.accepted,
            self.corpus,
            self.corpus - self.accepted,
            self.facts,
            self.differing,
            self.differing_files,
            self.not_comparable,
            self.not_comparable_files,
            self.ungenerated(),
            self.refused,
            self.crashed,
            self.no_build,
        );
        if self.no_header > 0 {
            text.push_str(&format!(
                "\nnot checked (widl's header does not compile): {}",
                self.no_header
            ));
        }
        text
    }

    /// Whether the run passes: no fact differs, every header compiles, and every file is
    /// generated unless `allow_ungenerated`.
    pub fn passes(&self, allow_ungenerated: bool) -> bool {
        self.differing == 0 && self.no_header == 0 && (allow_ungenerated || self.ungenerated() == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi_corpus::facts::Value;

    fn fact(key: &str) -> Fact {
        Fact {
            key: key.into(),
            value: Value::Unsigned,
            c: vec![String::new()],
            locate: Vec::new(),
            rust: String::new(),
        }
    }

    fn value(v: &str) -> CValue {
        CValue::Value(v.into())
    }

    fn equal(facts: usize) -> Outcome {
        Outcome::Compared {
            facts,
            diffs: Vec::new(),
            not_comparable: Vec::new(),
        }
    }

    #[test]
    fn equal_and_differing_facts() {
        let facts = [fact("size A"), fact("offset A.b"), fact("slot I.M")];
        let ours: HashMap<String, String> =
            [("size A", "24"), ("offset A.b", "8"), ("slot I.M", "3")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let same = [value("24"), value("8"), value("3")];
        assert_eq!(compare(&facts, Some(&ours), &same), equal(3));

        let other = [
            value("32"),
            value("8"),
            CValue::Error("no member `M`".into()),
        ];
        let outcome = compare(&facts, Some(&ours), &other);
        assert_eq!(
            outcome.lines("a.idl"),
            "DIFFERENT a.idl: 2 of 3 facts differ\n    size A: ours 24, widl's 32\n    \
             slot I.M: ours 3, widl's (none: no member `M`)"
        );
        let missing = compare(&facts[..1], None, &same[..1]);
        assert!(missing.lines("b.idl").contains("ours (not reported)"));
    }

    #[test]
    fn not_comparable_facts_are_neither_equal_nor_different() {
        let facts = [fact("size A"), fact("size HMF")];
        let ours: HashMap<String, String> = [("size A", "4"), ("size HMF", "8")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let reason = "widl's wtypes.h declares it under `#if 0` (wtypes.h:46), which the \
                      preprocessor leaves out";
        let widl = [value("4"), CValue::NotComparable(reason.into())];
        let outcome = compare(&facts, Some(&ours), &widl);
        assert_eq!(
            outcome.lines("wtypes.idl"),
            format!(
                "ok wtypes.idl (1 facts, 1 not comparable)\n    not comparable size HMF: ours 8; \
                 {reason}"
            )
        );
        let widl = [value("2"), CValue::NotComparable(reason.into())];
        let outcome = compare(&facts, Some(&ours), &widl);
        assert!(
            outcome
                .lines("wtypes.idl")
                .starts_with("DIFFERENT wtypes.idl: 1 of 1 facts differ (1 not comparable)\n")
        );
        let mut t = Totals::default();
        t.add(&outcome);
        assert_eq!(
            (
                t.facts,
                t.differing,
                t.not_comparable,
                t.not_comparable_files
            ),
            (1, 1, 1, 1)
        );
    }

    #[test]
    fn totals_and_the_verdict() {
        let mut t = Totals {
            corpus: 309,
            accepted: 261,
            ..Totals::default()
        };
        t.add(&equal(10));
        t.add(&Outcome::Refused("unions".into()));
        t.add(&Outcome::Crashed("generator overflowed its stack".into()));
        t.add(&Outcome::NoBuild("cannot find type".into()));
        assert_eq!(t.ungenerated(), 3);
        assert!(t.passes(true));
        assert!(!t.passes(false));
        assert!(t.summary().starts_with(
            "1 of 261 Wine IDL files: every ABI fact equal to widl's (309 files in the corpus, \
             widl rejects 48)\nfacts compared: 10, differing: 0"
        ));
        t.add(&Outcome::Compared {
            facts: 2,
            diffs: vec![Diff {
                key: "size A".into(),
                ours: "1".into(),
                widl: "2".into(),
            }],
            not_comparable: Vec::new(),
        });
        assert!(!t.passes(true));
        assert_eq!((t.facts, t.differing), (12, 1));
    }

    #[test]
    fn report_lines() {
        assert_eq!(equal(7).lines("x.idl"), "ok x.idl (7 facts)");
        assert_eq!(
            Outcome::Refused("unions are not supported (x.idl:3:1)".into()).lines("x.idl"),
            "not generated x.idl: unions are not supported (x.idl:3:1)"
        );
    }
}
