//! The server against real unix-socket peers in a tempdir.

use std::collections::BTreeMap;
use std::time::Duration;

use quiesce_faults::breakpoint::{Action, FromPeer, Hello, Hit, Labels, Released};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;

use super::*;

const SOON: Duration = Duration::from_secs(5);

/// A peer speaking the protocol by hand.
struct Peer {
    lines: BufReader<OwnedReadHalf>,
    out: OwnedWriteHalf,
}

impl Peer {
    async fn connect(server: &ControlServer, pid: u32) -> Peer {
        let stream = UnixStream::connect(server.path()).await.expect("connect");
        let (read, out) = stream.into_split();
        let mut peer = Peer { lines: BufReader::new(read), out };
        peer.send(FromPeer::Hello(Hello { node: server.node().into(), pid })).await;
        peer
    }

    async fn send(&mut self, message: FromPeer) {
        self.send_raw(message.to_line().as_bytes()).await;
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        self.out.write_all(bytes).await.expect("write");
    }

    /// The next line from the server, as text.
    async fn recv(&mut self) -> String {
        let mut line = String::new();
        let read = tokio::time::timeout(SOON, self.lines.read_line(&mut line)).await;
        read.expect("a line in time").expect("read");
        line
    }

    async fn hit(&mut self, point: &str, seq: u64) {
        let labels = labels(&[("peer", "host1")]);
        self.send(FromPeer::Hit(Hit { point: point.into(), labels, action: Action::Pause, seq })).await;
    }
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn server(dir: &tempfile::TempDir, node: &str) -> ControlServer {
    ControlServer::bind(dir.path(), node).expect("bind")
}

#[tokio::test]
async fn without_a_peer_every_command_says_how_to_fix_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir, "host2");
    assert_eq!(server.path(), std::path::absolute(dir.path().join("host2.sock")).expect("absolute"));
    assert!(!server.connected());
    let err = server.arm("gossip.send", &Labels::new(), Action::Pause).await.expect_err("nobody there");
    assert_eq!(
        err.to_string(),
        "node host2 has no control connection: is it instrumented and started with QUIESCE_CONTROL?"
    );
    assert!(server.continue_("p").await.is_err());
    assert!(server.disarm("p").await.is_err());
    let err = server.wait_hit("p", server.mark(), SOON).await.expect_err("nobody there");
    assert!(matches!(err, ControlError::NotConnected { .. }), "{err}");
}

#[tokio::test]
async fn arm_hit_continue_disarm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir, "host2");
    let mut peer = Peer::connect(&server, 4242).await;
    let hello = server.wait_hello(SOON).await.expect("hello");
    assert_eq!(hello, Hello { node: "host2".into(), pid: 4242 });
    assert!(server.connected());

    let matcher = labels(&[("channel", "topology"), ("peer", "host1")]);
    let mark = server.arm("gossip.send", &matcher, Action::Pause).await.expect("arm");
    assert_eq!(
        peer.recv().await,
        "{\"arm\":{\"point\":\"gossip.send\",\"match\":{\"channel\":\"topology\",\"peer\":\"host1\"},\"action\":\"pause\"}}\n"
    );

    let waiting = server.wait_hit("gossip.send", mark, SOON);
    let (hit, ()) = tokio::join!(waiting, async {
        peer.hit("gossip.other", 1).await;
        peer.hit("gossip.send", 2).await;
    });
    let hit = hit.expect("hit");
    assert_eq!(hit.hit.point, "gossip.send");
    assert_eq!(hit.hit.seq, 2);
    assert_eq!(hit.hit.labels, labels(&[("peer", "host1")]));
    assert_eq!(hit.connection, 1);
    let since: Vec<u64> = server.hits_since(mark).iter().map(|h| h.hit.seq).collect();
    assert_eq!(since, vec![1, 2]);
    assert!(server.hits_since(server.mark()).is_empty());

    server.continue_("gossip.send").await.expect("continue");
    assert_eq!(peer.recv().await, "{\"continue\":{\"point\":\"gossip.send\"}}\n");
    peer.send(FromPeer::Released(Released { point: "gossip.send".into(), seq: 2 })).await;
    server.disarm("gossip.send").await.expect("disarm");
    assert_eq!(peer.recv().await, "{\"disarm\":{\"point\":\"gossip.send\"}}\n");

    // A hit before the mark does not count.
    let later = server.mark();
    let err = server.wait_hit("gossip.send", later, Duration::from_millis(100)).await.expect_err("no new hit");
    assert_eq!(err.to_string(), "node host2 did not hit gossip.send within 100ms (no hits since)");

    let kinds: Vec<&'static str> = server.drain().iter().map(|r| kind(&r.what)).collect();
    assert_eq!(kinds, ["connected", "hello", "hit", "hit", "released"]);
    assert!(server.drain().is_empty());
}

fn kind(what: &Incoming) -> &'static str {
    match what {
        Incoming::Connected => "connected",
        Incoming::Hello(_) => "hello",
        Incoming::Hit(_) => "hit",
        Incoming::Released(_) => "released",
        Incoming::Malformed(_) => "malformed",
        Incoming::Disconnected => "disconnected",
    }
}

#[tokio::test]
async fn a_new_connection_replaces_the_old_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir, "desktop");
    let mut first = Peer::connect(&server, 1).await;
    server.wait_hello(SOON).await.expect("first hello");
    let mut second = Peer::connect(&server, 2).await;
    let hello = tokio::time::timeout(SOON, async {
        loop {
            match server.hello() {
                Some(hello) if hello.pid == 2 => return hello,
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    });
    assert_eq!(hello.await.expect("second hello").pid, 2);

    let mut rest = String::new();
    let eof = tokio::time::timeout(SOON, first.lines.read_line(&mut rest)).await.expect("closed in time");
    assert_eq!(eof.expect("read"), 0, "the old connection is closed");

    server.arm("p", &BTreeMap::new(), Action::Skip).await.expect("arm");
    assert_eq!(second.recv().await, "{\"arm\":{\"point\":\"p\",\"match\":{},\"action\":\"skip\"}}\n");
    second.hit("p", 1).await;
    let hit = server.wait_hit("p", Mark::default(), SOON).await.expect("hit");
    assert_eq!(hit.connection, 2);

    let events: Vec<(u64, &str)> = server.drain().iter().map(|r| (r.connection, kind(&r.what))).collect();
    assert_eq!(
        events,
        [(1, "connected"), (1, "hello"), (1, "disconnected"), (2, "connected"), (2, "hello"), (2, "hit")]
    );

    drop(second);
    tokio::time::timeout(SOON, async {
        while server.connected() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("disconnect noticed");
    let err = server.wait_hit("q", server.mark(), SOON).await.expect_err("gone");
    assert_eq!(err.to_string(), "node desktop closed its control connection while we waited for a hit of q");
}

#[tokio::test]
async fn malformed_lines_are_reported_with_the_payload_and_the_connection_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir, "host1");
    let mut peer = Peer::connect(&server, 7).await;
    server.wait_hello(SOON).await.expect("hello");
    peer.send_raw(b"{\"hit\": {\"point\": \"p\", \"labels\": {\"n\": 3}, \"action\": \"pause\", \"seq\": 1}}\n").await;
    peer.send_raw(b"\xff garbage\n\n").await;
    peer.hit("p", 2).await;
    let hit = server.wait_hit("p", Mark::default(), SOON).await.expect("the good hit");
    assert_eq!(hit.hit.seq, 2);
    let malformed: Vec<String> = server
        .drain()
        .into_iter()
        .filter_map(|r| match r.what {
            Incoming::Malformed(e) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(malformed.len(), 2, "{malformed:?}");
    assert!(malformed[0].contains(r#""{\"hit\": {\"point\": \"p\", \"labels\": {\"n\": 3}"#), "{}", malformed[0]);
    assert!(malformed[1].contains("\u{fffd} garbage"), "{}", malformed[1]);
    assert!(server.connected());
}

#[tokio::test]
async fn a_line_longer_than_the_limit_is_reported_in_part_and_skipped() {
    let hit = FromPeer::Hit(Hit { point: "p".into(), labels: Labels::new(), action: Action::Pause, seq: 1 });
    let mut stream = format!("{}{}\n", "x".repeat(150), "y".repeat(10_000)).into_bytes();
    stream.extend_from_slice(hit.to_line().as_bytes());
    stream.extend_from_slice(&[b'z'; 100]);
    let mut received = Vec::new();
    decode_lines(&stream[..], 100, |what| received.push(what)).await.expect("reading memory");
    assert_eq!(received.len(), 3, "{received:?}");
    let Incoming::Malformed(e) = &received[0] else { panic!("{:?}", received[0]) };
    assert!(e.reason.contains("longer than the limit of 100 bytes"), "{e}");
    assert_eq!(e.line, "x".repeat(101), "what was read, and no more");
    assert!(matches!(&received[1], Incoming::Hit(h) if h.seq == 1), "the next line reads: {:?}", received[1]);
    assert!(
        matches!(&received[2], Incoming::Malformed(e) if e.line == "z".repeat(100)),
        "a last line within the limit"
    );
}

#[tokio::test]
async fn binding_replaces_a_stale_socket_and_dropping_removes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stale = std::os::unix::net::UnixListener::bind(dir.path().join("a.sock")).expect("stale");
    drop(stale);
    let server = server(&dir, "a");
    let path = server.path().to_path_buf();
    assert!(path.exists());
    drop(server);
    assert!(!path.exists());
}

#[tokio::test]
async fn a_path_too_long_for_a_socket_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = dir.path().join("x".repeat(120));
    let err = ControlServer::bind(&long, "n").expect_err("too long");
    assert!(err.to_string().contains("more than a unix socket holds (107)"), "{err}");
}

#[tokio::test]
async fn the_client_of_quiesce_faults_speaks_to_the_server() {
    use quiesce_faults::breakpoint::{Client, Decision};

    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir, "host3");
    let path = server.path().to_path_buf();
    let client =
        tokio::task::spawn_blocking(move || Client::connect(&path, "host3")).await.expect("join").expect("connect");
    assert_eq!(server.wait_hello(SOON).await.expect("hello").node, "host3");
    let mark = server.arm("gossip.send", &labels(&[("peer", "host1")]), Action::Pause).await.expect("arm");
    let client = std::sync::Arc::new(client);
    let caller = std::sync::Arc::clone(&client);
    let held = tokio::task::spawn_blocking(move || {
        // The arm line may still be on its way.
        while !caller.is_armed("gossip.send") {
            std::thread::sleep(Duration::from_millis(2));
        }
        caller.hit("gossip.send", &[("channel", "topology"), ("peer", "host1")])
    });
    let hit = server.wait_hit("gossip.send", mark, SOON).await.expect("hit");
    assert_eq!(hit.hit.labels, labels(&[("channel", "topology"), ("peer", "host1")]));
    assert!(!held.is_finished());
    server.continue_("gossip.send").await.expect("continue");
    assert_eq!(tokio::time::timeout(SOON, held).await.expect("released").expect("join"), Decision::Proceed);
}
