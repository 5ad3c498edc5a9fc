//! Shrinking a failing schedule: the smallest schedule found that still
//! fails, against a runner that need not fail every time (real processes).
//!
//! [`shrink`] tries candidates, each a little smaller than the schedule so
//! far, greedily to a fixed point: the first candidate that still fails (in
//! `k` of `n` runs, [`Confirm`]) is kept and the passes start again from it;
//! shrinking ends when a whole pass keeps nothing or the [`Budget`] is
//! spent. The passes, in order:
//!
//! 1. Remove faults: chunks first (halves, quarters, ...), then one at a
//!    time. A fault goes with its undo step; the others keep their start
//!    times (a removed fault does not pull later ones earlier).
//! 2. Remove idle time: where no fault is active for more than 500 ms
//!    before a fault, move it, every later fault and the nemesis' end
//!    earlier so that 500 ms are left; then end the nemesis 500 ms after its
//!    last fault's end (so no fault ever starts or ends at the nemesis' very
//!    edges, and a heal is never at the same instant as the next start).
//! 3. Halve a fault's length, not below 500 ms (a restart, of length 0, is
//!    skipped).
//! 4. Drop one node from one side of a fault (a partition's group, a
//!    one-way or flow's `from` or `to`, a process fault's nodes): every side
//!    keeps a node, a partition two non-empty groups.
//!
//! Unsound candidates ([`Schedule::problems`]) are never run. The shrinker
//! draws nothing at random: the same answers give the same result. The
//! input is taken as failing, without a run. When one fault is left, the
//! schedule with none is a candidate too: if it fails, the bug does not need
//! the nemesis.

use std::future::Future;
use std::str::FromStr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::schedule::{Drawn, Fault, Schedule};

/// Idle time left before a fault, and after the last one, when idle time
/// is removed.
const IDLE_MS: u64 = 500;

/// The shortest a fault is shortened to.
const MIN_LENGTH_MS: u64 = 500;

/// Runs one candidate schedule once.
pub trait Trial {
    /// Runs `candidate` once; `Ok(true)` when its checks failed (the bug showed).
    fn fails(&mut self, candidate: &Schedule) -> impl Future<Output = Result<bool, TrialError>>;
}

/// A run that could not be carried out (not a failed check): stops shrinking.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct TrialError(pub String);

/// k of n: a candidate counts as still failing when it fails in k of n runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirm {
    /// The failing runs needed (at least 1).
    pub k: u32,
    /// The most runs of one candidate (at least `k`).
    pub n: u32,
}

impl Default for Confirm {
    fn default() -> Self {
        Confirm { k: 2, n: 3 }
    }
}

impl FromStr for Confirm {
    type Err = String;

    /// `k/n`, e.g. `2/3`, with 1 <= k <= n.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{}` is not k/n: expected two whole numbers with 1 <= k <= n, like 2/3", text.trim());
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n) = (whole(k).ok_or_else(bad)?, whole(n).ok_or_else(bad)?);
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Confirm { k, n })
    }
}

/// How much shrinking may spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// At most this many runs, over all candidates.
    Runs(u32),
    /// No run starts once this long has passed since shrinking started.
    Time(Duration),
}

impl Default for Budget {
    fn default() -> Self {
        Budget::Runs(60)
    }
}

impl FromStr for Budget {
    type Err = String;

    /// A number of runs (`60`) or a duration (`90s`, `20m`, `1h`); not zero.
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad =
            |why: &str| format!("`{text}` {why}: expected a number of runs like 60, or a duration like 90s, 20m or 1h");
        let budget = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            Budget::Runs(whole(text).ok_or_else(|| bad("is too many runs"))?)
        } else {
            Budget::Time(quiesce_faults::duration::parse(text).map_err(|_| bad("is not a budget"))?)
        };
        if budget == Budget::Runs(0) || budget == Budget::Time(Duration::ZERO) {
            return Err(bad("allows nothing"));
        }
        Ok(budget)
    }
}

/// `text` (trimmed) as a whole number written in digits only.
fn whole(text: &str) -> Option<u32> {
    let text = text.trim();
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

/// One step of progress, for a progress line; reported after every run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Runs so far.
    pub runs: u32,
    /// Candidates kept so far.
    pub accepted: u32,
    /// Candidates tried so far (run at least once).
    pub candidates: u32,
    /// Faults in the smallest failing schedule so far.
    pub faults: usize,
    /// Its last fault's end, in milliseconds.
    pub span_ms: u64,
    /// What the candidate just run changes, e.g. "remove faults 3, 5".
    pub trying: String,
}

/// What shrinking found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shrunk {
    /// The smallest schedule that still failed (the input if none did).
    pub schedule: Schedule,
    /// Faults in the input.
    pub faults_before: usize,
    /// Faults in `schedule`.
    pub faults_after: usize,
    /// The input's last fault's end, in milliseconds.
    pub span_before_ms: u64,
    /// `schedule`'s last fault's end, in milliseconds.
    pub span_after_ms: u64,
    /// Runs, over all candidates.
    pub runs: u32,
    /// Candidates tried.
    pub candidates: u32,
    /// Candidates kept.
    pub accepted: u32,
    /// Stopped by the budget before trying every candidate.
    pub budget_spent: bool,
}

/// Shrinks `failing`, which failed once, to the smallest schedule that
/// still fails `confirm.k` of `confirm.n` runs of `trial`, within `budget`,
/// calling `progress` after every run. An error from `trial` stops it.
pub async fn shrink<T: Trial>(
    failing: Schedule,
    trial: &mut T,
    confirm: Confirm,
    budget: Budget,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Shrunk, TrialError> {
    let (faults, span) = failing.size();
    let found = Shrunk {
        schedule: failing,
        faults_before: faults,
        faults_after: faults,
        span_before_ms: span,
        span_after_ms: span,
        runs: 0,
        candidates: 0,
        accepted: 0,
        budget_spent: false,
    };
    let mut shrinker = Shrinker { trial, confirm, budget, started: Instant::now(), progress, found };
    shrinker.found.budget_spent = shrinker.fixed_point().await?;
    Ok(shrinker.found)
}

/// Shrinking under way: what it found so far.
struct Shrinker<'a, T> {
    trial: &'a mut T,
    confirm: Confirm,
    budget: Budget,
    started: Instant,
    progress: &'a mut dyn FnMut(&Progress),
    found: Shrunk,
}

/// What became of one candidate.
enum Verdict {
    Accepted,
    Rejected,
    Spent,
}

impl<T: Trial> Shrinker<'_, T> {
    /// Keeps the first sound candidate that still fails and starts again,
    /// until none does; whether the budget ran out first.
    async fn fixed_point(&mut self) -> Result<bool, TrialError> {
        'passes: loop {
            for candidate in candidates(&self.found.schedule) {
                match self.attempt(candidate).await? {
                    Verdict::Accepted => continue 'passes,
                    Verdict::Rejected => {}
                    Verdict::Spent => return Ok(true),
                }
            }
            return Ok(false);
        }
    }

    /// Runs `candidate` until it has failed k times (kept) or no longer can.
    async fn attempt(&mut self, candidate: Candidate) -> Result<Verdict, TrialError> {
        let (k, n) = (self.confirm.k.max(1), self.confirm.n);
        let (mut runs, mut fails) = (0, 0);
        while n - runs + fails >= k {
            if self.spent() {
                return Ok(Verdict::Spent);
            }
            self.found.candidates += u32::from(runs == 0);
            let failed = self.trial.fails(&candidate.schedule).await?;
            (runs, fails, self.found.runs) = (runs + 1, fails + u32::from(failed), self.found.runs + 1);
            if fails >= k {
                (self.found.faults_after, self.found.span_after_ms) = candidate.schedule.size();
                self.found.schedule = candidate.schedule;
                self.found.accepted += 1;
                self.report(&candidate.what);
                return Ok(Verdict::Accepted);
            }
            self.report(&candidate.what);
        }
        Ok(Verdict::Rejected)
    }

    /// Whether the budget allows no further run.
    fn spent(&self) -> bool {
        match self.budget {
            Budget::Runs(most) => self.found.runs >= most,
            Budget::Time(most) => self.started.elapsed() > most,
        }
    }

    /// Tells `progress` where shrinking is, after a run of `trying`.
    fn report(&mut self, trying: &str) {
        let Shrunk { runs, accepted, candidates, faults_after: faults, span_after_ms: span_ms, .. } = self.found;
        (self.progress)(&Progress { runs, accepted, candidates, faults, span_ms, trying: trying.to_string() });
    }
}

/// A schedule to try, and what it changes.
struct Candidate {
    what: String,
    schedule: Schedule,
}

impl Candidate {
    /// `s` changed by `change`.
    fn of(s: &Schedule, what: String, change: impl FnOnce(&mut Schedule)) -> Candidate {
        let mut schedule = s.clone();
        change(&mut schedule);
        Candidate { what, schedule }
    }
}

/// Every sound candidate smaller than `s` by one step, in the order tried.
fn candidates(s: &Schedule) -> impl Iterator<Item = Candidate> {
    let all = [removals(s), gaps(s), shortenings(s), narrowings(s)];
    all.into_iter().flatten().filter(|c| c.schedule.problems().is_empty())
}

/// `s` without chunks of faults: halves, quarters, ..., single faults.
fn removals(s: &Schedule) -> Vec<Candidate> {
    let n = s.faults.len();
    let (mut out, mut seen) = (Vec::new(), Vec::new());
    let mut size = n.div_ceil(2).max(1);
    loop {
        for chunk in (0..n).step_by(size).map(|from| from..(from + size).min(n)) {
            if seen.contains(&chunk) {
                continue;
            }
            seen.push(chunk.clone());
            let gone: Vec<String> = s.faults[chunk.clone()].iter().map(|f| f.number.to_string()).collect();
            let what = format!("remove fault{} {}", if gone.len() == 1 { "" } else { "s" }, gone.join(", "));
            out.push(Candidate::of(s, what, |c| drop(c.faults.drain(chunk))));
        }
        if size == 1 {
            return out;
        }
        size = size.div_ceil(2);
    }
}

/// `s` with the idle time before a fault cut to [`IDLE_MS`], for each
/// fault's start; then `s` ending [`IDLE_MS`] after its last fault.
fn gaps(s: &Schedule) -> Vec<Candidate> {
    let mut starts: Vec<u64> = s.faults.iter().map(|f| f.start_ms).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut out = Vec::new();
    for t in starts {
        let busy = s.faults.iter().filter(|f| f.start_ms < t).map(Drawn::end_ms).max().unwrap_or(0);
        let by = t.saturating_sub(busy).saturating_sub(IDLE_MS);
        let first = s.faults.iter().find(|f| f.start_ms == t).map_or(0, |f| f.number);
        if by > 0 {
            out.push(Candidate::of(s, format!("move fault {first} and those after it {by} ms earlier"), |c| {
                c.faults.iter_mut().filter(|f| f.start_ms >= t).for_each(|f| f.start_ms -= by);
                c.time_ms = c.time_ms.saturating_sub(by);
            }));
        }
    }
    let end = s.size().1 + IDLE_MS;
    if end < s.time_ms {
        out.push(Candidate::of(s, format!("end the nemesis at {end} ms"), |c| c.time_ms = end));
    }
    out
}

/// `s` with one fault's length halved, not below [`MIN_LENGTH_MS`].
fn shortenings(s: &Schedule) -> Vec<Candidate> {
    let long = s.faults.iter().enumerate().filter(|(_, f)| f.length_ms > MIN_LENGTH_MS);
    long.map(|(i, f)| {
        let length_ms = (f.length_ms / 2).max(MIN_LENGTH_MS);
        Candidate::of(s, format!("shorten fault {} to {length_ms} ms", f.number), |c| c.faults[i].length_ms = length_ms)
    })
    .collect()
}

/// `s` with one node dropped from one side of one fault.
fn narrowings(s: &Schedule) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (i, f) in s.faults.iter().enumerate() {
        for (what, fault) in narrowed(&f.fault) {
            out.push(Candidate::of(s, format!("drop {what} of fault {}", f.number), |c| c.faults[i].fault = fault));
        }
    }
    out
}

/// `fault` with one node dropped from one side, each way that keeps a node
/// on every side and two groups in a partition, with what was dropped.
fn narrowed(fault: &Fault) -> Vec<(String, Fault)> {
    let lengths: Vec<usize> = sides(&mut fault.clone()).iter().map(|(_, side)| side.len()).collect();
    let mut out = Vec::new();
    for (at, length) in lengths.into_iter().enumerate() {
        for i in 0..length {
            let mut fault = fault.clone();
            let Some((name, side)) = sides(&mut fault).into_iter().nth(at) else { continue };
            let node = side.remove(i);
            let emptied = side.is_empty();
            // A side keeps a node; a partition drops a group left empty,
            // and keeps two.
            let kept = match &mut fault {
                Fault::Partition { groups } => {
                    groups.retain(|g| !g.is_empty());
                    groups.len() >= 2
                }
                _ => !emptied,
            };
            if kept {
                out.push((format!("{node} from {name}"), fault));
            }
        }
    }
    out
}

/// The sides of `fault`, each a list of nodes, with its name.
fn sides(fault: &mut Fault) -> Vec<(String, &mut Vec<String>)> {
    match fault {
        Fault::Partition { groups } => {
            groups.iter_mut().enumerate().map(|(i, g)| (format!("group {}", i + 1), g)).collect()
        }
        Fault::OneWay { from, to } => vec![("from".into(), from), ("to".into(), to)],
        Fault::Pause { nodes } | Fault::Kill { nodes } | Fault::Restart { nodes } | Fault::Breakpoint { nodes, .. } => {
            vec![("nodes".into(), nodes)]
        }
        flow => flow
            .flow_mut()
            .map(|f| vec![("from".to_string(), &mut f.from), ("to".to_string(), &mut f.to)])
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nemesis::Flow;
    use crate::suite::plan::Shape;

    fn ns(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn at(number: usize, start_ms: u64, length_ms: u64, fault: Fault) -> Drawn {
        Drawn { number, start_ms, length_ms, shape: Shape::One, fault }
    }

    fn partition(groups: &[&[&str]]) -> Fault {
        Fault::Partition { groups: groups.iter().map(|g| ns(g)).collect() }
    }

    /// Eight faults; only 4 (a partition of a from b from 6000 ms) matters
    /// to [`cut`], 4 and 5 (a pause of d) to [`cut_and_pause`].
    fn eight() -> Schedule {
        let flow = |from: &[&str], to: &[&str]| Flow { from: ns(from), to: ns(to) };
        let faults = vec![
            at(1, 1000, 2000, Fault::Kill { nodes: ns(&["c"]) }),
            at(2, 2000, 3000, partition(&[&["a", "c"], &["b", "d", "e"]])),
            at(3, 3500, 1000, Fault::Delay { flow: flow(&["a"], &["b", "c"]), by_ms: 100, jitter_ms: 0 }),
            at(4, 6000, 4000, partition(&[&["a", "c"], &["d"], &["b", "e"]])),
            at(5, 8000, 1500, Fault::Pause { nodes: ns(&["d", "e"]) }),
            at(6, 11000, 2000, Fault::Drop { flow: flow(&["b"], &["a"]), probability: 0.4 }),
            at(7, 12000, 0, Fault::Restart { nodes: ns(&["a"]) }),
            at(8, 14000, 3000, Fault::OneWay { from: ns(&["c"]), to: ns(&["a", "b"]) }),
        ];
        Schedule { seed: 7, time_ms: 20000, max_active: 2, settle_ms: 0, faults }
    }

    /// The bug: a partition from 4000 ms on with a and b in different groups.
    fn cut(s: &Schedule) -> bool {
        let group = |groups: &[Vec<String>], n: &str| groups.iter().position(|g| g.iter().any(|x| x == n));
        s.faults.iter().any(|f| {
            matches!(&f.fault, Fault::Partition { groups }
                if f.start_ms >= 4000 && group(groups, "a").zip(group(groups, "b")).is_some_and(|(a, b)| a != b))
        })
    }

    fn cut_and_pause(s: &Schedule) -> bool {
        cut(s)
            && s.faults.iter().any(|f| matches!(&f.fault, Fault::Pause { nodes } if nodes.contains(&"d".to_string())))
    }

    /// Fails on call `i` when `shows(i)` and the schedule has the bug.
    struct Fake {
        bug: fn(&Schedule) -> bool,
        shows: fn(u32) -> bool,
        calls: u32,
        failed: Vec<Schedule>,
    }

    fn runner(bug: fn(&Schedule) -> bool, shows: fn(u32) -> bool) -> Fake {
        Fake { bug, shows, calls: 0, failed: Vec::new() }
    }

    impl Trial for Fake {
        fn fails(&mut self, candidate: &Schedule) -> impl Future<Output = Result<bool, TrialError>> {
            assert_eq!(candidate.problems(), Vec::<String>::new(), "unsound candidate {candidate:?}");
            let failed = (self.shows)(self.calls) && (self.bug)(candidate);
            self.calls += 1;
            if failed {
                self.failed.push(candidate.clone());
            }
            std::future::ready(Ok(failed))
        }
    }

    async fn run(fake: &mut Fake, confirm: Confirm, budget: Budget) -> (Shrunk, u32) {
        let mut reports = 0;
        let shrunk = shrink(eight(), fake, confirm, budget, &mut |_| reports += 1).await.unwrap();
        (shrunk, reports)
    }

    fn minimal() -> Schedule {
        Schedule {
            seed: 7,
            time_ms: 7000,
            max_active: 2,
            settle_ms: 0,
            faults: vec![at(4, 6000, 500, partition(&[&["a"], &["b"]]))],
        }
    }

    const MANY: Budget = Budget::Runs(10_000);

    #[tokio::test]
    async fn finds_the_one_partition_narrowed_and_shortened() {
        assert!(eight().problems().is_empty());
        let mut fake = runner(cut, |_| true);
        let (shrunk, reports) = run(&mut fake, Confirm::default(), MANY).await;
        assert_eq!(shrunk.schedule, minimal());
        assert_eq!((shrunk.faults_before, shrunk.faults_after), (8, 1));
        assert_eq!((shrunk.span_before_ms, shrunk.span_after_ms), (17000, 6500));
        assert!(!shrunk.budget_spent);
        assert_eq!((shrunk.runs, reports), (fake.calls, fake.calls));
        assert!(shrunk.accepted > 0 && shrunk.candidates > shrunk.accepted);
        let (again, _) = run(&mut runner(cut, |_| true), Confirm::default(), MANY).await;
        assert_eq!(again, shrunk, "the same answers give the same result");
    }

    #[tokio::test]
    async fn removes_idle_time_but_keeps_start_times_otherwise() {
        let (shrunk, _) = run(&mut runner(cut_and_pause, |_| true), Confirm::default(), MANY).await;
        let pause = at(5, 7000, 500, Fault::Pause { nodes: ns(&["d"]) });
        let faults = vec![at(4, 6000, 500, partition(&[&["a"], &["b"]])), pause];
        assert_eq!(shrunk.schedule, Schedule { seed: 7, time_ms: 8000, max_active: 2, settle_ms: 0, faults });
    }

    #[tokio::test]
    async fn a_runner_failing_two_in_three_still_shrinks_with_two_of_three() {
        let (shrunk, _) = run(&mut runner(cut, |i| i % 3 != 2), Confirm::default(), MANY).await;
        assert_eq!(shrunk.schedule, minimal());
    }

    #[tokio::test]
    async fn a_runner_failing_one_in_three_is_not_confirmed_by_two_of_three() {
        let (shrunk, _) = run(&mut runner(cut, |i| i % 3 == 0), Confirm::default(), MANY).await;
        assert_eq!(shrunk.schedule, eight());
        assert_eq!((shrunk.accepted, shrunk.faults_after, shrunk.budget_spent), (0, 8, false));
        assert!(shrunk.candidates > 10);
        let (shrunk, _) = run(&mut runner(cut, |i| i % 3 == 0), Confirm { k: 1, n: 3 }, MANY).await;
        assert_eq!(shrunk.schedule, minimal());
    }

    #[tokio::test]
    async fn a_run_budget_stops_with_a_schedule_that_failed() {
        let mut fake = runner(cut, |_| true);
        let (shrunk, reports) = run(&mut fake, Confirm::default(), Budget::Runs(5)).await;
        assert_eq!((shrunk.runs, fake.calls, reports), (5, 5, 5));
        assert!(shrunk.budget_spent);
        assert_eq!(shrunk.accepted, 1);
        let numbers: Vec<usize> = shrunk.schedule.faults.iter().map(|f| f.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4]);
        assert!(fake.failed.contains(&shrunk.schedule));
    }

    fn slow_cut(s: &Schedule) -> bool {
        std::thread::sleep(Duration::from_millis(20));
        cut(s)
    }

    #[tokio::test]
    async fn a_time_budget_stops_runs() {
        let mut fake = runner(slow_cut, |_| true);
        let (shrunk, _) = run(&mut fake, Confirm::default(), Budget::Time(Duration::from_millis(50))).await;
        assert!(shrunk.budget_spent);
        assert!(shrunk.runs <= 3, "{} runs", shrunk.runs);
    }

    #[test]
    fn removals_go_by_halves_then_singles_and_keep_start_times() {
        let s = eight();
        let all = removals(&s);
        let what: Vec<&str> = all.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(what[..3], ["remove faults 1, 2, 3, 4", "remove faults 5, 6, 7, 8", "remove faults 1, 2"]);
        assert_eq!((what[6], what[13], all.len()), ("remove fault 1", "remove fault 8", 14));
        for f in all.iter().flat_map(|c| &c.schedule.faults) {
            assert_eq!(f.start_ms, s.faults[f.number - 1].start_ms);
        }
    }

    #[test]
    fn gaps_move_later_faults_only_and_leave_idle_time() {
        let kill = |number, start_ms| at(number, start_ms, 1000, Fault::Kill { nodes: ns(&["a"]) });
        let s = Schedule {
            seed: 1,
            time_ms: 8000,
            max_active: 1,
            settle_ms: 0,
            faults: vec![kill(1, 1000), kill(2, 5000)],
        };
        let got: Vec<(Vec<u64>, u64)> = gaps(&s)
            .iter()
            .map(|c| (c.schedule.faults.iter().map(|f| f.start_ms).collect(), c.schedule.time_ms))
            .collect();
        assert_eq!(got, [(vec![500, 4500], 7500), (vec![1000, 2500], 5500), (vec![1000, 5000], 6500)]);
    }

    #[test]
    fn shortening_halves_down_to_the_floor_and_skips_restarts() {
        let what: Vec<String> = shortenings(&eight()).into_iter().map(|c| c.what).collect();
        assert_eq!(what[0], "shorten fault 1 to 1000 ms");
        assert_eq!(what[2], "shorten fault 3 to 500 ms");
        assert_eq!(what.len(), 7, "all but the restart");
    }

    #[test]
    fn narrowing_keeps_a_node_per_side_and_two_groups() {
        let what = |f: Fault| -> Vec<String> { narrowed(&f).into_iter().map(|(w, _)| w).collect() };
        assert_eq!(what(partition(&[&["a"], &["b", "c"]])), ["b from group 2", "c from group 2"]);
        assert_eq!(what(partition(&[&["a"], &["b"], &["c"]])).len(), 3);
        assert!(what(partition(&[&["a"], &["b"]])).is_empty());
        assert_eq!(what(Fault::OneWay { from: ns(&["a"]), to: ns(&["b", "c"]) }), ["b from to", "c from to"]);
        assert!(what(Fault::Restart { nodes: ns(&["a"]) }).is_empty());
        let (_, dropped) = &narrowed(&partition(&[&["a"], &["b"], &["c"]]))[0];
        assert_eq!(*dropped, partition(&[&["b"], &["c"]]));
    }

    #[test]
    fn confirm_parses_k_of_n() {
        assert_eq!("2/3".parse(), Ok(Confirm { k: 2, n: 3 }));
        assert_eq!(" 1 / 1 ".parse(), Ok(Confirm { k: 1, n: 1 }));
        assert_eq!(Confirm::default(), Confirm { k: 2, n: 3 });
        for bad in ["0/3", "4/3", "x", "2/0", "2", "+2/3", "2/3/4", ""] {
            let err = bad.parse::<Confirm>().unwrap_err();
            assert!(err.contains("expected two whole numbers with 1 <= k <= n, like 2/3"), "{bad}: {err}");
        }
    }

    #[test]
    fn budget_parses_runs_or_a_duration() {
        assert_eq!("60".parse(), Ok(Budget::Runs(60)));
        assert_eq!("20m".parse(), Ok(Budget::Time(Duration::from_secs(1200))));
        assert_eq!("90s".parse(), Ok(Budget::Time(Duration::from_secs(90))));
        assert_eq!("1h".parse(), Ok(Budget::Time(Duration::from_secs(3600))));
        assert_eq!(Budget::default(), Budget::Runs(60));
        for bad in ["0", "0s", "x", "", "-5", "5d", "99999999999"] {
            let err = bad.parse::<Budget>().unwrap_err();
            assert!(
                err.contains("expected a number of runs like 60, or a duration like 90s, 20m or 1h"),
                "{bad}: {err}"
            );
        }
    }
}
