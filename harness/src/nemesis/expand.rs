//! Writing a plan's nemesis out: draw (or take) a schedule, write the suite
//! with the schedule's steps in a file, and load that file as the plan to
//! run. The run then runs exactly what the file says.

use std::path::{Path, PathBuf};

use super::draw::{draw, Node};
use super::render::{self, Origin, RenderError};
use super::schedule::Schedule;
use crate::events::NemesisRun;
use crate::run::Drawn;
use crate::suite::plan::{Action, Nemesis, Plan, Variant};
use crate::suite::{self, SuiteError};

/// Why a nemesis could not be written out.
#[derive(Debug, thiserror::Error)]
pub enum ExpandError {
    /// Reading the suite or writing the file failed.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// Reading or writing.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The suite file changed since it was loaded.
    #[error(transparent)]
    Changed(#[from] RenderError),
    /// The written-out suite does not load: a bug, or an id of the suite's
    /// own that clashes with the nemesis' (`nemesis-N`).
    #[error("the suite written out with the nemesis' steps is not valid:\n{0}")]
    Invalid(SuiteError),
}

/// The plan's nemesis step, if it has one.
pub fn find(plan: &Plan) -> Option<&Nemesis> {
    plan.steps.iter().find_map(|s| match &s.action {
        Action::Nemesis(n) => Some(n),
        _ => None,
    })
}

/// The plan's nodes as the nemesis draws them: names and declared points.
pub fn nodes(plan: &Plan) -> Vec<Node> {
    let points = |program: &str| plan.programs.get(program).and_then(|p| p.points.clone()).unwrap_or_default();
    plan.nodes.iter().map(|n| Node { name: n.name.clone(), points: points(&n.program) }).collect()
}

/// Draws the schedule of `plan`'s nemesis from `seed`.
pub fn draw_for(plan: &Plan, nemesis: &Nemesis, seed: u64) -> Schedule {
    draw(nemesis, &nodes(plan), seed)
}

/// Writes `plan` with its `nemesis` replaced by `schedule`'s steps, for
/// `variant`, to `file`, and loads it; `what` says in its header where the
/// schedule came from.
pub fn write_out(
    plan: &Plan,
    nemesis: &Nemesis,
    variant: &Variant,
    schedule: &Schedule,
    file: &Path,
    what: String,
) -> Result<(Plan, Drawn), ExpandError> {
    let source = suite::read_file(&plan.source).map_err(|source| ExpandError::Io {
        what: "reading",
        path: plan.source.clone(),
        source,
    })?;
    let origin = Origin { file: &plan.source, name: &plan.name, variant: &variant.name, index: nemesis.index, what };
    let text = render::suite(&source, &origin, schedule)?;
    std::fs::write(file, &text).map_err(|source| ExpandError::Io {
        what: "writing",
        path: file.to_path_buf(),
        source,
    })?;
    let written = suite::load_str(&text, file).map_err(ExpandError::Invalid)?;
    let run = NemesisRun {
        file: file.to_path_buf(),
        replay: format!("quiesce run {}", file.display()),
        schedule: schedule.clone(),
    };
    Ok((written, Drawn { suite: plan.source.clone(), run }))
}
