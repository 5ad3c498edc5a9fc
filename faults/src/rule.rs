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
//!
//! and their inverses (`heal`, `release`) remove the rule by its id.

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
        Rule {
            id: id.into(),
            matcher,
            action,
        }
    }

    /// A partition: drops every packet the grudge blocks.
    pub fn partition(id: impl Into<String>, grudge: Grudge) -> Self {
        Rule::new(
            id,
            Matcher::Grudge(grudge),
            Action::Drop {
                probability: 1.0,
                count: None,
            },
        )
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
        assert_eq!(
            rule.action,
            Action::Drop {
                probability: 1.0,
                count: None
            }
        );
    }

    #[test]
    fn constructors_fill_in_the_parts() {
        let flow = Flow {
            port: Some(2),
            ..Flow::any()
        };
        let stall = Rule::stall("s", flow.clone());
        assert_eq!((stall.id.as_str(), &stall.action), ("s", &Action::Hold));
        assert!(stall.matcher.matches(&meta(5, 6)));
        let ms = Duration::from_millis(1);
        let delay = Rule::delay("d", flow, ms, ms);
        assert_eq!(
            delay.action,
            Action::Delay {
                fixed: ms,
                jitter: ms
            }
        );
        let drop = Rule::drop("x", Flow::any(), 0.5, Some(3));
        assert_eq!(
            drop.action,
            Action::Drop {
                probability: 0.5,
                count: Some(3)
            }
        );
    }
}
