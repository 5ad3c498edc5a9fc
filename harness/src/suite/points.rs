//! Breakpoint steps: `breakpoint` arms a point, `continue` and `disarm`
//! release it, `await: {hit}` waits for it; and the other map forms of
//! `await`: `{up}` for nodes, `{holds}` for a jq condition over the views.
//!
//! A point name is `[A-Za-z0-9_.-]+`. When the programs of the targeted
//! nodes declare `points:`, the point must be among them (for a spec word,
//! which may choose any node, among those of every program that declares
//! points). `continue`, `disarm` and `await: {hit}` need an earlier
//! `breakpoint` step to have armed the point.

use std::collections::BTreeMap;

use super::checker::{quoted, valid_name};
use super::error::did_you_mean;
use super::locate::Path;
use super::plan::{Action, AwaitCondition, BreakAction, TargetSpec, Targets};
use super::raw::Names;
use super::raw_steps::{RawAwaitMap, RawBreakpoint, RawPointRef};
use super::steps::StepCx;
use super::vocabulary::{ActionKind, SPEC_WORDS};

impl StepCx<'_, '_> {
    /// `breakpoint: {nodes, point, match, action}`.
    pub fn breakpoint(&mut self, raw: &RawBreakpoint) -> Action {
        let at = self.path.key("breakpoint");
        let nodes = self.nodes_of(raw.nodes.as_ref(), &at, "breakpoint");
        let (point, declared) = self.point(raw.point.as_deref(), &nodes, &at, "breakpoint");
        if declared && !self.history.armed.iter().any(|(p, _)| *p == point) {
            self.history.armed.push((point.clone(), self.line));
        }
        let mut matcher = BTreeMap::new();
        for (label, value) in raw.matcher.as_ref().map(|m| m.0.as_slice()).unwrap_or_default() {
            if label.is_empty() {
                self.cx.at_key(&at.key("match").key(label), "a label name cannot be empty", None);
            }
            matcher.insert(label.clone(), value.clone());
        }
        let action = match raw.action.as_deref().map(|a| (a, BreakAction::from_key(a))) {
            None => BreakAction::Pause,
            Some((_, Some(action))) => action,
            Some((other, None)) => {
                let help = did_you_mean(other, BreakAction::keys())
                    .or_else(|| Some("`pause` holds the caller until `continue`; `skip` drops the message".into()));
                self.cx.at(&at.key("action"), format!("unknown breakpoint action `{other}`"), help);
                BreakAction::Pause
            }
        };
        Action::Breakpoint { nodes: nodes.unwrap_or(Targets::Nodes(Vec::new())), point, matcher, action }
    }

    /// `continue: {nodes, point}` or `disarm: {nodes, point}`.
    pub fn point_ref(&mut self, kind: ActionKind, raw: &RawPointRef) -> Action {
        let verb = kind.key();
        let at = self.path.key(verb);
        let nodes = self.nodes_of(raw.nodes.as_ref(), &at, verb);
        let (point, declared) = self.point(raw.point.as_deref(), &nodes, &at, verb);
        if declared {
            self.check_armed(&point, &at.key("point"), verb);
        }
        let nodes = nodes.unwrap_or(Targets::Nodes(Vec::new()));
        match kind {
            ActionKind::Continue => Action::Continue { nodes, point },
            _ => Action::Disarm { nodes, point },
        }
    }

    /// `await: {hit: POINT, nodes: NODES}`, `await: {up: NODES}` or
    /// `await: {holds: JQ}`.
    pub fn await_map(&mut self, raw: &RawAwaitMap, at: &Path) -> AwaitCondition {
        let fallback = AwaitCondition::Converged;
        if let Some(holds) = &raw.holds {
            return self.await_holds(holds, raw, at);
        }
        match (&raw.hit, &raw.up) {
            (Some(_), Some(_)) => {
                let second = self.later(at, "hit", "up");
                let help = Some("await one condition per step".into());
                self.cx.at_key(&at.key(second), "`await` has `hit` or `up`, not both", help);
                fallback
            }
            (Some(hit), None) => {
                let nodes = self.nodes_of(raw.nodes.as_ref(), at, "hit");
                let (point, declared) = self.point(Some(hit), &nodes, at, "hit");
                if declared {
                    self.check_armed(&point, &at.key("hit"), "await a hit of");
                }
                match nodes {
                    Some(nodes) => AwaitCondition::Hit { point, nodes },
                    None => fallback,
                }
            }
            (None, Some(up)) => {
                if raw.nodes.is_some() {
                    let help = Some("write `await: { up: NODES }`".into());
                    self.cx.at_key(&at.key("nodes"), "`nodes` goes with `hit`, not `up`", help);
                }
                AwaitCondition::Up(self.targets(up, &at.key("up")))
            }
            (None, None) => {
                let help = Some("write `{ hit: POINT, nodes: NODES }`, `{ up: NODES }` or `{ holds: JQ }`".into());
                self.cx.at(at, "`await` needs a condition", help);
                fallback
            }
        }
    }

    /// `await: {holds: JQ}`: alone in its map, and a jq expression that
    /// compiles.
    fn await_holds(&mut self, holds: &str, raw: &RawAwaitMap, at: &Path) -> AwaitCondition {
        let others = [("hit", raw.hit.is_some()), ("nodes", raw.nodes.is_some()), ("up", raw.up.is_some())];
        for (key, _) in others.iter().filter(|(_, given)| *given) {
            let help = Some("await one condition per step".into());
            self.cx.at_key(&at.key(key), format!("`await` has `holds` or `{key}`, not both"), help);
        }
        if let Err(e) = crate::view::check_syntax(holds) {
            self.cx.at(&at.key("holds"), e, None);
        }
        AwaitCondition::Holds(holds.to_string())
    }

    /// Which of two keys of the map at `at` comes later in the file.
    fn later(&self, at: &Path, a: &'static str, b: &'static str) -> &'static str {
        let place = |k: &str| self.cx.loc.key(&at.key(k)).map(|p| (p.line, p.column));
        if place(a) > place(b) {
            a
        } else {
            b
        }
    }

    /// The required `nodes:` of the map at `at`.
    fn nodes_of(&mut self, raw: Option<&Names>, at: &Path, what: &str) -> Option<Targets> {
        let Some(names) = raw else {
            let help = Some("e.g. `nodes: [s1, s2]` or `nodes: all`".into());
            self.cx.at(at, format!("`{what}` needs `nodes:`"), help);
            return None;
        };
        Some(self.targets(names, &at.key("nodes")))
    }

    /// The point named at `at.point` (or `at.hit`), and whether it is valid
    /// and declared by the targeted nodes' programs where they declare points
    /// (the problem is reported when not).
    fn point(&mut self, raw: Option<&str>, nodes: &Option<Targets>, at: &Path, what: &str) -> (String, bool) {
        let key = if what == "hit" { "hit" } else { "point" };
        let Some(point) = raw else {
            let help = Some("e.g. `point: gossip.send`".into());
            self.cx.at(at, format!("`{what}` needs `point:`"), help);
            return (String::new(), false);
        };
        let path = at.key(key);
        if !valid_name(point) {
            let help = Some("use letters, digits, `_`, `.` and `-`, e.g. `gossip.send`".into());
            self.cx.at(&path, format!("`{point}` is not a valid point name"), help);
            return (point.to_string(), false);
        }
        let mut declared_everywhere = true;
        let spec = match nodes {
            Some(Targets::Spec(spec)) => Some(spec_name(*spec)),
            _ => None,
        };
        for (program, node) in self.programs_of(nodes.as_ref()) {
            let Some(declared) = self.scope.programs.get(&program).and_then(|p| p.points.as_ref()) else { continue };
            if declared.iter().any(|d| d == point) {
                continue;
            }
            let whose = match spec {
                Some(word) => format!("program `{program}` (of node `{node}`, which `{word}` may choose)"),
                None => format!("program `{program}` (of node `{node}`)"),
            };
            let help = did_you_mean(point, declared.iter().map(String::as_str)).or_else(|| {
                Some(match declared.is_empty() {
                    true => format!("`{program}` declares no points"),
                    false => format!("`{program}` declares {}", quoted(declared)),
                })
            });
            self.cx.at(&path, format!("point `{point}` is not declared by {whose}"), help);
            declared_everywhere = false;
        }
        (point.to_string(), declared_everywhere)
    }

    /// The programs the point must exist in: those of the named nodes, or
    /// for a spec word, those of every node; each with its first node.
    fn programs_of(&self, nodes: Option<&Targets>) -> Vec<(String, String)> {
        let plans = self.scope.plans;
        let chosen: Vec<usize> = match nodes {
            Some(Targets::Nodes(ids)) => ids.clone(),
            Some(Targets::Spec(_) | Targets::Where(_)) => (0..plans.len()).collect(),
            None => Vec::new(),
        };
        let mut out: Vec<(String, String)> = Vec::new();
        for id in chosen {
            let plan = &plans[id];
            if !out.iter().any(|(p, _)| *p == plan.program) {
                out.push((plan.program.clone(), plan.name.clone()));
            }
        }
        out
    }

    /// `continue`, `disarm` and `await: {hit}` need the point armed before.
    fn check_armed(&mut self, point: &str, path: &Path, verb: &str) {
        if self.history.armed.iter().any(|(p, _)| p == point) {
            return;
        }
        let armed: Vec<&str> = self.history.armed.iter().map(|(p, _)| p.as_str()).collect();
        let help = did_you_mean(point, armed.iter().copied())
            .or_else(|| Some(format!("arm it first with `breakpoint: {{ nodes: ..., point: {point} }}`")));
        let message = format!("cannot {verb} `{point}`: no earlier `breakpoint` step arms it");
        self.cx.at(path, message, help);
    }
}

/// The word for a spec.
fn spec_name(spec: TargetSpec) -> &'static str {
    SPEC_WORDS.iter().find(|(_, s)| *s == spec).map_or("all", |(w, _)| *w)
}
