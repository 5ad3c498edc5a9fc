//! The record of a run: typed [`RunEvent`]s, written as `events.jsonl` in
//! the run folder by one recorder (`run::record`) and read back by [`read`].
//!
//! Every fact that any report shows is an event here: the console, each
//! run's `report.json`, the invocation's `report.json`, JUnit, the
//! before/after table and `timeline.html` are all reporters over this one
//! stream (see [`crate::report`]), and `quiesce report` renders them again
//! from a run folder's `events.jsonl` and node logs alone.
//!
//! Each line is one JSON object: `t` (seconds since the run started,
//! monotonic), `kind` (the event's kind, kebab-case) and the event's
//! fields. The first event, `run-started`, carries [`SCHEMA`].

mod check;
pub mod read;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use check::{Broken, CheckOutcome, Figures, Pair};
pub use read::{read, ReadError, Record};

/// The version of the event schema, in `run-started`. Version 1 (before
/// this enum could be read back) tagged events with `event`; version 2 tags
/// them with `kind`.
pub const SCHEMA: u32 = 2;

/// Something that happened during a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RunEvent {
    /// The run began.
    RunStarted(RunStart),
    /// A node's namespace exists.
    NodeNetwork {
        /// Node name.
        node: String,
        /// Its address.
        addr: String,
        /// The namespace's inode (`net:[INODE]`).
        netns: u64,
    },
    /// A node incarnation started.
    NodeStarted {
        /// Node name.
        node: String,
        /// Its pid.
        pid: u32,
        /// Incarnation number, from 1.
        incarnation: u32,
    },
    /// A node was stopped or killed by the harness.
    NodeStopped {
        /// Node name.
        node: String,
        /// How it exited.
        status: String,
    },
    /// A node exited without the harness asking: a failure of the run.
    NodeExited {
        /// Node name.
        node: String,
        /// How it exited.
        status: String,
        /// The last lines of its log.
        tail: String,
    },
    /// A node was frozen (a `pause` step, or SIGSTOP by a `signal` step).
    NodePaused {
        /// Node name.
        node: String,
    },
    /// A frozen node was thawed (`resume`, or SIGCONT).
    NodeResumed {
        /// Node name.
        node: String,
    },
    /// A step began.
    StepStarted {
        /// 1-based step number.
        step: usize,
        /// Its line in the suite.
        line: usize,
        /// What it does, for people.
        what: String,
    },
    /// A step ended; a step that did not succeed fails the run.
    StepFinished {
        /// 1-based step number.
        step: usize,
        /// Whether it succeeded.
        ok: bool,
        /// What happened, for people (random targets are named here).
        detail: String,
    },
    /// A network fault was applied.
    FaultApplied {
        /// The fault's id.
        id: String,
        /// Its kind (`partition`, `drop`, ...).
        fault: String,
        /// The resolved targets (node names).
        targets: Value,
    },
    /// Network faults were healed.
    FaultHealed {
        /// The ids healed.
        ids: Vec<String>,
    },
    /// A node's view changed.
    ViewChanged {
        /// Node name.
        node: String,
        /// The new view, or null when it stopped answering.
        view: Value,
        /// Why there is no view, if there is none.
        error: Option<String>,
    },
    /// A TCP connection attempt (SYN) or reset (RST) crossed the switch.
    Connection {
        /// Sender.
        from: String,
        /// Receiver.
        to: String,
        /// A reset rather than an attempt.
        reset: bool,
    },
    /// A breakpoint was hit inside a node.
    BreakpointHit {
        /// Node name.
        node: String,
        /// The point.
        point: String,
        /// The labels of the call.
        labels: Value,
        /// `pause` or `skip`.
        action: String,
    },
    /// A node sent its control socket something the protocol does not
    /// allow: a failure of the run.
    ProtocolBroken {
        /// Node name.
        node: String,
        /// What was wrong, quoting the message.
        error: String,
    },
    /// An `always` check's condition was not `true` at a sample, so the
    /// check fails; recorded as soon as the runner learns of it (`at` is
    /// when the sample was taken).
    InvariantBroken {
        /// The check's name.
        check: String,
        /// Seconds from the run's start to the sample.
        at: f64,
        /// The step running then (1-based); none during the checks.
        step: Option<usize>,
        /// What the condition gave instead of `true`.
        gave: String,
        /// The sample: node name to probe result, `null` for no answer.
        sample: Value,
    },
    /// A check was evaluated.
    CheckResult(CheckOutcome),
    /// What the switch counted over the whole run.
    SwitchCounters {
        /// Packets not delivered, by reason.
        drops: crate::net::switch::DropCounts,
        /// Per directed pair with any traffic: `[from, to, counts]`.
        pairs: Vec<(String, String, crate::net::counters::PairStats)>,
    },
    /// The run could not go on (a program missing, an OS refusal, a bug in
    /// quiesce); recorded after teardown.
    RunAborted {
        /// `environment` (exit code 3) or `internal` (4).
        cause: String,
        /// What went wrong.
        error: String,
    },
    /// The run was cut short by SIGINT or SIGTERM; teardown followed.
    RunInterrupted {
        /// `SIGINT` or `SIGTERM`.
        signal: String,
    },
    /// The run ended (after teardown): the last event of a whole run.
    RunFinished {
        /// Whether every step and check passed.
        passed: bool,
        /// Whether that met the variant's expectation.
        met_expectation: bool,
    },
}

/// What `run-started` says: the run's identity, everything a report needs
/// that is not an event of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStart {
    /// [`SCHEMA`] when written.
    pub schema: u32,
    /// Suite name.
    pub suite: String,
    /// The suite's file, as given on the command line.
    pub file: PathBuf,
    /// Variant name.
    pub variant: String,
    /// `pass` or `fail`.
    pub expect: String,
    /// The seed.
    pub seed: u64,
    /// The subnet.
    pub subnet: String,
    /// How many steps the suite has.
    pub steps: usize,
    /// The command that runs this variant again with this seed.
    pub rerun: String,
    /// When the suite has a nemesis: the schedule it drew, which ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nemesis: Option<NemesisRun>,
}

/// The schedule a run's nemesis drew, and where it is written out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NemesisRun {
    /// The suite written out with the schedule's steps (`schedule.yaml`
    /// in the run folder); the run ran it.
    pub file: PathBuf,
    /// The command that replays it.
    pub replay: String,
    /// The faults drawn.
    pub schedule: crate::nemesis::Schedule,
}

/// One line of `events.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Seconds since the run started.
    pub t: f64,
    /// What happened.
    #[serde(flatten)]
    pub event: RunEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_exactly() {
        // Without serde_json's float_roundtrip, this read back one ulp off,
        // and a re-rendered report.json said 1.292916144 for 1.2929161439999999.
        for t in [1.2929161439999999, 0.1 + 0.2, 1e-9, 12345.678901234567] {
            let text = serde_json::to_string(&Line { t, event: RunEvent::FaultHealed { ids: Vec::new() } }).unwrap();
            assert_eq!(serde_json::from_str::<Line>(&text).unwrap().t.to_bits(), t.to_bits(), "{text}");
        }
    }

    #[test]
    fn every_kind_round_trips_through_json() {
        let events = vec![
            RunEvent::RunStarted(RunStart {
                schema: SCHEMA,
                suite: "s".into(),
                file: "suites/s.yaml".into(),
                variant: "v".into(),
                expect: "fail".into(),
                seed: 7,
                subnet: "10.77.0.0/16".into(),
                steps: 3,
                rerun: "quiesce run suites/s.yaml --variant v --seed 7".into(),
                nemesis: None,
            }),
            RunEvent::NodePaused { node: "a".into() },
            RunEvent::Connection { from: "a".into(), to: "b".into(), reset: true },
            RunEvent::FaultApplied {
                id: "split".into(),
                fault: "partition".into(),
                targets: serde_json::json!([["a"]]),
            },
            RunEvent::CheckResult(CheckOutcome {
                check: "churn".into(),
                passed: false,
                summary: "3 max/pair (a->b)".into(),
                detail: "more".into(),
                measured: Some(3.0),
                figures: Figures::Connections {
                    window_seconds: 15.0,
                    max_connects: 3,
                    connects_pair: Some(Pair { from: "a".into(), to: "b".into() }),
                    max_resets: 0,
                    resets_pair: None,
                    total_connects: 4,
                },
            }),
            RunEvent::RunFinished { passed: false, met_expectation: true },
        ];
        for event in events {
            let line = Line { t: 1.5, event };
            let text = serde_json::to_string(&line).unwrap();
            assert!(text.starts_with(r#"{"t":1.5,"kind":""#), "{text}");
            let back: Line = serde_json::from_str(&text).unwrap();
            assert_eq!(back, line, "{text}");
        }
    }
}
