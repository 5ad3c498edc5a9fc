//! Choosing nodes for spec words (`one`, `minority`, `majority`, `all`,
//! `others`) from the seed; the runner resolves names and `where` itself.

use quiesce_faults::{choose, NodeIx, NodeSet};
use rand::rngs::SmallRng;

use crate::suite::plan::{NodeId, TargetSpec};

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

    /// Chooses nodes for a spec word; `others` means every node not in
    /// `named` (the rest of the step), or if the step names nothing else,
    /// not in the last random choice.
    pub fn choose(&mut self, spec: TargetSpec, named: &[NodeId]) -> Vec<NodeId> {
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
        assert_eq!(c.choose(TargetSpec::Majority, &[]).len(), 3);
        assert_eq!(c.choose(TargetSpec::Minority, &[]).len(), 2);
        let one = c.choose(TargetSpec::One, &[]);
        let others = c.choose(TargetSpec::Others, &[]);
        assert_eq!(one.len(), 1);
        assert_eq!(others.len(), 4);
        assert!(!others.contains(&one[0]));
        assert_eq!(c.choose(TargetSpec::Others, &[0, 1]), vec![2, 3, 4]);
    }

    #[test]
    fn same_seed_same_choice() {
        let pick = |seed| Chooser::new(seed, 9).choose(TargetSpec::Majority, &[]);
        assert_eq!(pick(3), pick(3));
    }
}
