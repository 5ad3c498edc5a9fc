//! The mesh wire format: one JSON object per line (see [`Message`]).
//!
//! A line longer than [`MAX_LINE`] bytes, or one that is not a message, is a
//! protocol error and the connection is closed.

use std::io::{self, BufRead, Read, Write};

use serde::{Deserialize, Serialize};

use super::rules::PeerInfo;

/// The longest line accepted, in bytes.
pub const MAX_LINE: usize = 1 << 20;

/// Everything a mesh connection carries, tagged by `"type"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Message {
    /// The first line each side sends: who it is.
    Hello {
        /// The sender's name.
        name: String,
        /// The sender's incarnation.
        uid: u64,
        /// The sender's version when it connected.
        version: u64,
    },
    /// Sent when nothing else was sent for a heartbeat interval.
    Heartbeat,
    /// Unicast topology gossip (channel `topology`): the sender's whole map.
    Gossip {
        /// Everything the sender holds, itself included.
        peers: Vec<PeerInfo>,
    },
    /// A broadcast (channel `broadcast`): what `origin` said about itself,
    /// relayed by every peer to its neighbours but the one it came from.
    Broadcast {
        /// The peer that originated it.
        origin: String,
        /// The origin's incarnation; with `seq`, identifies the broadcast.
        origin_uid: u64,
        /// Numbers the origin's broadcasts: 1, 2, ...
        seq: u64,
        /// The origin's information.
        peers: Vec<PeerInfo>,
    },
}

/// Why a line could not be read as a message.
#[derive(Debug)]
pub enum ReadError {
    /// The socket failed, or its read timeout passed.
    Io(io::Error),
    /// A line that is too long or not a message.
    Protocol(String),
}

/// Writes `message` as one line.
pub fn write_message(out: &mut impl Write, message: &Message) -> io::Result<()> {
    let mut line = serde_json::to_vec(message).expect("messages always serialize");
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// Reads the next message; `Ok(None)` at the end of the stream.
pub fn read_message(input: &mut impl BufRead) -> Result<Option<Message>, ReadError> {
    let mut line = Vec::new();
    let limit = (MAX_LINE + 1) as u64;
    let n = input.take(limit).read_until(b'\n', &mut line).map_err(ReadError::Io)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        let why = if n > MAX_LINE { "line too long" } else { "truncated line" };
        return Err(ReadError::Protocol(why.to_owned()));
    }
    serde_json::from_slice(&line).map(Some).map_err(|err| {
        let text = String::from_utf8_lossy(&line[..line.len().min(200)]);
        ReadError::Protocol(format!("{err}: {}", text.trim_end()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(message: Message) {
        let mut buf = Vec::new();
        write_message(&mut buf, &message).expect("write to a Vec");
        assert_eq!(buf.iter().filter(|&&b| b == b'\n').count(), 1);
        let back = read_message(&mut buf.as_slice()).expect("valid line");
        assert_eq!(back, Some(message));
    }

    #[test]
    fn every_message_round_trips() {
        let mut info = PeerInfo::new("a", u64::MAX, 3);
        info.connections.insert("b".into());
        round_trip(Message::Hello { name: "a".into(), uid: 1, version: 2 });
        round_trip(Message::Heartbeat);
        round_trip(Message::Gossip { peers: vec![info.clone()] });
        round_trip(Message::Broadcast { origin: "a".into(), origin_uid: 9, seq: 4, peers: vec![info] });
    }

    #[test]
    fn documented_shapes() {
        let hello: Message = serde_json::from_str(r#"{"type":"hello","name":"a","uid":5,"version":1}"#).unwrap();
        assert_eq!(hello, Message::Hello { name: "a".into(), uid: 5, version: 1 });
        let gossip = r#"{"type":"gossip","peers":[{"name":"a","uid":5,"version":2,"connections":["b"]}]}"#;
        assert!(matches!(serde_json::from_str(gossip), Ok(Message::Gossip { .. })));
    }

    #[test]
    fn end_of_stream_and_bad_lines() {
        assert!(matches!(read_message(&mut &b""[..]), Ok(None)));
        assert!(matches!(read_message(&mut &b"{\"type\":\"heartbeat\"}"[..]), Err(ReadError::Protocol(_))));
        assert!(matches!(read_message(&mut &b"{\"type\":\"nope\"}\n"[..]), Err(ReadError::Protocol(_))));
        let long = vec![b' '; MAX_LINE + 10];
        assert!(matches!(read_message(&mut long.as_slice()), Err(ReadError::Protocol(m)) if m == "line too long"));
    }
}
