//! `quiesce explore` for real, kept short: a cluster that survives every
//! fault but one (its nodes exit when resumed after a pause) is explored
//! from a seed, the failing schedule replays, and `--shrink` brings it down
//! to the one fault that matters.

use std::path::Path;
use std::process::Command;

use quiesce::explore::ExploreReport;

use crate::common::{quiesce_bin, require_root};

/// Three ping nodes whose wrapper exits on SIGCONT, under a nemesis of
/// partitions, delays and pauses.
const FRAGILE: &str = r#"name: fragile
programs:
  fragile:
    # The one fault this cluster does not survive: resumed after a pause,
    # the node's process exits.
    command: [bash, -c, "trap 'exit 3' CONT; quiesce-node ping --name {name} --listen {addr}:7000 --peers {peers} --status 127.0.0.1:7001 --interval 100ms & wait"]
    probe: { http: "http://127.0.0.1:7001/status", timeout: 1s }
    view: (.reachable + [.name]) | sort
    grace: 1s
    points: []
nodes: { a: fragile, b: fragile, c: fragile }
steps:
  - await: converged
    within: 10s
  - nemesis:
      time: 8s
      faults: [partition, delay, pause]
      gap: [500ms, 1500ms]
      duration: [1s, 2s]
      max-active: 2
checks:
  - converged: { within: 5s, stable-for: 500ms }
"#;

fn explore(suite: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String, ExploreReport) {
    let report = out.join("explore.json");
    let run = Command::new(quiesce_bin())
        .arg("explore")
        .arg(suite)
        .args(["--seed", "3", "--out"])
        .arg(out)
        .arg("--report")
        .arg(&report)
        .args(extra)
        .output()
        .expect("run quiesce explore");
    let text = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    let parsed = serde_json::from_str(&std::fs::read_to_string(&report).unwrap_or_default())
        .unwrap_or_else(|e| panic!("explore.json: {e}\n{text}"));
    (run.status.code(), text, parsed)
}

#[test]
fn explore_finds_the_pause_replays_it_and_shrinks_it_to_one_fault() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("fragile.yaml");
    std::fs::write(&suite, FRAGILE).unwrap();
    let out = dir.path().join("out");
    let (code, text, report) =
        explore(&suite, &out, &["--runs", "2", "--shrink", "--confirm", "1/1", "--shrink-budget", "24"]);
    assert_eq!(code, Some(1), "a run failed, so explore exits 1:\n{text}");
    let failed = report.failed();
    assert!(!failed.is_empty(), "{text}");
    for run in &report.runs {
        let schedule = std::fs::read_to_string(&run.schedule_file).unwrap();
        // Whether a run fails is whether its schedule pauses a node.
        assert_eq!(!run.passed, schedule.contains("- pause:"), "run {}:\n{schedule}\n{text}", run.run);
    }
    assert!(text.contains(&format!("replay: quiesce run {}", failed[0].schedule_file.display())), "{text}");
    // Coverage: every fault injected is counted, pauses in failed runs.
    let pauses = report.coverage.iter().filter(|r| r.fault.key() == "pause");
    assert!(pauses.clone().map(|r| r.in_failed_runs).sum::<u32>() >= 1, "{:?}", report.coverage);

    let shrink = report.shrink.as_ref().unwrap_or_else(|| panic!("no shrink in the report:\n{text}"));
    assert!(shrink.result.faults_before > 1, "{:?}", shrink.result);
    assert_eq!(shrink.result.faults_after, 1, "{:?}\n{text}", shrink.result);
    assert!(shrink.result.runs <= 24, "{:?}", shrink.result);
    let minimal = std::fs::read_to_string(&shrink.minimal).unwrap();
    let steps = minimal.lines().filter(|l| l.starts_with("  - ") && !l.starts_with("  - sleep")).collect::<Vec<_>>();
    assert_eq!(steps.len(), 3, "await, pause and resume:\n{minimal}");
    assert!(steps[1].starts_with("  - pause: [") && !steps[1].contains(','), "one node paused:\n{minimal}");

    // The minimal suite is an ordinary suite, and replaying it fails again.
    let replay = Command::new(quiesce_bin())
        .arg("run")
        .arg(&shrink.minimal)
        .arg("--out")
        .arg(dir.path().join("replay"))
        .output()
        .unwrap();
    assert_eq!(replay.status.code(), Some(1), "{}", String::from_utf8_lossy(&replay.stdout));
}

#[test]
fn a_dry_run_writes_each_schedule_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("fragile.yaml");
    std::fs::write(&suite, FRAGILE).unwrap();
    let run = |out: &str| {
        Command::new(quiesce_bin())
            .arg("explore")
            .arg(&suite)
            .args(["--seed", "9", "--runs", "3", "--dry-run", "--out"])
            .arg(dir.path().join(out))
            .output()
            .unwrap()
    };
    let (first, second) = (run("one"), run("two"));
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(second.status.code(), Some(0), "{}", String::from_utf8_lossy(&second.stderr));
    let paths: Vec<&str> = std::str::from_utf8(&first.stdout).unwrap().lines().collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    for n in 1..=3 {
        let file = |out: &str| dir.path().join(out).join(format!("fragile/default/{n}/schedule.yaml"));
        let (a, b) = (std::fs::read_to_string(file("one")).unwrap(), std::fs::read_to_string(file("two")).unwrap());
        assert_eq!(a, b, "the same seed draws the same schedule, byte for byte");
        assert!(!dir.path().join("one").join(format!("fragile/default/{n}/events.jsonl")).exists());
        let check = Command::new(quiesce_bin()).arg("check").arg(file("one")).output().unwrap();
        assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    }
}
