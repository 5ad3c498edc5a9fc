//! Reporters: consumers of the one event stream of [`crate::events`].
//!
//! A run's recorder hands every [`RunEvent`] to a [`Reporter`] as it
//! happens; `quiesce report` hands it the events read back from a run
//! folder. Each output is a reporter: the [`console`] (progress and
//! summaries), each run's `report.json` ([`files::RunJson`]), the
//! invocation's `report.json` and JUnit ([`files::InvocationFile`]), the
//! before/after table ([`console::Contrast`]) and
//! `timeline.html` ([`timeline::TimelineFile`]). None parses human text:
//! what they show comes from the events' fields.

pub mod collect;
pub mod console;
pub mod files;
pub mod fold;
pub mod junit;
pub mod outcome;
pub mod timeline;

use std::path::Path;

use crate::events::RunEvent;

/// A consumer of runs' events.
pub trait Reporter {
    /// One event, in order, of the run whose folder is `folder`. A run's
    /// events begin with `run-started` and, unless it was killed, end with
    /// `run-finished`; several runs may follow each other.
    fn event(&mut self, folder: &Path, t: f64, event: &RunEvent);

    /// After the last event of the last run: write what is written once.
    fn finish(&mut self) -> Result<(), ReportError> {
        Ok(())
    }
}

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing {}: {source}", path.display())]
pub struct ReportError {
    /// The file.
    pub path: std::path::PathBuf,
    /// What went wrong.
    pub source: std::io::Error,
}

impl ReportError {
    /// An error writing `path`.
    pub fn new(path: &Path, source: std::io::Error) -> ReportError {
        ReportError { path: path.to_path_buf(), source }
    }
}

/// Several reporters fed the same stream, in order.
#[derive(Default)]
pub struct Reporters<'a>(pub Vec<&'a mut dyn Reporter>);

impl Reporter for Reporters<'_> {
    fn event(&mut self, folder: &Path, t: f64, event: &RunEvent) {
        for r in &mut self.0 {
            r.event(folder, t, event);
        }
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        let mut first = Ok(());
        for r in &mut self.0 {
            let result = r.finish();
            if first.is_ok() {
                first = result;
            }
        }
        first
    }
}

/// A reporter that shows nothing (for callers that only want the returned
/// report).
#[derive(Debug, Default)]
pub struct Discard;

impl Reporter for Discard {
    fn event(&mut self, _: &Path, _: f64, _: &RunEvent) {}
}
