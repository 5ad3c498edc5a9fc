//! The report files: `report.json` in each run folder ([`RunJson`]), and
//! the invocation's `report.json` and JUnit ([`InvocationFile`]).

use std::path::{Path, PathBuf};

use super::collect::Collector;
use super::fold::RunFold;
use super::outcome::RunReport;
use super::{ReportError, Reporter};
use crate::events::RunEvent;

/// Writes `report.json` into a run's folder when the run ends (or, for a
/// record that ends early, at [`Reporter::finish`]). With `out`, writes
/// there instead of the run folder.
#[derive(Debug, Default)]
pub struct RunJson {
    fold: RunFold,
    out: Option<PathBuf>,
    written: bool,
    error: Option<ReportError>,
}

impl RunJson {
    /// Into each run's folder.
    pub fn new() -> RunJson {
        RunJson::default()
    }

    /// Into `dir`, whatever folder the events came from.
    pub fn into_dir(dir: &Path) -> RunJson {
        RunJson { out: Some(dir.to_path_buf()), ..RunJson::default() }
    }

    fn write(&mut self) {
        let Some(report) = self.fold.report() else { return };
        self.written = true;
        let path = self.out.as_deref().unwrap_or(&report.folder).join("report.json");
        let written = serde_json::to_string_pretty(&report)
            .map_err(std::io::Error::other)
            .and_then(|json| std::fs::write(&path, json));
        if let Err(e) = written {
            self.error.get_or_insert(ReportError::new(&path, e));
        }
    }
}

impl Reporter for RunJson {
    fn event(&mut self, folder: &Path, t: f64, event: &RunEvent) {
        if matches!(event, RunEvent::RunStarted(_)) {
            self.written = false;
        }
        self.fold.event(folder, t, event);
        if matches!(event, RunEvent::RunFinished { .. }) {
            self.write();
        }
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        if !self.written {
            self.write();
        }
        self.error.take().map_or(Ok(()), Err)
    }
}

/// A file drawn from every run, written once the last run is in: the
/// invocation's `report.json` or JUnit.
pub struct InvocationFile {
    runs: Collector,
    path: PathBuf,
    write: fn(&RunReport, &Path) -> std::io::Result<()>,
}

impl InvocationFile {
    /// The invocation's `report.json`, to `path`.
    pub fn report_json(path: PathBuf) -> InvocationFile {
        InvocationFile { runs: Collector::default(), path, write: RunReport::write }
    }

    /// JUnit XML, to `path`.
    pub fn junit(path: PathBuf) -> InvocationFile {
        InvocationFile { runs: Collector::default(), path, write: super::junit::write }
    }
}

impl Reporter for InvocationFile {
    fn event(&mut self, folder: &Path, t: f64, event: &RunEvent) {
        self.runs.event(folder, t, event);
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        (self.write)(self.runs.report(), &self.path).map_err(|e| ReportError::new(&self.path, e))
    }
}
