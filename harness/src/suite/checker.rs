//! The validation context: the issues found so far, each carrying the
//! [`Path`] of the offending value; node names and step targets resolved to
//! ids with a suggestion when one is unknown; and templates resolved against
//! the nodes, recording which `{variant.KEY}` they use.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::duration;
use super::error::{did_you_mean, nearest};
use super::limits::{MAX_DURATION, MAX_DURATION_TEXT, MAX_ISSUES, MAX_LISTED, MAX_NODES};
use super::locate::{Locator, Path};
use super::plan::{NodeId, Piece, Targets, Template};
use super::ranges::{self, Range};
use super::raw::Names;
use super::template::{self, Part};
use super::vocabulary::{spec_word, spec_words};

/// The first place each `{variant.KEY}` is used.
pub type VariantUses = Vec<(String, Path)>;

/// One problem, to be located by its path.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// The offending value.
    pub path: Path,
    /// Point at the key of the entry rather than its value.
    pub on_key: bool,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// Collects issues while validating.
pub struct Checker<'a> {
    /// Positions, for step lines.
    pub loc: &'a Locator,
    /// Everything found so far.
    pub issues: Vec<Issue>,
    /// How many `{where: JQ}` targets were read so far.
    pub wheres: usize,
}

impl Checker<'_> {
    /// Reports a problem with the value at `path`.
    pub fn at(&mut self, path: &Path, message: impl Into<String>, help: Option<String>) {
        self.issues.push(Issue { path: path.clone(), on_key: false, message: message.into(), help });
    }

    /// Reports a problem with the key of the entry at `path`.
    pub fn at_key(&mut self, path: &Path, message: impl Into<String>, help: Option<String>) {
        self.issues.push(Issue { path: path.clone(), on_key: true, message: message.into(), help });
    }

    /// Whether validation has found so many issues that it stops (at
    /// [`MAX_ISSUES`]): the loops over long lists (steps, a repeat's
    /// iterations, links) check it, so that a file of 20 000 bad steps costs
    /// no more than a thousand.
    pub fn full(&self) -> bool {
        self.issues.len() >= MAX_ISSUES
    }

    /// Parses an optional duration, reporting a bad one and one longer than
    /// [`MAX_DURATION`].
    pub fn duration(&mut self, text: Option<&str>, path: &Path, default: Duration) -> Duration {
        let Some(text) = text else { return default };
        match duration::parse(text) {
            Ok(d) if d > MAX_DURATION => {
                let help = Some(format!("a duration is at most {MAX_DURATION_TEXT}"));
                self.at(path, format!("`{}` is longer than a run may wait", text.trim()), help);
                default
            }
            Ok(d) => d,
            Err(message) => {
                self.at(path, message, duration::help(text));
                default
            }
        }
    }
}

/// Node names and their ids.
pub struct NodeIndex {
    pub(super) names: Vec<String>,
    pub(super) ids: HashMap<String, NodeId>,
}

impl NodeIndex {
    /// Resolves a node name, reporting an unknown one at `path`.
    pub fn resolve(&self, cx: &mut Checker<'_>, name: &str, path: &Path) -> Option<NodeId> {
        if let Some(&id) = self.ids.get(name) {
            return Some(id);
        }
        if ranges::is_range(name) {
            let help = Some("name one node here; ranges stand for nodes in `nodes:`, targets and `ring:`".into());
            cx.at(path, format!("`{name}` stands for several nodes, and one is expected here"), help);
            return None;
        }
        let help = did_you_mean(name, self.names.iter().map(String::as_str))
            .or_else(|| Some(format!("the nodes are {}", self.listed())));
        cx.at(path, format!("unknown node `{name}`"), help);
        None
    }

    /// Resolves a step's targets: `s1`, `[s1, s2]`, a range `n[0-9]` or
    /// ranges in a list (at least one node, none twice), or a spec word
    /// alone (`majority`, or `[majority]`).
    pub fn targets(&self, cx: &mut Checker<'_>, names: &Names, path: &Path) -> Targets {
        if let Names::Where(expression) = names {
            if let Err(e) = crate::view::check_syntax(expression) {
                cx.at(&path.key("where"), e, None);
            }
            cx.wheres += 1;
            return Targets::Where(expression.clone());
        }
        let items = names.items();
        if let [(_, word)] = items.as_slice() {
            if let Some(spec) = spec_word(word) {
                return Targets::Spec(spec);
            }
        }
        if items.is_empty() {
            cx.at(path, "expected at least one node", Some(self.choices()));
        }
        Targets::Nodes(self.nodes(cx, &items, path))
    }

    /// The nodes of a list of names and ranges, in order, each at its index
    /// under `path` (or at `path` itself for a single scalar): each must
    /// exist, none may be listed twice, and target words are refused. This
    /// is where every list of node names in a step is resolved.
    pub fn nodes(&self, cx: &mut Checker<'_>, items: &[(Option<usize>, &str)], path: &Path) -> Vec<NodeId> {
        let mut ids = Vec::new();
        let mut seen = HashSet::new();
        for &(i, written) in items {
            let at = i.map_or_else(|| path.clone(), |i| path.index(i));
            if spec_word(written).is_some() {
                let help = Some(format!("write `{written}` on its own, not in a list with node names"));
                cx.at(&at, format!("`{written}` chooses nodes itself and cannot be listed with others"), help);
                continue;
            }
            match ranges::parse(written) {
                Ok(None) => match self.ids.get(written) {
                    Some(&id) if !seen.insert(id) => cx.at(&at, format!("`{written}` is listed twice"), None),
                    Some(&id) => ids.push(id),
                    None => {
                        let near = nearest(written, self.names.iter().map(String::as_str).chain(spec_words()));
                        let help = near.map_or_else(|| self.choices(), |n| format!("did you mean `{n}`?"));
                        cx.at(&at, format!("unknown node `{written}`"), Some(help));
                    }
                },
                Ok(Some(range)) => self.range(cx, &range, &at, (&mut ids, &mut seen)),
                Err(problem) => cx.at(&at, problem.message, Some(problem.help)),
            }
        }
        ids
    }

    /// The nodes of `range` (written at `at`) added to `ids`; a name that
    /// is not a node, or is already listed, is reported once for the range.
    fn range(
        &self,
        cx: &mut Checker<'_>,
        range: &Range,
        at: &Path,
        (ids, seen): (&mut Vec<NodeId>, &mut HashSet<NodeId>),
    ) {
        let nodes = || quoted(&ranges::fold(&self.names));
        if range.count() > MAX_NODES {
            let help = Some(format!("a suite has at most {MAX_NODES} nodes; the nodes are {}", nodes()));
            cx.at(at, format!("`{range}` stands for {} nodes", range.count()), help);
            return;
        }
        let (mut unknown, mut twice) = (Vec::new(), Vec::new());
        for name in range.names() {
            match self.ids.get(&name) {
                Some(&id) if !seen.insert(id) => twice.push(name),
                Some(&id) => ids.push(id),
                None => unknown.push(name),
            }
        }
        let more = |list: &[String]| match list.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        if let Some(first) = unknown.first() {
            let message = format!("unknown node `{first}`{} in `{range}`", more(&unknown));
            cx.at(at, message, Some(format!("the nodes are {}", nodes())));
        }
        if let Some(first) = twice.first() {
            cx.at(at, format!("`{range}` lists `{first}`{}, which is already listed", more(&twice)), None);
        }
    }

    /// The node names for a help line: listed, or for many nodes with
    /// their runs written as ranges (`n[0-999]`).
    fn listed(&self) -> String {
        match self.names.len() > MAX_LISTED {
            true => quoted(&ranges::fold(&self.names)),
            false => quoted(&self.names),
        }
    }

    fn choices(&self) -> String {
        format!("give node names ({}) or one of {}", self.listed(), quoted(&spec_words()))
    }
}

/// Parses templates, resolving `{addr:NODE}` and recording `{variant.KEY}`.
pub struct Templates<'c, 'a, 'n> {
    /// Where issues go.
    pub cx: &'c mut Checker<'a>,
    /// For `{addr:NODE}`.
    pub nodes: &'n NodeIndex,
    /// Where `{variant.KEY}` uses are recorded.
    pub uses: &'c mut VariantUses,
}

impl Templates<'_, '_, '_> {
    /// One template at `path`; empty when it has a problem (reported).
    pub fn one(&mut self, text: &str, path: &Path) -> Template {
        let parts = template::parse(text).unwrap_or_else(|e| {
            self.cx.at(path, e.message, e.help);
            Vec::new()
        });
        let pieces: Vec<Option<Piece>> = parts.into_iter().map(|part| self.piece(part, path)).collect();
        Template(pieces.into_iter().collect::<Option<Vec<Piece>>>().unwrap_or_default())
    }

    fn piece(&mut self, part: Part, path: &Path) -> Option<Piece> {
        Some(match part {
            Part::Text(t) => Piece::Text(t),
            Part::Name => Piece::Name,
            Part::Addr => Piece::Addr,
            Part::Peers => Piece::Peers,
            Part::Index => Piece::Index,
            Part::AddrOf(node) => Piece::AddrOf(self.nodes.resolve(self.cx, &node, path)?),
            Part::Dir => Piece::Dir,
            Part::DirOf(node) => Piece::DirOf(self.nodes.resolve(self.cx, &node, path)?),
            Part::Variant(key) => {
                if !self.uses.iter().any(|(k, _)| *k == key) {
                    self.uses.push((key.clone(), path.clone()));
                }
                Piece::Variant(key)
            }
        })
    }

    /// A list of templates at `path`.
    pub fn list(&mut self, texts: &[String], path: &Path) -> Vec<Template> {
        texts.iter().enumerate().map(|(i, t)| self.one(t, &path.index(i))).collect()
    }
}

/// `a`, `b`, `c` for messages.
///
/// At most [`MAX_LISTED`] names, then how many more: a help line stays a
/// line with a thousand nodes.
pub fn quoted(names: &[impl AsRef<str>]) -> String {
    let shown: Vec<String> = names.iter().take(MAX_LISTED).map(|n| format!("`{}`", n.as_ref())).collect();
    match names.len().checked_sub(MAX_LISTED).filter(|n| *n > 0) {
        Some(more) => format!("{}, ... ({more} more)", shown.join(", ")),
        None => shown.join(", "),
    }
}

/// `` `a` ``, `` `a` or `b` ``, `` `a`, `b` or `c` ``.
pub fn either(words: &[impl std::fmt::Display]) -> String {
    let list: Vec<String> = words.iter().map(|o| format!("`{o}`")).collect();
    match list.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => list.join(""),
    }
}

/// Whether `name` is a valid point name: `[A-Za-z0-9_.-]+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Whether `name` can name a suite, variant or node. These names become
/// components of run-folder paths (`OUT/SUITE/VARIANT/N/NODE.log`), so each
/// must be one safe path component: `[A-Za-z0-9_.-]+`, starting with a letter,
/// digit or `_` (never `.`, `..`, a hidden name or a path).
pub fn valid_path_name(name: &str) -> bool {
    valid_name(name) && name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
}

/// The help text for a name that [`valid_path_name`] refuses.
pub const PATH_NAME_HELP: &str = "use letters, digits, `_`, `.` and `-`, starting with a letter, digit or `_`";
