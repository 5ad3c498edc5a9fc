//! `always` and `eventually` checks on real nodes: sampled beside the steps,
//! broken by a paused node, holding when nothing breaks them, catching two
//! leaders at once, forced by a partition, and two leaders in one term,
//! forced by a partition and a pause among voters with the voting bug.

use quiesce::events::Figures;
use quiesce::run::VariantReport;

use crate::common::ping_suite;
use crate::steps::run;

/// Every node that answers its probe names itself (nodes may be silent:
/// sampling starts with the first step, before every probe answers).
const NAMES_ITSELF: &str =
    "{ name: names-itself, holds: 'to_entries | all(.value == null or .value.name == .key)', every: 200ms }";

/// No node has waited a second for a pong from b.
const B_ANSWERS: &str = "{ name: b-answers, holds: '[.[] | select(. != null) | .peers[] | select(.name == \"b\") | .last_pong_ms_ago // 0] | all(. < 1000)', every: 200ms }";

fn always(report: &VariantReport, name: &str) -> (bool, u64, Option<quiesce::events::Broken>) {
    let check = report.checks.iter().find(|c| c.check == format!("always {name}")).expect("the always check");
    match &check.figures {
        Figures::Always { samples, broken, .. } => (check.passed, *samples, broken.clone()),
        other => panic!("figures of an always check: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_always_check_breaks_while_a_node_is_paused_and_says_when() {
    let steps = "  - await: converged\n    within: 10s\n  - sleep: 1s\n  - pause: b\n  - sleep: 2s\n  - resume: b\n  - sleep: 1s\n";
    let yaml = format!("{}checks:\n  - always: {B_ANSWERS}\n  - converged: {{ within: 10s }}\n", ping_suite(3, steps));
    let (_dir, report) = run(&yaml, false).await;
    let (passed, samples, broken) = always(&report, "b-answers");
    assert!(!passed, "{:?}", report.checks);
    let broken = broken.expect("the first broken sample");
    assert!(matches!(broken.step, Some(3) | Some(4)), "broken while b was paused, not at step {:?}", broken.step);
    assert_eq!(broken.gave, "false");
    // A sample takes as long as its slowest probe: b's may be answered as
    // b resumes, but a has waited over a second for b's pong.
    let waited = broken.sample["a"]["peers"].as_object().unwrap().values().find(|p| p["name"] == "b").unwrap();
    assert!(waited["last_pong_ms_ago"].as_u64().unwrap() >= 1000, "{}", broken.sample);
    assert!(broken.at_seconds > 1.0, "not before b was paused: {broken:?}");
    assert!(samples >= 5, "sampled from the first step on, every 200ms: {samples} samples");
    let converged = report.checks.iter().find(|c| c.check == "converged").expect("converged");
    assert!(converged.passed, "the cluster recovered; only the invariant failed: {}", converged.detail);
    let events = std::fs::read_to_string(report.folder.join("events.jsonl")).unwrap();
    assert!(events.contains("\"kind\":\"invariant-broken\""), "recorded when it happened");
    let page = quiesce::report::timeline::write(&report.folder).expect("the timeline renders");
    let timeline = std::fs::read_to_string(page).unwrap();
    assert!(timeline.contains("data-check=\"b-answers\""), "the timeline marks it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_always_check_that_nothing_breaks_holds_for_the_whole_run() {
    let steps = "  - await: converged\n    within: 10s\n  - partition: [[a], [b, c]]\n    id: cut\n  - sleep: 2s\n  - heal: cut\n";
    let eventually =
        "{ name: all-reach-all, holds: 'all(.[]; (.reachable | length) == 2)', within: 15s, stable-for: 1s }";
    let yaml = format!("{}checks:\n  - eventually: {eventually}\n  - always: {NAMES_ITSELF}\n", ping_suite(3, steps));
    let (_dir, report) = run(&yaml, false).await;
    let (passed, samples, broken) = always(&report, "names-itself");
    assert!(passed && broken.is_none(), "{:?}", report.checks);
    assert!(samples >= 10, "{samples} samples over the steps and checks");
    let eventually = report.checks.iter().find(|c| c.check == "eventually all-reach-all").expect("eventually");
    assert!(eventually.passed, "{}", eventually.detail);
    assert!(report.failures.is_empty() && report.met_expectation, "{:?}", report.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_leaders_at_once_after_a_partition_are_caught() {
    // The leader, whoever it is, is cut off. It keeps its lease for 8 s
    // without hearing from a majority, while the other two elect one of
    // them within 2 s: the old leader leads on beside the new one, a term
    // behind. (Each node votes once per term, so no term has two.)
    let yaml = r#"programs:
  server:
    command: [quiesce-node, leader, --name, "{name}", --listen, "{addr}:4647", --peers, "{peers}",
              --status, "127.0.0.1:4646", --rules, drop-but-last, --lease, 8s, --election-timeout, 1s]
    probe: { http: "http://127.0.0.1:4646/status", timeout: 1s }
    view: 'if .leader then .leader else .name end'
    grace: 1s
nodes: { s1: server, s2: server, s3: server }
steps:
  - await: converged
    within: 15s
  - partition: [{ where: '.role == "leader"' }, others]
    id: cut
  - sleep: 4s
  - heal: cut
checks:
  - always: { name: one-leader-at-a-time, holds: '[.[] | select(. != null and .role == "leader")] | length <= 1', every: 200ms }
  - always: { name: one-leader-per-term, holds: '[.[] | select(. != null and .role == "leader") | .term] | group_by(.) | all(length <= 1)', every: 200ms }
  - eventually: { name: one-leader-known-to-all, holds: '[.[] | .leader] | (all(. != null)) and (unique | length == 1)', within: 20s }
"#;
    let (_dir, report) = run(yaml, false).await;
    let (passed, _, broken) = always(&report, "one-leader-at-a-time");
    assert!(!passed, "{:?}", report.checks);
    let broken = broken.expect("the sample with two leaders");
    let leaders: Vec<(&String, &serde_json::Value)> =
        broken.sample.as_object().unwrap().iter().filter(|(_, s)| s["role"] == "leader").collect();
    assert_eq!(leaders.len(), 2, "two leaders in the sample: {}", broken.sample);
    assert_ne!(leaders[0].1["term"], leaders[1].1["term"], "in different terms: {}", broken.sample);
    let (per_term, samples, _) = always(&report, "one-leader-per-term");
    assert!(per_term, "one vote per term keeps each term to one leader ({samples} samples)");
    let eventually = report.checks.iter().find(|c| c.check == "eventually one-leader-known-to-all").unwrap();
    assert!(eventually.passed, "after the heal all agree: {}", eventually.detail);
    let old = leaders.iter().min_by_key(|(_, s)| s["term"].as_u64()).map(|(name, _)| name.as_str()).unwrap();
    let events = std::fs::read_to_string(report.folder.join("events.jsonl")).unwrap();
    let cut = events.lines().find(|l| l.contains("\"kind\":\"fault-applied\"")).expect("the partition");
    assert!(cut.contains(&format!("[[\"{old}\"]")), "`where` cut off the leader of the time, {old}: {cut}");
}

/// Three election nodes granting votes by `votes`: s1 leads first (its
/// election timeout is 300 ms, the others' 3 s, none drawn at random). s2
/// and s3 lose each other but both still reach s1; s1 is paused, so they
/// both time out at once and stand for the same term, each voting for
/// itself; s1, resumed, finds both requests waiting.
fn same_term_candidates(votes: &str) -> String {
    let server = |timeout: &str| {
        format!(
            "    command: [quiesce-node, leader, --name, \"{{name}}\", --listen, \"{{addr}}:4647\", --peers, \"{{peers}}\", \
             --status, \"127.0.0.1:4646\", --rules, drop-but-last, --votes, {votes}, --election-timeout, {timeout}, \
             --election-spread, 0s]\n    probe: {{ http: \"http://127.0.0.1:4646/status\", timeout: 1s }}\n    \
             view: 'if .leader then .leader else .name end'\n    grace: 1s\n"
        )
    };
    format!(
        r#"programs:
  first:
{}  late:
{}nodes: {{ s1: first, s2: late, s3: late }}
steps:
  - await: converged
    within: 15s
  - partition: [[s1, s2], [s1, s3]]
    id: cut
  - pause: s1
  # s2 and s3 stand for the next term 3 s after s1's last heartbeat, and
  # again 3 s later: s1 is back between the two.
  - sleep: 4500ms
  - resume: s1
  - sleep: 2s
  - heal: cut
checks:
  - always: {{ name: one-leader-per-term, holds: '[.[] | select(. != null and .role == "leader") | .term] | group_by(.) | all(length <= 1)', every: 200ms }}
  - eventually: {{ name: one-leader-known-to-all, holds: '[.[] | .leader] | (all(. != null)) and (unique | length == 1)', within: 20s }}
"#,
        server("300ms"),
        server("3s")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_leaders_in_one_term_are_caught_and_one_vote_per_term_has_none() {
    let (_dir, report) = run(&same_term_candidates("every-candidate"), false).await;
    let (passed, _, broken) = always(&report, "one-leader-per-term");
    assert!(!passed, "{:?}", report.checks);
    let broken = broken.expect("the sample with two leaders in one term");
    let leaders: Vec<(&String, &serde_json::Value)> =
        broken.sample.as_object().unwrap().iter().filter(|(_, s)| s["role"] == "leader").collect();
    assert_eq!(leaders.len(), 2, "two leaders in the sample: {}", broken.sample);
    assert_eq!(leaders[0].1["term"], leaders[1].1["term"], "in one term: {}", broken.sample);
    let names: Vec<&str> = leaders.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["s2", "s3"], "the two candidates s1 voted for: {}", broken.sample);
    // Step 5 (the sleep after the resume) or 6 (the heal), not before s1
    // was back.
    assert!(broken.step.is_some_and(|s| s >= 5), "broken during step {:?}", broken.step);

    let (_dir, report) = run(&same_term_candidates("one-per-term"), false).await;
    let (passed, samples, broken) = always(&report, "one-leader-per-term");
    assert!(passed, "one vote per term keeps each term to one leader ({samples} samples): {broken:?}");
    assert!(samples >= 20, "{samples} samples over the steps and checks");
    assert!(report.met_expectation, "{:?}", report.checks);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_where_target_that_picks_no_node_fails_the_step() {
    let steps = "  - await: converged\n    within: 10s\n  - pause: { where: '.name == \"nobody\"' }\n";
    let yaml = format!("{}checks:\n  - live\n", ping_suite(2, steps));
    let (_dir, report) = run(&yaml, false).await;
    let failure = report.failures.iter().find(|f| f.contains("step 2/2")).expect("the step failed");
    assert!(failure.contains("no node's probe result makes `.name == \"nobody\"` true"), "{failure}");
}
