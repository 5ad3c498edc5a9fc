//! The messages of the breakpoint control protocol, both directions.
//!
//! Each message is one JSON object on one line: a single key naming the
//! kind, whose value holds the fields. `nodes/PROTOCOL.md` is the contract;
//! these types are its only implementation in Rust, shared by the harness
//! (which sends [`ToPeer`] and reads [`FromPeer`]) and the peer-side client
//! (the other way round). Parsing is strict: an unknown kind, a missing or
//! unknown field, or a label value that is not a string is an error that
//! quotes the line.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Labels of a call, or the labels an armed point must match: name to
/// value, both strings.
pub type Labels = BTreeMap<String, String>;

/// What an armed point does to a matching call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Hold the caller until `continue` or `disarm` (or the harness is gone).
    Pause,
    /// Tell the caller to drop this message; do not block.
    Skip,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Pause => "pause",
            Action::Skip => "skip",
        })
    }
}

/// Harness to peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToPeer {
    /// `{"arm": {"point": P, "match": {...}, "action": "pause"}}`: arm a
    /// point, replacing an earlier arm of it.
    Arm(Arm),
    /// `{"continue": {"point": P}}`: release every caller held at `P`; the
    /// point stays armed.
    Continue(PointName),
    /// `{"disarm": {"point": P}}`: disarm `P` and release its callers.
    Disarm(PointName),
}

/// Peer to harness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FromPeer {
    /// `{"hello": {"node": NAME, "pid": PID}}`: the first line a peer sends.
    Hello(Hello),
    /// `{"hit": {...}}`: an armed point matched a call.
    Hit(Hit),
    /// `{"released": {"point": P, "seq": N}}`: a held caller resumed.
    Released(Released),
}

/// The body of [`ToPeer::Arm`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    /// The point, e.g. `gossip.send`.
    pub point: String,
    /// `match`: labels a call must carry, each with an equal value. Empty
    /// (or absent on the wire) matches every call.
    #[serde(rename = "match", default)]
    pub matcher: Labels,
    /// What a matching call does.
    pub action: Action,
}

/// The body of [`ToPeer::Continue`] and [`ToPeer::Disarm`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointName {
    /// The point.
    pub point: String,
}

/// The body of [`FromPeer::Hello`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    /// The node's name (`$QUIESCE_NODE`).
    pub node: String,
    /// The peer's process id.
    pub pid: u32,
}

/// The body of [`FromPeer::Hit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hit {
    /// The point.
    pub point: String,
    /// All labels of the call, not only the matched ones.
    pub labels: Labels,
    /// What the peer does with the call.
    pub action: Action,
    /// Numbers the peer's hits: 1, 2, ... per connection, in the order the
    /// lines are sent.
    pub seq: u64,
}

/// The body of [`FromPeer::Released`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Released {
    /// The point.
    pub point: String,
    /// The `seq` of the hit that held the caller.
    pub seq: u64,
}

/// A line that is not a valid message: why, and the line itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageError {
    /// What the parser said.
    pub reason: String,
    /// The offending line, without its newline.
    pub line: String,
}

/// How much of a bad line an error quotes.
const QUOTE_LIMIT: usize = 300;

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, more) = clip(&self.line);
        let (reason, _) = clip(&self.reason);
        write!(f, "{reason}: {line:?}{more}")
    }
}

/// At most [`QUOTE_LIMIT`] bytes of `text` (serde's reasons quote the bad
/// value too), and `"..."` if that is not all of it.
fn clip(text: &str) -> (&str, &'static str) {
    if text.len() <= QUOTE_LIMIT {
        return (text, "");
    }
    let mut end = QUOTE_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], "...")
}

impl std::error::Error for MessageError {}

fn parse<'a, T: Deserialize<'a>>(line: &'a str, expected: &str) -> Result<T, MessageError> {
    let trimmed = line.trim_end_matches(['\n', '\r']);
    serde_json::from_str(trimmed).map_err(|e| MessageError {
        reason: format!("not a valid {expected} message ({e})"),
        line: trimmed.to_string(),
    })
}

fn line<T: Serialize>(message: &T) -> String {
    let mut text = serde_json::to_string(message).expect("messages are maps of strings and numbers");
    text.push('\n');
    text
}

impl ToPeer {
    /// Parses one line (a trailing newline is ignored).
    pub fn parse(line: &str) -> Result<ToPeer, MessageError> {
        parse(line, "harness-to-peer (arm, continue, disarm)")
    }

    /// The message as one line, newline included.
    pub fn to_line(&self) -> String {
        line(self)
    }

    /// The point the message is about.
    pub fn point(&self) -> &str {
        match self {
            ToPeer::Arm(a) => &a.point,
            ToPeer::Continue(p) | ToPeer::Disarm(p) => &p.point,
        }
    }
}

impl FromPeer {
    /// Parses one line (a trailing newline is ignored).
    pub fn parse(line: &str) -> Result<FromPeer, MessageError> {
        parse(line, "peer-to-harness (hello, hit, released)")
    }

    /// The message as one line, newline included.
    pub fn to_line(&self) -> String {
        line(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn to_peer(message: ToPeer, text: &str) {
        assert_eq!(message.to_line(), format!("{text}\n"));
        assert_eq!(ToPeer::parse(text), Ok(message.clone()));
        assert_eq!(ToPeer::parse(&message.to_line()), Ok(message));
    }

    fn from_peer(message: FromPeer, text: &str) {
        assert_eq!(message.to_line(), format!("{text}\n"));
        assert_eq!(FromPeer::parse(text), Ok(message.clone()));
        assert_eq!(FromPeer::parse(&message.to_line()), Ok(message));
    }

    #[test]
    fn arm() {
        let matcher = labels(&[("peer", "host1"), ("channel", "topology")]);
        to_peer(
            ToPeer::Arm(Arm { point: "gossip.send".into(), matcher, action: Action::Pause }),
            r#"{"arm":{"point":"gossip.send","match":{"channel":"topology","peer":"host1"},"action":"pause"}}"#,
        );
        to_peer(
            ToPeer::Arm(Arm { point: "p".into(), matcher: Labels::new(), action: Action::Skip }),
            r#"{"arm":{"point":"p","match":{},"action":"skip"}}"#,
        );
    }

    #[test]
    fn arm_without_match_matches_everything() {
        let parsed = ToPeer::parse(r#"{"arm": {"action": "skip", "point": "p"}}"#);
        assert_eq!(parsed, Ok(ToPeer::Arm(Arm { point: "p".into(), matcher: Labels::new(), action: Action::Skip })));
    }

    #[test]
    fn continue_and_disarm() {
        to_peer(ToPeer::Continue(PointName { point: "gossip.send".into() }), r#"{"continue":{"point":"gossip.send"}}"#);
        to_peer(ToPeer::Disarm(PointName { point: "gossip.send".into() }), r#"{"disarm":{"point":"gossip.send"}}"#);
    }

    #[test]
    fn hello() {
        from_peer(
            FromPeer::Hello(Hello { node: "host1".into(), pid: 4242 }),
            r#"{"hello":{"node":"host1","pid":4242}}"#,
        );
    }

    #[test]
    fn hit() {
        let hit = Hit {
            point: "gossip.send".into(),
            labels: labels(&[("channel", "topology"), ("peer", "host1")]),
            action: Action::Pause,
            seq: 7,
        };
        from_peer(
            FromPeer::Hit(hit),
            r#"{"hit":{"point":"gossip.send","labels":{"channel":"topology","peer":"host1"},"action":"pause","seq":7}}"#,
        );
    }

    #[test]
    fn released() {
        from_peer(
            FromPeer::Released(Released { point: "gossip.send".into(), seq: 7 }),
            r#"{"released":{"point":"gossip.send","seq":7}}"#,
        );
    }

    #[test]
    fn crlf_and_spaces_are_accepted() {
        let parsed = FromPeer::parse("{ \"released\" : { \"seq\" : 1, \"point\" : \"p\" } }\r\n");
        assert_eq!(parsed, Ok(FromPeer::Released(Released { point: "p".into(), seq: 1 })));
    }

    #[test]
    fn errors_quote_the_line() {
        let bad = [
            r#"{"hit":{"point":"p","labels":{"n":3},"action":"pause","seq":1}}"#,
            r#"{"hit":{"point":"p","lables":{},"action":"pause","seq":1}}"#,
            r#"{"hit":{"point":"p","labels":{},"action":"stop","seq":1}}"#,
            r#"{"hello":{"node":"a"}}"#,
            r#"{"arm":{"point":"p","action":"pause"}}"#,
            r#"{"hello":{"node":"a","pid":1},"hit":{}}"#,
            "not json",
            "",
        ];
        for line in bad {
            let err = FromPeer::parse(line).expect_err(line);
            assert_eq!(err.line, line);
            let shown = err.to_string();
            assert!(shown.contains(&format!("{line:?}")), "{shown}");
            assert!(shown.starts_with("not a valid peer-to-harness (hello, hit, released) message"), "{shown}");
        }
        let err = ToPeer::parse(r#"{"hello":{"node":"a","pid":1}}"#).expect_err("wrong direction");
        assert!(err.to_string().contains(r#""{\"hello\":{\"node\":\"a\",\"pid\":1}}""#), "{err}");
    }

    #[test]
    fn long_lines_are_quoted_in_part() {
        let line = format!("{{\"hit\": \"{}\"}}", "é".repeat(400));
        let shown = FromPeer::parse(&line).expect_err("bad").to_string();
        assert!(shown.ends_with("..."), "{shown}");
        assert!(shown.len() < 2 * QUOTE_LIMIT + 100, "{shown}");
    }
}
