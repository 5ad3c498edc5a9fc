//! Steps and checks run through the runner: `exec` inside a namespace,
//! churn counted by the switch, and the packet capture.

use quiesce::cluster::NetOptions;
use quiesce::interrupt::Interrupt;
use quiesce::report::Discard;
use quiesce::run::{folder, run_variant, Provenance, RunOptions, VariantReport};

use crate::common::{ping_suite, plan, require_root};

const FIVE_CONNECTS: &str = r#"  - await: converged
    within: 10s
  - heal: all
  - exec: [bash, -c, "for i in 1 2 3 4 5; do exec 3<>/dev/tcp/{addr:b}/7000; exec 3>&-; done"]
    on: a
  - exec: [bash, -c, "exec 3<>/dev/tcp/{addr:b}/7000; echo hello-from-{name} >&3; head -c 13 <&3"]
    on: a
  - exec: [bash, -c, "echo capture-marker-4242 > /dev/udp/{addr:b}/7777"]
    on: a
"#;

pub async fn run(yaml: &str, pcap: bool) -> (tempfile::TempDir, VariantReport) {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), "steps", yaml);
    let options = RunOptions {
        out: dir.path().join("out"),
        net: NetOptions { pcap, ..NetOptions::default() },
        log_limit: quiesce::capped::DEFAULT_LOG_LIMIT,
    };
    let variant = &plan.variants[0];
    let folder = folder::create(&options.out, &plan.name, &variant.name).unwrap();
    let (never, provenance) = (Interrupt::never(), Provenance { rerun: "rerun".into(), nemesis: None });
    let report = run_variant(&plan, variant, &folder, &options, &provenance, &mut Discard, &never)
        .await
        .expect("the run completes");
    (dir, report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_counts_every_connection_a_client_made() {
    let yaml =
        format!("{}checks:\n  - churn: {{ max-connects: 5, window: 5s, after: heal }}\n", ping_suite(2, FIVE_CONNECTS));
    let (_dir, report) = run(&yaml, true).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let churn = &report.checks[0];
    // 5 connections from the loop, 1 from the echo exchange. The window is
    // wide enough for three `exec`s on a busy machine (1 s was not).
    assert_eq!(churn.measured, Some(6.0), "{}", churn.detail);
    assert!(!churn.passed, "6 connects exceed the bound of 5: {}", churn.detail);
    assert!(churn.detail.contains("a->b"), "{}", churn.detail);

    let echoed = std::fs::read_to_string(report.folder.join("exec-4-a.out")).unwrap();
    assert_eq!(echoed.trim(), "hello-from-a", "exec reached b's echo port by its virtual address");

    let file = std::fs::File::open(report.folder.join("capture.pcap")).unwrap();
    let mut reader = pcap_file::pcap::PcapReader::new(file).unwrap();
    let mut found = false;
    while let Some(packet) = reader.next_packet() {
        let data = packet.unwrap().data;
        if data.windows(19).any(|w| w == b"capture-marker-4242") {
            found = true;
        }
    }
    assert!(found, "capture.pcap holds the datagram the test sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_within_the_bound_passes() {
    let yaml = format!(
        "{}checks:\n  - churn: {{ max-connects: 6, max-resets: 0, window: 5s, after: heal }}\n",
        ping_suite(2, FIVE_CONNECTS)
    );
    let (_dir, report) = run(&yaml, false).await;
    assert!(report.passed, "{:?} {:?}", report.failures, report.checks);
    assert!(!report.folder.join("capture.pcap").exists(), "no capture unless asked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_exec_fails_the_run_with_its_output() {
    let steps = "  - exec: [bash, -c, \"echo broken >&2; exit 3\"]\n    on: a\n";
    let (_dir, report) = run(&ping_suite(2, steps), false).await;
    assert!(!report.passed);
    assert!(
        report.failures[0].contains("exit status: 3") && report.failures[0].contains("broken"),
        "{:?}",
        report.failures
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_steps_reach_a_node_api_and_check_the_status() {
    let steps = r#"  - await: { up: all }
    within: 10s
  - http: "http://127.0.0.1:7001/status"
    on: a
  - http: "http://localhost:7001/nope"
    on: a
    expect: 404
  - http: "http://127.0.0.1:7001/nope"
    on: b
"#;
    let (_dir, report) = run(&ping_suite(2, steps), false).await;
    let body = std::fs::read_to_string(report.folder.join("http-2-a.body")).unwrap();
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["name"], "a", "the request went to a's own loopback");
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert!(
        report.failures[0].contains("step 4/4") && report.failures[0].contains("HTTP 404 (expected 2xx)"),
        "{:?}",
        report.failures
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counter_churn_reads_the_running_nodes_and_passes_over_stopped_ones() {
    let steps = "  - await: converged\n    within: 10s\n  - kill: c\n";
    let checks = "checks:\n  - churn: { counter: '.counters.tcp_connections', max: 0, window: 1s }\n  \
                  - churn: { counter: '.counters.pings_received', max: 0, window: 1s }\n";
    let (_dir, report) = run(&format!("{}{checks}", ping_suite(3, steps)), false).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let (quiet, busy) = (&report.checks[0], &report.checks[1]);
    assert!(quiet.passed, "nobody opened a TCP connection; c is down, not unreadable: {}", quiet.detail);
    assert!(!quiet.detail.contains("unreadable"), "{}", quiet.detail);
    assert!(!busy.passed, "a and b ping each other every 100ms: {}", busy.detail);
    assert!(busy.measured.is_some_and(|grew| grew >= 5.0), "{}", busy.detail);
}

/// A check's `within` is a deadline even when a node is wedged: `b` is
/// paused, so its probe would hang for the whole 8 s probe timeout, but
/// `converged` gives up at 1 s with the last whole observation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wedged_node_cannot_stretch_a_checks_deadline() {
    let steps = "  - await: converged\n    within: 10s\n  - pause: b\n";
    let suite = ping_suite(2, steps).replace("timeout: 1s", "timeout: 8s");
    let yaml = format!("{suite}checks:\n  - converged: {{ within: 1s }}\n");
    let (_dir, report) = run(&yaml, false).await;
    let converged = &report.checks[0];
    assert!(!converged.passed, "{}", converged.detail);
    assert!(converged.detail.contains("still unanswered at the deadline"), "{}", converged.detail);
    let events = std::fs::read_to_string(report.folder.join("events.jsonl")).unwrap();
    // From the end of the last step to the check's result.
    let last = |kind: &str| -> f64 {
        let line = events.lines().rfind(|l| l.contains(kind)).unwrap_or_else(|| panic!("no {kind} in {events}"));
        serde_json::from_str::<serde_json::Value>(line).unwrap()["t"].as_f64().unwrap()
    };
    let took = last("\"check-result\"") - last("\"step-finished\"");
    assert!(took < 4.0, "the check took {took:.1}s: it waited for the 8 s probe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_dir_is_kept_across_restarts() {
    // Each start counts itself in {dir}/starts, then runs a ping node.
    let yaml = r#"programs:
  ping:
    command: [bash, -c, "n=$(cat {dir}/starts 2>/dev/null || echo 0); echo $((n + 1)) > {dir}/starts; echo {dir:a} > {dir}/a-is; exec quiesce-node ping --name {name} --listen {addr}:7000 --peers {peers} --status 127.0.0.1:7001 --interval 100ms"]
    probe: { http: "http://127.0.0.1:7001/status", timeout: 1s }
    view: (.reachable + [.name]) | sort
    grace: 1s
nodes: { a: ping, b: ping }
steps:
  - await: converged
    within: 10s
  - restart: a
  - kill: b
  - start: b
  - await: { up: b }
    within: 10s
  - restart: b
  - await: converged
    within: 10s
"#;
    let (_dir, report) = run(yaml, false).await;
    assert!(report.passed, "{:?}", report.failures);
    let read =
        |node: &str, file: &str| std::fs::read_to_string(report.folder.join("nodes").join(node).join(file)).unwrap();
    assert_eq!((read("a", "starts"), read("b", "starts")), ("2\n".to_string(), "3\n".to_string()));
    let a = std::path::absolute(report.folder.join("nodes/a")).unwrap();
    assert_eq!(read("b", "a-is").trim(), a.display().to_string(), "{{dir:a}} is a's folder, absolute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn await_holds_judges_the_views_by_name_and_says_what_it_gave_last() {
    // Each view is the node's name with those it reaches, sorted.
    let steps = r#"  - await: { holds: 'all(.[]; length == 3)' }
    within: 10s
  - kill: c
  - await: { holds: '.c == null and .a == ["a", "b"] and .b == ["a", "b"]' }
    within: 10s
  - await: { holds: '.a | length' }
    within: 1s
"#;
    let (_dir, report) = run(&ping_suite(3, steps), false).await;
    assert!(!report.passed);
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let failure = &report.failures[0];
    assert!(failure.contains("`.a | length` not true within 1s: it last gave 2"), "{failure}");
}
