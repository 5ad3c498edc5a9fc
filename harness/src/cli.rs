//! The command line: `quiesce run` and `quiesce check`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::cluster::NetOptions;
use crate::exit::ExitCode;
use crate::report::console;
use crate::run::{run_variant, RunOptions};
use crate::suite::{self, plan::Plan};

/// A chaos test harness: real peers on TUN-backed virtual networks.
#[derive(Debug, Parser)]
#[command(name = "quiesce", version, about)]
pub struct Cli {
    /// More logging (also RUST_LOG).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run suites (needs root).
    Run {
        /// Suite files.
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
    },
    /// Validate suite files without running anything (no privilege needed).
    Check {
        /// Suite files.
        #[arg(required = true)]
        suites: Vec<PathBuf>,
    },
}

/// Runs a parsed command line; returns the exit code.
pub async fn main(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check { suites } => check(&suites),
        Command::Run { suites, variants, out, mtu, pcap } => {
            run(&suites, &variants, RunOptions { out, net: NetOptions { mtu, pcap } }).await
        }
    }
}

fn load_all(paths: &[PathBuf]) -> Result<Vec<Plan>, ExitCode> {
    let mut plans = Vec::new();
    let mut bad = false;
    for path in paths {
        match suite::load(path) {
            Ok(plan) => plans.push(plan),
            Err(e) => {
                eprintln!("{e}");
                bad = true;
            }
        }
    }
    if bad { Err(ExitCode::Invalid) } else { Ok(plans) }
}

fn check(paths: &[PathBuf]) -> ExitCode {
    match load_all(paths) {
        Ok(plans) => {
            for plan in plans {
                let variants: Vec<&str> = plan.variants.iter().map(|v| v.name.as_str()).collect();
                println!(
                    "ok {}: {} nodes, {} steps, {} checks, variants {}",
                    plan.source.display(),
                    plan.nodes.len(),
                    plan.steps.len(),
                    plan.checks.len(),
                    variants.join(", ")
                );
            }
            ExitCode::Ok
        }
        Err(code) => code,
    }
}

fn select_variants<'p>(plan: &'p Plan, wanted: &[String]) -> Result<Vec<&'p suite::plan::Variant>, String> {
    if wanted.is_empty() {
        return Ok(plan.variants.iter().collect());
    }
    for w in wanted {
        if !plan.variants.iter().any(|v| &v.name == w) {
            let names: Vec<&str> = plan.variants.iter().map(|v| v.name.as_str()).collect();
            return Err(format!("{}: no variant `{w}`; it has: {}", plan.source.display(), names.join(", ")));
        }
    }
    Ok(plan.variants.iter().filter(|v| wanted.contains(&v.name)).collect())
}

async fn run(paths: &[PathBuf], variants: &[String], options: RunOptions) -> ExitCode {
    let plans = match load_all(paths) {
        Ok(plans) => plans,
        Err(code) => return code,
    };
    let mut selected = Vec::new();
    for plan in &plans {
        match select_variants(plan, variants) {
            Ok(vs) => selected.extend(vs.into_iter().map(|v| (plan, v))),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::Invalid;
            }
        }
    }
    if let Err(e) = crate::preflight::check() {
        eprintln!("error: {e}");
        return ExitCode::Environment;
    }
    let mut worst = ExitCode::Ok;
    for (plan, variant) in selected {
        let rerun = format!("quiesce run {} --variant {}", plan.source.display(), variant.name);
        match run_variant(plan, variant, &options, &mut console::event).await {
            Ok(report) => {
                println!("{}", console::summary(&report, &rerun));
                if !report.met_expectation {
                    worst = ExitCode::Failed;
                }
            }
            Err(e) => {
                eprintln!("error: {}/{}: {e}\n  rerun: {rerun}", plan.name, variant.name);
                return ExitCode::Internal;
            }
        }
    }
    worst
}
