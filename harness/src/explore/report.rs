//! An explore's report: its runs, the seeds that failed, fault coverage and
//! the shrink, written as JSON and summed up on the console.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Written;
use crate::nemesis::coverage::Row;
use crate::nemesis::Schedule;
use crate::run::VariantReport;

/// What `quiesce explore` found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExploreReport {
    /// The suite's name.
    pub suite: String,
    /// Its file.
    pub file: PathBuf,
    /// The variant explored.
    pub variant: String,
    /// The seed the runs' seeds derive from.
    pub seed: u64,
    /// Runs asked for.
    pub runs_asked: u32,
    /// Every run, in order.
    pub runs: Vec<RunEntry>,
    /// Cut short by SIGINT or SIGTERM.
    pub interrupted: bool,
    /// Fault coverage: each fault kind and target shape.
    pub coverage: Vec<Row>,
    /// The shrink of the first failure, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrink: Option<ShrinkEntry>,
}

/// One run of an explore.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunEntry {
    /// Its number, from 1.
    pub run: u32,
    /// Its seed.
    pub seed: u64,
    /// Its folder.
    pub folder: PathBuf,
    /// The suite it ran: `schedule.yaml` in its folder.
    pub schedule_file: PathBuf,
    /// How many faults the schedule has.
    pub faults: usize,
    /// Whether its checks passed.
    pub passed: bool,
    /// The checks that failed.
    pub failed_checks: Vec<String>,
    /// What else failed: steps, nodes that exited.
    pub failures: Vec<String>,
}

impl RunEntry {
    /// The entry of a finished run.
    pub fn new(run: u32, seed: u64, written: &Written, schedule: &Schedule, report: &VariantReport) -> RunEntry {
        RunEntry {
            run,
            seed,
            folder: written.folder.clone(),
            schedule_file: written.folder.join("schedule.yaml"),
            faults: schedule.faults.len(),
            passed: report.passed,
            failed_checks: report.checks.iter().filter(|c| !c.passed).map(|c| c.check.clone()).collect(),
            failures: report.failures.clone(),
        }
    }
}

/// The shrink of a failing schedule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShrinkEntry {
    /// The failing schedule it started from.
    pub from: PathBuf,
    /// The minimal suite written.
    pub minimal: PathBuf,
    /// The command that replays it.
    pub replay: String,
    /// What shrinking found and spent.
    pub result: crate::nemesis::shrink::Shrunk,
}

impl ExploreReport {
    /// The runs whose checks failed.
    pub fn failed(&self) -> Vec<&RunEntry> {
        self.runs.iter().filter(|r| !r.passed).collect()
    }

    /// Writes the report as JSON to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, json + "\n")
    }

    /// The summary table for the console.
    pub fn summary(&self) -> String {
        let failed = self.failed();
        let mut out = String::new();
        let cut = if self.interrupted { " (interrupted)" } else { "" };
        let _ = writeln!(
            out,
            "explore {}/{} from seed {}: {} runs{cut}, {} failed",
            self.suite,
            self.variant,
            self.seed,
            self.runs.len(),
            failed.len()
        );
        let _ = writeln!(out, "   run       seed faults folder, checks");
        for r in &self.runs {
            let verdict = match (r.passed, r.failed_checks.is_empty()) {
                (true, _) => "passed".to_string(),
                (false, true) => "FAILED (a step)".to_string(),
                (false, false) => format!("FAILED ({})", r.failed_checks.join(", ")),
            };
            let _ = writeln!(out, "  {:>4} {:>10} {:>6} {} {verdict}", r.run, r.seed, r.faults, r.folder.display());
        }
        if !failed.is_empty() {
            let seeds: Vec<String> = failed.iter().map(|r| r.seed.to_string()).collect();
            let _ = writeln!(out, "failed seeds: {}", seeds.join(", "));
            for r in &failed {
                let _ = writeln!(out, "  replay: quiesce run {}", r.schedule_file.display());
            }
        }
        let _ = writeln!(out, "fault coverage (each kind and target shape):");
        out.push_str(&crate::nemesis::coverage::table(&self.coverage));
        if let Some(s) = &self.shrink {
            let r = &s.result;
            let _ = writeln!(
                out,
                "shrunk: {} faults over {} ms -> {} faults over {} ms, in {} runs ({} candidates, {} kept){}",
                r.faults_before,
                r.span_before_ms,
                r.faults_after,
                r.span_after_ms,
                r.runs,
                r.candidates,
                r.accepted,
                if r.budget_spent { "; the budget ran out first" } else { "" }
            );
            let _ = writeln!(out, "  minimal: {}\n  replay: {}", s.minimal.display(), s.replay);
        }
        out
    }
}
