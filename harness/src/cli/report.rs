//! `quiesce report RUN_DIR`: the run's reports rendered again from its
//! `events.jsonl` and node logs alone, by the same reporters `quiesce run`
//! feeds as the run goes.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::events;
use crate::exit::{Error, ExitCode};
use crate::report::console::Console;
use crate::report::files::{InvocationFile, RunJson};
use crate::report::outcome::Verdict;
use crate::report::timeline::TimelineFile;
use crate::report::{ReportError, Reporter, Reporters};

/// Arguments of `quiesce report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run folder (`OUT/SUITE/VARIANT/N`), holding events.jsonl and the
    /// node logs.
    run_dir: PathBuf,
    /// Where report.json and timeline.html go (default: RUN_DIR).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write JUnit XML here.
    #[arg(long)]
    junit: Option<PathBuf>,
}

/// Runs `quiesce report`: the run's own exit code: 0 when it met its
/// expectation, 1 when it did not, 3 or 4 when it was aborted, 130 when it
/// was interrupted (or its record ends early).
pub fn report(args: &ReportArgs) -> Result<ExitCode, Error> {
    let record = events::read(&args.run_dir.join("events.jsonl"))?;
    if record.torn_tail {
        eprintln!("warning: the last line of events.jsonl is torn (the run was killed); it is left out");
    }
    let out = args.out.as_deref().unwrap_or(&args.run_dir);
    std::fs::create_dir_all(out).map_err(|e| ReportError::new(out, e))?;
    let mut console = Console::summaries();
    let mut run_json = RunJson::into_dir(out);
    let mut timeline = TimelineFile::into_dir(out);
    let mut junit = args.junit.clone().map(InvocationFile::junit);
    let mut fold = crate::report::fold::RunFold::default();
    let mut reporters: Vec<&mut dyn Reporter> = vec![&mut console, &mut run_json, &mut timeline, &mut fold];
    if let Some(junit) = &mut junit {
        reporters.push(junit);
    }
    let mut reporters = Reporters(reporters);
    let folder: &Path = &args.run_dir;
    for line in &record.lines {
        reporters.event(folder, line.t, &line.event);
    }
    reporters.finish()?;
    Ok(match fold.report().map(|r| r.verdict) {
        Some(Verdict::Passed | Verdict::BugReproduced) => ExitCode::Ok,
        Some(Verdict::Missed) => ExitCode::Failed,
        Some(Verdict::Interrupted) | None => ExitCode::Interrupted,
        Some(Verdict::Aborted) => aborted_code(&record.lines),
    })
}

/// The code the run exited with when it was aborted: 3 for the
/// environment, 4 for a bug.
fn aborted_code(lines: &[events::Line]) -> ExitCode {
    let cause = lines.iter().find_map(|l| match &l.event {
        events::RunEvent::RunAborted { cause, .. } => Some(cause.as_str()),
        _ => None,
    });
    match cause {
        Some("environment") => ExitCode::Environment,
        _ => ExitCode::Internal,
    }
}
