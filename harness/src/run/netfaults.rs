//! Network faults: rules added to and removed from the switch.

use std::collections::BTreeMap;

use quiesce_faults::{grudge, Action as RuleAction, Flow, Grudge, Matcher, NodeSet, Rule};
use serde_json::json;

use super::steps::StepError;
use super::Runner;
use crate::events::RunEvent;
use crate::suite::plan::{Action, FlowSpec, Heal, NodeId, PartitionShape, Targets};
use crate::suite::vocabulary::{proto_key, FaultKind};

/// The kind of each active fault, by id.
pub(crate) type ActiveFaults = BTreeMap<String, FaultKind>;

/// A network fault made concrete: its switch rule, with its kind and the
/// nodes it was resolved to (for the event).
struct Applied {
    kind: FaultKind,
    rule: Rule,
    targets: serde_json::Value,
}

impl Runner<'_, '_> {
    /// Applies a network fault step.
    pub(crate) fn network_fault(&mut self, action: &Action) -> Result<String, StepError> {
        let applied = match action {
            Action::Partition { id, shape } => {
                let (grudge, targets) = self.grudge(shape)?;
                let rule = Rule::new(id, Matcher::Grudge(grudge), RuleAction::Drop { probability: 1.0, count: None });
                Applied { kind: FaultKind::Partition, rule, targets }
            }
            Action::Drop { id, flow, probability, count } => {
                let action = RuleAction::Drop { probability: *probability, count: *count };
                self.flow_fault(id, FaultKind::Drop, flow, action)?
            }
            Action::Stall { id, flow } => self.flow_fault(id, FaultKind::Stall, flow, RuleAction::Hold)?,
            Action::Delay { id, flow, by, jitter } => {
                self.flow_fault(id, FaultKind::Delay, flow, RuleAction::Delay { fixed: *by, jitter: *jitter })?
            }
            Action::Duplicate { id, flow, probability } => {
                let action = RuleAction::Duplicate { probability: *probability };
                self.flow_fault(id, FaultKind::Duplicate, flow, action)?
            }
            Action::Reorder { id, flow, probability, gap } => {
                let action = RuleAction::Reorder { probability: *probability, gap: *gap };
                self.flow_fault(id, FaultKind::Reorder, flow, action)?
            }
            Action::Rate { id, flow, bits_per_second, queue } => {
                let action = RuleAction::Rate { bits_per_second: *bits_per_second, queue: *queue };
                self.flow_fault(id, FaultKind::Rate, flow, action)?
            }
            Action::Reject { id, flow } => self.flow_fault(id, FaultKind::Reject, flow, RuleAction::Reject)?,
            other => return Err(StepError::Internal(format!("not a network fault: {other:?}"))),
        };
        let Applied { kind, rule, targets } = applied;
        let id = rule.id.clone();
        self.cluster.switch.add_rule(rule).map_err(StepError::Internal)?;
        self.active.insert(id.clone(), kind);
        let detail = format!("{kind} `{id}` on {}", super::describe::folded_targets(&targets));
        self.log.record(RunEvent::FaultApplied { id, fault: kind.key().to_string(), targets });
        Ok(detail)
    }

    fn grudge(&mut self, shape: &PartitionShape) -> Result<(Grudge, serde_json::Value), StepError> {
        match shape {
            PartitionShape::Groups(groups) => {
                // Groups named or picked by `where` first: `others` is the rest.
                let mut resolved: Vec<Option<Vec<NodeId>>> = vec![None; groups.len()];
                for (i, g) in groups.iter().enumerate() {
                    if !matches!(g, Targets::Spec(_)) {
                        resolved[i] = Some(self.targets(g, &[])?);
                    }
                }
                let named: Vec<NodeId> = resolved.iter().flatten().flatten().copied().collect();
                for (i, g) in groups.iter().enumerate() {
                    if resolved[i].is_none() {
                        resolved[i] = Some(self.targets(g, &named)?);
                    }
                }
                let resolved: Vec<Vec<NodeId>> = resolved.into_iter().flatten().collect();
                let ix: Vec<Vec<u16>> = resolved.iter().map(|g| g.iter().map(|&n| n as u16).collect()).collect();
                let names: Vec<Vec<String>> = resolved.iter().map(|g| self.names_of(g)).collect();
                Ok((grudge(&ix), json!(names)))
            }
            PartitionShape::OneWay { from, to } => {
                let from = self.targets(from, &[])?;
                let to = self.targets(to, &from)?;
                let set = |ns: &[NodeId]| ns.iter().map(|&n| n as u16).collect::<NodeSet>();
                let targets = json!({ "from": self.names_of(&from), "to": self.names_of(&to) });
                Ok((Grudge::one_way(&set(&from), &set(&to)), targets))
            }
        }
    }

    fn flow_fault(
        &mut self,
        id: &str,
        kind: FaultKind,
        spec: &FlowSpec,
        action: RuleAction,
    ) -> Result<Applied, StepError> {
        let from = spec.from.as_ref().map(|t| self.targets(t, &[])).transpose()?;
        let to = spec.to.as_ref().map(|t| self.targets(t, from.as_deref().unwrap_or(&[]))).transpose()?;
        let set = |ns: &Option<Vec<NodeId>>| ns.as_ref().map(|ns| ns.iter().map(|&n| n as u16).collect::<NodeSet>());
        let flow = Flow { from: set(&from), to: set(&to), proto: spec.proto, port: spec.port };
        let targets = json!({
            "from": from.as_ref().map(|f| self.names_of(f)),
            "to": to.as_ref().map(|t| self.names_of(t)),
            "proto": spec.proto.map(proto_key),
            "port": spec.port,
        });
        Ok(Applied { kind, rule: Rule::new(id, Matcher::Flow(flow), action), targets })
    }

    /// Removes the faults `heal` names whose kind passes `which`.
    pub(crate) fn heal(&mut self, heal: &Heal, which: impl Fn(&str) -> bool) -> String {
        let ids: Vec<String> = match heal {
            Heal::All => self.active.iter().filter(|(_, k)| which(k.key())).map(|(id, _)| id.clone()).collect(),
            Heal::Ids(ids) => ids.iter().filter(|id| self.active.contains_key(*id)).cloned().collect(),
        };
        for id in &ids {
            self.cluster.switch.remove_rule(id);
            self.active.remove(id);
        }
        self.last_heal = Some(std::time::Instant::now());
        let detail = if ids.is_empty() { "nothing to heal".to_string() } else { ids.join(", ") };
        self.log.record(RunEvent::FaultHealed { ids });
        detail
    }
}
