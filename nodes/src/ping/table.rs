//! What a ping node knows about its peers, and the `/status` it reports.
//!
//! Pure bookkeeping: every method that depends on time takes `now`, so the
//! table is tested without sockets or sleeping.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::args::NodeName;

/// How many intervals a peer may stay silent and still count as reachable.
pub const REACHABLE_INTERVALS: u32 = 3;

/// Per-peer and per-node counters of one ping node.
#[derive(Debug)]
pub struct PeerTable {
    name: NodeName,
    window: Duration,
    peers: BTreeMap<SocketAddr, PeerRecord>,
    pings_received: u64,
    tcp_connections: u64,
}

/// What is known about one configured peer.
#[derive(Debug, Default)]
struct PeerRecord {
    name: Option<NodeName>,
    last_pong: Option<Instant>,
    pings_sent: u64,
    pongs_received: u64,
}

impl PeerTable {
    /// A table for node `name` pinging `peers` every `interval`.
    pub fn new(name: NodeName, peers: &[SocketAddr], interval: Duration) -> Self {
        PeerTable {
            name,
            window: interval.saturating_mul(REACHABLE_INTERVALS),
            peers: peers.iter().map(|&addr| (addr, PeerRecord::default())).collect(),
            pings_received: 0,
            tcp_connections: 0,
        }
    }

    /// The node's own name.
    pub fn name(&self) -> &NodeName {
        &self.name
    }

    /// Records a ping sent to `peer`.
    pub fn ping_sent(&mut self, peer: SocketAddr) {
        if let Some(record) = self.peers.get_mut(&peer) {
            record.pings_sent += 1;
        }
    }

    /// Records a pong from `peer` calling itself `name`. Pongs from
    /// addresses that are not configured peers are ignored; returns whether
    /// this one was recorded.
    pub fn pong_received(&mut self, peer: SocketAddr, name: NodeName, now: Instant) -> bool {
        let Some(record) = self.peers.get_mut(&peer) else {
            return false;
        };
        record.name = Some(name);
        record.last_pong = Some(now);
        record.pongs_received += 1;
        true
    }

    /// Records a ping received (and answered) from anyone.
    pub fn ping_received(&mut self) {
        self.pings_received += 1;
    }

    /// Records an accepted TCP connection.
    pub fn tcp_connection(&mut self) {
        self.tcp_connections += 1;
    }

    /// Names of the peers that ponged within the window, sorted, each once.
    pub fn reachable(&self, now: Instant) -> Vec<&NodeName> {
        let answered =
            |record: &PeerRecord| record.last_pong.is_some_and(|at| now.saturating_duration_since(at) <= self.window);
        let names: BTreeSet<&NodeName> =
            self.peers.values().filter(|record| answered(record)).filter_map(|record| record.name.as_ref()).collect();
        names.into_iter().collect()
    }

    /// The `/status` document (shape documented in [`crate::ping`]).
    pub fn status(&self, now: Instant) -> Value {
        let peers: serde_json::Map<String, Value> =
            self.peers.iter().map(|(addr, record)| (addr.to_string(), record.status(now))).collect();
        json!({
            "name": self.name.as_str(),
            "reachable": self.reachable(now).iter().map(|n| n.as_str()).collect::<Vec<_>>(),
            "peers": peers,
            "counters": {
                "pings_received": self.pings_received,
                "tcp_connections": self.tcp_connections,
            },
        })
    }
}

impl PeerRecord {
    fn status(&self, now: Instant) -> Value {
        let ago = self.last_pong.map(|at| now.saturating_duration_since(at).as_millis() as u64);
        json!({
            "name": self.name.as_ref().map(NodeName::as_str),
            "last_pong_ms_ago": ago,
            "pings_sent": self.pings_sent,
            "pongs_received": self.pongs_received,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_millis(100);

    fn name(text: &str) -> NodeName {
        text.parse().expect("valid test name")
    }

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    fn table() -> PeerTable {
        PeerTable::new(name("a"), &[addr(2), addr(3)], INTERVAL)
    }

    #[test]
    fn reachable_within_three_intervals_only() {
        let (mut table, start) = (table(), Instant::now());
        table.pong_received(addr(3), name("c"), start);
        table.pong_received(addr(2), name("b"), start + INTERVAL);
        let names = |t: &PeerTable, at| t.reachable(at).iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(names(&table, start + INTERVAL * 3), ["b", "c"]);
        assert_eq!(names(&table, start + INTERVAL * 4), ["b"]);
        assert!(names(&table, start + INTERVAL * 5).is_empty());
    }

    #[test]
    fn unknown_senders_are_ignored() {
        let mut table = table();
        assert!(!table.pong_received(addr(9), name("z"), Instant::now()));
        table.ping_sent(addr(9));
        assert!(table.reachable(Instant::now()).is_empty());
    }

    #[test]
    fn status_shape() {
        let (mut table, start) = (table(), Instant::now());
        table.ping_sent(addr(2));
        table.ping_sent(addr(2));
        table.pong_received(addr(2), name("b"), start);
        table.ping_received();
        table.tcp_connection();
        let expected = json!({
            "name": "a",
            "reachable": ["b"],
            "peers": {
                "127.0.0.1:2": {"name": "b", "last_pong_ms_ago": 50, "pings_sent": 2, "pongs_received": 1},
                "127.0.0.1:3": {"name": null, "last_pong_ms_ago": null, "pings_sent": 0, "pongs_received": 0},
            },
            "counters": {"pings_received": 1, "tcp_connections": 1},
        });
        assert_eq!(table.status(start + Duration::from_millis(50)), expected);
    }
}
