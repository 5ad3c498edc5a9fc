//! The console reporter: a line per step and check, a summary per variant.
//! On a terminal the current step shows on a spinner line (indicatif);
//! elsewhere (CI logs) every line is plain.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::events::RunEvent;
use crate::run::VariantReport;

/// Prints a run's events as they happen, to stderr.
pub struct Console {
    bar: Option<ProgressBar>,
}

impl Console {
    /// A spinner on a terminal, plain lines otherwise.
    pub fn new() -> Console {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Console { bar }
    }

    /// Shows one event.
    pub fn event(&mut self, t: f64, event: &RunEvent) {
        if let (Some(bar), RunEvent::StepStarted { step, what, .. }) = (&self.bar, event) {
            bar.set_message(format!("step {step}: {what}"));
        }
        if let (Some(bar), RunEvent::CheckResult { .. }) = (&self.bar, event) {
            bar.set_message("checks");
        }
        let Some(line) = line(t, event) else { return };
        match &self.bar {
            Some(bar) => bar.println(line),
            None => {
                let _ = writeln!(std::io::stderr(), "{line}");
            }
        }
    }

    /// Clears the spinner.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Default for Console {
    fn default() -> Self {
        Console::new()
    }
}

fn line(t: f64, event: &RunEvent) -> Option<String> {
    Some(match event {
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
        _ => return None,
    })
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
    let measured: Vec<String> = report.checks.iter().map(|c| format!("  {}: {}", c.check, c.detail)).collect();
    if !measured.is_empty() {
        out.push('\n');
        out.push_str(&measured.join("\n"));
    }
    if !report.met_expectation {
        for failure in &report.failures {
            out.push_str(&format!("\n  {failure}"));
        }
        out.push_str(&format!("\n  rerun: {rerun}"));
    }
    out
}
