//! Three `quiesce-node mesh` processes on 127.0.0.1 converge, and converge
//! again after one of them is killed and restarted with a new uid.

#[allow(dead_code)] // `sees` is for the ping tests
mod common;
#[allow(dead_code)] // not every helper is used by every test binary
mod mesh_support;

use std::time::Duration;

use common::{eventually, get_status};
use mesh_support::{converged, dump, Addrs, Node, Spawn};

const NAMES: [&str; 3] = ["n1", "n2", "n3"];

/// Node `i` of a full mesh, dialing every other node.
fn spawn(i: usize, addrs: &[Addrs], rules: &str) -> Node {
    let dial = addrs.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, a)| *a).collect();
    Spawn { name: NAMES[i], me: addrs[i], dial, rules, control: None }.start()
}

/// Converged, and each node has both others as live connections.
fn meshed(addrs: &[Addrs]) -> Option<Vec<(String, u64)>> {
    let linked =
        |a: &Addrs| get_status(a.status).is_some_and(|s| s["connections"].as_array().is_some_and(|c| c.len() == 2));
    converged(addrs).filter(|_| addrs.iter().all(linked))
}

fn restart_converges(rules: &str, within: Duration) {
    let addrs: Vec<Addrs> = (0..3).map(|_| Addrs::new()).collect();
    let mut nodes: Vec<Node> = (0..3).map(|i| spawn(i, &addrs, rules)).collect();
    let mut first = None;
    let met = eventually(Duration::from_secs(5), || {
        first = meshed(&addrs);
        first.is_some()
    });
    assert!(met, "{rules}: never converged: {}", dump(&addrs));
    let old_uid = first.expect("converged")[2].1;

    drop(nodes.pop()); // SIGKILL n3
    nodes.push(spawn(2, &addrs, rules));
    let met = eventually(within, || meshed(&addrs).is_some_and(|held| held[2].1 != old_uid));
    assert!(met, "{rules}: never converged after restart: {}", dump(&addrs));
}

#[test]
fn post_1554_converges_and_again_after_a_restart() {
    restart_converges("post-1554", Duration::from_secs(5));
}

#[test]
fn pre_1554_converges_after_a_restart_without_held_gossip() {
    // Without held gossip the old incarnation is forgotten quickly, so even
    // the old rules get there (perhaps after a refused handshake or two).
    restart_converges("pre-1554", Duration::from_secs(10));
}

#[test]
fn status_reports_rules_counters_and_connections() {
    let addrs: Vec<Addrs> = (0..3).map(|_| Addrs::new()).collect();
    let _nodes: Vec<Node> = (0..3).map(|i| spawn(i, &addrs, "post-1554")).collect();
    assert!(eventually(Duration::from_secs(5), || meshed(&addrs).is_some()), "{}", dump(&addrs));
    let status = get_status(addrs[0].status).expect("status of n1");
    assert_eq!(status["name"], "n1");
    assert_eq!(status["rules"], "post-1554");
    assert_eq!(status["connections"], serde_json::json!(["n2", "n3"]));
    let me = &status["peers"][0];
    assert_eq!((&me["uid"], &me["version"]), (&status["uid"], &status["version"]));
    let counters = &status["counters"];
    let (connects, disconnects) = (counters["connects"].as_u64(), counters["disconnects"].as_u64());
    assert_eq!(connects.zip(disconnects).map(|(c, d)| c - d), Some(2), "{counters}");
}
