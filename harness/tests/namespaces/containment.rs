//! Programs that misbehave on purpose: each gets a clear verdict or error,
//! and nothing they start outlives the run (src/contain.rs, src/capped.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::{quiesce_bin, require_root};

/// Runs `yaml` (a suite named `t`) through the CLI with `args`; the output,
/// the run folder and its events.
fn run(dir: &Path, yaml: &str, args: &[&str]) -> (Output, PathBuf, Vec<Value>) {
    require_root();
    let suite = dir.join("t.yaml");
    std::fs::write(&suite, yaml).unwrap();
    let out = dir.join("out");
    let output = Command::new(quiesce_bin())
        .arg("run")
        .arg(&suite)
        .arg("--out")
        .arg(&out)
        .args(args)
        .output()
        .expect("run quiesce");
    let folder = out.join("t").join("default").join("1");
    let text = std::fs::read_to_string(folder.join("events.jsonl")).unwrap_or_default();
    let events = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    (output, folder, events)
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The pids of live (not zombie) processes whose command line holds `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let zombie = std::fs::read_to_string(entry.path().join("stat"))
            .is_ok_and(|s| s.rsplit(')').next().is_some_and(|r| r.trim_start().starts_with('Z')));
        if cmdline.contains(marker) && !zombie {
            found.push(format!("{name}: {cmdline}"));
        }
    }
    found
}

#[test]
fn daemons_and_programs_that_ignore_sigterm_die_with_their_node() {
    let dir = tempfile::tempdir().unwrap();
    // Numbers no other process sleeps for.
    let base = 7_000_000 + std::process::id() % 1_000_000;
    let (daemon, double, stubborn) = (base, base + 1, base + 2);
    let yaml = format!(
        "programs:
  daemon:
    # setsid into a session of its own, and a double fork, then the
    # program itself waits.
    command: [sh, -c, 'setsid sleep {daemon} </dev/null >/dev/null 2>&1 & (sleep {double} &); exec sleep 600']
    grace: 1s
  stubborn:
    command: [sh, -c, 'trap \"\" TERM; sleep {stubborn} & while :; do sleep 0.2; done']
    grace: 1s
nodes:
  d: daemon
  s: stubborn
steps:
  - sleep: 1s
  # A restart stops the first incarnation: its daemons must go with it.
  - restart: [d, s]
  - sleep: 1s
"
    );
    let (output, folder, events) = run(dir.path(), &yaml, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let restarted = events.iter().filter(|e| e["kind"] == "node-started").count();
    assert_eq!(restarted, 4, "two incarnations of each node: {events:?}");
    for marker in [daemon, double, stubborn] {
        let left = processes_with(&format!("sleep {marker}"));
        assert!(left.is_empty(), "left behind after the run: {left:?}");
    }
    // The stubborn one needed its grace period and KILL, and says so.
    let log = std::fs::read_to_string(folder.join("s.log")).unwrap();
    assert!(log.contains("stopped by the harness: signal: 9"), "{log}");
}

/// `exec` steps and command probes run contained as a node's program does:
/// a daemon one of them starts dies when it exits, not after the run (it
/// outlived the run before, holding the node's network namespace).
#[test]
fn daemons_started_by_exec_steps_and_command_probes_die_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let base = 8_000_000 + std::process::id() % 1_000_000;
    let (by_exec, by_probe, by_background) = (base, base + 1, base + 2);
    let daemon = |n: u32| format!("setsid sleep {n} </dev/null >/dev/null 2>&1 &");
    let yaml = format!(
        "programs:
  p:
    command: [sleep, '600']
    probe: {{ command: [sh, -c, '{} echo 1'], timeout: 5s }}
    grace: 1s
nodes:
  a: p
steps:
  - exec: [sh, -c, '{} echo started']
    on: a
  - exec: [sh, -c, '{} exec sleep 600']
    on: a
    wait: false
  - sleep: 1s
checks:
  - live
",
        daemon(by_probe),
        daemon(by_exec),
        daemon(by_background)
    );
    let (output, folder, _) = run(dir.path(), &yaml, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(std::fs::read_to_string(folder.join("exec-1-a.out")).unwrap(), "started\n");
    let said = std::fs::read_to_string(folder.join("exec-1-a.err")).unwrap();
    assert!(said.contains("sh` exited and left 1 process(es) running; they end with it"), "{said}");
    for marker in [by_exec, by_probe, by_background] {
        let left = processes_with(&format!("sleep {marker}"));
        assert!(left.is_empty(), "left behind after the run: {left:?}");
    }
}

#[test]
fn a_flood_of_output_is_cut_at_the_log_limit() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "programs:
  flood:
    command: [sh, -c, 'yes flooding-the-log-as-fast-as-it-can']
nodes:
  f: flood
steps:
  - sleep: 2s
  - exec: [sh, -c, 'yes exec-output-too | head -c 5000000']
    on: f
";
    let (output, folder, _) = run(dir.path(), yaml, &["--log-limit", "1MiB"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    for file in ["f.log", "exec-2-f.out"] {
        let size = std::fs::metadata(folder.join(file)).unwrap().len();
        assert!(size < (1 << 20) + 4096, "{file} is {size} bytes, over the 1 MiB limit");
        let log = std::fs::read_to_string(folder.join(file)).unwrap();
        assert!(log.contains("=== quiesce: output cut here, at 1048576 bytes"), "{file}: no cut line");
    }
}

#[test]
fn a_program_that_exits_at_once_or_crash_loops_gets_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "programs:
  quick:
    command: [sh, -c, 'echo leaving at once; exit 7']
  crashy:
    command: [sh, -c, 'echo crashing in a moment; sleep 0.3; exit 3']
nodes:
  q: quick
  c: crashy
steps:
  - sleep: 1s
  - start: c
  - sleep: 1s
";
    let (output, _, events) = run(dir.path(), yaml, &[]);
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(said.contains("node q exited unexpectedly (exit status: 7)"), "{said}");
    assert!(said.contains("leaving at once"), "the log's tail is quoted: {said}");
    let crashes = events.iter().filter(|e| e["kind"] == "node-exited" && e["node"] == "c").count();
    assert_eq!(crashes, 2, "both incarnations of c exited: {events:?}");
}

#[test]
fn a_probe_that_answers_too_much_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "programs:
  big:
    command: [sleep, '600']
    probe: { command: [sh, -c, 'printf \"[\"; yes 1, | head -c 20000000; printf \"1]\"'], timeout: 10s }
    grace: 1s
nodes:
  b: big
steps:
  - sleep: 1s
checks:
  - live
";
    let (output, _, _) = run(dir.path(), yaml, &[]);
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(said.contains("the answer is over 8388608 bytes"), "{said}");
}

#[test]
fn a_program_that_opens_thousands_of_connections_gets_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    // Keeps up to 3000 connections open, then closes them all and opens
    // them again, for the whole run.
    let opener = "import socket, sys, time
while True:
    conns = []
    for i in range(3000):
        try:
            conns.append(socket.create_connection((sys.argv[1], 7100), timeout=2))
        except OSError:
            time.sleep(0.01)
    print(len(conns), 'connected', flush=True)
    for c in conns:
        c.close()";
    let listener = "import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 7100))
s.listen(4096)
while True:
    s.accept()[0].close()";
    let yaml = format!(
        "programs:
  opener:
    command: [python3, -c, {opener:?}, '{{addr:l}}']
    grace: 1s
  listener:
    command: [python3, -c, {listener:?}]
    grace: 1s
nodes:
  l: listener
  o: opener
steps:
  - sleep: 6s
checks:
  - churn: {{ max-connects: 10, window: 3s }}
"
    );
    let (output, folder, _) = run(dir.path(), &yaml, &[]);
    let said = text(&output);
    assert!(output.status.code() == Some(1), "{said}");
    assert!(said.contains("churn"), "the churn check gives the verdict: {said}");
    let log = std::fs::read_to_string(folder.join("o.log")).unwrap();
    assert!(log.contains("connected"), "{log}");
}

#[test]
fn a_program_that_writes_garbage_to_its_control_socket_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let writer = "import os, socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(os.environ['QUIESCE_CONTROL'])
s.sendall(bytes(range(256)) * 400 + b'\\n{{not json\\n')
time.sleep(600)";
    let yaml = format!(
        "programs:
  garbage:
    command: [python3, -c, {writer:?}]
    grace: 1s
nodes:
  g: garbage
steps:
  - sleep: 2s
"
    );
    let (output, _, events) = run(dir.path(), &yaml, &[]);
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(said.contains("node g broke the control protocol"), "{said}");
    assert!(events.iter().any(|e| e["kind"] == "protocol-broken"), "{events:?}");
}
