//! The run's event stream, written as `events.jsonl` in the run folder.
//!
//! Every line is one JSON object with `t` (seconds since the run started,
//! monotonic) and `event` (its kind); reporters read these.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

/// Something that happened during a run.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum RunEvent {
    /// The run began.
    RunStarted {
        /// Suite name.
        suite: String,
        /// Variant name.
        variant: String,
        /// The seed.
        seed: u64,
        /// The subnet.
        subnet: String,
    },
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
    /// A node exited without the harness asking.
    NodeExited {
        /// Node name.
        node: String,
        /// How it exited.
        status: String,
        /// The last lines of its log.
        tail: String,
    },
    /// A step began.
    StepStarted {
        /// 1-based step number.
        step: usize,
        /// Its line in the suite.
        line: usize,
        /// What it does.
        what: String,
    },
    /// A step ended.
    StepFinished {
        /// 1-based step number.
        step: usize,
        /// Whether it succeeded.
        ok: bool,
        /// What happened.
        detail: String,
    },
    /// A fault was applied.
    FaultApplied {
        /// The fault's id.
        id: String,
        /// Its kind (`partition`, `drop`, ...).
        kind: String,
        /// The resolved targets.
        targets: Value,
    },
    /// Faults were healed.
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
    /// A check was evaluated.
    CheckResult {
        /// The check's kind.
        check: String,
        /// Whether it passed.
        passed: bool,
        /// What was measured.
        detail: String,
        /// The measured number, if any (seconds for times).
        measured: Option<f64>,
    },
    /// A TCP connection attempt (SYN) or reset (RST) crossed the switch.
    Connection {
        /// Sender.
        from: String,
        /// Receiver.
        to: String,
        /// `connect` or `reset`.
        kind: String,
    },
    /// A breakpoint was hit inside a node.
    BreakpointHit {
        /// Node name.
        node: String,
        /// The point.
        point: String,
        /// The labels of the call.
        labels: serde_json::Value,
        /// `pause` or `skip`.
        action: String,
    },
    /// What the switch counted over the whole run.
    SwitchCounters {
        /// Packets not delivered, by reason.
        drops: crate::net::switch::DropCounts,
        /// Per directed pair with any traffic: `[from, to, counts]`.
        pairs: Vec<(String, String, crate::net::counters::PairStats)>,
    },
    /// The run ended.
    RunFinished {
        /// Whether the checks passed.
        passed: bool,
        /// Whether that met the variant's expectation.
        met_expectation: bool,
    },
}

#[derive(Serialize)]
struct Line<'a> {
    t: f64,
    #[serde(flatten)]
    event: &'a RunEvent,
}

/// Writes events to `events.jsonl` and keeps them for the checks.
pub struct EventLog {
    out: BufWriter<File>,
    start: Instant,
    events: Vec<(f64, RunEvent)>,
}

impl EventLog {
    /// Creates `events.jsonl` in `folder`.
    pub fn create(folder: &Path) -> io::Result<EventLog> {
        let out = BufWriter::new(File::create(folder.join("events.jsonl"))?);
        Ok(EventLog { out, start: Instant::now(), events: Vec::new() })
    }

    /// Seconds since the log was created.
    pub fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Records an event (and flushes, so a killed run keeps its record).
    pub fn record(&mut self, event: RunEvent) {
        let t = self.now();
        let line = serde_json::to_string(&Line { t, event: &event }).expect("events serialize");
        if let Err(e) = writeln!(self.out, "{line}").and_then(|_| self.out.flush()) {
            tracing::warn!(error = %e, "writing events.jsonl failed");
        }
        self.events.push((t, event));
    }

    /// Every event so far, with its time.
    pub fn events(&self) -> &[(f64, RunEvent)] {
        &self.events
    }
}
