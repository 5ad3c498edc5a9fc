//! Where things are in a suite file: a map from a [`Path`] such as
//! `steps[3].partition[0][1]` to the line and column of that value (and of
//! its key, for mapping entries).
//!
//! serde keeps no positions once a value is deserialized, so validation
//! errors carry a [`Path`] and are located afterwards by a second, event-level
//! parse with yaml-rust2. Caveats: a mapping used as a key gets the key `?`;
//! aliases are located at the alias, not at the anchor.

use std::collections::HashMap;
use std::fmt;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

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

/// Paths of a suite file mapped to positions.
#[derive(Debug, Default)]
pub struct Locator {
    entries: HashMap<Path, Entry>,
    duplicates: Vec<Duplicate>,
}

impl Locator {
    /// Parses `source`; a document that does not parse yields an empty
    /// locator (serde reports the syntax error itself).
    pub fn new(source: &str) -> Locator {
        let mut builder = Builder::default();
        match Parser::new_from_str(source).load(&mut builder, false) {
            Ok(()) => builder.done,
            Err(_) => Locator::default(),
        }
    }

    /// Where the value at `path` starts.
    pub fn value(&self, path: &Path) -> Option<Pos> {
        self.entries.get(path).map(|e| e.value)
    }

    /// Where the key of the mapping entry at `path` is.
    pub fn key(&self, path: &Path) -> Option<Pos> {
        self.entries.get(path).and_then(|e| e.key)
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
}

/// What the builder is inside of.
enum Frame {
    Map { path: Path, key: Option<(String, Pos)>, first_key_seen: bool },
    Seq { path: Path, next: usize },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    done: Locator,
}

impl Builder {
    /// Handles a node (scalar, alias or collection start); returns its path
    /// when it is a value rather than a key.
    fn node(&mut self, pos: Pos, key_text: Option<&str>) -> Option<Path> {
        let (path, key) = match self.stack.last_mut() {
            None => (Path::root(), None),
            Some(Frame::Seq { path, next }) => {
                *next += 1;
                (path.index(*next - 1), None)
            }
            Some(Frame::Map { path, key, first_key_seen }) => match key.take() {
                None => {
                    let text = key_text.unwrap_or("?").to_string();
                    if !*first_key_seen {
                        *first_key_seen = true;
                        // Block mappings are marked after their first key.
                        if let Some(e) = self.done.entries.get_mut(path) {
                            if (pos.line, pos.column) < (e.value.line, e.value.column) {
                                e.value = Pos { width: 1, ..pos };
                            }
                        }
                    }
                    *key = Some((text, pos));
                    return None;
                }
                Some((k, key_pos)) => (path.key(&k), Some(key_pos)),
            },
        };
        if let Some(old) = self.done.entries.get(&path) {
            if let (Some(first), Some(at), Seg::Key(k)) = (old.key, key, last(&path)) {
                self.done.duplicates.push(Duplicate { key: k, at, first });
            }
            return Some(path);
        }
        self.done.entries.insert(path.clone(), Entry { value: pos, key });
        Some(path)
    }
}

fn last(path: &Path) -> Seg {
    path.0.last().cloned().unwrap_or(Seg::Index(0))
}

fn scalar_width(text: &str, style: TScalarStyle) -> usize {
    let chars = text.chars().count();
    match style {
        TScalarStyle::Plain if !text.contains('\n') => chars,
        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted if !text.contains('\n') => chars + 2,
        _ => 1,
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, style, ..) => {
                self.node(Pos::at(mark, scalar_width(&text, style)), Some(&text));
            }
            Event::Alias(_) => {
                self.node(Pos::at(mark, 1), None);
            }
            Event::SequenceStart(..) => {
                let path = self.node(Pos::at(mark, 1), None).unwrap_or_default();
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingStart(..) => {
                let path = self.node(Pos::at(mark, 1), None).unwrap_or_default();
                self.stack.push(Frame::Map { path, key: None, first_key_seen: false });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.stack.pop();
            }
            _ => {}
        }
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
