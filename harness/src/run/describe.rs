//! Steps as short lines for people: `partition [s1, s2] | [s3, s4, s5]`.

use crate::suite::plan::{Action, AwaitCondition, FlowSpec, Heal, NodeId};

/// Describes `action` with node names.
pub fn describe(action: &Action, names: &[String]) -> String {
    let list = |nodes: &[NodeId]| nodes.iter().map(|&n| names[n].as_str()).collect::<Vec<_>>().join(", ");
    match action {
        Action::Sleep(d) => format!("sleep {d:?}"),
        Action::Await { condition, within } => {
            let what = match condition {
                AwaitCondition::Converged => "converged",
                AwaitCondition::Diverged => "diverged",
            };
            format!("await {what} (within {within:?})")
        }
        Action::Pause(n) => format!("pause {}", list(n)),
        Action::Resume(n) => format!("resume {}", list(n)),
        Action::Kill { nodes, signal } => format!("kill {} with SIG{signal}", list(nodes)),
        Action::Start(n) => format!("start {}", list(n)),
        Action::Restart(n) => format!("restart {}", list(n)),
        Action::Partition { id, groups } => {
            let groups: Vec<String> = groups.iter().map(|g| format!("[{}]", list(g))).collect();
            format!("partition `{id}` {}", groups.join(" | "))
        }
        Action::Heal(h) => format!("heal {}", heal(h)),
        Action::Release(h) => format!("release {}", heal(h)),
        Action::Drop { id, flow, probability } => format!("drop `{id}` {} with probability {probability}", flow_text(flow, names)),
        Action::Stall { id, flow } => format!("stall `{id}` {}", flow_text(flow, names)),
        Action::Delay { id, flow, by, jitter } => format!("delay `{id}` {} by {by:?} ± {jitter:?}", flow_text(flow, names)),
    }
}

fn heal(h: &Heal) -> String {
    match h {
        Heal::All => "all".into(),
        Heal::Ids(ids) => ids.join(", "),
    }
}

fn flow_text(flow: &FlowSpec, names: &[String]) -> String {
    let side = |nodes: &Option<Vec<NodeId>>| match nodes {
        None => "any".to_string(),
        Some(ns) => ns.iter().map(|&n| names[n].as_str()).collect::<Vec<_>>().join(","),
    };
    let mut text = format!("{} -> {}", side(&flow.from), side(&flow.to));
    if let Some(p) = flow.proto {
        text.push_str(&format!(" {}", format!("{p:?}").to_lowercase()));
    }
    if let Some(port) = flow.port {
        text.push_str(&format!(" port {port}"));
    }
    text
}
