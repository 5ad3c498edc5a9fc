//! Unit tests of the duplicate, reorder, rate and reject actions on the
//! engine's walk, and of how they combine with the others.

use std::time::Duration;

use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::*;
use crate::{Flow, NodeSet, Proto, TcpFlags, RATE_BACKLOG};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn packet(proto: Proto, flags: TcpFlags) -> PacketMeta {
    PacketMeta { from: 0, to: 1, proto: proto.number(), src_port: Some(1), dst_port: Some(2), tcp_flags: flags }
}

fn tcp() -> PacketMeta {
    packet(Proto::Tcp, TcpFlags::SYN)
}

/// The verdict for a `len`-byte TCP SYN from node 0 to 1, at `now`.
fn at(engine: &mut Engine, len: usize, now: Duration) -> Verdict {
    engine.verdict(&tcp(), len, now, &mut SmallRng::seed_from_u64(3))
}

fn engine(rules: impl IntoIterator<Item = Rule>) -> Engine {
    let mut engine = Engine::new();
    for rule in rules {
        engine.add(rule).expect("fresh id");
    }
    engine
}

fn deliver(delay: Duration, copies: u8) -> Verdict {
    Verdict::Deliver { delay, copies }
}

#[test]
fn a_duplicate_makes_two_copies_that_share_the_delay() {
    let mut e = engine([
        Rule::duplicate("dup", Flow::any(), 1.0),
        Rule::delay("slow", Flow::any(), ms(5), Duration::ZERO),
        Rule::duplicate("again", Flow::any(), 1.0),
    ]);
    assert_eq!(at(&mut e, 60, ms(0)), deliver(ms(5), 2));
    assert_eq!(e.stats("dup").map(|s| s.duplicated), Some(1));
    assert_eq!(e.stats("again").map(|s| s.duplicated), Some(1));
}

#[test]
fn a_duplicate_that_misses_changes_nothing() {
    let mut e = engine([Rule::duplicate("dup", Flow::any(), 0.0)]);
    assert_eq!(at(&mut e, 60, ms(0)), Verdict::PASS);
    assert_eq!(e.stats("dup").map(|s| (s.matched, s.duplicated)), Some((1, 0)));
}

#[test]
fn a_hold_takes_a_duplicated_packet_whole() {
    let mut e = engine([Rule::duplicate("dup", Flow::any(), 1.0), Rule::stall("stall", Flow::any())]);
    let hold = e.key("stall").expect("in place");
    assert_eq!(at(&mut e, 60, ms(0)), Verdict::Hold { rule: hold });
}

#[test]
fn a_reorder_holds_back_by_its_gap() {
    let mut e = engine([Rule::reorder("r", Flow::any(), 1.0, ms(30))]);
    assert_eq!(at(&mut e, 60, ms(0)), Verdict::delayed(ms(30)));
    let mut never = engine([Rule::reorder("r", Flow::any(), 0.0, ms(30))]);
    assert_eq!(at(&mut never, 60, ms(0)), Verdict::PASS);
    assert_eq!(e.stats("r").map(|s| s.delayed), Some(1));
    assert_eq!(never.stats("r").map(|s| s.delayed), Some(0));
}

#[test]
fn a_rate_queues_packets_in_order() {
    // 1000 bytes at 8 Mbit/s take 1 ms.
    let mut e = engine([Rule::rate("slow", Flow::any(), 8_000_000)]);
    assert_eq!(at(&mut e, 1000, ms(0)), Verdict::delayed(ms(1)));
    assert_eq!(at(&mut e, 1000, ms(0)), Verdict::delayed(ms(2)));
    assert_eq!(at(&mut e, 500, ms(1)), Verdict::delayed(Duration::from_micros(1500)));
    assert_eq!(at(&mut e, 1000, ms(10)), Verdict::delayed(ms(1)));
    assert_eq!(e.stats("slow").map(|s| (s.matched, s.delayed)), Some((4, 4)));
}

#[test]
fn a_rate_sees_packets_arrive_after_earlier_delays() {
    let mut e = engine([
        Rule::delay("far", Flow::any(), ms(10), Duration::ZERO),
        Rule::rate("slow", Flow::any(), 8_000_000),
        Rule::delay("farther", Flow::any(), ms(100), Duration::ZERO),
    ]);
    assert_eq!(at(&mut e, 1000, ms(0)), Verdict::delayed(ms(111)));
    assert_eq!(at(&mut e, 1000, ms(0)), Verdict::delayed(ms(112)));
}

#[test]
fn a_full_rate_queue_drops() {
    // 125,000 bytes at 1 Mbit/s take a second: five fill the queue.
    let mut e = engine([Rule::rate("slow", Flow::any(), 1_000_000)]);
    let key = e.key("slow").expect("in place");
    for second in 1..=5 {
        assert_eq!(at(&mut e, 125_000, ms(0)), Verdict::delayed(ms(1000 * second)));
    }
    assert_eq!(at(&mut e, 125_000, ms(0)), Verdict::Drop { rule: key });
    assert_eq!(at(&mut e, 125_000, RATE_BACKLOG), Verdict::delayed(ms(1000)));
    assert_eq!(e.stats("slow").map(|s| s.dropped), Some(1));
}

#[test]
fn a_rate_rule_with_a_longer_queue_holds_packets_longer() {
    let mut e = engine([Rule::rate_queued("deep", Flow::any(), 1_000_000, ms(12_000))]);
    let key = e.key("deep").expect("in place");
    for second in 1..=12 {
        assert_eq!(at(&mut e, 125_000, ms(0)), Verdict::delayed(ms(1000 * second)));
    }
    assert_eq!(at(&mut e, 125_000, ms(0)), Verdict::Drop { rule: key });
}

#[test]
fn a_rate_paces_only_its_flow_and_starts_afresh_when_added_again() {
    let only_udp = Flow { proto: Some(Proto::Udp), ..Flow::any() };
    let mut e = engine([Rule::rate("udp", only_udp.clone(), 8_000)]);
    assert_eq!(at(&mut e, 1000, ms(0)), Verdict::PASS);
    let udp = packet(Proto::Udp, TcpFlags::empty());
    let mut rng = SmallRng::seed_from_u64(1);
    assert_eq!(e.verdict(&udp, 100, ms(0), &mut rng), Verdict::delayed(ms(100)));
    assert_eq!(e.verdict(&udp, 100, ms(0), &mut rng), Verdict::delayed(ms(200)));
    e.remove_all();
    e.add(Rule::rate("udp", only_udp, 8_000)).expect("fresh id");
    assert_eq!(e.verdict(&udp, 100, ms(0), &mut rng), Verdict::delayed(ms(100)));
}

#[test]
fn a_reject_answers_tcp_and_drops_the_rest() {
    let to_1 = Flow { to: Some(NodeSet::from_iter([1])), ..Flow::any() };
    let mut e = engine([Rule::reject("no", to_1)]);
    let rule = e.key("no").expect("in place");
    let mut rng = SmallRng::seed_from_u64(1);
    let mut verdict = |meta: PacketMeta| e.verdict(&meta, 60, ms(0), &mut rng);
    assert_eq!(verdict(tcp()), Verdict::Reject { rule });
    let ack = packet(Proto::Tcp, TcpFlags::ACK | TcpFlags::PSH);
    assert_eq!(verdict(ack), Verdict::Reject { rule });
    let rst = packet(Proto::Tcp, TcpFlags::RST | TcpFlags::ACK);
    assert_eq!(verdict(rst), Verdict::Drop { rule });
    assert_eq!(verdict(packet(Proto::Udp, TcpFlags::empty())), Verdict::Drop { rule });
    let stats = e.stats("no").expect("in place");
    assert_eq!((stats.matched, stats.rejected, stats.dropped), (4, 2, 2));
}

#[test]
fn an_earlier_rule_can_spare_a_packet_from_a_reject() {
    let mut e = engine([Rule::stall("stall", Flow::any()), Rule::reject("no", Flow::any())]);
    assert!(matches!(at(&mut e, 60, ms(0)), Verdict::Hold { .. }));
    assert_eq!(e.stats("no").map(|s| s.matched), Some(0));
}
