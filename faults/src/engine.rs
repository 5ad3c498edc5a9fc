//! The rule engine: ordered rules in, one [`Verdict`] per packet out.
//!
//! [`Engine::verdict`] walks the rules in the order they were added. A
//! packet starts out as "deliver one copy now" and each matching rule
//! either stops the walk with its verdict or changes the delivery and lets
//! the packet walk on:
//!
//! | action | when it matches |
//! |---|---|
//! | [`Action::Drop`] | drops the packet with its probability (a spent count does nothing); a packet it lets through walks on |
//! | [`Action::Hold`] | holds the packet, forgetting the delay and copies so far: a released packet is delivered once, at once |
//! | [`Action::Reject`] | rejects a TCP packet ([`Verdict::Reject`]); drops anything else, RSTs included ([`Verdict::Drop`]) |
//! | [`Action::Delay`] | adds `fixed` plus up to `jitter`, walks on |
//! | [`Action::Reorder`] | adds `gap` with its probability, walks on |
//! | [`Action::Duplicate`] | makes it two copies with its probability, walks on |
//! | [`Action::Rate`] | queues it behind the rule's earlier packets (see below): drops it if the queue is full, else sets the delay to its departure, and walks on |
//!
//! At the end the packet is delivered: [`Verdict::Deliver`] with the summed
//! delay and the copies (1, or 2 if any duplicate rule hit; never more).
//!
//! Rules are stages of a pipeline, in order: a rate rule sees a packet
//! arrive at `now` plus the delay earlier rules gave it, and later rules
//! add to its departure. Each rate rule paces everything it matches through
//! one queue (a virtual clock: `departure = max(arrival, previous
//! departure) + len * 8 / rate`), so the packets it passes leave in the
//! order they arrived and, while it is busy, at exactly its rate. A packet
//! that would wait there more than the rule's queue time
//! ([`RATE_BACKLOG`](crate::RATE_BACKLOG) by default) is dropped. Like a
//! real link, a rate rule spends its time on a packet even if a later rule
//! drops it.
//!
//! With no rules, the common case, `verdict` is one branch and allocates
//! nothing. Randomness comes from the caller's RNG, so a seeded RNG makes a
//! run's verdicts reproducible; so does time, which the caller supplies as
//! `now`: a monotonic clock since any fixed epoch.
//!
//! Each rule gets a [`RuleKey`] when added: a number the engine never gives
//! out again, so a verdict's key names one rule for good, even after the
//! rule is removed and its id reused. The switch keys hold queues by it.
//!
//! [`Action::Drop`]: crate::Action::Drop
//! [`Action::Hold`]: crate::Action::Hold
//! [`Action::Reject`]: crate::Action::Reject
//! [`Action::Delay`]: crate::Action::Delay
//! [`Action::Reorder`]: crate::Action::Reorder
//! [`Action::Duplicate`]: crate::Action::Duplicate
//! [`Action::Rate`]: crate::Action::Rate

use std::fmt;
use std::time::Duration;

use rand::Rng;

use crate::pacer::Pacer;
use crate::{PacketMeta, Rule, RuleKey, Verdict};

/// What a rule has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleStats {
    /// Packets that reached the rule (no earlier rule stopped them)
    /// and matched it.
    pub matched: u64,
    /// Packets it dropped.
    pub dropped: u64,
    /// Packets it held.
    pub held: u64,
    /// Packets it rejected (answered with a RST).
    pub rejected: u64,
    /// Packets it duplicated.
    pub duplicated: u64,
    /// Packets it delayed by more than zero.
    pub delayed: u64,
}

/// A rule with this id is already in the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateId(pub String);

impl fmt::Display for DuplicateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a rule named {:?} is already in place", self.0)
    }
}

impl std::error::Error for DuplicateId {}

/// Ordered packet rules and their counters.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    rules: Vec<Entry>,
    next_key: u64,
}

#[derive(Clone, Debug)]
struct Entry {
    key: RuleKey,
    rule: Rule,
    stats: RuleStats,
    /// The link of a rate rule; idle for other actions.
    pacer: Pacer,
}

/// One packet, as the rules see it on its walk.
struct Packet<'a> {
    meta: &'a PacketMeta,
    len: usize,
    now: Duration,
}

/// What the rules walked so far have made of a packet's delivery.
struct Delivery {
    delay: Duration,
    copies: u8,
}

impl Engine {
    /// An engine with no rules: every packet passes.
    pub fn new() -> Self {
        Engine::default()
    }

    /// Appends a rule, after all others; fails if its id is taken.
    pub fn add(&mut self, rule: Rule) -> Result<RuleKey, DuplicateId> {
        if self.position(&rule.id).is_some() {
            return Err(DuplicateId(rule.id));
        }
        let key = RuleKey(self.next_key);
        self.next_key += 1;
        self.rules.push(Entry { key, rule, stats: RuleStats::default(), pacer: Pacer::default() });
        Ok(key)
    }

    /// Removes the rule named `id`, keeping the others in order.
    pub fn remove(&mut self, id: &str) -> Option<Rule> {
        let at = self.position(id)?;
        Some(self.rules.remove(at).rule)
    }

    /// Removes every rule (a full heal), returning them in order.
    pub fn remove_all(&mut self) -> Vec<Rule> {
        self.rules.drain(..).map(|entry| entry.rule).collect()
    }

    /// The ids of the rules, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.rules.iter().map(|entry| entry.rule.id.as_str())
    }

    /// The rules with their keys, in order.
    pub fn rules(&self) -> impl Iterator<Item = (RuleKey, &Rule)> + '_ {
        self.rules.iter().map(|entry| (entry.key, &entry.rule))
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// The rule named `id`.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.entry(id).map(|entry| &entry.rule)
    }

    /// The key of the rule named `id`.
    pub fn key(&self, id: &str) -> Option<RuleKey> {
        self.entry(id).map(|entry| entry.key)
    }

    /// The id of the rule with this key, if it is still in place.
    pub fn id_of(&self, key: RuleKey) -> Option<&str> {
        let entry = self.rules.iter().find(|entry| entry.key == key)?;
        Some(&entry.rule.id)
    }

    /// The counters of the rule named `id`.
    pub fn stats(&self, id: &str) -> Option<RuleStats> {
        self.entry(id).map(|entry| entry.stats)
    }

    /// Decides what happens to a packet of `len` bytes (the whole IP
    /// datagram) read at `now`, and counts it against the rules.
    ///
    /// `now` is a monotonic time since an epoch of the caller's choosing,
    /// the same for every call; only rate rules read it, and `len`.
    #[inline]
    pub fn verdict<R: Rng + ?Sized>(&mut self, meta: &PacketMeta, len: usize, now: Duration, rng: &mut R) -> Verdict {
        if self.rules.is_empty() {
            return Verdict::PASS;
        }
        self.walk(&Packet { meta, len, now }, rng)
    }

    fn walk<R: Rng + ?Sized>(&mut self, packet: &Packet<'_>, rng: &mut R) -> Verdict {
        let mut delivery = Delivery { delay: Duration::ZERO, copies: 1 };
        for entry in &mut self.rules {
            if let Some(verdict) = entry.apply(packet, &mut delivery, rng) {
                return verdict;
            }
        }
        Verdict::Deliver { delay: delivery.delay, copies: delivery.copies }
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|entry| entry.rule.id == id)
    }

    fn entry(&self, id: &str) -> Option<&Entry> {
        self.rules.iter().find(|entry| entry.rule.id == id)
    }
}

mod step;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod action_tests;
