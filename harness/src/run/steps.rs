//! Applying steps: faults go to the switch or the supervisor, awaits wait.

use std::collections::BTreeMap;

use nix::sys::signal::Signal;
use quiesce_faults::{grudge, Action as RuleAction, Flow, Matcher, NodeSet, Proto as FlowProto, Rule};
use serde_json::json;

use super::Runner;
use crate::events::RunEvent;
use crate::suite::plan::{Action, AwaitCondition, FlowSpec, Heal, NodeId, Proto};

/// The kind of an active fault, by id.
pub(crate) type ActiveFaults = BTreeMap<String, &'static str>;

impl Runner<'_> {
    /// Applies one step; `Ok` carries a detail line, `Err` a failure that
    /// fails the run (an await that timed out).
    pub(crate) async fn apply(&mut self, action: &Action) -> Result<String, StepError> {
        match action {
            Action::Sleep(d) => {
                self.idle(*d).await;
                Ok(String::new())
            }
            Action::Await { condition, within } => self.await_condition(*condition, *within).await,
            Action::Pause(nodes) => self.each(nodes, |r, n| r.cluster.supervisor.pause(n).map_err(io)),
            Action::Resume(nodes) => self.each(nodes, |r, n| r.cluster.supervisor.resume(n).map_err(io)),
            Action::Kill { nodes, signal } => self.kill(nodes, signal).await,
            Action::Start(nodes) => self.start(nodes).await,
            Action::Restart(nodes) => self.restart(nodes).await,
            Action::Partition { id, groups } => {
                let ix: Vec<Vec<u16>> = groups.iter().map(|g| g.iter().map(|&n| n as u16).collect()).collect();
                let rule = Rule { id: id.clone(), matcher: Matcher::Grudge(grudge(&ix)), action: drop_all() };
                let targets = json!(groups.iter().map(|g| self.names_of(g)).collect::<Vec<_>>());
                self.add_fault(rule, "partition", targets)
            }
            Action::Drop { id, flow, probability } => {
                let action = RuleAction::Drop { probability: *probability, count: None };
                self.add_flow_fault(id, flow, action, "drop")
            }
            Action::Stall { id, flow } => self.add_flow_fault(id, flow, RuleAction::Hold, "stall"),
            Action::Delay { id, flow, by, jitter } => {
                self.add_flow_fault(id, flow, RuleAction::Delay { fixed: *by, jitter: *jitter }, "delay")
            }
            Action::Heal(heal) => Ok(self.heal(heal, |_| true)),
            Action::Release(heal) => Ok(self.heal(heal, |kind| kind == "stall")),
        }
    }

    fn names_of(&self, nodes: &[NodeId]) -> Vec<String> {
        nodes.iter().map(|&n| self.cluster.names()[n].clone()).collect()
    }

    fn each(&mut self, nodes: &[NodeId], mut f: impl FnMut(&mut Self, usize) -> Result<(), StepError>) -> Result<String, StepError> {
        for &n in nodes {
            f(self, n)?;
        }
        Ok(self.names_of(nodes).join(", "))
    }

    async fn await_condition(&mut self, condition: AwaitCondition, within: std::time::Duration) -> Result<String, StepError> {
        let holds = match condition {
            AwaitCondition::Converged => crate::observe::Observation::converged,
            AwaitCondition::Diverged => crate::observe::Observation::diverged,
        };
        let word = match condition {
            AwaitCondition::Converged => "converged",
            AwaitCondition::Diverged => "diverged",
        };
        match self.wait_for(holds, within, std::time::Duration::ZERO).await {
            Ok(after) => Ok(format!("{word} after {:.1}s", after.as_secs_f64())),
            Err(last) => Err(StepError::Failed(format!("not {word} within {within:?}: {last}"))),
        }
    }

    async fn kill(&mut self, nodes: &[NodeId], signal: &str) -> Result<String, StepError> {
        let sig: Signal = format!("SIG{signal}").parse().map_err(|_| StepError::Internal(format!("bad signal {signal}")))?;
        for &n in nodes {
            let status = self.cluster.supervisor.kill(n, sig).await.map_err(io)?;
            self.record_stop(n, status);
        }
        Ok(self.names_of(nodes).join(", "))
    }

    pub(crate) async fn start(&mut self, nodes: &[NodeId]) -> Result<String, StepError> {
        for &n in nodes {
            let pid = self.cluster.supervisor.start(n).await.map_err(io)?;
            self.record_start(n, pid);
        }
        Ok(self.names_of(nodes).join(", "))
    }

    async fn restart(&mut self, nodes: &[NodeId]) -> Result<String, StepError> {
        for &n in nodes {
            let status = self.cluster.supervisor.stop(n).await.map_err(io)?;
            self.record_stop(n, status);
            let pid = self.cluster.supervisor.start(n).await.map_err(io)?;
            self.record_start(n, pid);
        }
        Ok(self.names_of(nodes).join(", "))
    }

    fn record_start(&mut self, n: usize, pid: u32) {
        let incarnation = self.cluster.supervisor.node(n).incarnation();
        self.log.record(RunEvent::NodeStarted { node: self.cluster.names()[n].clone(), pid, incarnation });
    }

    fn record_stop(&mut self, n: usize, status: Option<std::process::ExitStatus>) {
        let status = status.map_or("was not running".to_string(), |s| s.to_string());
        self.log.record(RunEvent::NodeStopped { node: self.cluster.names()[n].clone(), status });
    }

    fn add_flow_fault(&mut self, id: &str, flow: &FlowSpec, action: RuleAction, kind: &'static str) -> Result<String, StepError> {
        let targets = json!({
            "from": flow.from.as_ref().map(|f| self.names_of(f)),
            "to": flow.to.as_ref().map(|t| self.names_of(t)),
            "proto": flow.proto.map(|p| format!("{p:?}").to_lowercase()),
            "port": flow.port,
        });
        let rule = Rule { id: id.to_string(), matcher: Matcher::Flow(to_flow(flow)), action };
        self.add_fault(rule, kind, targets)
    }

    fn add_fault(&mut self, rule: Rule, kind: &'static str, targets: serde_json::Value) -> Result<String, StepError> {
        let id = rule.id.clone();
        self.cluster.switch.add_rule(rule).map_err(StepError::Internal)?;
        self.active.insert(id.clone(), kind);
        let detail = format!("{kind} `{id}` on {targets}");
        self.log.record(RunEvent::FaultApplied { id, kind: kind.to_string(), targets });
        Ok(detail)
    }

    /// Removes the faults `heal` names whose kind passes `which`.
    pub(crate) fn heal(&mut self, heal: &Heal, which: impl Fn(&str) -> bool) -> String {
        let ids: Vec<String> = match heal {
            Heal::All => self.active.iter().filter(|(_, k)| which(k)).map(|(id, _)| id.clone()).collect(),
            Heal::Ids(ids) => ids.iter().filter(|id| self.active.contains_key(*id)).cloned().collect(),
        };
        for id in &ids {
            self.cluster.switch.remove_rule(id);
            self.active.remove(id);
        }
        let detail = if ids.is_empty() { "nothing to heal".to_string() } else { ids.join(", ") };
        self.log.record(RunEvent::FaultHealed { ids });
        detail
    }
}

fn drop_all() -> RuleAction {
    RuleAction::Drop { probability: 1.0, count: None }
}

fn to_flow(spec: &FlowSpec) -> Flow {
    let set = |nodes: &Option<Vec<NodeId>>| nodes.as_ref().map(|ns| ns.iter().map(|&n| n as u16).collect::<NodeSet>());
    Flow {
        from: set(&spec.from),
        to: set(&spec.to),
        proto: spec.proto.map(|p| match p {
            Proto::Tcp => FlowProto::Tcp,
            Proto::Udp => FlowProto::Udp,
            Proto::Icmp => FlowProto::Icmp,
        }),
        port: spec.port,
    }
}

/// Why a step did not succeed.
#[derive(Debug)]
pub enum StepError {
    /// The step's condition was not met: the run fails its checks.
    Failed(String),
    /// The harness could not do what the step says: an internal error.
    Internal(String),
}

fn io(e: std::io::Error) -> StepError {
    StepError::Internal(e.to_string())
}
