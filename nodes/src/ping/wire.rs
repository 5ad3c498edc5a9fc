//! The ping datagram: one line of ASCII, `ping <name> <seq>` or
//! `pong <name> <seq>`, where `<name>` is the sender's name and a pong
//! repeats the `<seq>` of the ping it answers. Trailing whitespace is
//! allowed; anything else is not a datagram of this protocol.

use crate::args::NodeName;

/// A parsed ping-mode datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Datagram {
    /// "Are you there?" from the node `name`.
    Ping {
        /// The sender's name.
        name: NodeName,
        /// The sender's round number.
        seq: u64,
    },
    /// "I am here" from the node `name`, answering the ping `seq`.
    Pong {
        /// The sender's name.
        name: NodeName,
        /// The round number of the ping answered.
        seq: u64,
    },
}

impl Datagram {
    /// Parses a received datagram; `None` if it is not one of ours.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut words = text.split_ascii_whitespace();
        let (kind, name, seq) = (words.next()?, words.next()?, words.next()?);
        if words.next().is_some() {
            return None;
        }
        let (name, seq) = (name.parse().ok()?, seq.parse().ok()?);
        match kind {
            "ping" => Some(Datagram::Ping { name, seq }),
            "pong" => Some(Datagram::Pong { name, seq }),
            _ => None,
        }
    }

    /// The datagram as sent on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let text = match self {
            Datagram::Ping { name, seq } => format!("ping {name} {seq}"),
            Datagram::Pong { name, seq } => format!("pong {name} {seq}"),
        };
        text.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> NodeName {
        text.parse().expect("valid test name")
    }

    #[test]
    fn round_trips() {
        for datagram in
            [Datagram::Ping { name: name("n1"), seq: 0 }, Datagram::Pong { name: name("node-2"), seq: u64::MAX }]
        {
            assert_eq!(Datagram::parse(&datagram.encode()), Some(datagram));
        }
    }

    #[test]
    fn exact_bytes() {
        assert_eq!(Datagram::Ping { name: name("a"), seq: 7 }.encode(), b"ping a 7");
        assert_eq!(Datagram::parse(b"pong b 3\n"), Some(Datagram::Pong { name: name("b"), seq: 3 }));
    }

    #[test]
    fn rejects_garbage() {
        for bytes in [&b""[..], b"ping", b"ping a", b"ping a -1", b"ping a 1 2", b"pang a 1", b"\xff"] {
            assert_eq!(Datagram::parse(bytes), None, "{bytes:?}");
        }
    }
}
