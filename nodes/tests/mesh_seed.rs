//! The weave #1554 reproduction with real processes on 127.0.0.1, the test
//! playing the harness's side of the breakpoint socket (nodes/PROTOCOL.md).
//!
//! desktop is linked to host2 and host3, host1 to host2 and host3, and
//! host2 to host3. Once settled, every topology message to or from host1
//! is held (host1: `gossip.send` on channel topology paused; host2 and
//! host3: `gossip.send` to host1 paused, `gossip.broadcast` to host1
//! skipped), desktop is restarted, and host2 alone is let go.

#[allow(dead_code)] // `sees` is for the ping tests
mod common;
mod mesh_support;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::{eventually, get_status};
use mesh_support::{converged, dump, uid_held, Addrs, Node, Spawn};
use serde_json::{json, Value};

/// The harness's end of one node's control socket.
struct Control {
    path: PathBuf,
    conn: Arc<Mutex<Option<UnixStream>>>,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Control {
    /// Listens at `dir/name.sock`, keeping the latest connection and the
    /// points of every hit.
    fn listen(dir: &Path, name: &str) -> Control {
        let path = dir.join(format!("{name}.sock"));
        let listener = UnixListener::bind(&path).expect("bind control socket");
        let (conn, hits) = (Arc::new(Mutex::new(None)), Arc::new(Mutex::new(Vec::new())));
        let (conn2, hits2) = (Arc::clone(&conn), Arc::clone(&hits));
        thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                *conn2.lock().unwrap() = stream.try_clone().ok();
                let hits = Arc::clone(&hits2);
                thread::spawn(move || read_hits(stream, &hits));
            }
        });
        Control { path, conn, hits }
    }

    fn send(&self, message: Value) {
        assert!(eventually(Duration::from_secs(5), || self.conn.lock().unwrap().is_some()), "no hello");
        let mut guard = self.conn.lock().unwrap();
        let stream = guard.as_mut().expect("connected");
        stream.write_all(format!("{message}\n").as_bytes()).expect("write to the peer");
    }

    fn arm(&self, point: &str, matcher: Value, action: &str) {
        self.send(json!({"arm": {"point": point, "match": matcher, "action": action}}));
    }

    fn disarm(&self, point: &str) {
        self.send(json!({"disarm": {"point": point}}));
    }

    fn hit(&self, point: &str) -> bool {
        self.hits.lock().unwrap().iter().any(|p| p == point)
    }
}

fn read_hits(stream: UnixStream, hits: &Mutex<Vec<String>>) {
    for line in BufReader::new(stream).lines().map_while(Result::ok) {
        let message: Value = serde_json::from_str(&line).expect("peer lines are JSON");
        if let Some(point) = message["hit"]["point"].as_str() {
            hits.lock().unwrap().push(point.to_owned());
        }
    }
}

/// A directory for the control sockets, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let unique = format!("quiesce-mesh-seed-{}-{}", std::process::id(), rand::random::<u32>());
        let path = std::env::temp_dir().join(unique);
        std::fs::create_dir(&path).expect("create temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The run after host2 is let go: addresses (desktop, host1, host2,
/// host3), the processes, the controls, and the old and new desktop uids.
struct Run {
    addrs: [Addrs; 4],
    _nodes: Vec<Node>,
    controls: Vec<Control>,
    old_desktop: u64,
    new_desktop: u64,
    _dir: TempDir,
}

const DESKTOP: usize = 0;
const HOST1: usize = 1;
const HOST2: usize = 2;
const HOST3: usize = 3;
const NAMES: [&str; 4] = ["desktop", "host1", "host2", "host3"];
/// Whom each node dials.
const DIALS: [&[usize]; 4] = [&[HOST2, HOST3], &[HOST2, HOST3], &[HOST3], &[]];

fn spawn(i: usize, addrs: &[Addrs; 4], rules: &str, control: Option<&Path>) -> Node {
    let dial = DIALS[i].iter().map(|&j| addrs[j]).collect();
    Spawn { name: NAMES[i], me: addrs[i], dial, rules, control }.start()
}

/// Every node has all its links up and all hold the same map.
fn settled(addrs: &[Addrs; 4]) -> bool {
    let linked = |i: usize| {
        let mut expected: Vec<&str> =
            (0..4).filter(|&j| DIALS[i].contains(&j) || DIALS[j].contains(&i)).map(|j| NAMES[j]).collect();
        expected.sort();
        status(&addrs[i])["connections"] == json!(expected)
    };
    (0..4).all(linked) && converged(addrs).is_some()
}

fn status(addrs: &Addrs) -> Value {
    get_status(addrs.status).unwrap_or(Value::Null)
}

fn restart_desktop_while_host1_is_held(rules: &str) -> Run {
    let dir = TempDir::new();
    let addrs = [Addrs::new(), Addrs::new(), Addrs::new(), Addrs::new()];
    let controls: Vec<Control> = NAMES.iter().map(|n| Control::listen(&dir.0, n)).collect();
    let mut nodes: Vec<Node> = (0..4).map(|i| spawn(i, &addrs, rules, Some(&controls[i].path))).collect();
    assert!(eventually(Duration::from_secs(5), || settled(&addrs)), "{rules}: never settled: {}", dump(&addrs));
    let old_desktop = status(&addrs[DESKTOP])["uid"].as_u64().expect("desktop uid");

    controls[HOST1].arm("gossip.send", json!({"channel": "topology"}), "pause");
    for host in [HOST2, HOST3] {
        controls[host].arm("gossip.send", json!({"peer": "host1"}), "pause");
        controls[host].arm("gossip.broadcast", json!({"peer": "host1"}), "skip");
    }
    let held = |i: usize| controls[i].hit("gossip.send");
    assert!(eventually(Duration::from_secs(3), || held(HOST1) && held(HOST2) && held(HOST3)));

    drop(nodes.remove(DESKTOP)); // SIGKILL
    nodes.push(spawn(DESKTOP, &addrs, rules, None));
    let new_desktop = || status(&addrs[DESKTOP])["uid"].as_u64().filter(|u| *u != old_desktop);
    let taken = |i: usize| new_desktop().is_some() && uid_held(&status(&addrs[i]), "desktop") == new_desktop();
    assert!(eventually(Duration::from_secs(10), || taken(HOST2) && taken(HOST3)), "{}", dump(&addrs));
    assert_eq!(uid_held(&status(&addrs[HOST1]), "desktop"), Some(old_desktop));

    controls[HOST2].disarm("gossip.send");
    let new_desktop = new_desktop().expect("restarted");
    Run { addrs, _nodes: nodes, controls, old_desktop, new_desktop, _dir: dir }
}

fn uid_mismatches(status: &Value) -> u64 {
    status["counters"]["disconnect_reasons"]["uid mismatch"].as_u64().unwrap_or(0)
}

#[test]
fn pre_1554_churns_while_host3_is_held_and_recovers_once_released() {
    let run = restart_desktop_while_host1_is_held("pre-1554");
    let host1 = &run.addrs[HOST1];
    // host2's gossip names the new desktop: host1 drops it, redials, again.
    let churned = eventually(Duration::from_secs(8), || uid_mismatches(&status(host1)) >= 3);
    assert!(churned, "{}", dump(&run.addrs));
    // host3's stale information keeps the old desktop alive at host1.
    assert_eq!(uid_held(&status(host1), "desktop"), Some(run.old_desktop));

    for (i, point) in [(HOST1, "gossip.send"), (HOST3, "gossip.send"), (HOST2, "gossip.broadcast")] {
        run.controls[i].disarm(point);
    }
    run.controls[HOST3].disarm("gossip.broadcast");
    let recovered = eventually(Duration::from_secs(20), || {
        converged(&run.addrs).is_some_and(|held| held.contains(&("desktop".to_owned(), run.new_desktop)))
    });
    assert!(recovered, "{}", dump(&run.addrs));
}

#[test]
fn post_1554_keeps_its_connections_and_converges_once_released() {
    let run = restart_desktop_while_host1_is_held("post-1554");
    let host1 = &run.addrs[HOST1];
    thread::sleep(Duration::from_secs(1));
    let before = status(host1);
    assert_eq!(uid_mismatches(&before), 0, "{before}");
    assert_eq!(before["connections"], json!(["host2", "host3"]));

    for i in [HOST1, HOST2, HOST3] {
        run.controls[i].disarm("gossip.send");
        run.controls[i].disarm("gossip.broadcast");
    }
    let converged_on_new = eventually(Duration::from_secs(5), || {
        converged(&run.addrs).is_some_and(|held| held.contains(&("desktop".to_owned(), run.new_desktop)))
    });
    assert!(converged_on_new, "{}", dump(&run.addrs));
    let after = status(host1);
    assert_eq!(after["counters"]["connects"], before["counters"]["connects"], "no churn: {after}");
}
