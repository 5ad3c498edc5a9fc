//! Observations: every node's view at one moment, and the conditions
//! (converged, diverged) and the input of `await: {holds}` read from them.

use std::collections::BTreeMap;

use serde_json::Value;

/// One node's part of an observation.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeView {
    /// The node's process is not running.
    Down,
    /// The probe answered and the view was computed.
    Answered(Value),
    /// The node is up but its probe or view failed.
    Failed(String),
}

/// Every node's view, by node index.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// By node index.
    pub nodes: Vec<NodeView>,
}

impl Observation {
    fn answered(&self) -> impl Iterator<Item = &Value> {
        self.nodes.iter().filter_map(|n| match n {
            NodeView::Answered(v) => Some(v),
            _ => None,
        })
    }

    fn all_up_answered(&self) -> bool {
        !self.nodes.iter().any(|n| matches!(n, NodeView::Failed(_))) && self.answered().next().is_some()
    }

    /// Every running node answered and all views are equal.
    pub fn converged(&self) -> bool {
        let mut views = self.answered();
        let first = views.next();
        self.all_up_answered() && views.all(|v| Some(v) == first)
    }

    /// Every running node answered and the views are not all equal.
    pub fn diverged(&self) -> bool {
        let mut views = self.answered();
        let first = views.next();
        self.all_up_answered() && views.any(|v| Some(v) != first)
    }

    /// The input of an `await: {holds}` condition: an object of each node's
    /// name (from `names`, by index) to its view, `null` for a node that is
    /// down; `None` unless every running node answered (and one did).
    pub fn views_by_name(&self, names: &[String]) -> Option<Value> {
        if !self.all_up_answered() {
            return None;
        }
        let view = |node: &NodeView| match node {
            NodeView::Answered(v) => v.clone(),
            _ => Value::Null,
        };
        Some(Value::Object(names.iter().cloned().zip(self.nodes.iter().map(view)).collect()))
    }

    /// The nodes that are up and do not answer, by name with why, for
    /// messages: at most `max`, then how many more.
    pub fn silent(&self, names: &[String], max: usize) -> Option<String> {
        let silent: Vec<String> = self
            .nodes
            .iter()
            .zip(names)
            .filter_map(|(node, name)| match node {
                NodeView::Failed(e) => Some(format!("{name} ({e})")),
                _ => None,
            })
            .collect();
        let more = silent.len().saturating_sub(max);
        let mut text = silent.into_iter().take(max).collect::<Vec<_>>().join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        (!text.is_empty()).then_some(text)
    }

    /// Nodes grouped by what they see, for messages: `s1, s2 see [...]; s3 is down`.
    pub fn describe(&self, names: &[String]) -> String {
        let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let key = match node {
                NodeView::Down => "are down".to_string(),
                NodeView::Answered(v) => format!("see {}", compact(v)),
                NodeView::Failed(e) => format!("do not answer ({e})"),
            };
            groups.entry(key).or_default().push(&names[i]);
        }
        let parts: Vec<String> = groups.into_iter().map(|(k, ns)| format!("{} {k}", ns.join(", "))).collect();
        parts.join("; ")
    }
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 160 {
        format!("{}...", &s[..s.floor_char_boundary(160)])
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use NodeView::*;

    fn obs(nodes: Vec<NodeView>) -> Observation {
        Observation { nodes }
    }

    #[test]
    fn converged_needs_every_up_node_to_agree() {
        assert!(obs(vec![Answered(json!([1])), Answered(json!([1])), Down]).converged());
        assert!(!obs(vec![Answered(json!([1])), Answered(json!([2]))]).converged());
        assert!(!obs(vec![Answered(json!([1])), Failed("timeout".into())]).converged());
        assert!(!obs(vec![Down, Down]).converged());
    }

    #[test]
    fn diverged_needs_two_views_and_no_silent_node() {
        assert!(obs(vec![Answered(json!([1])), Answered(json!([2]))]).diverged());
        assert!(!obs(vec![Answered(json!([1])), Answered(json!([1]))]).diverged());
        assert!(!obs(vec![Answered(json!([1])), Answered(json!([2])), Failed("x".into())]).diverged());
    }

    #[test]
    fn holds_sees_views_by_name_once_every_running_node_answers() {
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let input = obs(vec![Answered(json!(2)), Answered(json!(1)), Down]).views_by_name(&names);
        assert_eq!(input, Some(json!({"a": 2, "b": 1, "c": null})));
        let silent = obs(vec![Answered(json!(2)), Failed("timeout".into()), Failed("refused".into())]);
        assert_eq!(silent.views_by_name(&names), None);
        assert_eq!(silent.silent(&names, 1).as_deref(), Some("b (timeout) and 1 more"));
        assert_eq!(obs(vec![Down, Down, Down]).views_by_name(&names), None);
    }

    #[test]
    fn describes_groups() {
        let names = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let text = obs(vec![Answered(json!(["a"])), Answered(json!(["a"])), Down]).describe(&names);
        assert_eq!(text, r#"c are down; a, b see ["a"]"#);
    }
}
