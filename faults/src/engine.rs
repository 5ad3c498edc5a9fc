//! The rule engine: ordered rules in, one [`Verdict`] per packet out.
//!
//! [`Engine::verdict`] walks the rules in the order they were added:
//!
//! - a matching [`Action::Drop`] rule drops the packet with its probability
//!   (and, when count-limited and spent, does nothing); a packet it lets
//!   through walks on;
//! - a matching [`Action::Hold`] rule holds the packet: any delay added so
//!   far is dropped with it, and a released packet is delivered at once;
//! - a matching [`Action::Delay`] rule adds its delay, and the walk goes on;
//! - at the end the packet passes, after the summed delay if there is one.
//!
//! With no rules, the common case, `verdict` is one branch and allocates
//! nothing. Randomness comes from the caller's RNG, so a seeded RNG makes a
//! run's verdicts reproducible.
//!
//! Each rule gets a [`RuleKey`] when added: a number the engine never gives
//! out again, so a verdict's key names one rule for good, even after the
//! rule is removed and its id reused. The switch keys hold queues by it.

use std::fmt;
use std::time::Duration;

use rand::Rng;

use crate::{Action, PacketMeta, Rule};

/// A stable handle on a rule, unique over an engine's lifetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleKey(u64);

impl RuleKey {
    /// The key as a number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for RuleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What to do with a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Deliver it now.
    Pass,
    /// Drop it, because of the rule `rule`.
    Drop {
        /// The rule that dropped it.
        rule: RuleKey,
    },
    /// Hold it in the queue of the rule `rule`, until that rule is removed.
    Hold {
        /// The rule that holds it.
        rule: RuleKey,
    },
    /// Deliver it after this (non-zero) delay.
    Delay(Duration),
}

/// What a rule has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleStats {
    /// Packets that reached the rule (no earlier rule dropped or held them)
    /// and matched it.
    pub matched: u64,
    /// Packets it dropped.
    pub dropped: u64,
    /// Packets it held.
    pub held: u64,
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
}

/// The outcome of one rule for one packet.
enum Step {
    Continue,
    Delay(Duration),
    Stop(Verdict),
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
        self.rules.push(Entry {
            key,
            rule,
            stats: RuleStats::default(),
        });
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

    /// Decides what happens to a packet, and counts it against the rules.
    #[inline]
    pub fn verdict<R: Rng + ?Sized>(&mut self, meta: &PacketMeta, rng: &mut R) -> Verdict {
        if self.rules.is_empty() {
            return Verdict::Pass;
        }
        self.walk(meta, rng)
    }

    fn walk<R: Rng + ?Sized>(&mut self, meta: &PacketMeta, rng: &mut R) -> Verdict {
        let mut delay = Duration::ZERO;
        for entry in &mut self.rules {
            match entry.apply(meta, rng) {
                Step::Continue => {}
                Step::Delay(d) => delay = delay.saturating_add(d),
                Step::Stop(verdict) => return verdict,
            }
        }
        if delay.is_zero() {
            Verdict::Pass
        } else {
            Verdict::Delay(delay)
        }
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|entry| entry.rule.id == id)
    }

    fn entry(&self, id: &str) -> Option<&Entry> {
        self.rules.iter().find(|entry| entry.rule.id == id)
    }
}

impl Entry {
    fn apply<R: Rng + ?Sized>(&mut self, meta: &PacketMeta, rng: &mut R) -> Step {
        if !self.rule.matcher.matches(meta) {
            return Step::Continue;
        }
        self.stats.matched += 1;
        match self.rule.action {
            Action::Drop { probability, count } => self.drop(probability, count, rng),
            Action::Hold => {
                self.stats.held += 1;
                Step::Stop(Verdict::Hold { rule: self.key })
            }
            Action::Delay { fixed, jitter } => {
                Step::Delay(fixed.saturating_add(random_up_to(jitter, rng)))
            }
        }
    }

    fn drop<R: Rng + ?Sized>(&mut self, probability: f64, count: Option<u64>, rng: &mut R) -> Step {
        let spent = count.is_some_and(|limit| self.stats.dropped >= limit);
        if spent || !chance(probability, rng) {
            return Step::Continue;
        }
        self.stats.dropped += 1;
        Step::Stop(Verdict::Drop { rule: self.key })
    }
}

/// True with `probability`; certain outcomes draw nothing from the RNG.
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

#[cfg(test)]
mod tests;
