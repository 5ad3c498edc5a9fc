//! What SWIM nodes send each other: JSON datagrams over UDP, and one JSON
//! line each way for a push-pull state exchange over TCP.
//!
//! ```text
//! {"type":"ping","seq":9,"from":"n1","target":"n2","broadcasts":[...]}
//! {"type":"ack","seq":9,"from":"n2","broadcasts":[...]}
//! {"type":"ping-req","seq":4,"from":"n1","target":"n3","target_addr":"10.77.0.4:7946","broadcasts":[...]}
//! {"type":"gossip","from":"n1","broadcasts":[...]}
//! ```
//!
//! A broadcast is `{"kind":"alive"|"suspect"|"dead","node":"n3","incarnation":2,"addr":"10.77.0.4:7946"}`
//! (with `"from"`, the accuser, on suspect and dead). A push-pull line is
//! `{"from":"n1","members":[{"name":"n1","addr":"...","incarnation":3,"state":"alive"}, ...]}`.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::rules::State;

/// The largest datagram read.
pub const MAX_DATAGRAM: usize = 64 * 1024;

/// The largest push-pull line read, in bytes.
pub const MAX_PUSH_PULL: usize = 1024 * 1024;

/// The three kinds of membership broadcasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The node is alive at this incarnation.
    Alive,
    /// Someone's probe of the node failed.
    Suspect,
    /// The node is declared dead.
    Dead,
}

impl Kind {
    /// The name used on the wire and in breakpoint labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Alive => "alive",
            Kind::Suspect => "suspect",
            Kind::Dead => "dead",
        }
    }
}

/// A membership update, piggybacked on packets until retransmitted enough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broadcast {
    /// What it says.
    pub kind: Kind,
    /// About whom.
    pub node: String,
    /// At which incarnation.
    pub incarnation: u64,
    /// The node's address.
    pub addr: SocketAddr,
    /// Who suspected or declared it dead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl Broadcast {
    /// Its size on the wire, in bytes.
    pub fn wire_size(&self) -> usize {
        serde_json::to_vec(self).map_or(0, |v| v.len() + 1)
    }
}

/// A UDP datagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Packet {
    /// Are you there? Answered with an ack of the same `seq`.
    Ping {
        /// Matches the ack to the probe.
        seq: u64,
        /// The sender's name.
        from: String,
        /// Whom the ping is for (a restarted address may hold someone else).
        target: String,
        /// Piggybacked updates.
        #[serde(default)]
        broadcasts: Vec<Broadcast>,
    },
    /// I am (or, relayed, the target of your ping-req is).
    Ack {
        /// The `seq` of the ping or ping-req answered.
        seq: u64,
        /// The sender's name.
        from: String,
        /// Piggybacked updates.
        #[serde(default)]
        broadcasts: Vec<Broadcast>,
    },
    /// Please ping `target` for me and relay its ack.
    PingReq {
        /// The `seq` the relayed ack must carry.
        seq: u64,
        /// The sender's name.
        from: String,
        /// Whom to ping.
        target: String,
        /// Where it is.
        target_addr: SocketAddr,
        /// Piggybacked updates.
        #[serde(default)]
        broadcasts: Vec<Broadcast>,
    },
    /// Updates only.
    Gossip {
        /// The sender's name.
        from: String,
        /// The updates.
        broadcasts: Vec<Broadcast>,
    },
}

impl Packet {
    /// The sender's name.
    pub fn from(&self) -> &str {
        match self {
            Packet::Ping { from, .. }
            | Packet::Ack { from, .. }
            | Packet::PingReq { from, .. }
            | Packet::Gossip { from, .. } => from,
        }
    }

    /// The piggybacked updates.
    pub fn broadcasts(&self) -> &[Broadcast] {
        match self {
            Packet::Ping { broadcasts, .. }
            | Packet::Ack { broadcasts, .. }
            | Packet::PingReq { broadcasts, .. }
            | Packet::Gossip { broadcasts, .. } => broadcasts,
        }
    }

    /// The piggybacked updates, to edit.
    pub fn broadcasts_mut(&mut self) -> &mut Vec<Broadcast> {
        match self {
            Packet::Ping { broadcasts, .. }
            | Packet::Ack { broadcasts, .. }
            | Packet::PingReq { broadcasts, .. }
            | Packet::Gossip { broadcasts, .. } => broadcasts,
        }
    }

    /// Encodes the datagram.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a packet always serializes")
    }

    /// Decodes a datagram.
    pub fn decode(bytes: &[u8]) -> Result<Packet, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// One member in a push-pull exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberState {
    /// Its name.
    pub name: String,
    /// Its address.
    pub addr: SocketAddr,
    /// Its incarnation.
    pub incarnation: u64,
    /// Its state as the sender sees it.
    pub state: State,
}

/// A node's whole state, sent both ways on a push-pull (and a join).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushPull {
    /// The sender's name.
    pub from: String,
    /// Every member it knows, itself included.
    pub members: Vec<MemberState>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_round_trip_with_their_documented_shape() {
        let b = Broadcast {
            kind: Kind::Dead,
            node: "n3".into(),
            incarnation: 2,
            addr: "10.77.0.4:7946".parse().unwrap(),
            from: Some("n1".into()),
        };
        let p = Packet::PingReq {
            seq: 4,
            from: "n1".into(),
            target: "n3".into(),
            target_addr: "10.77.0.4:7946".parse().unwrap(),
            broadcasts: vec![b.clone()],
        };
        let text = String::from_utf8(p.encode()).unwrap();
        assert!(text.starts_with(r#"{"type":"ping-req","seq":4,"from":"n1","target":"n3""#), "{text}");
        assert!(text.contains(r#""kind":"dead","node":"n3","incarnation":2"#), "{text}");
        assert_eq!(Packet::decode(text.as_bytes()).unwrap(), p);
        assert_eq!(b.wire_size(), serde_json::to_vec(&b).unwrap().len() + 1);
    }

    #[test]
    fn broadcasts_may_be_left_out() {
        let p = Packet::decode(br#"{"type":"ack","seq":1,"from":"n2"}"#).unwrap();
        assert!(p.broadcasts().is_empty());
        assert_eq!(p.from(), "n2");
        assert!(Packet::decode(br#"{"type":"pong"}"#).is_err());
    }
}
