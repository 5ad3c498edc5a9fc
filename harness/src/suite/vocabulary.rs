//! The words of the suite language, declared once: the step actions
//! ([`ActionKind`]), their modifiers ([`Modifier`]) and which modifier goes
//! with which action ([`ActionKind::modifiers`]), the network faults among
//! the actions ([`FaultKind`]), the checks ([`CheckKind`]), and the smaller
//! word lists (await conditions, breakpoint actions, churn window starts,
//! expectations, target words, protocols, HTTP methods), and the limits of
//! `repeat` ([`MAX_REPEAT`], [`ITERATION`]). The plan uses the small enums as
//! they are.
//!
//! Everything else reads these: the validator (one action per step, only its
//! modifiers, "did you mean" lists), the JSON Schema ([`super::schema`]) and
//! the tests that hold `docs/suite-format.md`'s tables to them. The keys of
//! the raw serde structs are the same words by construction (a test checks
//! that the loader rejects anything else). This module is the bottom layer of
//! `suite/`: it depends on nothing else in it.

use std::fmt;

use quiesce_faults::{Proto, TargetSpec};

/// Declares a closed set of words: an enum, `ALL` in the order messages list
/// them, `key()` as written in a suite, `from_key()`, and `Display` as the key.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $key:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every word, in the order errors and the schema list them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The word as written in a suite.
            pub const fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)*
                }
            }

            /// The word written `key`, if it is one.
            pub fn from_key(key: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|w| w.key() == key)
            }

            /// Every key, in [`Self::ALL`]'s order.
            pub fn keys() -> impl Iterator<Item = &'static str> {
                Self::ALL.iter().map(|w| w.key())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.key())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let key = String::deserialize(d)?;
                Self::from_key(&key).ok_or_else(|| {
                    let keys: Vec<&str> = Self::keys().collect();
                    serde::de::Error::custom(format!("unknown `{key}`, expected one of {}", keys.join(", ")))
                })
            }
        }
    };
}

words!(
    /// What a step does: the one action key of a step.
    ActionKind {
        /// `sleep: DURATION`
        Sleep = "sleep",
        /// `await: CONDITION`
        Await = "await",
        /// `pause: TARGETS`
        Pause = "pause",
        /// `resume: TARGETS`
        Resume = "resume",
        /// `kill: TARGETS`
        Kill = "kill",
        /// `signal: TARGETS` (with `name:`); in a step with `kill`, `signal`
        /// is `kill`'s modifier instead.
        Signal = "signal",
        /// `start: TARGETS`
        Start = "start",
        /// `restart: TARGETS`
        Restart = "restart",
        /// `partition: GROUPS` or `{from, to}`
        Partition = "partition",
        /// `heal: IDS`
        Heal = "heal",
        /// `drop: FLOW`
        Drop = "drop",
        /// `stall: FLOW`
        Stall = "stall",
        /// `release: IDS`
        Release = "release",
        /// `delay: FLOW`
        Delay = "delay",
        /// `duplicate: FLOW`
        Duplicate = "duplicate",
        /// `reorder: FLOW`
        Reorder = "reorder",
        /// `rate: FLOW`
        Rate = "rate",
        /// `reject: FLOW`
        Reject = "reject",
        /// `breakpoint: {nodes, point, match, action}`
        Breakpoint = "breakpoint",
        /// `continue: {nodes, point}`
        Continue = "continue",
        /// `disarm: {nodes, point}`
        Disarm = "disarm",
        /// `exec: [ARGV...]`
        Exec = "exec",
        /// `http: URL`
        Http = "http",
        /// `repeat: {times, steps}`: the steps, `times` times over; expanded
        /// into ordinary steps at validation.
        Repeat = "repeat",
        /// `nemesis: {time, faults, targets, gap, duration, max-active, settle}`:
        /// random faults drawn from the seed; replaced by the steps it draws
        /// before the run.
        Nemesis = "nemesis",
    }
);

words!(
    /// A key that qualifies a step's action.
    Modifier {
        /// `await`'s deadline.
        Within = "within",
        /// `kill`'s signal (`signal` is also an action).
        Signal = "signal",
        /// The `signal` action's signal.
        Name = "name",
        /// The share of packets a fault affects.
        Probability = "probability",
        /// How many packets `drop` drops.
        Count = "count",
        /// `delay`'s fixed delay.
        By = "by",
        /// `delay`'s random extra delay.
        Jitter = "jitter",
        /// How long `reorder` holds packets back.
        Gap = "gap",
        /// `rate`'s rate.
        Limit = "limit",
        /// `rate`'s longest wait.
        Queue = "queue",
        /// A network fault's id.
        Id = "id",
        /// The nodes `exec` and `http` run on.
        On = "on",
        /// Whether `exec` waits.
        Wait = "wait",
        /// How long `exec` or `http` may take.
        Timeout = "timeout",
        /// Whether `exec`'s exit status counts.
        Check = "check",
        /// `http`'s method.
        Method = "method",
        /// `http`'s body.
        Body = "body",
        /// `http`'s expected status.
        Expect = "expect",
    }
);

words!(
    /// A network fault: an action that adds a rule to the switch (and takes
    /// `id`), undone by `heal` (and a stall by `release`).
    FaultKind {
        /// `partition`
        Partition = "partition",
        /// `drop`
        Drop = "drop",
        /// `stall`
        Stall = "stall",
        /// `delay`
        Delay = "delay",
        /// `duplicate`
        Duplicate = "duplicate",
        /// `reorder`
        Reorder = "reorder",
        /// `rate`
        Rate = "rate",
        /// `reject`
        Reject = "reject",
    }
);

words!(
    /// What an item of `checks:` checks.
    CheckKind {
        /// `converged: {within, stable-for}`
        Converged = "converged",
        /// `live: {timeout}`
        Live = "live",
        /// `churn: {...}`
        Churn = "churn",
        /// `always: {name, holds, every}`
        Always = "always",
        /// `eventually: {name, holds, within, stable-for, every}`
        Eventually = "eventually",
    }
);

words!(
    /// The conditions `await` takes as a bare word (the others are maps).
    BareCondition {
        /// Every running node answers and all views are equal.
        Converged = "converged",
        /// Every running node answers and the views are not all equal.
        Diverged = "diverged",
    }
);

words!(
    /// What an armed breakpoint does to a matching hit (`action:`).
    BreakAction {
        /// Hold the caller until `continue` or `disarm`.
        Pause = "pause",
        /// Tell the caller to drop this message, and go on.
        Skip = "skip",
    }
);

words!(
    /// Where a churn window starts (`after:`).
    ChurnFrom {
        /// `after: steps`: when the last step ended.
        Steps = "steps",
        /// `after: heal`: when the last `heal` (or `release`) step ended; the
        /// end of the steps if there was none.
        Heal = "heal",
    }
);

words!(
    /// What a variant's checks are expected to do (`expect:`).
    Expect {
        /// The checks pass.
        Pass = "pass",
        /// The checks fail: a reproduction of a known bug.
        Fail = "fail",
    }
);

impl ActionKind {
    /// The modifiers that go with this action.
    pub fn modifiers(self) -> &'static [Modifier] {
        use Modifier as M;
        match self {
            ActionKind::Await => &[M::Within],
            ActionKind::Kill => &[M::Signal],
            ActionKind::Signal => &[M::Name],
            ActionKind::Drop => &[M::Probability, M::Count, M::Id],
            ActionKind::Delay => &[M::By, M::Jitter, M::Id],
            ActionKind::Duplicate => &[M::Probability, M::Id],
            ActionKind::Reorder => &[M::Probability, M::Gap, M::Id],
            ActionKind::Rate => &[M::Limit, M::Queue, M::Id],
            ActionKind::Partition | ActionKind::Stall | ActionKind::Reject => &[M::Id],
            ActionKind::Exec => &[M::On, M::Wait, M::Timeout, M::Check],
            ActionKind::Http => &[M::On, M::Method, M::Body, M::Expect, M::Timeout],
            ActionKind::Sleep
            | ActionKind::Pause
            | ActionKind::Resume
            | ActionKind::Start
            | ActionKind::Restart
            | ActionKind::Heal
            | ActionKind::Release
            | ActionKind::Breakpoint
            | ActionKind::Continue
            | ActionKind::Disarm
            | ActionKind::Repeat
            | ActionKind::Nemesis => &[],
        }
    }

    /// The network fault this action starts, if it starts one.
    pub fn fault(self) -> Option<FaultKind> {
        FaultKind::from_key(self.key())
    }
}

impl Modifier {
    /// The actions this modifier goes with, in [`ActionKind::ALL`]'s order.
    pub fn actions(self) -> Vec<ActionKind> {
        ActionKind::ALL.iter().copied().filter(|a| a.modifiers().contains(&self)).collect()
    }
}

impl FaultKind {
    /// The step action that starts this fault.
    pub fn action(self) -> ActionKind {
        match self {
            FaultKind::Partition => ActionKind::Partition,
            FaultKind::Drop => ActionKind::Drop,
            FaultKind::Stall => ActionKind::Stall,
            FaultKind::Delay => ActionKind::Delay,
            FaultKind::Duplicate => ActionKind::Duplicate,
            FaultKind::Reorder => ActionKind::Reorder,
            FaultKind::Rate => ActionKind::Rate,
            FaultKind::Reject => ActionKind::Reject,
        }
    }
}

impl CheckKind {
    /// Whether the check may be written as its bare name (`- live`) for its
    /// defaults: `churn` has no defaults for its bounds.
    pub fn bare(self) -> bool {
        !matches!(self, CheckKind::Churn | CheckKind::Always | CheckKind::Eventually)
    }
}

/// The words that choose nodes at run time, and what they mean.
pub const SPEC_WORDS: [(&str, TargetSpec); 5] = [
    ("one", TargetSpec::One),
    ("minority", TargetSpec::Minority),
    ("majority", TargetSpec::Majority),
    ("all", TargetSpec::All),
    ("others", TargetSpec::Others),
];

/// The spec word `word`, if it is one.
pub fn spec_word(word: &str) -> Option<TargetSpec> {
    SPEC_WORDS.iter().find(|(w, _)| *w == word).map(|(_, s)| *s)
}

/// The target words, in [`SPEC_WORDS`]' order.
pub fn spec_words() -> Vec<&'static str> {
    SPEC_WORDS.iter().map(|(w, _)| *w).collect()
}

/// The protocols a flow can name, as written.
pub const PROTOS: [(&str, Proto); 3] = [("tcp", Proto::Tcp), ("udp", Proto::Udp), ("icmp", Proto::Icmp)];

/// A protocol as written in a suite.
pub fn proto_key(proto: Proto) -> &'static str {
    match proto {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
        Proto::Icmp => "icmp",
    }
}

/// The most times a `repeat` may run its steps: a bound on the size of the
/// expanded plan, so that `quiesce check` stays quick.
pub const MAX_REPEAT: usize = 10_000;

/// The key any step but a `repeat` or `nemesis` may have besides its action
/// and modifiers: the variants it runs in.
pub const STEP_VARIANTS: &str = "variants";

/// What an id inside a `repeat` writes for the iteration, from 1.
pub const ITERATION: &str = "{i}";

words!(
    /// A kind of fault a `nemesis` step draws.
    NemesisFault {
        /// Two-way groups: `partition: [[...], [...]]`, then `heal`.
        Partition = "partition",
        /// A one-way cut: `partition: {from, to}`, then `heal`.
        OneWay = "one-way",
        /// `drop` with a drawn probability, then `heal`.
        Drop = "drop",
        /// `stall`, then `release`.
        Stall = "stall",
        /// `delay` with a drawn delay and jitter, then `heal`.
        Delay = "delay",
        /// `duplicate` with a drawn probability, then `heal`.
        Duplicate = "duplicate",
        /// `reorder` with a drawn probability and gap, then `heal`.
        Reorder = "reorder",
        /// `rate` with a drawn limit, then `heal`.
        Rate = "rate",
        /// `reject`, then `heal`.
        Reject = "reject",
        /// `pause`, then `resume`.
        Pause = "pause",
        /// `kill`, then `start`.
        Kill = "kill",
        /// `restart`: stop and start again at once.
        Restart = "restart",
        /// `breakpoint` on a point the nodes' program declares (`pause` or
        /// `skip`), then `disarm`.
        Breakpoint = "breakpoint",
    }
);

impl NemesisFault {
    /// Whether the fault is on the network (else on the nodes' processes).
    pub fn on_network(self) -> bool {
        !matches!(self, NemesisFault::Pause | NemesisFault::Kill | NemesisFault::Restart | NemesisFault::Breakpoint)
    }
}

words!(
    /// How a `nemesis` step draws a fault's nodes.
    Shape {
        /// One node, against the rest.
        One = "one",
        /// (n - 1) / 2 nodes, against the rest.
        Minority = "minority",
        /// n / 2 + 1 nodes, against the rest.
        Majority = "majority",
        /// Two nodes: one against the other.
        Pairs = "pairs",
        /// The nodes split in two halves at random.
        Halves = "halves",
    }
);

/// The longest a `nemesis` step may run.
pub const MAX_NEMESIS_TIME: std::time::Duration = std::time::Duration::from_secs(3600);

/// The most faults a `nemesis` step may have active at once.
pub const MAX_ACTIVE: usize = 16;

/// The methods `http` may use.
pub const METHODS: [&str; 6] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for a in ActionKind::ALL {
            assert_eq!(ActionKind::from_key(a.key()), Some(*a));
        }
        for m in Modifier::ALL {
            assert_eq!(Modifier::from_key(m.key()), Some(*m));
        }
        assert_eq!(ActionKind::from_key("partiton"), None);
    }

    #[test]
    fn every_fault_is_an_action_that_takes_an_id() {
        for f in FaultKind::ALL {
            assert_eq!(f.action().fault(), Some(*f));
            assert!(f.action().modifiers().contains(&Modifier::Id), "{f}");
        }
        assert_eq!(Modifier::Id.actions().len(), FaultKind::ALL.len());
    }

    #[test]
    fn every_modifier_goes_with_some_action() {
        for m in Modifier::ALL {
            assert!(!m.actions().is_empty(), "{m}");
        }
    }
}
