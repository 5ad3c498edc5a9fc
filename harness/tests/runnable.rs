//! What `check` accepts, `run` can run (docs/suite-format.md, "Limits"):
//! values that read well but would fail only once a run has made its
//! namespaces are validation errors, each with its place. Names that would
//! become paths outside the run folder are too (`check` needs no root, so
//! these are the tests of that guarantee that run everywhere).

use std::path::Path;

use assert_cmd::Command;
use quiesce::suite;

const HEAD: &str = "programs:\n  p:\n    command: [sleep, '60']\nnodes:\n  a: p\n";

fn error_of(source: &str) -> String {
    match suite::load_str(source, Path::new("x.yaml")) {
        Ok(plan) => panic!("expected an error, got a plan:\n{plan:#?}\nfrom:\n{source}"),
        Err(e) => e.to_string(),
    }
}

fn long(n: usize) -> String {
    "n".repeat(n)
}

/// (what, suite text, fragments the rendered error must contain)
fn cases() -> Vec<(&'static str, String, Vec<String>)> {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        (
            "node name too long for its socket",
            format!("programs:\n  p:\n    command: [x]\nnodes:\n  {}: p\n", long(65)),
            v(&["x.yaml:5:3", "the node name `nnnn", "is 65 bytes long, more than 64", "control socket"]),
        ),
        (
            "variant name too long",
            format!("{HEAD}variants:\n  {}: {{}}\n", long(100)),
            v(&["x.yaml:7:3", "the variant name `nnnn", "is 100 bytes long, more than 64"]),
        ),
        (
            "suite name too long",
            format!("name: {}\n{HEAD}", long(300)),
            v(&["x.yaml:1:7", "the suite name `nnnn", "is 300 bytes long"]),
        ),
        (
            "NUL in a command",
            "programs:\n  p:\n    command: [sh, \"-c\\0x\"]\nnodes: {a: p}\n".into(),
            v(&["x.yaml:3:19", "a NUL byte (`\\0`) cannot be part of it", "C string"]),
        ),
        (
            "NUL in an environment value",
            "programs:\n  p:\n    command: [x]\n    env: {A: \"1\\02\"}\nnodes: {a: p}\n".into(),
            v(&["x.yaml:4:14", "a NUL byte", "an environment value"]),
        ),
        (
            "NUL in a variant value",
            format!("{HEAD}variants:\n  v: {{ flag: \"a\\0b\" }}\n"),
            v(&["x.yaml:7:14", "a NUL byte", "a variant's value"]),
        ),
        (
            "NUL in a probe command",
            "programs:\n  p:\n    command: [x]\n    probe: {command: [\"a\\0\"]}\nnodes: {a: p}\n".into(),
            v(&["x.yaml:4:23", "a NUL byte"]),
        ),
        (
            "NUL in an exec",
            format!("{HEAD}steps:\n  - exec: [sh, \"\\0\"]\n    on: a\n"),
            v(&["x.yaml:7:16", "a NUL byte"]),
        ),
        (
            "an argument longer than the kernel takes",
            format!("programs:\n  p:\n    command: [echo, '{{name}}{}']\nnodes: {{a: p}}\n", long(131_072)),
            v(&["x.yaml:3:21", "a command's argument is 131072 bytes long, too long", "MAX_ARG_STRLEN"]),
        ),
        (
            "an environment variable longer than the kernel takes",
            format!("programs:\n  p:\n    command: [x]\n    env: {{AB: '{}'}}\nnodes: {{a: p}}\n", long(131_069)),
            v(&["x.yaml:4:15", "an environment variable is 131072 bytes long"]),
        ),
        (
            "an exec argument longer than the kernel takes",
            format!("{HEAD}steps:\n  - exec: [sh, -c, '{}']\n    on: a\n", long(200_000)),
            v(&["x.yaml:7:20", "is 200000 bytes long"]),
        ),
        ("empty program", "programs:\n  p:\n    command: ['', x]\nnodes: {a: p}\n".into(), v(&["x.yaml:3:15", "the program is empty"])),
        (
            "blank program",
            "programs:\n  p:\n    command: ['  ']\nnodes: {a: p}\n".into(),
            v(&["x.yaml:3:15", "the program is only whitespace"]),
        ),
        (
            "program empty in one variant",
            "programs:\n  p:\n    command: ['{variant.bin}']\nnodes: {a: p}\nvariants:\n  good: { bin: serf }\n  bad: { bin: '' }\n"
                .into(),
            v(&["x.yaml:3:15", "the program renders empty in variant `bad`"]),
        ),
        (
            "program of peers",
            "programs:\n  p:\n    command: ['{peers}']\nnodes: {a: p}\n".into(),
            v(&["x.yaml:3:15", "the program renders empty for a node without links"]),
        ),
        (
            "empty probe program",
            "programs:\n  p:\n    command: [x]\n    probe: {command: ['']}\nnodes: {a: p}\n".into(),
            v(&["x.yaml:4:23", "the program is empty"]),
        ),
        ("empty exec program", format!("{HEAD}steps:\n  - exec: [' ', x]\n    on: a\n"), v(&["x.yaml:7:12", "only whitespace"])),
        (
            "duration that overflows a deadline",
            format!("{HEAD}steps:\n  - await: converged\n    within: 100000000000h\n"),
            v(&["x.yaml:8:13", "`100000000000h` is longer than a run may wait", "at most 720h (30 days)"]),
        ),
        ("sleep of a year", format!("{HEAD}steps:\n  - sleep: 8761h\n"), v(&["x.yaml:7:12", "at most 720h"])),
        (
            "too many nodes",
            format!(
                "programs:\n  p:\n    command: [x]\nnodes:\n{}",
                (0..1025).map(|i| format!("  n{i}: p\n")).collect::<String>()
            ),
            v(&["x.yaml:5:3", "1025 nodes are more than a suite may have", "1024 is the most"]),
        ),
    ]
}

#[test]
fn each_value_that_would_fail_at_run_time_is_reported_where_it_is() {
    let mut wrong = Vec::new();
    for (what, source, fragments) in cases() {
        let text = error_of(&source);
        for f in fragments.iter().filter(|f| !text.contains(f.as_str())) {
            wrong.push(format!("{what}: expected {f:?} in:\n{text}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn the_longest_names_and_durations_are_accepted() {
    let name = long(64);
    let source = format!(
        "name: {name}\nprograms:\n  p:\n    command: [x]\nnodes:\n  {name}: p\nvariants:\n  {name}: {{}}\nsteps:\n  - sleep: 720h\n"
    );
    suite::load_str(&source, Path::new("x.yaml")).expect("at the limits");
    let nodes: String = (0..1024).map(|i| format!("  n{i}: p\n")).collect();
    suite::load_str(&format!("programs:\n  p:\n    command: [x]\nnodes:\n{nodes}"), Path::new("x.yaml"))
        .expect("1024 nodes");
    // 131071 bytes and a NUL: the most one argument, or one KEY=VALUE, can be.
    let longest = format!(
        "programs:\n  p:\n    command: [echo, '{}']\n    env: {{AB: '{}'}}\nnodes: {{a: p}}\n",
        long(131_071),
        long(131_068)
    );
    suite::load_str(&longest, Path::new("x.yaml")).expect("the longest argument and environment variable");
}

#[test]
fn names_that_leave_the_run_folder_are_refused() {
    for bad in ["'..'", "'.'", "'../x'", "/etc", "a/b", "''", "'a\\0b'", "\"a\\tb\"", ".hidden"] {
        let node = format!("programs:\n  p:\n    command: [x]\nnodes:\n  {bad}: p\n");
        let text = error_of(&node.replace("'a\\0b'", "\"a\\0b\""));
        assert!(text.contains("is not a valid node name") && text.contains("x.yaml:5:3"), "node {bad}: {text}");
        let variant = format!("{HEAD}variants:\n  {bad}: {{}}\n").replace("'a\\0b'", "\"a\\0b\"");
        let text = error_of(&variant);
        assert!(text.contains("is not a valid variant name") && text.contains("x.yaml:7:3"), "variant {bad}: {text}");
        let suite = format!("name: {bad}\n{HEAD}").replace("'a\\0b'", "\"a\\0b\"");
        let text = error_of(&suite);
        assert!(text.contains("is not a valid suite name") && text.contains("x.yaml:1:7"), "suite {bad}: {text}");
    }
}

#[test]
fn check_exits_2_for_what_only_a_run_would_find() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, format!("{HEAD}steps:\n  - await: converged\n    within: 100000000000h\n")).unwrap();
    let out = Command::cargo_bin("quiesce").unwrap().arg("check").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("s.yaml:8:13") && stderr.contains("longer than a run may wait"), "{stderr}");
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            match path.is_dir() {
                true => todo.push(path),
                false => out.push(path.strip_prefix(dir).unwrap().display().to_string()),
            }
        }
    }
    out.sort();
    out
}

#[test]
fn report_writes_only_its_own_files_whatever_names_the_record_holds() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("a/b/run");
    std::fs::create_dir_all(&run).unwrap();
    let evil = "../../../evil";
    let events = [
        format!(
            r#"{{"t":0.0,"kind":"run-started","schema":2,"suite":"{evil}","file":"/etc/passwd","variant":"/tmp/x","expect":"pass","seed":1,"subnet":"10.77.0.0/16","steps":1,"rerun":"quiesce run x"}}"#
        ),
        format!(r#"{{"t":0.1,"kind":"node-network","node":"{evil}","addr":"10.77.0.1","netns":1}}"#),
        format!(r#"{{"t":0.2,"kind":"node-started","node":"{evil}","pid":1,"incarnation":1}}"#),
        format!(r#"{{"t":0.3,"kind":"node-exited","node":"{evil}","status":"exit status: 1","tail":"x"}}"#),
        r#"{"t":0.4,"kind":"run-finished","passed":false,"met_expectation":false}"#.to_string(),
    ];
    std::fs::write(run.join("events.jsonl"), events.join("\n") + "\n").unwrap();
    let out = Command::cargo_bin("quiesce").unwrap().arg("report").arg(&run).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let elsewhere = dir.path().join("a/out");
    let out =
        Command::cargo_bin("quiesce").unwrap().arg("report").arg(&run).arg("--out").arg(&elsewhere).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let want = [
        "a/b/run/events.jsonl",
        "a/b/run/report.json",
        "a/b/run/timeline.html",
        "a/out/report.json",
        "a/out/timeline.html",
    ];
    assert_eq!(files_under(dir.path()), want);
}

/// A nemesis over 14 nodes of long names, every fault kind, `time` and a
/// fixed `gap`.
fn nemesis_suite(time: &str, gap: &str) -> String {
    let nodes: String = (0..14).map(|i| format!("  node-with-a-longish-name-{i:02}: p\n")).collect();
    format!(
        "programs:\n  p:\n    command: [sleep, '60']\n    points: [gossip.send]\nnodes:\n{nodes}steps:\n  - nemesis:\n      time: {time}\n      faults: [partition, pause, breakpoint, drop, delay, kill, restart, stall]\n      max-active: 16\n      duration: [100ms, 200ms]\n      gap: {gap}\n"
    )
}

#[test]
fn a_nemesis_draws_no_more_faults_than_its_schedule_can_hold_written_out() {
    let text = error_of(&nemesis_suite("1h", "[1ms, 5s]"));
    for f in ["x.yaml:26:12", "the nemesis can draw 3600000 faults", "make the gap at least"] {
        assert!(text.contains(f), "expected {f:?} in:\n{text}");
    }
    let zero = error_of(&nemesis_suite("10s", "0s"));
    assert!(zero.contains("the shortest is 1ms") && !zero.contains("can draw"), "{zero}");
}

#[test]
fn a_nemesis_at_its_limit_writes_a_schedule_that_check_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("soak.yaml");
    std::fs::write(&suite, nemesis_suite("1h", "[1s, 1s]")).unwrap();
    let out = dir.path().join("out");
    let explore = Command::cargo_bin("quiesce")
        .unwrap()
        .args(["explore", "--dry-run", "--runs", "1", "--out"])
        .arg(&out)
        .arg(&suite)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&explore.stdout);
    assert_eq!(explore.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&explore.stderr));
    assert!(stdout.contains("3599 faults"), "{stdout}");
    let schedule = out.join("soak/default/1/schedule.yaml");
    let check = Command::cargo_bin("quiesce").unwrap().arg("check").arg(&schedule).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
}
