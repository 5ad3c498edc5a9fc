//! What a mesh node knows about the network: its own [`PeerInfo`] and what
//! it holds about every other peer, changed only through the [`rules`].
//!
//! Pure: no I/O and no clock, so the seed's scenarios can be played here
//! step by step (see the tests).
//!
//! [`rules`]: super::rules

use std::collections::{BTreeMap, BTreeSet};

use super::rules::{merge, on_self_info, unreachable, MergeOutcome, PeerInfo, Rules};

/// The topology map of one node: name to information, itself included.
#[derive(Debug, Clone)]
pub struct Topology {
    rules: Rules,
    me: String,
    peers: BTreeMap<String, PeerInfo>,
}

/// What applying gossip changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Whether the map is different now (so neighbours should hear of it).
    pub changed: bool,
    /// Whether our own version moved past an old incarnation's.
    pub bumped: bool,
    /// Peers garbage collected afterwards.
    pub collected: BTreeSet<String>,
}

impl Topology {
    /// A map holding only `me`.
    pub fn new(rules: Rules, me: PeerInfo) -> Self {
        let name = me.name.clone();
        Topology { rules, peers: BTreeMap::from([(name.clone(), me)]), me: name }
    }

    /// The rules this map follows.
    pub fn rules(&self) -> Rules {
        self.rules
    }

    /// Our own information.
    pub fn me(&self) -> &PeerInfo {
        self.peers.get(&self.me).expect("a topology always holds itself")
    }

    fn me_mut(&mut self) -> &mut PeerInfo {
        self.peers.get_mut(&self.me).expect("a topology always holds itself")
    }

    /// What we hold under `name`.
    pub fn get(&self, name: &str) -> Option<&PeerInfo> {
        self.peers.get(name)
    }

    /// Everything held, sorted by name.
    pub fn peers(&self) -> impl Iterator<Item = &PeerInfo> {
        self.peers.values()
    }

    /// Records a new direct connection to `remote` (incarnation `uid` by its
    /// handshake). Our version grows if `remote` is new to our connections;
    /// an unknown `remote` is held at version 0 until its own gossip comes,
    /// and a known one is left alone (its uid too): gossip updates it.
    /// Returns whether our connections changed.
    pub fn add_connection(&mut self, remote: &str, uid: u64) -> bool {
        self.peers.entry(remote.to_owned()).or_insert_with(|| PeerInfo::new(remote, uid, 0));
        let me = self.me_mut();
        let added = me.connections.insert(remote.to_owned());
        if added {
            me.version += 1;
        }
        added
    }

    /// Records the loss of the direct connection to `remote`, then collects
    /// garbage. Returns what was collected, or `None` if `remote` was not a
    /// connection.
    pub fn remove_connection(&mut self, remote: &str) -> Option<BTreeSet<String>> {
        let me = self.me_mut();
        if !me.connections.remove(remote) {
            return None;
        }
        me.version += 1;
        Some(self.collect_garbage())
    }

    /// Applies gossiped information (a map or a broadcast), then collects
    /// garbage. A [`MergeOutcome::Disconnect`] for any entry refuses the
    /// whole message, applying nothing: the caller closes the connection it
    /// came on, with the returned reason.
    pub fn apply(&mut self, received: &[PeerInfo]) -> Result<Applied, &'static str> {
        for info in received {
            if let MergeOutcome::Disconnect(reason) = merge(self.rules, self.get(&info.name), info) {
                return Err(reason);
            }
        }
        let mut applied = Applied::default();
        for info in received {
            if info.name == self.me {
                applied.bumped |= self.hear_of_myself(info);
            } else if merge(self.rules, self.get(&info.name), info) == MergeOutcome::Replace {
                self.peers.insert(info.name.clone(), info.clone());
                applied.changed = true;
            }
        }
        applied.collected = self.collect_garbage();
        applied.changed |= applied.bumped || !applied.collected.is_empty();
        Ok(applied)
    }

    /// Moves our version past `heard`'s if the rules say so.
    fn hear_of_myself(&mut self, heard: &PeerInfo) -> bool {
        match on_self_info(self.rules, self.me(), heard) {
            Some(version) => {
                self.me_mut().version = version;
                true
            }
            None => false,
        }
    }

    /// Removes every peer we cannot reach; returns their names.
    fn collect_garbage(&mut self) -> BTreeSet<String> {
        let gone = unreachable(&self.me, &self.peers);
        self.peers.retain(|name, _| !gone.contains(name));
        gone
    }
}

#[cfg(test)]
mod tests;
