//! A 100% drop between two nodes blocks their TCP and UDP traffic while
//! other pairs still talk; the heal restores it. Real sockets opened in the
//! nodes' namespaces, real packets through the switch.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{FromRawFd, IntoRawFd};
use std::time::Duration;

use quiesce::cluster::Cluster;
use quiesce_faults::{Action, Flow, Matcher, NodeSet, Rule};

use crate::common::{ping_suite, plan, require_root, start};

const PORT: u16 = 7000;

async fn tcp_connects(cluster: &Cluster, from: usize, to: Ipv4Addr) -> bool {
    let fd = cluster.launcher().socket(cluster.namespace(from), libc::AF_INET, libc::SOCK_STREAM).await.unwrap();
    // SAFETY: a fresh owned TCP socket.
    let socket = unsafe { tokio::net::TcpSocket::from_raw_fd(fd.into_raw_fd()) };
    let connect = socket.connect(SocketAddrV4::new(to, PORT).into());
    matches!(tokio::time::timeout(Duration::from_millis(1500), connect).await, Ok(Ok(_)))
}

async fn udp_answers(cluster: &Cluster, from: usize, to: Ipv4Addr) -> bool {
    let fd = cluster.launcher().socket(cluster.namespace(from), libc::AF_INET, libc::SOCK_DGRAM).await.unwrap();
    // SAFETY: a fresh owned UDP socket.
    let std_sock = unsafe { std::net::UdpSocket::from_raw_fd(fd.into_raw_fd()) };
    let sock = tokio::net::UdpSocket::from_std(std_sock).unwrap();
    let mut buf = [0u8; 512];
    for seq in 0..5 {
        sock.send_to(format!("ping probe {seq}").as_bytes(), SocketAddrV4::new(to, PORT)).await.unwrap();
        if let Ok(Ok((n, _))) = tokio::time::timeout(Duration::from_millis(300), sock.recv_from(&mut buf)).await {
            if buf[..n].starts_with(b"pong") {
                return true;
            }
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_drop_blocks_tcp_and_udp_between_two_nodes_only() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), "drop", &ping_suite(3, "  - sleep: 1s\n"));
    let cluster = start(&plan, dir.path()).await;
    let addr = |i: usize| cluster.addrs()[i];

    assert!(tcp_connects(&cluster, 0, addr(1)).await, "a->b TCP before the fault");
    assert!(udp_answers(&cluster, 0, addr(1)).await, "a->b UDP before the fault");

    let pair: NodeSet = [0u16, 1].into_iter().collect();
    let flow = Flow { from: Some(pair.clone()), to: Some(pair), proto: None, port: None };
    let rule =
        Rule { id: "cut".into(), matcher: Matcher::Flow(flow), action: Action::Drop { probability: 1.0, count: None } };
    cluster.switch.add_rule(rule).unwrap();

    assert!(!tcp_connects(&cluster, 0, addr(1)).await, "a->b TCP must be blocked");
    assert!(!tcp_connects(&cluster, 1, addr(0)).await, "b->a TCP must be blocked");
    assert!(!udp_answers(&cluster, 0, addr(1)).await, "a->b UDP must be blocked");
    assert!(!udp_answers(&cluster, 1, addr(0)).await, "b->a UDP must be blocked");
    assert!(tcp_connects(&cluster, 0, addr(2)).await, "a->c TCP still works");
    assert!(udp_answers(&cluster, 2, addr(1)).await, "c->b UDP still works");
    assert!(cluster.switch.drops().faults > 0, "the switch counted the dropped packets");

    assert!(cluster.switch.remove_rule("cut"));
    assert!(tcp_connects(&cluster, 0, addr(1)).await, "a->b TCP after the heal");
    assert!(udp_answers(&cluster, 1, addr(0)).await, "b->a UDP after the heal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlinked_nodes_cannot_talk() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let yaml = ping_suite(3, "  - sleep: 1s\n").replace("steps:", "links: [a-b, b-c]\nsteps:");
    let plan = plan(dir.path(), "links", &yaml);
    let cluster = start(&plan, dir.path()).await;
    assert!(udp_answers(&cluster, 0, cluster.addrs()[1]).await, "a-b is linked");
    assert!(!udp_answers(&cluster, 0, cluster.addrs()[2]).await, "a-c is not linked");
    assert!(cluster.switch.drops().unlinked > 0, "unlinked packets are counted");
}
