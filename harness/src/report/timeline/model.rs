//! A run's events folded into what the page draws: one lane per node with
//! its incarnations, pauses, views and breakpoint hits; fault windows; the
//! cluster's state; connections; steps and checks.
//!
//! Events are read leniently: an unknown kind or a missing field skips that
//! event, so the page renders from any version's `events.jsonl` and from a
//! run that was killed halfway.

use std::collections::BTreeMap;

use serde_json::Value;

use super::cluster::{Replay, Span};

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
pub fn build(events: &[Value]) -> Timeline {
    let mut b = Builder::default();
    for e in events {
        let t = e.get("t").and_then(Value::as_f64).unwrap_or(b.tl.end);
        b.tl.end = b.tl.end.max(t);
        b.event(t, e);
    }
    let end = b.tl.end;
    b.tl.cluster = b.replay.finish(end);
    b.tl
}

#[derive(Default)]
struct Builder {
    tl: Timeline,
    lanes: BTreeMap<String, usize>,
    replay: Replay,
}

fn text(e: &Value, key: &str) -> Option<String> {
    e.get(key).and_then(Value::as_str).map(str::to_string)
}

fn whole(e: &Value, key: &str) -> Option<u64> {
    e.get(key).and_then(Value::as_u64)
}

impl Builder {
    fn event(&mut self, t: f64, e: &Value) {
        let Some(kind) = e.get("event").and_then(Value::as_str) else { return };
        match kind {
            "run-started" => {
                let run = &mut self.tl.run;
                (run.suite, run.variant, run.subnet) = (text(e, "suite"), text(e, "variant"), text(e, "subnet"));
                run.seed = whole(e, "seed");
            }
            "run-finished" => {
                let flag = |k| e.get(k).and_then(Value::as_bool);
                if let (Some(p), Some(m)) = (flag("passed"), flag("met_expectation")) {
                    self.tl.run.finished = Some((p, m));
                }
            }
            "node-network" => self.node_network(e),
            "node-started" => self.node_started(t, e),
            "node-stopped" | "node-exited" => self.node_stopped(t, e, kind == "node-exited"),
            "view-changed" => self.view_changed(t, e),
            "breakpoint-hit" => self.hit(t, e),
            "fault-applied" => self.fault_applied(t, e),
            "fault-healed" => self.fault_healed(t, e),
            "connection" => self.connection(t, e),
            "step-started" => self.step_started(t, e),
            "step-finished" => self.step_finished(t, e),
            "check-result" => self.check(t, e),
            "switch-counters" => self.drops(e),
            _ => {}
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

    fn node_network(&mut self, e: &Value) {
        if let Some(node) = text(e, "node") {
            let ix = self.lane(&node);
            self.tl.lanes[ix].addr = text(e, "addr");
        }
    }

    fn node_started(&mut self, t: f64, e: &Value) {
        let Some(node) = text(e, "node") else { return };
        let ix = self.lane(&node);
        let lane = &mut self.tl.lanes[ix];
        let number = whole(e, "incarnation").map_or(lane.incarnations.len() as u32 + 1, |n| n as u32);
        let pid = number_or_zero(e, "pid");
        lane.incarnations.push(Incarnation { number, pid, start: t, stop: None });
    }

    fn node_stopped(&mut self, t: f64, e: &Value, on_its_own: bool) {
        let Some(node) = text(e, "node") else { return };
        let ix = self.lane(&node);
        let lane = &mut self.tl.lanes[ix];
        let status = text(e, "status").unwrap_or_default();
        let tail = on_its_own.then(|| text(e, "tail").unwrap_or_default());
        if let Some(inc) = lane.incarnations.last_mut().filter(|i| i.stop.is_none()) {
            inc.stop = Some(Stop { t, status, tail });
        }
        for pause in lane.pauses.iter_mut().filter(|p| p.end.is_none()) {
            pause.end = Some(t);
        }
    }

    fn view_changed(&mut self, t: f64, e: &Value) {
        let Some(node) = text(e, "node") else { return };
        let ix = self.lane(&node);
        let view = e.get("view").cloned().unwrap_or(Value::Null);
        let error = text(e, "error");
        self.replay.set(t, ix, &view, error.as_deref());
        self.tl.lanes[ix].views.push(ViewChange { t, view, error });
    }

    fn hit(&mut self, t: f64, e: &Value) {
        let Some(node) = text(e, "node") else { return };
        let ix = self.lane(&node);
        let labels = match e.get("labels") {
            Some(Value::Object(m)) => {
                m.iter().map(|(k, v)| format!("{k}={}", v.as_str().map_or(v.to_string(), str::to_string))).collect()
            }
            _ => Vec::new(),
        };
        let point = text(e, "point").unwrap_or_default();
        let action = text(e, "action").unwrap_or_default();
        self.tl.lanes[ix].hits.push(Hit { t, point, action, labels: labels.join(" ") });
    }

    fn fault_applied(&mut self, t: f64, e: &Value) {
        let (Some(id), Some(kind)) = (text(e, "id"), text(e, "kind")) else { return };
        let targets = e.get("targets").cloned().unwrap_or(Value::Null);
        self.tl.faults.push(Fault { id, kind, targets, window: Window { start: t, end: None } });
    }

    fn fault_healed(&mut self, t: f64, e: &Value) {
        let ids = e.get("ids").and_then(Value::as_array).cloned().unwrap_or_default();
        for id in ids.iter().filter_map(Value::as_str) {
            let open = self.tl.faults.iter_mut().rev().find(|f| f.id == id && f.window.end.is_none());
            if let Some(f) = open {
                f.window.end = Some(t);
            }
        }
    }

    fn connection(&mut self, t: f64, e: &Value) {
        let (Some(from), Some(to)) = (text(e, "from"), text(e, "to")) else { return };
        let reset = e.get("kind").and_then(Value::as_str) == Some("reset");
        self.tl.connections.push(Connection { t, from, to, reset });
    }

    fn step_started(&mut self, t: f64, e: &Value) {
        let Some(number) = whole(e, "step") else { return };
        let (line, what) = (whole(e, "line").unwrap_or(0), text(e, "what").unwrap_or_default());
        let window = Window { start: t, end: None };
        self.tl.steps.push(Step { number, line, what, window, ok: None, detail: String::new() });
    }

    fn step_finished(&mut self, t: f64, e: &Value) {
        let Some(number) = whole(e, "step") else { return };
        let Some(ix) = self.tl.steps.iter().rposition(|s| s.number == number && s.ok.is_none()) else { return };
        let ok = e.get("ok").and_then(Value::as_bool).unwrap_or(false);
        let step = &mut self.tl.steps[ix];
        (step.window.end, step.ok, step.detail) = (Some(t), Some(ok), text(e, "detail").unwrap_or_default());
        if ok {
            let (start, what, detail) = (step.window.start, step.what.clone(), step.detail.clone());
            self.pause_or_resume(start, &what, &detail);
        }
    }

    /// Pauses are not events: a `pause` step (or `signal ... with SIGSTOP`)
    /// starts one on the nodes it names, `resume` (or SIGCONT) ends it.
    fn pause_or_resume(&mut self, t: f64, what: &str, detail: &str) {
        let (pause, rest) = if let Some(rest) = what.strip_prefix("pause ") {
            (true, rest)
        } else if let Some(rest) = what.strip_prefix("resume ") {
            (false, rest)
        } else if what.starts_with("signal ") && what.ends_with(" with SIGSTOP") {
            (true, &what["signal ".len()..what.len() - " with SIGSTOP".len()])
        } else if what.starts_with("signal ") && what.ends_with(" with SIGCONT") {
            (false, &what["signal ".len()..what.len() - " with SIGCONT".len()])
        } else {
            return;
        };
        // The detail names the nodes a target word chose; the step text
        // names them when the suite did.
        let mut names = self.known(detail);
        if names.is_empty() {
            names = self.known(rest);
        }
        for ix in names {
            let pauses = &mut self.tl.lanes[ix].pauses;
            let open = pauses.iter_mut().find(|p| p.end.is_none());
            match (pause, open) {
                (true, None) => pauses.push(Window { start: t, end: None }),
                (false, Some(p)) => p.end = Some(t),
                _ => {}
            }
        }
    }

    fn known(&self, list: &str) -> Vec<usize> {
        list.split(", ").filter_map(|n| self.lanes.get(n.trim()).copied()).collect()
    }

    fn check(&mut self, t: f64, e: &Value) {
        let Some(check) = text(e, "check") else { return };
        let passed = e.get("passed").and_then(Value::as_bool).unwrap_or(false);
        let (detail, measured) = (text(e, "detail").unwrap_or_default(), e.get("measured").and_then(Value::as_f64));
        self.tl.checks.push(Check { t, check, passed, detail, measured });
    }

    fn drops(&mut self, e: &Value) {
        if let Some(Value::Object(m)) = e.get("drops") {
            self.tl.drops =
                m.iter().filter_map(|(k, v)| v.as_u64().filter(|&n| n > 0).map(|n| (k.replace('_', " "), n))).collect();
        }
    }
}

fn number_or_zero(e: &Value, key: &str) -> u32 {
    whole(e, key).map_or(0, |n| n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(events: &[Value]) -> Timeline {
        build(events)
    }

    #[test]
    fn incarnations_end_at_stops_and_exits() {
        let tl = lines(&[
            json!({"t": 0.0, "event": "node-network", "node": "a", "addr": "10.77.0.1"}),
            json!({"t": 0.1, "event": "node-started", "node": "a", "pid": 10, "incarnation": 1}),
            json!({"t": 2.0, "event": "node-stopped", "node": "a", "status": "signal: 9"}),
            json!({"t": 3.0, "event": "node-started", "node": "a", "pid": 11, "incarnation": 2}),
            json!({"t": 4.0, "event": "node-exited", "node": "a", "status": "exit status: 1", "tail": "boom"}),
            json!({"t": 5.0, "event": "node-started", "node": "a", "pid": 12, "incarnation": 3}),
        ]);
        let a = &tl.lanes[0];
        assert_eq!(a.addr.as_deref(), Some("10.77.0.1"));
        let ends: Vec<Option<f64>> = a.incarnations.iter().map(|i| i.stop.as_ref().map(|s| s.t)).collect();
        assert_eq!(ends, vec![Some(2.0), Some(4.0), None]);
        assert_eq!(a.incarnations[1].stop.as_ref().unwrap().tail.as_deref(), Some("boom"));
        assert!(a.incarnations[0].stop.as_ref().unwrap().tail.is_none());
        assert_eq!(tl.end, 5.0);
    }

    fn step(n: u64, t: f64, what: &str, detail: &str) -> [Value; 2] {
        [
            json!({"t": t, "event": "step-started", "step": n, "line": n + 10, "what": what}),
            json!({"t": t + 0.01, "event": "step-finished", "step": n, "ok": true, "detail": detail}),
        ]
    }

    #[test]
    fn pauses_come_from_steps_and_end_at_resume_or_stop() {
        let mut events = vec![
            json!({"t": 0.0, "event": "node-started", "node": "a", "pid": 1, "incarnation": 1}),
            json!({"t": 0.0, "event": "node-started", "node": "b", "pid": 2, "incarnation": 1}),
        ];
        events.extend(step(1, 1.0, "pause a, b", "a, b"));
        events.extend(step(2, 2.0, "resume a", "a"));
        events.extend(step(3, 3.0, "pause one node", "a"));
        events.extend(step(4, 4.0, "signal b with SIGSTOP", "b"));
        events.push(json!({"t": 5.0, "event": "node-stopped", "node": "b", "status": "signal: 9"}));
        let tl = lines(&events);
        let windows =
            |ix: usize| -> Vec<(f64, Option<f64>)> { tl.lanes[ix].pauses.iter().map(|w| (w.start, w.end)).collect() };
        assert_eq!(windows(0), vec![(1.0, Some(2.0)), (3.0, None)]);
        assert_eq!(windows(1), vec![(1.0, Some(5.0))]);
    }

    #[test]
    fn faults_heal_by_id_and_unknown_events_are_skipped() {
        let tl = lines(&[
            json!({"t": 1.0, "event": "fault-applied", "id": "split", "kind": "partition", "targets": [["a"], ["b"]]}),
            json!({"t": 1.5, "event": "fault-applied", "id": "lossy", "kind": "drop", "targets": {}}),
            json!({"t": 2.0, "event": "something-new", "id": "split"}),
            json!({"t": 3.0, "event": "fault-healed", "ids": ["split"]}),
            json!({"t": 4.0, "event": "fault-applied"}),
        ]);
        let windows: Vec<(&str, Option<f64>)> = tl.faults.iter().map(|f| (f.id.as_str(), f.window.end)).collect();
        assert_eq!(windows, vec![("split", Some(3.0)), ("lossy", None)]);
        assert_eq!(tl.end, 4.0);
    }
}
