//! Validation of `steps:`: exactly one action per step, modifiers that
//! belong to it, targets resolved, and what earlier steps started (fault
//! ids, armed points) tracked in order so that `heal`, `release`,
//! `continue`, `disarm` and `await: {hit}` only name things that exist.
//!
//! Network faults are in [`super::faults`], breakpoints in
//! [`super::points`], `exec` and `http` in [`super::commands`].

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use nix::sys::signal::Signal;

use super::checker::{quoted, Checker, NodeIndex, Templates, VariantUses};
use super::error::did_you_mean;
use super::locate::Path;
use super::plan::{Action, AwaitCondition, NodePlan, Program, Step, Targets};
use super::raw::Names;
use super::raw_steps::{RawAwait, RawBreakpoint, RawFlow, RawPartition, RawPointRef, RawStep};

/// Every action key, in the order errors list them.
pub const ACTIONS: [&str; 23] = [
    "sleep",
    "await",
    "pause",
    "resume",
    "kill",
    "signal",
    "start",
    "restart",
    "partition",
    "heal",
    "drop",
    "stall",
    "release",
    "delay",
    "duplicate",
    "reorder",
    "rate",
    "reject",
    "breakpoint",
    "continue",
    "disarm",
    "exec",
    "http",
];

/// The actions that start a network fault (and take `id`).
pub const FAULTS: [&str; 8] = ["partition", "drop", "stall", "delay", "duplicate", "reorder", "rate", "reject"];

/// Modifier keys and the actions they go with. `signal` is also an action;
/// it is a modifier only in a step with `kill`.
pub const MODIFIERS: [(&str, &[&str]); 18] = [
    ("within", &["await"]),
    ("signal", &["kill"]),
    ("name", &["signal"]),
    ("probability", &["drop", "duplicate", "reorder"]),
    ("count", &["drop"]),
    ("by", &["delay"]),
    ("jitter", &["delay"]),
    ("gap", &["reorder"]),
    ("limit", &["rate"]),
    ("queue", &["rate"]),
    ("id", &FAULTS),
    ("on", &["exec", "http"]),
    ("wait", &["exec"]),
    ("timeout", &["exec", "http"]),
    ("check", &["exec"]),
    ("method", &["http"]),
    ("body", &["http"]),
    ("expect", &["http"]),
];

/// A step's action key with its raw value.
enum Raw<'a> {
    Sleep(&'a str),
    Await(&'a RawAwait),
    Nodes(&'a Names),
    Partition(&'a RawPartition),
    Undo(&'a Names),
    Flow(&'a RawFlow),
    Breakpoint(&'a RawBreakpoint),
    Point(&'a RawPointRef),
    Exec(&'a [String]),
    Http(&'a str),
}

fn actions(s: &RawStep) -> Vec<(&'static str, Raw<'_>)> {
    let signal = if s.kill.is_some() { &None } else { &s.signal };
    let nodes = [
        ("pause", &s.pause),
        ("resume", &s.resume),
        ("kill", &s.kill),
        ("signal", signal),
        ("start", &s.start),
        ("restart", &s.restart),
    ];
    let flows = [
        ("drop", &s.drop),
        ("stall", &s.stall),
        ("delay", &s.delay),
        ("duplicate", &s.duplicate),
        ("reorder", &s.reorder),
        ("rate", &s.rate),
        ("reject", &s.reject),
    ];
    let points = [("continue", &s.continue_), ("disarm", &s.disarm)];
    let mut out = Vec::new();
    out.extend(s.sleep.as_deref().map(|v| ("sleep", Raw::Sleep(v))));
    out.extend(s.await_.as_ref().map(|v| ("await", Raw::Await(v))));
    out.extend(nodes.into_iter().filter_map(|(k, v)| Some((k, Raw::Nodes(v.as_ref()?)))));
    out.extend(s.partition.as_ref().map(|v| ("partition", Raw::Partition(v))));
    out.extend(s.heal.as_ref().map(|v| ("heal", Raw::Undo(v))));
    out.extend(s.release.as_ref().map(|v| ("release", Raw::Undo(v))));
    out.extend(flows.into_iter().filter_map(|(k, v)| Some((k, Raw::Flow(v.as_ref()?)))));
    out.extend(s.breakpoint.as_ref().map(|v| ("breakpoint", Raw::Breakpoint(v))));
    out.extend(points.into_iter().filter_map(|(k, v)| Some((k, Raw::Point(v.as_ref()?)))));
    out.extend(s.exec.as_deref().map(|v| ("exec", Raw::Exec(v))));
    out.extend(s.http.as_deref().map(|v| ("http", Raw::Http(v))));
    out
}

fn modifiers(s: &RawStep) -> Vec<&'static str> {
    let present = [
        s.within.is_some(),
        s.signal.is_some() && s.kill.is_some(),
        s.name.is_some(),
        s.probability.is_some(),
        s.count.is_some(),
        s.by.is_some(),
        s.jitter.is_some(),
        s.gap.is_some(),
        s.limit.is_some(),
        s.queue.is_some(),
        s.id.is_some(),
        s.on.is_some(),
        s.wait.is_some(),
        s.timeout.is_some(),
        s.check.is_some(),
        s.method.is_some(),
        s.body.is_some(),
        s.expect.is_some(),
    ];
    MODIFIERS.iter().zip(present).filter(|(_, p)| *p).map(|((k, _), _)| *k).collect()
}

/// What the steps are checked against.
pub struct Scope<'s> {
    /// Node names.
    pub nodes: &'s NodeIndex,
    /// Each node's program, by id.
    pub plans: &'s [NodePlan],
    /// The validated programs, for their `points:`.
    pub programs: &'s BTreeMap<String, Program>,
}

/// A fault started by a step.
pub struct Fault {
    /// Its action.
    pub kind: &'static str,
    /// Its step's line.
    pub line: usize,
    /// The line of the step that undid it.
    pub healed_at: Option<usize>,
}

/// What earlier steps started.
#[derive(Default)]
pub struct History {
    /// Fault ids, in order.
    pub faults: Vec<(String, Fault)>,
    /// Points armed by `breakpoint` steps, with the first arming line.
    pub armed: Vec<(String, usize)>,
}

/// Validates `steps:`.
pub fn steps(cx: &mut Checker<'_>, scope: &Scope<'_>, uses: &mut VariantUses, raw: &[RawStep]) -> Vec<Step> {
    let mut history = History::default();
    let mut out = Vec::new();
    for (i, step) in raw.iter().enumerate() {
        let path = Path::root().key("steps").index(i);
        let line = cx.loc.value(&path).map_or(0, |p| p.line);
        let mut sx = StepCx { cx: &mut *cx, scope, uses: &mut *uses, history: &mut history, path, line, number: i + 1 };
        if let Some(action) = sx.step(step) {
            out.push(Step { line, action });
        }
    }
    out
}

/// Validation of one step.
pub struct StepCx<'c, 'a> {
    /// Where issues go.
    pub cx: &'c mut Checker<'a>,
    /// Nodes and programs.
    pub scope: &'c Scope<'c>,
    /// `{variant.KEY}` uses, for templates in `exec` and `http`.
    pub uses: &'c mut VariantUses,
    /// What earlier steps started.
    pub history: &'c mut History,
    /// The step's path, `steps[i]`.
    pub path: Path,
    /// Its line.
    pub line: usize,
    /// Its 1-based number, for default fault ids.
    pub number: usize,
}

impl<'a> StepCx<'_, 'a> {
    fn step(&mut self, s: &RawStep) -> Option<Action> {
        let (kind, raw) = self.one_action(s)?;
        self.check_modifiers(kind, s);
        let at = self.path.key(kind);
        Some(match (kind, raw) {
            ("sleep", Raw::Sleep(d)) => Action::Sleep(self.cx.duration(Some(d), &at, Duration::ZERO)),
            ("await", Raw::Await(c)) => self.await_(c, s),
            ("pause", Raw::Nodes(n)) => Action::Pause(self.targets(n, &at)),
            ("resume", Raw::Nodes(n)) => Action::Resume(self.targets(n, &at)),
            ("kill", Raw::Nodes(n)) => Action::Kill { nodes: self.targets(n, &at), signal: self.kill_signal(s) },
            ("signal", Raw::Nodes(n)) => Action::Signal { nodes: self.targets(n, &at), signal: self.signal(s) },
            ("start", Raw::Nodes(n)) => Action::Start(self.targets(n, &at)),
            ("restart", Raw::Nodes(n)) => Action::Restart(self.targets(n, &at)),
            ("partition", Raw::Partition(p)) => self.partition(p, s),
            ("heal", Raw::Undo(ids)) => Action::Heal(self.undo(ids, kind)),
            ("release", Raw::Undo(ids)) => Action::Release(self.undo(ids, kind)),
            (_, Raw::Flow(f)) => self.network_fault(kind, f, s),
            ("breakpoint", Raw::Breakpoint(b)) => self.breakpoint(b),
            (_, Raw::Point(p)) => self.point_ref(kind, p),
            ("exec", Raw::Exec(argv)) => self.exec(argv, s),
            ("http", Raw::Http(url)) => self.http(url, s),
            _ => unreachable!("actions() pairs each key with its kind of value"),
        })
    }

    /// Resolves targets at `path`.
    pub fn targets(&mut self, names: &Names, path: &Path) -> Targets {
        self.scope.nodes.targets(self.cx, names, path)
    }

    /// A template resolver for this step.
    pub fn templates(&mut self) -> Templates<'_, 'a, '_> {
        Templates { cx: &mut *self.cx, nodes: self.scope.nodes, uses: &mut *self.uses }
    }

    /// The single action of a step, reporting none or several.
    fn one_action<'s>(&mut self, s: &'s RawStep) -> Option<(&'static str, Raw<'s>)> {
        let mut found = actions(s);
        found.sort_by_key(|(k, _)| self.cx.loc.key(&self.path.key(k)).map(|p| (p.line, p.column)));
        if found.len() > 1 {
            let first = found[0].0;
            for (extra, _) in &found[1..] {
                let help = if *extra == "signal" || first == "signal" {
                    "as a modifier, `signal:` goes with `kill`; the `signal` action (with `name:`) needs its own step"
                } else {
                    "split it into two steps"
                };
                self.cx.at_key(
                    &self.path.key(extra),
                    format!("this step already has `{first}`; a step has one action"),
                    Some(help.to_string()),
                );
            }
            return None;
        }
        if found.is_empty() {
            self.no_action(s);
        }
        found.pop()
    }

    fn no_action(&mut self, s: &RawStep) {
        if let Some(k) = ACTIONS.iter().find(|k| self.cx.loc.key(&self.path.key(k)).is_some()) {
            self.cx.at_key(&self.path.key(k), format!("`{k}` needs a value"), None);
            return;
        }
        let owner = modifiers(s)
            .first()
            .and_then(|m| MODIFIERS.iter().find(|(k, _)| k == m))
            .map(|(m, owners)| format!("`{m}` belongs in the same step as {} (no `-` before it)", either(owners)));
        let help = owner.or_else(|| Some(format!("a step starts with one of {}", quoted(&ACTIONS))));
        self.cx.at(&self.path, "this step has no action", help);
    }

    fn check_modifiers(&mut self, kind: &str, s: &RawStep) {
        for m in modifiers(s) {
            let owners = MODIFIERS.iter().find(|(k, _)| *k == m).map_or(&[][..], |(_, o)| o);
            if !owners.contains(&kind) {
                let help = match (m, kind) {
                    ("name", "kill") => Some("`kill` takes the signal as `signal: TERM`".to_string()),
                    _ => None,
                };
                self.cx.at_key(
                    &self.path.key(m),
                    format!("`{m}` only goes with {}, not `{kind}`", either(owners)),
                    help,
                );
            }
        }
    }

    fn await_(&mut self, raw: &RawAwait, s: &RawStep) -> Action {
        let at = self.path.key("await");
        let condition = match raw {
            RawAwait::Word(w) if w == "converged" => AwaitCondition::Converged,
            RawAwait::Word(w) if w == "diverged" => AwaitCondition::Diverged,
            RawAwait::Word(other) => {
                let help = did_you_mean(other, ["converged", "diverged"]).or_else(|| {
                    Some("expected `converged`, `diverged`, `{ hit: POINT, nodes: NODES }` or `{ up: NODES }`".into())
                });
                self.cx.at(&at, format!("unknown condition `{other}`"), help);
                AwaitCondition::Converged
            }
            RawAwait::Map(m) => self.await_map(m, &at),
        };
        let within = self.cx.duration(s.within.as_deref(), &self.path.key("within"), Duration::from_secs(60));
        Action::Await { condition, within }
    }

    /// `kill`'s `signal:` modifier, default KILL.
    fn kill_signal(&mut self, s: &RawStep) -> String {
        let at = self.path.key("signal");
        match &s.signal {
            None => "KILL".into(),
            Some(Names::One(name)) => self.signal_name(name, &at),
            Some(Names::Many(_)) => {
                self.cx.at(&at, "`signal` of `kill` is one signal name", Some("e.g. `signal: TERM`".into()));
                "KILL".into()
            }
        }
    }

    /// The `signal` action's required `name:`.
    fn signal(&mut self, s: &RawStep) -> String {
        match s.name.as_deref() {
            Some(name) => self.signal_name(name, &self.path.key("name")),
            None => {
                let help = Some("add `name: USR1` (the signal to send)".into());
                self.cx.at_key(&self.path.key("signal"), "`signal` needs `name:`", help);
                String::new()
            }
        }
    }

    /// A signal name, `TERM` or `SIGTERM`, any case: upper case without SIG.
    fn signal_name(&mut self, raw: &str, at: &Path) -> String {
        let upper = raw.trim().to_uppercase();
        let name = upper.strip_prefix("SIG").unwrap_or(&upper).to_string();
        if Signal::from_str(&format!("SIG{name}")).is_err() {
            let known: Vec<&str> = Signal::iterator().map(|s| s.as_str().trim_start_matches("SIG")).collect();
            let help = did_you_mean(&name, known.iter().copied()).or_else(|| Some("e.g. `TERM`, `INT`, `USR1`".into()));
            self.cx.at(at, format!("`{raw}` is not a signal name"), help);
        }
        name
    }
}

/// `` `a` ``, `` `a` or `b` ``, `` `a`, `b` or `c` ``.
fn either(words: &[&str]) -> String {
    let list: Vec<String> = words.iter().map(|o| format!("`{o}`")).collect();
    match list.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => list.join(""),
    }
}
