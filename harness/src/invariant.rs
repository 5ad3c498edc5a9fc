//! Invariants: a jq condition over every node's probe result at one moment.
//!
//! A *sample* is an object of node name to that node's whole probe result
//! (no view applied), `null` for a node whose probe did not answer (a node
//! that is down, paused or wedged, or that has no probe). A [`Condition`]
//! holds for a sample when its first output is `true`, and anything else
//! (`false`, another value, no output, an error) breaks it. `always` checks
//! judge samples taken for the whole run, `eventually` checks those taken
//! after the steps ([`crate::run`]).
//!
//! [`Sampler`] takes samples. It owns what it needs (each node's probe and
//! a handle on its namespace), so it can run beside the steps without
//! borrowing the cluster.

use std::os::fd::OwnedFd;

use futures::future::join_all;
use serde_json::{Map, Value};

use crate::launcher::Launcher;
use crate::probe::Probe;
use crate::view::View;

/// A compiled condition.
#[derive(Debug)]
pub struct Condition {
    view: View,
}

/// What a condition made of a sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It gave `true`.
    Holds,
    /// It gave something else; what, in a few words.
    Broken(String),
}

impl Condition {
    /// Compiles a jq expression.
    pub fn compile(source: &str) -> Result<Condition, String> {
        View::compile(source).map(|view| Condition { view })
    }

    /// Judges one sample.
    pub fn judge(&self, sample: &Value) -> Verdict {
        match self.view.apply(sample) {
            Ok(Value::Bool(true)) => Verdict::Holds,
            Ok(other) => Verdict::Broken(short(&other, 200)),
            Err(e) => Verdict::Broken(e),
        }
    }
}

/// `v` as JSON text, cut to about `max` bytes.
pub fn short(v: &Value, max: usize) -> String {
    let text = v.to_string();
    if text.len() > max {
        format!("{}...", &text[..text.floor_char_boundary(max)])
    } else {
        text
    }
}

/// One node as a sampler sees it.
#[derive(Debug)]
struct Probed {
    name: String,
    probe: Option<Probe>,
    ns: OwnedFd,
}

/// Takes samples of every node's probe.
#[derive(Debug)]
pub struct Sampler {
    nodes: Vec<Probed>,
    launcher: Launcher,
}

impl Sampler {
    /// A sampler over `nodes`: each one's name, probe and namespace.
    pub fn new(nodes: Vec<(String, Option<Probe>, OwnedFd)>, launcher: Launcher) -> Sampler {
        let nodes = nodes.into_iter().map(|(name, probe, ns)| Probed { name, probe, ns }).collect();
        Sampler { nodes, launcher }
    }

    /// Probes every node at once; each probe ends by its own timeout.
    pub async fn sample(&self) -> Value {
        let answers = join_all(self.nodes.iter().map(|node| async move {
            match &node.probe {
                None => Value::Null,
                Some(p) => p.run(&node.ns, &self.launcher).await.unwrap_or(Value::Null),
            }
        }))
        .await;
        let object: Map<String, Value> = self.nodes.iter().map(|n| n.name.clone()).zip(answers).collect();
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ONE_LEADER_PER_TERM: &str =
        "[.[] | select(. != null and .role == \"leader\") | .term] | group_by(.) | all(length <= 1)";

    #[test]
    fn a_condition_holds_only_when_it_gives_true() {
        let c = Condition::compile(ONE_LEADER_PER_TERM).expect("compiles");
        let one = json!({"a": {"role": "leader", "term": 3}, "b": {"role": "follower", "term": 3}, "c": null});
        assert_eq!(c.judge(&one), Verdict::Holds);
        let stale = json!({"a": {"role": "leader", "term": 3}, "b": {"role": "leader", "term": 4}});
        assert_eq!(c.judge(&stale), Verdict::Holds, "two leaders, but in different terms");
        let two = json!({"a": {"role": "leader", "term": 4}, "b": {"role": "leader", "term": 4}});
        assert_eq!(c.judge(&two), Verdict::Broken("false".into()));
    }

    #[test]
    fn anything_but_true_breaks_it() {
        let count = Condition::compile("[.[] | select(. != null)] | length").expect("compiles");
        assert_eq!(count.judge(&json!({"a": 1, "b": null})), Verdict::Broken("1".into()));
        let nothing = Condition::compile("empty").expect("compiles");
        assert!(matches!(nothing.judge(&json!({})), Verdict::Broken(e) if e.contains("no value")));
        let error = Condition::compile(".a.b").expect("compiles");
        assert!(matches!(error.judge(&json!({"a": 5})), Verdict::Broken(e) if e.contains("failed")));
        let all_answer = Condition::compile("all(.[]; . != null)").expect("compiles");
        assert_eq!(all_answer.judge(&json!({"a": {}, "b": null})), Verdict::Broken("false".into()));
    }
}
