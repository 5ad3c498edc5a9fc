//! The timeline page in a real browser: rendered from the events of a real
//! run (`fixtures/timeline/events.jsonl`, recorded from
//! `fixtures/timeline/suite.yaml`), loaded in headless Chromium, and read
//! back from the DOM Chromium built: a lane per node, a mark per fault,
//! the hits, pauses and incarnations, and the script having run.
//!
//! Needs `chromium` (or `$QUIESCE_CHROMIUM`); `.ci/run` installs it. It
//! fails rather than skips without one, so a CI machine cannot pass it by
//! accident.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/timeline/events.jsonl")
}

fn events() -> Vec<Value> {
    let text = std::fs::read_to_string(fixture()).expect("the fixture is readable");
    text.lines().map(|l| serde_json::from_str(l).expect("every fixture line is JSON")).collect()
}

/// The values of `event[key]` for events of `kind`, in order, deduplicated.
fn values(events: &[Value], kind: &str, key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events.iter().filter(|e| e["kind"] == kind) {
        let v = e[key].as_str().expect("a string field").to_string();
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("QUIESCE_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "the timeline test needs headless Chromium and found none on PATH (chromium, chromium-browser, \
         google-chrome) or in $QUIESCE_CHROMIUM; `.ci/run` installs it (`apt-get install -y chromium`)"
    );
}

/// The DOM Chromium built from `page`, after its scripts ran.
fn dump_dom(page: &Path) -> String {
    let profile = tempfile::tempdir().expect("a profile folder");
    let output = assert_cmd::Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .timeout(Duration::from_secs(120))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium --dump-dom failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the DOM is UTF-8")
}

/// The start tags in `dom` whose class attribute has every word of `class`.
fn tags<'a>(dom: &'a str, class: &str) -> Vec<&'a str> {
    let wanted: Vec<&str> = class.split_whitespace().collect();
    dom.split('<')
        .filter_map(|rest| rest.find('>').map(|end| &rest[..end]))
        .filter(|tag| attr(tag, "class").is_some_and(|c| wanted.iter().all(|w| c.split_whitespace().any(|x| x == *w))))
        .collect()
}

/// The value of `name` in a start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

fn rendered() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("a run folder");
    std::fs::copy(fixture(), dir.path().join("events.jsonl")).expect("copy the events");
    let page = quiesce::report::timeline::write(dir.path()).expect("the page is written");
    assert_eq!(page, dir.path().join("timeline.html"));
    let html = std::fs::read_to_string(&page).expect("the page is readable");
    let dom = dump_dom(&page);
    (dir, html, dom)
}

#[test]
fn chromium_shows_a_lane_per_node_and_a_mark_per_fault() {
    let events = events();
    let (_dir, _, dom) = rendered();
    assert!(dom.contains(r#"data-timeline="ready""#), "the page's script ran to its end in Chromium");
    assert!(
        dom.contains("<title>timeline-fixture / default (seed 1): PASS</title>"),
        "title with suite, variant, seed, outcome"
    );

    let nodes = values(&events, "node-network", "node");
    let lanes: Vec<&str> = tags(&dom, "lane").iter().filter_map(|t| attr(t, "data-node")).collect();
    assert_eq!(lanes, nodes, "one lane per node, in the suite's order");
    for node in &nodes {
        assert!(dom.contains(&format!(r#"id="lane-{node}""#)), "lane {node} has its id");
    }

    let faults: Vec<(String, String)> = events
        .iter()
        .filter(|e| e["kind"] == "fault-applied")
        .map(|e| (e["id"].as_str().unwrap().to_string(), e["fault"].as_str().unwrap().to_string()))
        .collect();
    assert!(!faults.is_empty(), "the fixture has faults");
    let marks: Vec<(&str, &str)> =
        tags(&dom, "fault").iter().filter_map(|t| Some((attr(t, "data-fault")?, attr(t, "data-kind")?))).collect();
    let expected: Vec<(&str, &str)> = faults.iter().map(|(id, kind)| (id.as_str(), kind.as_str())).collect();
    assert_eq!(marks, expected, "a mark per fault, with its id and kind");
    for (id, kind) in &faults {
        assert!(dom.contains(&format!(">{id} · {kind}</text>")), "fault {id} is labelled with id and kind");
    }
    assert!(!tags(&dom, "fault-shade").is_empty(), "faults shade the lanes");
}

#[test]
fn chromium_shows_incarnations_pauses_hits_convergence_and_churn() {
    let events = events();
    let (_dir, html, dom) = rendered();

    let incarnations: Vec<(&str, &str)> = tags(&dom, "incarnation")
        .iter()
        .filter_map(|t| Some((attr(t, "data-node")?, attr(t, "data-incarnation")?)))
        .collect();
    let started = events.iter().filter(|e| e["kind"] == "node-started").count();
    assert_eq!(incarnations.len(), started, "a bar per node-started: {incarnations:?}");
    assert!(
        incarnations.contains(&("d", "2")) && incarnations.contains(&("b", "2")),
        "restarted nodes: {incarnations:?}"
    );

    let pauses: Vec<&str> = tags(&dom, "paused").iter().filter_map(|t| attr(t, "data-node")).collect();
    assert_eq!(pauses, vec!["c"], "the `pause: c` step shows on c's lane");

    let hit_nodes = values(&events, "breakpoint-hit", "node");
    let hits: Vec<(&str, &str)> =
        tags(&dom, "hit pause").iter().filter_map(|t| Some((attr(t, "data-node")?, attr(t, "data-point")?))).collect();
    assert!(
        !hits.is_empty() && hits.iter().all(|(n, p)| hit_nodes.contains(&n.to_string()) && *p == "gossip.send"),
        "{hits:?}"
    );

    assert!(!tags(&dom, "cluster-span converged").is_empty(), "converged intervals are drawn");
    assert!(!tags(&dom, "cluster-span diverged").is_empty(), "the partition's divergence is drawn");
    let buckets = tags(&dom, "conn-bucket");
    let counted: u64 = buckets
        .iter()
        .map(|t| {
            attr(t, "data-connects").unwrap().parse::<u64>().unwrap()
                + attr(t, "data-resets").unwrap().parse::<u64>().unwrap()
        })
        .sum();
    let connections = events.iter().filter(|e| e["kind"] == "connection").count() as u64;
    assert_eq!(counted, connections, "every connection event is in a bar");

    let checks: Vec<&str> = tags(&dom, "check passed").iter().filter_map(|t| attr(t, "data-check")).collect();
    assert_eq!(checks, vec!["converged", "live", "churn"], "the checks are listed");

    // Self-contained: nothing is loaded from anywhere.
    for needle in [" src=", " href=", "url(http", "@import"] {
        assert!(!html.contains(needle), "the page loads nothing ({needle})");
    }
}
