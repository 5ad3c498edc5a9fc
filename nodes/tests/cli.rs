//! The `quiesce-node` binary: starts, answers /status, exits 0 on SIGTERM
//! and SIGINT, and exits non-zero with a message on bad input.

mod common;

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::{eventually, get_status, sees};

const BIN: &str = env!("CARGO_BIN_EXE_quiesce-node");

/// A loopback port free for both UDP and TCP right now.
fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        let port = udp.local_addr().expect("addr").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn spawn_ping(name: &str, listen: SocketAddr, peers: &str, status: SocketAddr) -> Child {
    Command::new(BIN)
        .args(["ping", "--name", name, "--listen", &listen.to_string(), "--peers", peers])
        .args(["--status", &status.to_string(), "--interval", "50ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn quiesce-node")
}

/// Sends `signal` to the child and collects how it exited.
fn stop(child: Child, signal: &str) -> Output {
    let kill = Command::new("kill").args([signal, &child.id().to_string()]).status();
    assert!(kill.expect("run kill").success());
    child.wait_with_output().expect("wait for quiesce-node")
}

#[test]
fn two_processes_see_each_other_and_stop_cleanly() {
    let (a_listen, b_listen) = (loopback(free_port()), loopback(free_port()));
    let (a_status, b_status) = (loopback(free_port()), loopback(free_port()));
    let a = spawn_ping("a", a_listen, &b_listen.to_string(), a_status);
    let b = spawn_ping("b", b_listen, &format!("{a_listen},"), b_status);

    let met = eventually(Duration::from_secs(5), || sees(a_status, "b") && sees(b_status, "a"));
    let (a_out, b_out) = (stop(a, "-TERM"), stop(b, "-INT"));
    assert!(met, "nodes never saw each other: {}", String::from_utf8_lossy(&a_out.stderr));
    for (out, name, listen) in [(a_out, "a", a_listen), (b_out, "b", b_listen)] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name} exited with {:?}: {stderr}", out.status);
        assert!(stderr.contains(&format!("ping {name} listening on {listen}")), "{stderr}");
    }
}

#[test]
fn empty_peers_is_allowed() {
    let status = loopback(free_port());
    let node = spawn_ping("alone", loopback(free_port()), "", status);
    let answered = eventually(Duration::from_secs(5), || get_status(status).is_some());
    let out = stop(node, "-TERM");
    assert!(answered, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success());
}

#[test]
fn bind_failure_exits_1_with_message() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind TCP");
    let port = taken.local_addr().expect("addr").port();
    let out = spawn_ping("x", loopback(port), "", loopback(free_port())).wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot bind the TCP listener"), "{stderr}");
}

#[test]
fn bad_arguments_exit_2_quoting_the_value() {
    let out = Command::new(BIN)
        .args(["ping", "--name", "x", "--listen", "127.0.0.1:1", "--status", "127.0.0.1:2"])
        .args(["--peers", "127.0.0.1:3,nowhere", "--interval", "200ms"])
        .output()
        .expect("run quiesce-node");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid peer `nowhere`"), "{stderr}");
}
