//! The outcome of a whole `quiesce run`: every suite, variant and run,
//! written as `report.json` (schema in `docs/report-format.md`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::run::VariantReport;

/// The format version of `report.json`.
pub const REPORT_VERSION: u32 = 1;

/// Everything one invocation ran.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunReport {
    /// Format version ([`REPORT_VERSION`]).
    pub version: u32,
    /// Whether every variant met its expectation.
    pub met_expectation: bool,
    /// The suites, in the order they ran.
    pub suites: Vec<SuiteOutcome>,
}

/// One suite's variants.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuiteOutcome {
    /// The suite's name.
    pub name: String,
    /// Its file.
    pub file: PathBuf,
    /// Its variants that ran.
    pub variants: Vec<VariantOutcome>,
}

/// One variant over its repeated runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariantOutcome {
    /// The variant's name.
    pub name: String,
    /// `pass` or `fail`.
    pub expect: String,
    /// The seed every run used.
    pub seed: u64,
    /// How many runs failed their checks (for `expect: fail`, the
    /// detections).
    pub failed_runs: usize,
    /// How many runs there were.
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
    /// Summarises the runs of one variant.
    pub fn new(name: &str, rerun: String, runs: Vec<VariantReport>) -> VariantOutcome {
        let failed_runs = runs.iter().filter(|r| !r.passed).count();
        let runs_total = runs.len();
        VariantOutcome {
            name: name.to_string(),
            expect: runs.first().map_or("pass".into(), |r| r.expect.clone()),
            seed: runs.first().map_or(0, |r| r.seed),
            failed_runs,
            runs_total,
            detection_rate: if runs_total == 0 { 0.0 } else { failed_runs as f64 / runs_total as f64 },
            met_expectation: runs.iter().all(|r| r.met_expectation),
            rerun,
            runs,
        }
    }
}

impl RunReport {
    /// Adds a variant's outcome under its suite.
    pub fn add(&mut self, suite: &str, file: &Path, outcome: VariantOutcome) {
        let position = self.suites.iter().position(|s| s.name == suite && s.file == file);
        let index = position.unwrap_or_else(|| {
            self.suites.push(SuiteOutcome { name: suite.to_string(), file: file.to_path_buf(), variants: Vec::new() });
            self.suites.len() - 1
        });
        self.suites[index].variants.push(outcome);
        self.version = REPORT_VERSION;
        self.met_expectation = self.suites.iter().flat_map(|s| &s.variants).all(|v| v.met_expectation);
    }

    /// Writes the report as pretty JSON.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, serde_json::to_string_pretty(self).expect("reports serialize"))
    }
}
