//! `nemesis: {time, faults, targets, gap, duration, max-active, settle}`: what a
//! nemesis step draws its faults from. The drawing itself is the runtime's
//! ([`crate::nemesis`]); here the words, durations and ranges are checked.
//!
//! A suite has at most one nemesis, at the top of `steps:` (not in a
//! `repeat`): the schedule it draws replaces it, step for step.

use std::time::Duration;

use super::checker::quoted;
use super::error::did_you_mean;
use super::locate::Path;
use super::plan::{Action, Nemesis, NemesisFault, Shape};
use super::raw::Names;
use super::raw_steps::RawNemesis;
use super::steps::StepCx;
use super::vocabulary::{MAX_ACTIVE, MAX_NEMESIS_TIME};

/// The faults drawn when `faults:` is not given.
pub const DEFAULT_FAULTS: [NemesisFault; 12] = [
    NemesisFault::Partition,
    NemesisFault::OneWay,
    NemesisFault::Drop,
    NemesisFault::Stall,
    NemesisFault::Delay,
    NemesisFault::Duplicate,
    NemesisFault::Reorder,
    NemesisFault::Rate,
    NemesisFault::Reject,
    NemesisFault::Pause,
    NemesisFault::Kill,
    NemesisFault::Restart,
];

impl StepCx<'_, '_> {
    /// Validates a nemesis step, the `index`-th of `steps:`.
    pub fn nemesis(&mut self, raw: &RawNemesis, index: usize) -> Action {
        let at = self.path.key("nemesis");
        if let Some(iteration) = self.iteration {
            let help = Some("put the `nemesis` step at the top of `steps:`; its `time` is how long it runs".into());
            let message = format!("a `nemesis` cannot be inside a `repeat` (here in iteration {iteration})");
            self.cx.at_key(&at, message, help);
        } else if let Some(first) = self.history.nemesis {
            let help = Some(format!("the first is at line {first}; make it one nemesis with a longer `time`"));
            self.cx.at_key(&at, "a suite has at most one `nemesis` step", help);
        } else {
            self.history.nemesis = Some(self.line);
            for (id, at) in std::mem::take(&mut self.history.nemesis_like) {
                self.reserved_for_nemesis(&id, &at);
            }
        }
        let time = self.nemesis_time(raw.time.as_deref(), &at);
        let faults = self.words(raw.faults.as_deref(), &at.key("faults"), &DEFAULT_FAULTS);
        let shapes = self.words(raw.targets.as_deref(), &at.key("targets"), Shape::ALL);
        // Not 0: each fault's start must move time on, or a draw whose
        // nodes are all busy would try again at the same time for ever.
        let gap = self.range(raw.gap.as_ref(), &at.key("gap"), (1, 5), Duration::from_millis(1));
        let duration = self.range(raw.duration.as_ref(), &at.key("duration"), (2, 8), Duration::from_millis(100));
        let max_active = match raw.max_active {
            None => 2,
            Some(n) => match usize::try_from(n) {
                Ok(n) if (1..=MAX_ACTIVE).contains(&n) => n,
                _ => {
                    let help = Some(format!("a whole number from 1 to {MAX_ACTIVE}"));
                    self.cx.at(&at.key("max-active"), format!("`max-active: {n}` is out of range"), help);
                    1
                }
            },
        };
        if faults.contains(&NemesisFault::Breakpoint) && !self.any_points() {
            let help = Some("declare them under the program: `points: [gossip.send, ...]`".into());
            self.cx.at(&at.key("faults"), "`breakpoint` needs a program that declares `points:`", help);
        }
        let settle = self.settle(raw.settle.as_deref(), &at.key("settle"));
        Action::Nemesis(Nemesis { time, faults, shapes, gap, duration, max_active, settle, index })
    }

    fn nemesis_time(&mut self, raw: Option<&str>, at: &Path) -> Duration {
        let Some(text) = raw else {
            self.cx.at_key(at, "`nemesis` needs `time:`", Some("how long it runs, e.g. `time: 30s`".into()));
            return Duration::from_secs(1);
        };
        let time = self.cx.duration(Some(text), &at.key("time"), Duration::from_secs(1));
        if time.is_zero() || time > MAX_NEMESIS_TIME {
            let help = Some("more than zero, at most 1h".into());
            self.cx.at(&at.key("time"), format!("`time: {text}` is out of range"), help);
        }
        time
    }

    fn settle(&mut self, raw: Option<&str>, at: &Path) -> Duration {
        let settle = self.cx.duration(raw, at, Duration::ZERO);
        if settle > MAX_NEMESIS_TIME {
            let text = raw.unwrap_or_default();
            self.cx.at(at, format!("`settle: {text}` is out of range"), Some("at most 1h".into()));
        }
        settle
    }

    /// A list of words of `W`, not empty, none twice; `default` when absent.
    fn words<W: Word>(&mut self, raw: Option<&[String]>, at: &Path, default: &[W]) -> Vec<W> {
        let Some(raw) = raw else { return default.to_vec() };
        if raw.is_empty() {
            let help = Some(format!("leave the key out for the default, or list some of {}", W::all_quoted()));
            self.cx.at(at, "the list is empty", help);
        }
        let mut out = Vec::new();
        for (i, word) in raw.iter().enumerate() {
            match W::parse(word) {
                Some(w) if out.contains(&w) => self.cx.at(&at.index(i), format!("`{word}` is listed twice"), None),
                Some(w) => out.push(w),
                None => {
                    let help = W::suggest(word).or_else(|| Some(format!("expected one of {}", W::all_quoted())));
                    self.cx.at(&at.index(i), format!("unknown {} `{word}`", W::WHAT), help);
                }
            }
        }
        out
    }

    /// A duration or `[MIN, MAX]`, at least `least`; `default` in seconds.
    fn range(&mut self, raw: Option<&Names>, at: &Path, default: (u64, u64), least: Duration) -> (Duration, Duration) {
        let default = (Duration::from_secs(default.0), Duration::from_secs(default.1));
        let help = || Some("a duration (`2s`) or a range `[1s, 5s]`".to_string());
        let (min, max) = match raw.map(Names::items).as_deref() {
            None => return default,
            Some([(_, one)]) => {
                let d = self.cx.duration(Some(one), at, default.0);
                (d, d)
            }
            Some([(_, min), (_, max)]) => (
                self.cx.duration(Some(min), &at.index(0), default.0),
                self.cx.duration(Some(max), &at.index(1), default.1),
            ),
            Some(_) => {
                self.cx.at(at, "expected a duration or two: `[MIN, MAX]`", help());
                return default;
            }
        };
        if min > max {
            self.cx.at(at, "the range's first duration is longer than its second", help());
        } else if min < least {
            self.cx.at(at, format!("the shortest is {}ms", least.as_millis()), help());
        }
        (min, max)
    }

    fn any_points(&self) -> bool {
        self.scope.programs.values().any(|p| p.points.is_some())
    }
}

/// A word list a nemesis takes.
trait Word: Copy + PartialEq + 'static {
    const WHAT: &'static str;
    fn parse(word: &str) -> Option<Self>;
    fn all_quoted() -> String;
    fn suggest(word: &str) -> Option<String>;
}

macro_rules! word {
    ($t:ty, $what:literal) => {
        impl Word for $t {
            const WHAT: &'static str = $what;
            fn parse(word: &str) -> Option<Self> {
                <$t>::from_key(word)
            }
            fn all_quoted() -> String {
                quoted(&<$t>::keys().collect::<Vec<_>>())
            }
            fn suggest(word: &str) -> Option<String> {
                did_you_mean(word, <$t>::keys())
            }
        }
    };
}

word!(NemesisFault, "fault kind");
word!(Shape, "target shape");
