//! What leader nodes send each other over TCP: one JSON object per line.
//! Each node dials every peer and only writes on its own connections; the
//! first line names the writer.
//!
//! ```text
//! {"type":"hello","name":"n1","addr":"10.77.0.2:7950"}
//! {"type":"vote","term":4,"candidate":"n1"}
//! {"type":"vote-reply","term":4,"granted":true}
//! {"type":"heartbeat","term":4,"leader":"n1"}
//! {"type":"heartbeat-reply","term":4}
//! ```

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// The longest line read, in bytes.
pub const MAX_LINE: u64 = 64 * 1024;

/// One line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Line {
    /// First on each connection: who writes on it.
    Hello {
        /// The writer's name.
        name: String,
        /// Where the writer listens.
        addr: SocketAddr,
    },
    /// A protocol message.
    #[serde(untagged)]
    Msg(Msg),
}

/// The election's messages (Raft's, without a log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Msg {
    /// A candidate asks for a vote in `term`.
    Vote {
        /// The candidate's term.
        term: u64,
        /// The candidate.
        candidate: String,
    },
    /// The answer to a vote request.
    VoteReply {
        /// The voter's term.
        term: u64,
        /// Whether the vote was given.
        granted: bool,
    },
    /// The leader of `term` is alive.
    Heartbeat {
        /// The leader's term.
        term: u64,
        /// The leader.
        leader: String,
    },
    /// A follower of `term` heard the heartbeat (or, with a higher term,
    /// tells a stale leader to step down).
    HeartbeatReply {
        /// The follower's term.
        term: u64,
    },
}

impl Msg {
    /// The term the message carries.
    pub fn term(&self) -> u64 {
        match self {
            Msg::Vote { term, .. }
            | Msg::VoteReply { term, .. }
            | Msg::Heartbeat { term, .. }
            | Msg::HeartbeatReply { term } => *term,
        }
    }
}

impl Line {
    /// The line as sent, with its `\n`.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("a line always serializes");
        bytes.push(b'\n');
        bytes
    }

    /// Reads one line (without its `\n`).
    pub fn decode(text: &str) -> Result<Line, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_in_their_documented_shape() {
        let lines = [
            (
                Line::Hello { name: "n1".into(), addr: "10.77.0.2:7950".parse().unwrap() },
                r#"{"type":"hello","name":"n1","addr":"10.77.0.2:7950"}"#,
            ),
            (Line::Msg(Msg::Vote { term: 4, candidate: "n1".into() }), r#"{"type":"vote","term":4,"candidate":"n1"}"#),
            (Line::Msg(Msg::VoteReply { term: 4, granted: true }), r#"{"type":"vote-reply","term":4,"granted":true}"#),
            (
                Line::Msg(Msg::Heartbeat { term: 4, leader: "n1".into() }),
                r#"{"type":"heartbeat","term":4,"leader":"n1"}"#,
            ),
            (Line::Msg(Msg::HeartbeatReply { term: 4 }), r#"{"type":"heartbeat-reply","term":4}"#),
        ];
        for (line, text) in lines {
            let encoded = line.encode();
            assert_eq!(std::str::from_utf8(&encoded).unwrap(), format!("{text}\n"));
            assert_eq!(Line::decode(text).unwrap(), line);
        }
        assert!(Line::decode(r#"{"type":"append","term":1}"#).is_err());
    }
}
