//! A node cannot reach the machine it runs on, nor anything beyond its
//! run: services listening in the root namespace (on loopback and on the
//! machine's other addresses) get nothing from it, and no route leads out.
//! The attempts are made by an ordinary program (a Python script run by
//! `exec` steps in the node's namespace); the listeners are this test's.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::Path;

use crate::common::ping_suite;
use crate::steps::run;

/// `tcp HOST PORT` and `udp HOST PORT`: one attempt each, printing what
/// happened (`connected`, `sent`, or the error's name).
const SCRIPT: &str = r#"
import errno, socket, sys

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    if mode == "tcp":
        socket.create_connection((host, port), timeout=2).close()
        print("connected")
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(3):
            sock.sendto(b"out-of-the-run", (host, port))
        print("sent")
except socket.timeout:
    print("timeout")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
"#;

/// The root namespace's IPv4 addresses other than loopback, outside the
/// run's subnet; 127.0.0.2 (still the root's loopback) when it has none.
fn other_local_address() -> Ipv4Addr {
    let out = std::process::Command::new("ip").args(["-4", "-o", "addr", "show"]).output().expect("run ip");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .filter_map(|word| word.split('/').next()?.parse::<Ipv4Addr>().ok())
        .find(|a| !a.is_loopback() && a.octets()[..2] != [10, 77])
        .unwrap_or(Ipv4Addr::new(127, 0, 0, 2))
}

/// A TCP and a UDP service on `addr`, in the root namespace, never blocking.
struct Services {
    tcp: TcpListener,
    udp: UdpSocket,
}

impl Services {
    fn listen(addr: Ipv4Addr) -> Services {
        let tcp = TcpListener::bind(SocketAddr::new(IpAddr::V4(addr), 0)).expect("bind tcp");
        let port = tcp.local_addr().unwrap().port();
        // The same port number for both, so one line of steps names both.
        let udp = UdpSocket::bind(SocketAddr::new(IpAddr::V4(addr), port)).expect("bind udp");
        tcp.set_nonblocking(true).unwrap();
        udp.set_nonblocking(true).unwrap();
        Services { tcp, udp }
    }

    fn port(&self) -> u16 {
        self.tcp.local_addr().unwrap().port()
    }

    /// Asserts that nothing connected and nothing arrived.
    fn assert_untouched(&self, what: &str) {
        match self.tcp.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            other => panic!("the TCP service on {what} was reached from a node: {other:?}"),
        }
        let mut buf = [0u8; 64];
        match self.udp.recv_from(&mut buf) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            other => panic!("the UDP service on {what} got a datagram from a node: {other:?}"),
        }
    }
}

fn got(folder: &Path, step: usize, node: &str) -> String {
    let path = folder.join(format!("exec-{step}-{node}.out"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_reaches_no_service_of_the_machine_and_has_no_route_out() {
    let dir = tempfile::tempdir().unwrap();
    let py = dir.path().join("reach.py");
    std::fs::write(&py, SCRIPT).unwrap();
    let py = py.display();
    let other = other_local_address();
    let (lo, host) = (Services::listen(Ipv4Addr::LOCALHOST), Services::listen(other));
    let (lp, hp) = (lo.port(), host.port());
    let steps = format!(
        r#"  - exec: [python3, {py}, tcp, 127.0.0.1, "{lp}"]
    on: a
  - exec: [python3, {py}, udp, 127.0.0.1, "{lp}"]
    on: a
  - exec: [python3, {py}, tcp, "{other}", "{hp}"]
    on: a
  - exec: [python3, {py}, udp, "{other}", "{hp}"]
    on: a
  - exec: [ip, -4, route, show, table, all]
    on: a
  - exec: [sh, -c, "ip route get 1.1.1.1 2>&1; ip route get {other} 2>&1; true"]
    on: a
"#
    );
    let (_run, report) = run(&ping_suite(2, &steps), false).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let folder = &report.folder;

    // On the node's own loopback nothing listens on that port: refused,
    // where the root's loopback would have accepted.
    assert_eq!(got(folder, 1, "a"), "ECONNREFUSED", "tcp to 127.0.0.1");
    // Datagrams to the node's own loopback go nowhere (or bounce back as
    // refused); what matters is that the root's socket gets none.
    assert!(["sent", "ECONNREFUSED"].contains(&got(folder, 2, "a").as_str()), "udp to 127.0.0.1");
    assert_eq!(got(folder, 3, "a"), "ENETUNREACH", "tcp to {other}");
    assert_eq!(got(folder, 4, "a"), "ENETUNREACH", "udp to {other}");
    lo.assert_untouched("127.0.0.1");
    host.assert_untouched(&other.to_string());

    // Routes: the run's subnet, multicast, the limited broadcast (which the
    // switch copies to the sender's links) and the node's own addresses; no
    // default route and nothing else.
    let routes = got(folder, 5, "a");
    for line in routes.lines() {
        let dst = line.split_whitespace().find(|w| *w != "local" && *w != "broadcast" && *w != "multicast").unwrap();
        let inside = dst.starts_with("10.77.")
            || dst.starts_with("224.0.0.0/4")
            || dst == "255.255.255.255"
            || dst.starts_with("127.");
        assert!(inside, "a route leads out of the run: {line}\nall routes:\n{routes}");
    }
    assert!(!routes.contains("default"), "{routes}");
    let lookups = got(folder, 6, "a");
    assert_eq!(lookups.matches("Network is unreachable").count(), 2, "{lookups}");
}
