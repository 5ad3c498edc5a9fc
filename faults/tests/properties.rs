//! Properties of the fault vocabulary, checked on generated inputs.

use std::net::Ipv4Addr;
use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use quiesce_faults::{
    grudge, parse_ipv4, Action, Engine, Flow, Matcher, NodeIx, NodeSet, PacketMeta, ParseError,
    Proto, Rule, TcpFlags, Verdict,
};
use rand::rngs::SmallRng;
use rand::SeedableRng;

const NODES: NodeIx = 8;

fn node() -> impl Strategy<Value = NodeIx> {
    0..NODES
}

fn node_set() -> impl Strategy<Value = NodeSet> {
    vec(node(), 0..4).prop_map(NodeSet::from_iter)
}

fn proto() -> impl Strategy<Value = Proto> {
    prop_oneof![Just(Proto::Tcp), Just(Proto::Udp), Just(Proto::Icmp)]
}

fn flow() -> impl Strategy<Value = Flow> {
    let port = proptest::option::of(1..4u16);
    let sets = (
        proptest::option::of(node_set()),
        proptest::option::of(node_set()),
    );
    (sets, proptest::option::of(proto()), port).prop_map(|((from, to), proto, port)| Flow {
        from,
        to,
        proto,
        port,
    })
}

fn groups() -> impl Strategy<Value = Vec<Vec<NodeIx>>> {
    vec(vec(node(), 0..5), 0..5)
}

fn matcher() -> impl Strategy<Value = Matcher> {
    prop_oneof![
        flow().prop_map(Matcher::Flow),
        groups().prop_map(|g| Matcher::Grudge(grudge(&g)))
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let drop = (0.0..=1.0f64, proptest::option::of(0..5u64))
        .prop_map(|(probability, count)| Action::Drop { probability, count });
    let delay = (0..100u64, 0..100u64).prop_map(|(f, j)| Action::Delay {
        fixed: Duration::from_millis(f),
        jitter: Duration::from_millis(j),
    });
    prop_oneof![drop, Just(Action::Hold), delay]
}

fn rules() -> impl Strategy<Value = Vec<Rule>> {
    vec((matcher(), action()), 0..6).prop_map(|parts| {
        let numbered = parts.into_iter().enumerate();
        numbered
            .map(|(i, (m, a))| Rule::new(format!("rule-{i}"), m, a))
            .collect()
    })
}

fn packet() -> impl Strategy<Value = PacketMeta> {
    let ports = proptest::option::of((1..4u16, 1..4u16));
    let proto = prop_oneof![Just(1u8), Just(6), Just(17), Just(47)];
    (node(), node(), proto, ports, any::<u8>()).prop_map(|(from, to, proto, ports, flags)| {
        PacketMeta {
            from,
            to,
            proto,
            src_port: ports.map(|p| p.0),
            dst_port: ports.map(|p| p.1),
            tcp_flags: TcpFlags::from_bits(flags),
        }
    })
}

fn drops(verdicts: &[Verdict]) -> usize {
    verdicts
        .iter()
        .filter(|v| matches!(v, Verdict::Drop { .. }))
        .count()
}

proptest! {
    #[test]
    fn after_a_heal_everything_passes(
        rules in rules(),
        before in vec(packet(), 0..20),
        after in vec(packet(), 1..50),
        seed in any::<u64>(),
    ) {
        let mut engine = Engine::new();
        let mut rng = SmallRng::seed_from_u64(seed);
        for rule in rules {
            engine.add(rule).expect("generated ids are distinct");
        }
        for meta in &before {
            engine.verdict(meta, &mut rng);
        }
        engine.remove_all();
        prop_assert!(engine.is_empty());
        for meta in &after {
            prop_assert_eq!(engine.verdict(meta, &mut rng), Verdict::Pass);
        }
    }

    #[test]
    fn a_grudge_blocks_exactly_the_pairs_no_group_holds(groups in groups()) {
        let g = grudge(&groups);
        let grouped = |n: NodeIx| groups.iter().any(|group| group.contains(&n));
        let together = |a, b| groups.iter().any(|gr| gr.contains(&a) && gr.contains(&b));
        for a in 0..NODES + 2 {
            for b in 0..NODES + 2 {
                let expected = grouped(a) && grouped(b) && !together(a, b);
                prop_assert_eq!(g.blocks(a, b), expected, "{} -> {}", a, b);
            }
        }
    }

    #[test]
    fn disjoint_groups_split_cleanly(sizes in vec(1..4u16, 1..5)) {
        let mut next = 0;
        let groups: Vec<Vec<NodeIx>> = sizes
            .iter()
            .map(|&n| { let g = (next..next + n).collect(); next += n; g })
            .collect();
        let g = grudge(&groups);
        for (i, gi) in groups.iter().enumerate() {
            for (j, gj) in groups.iter().enumerate() {
                for (&a, &b) in gi.iter().flat_map(|a| gj.iter().map(move |b| (a, b))) {
                    prop_assert_eq!(g.blocks(a, b), i != j, "{} -> {}", a, b);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_drop_rate_is_close_to_its_probability(p in 0.0..=1.0f64, seed in any::<u64>()) {
        let mut engine = Engine::new();
        engine.add(Rule::drop("lossy", Flow::any(), p, None)).expect("fresh id");
        let mut rng = SmallRng::seed_from_u64(seed);
        let meta = PacketMeta {
            from: 0, to: 1, proto: 17, src_port: None, dst_port: None,
            tcp_flags: TcpFlags::empty(),
        };
        let verdicts: Vec<_> = (0..10_000).map(|_| engine.verdict(&meta, &mut rng)).collect();
        let rate = drops(&verdicts) as f64 / 10_000.0;
        prop_assert!((rate - p).abs() <= 0.03, "rate {} for p {}", rate, p);
    }
}

proptest! {
    #[test]
    fn a_count_drop_drops_exactly_its_count(
        count in 0..30u64,
        packets in vec(packet(), 0..60),
    ) {
        let flow = Flow { from: Some(NodeSet::from_iter([0, 1, 2])), ..Flow::any() };
        let matching = packets.iter().filter(|m| flow.matches(m)).count() as u64;
        let mut engine = Engine::new();
        engine.add(Rule::drop("some", flow, 1.0, Some(count))).expect("fresh id");
        let mut rng = SmallRng::seed_from_u64(0);
        let verdicts: Vec<_> = packets.iter().map(|m| engine.verdict(m, &mut rng)).collect();
        prop_assert_eq!(drops(&verdicts) as u64, count.min(matching));
        let stats = engine.stats("some").expect("in place");
        prop_assert_eq!((stats.matched, stats.dropped), (matching, count.min(matching)));
    }

    #[test]
    fn a_lossy_count_drop_counts_only_what_it_dropped(
        count in 0..30u64,
        p in 0.0..=1.0f64,
        n in 0..200usize,
        seed in any::<u64>(),
    ) {
        let mut engine = Engine::new();
        engine.add(Rule::drop("some", Flow::any(), p, Some(count))).expect("fresh id");
        let mut rng = SmallRng::seed_from_u64(seed);
        let meta = PacketMeta {
            from: 3, to: 4, proto: 6, src_port: Some(1), dst_port: Some(2),
            tcp_flags: TcpFlags::ACK,
        };
        let verdicts: Vec<_> = (0..n).map(|_| engine.verdict(&meta, &mut rng)).collect();
        let dropped = drops(&verdicts) as u64;
        prop_assert!(dropped <= count.min(n as u64));
        prop_assert_eq!(engine.stats("some").expect("in place").dropped, dropped);
    }
}

/// Node `n` lives at 10.77.0.0 + n + 1.
fn node_of(addr: Ipv4Addr) -> Option<NodeIx> {
    match addr.octets() {
        [10, 77, hi, lo] => u16::from_be_bytes([hi, lo]).checked_sub(1),
        _ => None,
    }
}

fn addr_of(node: NodeIx) -> [u8; 4] {
    let [hi, lo] = (node + 1).to_be_bytes();
    [10, 77, hi, lo]
}

/// A TCP or UDP packet built by hand: `options` words of IP options and
/// `payload` bytes after the transport header.
fn build(meta: &PacketMeta, fragment: u16, options: usize, payload: usize) -> Vec<u8> {
    let mut transport = vec![0u8; if meta.proto == 6 { 20 } else { 8 }];
    transport[0..2].copy_from_slice(&meta.src_port.unwrap_or(0).to_be_bytes());
    transport[2..4].copy_from_slice(&meta.dst_port.unwrap_or(0).to_be_bytes());
    if meta.proto == 6 {
        transport[12] = 5 << 4;
        transport[13] = meta.tcp_flags.bits();
    }
    let header_len = 20 + 4 * options;
    let total = header_len + transport.len() + payload;
    let mut p = vec![0u8; header_len];
    p[0] = 0x40 | u8::try_from(header_len / 4).expect("options fit in IHL");
    p[2..4].copy_from_slice(&u16::try_from(total).expect("small packet").to_be_bytes());
    p[6..8].copy_from_slice(&fragment.to_be_bytes());
    p[8] = 64;
    p[9] = meta.proto;
    p[12..16].copy_from_slice(&addr_of(meta.from));
    p[16..20].copy_from_slice(&addr_of(meta.to));
    p.extend_from_slice(&transport);
    p.resize(total, 0xab);
    p
}

fn built_meta() -> impl Strategy<Value = PacketMeta> {
    let proto = prop_oneof![Just(6u8), Just(17)];
    (
        0..2000u16,
        0..2000u16,
        proto,
        any::<u16>(),
        any::<u16>(),
        any::<u8>(),
    )
        .prop_map(|(from, to, proto, src, dst, flags)| PacketMeta {
            from,
            to,
            proto,
            src_port: Some(src),
            dst_port: Some(dst),
            tcp_flags: TcpFlags::from_bits(if proto == 6 { flags } else { 0 }),
        })
}

proptest! {
    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in vec(any::<u8>(), 0..80), v4 in any::<bool>()) {
        let mut bytes = bytes;
        if let (true, Some(first)) = (v4, bytes.first_mut()) {
            *first = 0x40 | (*first & 0x0f);
        }
        let _ = parse_ipv4(&bytes, node_of);
    }

    #[test]
    fn built_packets_round_trip(meta in built_meta(), options in 0..11usize, payload in 0..64usize) {
        let packet = build(&meta, 0, options, payload);
        prop_assert_eq!(parse_ipv4(&packet, node_of), Ok(meta));
    }

    #[test]
    fn later_fragments_have_no_ports(meta in built_meta(), offset in 1..0x2000u16, mf in any::<bool>()) {
        let flags = if mf { 0x2000 } else { 0 };
        let packet = build(&meta, flags | offset, 0, 8);
        let expected = PacketMeta {
            src_port: None, dst_port: None, tcp_flags: TcpFlags::empty(), ..meta
        };
        prop_assert_eq!(parse_ipv4(&packet, node_of), Ok(expected));
    }

    #[test]
    fn cut_packets_are_truncated(meta in built_meta(), options in 0..11usize, cut in 0.0..1.0f64) {
        let packet = build(&meta, 0, options, 16);
        let len = (packet.len() as f64 * cut) as usize;
        prop_assert_eq!(parse_ipv4(&packet[..len], node_of), Err(ParseError::Truncated));
    }
}
