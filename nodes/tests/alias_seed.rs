//! consul #5876 on 127.0.0.1: a `quiesce-node alias` agent whose alias
//! check is re-registered while the service it aliases restarts, with the
//! seed's interleaving forced through the breakpoint control socket, which
//! this test plays the harness's side of. Before the fix the old watcher's
//! late `critical` leaves the alias stale for good; after it, the alias
//! follows the service.

#[allow(dead_code)] // `sees` is for the ping tests
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{eventually, get_status};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_quiesce-node");

/// A loopback port free right now.
fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free loopback port")
}

/// The aliased service: a listener accepting (and closing) connections on
/// a thread until dropped, when its port is closed.
struct Upstream {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Upstream {
    fn start(addr: SocketAddr) -> Upstream {
        let listener = TcpListener::bind(addr).expect("bind upstream");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                if listener.accept().is_err() {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        });
        Upstream { addr, stop, thread: Some(thread) }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An agent process, killed when dropped.
struct Agent {
    child: Child,
    api: SocketAddr,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Agent {
    fn start(rules: &str, upstream: SocketAddr, control: Option<&std::path::Path>) -> Agent {
        let api = free_port();
        let mut command = Command::new(BIN);
        command
            .args(["alias", "--name", "agent", "--api", &api.to_string(), "--rules", rules])
            .args(["--register", &format!("web=tcp:{upstream}"), "--register", "web-sidecar=alias:web"])
            .args(["--check-interval", "50ms", "--check-timeout", "500ms", "--reconcile", "300ms"])
            .env("QUIESCE_NODE", "agent")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(path) = control {
            command.env("QUIESCE_CONTROL", path);
        }
        Agent { child: command.spawn().expect("start quiesce-node alias"), api }
    }

    /// `(web, web-sidecar)` statuses, if the agent answers.
    fn statuses(&self) -> Option<(String, String)> {
        let status = get_status(self.api)?;
        let of = |id: &str| status["checks"][id]["status"].as_str().map(str::to_owned);
        Some((of("service:web")?, of("service:web-sidecar")?))
    }

    fn sees(&self, web: &str, alias: &str) -> bool {
        self.statuses().is_some_and(|(w, a)| w == web && a == alias)
    }

    /// `PUT /v1/agent/service/register` with `body`; the reply's status code.
    fn register(&self, body: &str) -> u16 {
        let mut stream = TcpStream::connect(self.api).expect("connect to the API");
        let request = format!(
            "PUT /v1/agent/service/register HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("read reply");
        reply.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("a status code")
    }
}

/// The harness's end of the control socket.
struct Harness {
    writer: UnixStream,
    lines: BufReader<UnixStream>,
}

impl Harness {
    fn accept(listener: &UnixListener) -> Harness {
        let (stream, _) = listener.accept().expect("the agent connects");
        stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let mut harness = Harness { writer: stream.try_clone().expect("clone"), lines: BufReader::new(stream) };
        let hello = harness.next();
        assert_eq!(hello["hello"]["node"], "agent", "{hello}");
        harness
    }

    fn next(&mut self) -> Value {
        let mut line = String::new();
        self.lines.read_line(&mut line).expect("a line from the agent within 5 s");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    }

    fn send(&mut self, message: Value) {
        writeln!(self.writer, "{message}").expect("send to the agent");
    }

    /// Waits for a hit of `point`, skipping other messages; its labels.
    fn hit(&mut self, point: &str) -> Value {
        loop {
            let message = self.next();
            if message["hit"]["point"] == point {
                return message["hit"]["labels"].clone();
            }
        }
    }
}

/// Runs the seed's interleaving; the agent and upstream, for checking.
fn reproduce(rules: &str) -> (Agent, Upstream) {
    let path = std::env::temp_dir().join(format!("quiesce-alias-seed-{}-{rules}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let control = UnixListener::bind(&path).expect("bind the control socket");
    let upstream = Upstream::start(free_port());
    let agent = Agent::start(rules, upstream.addr, Some(&path));
    let mut harness = Harness::accept(&control);
    let _ = std::fs::remove_file(&path);
    assert!(eventually(Duration::from_secs(5), || agent.sees("passing", "passing")), "{rules}: {:?}", agent.statuses());

    // Arms are applied in order and unanswered: the hit below proves both.
    harness.send(json!({"arm": {"point": "alias.start", "match": {}, "action": "pause"}}));
    harness.send(json!({"arm": {"point": "alias.write", "match": {"status": "critical"}, "action": "pause"}}));
    std::thread::sleep(Duration::from_millis(200));
    // The upstream goes away: the old watcher reads `critical`, is held.
    let addr = upstream.addr;
    drop(upstream);
    let held = harness.hit("alias.write");
    assert_eq!(held["generation"], "2", "{held}");
    // The application re-registers its sidecar: a new watcher is due.
    assert_eq!(agent.register("web-sidecar=alias:web\n"), 200);
    if rules == "no-wait" {
        // Before the fix the new watcher starts while the old one runs.
        assert_eq!(harness.hit("alias.start")["generation"], "3");
    }
    // The upstream is back before the new watcher reads the state.
    let upstream = Upstream::start(addr);
    assert!(eventually(Duration::from_secs(5), || agent.sees("passing", "passing")), "{rules}: {:?}", agent.statuses());
    harness.send(json!({"disarm": {"point": "alias.start"}}));
    std::thread::sleep(Duration::from_millis(300));
    // The old watcher writes what it held.
    harness.send(json!({"disarm": {"point": "alias.write"}}));
    std::thread::sleep(Duration::from_millis(200));
    drop(harness); // a lost harness releases everything, for good
    (agent, upstream)
}

#[test]
fn before_the_fix_the_alias_stays_critical() {
    let (agent, _upstream) = reproduce("no-wait");
    let stale = |a: &Agent| a.sees("passing", "critical");
    assert!(eventually(Duration::from_secs(2), || stale(&agent)), "{:?}", agent.statuses());
    std::thread::sleep(Duration::from_secs(2));
    assert!(stale(&agent), "nothing corrects it: {:?}", agent.statuses());
}

#[test]
fn after_the_fix_the_alias_follows_the_service() {
    let (agent, _upstream) = reproduce("wait-and-reconcile");
    assert!(eventually(Duration::from_secs(3), || agent.sees("passing", "passing")), "{:?}", agent.statuses());
    let status = get_status(agent.api).expect("status");
    assert_eq!(status["counters"]["stale_writes_dropped"], 1, "the old watcher's write hit its own copy: {status}");
    assert_eq!(status["checks"]["service:web-sidecar"]["generation"], 3, "{status}");
}

#[test]
fn without_held_watchers_both_rules_follow_the_service() {
    for rules in ["no-wait", "wait-and-reconcile"] {
        let upstream = Upstream::start(free_port());
        let addr = upstream.addr;
        let agent = Agent::start(rules, addr, None);
        assert!(eventually(Duration::from_secs(5), || agent.sees("passing", "passing")), "{rules}");
        drop(upstream);
        assert!(eventually(Duration::from_secs(3), || agent.sees("critical", "critical")), "{rules}");
        assert_eq!(agent.register("web-sidecar=alias:web"), 200);
        let _upstream = Upstream::start(addr);
        assert!(
            eventually(Duration::from_secs(3), || agent.sees("passing", "passing")),
            "{rules}: {:?}",
            agent.statuses()
        );
        let status = get_status(agent.api).expect("status");
        assert_eq!(status["rules"], rules);
        assert_eq!(status["counters"]["watchers_started"], 2, "{status}");
    }
}

#[test]
fn the_api_refuses_bad_definitions() {
    let upstream = Upstream::start(free_port());
    let agent = Agent::start("no-wait", upstream.addr, None);
    assert!(eventually(Duration::from_secs(5), || agent.statuses().is_some()));
    assert_eq!(agent.register("web-sidecar=udp:1.2.3.4:5"), 400);
    assert_eq!(agent.register(""), 400);
    assert_eq!(get_status(agent.api).expect("status")["counters"]["registrations"], 2, "nothing registered");
}
