//! The console reporter: a line per step and check, a summary per variant.
//! On a terminal the current step shows on a spinner line (indicatif);
//! elsewhere (CI logs) every line is plain.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::collect::Collector;
use super::fold::RunFold;
use super::outcome::{RunReport, VariantReport, Verdict};
use super::{ReportError, Reporter};
use crate::events::{Figures, RunEvent};

/// Prints runs' events as they happen, to stderr, and each run's summary
/// to stdout when it ends.
pub struct Console {
    bar: Option<ProgressBar>,
    fold: RunFold,
    /// Only the summaries (`quiesce report`), not the events.
    quiet: bool,
}

impl Console {
    /// A spinner on a terminal, plain lines otherwise.
    pub fn new() -> Console {
        Console { bar: None, fold: RunFold::default(), quiet: false }
    }

    /// Prints only each run's summary.
    pub fn summaries() -> Console {
        Console { quiet: true, ..Console::new() }
    }

    fn spinner() -> Option<ProgressBar> {
        std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        })
    }

    fn print(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => {
                let _ = writeln!(std::io::stderr(), "{line}");
            }
        }
    }

    /// Clears the spinner.
    fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn summarise(&mut self) {
        self.clear();
        if let Some(report) = self.fold.report() {
            println!("{}", summary(&report));
        }
        self.fold = RunFold::default();
    }
}

impl Reporter for Console {
    fn event(&mut self, folder: &Path, t: f64, event: &RunEvent) {
        self.fold.event(folder, t, event);
        if !self.quiet {
            if matches!(event, RunEvent::RunStarted(_)) {
                self.bar = Console::spinner();
            }
            match (&self.bar, event) {
                (Some(bar), RunEvent::StepStarted { step, what, .. }) => {
                    bar.set_message(format!("step {step}: {what}"))
                }
                (Some(bar), RunEvent::CheckResult(_)) => bar.set_message("checks"),
                _ => {}
            }
            if let Some(line) = line(t, event) {
                self.print(line);
            }
        }
        if matches!(event, RunEvent::RunFinished { .. }) {
            self.summarise();
        }
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        if self.fold.started() {
            self.summarise();
        }
        Ok(())
    }
}

impl Default for Console {
    fn default() -> Self {
        Console::new()
    }
}

fn line(t: f64, event: &RunEvent) -> Option<String> {
    Some(match event {
        RunEvent::RunStarted(start) => {
            format!("── {} / {} (seed {}, subnet {})", start.suite, start.variant, start.seed, start.subnet)
        }
        RunEvent::StepStarted { step, line, what } => format!("{t:7.1}s  step {step} (line {line}): {what}"),
        RunEvent::StepFinished { ok: true, detail, .. } if !detail.is_empty() => format!("{t:7.1}s    ok: {detail}"),
        RunEvent::StepFinished { ok: false, detail, .. } => format!("{t:7.1}s    FAILED: {detail}"),
        RunEvent::NodeExited { node, status, tail } => {
            format!("{t:7.1}s  node {node} exited unexpectedly ({status}); last lines:\n{}", indent(tail))
        }
        RunEvent::ProtocolBroken { node, error } => {
            format!("{t:7.1}s  node {node} broke the control protocol: {error}")
        }
        RunEvent::InvariantBroken { check, at, step, gave, .. } => {
            let when = step.map_or_else(|| "during the checks".to_string(), |s| format!("during step {s}"));
            format!("{t:7.1}s  always {check}: broken at {at:.1}s ({when}): gave {gave}")
        }
        RunEvent::CheckResult(c) => {
            format!("{t:7.1}s  check {}: {} {}", c.check, if c.passed { "ok" } else { "FAILED" }, c.detail)
        }
        RunEvent::RunAborted { cause, error } => format!("{t:7.1}s  aborted ({cause}): {error}"),
        RunEvent::RunInterrupted { signal } => {
            format!("{t:7.1}s  {signal}: stopping every node and removing the network")
        }
        _ => return None,
    })
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("      | {l}")).collect::<Vec<_>>().join("\n")
}

/// The summary line of a run, and on a miss why and how to rerun.
pub fn summary(report: &VariantReport) -> String {
    let verdict = match report.verdict {
        Verdict::Passed => "PASS",
        Verdict::BugReproduced => "PASS (bug reproduced)",
        Verdict::Missed => "FAIL",
        Verdict::Interrupted => "INTERRUPTED",
        Verdict::Aborted => "ABORTED",
    };
    let checks: Vec<String> =
        report.checks.iter().map(|c| format!("{} {}", c.check, if c.passed { "ok" } else { "failed" })).collect();
    let mut out = format!(
        "{verdict} {}/{} (expected {}, checks {}): {} in {:.1}s, run folder {}",
        report.suite,
        report.variant,
        report.expect,
        match report.verdict {
            Verdict::Interrupted | Verdict::Aborted => "cut short",
            _ if report.passed => "passed",
            _ => "failed",
        },
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
        out.push_str(&format!("\n  rerun: {}", report.rerun));
    }
    if let Some(nemesis) = report.nemesis.as_ref().filter(|_| !report.passed) {
        out.push_str(&format!("\n  replay the schedule: {}", nemesis.replay));
    }
    out
}

/// The before/after table: printed at the end when several variants ran.
#[derive(Debug, Default)]
pub struct Contrast {
    runs: Collector,
}

impl Reporter for Contrast {
    fn event(&mut self, folder: &Path, t: f64, event: &RunEvent) {
        self.runs.event(folder, t, event);
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        let report = self.runs.report();
        if report.variants() > 1 {
            print!("{}", contrast(report));
        }
        Ok(())
    }
}

/// The line `quiesce run --repeat N` prints after a variant's runs: how
/// often its checks failed.
pub fn repeat_line(report: &RunReport, suite: &str, variant: &str) -> Option<String> {
    let outcome =
        report.suites.iter().filter(|s| s.name == suite).flat_map(|s| &s.variants).find(|v| v.name == variant)?;
    Some(format!(
        "{suite}/{variant}: checks failed in {} of {} runs (expected {}){}",
        outcome.failed_runs,
        outcome.runs_total,
        outcome.expect,
        if outcome.met_expectation { "" } else { " — expectation NOT met" }
    ))
}

/// A side-by-side table of every variant that ran, for `make demo` and
/// any run of several variants: converged or not, in how long, and the
/// connection churn the switch counted.
pub fn contrast(report: &RunReport) -> String {
    let mut rows = Vec::new();
    for suite in &report.suites {
        for v in &suite.variants {
            let Some(run) = v.runs.last() else { continue };
            let check = |name: &str| run.checks.iter().find(|c| c.check == name);
            let converged = match check("converged").map(|c| &c.figures) {
                Some(Figures::Converged { after_seconds: Some(after), .. }) => format!("yes, {after:.1}s"),
                Some(_) => "NO".to_string(),
                None => "-".to_string(),
            };
            let churn = check("churn").map_or("-".to_string(), |c| c.summary.clone());
            let result = match (run.verdict, run.passed) {
                (Verdict::Passed, _) => "pass",
                (Verdict::BugReproduced, _) => "bug reproduced",
                (Verdict::Missed, true) => "MISSED (passed)",
                (Verdict::Missed, false) => "MISSED (failed)",
                (Verdict::Interrupted, _) => "interrupted",
                (Verdict::Aborted, _) => "aborted",
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
    use crate::events::{CheckOutcome, Figures, Pair, RunEvent, RunStart, SCHEMA};
    use crate::report::collect::Collector;
    use crate::report::Reporter;

    /// Feeds one run of variant `variant` with these checks.
    fn run(runs: &mut Collector, variant: &str, expect: &str, checks: Vec<CheckOutcome>) {
        let start = RunStart {
            schema: SCHEMA,
            suite: "s".into(),
            file: "s.yaml".into(),
            variant: variant.into(),
            expect: expect.into(),
            seed: 1,
            subnet: "10.77.0.0/16".into(),
            steps: 0,
            rerun: "r".into(),
            nemesis: None,
        };
        let folder = Path::new("f");
        runs.event(folder, 0.0, &RunEvent::RunStarted(start));
        let passed = checks.iter().all(|c| c.passed);
        for c in checks {
            runs.event(folder, 0.5, &RunEvent::CheckResult(c));
        }
        let met_expectation = passed == (expect == "pass");
        runs.event(folder, 1.0, &RunEvent::RunFinished { passed, met_expectation });
    }

    fn check(check: &str, passed: bool, summary: &str, figures: Figures) -> CheckOutcome {
        let detail = "a long sentence the table must not show".into();
        CheckOutcome { check: check.into(), passed, summary: summary.into(), detail, measured: None, figures }
    }

    fn converged(after: Option<f64>) -> Figures {
        Figures::Converged { after_seconds: after, within_seconds: 20.0, stable_for_seconds: 2.0 }
    }

    #[test]
    fn the_table_shows_each_variant_with_its_checks_summaries() {
        let mut runs = Collector::default();
        let churn = Figures::Connections {
            window_seconds: 15.0,
            max_connects: 16,
            connects_pair: Some(Pair { from: "a".into(), to: "b".into() }),
            max_resets: 0,
            resets_pair: None,
            total_connects: 32,
        };
        run(
            &mut runs,
            "before-fix",
            "fail",
            vec![
                check("converged", false, "not within 20s", converged(None)),
                check("churn", false, "16 max/pair (a->b); 32 connects in all", churn),
            ],
        );
        let after = vec![check("converged", true, "in 1.2s", converged(Some(1.23)))];
        run(&mut runs, "a-much-longer-variant-name", "pass", after);
        let table = contrast(runs.report());
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

    #[test]
    fn a_run_whose_record_ends_early_is_interrupted() {
        let mut runs = Collector::default();
        run(&mut runs, "v", "pass", Vec::new());
        let start = RunStart {
            schema: SCHEMA,
            suite: "s".into(),
            file: "s.yaml".into(),
            variant: "v".into(),
            expect: "pass".into(),
            seed: 1,
            subnet: "10.77.0.0/16".into(),
            steps: 1,
            rerun: "r".into(),
            nemesis: None,
        };
        runs.event(Path::new("g"), 0.0, &RunEvent::RunStarted(start));
        let report = runs.report().clone();
        let variant = &report.suites[0].variants[0];
        assert_eq!(variant.runs_total, 2);
        assert_eq!(variant.failed_runs, 0, "an interrupted run is not a failed one");
        assert!(!variant.met_expectation && report.interrupted);
        assert!(contrast(&report).contains("interrupted"));
    }
}
