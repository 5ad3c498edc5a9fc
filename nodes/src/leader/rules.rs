//! The one thing Nomad changed to fix #6977: how the election core tells
//! the leader loop that leadership changed.
//!
//! - [`Rules::BlockingNotify`] (before the fix): an unbuffered channel. The
//!   core blocks on each change until the leader loop's monitor takes it;
//!   while the monitor waits for the leader loop to stop, and the leader
//!   loop waits for an answer from the core, nobody moves again.
//! - [`Rules::DropButLast`] (after the fix): a channel that keeps only the
//!   latest value. The core never blocks, and the monitor steps once per
//!   settled change.

use std::fmt;

/// Which of Nomad's two behaviours a node follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rules {
    /// Before the fix: a rendezvous notify channel.
    #[value(name = "blocking-notify")]
    BlockingNotify,
    /// After the fix: a drop-all-but-the-last notify channel.
    #[value(name = "drop-but-last")]
    DropButLast,
}

impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rules::BlockingNotify => "blocking-notify",
            Rules::DropButLast => "drop-but-last",
        })
    }
}

/// What the monitor does when told "leader: `now`" while the leader loop
/// is `running` or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Start the leader loop.
    Start,
    /// Stop the leader loop and wait for it.
    Stop,
    /// Leadership was lost and regained before the monitor looked: stop the
    /// running loop, then start a fresh one (the old one may have run
    /// against a stale term).
    Restart,
    /// Nothing to do: gained and lost again before the monitor looked, or a
    /// repeated value.
    Nothing,
}

/// The monitor's decision, as Nomad's `monitorLeadership` makes it. Under
/// the blocking rules every change is seen, so only `Start` and `Stop` can
/// come up; dropping values makes the other two possible.
pub fn step(running: bool, now_leader: bool) -> Step {
    match (running, now_leader) {
        (false, true) => Step::Start,
        (true, false) => Step::Stop,
        (true, true) => Step::Restart,
        (false, false) => Step::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_monitor_steps_once_per_settled_change() {
        assert_eq!(step(false, true), Step::Start);
        assert_eq!(step(true, false), Step::Stop);
        assert_eq!(step(true, true), Step::Restart, "lost and regained while not looking");
        assert_eq!(step(false, false), Step::Nothing, "gained and lost while not looking");
    }

    #[test]
    fn rules_have_their_flag_names() {
        assert_eq!(Rules::BlockingNotify.to_string(), "blocking-notify");
        assert_eq!(Rules::DropButLast.to_string(), "drop-but-last");
    }
}
