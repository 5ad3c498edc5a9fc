//! The console reporter: a line per step and check, a summary per variant.

use std::io::Write;

use crate::events::RunEvent;
use crate::run::VariantReport;

/// Prints events as they happen, to stderr.
pub fn event(t: f64, event: &RunEvent) {
    let line = match event {
        RunEvent::RunStarted { suite, variant, seed, subnet } => {
            format!("── {suite} / {variant} (seed {seed}, subnet {subnet})")
        }
        RunEvent::StepStarted { step, line, what } => format!("{t:7.1}s  step {step} (line {line}): {what}"),
        RunEvent::StepFinished { ok: true, detail, .. } if !detail.is_empty() => format!("{t:7.1}s    ok: {detail}"),
        RunEvent::StepFinished { ok: false, detail, .. } => format!("{t:7.1}s    FAILED: {detail}"),
        RunEvent::NodeExited { node, status, tail } => {
            format!("{t:7.1}s  node {node} exited unexpectedly ({status}); last lines:\n{}", indent(tail))
        }
        RunEvent::CheckResult { check, passed, detail, .. } => {
            format!("{t:7.1}s  check {check}: {} {detail}", if *passed { "ok" } else { "FAILED" })
        }
        _ => return,
    };
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("      | {l}")).collect::<Vec<_>>().join("\n")
}

/// The summary line of a variant, and on a miss why and how to rerun.
pub fn summary(report: &VariantReport, rerun: &str) -> String {
    let verdict = match (report.met_expectation, report.passed) {
        (true, true) => "PASS",
        (true, false) => "PASS (bug reproduced)",
        (false, _) => "FAIL",
    };
    let checks: Vec<String> = report
        .checks
        .iter()
        .map(|c| format!("{} {}", c.check, if c.passed { "ok" } else { "failed" }))
        .collect();
    let mut out = format!(
        "{verdict} {}/{} (expected {}, checks {}): {} in {:.1}s, run folder {}",
        report.suite,
        report.variant,
        report.expect,
        if report.passed { "passed" } else { "failed" },
        checks.join(", "),
        report.seconds,
        report.folder.display()
    );
    if !report.met_expectation {
        for failure in &report.failures {
            out.push_str(&format!("\n  {failure}"));
        }
        for c in report.checks.iter().filter(|c| !c.passed) {
            out.push_str(&format!("\n  check {}: {}", c.check, c.detail));
        }
        out.push_str(&format!("\n  rerun: {rerun}"));
    }
    out
}
