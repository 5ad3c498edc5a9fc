//! A step's `variants:`: which variants run it, and how validation follows
//! each variant's own script (ids reused across variants, heals that must
//! find their fault in every variant they run in).

use std::path::Path;

use quiesce::suite::plan::{Action, Heal, PartitionShape, Targets};
use quiesce::suite::{self, plan::Plan};

/// Ten lines: nodes s1..s3 and variants `bad` and `good`. `steps:` is line
/// 11, so the first step is on line 12.
const HEAD: &str = "programs:
  p:
    command: [p]
nodes:
  s1: p
  s2: p
  s3: p
variants:
  bad: { expect: fail }
  good: { expect: pass }
";

fn load(steps: &str) -> Result<Plan, String> {
    suite::load_str(&format!("{HEAD}steps:\n{steps}"), Path::new("x.yaml")).map_err(|e| e.to_string())
}

fn error_of(steps: &str) -> String {
    match load(steps) {
        Ok(plan) => panic!("expected an error, got {} steps from:\n{steps}", plan.steps.len()),
        Err(text) => text,
    }
}

#[test]
fn each_variant_cuts_its_own_way_and_one_heal_ends_both() {
    let plan = load(
        "  - partition: [[s1, s3], [s2, s3]]\n    id: cut\n    variants: bad\n  - partition: [[s1], [s2, s3]]\n    id: cut\n    variants: [good]\n  - sleep: 1s\n  - heal: cut\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let only: Vec<Option<Vec<String>>> = plan.steps.iter().map(|s| s.variants.clone()).collect();
    assert_eq!(only, [Some(vec!["bad".to_string()]), Some(vec!["good".to_string()]), None, None]);
    let runs =
        |variant: &str| -> Vec<usize> { plan.steps.iter().filter(|s| s.runs_in(variant)).map(|s| s.line).collect() };
    assert_eq!(runs("bad"), [12, 18, 19]);
    assert_eq!(runs("good"), [15, 18, 19]);
    let shape =
        |groups: &[&[usize]]| PartitionShape::Groups(groups.iter().map(|g| Targets::Nodes(g.to_vec())).collect());
    assert_eq!(plan.steps[0].action, Action::Partition { id: "cut".into(), shape: shape(&[&[0, 2], &[1, 2]]) });
    assert_eq!(plan.steps[1].action, Action::Partition { id: "cut".into(), shape: shape(&[&[0], &[1, 2]]) });
    assert_eq!(plan.steps[3].action, Action::Heal(Heal::Ids(vec!["cut".into()])));
}

#[test]
fn a_heal_must_find_its_fault_in_every_variant_it_runs_in() {
    let text = error_of("  - partition: [[s1], [s2]]\n    id: cut\n    variants: [bad]\n  - heal: cut\n");
    assert!(text.contains("x.yaml:15:11"), "{text}");
    assert!(text.contains("in variant `good`, no earlier step starts `cut`"), "{text}");
    // Scoped to the same variant, it is fine; twice in it is not.
    load("  - partition: [[s1], [s2]]\n    id: cut\n    variants: [bad]\n  - heal: cut\n    variants: [bad]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let twice =
        error_of("  - partition: [[s1], [s2]]\n    id: cut\n  - heal: cut\n    variants: [bad]\n  - heal: cut\n");
    assert!(twice.contains("`cut` was already undone by the step at line 14"), "{twice}");
    // `heal: all` in one variant leaves the other's fault to heal.
    load("  - partition: [[s1], [s2]]\n    id: cut\n  - heal: all\n    variants: good\n  - heal: cut\n    variants: bad\n")
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn an_id_is_shared_only_by_steps_that_never_run_together() {
    let text = error_of(
        "  - partition: [[s1], [s2]]\n    id: cut\n    variants: [bad, good]\n  - drop: {}\n    id: cut\n    variants: [good]\n",
    );
    assert!(text.contains("x.yaml:16:9"), "{text}");
    assert!(text.contains("fault id `cut` is already used by the step at line 12"), "{text}");
    assert!(text.contains("steps may share an id only when their `variants:` have none in common"), "{text}");
}

#[test]
fn variants_must_name_the_suites_own_and_not_go_on_a_repeat() {
    let unknown = error_of("  - sleep: 1s\n    variants: [goood]\n");
    for fragment in ["x.yaml:13:16", "`goood` is not a variant of this suite", "did you mean `good`?"] {
        assert!(unknown.contains(fragment), "{fragment:?} in:\n{unknown}");
    }
    let empty = error_of("  - sleep: 1s\n    variants: []\n");
    assert!(empty.contains("a step with `variants: []` never runs"), "{empty}");
    let twice = error_of("  - sleep: 1s\n    variants: [bad, bad]\n");
    assert!(twice.contains("`bad` is listed twice"), "{twice}");
    let repeat = error_of("  - repeat: { times: 2, steps: [{ sleep: 1s }] }\n    variants: [bad]\n");
    assert!(repeat.contains("x.yaml:13:5"), "{repeat}");
    assert!(repeat.contains("cannot have `variants:`"), "{repeat}");
    // Inside a repeat, each step may have its own.
    let plan = load("  - repeat:\n      times: 2\n      steps:\n        - sleep: 1s\n          variants: [good]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(plan.steps.iter().all(|s| s.runs_in("good") && !s.runs_in("bad")));
}
