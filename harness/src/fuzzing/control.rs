//! Bytes a peer writes to its control socket, through the harness's reading
//! of them: lines (with a small line limit, so overlong lines are reached),
//! messages, and the run events they are recorded as.
//!
//! The same lines are also read as the harness's messages to a peer, as
//! the peer-side client reads them.

use quiesce_faults::breakpoint::{FromPeer, ToPeer};

use crate::control::{decode_lines, Incoming};
use crate::events::Line;
use crate::run::control_event;

/// The line limit under fuzzing: small, so that overlong lines are found.
const LIMIT: usize = 256;

/// Reads `data` as a peer's stream and each line as a harness's message.
pub fn control_stream(data: &[u8]) {
    let mut received = Vec::new();
    let reading = decode_lines(data, LIMIT, |what| received.push(what));
    futures::executor::block_on(reading).expect("reading bytes in memory cannot fail");
    // A blank line means nothing, but an overlong one is an error whatever
    // it holds: the reader cannot know that the rest is blank too.
    let counted = |l: &&[u8]| l.len() > LIMIT || !String::from_utf8_lossy(l).trim().is_empty();
    let lines = data.split(|&b| b == b'\n').filter(counted).count();
    assert!(received.len() <= lines, "{} messages from {lines} lines", received.len());
    for what in received {
        round_trip(&what);
        if let Some(event) = control_event("n1", what) {
            recorded(event);
        }
    }
    for line in data.split(|&b| b == b'\n') {
        if let Ok(message) = ToPeer::parse(&String::from_utf8_lossy(line)) {
            assert_eq!(ToPeer::parse(&message.to_line()).as_ref(), Ok(&message), "a message reads back");
        }
    }
}

/// A message the harness accepted is the message it would write.
fn round_trip(what: &Incoming) {
    let message = match what {
        Incoming::Hello(h) => FromPeer::Hello(h.clone()),
        Incoming::Hit(h) => FromPeer::Hit(h.clone()),
        Incoming::Released(r) => FromPeer::Released(r.clone()),
        Incoming::Malformed(e) => {
            // It quotes at most 300 bytes of the reason and of the line,
            // the line escaped (at most 6 bytes for one).
            let text = e.to_string();
            assert!(text.len() <= 4096, "an error quotes a bounded part: {} bytes", text.len());
            return;
        }
        Incoming::Connected | Incoming::Disconnected => return,
    };
    assert_eq!(FromPeer::parse(&message.to_line()).as_ref(), Ok(&message), "a message reads back");
}

/// The event reads back from `events.jsonl` as it was written.
fn recorded(event: crate::events::RunEvent) {
    let line = Line { t: 1.5, event };
    let text = serde_json::to_string(&line).expect("events serialize");
    assert!(!text.contains('\n'), "one event, one line");
    let back: Line = serde_json::from_str(&text).expect("an event line reads back");
    assert_eq!(back, line);
}
