//! What a worker knows of the rules without taking the faults lock.
//!
//! The engine (with its counters, pacers and seeded RNG) lives under the
//! faults mutex. Beside it the switch keeps a [`RuleSet`]: a copy of the
//! rules' matchers, made again under the mutex whenever the rules change,
//! and a generation number bumped after each change. A worker keeps its own
//! copy ([`Cached`]) and, per packet, loads the generation (one atomic
//! load) and, only if it moved, takes the lock once to fetch the new set.
//!
//! A packet that no rule matches gets [`Verdict::PASS`] without the lock:
//! that is exact, because a rule that does not match a packet neither
//! changes it, nor counts it, nor draws a random number, nor moves its
//! rate clock. Only packets some rule matches take the lock, where the
//! engine judges them as before.
//!
//! Removing a rule flushes its held packets *before* the new generation is
//! published: a worker that still sees the old set takes the lock behind
//! the flush, and one that sees the new set does so after the flush ended,
//! so released packets stay ahead of the flow's later ones.
//!
//! [`Verdict::PASS`]: quiesce_faults::Verdict::PASS

use std::sync::atomic::Ordering::Acquire;
use std::sync::Arc;

use quiesce_faults::{Engine, Matcher, PacketMeta, TcpFlags};

use super::Shared;

const CWR: u8 = 0x80;

/// The matchers of the active rules, in order.
#[derive(Debug, Default)]
pub(super) struct RuleSet {
    matchers: Vec<Matcher>,
}

impl RuleSet {
    /// The matchers of `engine`'s rules.
    pub(super) fn of(engine: &Engine) -> RuleSet {
        RuleSet { matchers: engine.rules().map(|(_, rule)| rule.matcher.clone()).collect() }
    }

    /// Whether any rule matches the packet.
    pub(super) fn matches(&self, meta: &PacketMeta) -> bool {
        self.matchers.iter().any(|m| m.matches(meta))
    }

    /// Whether any rule matches any segment of a super-segment whose header
    /// reads `meta`. Segments differ from it only in TCP flags: the first
    /// keeps CWR and loses FIN and PSH, the middle ones lose all three, the
    /// last loses CWR. A rule that matches none of them would pass every
    /// segment untouched, so the super-segment may pass whole.
    pub(super) fn matches_a_segment(&self, meta: &PacketMeta) -> bool {
        if self.matchers.is_empty() {
            return false;
        }
        let bits = meta.tcp_flags.bits();
        let fin_psh = TcpFlags::FIN.bits() | TcpFlags::PSH.bits();
        let variants = [bits & !fin_psh, bits & !(fin_psh | CWR), bits & !CWR];
        variants.iter().any(|&v| self.matches(&PacketMeta { tcp_flags: TcpFlags::from_bits(v), ..*meta }))
    }
}

/// A worker's copy of the rule set and the generation it belongs to.
#[derive(Debug, Default)]
pub(super) struct Cached {
    generation: u64,
    rules: Arc<RuleSet>,
}

impl Cached {
    /// The current rule set: this copy, unless the rules changed since it
    /// was fetched (then it is fetched again, under the faults lock).
    pub(super) fn current(&mut self, shared: &Shared) -> &RuleSet {
        if shared.generation.load(Acquire) != self.generation {
            let f = shared.lock();
            self.rules = f.rules.clone();
            // Bumped only under the lock, so it matches `f.rules`.
            self.generation = shared.generation.load(Acquire);
        }
        &self.rules
    }
}

#[cfg(test)]
mod tests {
    use quiesce_faults::{grudge, Flow, Proto, Rule};

    use super::*;

    fn tcp(from: u16, to: u16, flags: TcpFlags) -> PacketMeta {
        PacketMeta { from, to, proto: 6, src_port: Some(40000), dst_port: Some(80), tcp_flags: flags }
    }

    #[test]
    fn a_set_matches_what_one_of_its_rules_matches() {
        let mut engine = Engine::new();
        assert!(!RuleSet::of(&engine).matches(&tcp(0, 1, TcpFlags::SYN)));
        engine.add(Rule::partition("split", grudge(&[vec![0], vec![1]]))).expect("a fresh id");
        let udp = Flow { proto: Some(Proto::Udp), ..Flow::any() };
        engine.add(Rule::drop("udp", udp, 1.0, None)).expect("a fresh id");
        let set = RuleSet::of(&engine);
        assert!(set.matches(&tcp(0, 1, TcpFlags::SYN)));
        assert!(!set.matches(&tcp(0, 2, TcpFlags::SYN)), "tcp between 0 and 2 is left alone");
        assert!(set.matches(&PacketMeta { proto: 17, ..tcp(0, 2, TcpFlags::empty()) }));
    }

    #[test]
    fn a_super_segment_matches_if_one_of_its_segments_would() {
        let mut engine = Engine::new();
        let web = Flow { port: Some(80), ..Flow::any() };
        engine.add(Rule::drop("web", web, 1.0, None)).expect("a fresh id");
        let set = RuleSet::of(&engine);
        assert!(set.matches_a_segment(&tcp(0, 1, TcpFlags::FIN | TcpFlags::ACK)));
        let other = PacketMeta { dst_port: Some(443), ..tcp(0, 1, TcpFlags::ACK) };
        assert!(!set.matches_a_segment(&other));
        assert!(!RuleSet::default().matches_a_segment(&tcp(0, 1, TcpFlags::ACK)));
    }
}
