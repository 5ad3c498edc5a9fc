//! Running a suite: one [`run_variant`] builds a cluster, starts every node,
//! applies the steps in order, evaluates the checks and always tears down.

mod act;
mod breakpoints;
mod checks;
mod churn;
pub mod describe;
pub mod folder;
mod netfaults;
mod steps;
mod targets;
mod wait;

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

pub use checks::CheckOutcome;
use netfaults::ActiveFaults;
use steps::StepError;

use crate::cluster::{Cluster, NetOptions};
use crate::events::{EventLog, RunEvent};
use crate::observe::NodeView;
use crate::suite::plan::{Expect, Plan, Variant};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where run folders go (`target/quiesce` by default).
    pub out: PathBuf,
    /// Network settings.
    pub net: NetOptions,
}

/// What one run of one variant found.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct VariantReport {
    /// The suite's name.
    pub suite: String,
    /// The variant's name.
    pub variant: String,
    /// The seed the run used.
    pub seed: u64,
    /// What was expected: `pass` or `fail`.
    pub expect: String,
    /// Whether every step and check passed.
    pub passed: bool,
    /// Whether `passed` is what `expect` asked for.
    pub met_expectation: bool,
    /// Why it did not pass: failed steps, unexpected exits.
    pub failures: Vec<String>,
    /// Every check.
    pub checks: Vec<CheckOutcome>,
    /// The run folder.
    pub folder: PathBuf,
    /// How long the run took, in seconds.
    pub seconds: f64,
}

/// A run that could not be carried out (not a failed check).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RunError(pub String);

/// The state of a run in progress; steps, waits and checks are its methods.
pub(crate) struct Runner<'p> {
    plan: &'p Plan,
    cluster: Cluster,
    log: EventLog,
    last_views: Vec<NodeView>,
    failures: Vec<String>,
    active: ActiveFaults,
    chooser: targets::Chooser,
    folder: PathBuf,
    /// The 1-based number of the step being applied.
    step: usize,
    /// `exec` children not waited for; killed at teardown.
    background: Vec<tokio::process::Child>,
    last_heal: Option<Instant>,
    steps_end: Option<Instant>,
    /// Connection attempts and resets seen so far.
    connections: Vec<crate::net::switch::ConnEvent>,
    marks: breakpoints::ArmMarks,
}

/// Runs one variant of a suite once. `sink` sees every event as it happens
/// (the console reporter).
pub async fn run_variant(
    plan: &Plan,
    variant: &Variant,
    options: &RunOptions,
    sink: &mut dyn FnMut(f64, &RunEvent),
) -> Result<VariantReport, RunError> {
    let started = Instant::now();
    let folder = folder::create(&options.out, &plan.name, &variant.name)
        .map_err(|e| RunError(format!("creating the run folder under {}: {e}", options.out.display())))?;
    let mut log = EventLog::create(&folder).map_err(|e| RunError(format!("creating events.jsonl: {e}")))?;
    let mut record = |log: &mut EventLog, event: RunEvent| {
        sink(log.now(), &event);
        log.record(event);
    };
    record(
        &mut log,
        RunEvent::RunStarted {
            suite: plan.name.clone(),
            variant: variant.name.clone(),
            seed: plan.seed,
            subnet: format!("{}/{}", plan.subnet, plan.prefix),
        },
    );
    let cluster = Cluster::build(plan, variant, &folder, options.net).await.map_err(RunError)?;
    let mut runner = Runner {
        plan,
        chooser: targets::Chooser::new(plan.seed, cluster.names().len()),
        cluster,
        log,
        last_views: Vec::new(),
        failures: Vec::new(),
        active: ActiveFaults::new(),
        folder: folder.clone(),
        step: 0,
        background: Vec::new(),
        last_heal: None,
        steps_end: None,
        connections: Vec::new(),
        marks: breakpoints::ArmMarks::new(),
    };
    let result = runner.drive(sink).await;
    runner.teardown().await;
    let checks = result?;
    let passed = runner.failures.is_empty() && checks.iter().all(|c| c.passed);
    let met_expectation = passed == (variant.expect == Expect::Pass);
    let event = RunEvent::RunFinished { passed, met_expectation };
    sink(runner.log.now(), &event);
    runner.log.record(event);
    Ok(VariantReport {
        suite: plan.name.clone(),
        variant: variant.name.clone(),
        seed: plan.seed,
        expect: match variant.expect {
            Expect::Pass => "pass",
            Expect::Fail => "fail",
        }
        .to_string(),
        passed,
        met_expectation,
        failures: runner.failures,
        checks,
        folder,
        seconds: started.elapsed().as_secs_f64(),
    })
}

impl Runner<'_> {
    fn emit(&mut self, sink: &mut dyn FnMut(f64, &RunEvent), event: RunEvent) {
        sink(self.log.now(), &event);
        self.log.record(event);
    }

    /// Starts the nodes, runs the steps, then the checks.
    async fn drive(&mut self, sink: &mut dyn FnMut(f64, &RunEvent)) -> Result<Vec<CheckOutcome>, RunError> {
        for (i, name) in self.cluster.names().to_vec().iter().enumerate() {
            let event = RunEvent::NodeNetwork {
                node: name.clone(),
                addr: self.cluster.addrs()[i].to_string(),
                netns: self.cluster.netns_inodes()[i],
            };
            self.emit(sink, event);
        }
        let all: Vec<usize> = (0..self.cluster.names().len()).collect();
        self.start(&all).await.map_err(internal)?;
        let total = self.plan.steps.len();
        for (i, step) in self.plan.steps.iter().enumerate() {
            self.step = i + 1;
            let what = describe::describe(&step.action, self.cluster.names());
            self.emit(sink, RunEvent::StepStarted { step: i + 1, line: step.line, what });
            let (ok, detail) = match self.apply(&step.action).await {
                Ok(detail) => (true, detail),
                Err(StepError::Failed(why)) => {
                    self.failures.push(format!("step {}/{total} (line {}): {why}", i + 1, step.line));
                    (false, why)
                }
                Err(StepError::Internal(why)) => {
                    return Err(RunError(format!("step {} (line {}): {why}", i + 1, step.line)));
                }
            };
            self.emit(sink, RunEvent::StepFinished { step: i + 1, ok, detail });
        }
        self.steps_end = Some(Instant::now());
        let mut outcomes = Vec::new();
        for check in &self.plan.checks {
            let outcome = self.check(check).await;
            sink(
                self.log.now(),
                &RunEvent::CheckResult {
                    check: outcome.check.clone(),
                    passed: outcome.passed,
                    detail: outcome.detail.clone(),
                    measured: outcome.measured,
                },
            );
            outcomes.push(outcome);
        }
        // Exits noticed during the last check still count.
        self.tick().await;
        Ok(outcomes)
    }

    /// Heals every fault and stops every node; the namespaces go when the
    /// cluster is dropped.
    async fn teardown(&mut self) {
        for mut child in self.background.drain(..) {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
        self.cluster.switch.remove_all();
        let names = self.cluster.names();
        let counters = self.cluster.switch.counters();
        let mut pairs = Vec::new();
        for (from, a) in names.iter().enumerate() {
            for (to, b) in names.iter().enumerate() {
                let stats = counters.get(from, to);
                if stats.packets > 0 {
                    pairs.push((a.clone(), b.clone(), stats));
                }
            }
        }
        if let Some(Err(e)) = self.cluster.finish_capture() {
            tracing::warn!(error = %e, "writing capture.pcap failed");
        }
        let drops = self.cluster.switch.drops();
        self.log.record(RunEvent::SwitchCounters { drops, pairs });
        self.cluster.supervisor.stop_all().await;
    }
}

fn internal(e: StepError) -> RunError {
    match e {
        StepError::Failed(s) | StepError::Internal(s) => RunError(s),
    }
}
