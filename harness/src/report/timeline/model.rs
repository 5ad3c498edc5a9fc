//! A run's events folded into what the page draws: one lane per node with
//! its incarnations, pauses, views and breakpoint hits; fault windows; the
//! cluster's state; connections; steps and checks.
//!
//! Events are typed ([`RunEvent`]); a run killed halfway leaves windows
//! open, drawn to the end of the record.

use std::collections::BTreeMap;

use serde_json::Value;

use super::cluster::{Replay, Span};
use crate::events::{Line, RunEvent};

/// Everything the page shows.
#[derive(Debug, Default)]
pub struct Timeline {
    /// From `run-started` and `run-finished`.
    pub run: RunInfo,
    /// The time of the last event, seconds.
    pub end: f64,
    /// One per node, in the suite's order.
    pub lanes: Vec<Lane>,
    /// Network faults, in the order applied.
    pub faults: Vec<Fault>,
    /// The cluster's state over time.
    pub cluster: Vec<Span>,
    /// TCP connection attempts and resets.
    pub connections: Vec<Connection>,
    /// The script's steps.
    pub steps: Vec<Step>,
    /// The checks' results.
    pub checks: Vec<Check>,
    /// Packets the switch did not deliver, by reason (non-zero only).
    pub drops: Vec<(String, u64)>,
}

/// The run's identity and outcome.
#[derive(Debug, Default)]
pub struct RunInfo {
    /// Suite name.
    pub suite: Option<String>,
    /// Variant name.
    pub variant: Option<String>,
    /// Seed.
    pub seed: Option<u64>,
    /// Subnet.
    pub subnet: Option<String>,
    /// `(passed, met_expectation)`, if the run finished.
    pub finished: Option<(bool, bool)>,
}

/// One node.
#[derive(Debug, Default)]
pub struct Lane {
    /// Node name.
    pub name: String,
    /// Its address.
    pub addr: Option<String>,
    /// Its processes, in order.
    pub incarnations: Vec<Incarnation>,
    /// When it was paused (from pause/resume steps).
    pub pauses: Vec<Window>,
    /// Breakpoint hits.
    pub hits: Vec<Hit>,
    /// Its views, in order.
    pub views: Vec<ViewChange>,
}

/// One process of a node.
#[derive(Debug)]
pub struct Incarnation {
    /// From 1.
    pub number: u32,
    /// Its pid.
    pub pid: u32,
    /// Started, seconds.
    pub start: f64,
    /// How it ended, if it did before the run's end.
    pub stop: Option<Stop>,
}

/// How an incarnation ended.
#[derive(Debug)]
pub struct Stop {
    /// When.
    pub t: f64,
    /// Its exit status.
    pub status: String,
    /// The last lines of its log, when it exited on its own.
    pub tail: Option<String>,
}

/// An interval, open when `end` is `None` (it lasted to the end).
#[derive(Debug, Clone)]
pub struct Window {
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: Option<f64>,
}

/// A breakpoint hit.
#[derive(Debug)]
pub struct Hit {
    /// When.
    pub t: f64,
    /// The point.
    pub point: String,
    /// `pause` or `skip`.
    pub action: String,
    /// The call's labels as `k=v` words.
    pub labels: String,
}

/// A node's view from some moment on.
#[derive(Debug)]
pub struct ViewChange {
    /// When.
    pub t: f64,
    /// The view; null when there is none.
    pub view: Value,
    /// Why there is none: `down`, or the probe's error.
    pub error: Option<String>,
}

/// A network fault from `fault-applied` to `fault-healed`.
#[derive(Debug)]
pub struct Fault {
    /// Its id.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// The resolved targets, as recorded.
    pub targets: Value,
    /// When it was in force.
    pub window: Window,
}

/// A TCP connection attempt or reset.
#[derive(Debug)]
pub struct Connection {
    /// When.
    pub t: f64,
    /// Sender.
    pub from: String,
    /// Receiver.
    pub to: String,
    /// A reset (RST) rather than an attempt (SYN).
    pub reset: bool,
}

/// A step of the script.
#[derive(Debug)]
pub struct Step {
    /// From 1.
    pub number: u64,
    /// Its line in the suite.
    pub line: u64,
    /// What it does.
    pub what: String,
    /// When it ran; open if it never finished.
    pub window: Window,
    /// Whether it succeeded, once finished.
    pub ok: Option<bool>,
    /// What happened.
    pub detail: String,
}

/// A check's result.
#[derive(Debug)]
pub struct Check {
    /// When it was decided.
    pub t: f64,
    /// Its kind.
    pub check: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was measured.
    pub detail: String,
    /// The number measured, if any.
    pub measured: Option<f64>,
}

/// Folds events, in order, into a [`Timeline`].
#[derive(Debug, Default)]
pub struct Builder {
    tl: Timeline,
    lanes: BTreeMap<String, usize>,
    replay: Replay,
}

/// Folds a whole record.
pub fn build(events: &[Line]) -> Timeline {
    let mut b = Builder::default();
    for line in events {
        b.event(line.t, &line.event);
    }
    b.finish()
}

impl Builder {
    /// The timeline of every event so far.
    pub fn finish(mut self) -> Timeline {
        let end = self.tl.end;
        self.tl.cluster = self.replay.finish(end);
        self.tl
    }

    /// Adds one event.
    pub fn event(&mut self, t: f64, e: &RunEvent) {
        self.tl.end = self.tl.end.max(t);
        match e {
            RunEvent::RunStarted(start) => {
                let run = &mut self.tl.run;
                run.suite = Some(start.suite.clone());
                run.variant = Some(start.variant.clone());
                run.subnet = Some(start.subnet.clone());
                run.seed = Some(start.seed);
            }
            RunEvent::RunFinished { passed, met_expectation } => {
                self.tl.run.finished = Some((*passed, *met_expectation));
            }
            RunEvent::NodeNetwork { node, addr, .. } => {
                let ix = self.lane(node);
                self.tl.lanes[ix].addr = Some(addr.clone());
            }
            RunEvent::NodeStarted { node, pid, incarnation } => {
                let ix = self.lane(node);
                let start = t;
                self.tl.lanes[ix].incarnations.push(Incarnation { number: *incarnation, pid: *pid, start, stop: None });
            }
            RunEvent::NodeStopped { node, status } => self.node_stopped(t, node, status, None),
            RunEvent::NodeExited { node, status, tail } => self.node_stopped(t, node, status, Some(tail)),
            RunEvent::NodePaused { node } => {
                let ix = self.lane(node);
                let pauses = &mut self.tl.lanes[ix].pauses;
                if pauses.iter().all(|p| p.end.is_some()) {
                    pauses.push(Window { start: t, end: None });
                }
            }
            RunEvent::NodeResumed { node } => {
                let ix = self.lane(node);
                self.end_pauses(ix, t);
            }
            RunEvent::ViewChanged { node, view, error } => {
                let ix = self.lane(node);
                self.replay.set(t, ix, view, error.as_deref());
                self.tl.lanes[ix].views.push(ViewChange { t, view: view.clone(), error: error.clone() });
            }
            RunEvent::BreakpointHit { node, point, labels, action } => {
                let ix = self.lane(node);
                let labels = label_words(labels);
                self.tl.lanes[ix].hits.push(Hit { t, point: point.clone(), action: action.clone(), labels });
            }
            RunEvent::FaultApplied { id, fault, targets } => self.tl.faults.push(Fault {
                id: id.clone(),
                kind: fault.clone(),
                targets: targets.clone(),
                window: Window { start: t, end: None },
            }),
            RunEvent::FaultHealed { ids } => {
                for id in ids {
                    let open = self.tl.faults.iter_mut().rev().find(|f| &f.id == id && f.window.end.is_none());
                    if let Some(f) = open {
                        f.window.end = Some(t);
                    }
                }
            }
            RunEvent::Connection { from, to, reset } => {
                self.tl.connections.push(Connection { t, from: from.clone(), to: to.clone(), reset: *reset });
            }
            RunEvent::StepStarted { step, line, what } => {
                let window = Window { start: t, end: None };
                let (number, line, what) = (*step as u64, *line as u64, what.clone());
                self.tl.steps.push(Step { number, line, what, window, ok: None, detail: String::new() });
            }
            RunEvent::StepFinished { step, ok, detail } => {
                let number = *step as u64;
                if let Some(s) = self.tl.steps.iter_mut().rev().find(|s| s.number == number && s.ok.is_none()) {
                    (s.window.end, s.ok, s.detail) = (Some(t), Some(*ok), detail.clone());
                }
            }
            RunEvent::InvariantBroken { check, at, step, gave, .. } => {
                let when = step.map_or_else(|| "during the checks".to_string(), |s| format!("during step {s}"));
                let detail = format!("broken {when}: gave {gave}");
                self.tl.checks.push(Check { t: *at, check: check.clone(), passed: false, detail, measured: None });
            }
            RunEvent::CheckResult(c) => self.tl.checks.push(Check {
                t,
                check: c.check.clone(),
                passed: c.passed,
                detail: c.detail.clone(),
                measured: c.measured,
            }),
            RunEvent::SwitchCounters { drops, .. } => {
                let named = serde_json::to_value(drops).unwrap_or_default();
                if let Value::Object(m) = named {
                    self.tl.drops = m
                        .iter()
                        .filter_map(|(k, v)| v.as_u64().filter(|&n| n > 0).map(|n| (k.replace('_', " "), n)))
                        .collect();
                }
            }
            RunEvent::ProtocolBroken { .. } | RunEvent::RunInterrupted { .. } | RunEvent::RunAborted { .. } => {}
        }
    }

    fn lane(&mut self, name: &str) -> usize {
        if let Some(&ix) = self.lanes.get(name) {
            return ix;
        }
        let ix = self.tl.lanes.len();
        self.tl.lanes.push(Lane { name: name.to_string(), ..Lane::default() });
        self.lanes.insert(name.to_string(), ix);
        self.replay.add_node(name);
        ix
    }

    fn node_stopped(&mut self, t: f64, node: &str, status: &str, tail: Option<&String>) {
        let ix = self.lane(node);
        let lane = &mut self.tl.lanes[ix];
        if let Some(inc) = lane.incarnations.last_mut().filter(|i| i.stop.is_none()) {
            inc.stop = Some(Stop { t, status: status.to_string(), tail: tail.cloned() });
        }
        self.end_pauses(ix, t);
    }

    fn end_pauses(&mut self, ix: usize, t: f64) {
        for pause in self.tl.lanes[ix].pauses.iter_mut().filter(|p| p.end.is_none()) {
            pause.end = Some(t);
        }
    }
}

/// A call's labels as `k=v` words.
fn label_words(labels: &Value) -> String {
    match labels {
        Value::Object(m) => {
            let words: Vec<String> =
                m.iter().map(|(k, v)| format!("{k}={}", v.as_str().map_or(v.to_string(), str::to_string))).collect();
            words.join(" ")
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(events: &[Value]) -> Timeline {
        let typed: Vec<Line> = events.iter().map(|e| serde_json::from_value(e.clone()).unwrap()).collect();
        build(&typed)
    }

    #[test]
    fn incarnations_end_at_stops_and_exits() {
        let tl = lines(&[
            json!({"t": 0.0, "kind": "node-network", "node": "a", "addr": "10.77.0.1", "netns": 1}),
            json!({"t": 0.1, "kind": "node-started", "node": "a", "pid": 10, "incarnation": 1}),
            json!({"t": 2.0, "kind": "node-stopped", "node": "a", "status": "signal: 9"}),
            json!({"t": 3.0, "kind": "node-started", "node": "a", "pid": 11, "incarnation": 2}),
            json!({"t": 4.0, "kind": "node-exited", "node": "a", "status": "exit status: 1", "tail": "boom"}),
            json!({"t": 5.0, "kind": "node-started", "node": "a", "pid": 12, "incarnation": 3}),
        ]);
        let a = &tl.lanes[0];
        assert_eq!(a.addr.as_deref(), Some("10.77.0.1"));
        let ends: Vec<Option<f64>> = a.incarnations.iter().map(|i| i.stop.as_ref().map(|s| s.t)).collect();
        assert_eq!(ends, vec![Some(2.0), Some(4.0), None]);
        assert_eq!(a.incarnations[1].stop.as_ref().unwrap().tail.as_deref(), Some("boom"));
        assert!(a.incarnations[0].stop.as_ref().unwrap().tail.is_none());
        assert_eq!(tl.end, 5.0);
    }

    #[test]
    fn pauses_come_from_their_events_and_end_at_resume_or_stop() {
        let tl = lines(&[
            json!({"t": 0.0, "kind": "node-started", "node": "a", "pid": 1, "incarnation": 1}),
            json!({"t": 0.0, "kind": "node-started", "node": "b", "pid": 2, "incarnation": 1}),
            json!({"t": 1.0, "kind": "node-paused", "node": "a"}),
            json!({"t": 1.0, "kind": "node-paused", "node": "b"}),
            json!({"t": 2.0, "kind": "node-resumed", "node": "a"}),
            json!({"t": 3.0, "kind": "node-paused", "node": "a"}),
            json!({"t": 4.0, "kind": "node-paused", "node": "b"}),
            json!({"t": 5.0, "kind": "node-stopped", "node": "b", "status": "signal: 9"}),
        ]);
        let windows =
            |ix: usize| -> Vec<(f64, Option<f64>)> { tl.lanes[ix].pauses.iter().map(|w| (w.start, w.end)).collect() };
        assert_eq!(windows(0), vec![(1.0, Some(2.0)), (3.0, None)]);
        assert_eq!(windows(1), vec![(1.0, Some(5.0))]);
    }

    #[test]
    fn faults_heal_by_id() {
        let tl = lines(&[
            json!({"t": 1.0, "kind": "fault-applied", "id": "split", "fault": "partition", "targets": [["a"], ["b"]]}),
            json!({"t": 1.5, "kind": "fault-applied", "id": "lossy", "fault": "drop", "targets": {}}),
            json!({"t": 3.0, "kind": "fault-healed", "ids": ["split"]}),
            json!({"t": 4.0, "kind": "fault-healed", "ids": []}),
        ]);
        let windows: Vec<(&str, Option<f64>)> = tl.faults.iter().map(|f| (f.id.as_str(), f.window.end)).collect();
        assert_eq!(windows, vec![("split", Some(3.0)), ("lossy", None)]);
        assert_eq!(tl.end, 4.0);
    }
}
