//! Broadcast, multicast and any IP protocol through the switch, sent and
//! received by ordinary programs (a Python script run by `exec` steps)
//! with no setup of their own: no interface named, no route added.

use std::path::Path;

use crate::common::ping_suite;
use crate::steps::run;

/// Sends and receives datagrams. Receivers print `ready` once bound (and
/// joined), then `<payload> from <address>` for each datagram, until their
/// time is up. `subnet` as an address is the broadcast address of
/// `$QUIESCE_SUBNET`.
const SCRIPT: &str = r#"
import ipaddress, os, socket, struct, sys, time

def address(name):
    if name == "subnet":
        return str(ipaddress.ip_network(os.environ["QUIESCE_SUBNET"]).broadcast_address)
    return name

def join(sock, group):
    if group != "-":
        mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("0.0.0.0"))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)

def collect(sock, out, seconds, payload):
    deadline = time.monotonic() + float(seconds)
    with open(out, "w") as f:
        f.write("ready\n")
        f.flush()
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                data, (host, _) = sock.recvfrom(2048)
            except socket.timeout:
                break
            f.write(f"{payload(data).decode()} from {host}\n")
            f.flush()

def send(sock, dst, port, message, count):
    for _ in range(int(count)):
        sock.sendto(message.encode(), (address(dst), port))
        time.sleep(0.1)

mode, args = sys.argv[1], sys.argv[2:]
if mode == "recv-udp":
    group, port, out, seconds = args
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("", int(port)))
    join(sock, group)
    collect(sock, out, seconds, lambda data: data)
elif mode == "send-udp":
    dst, port, message, count = args
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    send(sock, dst, int(port), message, count)
elif mode == "recv-raw":
    proto, group, out, seconds = args
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(proto))
    join(sock, group)
    collect(sock, out, seconds, lambda data: data[(data[0] & 0x0F) * 4:])
elif mode == "send-raw":
    proto, dst, message, count = args
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(proto))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    send(sock, dst, 0, message, count)
else:
    sys.exit(f"unknown mode {mode}")
"#;

/// Writes the script into `dir` and returns its path.
fn script(dir: &Path) -> String {
    let path = dir.join("groups.py");
    std::fs::write(&path, SCRIPT).expect("write the script");
    path.display().to_string()
}

/// What `node` wrote to `file` in its folder of the run.
fn got(folder: &Path, node: &str, file: &str) -> String {
    let path = folder.join("nodes").join(node).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn lines(text: &str) -> std::collections::BTreeSet<&str> {
    text.lines().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multicast_reaches_every_other_node_but_a_partitioned_one() {
    let dir = tempfile::tempdir().unwrap();
    let py = script(dir.path());
    let steps = format!(
        r#"  - partition: [[a, b, c], [d]]
  - exec: [python3, {py}, recv-udp, 239.77.0.1, "9300", "{{dir}}/multicast", "4"]
    on: [b, c, d]
    wait: false
  - sleep: 1s
  - exec: [python3, {py}, send-udp, 239.77.0.1, "9300", "multicast-from-{{name}}", "10"]
    on: a
  - sleep: 1s
"#
    );
    let (_run, report) = run(&ping_suite(4, &steps), false).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    for node in ["b", "c"] {
        let text = got(&report.folder, node, "multicast");
        assert_eq!(lines(&text), ["ready", "multicast-from-a from 10.77.0.1"].into(), "{node}:\n{text}");
    }
    assert_eq!(got(&report.folder, "d", "multicast"), "ready\n", "d is partitioned from a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_reach_every_node_linked_to_the_sender() {
    let dir = tempfile::tempdir().unwrap();
    let py = script(dir.path());
    let steps = format!(
        r#"  - exec: [python3, {py}, recv-udp, "-", "9301", "{{dir}}/broadcast", "4"]
    on: [b, c, d]
    wait: false
  - sleep: 1s
  - exec: [python3, {py}, send-udp, subnet, "9301", "subnet-broadcast", "5"]
    on: a
  - exec: [python3, {py}, send-udp, 255.255.255.255, "9301", "limited-broadcast", "5"]
    on: a
  - sleep: 1s
"#
    );
    // Every pair but a-d.
    let links = "links: [a-b, a-c, b-c, b-d, c-d]\nsteps:";
    let (_run, report) = run(&ping_suite(4, &steps).replace("steps:", links), false).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let expected = ["ready", "subnet-broadcast from 10.77.0.1", "limited-broadcast from 10.77.0.1"];
    for node in ["b", "c"] {
        let text = got(&report.folder, node, "broadcast");
        assert_eq!(lines(&text), expected.into(), "{node}:\n{text}");
    }
    assert_eq!(got(&report.folder, "d", "broadcast"), "ready\n", "d is not linked to a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vrrp_packets_cross_the_switch_and_a_udp_fault_spares_them() {
    let dir = tempfile::tempdir().unwrap();
    let py = script(dir.path());
    let steps = format!(
        r#"  - drop: {{ proto: udp }}
  - exec: [python3, {py}, recv-raw, "112", 224.0.0.18, "{{dir}}/vrrp", "4"]
    on: [b, c]
    wait: false
  - sleep: 1s
  - exec: [python3, {py}, send-raw, "112", 224.0.0.18, "vrrp-advert", "5"]
    on: a
  - exec: [python3, {py}, send-raw, "112", "{{addr:b}}", "vrrp-to-b", "5"]
    on: a
  - sleep: 1s
"#
    );
    let (_run, report) = run(&ping_suite(3, &steps), false).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let b = got(&report.folder, "b", "vrrp");
    assert_eq!(lines(&b), ["ready", "vrrp-advert from 10.77.0.1", "vrrp-to-b from 10.77.0.1"].into(), "b:\n{b}");
    let c = got(&report.folder, "c", "vrrp");
    assert_eq!(lines(&c), ["ready", "vrrp-advert from 10.77.0.1"].into(), "c:\n{c}");
}
