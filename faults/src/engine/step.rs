//! What one rule does to one packet on the engine's walk.

use std::time::Duration;

use rand::Rng;

use super::{Delivery, Entry, Packet};
use crate::packet::TCP;
use crate::{Action, TcpFlags, Verdict};

/// How a rule stops a packet's walk.
#[derive(Clone, Copy)]
enum Stop {
    Drop,
    Hold,
    Reject,
}

impl Entry {
    /// Applies the rule to the packet: `Some` stops the walk with that
    /// verdict, `None` lets the packet walk on with `delivery` updated.
    pub(super) fn apply<R: Rng + ?Sized>(
        &mut self,
        packet: &Packet<'_>,
        delivery: &mut Delivery,
        rng: &mut R,
    ) -> Option<Verdict> {
        if !self.rule.matcher.matches(packet.meta) {
            return None;
        }
        self.stats.matched += 1;
        match self.rule.action {
            Action::Drop { probability, count } => self.drop(probability, count, rng),
            Action::Hold => self.stop(Stop::Hold),
            Action::Reject => self.reject(packet),
            Action::Rate { bits_per_second, queue } => self.pace(packet, delivery, bits_per_second, queue),
            Action::Delay { fixed, jitter } => {
                let by = fixed.saturating_add(random_up_to(jitter, rng));
                self.delay(delivery, by);
                None
            }
            Action::Reorder { probability, gap } => {
                if chance(probability, rng) {
                    self.delay(delivery, gap);
                }
                None
            }
            Action::Duplicate { probability } => {
                self.duplicate(delivery, probability, rng);
                None
            }
        }
    }

    fn drop<R: Rng + ?Sized>(&mut self, probability: f64, count: Option<u64>, rng: &mut R) -> Option<Verdict> {
        let spent = count.is_some_and(|limit| self.stats.dropped >= limit);
        if spent || !chance(probability, rng) {
            return None;
        }
        self.stop(Stop::Drop)
    }

    fn reject(&mut self, packet: &Packet<'_>) -> Option<Verdict> {
        let meta = packet.meta;
        if meta.proto == TCP && !meta.tcp_flags.contains(TcpFlags::RST) {
            self.stop(Stop::Reject)
        } else {
            self.stop(Stop::Drop)
        }
    }

    /// Stops the walk with a verdict naming this rule, and counts it.
    fn stop(&mut self, how: Stop) -> Option<Verdict> {
        let rule = self.key;
        let stats = &mut self.stats;
        Some(match how {
            Stop::Drop => {
                stats.dropped += 1;
                Verdict::Drop { rule }
            }
            Stop::Hold => {
                stats.held += 1;
                Verdict::Hold { rule }
            }
            Stop::Reject => {
                stats.rejected += 1;
                Verdict::Reject { rule }
            }
        })
    }

    fn delay(&mut self, delivery: &mut Delivery, by: Duration) {
        if !by.is_zero() {
            self.stats.delayed += 1;
            delivery.delay = delivery.delay.saturating_add(by);
        }
    }

    fn duplicate<R: Rng + ?Sized>(&mut self, delivery: &mut Delivery, probability: f64, rng: &mut R) {
        if chance(probability, rng) {
            self.stats.duplicated += 1;
            delivery.copies = 2;
        }
    }

    /// Queues the packet on the rule's link, arriving after the delay so
    /// far; its delivery is then due when it leaves the link.
    fn pace(&mut self, packet: &Packet<'_>, delivery: &mut Delivery, rate: u64, queue: Duration) -> Option<Verdict> {
        let arrival = packet.now.saturating_add(delivery.delay);
        let Some(departure) = self.pacer.admit(arrival, packet.len, rate, queue) else {
            return self.stop(Stop::Drop);
        };
        let added = departure.saturating_sub(arrival);
        self.delay(delivery, added);
        None
    }
}

/// True with `probability` (`>= 1` always, `<= 0` or NaN never); certain
/// outcomes draw nothing from the RNG.
fn chance<R: Rng + ?Sized>(probability: f64, rng: &mut R) -> bool {
    probability >= 1.0 || (probability > 0.0 && rng.gen::<f64>() < probability)
}

/// A uniformly random duration in `[0, max]`, to the nanosecond.
fn random_up_to<R: Rng + ?Sized>(max: Duration, rng: &mut R) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rng.gen_range(0..=nanos))
}
