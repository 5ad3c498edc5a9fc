//! When an operation is over, and how long a query may stay outstanding,
//! before and after Tahoe-LAFS dealt with silently partitioned servers
//! (ticket #502), as pure functions.
//!
//! An operation asks every storage peer and needs `needed` (Tahoe's *k*)
//! answers. A query ends answered, or failed: the connection was lost or
//! was not there (a *noisy* failure, seen at once), or, after the fix, its
//! deadline passed (a *silent* failure, seen only by waiting).
//!
//! - `wait-for-all` (before): an operation is over when every query it sent
//!   has ended, and queries have no deadline. A peer cut off without a
//!   reset holds every operation until TCP gives up on the connection
//!   (about 15 minutes with Linux's default `tcp_retries2`).
//! - `deadline` (after): an operation is over as soon as it has `needed`
//!   answers (the rest are left behind, still outstanding until they end),
//!   and a query is abandoned after the per-request deadline.

use std::fmt;
use std::time::Duration;

/// Which behaviour a client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rules {
    /// Before the fix: wait for every peer queried, no deadline.
    #[value(name = "wait-for-all")]
    WaitForAll,
    /// After the fix: done with `needed` answers; a deadline per request.
    #[value(name = "deadline")]
    Deadline,
}

impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rules::WaitForAll => "wait-for-all",
            Rules::Deadline => "deadline",
        })
    }
}

/// The rules with their numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Before or after the fix.
    pub rules: Rules,
    /// Answers an operation needs to succeed (Tahoe's *k*).
    pub needed: usize,
    /// The per-request deadline, where the rules have one.
    pub deadline: Duration,
}

/// How the queries of one operation stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Queries the operation started with, one per peer.
    pub queried: usize,
    /// Queries answered.
    pub answered: usize,
    /// Queries failed: connection lost or absent, or timed out.
    pub failed: usize,
}

impl Tally {
    /// Queries still outstanding.
    pub fn pending(&self) -> usize {
        self.queried.saturating_sub(self.answered + self.failed)
    }
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It got the answers it needed.
    Succeeded,
    /// Every query ended and too few were answered.
    Failed,
}

impl Policy {
    /// How long a query may stay outstanding; `None`: until it ends.
    pub fn query_deadline(&self) -> Option<Duration> {
        match self.rules {
            Rules::WaitForAll => None,
            Rules::Deadline => Some(self.deadline),
        }
    }

    /// Whether an operation standing at `tally` is over, and how.
    pub fn outcome(&self, tally: Tally) -> Option<Outcome> {
        let enough = tally.answered >= self.needed;
        let all_ended = tally.pending() == 0;
        match self.rules {
            Rules::WaitForAll if !all_ended => None,
            Rules::Deadline if enough => Some(Outcome::Succeeded),
            Rules::Deadline if !all_ended => None,
            _ if enough => Some(Outcome::Succeeded),
            _ => Some(Outcome::Failed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn policy(rules: Rules) -> Policy {
        Policy { rules, needed: 3, deadline: SECOND }
    }

    fn tally(answered: usize, failed: usize) -> Tally {
        Tally { queried: 4, answered, failed }
    }

    #[test]
    fn before_the_fix_one_silent_peer_holds_the_operation() {
        let p = policy(Rules::WaitForAll);
        assert_eq!(p.outcome(tally(3, 0)), None, "three answers, one query outstanding");
        assert_eq!(p.outcome(tally(3, 1)), Some(Outcome::Succeeded));
        assert_eq!(p.outcome(tally(4, 0)), Some(Outcome::Succeeded));
        assert_eq!(p.outcome(tally(2, 2)), Some(Outcome::Failed));
        assert_eq!(p.query_deadline(), None);
    }

    #[test]
    fn after_the_fix_enough_answers_end_it() {
        let p = policy(Rules::Deadline);
        assert_eq!(p.outcome(tally(3, 0)), Some(Outcome::Succeeded), "the fourth is left behind");
        assert_eq!(p.outcome(tally(2, 0)), None);
        assert_eq!(p.outcome(tally(2, 1)), None, "one may still answer");
        assert_eq!(p.outcome(tally(2, 2)), Some(Outcome::Failed));
        assert_eq!(p.query_deadline(), Some(SECOND));
    }

    #[test]
    fn a_noisy_failure_ends_the_query_under_both_rules() {
        for rules in [Rules::WaitForAll, Rules::Deadline] {
            assert_eq!(policy(rules).outcome(tally(3, 1)), Some(Outcome::Succeeded), "{rules}");
        }
    }

    #[test]
    fn pending_never_underflows() {
        assert_eq!(Tally { queried: 1, answered: 1, failed: 1 }.pending(), 0);
        assert_eq!(tally(1, 1).pending(), 2);
    }

    #[test]
    fn names() {
        assert_eq!(Rules::WaitForAll.to_string(), "wait-for-all");
        assert_eq!(Rules::Deadline.to_string(), "deadline");
    }
}
