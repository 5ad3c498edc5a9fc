//! TCP throughput on the switch's faulted path: a rule dropping 1% of the
//! packets from node 2 to node 3 is active (added with
//! [`Switch::add_rule`], as a suite's `drop` step adds it) while one TCP
//! stream runs from node 0 to node 1.
//!
//! With a rule active the switch checks every packet against the rules'
//! matchers, and every TCP super-segment against whether a rule could
//! match one of its wire segments; this stream's packets match none, so
//! they pass whole, and the row measures what the checks cost. Nothing
//! runs from node 2 to node 3: the rule must drop nothing
//! ([`FaultedTcp::rule_drops`] says if it did).
//!
//! [`Switch::add_rule`]: quiesce::net::Switch::add_rule

use quiesce_faults::{Flow, NodeSet, Rule};

use super::error::BenchError;
use super::iperf;
use super::nodes::Nodes;
use quiesce::launcher::Launcher;

/// The rule's id.
pub const RULE: &str = "bench-drop-1pct";
/// The share of matching packets the rule drops.
pub const PROBABILITY: f64 = 0.01;

/// One stream's throughput with the rule active.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultedTcp {
    /// The receiver's bits per second.
    pub bits_per_second: f64,
    /// Packets the switch dropped for a fault while the stream ran: 0 when
    /// only this rule was active and nothing used its flow.
    pub rule_drops: u64,
}

/// One TCP stream from switched node 0 to node 1 for `seconds`, with the
/// drop rule active on the flow from node 2 to node 3.
pub async fn tcp(launcher: &Launcher, nodes: &Nodes, seconds: u32, port: u16) -> Result<FaultedTcp, BenchError> {
    let switch =
        nodes.switch().ok_or_else(|| BenchError::Environment("the faulted row needs switched nodes".into()))?;
    let node = |i: u16| Some([i].into_iter().collect::<NodeSet>());
    let flow = Flow { from: node(2), to: node(3), proto: None, port: None };
    switch
        .add_rule(Rule::drop(RULE, flow, PROBABILITY, None))
        .map_err(|e| BenchError::Environment(format!("adding the drop rule {RULE} to the switch: {e}")))?;
    let before = switch.drops().faults;
    let measured = iperf::tcp(launcher, nodes.route(0, 1), 1, seconds, port).await;
    let rule_drops = switch.drops().faults - before;
    switch.remove_rule(RULE);
    Ok(FaultedTcp { bits_per_second: measured?, rule_drops })
}
