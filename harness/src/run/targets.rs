//! Resolving a step's targets to nodes: names as written, spec words
//! (`one`, `minority`, `majority`, `all`, `others`) chosen from the seed.

use quiesce_faults::{choose, NodeIx, NodeSet};
use rand::rngs::SmallRng;

use crate::suite::plan::{NodeId, TargetSpec, Targets};

/// Chooses nodes for spec words, deterministically from the suite's seed,
/// and remembers the last random choice for `others`.
pub struct Chooser {
    rng: SmallRng,
    nodes: usize,
    last_choice: Vec<NodeId>,
}

impl Chooser {
    /// A chooser over `nodes` nodes seeded with `seed`.
    pub fn new(seed: u64, nodes: usize) -> Chooser {
        Chooser { rng: rand::SeedableRng::seed_from_u64(seed), nodes, last_choice: Vec::new() }
    }

    /// Resolves targets; `others` means every node not in `named` (the rest
    /// of the step), or if the step names nothing else, not in the last
    /// random choice.
    pub fn resolve(&mut self, targets: &Targets, named: &[NodeId]) -> Vec<NodeId> {
        match targets {
            Targets::Nodes(nodes) => nodes.clone(),
            Targets::Spec(spec) => self.choose(*spec, named),
        }
    }

    fn choose(&mut self, spec: TargetSpec, named: &[NodeId]) -> Vec<NodeId> {
        let exclude: &[NodeId] = match spec {
            TargetSpec::Others if named.is_empty() => &self.last_choice,
            _ => named,
        };
        let exclude: NodeSet = exclude.iter().map(|&n| n as NodeIx).collect();
        let chosen: Vec<NodeId> = choose(spec, self.nodes, &exclude, &mut self.rng).iter().map(usize::from).collect();
        if spec.random_count(self.nodes).is_some() {
            self.last_choice = chosen.clone();
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_complements() {
        let mut c = Chooser::new(7, 5);
        assert_eq!(c.resolve(&Targets::Spec(TargetSpec::Majority), &[]).len(), 3);
        assert_eq!(c.resolve(&Targets::Spec(TargetSpec::Minority), &[]).len(), 2);
        let one = c.resolve(&Targets::Spec(TargetSpec::One), &[]);
        let others = c.resolve(&Targets::Spec(TargetSpec::Others), &[]);
        assert_eq!(one.len(), 1);
        assert_eq!(others.len(), 4);
        assert!(!others.contains(&one[0]));
        assert_eq!(c.resolve(&Targets::Spec(TargetSpec::Others), &[0, 1]), vec![2, 3, 4]);
    }

    #[test]
    fn same_seed_same_choice() {
        let pick = |seed| Chooser::new(seed, 9).resolve(&Targets::Spec(TargetSpec::Majority), &[]);
        assert_eq!(pick(3), pick(3));
    }
}
