//! The command line: `quiesce run`, `check`, `list`, `explain`, `schema`.

mod inspect;
mod run;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::exit::ExitCode;
use crate::shard::Shard;
use crate::suite;
use crate::suite::plan::{Plan, Variant};

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
    Run(run::RunArgs),
    /// Validate suite files without running anything (no privilege needed).
    Check {
        /// Suite files or folders of them.
        #[arg(required = true)]
        suites: Vec<PathBuf>,
    },
    /// List suites with their variants and expectations; with `--shard` or
    /// `--variant`, the suite variants `run` would select, one per line.
    List {
        /// Suite files or folders of them.
        #[arg(default_value = "suites")]
        suites: Vec<PathBuf>,
        /// Only these variants (repeatable).
        #[arg(long = "variant")]
        variants: Vec<String>,
        /// Only shard K of N.
        #[arg(long, value_parser = parse_shard)]
        shard: Option<Shard>,
    },
    /// Show a suite's resolved plan: nodes, addresses, links, commands, steps.
    Explain {
        /// The suite file.
        suite: PathBuf,
        /// The variant whose values fill the templates (default: the first).
        #[arg(long)]
        variant: Option<String>,
    },
    /// Print the JSON Schema of the suite format.
    Schema,
}

/// Runs a parsed command line; returns the exit code.
pub async fn main(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check { suites } => check(&suites),
        Command::Run(args) => run::run(args).await,
        Command::List { suites, variants, shard } => inspect::list(&suites, &variants, shard),
        Command::Explain { suite, variant } => inspect::explain(&suite, variant.as_deref()),
        Command::Schema => inspect::schema(),
    }
}

/// Expands folders to the `*.yaml` files in them, sorted.
fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        match std::fs::read_dir(path) {
            Ok(entries) if path.is_dir() => {
                let mut found: Vec<PathBuf> = entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                    .collect();
                found.sort();
                files.extend(found);
            }
            _ => files.push(path.clone()),
        }
    }
    files
}

/// Loads every suite, printing every error; exit code 2 if any is invalid.
fn load_all(paths: &[PathBuf]) -> Result<Vec<Plan>, ExitCode> {
    let mut plans = Vec::new();
    let mut bad = false;
    for path in expand(paths) {
        match suite::load(&path) {
            Ok(plan) => plans.push(plan),
            Err(e) => {
                eprintln!("{e}");
                bad = true;
            }
        }
    }
    if bad {
        Err(ExitCode::Invalid)
    } else {
        Ok(plans)
    }
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

/// The command that reruns one variant exactly.
fn rerun_command(source: &Path, variant: &str, seed: u64) -> String {
    format!("quiesce run {} --variant {variant} --seed {seed}", source.display())
}

/// The selected (suite, variant) pairs, in file order, sharded.
pub(crate) fn select<'p>(
    plans: &'p [Plan],
    wanted: &[String],
    shard: Option<Shard>,
) -> Result<Vec<(&'p Plan, &'p Variant)>, String> {
    for w in wanted {
        if !plans.iter().any(|p| p.variants.iter().any(|v| &v.name == w)) {
            let names: Vec<String> =
                plans.iter().flat_map(|p| p.variants.iter().map(|v| format!("{}/{}", p.name, v.name))).collect();
            return Err(format!("no suite has a variant `{w}`; there are: {}", names.join(", ")));
        }
    }
    let all: Vec<(&Plan, &Variant)> = plans
        .iter()
        .flat_map(|p| p.variants.iter().map(move |v| (p, v)))
        .filter(|(_, v)| wanted.is_empty() || wanted.contains(&v.name))
        .collect();
    Ok(match shard {
        None => all,
        Some(shard) => shard.select(all, |(p, v)| (p.source.clone(), v.name.clone())),
    })
}

/// Parses `K/N` for clap.
fn parse_shard(text: &str) -> Result<Shard, String> {
    text.parse()
}
