//! The control server: the harness end of one node's breakpoint socket.
//!
//! Each node gets a unix socket, `<dir>/<node>.sock`, whose path the node
//! sees as `QUIESCE_CONTROL`. An instrumented peer connects, says `hello`,
//! and from then on the harness can [`arm`](ControlServer::arm),
//! [`continue_`](ControlServer::continue_) and
//! [`disarm`](ControlServer::disarm) code points in it, and learns of
//! every `hit`. `nodes/PROTOCOL.md` is the contract; the messages are
//! [`quiesce_faults::breakpoint`](mod@quiesce_faults::breakpoint)'s, so both sides share one definition.
//!
//! - One connection at a time: a new one (a restarted peer) replaces the
//!   old, which is closed. A new incarnation starts unarmed; re-arming it
//!   is the caller's job.
//! - Every hit is kept, in arrival order; a [`Mark`] is a position in that
//!   list, so "has the node hit P since it was armed" is
//!   [`wait_hit`](ControlServer::wait_hit) from the mark
//!   [`arm`](ControlServer::arm) returned.
//! - Everything received (and connects, disconnects, malformed lines) is
//!   also queued with its time for the event log: [`drain`](ControlServer::drain).
//! - A malformed line is logged and queued with the line quoted, and the
//!   connection goes on.
//!
//! Caveat: a unix socket path holds at most 107 bytes, so `dir` must be
//! short; [`ControlServer::bind`] says so if it is not.

mod connection;
#[cfg(test)]
mod python_example;
#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use quiesce_faults::breakpoint::{Action, Arm, Hello, Hit, Labels, MessageError, PointName, Released, ToPeer};
use tokio::net::UnixListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use connection::Connection;
pub use connection::{decode_line, decode_lines, MAX_LINE};

/// How long a send to a peer may take before it counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest path a unix socket address holds (`sun_path` less its NUL).
pub(crate) const MAX_SOCKET_PATH: usize = 107;

/// The harness end of one node's control socket.
#[derive(Debug)]
pub struct ControlServer {
    shared: Arc<Shared>,
    path: PathBuf,
    accept: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    node: String,
    state: Mutex<State>,
    /// Bumped on every change, for waiters.
    version: watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct State {
    connection: Option<Connection>,
    last_connection: u64,
    hello: Option<Hello>,
    hits: Vec<HitRecord>,
    undrained: Vec<Received>,
}

/// A position in a node's list of hits; hits after it are "since" it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mark(usize);

/// A hit, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitRecord {
    /// When it arrived.
    pub at: Instant,
    /// Which connection it came on (1 for the first, then 2, ...).
    pub connection: u64,
    /// What the peer said.
    pub hit: Hit,
}

/// Something that happened on the socket, with its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// When.
    pub at: Instant,
    /// Which connection (1 for the first, then 2, ...).
    pub connection: u64,
    /// What.
    pub what: Incoming,
}

/// What happened on the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A peer connected (replacing any earlier connection).
    Connected,
    /// `hello`.
    Hello(Hello),
    /// `hit`.
    Hit(Hit),
    /// `released`.
    Released(Released),
    /// A line that is not a valid message; the connection goes on.
    Malformed(MessageError),
    /// The connection ended (the peer closed it, or a newer one replaced it).
    Disconnected,
}

/// Why a control operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// Nobody is connected.
    #[error("node {node} has no control connection: is it instrumented and started with QUIESCE_CONTROL?")]
    NotConnected {
        /// The node.
        node: String,
    },
    /// Writing to the peer failed or took too long.
    #[error("sending `{line}` to node {node}: {source}")]
    Send {
        /// The node.
        node: String,
        /// The message, as sent.
        line: String,
        /// What went wrong.
        source: io::Error,
    },
    /// No hit in time.
    #[error("node {node} did not hit {point} within {timeout:?} ({since})")]
    NoHit {
        /// The node.
        node: String,
        /// The point.
        point: String,
        /// How long we waited.
        timeout: Duration,
        /// What it did hit since the mark, for the message.
        since: String,
    },
    /// The peer went away while we waited.
    #[error("node {node} closed its control connection while we waited for a hit of {point}")]
    Lost {
        /// The node.
        node: String,
        /// The point.
        point: String,
    },
}

impl ControlServer {
    /// Listens on `<dir>/<node>.sock` (replacing a stale file there).
    /// Must be called inside a tokio runtime.
    pub fn bind(dir: &Path, node: &str) -> io::Result<ControlServer> {
        let path = std::path::absolute(dir.join(format!("{node}.sock")))?;
        let length = path.as_os_str().len();
        if length > MAX_SOCKET_PATH {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "control socket path {} is {length} bytes, more than a unix socket holds ({MAX_SOCKET_PATH}): use a shorter directory",
                    path.display()
                ),
            ));
        }
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let listener = UnixListener::bind(&path)?;
        let shared = Arc::new(Shared {
            node: node.to_string(),
            state: Mutex::new(State::default()),
            version: watch::Sender::new(0),
        });
        let accept = tokio::spawn(connection::accept(listener, Arc::clone(&shared)));
        Ok(ControlServer { shared, path, accept })
    }

    /// The socket's path: the node's `QUIESCE_CONTROL`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The node's name.
    pub fn node(&self) -> &str {
        &self.shared.node
    }

    /// Whether a peer is connected now.
    pub fn connected(&self) -> bool {
        self.shared.state().connection.is_some()
    }

    /// The current connection's `hello`, once it has said it.
    pub fn hello(&self) -> Option<Hello> {
        let state = self.shared.state();
        state.connection.as_ref().and(state.hello.clone())
    }

    /// Waits until a peer is connected and has said `hello`; its hello.
    pub async fn wait_hello(&self, timeout: Duration) -> Result<Hello, ControlError> {
        let wait = self.shared.wait_for(|state| state.connection.as_ref().and(state.hello.clone()));
        tokio::time::timeout(timeout, wait).await.map_err(|_| self.not_connected())
    }

    /// Arms `point`: calls whose labels include all of `matcher` get
    /// `action`. Returns the mark to wait for hits from.
    pub async fn arm(&self, point: &str, matcher: &Labels, action: Action) -> Result<Mark, ControlError> {
        let mark = self.mark();
        let arm = Arm { point: point.to_string(), matcher: matcher.clone(), action };
        self.send(ToPeer::Arm(arm)).await?;
        Ok(mark)
    }

    /// Releases every caller held at `point`; it stays armed.
    pub async fn continue_(&self, point: &str) -> Result<(), ControlError> {
        self.send(ToPeer::Continue(PointName { point: point.to_string() })).await
    }

    /// Disarms `point` and releases its callers.
    pub async fn disarm(&self, point: &str) -> Result<(), ControlError> {
        self.send(ToPeer::Disarm(PointName { point: point.to_string() })).await
    }

    /// Now, as a mark: later hits are "since" it.
    pub fn mark(&self) -> Mark {
        Mark(self.shared.state().hits.len())
    }

    /// Every hit received after `mark`, oldest first.
    pub fn hits_since(&self, mark: Mark) -> Vec<HitRecord> {
        self.shared.state().hits.get(mark.0..).unwrap_or_default().to_vec()
    }

    /// Waits for the first hit of `point` after `mark`. Fails if none
    /// arrives within `timeout`, or at once if the peer is not connected
    /// (a new incarnation starts unarmed, so it cannot hit).
    pub async fn wait_hit(&self, point: &str, since: Mark, timeout: Duration) -> Result<HitRecord, ControlError> {
        let wait = self.shared.wait_for(|state| {
            let found = state.hits.get(since.0..).unwrap_or_default().iter().find(|h| h.hit.point == point);
            match (found, &state.connection) {
                (Some(hit), _) => Some(Ok(hit.clone())),
                (None, None) => Some(Err(())),
                (None, Some(_)) => None,
            }
        });
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(hit)) => Ok(hit),
            Ok(Err(())) if self.shared.state().last_connection == 0 => Err(self.not_connected()),
            Ok(Err(())) => Err(ControlError::Lost { node: self.shared.node.clone(), point: point.to_string() }),
            Err(_) => Err(ControlError::NoHit {
                node: self.shared.node.clone(),
                point: point.to_string(),
                timeout,
                since: self.describe_hits(since),
            }),
        }
    }

    /// Everything received since the last drain, oldest first.
    pub fn drain(&self) -> Vec<Received> {
        std::mem::take(&mut self.shared.state().undrained)
    }

    async fn send(&self, message: ToPeer) -> Result<(), ControlError> {
        let writer = self.shared.state().connection.as_ref().map(Connection::writer);
        let writer = writer.ok_or_else(|| self.not_connected())?;
        let line = message.to_line();
        let sent = tokio::time::timeout(SEND_TIMEOUT, connection::write_line(&writer, &line)).await;
        let error = match sent {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) => e,
            Err(_) => io::Error::new(io::ErrorKind::TimedOut, format!("not taken within {SEND_TIMEOUT:?}")),
        };
        Err(ControlError::Send { node: self.shared.node.clone(), line: line.trim_end().to_string(), source: error })
    }

    fn not_connected(&self) -> ControlError {
        ControlError::NotConnected { node: self.shared.node.clone() }
    }

    fn describe_hits(&self, since: Mark) -> String {
        let hits = self.hits_since(since);
        if hits.is_empty() {
            return "no hits since".to_string();
        }
        let points: Vec<&str> = hits.iter().map(|h| h.hit.point.as_str()).collect();
        format!("it hit only {}", points.join(", "))
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.accept.abort();
        if let Some(connection) = self.shared.state().connection.take() {
            connection.close();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records an event and wakes waiters.
    fn record(&self, state: &mut State, connection: u64, what: Incoming) {
        let at = Instant::now();
        match &what {
            Incoming::Hello(hello) => state.hello = Some(hello.clone()),
            Incoming::Hit(hit) => state.hits.push(HitRecord { at, connection, hit: hit.clone() }),
            _ => {}
        }
        state.undrained.push(Received { at, connection, what });
        self.version.send_modify(|v| *v += 1);
    }

    /// Waits until `check` returns something, re-checking on each change.
    async fn wait_for<T>(&self, check: impl Fn(&State) -> Option<T>) -> T {
        let mut changes = self.version.subscribe();
        loop {
            if let Some(found) = check(&self.state()) {
                return found;
            }
            // The sender lives in `self`, so this cannot fail while we wait.
            let _ = changes.changed().await;
        }
    }
}
