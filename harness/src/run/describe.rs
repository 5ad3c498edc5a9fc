//! Steps as short lines for people: `partition [s1, s2] | [s3, s4, s5]`,
//! runs of numbered names written as ranges (`pause n[0-499]`).

use crate::suite::plan::{Action, AwaitCondition, FlowSpec, Heal, PartitionShape, TargetSpec, Targets, Template};
use crate::suite::ranges;
use crate::suite::vocabulary::proto_key;

/// Describes `action` with node names (targets chosen at run time are shown
/// by their spec word; the choice itself is in the step's result).
pub fn describe(action: &Action, names: &[String]) -> String {
    let t = |targets: &Targets| targets_text(targets, names);
    match action {
        Action::Sleep(d) => format!("sleep {d:?}"),
        Action::Await { condition, within } => {
            let what = match condition {
                AwaitCondition::Converged => "converged".to_string(),
                AwaitCondition::Diverged => "diverged".to_string(),
                AwaitCondition::Hit { point, nodes } => format!("hit of {point} on {}", t(nodes)),
                AwaitCondition::Up(nodes) => format!("{} up", t(nodes)),
                AwaitCondition::Holds(source) => format!("holds `{source}`"),
            };
            format!("await {what} (within {within:?})")
        }
        Action::Pause(n) => format!("pause {}", t(n)),
        Action::Resume(n) => format!("resume {}", t(n)),
        Action::Kill { nodes, signal } => format!("kill {} with SIG{signal}", t(nodes)),
        Action::Signal { nodes, signal } => format!("signal {} with SIG{signal}", t(nodes)),
        Action::Start(n) => format!("start {}", t(n)),
        Action::Restart(n) => format!("restart {}", t(n)),
        Action::Partition { id, shape: PartitionShape::Groups(groups) } => {
            let groups: Vec<String> = groups.iter().map(|g| format!("[{}]", t(g))).collect();
            format!("partition `{id}` {}", groups.join(" | "))
        }
        Action::Partition { id, shape: PartitionShape::OneWay { from, to } } => {
            format!("partition `{id}` one way: {} cannot reach {}", t(from), t(to))
        }
        Action::Heal(h) => format!("heal {}", heal(h)),
        Action::Release(h) => format!("release {}", heal(h)),
        Action::Drop { id, flow, probability, count } => {
            let count = count.map_or(String::new(), |c| format!(", {c} packets at most"));
            format!("drop `{id}` {} with probability {probability}{count}", flow_text(flow, names))
        }
        Action::Stall { id, flow } => format!("stall `{id}` {}", flow_text(flow, names)),
        Action::Delay { id, flow, by, jitter } => {
            format!("delay `{id}` {} by {by:?} ± {jitter:?}", flow_text(flow, names))
        }
        Action::Duplicate { id, flow, probability } => {
            format!("duplicate `{id}` {} with probability {probability}", flow_text(flow, names))
        }
        Action::Reorder { id, flow, probability, gap } => {
            format!("reorder `{id}` {}: {probability} of packets held back {gap:?}", flow_text(flow, names))
        }
        Action::Rate { id, flow, bits_per_second, queue } => {
            format!("rate `{id}` {} to {bits_per_second} bit/s, queue {queue:?}", flow_text(flow, names))
        }
        Action::Reject { id, flow } => format!("reject `{id}` {}", flow_text(flow, names)),
        Action::Breakpoint { nodes, point, matcher, action } => {
            let m: Vec<String> = matcher.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("breakpoint {point} [{}] ({action:?}) on {}", m.join(" "), t(nodes)).to_lowercase()
        }
        Action::Continue { nodes, point } => format!("continue {point} on {}", t(nodes)),
        Action::Disarm { nodes, point } => format!("disarm {point} on {}", t(nodes)),
        Action::Exec { nodes, argv, .. } => format!("exec `{}` on {}", template_text(argv), t(nodes)),
        Action::Http { nodes, method, url, .. } => {
            format!("http {method} {} on {}", template_text(std::slice::from_ref(url)), t(nodes))
        }
        Action::Nemesis(n) => {
            let faults: Vec<&str> = n.faults.iter().map(|f| f.key()).collect();
            let shapes: Vec<&str> = n.shapes.iter().map(|s| s.key()).collect();
            format!(
                "nemesis for {:?}: {} on {}, gap {:?}..{:?}, each {:?}..{:?}, at most {} at once, then {:?} to settle",
                n.time,
                faults.join(", "),
                shapes.join(", "),
                n.gap.0,
                n.gap.1,
                n.duration.0,
                n.duration.1,
                n.max_active,
                n.settle
            )
        }
    }
}

/// Targets as text: names, or the spec word.
pub fn targets_text(targets: &Targets, names: &[String]) -> String {
    match targets {
        Targets::Nodes(ns) => ranges::fold(&ns.iter().map(|&n| names[n].as_str()).collect::<Vec<_>>()).join(", "),
        Targets::Spec(spec) => match spec {
            TargetSpec::One => "one node",
            TargetSpec::Minority => "a minority",
            TargetSpec::Majority => "a majority",
            TargetSpec::All => "all nodes",
            TargetSpec::Others => "the others",
        }
        .to_string(),
        Targets::Where(expression) => format!("the nodes where `{expression}`"),
    }
}

/// A fault's recorded targets (lists of names, in arrays and objects) for
/// people: each list of names with its runs written as ranges, so that a
/// partition of a thousand nodes is `[["n[0-499]"],["n[500-999]"]]`.
pub fn folded_targets(targets: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match targets {
        Value::Array(items) => match items.iter().map(Value::as_str).collect::<Option<Vec<&str>>>() {
            Some(names) => Value::from(ranges::fold(&names)),
            None => Value::Array(items.iter().map(folded_targets).collect()),
        },
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), folded_targets(v))).collect()),
        other => other.clone(),
    }
}

fn template_text(templates: &[Template]) -> String {
    use crate::suite::plan::Piece;
    let piece = |p: &Piece| match p {
        Piece::Text(t) => t.clone(),
        Piece::Name => "{name}".into(),
        Piece::Addr => "{addr}".into(),
        Piece::Peers => "{peers}".into(),
        Piece::Index => "{index}".into(),
        Piece::Variant(k) => format!("{{variant.{k}}}"),
        Piece::AddrOf(n) => format!("{{addr:#{n}}}"),
        Piece::Dir => "{dir}".into(),
        Piece::DirOf(n) => format!("{{dir:#{n}}}"),
    };
    templates.iter().map(|t| t.0.iter().map(piece).collect::<String>()).collect::<Vec<_>>().join(" ")
}

fn heal(h: &Heal) -> String {
    match h {
        Heal::All => "all".into(),
        Heal::Ids(ids) => ids.join(", "),
    }
}

fn flow_text(flow: &FlowSpec, names: &[String]) -> String {
    let side = |t: &Option<Targets>| t.as_ref().map_or("any".to_string(), |t| targets_text(t, names));
    let mut text = format!("{} -> {}", side(&flow.from), side(&flow.to));
    if let Some(p) = flow.proto {
        text.push_str(&format!(" {}", proto_key(p)));
    }
    if let Some(port) = flow.port {
        text.push_str(&format!(" port {port}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn targets_of_many_nodes_are_written_as_ranges() {
        let halves: Vec<Vec<String>> = [0..500, 500..1000].map(|r| r.map(|i| format!("n{i}")).collect()).to_vec();
        assert_eq!(folded_targets(&json!(halves)), json!([["n[0-499]"], ["n[500-999]"]]));
        let flow = json!({ "from": ["a", "n1", "n2", "n3"], "to": null });
        assert_eq!(folded_targets(&flow), json!({ "from": ["a", "n[1-3]"], "to": null }));
    }

    #[test]
    fn await_holds_is_described_by_its_expression() {
        let action = Action::Await {
            condition: AwaitCondition::Holds("all(.[]; . == 2)".into()),
            within: std::time::Duration::from_secs(5),
        };
        assert_eq!(describe(&action, &[]), "await holds `all(.[]; . == 2)` (within 5s)");
        let pause = Action::Pause(Targets::Nodes((0..5).collect()));
        let names: Vec<String> = (0..5).map(|i| format!("n{i}")).collect();
        assert_eq!(describe(&pause, &names), "pause n[0-4]");
    }
}
