//! `quiesce run`: select suite variants (filter, shard), run each the
//! requested number of times, report to the console, `report.json` and
//! JUnit.

use std::path::PathBuf;

use clap::Args;

use super::{load_all, parse_shard, rerun_command, select};
use crate::cluster::NetOptions;
use crate::exit::ExitCode;
use crate::report::console::{self, Console};
use crate::report::junit;
use crate::report::outcome::{RunReport, VariantOutcome};
use crate::run::{run_variant, RunOptions, VariantReport};
use crate::shard::Shard;
use crate::suite::plan::{Plan, Variant};

/// Arguments of `quiesce run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Suite files or folders of them.
    #[arg(required = true)]
    suites: Vec<PathBuf>,
    /// Run only these variants (repeatable).
    #[arg(long = "variant")]
    variants: Vec<String>,
    /// Where run folders go.
    #[arg(long, default_value = "target/quiesce")]
    out: PathBuf,
    /// MTU of the nodes' TUN devices.
    #[arg(long, default_value_t = 1500)]
    mtu: i32,
    /// Write every delivered packet to capture.pcap in the run folder.
    #[arg(long)]
    pcap: bool,
    /// Run each variant N times and report how often its checks failed.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Use this seed instead of each suite's own.
    #[arg(long)]
    seed: Option<u64>,
    /// Run only shard K of N of the selected suite variants (for a CI matrix).
    #[arg(long, value_parser = parse_shard)]
    shard: Option<Shard>,
    /// Write a JUnit XML report here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write the JSON report here (default: OUT/report.json).
    #[arg(long)]
    report: Option<PathBuf>,
}

/// Runs `quiesce run`.
pub async fn run(args: RunArgs) -> ExitCode {
    let mut plans = match load_all(&args.suites) {
        Ok(plans) => plans,
        Err(code) => return code,
    };
    if let Some(seed) = args.seed {
        plans.iter_mut().for_each(|p| p.seed = seed);
    }
    let selected = match select(&plans, &args.variants, args.shard) {
        Ok(selected) => selected,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::Invalid;
        }
    };
    if let Err(e) = crate::preflight::check() {
        eprintln!("error: {e}");
        return ExitCode::Environment;
    }
    let options = RunOptions { out: args.out.clone(), net: NetOptions { mtu: args.mtu, pcap: args.pcap } };
    let mut report = RunReport::default();
    let mut code = ExitCode::Ok;
    for (plan, variant) in selected {
        let rerun = rerun_command(&plan.source, &variant.name, plan.seed);
        match repeat(plan, variant, &options, args.repeat, &rerun).await {
            Ok(outcome) => {
                if !outcome.met_expectation {
                    code = ExitCode::Failed;
                }
                report.add(&plan.name, &plan.source, outcome);
            }
            Err(e) => {
                eprintln!("error: {}/{}: {e}\n  rerun: {rerun}", plan.name, variant.name);
                code = ExitCode::Internal;
                break;
            }
        }
    }
    if report.suites.iter().map(|s| s.variants.len()).sum::<usize>() > 1 {
        print!("{}", console::contrast(&report));
    }
    write_reports(&report, &args).unwrap_or(code)
}

async fn repeat(
    plan: &Plan,
    variant: &Variant,
    options: &RunOptions,
    times: u32,
    rerun: &str,
) -> Result<VariantOutcome, String> {
    let mut runs: Vec<VariantReport> = Vec::new();
    for i in 1..=times {
        let mut console = Console::new();
        if times > 1 {
            eprintln!("── run {i} of {times}");
        }
        let result = run_variant(plan, variant, options, &mut |t, e| console.event(t, e)).await;
        console.finish();
        let run = result.map_err(|e| e.to_string())?;
        println!("{}", console::summary(&run, rerun));
        let json = serde_json::to_string_pretty(&run).expect("reports serialize");
        if let Err(e) = std::fs::write(run.folder.join("report.json"), json) {
            eprintln!("warning: writing {}: {e}", run.folder.join("report.json").display());
        }
        if let Err(e) = crate::report::timeline::write(&run.folder) {
            eprintln!("warning: writing {}: {e}", run.folder.join("timeline.html").display());
        }
        runs.push(run);
    }
    let outcome = VariantOutcome::new(&variant.name, rerun.to_string(), runs);
    if times > 1 {
        println!(
            "{}/{}: checks failed in {} of {} runs (expected {}){}",
            plan.name,
            variant.name,
            outcome.failed_runs,
            outcome.runs_total,
            outcome.expect,
            if outcome.met_expectation { "" } else { " — expectation NOT met" }
        );
    }
    Ok(outcome)
}

fn write_reports(report: &RunReport, args: &RunArgs) -> Option<ExitCode> {
    let path = args.report.clone().unwrap_or_else(|| args.out.join("report.json"));
    if let Err(e) = report.write(&path) {
        eprintln!("error: writing {}: {e}", path.display());
        return Some(ExitCode::Internal);
    }
    if let Some(junit_path) = &args.junit {
        if let Err(e) = junit::write(report, junit_path) {
            eprintln!("error: writing {}: {e}", junit_path.display());
            return Some(ExitCode::Internal);
        }
    }
    None
}
