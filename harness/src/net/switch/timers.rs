//! Delayed packets of one worker, released in the order of their due time.
//!
//! A worker keeps every packet its verdicts delayed (delay, jitter,
//! reorder, rate) in a heap keyed by due time, and sleeps in `epoll_wait`
//! no longer than until the first is due (a timerfd, to the nanosecond).
//! Packets due at the same instant leave in the order they were delayed,
//! so a fixed delay or a rate rule never reorders a flow: all of a flow's
//! packets are judged by one worker, whose clock only goes forward.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::Instant;

use crate::net::offload::VnetHdr;

/// A packet waiting for its due time, and where it goes then.
#[derive(Debug)]
pub(super) struct Delayed {
    /// When to write it.
    pub(super) due: Instant,
    /// The node it goes to.
    pub(super) to: usize,
    /// The header it is written with.
    pub(super) hdr: VnetHdr,
    /// The packet.
    pub(super) packet: Box<[u8]>,
}

/// One worker's delayed packets.
#[derive(Debug, Default)]
pub(super) struct Timers {
    heap: BinaryHeap<Entry>,
    pushed: u64,
}

#[derive(Debug)]
struct Entry {
    /// Ties on `due` go by this: the order of `push`.
    seq: u64,
    delayed: Delayed,
}

impl Timers {
    /// Queues a packet until its due time.
    pub(super) fn push(&mut self, delayed: Delayed) {
        self.pushed += 1;
        self.heap.push(Entry { seq: self.pushed, delayed });
    }

    /// When the first packet is due, if any waits.
    pub(super) fn next_due(&self) -> Option<Instant> {
        self.heap.peek().map(|e| e.delayed.due)
    }

    /// The first packet due at or before `now`.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<Delayed> {
        match self.next_due() {
            Some(due) if due <= now => self.heap.pop().map(|e| e.delayed),
            _ => None,
        }
    }

    /// How many packets wait.
    pub(super) fn len(&self) -> usize {
        self.heap.len()
    }
}

// `BinaryHeap` is a max-heap: the greatest entry is the earliest due,
// first pushed.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.delayed.due, other.seq).cmp(&(self.delayed.due, self.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn delayed(due: Instant, tag: u8) -> Delayed {
        Delayed { due, to: 0, hdr: VnetHdr::NONE, packet: Box::new([tag]) }
    }

    #[test]
    fn packets_leave_by_due_time_then_in_the_order_they_came() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut timers = Timers::default();
        for (at, tag) in [(3, 1), (1, 2), (3, 3), (2, 4), (1, 5)] {
            timers.push(delayed(t0 + ms(at), tag));
        }
        assert_eq!(timers.next_due(), Some(t0 + ms(1)));
        assert!(timers.pop_due(t0).is_none(), "nothing is due yet");
        let mut out = Vec::new();
        while let Some(d) = timers.pop_due(t0 + ms(2)) {
            out.push(d.packet[0]);
        }
        assert_eq!(out, [2, 5, 4]);
        assert_eq!(timers.len(), 2);
        while let Some(d) = timers.pop_due(t0 + ms(9)) {
            out.push(d.packet[0]);
        }
        assert_eq!(out, [2, 5, 4, 1, 3]);
        assert_eq!(timers.next_due(), None);
    }
}
