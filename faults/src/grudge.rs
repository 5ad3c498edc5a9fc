//! Grudges: who cannot reach whom, the pure half of a partition.
//!
//! As in Jepsen, a partition is planned as a *grudge* (for each sender, the
//! destinations its packets must not reach) and applied separately, as a
//! rule that drops what the grudge blocks (see
//! [`Rule::partition`](crate::Rule::partition)). Healing removes the rule.
//!
//! [`grudge`] makes one from groups: a pair of grouped nodes is blocked iff
//! no group holds both. Groups may overlap (a node in two groups is a
//! bridge that reaches both), and nodes in no group reach everyone.
//! [`Grudge::one_way`] blocks one direction only. A node never blocks
//! itself.

use serde::{Deserialize, Serialize};

use crate::{NodeIx, NodeSet};

/// For each sender, the destinations it cannot reach.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grudge {
    /// Sorted by sender, with no empty sets, so that equal grudges are `==`.
    blocked: Vec<(NodeIx, NodeSet)>,
}

/// The grudge that splits nodes into `groups`: two nodes that are both in
/// some group, but never in the same one, cannot reach each other.
pub fn grudge(groups: &[Vec<NodeIx>]) -> Grudge {
    let groups: Vec<NodeSet> = groups.iter().map(|g| g.iter().copied().collect()).collect();
    let mut grouped = NodeSet::new();
    for group in &groups {
        grouped.union_with(group);
    }
    let blocked = grouped
        .iter()
        .map(|node| (node, unreachable_from(node, &groups, &grouped)))
        .filter(|(_, set)| !set.is_empty())
        .collect();
    Grudge { blocked }
}

/// The grouped nodes that share no group with `node`.
fn unreachable_from(node: NodeIx, groups: &[NodeSet], grouped: &NodeSet) -> NodeSet {
    let mut reach = NodeSet::new();
    for group in groups.iter().filter(|g| g.contains(node)) {
        reach.union_with(group);
    }
    grouped.iter().filter(|n| !reach.contains(*n)).collect()
}

impl Grudge {
    /// The grudge that blocks nothing.
    pub fn none() -> Self {
        Grudge::default()
    }

    /// Blocks packets from any node of `from` to any node of `to` (but not
    /// from a node to itself), and nothing in the other direction.
    pub fn one_way(from: &NodeSet, to: &NodeSet) -> Self {
        let blocked = from
            .iter()
            .map(|sender| (sender, to.iter().filter(|&n| n != sender).collect::<NodeSet>()))
            .filter(|(_, set)| !set.is_empty())
            .collect();
        Grudge { blocked }
    }

    /// Whether packets from `from` to `to` are blocked.
    #[inline]
    pub fn blocks(&self, from: NodeIx, to: NodeIx) -> bool {
        self.blocked_from(from).is_some_and(|set| set.contains(to))
    }

    /// The destinations `from` cannot reach, if any.
    pub fn blocked_from(&self, from: NodeIx) -> Option<&NodeSet> {
        let found = self.blocked.binary_search_by_key(&from, |(sender, _)| *sender);
        found.ok().map(|i| &self.blocked[i].1)
    }

    /// Every blocked `(from, to)` pair, ordered by sender then destination:
    /// the resolved targets to record for a partition.
    pub fn pairs(&self) -> impl Iterator<Item = (NodeIx, NodeIx)> + '_ {
        self.blocked.iter().flat_map(|(from, to)| to.iter().map(move |to| (*from, to)))
    }

    /// Whether the grudge blocks nothing.
    pub fn is_empty(&self) -> bool {
        self.blocked.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(nodes: &[NodeIx]) -> NodeSet {
        nodes.iter().copied().collect()
    }

    #[test]
    fn halves_cannot_reach_each_other() {
        let g = grudge(&[vec![0, 1], vec![2, 3, 4]]);
        assert!(g.blocks(0, 2) && g.blocks(2, 0) && g.blocks(1, 4));
        assert!(!g.blocks(0, 1) && !g.blocks(2, 4) && !g.blocks(3, 3));
        assert_eq!(g.pairs().count(), 2 * 2 * 3);
    }

    #[test]
    fn a_bridge_reaches_both_sides() {
        let g = grudge(&[vec![0, 1, 2], vec![2, 3, 4]]);
        for other in [0, 1, 3, 4] {
            assert!(!g.blocks(2, other) && !g.blocks(other, 2));
        }
        assert!(g.blocks(0, 3) && g.blocks(4, 1));
    }

    #[test]
    fn nodes_in_no_group_reach_everyone() {
        let g = grudge(&[vec![0], vec![1]]);
        assert!(g.blocks(0, 1));
        assert!(!g.blocks(0, 7) && !g.blocks(7, 1));
    }

    #[test]
    fn one_group_or_none_blocks_nothing() {
        assert!(grudge(&[]).is_empty());
        assert!(grudge(&[vec![0, 1, 2]]).is_empty());
        assert_eq!(grudge(&[vec![0, 1], vec![1, 0]]), Grudge::none());
    }

    #[test]
    fn one_way_blocks_one_direction() {
        let g = Grudge::one_way(&set(&[0]), &set(&[1, 2]));
        assert!(g.blocks(0, 1) && g.blocks(0, 2));
        assert!(!g.blocks(1, 0) && !g.blocks(2, 0) && !g.blocks(1, 2));
    }

    #[test]
    fn one_way_never_blocks_a_node_from_itself() {
        let g = Grudge::one_way(&set(&[0, 1]), &set(&[0, 1]));
        assert!(g.blocks(0, 1) && g.blocks(1, 0));
        assert!(!g.blocks(0, 0) && !g.blocks(1, 1));
        assert!(Grudge::one_way(&set(&[3]), &set(&[3])).is_empty());
    }
}
