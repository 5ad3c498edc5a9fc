//! Two in-process ping nodes on 127.0.0.1 find each other.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::{eventually, get_status, sees};
use quiesce_nodes::ping::{PingNode, PingSettings, PingSockets};
use tokio::net::{TcpListener, UdpSocket};
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

const LOOPBACK: &str = "127.0.0.1:0";

/// Sockets on loopback ports chosen by the OS, so tests cannot collide.
async fn bind_loopback() -> PingSockets {
    PingSockets {
        udp: UdpSocket::bind(LOOPBACK).await.expect("bind UDP"),
        tcp: TcpListener::bind(LOOPBACK).await.expect("bind TCP"),
        status: TcpListener::bind(LOOPBACK).await.expect("bind status"),
    }
}

fn settings(name: &str, peers: Vec<SocketAddr>) -> PingSettings {
    let name = name.parse().expect("valid name");
    PingSettings { name, peers, interval: Duration::from_millis(100) }
}

/// Nodes `a` and `b` on loopback, each the other's peer, not yet running.
fn pair(runtime: &Runtime) -> (PingNode, PingNode) {
    let (a, b) = runtime.block_on(async { (bind_loopback().await, bind_loopback().await) });
    let (a_addr, b_addr) = (a.udp.local_addr().expect("addr"), b.udp.local_addr().expect("addr"));
    let a = PingNode::new(settings("a", vec![b_addr]), a).expect("node a");
    let b = PingNode::new(settings("b", vec![a_addr]), b).expect("node b");
    (a, b)
}

#[test]
fn two_nodes_see_each_other_within_two_seconds() {
    let runtime = Runtime::new().expect("runtime");
    let (a, b) = pair(&runtime);
    let (a_status, b_status, b_listen) = (a.status_addr(), b.status_addr(), b.listen_addr());
    let (stop_a, stopped_a) = oneshot::channel::<()>();
    let a_task = runtime.spawn(a.run(async move { stopped_a.await.unwrap_or(()) }));
    runtime.spawn(b.run(std::future::pending()));

    assert!(eventually(Duration::from_secs(2), || sees(a_status, "b") && sees(b_status, "a")));
    let status = get_status(a_status).expect("status of a");
    assert_eq!(status["name"], "a");
    assert_eq!(status["reachable"], serde_json::json!(["b"]));
    let peer = &status["peers"][b_listen.to_string()];
    assert_eq!(peer["name"], "b");
    assert!(peer["pings_sent"].as_u64() >= Some(1), "{peer}");
    assert!(peer["pongs_received"].as_u64() >= Some(1), "{peer}");
    assert!(peer["last_pong_ms_ago"].as_u64() <= Some(300), "{peer}");
    assert!(status["counters"]["pings_received"].as_u64() >= Some(1), "{status}");

    stop_a.send(()).expect("node a still running");
    let stopped = runtime.block_on(a_task).expect("node a did not panic");
    assert!(stopped.is_ok(), "{stopped:?}");
    // Once a stops answering, b drops it after three intervals.
    assert!(eventually(Duration::from_secs(2), || !sees(b_status, "a")));
}

#[test]
fn tcp_listener_echoes_and_is_counted() {
    let runtime = Runtime::new().expect("runtime");
    let (a, _b) = pair(&runtime);
    let (status_addr, echo_addr) = (a.status_addr(), a.echo_addr());
    runtime.spawn(a.run(std::future::pending()));

    let mut stream = TcpStream::connect(echo_addr).expect("connect to echo");
    stream.set_read_timeout(Some(Duration::from_secs(2))).expect("set timeout");
    stream.write_all(b"are you there?").expect("write");
    stream.shutdown(std::net::Shutdown::Write).expect("half-close");
    let mut echoed = String::new();
    stream.read_to_string(&mut echoed).expect("read echo");
    assert_eq!(echoed, "are you there?");
    let status = get_status(status_addr).expect("status");
    assert_eq!(status["counters"]["tcp_connections"], 1);
}
