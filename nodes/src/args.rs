//! Typed values of the flags shared by every mode's command line.
//!
//! Each parser turns one flag's text into a value and does no I/O, so a bad
//! flag is reported by clap (exit code 2) before any socket is bound.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use quiesce_faults::duration::{self, DurationError};

/// The longest node name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 64;

/// A node's name as it appears in datagrams and in `/status`: non-empty, at
/// most [`MAX_NAME_LEN`] bytes, without whitespace or control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeName(String);

impl NodeName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for NodeName {
    type Err = ArgError;

    fn from_str(text: &str) -> Result<Self, ArgError> {
        let reason = if text.is_empty() {
            Some("it is empty")
        } else if text.len() > MAX_NAME_LEN {
            Some("it is longer than 64 bytes")
        } else if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("it contains whitespace or control characters")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(ArgError::Name { text: text.to_owned(), reason }),
            None => Ok(NodeName(text.to_owned())),
        }
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Peer addresses given as `IP:PORT,IP:PORT,...`; the empty string is the
/// empty list. A bare `IP` (as quiesce's `{peers}` renders) is kept with
/// port 0, meaning "the port this node listens on": see [`PeerList::with_port`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerList(pub Vec<SocketAddr>);

/// Parses a comma-separated list of `IP:PORT`. Blank entries (`a,,b`, a
/// trailing comma) are skipped so that templated lists need no trimming.
pub fn parse_peers(text: &str) -> Result<PeerList, ArgError> {
    let entries = text.split(',').map(str::trim).filter(|e| !e.is_empty());
    let peers = entries
        .map(|entry| {
            let bare = entry.parse::<std::net::IpAddr>().map(|ip| SocketAddr::new(ip, 0));
            bare.or_else(|_| entry.parse()).map_err(|_| ArgError::Peer { text: entry.to_owned() })
        })
        .collect::<Result<_, _>>()?;
    Ok(PeerList(peers))
}

impl PeerList {
    /// The addresses, with every bare `IP` given `port`.
    pub fn with_port(&self, port: u16) -> Vec<SocketAddr> {
        let fill = |a: &SocketAddr| if a.port() == 0 { SocketAddr::new(a.ip(), port) } else { *a };
        self.0.iter().map(fill).collect()
    }
}

/// Parses a duration such as `200ms`, `1s`, `1.5s`, `2m` or `1h`, as suite
/// files write them ([`quiesce_faults::duration::parse`]).
pub fn parse_duration(text: &str) -> Result<Duration, ArgError> {
    duration::parse(text).map_err(ArgError::Duration)
}

/// Parses a duration like [`parse_duration`] and rejects zero: a period
/// between two actions.
pub fn parse_interval(text: &str) -> Result<Duration, ArgError> {
    match parse_duration(text)? {
        Duration::ZERO => Err(ArgError::ZeroInterval { text: text.trim().to_owned() }),
        interval => Ok(interval),
    }
}

/// Why a flag's value was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgError {
    /// A node name that cannot go on the wire.
    Name {
        /// The name as given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A peer entry that is not `IP:PORT`.
    Peer {
        /// The entry as given.
        text: String,
    },
    /// A duration that could not be read.
    Duration(DurationError),
    /// A period between two actions given as zero.
    ZeroInterval {
        /// The duration as given, trimmed.
        text: String,
    },
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgError::Name { text, reason } => write!(f, "invalid node name `{text}`: {reason}"),
            ArgError::Peer { text } => {
                write!(f, "invalid peer `{text}`: expected IP or IP:PORT such as 10.0.0.2:7000")
            }
            ArgError::Duration(err) => write!(f, "{err}"),
            ArgError::ZeroInterval { text } => write!(f, "`{text}` is zero: expected a period such as 200ms or 1s"),
        }
    }
}

impl std::error::Error for ArgError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_with_units() {
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn durations_rejected() {
        for text in ["", "200", "ms", "5d", "-1s", ".5s", "1.2.3s", "99999999999999999999h"] {
            assert!(parse_duration(text).is_err(), "{text:?} should be rejected");
        }
        assert!(parse_interval("0ms").unwrap_err().to_string().contains("zero"));
    }

    #[test]
    fn peers_may_be_empty() {
        assert_eq!(parse_peers(""), Ok(PeerList(vec![])));
        assert_eq!(parse_peers(" , "), Ok(PeerList(vec![])));
    }

    #[test]
    fn peers_parsed_in_order() {
        let peers = parse_peers("127.0.0.1:7001, 127.0.0.1:7000,").expect("valid list");
        let expected: Vec<SocketAddr> = vec!["127.0.0.1:7001".parse().unwrap(), "127.0.0.1:7000".parse().unwrap()];
        assert_eq!(peers.0, expected);
    }

    #[test]
    fn bare_peer_addresses_take_the_listen_port() {
        let peers = parse_peers("10.77.0.2,10.77.0.3:9000").expect("valid list");
        let filled: Vec<String> = peers.with_port(7000).iter().map(|a| a.to_string()).collect();
        assert_eq!(filled, vec!["10.77.0.2:7000", "10.77.0.3:9000"]);
    }

    #[test]
    fn bad_peer_is_quoted() {
        let err = parse_peers("127.0.0.1:7000,node-b").unwrap_err();
        assert_eq!(err, ArgError::Peer { text: "node-b".into() });
        assert!(err.to_string().contains("`node-b`"));
    }

    #[test]
    fn node_names() {
        assert_eq!("n1".parse::<NodeName>().map(|n| n.to_string()), Ok("n1".to_owned()));
        for text in ["", "a b", "a\tb", "x\u{7}", &"n".repeat(65)] {
            assert!(text.parse::<NodeName>().is_err(), "{text:?} should be rejected");
        }
    }
}
