//! Target specs: "some nodes", resolved to a [`NodeSet`] with the run's RNG.
//!
//! A suite may name a fault's targets by how many rather than which:
//! [`choose`] picks them among the nodes `0..nodes`. Random picks are
//! uniform among *all* the nodes (the `exclude` set only shapes
//! [`TargetSpec::Others`]), and depend only on the RNG's state, so a seeded
//! RNG makes a run's choices reproducible.

use rand::seq::index;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::{NodeIx, NodeSet};

/// How many nodes, and which, a fault targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetSpec {
    /// One random node (none if there are no nodes).
    One,
    /// `(n - 1) / 2` random nodes: the most that are still fewer than half,
    /// so the rest are a majority (none for `n <= 2`).
    Minority,
    /// `n / 2 + 1` random nodes: the fewest that are more than half (all
    /// of them for `n <= 2`).
    Majority,
    /// Every node.
    All,
    /// Every node not in `exclude` (typically the targets of an earlier
    /// choice), so `Others` and `exclude` split the nodes between them.
    Others,
}

impl TargetSpec {
    /// How many nodes the spec picks at random among `nodes`, or `None` for
    /// the specs that pick no random nodes (`All`, `Others`).
    pub const fn random_count(self, nodes: usize) -> Option<usize> {
        match self {
            TargetSpec::One => Some(if nodes == 0 { 0 } else { 1 }),
            TargetSpec::Minority => Some(nodes.saturating_sub(1) / 2),
            TargetSpec::Majority => Some(if nodes == 0 { 0 } else { nodes / 2 + 1 }),
            TargetSpec::All | TargetSpec::Others => None,
        }
    }
}

/// The nodes among `0..nodes` that `spec` targets; see [`TargetSpec`].
///
/// `exclude` matters only to [`TargetSpec::Others`]; members of it that are
/// not below `nodes` are ignored. `nodes` counts at most every [`NodeIx`]
/// (65,536); more are treated as that many. Draws from `rng` only for the
/// random specs.
pub fn choose<R: Rng + ?Sized>(spec: TargetSpec, nodes: usize, exclude: &NodeSet, rng: &mut R) -> NodeSet {
    let nodes = nodes.min(usize::from(NodeIx::MAX) + 1);
    let all = || (0..nodes).map(ix);
    match spec.random_count(nodes) {
        Some(count) => index::sample(rng, nodes, count).into_iter().map(ix).collect(),
        None if spec == TargetSpec::Others => all().filter(|&n| !exclude.contains(n)).collect(),
        None => all().collect(),
    }
}

/// A node index below the (capped) node count.
fn ix(node: usize) -> NodeIx {
    NodeIx::try_from(node).expect("node counts are capped to NodeIx values")
}

#[cfg(test)]
mod tests {
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    use super::*;

    fn pick(spec: TargetSpec, nodes: usize, exclude: &[NodeIx]) -> NodeSet {
        let exclude = exclude.iter().copied().collect();
        choose(spec, nodes, &exclude, &mut SmallRng::seed_from_u64(11))
    }

    fn sizes(spec: TargetSpec) -> Vec<usize> {
        (0..8).map(|n| pick(spec, n, &[]).len()).collect()
    }

    #[test]
    fn sizes_follow_the_spec() {
        assert_eq!(sizes(TargetSpec::One), [0, 1, 1, 1, 1, 1, 1, 1]);
        assert_eq!(sizes(TargetSpec::Minority), [0, 0, 0, 1, 1, 2, 2, 3]);
        assert_eq!(sizes(TargetSpec::Majority), [0, 1, 2, 2, 3, 3, 4, 4]);
        assert_eq!(sizes(TargetSpec::All), [0, 1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn picks_are_nodes_of_the_run() {
        for spec in [TargetSpec::One, TargetSpec::Minority, TargetSpec::Majority] {
            assert!(pick(spec, 5, &[]).iter().all(|n| n < 5));
        }
        assert_eq!(pick(TargetSpec::All, 3, &[]), NodeSet::from_iter([0, 1, 2]));
    }

    #[test]
    fn others_are_the_rest() {
        let others = pick(TargetSpec::Others, 5, &[1, 3, 9]);
        assert_eq!(others, NodeSet::from_iter([0, 2, 4]));
        assert_eq!(pick(TargetSpec::Others, 3, &[]).len(), 3);
    }

    #[test]
    fn exclude_does_not_limit_random_picks() {
        let all_but_one: Vec<NodeIx> = (1..4).collect();
        assert_eq!(pick(TargetSpec::Majority, 4, &all_but_one).len(), 3);
    }

    #[test]
    fn the_same_seed_picks_the_same_nodes() {
        assert_eq!(pick(TargetSpec::Majority, 9, &[]), pick(TargetSpec::Majority, 9, &[]));
    }

    #[test]
    fn huge_counts_are_capped() {
        assert_eq!(pick(TargetSpec::All, 1 << 20, &[]).len(), 1 << 16);
    }
}
