//! `quiesce run`: select suite variants (filter, shard), run each the
//! requested number of times, with the reporters fed every run's events:
//! the console, each run folder's report.json and timeline.html, the
//! invocation's report.json, JUnit, and the before/after table.

use std::path::PathBuf;

use clap::Args;

use super::{load_all, parse_shard, rerun_command, select};
use crate::cluster::NetOptions;
use crate::exit::{Error, ExitCode};
use crate::interrupt::Interrupt;
use crate::nemesis::expand;
use crate::report::collect::Collector;
use crate::report::console::{self, Console, Contrast};
use crate::report::files::{InvocationFile, RunJson};
use crate::report::timeline::TimelineFile;
use crate::report::{ReportError, Reporter, Reporters};
use crate::run::{folder, run_variant, Provenance, RunError, RunOptions};
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
    /// The most output a node's log takes over all its incarnations, and an
    /// `exec`'s output file; the rest is discarded, and the file says where
    /// it was cut.
    #[arg(long, default_value = "64MiB")]
    log_limit: crate::capped::Size,
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
pub async fn run(args: RunArgs, interrupt: &Interrupt) -> Result<ExitCode, Error> {
    let mut plans = load_all(&args.suites)?;
    if let Some(seed) = args.seed {
        plans.iter_mut().for_each(|p| p.seed = seed);
    }
    // A shard may be empty (more shards than variants): it runs nothing
    // and writes empty reports.
    let selected = select(&plans, &args.variants, args.shard)?;
    crate::preflight::check().map_err(Error::Environment)?;
    let options = RunOptions {
        out: args.out.clone(),
        net: NetOptions { mtu: args.mtu, pcap: args.pcap },
        log_limit: args.log_limit.bytes(),
    };
    let mut outputs = Outputs::new(&args);
    let mut failure = None;
    'variants: for (plan, variant) in selected {
        let rerun = rerun_command(&plan.source, &variant.name, plan.seed);
        for i in 1..=args.repeat {
            if args.repeat > 1 {
                eprintln!("── run {i} of {}", args.repeat);
            }
            if let Err(e) = run_once(plan, variant, &options, &rerun, &mut outputs, interrupt).await {
                failure = Some(e);
                break 'variants;
            }
            if interrupt.signal().is_some() {
                break 'variants;
            }
        }
        if args.repeat > 1 {
            if let Some(line) = console::repeat_line(outputs.runs.report(), &plan.name, &variant.name) {
                println!("{line}");
            }
        }
    }
    let written = outputs.finish();
    if let Some(e) = failure {
        return Err(e);
    }
    written?;
    let report = outputs.runs.report();
    Ok(if report.interrupted {
        ExitCode::Interrupted
    } else if report.met_expectation {
        ExitCode::Ok
    } else {
        ExitCode::Failed
    })
}

async fn run_once(
    plan: &Plan,
    variant: &Variant,
    options: &RunOptions,
    rerun: &str,
    outputs: &mut Outputs,
    interrupt: &Interrupt,
) -> Result<(), Error> {
    let folder = folder::create(&options.out, &plan.name, &variant.name)
        .map_err(|e| ReportError::new(&options.out.join(&plan.name).join(&variant.name), e))?;
    let mut provenance = Provenance { rerun: rerun.to_string(), nemesis: None };
    let written;
    let plan = match expand::find(plan) {
        None => plan,
        Some(nemesis) => {
            let schedule = expand::draw_for(plan, nemesis, plan.seed);
            let file = folder.join("schedule.yaml");
            let what = format!("drawn from seed {}", plan.seed);
            let drawn;
            (written, drawn) = expand::write_out(plan, nemesis, variant, &schedule, &file, what)?;
            provenance.nemesis = Some(drawn);
            &written
        }
    };
    let mut reporters = outputs.reporters();
    match run_variant(plan, variant, &folder, options, &provenance, &mut reporters, interrupt).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let (suite, variant, folder) = (&plan.name, &variant.name, folder.display());
            let text = format!("{suite}/{variant}: {e}\n  rerun: {rerun}\n  run folder: {folder}");
            Err(match e {
                RunError::Environment(_) => Error::Environment(text),
                RunError::Internal(_) => Error::Internal(text),
            })
        }
    }
}

/// Every reporter of an invocation.
struct Outputs {
    console: Console,
    run_json: RunJson,
    timeline: TimelineFile,
    invocation: InvocationFile,
    junit: Option<InvocationFile>,
    contrast: Contrast,
    /// For the exit code and the `--repeat` lines.
    runs: Collector,
}

impl Outputs {
    fn new(args: &RunArgs) -> Outputs {
        Outputs {
            console: Console::new(),
            run_json: RunJson::new(),
            timeline: TimelineFile::new(),
            invocation: InvocationFile::report_json(
                args.report.clone().unwrap_or_else(|| args.out.join("report.json")),
            ),
            junit: args.junit.clone().map(InvocationFile::junit),
            contrast: Contrast::default(),
            runs: Collector::default(),
        }
    }

    fn reporters(&mut self) -> Reporters<'_> {
        let mut all: Vec<&mut dyn Reporter> = vec![
            &mut self.console,
            &mut self.run_json,
            &mut self.timeline,
            &mut self.invocation,
            &mut self.contrast,
            &mut self.runs,
        ];
        if let Some(junit) = &mut self.junit {
            all.push(junit);
        }
        Reporters(all)
    }

    fn finish(&mut self) -> Result<(), Error> {
        Ok(self.reporters().finish()?)
    }
}
