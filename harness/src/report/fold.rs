//! One run's events folded into its [`VariantReport`]: the verdict, the
//! failures and the checks. The runner decides pass or fail with this same
//! fold, so a report rendered later from `events.jsonl` says what the run
//! said.

use std::path::{Path, PathBuf};

use super::outcome::{VariantReport, Verdict};
use super::Reporter;
use crate::events::{CheckOutcome, RunEvent, RunStart};

/// The fold of one run (the last one to start, when fed several).
#[derive(Debug, Clone, Default)]
pub struct RunFold {
    start: Option<RunStart>,
    folder: PathBuf,
    /// (step, line) of steps started.
    lines: Vec<(usize, usize)>,
    failures: Vec<String>,
    checks: Vec<CheckOutcome>,
    interrupted: bool,
    aborted: bool,
    finished: bool,
    end: f64,
}

impl Reporter for RunFold {
    fn event(&mut self, folder: &Path, t: f64, event: &RunEvent) {
        if let RunEvent::RunStarted(start) = event {
            *self = RunFold { start: Some(start.clone()), folder: folder.to_path_buf(), ..RunFold::default() };
        }
        self.end = self.end.max(t);
        match event {
            RunEvent::StepStarted { step, line, .. } => self.lines.push((*step, *line)),
            RunEvent::StepFinished { step, ok: false, detail } => {
                let line = self.lines.iter().rev().find(|(s, _)| s == step).map_or(0, |(_, l)| *l);
                let total = self.start.as_ref().map_or(0, |s| s.steps);
                self.failures.push(format!("step {step}/{total} (line {line}): {detail}"));
            }
            RunEvent::NodeExited { node, status, tail } => self
                .failures
                .push(format!("node {node} exited unexpectedly ({status}); last lines of its log:\n{}", indent(tail))),
            RunEvent::ProtocolBroken { node, error } => {
                self.failures.push(format!("node {node} broke the control protocol: {error}"));
            }
            RunEvent::CheckResult(outcome) => self.checks.push(outcome.clone()),
            RunEvent::RunAborted { cause, error } => {
                self.aborted = true;
                self.failures.push(format!("aborted ({cause}): {error}"));
            }
            RunEvent::RunInterrupted { signal } => {
                self.interrupted = true;
                self.failures.push(format!("interrupted by {signal}: stopped early, every node stopped"));
            }
            RunEvent::RunFinished { .. } => self.finished = true,
            _ => {}
        }
    }
}

impl RunFold {
    /// Whether a run has started.
    pub fn started(&self) -> bool {
        self.start.is_some()
    }

    /// Whether every step and check so far passed, and nothing failed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.checks.iter().all(|c| c.passed)
    }

    /// Whether the checks came out as the variant expects.
    pub fn met_expectation(&self) -> bool {
        let expect_pass = self.start.as_ref().is_none_or(|s| s.expect == "pass");
        !self.interrupted && !self.aborted && self.passed() == expect_pass
    }

    /// The report of the run so far; `None` before `run-started`. A run
    /// whose record ends without `run-finished` (killed, or still going)
    /// is reported as interrupted.
    pub fn report(&self) -> Option<VariantReport> {
        let start = self.start.as_ref()?;
        let interrupted = self.interrupted || !self.finished;
        let (passed, met_expectation) = (self.passed() && !interrupted, self.met_expectation() && !interrupted);
        let verdict = match (self.aborted, interrupted, met_expectation, passed) {
            (true, _, _, _) => Verdict::Aborted,
            (false, true, _, _) => Verdict::Interrupted,
            (false, false, true, true) => Verdict::Passed,
            (false, false, true, false) => Verdict::BugReproduced,
            (false, false, false, _) => Verdict::Missed,
        };
        Some(VariantReport {
            suite: start.suite.clone(),
            variant: start.variant.clone(),
            file: start.file.clone(),
            seed: start.seed,
            expect: start.expect.clone(),
            rerun: start.rerun.clone(),
            nemesis: start.nemesis.clone(),
            passed,
            met_expectation,
            verdict,
            failures: self.failures.clone(),
            checks: self.checks.clone(),
            folder: self.folder.clone(),
            seconds: self.end,
        })
    }
}

/// Indents every line by four spaces.
pub fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}
