//! Watching the cluster: observe on a tick, record view changes and
//! unexpected exits, and wait for a condition to hold.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::Runner;
use crate::events::RunEvent;
use crate::observe::{NodeView, Observation};

/// How often the cluster is observed while waiting.
pub const TICK: Duration = Duration::from_millis(250);

impl Runner<'_, '_> {
    /// Observes once, recording what changed since the last observation.
    pub(crate) async fn tick(&mut self) -> Observation {
        self.reap_exits();
        self.drain_connections();
        self.drain_control();
        self.record_broken();
        let obs = self.cluster.observe().await;
        for (i, view) in obs.nodes.iter().enumerate() {
            if self.last_views.get(i) != Some(view) {
                let (json, error) = match view {
                    NodeView::Answered(v) => (v.clone(), None),
                    NodeView::Down => (Value::Null, Some("down".to_string())),
                    NodeView::Failed(e) => (Value::Null, Some(e.clone())),
                };
                // A probe error's text varies (timings); record only real changes.
                let same_failure =
                    matches!((self.last_views.get(i), view), (Some(NodeView::Failed(_)), NodeView::Failed(_)));
                if !same_failure {
                    let node = self.cluster.names()[i].clone();
                    self.log.record(RunEvent::ViewChanged { node, view: json, error });
                }
            }
        }
        self.last_views = obs.nodes.clone();
        obs
    }

    fn reap_exits(&mut self) {
        for exit in self.cluster.supervisor.poll_exits() {
            let node = self.cluster.names()[exit.node].clone();
            self.log.record(RunEvent::NodeExited { node, status: exit.status.to_string(), tail: exit.tail });
        }
    }

    /// Keeps observing for `duration`, and no longer: an observation still
    /// waiting for a silent node's probe when the time is up is abandoned,
    /// so a wedged peer cannot stretch a `sleep`.
    pub(crate) async fn idle(&mut self, duration: Duration) {
        let end = Instant::now() + duration;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, self.tick()).await.is_err() {
                return;
            }
            tokio::time::sleep(TICK.min(end.saturating_duration_since(Instant::now()))).await;
        }
    }

    /// Waits until `holds` is true of observations for `stable_for`,
    /// giving up after `within`, and no later: an observation still waiting
    /// for a silent node's probe at the deadline is abandoned. On success,
    /// the time until it first held (of the stable stretch); on failure,
    /// the last whole observation described.
    pub(crate) async fn wait_for(
        &mut self,
        holds: impl Fn(&Observation) -> bool,
        within: Duration,
        stable_for: Duration,
    ) -> Result<Duration, String> {
        let start = Instant::now();
        let deadline = start + within;
        let mut since: Option<Instant> = None;
        loop {
            let seen_at = Instant::now();
            let left = deadline.saturating_duration_since(seen_at);
            let Ok(obs) = tokio::time::timeout(left.max(TICK), self.tick()).await else {
                let last = Observation { nodes: self.last_views.clone() };
                return Err(format!(
                    "{} (a probe was still unanswered at the deadline)",
                    last.describe(self.cluster.names())
                ));
            };
            if holds(&obs) {
                let first = *since.get_or_insert(seen_at);
                if seen_at.duration_since(first) >= stable_for {
                    return Ok(first.duration_since(start));
                }
            } else {
                since = None;
            }
            if start.elapsed() >= within {
                return Err(obs.describe(self.cluster.names()));
            }
            tokio::time::sleep(TICK).await;
        }
    }
}
