//! The validation context: the issues found so far, each carrying the
//! [`Path`] of the offending value, and node names resolved to ids with a
//! suggestion when one is unknown.

use std::collections::HashMap;
use std::time::Duration;

use super::duration;
use super::error::did_you_mean;
use super::locate::{Locator, Path};
use super::plan::NodeId;
use super::raw::Names;

/// One problem, to be located by its path.
#[derive(Debug, Clone)]
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

    /// Parses an optional duration, reporting a bad one.
    pub fn duration(&mut self, text: Option<&str>, path: &Path, default: Duration) -> Duration {
        let Some(text) = text else { return default };
        duration::parse(text).unwrap_or_else(|message| {
            self.at(path, message, duration::help(text));
            default
        })
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
        let help = did_you_mean(name, self.names.iter().map(String::as_str))
            .or_else(|| Some(format!("the nodes are {}", quoted(&self.names))));
        cx.at(path, format!("unknown node `{name}`"), help);
        None
    }

    /// Resolves `s1` or `[s1, s2]`: at least one node, none twice.
    pub fn resolve_list(&self, cx: &mut Checker<'_>, names: &Names, path: &Path) -> Vec<NodeId> {
        let mut ids = Vec::new();
        if names.items().is_empty() {
            cx.at(path, "expected at least one node", None);
        }
        for (i, name) in names.items() {
            let at = i.map_or_else(|| path.clone(), |i| path.index(i));
            match self.resolve(cx, name, &at) {
                Some(id) if ids.contains(&id) => cx.at(&at, format!("`{name}` is listed twice"), None),
                Some(id) => ids.push(id),
                None => {}
            }
        }
        ids
    }
}

/// `a`, `b`, `c` for messages.
pub fn quoted(names: &[impl AsRef<str>]) -> String {
    names.iter().map(|n| format!("`{}`", n.as_ref())).collect::<Vec<_>>().join(", ")
}

/// Whether `name` is a valid node or variant name: `[A-Za-z0-9_.-]+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}
