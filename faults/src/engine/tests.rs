//! Unit tests of the engine's walk, counters and bookkeeping.

use std::time::Duration;

use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::*;
use crate::{grudge, Flow, NodeSet, Proto, TcpFlags};

fn rng() -> SmallRng {
    SmallRng::seed_from_u64(7)
}

fn meta(from: u16, to: u16) -> PacketMeta {
    PacketMeta {
        from,
        to,
        proto: Proto::Tcp.number(),
        src_port: Some(40000),
        dst_port: Some(6783),
        tcp_flags: TcpFlags::SYN,
    }
}

/// The verdict for a 100-byte packet from `from` to `to`, at time zero.
fn pass_through(engine: &mut Engine, from: u16, to: u16) -> Verdict {
    engine.verdict(&meta(from, to), 100, Duration::ZERO, &mut rng())
}

fn from(node: u16) -> Flow {
    Flow { from: Some(NodeSet::from_iter([node])), ..Flow::any() }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn no_rules_pass_everything() {
    let mut engine = Engine::new();
    assert!(engine.is_empty());
    assert_eq!(pass_through(&mut engine, 0, 1), Verdict::PASS);
}

#[test]
fn the_first_stopping_rule_wins() {
    let mut engine = Engine::new();
    let hold = engine.add(Rule::stall("stall", from(0))).expect("fresh id");
    let drop = engine.add(Rule::drop("drop", Flow::any(), 1.0, None)).expect("fresh id");
    assert_eq!(pass_through(&mut engine, 0, 1), Verdict::Hold { rule: hold });
    assert_eq!(pass_through(&mut engine, 1, 0), Verdict::Drop { rule: drop });
    let stall = engine.stats("stall").expect("in place");
    assert_eq!((stall.matched, stall.held), (1, 1));
    let dropper = engine.stats("drop").expect("in place");
    assert_eq!((dropper.matched, dropper.dropped), (1, 1));
}

#[test]
fn delays_add_up_and_the_walk_goes_on() {
    let mut engine = Engine::new();
    engine.add(Rule::delay("a", Flow::any(), ms(10), Duration::ZERO)).expect("fresh id");
    engine.add(Rule::delay("b", from(0), ms(5), ms(2))).expect("fresh id");
    for _ in 0..100 {
        let Verdict::Deliver { delay: d, copies: 1 } = pass_through(&mut engine, 0, 1) else {
            panic!("expected a delay");
        };
        assert!(d >= ms(15) && d <= ms(17), "{d:?}");
    }
    assert_eq!(pass_through(&mut engine, 1, 0), Verdict::delayed(ms(10)));
    engine.add(Rule::partition("split", grudge(&[vec![0], vec![1]]))).expect("fresh id");
    assert!(matches!(pass_through(&mut engine, 0, 1), Verdict::Drop { .. }));
}

#[test]
fn a_zero_delay_is_a_pass() {
    let mut engine = Engine::new();
    engine.add(Rule::delay("none", Flow::any(), Duration::ZERO, Duration::ZERO)).expect("fresh");
    assert_eq!(pass_through(&mut engine, 0, 1), Verdict::PASS);
}

#[test]
fn a_count_drop_goes_inert_when_spent() {
    let mut engine = Engine::new();
    engine.add(Rule::drop("three", Flow::any(), 1.0, Some(3))).expect("fresh id");
    let verdicts: Vec<_> = (0..5).map(|_| pass_through(&mut engine, 0, 1)).collect();
    let dropped = verdicts.iter().filter(|v| matches!(v, Verdict::Drop { .. })).count();
    assert_eq!(dropped, 3);
    assert_eq!(verdicts[3..], [Verdict::PASS, Verdict::PASS]);
    let stats = engine.stats("three").expect("in place");
    assert_eq!((stats.matched, stats.dropped), (5, 3));
}

#[test]
fn impossible_probabilities_never_drop() {
    let mut engine = Engine::new();
    engine.add(Rule::drop("zero", Flow::any(), 0.0, None)).expect("fresh id");
    engine.add(Rule::drop("nan", Flow::any(), f64::NAN, None)).expect("fresh id");
    engine.add(Rule::drop("negative", Flow::any(), -1.0, None)).expect("fresh id");
    for _ in 0..100 {
        assert_eq!(pass_through(&mut engine, 0, 1), Verdict::PASS);
    }
}

#[test]
fn ids_are_unique() {
    let mut engine = Engine::new();
    engine.add(Rule::stall("x", Flow::any())).expect("fresh id");
    let again = engine.add(Rule::stall("x", from(1)));
    assert_eq!(again, Err(DuplicateId("x".into())));
    assert_eq!(engine.len(), 1);
}

#[test]
fn removal_keeps_order_and_keys_are_never_reused() {
    let mut engine = Engine::new();
    let a = engine.add(Rule::stall("a", Flow::any())).expect("fresh id");
    engine.add(Rule::stall("b", Flow::any())).expect("fresh id");
    engine.add(Rule::stall("c", Flow::any())).expect("fresh id");
    assert_eq!(engine.remove("b").map(|r| r.id), Some("b".into()));
    assert_eq!(engine.remove("b"), None);
    assert_eq!(engine.ids().collect::<Vec<_>>(), ["a", "c"]);
    assert_eq!(engine.remove("a").map(|r| r.id), Some("a".into()));
    let a2 = engine.add(Rule::stall("a", Flow::any())).expect("id free again");
    assert_ne!(a, a2);
    assert_eq!(engine.id_of(a), None);
    assert_eq!(engine.id_of(a2), Some("a"));
    assert_eq!(engine.key("a"), Some(a2));
    assert_eq!(engine.ids().collect::<Vec<_>>(), ["c", "a"]);
}

#[test]
fn remove_all_heals() {
    let mut engine = Engine::new();
    engine.add(Rule::partition("p", grudge(&[vec![0], vec![1]]))).expect("fresh id");
    engine.add(Rule::stall("s", Flow::any())).expect("fresh id");
    let removed: Vec<_> = engine.remove_all().into_iter().map(|r| r.id).collect();
    assert_eq!(removed, ["p", "s"]);
    assert!(engine.is_empty());
    assert_eq!(engine.stats("p"), None);
    assert_eq!(pass_through(&mut engine, 0, 1), Verdict::PASS);
}

#[test]
fn each_copy_of_a_multicast_packet_is_judged_for_its_receiver() {
    const VRRP: u8 = 112;
    let mut e = Engine::new();
    let split = e.add(Rule::partition("split", grudge(&[vec![0, 1, 2], vec![3]]))).expect("fresh id");
    e.add(Rule::drop("no-udp", Flow { proto: Some(Proto::Udp), ..Flow::any() }, 1.0, None)).expect("fresh id");
    let advert = crate::PacketHeaders {
        src: std::net::Ipv4Addr::new(10, 77, 0, 1),
        dst: std::net::Ipv4Addr::new(224, 0, 0, 18),
        proto: VRRP,
        src_port: None,
        dst_port: None,
        tcp_flags: TcpFlags::empty(),
    };
    let verdicts: Vec<Verdict> =
        (1..4).map(|to| e.verdict(&advert.meta(0, to), 40, Duration::ZERO, &mut rng())).collect();
    assert_eq!(verdicts, [Verdict::PASS, Verdict::PASS, Verdict::Drop { rule: split }]);
    assert_eq!(e.stats("no-udp").map(|s| s.matched), Some(0), "a udp flow never matches VRRP");
}
