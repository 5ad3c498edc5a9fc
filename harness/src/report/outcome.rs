//! What runs found: one run's [`VariantReport`] (a run folder's
//! `report.json`) and the whole invocation's [`RunReport`] (`OUT/report.json`),
//! both drawn from events (schema in `docs/report-format.md`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::events::{CheckOutcome, NemesisRun};

/// The format version of `report.json`.
pub const REPORT_VERSION: u32 = 2;

/// How a run, a variant or an invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The checks passed, as expected.
    Passed,
    /// The checks failed, as expected: a known bug reproduced.
    BugReproduced,
    /// Not what the variant expects.
    Missed,
    /// Cut short by SIGINT or SIGTERM (or killed): no verdict on the checks.
    Interrupted,
    /// The run could not go on (`run-aborted`): no verdict on the checks.
    Aborted,
}

/// What one run of one variant found: its folder's `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantReport {
    /// The suite's name.
    pub suite: String,
    /// The variant's name.
    pub variant: String,
    /// The suite's file.
    pub file: PathBuf,
    /// The seed the run used.
    pub seed: u64,
    /// What was expected: `pass` or `fail`.
    pub expect: String,
    /// The command that runs it again.
    pub rerun: String,
    /// When the suite has a nemesis: the schedule it drew, and how to replay
    /// it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nemesis: Option<NemesisRun>,
    /// Whether every step and check passed.
    pub passed: bool,
    /// Whether `passed` is what `expect` asked for.
    pub met_expectation: bool,
    /// How it ended.
    pub verdict: Verdict,
    /// Why it did not pass: failed steps, unexpected exits.
    pub failures: Vec<String>,
    /// Every check.
    pub checks: Vec<CheckOutcome>,
    /// The run folder.
    pub folder: PathBuf,
    /// How long the run took, in seconds.
    pub seconds: f64,
}

/// Everything one invocation ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Format version ([`REPORT_VERSION`]).
    pub version: u32,
    /// Whether every variant met its expectation.
    pub met_expectation: bool,
    /// Whether a run was cut short (SIGINT, SIGTERM).
    pub interrupted: bool,
    /// The suites, in the order they ran.
    pub suites: Vec<SuiteOutcome>,
}

/// One suite's variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteOutcome {
    /// The suite's name.
    pub name: String,
    /// Its file.
    pub file: PathBuf,
    /// Its variants that ran.
    pub variants: Vec<VariantOutcome>,
}

/// One variant over its repeated runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantOutcome {
    /// The variant's name.
    pub name: String,
    /// `pass` or `fail`.
    pub expect: String,
    /// The seed every run used.
    pub seed: u64,
    /// How many runs failed their checks (for `expect: fail`, the
    /// detections). Interrupted runs are not counted.
    pub failed_runs: usize,
    /// How many runs there were, interrupted ones included.
    pub runs_total: usize,
    /// `failed_runs / runs_total`.
    pub detection_rate: f64,
    /// Whether every run met the expectation.
    pub met_expectation: bool,
    /// The command that runs it again.
    pub rerun: String,
    /// Each run.
    pub runs: Vec<VariantReport>,
}

impl VariantOutcome {
    /// A variant with its first run.
    fn new(first: VariantReport) -> VariantOutcome {
        let mut outcome = VariantOutcome {
            name: first.variant.clone(),
            expect: first.expect.clone(),
            seed: first.seed,
            failed_runs: 0,
            runs_total: 0,
            detection_rate: 0.0,
            met_expectation: true,
            rerun: first.rerun.clone(),
            runs: Vec::new(),
        };
        outcome.push(first);
        outcome
    }

    fn push(&mut self, run: VariantReport) {
        self.runs.push(run);
        let counted = self.runs.iter().filter(|r| r.verdict != Verdict::Interrupted);
        self.failed_runs = counted.filter(|r| !r.passed).count();
        self.runs_total = self.runs.len();
        self.detection_rate = self.failed_runs as f64 / self.runs_total as f64;
        self.met_expectation = self.runs.iter().all(|r| r.met_expectation);
    }
}

impl Default for RunReport {
    /// No runs: nothing missed its expectation (an empty shard exits 0).
    fn default() -> RunReport {
        RunReport { version: REPORT_VERSION, met_expectation: true, interrupted: false, suites: Vec::new() }
    }
}

impl RunReport {
    /// Adds a run under its suite and variant.
    pub fn add(&mut self, run: VariantReport) {
        self.version = REPORT_VERSION;
        self.interrupted |= run.verdict == Verdict::Interrupted;
        let position = self.suites.iter().position(|s| s.name == run.suite && s.file == run.file);
        let index = position.unwrap_or_else(|| {
            self.suites.push(SuiteOutcome { name: run.suite.clone(), file: run.file.clone(), variants: Vec::new() });
            self.suites.len() - 1
        });
        let suite = &mut self.suites[index];
        match suite.variants.iter_mut().find(|v| v.name == run.variant) {
            Some(variant) => variant.push(run),
            None => suite.variants.push(VariantOutcome::new(run)),
        }
        self.met_expectation = self.suites.iter().flat_map(|s| &s.variants).all(|v| v.met_expectation);
    }

    /// How many variants ran.
    pub fn variants(&self) -> usize {
        self.suites.iter().map(|s| s.variants.len()).sum()
    }

    /// Writes the report as pretty JSON.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, serde_json::to_string_pretty(self).map_err(std::io::Error::other)?)
    }
}
