//! Properties of target specs.

use proptest::collection::vec;
use proptest::prelude::*;
use quiesce_faults::{choose, NodeIx, NodeSet, TargetSpec};
use rand::rngs::SmallRng;
use rand::SeedableRng;

fn pick(spec: TargetSpec, nodes: usize, exclude: &NodeSet, seed: u64) -> NodeSet {
    choose(spec, nodes, exclude, &mut SmallRng::seed_from_u64(seed))
}

fn spec() -> impl Strategy<Value = TargetSpec> {
    prop_oneof![
        Just(TargetSpec::One),
        Just(TargetSpec::Minority),
        Just(TargetSpec::Majority),
        Just(TargetSpec::All),
        Just(TargetSpec::Others),
    ]
}

proptest! {
    #[test]
    fn majority_and_minority_have_their_sizes(nodes in 1..300usize, seed in any::<u64>()) {
        let none = NodeSet::new();
        let majority = pick(TargetSpec::Majority, nodes, &none, seed);
        let minority = pick(TargetSpec::Minority, nodes, &none, seed);
        prop_assert_eq!(majority.len(), nodes / 2 + 1);
        prop_assert_eq!(minority.len(), (nodes - 1) / 2);
        prop_assert!(2 * majority.len() > nodes);
        prop_assert!(2 * minority.len() < nodes);
        prop_assert_eq!(majority.len() + minority.len(), nodes);
        prop_assert_eq!(pick(TargetSpec::One, nodes, &none, seed).len(), 1);
        for set in [&majority, &minority] {
            prop_assert!(set.iter().all(|n| usize::from(n) < nodes));
        }
    }

    #[test]
    fn others_are_the_complement(nodes in 0..300usize, exclude in vec(0..400 as NodeIx, 0..50)) {
        let exclude: NodeSet = exclude.into_iter().collect();
        let others = pick(TargetSpec::Others, nodes, &exclude, 0);
        prop_assert!(others.iter().all(|n| !exclude.contains(n)));
        let mut union = others.clone();
        union.union_with(&exclude);
        let all = pick(TargetSpec::All, nodes, &NodeSet::new(), 0);
        prop_assert!(all.iter().all(|n| union.contains(n)));
        prop_assert!(others.iter().all(|n| all.contains(n)));
    }

    #[test]
    fn the_same_seed_makes_the_same_choice(
        spec in spec(),
        nodes in 0..300usize,
        exclude in vec(0..300 as NodeIx, 0..20),
        seed in any::<u64>(),
    ) {
        let exclude: NodeSet = exclude.into_iter().collect();
        prop_assert_eq!(pick(spec, nodes, &exclude, seed), pick(spec, nodes, &exclude, seed));
    }

    #[test]
    fn one_picks_every_node_eventually(nodes in 1..8usize) {
        let mut rng = SmallRng::seed_from_u64(nodes as u64);
        let mut seen = NodeSet::new();
        for _ in 0..500 {
            seen.union_with(&choose(TargetSpec::One, nodes, &NodeSet::new(), &mut rng));
        }
        prop_assert_eq!(seen.len(), nodes);
    }
}
