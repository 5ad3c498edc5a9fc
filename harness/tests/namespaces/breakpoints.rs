//! Breakpoints through the control socket: the ping peer passes
//! `ping.send` before every ping it sends.

use serde_json::Value;

use crate::common::ping_suite;

fn events(report: &quiesce::run::VariantReport) -> Vec<Value> {
    let text = std::fs::read_to_string(report.folder.join("events.jsonl")).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The views a's probe reported, in order.
fn views_of(events: &[Value], node: &str) -> Vec<Value> {
    events.iter().filter(|e| e["kind"] == "view-changed" && e["node"] == node).map(|e| e["view"].clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_holds_the_peer_until_disarm_and_await_sees_the_hit() {
    let steps = r#"  - await: converged
    within: 10s
  - breakpoint: { nodes: a, point: ping.send, action: pause }
  - await: { hit: ping.send, nodes: a }
    within: 5s
  - await: diverged
    within: 5s
  - continue: { nodes: a, point: ping.send }
  - sleep: 500ms
  - disarm: { nodes: a, point: ping.send }
  - await: converged
    within: 10s
"#;
    let (_dir, report) = crate::steps::run(&ping_suite(3, steps), false).await;
    assert!(report.passed, "{:?}", report.failures);
    let events = events(&report);
    let hits: Vec<&Value> = events.iter().filter(|e| e["kind"] == "breakpoint-hit").collect();
    assert!(!hits.is_empty(), "the harness saw the hit");
    assert_eq!(hits[0]["node"], "a");
    assert_eq!(hits[0]["point"], "ping.send");
    assert_eq!(hits[0]["action"], "pause");
    // Held at the point, a sent no pings, got no pongs and saw nobody.
    assert!(views_of(&events, "a").contains(&serde_json::json!(["a"])), "a lost its peers while held");
    // `continue` released the held caller, which went on to hit again.
    assert!(hits.len() >= 2, "continue released one call, which hit again: {hits:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_drops_exactly_the_matched_messages() {
    let steps = r#"  - await: converged
    within: 10s
  - breakpoint: { nodes: a, point: ping.send, match: { peer: 10.77.0.2 }, action: skip }
  - await: diverged
    within: 5s
  - sleep: 1s
"#;
    let (_dir, report) = crate::steps::run(&ping_suite(3, steps), false).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let events = events(&report);
    // a skips its pings to b (10.77.0.2) only: it still reaches c.
    assert_eq!(views_of(&events, "a").last(), Some(&serde_json::json!(["a", "c"])));
    let hits: Vec<&Value> = events.iter().filter(|e| e["kind"] == "breakpoint-hit").collect();
    assert!(hits.len() >= 3, "every ping to b was a hit: {}", hits.len());
    assert!(hits.iter().all(|h| h["labels"]["peer"] == "10.77.0.2" && h["action"] == "skip"), "{hits:?}");
    // b still sees everyone: its own pings to a are answered.
    assert_eq!(views_of(&events, "b").last(), Some(&serde_json::json!(["a", "b", "c"])));
}
