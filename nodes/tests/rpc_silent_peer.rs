//! Tahoe-LAFS #502 on 127.0.0.1: an rpc client and three storage peers,
//! plus a fourth peer that is either *silent* (it accepts the connection
//! and never answers, like a peer cut off without a reset) or *noisy*
//! (nothing listens: every connection is refused at once).

use std::net::SocketAddr;
use std::time::Duration;

use quiesce_nodes::rpc::{Client, ClientSettings, Policy, Rules, Storage};
use serde_json::Value;
use tokio::net::TcpListener;

const INTERVAL: Duration = Duration::from_millis(50);
const DEADLINE: Duration = Duration::from_millis(300);

/// Three answering storage peers on loopback ports; their addresses.
async fn storage_peers() -> Vec<SocketAddr> {
    let mut addrs = Vec::new();
    for i in 1..=3 {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind storage");
        addrs.push(listener.local_addr().expect("addr"));
        let storage = Storage::new(format!("s{i}"), vec![addrs[i - 1].to_string()]);
        tokio::spawn(storage.serve(listener));
    }
    addrs
}

/// A client of the three peers and `fourth`, running.
async fn client(rules: Rules, fourth: SocketAddr) -> Client {
    let mut storage = storage_peers().await;
    storage.push(fourth);
    let settings = ClientSettings {
        name: "c".into(),
        storage,
        policy: Policy { rules, needed: 3, deadline: DEADLINE },
        interval: INTERVAL,
    };
    let client = Client::new(&settings);
    tokio::spawn(client.clone().run(settings));
    client
}

fn completed(status: &Value) -> u64 {
    status["operations"]["completed"].as_u64().expect("completed")
}

/// The status after `warmup`, and again one second later.
async fn two_looks(client: &Client, warmup: Duration) -> (Value, Value) {
    tokio::time::sleep(warmup).await;
    let first = client.status();
    tokio::time::sleep(Duration::from_secs(1)).await;
    (first, client.status())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_the_fix_a_silent_peer_stalls_every_operation() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the silent peer");
    let client = client(Rules::WaitForAll, silent.local_addr().expect("addr")).await;
    let (first, second) = two_looks(&client, Duration::from_millis(500)).await;
    assert_eq!(completed(&first), completed(&second), "no operation completes: {second}");
    assert!(second["outstanding_max"].as_u64() >= Some(25), "queries pile up: {second}");
    assert!(second["operations"]["oldest_in_progress_ms"].as_u64() >= Some(1_000), "{second}");
    assert_eq!(second["queries"]["timed_out"], 0, "{second}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_fix_operations_go_on_without_the_silent_peer() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the silent peer");
    let client = client(Rules::Deadline, silent.local_addr().expect("addr")).await;
    let (first, second) = two_looks(&client, Duration::from_millis(500)).await;
    assert!(completed(&second) >= completed(&first) + 10, "operations go on: {first} then {second}");
    let bound = (DEADLINE.as_millis() / INTERVAL.as_millis()) as u64 + 3;
    assert!(second["record"]["peak_outstanding"].as_u64() <= Some(bound), "outstanding stays bounded: {second}");
    assert!(second["queries"]["timed_out"].as_u64() >= Some(10), "{second}");
    assert!(second["record"]["longest_gap_ms"].as_u64() < Some(500), "{second}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_noisy_failure_is_survived_under_both_rules() {
    for rules in [Rules::WaitForAll, Rules::Deadline] {
        let refused = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
        let client = client(rules, refused).await;
        let (first, second) = two_looks(&client, Duration::from_millis(500)).await;
        assert!(completed(&second) >= completed(&first) + 10, "{rules}: {first} then {second}");
        assert_eq!(second["outstanding"][refused.to_string()], 0, "{rules}: {second}");
        assert!(second["queries"]["errors"].as_u64() >= Some(10), "{rules}: refused queries fail at once: {second}");
        assert_eq!(second["peers"][refused.to_string()]["connected"], false, "{rules}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_reports_its_answers() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let storage = Storage::new("s9", vec![addr.to_string()]);
    tokio::spawn(std::sync::Arc::clone(&storage).serve(listener));
    let settings = ClientSettings {
        name: "c".into(),
        storage: vec![addr],
        policy: Policy { rules: Rules::WaitForAll, needed: 1, deadline: DEADLINE },
        interval: INTERVAL,
    };
    let client = Client::new(&settings);
    tokio::spawn(client.clone().run(settings));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = storage.status();
    assert_eq!(status["role"], "storage");
    assert_eq!(status["connections"], 1, "{status}");
    assert!(status["queries_answered"].as_u64() >= Some(5), "{status}");
    assert!(completed(&client.status()) >= 5);
}
