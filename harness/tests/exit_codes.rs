//! Every row of the exit-code table (docs/exit-codes.md), end to end
//! through the binary. Rows that need a real run as root (0 and 1 from
//! `run`, 3 for a missing program, 130 from a signal) are in
//! `namespaces/`; here are the rest, and `quiesce report`, whose code is
//! the recorded run's.

use std::path::Path;

use assert_cmd::Command;

fn quiesce(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("quiesce").unwrap().args(args).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

const SUITE: &str = "programs:\n  p:\n    command: [sleep, '60']\nnodes: { a: p }\nsteps:\n  - sleep: 1s\n";

/// A run folder holding only this record (one event a line, `t` and
/// `kind` added).
fn record(dir: &Path, expect: &str, events: &[&str]) -> std::path::PathBuf {
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    let start = format!(
        r#""kind":"run-started","schema":2,"suite":"s","file":"s.yaml","variant":"v","expect":"{expect}","seed":1,"subnet":"10.77.0.0/16","steps":1,"rerun":"quiesce run s.yaml --variant v --seed 1""#
    );
    let mut text = format!("{{\"t\":0.0,{start}}}\n");
    for (i, e) in events.iter().enumerate() {
        text.push_str(&format!("{{\"t\":{}.5,{e}}}\n", i + 1));
    }
    std::fs::write(run.join("events.jsonl"), text).unwrap();
    run
}

const STEP_FAILED: [&str; 2] = [
    r#""kind":"step-started","step":1,"line":9,"what":"await converged (within 1s)""#,
    r#""kind":"step-finished","step":1,"ok":false,"detail":"not converged within 1s""#,
];
const FINISHED_FAILED: &str = r#""kind":"run-finished","passed":false,"met_expectation":false"#;

#[test]
fn code_0_valid_input_and_a_run_that_met_its_expectation() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.yaml"), SUITE).unwrap();
    assert_eq!(quiesce(&["check", path(dir.path())]).0, Some(0));
    assert_eq!(quiesce(&["list", path(dir.path())]).0, Some(0));
    assert_eq!(quiesce(&["explain", path(&dir.path().join("ok.yaml"))]).0, Some(0));
    let run = record(dir.path(), "fail", &[STEP_FAILED[0], STEP_FAILED[1], FINISHED_FAILED]);
    let (code, stdout, _) = quiesce(&["report", path(&run)]);
    assert_eq!(code, Some(0), "a bug reproduced, as expected: {stdout}");
    assert!(stdout.contains("PASS (bug reproduced) s/v"), "{stdout}");
}

#[test]
fn code_0_an_empty_shard_runs_nothing_and_writes_empty_reports() {
    let dir = tempfile::tempdir().unwrap();
    let shards = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/shards");
    let out = dir.path().join("out");
    let junit = dir.path().join("junit.xml");
    let (code, _, stderr) = quiesce(&["run", shards, "--shard", "9/9", "--out", path(&out), "--junit", path(&junit)]);
    if !nix::unistd::geteuid().is_root() {
        assert_eq!(code, Some(3), "not root: {stderr}");
        return;
    }
    assert_eq!(code, Some(0), "{stderr}");
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert!(report.contains(r#""suites": []"#), "{report}");
    assert!(std::fs::read_to_string(&junit).unwrap().contains(r#"tests="0""#));
}

#[test]
fn code_1_a_run_that_missed_its_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let run = record(dir.path(), "pass", &[STEP_FAILED[0], STEP_FAILED[1], FINISHED_FAILED]);
    let (code, stdout, _) = quiesce(&["report", path(&run)]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("FAIL s/v") && stdout.contains("step 1/1 (line 9): not converged within 1s"), "{stdout}");
}

#[test]
fn code_2_bad_input_of_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, SUITE.replace("steps:", "step:")).unwrap();
    let named = dir.path().join("named.yaml");
    let probe = "    probe: { http: 'http://example.com:80/status' }\n";
    std::fs::write(&named, SUITE.replace("nodes:", &format!("{probe}nodes:"))).unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, SUITE).unwrap();
    // What a shell leaves of a glob that matched nothing.
    let glob = dir.path().join("*.yml");
    let torn = record(&dir.path().join("torn"), "pass", &[r#""kind":"no-such-event""#, FINISHED_FAILED]);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["check", path(&bad)], "bad.yaml:5:1"),
        (vec!["check", path(&empty)], "no suite files in"),
        (vec!["check", path(&named)], "the URL's host `example.com` is not an IPv4 address"),
        (vec!["run", path(&named)], "named.yaml:4:20"),
        (vec!["check", "/no/such/suite.yaml"], "cannot read /no/such/suite.yaml"),
        (vec!["check", path(&glob)], "cannot read"),
        (vec!["run", path(&empty)], "no suite files in"),
        (vec!["run", path(&good), "--variant", "nope"], "no suite has a variant `nope`"),
        (vec!["run", path(&good), "--shard", "3/2"], "--shard"),
        (vec!["list", path(&empty)], "no suite files in"),
        (vec!["explain", path(&empty)], "is a folder"),
        (vec!["explain", path(&good), "--variant", "nope"], "no variant `nope`"),
        (vec!["report", path(&empty)], "events.jsonl"),
        (vec!["report", path(&torn)], "events.jsonl:2: not an event of schema 2"),
        (vec!["no-such-command"], "unrecognized subcommand"),
    ];
    for (args, says) in cases {
        let (code, _, stderr) = quiesce(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?} must say {says:?}: {stderr}");
    }
}

#[test]
fn code_3_and_4_for_a_run_that_was_aborted() {
    let dir = tempfile::tempdir().unwrap();
    for (cause, want) in [("environment", 3), ("internal", 4)] {
        let aborted = format!(r#""kind":"run-aborted","cause":"{cause}","error":"starting node a: No such file""#);
        let run = record(&dir.path().join(cause), "pass", &[&aborted, FINISHED_FAILED]);
        let (code, stdout, _) = quiesce(&["report", path(&run)]);
        assert_eq!(code, Some(want), "{cause}: {stdout}");
        assert!(stdout.contains("ABORTED s/v") && stdout.contains(&format!("aborted ({cause})")), "{stdout}");
        let report = std::fs::read_to_string(run.join("report.json")).unwrap();
        assert!(report.contains(r#""verdict": "aborted""#), "{report}");
    }
}

#[test]
fn code_4_a_panic_is_a_bug_in_quiesce() {
    let (code, _, stderr) = quiesce(&["internal-panic"]);
    assert_eq!(code, Some(4), "{stderr}");
    assert!(stderr.contains("error: internal: quiesce panicked") && stderr.contains("this is a bug"), "{stderr}");
}

#[test]
fn code_130_a_run_that_was_interrupted_or_whose_record_ends_early() {
    let dir = tempfile::tempdir().unwrap();
    let interrupted = record(
        &dir.path().join("int"),
        "pass",
        &[STEP_FAILED[0], r#""kind":"run-interrupted","signal":"SIGINT""#, FINISHED_FAILED],
    );
    let killed = record(&dir.path().join("kill"), "pass", &[STEP_FAILED[0]]);
    for run in [interrupted, killed] {
        let (code, stdout, _) = quiesce(&["report", path(&run)]);
        assert_eq!(code, Some(130), "{stdout}");
        assert!(stdout.contains("INTERRUPTED s/v"), "{stdout}");
        let report = std::fs::read_to_string(run.join("report.json")).unwrap();
        assert!(report.contains(r#""verdict": "interrupted""#), "{report}");
    }
}

#[test]
fn code_2_explore_without_a_nemesis_or_a_variant_or_with_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.yaml");
    std::fs::write(&plain, SUITE).unwrap();
    let (code, _, stderr) = quiesce(&["explore", path(&plain), "--dry-run"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("has no `nemesis` step to explore"), "{stderr}");

    let two = dir.path().join("two.yaml");
    let nemesis = "  - nemesis: { time: 5s, faults: [pause] }\nvariants: { x: {}, y: {} }\n";
    std::fs::write(&two, format!("{SUITE}{nemesis}")).unwrap();
    let (code, _, stderr) = quiesce(&["explore", path(&two), "--dry-run"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("say which to explore with --variant"), "{stderr}");
    let (code, _, stderr) = quiesce(&["explore", path(&two), "--variant", "z", "--dry-run"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no variant `z`; there are: x, y"), "{stderr}");
    let (code, _, stderr) = quiesce(&["explore", path(&two), "--variant", "x", "--shrink", "--confirm", "4/3"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("4/3"), "{stderr}");

    let out = dir.path().join("out");
    let (code, stdout, stderr) =
        quiesce(&["explore", path(&two), "--variant", "y", "--runs", "2", "--dry-run", "--out", path(&out)]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(out.join("two/y/2/schedule.yaml").exists(), "{stdout}");
}
