//! The cluster's state over time, replayed from `view-changed` events.
//!
//! The rule is the harness's own (`Observation::converged`): the cluster is
//! *converged* when no node is silent, at least one answers, and every
//! answering node's view is equal; a node that is down does not count.
//! *Diverged* is the same with unequal views; anything else (a node not
//! answering, or not observed yet) is *unsettled*.
//!
//! One observation of the cluster is recorded as a burst of `view-changed`
//! lines microseconds apart; changes closer than [`BURST`] are one
//! observation, so the half-applied states in between never show.

use serde_json::Value;

/// Changes closer together than this (seconds) belong to one observation.
pub const BURST: f64 = 0.01;

/// What the cluster looked like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Every answering node sees the same view.
    Converged,
    /// Every running node answers, and the views differ.
    Diverged,
    /// Some node does not answer, or has not been observed yet.
    Unsettled,
}

impl State {
    /// The word used in classes and text.
    pub fn word(self) -> &'static str {
        match self {
            State::Converged => "converged",
            State::Diverged => "diverged",
            State::Unsettled => "unsettled",
        }
    }
}

/// An interval in one state.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// The state.
    pub state: State,
    /// Who sees what, for the hover text.
    pub note: String,
    /// The view everyone sees, when converged.
    pub view: Option<Value>,
}

/// One node's latest observation.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Unknown,
    Down,
    Answered(Value),
    Failed(String),
}

/// A span being built.
#[derive(Debug)]
struct Open {
    start: f64,
    state: State,
    note: String,
    view: Option<Value>,
    /// Who sees what changed within the span (diverged, unsettled).
    changed: bool,
}

/// Replays view changes into [`Span`]s. Consecutive diverged (or
/// unsettled) observations are one span, whoever sees what; a converged
/// span is one agreed view.
#[derive(Debug, Default)]
pub struct Replay {
    names: Vec<String>,
    seen: Vec<Seen>,
    /// Spans so far; the last one is open.
    spans: Vec<Open>,
    burst: f64,
}

impl Replay {
    /// Adds a node (lane), not observed yet.
    pub fn add_node(&mut self, name: &str) {
        self.names.push(name.to_string());
        self.seen.push(Seen::Unknown);
    }

    /// Node `ix` now has `view` (null with an `error` when it has none; the
    /// error `down` means not running).
    pub fn set(&mut self, t: f64, ix: usize, view: &Value, error: Option<&str>) {
        if self.spans.is_empty() || t - self.burst > BURST {
            self.burst = t;
        }
        self.seen[ix] = match (view, error) {
            (Value::Null, Some("down")) => Seen::Down,
            (Value::Null, e) => Seen::Failed(e.unwrap_or("no view").to_string()),
            (v, _) => Seen::Answered(v.clone()),
        };
        let (state, note, view) = self.classify();
        // States that began within this burst were half-applied observations.
        while self.spans.last().is_some_and(|s| s.start >= self.burst) {
            self.spans.pop();
        }
        match self.spans.last_mut() {
            Some(last) if last.state == state && last.view == view => last.changed |= last.note != note,
            _ => self.spans.push(Open { start: self.burst, state, note, view, changed: false }),
        }
    }

    /// The spans, the last one ending at `end`.
    pub fn finish(self, end: f64) -> Vec<Span> {
        let ends: Vec<f64> = self.spans.iter().skip(1).map(|s| s.start).chain([end]).collect();
        self.spans
            .into_iter()
            .zip(ends)
            .map(|(s, end)| {
                let note = if s.changed { format!("at first {}; then who sees what changed", s.note) } else { s.note };
                Span { start: s.start, end: end.max(s.start), state: s.state, note, view: s.view }
            })
            .collect()
    }

    fn classify(&self) -> (State, String, Option<Value>) {
        let named = |which: &dyn Fn(&Seen) -> bool| -> Vec<&str> {
            self.names.iter().zip(&self.seen).filter(|(_, s)| which(s)).map(|(n, _)| n.as_str()).collect()
        };
        let unknown = named(&|s| *s == Seen::Unknown);
        if !unknown.is_empty() {
            return (State::Unsettled, format!("not observed yet: {}", unknown.join(", ")), None);
        }
        let failed: Vec<String> = self
            .names
            .iter()
            .zip(&self.seen)
            .filter_map(|(n, s)| match s {
                Seen::Failed(e) => Some(format!("{n} does not answer ({})", short(e, 120))),
                _ => None,
            })
            .collect();
        if !failed.is_empty() {
            return (State::Unsettled, short(&failed.join("; "), 400), None);
        }
        let down = named(&|s| *s == Seen::Down);
        let down = if down.is_empty() { String::new() } else { format!(" ({} down)", down.join(", ")) };
        let groups = self.groups();
        match groups.len() {
            0 => (State::Unsettled, "every node is down".to_string(), None),
            1 => {
                let view = groups[0].0;
                (State::Converged, format!("all see {}{down}", short(&view.to_string(), 200)), Some(view.clone()))
            }
            _ => {
                let parts: Vec<String> = groups
                    .iter()
                    .map(|(v, ns)| format!("{} see {}", ns.join(", "), short(&v.to_string(), 120)))
                    .collect();
                (State::Diverged, short(&format!("{}{down}", parts.join("; ")), 400), None)
            }
        }
    }

    /// Answering nodes grouped by view, in order of first node.
    fn groups(&self) -> Vec<(&Value, Vec<&str>)> {
        let mut groups: Vec<(&Value, Vec<&str>)> = Vec::new();
        for (name, seen) in self.names.iter().zip(&self.seen) {
            if let Seen::Answered(v) = seen {
                match groups.iter_mut().find(|(g, _)| *g == v) {
                    Some((_, names)) => names.push(name),
                    None => groups.push((v, vec![name])),
                }
            }
        }
        groups
    }
}

/// `text`, cut at about `max` bytes with an ellipsis.
pub fn short(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn replay(names: &[&str]) -> Replay {
        let mut r = Replay::default();
        for n in names {
            r.add_node(n);
        }
        r
    }

    #[test]
    fn a_burst_is_one_observation() {
        let mut r = replay(&["a", "b"]);
        r.set(1.0, 0, &json!(["a", "b"]), None);
        r.set(1.0001, 1, &json!(["a", "b"]), None);
        r.set(2.0, 0, &json!(["a"]), None);
        r.set(2.0001, 1, &json!(["b"]), None);
        r.set(3.0, 0, &json!(["a", "b"]), None);
        r.set(3.0002, 1, &json!(["a", "b"]), None);
        let states: Vec<(f64, f64, State)> = r.finish(5.0).iter().map(|s| (s.start, s.end, s.state)).collect();
        assert_eq!(
            states,
            vec![(1.0, 2.0, State::Converged), (2.0, 3.0, State::Diverged), (3.0, 5.0, State::Converged)]
        );
    }

    #[test]
    fn down_nodes_do_not_count_and_silent_ones_unsettle() {
        let mut r = replay(&["a", "b", "c"]);
        r.set(0.0, 0, &json!([1]), None);
        r.set(0.0, 1, &json!([1]), None);
        r.set(0.0, 2, &Value::Null, Some("down"));
        r.set(1.0, 1, &Value::Null, Some("timed out"));
        let spans = r.finish(2.0);
        assert_eq!(spans[0].state, State::Converged);
        assert_eq!(spans[0].note, "all see [1] (c down)");
        assert_eq!(spans[1].state, State::Unsettled);
        assert!(spans[1].note.contains("b does not answer (timed out)"), "{}", spans[1].note);
    }

    #[test]
    fn unobserved_nodes_unsettle() {
        let mut r = replay(&["a", "b"]);
        r.set(0.5, 0, &json!([1]), None);
        let spans = r.finish(1.0);
        assert_eq!((spans.len(), spans[0].state), (1, State::Unsettled));
    }

    #[test]
    fn diverged_observations_are_one_span() {
        let mut r = replay(&["a", "b", "c"]);
        r.set(0.0, 0, &json!([1]), None);
        r.set(0.0, 1, &json!([2]), None);
        r.set(0.0, 2, &json!([2]), None);
        r.set(1.0, 2, &json!([3]), None);
        let spans = r.finish(2.0);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].note, r#"at first a see [1]; b, c see [2]; then who sees what changed"#);
    }

    #[test]
    fn shortens_at_char_boundaries() {
        assert_eq!(short("ééé", 3), "é…");
        assert_eq!(short("abc", 3), "abc");
    }
}
