//! `--junit FILE`: one testcase per suite and variant, for CI systems.
//!
//! A variant that met its expectation over every run passes. One that did
//! not fails with the failed check (or step) as the message and, in the
//! description, every failure with its measured value and the last lines of
//! each node's log from the first run that missed.

use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::outcome::{RunReport, VariantOutcome, VariantReport};

/// How many log lines of each node a failure quotes.
const TAIL_LINES: usize = 20;

/// Builds the JUnit report.
pub fn render(report: &RunReport) -> Report {
    let mut junit = Report::new("quiesce");
    for suite in &report.suites {
        let mut ts = TestSuite::new(suite.name.clone());
        ts.add_property(Property::new("file", suite.file.display().to_string()));
        for variant in &suite.variants {
            ts.add_test_case(test_case(&suite.name, variant));
        }
        junit.add_test_suite(ts);
    }
    junit
}

/// Writes the JUnit XML to `path`.
pub fn write(report: &RunReport, path: &Path) -> std::io::Result<()> {
    let xml = render(report).to_string().map_err(std::io::Error::other)?;
    std::fs::write(path, xml)
}

fn test_case(suite: &str, variant: &VariantOutcome) -> TestCase {
    let status = if variant.met_expectation {
        TestCaseStatus::success()
    } else {
        let missed = variant.runs.iter().find(|r| !r.met_expectation);
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(missed.map_or("no run".into(), headline));
        status.set_type(format!("expected {}", variant.expect));
        if let Some(run) = missed {
            status.set_description(description(run, variant));
        }
        status
    };
    let mut case = TestCase::new(variant.name.clone(), status);
    case.set_classname(suite.to_string());
    let seconds: f64 = variant.runs.iter().map(|r| r.seconds).sum();
    case.set_time(Duration::from_secs_f64(seconds));
    case.add_property(Property::new("expect", variant.expect.clone()));
    case.add_property(Property::new("failed-runs", format!("{} of {}", variant.failed_runs, variant.runs_total)));
    case.add_property(Property::new("seed", variant.seed.to_string()));
    case.add_property(Property::new("rerun", variant.rerun.clone()));
    case
}

/// The one-line reason a run missed its expectation.
fn headline(run: &VariantReport) -> String {
    if run.passed {
        return format!("expected the checks to fail (a known bug), but they passed: {}", checks_line(run));
    }
    let failed = run.checks.iter().find(|c| !c.passed).map(|c| format!("check {}: {}", c.check, c.detail));
    failed.or_else(|| run.failures.first().cloned()).unwrap_or_else(|| "failed".into())
}

fn checks_line(run: &VariantReport) -> String {
    run.checks.iter().map(|c| format!("{} ({})", c.check, c.detail)).collect::<Vec<_>>().join("; ")
}

fn description(run: &VariantReport, variant: &VariantOutcome) -> String {
    let mut text = String::new();
    for failure in &run.failures {
        text.push_str(&format!("{failure}\n"));
    }
    for check in &run.checks {
        let measured = check.measured.map_or(String::new(), |m| format!(" [measured {m}]"));
        let verdict = if check.passed { "passed" } else { "FAILED" };
        text.push_str(&format!("check {} {verdict}: {}{measured}\n", check.check, check.detail));
    }
    text.push_str(&format!("run folder: {}\nrerun: {}\n", run.folder.display(), variant.rerun));
    text.push_str(&node_log_tails(&run.folder));
    text
}

/// The last lines of every `*.log` in a run folder.
pub fn node_log_tails(folder: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(folder) else { return String::new() };
    let mut logs: Vec<_> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "log")).collect();
    logs.sort();
    let mut text = String::new();
    for log in logs {
        let tail = crate::supervisor::NodeLog::new(log.clone()).tail(TAIL_LINES);
        let name = log.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        text.push_str(&format!("\n--- last lines of {name}.log ---\n{tail}\n"));
    }
    text
}
