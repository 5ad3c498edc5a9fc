//! Four `quiesce-node swim` processes on 127.0.0.1 join through the first,
//! see each other alive, and all declare a killed one dead (and, under
//! `forget-on-dead`, forget it).

#[allow(dead_code)] // `sees` is for the ping tests
mod common;

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{eventually, get_status};
use rand::Rng;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_quiesce-node");

/// A loopback port free for both TCP and UDP right now, below the
/// ephemeral range.
fn free_port() -> SocketAddr {
    loop {
        let port = rand::thread_rng().gen_range(20_000..32_000);
        if TcpListener::bind(("127.0.0.1", port)).is_ok() && UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return SocketAddr::from(([127, 0, 0, 1], port));
        }
    }
}

/// A node process, killed when dropped.
struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(name: &str, listen: SocketAddr, seed: SocketAddr, status: SocketAddr, rules: &str) -> Node {
    let child = Command::new(BIN)
        .args(["swim", "--name", name, "--listen", &listen.to_string(), "--peers", &seed.to_string()])
        .args(["--status", &status.to_string(), "--rules", rules])
        .args(["--probe-interval", "200ms", "--probe-timeout", "80ms", "--gossip-interval", "50ms"])
        .args(["--suspicion-mult", "3", "--push-pull-interval", "2s"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start quiesce-node swim");
    Node(child)
}

/// The state `status` holds for `name`, `None` if not in its map.
fn state_of(status: &Value, name: &str) -> Option<String> {
    let members = status["members"].as_array()?;
    let member = members.iter().find(|m| m["name"] == name)?;
    member["state"].as_str().map(str::to_owned)
}

fn a_killed_member_is_declared_dead(rules: &str) {
    let listen: Vec<SocketAddr> = (0..4).map(|_| free_port()).collect();
    let status: Vec<SocketAddr> = (0..4).map(|_| free_port()).collect();
    let names: Vec<String> = (0..4).map(|i| format!("n{i}")).collect();
    let mut nodes: Vec<Option<Node>> =
        (0..4).map(|i| Some(start(&names[i], listen[i], listen[0], status[i], rules))).collect();
    let all_alive = || {
        status.iter().all(|s| {
            get_status(*s).is_some_and(|st| names.iter().all(|n| state_of(&st, n).as_deref() == Some("alive")))
        })
    };
    assert!(eventually(Duration::from_secs(10), all_alive), "{rules}: never all alive");

    nodes[3] = None;
    let gone = |st: &Value| match rules {
        "keep-on-dead" => state_of(st, "n3").as_deref() == Some("dead"),
        _ => state_of(st, "n3").is_none() && st["forgotten"].as_array().is_some_and(|f| f.contains(&"n3".into())),
    };
    let everywhere = || status[..3].iter().all(|s| get_status(*s).is_some_and(|st| gone(&st)));
    assert!(eventually(Duration::from_secs(10), everywhere), "{rules}: n3 not declared dead everywhere");
    let st = get_status(status[0]).expect("status");
    assert!(st["counters"]["flaps"].as_u64().unwrap_or(0) >= 5, "{st}");
    assert_eq!(st["rules"], rules);
}

#[test]
fn keep_on_dead_keeps_a_killed_member_dead() {
    a_killed_member_is_declared_dead("keep-on-dead");
}

#[test]
fn forget_on_dead_forgets_a_killed_member() {
    a_killed_member_is_declared_dead("forget-on-dead");
}
