//! Packet rules: a named matcher and what to do with what it matches.
//!
//! A [`Rule`] is data. The [`Engine`](crate::Engine) walks its rules in order
//! and turns them into a [`Verdict`](crate::Verdict) per packet; the switch
//! carries the verdict out. The faults of the suite map onto rules:
//!
//! | fault | matcher | action |
//! |---|---|---|
//! | `partition` | [`Matcher::Grudge`] | [`Action::Drop`], probability 1 |
//! | `drop` | [`Matcher::Flow`] | [`Action::Drop`] |
//! | `stall` | [`Matcher::Flow`] | [`Action::Hold`] |
//! | `delay` | [`Matcher::Flow`] | [`Action::Delay`] |
//! | `duplicate` | [`Matcher::Flow`] | [`Action::Duplicate`] |
//! | `reorder` | [`Matcher::Flow`] | [`Action::Reorder`] |
//! | `rate` | [`Matcher::Flow`] | [`Action::Rate`] |
//! | `reject` | [`Matcher::Flow`] | [`Action::Reject`] |
//!
//! and their inverses (`heal`, `release`) remove the rule by its id. The
//! [engine](crate::Engine) documents how actions of several matching rules
//! combine.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Flow, Grudge, PacketMeta};

/// A packet rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule's name, unique within an engine; its inverse removes it by
    /// this name.
    pub id: String,
    /// Which packets the rule applies to.
    pub matcher: Matcher,
    /// What it does to them.
    pub action: Action,
}

/// Which packets a rule applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Matcher {
    /// The packets of a flow.
    Flow(Flow),
    /// The packets a grudge blocks.
    Grudge(Grudge),
}

/// What a rule does to the packets it matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// Drop each matching packet with `probability` (`>= 1` always, `<= 0`
    /// or NaN never). With a `count`, the rule drops at most that many
    /// packets, then lets everything through: only packets it actually
    /// dropped count.
    Drop {
        /// The chance that a matching packet is dropped.
        probability: f64,
        /// The most packets the rule drops, if limited.
        count: Option<u64>,
    },
    /// Hold matching packets in the switch until the rule is removed.
    Hold,
    /// Delay matching packets by `fixed` plus a uniformly random amount in
    /// `[0, jitter]`. Delays of several matching rules add up.
    Delay {
        /// The delay every matching packet gets.
        fixed: Duration,
        /// The most random delay added on top.
        jitter: Duration,
    },
    /// Deliver each matching packet twice, with `probability` (as for
    /// `Drop`): both copies go after the same delay. Several duplicate
    /// rules still make only two copies.
    Duplicate {
        /// The chance that a matching packet is duplicated.
        probability: f64,
    },
    /// Hold a matching packet back by `gap`, with `probability` (as for
    /// `Drop`), so that packets sent up to `gap` after it overtake it; the
    /// others are not delayed.
    Reorder {
        /// The chance that a matching packet is held back.
        probability: f64,
        /// How long it is held back.
        gap: Duration,
    },
    /// Pace matching packets to at most `bits_per_second` (IP datagram
    /// bits), in order, through one queue for the whole rule: each is
    /// delayed until the packets before it have gone. A packet that would
    /// wait more than `queue` is dropped, as is every packet at rate 0.
    Rate {
        /// The rate limit.
        bits_per_second: u64,
        /// The longest a packet may wait, queueing and being sent
        /// ([`RATE_BACKLOG`](crate::RATE_BACKLOG) by default).
        queue: Duration,
    },
    /// Refuse matching TCP packets noisily: the switch drops each one and
    /// answers its sender with a RST (see [`tcp_reset_for`](crate::tcp_reset_for)).
    /// Other packets, and TCP RSTs (never answered), are dropped.
    Reject,
}

impl Matcher {
    /// Whether the packet is one the rule applies to.
    #[inline]
    pub fn matches(&self, meta: &PacketMeta) -> bool {
        match self {
            Matcher::Flow(flow) => flow.matches(meta),
            Matcher::Grudge(grudge) => grudge.blocks(meta.from, meta.to),
        }
    }
}

impl Rule {
    /// A rule from its parts.
    pub fn new(id: impl Into<String>, matcher: Matcher, action: Action) -> Self {
        Rule { id: id.into(), matcher, action }
    }

    /// A partition: drops every packet the grudge blocks.
    pub fn partition(id: impl Into<String>, grudge: Grudge) -> Self {
        Rule::new(id, Matcher::Grudge(grudge), Action::Drop { probability: 1.0, count: None })
    }

    /// Drops packets of a flow with a probability, up to an optional count.
    pub fn drop(id: impl Into<String>, flow: Flow, probability: f64, count: Option<u64>) -> Self {
        Rule::new(id, Matcher::Flow(flow), Action::Drop { probability, count })
    }

    /// A stall: holds packets of a flow until the rule is removed.
    pub fn stall(id: impl Into<String>, flow: Flow) -> Self {
        Rule::new(id, Matcher::Flow(flow), Action::Hold)
    }

    /// Delays packets of a flow by `fixed` plus up to `jitter`.
    pub fn delay(id: impl Into<String>, flow: Flow, fixed: Duration, jitter: Duration) -> Self {
        Rule::new(id, Matcher::Flow(flow), Action::Delay { fixed, jitter })
    }

    /// Delivers packets of a flow twice, with a probability.
    pub fn duplicate(id: impl Into<String>, flow: Flow, probability: f64) -> Self {
        Rule::new(id, Matcher::Flow(flow), Action::Duplicate { probability })
    }

    /// Holds packets of a flow back by `gap`, with a probability.
    pub fn reorder(id: impl Into<String>, flow: Flow, probability: f64, gap: Duration) -> Self {
        Rule::new(id, Matcher::Flow(flow), Action::Reorder { probability, gap })
    }

    /// Paces packets of a flow to a bit rate, through a queue of
    /// [`RATE_BACKLOG`](crate::RATE_BACKLOG).
    pub fn rate(id: impl Into<String>, flow: Flow, bits_per_second: u64) -> Self {
        Rule::rate_queued(id, flow, bits_per_second, crate::RATE_BACKLOG)
    }

    /// Paces packets of a flow to a bit rate; a packet that would wait more
    /// than `queue` is dropped.
    pub fn rate_queued(id: impl Into<String>, flow: Flow, bits_per_second: u64, queue: Duration) -> Self {
        Rule::new(id, Matcher::Flow(flow), Action::Rate { bits_per_second, queue })
    }

    /// Answers TCP packets of a flow with a RST, and drops the rest.
    pub fn reject(id: impl Into<String>, flow: Flow) -> Self {
        Rule::new(id, Matcher::Flow(flow), Action::Reject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{grudge, Proto, TcpFlags};

    fn meta(from: u16, to: u16) -> PacketMeta {
        PacketMeta {
            from,
            to,
            proto: Proto::Udp.number(),
            src_port: Some(1),
            dst_port: Some(2),
            tcp_flags: TcpFlags::empty(),
        }
    }

    #[test]
    fn a_partition_drops_what_its_grudge_blocks() {
        let rule = Rule::partition("split", grudge(&[vec![0], vec![1]]));
        assert!(rule.matcher.matches(&meta(0, 1)));
        assert!(!rule.matcher.matches(&meta(0, 2)));
        assert_eq!(rule.action, Action::Drop { probability: 1.0, count: None });
    }

    #[test]
    fn constructors_fill_in_the_parts() {
        let flow = Flow { port: Some(2), ..Flow::any() };
        let stall = Rule::stall("s", flow.clone());
        assert_eq!((stall.id.as_str(), &stall.action), ("s", &Action::Hold));
        assert!(stall.matcher.matches(&meta(5, 6)));
        let ms = Duration::from_millis(1);
        let delay = Rule::delay("d", flow, ms, ms);
        assert_eq!(delay.action, Action::Delay { fixed: ms, jitter: ms });
        assert_eq!(Rule::duplicate("d", Flow::any(), 0.5).action, Action::Duplicate { probability: 0.5 });
        assert_eq!(Rule::reorder("r", Flow::any(), 0.5, ms).action, Action::Reorder { probability: 0.5, gap: ms });
        assert_eq!(
            Rule::rate("b", Flow::any(), 8).action,
            Action::Rate { bits_per_second: 8, queue: crate::RATE_BACKLOG }
        );
        assert_eq!(Rule::reject("j", Flow::any()).action, Action::Reject);
        let drop = Rule::drop("x", Flow::any(), 0.5, Some(3));
        assert_eq!(drop.action, Action::Drop { probability: 0.5, count: Some(3) });
    }
}
