//! The UDP half of a ping node: a ping to every peer each interval, and
//! answers to whatever arrives.

use std::collections::BTreeSet;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::time::MissedTickBehavior;

use super::table::PeerTable;
use super::wire::Datagram;

/// The largest datagram read; ours are far smaller.
const MAX_DATAGRAM: usize = 512;

/// How long to wait after a failed receive before trying again.
const RECV_BACKOFF: Duration = Duration::from_millis(10);

/// The peer table shared by the node's tasks and its status endpoint.
pub type SharedTable = Arc<Mutex<PeerTable>>;

/// Locks the table. A task that panicked holding the lock leaves counters
/// that are still meaningful, so poisoning is ignored.
pub fn lock(table: &Mutex<PeerTable>) -> MutexGuard<'_, PeerTable> {
    table.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sends `ping <name> <seq>` to every peer each `interval`, `seq` counting
/// rounds from 0, forever. A failing peer is logged once until it recovers.
/// Each send passes the breakpoint `ping.send` (label `peer`: the peer's
/// IP): paused, the round waits; skipped, that ping is not sent.
pub async fn send_pings(socket: Arc<UdpSocket>, table: SharedTable, peers: Vec<SocketAddr>, interval: Duration) {
    let name = lock(&table).name().clone();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut failing = BTreeSet::new();
    for seq in 0u64.. {
        ticker.tick().await;
        let ping = Datagram::Ping { name: name.clone(), seq }.encode();
        for &peer in &peers {
            let ip = peer.ip();
            if quiesce_faults::breakpoint_async!("ping.send", peer = ip).await.is_skip() {
                continue;
            }
            match socket.send_to(&ping, peer).await {
                Ok(_) => {
                    lock(&table).ping_sent(peer);
                    failing.remove(&peer);
                }
                Err(err) => log_send_failure(&mut failing, &name, peer, &err),
            }
        }
    }
}

fn log_send_failure(
    failing: &mut BTreeSet<SocketAddr>,
    name: &impl std::fmt::Display,
    peer: SocketAddr,
    err: &io::Error,
) {
    if failing.insert(peer) {
        eprintln!("ping {name}: sending to {peer} failed: {err} (not logged again until it succeeds)");
    }
}

/// Answers each ping with `pong <name> <seq>` to its sender and records
/// each pong in the table, forever. Datagrams of other shapes are ignored.
pub async fn answer(socket: Arc<UdpSocket>, table: SharedTable) {
    let name = lock(&table).name().clone();
    let mut buf = [0u8; MAX_DATAGRAM];
    loop {
        let (len, from) = match socket.recv_from(&mut buf).await {
            Ok(received) => received,
            Err(err) => {
                eprintln!("ping {name}: receive failed: {err}");
                tokio::time::sleep(RECV_BACKOFF).await;
                continue;
            }
        };
        match Datagram::parse(&buf[..len]) {
            Some(Datagram::Ping { seq, .. }) => {
                lock(&table).ping_received();
                let pong = Datagram::Pong { name: name.clone(), seq }.encode();
                // A lost pong is just a lost datagram; the next round retries.
                let _ = socket.send_to(&pong, from).await;
            }
            Some(Datagram::Pong { name: peer_name, .. }) => {
                lock(&table).pong_received(from, peer_name, Instant::now());
            }
            None => {}
        }
    }
}
