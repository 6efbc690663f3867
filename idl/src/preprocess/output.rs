//! The preprocessed text and the map from each of its bytes back to an original file.

use super::lex::{Loc, needs_space};

/// A run of output bytes with one origin. In a linear segment, output byte `out + k` comes
/// from original byte `src + k`; otherwise every byte of the segment maps to `src` (a macro
/// invocation, a synthesized space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment {
    pub out: u32,
    pub file: u32,
    pub src: u32,
    pub linear: bool,
    /// For a non-linear segment, the length of the token at `src` (the macro name of an
    /// invocation), filled in once the run is over.
    pub width: u32,
}

/// Builds the output text and its segments, within a size limit.
#[derive(Debug)]
pub(super) struct Output {
    pub text: String,
    pub segs: Vec<Segment>,
    limit: usize,
    /// Set once appending would pass the limit; nothing more is appended.
    pub overflow: bool,
    /// The next text must be separated from the previous output if they could join (set after
    /// a macro expansion).
    pub check_join: bool,
}

impl Output {
    pub fn new(limit: usize, capacity: usize) -> Output {
        Output {
            text: String::with_capacity(capacity.min(limit)),
            segs: Vec::new(),
            limit,
            overflow: false,
            check_join: false,
        }
    }

    fn reserve(&mut self, n: usize) -> bool {
        if self.overflow || self.text.len() + n > self.limit {
            self.overflow = true;
            return false;
        }
        true
    }

    fn map(&mut self, loc: Loc, linear: bool) {
        let out = self.text.len() as u32;
        if let Some(last) = self.segs.last_mut() {
            if last.out == out {
                // An empty segment: replace it.
                *last = Segment {
                    out,
                    file: loc.file,
                    src: loc.off,
                    linear,
                    width: 0,
                };
                return;
            }
            if linear
                && last.linear
                && last.file == loc.file
                && last.src.wrapping_add(out - last.out) == loc.off
            {
                return;
            }
            if !linear && !last.linear && last.file == loc.file && last.src == loc.off {
                return;
            }
        }
        self.segs.push(Segment {
            out,
            file: loc.file,
            src: loc.off,
            linear,
            width: 0,
        });
    }

    fn separate(&mut self, next: &str, loc: Loc) {
        if let (Some(&prev), Some(&first)) = (self.text.as_bytes().last(), next.as_bytes().first())
            && needs_space(prev, first)
            && self.reserve(1)
        {
            self.map(loc, false);
            self.text.push(' ');
        }
    }

    /// Appends original text that starts at `loc`.
    pub fn verbatim(&mut self, s: &str, loc: Loc) {
        if s.is_empty() {
            return;
        }
        if self.check_join {
            self.check_join = false;
            self.separate(s, loc);
        }
        if !self.reserve(s.len()) {
            return;
        }
        self.map(loc, true);
        self.text.push_str(s);
    }

    /// Appends one token of a macro expansion, preceded by a space when `space` is set or
    /// when it could join the previous output.
    pub fn token(&mut self, s: &str, loc: Loc, linear: bool, space: bool) {
        if s.is_empty() {
            return;
        }
        self.check_join = false;
        if space && !self.text.ends_with([' ', '\n']) && !self.text.is_empty() {
            if !self.reserve(1) {
                return;
            }
            self.map(loc, false);
            self.text.push(' ');
        } else {
            self.separate(s, loc);
        }
        if !self.reserve(s.len()) {
            return;
        }
        self.map(loc, linear);
        self.text.push_str(s);
    }

    /// Appends synthesized text (`#pragma`, a line feed) that maps to `loc`.
    pub fn synthetic(&mut self, s: &str, loc: Loc) {
        if s.is_empty() || !self.reserve(s.len()) {
            return;
        }
        self.map(loc, false);
        self.text.push_str(s);
    }
}

/// Finds the origin of output byte `offset` in `segs` (the unit tests' reference lookup;
/// `Preprocessed` keeps a faster one with a position hint).
#[cfg(test)]
fn origin(segs: &[Segment], offset: usize) -> Option<Loc> {
    let i = segs.partition_point(|s| s.out as usize <= offset);
    let seg = segs.get(i.checked_sub(1)?)?;
    let delta = if seg.linear {
        (offset - seg.out as usize) as u32
    } else {
        0
    };
    Some(Loc {
        file: seg.file,
        off: seg.src.saturating_add(delta),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(file: u32, off: u32) -> Loc {
        Loc { file, off }
    }

    #[test]
    fn contiguous_verbatim_text_is_one_segment() {
        let mut o = Output::new(1000, 0);
        o.verbatim("abc", loc(0, 10));
        o.verbatim("def", loc(0, 13));
        assert_eq!(o.segs.len(), 1);
        o.verbatim("g", loc(0, 20));
        assert_eq!(o.segs.len(), 2);
        assert_eq!(origin(&o.segs, 4), Some(loc(0, 14)));
        assert_eq!(origin(&o.segs, 6), Some(loc(0, 20)));
    }

    #[test]
    fn expansion_tokens_map_to_their_origin() {
        let mut o = Output::new(1000, 0);
        o.verbatim("x ", loc(0, 0));
        o.token("1", loc(0, 2), false, false);
        o.token("+", loc(0, 2), false, true);
        o.token("y", loc(0, 9), true, true);
        assert_eq!(o.text, "x 1 + y");
        assert_eq!(origin(&o.segs, 2), Some(loc(0, 2)));
        assert_eq!(origin(&o.segs, 4), Some(loc(0, 2)));
        assert_eq!(origin(&o.segs, 6), Some(loc(0, 9)));
    }

    #[test]
    fn joins_are_separated_and_limit_is_kept() {
        let mut o = Output::new(6, 0);
        o.token("a", loc(0, 0), false, false);
        o.check_join = true;
        o.verbatim("b", loc(0, 5));
        assert_eq!(o.text, "a b");
        o.verbatim("cdefg", loc(0, 6));
        assert!(o.overflow);
        assert_eq!(o.text, "a b");
    }
}
