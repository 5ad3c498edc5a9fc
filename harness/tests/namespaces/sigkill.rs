//! After the harness is SIGKILLed mid-run, no peer process, namespace or
//! TUN device remains.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;

use crate::common::{ping_suite, quiesce_bin, require_root};

fn events(folder: &Path) -> Vec<Value> {
    let Ok(text) = std::fs::read_to_string(folder.join("events.jsonl")) else { return Vec::new() };
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

fn run_folder(out: &Path) -> Option<std::path::PathBuf> {
    let dir = out.join("sigkill").join("default").join("1");
    dir.exists().then_some(dir)
}

/// Every `net:[INODE]` any process or thread of this machine refers to,
/// as its namespace or through an open fd.
fn live_netns_inodes() -> HashSet<u64> {
    let mut found = HashSet::new();
    let parse = |link: std::path::PathBuf| -> Option<u64> {
        let target = std::fs::read_link(link).ok()?;
        let t = target.to_str()?;
        t.strip_prefix("net:[")?.strip_suffix(']')?.parse().ok()
    };
    for proc_entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let p = proc_entry.path();
        if !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())) {
            continue;
        }
        for task in std::fs::read_dir(p.join("task")).into_iter().flatten().flatten() {
            found.extend(parse(task.path().join("ns/net")));
        }
        for fd in std::fs::read_dir(p.join("fd")).into_iter().flatten().flatten() {
            found.extend(parse(fd.path()));
        }
    }
    found
}

fn alive(pid: i32) -> bool {
    // A zombie is dead (it only waits to be reaped by its new parent).
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// The harness, running a 3-node suite that sleeps 120 s, once its nodes
/// are up: the child, the peers' pids and the namespaces' inodes.
fn start_sleeping_run(dir: &Path) -> (std::process::Child, Vec<i32>, Vec<u64>) {
    let suite = dir.join("sigkill.yaml");
    std::fs::write(&suite, ping_suite(3, "  - sleep: 120s\n")).unwrap();
    let out = dir.join("out");
    let harness = Command::new(quiesce_bin())
        .args(["run", suite.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(30);
    let (pids, inodes) = loop {
        let evs = run_folder(&out).map(|f| events(&f)).unwrap_or_default();
        let pids: Vec<i32> =
            evs.iter().filter(|e| e["kind"] == "node-started").map(|e| e["pid"].as_i64().unwrap() as i32).collect();
        let inodes: Vec<u64> =
            evs.iter().filter(|e| e["kind"] == "node-network").map(|e| e["netns"].as_u64().unwrap()).collect();
        if pids.len() == 3 && evs.iter().any(|e| e["kind"] == "step-started") {
            break (pids, inodes);
        }
        assert!(Instant::now() < deadline, "the run did not start its 3 nodes within 30s: {evs:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(inodes.len(), 3);
    assert!(pids.iter().all(|&p| alive(p)), "the peers run before the signal");
    let live = live_netns_inodes();
    assert!(inodes.iter().all(|i| live.contains(i)), "the namespaces exist before the signal");
    (harness, pids, inodes)
}

/// Within `within`, no peer and no namespace of the run is left, and no
/// TUN device was ever in the root namespace.
fn assert_nothing_left(pids: &[i32], inodes: &[u64], within: Duration, after: &str) {
    let deadline = Instant::now() + within;
    loop {
        let left: Vec<i32> = pids.iter().copied().filter(|&p| alive(p)).collect();
        let live = live_netns_inodes();
        let ns_left: Vec<u64> = inodes.iter().copied().filter(|i| live.contains(i)).collect();
        if left.is_empty() && ns_left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "after {after}, peers {left:?} and namespaces {ns_left:?} remain");
        std::thread::sleep(Duration::from_millis(100));
    }
    let links =
        Command::new("ip").args(["-o", "link"]).output().map(|o| String::from_utf8_lossy(&o.stdout).to_string());
    if let Ok(links) = links {
        assert!(!links.contains("tun0"), "no tun0 in the root namespace: {links}");
    }
}

#[test]
fn sigkilled_harness_leaves_no_process_namespace_or_tun() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, pids, inodes) = start_sleeping_run(dir.path());
    kill(Pid::from_raw(harness.id() as i32), Signal::SIGKILL).unwrap();
    harness.wait().unwrap();
    assert_nothing_left(&pids, &inodes, Duration::from_secs(5), "SIGKILL");
}

#[test]
fn sigint_and_sigterm_tear_down_report_interrupted_and_exit_130() {
    require_root();
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        let dir = tempfile::tempdir().unwrap();
        let (mut harness, pids, inodes) = start_sleeping_run(dir.path());
        kill(Pid::from_raw(harness.id() as i32), signal).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = harness.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "{signal}: the harness did not exit within 20 s");
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(status.code(), Some(130), "{signal}: exit code");
        // Teardown was complete before the exit, not after.
        assert_nothing_left(&pids, &inodes, Duration::ZERO, signal.as_str());

        let folder = run_folder(&dir.path().join("out")).unwrap();
        let kinds: Vec<String> = events(&folder).iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect();
        let interrupted = kinds.iter().position(|k| k == "run-interrupted").expect("a run-interrupted event");
        assert_eq!(kinds.last().map(String::as_str), Some("run-finished"), "{kinds:?}");
        assert!(kinds[interrupted..].iter().any(|k| k == "node-stopped"), "teardown stopped the nodes: {kinds:?}");
        let run: Value = serde_json::from_str(&std::fs::read_to_string(folder.join("report.json")).unwrap()).unwrap();
        assert_eq!(run["verdict"], "interrupted", "{run}");
        assert!(folder.join("timeline.html").exists());
        let path = dir.path().join("out").join("report.json");
        let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(all["interrupted"], true, "{all}");
        assert_eq!(all["met_expectation"], false, "{all}");
    }
}
