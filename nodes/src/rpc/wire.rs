//! The storage protocol: one line of ASCII per message on a long-lived TCP
//! connection, `query <id>` from the client and `answer <id> <name>` back,
//! where `<id>` is the client's number for the query and `<name>` the
//! storage peer's name. Trailing whitespace (`\r`) is allowed; any other
//! line is not a message of this protocol.

use std::fmt;

/// A parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// "What do you hold?" from a client.
    Query {
        /// The client's number for this query.
        id: u64,
    },
    /// The answer to query `id`, from the storage peer `name`.
    Answer {
        /// The query answered.
        id: u64,
        /// The answering peer's name.
        name: String,
    },
}

impl Message {
    /// Parses one line (without its `\n`); `None` if it is not a message.
    pub fn parse(line: &str) -> Option<Self> {
        let mut words = line.split_ascii_whitespace();
        let message = match (words.next()?, words.next()?.parse().ok()?) {
            ("query", id) => Message::Query { id },
            ("answer", id) => Message::Answer { id, name: words.next()?.to_owned() },
            _ => return None,
        };
        words.next().is_none().then_some(message)
    }
}

impl fmt::Display for Message {
    /// The line as sent, with its `\n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Query { id } => writeln!(f, "query {id}"),
            Message::Answer { id, name } => writeln!(f, "answer {id} {name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for message in [Message::Query { id: 0 }, Message::Answer { id: u64::MAX, name: "s-1".into() }] {
            let line = message.to_string();
            assert!(line.ends_with('\n'));
            assert_eq!(Message::parse(line.trim_end()), Some(message));
        }
    }

    #[test]
    fn exact_lines() {
        assert_eq!(Message::Query { id: 7 }.to_string(), "query 7\n");
        assert_eq!(Message::parse("answer 3 s2\r"), Some(Message::Answer { id: 3, name: "s2".into() }));
    }

    #[test]
    fn rejects_garbage() {
        for line in ["", "query", "query x", "query -1", "query 1 2", "answer 1", "answer 1 a b", "ask 1"] {
            assert_eq!(Message::parse(line), None, "{line:?}");
        }
    }
}
