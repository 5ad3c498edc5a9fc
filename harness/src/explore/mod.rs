//! `quiesce explore`: run a suite's nemesis N times from seeds derived
//! from one, keep every failing schedule as a suite that replays it, count
//! fault coverage, and optionally shrink the first failure
//! ([`crate::nemesis::shrink`]) to `minimal.yaml`.
//!
//! Each run is an ordinary run (its folder, events, report.json, timeline)
//! of the suite written out with the schedule drawn for it, pinned to the
//! explored variant with `expect: pass`: a run *fails* when its checks do.

pub mod report;
mod trial;

use std::path::{Path, PathBuf};

use crate::exit::Error;
use crate::interrupt::Interrupt;
use crate::nemesis::coverage::Coverage;
use crate::nemesis::expand::{self, write_out};
use crate::nemesis::Schedule;
use crate::report::collect::Collector;
use crate::report::console::Console;
use crate::report::files::RunJson;
use crate::report::timeline::TimelineFile;
use crate::report::{ReportError, Reporter, Reporters};
use crate::run::{folder, run_variant, Provenance, RunError, RunOptions, VariantReport};
use crate::suite::plan::{Nemesis, Plan, Variant};

pub use report::{ExploreReport, RunEntry, ShrinkEntry};
pub use trial::RealTrial;

/// The seed of run `i` (from 0) of an explore from `seed`: splitmix64 of
/// both, kept to 32 bits so that it is easy to read and type.
pub fn run_seed(seed: u64, i: u32) -> u64 {
    let mut z = seed.wrapping_add(u64::from(i).wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) & 0xffff_ffff
}

/// What is explored.
pub struct Target<'p> {
    /// The suite, with its nemesis.
    pub plan: &'p Plan,
    /// Its nemesis step.
    pub nemesis: &'p Nemesis,
    /// The variant explored.
    pub variant: &'p Variant,
}

impl<'p> Target<'p> {
    /// The suite's nemesis and the variant named `wanted` (or its only one).
    pub fn new(plan: &'p Plan, wanted: Option<&str>) -> Result<Target<'p>, Error> {
        let nemesis = expand::find(plan).ok_or_else(|| {
            Error::Usage(format!(
                "{} has no `nemesis` step to explore; add one (docs/suite-format.md, `nemesis`)",
                plan.source.display()
            ))
        })?;
        let names: Vec<&str> = plan.variants.iter().map(|v| v.name.as_str()).collect();
        let variant = match wanted {
            Some(w) => plan.variants.iter().find(|v| v.name == w),
            None if plan.variants.len() == 1 => plan.variants.first(),
            None => {
                return Err(Error::Usage(format!(
                    "{} has variants {}: say which to explore with --variant",
                    plan.source.display(),
                    names.join(", ")
                )))
            }
        }
        .ok_or_else(|| {
            Error::Usage(format!("no variant `{}`; there are: {}", wanted.unwrap_or(""), names.join(", ")))
        })?;
        Ok(Target { plan, nemesis, variant })
    }

    /// Draws the schedule for `seed`, makes a run folder under `out` and
    /// writes the schedule there as `schedule.yaml`.
    /// The runs go in `<out>/<suite>/<group>/<n>/`.
    pub fn write(&self, out: &Path, group: &str, schedule: &Schedule, what: String) -> Result<Written, Error> {
        let dir = folder::create(out, &self.plan.name, group)
            .map_err(|e| ReportError::new(&out.join(&self.plan.name).join(group), e))?;
        let file = dir.join("schedule.yaml");
        let (plan, drawn) = write_out(self.plan, self.nemesis, self.variant, schedule, &file, what)?;
        let rerun = format!(
            "quiesce run {} --variant {} --seed {}",
            self.plan.source.display(),
            self.variant.name,
            schedule.seed
        );
        Ok(Written { folder: dir, plan, provenance: Provenance { rerun, nemesis: Some(drawn) } })
    }
}

/// A schedule written out in a run folder, ready to run.
pub struct Written {
    /// The run folder.
    pub folder: PathBuf,
    /// The suite written out (one variant, `expect: pass`).
    pub plan: Plan,
    /// For its record.
    pub provenance: Provenance,
}

impl Written {
    /// Runs it, feeding `reporter`.
    pub async fn run(
        &self,
        options: &RunOptions,
        reporter: &mut dyn Reporter,
        interrupt: &Interrupt,
    ) -> Result<VariantReport, Error> {
        let variant = &self.plan.variants[0];
        run_variant(&self.plan, variant, &self.folder, options, &self.provenance, reporter, interrupt).await.map_err(
            |e| {
                let text = format!("{e}\n  run folder: {}", self.folder.display());
                match e {
                    RunError::Environment(_) => Error::Environment(text),
                    RunError::Internal(_) => Error::Internal(text),
                }
            },
        )
    }
}

/// The reporters of an explore's runs: the console, each run's report.json
/// and timeline, and a collector for verdicts.
#[derive(Default)]
pub struct Outputs {
    /// Progress and summaries.
    pub console: Console,
    run_json: RunJson,
    timeline: TimelineFile,
    /// Every run's verdict.
    pub runs: Collector,
}

impl Outputs {
    /// All of them, as one reporter.
    pub fn reporters(&mut self) -> Reporters<'_> {
        Reporters(vec![&mut self.console, &mut self.run_json, &mut self.timeline, &mut self.runs])
    }
}

/// Runs N schedules of `target` from `seed`; the runs' entries and the
/// coverage go into `report`. Stops early on an interrupt.
pub async fn explore(
    target: &Target<'_>,
    seed: u64,
    runs: u32,
    options: &RunOptions,
    outputs: &mut Outputs,
    report: &mut ExploreReport,
    interrupt: &Interrupt,
) -> Result<(), Error> {
    let mut coverage = Coverage::default();
    for i in 0..runs {
        let run_seed = run_seed(seed, i);
        let schedule = expand::draw_for(target.plan, target.nemesis, run_seed);
        let failed_so_far = report.runs.iter().filter(|r| !r.passed).count();
        eprintln!("── explore run {} of {runs}: seed {run_seed} ({failed_so_far} failed so far)", i + 1);
        let what = format!("explore from seed {seed}, run {}: seed {run_seed}", i + 1);
        let written = target.write(&options.out, &target.variant.name, &schedule, what)?;
        let result = written.run(options, &mut outputs.reporters(), interrupt).await?;
        if interrupt.signal().is_some() {
            report.interrupted = true;
            break;
        }
        coverage.add(&schedule, !result.passed);
        report.runs.push(RunEntry::new(i + 1, run_seed, &written, &schedule, &result));
        report.coverage = coverage.rows();
    }
    Ok(())
}
