//! The process-global breakpoint client, started from `QUIESCE_CONTROL`.
//! One test in its own binary: the global client is started once per
//! process.
#![cfg(feature = "client")]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use quiesce_faults::breakpoint::{self, Action, Arm, Decision, FromPeer, Hello, PointName, ToPeer};

#[test]
fn init_retries_says_hello_and_the_macro_pauses_until_continue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("host2.sock");
    std::env::set_var("QUIESCE_CONTROL", &path);
    std::env::set_var("QUIESCE_NODE", "host2");

    // The socket appears only after the client has started trying.
    let listening = {
        let path = path.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(300));
            UnixListener::bind(path).expect("bind")
        })
    };
    breakpoint::init();
    let listener = listening.join().expect("listener thread");
    let (stream, _) = listener.accept().expect("accept");
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut out = stream.try_clone().expect("clone");
    let mut lines = BufReader::new(stream);
    let mut recv = || {
        let mut line = String::new();
        lines.read_line(&mut line).expect("read");
        FromPeer::parse(&line).expect("valid line")
    };
    assert_eq!(recv(), FromPeer::Hello(Hello { node: "host2".into(), pid: std::process::id() }));
    assert!(breakpoint::connected());
    assert!(!breakpoint::active(), "nothing armed: the fast path");

    let matcher = [("channel".to_string(), "topology".to_string()), ("peer".to_string(), "host1".to_string())];
    let arm = ToPeer::Arm(Arm { point: "gossip.send".into(), matcher: matcher.into(), action: Action::Pause });
    out.write_all(arm.to_line().as_bytes()).expect("arm");
    while !breakpoint::active() {
        thread::sleep(Duration::from_millis(2));
    }
    let name = String::from("host3");
    assert_eq!(quiesce_faults::breakpoint!("gossip.send", channel = "topology", peer = &name), Decision::Proceed);

    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let peer = String::from("host1");
        tx.send(quiesce_faults::breakpoint!("gossip.send", channel = "topology", peer = peer))
    });
    assert!(matches!(recv(), FromPeer::Hit(hit) if hit.labels["peer"] == "host1" && hit.seq == 1));
    assert!(rx.recv_timeout(Duration::from_millis(150)).is_err(), "held");
    let cont = ToPeer::Continue(PointName { point: "gossip.send".into() });
    out.write_all(cont.to_line().as_bytes()).expect("continue");
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(Decision::Proceed));
    assert!(matches!(recv(), FromPeer::Released(r) if r.seq == 1));

    let disarm = ToPeer::Disarm(PointName { point: "gossip.send".into() });
    out.write_all(disarm.to_line().as_bytes()).expect("disarm");
    while breakpoint::active() {
        thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(breakpoint::hit("gossip.send", &[("channel", "topology"), ("peer", "host1")]), Decision::Proceed);
}
