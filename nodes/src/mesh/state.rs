//! The mutable state of a mesh node, behind one lock: the topology, the
//! live connections (links) and the counters.
//!
//! Every change to the topology is announced here: our map goes to every
//! neighbour on the `topology` channel, and a change to our own information
//! is broadcast. No I/O is done under the lock beyond queueing onto the
//! gossip senders and shutting sockets down; nothing here blocks at a
//! breakpoint.

use std::collections::BTreeMap;
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};

use super::rules::{accept_connection, Accept, PeerInfo};
use super::seen::Seen;
use super::sender::{GossipSender, Outgoing};
use super::topology::Topology;
use super::wire::Message;

/// Disconnect reason: a second connection to the same peer lost the tie-break.
pub const DUPLICATE: &str = "duplicate connection";
/// Disconnect reason: the remote has our own name.
pub const SELF_CONNECTION: &str = "connection to self";
/// Disconnect reason: the node is stopping.
pub const SHUTDOWN: &str = "shutdown";

/// One side of a connection, for the tie-break between duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Side {
    /// Whether we dialed it.
    pub outbound: bool,
    /// The uid the remote announced.
    pub remote_uid: u64,
}

/// Whether a `new` connection to `remote` replaces an `old` one: yes if it
/// comes from another incarnation or the same initiator (the old one is
/// stale); otherwise the one initiated by the lower name is kept, which
/// both ends decide alike.
pub fn keep_new(me: &str, remote: &str, old: Side, new: Side) -> bool {
    if old.remote_uid != new.remote_uid || old.outbound == new.outbound {
        return true;
    }
    let initiator = if new.outbound { me } else { remote };
    initiator == me.min(remote)
}

/// The live connection to one neighbour, as the state holds it.
#[derive(Debug)]
pub struct Link {
    /// Which side dialed, and the remote incarnation.
    pub side: Side,
    /// The socket, to shut down when the link is closed.
    pub stream: TcpStream,
    /// The gossip queue of the connection.
    pub gossip: Arc<GossipSender>,
    id: u64,
}

impl Link {
    /// A link not yet registered.
    pub fn new(side: Side, stream: TcpStream, gossip: Arc<GossipSender>) -> Self {
        Link { side, stream, gossip, id: 0 }
    }

    fn close(&self) {
        self.gossip.close();
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// Connections made and lost, published in `/status`.
#[derive(Debug, Default, Serialize)]
pub struct Counters {
    /// Connections whose handshake completed.
    pub connects: u64,
    /// Of those, how many ended (rejected ones included).
    pub disconnects: u64,
    /// Ends by reason.
    pub disconnect_reasons: BTreeMap<String, u64>,
}

/// Everything a node changes at run time.
#[derive(Debug)]
pub struct State {
    topology: Topology,
    links: BTreeMap<String, Link>,
    counters: Counters,
    next_id: u64,
    broadcast_seq: u64,
    seen: Seen,
    stopped: bool,
}

impl State {
    /// A node knowing only itself.
    pub fn new(topology: Topology) -> Self {
        State {
            topology,
            links: BTreeMap::new(),
            counters: Counters::default(),
            next_id: 1,
            broadcast_seq: 0,
            seen: Default::default(),
            stopped: false,
        }
    }

    /// What we hold about ourselves.
    pub fn me(&self) -> &PeerInfo {
        self.topology.me()
    }

    /// Our whole map, sorted by name.
    pub fn snapshot(&self) -> Vec<PeerInfo> {
        self.topology.peers().cloned().collect()
    }

    /// Whether a connection to `name` is live.
    pub fn connected_to(&self, name: &str) -> bool {
        self.links.contains_key(name)
    }

    /// Registers a connection whose handshake named `remote`; returns its id,
    /// or the reason it is refused (then the caller closes the socket).
    pub fn register(&mut self, remote: &str, mut link: Link) -> Result<u64, &'static str> {
        self.counters.connects += 1;
        let refusal = self.refusal(remote, link.side);
        if let Some(reason) = refusal {
            self.count_disconnect(remote, reason);
            return Err(reason);
        }
        link.id = self.next_id;
        self.next_id += 1;
        let id = link.id;
        let uid = link.side.remote_uid;
        if let Some(old) = self.links.insert(remote.to_owned(), link) {
            old.close();
            self.count_disconnect(remote, DUPLICATE);
        }
        eprintln!("mesh {}: connected to {remote} (uid {uid})", self.me().name);
        if self.topology.add_connection(remote, uid) {
            self.broadcast_me();
        }
        self.gossip_all();
        Ok(id)
    }

    fn refusal(&self, remote: &str, side: Side) -> Option<&'static str> {
        if self.stopped {
            return Some(SHUTDOWN);
        }
        if remote == self.me().name {
            return Some(SELF_CONNECTION);
        }
        let known = self.topology.get(remote);
        if let Accept::Reject(reason) = accept_connection(self.topology.rules(), known, side.remote_uid) {
            return Some(reason);
        }
        let old = self.links.get(remote)?;
        let keep = keep_new(&self.me().name, remote, old.side, side);
        (!keep).then_some(DUPLICATE)
    }

    /// Closes connection `id` to `remote` for `reason`, if it is still the
    /// registered one.
    pub fn close(&mut self, remote: &str, id: u64, reason: &str) {
        if self.links.get(remote).is_none_or(|link| link.id != id) {
            return;
        }
        let link = self.links.remove(remote).expect("checked above");
        link.close();
        self.count_disconnect(remote, reason);
        if let Some(collected) = self.topology.remove_connection(remote) {
            if !collected.is_empty() {
                eprintln!("mesh {}: forgot {collected:?}", self.me().name);
            }
            self.broadcast_me();
            self.gossip_all();
        }
    }

    /// Closes every connection and refuses new ones (the node is stopping).
    pub fn close_all(&mut self) {
        self.stopped = true;
        let links: Vec<(String, u64)> = self.links.iter().map(|(n, l)| (n.clone(), l.id)).collect();
        for (remote, id) in links {
            self.close(&remote, id, SHUTDOWN);
        }
    }

    fn count_disconnect(&mut self, remote: &str, reason: &str) {
        eprintln!("mesh {}: disconnected from {remote}: {reason}", self.me().name);
        self.counters.disconnects += 1;
        *self.counters.disconnect_reasons.entry(reason.to_owned()).or_default() += 1;
    }

    /// Applies topology gossip from `from`; `Err` is the reason to close the
    /// connection it came on.
    pub fn on_gossip(&mut self, peers: &[PeerInfo]) -> Result<(), &'static str> {
        let applied = self.topology.apply(peers)?;
        if applied.bumped {
            eprintln!("mesh {}: moved to version {}", self.me().name, self.me().version);
            self.broadcast_me();
        }
        if applied.changed {
            self.gossip_all();
        }
        Ok(())
    }

    /// Applies a broadcast that came from `from` (once per identity) and
    /// relays it to every other neighbour.
    pub fn on_broadcast(&mut self, from: &str, message: Message) -> Result<(), &'static str> {
        let Message::Broadcast { origin, origin_uid, seq, peers } = &message else {
            return Ok(());
        };
        if !self.seen.first_sight((origin.clone(), *origin_uid, *seq)) {
            return Ok(());
        }
        self.on_gossip(peers)?;
        let skip = |name: &str| name == from || name == origin;
        for (_, link) in self.links.iter().filter(|(name, _)| !skip(name)) {
            link.gossip.push_broadcast(Outgoing::Relayed(message.clone()));
        }
        Ok(())
    }

    /// Queues our map for every neighbour (on change, and periodically).
    pub fn gossip_all(&self) {
        for link in self.links.values() {
            link.gossip.push_topology();
        }
    }

    /// Broadcasts our own information to every neighbour.
    fn broadcast_me(&mut self) {
        self.broadcast_seq += 1;
        let me = self.me().clone();
        let key = (me.name.clone(), me.uid, self.broadcast_seq);
        self.seen.first_sight(key);
        let message = Message::Broadcast {
            origin: me.name.clone(),
            origin_uid: me.uid,
            seq: self.broadcast_seq,
            peers: vec![me],
        };
        for link in self.links.values() {
            link.gossip.push_broadcast(Outgoing::Originated(message.clone()));
        }
    }

    /// The body of `GET /status` (see the `mesh` module docs).
    pub fn status(&self) -> Value {
        let me = self.me();
        json!({
            "name": me.name,
            "uid": me.uid,
            "version": me.version,
            "rules": self.topology.rules().to_string(),
            "peers": self.snapshot(),
            "connections": self.links.keys().collect::<Vec<_>>(),
            "counters": self.counters,
        })
    }
}

#[cfg(test)]
mod tests;
