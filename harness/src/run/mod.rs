//! Running a suite: one [`run_variant`] builds a cluster, starts every node,
//! applies the steps in order, evaluates the checks and always tears down.

mod act;
mod breakpoints;
mod checks;
mod churn;
pub mod describe;
pub mod folder;
mod invariants;
mod netfaults;
mod record;
mod steps;
mod targets;
mod wait;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

pub(crate) use breakpoints::control_event;
use netfaults::ActiveFaults;
use record::Recorder;
use steps::StepError;

use crate::cluster::{Cluster, NetOptions};
pub use crate::events::CheckOutcome;
use crate::events::{RunEvent, RunStart, SCHEMA};
use crate::interrupt::Interrupt;
use crate::observe::NodeView;
pub use crate::report::outcome::VariantReport;
use crate::report::Reporter;
use crate::suite::plan::{Expect, Plan, Variant};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where run folders go (`target/quiesce` by default).
    pub out: PathBuf,
    /// Network settings.
    pub net: NetOptions,
    /// The most bytes of output a node's log, or an `exec`'s output file,
    /// takes ([`crate::capped::DEFAULT_LOG_LIMIT`] by default).
    pub log_limit: u64,
}

/// Where a run comes from, for its record: how to run it again and, when
/// `plan` is a suite whose nemesis was written out, the schedule drawn.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// The command that runs the variant again with this seed.
    pub rerun: String,
    /// The nemesis, when the plan is its written-out suite.
    pub nemesis: Option<Drawn>,
}

/// A nemesis drawn and written out.
#[derive(Debug, Clone)]
pub struct Drawn {
    /// The suite file with the nemesis step.
    pub suite: PathBuf,
    /// The schedule, its file and its replay command.
    pub run: crate::events::NemesisRun,
}

/// A run that could not be carried out (not a failed check).
#[derive(Debug, Clone, thiserror::Error)]
pub enum RunError {
    /// This machine cannot do what the suite asks (a program that is not
    /// installed, a namespace or device the OS refuses).
    #[error("{0}")]
    Environment(String),
    /// A bug in quiesce, or a failure it did not foresee.
    #[error("{0}")]
    Internal(String),
}

impl RunError {
    /// `environment` or `internal`, as recorded in `run-aborted`.
    pub fn cause(&self) -> &'static str {
        match self {
            RunError::Environment(_) => "environment",
            RunError::Internal(_) => "internal",
        }
    }
}

/// The state of a run in progress; steps, waits and checks are its methods.
pub(crate) struct Runner<'p, 'r> {
    plan: &'p Plan,
    /// The variant being run: steps with `variants:` not naming it are
    /// skipped.
    variant: String,
    /// The budget of each `exec` output file.
    log_limit: u64,
    cluster: Cluster,
    log: Recorder<'r>,
    last_views: Vec<NodeView>,
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
    /// What the `always` checks have seen.
    watch: invariants::Shared,
    /// Samples for `always` and `eventually` checks, and `where` targets.
    sampler: Rc<crate::invariant::Sampler>,
    /// The probes taken just before a step with a `where` target.
    where_sample: Option<serde_json::Value>,
}

/// Runs one variant of a suite once, in `folder` (made by
/// [`folder::create`]). `reporter` sees every event as it happens; the
/// returned report is the fold of those same events. On SIGINT or SIGTERM
/// (through `interrupt`) the run stops where it is, tears down, and its
/// report says `interrupted`.
pub async fn run_variant(
    plan: &Plan,
    variant: &Variant,
    folder: &Path,
    options: &RunOptions,
    provenance: &Provenance,
    reporter: &mut dyn Reporter,
    interrupt: &Interrupt,
) -> Result<VariantReport, RunError> {
    let mut log = Recorder::create(folder, reporter)
        .map_err(|e| RunError::Environment(format!("creating events.jsonl in {}: {e}", folder.display())))?;
    log.record(RunEvent::RunStarted(RunStart {
        schema: SCHEMA,
        suite: plan.name.clone(),
        file: provenance.nemesis.as_ref().map_or_else(|| plan.source.clone(), |n| n.suite.clone()),
        variant: variant.name.clone(),
        expect: match variant.expect {
            Expect::Pass => "pass",
            Expect::Fail => "fail",
        }
        .to_string(),
        seed: plan.seed,
        subnet: format!("{}/{}", plan.subnet, plan.prefix),
        steps: plan.steps.len(),
        rerun: provenance.rerun.clone(),
        nemesis: provenance.nemesis.as_ref().map(|n| n.run.clone()),
    }));
    let mut waiting = interrupt.clone();
    let cluster = tokio::select! {
        built = Cluster::build(plan, variant, folder, options.net) => match built {
            Ok(cluster) => cluster,
            Err(e) => return abort(log, RunError::Environment(format!("building the network: {e}"))),
        },
        signal = waiting.wait() => {
            log.record(RunEvent::RunInterrupted { signal: signal.to_string() });
            return finish(log);
        }
    };
    let mut cluster = cluster;
    cluster.supervisor.set_log_limit(options.log_limit);
    let sampler = match cluster.sampler() {
        Ok(sampler) => Rc::new(sampler),
        Err(e) => return abort(log, RunError::Environment(format!("opening the namespaces for sampling: {e}"))),
    };
    let watch = match invariants::Watch::new(&plan.checks) {
        Ok(watch) => Rc::new(RefCell::new(watch)),
        Err(e) => return abort(log, RunError::Internal(format!("an `always` check: {e}"))),
    };
    let mut runner = Runner {
        plan,
        variant: variant.name.clone(),
        log_limit: options.log_limit,
        chooser: targets::Chooser::new(plan.seed, cluster.names().len()),
        cluster,
        log,
        last_views: Vec::new(),
        active: ActiveFaults::new(),
        folder: folder.to_path_buf(),
        step: 0,
        background: Vec::new(),
        last_heal: None,
        steps_end: None,
        connections: Vec::new(),
        marks: breakpoints::ArmMarks::new(),
        watch,
        sampler,
        where_sample: None,
    };
    let result = tokio::select! {
        result = runner.drive() => result,
        signal = waiting.wait() => {
            runner.log.record(RunEvent::RunInterrupted { signal: signal.to_string() });
            Ok(())
        }
    };
    runner.teardown().await;
    match result {
        Ok(()) => finish(runner.log),
        Err(e) => abort(runner.log, e),
    }
}

/// Records why the run could not go on, and its end; returns the error.
fn abort(mut log: Recorder<'_>, error: RunError) -> Result<VariantReport, RunError> {
    log.record(RunEvent::RunAborted { cause: error.cause().to_string(), error: error.to_string() });
    finish(log)?;
    Err(error)
}

/// Records the end and returns the run's report.
fn finish(mut log: Recorder<'_>) -> Result<VariantReport, RunError> {
    let (passed, met_expectation) = (log.fold().passed(), log.fold().met_expectation());
    log.record(RunEvent::RunFinished { passed, met_expectation });
    log.fold().report().ok_or_else(|| RunError::Internal("the record has no run-started event".into()))
}

impl Runner<'_, '_> {
    /// Starts the nodes, runs the steps, then the checks.
    async fn drive(&mut self) -> Result<(), RunError> {
        for (i, name) in self.cluster.names().to_vec().iter().enumerate() {
            let event = RunEvent::NodeNetwork {
                node: name.clone(),
                addr: self.cluster.addrs()[i].to_string(),
                netns: self.cluster.netns_inodes()[i],
            };
            self.log.record(event);
        }
        let all: Vec<usize> = (0..self.cluster.names().len()).collect();
        self.start(&all).await.map_err(|e| run_error(e, "starting the nodes"))?;
        if self.watch.borrow().is_empty() {
            return self.steps_and_checks().await;
        }
        let watching = invariants::watch(self.watch.clone(), self.sampler.clone());
        tokio::select! {
            result = self.steps_and_checks() => result,
            () = watching => Err(RunError::Internal("the sampling of `always` checks ended early".into())),
        }
    }

    /// The steps, then the checks, with the `always` checks reported last.
    async fn steps_and_checks(&mut self) -> Result<(), RunError> {
        for (i, step) in self.plan.steps.iter().enumerate() {
            if !step.runs_in(&self.variant) {
                continue;
            }
            self.step = i + 1;
            self.watch.borrow_mut().set_step(Some(i + 1));
            let what = describe::describe(&step.action, self.cluster.names());
            self.log.record(RunEvent::StepStarted { step: i + 1, line: step.line, what });
            self.where_sample = if step.probes { Some(self.sampler.sample().await) } else { None };
            let (ok, detail) = match self.apply(&step.action).await {
                Ok(detail) => (true, detail),
                Err(StepError::Failed(why)) => (false, why),
                Err(e) => {
                    let what = format!("step {} (line {})", i + 1, step.line);
                    let error = run_error(e, &what);
                    self.log.record(RunEvent::StepFinished { step: i + 1, ok: false, detail: error.to_string() });
                    return Err(error);
                }
            };
            self.log.record(RunEvent::StepFinished { step: i + 1, ok, detail });
        }
        self.steps_end = Some(Instant::now());
        self.watch.borrow_mut().set_step(None);
        for check in &self.plan.checks {
            if let Some(outcome) = self.check(check).await {
                self.log.record(RunEvent::CheckResult(outcome));
            }
        }
        // Exits noticed during the last check still count.
        self.tick().await;
        for outcome in self.always_outcomes() {
            self.log.record(RunEvent::CheckResult(outcome));
        }
        Ok(())
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
        for (n, status) in self.cluster.supervisor.stop_all().await {
            let node = self.cluster.names()[n].clone();
            self.log.record(RunEvent::NodeStopped { node, status: status.to_string() });
        }
    }
}

/// A step's error that stops the run.
fn run_error(e: StepError, what: &str) -> RunError {
    match e {
        StepError::Environment(s) => RunError::Environment(format!("{what}: {s}")),
        StepError::Failed(s) | StepError::Internal(s) => RunError::Internal(format!("{what}: {s}")),
    }
}
