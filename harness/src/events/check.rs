//! A check's outcome as recorded in `check-result`: the verdict, text for
//! people, and the figures for programs.

use serde::{Deserialize, Serialize};

/// A check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckOutcome {
    /// The check's kind, e.g. `converged`.
    pub check: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was measured in a few words, for tables: `in 1.2s`,
    /// `16 max/pair (host2->host1); 32 connects in all`.
    pub summary: String,
    /// What was measured, in full, for people.
    pub detail: String,
    /// The measured number (seconds for times), if any.
    pub measured: Option<f64>,
    /// What was measured, as fields; reporters read these, never the text.
    pub figures: Figures,
}

/// What a check measured, by kind of check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "measure", rename_all = "kebab-case")]
pub enum Figures {
    /// `converged`: when the cluster agreed, if it did in time.
    Converged {
        /// Seconds until the stable stretch began; none if it never did.
        after_seconds: Option<f64>,
        /// The bound, seconds.
        within_seconds: f64,
        /// How long agreement had to last, seconds.
        stable_for_seconds: f64,
    },
    /// `live`: the running nodes whose probe did not answer.
    Live {
        /// Their names; every node when the probes timed out together.
        silent: Vec<String>,
    },
    /// `churn` on connections counted by the switch.
    Connections {
        /// The window, seconds.
        window_seconds: f64,
        /// The most connection attempts of one directed pair.
        max_connects: u64,
        /// That pair, if any pair connected.
        connects_pair: Option<Pair>,
        /// The most resets of one directed pair.
        max_resets: u64,
        /// That pair, if any pair reset.
        resets_pair: Option<Pair>,
        /// Connection attempts of every pair.
        total_connects: u64,
    },
    /// `churn` on a counter read through each node's probe.
    Counter {
        /// The counter's expression.
        counter: String,
        /// The window, seconds.
        window_seconds: f64,
        /// The largest growth of one node.
        max_growth: f64,
        /// That node, if any node was read at both ends.
        node: Option<String>,
        /// Nodes whose counter could not be read, with why.
        unreadable: Vec<String>,
    },
    /// `always`: the samples taken, and the first that broke the condition.
    Always {
        /// The check's name.
        name: String,
        /// Time between samples, seconds.
        every_seconds: f64,
        /// Samples judged (the breaking one included).
        samples: u64,
        /// The first sample that was not `true`, if any.
        broken: Option<Broken>,
    },
    /// `eventually`: when the condition became true for good, if it did.
    Eventually {
        /// The check's name.
        name: String,
        /// Seconds until the stable stretch began; none if it never did.
        after_seconds: Option<f64>,
        /// The bound, seconds.
        within_seconds: f64,
        /// How long it had to stay true, seconds.
        stable_for_seconds: f64,
        /// What the last sample gave, when it was not `true`.
        last: Option<String>,
    },
}

/// The first sample at which an `always` check's condition was not `true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Broken {
    /// Seconds from the run's start.
    pub at_seconds: f64,
    /// The step running then (1-based); none during the checks.
    pub step: Option<usize>,
    /// What the condition gave instead of `true`.
    pub gave: String,
    /// The sample: node name to probe result, `null` for no answer.
    pub sample: serde_json::Value,
}

/// A directed pair of nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    /// Sender.
    pub from: String,
    /// Receiver.
    pub to: String,
}

impl std::fmt::Display for Pair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}->{}", self.from, self.to)
    }
}
