//! Breakpoints: arming code points inside instrumented peers over their
//! control sockets, releasing them, and awaiting hits.

use std::collections::BTreeMap;
use std::time::Duration;

use super::steps::StepError;
use super::Runner;
use crate::suite::plan::{BreakAction, Targets};

impl Runner<'_> {
    /// `breakpoint`: arms `point` on each node.
    pub(crate) async fn arm(
        &mut self,
        _targets: &Targets,
        point: &str,
        _matcher: &BTreeMap<String, String>,
        _action: BreakAction,
    ) -> Result<String, StepError> {
        Err(StepError::Internal(format!("breakpoint {point}: the control server is not wired in yet")))
    }

    /// `continue` (keep armed) or `disarm`.
    pub(crate) async fn release_point(&mut self, _targets: &Targets, point: &str, _disarm: bool) -> Result<String, StepError> {
        Err(StepError::Internal(format!("continue {point}: the control server is not wired in yet")))
    }

    /// `await: {hit: POINT, nodes}`.
    pub(crate) async fn await_hit(&mut self, _point: &str, _targets: &Targets, _within: Duration) -> Result<String, StepError> {
        Err(StepError::Internal("await hit: the control server is not wired in yet".into()))
    }
}
