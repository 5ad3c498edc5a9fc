//! Applying steps: process faults go to the supervisor, network faults to
//! the switch ([`super::netfaults`]), actions inside nodes to
//! [`super::act`], breakpoints to the control sockets.

use std::cell::RefCell;
use std::time::Duration;

use nix::sys::signal::Signal;

use super::Runner;
use crate::events::RunEvent;
use crate::invariant::{Condition, Verdict};
use crate::observe::Observation;
use crate::suite::plan::{Action, AwaitCondition, NodeId, Targets};

impl Runner<'_, '_> {
    /// Applies one step; `Ok` carries a detail line, `Err` a failure.
    pub(crate) async fn apply(&mut self, action: &Action) -> Result<String, StepError> {
        match action {
            Action::Sleep(d) => {
                self.idle(*d).await;
                Ok(String::new())
            }
            Action::Await { condition, within } => self.await_condition(condition, *within).await,
            Action::Pause(t) => self.each(t, |r, n| {
                r.running(n)?;
                r.cluster.supervisor.pause(n).map_err(io)?;
                r.record_freeze(n, true);
                Ok(())
            }),
            Action::Resume(t) => self.each(t, |r, n| {
                r.running(n)?;
                r.cluster.supervisor.resume(n).map_err(io)?;
                r.record_freeze(n, false);
                Ok(())
            }),
            Action::Signal { nodes, signal } => {
                let sig = parse_signal(signal)?;
                self.each(nodes, |r, n| {
                    r.running(n)?;
                    r.cluster.supervisor.signal(n, sig).map_err(io)?;
                    match sig {
                        Signal::SIGSTOP => r.record_freeze(n, true),
                        Signal::SIGCONT => r.record_freeze(n, false),
                        _ => {}
                    }
                    Ok(())
                })
            }
            Action::Kill { nodes, signal } => self.kill(nodes, signal).await,
            Action::Start(t) => {
                let nodes = self.targets(t, &[])?;
                self.start(&nodes).await
            }
            Action::Restart(t) => self.restart(t).await,
            Action::Heal(heal) => Ok(self.heal(heal, |_| true)),
            Action::Release(heal) => Ok(self.heal(heal, |kind| kind == "stall")),
            Action::Exec { nodes, argv, wait, timeout, check } => self.exec(nodes, argv, *wait, *timeout, *check).await,
            Action::Http { nodes, method, url, body, expect, timeout } => {
                self.http(nodes, method, url, body.as_ref(), *expect, *timeout).await
            }
            Action::Breakpoint { nodes, point, matcher, action } => self.arm(nodes, point, matcher, *action).await,
            Action::Continue { nodes, point } => self.release_point(nodes, point, false).await,
            Action::Disarm { nodes, point } => self.release_point(nodes, point, true).await,
            Action::Nemesis(_) => Err(StepError::Internal(
                "a nemesis step reached the runner: it is drawn into ordinary steps before the run".into(),
            )),
            fault => self.network_fault(fault),
        }
    }

    /// Resolves a step's targets: names as written, spec words chosen from
    /// the seed, `where` from the probes taken before the step.
    pub(crate) fn targets(&mut self, targets: &Targets, named: &[NodeId]) -> Result<Vec<NodeId>, StepError> {
        match targets {
            Targets::Nodes(nodes) => Ok(nodes.clone()),
            Targets::Spec(spec) => Ok(self.chooser.choose(*spec, named)),
            Targets::Where(expression) => self.where_nodes(expression),
        }
    }

    /// The nodes whose probe result, in the sample taken before the step,
    /// makes `expression` true; none is a failure of the step.
    fn where_nodes(&self, expression: &str) -> Result<Vec<NodeId>, StepError> {
        let sample = self
            .where_sample
            .as_ref()
            .ok_or_else(|| StepError::Internal(format!("`where: {expression}` without a sample of the probes")))?;
        let view = crate::view::View::compile(expression).map_err(StepError::Internal)?;
        let mut chosen = Vec::new();
        let mut silent = Vec::new();
        for (i, name) in self.cluster.names().iter().enumerate() {
            match sample.get(name) {
                None | Some(serde_json::Value::Null) => silent.push(name.as_str()),
                Some(result) => {
                    if view.apply(result).is_ok_and(|v| v == serde_json::Value::Bool(true)) {
                        chosen.push(i);
                    }
                }
            }
        }
        if chosen.is_empty() {
            let silent =
                if silent.is_empty() { String::new() } else { format!(" ({} did not answer)", silent.join(", ")) };
            return Err(StepError::Failed(format!("no node's probe result makes `{expression}` true{silent}")));
        }
        Ok(chosen)
    }

    /// A step that signals a node whose process is gone (it exited on its
    /// own, or an earlier step stopped it) fails: that is a finding about
    /// the peer or the script, not an error of the harness.
    fn running(&self, n: NodeId) -> Result<(), StepError> {
        match self.cluster.supervisor.node(n).pid() {
            Some(_) => Ok(()),
            None => Err(StepError::Failed(format!("node {} is not running", self.cluster.names()[n]))),
        }
    }

    pub(crate) fn names_of(&self, nodes: &[NodeId]) -> Vec<String> {
        nodes.iter().map(|&n| self.cluster.names()[n].clone()).collect()
    }

    /// The nodes' names for a step's detail, runs written as ranges
    /// (`n[0-499]`): a line, even for hundreds of nodes.
    pub(crate) fn names_text(&self, nodes: &[NodeId]) -> String {
        crate::suite::ranges::fold(&self.names_of(nodes)).join(", ")
    }

    fn each(
        &mut self,
        targets: &Targets,
        mut f: impl FnMut(&mut Self, usize) -> Result<(), StepError>,
    ) -> Result<String, StepError> {
        let nodes = self.targets(targets, &[])?;
        for &n in &nodes {
            f(self, n)?;
        }
        Ok(self.names_text(&nodes))
    }

    async fn await_condition(&mut self, condition: &AwaitCondition, within: Duration) -> Result<String, StepError> {
        let (word, holds): (&str, fn(&Observation) -> bool) = match condition {
            AwaitCondition::Converged => ("converged", Observation::converged),
            AwaitCondition::Diverged => ("diverged", Observation::diverged),
            AwaitCondition::Hit { point, nodes } => return self.await_hit(point, nodes, within).await,
            AwaitCondition::Up(targets) => return self.await_up(targets, within).await,
            AwaitCondition::Holds(source) => return self.await_holds(source, within).await,
        };
        match self.wait_for(holds, within, Duration::ZERO).await {
            Ok(after) => Ok(format!("{word} after {:.1}s", after.as_secs_f64())),
            Err(last) => Err(StepError::Failed(format!("not {word} within {within:?}: {last}"))),
        }
    }

    async fn await_up(&mut self, targets: &Targets, within: Duration) -> Result<String, StepError> {
        let nodes = self.targets(targets, &[])?;
        let watched = nodes.clone();
        let up = move |obs: &Observation| {
            watched.iter().all(|&n| matches!(obs.nodes[n], crate::observe::NodeView::Answered(_)))
        };
        match self.wait_for(up, within, Duration::ZERO).await {
            Ok(after) => Ok(format!("{} up after {:.1}s", self.names_text(&nodes), after.as_secs_f64())),
            Err(last) => Err(StepError::Failed(format!("not up within {within:?}: {last}"))),
        }
    }

    /// Waits until every running node answers and `source`, given each
    /// node's view by name, gives `true`; a failure says what it gave last.
    async fn await_holds(&mut self, source: &str, within: Duration) -> Result<String, StepError> {
        let condition = Condition::compile(source).map_err(StepError::Internal)?;
        let names = self.cluster.names().to_vec();
        let gave: RefCell<Option<String>> = RefCell::new(None);
        let holds = |obs: &Observation| {
            let Some(input) = obs.views_by_name(&names) else { return false };
            match condition.judge(&input) {
                Verdict::Holds => true,
                Verdict::Broken(what) => {
                    *gave.borrow_mut() = Some(what);
                    false
                }
            }
        };
        let waited = self.wait_for(holds, within, Duration::ZERO).await;
        let gave = gave.into_inner();
        match waited {
            Ok(after) => Ok(format!("holds after {:.1}s", after.as_secs_f64())),
            Err(_) => {
                let last = match gave {
                    Some(what) => format!("it last gave {what}"),
                    None => "it was never judged: some running node did not answer at every observation".into(),
                };
                let last_seen = Observation { nodes: self.last_views.clone() };
                let silent = last_seen
                    .silent(&names, 5)
                    .map_or_else(String::new, |s| format!("; at the last observation, no answer from {s}"));
                Err(StepError::Failed(format!("`{source}` not true within {within:?}: {last}{silent}")))
            }
        }
    }

    async fn kill(&mut self, targets: &Targets, signal: &str) -> Result<String, StepError> {
        let sig = parse_signal(signal)?;
        let nodes = self.targets(targets, &[])?;
        for &n in &nodes {
            let status = self.cluster.supervisor.kill(n, sig).await.map_err(io)?;
            self.record_stop(n, status);
        }
        Ok(self.names_text(&nodes))
    }

    pub(crate) async fn start(&mut self, nodes: &[NodeId]) -> Result<String, StepError> {
        for &n in nodes {
            let pid = self.cluster.supervisor.start(n).await.map_err(io)?;
            self.record_start(n, pid);
        }
        Ok(self.names_text(nodes))
    }

    async fn restart(&mut self, targets: &Targets) -> Result<String, StepError> {
        let nodes = self.targets(targets, &[])?;
        for &n in &nodes {
            let status = self.cluster.supervisor.stop(n).await.map_err(io)?;
            self.record_stop(n, status);
            let pid = self.cluster.supervisor.start(n).await.map_err(io)?;
            self.record_start(n, pid);
        }
        Ok(self.names_text(&nodes))
    }

    fn record_start(&mut self, n: usize, pid: u32) {
        let incarnation = self.cluster.supervisor.node(n).incarnation();
        self.log.record(RunEvent::NodeStarted { node: self.cluster.names()[n].clone(), pid, incarnation });
    }

    fn record_freeze(&mut self, n: usize, paused: bool) {
        let node = self.cluster.names()[n].clone();
        self.log.record(if paused { RunEvent::NodePaused { node } } else { RunEvent::NodeResumed { node } });
    }

    fn record_stop(&mut self, n: usize, status: Option<std::process::ExitStatus>) {
        let status = status.map_or("was not running".to_string(), |s| s.to_string());
        self.log.record(RunEvent::NodeStopped { node: self.cluster.names()[n].clone(), status });
    }
}

fn parse_signal(name: &str) -> Result<Signal, StepError> {
    format!("SIG{name}").parse().map_err(|_| StepError::Internal(format!("unknown signal {name}")))
}

/// Why a step did not succeed.
#[derive(Debug)]
pub enum StepError {
    /// The step's condition was not met: the run fails its checks.
    Failed(String),
    /// This machine cannot do what the step says (a program that is not
    /// installed, a permission the OS refuses).
    Environment(String),
    /// The harness could not do what the step says: an internal error.
    Internal(String),
}

/// An OS error while applying a step: a missing program or a refused
/// permission is the environment's; anything else is the harness's.
pub(crate) fn io(e: std::io::Error) -> StepError {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            StepError::Environment(format!("{e}\n  fix: install the program, or put it on PATH"))
        }
        std::io::ErrorKind::PermissionDenied => StepError::Environment(e.to_string()),
        _ => StepError::Internal(e.to_string()),
    }
}
