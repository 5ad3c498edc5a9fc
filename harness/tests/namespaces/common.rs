//! Helpers shared by the namespace tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use quiesce::cluster::{Cluster, NetOptions};
use quiesce::suite::{self, plan::Plan};

/// Fails loudly when not root: these tests cannot run otherwise.
pub fn require_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "the namespace tests need root (network namespaces and TUN devices): run `make test` as root"
    );
}

/// Writes `yaml` to a suite file in `dir` and loads it.
pub fn plan(dir: &Path, name: &str, yaml: &str) -> Plan {
    let path = dir.join(format!("{name}.yaml"));
    std::fs::File::create(&path).and_then(|mut f| f.write_all(yaml.as_bytes())).expect("write suite");
    suite::load(&path).unwrap_or_else(|e| panic!("suite {name} should load:\n{e}"))
}

/// A suite of `n` ping nodes (`a`, `b`, `c`, ...) with the given steps.
pub fn ping_suite(n: usize, steps: &str) -> String {
    let names: Vec<String> = (0..n).map(|i| ((b'a' + i as u8) as char).to_string()).collect();
    let nodes: String = names.iter().map(|n| format!("  {n}: ping\n")).collect();
    format!(
        "programs:\n  ping:\n    command: [quiesce-node, ping, --name, \"{{name}}\", --listen, \"{{addr}}:7000\", \
         --peers, \"{{peers}}\", --status, \"127.0.0.1:7001\", --interval, 100ms]\n    \
         probe: {{ http: \"http://127.0.0.1:7001/status\", timeout: 1s }}\n    view: (.reachable + [.name]) | sort\n    grace: 1s\n\
         nodes:\n{nodes}steps:\n{steps}"
    )
}

/// Builds the cluster of a plan's first variant and starts every node,
/// waiting until every probe answers.
pub async fn start(plan: &Plan, folder: &Path) -> Cluster {
    let mut cluster =
        Cluster::build(plan, &plan.variants[0], folder, NetOptions::default()).await.expect("build cluster");
    for i in 0..plan.nodes.len() {
        cluster.supervisor.start(i).await.expect("start node");
    }
    for _ in 0..100 {
        let obs = cluster.observe().await;
        if obs.nodes.iter().all(|n| matches!(n, quiesce::observe::NodeView::Answered(_))) {
            return cluster;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nodes did not answer their probes within 10s: {:?}", cluster.observe().await);
}

/// The built `quiesce` binary.
pub fn quiesce_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_quiesce"))
}

/// Runs one variant of `suites/<file>` and asserts that it met its
/// expectation.
pub fn meets_expectation(file: &str, variant: &str) {
    run_shipped(file, variant);
}

/// Runs one variant of `suites/<file>` through the CLI, asserts that it
/// met its expectation, and returns the output folder (removed when
/// dropped), the run folder and the run's events.
pub fn run_shipped(file: &str, variant: &str) -> (tempfile::TempDir, PathBuf, Vec<serde_json::Value>) {
    require_root();
    let suite = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../suites").join(file);
    let out = tempfile::tempdir().expect("temporary folder");
    let run = std::process::Command::new(quiesce_bin())
        .arg("run")
        .arg(&suite)
        .args(["--variant", variant, "--out"])
        .arg(out.path())
        .output()
        .expect("run quiesce");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{file} / {variant} did not meet its expectation:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let name = suite::load(&suite).expect("a shipped suite loads").name;
    let folder = out.path().join(name).join(variant).join("1");
    let text = std::fs::read_to_string(folder.join("events.jsonl")).expect("the run's events");
    let events = text.lines().map(|l| serde_json::from_str(l).expect("an event")).collect();
    (out, folder, events)
}
