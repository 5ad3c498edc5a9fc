//! Four `quiesce-node swim` processes on 127.0.0.1 join through the first,
//! see each other alive, and all declare a killed one dead (and, under
//! `forget-on-dead`, forget it). With `--gossip-port`, gossip datagrams
//! leave from that port and nothing else does.

#[allow(dead_code)] // `sees` is for the ping tests
mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{eventually, get_status};
use quiesce_nodes::swim::rules::State;
use quiesce_nodes::swim::wire::{MemberState, Packet, PushPull};
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

/// A node with `--gossip-port` meets a fake peer (a UDP socket of this
/// test, introduced by a push-pull over TCP): the node gossips the news of
/// the peer's arrival to it from the gossip port, and probes it from its
/// main port.
#[test]
fn gossip_leaves_from_the_gossip_port_and_probes_do_not() {
    let listen = free_port();
    let status = free_port();
    let gossip_port = free_port().port();
    let child = Command::new(BIN)
        .args(["swim", "--name", "n0", "--listen", &listen.to_string(), "--status", &status.to_string()])
        .args(["--rules", "keep-on-dead", "--gossip-port", &gossip_port.to_string()])
        .args(["--probe-interval", "200ms", "--gossip-interval", "50ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start quiesce-node swim");
    let _node = Node(child);
    assert!(eventually(Duration::from_secs(10), || get_status(status).is_some()), "n0 never answered");

    let peer = UdpSocket::bind("127.0.0.1:0").expect("bind the fake peer");
    let me = MemberState { name: "fake".into(), addr: peer.local_addr().unwrap(), incarnation: 0, state: State::Alive };
    let mut tcp = TcpStream::connect(listen).expect("connect for a push-pull");
    let mut line = serde_json::to_vec(&PushPull { from: "fake".into(), members: vec![me] }).unwrap();
    line.push(b'\n');
    tcp.write_all(&line).expect("send our state");
    let mut answer = String::new();
    BufReader::new(&tcp).read_line(&mut answer).expect("read its state");
    let theirs: PushPull = serde_json::from_str(&answer).expect("a push-pull state");
    assert_eq!(theirs.from, "n0");

    peer.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let (mut gossip, mut pings) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 65_536];
    while Instant::now() < deadline && (gossip == 0 || pings == 0) {
        let Ok((n, from)) = peer.recv_from(&mut buf) else { continue };
        let packet = Packet::decode(&buf[..n]).expect("a SWIM packet");
        match packet {
            Packet::Gossip { .. } => {
                assert_eq!(from.port(), gossip_port, "gossip from the wrong port");
                gossip += 1;
            }
            other => {
                assert_eq!(from, listen, "{other:?} not from the main socket");
                pings += 1;
            }
        }
    }
    assert!(gossip > 0 && pings > 0, "in 5 s: {gossip} gossip datagrams, {pings} others");
}
