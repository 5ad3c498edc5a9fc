//! The client against a fake harness: a `UnixListener` in a tempdir,
//! speaking the protocol line by line.

use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake};
use std::thread;
use std::time::{Duration, Instant};

use super::*;

const BLOCKED: Duration = Duration::from_millis(150);
const SOON: Duration = Duration::from_secs(5);

/// The harness end of one connection.
struct Harness {
    _dir: tempfile::TempDir,
    lines: BufReader<UnixStream>,
    out: UnixStream,
}

impl Harness {
    fn send(&mut self, message: ToPeer) {
        self.out.write_all(message.to_line().as_bytes()).expect("write to the client");
    }

    fn recv(&mut self) -> FromPeer {
        let mut line = String::new();
        self.lines.read_line(&mut line).expect("read from the client");
        FromPeer::parse(&line).expect("the client sends valid lines")
    }

    fn arm(&mut self, client: &Client, point: &str, matcher: &[(&str, &str)], action: Action) {
        let matcher = matcher.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.send(ToPeer::Arm(Arm { point: point.into(), matcher, action }));
        wait_until(|| client.is_armed(point));
    }

    fn continue_(&mut self, point: &str) {
        self.send(ToPeer::Continue(PointName { point: point.into() }));
    }

    fn disarm(&mut self, point: &str) {
        self.send(ToPeer::Disarm(PointName { point: point.into() }));
    }
}

/// A client connected to a fake harness that has read its hello.
fn connect_pair(node: &str) -> (Client, Harness) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("node.sock");
    let listener = UnixListener::bind(&path).expect("bind");
    let client = Client::connect(&path, node).expect("connect");
    let (stream, _) = listener.accept().expect("accept");
    stream.set_read_timeout(Some(SOON)).expect("timeout");
    let out = stream.try_clone().expect("clone");
    let mut harness = Harness { _dir: dir, lines: BufReader::new(stream), out };
    assert_eq!(harness.recv(), FromPeer::Hello(Hello { node: node.into(), pid: std::process::id() }));
    (client, harness)
}

fn wait_until(condition: impl Fn() -> bool) {
    let deadline = Instant::now() + SOON;
    while !condition() {
        assert!(Instant::now() < deadline, "condition not met within {SOON:?}");
        thread::sleep(Duration::from_millis(2));
    }
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Runs `hit` on another thread; its decision arrives on the receiver.
fn call(
    client: &Arc<Client>,
    point: &'static str,
    pairs: &'static [(&'static str, &'static str)],
) -> mpsc::Receiver<Decision> {
    let (tx, rx) = mpsc::channel();
    let client = Arc::clone(client);
    thread::spawn(move || tx.send(client.hit(point, pairs)));
    rx
}

const TO_HOST1: &[(&str, &str)] = &[("channel", "topology"), ("peer", "host1")];

#[test]
fn unarmed_points_proceed() {
    let (client, _harness) = connect_pair("a");
    assert!(!client.anything_armed());
    assert_eq!(client.hit("gossip.send", TO_HOST1), Decision::Proceed);
}

#[test]
fn a_matching_pause_holds_until_continue_and_the_point_stays_armed() {
    let (client, mut harness) = connect_pair("host2");
    let client = Arc::new(client);
    harness.arm(&client, "gossip.send", &[("channel", "topology"), ("peer", "host1")], Action::Pause);

    let other_peer = &[("channel", "topology"), ("peer", "host3")];
    assert_eq!(client.hit("gossip.send", other_peer), Decision::Proceed, "labels differ");
    assert_eq!(client.hit("gossip.recv", TO_HOST1), Decision::Proceed, "another point");
    assert_eq!(client.hit("gossip.send", &[("channel", "topology")]), Decision::Proceed, "a label missing");

    let held = call(&client, "gossip.send", TO_HOST1);
    let hit = Hit { point: "gossip.send".into(), labels: labels(TO_HOST1), action: Action::Pause, seq: 1 };
    assert_eq!(harness.recv(), FromPeer::Hit(hit));
    assert!(held.recv_timeout(BLOCKED).is_err(), "the caller is held");

    harness.continue_("gossip.send");
    assert_eq!(held.recv_timeout(SOON), Ok(Decision::Proceed));
    assert_eq!(harness.recv(), FromPeer::Released(Released { point: "gossip.send".into(), seq: 1 }));

    assert!(client.is_armed("gossip.send"), "continue keeps the point armed");
    let again = call(&client, "gossip.send", &[("peer", "host1"), ("channel", "topology"), ("extra", "x")]);
    match harness.recv() {
        FromPeer::Hit(hit) => {
            assert_eq!(hit.seq, 2);
            assert_eq!(hit.labels.get("extra").map(String::as_str), Some("x"), "all labels are reported");
        }
        other => panic!("expected a hit, got {other:?}"),
    }
    assert!(again.recv_timeout(BLOCKED).is_err());
    harness.disarm("gossip.send");
    assert_eq!(again.recv_timeout(SOON), Ok(Decision::Proceed));
    assert_eq!(harness.recv(), FromPeer::Released(Released { point: "gossip.send".into(), seq: 2 }));
    wait_until(|| !client.anything_armed());
    assert_eq!(client.hit("gossip.send", TO_HOST1), Decision::Proceed);
}

#[test]
fn continue_releases_every_held_caller() {
    let (client, mut harness) = connect_pair("a");
    let client = Arc::new(client);
    harness.arm(&client, "p", &[], Action::Pause);
    let first = call(&client, "p", &[]);
    let second = call(&client, "p", &[("k", "v")]);
    for _ in 0..2 {
        assert!(matches!(harness.recv(), FromPeer::Hit(_)));
    }
    harness.continue_("p");
    assert_eq!(first.recv_timeout(SOON), Ok(Decision::Proceed));
    assert_eq!(second.recv_timeout(SOON), Ok(Decision::Proceed));
}

#[test]
fn skip_does_not_block() {
    let (client, mut harness) = connect_pair("a");
    harness.arm(&client, "gossip.broadcast", &[("peer", "host1")], Action::Skip);
    assert_eq!(client.hit("gossip.broadcast", &[("peer", "host1")]), Decision::Skip);
    let hit =
        Hit { point: "gossip.broadcast".into(), labels: labels(&[("peer", "host1")]), action: Action::Skip, seq: 1 };
    assert_eq!(harness.recv(), FromPeer::Hit(hit));
    assert_eq!(client.hit("gossip.broadcast", &[("peer", "host2")]), Decision::Proceed);
}

#[test]
fn arming_again_replaces_the_earlier_arm() {
    let (client, mut harness) = connect_pair("a");
    harness.arm(&client, "p", &[("peer", "b")], Action::Pause);
    harness.send(ToPeer::Arm(Arm { point: "p".into(), matcher: labels(&[("peer", "c")]), action: Action::Skip }));
    wait_until(|| client.hit("p", &[("peer", "c")]) == Decision::Skip);
    assert_eq!(client.hit("p", &[("peer", "b")]), Decision::Proceed);
}

#[test]
fn losing_the_harness_releases_held_callers_and_disarms() {
    let (client, mut harness) = connect_pair("a");
    let client = Arc::new(client);
    harness.arm(&client, "p", &[], Action::Pause);
    let held = call(&client, "p", &[]);
    assert!(matches!(harness.recv(), FromPeer::Hit(_)));
    assert!(held.recv_timeout(BLOCKED).is_err());
    drop(harness);
    assert_eq!(held.recv_timeout(SOON), Ok(Decision::Proceed));
    wait_until(|| !client.connected());
    assert!(!client.anything_armed());
    assert_eq!(client.hit("p", &[]), Decision::Proceed);
}

#[test]
fn a_malformed_line_is_ignored() {
    let (client, mut harness) = connect_pair("a");
    harness.out.write_all(b"{\"arm\": {\"point\": \"p\"}}\nnot json\n\n").expect("write");
    harness.arm(&client, "q", &[], Action::Skip);
    assert!(!client.is_armed("p"));
    assert!(client.connected());
    assert_eq!(client.hit("q", &[]), Decision::Skip);
}

/// Counts how often it is formatted.
struct Counted<'a>(&'a AtomicUsize);

impl std::fmt::Display for Counted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fetch_add(1, Ordering::SeqCst);
        f.write_str("host1")
    }
}

#[test]
fn display_labels_are_formatted_only_for_an_armed_point() {
    let (client, mut harness) = connect_pair("a");
    let formatted = AtomicUsize::new(0);
    let peer = Counted(&formatted);
    assert_eq!(client.hit_display("p", &[("peer", &peer)]), Decision::Proceed);
    harness.arm(&client, "p", &[("peer", "host1")], Action::Skip);
    assert_eq!(client.hit_display("other", &[("peer", &peer)]), Decision::Proceed);
    assert_eq!(formatted.load(Ordering::SeqCst), 0);
    assert_eq!(client.hit_display("p", &[("peer", &peer), ("n", &3)]), Decision::Skip);
    assert_eq!(formatted.load(Ordering::SeqCst), 1);
    match harness.recv() {
        FromPeer::Hit(hit) => assert_eq!(hit.labels, labels(&[("n", "3"), ("peer", "host1")])),
        other => panic!("expected a hit, got {other:?}"),
    }
}

/// Wakes a parked thread.
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let waker = Arc::new(Unpark(thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

#[test]
fn hit_async_waits_without_a_thread_of_its_own() {
    let (client, mut harness) = connect_pair("a");
    harness.arm(&client, "p", &[], Action::Pause);
    let mut held = client.hit_async("p", &[("peer", &"host1")]);
    assert!(matches!(harness.recv(), FromPeer::Hit(_)));
    let waker = Arc::new(Unpark(thread::current())).into();
    let pending = std::pin::Pin::new(&mut held).poll(&mut Context::from_waker(&waker));
    assert!(pending.is_pending());
    harness.continue_("p");
    assert_eq!(block_on(held), Decision::Proceed);
    assert_eq!(harness.recv(), FromPeer::Released(Released { point: "p".into(), seq: 1 }));
    assert_eq!(block_on(client.hit_async("q", &[])), Decision::Proceed);
}

#[test]
fn the_macro_does_not_evaluate_labels_when_nothing_is_armed() {
    // This test binary never sets QUIESCE_CONTROL: the global client is off.
    std::env::remove_var("QUIESCE_CONTROL");
    let evaluated = AtomicUsize::new(0);
    let label = || {
        evaluated.fetch_add(1, Ordering::SeqCst);
        "x"
    };
    let name = String::from("host1");
    for _ in 0..3 {
        assert_eq!(
            crate::breakpoint!("gossip.send", channel = "topology", peer = &name, n = label()),
            Decision::Proceed
        );
    }
    assert_eq!(crate::breakpoint!("bare"), Decision::Proceed);
    assert_eq!(block_on(crate::breakpoint_async!("gossip.send", peer = label(),)), Decision::Proceed);
    assert!(!active(), "started, nothing armed");
    assert!(!connected());
    // The first call starts the global client, which is when labels may be
    // evaluated once; after that, never.
    assert!(evaluated.load(Ordering::SeqCst) <= 1);
}
