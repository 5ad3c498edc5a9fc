//! Kill trials: `quiesce run` SIGKILLed at random moments of a real suite
//! (setup, steps, checks, teardown), then a search for anything it left:
//! processes, network namespaces, TUN devices in the root namespace,
//! mounts, and files of its own in /tmp (every other trial's run folder
//! has a path too long for its control sockets, which then go to /tmp).
//!
//! `make test` runs a few (`QUIESCE_KILL_TRIALS`, default 4); `make
//! kill-trials` runs 50 and prints the table.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::common::{ping_suite, quiesce_bin, require_root};

/// Every network namespace any process or thread refers to.
fn netns_inodes() -> HashSet<String> {
    let mut found = HashSet::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        for task in std::fs::read_dir(entry.path().join("task")).into_iter().flatten().flatten() {
            if let Ok(link) = std::fs::read_link(task.path().join("ns/net")) {
                found.insert(link.to_string_lossy().to_string());
            }
        }
        for fd in std::fs::read_dir(entry.path().join("fd")).into_iter().flatten().flatten() {
            if let Ok(link) = std::fs::read_link(fd.path()) {
                let link = link.to_string_lossy().to_string();
                if link.starts_with("net:[") {
                    found.insert(link);
                }
            }
        }
    }
    found
}

/// Live processes whose environment names a file under `out` (each node's
/// `KILL_TRIAL_DIR`): a run's nodes, their inits and whatever they started.
fn processes_of(out: &Path) -> Vec<String> {
    let needle = out.to_string_lossy().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let zombie = std::fs::read_to_string(entry.path().join("stat"))
            .is_ok_and(|s| s.rsplit(')').next().is_some_and(|r| r.trim_start().starts_with('Z')));
        if !zombie && String::from_utf8_lossy(&environ).contains(&needle) {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            found.push(format!("{name} {}", String::from_utf8_lossy(&cmdline).replace('\0', " ")));
        }
    }
    found
}

fn root_links() -> HashSet<String> {
    let out = Command::new("ip").args(["-o", "link"]).output().map(|o| o.stdout).unwrap_or_default();
    String::from_utf8_lossy(&out).lines().filter_map(|l| l.split(':').nth(1)).map(|n| n.trim().to_string()).collect()
}

fn mounts() -> HashSet<String> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines().map(|l| l.split(' ').skip(3).take(2).collect::<Vec<_>>().join(" ")).collect()
}

fn tmp_files() -> HashSet<String> {
    let entries = std::fs::read_dir(std::env::temp_dir()).into_iter().flatten().flatten();
    entries.map(|e| e.file_name().to_string_lossy().to_string()).filter(|n| n.starts_with("quiesce")).collect()
}

/// Where the run was when it was killed, from the events it had written.
fn phase(out: &Path) -> &'static str {
    let events = std::fs::read_to_string(out.join("k/default/1/events.jsonl")).unwrap_or_default();
    // The last line may be cut short by the kill.
    let events: Vec<serde_json::Value> = events.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let count = |kind: &str| events.iter().filter(|e| e["kind"] == kind).count();
    let steps = events.first().and_then(|e| e["steps"].as_u64()).unwrap_or(u64::MAX) as usize;
    if count("switch-counters") + count("run-finished") + count("run-aborted") > 0 {
        "teardown"
    } else if count("check-result") > 0 || count("step-finished") >= steps {
        "checks"
    } else if count("step-started") > 0 {
        "steps"
    } else {
        "setup"
    }
}

/// A fraction in [0, 1) fixed by the trial's number.
fn fraction(trial: u64) -> f64 {
    let mut x = trial.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(0x2545_F491_4F6C_DD1D);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x % 10_000) as f64 / 10_000.0
}

/// The four phases of a whole run and their spans, from its events.
fn phases(out: &Path) -> Vec<(&'static str, Duration, Duration)> {
    let events = std::fs::read_to_string(out.join("k/default/1/events.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = events.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let at = |kind: &str, last: bool| {
        let mut times = events.iter().filter(|e| e["kind"] == kind).map(|e| e["t"].as_f64().unwrap());
        let t = if last { times.next_back() } else { times.next() };
        Duration::from_secs_f64(t.unwrap_or_else(|| panic!("no {kind} in the whole run")))
    };
    let (first_step, last_step) = (at("step-started", false), at("step-finished", true));
    let (counters, end) = (at("switch-counters", false), at("run-finished", false));
    vec![
        ("setup", Duration::ZERO, first_step),
        ("steps", first_step, last_step),
        ("checks", last_step, counters),
        ("teardown", counters, end),
    ]
}

#[test]
fn sigkill_at_random_moments_leaves_nothing_behind() {
    require_root();
    let trials: u64 = std::env::var("QUIESCE_KILL_TRIALS").ok().and_then(|n| n.parse().ok()).unwrap_or(4);
    // Three ping nodes and one that ignores SIGTERM, so that a restart and
    // the teardown each wait out its grace: every phase lasts long enough
    // to be hit.
    let stubborn = "  stubborn:\n    command: [sh, -c, \"trap '' TERM; while :; do sleep 1; done\"]\n    \
                    probe: { command: [echo, '[\"a\", \"b\", \"c\"]'] }\n    grace: 1s\n";
    let steps =
        "  - await: converged\n    within: 20s\n  - partition: [[a], [b, c, d]]\n    id: cut\n  - sleep: 1s\n  \
                 - pause: b\n  - sleep: 500ms\n  - resume: b\n  - heal: cut\n  - restart: d\n";
    let suite = ping_suite(3, steps).replacen("nodes:\n", &format!("{stubborn}nodes:\n  d: stubborn\n"), 1);
    // Every node's environment names its folder in the run, so that the
    // search finds a run's processes whatever else they hold.
    let suite = suite.replace("    grace: 1s\n", "    grace: 1s\n    env: { KILL_TRIAL_DIR: \"{dir}\" }\n");
    let suite = format!("{suite}checks:\n  - converged: {{ within: 20s, stable-for: 1s }}\n  - live\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("k.yaml");
    std::fs::write(&file, suite).unwrap();
    // One whole run, not killed, measures when each phase begins and
    // ends; trial i kills inside phase i mod 4, at a moment fixed by i.
    let calibration = Command::new(quiesce_bin())
        .args(["run", file.to_str().unwrap(), "--out", dir.path().join("whole").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(calibration.status.code(), Some(0), "{}", String::from_utf8_lossy(&calibration.stderr));
    let spans = phases(&dir.path().join("whole"));
    eprintln!("phases of a whole run: {spans:?}");
    let (netns, links, mounted, tmp) = (netns_inodes(), root_links(), mounts(), tmp_files());
    let mut by_phase: BTreeMap<&str, u32> = BTreeMap::new();
    let mut left = Vec::new();
    let (mut seen, mut sockets_in_tmp) = (0, 0);
    // Every other trial writes under a path too long for a unix socket
    // address, so the control sockets go to a folder in /tmp, which must
    // not outlive the run either.
    let long = "a-folder-with-a-name-long-enough-to-push-the-socket-paths-past-what-a-unix-socket-address-holds";
    for trial in 0..trials {
        let out = match trial % 2 {
            0 => dir.path().join(format!("out-{trial}")),
            _ => dir.path().join(long).join(format!("out-{trial}")),
        };
        let (_, from, to) = spans[trial as usize % spans.len()];
        let at = from + (to - from).mul_f64(fraction(trial));
        let mut harness = Command::new(quiesce_bin())
            .args(["run", file.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        let finished = harness.try_wait().unwrap().is_some();
        // The search must see a live run's processes, or finding none
        // after the kill proves nothing.
        let alive = processes_of(&out).len();
        seen += alive;
        sockets_in_tmp += usize::from(!tmp_files().is_subset(&tmp));
        let _ = kill(Pid::from_raw(harness.id() as i32), Signal::SIGKILL);
        harness.wait().unwrap();
        let where_ = if finished { "after the end" } else { phase(&out) };
        *by_phase.entry(where_).or_default() += 1;
        // The kernel takes a moment to end what the harness's death ends.
        let deadline = Instant::now() + Duration::from_secs(5);
        let found = loop {
            let mut found: Vec<String> = processes_of(&out);
            found.extend(netns_inodes().difference(&netns).map(|n| format!("namespace {n}")));
            found.extend(root_links().difference(&links).map(|l| format!("link {l} in the root namespace")));
            found.extend(mounts().difference(&mounted).map(|m| format!("mount {m}")));
            found.extend(tmp_files().difference(&tmp).map(|f| format!("/tmp/{f}")));
            if found.is_empty() || Instant::now() > deadline {
                break found;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        eprintln!(
            "trial {trial:2}: killed at {:5.2}s ({where_}) with {alive} processes running: {} left",
            at.as_secs_f64(),
            found.len()
        );
        left.extend(found.into_iter().map(|f| format!("trial {trial} ({where_}): {f}")));
    }
    eprintln!("kill trials: {trials}, by phase {by_phase:?}, leftovers {}", left.len());
    assert!(seen > 0, "the search never saw a run's processes");
    eprintln!("control sockets in /tmp while killed: {sockets_in_tmp} trials");
    assert!(trials < 2 || sockets_in_tmp > 0, "no trial had its control sockets in /tmp");
    assert!(left.is_empty(), "left behind:\n{}", left.join("\n"));
}
