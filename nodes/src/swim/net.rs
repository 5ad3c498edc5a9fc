//! The SWIM node's I/O: a UDP socket for probes and gossip (gossip may leave
//! from a second socket of its own, see [`Sockets`]), a TCP listener for
//! push-pull state exchanges (and joins), and the timers. The protocol
//! state sits behind one mutex, held only while a packet or a tick is
//! handled, never across an `.await`.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinSet;

use super::breakpoints;
use super::core::{Outgoing, Swim};
use super::wire::{Packet, PushPull, MAX_DATAGRAM, MAX_PUSH_PULL};

/// How often the timers are looked at.
const TICK: Duration = Duration::from_millis(10);
/// How long a push-pull may take to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a push-pull may take once connected.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(2);
/// Time between two join attempts until one succeeds.
const JOIN_RETRY: Duration = Duration::from_secs(1);

/// The protocol state, shared by the node's tasks and its status endpoint.
pub type Shared = Arc<Mutex<Swim>>;

/// Locks the state; a task that panicked while holding it left nothing
/// half-done that matters more than going on.
pub fn lock(shared: &Shared) -> MutexGuard<'_, Swim> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The node's sockets.
#[derive(Debug)]
pub struct Sockets {
    /// Probes, acks and ping-reqs go out from here, and every datagram
    /// arrives here.
    pub udp: UdpSocket,
    /// Gossip datagrams go out from here when set (`--gossip-port`), so a
    /// flow on its port catches gossip and nothing else; the datagrams
    /// still go to the peers' main socket.
    pub gossip: Option<UdpSocket>,
    /// The push-pull listener.
    pub tcp: TcpListener,
}

/// Starts the node's tasks: sender, receiver, timers, push-pull listener
/// and the join / periodic push-pull loop.
pub fn spawn(shared: Shared, sockets: Sockets, seeds: Vec<SocketAddr>, push_pull_interval: Duration) -> JoinSet<()> {
    let Sockets { udp, gossip, tcp } = sockets;
    let udp = Arc::new(udp);
    let (tx, rx) = unbounded_channel();
    let mut tasks = JoinSet::new();
    tasks.spawn(send(Arc::clone(&udp), gossip, rx));
    tasks.spawn(receive(udp, Arc::clone(&shared), tx.clone()));
    tasks.spawn(tick(Arc::clone(&shared), tx));
    tasks.spawn(accept(tcp, Arc::clone(&shared)));
    tasks.spawn(push_pull_loop(shared, seeds, push_pull_interval));
    tasks
}

async fn send(udp: Arc<UdpSocket>, gossip: Option<UdpSocket>, mut rx: UnboundedReceiver<Outgoing>) {
    while let Some(mut out) = rx.recv().await {
        breakpoints::filter(breakpoints::SEND, &mut out.packet, &out.peer).await;
        let socket = match (&out.packet, &gossip) {
            (Packet::Gossip { .. }, Some(gossip)) => gossip,
            _ => &*udp,
        };
        // A full buffer or an unreachable peer loses the datagram, as UDP does.
        let _ = socket.send_to(&out.packet.encode(), out.to).await;
    }
}

async fn receive(udp: Arc<UdpSocket>, shared: Shared, tx: UnboundedSender<Outgoing>) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut reported = false;
    loop {
        let (n, from) = match udp.recv_from(&mut buf).await {
            Ok(got) => got,
            Err(_) => continue, // e.g. ICMP port unreachable from an earlier send
        };
        let mut packet = match Packet::decode(&buf[..n]) {
            Ok(p) => p,
            Err(err) => {
                if !reported {
                    eprintln!("swim: ignoring a datagram from {from} that is not a packet: {err}");
                    reported = true;
                }
                continue;
            }
        };
        let peer = packet.from().to_owned();
        breakpoints::filter(breakpoints::RECEIVE, &mut packet, &peer).await;
        let out = lock(&shared).handle(from, packet, Instant::now());
        for o in out {
            let _ = tx.send(o);
        }
    }
}

async fn tick(shared: Shared, tx: UnboundedSender<Outgoing>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let out = lock(&shared).tick(Instant::now());
        for o in out {
            let _ = tx.send(o);
        }
    }
}

async fn accept(listener: TcpListener, shared: Shared) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let answer = async {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read.take(MAX_PUSH_PULL as u64));
                let remote = read_state(&mut reader).await?;
                let mine = lock(&shared).push_pull();
                write_state(&mut write, &mine).await?;
                lock(&shared).merge(&remote, Instant::now());
                io::Result::Ok(())
            };
            let _ = tokio::time::timeout(EXCHANGE_TIMEOUT, answer).await;
        });
    }
}

/// Joins through the seeds (retrying until one answers), then exchanges
/// state with a random live member every `interval`; with none left, with
/// a seed again.
async fn push_pull_loop(shared: Shared, mut seeds: Vec<SocketAddr>, interval: Duration) {
    let me = lock(&shared).push_pull().members.into_iter().next().map(|m| m.addr);
    seeds.retain(|s| Some(*s) != me);
    if !seeds.is_empty() {
        loop {
            seeds.shuffle(&mut rand::thread_rng());
            let mut joined = false;
            for &seed in &seeds {
                if exchange(&shared, seed).await.is_ok() {
                    joined = true;
                    break;
                }
            }
            if joined {
                break;
            }
            tokio::time::sleep(JOIN_RETRY).await;
        }
    }
    loop {
        tokio::time::sleep(interval).await;
        let target = lock(&shared).push_pull_target().or_else(|| seeds.choose(&mut rand::thread_rng()).copied());
        if let Some(addr) = target {
            let _ = exchange(&shared, addr).await;
        }
    }
}

/// One push-pull with `addr`: send our state, read theirs, merge it.
async fn exchange(shared: &Shared, addr: SocketAddr) -> io::Result<()> {
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
    let talk = async {
        let (read, mut write) = stream.into_split();
        let mine = lock(shared).push_pull();
        write_state(&mut write, &mine).await?;
        let mut reader = BufReader::new(read.take(MAX_PUSH_PULL as u64));
        read_state(&mut reader).await
    };
    let remote = tokio::time::timeout(EXCHANGE_TIMEOUT, talk)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "push-pull timed out"))??;
    lock(shared).merge(&remote, Instant::now());
    Ok(())
}

async fn write_state(write: &mut (impl AsyncWriteExt + Unpin), state: &PushPull) -> io::Result<()> {
    let mut line = serde_json::to_vec(state).expect("a push-pull state always serializes");
    line.push(b'\n');
    write.write_all(&line).await?;
    write.flush().await
}

async fn read_state(reader: &mut (impl AsyncBufReadExt + Unpin)) -> io::Result<PushPull> {
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    serde_json::from_str(&line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
