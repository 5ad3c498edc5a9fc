//! The client at run time: one long-lived TCP connection per storage peer
//! (redialed with backoff when it ends), an operation started every
//! interval, and, under the deadline rules, a timer abandoning overdue
//! queries. The [`Ledger`] behind one lock holds every decision.
//!
//! A query is written to its connection by that connection's writer task,
//! so a connection whose peer went silent never blocks an operation: the
//! bytes wait in the socket while TCP retransmits them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use super::ledger::{Ledger, QueryId};
use super::rules::Policy;
use super::wire::Message;

/// The first wait before redialing a peer; it doubles up to [`MAX_BACKOFF`].
pub const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait before redialing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// How long one dial may take.
const DIAL_TIMEOUT: Duration = Duration::from_secs(1);
/// How often overdue queries are looked for, at most.
const EXPIRY_TICK: Duration = Duration::from_millis(20);
/// The longest line read from a peer.
const MAX_LINE: usize = 256;

/// What a client does, apart from its status endpoint.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// The client's name.
    pub name: String,
    /// The storage peers.
    pub storage: Vec<SocketAddr>,
    /// When operations end and queries are abandoned.
    pub policy: Policy,
    /// Time between the starts of two operations.
    pub interval: Duration,
}

/// The books and, per peer, the way to the writer of its live connection.
#[derive(Debug)]
struct Core {
    ledger: Ledger,
    writers: Vec<Option<mpsc::UnboundedSender<QueryId>>>,
}

/// The client's state shared by its tasks and its status endpoint.
#[derive(Debug, Clone)]
pub struct Client {
    core: Arc<Mutex<Core>>,
}

impl Client {
    /// A client with no connection yet.
    pub fn new(settings: &ClientSettings) -> Self {
        let ledger = Ledger::new(settings.name.clone(), settings.policy, &settings.storage);
        let writers = vec![None; settings.storage.len()];
        Client { core: Arc::new(Mutex::new(Core { ledger, writers })) }
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The `/status` document.
    pub fn status(&self) -> serde_json::Value {
        self.lock().ledger.status(Instant::now())
    }

    /// Runs the client's tasks until the future is dropped.
    pub async fn run(self, settings: ClientSettings) {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, &addr) in settings.storage.iter().enumerate() {
            tasks.spawn(self.clone().keep_connected(index, addr));
        }
        tasks.spawn(self.clone().start_operations(settings.interval));
        if settings.policy.query_deadline().is_some() {
            tasks.spawn(self.clone().expire_queries());
        }
        while tasks.join_next().await.is_some() {}
    }

    /// Starts an operation every `interval`, forever.
    async fn start_operations(self, interval: Duration) {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = Instant::now();
            let mut core = self.lock();
            for (peer, id) in core.ledger.start_operation(now) {
                let sent = core.writers[peer].as_ref().is_some_and(|w| w.send(id).is_ok());
                if !sent {
                    core.ledger.send_failed(peer, id, now);
                }
            }
        }
    }

    /// Abandons overdue queries, forever.
    async fn expire_queries(self) {
        let mut ticks = tokio::time::interval(EXPIRY_TICK);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.lock().ledger.expire(Instant::now());
        }
    }

    /// Dials `addr` and serves the connection, again whenever it ends.
    async fn keep_connected(self, peer: usize, addr: SocketAddr) {
        let mut backoff = MIN_BACKOFF;
        let mut last_error = String::new();
        loop {
            match tokio::time::timeout(DIAL_TIMEOUT, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    backoff = MIN_BACKOFF;
                    let why = self.serve(peer, stream).await;
                    eprintln!("rpc client: connection to {addr} ended: {why}");
                    last_error.clear();
                }
                Ok(Err(err)) => note_dial_error(addr, &mut last_error, err.to_string()),
                Err(_) => note_dial_error(addr, &mut last_error, "timed out".to_owned()),
            }
            let jitter = rand::thread_rng().gen_range(0.8..1.2);
            tokio::time::sleep(backoff.mul_f64(jitter)).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Sends queries and reads answers on one connection until it ends.
    async fn serve(&self, peer: usize, stream: TcpStream) -> String {
        let _ = stream.set_nodelay(true);
        let (reader, mut writer) = stream.into_split();
        let (queries, mut to_send) = mpsc::unbounded_channel::<QueryId>();
        {
            let mut core = self.lock();
            core.writers[peer] = Some(queries);
            core.ledger.connection_changed(peer, true, Instant::now());
        }
        let write = async {
            while let Some(id) = to_send.recv().await {
                writer.write_all(Message::Query { id }.to_string().as_bytes()).await?;
            }
            Ok::<_, std::io::Error>(())
        };
        let read = async {
            let mut lines = BufReader::new(reader);
            let mut line = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok::<_, std::io::Error>("closed by the peer".to_owned());
                }
                match Message::parse(&line) {
                    Some(Message::Answer { id, .. }) if line.len() <= MAX_LINE => {
                        self.lock().ledger.answered(peer, id, Instant::now());
                    }
                    _ => return Ok(format!("protocol error: {:?}", line.trim_end())),
                }
            }
        };
        let why = tokio::select! {
            written = write => written.map_or_else(|e| format!("write error: {e}"), |()| "writer stopped".to_owned()),
            read = read => read.unwrap_or_else(|e| format!("read error: {e}")),
        };
        let mut core = self.lock();
        core.writers[peer] = None;
        core.ledger.connection_changed(peer, false, Instant::now());
        why
    }
}

/// Logs a failed dial once per distinct error.
fn note_dial_error(addr: SocketAddr, last: &mut String, error: String) {
    if *last != error {
        eprintln!("rpc client: cannot connect to {addr}: {error} (retrying)");
        *last = error;
    }
}
