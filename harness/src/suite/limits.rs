//! Limits on what a suite file may hold, so that a hostile or broken file
//! (a FIFO, `/dev/zero`, a file of a few megabytes, 100 000 levels of
//! nesting, aliases that multiply) is refused at once, with bounded time and
//! memory, and so that what `quiesce check` accepts, `quiesce run` can run.
//! docs/suite-format.md ("Limits") lists them for users.
//!
//! The file's limits ([`MAX_FILE_BYTES`], [`MAX_DEPTH`], [`MAX_VALUES`])
//! are checked before serde sees the text: its size when it is read, its
//! nesting and size with aliases expanded by [`Budget`], which the locator
//! feeds each YAML event as it parses (it stops at the first limit passed).
//! The locator's parser (yaml-rust2) must read the same document as serde's
//! (libyaml) for that to hold: a text the first cannot parse never reaches
//! the second, and the line breaks only YAML 1.1 has ([`OLD_BREAKS`]) are
//! refused. The other limits are checked by validation, where the values
//! are read.
//!
//! Caveat: a mapping key counts as a value, as YAML has it: `sleep: 1s` is
//! a mapping of two values.

use std::collections::HashMap;
use std::time::Duration;

/// The largest suite file, in bytes: 4 MiB. A suite written by hand is a
/// few kilobytes; one written out by `explore` (a schedule of drawn faults)
/// a few hundred. Its scalars' text, with aliases expanded, is held to the
/// same size.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// How deeply collections may nest (a suite needs about 8).
pub const MAX_DEPTH: usize = 64;

/// How many YAML values a suite may hold, with every alias counted as the
/// values it stands for (so that aliases cannot multiply a small file into
/// a large one). A mapping entry is two values, its key and its value.
pub const MAX_VALUES: u64 = 200_000;

/// How many YAML mappings a suite may hold, aliases expanded: each step,
/// program and check is one (and becomes a struct of up to 2 KiB before
/// validation).
pub const MAX_MAPPINGS: u64 = 40_000;

/// How many steps a suite's script may have, with each `repeat` expanded.
pub const MAX_STEPS: usize = 20_000;

/// How many nodes a suite may have (also at most its subnet's addresses):
/// each is a network namespace, a process and a control socket.
pub const MAX_NODES: usize = 1024;

/// The longest suite, variant or node name, in bytes. Names become file
/// names (`NODE.log`, `exec-STEP-NODE.out`, at most 255 bytes) and a node's
/// control socket `NODE.sock`, whose path must fit a unix socket address
/// (108 bytes): in a short temporary folder when the run folder is too deep.
pub const MAX_NAME_BYTES: usize = 64;

/// The longest duration: 30 days. A deadline is `now + duration`, which a
/// duration of a thousand years would overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// The most errors shown for one file; the rest are counted.
pub const MAX_SHOWN_ERRORS: usize = 50;

/// After this many errors, validation stops going through the steps, a
/// repeat's iterations and the links: each error can cost a search for the
/// nearest name.
pub const MAX_ISSUES: usize = 1000;

/// The most names a help line lists, and the most a suggestion compares.
pub const MAX_LISTED: usize = 12;

/// The most candidates a "did you mean" compares.
pub const MAX_CANDIDATES: usize = 2000;

/// `MAX_DURATION` as written in messages.
pub const MAX_DURATION_TEXT: &str = "720h (30 days)";

/// A limit of the file that it does not keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// Collections nested deeper than [`MAX_DEPTH`].
    Depth,
    /// More than [`MAX_VALUES`] values, counting what aliases stand for.
    Values {
        /// Whether an alias took the count over.
        by_alias: bool,
    },
    /// More than [`MAX_MAPPINGS`] mappings, counting what aliases stand for.
    Mappings {
        /// Whether an alias took the count over.
        by_alias: bool,
    },
    /// More than [`MAX_FILE_BYTES`] of scalar text, with aliases expanded.
    Text,
    /// An alias inside the value its anchor names (`&a [*a]`).
    Recursive,
    /// A YAML 1.1 line break (U+0085, U+2028 or U+2029): a line break to
    /// libyaml, which serde uses, and not to yaml-rust2, which checks
    /// these limits first, so the two would not read the same document.
    LineBreak(char),
}

/// The line breaks of YAML 1.1 that YAML 1.2 no longer has.
pub const OLD_BREAKS: [(char, &str); 3] =
    [('\u{85}', "NEXT LINE"), ('\u{2028}', "LINE SEPARATOR"), ('\u{2029}', "PARAGRAPH SEPARATOR")];

impl Limit {
    /// What is wrong, one line.
    pub fn message(&self) -> String {
        match self {
            Limit::Depth => format!("the suite nests deeper than {MAX_DEPTH} levels"),
            Limit::Values { by_alias: false } => format!("the suite holds more than {MAX_VALUES} values"),
            Limit::Values { by_alias: true } => {
                format!("with this alias expanded, the suite holds more than {MAX_VALUES} values")
            }
            Limit::Mappings { by_alias: false } => format!("the suite holds more than {MAX_MAPPINGS} mappings"),
            Limit::Mappings { by_alias: true } => {
                format!("with this alias expanded, the suite holds more than {MAX_MAPPINGS} mappings")
            }
            Limit::Text => {
                format!("the suite's text, with aliases expanded, is more than {} MiB", MAX_FILE_BYTES >> 20)
            }
            Limit::Recursive => "an alias inside the value its anchor names".to_string(),
            Limit::LineBreak(c) => {
                let name = OLD_BREAKS.iter().find(|(b, _)| b == c).map_or("", |(_, n)| n);
                format!("U+{:04X} {name} is a line break in YAML 1.1, and not in 1.2", u32::from(*c))
            }
        }
    }

    /// How to fix it.
    pub fn help(&self) -> String {
        match self {
            Limit::Depth => "a suite needs a few levels; is a bracket or an indent wrong?".to_string(),
            Limit::Values { .. } => format!(
                "a suite is limited to {MAX_VALUES} values (each alias counts as what it stands for); use `repeat` for long scripts"
            ),
            Limit::Mappings { .. } => format!(
                "each step is a mapping, and a suite is limited to {MAX_MAPPINGS} (each alias counts as what it stands for); use `repeat` for long scripts"
            ),
            Limit::Text => "an alias stands for a copy of its anchor's value: it cannot make the suite larger than a suite file may be".to_string(),
            Limit::Recursive => "it would stand for a value without end".to_string(),
            Limit::LineBreak(_) => {
                "write an ordinary line break, or in a double-quoted string `\\N`, `\\L` or `\\P`".to_string()
            }
        }
    }
}

/// The size of a value: the values it holds (itself included), how many of
/// them are mappings, the bytes of its scalars' text, and how many
/// collections deep it goes (0 for a scalar).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Size {
    /// Values.
    pub values: u64,
    /// Mappings.
    pub mappings: u64,
    /// Bytes of scalar text.
    pub text: u64,
    height: usize,
}

impl Size {
    /// `self` and `other` side by side.
    fn plus(self, other: Size) -> Size {
        Size {
            values: self.values.saturating_add(other.values),
            mappings: self.mappings.saturating_add(other.mappings),
            text: self.text.saturating_add(other.text),
            height: self.height.max(other.height),
        }
    }

    /// The first limit `self`, the whole document so far, passes.
    fn over(&self, by_alias: bool) -> Option<Limit> {
        if self.values > MAX_VALUES {
            Some(Limit::Values { by_alias })
        } else if self.mappings > MAX_MAPPINGS {
            Some(Limit::Mappings { by_alias })
        } else if self.text > MAX_FILE_BYTES {
            Some(Limit::Text)
        } else {
            None
        }
    }
}

/// A collection being read.
#[derive(Debug)]
struct Open {
    anchor: usize,
    size: Size,
}

/// Counts a document's values and nesting as its events arrive, with each
/// alias counted as the value its anchor names; says when a limit is
/// passed. Anchor ids are the parser's (0: none).
#[derive(Debug, Default)]
pub struct Budget {
    open: Vec<Open>,
    anchors: HashMap<usize, Size>,
    total: Size,
}

impl Budget {
    /// A scalar of `text` bytes, with its anchor id.
    pub fn scalar(&mut self, anchor: usize, text: usize) -> Result<(), Limit> {
        let size = Size { values: 1, text: text as u64, ..Size::default() };
        self.add(size, false)?;
        self.name(anchor, size);
        Ok(())
    }

    /// An alias of the anchor with id `anchor`.
    pub fn alias(&mut self, anchor: usize) -> Result<(), Limit> {
        let size = *self.anchors.get(&anchor).ok_or(Limit::Recursive)?;
        self.add(size, true)
    }

    /// The start of a sequence (or with `mapping`, a mapping), with its
    /// anchor id.
    pub fn open(&mut self, anchor: usize, mapping: bool) -> Result<(), Limit> {
        if self.open.len() >= MAX_DEPTH {
            return Err(Limit::Depth);
        }
        let size = Size { values: 1, mappings: u64::from(mapping), text: 0, height: 1 };
        self.total = self.total.plus(size);
        if let Some(limit) = self.total.over(false) {
            return Err(limit);
        }
        self.open.push(Open { anchor, size });
        Ok(())
    }

    /// The end of the innermost sequence or mapping.
    pub fn close(&mut self) {
        let Some(done) = self.open.pop() else { return };
        self.name(done.anchor, done.size);
        if let Some(parent) = self.open.last_mut() {
            parent.size = parent.size.plus(Size { height: done.size.height + 1, ..done.size });
        }
    }

    /// Adds a finished value of `size` to the innermost open collection.
    fn add(&mut self, size: Size, by_alias: bool) -> Result<(), Limit> {
        if self.open.len() + size.height > MAX_DEPTH {
            return Err(Limit::Depth);
        }
        self.total = self.total.plus(size);
        if let Some(limit) = self.total.over(by_alias) {
            return Err(limit);
        }
        if let Some(parent) = self.open.last_mut() {
            parent.size = parent.size.plus(Size { height: size.height + 1, ..size });
        }
        Ok(())
    }

    /// The document so far, with aliases expanded.
    pub fn total(&self) -> Size {
        self.total
    }

    fn name(&mut self, anchor: usize, size: Size) {
        if anchor != 0 {
            self.anchors.insert(anchor, size);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_nesting() {
        let mut b = Budget::default();
        for _ in 0..MAX_DEPTH {
            b.open(0, false).expect("within the limit");
        }
        assert_eq!(b.open(0, false), Err(Limit::Depth));
    }

    #[test]
    fn an_alias_counts_what_it_stands_for() {
        let mut b = Budget::default();
        b.open(0, false).unwrap();
        b.open(1, false).unwrap();
        for _ in 0..999 {
            b.scalar(0, 1).unwrap();
        }
        b.close();
        for _ in 0..(MAX_VALUES / 1000 - 2) {
            b.alias(1).expect("within the limit");
        }
        assert_eq!(b.alias(1), Err(Limit::Values { by_alias: true }));
    }

    #[test]
    fn an_alias_counts_its_anchor_depth() {
        let mut b = Budget::default();
        b.open(0, false).unwrap();
        b.open(7, false).unwrap();
        for _ in 0..40 {
            b.open(0, false).unwrap();
        }
        for _ in 0..41 {
            b.close();
        }
        for _ in 0..30 {
            b.open(0, false).unwrap();
        }
        assert_eq!(b.alias(7), Err(Limit::Depth));
    }

    #[test]
    fn an_alias_counts_its_mappings_and_text() {
        let mut b = Budget::default();
        b.open(0, true).unwrap();
        b.open(1, true).unwrap();
        b.close();
        for _ in 0..(MAX_MAPPINGS - 2) {
            b.alias(1).expect("within the limit");
        }
        assert_eq!(b.alias(1), Err(Limit::Mappings { by_alias: true }));
        let mut b = Budget::default();
        b.open(0, false).unwrap();
        b.scalar(2, 1 << 20).unwrap();
        for _ in 0..3 {
            b.alias(2).expect("within the limit");
        }
        assert_eq!(b.alias(2), Err(Limit::Text));
    }

    #[test]
    fn an_alias_inside_its_anchor_is_refused() {
        let mut b = Budget::default();
        b.open(3, false).unwrap();
        assert_eq!(b.alias(3), Err(Limit::Recursive));
    }
}
