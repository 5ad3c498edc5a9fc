//! The gossip sender of one connection: a queue and the thread draining it.
//!
//! Like weave's `GossipSender`, it decouples producing gossip from sending
//! it: while the thread is held at a breakpoint, topology changes fold into
//! one pending flag (the map is read when the message is finally built, so
//! the neighbour gets the state at that moment) and broadcasts queue up (at
//! most [`MAX_QUEUED`], the oldest dropped first).

use std::collections::VecDeque;
use std::sync::mpsc::Sender;
use std::sync::{Condvar, Mutex, MutexGuard};

use super::breakpoints::{self, Channel};
use super::rules::PeerInfo;
use super::wire::Message;

/// The most broadcasts waiting for one neighbour.
pub const MAX_QUEUED: usize = 1024;

/// What a sender sends next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// Our whole topology map (channel `topology`).
    Topology,
    /// A broadcast we originated (channel `broadcast`).
    Originated(Message),
    /// Another peer's broadcast we relay (channel `broadcast`).
    Relayed(Message),
}

#[derive(Debug, Default)]
struct Queue {
    topology: bool,
    broadcasts: VecDeque<Outgoing>,
    closed: bool,
}

/// The queue of gossip for one neighbour.
#[derive(Debug, Default)]
pub struct GossipSender {
    queue: Mutex<Queue>,
    wake: Condvar,
}

impl GossipSender {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks for our map to be sent (once, however often asked meanwhile).
    pub fn push_topology(&self) {
        self.lock().topology = true;
        self.wake.notify_one();
    }

    /// Queues a broadcast, [`Outgoing::Originated`] or [`Outgoing::Relayed`].
    pub fn push_broadcast(&self, item: Outgoing) {
        let mut queue = self.lock();
        if queue.broadcasts.len() >= MAX_QUEUED {
            queue.broadcasts.pop_front();
        }
        queue.broadcasts.push_back(item);
        self.wake.notify_one();
    }

    /// Stops the thread; what is queued is dropped.
    pub fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
    }

    /// The next item, waiting for one; `None` once closed.
    pub fn next(&self) -> Option<Outgoing> {
        let mut queue = self.lock();
        loop {
            if queue.closed {
                return None;
            }
            if std::mem::take(&mut queue.topology) {
                return Some(Outgoing::Topology);
            }
            if let Some(item) = queue.broadcasts.pop_front() {
                return Some(item);
            }
            queue = self.wake.wait(queue).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Drains `sender` into `writer` until it is closed or the writer is gone,
/// stopping at the breakpoints for `peer`. `snapshot` reads our map.
pub fn run(sender: &GossipSender, peer: &str, snapshot: impl Fn() -> Vec<PeerInfo>, writer: Sender<Message>) {
    while let Some(item) = sender.next() {
        let skip = match &item {
            Outgoing::Topology => breakpoints::skip(breakpoints::SEND, Channel::Topology, peer),
            Outgoing::Originated(_) => breakpoints::skip(breakpoints::SEND, Channel::Broadcast, peer),
            Outgoing::Relayed(message) => breakpoints::skip_relay(peer, origin(message)),
        };
        if skip {
            continue;
        }
        let message = match item {
            Outgoing::Topology => Message::Gossip { peers: snapshot() },
            Outgoing::Originated(message) | Outgoing::Relayed(message) => message,
        };
        if writer.send(message).is_err() {
            return;
        }
    }
}

/// The origin of a broadcast ("" for anything else).
fn origin(message: &Message) -> &str {
    match message {
        Message::Broadcast { origin, .. } => origin,
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topology_requests_fold_and_come_first() {
        let sender = GossipSender::default();
        sender.push_broadcast(Outgoing::Relayed(Message::Heartbeat));
        sender.push_topology();
        sender.push_topology();
        assert_eq!(sender.next(), Some(Outgoing::Topology));
        assert_eq!(sender.next(), Some(Outgoing::Relayed(Message::Heartbeat)));
        sender.close();
        assert_eq!(sender.next(), None);
    }

    #[test]
    fn oldest_broadcasts_are_dropped_when_full() {
        let sender = GossipSender::default();
        for seq in 0..=MAX_QUEUED as u64 {
            let message = Message::Hello { name: "a".into(), uid: 1, version: seq };
            sender.push_broadcast(Outgoing::Originated(message));
        }
        let first = sender.next();
        let expected = Message::Hello { name: "a".into(), uid: 1, version: 1 };
        assert_eq!(first, Some(Outgoing::Originated(expected)));
    }

    #[test]
    fn run_builds_the_map_when_sending() {
        let sender = GossipSender::default();
        let (tx, rx) = std::sync::mpsc::channel();
        sender.push_topology();
        sender.push_broadcast(Outgoing::Originated(Message::Heartbeat));
        std::thread::scope(|s| {
            s.spawn(|| run(&sender, "b", || vec![PeerInfo::new("a", 1, 7)], tx));
            let got = rx.recv().expect("gossip sent");
            assert_eq!(got, Message::Gossip { peers: vec![PeerInfo::new("a", 1, 7)] });
            assert_eq!(rx.recv().expect("broadcast sent"), Message::Heartbeat);
            sender.close();
        });
    }
}
