//! Where things are in a suite file: a map from a [`Path`] such as
//! `steps[3].partition[0][1]` to the line and column of that value (and of
//! its key, for mapping entries).
//!
//! serde keeps no positions once a value is deserialized, so validation
//! errors carry a [`Path`] and are located afterwards by a second, event-level
//! parse with yaml-rust2. That parse comes first, and also enforces the
//! file's limits ([`super::limits`]: nesting, and values with aliases
//! expanded) before serde reads the text: it reads the events one at a time
//! (yaml-rust2's own loader recurses once per level) and stops at the first
//! limit passed, or at a syntax error, which is then the one reported.
//! Caveats: a mapping used as a key gets the key `?`; aliases are located
//! at the alias, not at the anchor.

use std::collections::HashMap;
use std::fmt;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use super::limits::{Budget, Limit, Size, OLD_BREAKS};

/// One step into a YAML document: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index, 0-based.
    Index(usize),
}

/// A path from the document root to a value, e.g. `steps[3].partition[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path(Vec<Seg>);

impl Path {
    /// The document root.
    pub fn root() -> Path {
        Path::default()
    }

    /// This path extended by a mapping key.
    pub fn key(&self, key: &str) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        Path(segs)
    }

    /// This path extended by a sequence index.
    pub fn index(&self, index: usize) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        Path(segs)
    }

    /// The path one level up, or `None` at the root.
    pub fn parent(&self) -> Option<Path> {
        let (_, rest) = self.0.split_last()?;
        Some(Path(rest.to_vec()))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str(".");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A 1-based line and column, with the width of the token there (for the caret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// How many characters the token spans on that line (at least 1).
    pub width: usize,
}

impl Pos {
    fn at(mark: Marker, width: usize) -> Pos {
        Pos { line: mark.line(), column: mark.col() + 1, width: width.max(1) }
    }
}

/// Positions of one value.
#[derive(Debug, Clone)]
struct Entry {
    value: Pos,
    key: Option<Pos>,
}

/// A key that appears twice in one mapping.
#[derive(Debug, Clone)]
pub struct Duplicate {
    /// The key.
    pub key: String,
    /// The second occurrence.
    pub at: Pos,
    /// The first occurrence.
    pub first: Pos,
}

/// Why the text must not go on to serde: a limit of [`super::limits`] it
/// does not keep, or YAML that does not parse; and where.
#[derive(Debug, Clone)]
pub struct Refused {
    /// What is wrong, one line.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Where.
    pub at: Pos,
}

impl Refused {
    fn limit(limit: &Limit, at: Pos) -> Refused {
        Refused { message: limit.message(), help: Some(limit.help()), at }
    }
}

/// Paths of a suite file mapped to positions.
///
/// The values form a tree: each entry knows its children by key or index
/// (`edges`), so that building it costs the same for every value however
/// deep, and finding a path walks it from the root.
#[derive(Debug, Default)]
pub struct Locator {
    entries: Vec<Entry>,
    edges: HashMap<(usize, Seg), usize>,
    duplicates: Vec<Duplicate>,
    refused: Option<Refused>,
    /// The document's size (aliases expanded), and the text's bytes.
    size: (Size, usize),
}

impl Locator {
    /// Parses `source`. Parsing stops at the first limit the text does not
    /// keep, or at a syntax error; [`Locator::refused`] then says why, and
    /// the text must not be given to serde (see [`super::limits`]).
    pub fn new(source: &str) -> Locator {
        if let Some((line, column, c)) = old_break(source) {
            let at = Pos { line, column, width: 1 };
            return Locator::refusing(Refused::limit(&Limit::LineBreak(c), at));
        }
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(source);
        loop {
            match parser.next_token() {
                Ok((Event::StreamEnd, _)) => {
                    builder.done.size = (builder.budget.total(), source.len());
                    return builder.done;
                }
                Ok((event, mark)) => {
                    if let Err(limit) = builder.event(event, mark) {
                        return Locator::refusing(Refused::limit(&limit, Pos::at(mark, 1)));
                    }
                }
                Err(e) => return Locator::refusing(syntax(&e, source)),
            }
        }
    }

    fn refusing(refused: Refused) -> Locator {
        Locator { refused: Some(refused), ..Locator::default() }
    }

    fn find(&self, path: &Path) -> Option<&Entry> {
        let mut at = 0;
        for seg in &path.0 {
            at = *self.edges.get(&(at, seg.clone()))?;
        }
        self.entries.get(at)
    }

    /// Where the value at `path` starts.
    pub fn value(&self, path: &Path) -> Option<Pos> {
        self.find(path).map(|e| e.value)
    }

    /// Where the key of the mapping entry at `path` is.
    pub fn key(&self, path: &Path) -> Option<Pos> {
        self.find(path).and_then(|e| e.key)
    }

    /// Where `path` is, or failing that its nearest located ancestor.
    pub fn nearest(&self, path: &Path, prefer_key: bool) -> Option<Pos> {
        let mut at = Some(path.clone());
        while let Some(p) = at {
            let found = if prefer_key { self.key(&p).or_else(|| self.value(&p)) } else { self.value(&p) };
            if found.is_some() {
                return found;
            }
            at = p.parent();
        }
        None
    }

    /// Keys that appear twice in the same mapping, in file order.
    pub fn duplicates(&self) -> &[Duplicate] {
        &self.duplicates
    }

    /// The document's size, with aliases expanded, and the text's bytes.
    pub fn size(&self) -> (Size, usize) {
        self.size
    }

    /// Why the text must not be given to serde, if it must not.
    pub fn refused(&self) -> Option<&Refused> {
        self.refused.as_ref()
    }
}

/// A syntax error in `source`. yaml-rust2 counts flow levels in a u8: past
/// 255 it stops, which is a nesting too deep.
fn syntax(e: &ScanError, source: &str) -> Refused {
    let at = Pos::at(*e.marker(), 1);
    let line = source.lines().nth(at.line.saturating_sub(1)).unwrap_or_default();
    let tab = line.contains('\t');
    let help = tab.then(|| "YAML takes a tab as a space in few places; write spaces".to_string());
    let help = help.or_else(|| unquoted_range(line, at.column));
    match e.info() {
        "recursion limit exceeded" => Refused::limit(&Limit::Depth, at),
        info => Refused { message: info.to_string(), help, at },
    }
}

/// Help for a syntax error at `column` of `line` where a node range
/// (`n[0-4]`) stands unquoted in a flow list or map, which its `[` breaks.
fn unquoted_range(line: &str, column: usize) -> Option<String> {
    let chars: Vec<char> = line.chars().collect();
    let before = chars.get(column.checked_sub(2)?)?;
    let name_char = |c: &char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    (chars.get(column - 1) == Some(&'[') && name_char(before))
        .then(|| "in `[...]` or `{...}`, quote a node range: `\"n[0-4]\"`, or write the list one item a line".into())
}

/// The first YAML 1.1 line break in `source`: its line, column and char.
fn old_break(source: &str) -> Option<(usize, usize, char)> {
    let at = source.find(|c| OLD_BREAKS.iter().any(|(b, _)| *b == c))?;
    let line_start = source[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line = source[..at].matches('\n').count() + 1;
    let column = source[line_start..at].chars().count() + 1;
    let c = source[at..].chars().next()?;
    Some((line, column, c))
}

/// What the builder is inside of: a collection, by its entry.
enum Frame {
    Map { id: usize, key: Option<(String, Pos)>, first_key_seen: bool },
    Seq { id: usize, next: usize },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    done: Locator,
    budget: Budget,
    /// The first document has ended: later ones are only counted (serde
    /// refuses a second document, but reads it first).
    ended: bool,
}

impl Builder {
    fn event(&mut self, ev: Event, mark: Marker) -> Result<(), Limit> {
        match ev {
            Event::Scalar(text, style, anchor, _) => {
                self.budget.scalar(anchor, text.len())?;
                self.node(Pos::at(mark, scalar_width(&text, style)), Some(text));
            }
            Event::Alias(anchor) => {
                self.budget.alias(anchor)?;
                self.node(Pos::at(mark, 1), None);
            }
            Event::SequenceStart(anchor, _) => {
                self.budget.open(anchor, false)?;
                if let Some(id) = self.node(Pos::at(mark, 1), None) {
                    self.stack.push(Frame::Seq { id, next: 0 });
                }
            }
            Event::MappingStart(anchor, _) => {
                self.budget.open(anchor, true)?;
                if let Some(id) = self.node(Pos::at(mark, 1), None) {
                    self.stack.push(Frame::Map { id, key: None, first_key_seen: false });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.budget.close();
                self.stack.pop();
            }
            Event::DocumentEnd => self.ended = true,
            _ => {}
        }
        Ok(())
    }

    /// Handles a node (scalar, alias or collection start); returns its
    /// entry when it is a value rather than a key.
    fn node(&mut self, pos: Pos, key_text: Option<String>) -> Option<usize> {
        if self.ended {
            return None;
        }
        let (parent, seg, key) = match self.stack.last_mut() {
            None if self.done.entries.is_empty() => {
                self.done.entries.push(Entry { value: pos, key: None });
                return Some(0);
            }
            None => return None,
            Some(Frame::Seq { id, next }) => {
                *next += 1;
                (*id, Seg::Index(*next - 1), None)
            }
            Some(Frame::Map { id, key, first_key_seen }) => match key.take() {
                None => {
                    if !*first_key_seen {
                        *first_key_seen = true;
                        // Block mappings are marked after their first key.
                        let e = &mut self.done.entries[*id];
                        if (pos.line, pos.column) < (e.value.line, e.value.column) {
                            e.value = Pos { width: 1, ..pos };
                        }
                    }
                    *key = Some((key_text.unwrap_or_else(|| "?".to_string()), pos));
                    return None;
                }
                Some((k, key_pos)) => (*id, Seg::Key(k), Some(key_pos)),
            },
        };
        if let Some(&old) = self.done.edges.get(&(parent, seg.clone())) {
            if let (Some(first), Some(at), Seg::Key(k)) = (self.done.entries[old].key, key, seg) {
                self.done.duplicates.push(Duplicate { key: k, at, first });
            }
            return Some(old);
        }
        let id = self.done.entries.len();
        self.done.entries.push(Entry { value: pos, key });
        self.done.edges.insert((parent, seg), id);
        Some(id)
    }
}

fn scalar_width(text: &str, style: TScalarStyle) -> usize {
    let chars = text.chars().count();
    match style {
        TScalarStyle::Plain if !text.contains('\n') => chars,
        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted if !text.contains('\n') => chars + 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "name: x\nsteps:\n  - sleep: 5s\n  - partition: [[s1, s2], [s3]]\n    id: split\n";

    fn at(loc: &Locator, path: &Path) -> (usize, usize) {
        let pos = loc.value(path).expect("located");
        (pos.line, pos.column)
    }

    #[test]
    fn locates_values_and_keys() {
        let loc = Locator::new(SRC);
        let steps = Path::root().key("steps");
        assert_eq!(at(&loc, &Path::root().key("name")), (1, 7));
        assert_eq!(at(&loc, &steps.index(0)), (3, 5));
        assert_eq!(at(&loc, &steps.index(1).key("partition").index(1).index(0)), (4, 28));
        let key = loc.key(&steps.index(1).key("id")).expect("key located");
        assert_eq!((key.line, key.column, key.width), (5, 5, 2));
    }

    #[test]
    fn paths_display_like_serde() {
        let p = Path::root().key("steps").index(3).key("partition").index(0).index(1);
        assert_eq!(p.to_string(), "steps[3].partition[0][1]");
    }

    #[test]
    fn finds_duplicate_keys() {
        let loc = Locator::new("nodes:\n  a: x\n  a: y\n");
        let dup = &loc.duplicates()[0];
        assert_eq!((dup.key.as_str(), dup.at.line, dup.first.line), ("a", 3, 2));
    }
}
