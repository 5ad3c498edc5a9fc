//! `quiesce explore`: runs of a suite's nemesis from seeds derived from one,
//! the failing schedules kept as suites, coverage, and a shrink.

use std::path::PathBuf;

use clap::Args;

use crate::cluster::NetOptions;
use crate::exit::{Error, ExitCode};
use crate::explore::{self, ExploreReport, Outputs, RealTrial, ShrinkEntry, Target};
use crate::interrupt::Interrupt;
use crate::nemesis::expand;
use crate::nemesis::shrink::{shrink, Budget, Confirm, Progress};
use crate::report::{ReportError, Reporter};
use crate::run::RunOptions;
use crate::suite;

/// Arguments of `quiesce explore`.
#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The suite file; it has a `nemesis` step.
    suite: PathBuf,
    /// The variant to explore (needed when the suite has several).
    #[arg(long)]
    variant: Option<String>,
    /// The seed the runs' seeds derive from.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many schedules to draw and run.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    runs: u32,
    /// Where run folders go.
    #[arg(long, default_value = "target/quiesce")]
    out: PathBuf,
    /// Write each run's schedule.yaml and print their paths; run nothing
    /// (no root needed).
    #[arg(long, conflicts_with = "shrink")]
    pub(crate) dry_run: bool,
    /// Shrink the first failing schedule to a minimal one: minimal.yaml,
    /// next to its schedule.yaml.
    #[arg(long)]
    shrink: bool,
    /// With --shrink: a candidate still fails when it fails K of N runs.
    #[arg(long, default_value = "2/3", value_name = "K/N")]
    confirm: Confirm,
    /// With --shrink: at most this many runs (`40`) or this long (`20m`).
    #[arg(long, default_value = "60", value_name = "RUNS|DURATION")]
    shrink_budget: Budget,
    /// Write the explore's JSON report here (default:
    /// OUT/SUITE/VARIANT/explore.json).
    #[arg(long)]
    report: Option<PathBuf>,
    /// MTU of the nodes' TUN devices.
    #[arg(long, default_value_t = 1500)]
    mtu: i32,
    /// The most output a node's log takes over all its incarnations, and an
    /// `exec`'s output file; the rest is discarded, and the file says where
    /// it was cut.
    #[arg(long, default_value = "64MiB")]
    log_limit: crate::capped::Size,
}

/// Runs `quiesce explore`.
pub async fn explore(args: ExploreArgs, interrupt: &Interrupt) -> Result<ExitCode, Error> {
    let plan = suite::load(&args.suite).map_err(|e| Error::Suites(vec![e]))?;
    let target = Target::new(&plan, args.variant.as_deref())?;
    if args.dry_run {
        return dry_run(&target, &args);
    }
    crate::preflight::check().map_err(Error::Environment)?;
    let options = RunOptions {
        out: args.out.clone(),
        net: NetOptions { mtu: args.mtu, pcap: false },
        log_limit: args.log_limit.bytes(),
    };
    let mut report = ExploreReport {
        suite: plan.name.clone(),
        file: plan.source.clone(),
        variant: target.variant.name.clone(),
        seed: args.seed,
        runs_asked: args.runs,
        ..ExploreReport::default()
    };
    let mut outputs = Outputs::default();
    let mut explored =
        explore::explore(&target, args.seed, args.runs, &options, &mut outputs, &mut report, interrupt).await;
    if explored.is_ok() && args.shrink && !report.interrupted {
        explored = shrink_first(&target, &args, &options, &mut outputs, &mut report, interrupt).await;
    }
    let finished = outputs.reporters().finish();
    let path = args
        .report
        .clone()
        .unwrap_or_else(|| args.out.join(&plan.name).join(&target.variant.name).join("explore.json"));
    let written = report.write(&path).map_err(|e| ReportError::new(&path, e));
    println!("{}", report.summary());
    println!("report: {}", path.display());
    explored?;
    finished?;
    written?;
    Ok(if report.interrupted {
        ExitCode::Interrupted
    } else if report.failed().is_empty() {
        ExitCode::Ok
    } else {
        ExitCode::Failed
    })
}

/// Shrinks the first failing run's schedule, writes minimal.yaml next to
/// it, and records the shrink in `report`.
async fn shrink_first(
    target: &Target<'_>,
    args: &ExploreArgs,
    options: &RunOptions,
    outputs: &mut Outputs,
    report: &mut ExploreReport,
    interrupt: &Interrupt,
) -> Result<(), Error> {
    let Some(first) = report.failed().first().map(|r| (r.seed, r.folder.clone())) else {
        eprintln!("── nothing to shrink: no run failed");
        return Ok(());
    };
    let (seed, folder) = first;
    let failing = expand::draw_for(target.plan, target.nemesis, seed);
    eprintln!(
        "── shrinking seed {seed} ({} faults), {} of {} runs to keep a candidate, budget {:?}",
        failing.faults.len(),
        args.confirm.k,
        args.confirm.n,
        args.shrink_budget
    );
    let mut trial = RealTrial { target, options, outputs, interrupt, tried: 0 };
    let mut progress = |p: &Progress| {
        eprintln!(
            "── shrink run {}: {} faults over {} ms kept ({} of {} candidates); tried {}",
            p.runs, p.faults, p.span_ms, p.accepted, p.candidates, p.trying
        );
    };
    let shrunk = shrink(failing, &mut trial, args.confirm, args.shrink_budget, &mut progress)
        .await
        .map_err(|e| Error::Internal(format!("shrinking seed {seed}: {e}")))?;
    let minimal = folder.join("minimal.yaml");
    let what = format!(
        "shrunk from seed {seed}: {} faults -> {}, {} runs",
        shrunk.faults_before, shrunk.faults_after, shrunk.runs
    );
    expand::write_out(target.plan, target.nemesis, target.variant, &shrunk.schedule, &minimal, what)?;
    let replay = format!("quiesce run {}", minimal.display());
    report.shrink = Some(ShrinkEntry { from: folder.join("schedule.yaml"), minimal, replay, result: shrunk });
    Ok(())
}

/// Writes N schedules, runs nothing.
fn dry_run(target: &Target<'_>, args: &ExploreArgs) -> Result<ExitCode, Error> {
    for i in 0..args.runs {
        let seed = explore::run_seed(args.seed, i);
        let schedule = expand::draw_for(target.plan, target.nemesis, seed);
        let what = format!("explore from seed {}, run {}: seed {seed}", args.seed, i + 1);
        let written = target.write(&args.out, &target.variant.name, &schedule, what)?;
        println!("{}  (seed {seed}, {} faults)", written.folder.join("schedule.yaml").display(), schedule.faults.len());
    }
    Ok(ExitCode::Ok)
}
