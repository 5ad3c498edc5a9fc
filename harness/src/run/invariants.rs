//! `always` and `eventually` checks at run time.
//!
//! The `always` checks are sampled by [`watch`], a future that runs beside
//! the steps and the checks (the runner selects on both) and shares a
//! [`Watch`] with the runner: the runner tells it which step is running,
//! and records a broken invariant the next time it observes. Each check
//! samples on its own interval and stops at its first broken sample. Their
//! results are recorded after every other check, so they cover the whole
//! run, from the first step to the end of the checks. A check with
//! `tolerate` breaks only once its samples have not held for that long in a
//! row, and is reported at the first of them.
//!
//! An `eventually` check is judged in its turn among the checks, like
//! `converged`, from samples of its own.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures::future::join_all;

use super::Runner;
use crate::events::{Broken, CheckOutcome, Figures, RunEvent};
use crate::invariant::{Condition, Sampler, Verdict};
use crate::suite::plan::{Check, Invariant};

/// What the `always` checks have seen so far.
#[derive(Debug, Default)]
pub(crate) struct Watch {
    checks: Vec<Watched>,
    /// The step running (1-based); `None` before the steps and during the
    /// checks.
    step: Option<usize>,
    /// Whether the steps have begun: no sample is taken before.
    begun: bool,
}

#[derive(Debug)]
struct Watched {
    invariant: Invariant,
    condition: Condition,
    samples: u64,
    /// The first sample of the lapse under way, if the last did not hold.
    lapse: Option<Sample>,
    broken: Option<Sample>,
    recorded: bool,
}

impl Watched {
    /// Counts a sample, `None` if it held; true when the check is now
    /// broken: its lapse has lasted `tolerate`, from its first sample to
    /// this one.
    fn count(&mut self, lapsed: Option<Sample>) -> bool {
        self.samples += 1;
        let Some(sample) = lapsed else {
            self.lapse = None;
            return false;
        };
        let now = sample.at;
        let first = self.lapse.get_or_insert(sample);
        if now.duration_since(first.at) < self.invariant.tolerate {
            return false;
        }
        self.broken = self.lapse.take();
        true
    }
}

#[derive(Debug)]
struct Sample {
    at: Instant,
    step: Option<usize>,
    gave: String,
    value: serde_json::Value,
}

/// The watch shared by the runner and [`watch`].
pub(crate) type Shared = Rc<RefCell<Watch>>;

impl Watch {
    /// A watch over the `always` checks of `checks`; conditions were
    /// checked when the suite was loaded.
    pub(crate) fn new(checks: &[Check]) -> Result<Watch, String> {
        let mut watched = Vec::new();
        for check in checks {
            if let Check::Always(invariant) = check {
                let condition = Condition::compile(&invariant.holds)?;
                watched.push(Watched {
                    invariant: invariant.clone(),
                    condition,
                    samples: 0,
                    lapse: None,
                    broken: None,
                    recorded: false,
                });
            }
        }
        Ok(Watch { checks: watched, step: None, begun: false })
    }

    /// Whether there is anything to sample.
    pub(crate) fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// Marks step `step` as running, or the checks when `None`.
    pub(crate) fn set_step(&mut self, step: Option<usize>) {
        self.begun = true;
        self.step = step;
    }
}

/// Samples every `always` check on its own interval, from the first step
/// on, until it breaks. Never completes: it ends when dropped.
pub(crate) async fn watch(shared: Shared, sampler: Rc<Sampler>) {
    let count = shared.borrow().checks.len();
    join_all((0..count).map(|i| sample_one(shared.clone(), sampler.clone(), i))).await;
    std::future::pending::<()>().await;
}

async fn sample_one(shared: Shared, sampler: Rc<Sampler>, index: usize) {
    let every = shared.borrow().checks[index].invariant.every;
    while !shared.borrow().begun {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    loop {
        let at = Instant::now();
        let step = shared.borrow().step;
        let value = sampler.sample().await;
        let broken = {
            let mut watch = shared.borrow_mut();
            let watched = &mut watch.checks[index];
            let lapsed = match watched.condition.judge(&value) {
                Verdict::Holds => None,
                Verdict::Broken(gave) => Some(Sample { at, step, gave, value }),
            };
            watched.count(lapsed)
        };
        if broken {
            return;
        }
        tokio::time::sleep_until((at + every).into()).await;
    }
}

impl Runner<'_, '_> {
    /// Records every `always` check broken since the last call.
    pub(crate) fn record_broken(&mut self) {
        let now = self.log.now();
        let mut events = Vec::new();
        for watched in self.watch.borrow_mut().checks.iter_mut().filter(|w| !w.recorded) {
            if let Some(s) = &watched.broken {
                watched.recorded = true;
                events.push(RunEvent::InvariantBroken {
                    check: watched.invariant.name.clone(),
                    at: now - s.at.elapsed().as_secs_f64(),
                    step: s.step,
                    gave: s.gave.clone(),
                    sample: s.value.clone(),
                });
            }
        }
        for event in events {
            self.log.record(event);
        }
    }

    /// The outcomes of the `always` checks, at the end of the checks.
    pub(crate) fn always_outcomes(&mut self) -> Vec<CheckOutcome> {
        self.record_broken();
        let now = self.log.now();
        let watch = self.watch.borrow();
        watch
            .checks
            .iter()
            .map(|w| {
                let name = &w.invariant.name;
                let broken = w.broken.as_ref().map(|s| Broken {
                    at_seconds: now - s.at.elapsed().as_secs_f64(),
                    step: s.step,
                    gave: s.gave.clone(),
                    sample: s.value.clone(),
                });
                let (summary, detail) = match &broken {
                    None => (
                        format!("held in {} samples", w.samples),
                        format!("`{name}` held in all {} samples, every {:?}", w.samples, w.invariant.every),
                    ),
                    Some(b) => {
                        let when = b.step.map_or_else(|| "during the checks".into(), |s| format!("during step {s}"));
                        let lasting = match w.invariant.tolerate.is_zero() {
                            true => String::new(),
                            false => format!(" and did not hold again for {:?}", w.invariant.tolerate),
                        };
                        (
                            format!("broken at {:.1}s", b.at_seconds),
                            format!(
                                "`{name}` broken at {:.1}s ({when}){lasting}, at sample {}: gave {}; the sample: {}",
                                b.at_seconds,
                                w.samples,
                                b.gave,
                                crate::invariant::short(&b.sample, 600)
                            ),
                        )
                    }
                };
                CheckOutcome {
                    check: format!("always {name}"),
                    passed: broken.is_none(),
                    summary,
                    detail,
                    measured: broken.as_ref().map(|b| b.at_seconds),
                    figures: Figures::Always {
                        name: name.clone(),
                        every_seconds: w.invariant.every.as_secs_f64(),
                        samples: w.samples,
                        broken,
                    },
                }
            })
            .collect()
    }

    /// `eventually`: samples until the condition has held for
    /// `stable_for`, giving up after `within`.
    pub(crate) async fn check_eventually(
        &mut self,
        invariant: &Invariant,
        within: Duration,
        stable_for: Duration,
    ) -> CheckOutcome {
        let name = &invariant.name;
        let figures = |after: Option<Duration>, last: Option<String>| Figures::Eventually {
            name: name.clone(),
            after_seconds: after.map(|a| a.as_secs_f64()),
            within_seconds: within.as_secs_f64(),
            stable_for_seconds: stable_for.as_secs_f64(),
            last,
        };
        let outcome = |passed, summary, detail, after: Option<Duration>, last| CheckOutcome {
            check: format!("eventually {name}"),
            passed,
            summary,
            detail,
            measured: after.map(|a| a.as_secs_f64()),
            figures: figures(after, last),
        };
        let condition = match Condition::compile(&invariant.holds) {
            Ok(c) => c,
            Err(e) => return outcome(false, "invalid".into(), e, None, None),
        };
        let start = Instant::now();
        let deadline = start + within;
        let mut since: Option<Instant> = None;
        let mut last: String;
        loop {
            let at = Instant::now();
            let left = deadline.saturating_duration_since(at).max(invariant.every);
            let Ok(sample) = tokio::time::timeout(left, self.sampler.sample()).await else {
                last = "a probe was still unanswered at the deadline".into();
                break;
            };
            match condition.judge(&sample) {
                Verdict::Holds => {
                    last = format!("true, but not yet for {stable_for:?}");
                    let first = *since.get_or_insert(at);
                    if at.duration_since(first) >= stable_for {
                        let after = first.duration_since(start);
                        let detail = format!("`{name}` true after {:.1}s, for {stable_for:?}", after.as_secs_f64());
                        return outcome(true, format!("in {:.1}s", after.as_secs_f64()), detail, Some(after), None);
                    }
                }
                Verdict::Broken(gave) => {
                    since = None;
                    last = format!("gave {gave}; the sample: {}", crate::invariant::short(&sample, 600));
                }
            }
            if start.elapsed() >= within {
                break;
            }
            self.tick().await;
            tokio::time::sleep_until((at + invariant.every).into()).await;
        }
        let detail = format!("`{name}` not true for {stable_for:?} within {within:?}: last {last}");
        outcome(false, format!("not within {within:?}"), detail, None, Some(last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched(tolerate: Duration) -> Watched {
        let invariant =
            Invariant { name: "i".into(), holds: "true".into(), every: Duration::from_millis(500), tolerate };
        let condition = Condition::compile("true").unwrap();
        Watched { invariant, condition, samples: 0, lapse: None, broken: None, recorded: false }
    }

    fn lapsed(at: Instant, gave: &str) -> Option<Sample> {
        Some(Sample { at, step: Some(1), gave: gave.into(), value: serde_json::Value::Null })
    }

    #[test]
    fn without_tolerance_the_first_lapse_breaks_it() {
        let t0 = Instant::now();
        let mut w = watched(Duration::ZERO);
        assert!(!w.count(None));
        assert!(w.count(lapsed(t0, "false")));
        assert_eq!(w.broken.as_ref().map(|b| b.gave.as_str()), Some("false"));
        assert_eq!(w.samples, 2);
    }

    #[test]
    fn a_lapse_shorter_than_tolerated_is_forgiven_and_a_longer_one_breaks_at_its_start() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut w = watched(ms(500));
        assert!(!w.count(lapsed(t0, "first")));
        assert!(!w.count(lapsed(t0 + ms(400), "second")));
        assert!(!w.count(None), "it held again within 500ms");
        assert!(w.broken.is_none() && w.lapse.is_none());
        assert!(!w.count(lapsed(t0 + ms(1000), "third")));
        assert!(w.count(lapsed(t0 + ms(1500), "fourth")), "500ms in a row");
        let broken = w.broken.as_ref().unwrap();
        assert_eq!((broken.gave.as_str(), broken.at), ("third", t0 + ms(1000)));
    }
}
