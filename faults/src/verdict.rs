//! What the engine makes of one packet: a [`Verdict`], for the switch to
//! carry out.

use std::fmt;
use std::time::Duration;

/// A stable handle on a rule, unique over an engine's lifetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleKey(pub(crate) u64);

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
///
/// The switch carries a verdict out like this:
///
/// | verdict | the switch |
/// |---|---|
/// | `Deliver { delay, copies }` | writes `copies` identical copies of the packet to its destination, all after `delay` (at once if zero), in that order |
/// | `Drop { rule }` | discards it |
/// | `Hold { rule }` | queues it under `rule`'s key until that rule is removed, then delivers it once, at once |
/// | `Reject { rule }` | discards it and writes back to its *sender*, at once, the TCP RST that [`tcp_reset_for`](crate::tcp_reset_for) builds from it (if that returns `false`, it only discards it) |
///
/// Only a TCP packet without RST is ever rejected; `copies` is 1 or 2.
/// [`Verdict::PASS`] (deliver one copy now) is the verdict for every packet
/// when there are no rules; it is a constant, so it works in patterns:
///
/// ```
/// # use quiesce_faults::Verdict;
/// # use std::time::Duration;
/// fn describe(v: Verdict) -> &'static str {
///     match v {
///         Verdict::PASS => "now",
///         Verdict::Deliver { copies: 2, .. } => "twice",
///         Verdict::Deliver { .. } => "later",
///         Verdict::Drop { .. } | Verdict::Reject { .. } => "never",
///         Verdict::Hold { .. } => "on release",
///     }
/// }
/// assert_eq!(describe(Verdict::PASS), "now");
/// assert_eq!(describe(Verdict::delayed(Duration::from_millis(5))), "later");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Deliver `copies` copies of it after `delay`.
    Deliver {
        /// How long to wait before writing it; zero is at once.
        delay: Duration,
        /// How many copies to write: 1, or 2 when a duplicate rule hit.
        copies: u8,
    },
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
    /// Drop it and answer its sender with a TCP RST, because of `rule`.
    Reject {
        /// The rule that rejected it.
        rule: RuleKey,
    },
}

impl Verdict {
    /// Deliver one copy, now: what every packet gets when no rule applies.
    pub const PASS: Verdict = Verdict::Deliver { delay: Duration::ZERO, copies: 1 };

    /// Deliver one copy after `delay`.
    pub const fn delayed(delay: Duration) -> Verdict {
        Verdict::Deliver { delay, copies: 1 }
    }

    /// Whether this is [`Verdict::PASS`].
    pub fn is_pass(self) -> bool {
        self == Verdict::PASS
    }

    /// The rule that stopped the packet (drop, hold, reject); `None` for a
    /// delivery.
    pub const fn rule(self) -> Option<RuleKey> {
        match self {
            Verdict::Deliver { .. } => None,
            Verdict::Drop { rule } | Verdict::Hold { rule } | Verdict::Reject { rule } => Some(rule),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_is_one_copy_now() {
        assert!(Verdict::PASS.is_pass());
        assert_eq!(Verdict::delayed(Duration::ZERO), Verdict::PASS);
        assert!(!Verdict::delayed(Duration::from_nanos(1)).is_pass());
        assert_eq!(Verdict::PASS.rule(), None);
        let rule = RuleKey(3);
        assert_eq!(Verdict::Reject { rule }.rule(), Some(rule));
        assert_eq!(rule.to_string(), "#3");
    }
}
