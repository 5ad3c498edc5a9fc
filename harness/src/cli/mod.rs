//! The command line: `quiesce run`, `explore`, `check`, `list`, `explain`, `report`,
//! `schema`. Each command returns an [`ExitCode`] for its verdict or an
//! [`Error`] whose kind gives the code (docs/exit-codes.md).

mod explore;
mod inspect;
mod report;
mod run;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::exit::{Error, ExitCode};
use crate::interrupt::Interrupt;
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

impl Cli {
    /// Whether the command makes namespaces, so that without root it must
    /// first enter a user namespace ([`crate::userns`]).
    pub fn makes_namespaces(&self) -> bool {
        match &self.command {
            Command::Run(_) => true,
            Command::Explore(args) => !args.dry_run,
            _ => false,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run suites (as root, or as an ordinary user in a user namespace of
    /// its own: docs/rootless.md).
    Run(run::RunArgs),
    /// Run a suite's nemesis from many seeds; keep, replay and shrink the
    /// schedules that fail (as `run`; `--dry-run` runs nothing).
    Explore(explore::ExploreArgs),
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
    /// Render a run folder's report.json and timeline.html (and JUnit on
    /// request) again from its events.jsonl and node logs alone.
    Report(report::ReportArgs),
    /// Print the JSON Schema of the suite format.
    Schema,
    /// Panic on purpose: the end-to-end test of exit code 4 (a bug in
    /// quiesce) and of the message a panic prints.
    #[command(hide = true, name = "internal-panic")]
    InternalPanic,
}

/// Runs a parsed command line; returns the exit code.
pub async fn main(cli: Cli, interrupt: Interrupt) -> ExitCode {
    let result = match cli.command {
        Command::Check { suites } => check(&suites),
        Command::Run(args) => run::run(args, &interrupt).await,
        Command::Explore(args) => explore::explore(args, &interrupt).await,
        Command::List { suites, variants, shard } => inspect::list(&suites, &variants, shard),
        Command::Explain { suite, variant } => inspect::explain(&suite, variant.as_deref()),
        Command::Report(args) => report::report(&args),
        Command::Schema => inspect::schema(),
        #[allow(clippy::panic)] // The point of the command.
        Command::InternalPanic => panic!("a deliberate panic (`quiesce internal-panic`)"),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    }
}

/// Expands folders to the `*.yaml` files in them, sorted. A path that does
/// not exist stays, to be reported when it is read.
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

/// Loads every suite; every invalid one is an error, and so is finding no
/// suite at all (an empty folder, a glob the shell left unexpanded).
fn load_all(paths: &[PathBuf]) -> Result<Vec<Plan>, Error> {
    let files = expand(paths);
    if files.is_empty() {
        return Err(Error::NoSuites(paths.to_vec()));
    }
    let mut plans = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        match suite::load(&path) {
            Ok(plan) => plans.push(plan),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(plans)
    } else {
        Err(Error::Suites(errors))
    }
}

fn check(paths: &[PathBuf]) -> Result<ExitCode, Error> {
    for plan in load_all(paths)? {
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
    Ok(ExitCode::Ok)
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
) -> Result<Vec<(&'p Plan, &'p Variant)>, Error> {
    for w in wanted {
        if !plans.iter().any(|p| p.variants.iter().any(|v| &v.name == w)) {
            let names: Vec<String> =
                plans.iter().flat_map(|p| p.variants.iter().map(|v| format!("{}/{}", p.name, v.name))).collect();
            return Err(Error::Usage(format!("no suite has a variant `{w}`; there are: {}", names.join(", "))));
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
