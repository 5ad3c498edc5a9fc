//! The serf suite end to end through the CLI: the views diverge during the
//! partition and converge after the heal.

use serde_json::Value;

use crate::common::run_shipped;

#[test]
fn serf_views_diverge_during_partition_and_converge_after_heal() {
    let (_out, _folder, events) = run_shipped("serf-partition.yaml", "default");
    let text = events.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    let at = |kind: &str| events.iter().position(|e| e["kind"] == kind).unwrap_or_else(|| panic!("no {kind} event"));
    let (applied, healed) = (at("fault-applied"), at("fault-healed"));
    assert!(applied < healed);

    // During the partition, replay view changes: at some moment the five
    // agents held at least two different views.
    let mut views = std::collections::BTreeMap::new();
    let mut diverged = false;
    for e in &events[..healed] {
        if e["kind"] == "view-changed" {
            views.insert(e["node"].as_str().unwrap().to_string(), e["view"].clone());
        }
        let distinct: std::collections::BTreeSet<String> = views.values().map(|v| v.to_string()).collect();
        if events.iter().position(|x| std::ptr::eq(x, e)).unwrap() > applied && views.len() == 5 && distinct.len() >= 2
        {
            diverged = true;
        }
    }
    assert!(diverged, "views never diverged during the partition:\n{text}");
    let side: Vec<&Value> = views.values().collect();
    assert!(side.iter().any(|v| v.as_array().is_some_and(|a| a.len() < 5)), "some agent lost sight of the other side");

    let converged = events
        .iter()
        .find(|e| e["kind"] == "check-result" && e["check"] == "converged")
        .expect("a converged check result");
    assert_eq!(converged["passed"], true, "{converged}");
    assert!(converged["measured"].as_f64().is_some(), "time to converge is measured");
    let all_five: Value = serde_json::json!(["s1", "s2", "s3", "s4", "s5"]);
    assert_eq!(views.len(), 5);
    let last_views: Vec<&Value> = {
        let mut last = std::collections::BTreeMap::new();
        for e in events.iter().filter(|e| e["kind"] == "view-changed") {
            last.insert(e["node"].as_str().unwrap().to_string(), &e["view"]);
        }
        last.into_values().collect()
    };
    assert!(last_views.iter().all(|v| **v == all_five), "every agent ends seeing all five alive: {last_views:?}");
}
