//! The rules consul changed to fix #5876, as pure values and functions.
//!
//! An alias check mirrors the health of another service. Its watcher task
//! is edge-triggered: it is notified when a check of the aliased service
//! changes, then reads the current state and writes the alias's status.
//! Re-registering the alias check replaces the watcher. Three things differ
//! between `--rules no-wait` and `--rules wait-and-reconcile`:
//!
//! - [`Handover`]: does the new watcher start at once, or only after the
//!   old one has ended? Before the fix both can run for a while, and the old
//!   one can still write what it read before it was replaced.
//! - [`WriteMode`]: does a watcher write into the check record shared by
//!   every registration of that check (in place), or into the copy made for
//!   the registration it was started for (copy-on-write)?
//! - [`Rules::reconcile`]: is there a timer that compares the alias with
//!   what it mirrors and corrects drift, or only the edges?
//!
//! plus [`alias_status`], which both share.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// Which of consul's two behaviours an agent follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rules {
    /// consul before #5876: no wait, in-place writes, edges only.
    #[value(name = "no-wait")]
    NoWait,
    /// consul after #5876: wait for the old watcher, copy on write, and a
    /// reconcile timer.
    #[value(name = "wait-and-reconcile")]
    WaitAndReconcile,
}

impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rules::NoWait => "no-wait",
            Rules::WaitAndReconcile => "wait-and-reconcile",
        })
    }
}

/// When the watcher of a re-registered alias check starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// At once: the old watcher is told to stop but may still be running.
    Immediately,
    /// Once the old watcher's task has ended (consul's `stopWg.Wait()`).
    AfterOldEnds,
}

/// How a watcher's write reaches the alias check's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Every registration of a check id shares one record, changed in
    /// place: a watcher of an earlier registration writes into it too.
    InPlace,
    /// Each registration gets its own copy and a write replaces the copy it
    /// was made for; a write for a superseded registration changes nothing
    /// anyone reads.
    CopyOnWrite,
}

impl Rules {
    /// When a replacing watcher starts.
    pub fn handover(self) -> Handover {
        match self {
            Rules::NoWait => Handover::Immediately,
            Rules::WaitAndReconcile => Handover::AfterOldEnds,
        }
    }

    /// How watchers write.
    pub fn write_mode(self) -> WriteMode {
        match self {
            Rules::NoWait => WriteMode::InPlace,
            Rules::WaitAndReconcile => WriteMode::CopyOnWrite,
        }
    }

    /// How often a watcher re-reads and corrects its alias without being
    /// notified, given the configured `interval`: never before the fix.
    pub fn reconcile(self, interval: Duration) -> Option<Duration> {
        match self {
            Rules::NoWait => None,
            Rules::WaitAndReconcile => Some(interval),
        }
    }
}

/// A check's health, as consul names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Healthy.
    Passing,
    /// Degraded (an HTTP check answered `429 Too Many Requests`).
    Warning,
    /// Unhealthy, or not checked yet.
    Critical,
}

impl Status {
    /// The name used in `/status` and in breakpoint labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passing => "passing",
            Status::Warning => "warning",
            Status::Critical => "critical",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status an alias takes from the checks of the service it aliases:
/// `None` (the service is not registered) is critical; otherwise the worst
/// of its checks, and passing if it has none.
pub fn alias_status<I>(aliased: Option<I>) -> Status
where
    I: IntoIterator<Item = Status>,
{
    match aliased {
        None => Status::Critical,
        Some(statuses) => statuses.into_iter().max().unwrap_or(Status::Passing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_fix_starts_at_once_writes_in_place_and_never_reconciles() {
        let rules = Rules::NoWait;
        assert_eq!(rules.handover(), Handover::Immediately);
        assert_eq!(rules.write_mode(), WriteMode::InPlace);
        assert_eq!(rules.reconcile(Duration::from_millis(500)), None);
    }

    #[test]
    fn post_fix_waits_copies_and_reconciles_at_the_interval() {
        let rules = Rules::WaitAndReconcile;
        assert_eq!(rules.handover(), Handover::AfterOldEnds);
        assert_eq!(rules.write_mode(), WriteMode::CopyOnWrite);
        assert_eq!(rules.reconcile(Duration::from_millis(500)), Some(Duration::from_millis(500)));
    }

    #[test]
    fn alias_takes_the_worst_status() {
        use Status::*;
        assert_eq!(alias_status(Some([Passing])), Passing);
        assert_eq!(alias_status(Some([Passing, Warning])), Warning);
        assert_eq!(alias_status(Some([Warning, Critical, Passing])), Critical);
    }

    #[test]
    fn alias_of_nothing() {
        assert_eq!(alias_status(None::<Vec<Status>>), Status::Critical, "an unknown service is critical");
        assert_eq!(alias_status(Some(Vec::new())), Status::Passing, "a service without checks is passing");
    }

    #[test]
    fn names() {
        assert_eq!(Rules::NoWait.to_string(), "no-wait");
        assert_eq!(Rules::WaitAndReconcile.to_string(), "wait-and-reconcile");
        assert_eq!(serde_json::to_value(Status::Critical).unwrap(), "critical");
        assert_eq!(Status::Warning.to_string(), "warning");
    }
}
