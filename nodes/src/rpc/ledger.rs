//! The client's books: operations in progress, queries outstanding per
//! peer, and what `/status` reports about them.
//!
//! Pure bookkeeping: every method that depends on time takes `now`, and
//! the [`Policy`] decides when an operation is over and when a query is
//! abandoned, so the ledger is tested without sockets or sleeping.
//!
//! Besides counters, the ledger keeps a *record* of the run, for checks
//! that look back over a fault: the longest stretch without a successful
//! operation (from the first success on, the stretch under way included)
//! and the most queries that were ever outstanding to one peer.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::rules::{Outcome, Policy, Tally};

/// How far back `recent` in `/status` looks.
pub const RECENT_WINDOW: Duration = Duration::from_secs(2);

/// The client's number for a query.
pub type QueryId = u64;

/// The client's books.
#[derive(Debug)]
pub struct Ledger {
    name: String,
    policy: Policy,
    peers: Vec<PeerBook>,
    operations: BTreeMap<u64, Operation>,
    next_operation: u64,
    next_query: QueryId,
    started: u64,
    completed: u64,
    failed: u64,
    /// When recent successful operations ended, and how long each took.
    recent: VecDeque<(Instant, Duration)>,
    last_success: Option<Instant>,
    longest_gap: Duration,
    peak_outstanding: usize,
}

/// What the client knows about one storage peer.
#[derive(Debug)]
struct PeerBook {
    addr: SocketAddr,
    connected: bool,
    outstanding: BTreeMap<QueryId, Query>,
    sent: u64,
    answered: u64,
    errors: u64,
    timed_out: u64,
    late: u64,
    connects: u64,
    disconnects: u64,
}

/// A query on its way.
#[derive(Debug, Clone, Copy)]
struct Query {
    operation: u64,
    sent: Instant,
}

/// An operation in progress.
#[derive(Debug, Clone, Copy)]
struct Operation {
    started: Instant,
    tally: Tally,
}

impl Ledger {
    /// Books for client `name` querying `peers` under `policy`, none
    /// connected yet.
    pub fn new(name: impl Into<String>, policy: Policy, peers: &[SocketAddr]) -> Self {
        let book = |&addr| PeerBook {
            addr,
            connected: false,
            outstanding: BTreeMap::new(),
            sent: 0,
            answered: 0,
            errors: 0,
            timed_out: 0,
            late: 0,
            connects: 0,
            disconnects: 0,
        };
        Ledger {
            name: name.into(),
            policy,
            peers: peers.iter().map(book).collect(),
            operations: BTreeMap::new(),
            next_operation: 0,
            next_query: 0,
            started: 0,
            completed: 0,
            failed: 0,
            recent: VecDeque::new(),
            last_success: None,
            longest_gap: Duration::ZERO,
            peak_outstanding: 0,
        }
    }

    /// Starts an operation: a query to each connected peer, to be sent by
    /// the caller (peer index and query id); a peer not connected fails its
    /// query at once.
    pub fn start_operation(&mut self, now: Instant) -> Vec<(usize, QueryId)> {
        let operation = self.next_operation;
        self.next_operation += 1;
        self.started += 1;
        let mut tally = Tally { queried: self.peers.len(), ..Tally::default() };
        let mut queries = Vec::new();
        for (index, peer) in self.peers.iter_mut().enumerate() {
            if !peer.connected {
                peer.errors += 1;
                tally.failed += 1;
                continue;
            }
            let id = self.next_query;
            self.next_query += 1;
            peer.outstanding.insert(id, Query { operation, sent: now });
            peer.sent += 1;
            queries.push((index, id));
        }
        let most = self.peers.iter().map(|p| p.outstanding.len()).max().unwrap_or(0);
        self.peak_outstanding = self.peak_outstanding.max(most);
        self.operations.insert(operation, Operation { started: now, tally });
        self.settle(operation, now);
        queries
    }

    /// Peer `peer` answered query `id`. An answer to a query that was
    /// abandoned, or whose operation is over, is counted as late.
    pub fn answered(&mut self, peer: usize, id: QueryId, now: Instant) {
        let Some(book) = self.peers.get_mut(peer) else { return };
        let Some(query) = book.outstanding.remove(&id) else {
            book.late += 1;
            return;
        };
        book.answered += 1;
        match self.operations.get_mut(&query.operation) {
            Some(operation) => {
                operation.tally.answered += 1;
                self.settle(query.operation, now);
            }
            None => book.late += 1,
        }
    }

    /// Query `id` to `peer` could not be sent: it fails.
    pub fn send_failed(&mut self, peer: usize, id: QueryId, now: Instant) {
        if let Some(query) = self.peers.get_mut(peer).and_then(|b| b.outstanding.remove(&id)) {
            self.peers[peer].errors += 1;
            self.fail(query, now);
        }
    }

    /// The connection to `peer` opened or ended. When it ends, every query
    /// outstanding on it fails (a noisy failure).
    pub fn connection_changed(&mut self, peer: usize, connected: bool, now: Instant) {
        let Some(book) = self.peers.get_mut(peer) else { return };
        book.connected = connected;
        if connected {
            book.connects += 1;
            return;
        }
        book.disconnects += 1;
        let lost = std::mem::take(&mut book.outstanding);
        book.errors += lost.len() as u64;
        for query in lost.into_values() {
            self.fail(query, now);
        }
    }

    /// Abandons the queries whose deadline passed (never before the fix).
    pub fn expire(&mut self, now: Instant) {
        let Some(deadline) = self.policy.query_deadline() else { return };
        let mut expired = Vec::new();
        for book in &mut self.peers {
            let overdue: Vec<QueryId> = book
                .outstanding
                .iter()
                .filter(|(_, q)| now.duration_since(q.sent) >= deadline)
                .map(|(&id, _)| id)
                .collect();
            for id in overdue {
                expired.extend(book.outstanding.remove(&id));
                book.timed_out += 1;
            }
        }
        for query in expired {
            self.fail(query, now);
        }
    }

    fn fail(&mut self, query: Query, now: Instant) {
        if let Some(operation) = self.operations.get_mut(&query.operation) {
            operation.tally.failed += 1;
            self.settle(query.operation, now);
        }
    }

    /// Ends the operation if the policy says it is over.
    fn settle(&mut self, id: u64, now: Instant) {
        let Some(operation) = self.operations.get(&id) else { return };
        let Some(outcome) = self.policy.outcome(operation.tally) else { return };
        let started = operation.started;
        self.operations.remove(&id);
        if outcome == Outcome::Failed {
            self.failed += 1;
            return;
        }
        self.completed += 1;
        if let Some(last) = self.last_success {
            self.longest_gap = self.longest_gap.max(now.saturating_duration_since(last));
        }
        self.last_success = Some(now);
        self.recent.push_back((now, now.saturating_duration_since(started)));
        while self.recent.front().is_some_and(|(at, _)| now.saturating_duration_since(*at) > RECENT_WINDOW) {
            self.recent.pop_front();
        }
    }

    /// Operations completed successfully so far.
    pub fn completed(&self) -> u64 {
        self.completed
    }

    /// Queries outstanding to each peer, in the order of the peers.
    pub fn outstanding(&self) -> Vec<usize> {
        self.peers.iter().map(|p| p.outstanding.len()).collect()
    }

    /// The longest stretch without a successful operation, from the first
    /// success on, the one under way at `now` included; `None` before the
    /// first success.
    pub fn longest_gap(&self, now: Instant) -> Option<Duration> {
        let current = self.last_success.map(|last| now.saturating_duration_since(last))?;
        Some(self.longest_gap.max(current))
    }

    /// The `/status` document (shape documented in [`crate::rpc`]).
    pub fn status(&self, now: Instant) -> Value {
        let ms = |d: Duration| d.as_millis() as u64;
        let recent: Vec<Duration> = self
            .recent
            .iter()
            .filter(|(at, _)| now.saturating_duration_since(*at) <= RECENT_WINDOW)
            .map(|(_, d)| *d)
            .collect();
        let mean = (!recent.is_empty())
            .then(|| recent.iter().map(|d| d.as_secs_f64() * 1e3).sum::<f64>() / recent.len() as f64);
        let oldest =
            self.operations.values().map(|o| now.saturating_duration_since(o.started)).max().unwrap_or_default();
        let outstanding: serde_json::Map<String, Value> =
            self.peers.iter().map(|p| (p.addr.to_string(), json!(p.outstanding.len()))).collect();
        let peers: serde_json::Map<String, Value> =
            self.peers.iter().map(|p| (p.addr.to_string(), p.status())).collect();
        let sum = |f: fn(&PeerBook) -> u64| self.peers.iter().map(f).sum::<u64>();
        json!({
            "role": "client",
            "name": self.name,
            "rules": self.policy.rules.to_string(),
            "needed": self.policy.needed,
            "deadline_ms": self.policy.query_deadline().map(ms),
            "operations": {
                "started": self.started,
                "completed": self.completed,
                "failed": self.failed,
                "in_progress": self.operations.len(),
                "oldest_in_progress_ms": ms(oldest),
            },
            "recent": {
                "window_ms": ms(RECENT_WINDOW),
                "completed": recent.len(),
                "latency_ms_max": recent.iter().max().map(|d| ms(*d)),
                "latency_ms_mean": mean.map(|m| (m * 10.0).round() / 10.0),
            },
            "record": {
                "longest_gap_ms": self.longest_gap(now).map(ms),
                "peak_outstanding": self.peak_outstanding,
            },
            "outstanding": outstanding,
            "outstanding_max": self.outstanding().into_iter().max().unwrap_or(0),
            "queries": {
                "sent": sum(|p| p.sent),
                "answered": sum(|p| p.answered),
                "errors": sum(|p| p.errors),
                "timed_out": sum(|p| p.timed_out),
                "late_answers": sum(|p| p.late),
            },
            "peers": peers,
        })
    }
}

impl PeerBook {
    fn status(&self) -> Value {
        json!({
            "connected": self.connected,
            "outstanding": self.outstanding.len(),
            "sent": self.sent,
            "answered": self.answered,
            "errors": self.errors,
            "timed_out": self.timed_out,
            "late_answers": self.late,
            "connects": self.connects,
            "disconnects": self.disconnects,
        })
    }
}

#[cfg(test)]
mod tests;
