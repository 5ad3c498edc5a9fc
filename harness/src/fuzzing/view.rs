//! A probe's answer, hostile or odd (deep nesting, huge strings, numbers
//! such as `1e400`, `-0` or twenty digits), through what the runner does
//! with it: parse it, apply the views, `where:` selectors, churn counters
//! and `always` conditions of the shipped suites, compare and describe
//! the views, and record them as run events.

use serde_json::{json, Value};

use crate::events::{Line, RunEvent};
use crate::invariant::{Condition, Verdict};
use crate::observe::{NodeView, Observation};
use crate::probe::parse_json;
use crate::view::View;

/// Views of the suites in `suites/`.
const VIEWS: [&str; 8] = [
    r#"[.members[] | select(.status == "alive") | .name] | sort"#,
    r#"[.members[] | select(.state != "dead") | .name] | sort"#,
    r#"[.peers[] | "\(.name)/\(.uid)"] | sort"#,
    r#"if .leader then "\(.leader) leads term \(.term)" else "\(.name) knows no leader" end"#,
    r#"{web: .checks["service:web"].status, alias: .checks["service:web-sidecar"].status}"#,
    r#"if .num_routes == 2 and ([.routes[].ip] | unique | length) == 2 then "full mesh" else "\(.server_id): \(.num_routes) routes" end"#,
    r#"if (.leader // "0") == "0" then "no leader at \(.header.member_id)" else .leader end"#,
    r#". as $s
      | [ ($s.operations.completed | select(. == 0) | "no operation completed"),
          ($s.record.longest_gap_ms // 0 | select(. > 2000) | "stalled \(.)ms (max 2000)"),
          ($s.record.peak_outstanding | select(. > 20) | "peak \(.) queries outstanding to one peer (max 20)") ]
      | if length == 0 then "progressing"
        else join(", ") + ", \($s.queries.timed_out) timed out, \($s.queries.errors) failed fast"
        end"#,
];

/// `where:` selectors and churn counters of the suites.
const SELECTORS: [&str; 3] = [".leader == .header.member_id", r#"(.leader // "0") == "0""#, ".counters.flaps"];

/// `always` and `eventually` conditions of the suites, over a sample.
const CONDITIONS: [&str; 3] = [
    "all(.[]; . != null and .num_routes == 2 and ([.routes[].ip] | unique | length) == 2)",
    "[.[] | select(. != null and .leader == .header.member_id) | .raftTerm] | group_by(.) | all(length <= 1)",
    r#"[.[] | select(. != null and .role == "leader") | .term] | group_by(.) | all(length <= 1)"#,
];

struct Compiled {
    views: Vec<View>,
    selectors: Vec<View>,
    conditions: Vec<Condition>,
}

thread_local! {
    static COMPILED: Compiled = Compiled {
        views: VIEWS.iter().chain(&SELECTORS).map(|s| View::compile(s).expect("the suites' views compile")).collect(),
        selectors: SELECTORS.iter().map(|s| View::compile(s).expect("the suites' selectors compile")).collect(),
        conditions: CONDITIONS.iter().map(|s| Condition::compile(s).expect("the suites' conditions compile")).collect(),
    };
}

/// Runs `data`, as a probe's answer, through the suites' views.
pub fn view_probe(data: &[u8]) {
    let answer = match parse_json(data) {
        Ok(answer) => answer,
        Err(e) => {
            assert!(e.len() <= 1024, "a bad answer is quoted in part: {} bytes", e.len());
            return;
        }
    };
    COMPILED.with(|c| {
        for view in &c.views {
            observe(view.apply(&answer));
        }
        for selector in &c.selectors {
            let chosen = selector.apply(&answer).is_ok_and(|v| v == Value::Bool(true));
            let counter = selector.apply(&answer).map(|v| v.as_f64());
            assert!(!(chosen && matches!(counter, Ok(Some(_)))), "true is not a number");
        }
        let sample = json!({"n1": answer, "n2": answer, "n3": null});
        for condition in &c.conditions {
            if let Verdict::Broken(gave) = condition.judge(&sample) {
                recorded(RunEvent::InvariantBroken {
                    check: "always".into(),
                    at: 1.0,
                    step: Some(1),
                    gave,
                    sample: sample.clone(),
                });
            }
        }
    });
}

/// Compares and describes a view as two nodes answer it, one fails and
/// one is down, and records it.
fn observe(result: Result<Value, String>) {
    let names: Vec<String> = ["n1", "n2", "n3", "n4"].map(String::from).to_vec();
    let (view, error) = match &result {
        Ok(v) => (v.clone(), None),
        Err(e) => (Value::Null, Some(e.clone())),
    };
    let node = match result {
        Ok(v) => NodeView::Answered(v),
        Err(e) => NodeView::Failed(e),
    };
    let answered = matches!(node, NodeView::Answered(_));
    let same = Observation { nodes: vec![node.clone(), node.clone(), NodeView::Down] };
    assert_eq!(same.converged(), answered, "two equal views converge");
    assert!(!same.diverged());
    let other = NodeView::Answered(json!(["someone else"]));
    let mixed = Observation { nodes: vec![node, other, NodeView::Failed("timed out".into()), NodeView::Down] };
    assert!(!mixed.converged() && !mixed.diverged(), "a failed node stops both");
    assert!(!mixed.describe(&names).is_empty());
    recorded(RunEvent::ViewChanged { node: "n1".into(), view, error });
}

/// The event reads back from `events.jsonl` as it was written.
fn recorded(event: RunEvent) {
    let line = Line { t: 2.25, event };
    let text = serde_json::to_string(&line).expect("events serialize");
    assert!(!text.contains('\n'), "one event, one line");
    let back: Line = serde_json::from_str(&text).expect("an event line reads back");
    assert_eq!(back, line, "the event reads back as written: {text}");
}
