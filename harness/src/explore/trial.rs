//! The shrinker's runs for real: each candidate schedule is written out in
//! its own run folder (`<out>/<suite>/<variant>.shrink/<n>/schedule.yaml`)
//! and run like any other; it fails when its checks do.

use super::{Outputs, Target};
use crate::interrupt::Interrupt;
use crate::nemesis::shrink::{Trial, TrialError};
use crate::nemesis::Schedule;
use crate::run::RunOptions;

/// Runs candidates of a shrink.
pub struct RealTrial<'a, 'p> {
    /// What is explored.
    pub target: &'a Target<'p>,
    /// How to run.
    pub options: &'a RunOptions,
    /// The runs' reporters.
    pub outputs: &'a mut Outputs,
    /// Stops the shrink.
    pub interrupt: &'a Interrupt,
    /// Candidates run so far.
    pub tried: u32,
}

impl RealTrial<'_, '_> {
    /// The folder group of the shrink's runs.
    pub fn group(&self) -> String {
        format!("{}.shrink", self.target.variant.name)
    }
}

impl Trial for RealTrial<'_, '_> {
    async fn fails(&mut self, candidate: &Schedule) -> Result<bool, TrialError> {
        self.tried += 1;
        let what = format!("shrink run {} of seed {}", self.tried, candidate.seed);
        let error = |e: crate::exit::Error| TrialError(e.to_string());
        let written = self.target.write(&self.options.out, &self.group(), candidate, what).map_err(error)?;
        let report = written.run(self.options, &mut self.outputs.reporters(), self.interrupt).await.map_err(error)?;
        if let Some(signal) = self.interrupt.signal() {
            return Err(TrialError(format!("interrupted by {signal:?}")));
        }
        Ok(!report.passed)
    }
}
