//! The workers and the order of a flow's packets, on datagram socket pairs
//! (no namespace, no root): several nodes send numbered UDP packets in
//! several flows at once, through a switch with more than one worker, and
//! every receiver checks each flow's numbers.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use quiesce_faults::{Flow, Rule};

use super::Switch;
use crate::net::capture::Capture;
use crate::net::links::LinkMatrix;
use crate::net::port::Port;
use crate::net::subnet::Subnet;

const NODES: usize = 6;
const WORKERS: usize = 3;
/// Packets per flow, for most tests. Each receiver gets four flows: 120
/// packets, which its socket pair holds even if it were not read while
/// they come.
const PER_FLOW: u32 = 30;
/// How long a receiver waits for one more packet before it stops.
const QUIET: Duration = Duration::from_secs(1);

fn subnet() -> Subnet {
    Subnet::new(Ipv4Addr::new(10, 77, 0, 0), 16)
}

/// A flow: sender, receiver and the sender's UDP port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FlowId {
    from: usize,
    to: usize,
    port: u16,
}

/// Each node sends two flows to each of the next two nodes.
fn flows() -> Vec<FlowId> {
    let mut flows = Vec::new();
    for from in 0..NODES {
        for to in [(from + 1) % NODES, (from + 2) % NODES] {
            flows.extend([5000, 5001].map(|port| FlowId { from, to, port }));
        }
    }
    flows
}

/// A switch with [`WORKERS`] workers over a full mesh, and the node ends.
fn switch() -> (Switch, Vec<UnixDatagram>) {
    switch_capturing(None)
}

/// As [`switch`], with a capture.
fn switch_capturing(capture: Option<Capture>) -> (Switch, Vec<UnixDatagram>) {
    let (mut ports, mut ends) = (Vec::new(), Vec::new());
    for _ in 0..NODES {
        let (switch_end, node_end) = UnixDatagram::pair().expect("a socket pair");
        switch_end.set_nonblocking(true).expect("non-blocking");
        node_end.set_read_timeout(Some(QUIET)).expect("a read timeout");
        ports.push(Port::plain(switch_end.into()));
        ends.push(node_end);
    }
    let links = LinkMatrix::full_mesh(NODES);
    let (switch, _events) =
        Switch::try_start_with_workers(ports, subnet(), links, 1, capture, WORKERS).expect("switch workers");
    assert_eq!(switch.workers(), WORKERS);
    (switch, ends)
}

/// A UDP packet of `flow` carrying `seq`.
fn packet(flow: FlowId, seq: u32) -> Vec<u8> {
    let mut p = vec![0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0];
    p.extend_from_slice(&subnet().addr(flow.from).octets());
    p.extend_from_slice(&subnet().addr(flow.to).octets());
    p.extend_from_slice(&flow.port.to_be_bytes());
    p.extend_from_slice(&[0x1a, 0x7f, 0, 12, 0, 0]);
    p.extend_from_slice(&seq.to_be_bytes());
    p
}

/// Sends every flow's packets, each node from a thread of its own, its
/// flows interleaved; returns each flow's numbers in the order the
/// receivers got them, once every receiver has been quiet for [`QUIET`].
fn send_and_receive(ends: &[UnixDatagram], flows: &[FlowId], per_flow: u32) -> HashMap<FlowId, Vec<u32>> {
    std::thread::scope(|scope| {
        let receivers: Vec<_> = (0..NODES).map(|node| scope.spawn(move || receive(&ends[node], node))).collect();
        for (node, end) in ends.iter().enumerate() {
            let mine: Vec<FlowId> = flows.iter().copied().filter(|f| f.from == node).collect();
            scope.spawn(move || {
                for seq in 0..per_flow {
                    for &flow in &mine {
                        end.send(&packet(flow, seq)).expect("send");
                    }
                }
            });
        }
        let mut got = HashMap::new();
        for receiver in receivers {
            for (flow, seq) in receiver.join().expect("a receiver") {
                got.entry(flow).or_insert_with(Vec::new).push(seq);
            }
        }
        got
    })
}

/// What `node` receives until it has been quiet for the read timeout.
fn receive(end: &UnixDatagram, node: usize) -> Vec<(FlowId, u32)> {
    let mut buf = [0u8; 2048];
    let mut got = Vec::new();
    while let Ok(len) = end.recv(&mut buf) {
        let p = &buf[..len];
        let src = Ipv4Addr::new(p[12], p[13], p[14], p[15]);
        let from = subnet().index_of(src, NODES).expect("a node's address");
        let port = u16::from_be_bytes([p[20], p[21]]);
        let seq = u32::from_be_bytes([p[28], p[29], p[30], p[31]]);
        got.push((FlowId { from, to: node, port }, seq));
    }
    got
}

fn in_order(seqs: &[u32]) -> bool {
    disorder(seqs).is_none()
}

/// The first place where a number does not exceed the one before it.
fn disorder(seqs: &[u32]) -> Option<String> {
    let at = seqs.windows(2).position(|w| w[0] >= w[1])?;
    Some(format!("{} came after {} (at {at} of {})", seqs[at + 1], seqs[at], seqs.len()))
}

/// Every packet sent was either received or counted as a refused write.
fn all_accounted(switch: &Switch, got: &HashMap<FlowId, Vec<u32>>, sent: usize) {
    let received: usize = got.values().map(Vec::len).sum();
    let refused = switch.drops().write_errors as usize;
    assert_eq!(received + refused, sent, "{refused} writes refused");
}

#[test]
fn the_workers_keep_every_flow_in_order() {
    let (switch, ends) = switch();
    let flows = flows();
    // Enough that two workers reading one port would mix its packets up.
    let per_flow = 500;
    let got = send_and_receive(&ends, &flows, per_flow);
    all_accounted(&switch, &got, flows.len() * per_flow as usize);
    for flow in &flows {
        let seqs = got.get(flow).map_or(&[][..], Vec::as_slice);
        assert!(!seqs.is_empty(), "{flow:?} got nothing");
        assert_eq!(disorder(seqs), None, "{flow:?} arrived out of order");
    }
    assert_eq!(switch.drops().faults, 0);
}

#[test]
fn a_reorder_fault_reorders_its_flow_and_only_it() {
    let (switch, ends) = switch();
    let flows = flows();
    let target = flows[3];
    let flow = Flow {
        from: Some([target.from as u16].into_iter().collect()),
        to: Some([target.to as u16].into_iter().collect()),
        port: Some(target.port),
        ..Flow::any()
    };
    switch.add_rule(Rule::reorder("shuffle", flow, 0.5, Duration::from_millis(50))).expect("a fresh id");
    let got = send_and_receive(&ends, &flows, PER_FLOW);
    all_accounted(&switch, &got, flows.len() * PER_FLOW as usize);
    for flow in &flows {
        let seqs = got.get(flow).map_or(&[][..], Vec::as_slice);
        match *flow == target {
            true => {
                assert!(!in_order(seqs), "the reorder rule reordered nothing: {seqs:?}");
                let mut sorted = seqs.to_vec();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(sorted.len(), seqs.len(), "no packet came twice");
            }
            false => assert_eq!(disorder(seqs), None, "{flow:?}, not the rule's, arrived out of order"),
        }
    }
}

#[test]
fn a_fixed_delay_keeps_its_flow_in_order() {
    let (switch, ends) = switch();
    let flows = flows();
    let delay = Duration::from_millis(30);
    switch.add_rule(Rule::delay("slow", Flow::any(), delay, Duration::ZERO)).expect("a fresh id");
    let started = Instant::now();
    let got = send_and_receive(&ends, &flows, PER_FLOW);
    assert!(started.elapsed() >= delay);
    all_accounted(&switch, &got, flows.len() * PER_FLOW as usize);
    for flow in &flows {
        let seqs = got.get(flow).map_or(&[][..], Vec::as_slice);
        assert_eq!(disorder(seqs), None, "{flow:?} arrived out of order");
    }
}

#[test]
fn the_capture_records_every_delivered_packet_each_flow_in_order() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("capture.pcap");
    let (capture, writer) = Capture::create(&path).expect("a capture");
    let (switch, ends) = switch_capturing(Some(capture));
    let flows = flows();
    let got = send_and_receive(&ends, &flows, PER_FLOW);
    // A refused write was captured too: the switch sent it.
    let written = got.values().map(Vec::len).sum::<usize>() as u64 + switch.drops().write_errors;
    drop(switch);
    assert_eq!(writer.finish().expect("the capture is written"), written);
    let file = std::fs::File::open(&path).expect("the capture file");
    let mut reader = pcap_file::pcap::PcapReader::new(file).expect("a pcap file");
    let mut captured: HashMap<FlowId, Vec<u32>> = HashMap::new();
    while let Some(packet) = reader.next_packet() {
        let p = packet.expect("a captured packet").data;
        let node = |at: usize| subnet().index_of(Ipv4Addr::new(p[at], p[at + 1], p[at + 2], p[at + 3]), NODES);
        let flow = FlowId {
            from: node(12).expect("a sender"),
            to: node(16).expect("a receiver"),
            port: u16::from_be_bytes([p[20], p[21]]),
        };
        captured.entry(flow).or_default().push(u32::from_be_bytes([p[28], p[29], p[30], p[31]]));
    }
    for flow in &flows {
        let seqs = captured.get(flow).map_or(&[][..], Vec::as_slice);
        assert_eq!(disorder(seqs), None, "{flow:?} was captured out of order");
    }
}

#[test]
fn a_drop_count_holds_for_the_whole_switch_not_per_worker() {
    let (switch, ends) = switch();
    let flows = flows();
    switch.add_rule(Rule::drop("two", Flow::any(), 1.0, Some(2))).expect("a fresh id");
    let got = send_and_receive(&ends, &flows, PER_FLOW);
    let received: usize = got.values().map(Vec::len).sum();
    let refused = switch.drops().write_errors as usize;
    assert_eq!(switch.drops().faults, 2, "the rule's count is the rule's, whatever worker judged");
    assert_eq!(received + refused + 2, flows.len() * PER_FLOW as usize);
}

#[test]
fn a_released_stall_delivers_before_what_comes_after() {
    let (switch, ends) = switch();
    let flow = FlowId { from: 1, to: 4, port: 5000 };
    let stall = Flow { to: Some([4].into_iter().collect()), ..Flow::any() };
    switch.add_rule(Rule::stall("stuck", stall)).expect("a fresh id");
    for seq in 0..10 {
        ends[1].send(&packet(flow, seq)).expect("send");
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while switch.held("stuck") < 10 {
        assert!(Instant::now() < deadline, "only {} held", switch.held("stuck"));
        std::thread::sleep(Duration::from_millis(1));
    }
    let got = std::thread::scope(|scope| {
        let receiver = scope.spawn(|| receive(&ends[4], 4));
        let sender = scope.spawn(|| {
            for seq in 10..PER_FLOW {
                ends[1].send(&packet(flow, seq)).expect("send");
            }
        });
        assert!(switch.remove_rule("stuck"));
        sender.join().expect("the sender");
        receiver.join().expect("the receiver")
    });
    let seqs: Vec<u32> = got.into_iter().map(|(_, seq)| seq).collect();
    assert_eq!(seqs, (0..PER_FLOW).collect::<Vec<_>>(), "released in order, and ahead of the rest");
}

#[test]
fn the_workers_do_not_grow_with_the_ports() {
    let many = |n: usize| {
        let (ports, ends): (Vec<_>, Vec<_>) = (0..n)
            .map(|_| {
                let (switch_end, node_end) = UnixDatagram::pair().expect("a socket pair");
                switch_end.set_nonblocking(true).expect("non-blocking");
                (Port::plain(switch_end.into()), node_end)
            })
            .unzip();
        let (switch, _events) =
            Switch::try_start(ports, subnet(), LinkMatrix::full_mesh(n), 1, None).expect("switch workers");
        (switch.workers(), ends.len())
    };
    let (few, _) = many(3);
    let (lots, _) = many(300);
    assert!(few <= 3, "no more workers than ports");
    assert!((1..=super::workers::MAX_WORKERS).contains(&lots), "{lots} workers for 300 ports");
    assert_eq!(lots, super::workers::default_count(300));
}
