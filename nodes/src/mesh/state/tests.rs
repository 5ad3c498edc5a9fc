use std::net::TcpListener;

use super::*;
use crate::mesh::rules::{Rules, INCARNATION_MISMATCH, UID_MISMATCH};

const OUT: bool = true;
const IN: bool = false;

fn side(outbound: bool, remote_uid: u64) -> Side {
    Side { outbound, remote_uid }
}

#[test]
fn duplicates_keep_the_connection_the_lower_name_initiated() {
    // a dialed b (kept) and b dialed a (dropped), whichever came first, on
    // both ends.
    assert!(keep_new("a", "b", side(IN, 2), side(OUT, 2)));
    assert!(!keep_new("a", "b", side(OUT, 2), side(IN, 2)));
    assert!(!keep_new("b", "a", side(IN, 1), side(OUT, 1)));
    assert!(keep_new("b", "a", side(OUT, 1), side(IN, 1)));
}

#[test]
fn reconnects_and_new_incarnations_replace_the_old_connection() {
    assert!(keep_new("a", "b", side(OUT, 2), side(OUT, 2)));
    assert!(keep_new("b", "a", side(IN, 1), side(IN, 1)));
    assert!(keep_new("b", "a", side(OUT, 1), side(IN, 9)));
}

/// A connected loopback socket (the test only shuts it down).
fn socket() -> TcpStream {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    TcpStream::connect(listener.local_addr().expect("addr")).expect("connect loopback")
}

fn link(outbound: bool, uid: u64) -> (Link, Arc<GossipSender>) {
    let gossip = Arc::new(GossipSender::default());
    (Link::new(side(outbound, uid), socket(), Arc::clone(&gossip)), gossip)
}

fn node(rules: Rules) -> State {
    State::new(Topology::new(rules, PeerInfo::new("a", 1, 1)))
}

#[test]
fn register_then_close_counts_and_gossips() {
    let mut state = node(Rules::Post1554);
    let (b, b_gossip) = link(OUT, 2);
    let id = state.register("b", b).expect("accepted");
    assert!(state.connected_to("b"));
    assert_eq!(state.me().version, 2);
    assert_eq!(b_gossip.next(), Some(Outgoing::Topology));
    assert!(matches!(b_gossip.next(), Some(Outgoing::Originated(Message::Broadcast { seq: 1, .. }))));
    state.close("b", id + 1, "stale id is ignored");
    state.close("b", id, "heartbeat timeout");
    state.close("b", id, "twice is ignored");
    assert_eq!(b_gossip.next(), None, "closed");
    let status = state.status();
    assert_eq!(status["connections"], json!([]));
    assert_eq!(status["version"], 3);
    assert_eq!(status["counters"]["connects"], 1);
    assert_eq!(status["counters"]["disconnect_reasons"], json!({"heartbeat timeout": 1}));
}

#[test]
fn refusals_are_counted() {
    let mut state = node(Rules::Pre1554);
    assert_eq!(state.register("a", link(OUT, 5).0), Err(SELF_CONNECTION));
    state.register("b", link(OUT, 2).0).expect("accepted");
    assert_eq!(state.register("b", link(IN, 2).0), Err(DUPLICATE));
    let mut old_c = PeerInfo::new("c", 3, 4);
    old_c.connections.insert("b".into());
    let mut b = PeerInfo::new("b", 2, 3);
    b.connections.extend(["a".into(), "c".into()]);
    state.on_gossip(&[b, old_c]).expect("consistent gossip");
    assert_eq!(state.register("c", link(OUT, 33).0), Err(INCARNATION_MISMATCH));
    assert_eq!(state.on_gossip(&[PeerInfo::new("c", 33, 1)]), Err(UID_MISMATCH));
    let counters = &state.status()["counters"];
    assert_eq!(counters["connects"], 4);
    assert_eq!(counters["disconnects"], 3);
}

/// Everything queued on `gossip` so far.
fn drain(gossip: &GossipSender) -> Vec<Outgoing> {
    let end = Outgoing::Originated(Message::Heartbeat);
    gossip.push_broadcast(end.clone());
    std::iter::from_fn(|| gossip.next()).take_while(|item| *item != end).collect()
}

#[test]
fn broadcasts_are_applied_and_relayed_once() {
    let mut state = node(Rules::Post1554);
    let (b, b_gossip) = link(OUT, 2);
    let (c, c_gossip) = link(IN, 3);
    state.register("b", b).expect("accepted");
    state.register("c", c).expect("accepted");
    drain(&b_gossip);
    drain(&c_gossip);
    let mut info = PeerInfo::new("b", 2, 5);
    info.connections.insert("a".into());
    let message = Message::Broadcast { origin: "b".into(), origin_uid: 2, seq: 1, peers: vec![info.clone()] };
    state.on_broadcast("b", message.clone()).expect("applied");
    state.on_broadcast("c", message.clone()).expect("duplicate ignored");
    assert_eq!(state.snapshot()[1], info);
    let relayed = Outgoing::Relayed(message);
    assert_eq!(drain(&c_gossip), vec![Outgoing::Topology, relayed]);
    assert_eq!(drain(&b_gossip), vec![Outgoing::Topology], "not back to b");
}
