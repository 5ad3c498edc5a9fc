//! `report.json` and `--junit` from a real run parse back and hold the
//! measured values; `--repeat` counts failed runs.

use std::process::Command;

use quiesce::report::outcome::RunReport;

use crate::common::{ping_suite, quiesce_bin, require_root};

#[test]
fn junit_and_report_json_hold_the_measured_values() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let steps = "  - await: converged\n    within: 10s\n";
    let yaml = format!(
        "name: reported\n{}checks:\n  - converged: {{ within: 10s, stable-for: 500ms }}\nvariants:\n  healthy: {{ expect: pass }}\n  wrongly-expected: {{ expect: fail }}\n",
        ping_suite(2, steps)
    );
    let suite = dir.path().join("reported.yaml");
    std::fs::write(&suite, yaml).unwrap();
    let (junit, report) = (dir.path().join("junit.xml"), dir.path().join("report.json"));
    let out = Command::new(quiesce_bin())
        .arg("run")
        .arg(&suite)
        .args(["--repeat", "2", "--seed", "42", "--out"])
        .arg(dir.path().join("out"))
        .arg("--junit")
        .arg(&junit)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "the expect-fail variant passed its checks, so the run fails:\n{stdout}");
    assert!(stdout.contains("checks failed in 0 of 2 runs"), "{stdout}");

    let parsed: RunReport = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(!parsed.met_expectation);
    let variants = &parsed.suites[0].variants;
    assert_eq!(variants.len(), 2);
    let healthy = &variants[0];
    assert_eq!((healthy.name.as_str(), healthy.runs_total, healthy.failed_runs), ("healthy", 2, 0));
    assert!(healthy.met_expectation);
    assert_eq!(healthy.seed, 42);
    assert!(healthy.rerun.contains("--variant healthy --seed 42"), "{}", healthy.rerun);
    let converged = &healthy.runs[0].checks[0];
    assert_eq!(converged.check, "converged");
    let measured = converged.measured.expect("time to converge is measured");
    assert!((0.0..10.0).contains(&measured));
    assert_eq!(converged.summary, format!("in {measured:.1}s"), "the table's few words, from report.json");
    assert!(!variants[1].met_expectation);
    // Each run folder has its own report.json.
    assert!(healthy.runs[1].folder.join("report.json").exists());

    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 2, "one testcase per variant: {xml}");
    assert_eq!(cases[0].attribute("name"), Some("healthy"));
    assert_eq!(cases[0].attribute("classname"), Some("reported"));
    assert!(cases[0].children().all(|c| !c.has_tag_name("failure")));
    let failure = cases[1].children().find(|c| c.has_tag_name("failure")).expect("the missed variant fails");
    assert!(failure.attribute("message").unwrap().contains("expected the checks to fail"), "{xml}");
    let text = failure.text().unwrap_or_default();
    assert!(text.contains("check converged passed: converged in") && text.contains("[measured "), "{text}");
    assert!(text.contains("--- last lines of a.log ---"), "the failure quotes the node logs: {text}");
    let props: Vec<(&str, &str)> = cases[1]
        .descendants()
        .filter(|n| n.has_tag_name("property"))
        .map(|n| (n.attribute("name").unwrap(), n.attribute("value").unwrap()))
        .collect();
    assert!(props.contains(&("failed-runs", "0 of 2")), "{props:?}");
}

/// Every `from` in `text` replaced by `to`.
fn moved(text: &str, from: &std::path::Path, to: &str) -> String {
    text.replace(from.to_str().unwrap(), to)
}

#[test]
fn quiesce_report_renders_the_same_reports_from_events_and_logs_alone() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    // b is killed, so awaiting it fails: a failed step, a missed variant.
    let steps = "  - await: converged\n    within: 10s\n  - kill: b\n  - await: { up: b }\n    within: 1s\n";
    let yaml = format!(
        "name: rerendered\n{}checks:\n  - live\nvariants:\n  wrongly-expected: {{ expect: pass }}\n",
        ping_suite(2, steps)
    );
    let suite = dir.path().join("rerendered.yaml");
    std::fs::write(&suite, yaml).unwrap();
    let junit = dir.path().join("junit.xml");
    let out = Command::new(quiesce_bin())
        .arg("run")
        .arg(&suite)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let run = dir.path().join("out/rerendered/wrongly-expected/1");

    // Only the record and the logs travel, as from a CI artifact.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for entry in std::fs::read_dir(&run).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name == "events.jsonl" || name.ends_with(".log") {
            std::fs::copy(&path, copy.join(&name)).unwrap();
        }
    }
    let rendered = dir.path().join("rendered");
    let junit_again = dir.path().join("junit-again.xml");
    let again = Command::new(quiesce_bin())
        .arg("report")
        .arg(&copy)
        .arg("--out")
        .arg(&rendered)
        .arg("--junit")
        .arg(&junit_again)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(1), "the run's own verdict: {}", String::from_utf8_lossy(&again.stderr));
    assert!(stdout.contains("FAIL rerendered/wrongly-expected"), "the console summary: {stdout}");
    assert!(rendered.join("timeline.html").exists() && !copy.join("report.json").exists());

    let first = moved(&std::fs::read_to_string(run.join("report.json")).unwrap(), &run, "RUN");
    let second = moved(&std::fs::read_to_string(rendered.join("report.json")).unwrap(), &copy, "RUN");
    assert!(first.contains("\"checks\"") && first.contains("\"figures\""), "{first}");
    assert_eq!(first, second, "report.json is the same but for the folder");
    let first = moved(&std::fs::read_to_string(&junit).unwrap(), &run, "RUN");
    let second = moved(&std::fs::read_to_string(&junit_again).unwrap(), &copy, "RUN");
    assert!(first.contains("--- last lines of b.log ---"), "{first}");
    assert_eq!(first, second, "the JUnit is the same but for the folder");
}

#[test]
fn a_program_that_is_not_installed_aborts_the_run_with_3_and_its_reports() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("missing.yaml");
    let yaml = "programs:\n  p:\n    command: [quiesce-no-such-program, '{addr}']\nnodes: { a: p, b: p }\nsteps:\n  - sleep: 1s\n";
    std::fs::write(&suite, yaml).unwrap();
    let out = Command::new(quiesce_bin()).arg("run").arg(&suite).arg("--out").arg(dir.path().join("out")).output();
    let out = out.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("quiesce-no-such-program") && stderr.contains("fix: install the program"), "{stderr}");
    let run = dir.path().join("out/missing/default/1");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["verdict"], "aborted", "{report}");
    let events = std::fs::read_to_string(run.join("events.jsonl")).unwrap();
    let kinds: Vec<String> = events
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"].as_str().unwrap().to_string())
        .collect();
    let tail: Vec<&str> = kinds.iter().rev().take(2).rev().map(String::as_str).collect();
    assert_eq!(tail, ["run-aborted", "run-finished"], "{kinds:?}");
}
