//! The broadcast queue: membership updates waiting to be piggybacked on
//! outgoing packets, as memberlist's `TransmitLimitedQueue`.
//!
//! - A new update about a node replaces (invalidates) any queued update
//!   about the same node.
//! - Each packet takes the updates sent the fewest times first (the newest
//!   first among equals), as many as fit in its byte budget.
//! - An update is dropped once sent [`retransmit_limit`] times, which grows
//!   with the logarithm of the cluster's size.
//!
//! When more updates are queued than packets carry, the oldest wait: on a
//! saturated bus an update can sit in a queue long after it stopped being
//! true, and be sent then.

use super::wire::Broadcast;

/// How many times an update is sent: `mult * ceil(log10(members + 1))`, at
/// least once.
pub fn retransmit_limit(mult: u32, members: usize) -> u32 {
    let scale = ((members + 1) as f64).log10().ceil() as u32;
    (mult * scale).max(1)
}

/// A queued update and how often it went out.
#[derive(Debug, Clone)]
struct Queued {
    broadcast: Broadcast,
    transmits: u32,
    id: u64,
}

/// Updates that left the queue, and why.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Taken {
    /// To put in the packet.
    pub sent: Vec<Broadcast>,
    /// Sent for the last time: their retransmission is over.
    pub finished: Vec<Broadcast>,
}

/// The queue of one node.
#[derive(Debug, Default)]
pub struct BroadcastQueue {
    items: Vec<Queued>,
    next_id: u64,
}

impl BroadcastQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `broadcast`; returns the updates about the same node it
    /// replaced (their retransmission is over too).
    pub fn push(&mut self, broadcast: Broadcast) -> Vec<Broadcast> {
        let (replaced, kept): (Vec<Queued>, Vec<Queued>) =
            self.items.drain(..).partition(|q| q.broadcast.node == broadcast.node);
        self.items = kept;
        self.next_id += 1;
        self.items.push(Queued { broadcast, transmits: 0, id: self.next_id });
        replaced.into_iter().map(|q| q.broadcast).collect()
    }

    /// Takes updates for one packet with `budget` bytes of room; each goes
    /// out once more, and those that reach `limit` transmissions leave.
    pub fn take(&mut self, budget: usize, limit: u32) -> Taken {
        self.items.sort_by_key(|q| (q.transmits, std::cmp::Reverse(q.id)));
        let mut taken = Taken::default();
        let mut room = budget;
        for q in &mut self.items {
            let size = q.broadcast.wire_size();
            if size > room {
                continue;
            }
            room -= size;
            q.transmits += 1;
            taken.sent.push(q.broadcast.clone());
        }
        let (done, kept): (Vec<Queued>, Vec<Queued>) = self.items.drain(..).partition(|q| q.transmits >= limit);
        self.items = kept;
        taken.finished = done.into_iter().map(|q| q.broadcast).collect();
        taken
    }

    /// How many updates wait.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swim::wire::Kind;

    fn b(kind: Kind, node: &str, incarnation: u64) -> Broadcast {
        Broadcast { kind, node: node.into(), incarnation, addr: "10.0.0.1:7946".parse().unwrap(), from: None }
    }

    #[test]
    fn the_limit_grows_with_the_log_of_the_cluster() {
        assert_eq!(retransmit_limit(4, 0), 1);
        assert_eq!(retransmit_limit(4, 1), 4);
        assert_eq!(retransmit_limit(4, 9), 4);
        assert_eq!(retransmit_limit(4, 12), 8);
        assert_eq!(retransmit_limit(4, 99), 8);
        assert_eq!(retransmit_limit(4, 100), 12);
    }

    #[test]
    fn a_newer_update_about_a_node_replaces_the_queued_one() {
        let mut q = BroadcastQueue::new();
        assert!(q.push(b(Kind::Alive, "foo", 1)).is_empty());
        q.push(b(Kind::Alive, "bar", 1));
        assert_eq!(q.push(b(Kind::Dead, "foo", 1)), vec![b(Kind::Alive, "foo", 1)]);
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn updates_leave_after_the_limit_and_are_reported_finished() {
        let mut q = BroadcastQueue::new();
        q.push(b(Kind::Dead, "foo", 1));
        for _ in 0..2 {
            let t = q.take(1400, 3);
            assert_eq!(t.sent.len(), 1);
            assert!(t.finished.is_empty());
        }
        let t = q.take(1400, 3);
        assert_eq!(t.finished, vec![b(Kind::Dead, "foo", 1)]);
        assert!(q.is_empty());
        assert_eq!(q.take(1400, 3), Taken::default());
    }

    #[test]
    fn a_full_packet_sends_the_least_sent_and_newest_first() {
        let mut q = BroadcastQueue::new();
        let one = b(Kind::Alive, "a", 1).wire_size();
        q.push(b(Kind::Alive, "a", 1));
        q.take(one, 10); // a: sent once
        q.push(b(Kind::Alive, "b", 1));
        q.push(b(Kind::Alive, "c", 1));
        let t = q.take(2 * one, 10);
        let names: Vec<&str> = t.sent.iter().map(|b| b.node.as_str()).collect();
        assert_eq!(names, ["c", "b"], "a waits: it went out before");
        q.take(2 * one, 10); // c, b: twice; a once
        let t = q.take(one, 10);
        assert_eq!(t.sent[0].node, "a", "now the least sent");
    }
}
