//! Real peers from Debian packages, run through the CLI: etcd keeps one
//! leader per term through the isolation and pause of its leader, and
//! reads back a write after the heal.

use crate::common::run_shipped;

#[test]
fn etcd_isolates_and_pauses_its_leader_and_keeps_one_leader_per_term() {
    let (_out, folder, events) = run_shipped("etcd-leader-isolation.yaml", "default");
    let finished = |step: u64| {
        events
            .iter()
            .find(|e| e["kind"] == "step-finished" && e["step"] == step)
            .unwrap_or_else(|| panic!("step {step} finished"))
    };
    // `where` picked the leader to cut off, and later the same member,
    // knowing no leader, to pause.
    let cut = events.iter().find(|e| e["kind"] == "fault-applied").expect("the partition");
    let isolated = cut["targets"][0].as_array().expect("the leader's group").clone();
    assert_eq!(isolated.len(), 1, "one leader: {cut}");
    let paused = finished(4)["detail"].as_str().unwrap().to_string();
    assert_eq!(paused, isolated[0].as_str().unwrap(), "the member cut off is the one paused");

    // Every member read the write back (the step fails otherwise).
    assert_eq!(finished(10)["ok"], true);
    let always = events
        .iter()
        .find(|e| e["kind"] == "check-result" && e["check"] == "always one-leader-per-term")
        .expect("the invariant's result");
    assert_eq!(always["passed"], true, "{always}");
    let samples = always["figures"]["samples"].as_u64().unwrap();
    assert!(samples >= 15, "sampled all run long, every 500 ms: {samples} samples");
    // The data folders are the members' own.
    for member in ["e1", "e2", "e3"] {
        assert!(folder.join("nodes").join(member).join("data/member").is_dir(), "{member}'s data in its {{dir}}");
    }
}
