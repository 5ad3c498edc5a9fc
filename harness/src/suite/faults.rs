//! Network fault steps: `partition`, the flow faults (`drop`, `stall`,
//! `delay`, `duplicate`, `reorder`, `rate`, `reject`), and `heal`/`release`,
//! which may only name faults an earlier step started.

use std::time::Duration;

use quiesce_faults::{Proto, RATE_BACKLOG};

use super::checker::{either, quoted};
use super::error::did_you_mean;
use super::locate::Path;
use super::only::{named, outside, Runs};
use super::plan::{Action, FlowSpec, Heal, PartitionShape};
use super::rate;
use super::raw::Names;
use super::raw_steps::{RawFlow, RawPartition, RawStep};
use super::steps::{Fault, Site, StepCx};
use super::vocabulary::{ActionKind, FaultKind, PROTOS};

impl StepCx<'_, '_> {
    /// `partition: [GROUP, ...]` or `partition: {from, to}`.
    pub fn partition(&mut self, raw: &RawPartition, s: &RawStep) -> Action {
        let at = self.path.key("partition");
        let shape = match raw {
            RawPartition::Groups(groups) => {
                if groups.len() < 2 {
                    let help = Some("write it like `[[a, b], [c]]`, `[a, others]` or `{ from: a, to: b }`".into());
                    self.cx.at(&at, "a partition needs at least two groups", help);
                }
                let mut out = Vec::new();
                for (g, names) in groups.iter().enumerate() {
                    if matches!(names, Names::Many(list) if list.is_empty()) {
                        self.cx.at(&at.index(g), "this group is empty", None);
                        continue;
                    }
                    out.push(self.targets(names, &at.index(g)));
                }
                PartitionShape::Groups(out)
            }
            RawPartition::OneWay(one) => {
                let from = self.required(one.from.as_ref(), &at, "from");
                let to = self.required(one.to.as_ref(), &at, "to");
                match (from, to) {
                    (Some(from), Some(to)) => PartitionShape::OneWay { from, to },
                    _ => PartitionShape::Groups(Vec::new()),
                }
            }
        };
        Action::Partition { id: self.define(FaultKind::Partition, s.id.as_deref()), shape }
    }

    fn required(&mut self, names: Option<&Names>, at: &Path, key: &str) -> Option<super::plan::Targets> {
        let Some(names) = names else {
            let help = Some("write it like `{ from: [a, b], to: c }`: `from` cannot reach `to`".into());
            self.cx.at(at, format!("a one-way partition needs `{key}:`"), help);
            return None;
        };
        Some(self.targets(names, &at.key(key)))
    }

    /// The flow faults.
    pub fn network_fault(&mut self, kind: FaultKind, raw: &RawFlow, s: &RawStep) -> Action {
        let at = self.path.key(kind.key());
        let flow = self.flow(raw, &at);
        let action = match kind {
            FaultKind::Drop => Action::Drop {
                id: String::new(),
                flow,
                probability: self.probability(s.probability, 1.0),
                count: self.count(s.count),
            },
            FaultKind::Stall => Action::Stall { id: String::new(), flow },
            FaultKind::Delay => {
                let by = self.by(s.by.as_deref());
                let jitter = self.cx.duration(s.jitter.as_deref(), &self.path.key("jitter"), Duration::ZERO);
                Action::Delay { id: String::new(), flow, by, jitter }
            }
            FaultKind::Duplicate => {
                Action::Duplicate { id: String::new(), flow, probability: self.probability(s.probability, 1.0) }
            }
            FaultKind::Reorder => {
                let probability = self.probability(s.probability, 0.5);
                let gap = self.cx.duration(s.gap.as_deref(), &self.path.key("gap"), Duration::from_millis(10));
                if s.gap.is_some() && gap.is_zero() {
                    self.cx.at(
                        &self.path.key("gap"),
                        "a reorder gap of 0 reorders nothing",
                        Some("e.g. `gap: 10ms`".into()),
                    );
                }
                Action::Reorder { id: String::new(), flow, probability, gap }
            }
            FaultKind::Rate => {
                let bits_per_second = self.limit(s.limit.as_deref());
                let queue = self.queue(s.queue.as_deref());
                Action::Rate { id: String::new(), flow, bits_per_second, queue }
            }
            FaultKind::Reject => Action::Reject { id: String::new(), flow },
            // Cannot fire: a partition's value is never a flow (steps.rs
            // routes `Raw::Partition` to `partition`).
            FaultKind::Partition => unreachable!("network_fault is called with a flow fault"),
        };
        let id = self.define(kind, s.id.as_deref());
        with_id(action, id)
    }

    fn probability(&mut self, raw: Option<f64>, default: f64) -> f64 {
        let p = raw.unwrap_or(default);
        if !(0.0..=1.0).contains(&p) {
            self.cx.at(&self.path.key("probability"), format!("probability {p} is not between 0 and 1"), None);
        }
        p
    }

    fn count(&mut self, raw: Option<i64>) -> Option<u64> {
        let n = raw?;
        match u64::try_from(n) {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                let help = Some("`count` is how many packets to drop before letting the flow through".into());
                self.cx.at(&self.path.key("count"), format!("count {n} is not at least 1"), help);
                None
            }
        }
    }

    fn by(&mut self, raw: Option<&str>) -> Duration {
        match raw {
            Some(by) => self.cx.duration(Some(by), &self.path.key("by"), Duration::ZERO),
            None => {
                let help = Some("add `by: 100ms` (how long each packet is held)".into());
                self.cx.at_key(&self.path.key("delay"), "`delay` needs `by:`", help);
                Duration::ZERO
            }
        }
    }

    fn limit(&mut self, raw: Option<&str>) -> u64 {
        let Some(text) = raw else {
            let help = Some("add `limit: 1mbit` (units `bit`, `kbit`, `mbit`, `gbit` per second)".into());
            self.cx.at_key(&self.path.key("rate"), "`rate` needs `limit:`", help);
            return 0;
        };
        rate::parse(text).unwrap_or_else(|message| {
            self.cx.at(&self.path.key("limit"), message, rate::help(text));
            0
        })
    }

    fn queue(&mut self, raw: Option<&str>) -> Duration {
        let at = self.path.key("queue");
        let queue = self.cx.duration(raw, &at, RATE_BACKLOG);
        if raw.is_some() && queue.is_zero() {
            let help = Some("e.g. `queue: 15s`: how long a packet may wait before it is dropped".into());
            self.cx.at(&at, "a rate queue of 0 holds nothing: every packet would be dropped", help);
        }
        queue
    }

    fn flow(&mut self, raw: &RawFlow, at: &Path) -> FlowSpec {
        let from = raw.from.as_ref().map(|n| self.targets(n, &at.key("from")));
        let to = raw.to.as_ref().map(|n| self.targets(n, &at.key("to")));
        let proto = raw.proto.as_deref().and_then(|p| match PROTOS.iter().find(|(k, _)| *k == p) {
            Some((_, proto)) => Some(*proto),
            None => {
                let words = PROTOS.map(|(k, _)| k);
                let help = did_you_mean(p, words).or_else(|| Some(format!("expected {}", either(&words))));
                self.cx.at(&at.key("proto"), format!("unknown protocol `{p}`"), help);
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

    /// Registers the fault this step starts; returns its id.
    fn define(&mut self, kind: FaultKind, explicit: Option<&str>) -> String {
        let at = if explicit.is_some() { self.path.key("id") } else { self.path.clone() };
        let id = match explicit {
            None => format!("{kind}-{}", self.number),
            Some(written) => match self.id(written, &at) {
                Some(id) => id,
                None => return written.to_string(),
            },
        };
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
        let reserved =
            id.strip_prefix("nemesis-").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if explicit.is_some() && reserved {
            self.history.nemesis_like.push((id.clone(), at.clone()));
            if self.history.nemesis.is_some() {
                self.reserved_for_nemesis(&id, &at);
            }
        }
        let runs = self.runs();
        let clash = self.history.faults.with_id(&id).find(|f| !f.runs.is_disjoint(&runs));
        if let Some(f) = clash {
            let message = format!("fault id `{id}` is already used by the step at {}", f.at);
            let help = self.per_iteration_help(explicit, f.at).or_else(|| {
                (self.scope.variants.len() > 1)
                    .then(|| "steps may share an id only when their `variants:` have none in common".to_string())
            });
            self.cx.at(&at, message, help);
        } else {
            self.history.faults.push(id.clone(), Fault { kind, at: self.site(), runs, healed: Vec::new() });
        }
        id
    }

    /// Reports an id that clashes with the ids of a nemesis' faults.
    pub fn reserved_for_nemesis(&mut self, id: &str, at: &Path) {
        let help = Some("ids `nemesis-1`, `nemesis-2`, ... name the faults the nemesis draws; pick another".into());
        self.cx.at(at, format!("`{id}` is reserved for the nemesis' faults"), help);
    }

    /// Where this step is.
    fn site(&self) -> Site {
        Site { line: self.line, iteration: self.iteration }
    }

    /// `heal`/`release`: `all`, an id or a list of ids of earlier faults.
    pub fn undo(&mut self, ids: &Names, verb: ActionKind) -> Heal {
        let at = self.path.key(verb.key());
        let items = ids.items();
        if items.iter().any(|(_, id)| *id == "all") {
            if items.len() > 1 {
                self.cx.at(&at, "`all` cannot be listed with ids", None);
            }
            let (site, runs) = (self.site(), self.runs());
            self.history.faults.undo_all(site, &runs, verb == ActionKind::Release);
            return Heal::All;
        }
        if items.is_empty() {
            self.cx.at(&at, format!("`{verb}` needs `all`, an id, or a list of ids"), None);
        }
        let mut out = Vec::new();
        for (i, written) in items {
            let path = i.map_or_else(|| at.clone(), |i| at.index(i));
            let Some(id) = self.id(written, &path) else { continue };
            self.undo_one(&id, verb, &path);
            out.push(id);
        }
        Heal::Ids(out)
    }

    fn undo_one(&mut self, id: &str, verb: ActionKind, path: &Path) {
        let (site, runs) = (self.site(), self.runs());
        let started: Runs = self.history.faults.with_id(id).flat_map(|f| f.runs.clone()).collect();
        if started.is_empty() {
            let known: Vec<&str> = self.history.faults.ids().collect();
            let help = did_you_mean(id, known.iter().copied()).or_else(|| match known.is_empty() {
                true => Some("no earlier step starts a fault".to_string()),
                false => Some(format!("the earlier faults are {}", quoted(&known))),
            });
            self.cx.at(path, format!("`{id}` is not the id of a fault started by an earlier step"), help);
            return;
        }
        let missing = outside(&runs, &started);
        if !missing.is_empty() {
            let help = Some(format!("give this step `variants:` naming only those where `{id}` is started"));
            let message = format!("in {}, no earlier step starts `{id}`", named(&missing));
            self.cx.at(path, message, help);
            return;
        }
        for index in self.history.faults.indices(id) {
            let fault = self.history.faults.get_mut(index);
            let undone: Runs = fault.runs.intersection(&runs).cloned().collect();
            if undone.is_empty() {
                continue;
            }
            if verb == ActionKind::Release && fault.kind != FaultKind::Stall {
                let (kind, line) = (fault.kind, fault.at.line);
                self.cx.at(
                    path,
                    format!("`{id}` is a {kind} (line {line}); `release` undoes stalls"),
                    Some(format!("use `heal: {id}`")),
                );
            } else if let Some((healed, _)) = fault.healed.iter().find(|(_, r)| !r.is_disjoint(&undone)) {
                self.cx.at(path, format!("`{id}` was already undone by the step at {healed}"), None);
            } else {
                fault.healed.push((site, undone));
                continue;
            }
            return;
        }
    }
}

/// Sets the fault id of a flow fault built without one.
fn with_id(mut action: Action, new: String) -> Action {
    match &mut action {
        Action::Drop { id, .. }
        | Action::Stall { id, .. }
        | Action::Delay { id, .. }
        | Action::Duplicate { id, .. }
        | Action::Reorder { id, .. }
        | Action::Rate { id, .. }
        | Action::Reject { id, .. } => *id = new,
        _ => {}
    }
    action
}
