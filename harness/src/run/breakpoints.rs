//! Breakpoints: arming code points inside instrumented peers over their
//! control sockets, releasing them, and awaiting hits.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use quiesce_faults::breakpoint::Action as PeerAction;

use super::steps::StepError;
use super::Runner;
use crate::control::{ControlError, Incoming, Mark};
use crate::events::RunEvent;
use crate::suite::plan::{BreakAction, Targets};

/// Where each node's hits of each point count from: the mark its last arm
/// returned.
pub(crate) type ArmMarks = BTreeMap<(usize, String), Mark>;

impl Runner<'_, '_> {
    /// `breakpoint`: arms `point` on each node.
    pub(crate) async fn arm(
        &mut self,
        targets: &Targets,
        point: &str,
        matcher: &BTreeMap<String, String>,
        action: BreakAction,
    ) -> Result<String, StepError> {
        let nodes = self.targets(targets, &[])?;
        let action = match action {
            BreakAction::Pause => PeerAction::Pause,
            BreakAction::Skip => PeerAction::Skip,
        };
        for &n in &nodes {
            let control = self.cluster.control(n);
            if control.hello().is_none() {
                // A node that just started may not have connected yet.
                let _ = control.wait_hello(Duration::from_secs(5)).await;
            }
            let mark = control.arm(point, matcher, action).await.map_err(|e| StepError::Failed(e.to_string()))?;
            self.marks.insert((n, point.to_string()), mark);
        }
        Ok(format!("armed {point} on {}", self.names_text(&nodes)))
    }

    /// `continue` (the point stays armed) or `disarm`.
    pub(crate) async fn release_point(
        &mut self,
        targets: &Targets,
        point: &str,
        disarm: bool,
    ) -> Result<String, StepError> {
        let nodes = self.targets(targets, &[])?;
        let mut unconnected = Vec::new();
        for &n in &nodes {
            let control = self.cluster.control(n);
            let sent = if disarm { control.disarm(point).await } else { control.continue_(point).await };
            match sent {
                Ok(()) => {}
                // A node that died or restarted holds nobody: its new
                // incarnation starts unarmed.
                Err(ControlError::NotConnected { .. }) => unconnected.push(self.cluster.names()[n].clone()),
                Err(e) => return Err(StepError::Failed(e.to_string())),
            }
            if disarm {
                self.marks.remove(&(n, point.to_string()));
            }
        }
        let verb = if disarm { "disarmed" } else { "continued" };
        let mut detail = format!("{verb} {point} on {}", self.names_text(&nodes));
        if !unconnected.is_empty() {
            detail.push_str(&format!(" ({} not connected: nothing held there)", unconnected.join(", ")));
        }
        Ok(detail)
    }

    /// `await: {hit: POINT, nodes}`: every node has hit the point since it
    /// was last armed there.
    pub(crate) async fn await_hit(
        &mut self,
        point: &str,
        targets: &Targets,
        within: Duration,
    ) -> Result<String, StepError> {
        let nodes = self.targets(targets, &[])?;
        let deadline = Instant::now() + within;
        let started = Instant::now();
        for &n in &nodes {
            let since = self.marks.get(&(n, point.to_string())).copied().unwrap_or_default();
            let left = deadline.saturating_duration_since(Instant::now());
            let waited = self.cluster.control(n).wait_hit(point, since, left).await;
            self.drain_control();
            if let Err(e) = waited {
                return Err(StepError::Failed(format!(
                    "no hit of {point} on {} within {within:?}: {e}",
                    self.cluster.names()[n]
                )));
            }
        }
        Ok(format!("{} hit {point} after {:.1}s", self.names_text(&nodes), started.elapsed().as_secs_f64()))
    }

    /// Records what the control sockets received since the last call.
    pub(crate) fn drain_control(&mut self) {
        for n in 0..self.cluster.names().len() {
            for received in self.cluster.control(n).drain() {
                if let Some(event) = control_event(&self.cluster.names()[n], received.what) {
                    self.log.record(event);
                }
            }
        }
    }
}

/// The event a control socket's message is recorded as: hits and malformed
/// lines; the rest is not recorded.
pub(crate) fn control_event(node: &str, what: Incoming) -> Option<RunEvent> {
    let node = node.to_string();
    match what {
        Incoming::Hit(hit) => Some(RunEvent::BreakpointHit {
            node,
            point: hit.point,
            labels: serde_json::to_value(&hit.labels).unwrap_or_default(),
            action: format!("{:?}", hit.action).to_lowercase(),
        }),
        Incoming::Malformed(e) => Some(RunEvent::ProtocolBroken { node, error: e.to_string() }),
        _ => None,
    }
}
