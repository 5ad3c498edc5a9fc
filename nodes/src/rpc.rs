//! `quiesce-node rpc`: a client that keeps querying storage peers over
//! long-lived TCP connections, before and after Tahoe-LAFS stopped waiting
//! for silently partitioned servers (ticket #502).
//!
//! - **`rpc storage`** listens on each `--listen` address and answers every
//!   `query <id>` line with `answer <id> <name>` at once (see [`wire`]).
//! - **`rpc client`** keeps one connection per `--storage` peer, redialing
//!   with backoff (100 ms doubling to 1 s, jittered) when it ends. Every
//!   `--interval` it starts an *operation*: a query to every peer, needing
//!   `--needed` answers. A peer that is not connected fails its query at
//!   once, and a lost connection fails every query outstanding on it (noisy
//!   failures). A peer cut off without a reset fails nothing: its queries
//!   wait while TCP retransmits (a silent failure).
//! - **Rules** (`--rules`, see [`rules`]): `wait-for-all` ends an operation
//!   when every query has ended, with no deadline, so a silent peer stalls
//!   every operation and its outstanding queries pile up; `deadline` ends it
//!   with `--needed` answers and abandons a query after `--deadline`.
//!
//! # Status
//!
//! `GET /status` on `--status`. A storage peer:
//!
//! ```json
//! {"role": "storage", "name": "s1", "listening": ["10.77.0.2:7100"],
//!  "connections": 1, "connections_accepted": 1, "queries_answered": 840}
//! ```
//!
//! The client (`outstanding` and `peers` are keyed by peer address;
//! `recent` covers the operations that succeeded in the last 2 s, with
//! their latency; `record` looks back over the whole run, see [`ledger`]):
//!
//! ```json
//! {
//!   "role": "client", "name": "client", "rules": "deadline", "needed": 3, "deadline_ms": 1000,
//!   "operations": {"started": 210, "completed": 209, "failed": 0, "in_progress": 1,
//!                  "oldest_in_progress_ms": 2},
//!   "recent": {"window_ms": 2000, "completed": 10, "latency_ms_max": 3, "latency_ms_mean": 1.2},
//!   "record": {"longest_gap_ms": 240, "peak_outstanding": 6},
//!   "outstanding": {"10.77.0.2:7100": 0, "10.77.0.5:7100": 5},
//!   "outstanding_max": 5,
//!   "queries": {"sent": 840, "answered": 790, "errors": 0, "timed_out": 45, "late_answers": 0},
//!   "peers": {"10.77.0.5:7100": {"connected": true, "outstanding": 5, "sent": 210, "answered": 160,
//!             "errors": 0, "timed_out": 45, "late_answers": 0, "connects": 1, "disconnects": 0}}
//! }
//! ```
//!
//! `late_answers` counts answers that came after their query was abandoned
//! or their operation was over; `record.longest_gap_ms` is null until the
//! first operation succeeds.

mod client;
pub mod ledger;
pub mod rules;
mod storage;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::args::{parse_interval, parse_peers, NodeName, PeerList};
use crate::error::NodeError;
use crate::status_http::StatusServer;
pub use client::{Client, ClientSettings, MAX_BACKOFF, MIN_BACKOFF};
pub use rules::{Policy, Rules};
pub use storage::Storage;

/// The port a bare storage address (`{peers}`) gets by default.
pub const DEFAULT_PORT: u16 = 7100;

/// Command line of `quiesce-node rpc`.
#[derive(Debug, Clone, clap::Args)]
pub struct RpcArgs {
    /// Which side to run.
    #[command(subcommand)]
    pub role: Role,
}

/// The two sides.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Role {
    /// Query every storage peer each interval; GET /status.
    Client(ClientArgs),
    /// Answer queries; GET /status.
    Storage(StorageArgs),
}

/// Command line of `quiesce-node rpc client`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// This client's name, reported in /status.
    #[arg(long)]
    pub name: NodeName,
    /// Comma-separated storage peers; a bare IP takes --port.
    #[arg(long, value_name = "ADDR[:PORT],...", value_parser = parse_peers)]
    pub storage: PeerList,
    /// The port of storage peers given without one.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Address of the HTTP endpoint answering GET /status.
    #[arg(long, value_name = "ADDR:PORT")]
    pub status: SocketAddr,
    /// Tahoe's behaviour before (wait-for-all) or after (deadline) #502.
    #[arg(long, value_enum)]
    pub rules: Rules,
    /// Answers an operation needs (Tahoe's k); at most the number of peers.
    #[arg(long)]
    pub needed: usize,
    /// Time between the starts of two operations.
    #[arg(long, default_value = "200ms", value_parser = parse_interval)]
    pub interval: Duration,
    /// How long a query may stay outstanding under the deadline rules.
    #[arg(long, default_value = "1s", value_parser = parse_interval)]
    pub deadline: Duration,
}

impl ClientArgs {
    /// What the client does, apart from where it reports.
    pub fn settings(&self) -> ClientSettings {
        ClientSettings {
            name: self.name.to_string(),
            storage: self.storage.with_port(self.port),
            policy: Policy { rules: self.rules, needed: self.needed, deadline: self.deadline },
            interval: self.interval,
        }
    }
}

/// Command line of `quiesce-node rpc storage`.
#[derive(Debug, Clone, clap::Args)]
pub struct StorageArgs {
    /// This peer's name, sent in every answer.
    #[arg(long)]
    pub name: NodeName,
    /// Address to accept clients on; repeatable.
    #[arg(long, value_name = "ADDR:PORT", required = true)]
    pub listen: Vec<SocketAddr>,
    /// Address of the HTTP endpoint answering GET /status.
    #[arg(long, value_name = "ADDR:PORT")]
    pub status: SocketAddr,
}

/// Runs a client or a storage peer from its command line until `shutdown`
/// completes.
pub async fn run(args: RpcArgs, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
    match args.role {
        Role::Client(args) => run_client(args, shutdown).await,
        Role::Storage(args) => run_storage(args, shutdown).await,
    }
}

async fn run_client(args: ClientArgs, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
    let settings = args.settings();
    if settings.policy.needed == 0 || settings.policy.needed > settings.storage.len() {
        return Err(NodeError::Needed { needed: settings.policy.needed, peers: settings.storage.len() });
    }
    let status = bind(args.status, "status listener").await?;
    let client = Client::new(&settings);
    eprintln!("rpc client {} ({}) status on http://{}/status", args.name, args.rules, args.status);
    let reporter = client.clone();
    let server = StatusServer::new(status, move || reporter.status());
    tokio::select! {
        () = shutdown => {}
        () = server.run() => {}
        () = client.run(settings) => {}
    }
    Ok(())
}

async fn run_storage(args: StorageArgs, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
    let mut listeners = Vec::new();
    for &addr in &args.listen {
        listeners.push(bind(addr, "storage listener").await?);
    }
    let status = bind(args.status, "status listener").await?;
    let storage = Storage::new(args.name.as_str(), args.listen.iter().map(ToString::to_string).collect());
    eprintln!("rpc storage {} answering on {:?}, status on http://{}/status", args.name, args.listen, args.status);
    let mut tasks = tokio::task::JoinSet::new();
    for listener in listeners {
        tasks.spawn(std::sync::Arc::clone(&storage).serve(listener));
    }
    let reporter = std::sync::Arc::clone(&storage);
    tasks.spawn(StatusServer::new(status, move || reporter.status()).run());
    tokio::select! {
        () = shutdown => {}
        _ = tasks.join_next() => {}
    }
    Ok(())
}

async fn bind(addr: SocketAddr, what: &'static str) -> Result<TcpListener, NodeError> {
    TcpListener::bind(addr).await.map_err(NodeError::bind(what, addr))
}
