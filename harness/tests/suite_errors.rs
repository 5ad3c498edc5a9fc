//! Suite loading: each invalid snippet with the error text it must produce,
//! including `file:line:col`, and valid suites with the plan they produce.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use quiesce::suite::plan::{
    Action, AwaitCondition, Check, Expect, FlowSpec, Heal, Links, Piece, Probe, Proto, Template,
};
use quiesce::suite::{self, SuiteError};

/// Seven lines: one program, nodes s1..s3. `steps:` is line 8, so the first
/// step is on line 9.
const HEAD: &str = "programs:
  serf:
    command: [serf, agent, \"-node={name}\"]
nodes:
  s1: serf
  s2: serf
  s3: serf
";

fn with_steps(steps: &str) -> String {
    format!("{HEAD}steps:\n{steps}")
}

fn error_of(source: &str) -> String {
    match suite::load_str(source, Path::new("x.yaml")) {
        Ok(plan) => panic!("expected an error, got a plan:\n{plan:#?}\nfrom:\n{source}"),
        Err(e) => e.to_string(),
    }
}

/// (what, suite text, fragments the rendered error must contain)
fn cases() -> Vec<(&'static str, String, Vec<&'static str>)> {
    vec![
        (
            "misspelt step key",
            with_steps("  - partiton: [[s1], [s2]]\n"),
            vec!["x.yaml:9:5", "unknown field `partiton`, expected one of `sleep`", "did you mean `partition`?", "^^^^^^^^"],
        ),
        ("misspelt top-level key", format!("{HEAD}step:\n  - sleep: 1s\n"), vec!["x.yaml:8:1", "unknown field `step`", "did you mean `steps`?"]),
        (
            "misspelt program key",
            "programs:\n  p:\n    comand: [x]\nnodes: {a: p}\n".into(),
            vec!["x.yaml:3:5", "unknown field `comand`", "did you mean `command`?"],
        ),
        (
            "misspelt check key",
            format!("{HEAD}checks:\n  - converged: {{ within: 5s, stable_for: 2s }}\n"),
            vec!["x.yaml:9:30", "unknown field `stable_for`", "did you mean `stable-for`?"],
        ),
        ("unknown check", format!("{HEAD}checks: [live, alive]\n"), vec!["x.yaml:8:16", "unknown check `alive`"]),
        ("missing section", "nodes: {a: p}\n".into(), vec!["x.yaml:1:1", "missing field `programs`"]),
        ("step that is not a map", with_steps("  - sleep\n"), vec!["x.yaml:9:5", "expected a step (a map like `sleep: 5s`)"]),
        ("negative seed", format!("{HEAD}seed: -1\n"), vec!["x.yaml:8:7", "expected a whole number"]),
        ("YAML syntax error", format!("{HEAD}steps: [\n"), vec!["x.yaml:", "error:"]),
        ("duplicate node", format!("{HEAD}  s1: serf\n"), vec!["x.yaml:8:3", "duplicate key `s1`", "first given at line 5"]),
        ("unknown node in partition", with_steps("  - partition: [[s1, s2], [s3, s5]]\n"), vec!["x.yaml:9:32", "unknown node `s5`"]),
        ("unknown node, suggested", with_steps("  - pause: [s1, s22]\n"), vec!["x.yaml:9:17", "unknown node `s22`", "did you mean `s2`?"]),
        (
            "bad duration",
            with_steps("  - sleep: 5 sec\n"),
            vec!["x.yaml:9:12", "`sec` is not a unit of time: expected a duration like 250ms, 5s or 2m"],
        ),
        ("duration without unit", with_steps("  - await: converged\n    within: 20\n"), vec!["x.yaml:10:13", "has no unit", "add a unit: `20s`"]),
        (
            "unknown program",
            "programs: {serf: {command: [serf]}}\nnodes:\n  s1: serff\n".into(),
            vec!["x.yaml:3:7", "unknown program `serff`", "did you mean `serf`?"],
        ),
        (
            "undefined variant key",
            "programs:\n  p:\n    command: [x, \"{variant.rules}\"]\nnodes: {a: p}\nvariants:\n  before: { rules: old, expect: fail }\n  after: { expect: pass }\n"
                .into(),
            vec!["x.yaml:3:18", "`{variant.rules}` is not defined in variant `after`", "add `rules: ...` to variant `after`"],
        ),
        (
            "variant key without variants",
            "programs:\n  p:\n    command: [x, \"--rules={variant.rules}\"]\nnodes: {a: p}\n".into(),
            vec!["x.yaml:3:18", "`{variant.rules}` is used but the suite has no `variants:`"],
        ),
        (
            "unknown placeholder",
            "programs:\n  p:\n    command: [x, \"{nmae}\"]\nnodes: {a: p}\n".into(),
            vec!["x.yaml:3:18", "unknown placeholder `{nmae}`", "did you mean `{name}`?"],
        ),
        (
            "unknown node in {addr:NODE}",
            "programs:\n  p:\n    env: { JOIN: \"{addr:b}\" }\n    command: [x]\nnodes: {a: p, bb: p}\n".into(),
            vec!["x.yaml:3:18", "unknown node `b`"],
        ),
        ("heal of unknown id", with_steps("  - partition: [[s1], [s2]]\n    id: split\n  - heal: splt\n"), vec!["x.yaml:11:11", "`splt` is not the id of a fault started by an earlier step", "did you mean `split`?"]),
        ("heal before the fault", with_steps("  - heal: split\n  - partition: [[s1], [s2]]\n    id: split\n"), vec!["x.yaml:9:11", "`split` is not the id"]),
        (
            "heal twice",
            with_steps("  - partition: [[s1], [s2]]\n  - heal: partition-1\n  - heal: [partition-1]\n"),
            vec!["x.yaml:11:12", "`partition-1` was already undone by the step at line 10"],
        ),
        (
            "release of a partition",
            with_steps("  - partition: [[s1], [s2]]\n    id: p\n  - release: p\n"),
            vec!["x.yaml:11:14", "`p` is a partition (line 9); `release` undoes stalls", "use `heal: p`"],
        ),
        (
            "duplicate fault id",
            with_steps("  - stall: { from: s1 }\n    id: x\n  - drop: { to: s2 }\n    id: x\n"),
            vec!["x.yaml:12:9", "fault id `x` is already used by the step at line 9"],
        ),
        ("probability out of range", with_steps("  - drop: { from: s1 }\n    probability: 1.5\n"), vec!["x.yaml:10:18", "probability 1.5 is not between 0 and 1"]),
        ("two actions", with_steps("  - sleep: 5s\n    await: converged\n"), vec!["x.yaml:10:5", "this step already has `sleep`; a step has one action"]),
        ("no action", with_steps("  - within: 5s\n"), vec!["x.yaml:9:5", "this step has no action", "`within` belongs in the same step as `await`"]),
        ("empty action", with_steps("  - heal:\n"), vec!["x.yaml:9:5", "`heal` needs a value"]),
        ("modifier of another action", with_steps("  - sleep: 5s\n    within: 5s\n"), vec!["x.yaml:10:5", "`within` only goes with `await`, not `sleep`"]),
        ("id on a non-fault", with_steps("  - kill: s1\n    id: k\n"), vec!["x.yaml:10:5", "`id` only goes with `partition`, `drop`, `stall` or `delay`"]),
        ("partition of one group", with_steps("  - partition: [[s1, s2]]\n"), vec!["x.yaml:9:16", "a partition needs at least two groups"]),
        ("partition with an empty group", with_steps("  - partition: [[s1], []]\n"), vec!["x.yaml:9:23", "this group is empty"]),
        ("node in two groups", with_steps("  - partition: [[s1], [s2, s1]]\n"), vec!["x.yaml:9:28", "`s1` is already in a group"]),
        ("bad signal", with_steps("  - kill: s1\n    signal: SIGTREM\n"), vec!["x.yaml:10:13", "`SIGTREM` is not a signal name", "did you mean `TERM`?"]),
        (
            "bad expect",
            format!("{HEAD}variants:\n  old: {{ expect: fial }}\n"),
            vec!["x.yaml:9:18", "unknown expectation `fial`", "did you mean `fail`?"],
        ),
        ("link to an unknown node", format!("{HEAD}links: [s1-s2, s1-s4]\n"), vec!["x.yaml:8:16", "`s1-s4` does not name two nodes"]),
        ("link list naming an unknown node", format!("{HEAD}links: [[s1, s9]]\n"), vec!["x.yaml:8:14", "unknown node `s9`"]),
        ("link of three", format!("{HEAD}links: [[s1, s2, s3]]\n"), vec!["x.yaml:8:9", "a link is two nodes"]),
        ("subnet prefix", format!("{HEAD}subnet: 10.0.0.0/31\n"), vec!["x.yaml:8:9", "prefix /31 is out of range"]),
        ("subnet host bits", format!("{HEAD}subnet: 10.77.1.0/16\n"), vec!["x.yaml:8:9", "did you mean `10.77.0.0/16`?"]),
        (
            "bad flow",
            with_steps("  - drop: { from: s1, proto: udpp, port: 70000 }\n"),
            vec!["x.yaml:9:30", "unknown protocol `udpp`", "did you mean `udp`?", "x.yaml:9:42", "port 70000 is not in 1..=65535"],
        ),
        ("delay without by", with_steps("  - delay: { to: s3 }\n"), vec!["x.yaml:9:5", "`delay` needs `by:`"]),
        (
            "bad view",
            "programs:\n  p:\n    command: [x]\n    view: '[.a[] | '\nnodes: {a: p}\n".into(),
            vec!["x.yaml:4:11", "invalid jq expression"],
        ),
        (
            "probe with both forms",
            "programs:\n  p:\n    command: [x]\n    probe: { http: u, command: [y] }\nnodes: {a: p}\n".into(),
            vec!["x.yaml:4:23", "a probe has `http` or `command`, not both"],
        ),
        ("await condition", with_steps("  - await: convergd\n"), vec!["x.yaml:9:12", "unknown condition `convergd`", "did you mean `converged`?"]),
    ]
}

#[test]
fn each_invalid_snippet_reports_where_and_what() {
    let mut failures = Vec::new();
    for (what, source, fragments) in cases() {
        let text = error_of(&source);
        for f in fragments.iter().filter(|f| !text.contains(**f)) {
            failures.push(format!("{what}: missing {f:?} in:\n{text}\n"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_semantic_error_is_reported_in_file_order() {
    let source = with_steps("  - pause: s9\n  - sleep: forever\n  - heal: nothing\n");
    let Err(SuiteError::Invalid { diagnostics, .. }) = suite::load_str(&source, Path::new("x.yaml")) else {
        panic!("expected an invalid suite")
    };
    let lines: Vec<usize> = diagnostics.iter().map(|d| d.at.map_or(0, |p| p.line)).collect();
    assert_eq!(lines, vec![9, 10, 11]);
    let text = error_of(&source);
    assert_eq!(text.matches("\nerror: ").count() + 1, 4, "three diagnostics and a summary:\n{text}");
    assert!(text.contains("3 errors in x.yaml"), "{text}");
}

#[test]
fn a_missing_file_is_an_io_error() {
    let err = suite::load(Path::new("/nonexistent/suite.yaml")).expect_err("no such file");
    assert!(matches!(err, SuiteError::Io { .. }));
    assert!(err.to_string().contains("cannot read /nonexistent/suite.yaml"), "{err}");
}

#[test]
fn the_misspelt_key_fixture_is_located() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/misspelt-key.yaml");
    let text = suite::load(&path).expect_err("invalid").to_string();
    assert!(text.contains("misspelt-key.yaml:23:5"), "{text}");
    assert!(text.contains("did you mean `partition`?"), "{text}");
}

const FULL: &str = r#"name: full
about: every feature
seed: 7
subnet: 10.9.0.0/24
programs:
  serf:
    command: [serf, "-node={name}", "-bind={addr}:7946", "-join={addr:s1}", "{{literal}}"]
    env: { RULES: "{variant.rules}", N: "{index}" }
    probe: { http: "http://127.0.0.1:6784/status" }
    view: '[.members[] | .name] | sort'
  other:
    command: [other, "{peers}"]
    probe: { command: [other, status], timeout: 5s }
    grace: 1.5s
nodes:
  s1: serf
  web-1: serf
  web-2: other
links: [s1-web-1, web-1-web-2, [s1, web-2]]
variants:
  before-fix: { rules: 1.10, expect: fail }
  after-fix: { rules: true }
steps:
  - await: converged
  - partition: [[s1], [web-1, web-2]]
    id: split
  - kill: [s1, web-1]
    signal: sigterm
  - drop: { from: s1, to: [web-1, web-2], proto: udp, port: 7946 }
    probability: 0.5
  - stall: { to: s1 }
  - delay: {}
    by: 100ms
    jitter: 10ms
  - release: stall-5
  - heal: [split, drop-4]
  - heal: all
  - sleep: 250ms
checks:
  - converged: { within: 30s }
  - live
"#;

#[test]
fn a_full_suite_becomes_the_expected_plan() {
    let plan = suite::load_str(FULL, Path::new("suites/full.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((plan.name.as_str(), plan.about.as_deref(), plan.seed), ("full", Some("every feature"), 7));
    assert_eq!((plan.subnet, plan.prefix), (Ipv4Addr::new(10, 9, 0, 0), 24));
    let names: Vec<&str> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["s1", "web-1", "web-2"]);
    assert_eq!(plan.links, Links::Pairs(vec![(0, 1), (1, 2), (0, 2)]));
    let serf = &plan.programs["serf"];
    assert_eq!(serf.command[3], Template(vec![Piece::Text("-join=".into()), Piece::AddrOf(0)]));
    assert_eq!(serf.command[4], Template(vec![Piece::Text("{literal}".into())]));
    assert_eq!(serf.env["RULES"], Template(vec![Piece::Variant("rules".into())]));
    assert_eq!(serf.grace, Duration::from_secs(3));
    assert!(matches!(&serf.probe, Some(Probe::Http { timeout, .. }) if *timeout == Duration::from_secs(2)));
    let other = &plan.programs["other"];
    assert_eq!(other.grace, Duration::from_millis(1500));
    assert!(matches!(&other.probe, Some(Probe::Command { timeout, .. }) if *timeout == Duration::from_secs(5)));
    assert_eq!(plan.variants[0].expect, Expect::Fail);
    assert_eq!(plan.variants[0].values["rules"], "1.10");
    assert_eq!((plan.variants[1].expect, plan.variants[1].values["rules"].as_str()), (Expect::Pass, "true"));
    assert_eq!(
        plan.checks,
        vec![
            Check::Converged { within: Duration::from_secs(30), stable_for: Duration::from_secs(3) },
            Check::Live { timeout: Duration::from_secs(2) },
        ]
    );
    assert_full_steps(&plan.steps);
}

fn assert_full_steps(steps: &[suite::plan::Step]) {
    let lines: Vec<usize> = steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, [24, 25, 27, 29, 31, 32, 35, 36, 37, 38]);
    let actions: Vec<&Action> = steps.iter().map(|s| &s.action).collect();
    assert_eq!(actions[0], &Action::Await { condition: AwaitCondition::Converged, within: Duration::from_secs(60) });
    assert_eq!(actions[1], &Action::Partition { id: "split".into(), groups: vec![vec![0], vec![1, 2]] });
    assert_eq!(actions[2], &Action::Kill { nodes: vec![0, 1], signal: "TERM".into() });
    let flow = FlowSpec { from: Some(vec![0]), to: Some(vec![1, 2]), proto: Some(Proto::Udp), port: Some(7946) };
    assert_eq!(actions[3], &Action::Drop { id: "drop-4".into(), flow, probability: 0.5 });
    let to_s1 = FlowSpec { to: Some(vec![0]), ..FlowSpec::default() };
    assert_eq!(actions[4], &Action::Stall { id: "stall-5".into(), flow: to_s1 });
    let delay = Action::Delay {
        id: "delay-6".into(),
        flow: FlowSpec::default(),
        by: Duration::from_millis(100),
        jitter: Duration::from_millis(10),
    };
    assert_eq!(actions[5], &delay);
    assert_eq!(actions[6], &Action::Release(Heal::Ids(vec!["stall-5".into()])));
    assert_eq!(actions[7], &Action::Heal(Heal::Ids(vec!["split".into(), "drop-4".into()])));
    assert_eq!(actions[8], &Action::Heal(Heal::All));
    assert_eq!(actions[9], &Action::Sleep(Duration::from_millis(250)));
}

#[test]
fn a_minimal_suite_gets_the_defaults() {
    let plan = suite::load_str("programs: {p: {command: [x]}}\nnodes: {a: p}\n", Path::new("dir/minimal.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.name, "minimal");
    assert_eq!((plan.subnet, plan.prefix, plan.seed), (Ipv4Addr::new(10, 77, 0, 0), 16, 1));
    assert_eq!(plan.links, Links::FullMesh);
    assert_eq!(plan.variants.len(), 1);
    assert_eq!((plan.variants[0].name.as_str(), plan.variants[0].expect), ("default", Expect::Pass));
    assert!(plan.steps.is_empty() && plan.checks.is_empty());
    assert_eq!(plan.programs["p"].probe, None);
}

#[test]
fn shipped_suites_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites");
    for entry in std::fs::read_dir(dir).expect("suites/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            suite::load(&path).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
