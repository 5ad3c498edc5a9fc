//! Runs' events gathered into the invocation's [`RunReport`]: each run is
//! folded ([`RunFold`]) and added under its suite and variant when it ends.

use std::path::Path;

use super::fold::RunFold;
use super::outcome::RunReport;
use super::Reporter;
use crate::events::RunEvent;

/// Folds every run it is fed into one [`RunReport`].
#[derive(Debug, Default)]
pub struct Collector {
    current: RunFold,
    report: RunReport,
}

impl Reporter for Collector {
    fn event(&mut self, folder: &Path, t: f64, event: &RunEvent) {
        if matches!(event, RunEvent::RunStarted(_)) {
            self.flush();
        }
        self.current.event(folder, t, event);
        if matches!(event, RunEvent::RunFinished { .. }) {
            self.flush();
        }
    }
}

impl Collector {
    /// Adds a run still open (its record ended early) as interrupted.
    fn flush(&mut self) {
        if let Some(run) = self.current.report() {
            self.report.add(run);
        }
        self.current = RunFold::default();
    }

    /// Every run so far; a run whose record ended without `run-finished`
    /// counts as interrupted.
    pub fn report(&mut self) -> &RunReport {
        self.flush();
        &self.report
    }
}
