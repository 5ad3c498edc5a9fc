//! A running mesh node: the shared state and the threads that accept, dial
//! and gossip periodically.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::Value;

use super::conn;
use super::rules::{PeerInfo, Rules};
use super::state::State;
use super::topology::Topology;
use crate::args::NodeName;

/// The first delay before redialing a peer.
pub const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// The longest delay before redialing; a connection that lived this long
/// resets the delay to [`MIN_BACKOFF`].
pub const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long one dial may take.
const DIAL_TIMEOUT: Duration = Duration::from_secs(1);
/// How often an idle dialer checks whether its peer is still connected.
const IDLE_CHECK: Duration = Duration::from_millis(100);

/// Who a mesh node is and how it behaves.
#[derive(Debug, Clone)]
pub struct MeshSettings {
    /// The node's name.
    pub name: NodeName,
    /// Addresses to dial (and redial whenever the connection is lost).
    pub peers: Vec<SocketAddr>,
    /// pre-1554 or post-1554.
    pub rules: Rules,
    /// Time between heartbeats; two without a message close a connection.
    pub heartbeat: Duration,
    /// Time between two rounds of periodic topology gossip.
    pub gossip_interval: Duration,
}

/// What the threads of one node share.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) heartbeat: Duration,
    stopping: AtomicBool,
}

impl Shared {
    /// The state, even if a thread panicked while holding it.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn name(&self) -> String {
        self.lock().me().name.clone()
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }
}

/// A started mesh node. Dropping it leaves the threads running; call
/// [`Mesh::stop`].
#[derive(Debug)]
pub struct Mesh {
    shared: Arc<Shared>,
    listen: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

/// A handle that reads a node's status, e.g. for the status endpoint.
#[derive(Debug, Clone)]
pub struct StatusHandle(Arc<Shared>);

impl StatusHandle {
    /// The body of `GET /status`.
    pub fn status(&self) -> Value {
        self.0.lock().status()
    }
}

impl Mesh {
    /// Starts a node with a new random uid, accepting on `listener`.
    pub fn start(settings: MeshSettings, listener: TcpListener) -> io::Result<Mesh> {
        let listen = listener.local_addr()?;
        let me = PeerInfo::new(settings.name.as_str(), new_uid(), 1);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(Topology::new(settings.rules, me))),
            heartbeat: settings.heartbeat,
            stopping: AtomicBool::new(false),
        });
        let acceptor = spawn("accept", {
            let shared = Arc::clone(&shared);
            move || accept_loop(&shared, &listener)
        })?;
        for addr in settings.peers.iter().copied().filter(|a| *a != listen) {
            let shared = Arc::clone(&shared);
            spawn(&format!("dial-{addr}"), move || dial_loop(&shared, addr))?;
        }
        let shared_timer = Arc::clone(&shared);
        spawn("gossip-timer", move || gossip_timer(&shared_timer, settings.gossip_interval))?;
        let acceptor = Some(acceptor);
        Ok(Mesh { shared, listen, acceptor })
    }

    /// The address the node accepts connections on.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen
    }

    /// The body of `GET /status`.
    pub fn status(&self) -> Value {
        self.status_handle().status()
    }

    /// A cloneable reader of the status.
    pub fn status_handle(&self) -> StatusHandle {
        StatusHandle(Arc::clone(&self.shared))
    }

    /// Closes every connection, stops accepting and dialing, and returns
    /// once the listening socket is closed. A thread held at a breakpoint
    /// stays there until released.
    pub fn stop(mut self) {
        self.shared.stopping.store(true, Ordering::Relaxed);
        self.shared.lock().close_all();
        let _ = TcpStream::connect_timeout(&self.listen, DIAL_TIMEOUT); // wakes accept
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// A random incarnation, below 2^53 so that every JSON reader (jq, JS)
/// holds it exactly.
fn new_uid() -> u64 {
    rand::thread_rng().gen_range(1..1u64 << 53)
}

fn spawn(name: &str, body: impl FnOnce() + Send + 'static) -> io::Result<JoinHandle<()>> {
    thread::Builder::new().name(name.to_owned()).spawn(body)
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    for stream in listener.incoming() {
        if shared.stopping() {
            return;
        }
        let Ok(stream) = stream else {
            thread::sleep(MIN_BACKOFF);
            continue;
        };
        let node = Arc::clone(shared);
        let spawned = spawn("conn-in", move || {
            conn::run(&node, stream, false);
        });
        if let Err(err) = spawned {
            eprintln!("mesh: cannot start a connection thread: {err}");
        }
    }
}

/// Dials `addr` until stopped: redials with [`Backoff`] when a connection
/// ends, and waits while another connection to the same peer is live.
fn dial_loop(shared: &Arc<Shared>, addr: SocketAddr) {
    let mut backoff = Backoff::default();
    let mut remote: Option<String> = None;
    while !shared.stopping() {
        if remote.as_deref().is_some_and(|name| shared.lock().connected_to(name)) {
            thread::sleep(IDLE_CHECK);
            continue;
        }
        if let Ok(stream) = TcpStream::connect_timeout(&addr, DIAL_TIMEOUT) {
            let started = Instant::now();
            remote = conn::run(shared, stream, true).or(remote);
            if started.elapsed() >= MAX_BACKOFF {
                backoff = Backoff::default();
            }
        }
        if remote.as_deref() == Some(shared.name().as_str()) {
            return; // our own address
        }
        thread::sleep(backoff.next_delay());
    }
}

fn gossip_timer(shared: &Shared, interval: Duration) {
    while !shared.stopping() {
        thread::sleep(interval);
        shared.lock().gossip_all();
    }
}

/// Redial delays: from [`MIN_BACKOFF`] doubling to [`MAX_BACKOFF`], each
/// with up to half of it taken off at random.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: MIN_BACKOFF }
    }
}

impl Backoff {
    /// The delay to wait now; the next one doubles.
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(MAX_BACKOFF);
        base.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter() {
        let mut backoff = Backoff::default();
        let delays: Vec<Duration> = (0..8).map(|_| backoff.next_delay()).collect();
        for (n, delay) in delays.iter().enumerate() {
            let cap = (MIN_BACKOFF * 2u32.pow(n as u32)).min(MAX_BACKOFF);
            assert!(*delay <= cap && *delay >= cap / 2, "{n}: {delay:?}");
        }
    }

    #[test]
    fn uids_fit_in_a_json_double() {
        assert!((0..100).map(|_| new_uid()).all(|u| u > 0 && u < 1 << 53));
    }
}
