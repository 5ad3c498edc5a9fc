//! The forms that make suites of many nodes writable: node ranges
//! (`n[0-999]`) in `nodes:` and in targets, `links: {ring}` and `await:
//! {holds}`; each invalid snippet with the error text it must produce
//! (`file:line:col` included), and valid ones with the plan they produce.

use std::path::Path;

use std::time::Duration;

use quiesce::invariant::{Condition, Verdict};
use quiesce::suite::plan::{Action, AwaitCondition, Links, PartitionShape, Plan, Targets};
use quiesce::suite::{self};
use serde_json::json;

/// Four lines: one program; `nodes:` follows on line 4.
const PROGRAM: &str = "programs:
  p:
    command: [x]
";

/// Five lines: nodes n0..n9; `steps:` is line 6, so the first step is on
/// line 7.
fn ten(rest: &str) -> String {
    format!("{PROGRAM}nodes:\n  n[0-9]: p\n{rest}")
}

fn with_steps(steps: &str) -> String {
    ten(&format!("steps:\n{steps}"))
}

fn error_of(source: &str) -> String {
    match suite::load_str(source, Path::new("x.yaml")) {
        Ok(plan) => panic!("expected an error, got a plan:\n{plan:#?}\nfrom:\n{source}"),
        Err(e) => e.to_string(),
    }
}

fn plan_of(source: &str) -> Plan {
    suite::load_str(source, Path::new("x.yaml")).unwrap_or_else(|e| panic!("{e}\nfrom:\n{source}"))
}

/// (what, suite text, fragments the rendered error must contain)
fn cases() -> Vec<(&'static str, String, Vec<&'static str>)> {
    let long = format!("{PROGRAM}nodes:\n  {}[0-10]: p\n", "a".repeat(63));
    vec![
        (
            "a range that counts down",
            format!("{PROGRAM}nodes:\n  n[9-0]: p\n"),
            vec!["x.yaml:5:3", "`n[9-0]` counts down: 9 is after 0", "write the first number first: `n[0-9]`"],
        ),
        (
            "a bracket not closed",
            format!("{PROGRAM}nodes:\n  n[0-9: p\n"),
            vec!["x.yaml:5:3", "`n[0-9` is not a node range: `[` without `]`", "write a range like `n[0-9]`"],
        ),
        (
            "a range of letters",
            format!("{PROGRAM}nodes:\n  n[a-z]: p\n"),
            vec!["x.yaml:5:3", "`n[a-z]` is not a node range: `a` is not a whole number"],
        ),
        (
            "two pairs of brackets",
            format!("{PROGRAM}nodes:\n  n[0-1][0-1]: p\n"),
            vec!["x.yaml:5:3", "a range has one pair of brackets"],
        ),
        (
            "padding on the last number only",
            format!("{PROGRAM}nodes:\n  n[0-099]: p\n"),
            vec!["x.yaml:5:3", "`n[0-099]` pads its last number and not its first", "write `n[000-099]`"],
        ),
        (
            "a name a range declares again",
            ten("  n5: p\n"),
            vec!["x.yaml:6:3", "`n5` is declared already, by `n[0-9]` (line 5)", "make the ranges not overlap"],
        ),
        (
            "overlapping ranges",
            ten("  n[8-12]: p\n"),
            vec!["x.yaml:6:3", "`n[8-12]` declares `n8`, which `n[0-9]` (line 5) declares already"],
        ),
        (
            "a range over the limit",
            format!("{PROGRAM}nodes:\n  a: p\n  n[0-1023]: p\n"),
            vec!["x.yaml:6:3", "`n[0-1023]` declares 1024 nodes, and with the 1 before it more than a suite may have"],
        ),
        ("a range of names too long", long, vec!["x.yaml:5:3", "is 65 bytes long, more than 64"]),
        (
            "a range of invalid names",
            format!("{PROGRAM}nodes:\n  \"n/[0-3]\": p\n"),
            vec!["x.yaml:5:3", "`n/[0-3]` declares `n/0`, which is not a valid node name"],
        ),
        (
            "a range past the nodes",
            with_steps("  - pause: n[5-12]\n"),
            vec!["x.yaml:7:12", "unknown node `n10` and 2 more in `n[5-12]`", "the nodes are `n[0-9]`"],
        ),
        (
            "a range of no node",
            with_steps("  - restart: m[0-3]\n"),
            vec!["x.yaml:7:14", "unknown node `m0` and 3 more in `m[0-3]`"],
        ),
        (
            "a range in a group past the nodes",
            with_steps("  - partition:\n      - n[0-4]\n      - n[5-10]\n"),
            vec!["x.yaml:9:9", "unknown node `n10` in `n[5-10]`"],
        ),
        (
            "a node listed by a range and by name",
            with_steps("  - pause: [n1, \"n[0-3]\"]\n"),
            vec!["x.yaml:7:17", "`n[0-3]` lists `n1`, which is already listed"],
        ),
        (
            "a malformed range in a flow",
            with_steps("  - drop: { from: \"n[3-1]\" }\n"),
            vec!["x.yaml:7:19", "`n[3-1]` counts down"],
        ),
        (
            "a range with a target word",
            with_steps("  - exec: [x]\n    on: [\"n[0-1]\", all]\n"),
            vec!["x.yaml:8:20", "`all` chooses nodes itself"],
        ),
        (
            "a range where one node is expected",
            ten("links: [[n1, \"n[2-3]\"]]\n"),
            vec!["x.yaml:6:14", "`n[2-3]` stands for several nodes, and one is expected here"],
        ),
        (
            "a range in a list with brackets, unquoted",
            with_steps("  - pause: [n[0-4], n5]\n"),
            vec!["x.yaml:7:14", "quote a node range: `\"n[0-4]\"`"],
        ),
        (
            "a huge range in a step",
            with_steps("  - pause: n[0-99999]\n"),
            vec!["x.yaml:7:12", "`n[0-99999]` stands for 100000 nodes", "the nodes are `n[0-9]`"],
        ),
    ]
}

#[test]
fn each_invalid_snippet_reports_where_and_what() {
    for (what, source, fragments) in cases() {
        let error = error_of(&source);
        for fragment in fragments {
            assert!(error.contains(fragment), "{what}: expected {fragment:?} in:\n{error}\nfrom:\n{source}");
        }
    }
}

#[test]
fn a_range_declares_its_nodes_in_order() {
    let plan = plan_of(&format!("{PROGRAM}nodes:\n  a: p\n  n[8-10]: p\n  db[00-02]: p\n"));
    let names: Vec<&str> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["a", "n8", "n9", "n10", "db00", "db01", "db02"]);
    assert!(plan.nodes.iter().all(|n| n.program == "p"));
}

#[test]
fn a_thousand_nodes_load_from_one_line() {
    let plan = plan_of(&format!("{PROGRAM}nodes:\n  n[000-999]: p\n"));
    assert_eq!(plan.nodes.len(), 1000);
    assert_eq!((plan.nodes[0].name.as_str(), plan.nodes[999].name.as_str()), ("n000", "n999"));
}

#[test]
fn ranges_in_targets_stand_for_their_nodes() {
    let steps = "  - pause: n[0-2]
  - resume: [n9, \"n[3-4]\"]
  - partition:
      - n[0-4]
      - [n5, \"n[6-9]\"]
  - drop: { from: \"n[1-2]\", to: \"n[8-9]\" }
  - exec: [x]
    on: n[7-8]
";
    let plan = plan_of(&with_steps(steps));
    let actions: Vec<&Action> = plan.steps.iter().map(|s| &s.action).collect();
    let nodes = |ids: &[usize]| Targets::Nodes(ids.to_vec());
    assert_eq!(actions[0], &Action::Pause(nodes(&[0, 1, 2])));
    assert_eq!(actions[1], &Action::Resume(nodes(&[9, 3, 4])));
    let Action::Partition { shape: PartitionShape::Groups(groups), .. } = actions[2] else {
        panic!("{:?}", actions[2])
    };
    assert_eq!(groups, &[nodes(&[0, 1, 2, 3, 4]), nodes(&[5, 6, 7, 8, 9])]);
    let Action::Drop { flow, .. } = actions[3] else { panic!("{:?}", actions[3]) };
    assert_eq!((flow.from.clone(), flow.to.clone()), (Some(nodes(&[1, 2])), Some(nodes(&[8, 9]))));
    let Action::Exec { nodes: on, .. } = actions[4] else { panic!("{:?}", actions[4]) };
    assert_eq!(on, &nodes(&[7, 8]));
}

#[test]
fn ring_errors_say_where_and_what() {
    let cases = [
        ("a ring of one node", ten("links: { ring: [n1] }\n"), vec!["x.yaml:6:16", "a ring of one node links nothing"]),
        ("an empty ring", ten("links: { ring: [] }\n"), vec!["x.yaml:6:16", "a ring needs at least two nodes"]),
        ("a node twice", ten("links: { ring: [n1, n2, n1] }\n"), vec!["x.yaml:6:25", "`n1` is listed twice"]),
        (
            "an unknown node",
            ten("links: { ring: [n1, n11] }\n"),
            vec!["x.yaml:6:21", "unknown node `n11`", "did you mean `n1`?"],
        ),
        (
            "a range past the nodes",
            ten("links:\n  ring: n[5-10]\n"),
            vec!["x.yaml:7:9", "unknown node `n10` in `n[5-10]`"],
        ),
        ("a target word", ten("links: { ring: all }\n"), vec!["x.yaml:6:16", "`all` chooses nodes itself"]),
        ("where", ten("links: { ring: { where: '.x' } }\n"), vec!["x.yaml:6:16", "a ring is made of named nodes"]),
        (
            "a misspelt key",
            ten("links: { rign: [n1, n2] }\n"),
            vec!["x.yaml:6:10", "unknown field `rign`", "did you mean `ring`?"],
        ),
        ("no ring", ten("links: {}\n"), vec!["x.yaml:6:8", "`links` written as a map needs `ring:`"]),
    ];
    for (what, source, fragments) in cases {
        let error = error_of(&source);
        for fragment in fragments {
            assert!(error.contains(fragment), "{what}: expected {fragment:?} in:\n{error}\nfrom:\n{source}");
        }
    }
}

#[test]
fn a_ring_links_each_node_to_the_next_and_the_last_to_the_first() {
    let plan = plan_of(&format!("{PROGRAM}nodes:\n  n[0-3]: p\n  h: p\nlinks:\n  ring: [h, \"n[0-3]\"]\n"));
    assert_eq!(plan.links, Links::Pairs(vec![(0, 4), (0, 1), (1, 2), (2, 3), (3, 4)]));
    let two = plan_of(&ten("links: { ring: [n3, n7] }\n"));
    assert_eq!(two.links, Links::Pairs(vec![(3, 7)]), "two nodes make one link");
    let thousand = plan_of(&format!("{PROGRAM}nodes:\n  n[0-999]: p\nlinks:\n  ring: n[0-999]\n"));
    let Links::Pairs(pairs) = &thousand.links else { panic!("{:?}", thousand.links) };
    assert_eq!((pairs.len(), pairs[0], pairs[999]), (1000, (0, 1), (0, 999)));
}

#[test]
fn await_holds_errors_say_where_and_what() {
    let cases = [
        ("a bad program", with_steps("  - await: { holds: '.[] |' }\n"), vec!["x.yaml:7:21", "invalid jq expression"]),
        (
            "an unknown function",
            with_steps("  - await: { holds: 'nosuch(.)' }\n"),
            vec!["x.yaml:7:21", "undefined `nosuch`"],
        ),
        (
            "holds with up",
            with_steps("  - await: { holds: 'true', up: n1 }\n"),
            vec!["x.yaml:7:29", "`await` has `holds` or `up`, not both"],
        ),
        (
            "holds with hit and nodes",
            with_steps("  - await: { hit: p, nodes: n1, holds: 'true' }\n"),
            vec!["x.yaml:7:14", "`await` has `holds` or `hit`, not both", "x.yaml:7:22", "`holds` or `nodes`"],
        ),
        ("a misspelt key", with_steps("  - await: { hold: 'true' }\n"), vec!["x.yaml:7:14", "did you mean `holds`?"]),
        (
            "within as a key of the map",
            with_steps("  - await: { holds: 'true', within: 5s }\n"),
            vec!["unknown field `within`"],
        ),
    ];
    for (what, source, fragments) in cases {
        let error = error_of(&source);
        for fragment in fragments {
            assert!(error.contains(fragment), "{what}: expected {fragment:?} in:\n{error}\nfrom:\n{source}");
        }
    }
}

#[test]
fn await_holds_becomes_its_condition() {
    let plan = plan_of(&with_steps(
        "  - await: { holds: 'all(.[]; . == 2)' }\n    within: 2m\n  - await:\n      holds: 'true'\n",
    ));
    let actions: Vec<&Action> = plan.steps.iter().map(|s| &s.action).collect();
    let holds = |source: &str| AwaitCondition::Holds(source.to_string());
    assert_eq!(actions[0], &Action::Await { condition: holds("all(.[]; . == 2)"), within: Duration::from_secs(120) });
    assert_eq!(actions[1], &Action::Await { condition: holds("true"), within: Duration::from_secs(60) });
}

/// The holds conditions of `suites/scale-1000.yaml`, in order.
fn scale_conditions(plan: &Plan) -> Vec<Condition> {
    let holds = plan.steps.iter().filter_map(|s| match &s.action {
        Action::Await { condition: AwaitCondition::Holds(source), .. } => Some(source),
        _ => None,
    });
    holds.map(|source| Condition::compile(source).expect("checked at load")).collect()
}

/// `{n0: VIEW, ..., n999: VIEW}` with `view(i)` for node i.
fn views(view: impl Fn(usize) -> serde_json::Value) -> serde_json::Value {
    serde_json::Value::Object((0..1000).map(|i| (format!("n{i}"), view(i))).collect())
}

#[test]
fn the_scale_suite_is_a_ring_of_a_thousand_and_its_conditions_judge_views() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites/scale-1000.yaml");
    let plan = suite::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.nodes.len(), 1000);
    let Links::Pairs(pairs) = &plan.links else { panic!("{:?}", plan.links) };
    assert_eq!(pairs.len(), 1000);
    let [whole, cut, healed] = <[Condition; 3]>::try_from(scale_conditions(&plan)).expect("three awaits");
    let all_two = views(|_| json!(2));
    let ends = |i: usize| matches!(i, 0 | 499 | 500 | 999);
    let halves = views(|i| json!(if ends(i) { 1 } else { 2 }));
    let one_down = views(|i| if i == 7 { json!(null) } else { json!(2) });
    assert_eq!(whole.judge(&all_two), Verdict::Holds);
    assert_eq!(whole.judge(&halves), Verdict::Broken("false".into()));
    assert_eq!(whole.judge(&one_down), Verdict::Broken("false".into()));
    assert_eq!(cut.judge(&halves), Verdict::Holds);
    assert_eq!(cut.judge(&all_two), Verdict::Broken("false".into()));
    assert_eq!(cut.judge(&views(|i| json!(if i == 0 { 1 } else { 2 }))), Verdict::Broken("false".into()));
    assert_eq!(healed.judge(&all_two), Verdict::Holds);
}
