//! Three `quiesce-node leader` processes on 127.0.0.1 elect one leader
//! that all of them agree on, under both rules, and elect again when the
//! leader is killed.

#[allow(dead_code)] // `sees` is for the ping tests
mod common;

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{eventually, get_status};
use rand::Rng;

const BIN: &str = env!("CARGO_BIN_EXE_quiesce-node");

/// A loopback port free right now, below the ephemeral range.
fn free_port() -> SocketAddr {
    loop {
        let port = rand::thread_rng().gen_range(20_000..32_000);
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)) {
            return listener.local_addr().expect("addr");
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

fn start(name: &str, listen: SocketAddr, peers: &[SocketAddr], status: SocketAddr, rules: &str) -> Node {
    let peers: Vec<String> = peers.iter().filter(|p| **p != listen).map(|p| p.to_string()).collect();
    let child = Command::new(BIN)
        .args(["leader", "--name", name, "--listen", &listen.to_string(), "--peers", &peers.join(",")])
        .args(["--status", &status.to_string(), "--rules", rules, "--establish-work", "100ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start quiesce-node leader");
    Node(child)
}

/// `(leader, term)` if every status answers and all agree on a leader.
fn agreed(status: &[SocketAddr]) -> Option<(String, u64)> {
    let views: Vec<(String, u64)> = status
        .iter()
        .map(|s| {
            let st = get_status(*s)?;
            Some((st["leader"].as_str()?.to_owned(), st["term"].as_u64()?))
        })
        .collect::<Option<_>>()?;
    views.windows(2).all(|w| w[0] == w[1]).then(|| views[0].clone())
}

fn elects_and_reelects(rules: &str) {
    let listen: Vec<SocketAddr> = (0..3).map(|_| free_port()).collect();
    let status: Vec<SocketAddr> = (0..3).map(|_| free_port()).collect();
    let mut nodes: Vec<Option<Node>> =
        (0..3).map(|i| Some(start(&format!("n{i}"), listen[i], &listen, status[i], rules))).collect();
    let mut first = None;
    assert!(eventually(Duration::from_secs(10), || {
        first = agreed(&status);
        first.is_some()
    }));
    let (leader, term) = first.expect("agreed");
    let st = get_status(status[0]).expect("status");
    assert_eq!(st["rules"], rules);

    let index: usize = leader[1..].parse().expect("a name like n0");
    nodes[index] = None; // kill the leader
    let rest: Vec<SocketAddr> = (0..3).filter(|&i| i != index).map(|i| status[i]).collect();
    let mut second = None;
    assert!(eventually(Duration::from_secs(10), || {
        second = agreed(&rest).filter(|(l, _)| *l != leader);
        second.is_some()
    }));
    let (_, new_term) = second.expect("agreed on another leader");
    assert!(new_term > term);
    let st = get_status(rest[0]).expect("status");
    assert!(st["leader_loop"]["started"].as_u64().is_some(), "{st}");
}

#[test]
fn drop_but_last_elects_and_reelects() {
    elects_and_reelects("drop-but-last");
}

#[test]
fn blocking_notify_elects_and_reelects_without_flapping() {
    elects_and_reelects("blocking-notify");
}
