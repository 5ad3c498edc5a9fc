//! Validation of `steps:`: exactly one action per step, modifiers that
//! belong to it, nodes resolved, and fault ids tracked in order so that
//! `heal` and `release` only name faults that an earlier step started.

use std::str::FromStr;
use std::time::Duration;

use nix::sys::signal::Signal;

use super::error::did_you_mean;
use super::locate::Path;
use super::plan::{Action, AwaitCondition, FlowSpec, Heal, NodeId, Proto, Step};
use super::raw::{Names, RawFlow, RawStep};
use super::checker::{quoted, Checker, NodeIndex};

/// Every action key, in the order errors list them.
pub const ACTIONS: [&str; 13] = [
    "sleep",
    "await",
    "pause",
    "resume",
    "kill",
    "start",
    "restart",
    "partition",
    "heal",
    "drop",
    "stall",
    "release",
    "delay",
];

/// Modifier keys and the actions they go with.
const MODIFIERS: [(&str, &[&str]); 6] = [
    ("within", &["await"]),
    ("signal", &["kill"]),
    ("probability", &["drop"]),
    ("by", &["delay"]),
    ("jitter", &["delay"]),
    ("id", &["partition", "drop", "stall", "delay"]),
];

/// A step's action key with its raw value.
enum Raw<'a> {
    Sleep(&'a str),
    Await(&'a str),
    Nodes(&'a Names),
    Partition(&'a [Vec<String>]),
    Undo(&'a Names),
    Flow(&'a RawFlow),
}

fn actions(s: &RawStep) -> Vec<(&'static str, Raw<'_>)> {
    let nodes =
        [("pause", &s.pause), ("resume", &s.resume), ("kill", &s.kill), ("start", &s.start), ("restart", &s.restart)];
    let flows = [("drop", &s.drop), ("stall", &s.stall), ("delay", &s.delay)];
    let mut out = Vec::new();
    out.extend(s.sleep.as_deref().map(|v| ("sleep", Raw::Sleep(v))));
    out.extend(s.await_.as_deref().map(|v| ("await", Raw::Await(v))));
    out.extend(nodes.into_iter().filter_map(|(k, v)| Some((k, Raw::Nodes(v.as_ref()?)))));
    out.extend(s.partition.as_deref().map(|v| ("partition", Raw::Partition(v))));
    out.extend(s.heal.as_ref().map(|v| ("heal", Raw::Undo(v))));
    out.extend(s.release.as_ref().map(|v| ("release", Raw::Undo(v))));
    out.extend(flows.into_iter().filter_map(|(k, v)| Some((k, Raw::Flow(v.as_ref()?)))));
    out
}

fn modifiers(s: &RawStep) -> Vec<&'static str> {
    let present = [
        s.within.is_some(),
        s.signal.is_some(),
        s.probability.is_some(),
        s.by.is_some(),
        s.jitter.is_some(),
        s.id.is_some(),
    ];
    MODIFIERS.iter().zip(present).filter(|(_, p)| *p).map(|((k, _), _)| *k).collect()
}

/// A fault started by a step.
struct Fault {
    kind: &'static str,
    line: usize,
    healed_at: Option<usize>,
}

/// Validates `steps:`.
pub fn steps(cx: &mut Checker<'_>, nodes: &NodeIndex, raw: &[RawStep]) -> Vec<Step> {
    let mut faults: Vec<(String, Fault)> = Vec::new();
    let mut out = Vec::new();
    for (i, step) in raw.iter().enumerate() {
        let path = Path::root().key("steps").index(i);
        let line = cx.loc.value(&path).map_or(0, |p| p.line);
        let mut sx = StepCx { cx: &mut *cx, nodes, faults: &mut faults, path, line, number: i + 1 };
        if let Some(action) = sx.step(step) {
            out.push(Step { line, action });
        }
    }
    out
}

struct StepCx<'c, 'a> {
    cx: &'c mut Checker<'a>,
    nodes: &'c NodeIndex,
    faults: &'c mut Vec<(String, Fault)>,
    path: Path,
    line: usize,
    number: usize,
}

impl StepCx<'_, '_> {
    fn step(&mut self, s: &RawStep) -> Option<Action> {
        let (kind, raw) = self.one_action(s)?;
        self.check_modifiers(kind, s);
        let at = self.path.key(kind);
        Some(match (kind, raw) {
            ("sleep", Raw::Sleep(d)) => Action::Sleep(self.cx.duration(Some(d), &at, Duration::ZERO)),
            ("await", Raw::Await(c)) => self.await_(c, s),
            ("pause", Raw::Nodes(n)) => Action::Pause(self.nodes.resolve_list(self.cx, n, &at)),
            ("resume", Raw::Nodes(n)) => Action::Resume(self.nodes.resolve_list(self.cx, n, &at)),
            ("kill", Raw::Nodes(n)) => Action::Kill {
                nodes: self.nodes.resolve_list(self.cx, n, &at),
                signal: self.signal(s.signal.as_deref()),
            },
            ("start", Raw::Nodes(n)) => Action::Start(self.nodes.resolve_list(self.cx, n, &at)),
            ("restart", Raw::Nodes(n)) => Action::Restart(self.nodes.resolve_list(self.cx, n, &at)),
            ("partition", Raw::Partition(groups)) => {
                Action::Partition { id: self.define(kind, s.id.as_deref()), groups: self.groups(groups) }
            }
            ("heal", Raw::Undo(ids)) => Action::Heal(self.undo(ids, kind)),
            ("release", Raw::Undo(ids)) => Action::Release(self.undo(ids, kind)),
            ("drop", Raw::Flow(f)) => {
                let probability = self.probability(s.probability);
                Action::Drop { id: self.define(kind, s.id.as_deref()), flow: self.flow(f, &at), probability }
            }
            ("stall", Raw::Flow(f)) => {
                Action::Stall { id: self.define(kind, s.id.as_deref()), flow: self.flow(f, &at) }
            }
            ("delay", Raw::Flow(f)) => self.delay(f, s),
            _ => unreachable!("actions() pairs each key with its kind of value"),
        })
    }

    /// The single action of a step, reporting none or several.
    fn one_action<'s>(&mut self, s: &'s RawStep) -> Option<(&'static str, Raw<'s>)> {
        let mut found = actions(s);
        found.sort_by_key(|(k, _)| self.cx.loc.key(&self.path.key(k)).map(|p| (p.line, p.column)));
        if found.len() > 1 {
            let first = found[0].0;
            for (extra, _) in &found[1..] {
                let help = Some("split it into two steps".to_string());
                self.cx.at_key(
                    &self.path.key(extra),
                    format!("this step already has `{first}`; a step has one action"),
                    help,
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
        let owner = modifiers(s).first().and_then(|m| MODIFIERS.iter().find(|(k, _)| k == m)).map(|(m, owners)| {
            format!(
                "`{m}` belongs in the same step as {} (no `-` before it)",
                owners.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(" or ")
            )
        });
        let help = owner.or_else(|| Some(format!("a step starts with one of {}", quoted(&ACTIONS))));
        self.cx.at(&self.path, "this step has no action", help);
    }

    fn check_modifiers(&mut self, kind: &str, s: &RawStep) {
        for m in modifiers(s) {
            let owners = MODIFIERS.iter().find(|(k, _)| *k == m).map_or(&[][..], |(_, o)| o);
            if !owners.contains(&kind) {
                let list: Vec<String> = owners.iter().map(|o| format!("`{o}`")).collect();
                let list = match list.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => list.join(""),
                };
                self.cx.at_key(&self.path.key(m), format!("`{m}` only goes with {list}, not `{kind}`"), None);
            }
        }
    }

    fn await_(&mut self, condition: &str, s: &RawStep) -> Action {
        let at = self.path.key("await");
        let condition = match condition {
            "converged" => AwaitCondition::Converged,
            "diverged" => AwaitCondition::Diverged,
            other => {
                let help = did_you_mean(other, ["converged", "diverged"])
                    .or_else(|| Some("expected `converged` or `diverged`".into()));
                self.cx.at(&at, format!("unknown condition `{other}`"), help);
                AwaitCondition::Converged
            }
        };
        let within = self.cx.duration(s.within.as_deref(), &self.path.key("within"), Duration::from_secs(60));
        Action::Await { condition, within }
    }

    fn signal(&mut self, raw: Option<&str>) -> String {
        let Some(raw) = raw else { return "KILL".into() };
        let upper = raw.trim().to_uppercase();
        let name = upper.strip_prefix("SIG").unwrap_or(&upper).to_string();
        if Signal::from_str(&format!("SIG{name}")).is_err() {
            let known: Vec<&str> = Signal::iterator().map(|s| s.as_str().trim_start_matches("SIG")).collect();
            let help = did_you_mean(&name, known.iter().copied()).or_else(|| Some("e.g. `TERM`, `INT`, `KILL`".into()));
            self.cx.at(&self.path.key("signal"), format!("`{raw}` is not a signal name"), help);
        }
        name
    }

    fn groups(&mut self, raw: &[Vec<String>]) -> Vec<Vec<NodeId>> {
        let at = self.path.key("partition");
        if raw.len() < 2 {
            self.cx.at(&at, "a partition needs at least two groups", Some("write it like `[[a, b], [c]]`".into()));
        }
        let mut seen: Vec<NodeId> = Vec::new();
        let mut groups = Vec::new();
        for (g, names) in raw.iter().enumerate() {
            if names.is_empty() {
                self.cx.at(&at.index(g), "this group is empty", None);
            }
            let mut group = Vec::new();
            for (n, name) in names.iter().enumerate() {
                let Some(id) = self.nodes.resolve(self.cx, name, &at.index(g).index(n)) else { continue };
                if seen.contains(&id) {
                    self.cx.at(&at.index(g).index(n), format!("`{name}` is already in a group"), None);
                }
                seen.push(id);
                group.push(id);
            }
            groups.push(group);
        }
        groups
    }

    fn probability(&mut self, raw: Option<f64>) -> f64 {
        let p = raw.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&p) {
            self.cx.at(&self.path.key("probability"), format!("probability {p} is not between 0 and 1"), None);
        }
        p
    }

    fn flow(&mut self, raw: &RawFlow, at: &Path) -> FlowSpec {
        let from = raw.from.as_ref().map(|n| self.nodes.resolve_list(self.cx, n, &at.key("from")));
        let to = raw.to.as_ref().map(|n| self.nodes.resolve_list(self.cx, n, &at.key("to")));
        let proto = raw.proto.as_deref().and_then(|p| match p {
            "tcp" => Some(Proto::Tcp),
            "udp" => Some(Proto::Udp),
            "icmp" => Some(Proto::Icmp),
            other => {
                let help = did_you_mean(other, ["tcp", "udp", "icmp"])
                    .or_else(|| Some("expected `tcp`, `udp` or `icmp`".into()));
                self.cx.at(&at.key("proto"), format!("unknown protocol `{other}`"), help);
                None
            }
        });
        let port = raw.port.and_then(|p| match u16::try_from(p) {
            Ok(p) if p > 0 => Some(p),
            _ => {
                self.cx.at(&at.key("port"), format!("port {p} is not in 1..=65535"), None);
                None
            }
        });
        if proto == Some(Proto::Icmp) && port.is_some() {
            self.cx.at_key(&at.key("port"), "icmp has no ports", None);
        }
        FlowSpec { from, to, proto, port }
    }

    fn delay(&mut self, flow: &RawFlow, s: &RawStep) -> Action {
        let at = self.path.key("delay");
        let by = match s.by.as_deref() {
            Some(by) => self.cx.duration(Some(by), &self.path.key("by"), Duration::ZERO),
            None => {
                self.cx.at_key(
                    &at,
                    "`delay` needs `by:`",
                    Some("add `by: 100ms` (how long each packet is held)".into()),
                );
                Duration::ZERO
            }
        };
        let jitter = self.cx.duration(s.jitter.as_deref(), &self.path.key("jitter"), Duration::ZERO);
        Action::Delay { id: self.define("delay", s.id.as_deref()), flow: self.flow(flow, &at), by, jitter }
    }

    /// Registers the fault this step starts; returns its id.
    fn define(&mut self, kind: &'static str, explicit: Option<&str>) -> String {
        let id = explicit.map_or_else(|| format!("{kind}-{}", self.number), str::to_string);
        let at = if explicit.is_some() { self.path.key("id") } else { self.path.clone() };
        if id.is_empty()
            || id == "all"
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            self.cx.at(
                &at,
                format!("`{id}` is not a valid fault id"),
                Some("use letters, digits, `_`, `.` and `-`, and not `all`".into()),
            );
        }
        if let Some((_, f)) = self.faults.iter().find(|(k, _)| *k == id) {
            let line = f.line;
            self.cx.at(&at, format!("fault id `{id}` is already used by the step at line {line}"), None);
        } else {
            self.faults.push((id.clone(), Fault { kind, line: self.line, healed_at: None }));
        }
        id
    }

    /// `heal`/`release`: `all`, an id or a list of ids of earlier faults.
    fn undo(&mut self, ids: &Names, verb: &str) -> Heal {
        let at = self.path.key(verb);
        let items = ids.items();
        if items.iter().any(|(_, id)| *id == "all") {
            if items.len() > 1 {
                self.cx.at(&at, "`all` cannot be listed with ids", None);
            }
            let line = self.line;
            let releasing = verb == "release";
            for (_, f) in
                self.faults.iter_mut().filter(|(_, f)| f.healed_at.is_none() && (!releasing || f.kind == "stall"))
            {
                f.healed_at = Some(line);
            }
            return Heal::All;
        }
        if items.is_empty() {
            self.cx.at(&at, format!("`{verb}` needs `all`, an id, or a list of ids"), None);
        }
        let mut out = Vec::new();
        for (i, id) in items {
            let path = i.map_or_else(|| at.clone(), |i| at.index(i));
            self.undo_one(id, verb, &path);
            out.push(id.to_string());
        }
        Heal::Ids(out)
    }

    fn undo_one(&mut self, id: &str, verb: &str, path: &Path) {
        let line = self.line;
        let Some((_, fault)) = self.faults.iter_mut().find(|(k, _)| k == id) else {
            let known: Vec<&str> = self.faults.iter().map(|(k, _)| k.as_str()).collect();
            let help = did_you_mean(id, known.iter().copied()).or_else(|| match known.is_empty() {
                true => Some("no earlier step starts a fault".to_string()),
                false => Some(format!("the earlier faults are {}", quoted(&known))),
            });
            self.cx.at(path, format!("`{id}` is not the id of a fault started by an earlier step"), help);
            return;
        };
        if verb == "release" && fault.kind != "stall" {
            let (kind, line) = (fault.kind, fault.line);
            self.cx.at(
                path,
                format!("`{id}` is a {kind} (line {line}); `release` undoes stalls"),
                Some(format!("use `heal: {id}`")),
            );
        } else if let Some(healed) = fault.healed_at {
            self.cx.at(path, format!("`{id}` was already undone by the step at line {healed}"), None);
        } else {
            fault.healed_at = Some(line);
        }
    }
}
