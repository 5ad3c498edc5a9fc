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
            let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
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
    let checks: Vec<String> =
        report.checks.iter().map(|c| format!("{} {}", c.check, if c.passed { "ok" } else { "failed" })).collect();
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

/// A side-by-side table of every variant that ran, for `make demo` and
/// any run of several variants: converged or not, in how long, and the
/// connection churn the switch counted.
pub fn contrast(report: &crate::report::outcome::RunReport) -> String {
    let mut rows = Vec::new();
    for suite in &report.suites {
        for v in &suite.variants {
            let Some(run) = v.runs.last() else { continue };
            let check = |name: &str| run.checks.iter().find(|c| c.check == name);
            let converged = match check("converged") {
                Some(c) if c.passed => format!("yes, {:.1}s", c.measured.unwrap_or_default()),
                Some(_) => "NO".to_string(),
                None => "-".to_string(),
            };
            let churn = check("churn").map_or("-".to_string(), |c| c.summary.clone());
            let result = match (run.met_expectation, run.passed) {
                (true, true) => "pass",
                (true, false) => "bug reproduced",
                (false, true) => "MISSED (passed)",
                (false, false) => "MISSED (failed)",
            };
            rows.push([
                format!("{}/{}", suite.name, v.name),
                v.expect.to_string(),
                result.to_string(),
                converged,
                churn,
            ]);
        }
    }
    let width = rows.iter().map(|r| r[0].len()).max().unwrap_or(0).max("variant".len());
    let mut out = format!("\n{:<width$} {:<7} {:<15} {:<15} churn\n", "variant", "expect", "result", "converged");
    for [name, expect, result, converged, churn] in rows {
        out.push_str(&format!("{name:<width$} {expect:<7} {result:<15} {converged:<15} {churn}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::contrast;
    use crate::report::outcome::{RunReport, VariantOutcome};
    use crate::run::{CheckOutcome, VariantReport};

    fn run(variant: &str, expect: &str, checks: Vec<CheckOutcome>) -> VariantReport {
        let passed = checks.iter().all(|c| c.passed);
        VariantReport {
            suite: "s".into(),
            variant: variant.into(),
            seed: 1,
            expect: expect.into(),
            passed,
            met_expectation: passed == (expect == "pass"),
            failures: Vec::new(),
            checks,
            folder: "f".into(),
            seconds: 1.0,
        }
    }

    fn check(check: &str, passed: bool, summary: &str, measured: Option<f64>) -> CheckOutcome {
        let detail = "a long sentence the table must not show".into();
        CheckOutcome { check: check.into(), passed, summary: summary.into(), detail, measured }
    }

    #[test]
    fn the_table_shows_each_variant_with_its_checks_summaries() {
        let mut report = RunReport::default();
        let before = run(
            "before-fix",
            "fail",
            vec![
                check("converged", false, "not within 20s", None),
                check("churn", false, "16 max/pair (a->b); 32 connects in all", Some(16.0)),
            ],
        );
        let after = run("a-much-longer-variant-name", "pass", vec![check("converged", true, "in 1.2s", Some(1.23))]);
        report.add("s", Path::new("s.yaml"), VariantOutcome::new("before-fix", "r".into(), vec![before]));
        report.add(
            "s",
            Path::new("s.yaml"),
            VariantOutcome::new("a-much-longer-variant-name", "r".into(), vec![after]),
        );
        let table = contrast(&report);
        let lines: Vec<&str> = table.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[1].starts_with("s/before-fix "), "{table}");
        assert!(lines[1].contains("bug reproduced"), "{table}");
        assert!(lines[1].contains("NO"), "{table}");
        assert!(lines[1].ends_with("16 max/pair (a->b); 32 connects in all"), "{table}");
        assert!(lines[2].contains("yes, 1.2s"), "{table}");
        assert!(lines[2].ends_with(" -"), "no churn check: {table}");
        assert!(!table.contains("long sentence"), "{table}");
        let column = |l: &str| l.find("expect").or_else(|| l.find("fail")).or_else(|| l.find("pass"));
        assert_eq!(column(lines[0]), column(lines[1]), "{table}");
        assert_eq!(column(lines[1]), column(lines[2]), "{table}");
    }
}
