//! `quiesce-node leader`: a leader election over TCP whose leader loop
//! calls back into the election core, with Nomad's behaviour before and
//! after the fix of #6977 (leadership flapping deadlocks a server; see
//! `seeds/nomad-6977-leadership-flapping.txt`).
//!
//! A node has three parts, each its own task:
//!
//! - the **core** ([`core`]): a Raft-style election without a log
//!   ([`election`]: terms, one vote per term, heartbeats, a leader lease),
//!   talking to its peers over TCP ([`transport`], [`wire`]). It announces
//!   every leadership change on the notify channel ([`notify`]) and waits
//!   for the send to complete before doing anything else, as Raft's
//!   `runLeader` does;
//! - the **monitor** and the **leader loop** ([`monitor`]): the monitor
//!   starts the leader loop on gaining leadership and stops it (waiting for
//!   it) on losing it; the loop establishes leadership and reconciles by
//!   calling into the core, each call waiting for the answer with no
//!   timeout;
//! - the **status endpoint**, on its own thread: each `GET /status` is a
//!   request to the core, so a wedged core stops answering.
//!
//! **Rules** (`--rules`, see [`rules`]): `blocking-notify` gives the core a
//! rendezvous notify channel: when leadership is lost and regained while
//! the leader loop is still establishing, the core blocks announcing the
//! second change, the monitor waits for the loop to stop, and the loop
//! waits for the core. `drop-but-last` keeps only the latest value: the
//! core never blocks and the monitor steps once per settled change.
//!
//! # Status
//!
//! ```json
//! {
//!   "name": "n1", "rules": "drop-but-last", "term": 7, "role": "leader", "leader": "n1", "voted_for": "n1",
//!   "counters": {"elections": 3, "leadership_gained": 2, "leadership_lost": 1, "notifications": 3},
//!   "leader_loop": {"running": true, "started": 2, "established": 2, "stopped": 1, "reconciles": 40}
//! }
//! ```

pub mod core;
pub mod election;
pub mod monitor;
pub mod notify;
pub mod rules;
pub mod transport;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use self::core::{Core, CoreHandle, LoopStats};
use crate::args::parse_interval;
use crate::cli::PeerArgs;
use crate::error::NodeError;
use crate::status_http::StatusServer;
use election::{Election, Timing, Votes};
use monitor::LoopTiming;
pub use rules::Rules;

/// Command line of `quiesce-node leader`: the node accepts its peers'
/// connections on `--listen`; `--peers` are the other nodes (its own
/// address among them is ignored).
#[derive(Debug, Clone, clap::Args)]
pub struct LeaderArgs {
    /// Name, addresses and peers.
    #[command(flatten)]
    pub node: PeerArgs,
    /// Nomad before (blocking-notify) or after (drop-but-last) the fix.
    #[arg(long, value_enum)]
    pub rules: Rules,
    /// Time between two heartbeats of the leader.
    #[arg(long, default_value = "100ms", value_parser = parse_interval)]
    pub heartbeat: Duration,
    /// Shortest election timeout; each is drawn between it and it plus
    /// the spread.
    #[arg(long, default_value = "500ms", value_parser = parse_interval)]
    pub election_timeout: Duration,
    /// The spread of election timeouts (default: the election timeout, so
    /// each is drawn between it and twice it); 0s makes each exactly the
    /// election timeout.
    #[arg(long, value_parser = crate::args::parse_duration)]
    pub election_spread: Option<Duration>,
    /// How the node grants votes: `one-per-term` (Raft), or
    /// `every-candidate`, a bug that lets two candidates win one term (for
    /// testing invariant checks; no seed has it).
    #[arg(long, value_enum, default_value_t = Votes::OnePerTerm)]
    pub votes: Votes,
    /// How long a leader leads without hearing from a majority.
    #[arg(long, default_value = "500ms", value_parser = parse_interval)]
    pub lease: Duration,
    /// Time the leader loop spends restoring state while establishing leadership.
    #[arg(long, default_value = "1s", value_parser = crate::args::parse_duration)]
    pub establish_work: Duration,
    /// Time between two reconciliations of the leader loop.
    #[arg(long, default_value = "500ms", value_parser = parse_interval)]
    pub reconcile_interval: Duration,
}

/// Runs a leader node from its command line until `shutdown` completes.
/// Must be called inside a Tokio runtime.
pub async fn run(args: LeaderArgs, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
    let node = &args.node;
    let listener = TcpListener::bind(node.listen).await.map_err(NodeError::bind("listener", node.listen))?;
    let listen = listener.local_addr().map_err(NodeError::start("leader"))?;
    let status = std::net::TcpListener::bind(node.status).map_err(NodeError::bind("status listener", node.status))?;
    let status_addr = status.local_addr().map_err(NodeError::start("leader"))?;
    let peers: Vec<SocketAddr> = node.peers.with_port(listen.port()).into_iter().filter(|p| *p != listen).collect();

    let name = node.name.to_string();
    let (inbound_tx, inbound) = mpsc::channel(1024);
    let (routes_tx, routes) = mpsc::unbounded_channel();
    let mut outbound = std::collections::HashMap::new();
    for &peer in &peers {
        let (tx, rx) = mpsc::channel(transport::QUEUE);
        outbound.insert(peer, tx);
        tokio::spawn(transport::dial(name.clone(), listen, peer, rx));
    }
    tokio::spawn(transport::accept(listener, inbound_tx, routes_tx));

    let timing = Timing {
        heartbeat: args.heartbeat,
        election_timeout: args.election_timeout,
        election_spread: args.election_spread,
        lease: args.lease,
    };
    let (notify_tx, notify_rx) = notify::channel(args.rules);
    let loop_stats = Arc::new(LoopStats::default());
    let core = Core {
        name: name.clone(),
        rules: args.rules,
        election: Election::new(&name, peers.len() + 1, timing, Instant::now()).with_votes(args.votes),
        inbound,
        outbound,
        routes,
        notify: notify_tx,
        loop_stats: Arc::clone(&loop_stats),
    };
    let (handle, core_task) = self::core::spawn(core);
    let loop_timing = LoopTiming { establish_work: args.establish_work, reconcile_interval: args.reconcile_interval };
    tokio::spawn(monitor::monitor(name.clone(), notify_rx, handle.clone(), loop_timing, loop_stats));
    serve_status(status, handle)?;
    eprintln!("leader {name} listening on {listen} ({}), {} peers", args.rules, peers.len());
    eprintln!("leader {name} status on http://{status_addr}/status");
    tokio::select! {
        () = shutdown => Ok(()),
        ended = core_task => Err(NodeError::CoreEnded(ended.err().map_or("it returned".into(), |e| e.to_string()))),
    }
}

/// Serves `GET /status` on its own thread: each request waits for the core
/// to answer, blocking that thread only.
fn serve_status(listener: std::net::TcpListener, core: CoreHandle) -> Result<(), NodeError> {
    listener.set_nonblocking(true).map_err(NodeError::start("leader"))?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(NodeError::start("leader"))?;
    std::thread::Builder::new()
        .name("status".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = match TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(err) => return eprintln!("leader: cannot serve the status: {err}"),
                };
                let source = move || core.status_blocking().unwrap_or_else(|| json!({"error": "the core stopped"}));
                StatusServer::new(listener, source).run().await;
            })
        })
        .map_err(NodeError::start("leader"))?;
    Ok(())
}
