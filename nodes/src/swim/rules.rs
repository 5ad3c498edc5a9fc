//! The rules memberlist changed to fix its dead/alive flapping, as pure
//! functions.
//!
//! A node holds what it knows of its peers twice, as memberlist does: a list
//! (for iteration) and a map from name to list entry (for lookups). The
//! handlers of `alive`, `suspect` and `dead` messages look a peer up in the
//! map only. The one difference between the two rules is what happens once a
//! node has finished retransmitting a `dead` message:
//!
//! - [`Rules::ForgetOnDead`] (memberlist before the fix): the peer is removed
//!   from the map while its entry stays in the list. Its incarnation is
//!   forgotten, so a replayed `{alive, peer, same incarnation}` looks like a
//!   peer never seen and is accepted: dead -> alive with a stale incarnation.
//! - [`Rules::KeepOnDead`] (after the fix): the peer stays in the map, dead,
//!   with its incarnation, until it is reaped long afterwards; stale alives
//!   are rejected.
//!
//! The verdicts ([`judge_alive`], [`judge_suspect`], [`judge_dead`]) are the
//! same under both rules: they are memberlist's `aliveNode`, `suspectNode`
//! and `deadNode` checks.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which of memberlist's two behaviours a node follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rules {
    /// Before the fix: forget a dead peer's incarnation once its death has
    /// been retransmitted.
    #[value(name = "forget-on-dead")]
    ForgetOnDead,
    /// After the fix: keep the incarnation of a dead peer.
    #[value(name = "keep-on-dead")]
    KeepOnDead,
}

impl Rules {
    /// Whether a peer leaves the lookup map when the retransmission of its
    /// `dead` message is over.
    pub fn forget_after_dead_broadcast(self) -> bool {
        self == Rules::ForgetOnDead
    }
}

impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rules::ForgetOnDead => "forget-on-dead",
            Rules::KeepOnDead => "keep-on-dead",
        })
    }
}

/// A member's state as one node sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Answering probes, or not yet found silent.
    Alive,
    /// A probe failed; dead unless it refutes within the suspicion timeout.
    Suspect,
    /// Declared dead.
    Dead,
}

impl State {
    /// The name used in `/status` and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Alive => "alive",
            State::Suspect => "suspect",
            State::Dead => "dead",
        }
    }
}

/// What the lookup map holds about a peer: its state and incarnation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// Its state.
    pub state: State,
    /// Its incarnation.
    pub incarnation: u64,
}

/// What to do with a message about a peer (not about ourselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not in the map: add it, in the message's state.
    Add,
    /// Update the entry to the message's state and incarnation.
    Update,
    /// Ignore the message: stale, or nothing new.
    Ignore,
}

/// An `{alive, peer, incarnation}` about a peer we may know: memberlist's
/// `aliveNode`. Unknown peers are added; known ones only move on a strictly
/// higher incarnation, whatever their state.
pub fn judge_alive(known: Option<Known>, incarnation: u64) -> Verdict {
    match known {
        None => Verdict::Add,
        Some(k) if incarnation > k.incarnation => Verdict::Update,
        Some(_) => Verdict::Ignore,
    }
}

/// An `{suspect, peer, incarnation}`: memberlist's `suspectNode`. Only an
/// alive peer becomes suspect, and not on an older incarnation; unknown
/// peers are ignored.
pub fn judge_suspect(known: Option<Known>, incarnation: u64) -> Verdict {
    match known {
        Some(k) if k.state == State::Alive && incarnation >= k.incarnation => Verdict::Update,
        _ => Verdict::Ignore,
    }
}

/// A `{dead, peer, incarnation}`: memberlist's `deadNode`. A peer not yet
/// dead becomes dead unless the message is older; unknown peers are
/// ignored.
pub fn judge_dead(known: Option<Known>, incarnation: u64) -> Verdict {
    match known {
        Some(k) if k.state != State::Dead && incarnation >= k.incarnation => Verdict::Update,
        _ => Verdict::Ignore,
    }
}

/// What a node does with a message about itself (carrying `incarnation`)
/// when its own is `own`: the incarnation to refute with, if any. A
/// suspicion or death at our incarnation or later is refuted with a higher
/// one; so is an alive claiming a later incarnation than ours (an earlier
/// run of this node).
pub fn refutation(accusation: bool, incarnation: u64, own: u64) -> Option<u64> {
    let refute = if accusation { incarnation >= own } else { incarnation > own };
    refute.then_some(incarnation.max(own) + 1)
}

#[cfg(test)]
mod tests;
