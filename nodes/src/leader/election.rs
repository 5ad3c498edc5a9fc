//! A Raft-style leader election without a log, as a pure state machine:
//! the caller hands it messages and the time and carries out the
//! [`Effects`].
//!
//! - A follower or candidate that hears no leader for its election timeout
//!   (drawn anew in `[timeout, timeout + spread)` each time, the spread
//!   being the timeout unless set) starts an election: a new term, its own
//!   vote, `vote` to every peer.
//! - Each node votes once per term, for the first candidate that asks
//!   ([`Votes::OnePerTerm`]); [`Votes::EveryCandidate`] is the bug of a
//!   voter that does not keep its vote, for tests of invariant checks.
//! - A candidate with votes from a majority leads: it sends `heartbeat`
//!   every heartbeat interval.
//! - Any message with a higher term makes the receiver a follower of that
//!   term (a leader steps down).
//! - A leader that has not heard from a majority (itself included) within
//!   its lease steps down (Raft's check-quorum).
//!
//! Leadership changes are reported in [`Effects::leadership`]: `Some(true)`
//! on winning, `Some(false)` on stepping down.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::wire::Msg;

/// The election's timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Time between two heartbeats of a leader.
    pub heartbeat: Duration,
    /// The shortest election timeout; each is drawn in `[t, t + spread)`.
    pub election_timeout: Duration,
    /// The spread of election timeouts; `None` is the timeout itself
    /// (Raft's `[t, 2t)`), zero makes every timeout `t`.
    pub election_spread: Option<Duration>,
    /// How long a leader keeps leading without hearing from a majority.
    pub lease: Duration,
}

/// How a node grants its vote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Votes {
    /// Raft: once per term, to the first candidate that asks.
    #[default]
    #[value(name = "one-per-term")]
    OnePerTerm,
    /// A bug: to every candidate of the current term, as a voter that
    /// forgets whom it voted for would. Two candidates of one term can
    /// then both win.
    #[value(name = "every-candidate")]
    EveryCandidate,
}

/// A node's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Follows a leader, or waits for one.
    Follower,
    /// Asks for votes.
    Candidate,
    /// Leads its term.
    Leader,
}

impl Role {
    /// The name used in `/status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum To {
    /// Every peer.
    All,
    /// One peer, by name.
    Peer(String),
}

/// What the caller must do after a step.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Messages to send.
    pub send: Vec<(To, Msg)>,
    /// A leadership change to announce.
    pub leadership: Option<bool>,
}

/// One node's election state.
#[derive(Debug)]
pub struct Election {
    me: String,
    cluster_size: usize,
    timing: Timing,
    votes_rule: Votes,
    term: u64,
    voted_for: Option<String>,
    role: Role,
    leader: Option<String>,
    votes: BTreeSet<String>,
    heard: HashMap<String, Instant>,
    leading_since: Instant,
    election_deadline: Instant,
    next_heartbeat: Instant,
    elections: u64,
    rng: SmallRng,
}

impl Election {
    /// A follower of term 0 in a cluster of `cluster_size` nodes, itself
    /// included.
    pub fn new(me: &str, cluster_size: usize, timing: Timing, now: Instant) -> Self {
        let mut election = Election {
            me: me.to_owned(),
            cluster_size: cluster_size.max(1),
            timing,
            votes_rule: Votes::OnePerTerm,
            term: 0,
            voted_for: None,
            role: Role::Follower,
            leader: None,
            votes: BTreeSet::new(),
            heard: HashMap::new(),
            leading_since: now,
            election_deadline: now,
            next_heartbeat: now,
            elections: 0,
            rng: SmallRng::from_entropy(),
        };
        election.reset_election_deadline(now);
        election
    }

    /// The same election, granting votes by `rule`.
    pub fn with_votes(mut self, rule: Votes) -> Self {
        self.votes_rule = rule;
        self
    }

    /// The current term.
    pub fn term(&self) -> u64 {
        self.term
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The leader of the current term, if known.
    pub fn leader(&self) -> Option<&str> {
        self.leader.as_deref()
    }

    /// Whom this node voted for in the current term.
    pub fn voted_for(&self) -> Option<&str> {
        self.voted_for.as_deref()
    }

    /// How many elections this node started.
    pub fn elections(&self) -> u64 {
        self.elections
    }

    /// The votes a candidate needs, and the acks a leader's lease needs.
    pub fn quorum(&self) -> usize {
        self.cluster_size / 2 + 1
    }

    /// Handles `msg` from the peer named `from`.
    pub fn handle(&mut self, from: &str, msg: Msg, now: Instant) -> Effects {
        let mut fx = Effects::default();
        if msg.term() > self.term {
            self.follow(msg.term(), None, now, &mut fx);
        }
        match msg {
            Msg::Vote { term, candidate } => {
                let free = match self.votes_rule {
                    Votes::OnePerTerm => self.voted_for.as_ref().is_none_or(|v| *v == candidate),
                    Votes::EveryCandidate => true,
                };
                let grant = term == self.term && free;
                if grant {
                    self.voted_for = Some(candidate);
                    self.reset_election_deadline(now);
                }
                fx.send.push((To::Peer(from.to_owned()), Msg::VoteReply { term: self.term, granted: grant }));
            }
            Msg::VoteReply { term, granted } => {
                if self.role == Role::Candidate && term == self.term && granted {
                    self.votes.insert(from.to_owned());
                    if self.votes.len() >= self.quorum() {
                        self.lead(now, &mut fx);
                    }
                }
            }
            Msg::Heartbeat { term, leader } => {
                if term == self.term {
                    if self.role != Role::Follower {
                        self.follow(term, Some(leader), now, &mut fx);
                    } else {
                        self.leader = Some(leader);
                        self.reset_election_deadline(now);
                    }
                }
                fx.send.push((To::Peer(from.to_owned()), Msg::HeartbeatReply { term: self.term }));
            }
            Msg::HeartbeatReply { term } => {
                if self.role == Role::Leader && term == self.term {
                    self.heard.insert(from.to_owned(), now);
                }
            }
        }
        fx
    }

    /// Moves timers on: heartbeats and the lease of a leader, the election
    /// timeout of the others.
    pub fn tick(&mut self, now: Instant) -> Effects {
        let mut fx = Effects::default();
        match self.role {
            Role::Leader => {
                if self.lease_lost(now) {
                    let term = self.term;
                    self.follow(term, None, now, &mut fx);
                } else if now >= self.next_heartbeat {
                    self.next_heartbeat = now + self.timing.heartbeat;
                    fx.send.push((To::All, Msg::Heartbeat { term: self.term, leader: self.me.clone() }));
                }
            }
            Role::Follower | Role::Candidate => {
                if now >= self.election_deadline {
                    self.campaign(now, &mut fx);
                }
            }
        }
        fx
    }

    fn lease_lost(&self, now: Instant) -> bool {
        if now.saturating_duration_since(self.leading_since) < self.timing.lease {
            return false;
        }
        let fresh = self.heard.values().filter(|&&t| now.saturating_duration_since(t) < self.timing.lease).count();
        fresh + 1 < self.quorum()
    }

    fn campaign(&mut self, now: Instant, fx: &mut Effects) {
        self.term += 1;
        self.elections += 1;
        self.role = Role::Candidate;
        self.leader = None;
        self.voted_for = Some(self.me.clone());
        self.votes = BTreeSet::from([self.me.clone()]);
        self.reset_election_deadline(now);
        if self.votes.len() >= self.quorum() {
            self.lead(now, fx);
        } else {
            fx.send.push((To::All, Msg::Vote { term: self.term, candidate: self.me.clone() }));
        }
    }

    fn lead(&mut self, now: Instant, fx: &mut Effects) {
        self.role = Role::Leader;
        self.leader = Some(self.me.clone());
        self.leading_since = now;
        self.heard.clear();
        self.next_heartbeat = now + self.timing.heartbeat;
        fx.send.push((To::All, Msg::Heartbeat { term: self.term, leader: self.me.clone() }));
        fx.leadership = Some(true);
    }

    /// Becomes a follower of `term` (of `leader` if known).
    fn follow(&mut self, term: u64, leader: Option<String>, now: Instant, fx: &mut Effects) {
        if self.role == Role::Leader {
            // Two changes in one step cancel out: report the last one.
            fx.leadership = if fx.leadership == Some(true) { None } else { Some(false) };
        }
        if term > self.term {
            self.term = term;
            self.voted_for = None;
        }
        self.role = Role::Follower;
        self.leader = leader;
        self.votes.clear();
        self.reset_election_deadline(now);
    }

    fn reset_election_deadline(&mut self, now: Instant) {
        let base = self.timing.election_timeout;
        let spread = self.timing.election_spread.unwrap_or(base);
        let extra = if spread.is_zero() { Duration::ZERO } else { spread.mul_f64(self.rng.gen_range(0.0..1.0)) };
        self.election_deadline = now + base + extra;
    }
}

#[cfg(test)]
mod tests;
