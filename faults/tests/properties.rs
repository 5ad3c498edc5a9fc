//! Properties of the fault vocabulary, checked on generated inputs.
//!
//! This file holds the engine's and the grudges' properties; the modules
//! below hold those of the newer actions, packets, resets and targets.

#[path = "properties/actions.rs"]
mod actions;
#[path = "properties/packets.rs"]
mod packets;
#[path = "properties/reset.rs"]
mod reset;
#[path = "properties/targets.rs"]
mod targets;

use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use quiesce_faults::{
    grudge, Action, Engine, Flow, Matcher, NodeIx, NodeSet, PacketMeta, Proto, Rule, TcpFlags, Verdict,
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
    let sets = (proptest::option::of(node_set()), proptest::option::of(node_set()));
    (sets, proptest::option::of(proto()), port).prop_map(|((from, to), proto, port)| Flow { from, to, proto, port })
}

fn groups() -> impl Strategy<Value = Vec<Vec<NodeIx>>> {
    vec(vec(node(), 0..5), 0..5)
}

fn matcher() -> impl Strategy<Value = Matcher> {
    prop_oneof![flow().prop_map(Matcher::Flow), groups().prop_map(|g| Matcher::Grudge(grudge(&g)))]
}

fn action() -> impl Strategy<Value = Action> {
    let drop = (0.0..=1.0f64, proptest::option::of(0..5u64))
        .prop_map(|(probability, count)| Action::Drop { probability, count });
    let delay = (0..100u64, 0..100u64)
        .prop_map(|(f, j)| Action::Delay { fixed: Duration::from_millis(f), jitter: Duration::from_millis(j) });
    let duplicate = (0.0..=1.0f64).prop_map(|probability| Action::Duplicate { probability });
    let reorder = (0.0..=1.0f64, 0..100u64)
        .prop_map(|(probability, gap)| Action::Reorder { probability, gap: Duration::from_millis(gap) });
    let rate = (0..100_000u64, 1..20_000u64)
        .prop_map(|(bits_per_second, ms)| Action::Rate { bits_per_second, queue: Duration::from_millis(ms) });
    prop_oneof![drop, Just(Action::Hold), delay, duplicate, reorder, rate, Just(Action::Reject)]
}

fn rules() -> impl Strategy<Value = Vec<Rule>> {
    vec((matcher(), action()), 0..6).prop_map(|parts| {
        let numbered = parts.into_iter().enumerate();
        numbered.map(|(i, (m, a))| Rule::new(format!("rule-{i}"), m, a)).collect()
    })
}

fn packet() -> impl Strategy<Value = PacketMeta> {
    let ports = proptest::option::of((1..4u16, 1..4u16));
    let proto = prop_oneof![Just(1u8), Just(6), Just(17), Just(47)];
    (node(), node(), proto, ports, any::<u8>()).prop_map(|(from, to, proto, ports, flags)| PacketMeta {
        from,
        to,
        proto,
        src_port: ports.map(|p| p.0),
        dst_port: ports.map(|p| p.1),
        tcp_flags: TcpFlags::from_bits(flags),
    })
}

/// The verdict for a 100-byte packet at time zero.
fn now(engine: &mut Engine, meta: &PacketMeta, rng: &mut SmallRng) -> Verdict {
    engine.verdict(meta, 100, Duration::ZERO, rng)
}

fn drops(verdicts: &[Verdict]) -> usize {
    verdicts.iter().filter(|v| matches!(v, Verdict::Drop { .. })).count()
}

proptest! {
    #[test]
    fn after_a_heal_everything_passes(
        rules in rules(),
        before in vec((packet(), 20..1500usize), 0..20),
        after in vec((packet(), 20..1500usize), 1..50),
        seed in any::<u64>(),
    ) {
        let mut engine = Engine::new();
        let mut rng = SmallRng::seed_from_u64(seed);
        for rule in rules {
            engine.add(rule).expect("generated ids are distinct");
        }
        let mut now = Duration::ZERO;
        for (meta, len) in &before {
            now += Duration::from_micros(50);
            engine.verdict(meta, *len, now, &mut rng);
        }
        engine.remove_all();
        prop_assert!(engine.is_empty());
        for (meta, len) in &after {
            prop_assert_eq!(engine.verdict(meta, *len, now, &mut rng), Verdict::PASS);
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
        let verdicts: Vec<_> = (0..10_000).map(|_| now(&mut engine, &meta, &mut rng)).collect();
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
        let verdicts: Vec<_> = packets.iter().map(|m| now(&mut engine, m, &mut rng)).collect();
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
        let verdicts: Vec<_> = (0..n).map(|_| now(&mut engine, &meta, &mut rng)).collect();
        let dropped = drops(&verdicts) as u64;
        prop_assert!(dropped <= count.min(n as u64));
        prop_assert_eq!(engine.stats("some").expect("in place").dropped, dropped);
    }
}
