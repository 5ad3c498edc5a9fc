//! `quiesce-node mesh`: a small weave-mesh-like peer, with weave's
//! behaviour before and after the fix of #1554 (restarting a peer can lead
//! to permanent non-convergence and connection churn).
//!
//! Each start of a node draws a random `uid` (its incarnation, below 2^53)
//! and begins at `version` 1; the version grows with every change to the
//! node's own set of connections.
//!
//! - **Connections.** A node dials every `--peers` address and redials with
//!   backoff (100 ms doubling to 2 s, jittered) when the connection is lost;
//!   it also accepts connections on `--listen`. Both ends first send a
//!   `hello` (name, uid, version; the version is informational: a peer new
//!   to us is held at version 0 until its own gossip arrives). Of two
//!   connections between the same two peers the one initiated by the lower
//!   name is kept (a new one from the same initiator or another incarnation
//!   replaces the old).
//! - **Heartbeats.** Each end sends `heartbeat` when it sent nothing for
//!   `--heartbeat`; two intervals without any message close the connection.
//! - **Topology gossip.** A node holds name -> [`PeerInfo`] (name, uid,
//!   version, connections), itself included. On channel `topology` it sends
//!   its whole map to every neighbour whenever the map changes and every
//!   `--gossip-interval`. On channel `broadcast`, each change to its own
//!   information is sent to every neighbour and relayed by each receiver to
//!   its other neighbours, once per `(origin, origin_uid, seq)`.
//! - **Garbage collection.** After every change, peers the node cannot reach
//!   by following connections as held ([`rules::unreachable()`]) are removed.
//! - **Rules** (`--rules`, see [`rules`]): `pre-1554` drops a connection
//!   when a handshake or gossip shows another incarnation of a known peer;
//!   `post-1554` orders information by `(version, uid)` and lets a restarted
//!   peer move its version past its old incarnation's.
//! - **Breakpoints** `gossip.send`, `gossip.broadcast`, `gossip.receive`
//!   with labels `channel` and `peer` (and `src`, the origin, on
//!   `gossip.broadcast`): see [`breakpoints`].
//!
//! # Wire format
//!
//! One JSON object per line (at most 1 MiB), tagged by `type`:
//!
//! ```text
//! {"type":"hello","name":"n1","uid":123,"version":4}
//! {"type":"heartbeat"}
//! {"type":"gossip","peers":[{"name":"n1","uid":123,"version":4,"connections":["n2"]}, ...]}
//! {"type":"broadcast","origin":"n2","origin_uid":456,"seq":7,"peers":[{"name":"n2",...}]}
//! ```
//!
//! # Status
//!
//! `GET /status` on `--status`; `peers` is the whole map sorted by name,
//! `connections` the names of live direct connections, and the counters
//! count connections whose handshake completed and how they ended:
//!
//! ```json
//! {
//!   "name": "n1", "uid": 123, "version": 4, "rules": "post-1554",
//!   "peers": [
//!     {"name": "n1", "uid": 123, "version": 4, "connections": ["n2", "n3"]},
//!     {"name": "n2", "uid": 456, "version": 3, "connections": ["n1", "n3"]},
//!     {"name": "n3", "uid": 789, "version": 3, "connections": ["n1", "n2"]}
//!   ],
//!   "connections": ["n2", "n3"],
//!   "counters": {"connects": 3, "disconnects": 1,
//!                "disconnect_reasons": {"duplicate connection": 1}}
//! }
//! ```
//!
//! Disconnect reasons: `heartbeat timeout`, `closed by remote`, `read
//! error`, `write error`, `protocol error`, `duplicate connection`,
//! `connection to self`, `shutdown`, `thread error`, and under pre-1554 `uid mismatch`
//! (gossip) and `incarnation mismatch` (handshake).
//!
//! Threads: the protocol runs on std threads (per connection a reader, a
//! writer and a gossip sender; plus accept, one dialer per address and a
//! gossip timer), so a breakpoint blocks exactly the thread that hit it.
//! The status endpoint runs on the caller's Tokio runtime.

pub mod breakpoints;
mod conn;
mod node;
pub mod rules;
mod seen;
mod sender;
mod state;
pub mod topology;
pub mod wire;

use std::future::Future;
use std::time::Duration;

use crate::args::parse_interval;
use crate::cli::PeerArgs;
use crate::error::NodeError;
use crate::status_http::StatusServer;
pub use node::{Backoff, Mesh, MeshSettings, StatusHandle, MAX_BACKOFF, MIN_BACKOFF};
pub use rules::{PeerInfo, Rules};

/// Command line of `quiesce-node mesh`: the node accepts mesh connections
/// on `--listen` and dials every one of `--peers`.
#[derive(Debug, Clone, clap::Args)]
pub struct MeshArgs {
    /// Name, addresses and peers.
    #[command(flatten)]
    pub node: PeerArgs,
    /// weave's behaviour before (pre-1554) or after (post-1554) the fix.
    #[arg(long, value_enum)]
    pub rules: Rules,
    /// Time between heartbeats; two silent intervals close a connection.
    #[arg(long, default_value = "200ms", value_parser = parse_interval)]
    pub heartbeat: Duration,
    /// Time between two rounds of periodic topology gossip.
    #[arg(long, default_value = "1s", value_parser = parse_interval)]
    pub gossip_interval: Duration,
}

impl MeshArgs {
    /// What the node does, apart from where it listens.
    pub fn settings(&self) -> MeshSettings {
        MeshSettings {
            name: self.node.name.clone(),
            peers: self.node.peers.with_port(self.node.listen.port()),
            rules: self.rules,
            heartbeat: self.heartbeat,
            gossip_interval: self.gossip_interval,
        }
    }
}

/// Runs a mesh node from its command line until `shutdown` completes.
/// Must be called inside a Tokio runtime (it serves the status endpoint).
pub async fn run(args: MeshArgs, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
    breakpoints::init();
    let PeerArgs { name, listen, status, .. } = &args.node;
    let listener = std::net::TcpListener::bind(listen).map_err(NodeError::bind("mesh listener", *listen))?;
    let status = tokio::net::TcpListener::bind(status).await.map_err(NodeError::bind("status listener", *status))?;
    let status_addr = status.local_addr().map_err(NodeError::start("mesh"))?;
    let mesh = Mesh::start(args.settings(), listener).map_err(NodeError::start("mesh"))?;
    eprintln!("mesh {name} listening on {} ({})", mesh.listen_addr(), args.rules);
    eprintln!("mesh {name} status on http://{status_addr}/status");
    let handle = mesh.status_handle();
    let server = StatusServer::new(status, move || handle.status());
    tokio::select! {
        () = shutdown => {}
        () = server.run() => {}
    }
    mesh.stop();
    Ok(())
}
