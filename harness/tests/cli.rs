//! The CLI's contract: invalid input exits 2 with file:line:col and starts
//! nothing; missing privilege exits 3 with the fix; `explain` lists the plan's
//! steps, a `repeat` expanded.

use assert_cmd::Command;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/invalid/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn check_reports_a_misspelt_key_with_location_and_suggestion() {
    let out = Command::cargo_bin("quiesce").unwrap().args(["check", &fixture("misspelt-key.yaml")]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("misspelt-key.yaml:"), "names the file: {stderr}");
    let located = stderr.lines().any(|l| {
        l.split("misspelt-key.yaml:").nth(1).is_some_and(|rest| {
            let mut parts = rest.split(':');
            parts.next().is_some_and(|n| n.trim().parse::<u32>().is_ok())
                && parts.next().is_some_and(|n| n.trim().chars().take_while(char::is_ascii_digit).count() > 0)
        })
    });
    assert!(located, "names line and column: {stderr}");
    assert!(stderr.contains("did you mean"), "suggests the right key: {stderr}");
}

#[test]
fn run_with_an_invalid_suite_exits_2_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("quiesce")
        .unwrap()
        .args(["run", &fixture("misspelt-key.yaml"), "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no run folder was made");
}

#[test]
fn check_accepts_every_shipped_suite() {
    let suites = concat!(env!("CARGO_MANIFEST_DIR"), "/../suites");
    for entry in std::fs::read_dir(suites).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            Command::cargo_bin("quiesce").unwrap().arg("check").arg(&path).assert().success();
        }
    }
}

fn list(args: &[&str]) -> Vec<String> {
    let suites = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/shards");
    let out = Command::cargo_bin("quiesce").unwrap().arg("list").arg(suites).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn shards_together_cover_every_suite_variant_exactly_once() {
    let all = list(&["--shard", "1/1"]);
    assert_eq!(all.len(), 7, "the fixtures hold 7 suite variants: {all:?}");
    for n in 2..=4 {
        let mut union: Vec<String> = (1..=n).flat_map(|k| list(&["--shard", &format!("{k}/{n}")])).collect();
        union.sort();
        let mut expected = all.clone();
        expected.sort();
        assert_eq!(union, expected, "{n} shards");
    }
    let first = list(&["--shard", "1/2"]);
    assert_eq!(first, list(&["--shard", "1/2"]), "the split is deterministic");
}

#[test]
fn a_bad_shard_is_invalid_input() {
    let out = Command::cargo_bin("quiesce").unwrap().args(["run", "suites", "--shard", "3/2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("K/N"));
}

/// A suite whose names would become paths outside `--out`.
fn escaping_suite(dir: &std::path::Path, name_line: &str, variant: &str, node: &str) -> std::path::PathBuf {
    let path = dir.join("escape.yaml");
    let text = format!(
        "{name_line}programs:\n  p:\n    command: [sleep, '1']\nnodes:\n  '{node}': p\nvariants:\n  '{variant}': {{}}\nsteps:\n  - sleep: 1s\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn names_that_would_escape_the_run_folder_are_refused_at_check() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("name: ../../../tmp/x\n", "v", "a", "`../../../tmp/x` is not a valid suite name", "escape.yaml:1:7"),
        ("name: /etc/x\n", "v", "a", "`/etc/x` is not a valid suite name", "escape.yaml:1:7"),
        ("name: ..\n", "v", "a", "`..` is not a valid suite name", "escape.yaml:1:7"),
        ("", "..", "a", "`..` is not a valid variant name", "escape.yaml:7:3"),
        ("", "v", "..", "`..` is not a valid node name", "escape.yaml:5:3"),
        ("", "v", ".hidden", "`.hidden` is not a valid node name", "escape.yaml:5:3"),
    ];
    for (name_line, variant, node, message, at) in cases {
        let suite = escaping_suite(dir.path(), name_line, variant, node);
        for verb in ["check", "run"] {
            let out_dir = dir.path().join("out");
            let mut command = Command::cargo_bin("quiesce").unwrap();
            command.arg(verb).arg(&suite);
            if verb == "run" {
                command.arg("--out").arg(&out_dir);
            }
            let out = command.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{verb} {name_line}{variant}/{node}: {stderr}");
            assert!(stderr.contains(message) && stderr.contains(at), "{verb}: wants {message} at {at}: {stderr}");
            assert!(!out_dir.exists(), "{verb} wrote nothing");
        }
    }
}

#[test]
fn urls_whose_host_is_not_an_address_are_refused_at_check() {
    let dir = tempfile::tempdir().unwrap();
    let probe =
        |url: &str| format!("programs:\n  p:\n    command: [x]\n    probe: {{ http: \"{url}\" }}\nnodes:\n  a: p\n");
    let step = |url: &str| {
        format!("programs:\n  p:\n    command: [x]\nnodes:\n  a: p\nsteps:\n  - http: \"{url}\"\n    on: a\n")
    };
    let cases = [
        (probe("http://example.com/status"), "urls.yaml:4:20", "host `example.com`"),
        (probe("http://{name}:7946/status"), "urls.yaml:4:20", "host `a`"),
        (step("http://example.com/"), "urls.yaml:7:11", "host `example.com`"),
        (step("http://db.local:8080/x"), "urls.yaml:7:11", "host `db.local`"),
    ];
    for (text, at, message) in cases {
        let suite = dir.path().join("urls.yaml");
        std::fs::write(&suite, &text).unwrap();
        let out = Command::cargo_bin("quiesce").unwrap().arg("check").arg(&suite).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(at) && stderr.contains(message), "{text}: wants {message} at {at}: {stderr}");
        assert!(stderr.contains("`{addr}`, `{addr:NODE}` or a literal address"), "{stderr}");
    }
}

#[test]
fn explain_lists_the_steps_of_a_repeat_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("flap.yaml");
    let text = "programs: {p: {command: [x]}}\nnodes: {a: p, b: p}\nsteps:\n  - repeat:\n      times: 2\n      steps:\n        - partition: [a, b]\n          id: flap-{i}\n        - heal: flap-{i}\n";
    std::fs::write(&suite, text).unwrap();
    let out = Command::cargo_bin("quiesce").unwrap().arg("explain").arg(&suite).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let steps: Vec<&str> = stdout.lines().filter(|l| l.contains("(line ")).map(str::trim).collect();
    let want = [
        "1. (line 7) partition `flap-1` [a] | [b]",
        "2. (line 9) heal flap-1",
        "3. (line 7) partition `flap-2` [a] | [b]",
        "4. (line 9) heal flap-2",
    ];
    assert_eq!(steps, want, "{stdout}");
}
