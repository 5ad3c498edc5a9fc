//! The rules that weave changed to fix #1554, as pure functions.
//!
//! A mesh node asks these functions three questions, and the answers are all
//! that differs between `--rules pre-1554` and `--rules post-1554`:
//!
//! - [`accept_connection`]: a handshake names a peer we may already hold
//!   information about; keep the connection?
//! - [`merge`]: gossip carries information about a peer; replace what we
//!   hold, keep it, or drop the connection the gossip came on?
//! - [`on_self_info`]: gossip carries information about *us*, maybe from an
//!   earlier incarnation; must our version move?
//!
//! plus [`unreachable()`], the garbage collection both variants share.
//!
//! Before the fix, a new incarnation of a peer (same name, new uid) is
//! refused until every peer has forgotten the old one, and the refusal is a
//! disconnect. After it, information is totally ordered by `(version, uid)`
//! and a restarted peer continues past the highest version held for any of
//! its old incarnations, so the newest information wins without anyone
//! forgetting anything first.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

/// Which of weave's two behaviours a node follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rules {
    /// weave before the fix of #1554: disconnect on incarnation mismatch.
    #[value(name = "pre-1554")]
    Pre1554,
    /// weave after the fix: order information by `(version, uid)`.
    #[value(name = "post-1554")]
    Post1554,
}

impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rules::Pre1554 => "pre-1554",
            Rules::Post1554 => "post-1554",
        })
    }
}

/// What one peer knows about another (or itself): the unit of topology
/// gossip.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PeerInfo {
    /// The peer's name, unique among live peers.
    pub name: String,
    /// The incarnation: random at every start of the peer.
    pub uid: u64,
    /// Grows with every change the peer makes to its own connections.
    pub version: u64,
    /// Names of the peers it has live direct connections to.
    pub connections: BTreeSet<String>,
}

impl PeerInfo {
    /// A peer with no connections.
    pub fn new(name: impl Into<String>, uid: u64, version: u64) -> Self {
        PeerInfo { name: name.into(), uid, version, connections: BTreeSet::new() }
    }
}

/// Disconnect reason: gossip held another incarnation of a known peer.
pub const UID_MISMATCH: &str = "uid mismatch";

/// Disconnect reason: a handshake came from another incarnation of a peer
/// we already know of.
pub const INCARNATION_MISMATCH: &str = "incarnation mismatch";

/// Whether to keep a connection whose handshake is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Keep it.
    Accept,
    /// Close it, with this reason.
    Reject(&'static str),
}

/// `known` is what we hold about the remote's name, `remote_uid` the uid it
/// announced. Before the fix, another incarnation of a known peer is
/// refused; after it, every connection is kept (gossip will sort the
/// incarnations out, and the uid we hold is left alone).
pub fn accept_connection(rules: Rules, known: Option<&PeerInfo>, remote_uid: u64) -> Accept {
    match (rules, known) {
        (Rules::Pre1554, Some(known)) if known.uid != remote_uid => Accept::Reject(INCARNATION_MISMATCH),
        _ => Accept::Accept,
    }
}

/// What to do with gossiped information about a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeOutcome {
    /// Hold the received information instead (uid included).
    Replace,
    /// Keep what we hold.
    Keep,
    /// Refuse the whole message and close the connection it came on.
    Disconnect(&'static str),
}

/// Merges `received` into `held` (what we hold under the same name).
///
/// - pre-1554: an unknown peer is taken; the same incarnation is replaced
///   by a greater version; another incarnation is a [`UID_MISMATCH`]
///   disconnect, so a new incarnation gets in only once the old one has
///   been garbage collected.
/// - post-1554: replace when `(version, uid)` is greater, a total order
///   under which every peer ends with the same information whatever order
///   the gossip arrives in.
pub fn merge(rules: Rules, held: Option<&PeerInfo>, received: &PeerInfo) -> MergeOutcome {
    let Some(held) = held else {
        return MergeOutcome::Replace;
    };
    let newer = match rules {
        Rules::Pre1554 if held.uid != received.uid => return MergeOutcome::Disconnect(UID_MISMATCH),
        Rules::Pre1554 => received.version > held.version,
        Rules::Post1554 => (received.version, received.uid) > (held.version, held.uid),
    };
    if newer {
        MergeOutcome::Replace
    } else {
        MergeOutcome::Keep
    }
}

/// The version we must move to after hearing `heard` about ourselves
/// (`me`), if any.
///
/// post-1554: information about another incarnation of us at version `V`
/// no lower than ours means the network may prefer it to ours, so we move
/// to `V + 1` and ours wins everywhere. pre-1554 never moves (such gossip
/// is a [`UID_MISMATCH`] disconnect, see [`merge`]).
pub fn on_self_info(rules: Rules, me: &PeerInfo, heard: &PeerInfo) -> Option<u64> {
    let stale_rival = heard.uid != me.uid && heard.version >= me.version;
    match rules {
        Rules::Post1554 if stale_rival => Some(heard.version.saturating_add(1)),
        _ => None,
    }
}

/// Names in `peers` that `me` cannot reach, i.e. what garbage collection
/// removes.
///
/// From `me`, a step goes from a peer to each name in the `connections` of
/// the information held about it (the connections it reports, in either
/// direction of establishment); names without held information end a path.
/// A peer that died is still listed by its last information, but nobody
/// lists it any more once its neighbours notice, so it becomes unreachable.
pub fn unreachable(me: &str, peers: &BTreeMap<String, PeerInfo>) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([me.to_owned()]);
    let mut next = VecDeque::from([me]);
    while let Some(name) = next.pop_front() {
        let Some(info) = peers.get(name) else {
            continue;
        };
        for remote in &info.connections {
            if peers.contains_key(remote) && seen.insert(remote.clone()) {
                next.push_back(remote);
            }
        }
    }
    peers.keys().filter(|n| !seen.contains(*n)).cloned().collect()
}

#[cfg(test)]
mod tests;
