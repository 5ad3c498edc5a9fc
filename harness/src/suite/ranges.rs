//! Node ranges: `n[0-999]` stands for `n0`, `n1`, ... `n999`, in order.
//!
//! A range is one pair of brackets holding two whole numbers, the first and
//! the last (both included, the first not larger), with any text before and
//! after: `rack1-n[1-8].east`. A leading zero in the first number pads every
//! number to its width: `n[000-999]` is `n000` to `n999`. Ranges are written
//! as keys of `nodes:` and wherever a step takes node names
//! ([`super::checker::NodeIndex`] expands them). [`fold`] goes the other
//! way, for messages: a thousand names become `n[0-999]`.
//!
//! In a YAML flow list (`[a, b]`) brackets end the list, so a range there
//! is quoted: `["n[0-4]", n9]`; in a block list or as a key it is not.

use std::fmt;

/// The most digits a range's number may have: more would name more nodes
/// than a suite may have, and could overflow.
const MAX_DIGITS: usize = 9;

/// A range of node names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    prefix: String,
    first: u64,
    last: u64,
    width: usize,
    suffix: String,
}

/// Why a text with brackets is not a range: what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl Range {
    /// How many names the range stands for.
    pub fn count(&self) -> usize {
        usize::try_from(self.last - self.first + 1).unwrap_or(usize::MAX)
    }

    /// The `i`-th name, from 0.
    pub fn name(&self, i: usize) -> String {
        let n = self.first + i as u64;
        format!("{}{n:0width$}{}", self.prefix, self.suffix, width = self.width)
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.count()).map(|i| self.name(i))
    }

    /// The longest name (the last one).
    pub fn longest(&self) -> String {
        self.name(self.count() - 1)
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self.width;
        write!(f, "{}[{:0w$}-{:0w$}]{}", self.prefix, self.first, self.last, self.suffix)
    }
}

/// Whether `text` is meant as a range: it has a bracket.
pub fn is_range(text: &str) -> bool {
    text.contains(['[', ']'])
}

/// Reads `text` as a range: `None` for a text without brackets (a plain
/// name), a [`Problem`] for brackets that do not make a range.
pub fn parse(text: &str) -> Result<Option<Range>, Problem> {
    if !is_range(text) {
        return Ok(None);
    }
    let malformed = |why: &str| Problem {
        message: format!("`{text}` is not a node range: {why}"),
        help: "write a range like `n[0-9]`: the first and the last number, both included".to_string(),
    };
    let (prefix, rest) = text.split_once('[').ok_or_else(|| malformed("`]` without `[`"))?;
    let (inside, suffix) = rest.split_once(']').ok_or_else(|| malformed("`[` without `]`"))?;
    if is_range(prefix) || is_range(suffix) {
        return Err(malformed("a range has one pair of brackets"));
    }
    let (a, b) = inside.split_once('-').ok_or_else(|| malformed("expected two numbers with `-` between them"))?;
    let number = |s: &str| -> Result<u64, Problem> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(malformed(&format!("`{s}` is not a whole number")));
        }
        if s.len() > MAX_DIGITS {
            return Err(malformed(&format!("`{s}` has more than {MAX_DIGITS} digits")));
        }
        s.parse().map_err(|_| malformed(&format!("`{s}` is not a whole number")))
    };
    let (first, last) = (number(a)?, number(b)?);
    let padded = |s: &str| s.len() > 1 && s.starts_with('0');
    let width = if padded(a) { a.len() } else { 1 };
    if padded(b) && b.len() != width {
        return Err(Problem {
            message: format!("`{text}` pads its last number and not its first"),
            help: format!(
                "a leading zero in the first number pads every name to its width: write `{prefix}[{first:0w$}-{b}]{suffix}`",
                w = b.len()
            ),
        });
    }
    if first > last {
        return Err(Problem {
            message: format!("`{text}` counts down: {a} is after {b}"),
            help: format!("write the first number first: `{prefix}[{b}-{a}]{suffix}`"),
        });
    }
    Ok(Some(Range { prefix: prefix.to_string(), first, last, width, suffix: suffix.to_string() }))
}

/// `names` with each run of three or more consecutive numbered names (same
/// text before the number, same padding) written as a range, for messages.
pub fn fold(names: &[impl AsRef<str>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Option<(Numbered<'_>, Numbered<'_>, usize)> = None;
    let flush = |run: Option<(Numbered<'_>, Numbered<'_>, usize)>, out: &mut Vec<String>| {
        let Some((first, last, count)) = run else { return };
        if count >= 3 {
            out.push(format!("{}[{}-{}]", first.prefix, first.digits, last.digits));
        } else {
            out.extend((0..count).map(|i| first.with(first.number + i as u64)));
        }
    };
    for name in names {
        let name = name.as_ref();
        match (Numbered::split(name), run.take()) {
            (Some(n), Some((first, last, count))) if last.followed_by(&n) => run = Some((first, n, count + 1)),
            (next, previous) => {
                flush(previous, &mut out);
                match next {
                    Some(n) => run = Some((n, n, 1)),
                    None => out.push(name.to_string()),
                }
            }
        }
    }
    flush(run, &mut out);
    out
}

/// A name split into its text and the number it ends with.
#[derive(Debug, Clone, Copy)]
struct Numbered<'a> {
    prefix: &'a str,
    digits: &'a str,
    number: u64,
}

impl<'a> Numbered<'a> {
    fn split(name: &'a str) -> Option<Numbered<'a>> {
        let at = name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (prefix, digits) = name.split_at(at);
        let number = digits.parse().ok().filter(|_| digits.len() <= MAX_DIGITS)?;
        Some(Numbered { prefix, digits, number })
    }

    fn padded(&self) -> bool {
        self.digits.len() > 1 && self.digits.starts_with('0')
    }

    /// Whether `next` is the name after this one in a range.
    fn followed_by(&self, next: &Numbered<'_>) -> bool {
        let same_padding = match (self.padded(), next.padded()) {
            (false, false) => true,
            _ => self.digits.len() == next.digits.len(),
        };
        self.prefix == next.prefix && next.number == self.number + 1 && same_padding
    }

    fn with(&self, number: u64) -> String {
        format!("{}{number:0w$}", self.prefix, w = if self.padded() { self.digits.len() } else { 1 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        parse(text).expect("a range").expect("brackets").names().collect()
    }

    #[test]
    fn a_range_is_its_names_in_order() {
        assert_eq!(names("n[0-3]"), ["n0", "n1", "n2", "n3"]);
        assert_eq!(names("n[8-11]"), ["n8", "n9", "n10", "n11"]);
        assert_eq!(names("rack-[1-2].east"), ["rack-1.east", "rack-2.east"]);
        assert_eq!(names("n[5-5]"), ["n5"]);
        assert_eq!(parse("n5"), Ok(None));
    }

    #[test]
    fn a_leading_zero_pads_to_its_width() {
        assert_eq!(names("n[098-101]"), ["n098", "n099", "n100", "n101"]);
        assert_eq!(names("n[00-02]"), ["n00", "n01", "n02"]);
        let r = parse("n[000-999]").unwrap().unwrap();
        assert_eq!((r.count(), r.longest(), r.to_string()), (1000, "n999".to_string(), "n[000-999]".to_string()));
    }

    #[test]
    fn malformed_ranges_say_what_is_wrong() {
        let problem = |text: &str| parse(text).expect_err(text).message;
        assert!(problem("n[9-0]").contains("counts down"), "{}", problem("n[9-0]"));
        assert_eq!(parse("n[9-0]").unwrap_err().help, "write the first number first: `n[0-9]`");
        assert!(problem("n[0-9").contains("`[` without `]`"));
        assert!(problem("n0-9]").contains("`]` without `[`"));
        assert!(problem("n[0-]").contains("`` is not a whole number"));
        assert!(problem("n[a-b]").contains("`a` is not a whole number"));
        assert!(problem("n[0_9]").contains("two numbers"));
        assert!(problem("n[0-1][0-1]").contains("one pair of brackets"));
        assert!(problem("n[0-9999999999]").contains("more than 9 digits"));
        assert!(problem("n[0-099]").contains("pads its last number"));
    }

    #[test]
    fn fold_writes_runs_as_ranges() {
        let many: Vec<String> = (0..1000).map(|i| format!("n{i}")).collect();
        assert_eq!(fold(&many), ["n[0-999]"]);
        assert_eq!(fold(&["a", "n1", "n2", "b", "s1", "s2", "s3"]), ["a", "n1", "n2", "b", "s[1-3]"]);
        assert_eq!(fold(&["n08", "n09", "n10", "n11"]), ["n[08-11]"]);
        assert_eq!(fold(&["n8", "n9", "n10", "n11"]), ["n[8-11]"]);
        assert_eq!(fold(&["n1", "n3", "n4"]), ["n1", "n3", "n4"]);
    }
}
