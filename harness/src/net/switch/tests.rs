//! The switch on datagram socket pairs instead of TUN devices: no
//! namespace, no root. Each test holds the node ends and sends raw IPv4
//! packets through the switch.

use std::net::Ipv4Addr;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use quiesce_faults::{grudge, Flow, Proto, Rule};

use super::Switch;
use crate::net::links::LinkMatrix;
use crate::net::port::Port;
use crate::net::subnet::Subnet;

const VRRP: u8 = 112;

fn subnet() -> Subnet {
    Subnet::new(Ipv4Addr::new(10, 77, 0, 0), 16)
}

/// A switch over `links`, and each node's end of its port.
fn switch(links: LinkMatrix, nodes: usize) -> (Switch, Vec<UnixDatagram>) {
    let (mut ports, mut ends) = (Vec::new(), Vec::new());
    for _ in 0..nodes {
        let (switch_end, node_end) = UnixDatagram::pair().expect("a socket pair");
        switch_end.set_nonblocking(true).expect("non-blocking");
        node_end.set_read_timeout(Some(Duration::from_secs(2))).expect("a read timeout");
        ports.push(Port::plain(switch_end.into()));
        ends.push(node_end);
    }
    let (switch, _events) = Switch::try_start(ports, subnet(), links, 1, None).expect("switch threads");
    (switch, ends)
}

/// An IPv4 packet of `proto` from node `from` to `dst`, carrying `payload`
/// (after an 8-byte UDP header for UDP).
fn packet(from: usize, dst: Ipv4Addr, proto: u8, payload: &[u8]) -> Vec<u8> {
    let transport: Vec<u8> = match proto {
        17 => [&[0x1a, 0x7f, 0x1a, 0x7f, 0, 0, 0, 0][..], payload].concat(),
        _ => payload.to_vec(),
    };
    let total = u16::try_from(20 + transport.len()).expect("a small packet");
    let mut p = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 1, proto, 0, 0];
    p[2..4].copy_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&subnet().addr(from).octets());
    p.extend_from_slice(&dst.octets());
    p.extend_from_slice(&transport);
    p
}

/// The payloads of the next `n` packets a node receives (fewer if none
/// comes for 2 s), as text.
fn received(end: &UnixDatagram, n: usize) -> Vec<String> {
    let mut buf = [0u8; 2048];
    let payload = |p: &[u8]| String::from_utf8_lossy(&p[if p[9] == 17 { 28 } else { 20 }..]).into_owned();
    (0..n).map_while(|_| end.recv(&mut buf).ok().map(|len| payload(&buf[..len]))).collect()
}

/// Whether nothing is waiting for a node. Call it once the sender's port
/// has been seen to forward a later packet: the switch forwards a port's
/// packets in order, each to all its receivers before the next.
fn nothing_for(end: &UnixDatagram) -> bool {
    end.set_nonblocking(true).expect("non-blocking");
    let waiting = end.recv(&mut [0u8; 2048]);
    end.set_nonblocking(false).expect("blocking");
    matches!(waiting, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_multicast_packet_is_copied_to_every_other_node_and_judged_per_receiver() {
    let (switch, ends) = switch(LinkMatrix::full_mesh(4), 4);
    let group = Ipv4Addr::new(239, 1, 2, 3);
    ends[0].send(&packet(0, group, 17, b"first")).expect("send");
    for end in &ends[1..] {
        assert_eq!(received(end, 1), ["first"]);
    }

    switch.add_rule(Rule::partition("split", grudge(&[vec![0, 1, 2], vec![3]]))).expect("a fresh id");
    ends[0].send(&packet(0, group, 17, b"second")).expect("send");
    ends[0].send(&packet(0, subnet().addr(1), 17, b"marker")).expect("send");
    assert_eq!(received(&ends[1], 2), ["second", "marker"]);
    assert_eq!(received(&ends[2], 1), ["second"]);
    assert!(nothing_for(&ends[3]), "the partition removed d's copy only");
    assert!(nothing_for(&ends[0]), "no copy goes back to the sender");

    let (to_b, to_d) = (switch.counters().get(0, 1), switch.counters().get(0, 3));
    assert_eq!((to_b.packets, to_d.packets), (3, 2), "each copy counts for its pair, as unicast");
    assert_eq!(switch.drops().faults, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn broadcasts_reach_the_linked_nodes_only() {
    let (switch, ends) = switch(LinkMatrix::pairs(3, &[(0, 1), (1, 2)]), 3);
    for dst in [subnet().broadcast(), Ipv4Addr::BROADCAST] {
        ends[1].send(&packet(1, dst, 17, b"from-b")).expect("send");
        assert_eq!((received(&ends[0], 1), received(&ends[2], 1)), (vec!["from-b".into()], vec!["from-b".into()]));
        ends[0].send(&packet(0, dst, 17, b"from-a")).expect("send");
        ends[0].send(&packet(0, subnet().addr(1), 17, b"marker")).expect("send");
        assert_eq!(received(&ends[1], 2), ["from-a", "marker"]);
        assert!(nothing_for(&ends[2]), "a and c are not linked");
    }
    assert_eq!(switch.counters().get(0, 2).packets, 0);
    assert_eq!(switch.drops(), super::DropCounts::default(), "nothing counts as dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn every_protocol_crosses_and_a_protocol_filter_keeps_to_its_own() {
    let (switch, ends) = switch(LinkMatrix::full_mesh(3), 3);
    let (b, vrrp_group) = (subnet().addr(1), Ipv4Addr::new(224, 0, 0, 18));
    let no_udp = Flow { proto: Some(Proto::Udp), ..Flow::any() };
    switch.add_rule(Rule::drop("no-udp", no_udp, 1.0, None)).expect("a fresh id");
    ends[0].send(&packet(0, b, 47, b"gre")).expect("send");
    ends[0].send(&packet(0, vrrp_group, VRRP, b"advert")).expect("send");
    ends[0].send(&packet(0, b, 17, b"udp")).expect("send");
    ends[0].send(&packet(0, b, VRRP, b"unicast")).expect("send");
    assert_eq!(received(&ends[1], 3), ["gre", "advert", "unicast"], "only the udp datagram was dropped");
    assert_eq!(received(&ends[2], 1), ["advert"]);
    assert_eq!(switch.drops().faults, 1);
    switch.remove_all();

    let to_c = Flow { to: Some([2].into_iter().collect()), ..Flow::any() };
    switch.add_rule(Rule::drop("to-c", to_c, 1.0, None)).expect("a fresh id");
    ends[0].send(&packet(0, vrrp_group, VRRP, b"advert")).expect("send");
    ends[0].send(&packet(0, b, 17, b"marker")).expect("send");
    assert_eq!(received(&ends[1], 2), ["advert", "marker"]);
    assert!(nothing_for(&ends[2]), "a rule with no protocol drops VRRP too");
    assert_eq!(switch.drops().faults, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn strangers_and_spoofers_are_counted_not_copied() {
    let (switch, ends) = switch(LinkMatrix::full_mesh(2), 2);
    let mut spoofed = packet(1, Ipv4Addr::BROADCAST, 17, b"spoofed");
    ends[0].send(&spoofed).expect("send");
    spoofed[12..16].copy_from_slice(&[192, 168, 0, 1]);
    ends[0].send(&spoofed).expect("send");
    ends[0].send(&packet(0, Ipv4Addr::new(10, 78, 255, 255), 17, b"elsewhere")).expect("send");
    ends[0].send(&packet(0, subnet().addr(1), 17, b"marker")).expect("send");
    assert_eq!(received(&ends[1], 1), ["marker"]);
    let drops = switch.drops();
    assert_eq!((drops.spoofed, drops.unknown), (1, 2));
}
