//! `quiesce-node ping`: the simplest reference peer.
//!
//! A ping node binds a UDP socket and a TCP listener on the same `--listen`
//! address and port, and an HTTP status endpoint on `--status`.
//!
//! - Every `--interval` it sends the datagram `ping <name> <seq>` to each of
//!   `--peers`; it answers every ping with `pong <name> <seq>` to the
//!   sender, and records when each peer last ponged and under which name.
//!   Pongs from addresses that are not in `--peers` are ignored.
//! - The TCP listener echoes whatever a connection sends.
//! - `GET /status` reports, with `reachable` the sorted names of the peers
//!   that ponged within the last 3 intervals, and `name` and
//!   `last_pong_ms_ago` null until a peer first answers:
//!
//! ```json
//! {
//!   "name": "n1",
//!   "reachable": ["n2"],
//!   "peers": {
//!     "10.0.0.2:7000": {"name": "n2", "last_pong_ms_ago": 112, "pings_sent": 40, "pongs_received": 39},
//!     "10.0.0.3:7000": {"name": null, "last_pong_ms_ago": null, "pings_sent": 40, "pongs_received": 0}
//!   },
//!   "counters": {"pings_received": 78, "tcp_connections": 1}
//! }
//! ```

mod table;
mod udp;
mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, UdpSocket};
use tokio::task::{JoinError, JoinSet};

use crate::args::{parse_interval, NodeName};
use crate::cli::PeerArgs;
use crate::echo::serve_echo;
use crate::error::NodeError;
use crate::status_http::StatusServer;
use table::PeerTable;
use udp::{lock, SharedTable};

/// Command line of `quiesce-node ping`: `--listen` is the address of the
/// UDP ping socket and of the TCP echo listener.
#[derive(Debug, Clone, clap::Args)]
pub struct PingArgs {
    /// Name, addresses and peers.
    #[command(flatten)]
    pub node: PeerArgs,
    /// Time between two rounds of pings, e.g. 200ms or 1s.
    #[arg(long, default_value = "200ms", value_parser = parse_interval)]
    pub interval: Duration,
}

impl PingArgs {
    /// What the node does, apart from where it listens.
    pub fn settings(&self) -> PingSettings {
        PingSettings {
            name: self.node.name.clone(),
            peers: self.node.peers.with_port(self.node.listen.port()),
            interval: self.interval,
        }
    }
}

/// Runs a ping node from its command line until `shutdown` completes.
pub async fn run(args: PingArgs, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
    // Connects to the harness's control socket when QUIESCE_CONTROL is set.
    let _ = tokio::task::spawn_blocking(quiesce_faults::breakpoint::init).await;
    let sockets = PingSockets::bind(args.node.listen, args.node.status).await?;
    let node = PingNode::new(args.settings(), sockets)?;
    eprintln!("ping {} listening on {}", args.node.name, node.listen_addr());
    eprintln!("ping {} status on http://{}/status", args.node.name, node.status_addr());
    node.run(shutdown).await
}

/// Who a ping node is, whom it pings and how often.
#[derive(Debug, Clone)]
pub struct PingSettings {
    /// The node's name.
    pub name: NodeName,
    /// The peers to ping.
    pub peers: Vec<SocketAddr>,
    /// Time between two rounds of pings; must not be zero.
    pub interval: Duration,
}

/// The bound sockets of a ping node. Tests bind them on port 0 themselves.
#[derive(Debug)]
pub struct PingSockets {
    /// The socket pings and pongs are sent and received on.
    pub udp: UdpSocket,
    /// The TCP echo listener.
    pub tcp: TcpListener,
    /// The listener of the status endpoint.
    pub status: TcpListener,
}

impl PingSockets {
    /// Binds UDP and TCP on `listen` (with port 0, TCP takes the port UDP
    /// got) and the status endpoint on `status`.
    pub async fn bind(listen: SocketAddr, status: SocketAddr) -> Result<Self, NodeError> {
        let udp = UdpSocket::bind(listen).await.map_err(NodeError::bind("UDP socket", listen))?;
        let tcp_addr = udp.local_addr().map_err(NodeError::LocalAddr)?;
        let tcp = TcpListener::bind(tcp_addr).await.map_err(NodeError::bind("TCP listener", tcp_addr))?;
        let status = TcpListener::bind(status).await.map_err(NodeError::bind("status listener", status))?;
        Ok(PingSockets { udp, tcp, status })
    }
}

/// A ping node ready to run.
#[derive(Debug)]
pub struct PingNode {
    settings: PingSettings,
    sockets: PingSockets,
    listen_addr: SocketAddr,
    echo_addr: SocketAddr,
    status_addr: SocketAddr,
    table: SharedTable,
}

impl PingNode {
    /// A node with `settings` on already bound `sockets`.
    pub fn new(settings: PingSettings, sockets: PingSockets) -> Result<Self, NodeError> {
        let listen_addr = sockets.udp.local_addr().map_err(NodeError::LocalAddr)?;
        let echo_addr = sockets.tcp.local_addr().map_err(NodeError::LocalAddr)?;
        let status_addr = sockets.status.local_addr().map_err(NodeError::LocalAddr)?;
        let table = PeerTable::new(settings.name.clone(), &settings.peers, settings.interval);
        let table = Arc::new(Mutex::new(table));
        Ok(PingNode { settings, sockets, listen_addr, echo_addr, status_addr, table })
    }

    /// The address of the UDP socket.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen_addr
    }

    /// The address of the TCP echo listener: the same as
    /// [`listen_addr`](Self::listen_addr) when bound by [`PingSockets::bind`].
    pub fn echo_addr(&self) -> SocketAddr {
        self.echo_addr
    }

    /// The address of the status endpoint.
    pub fn status_addr(&self) -> SocketAddr {
        self.status_addr
    }

    /// Pings, answers, echoes and reports until `shutdown` completes, then
    /// stops every task and returns `Ok`. Fails only if a task dies.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
        let mut tasks = self.spawn_tasks();
        tokio::select! {
            () = shutdown => {
                tasks.abort_all();
                Ok(())
            }
            Some(ended) = tasks.join_next() => Err(NodeError::TaskEnded(describe(ended))),
        }
    }

    fn spawn_tasks(self) -> JoinSet<()> {
        let PingNode { settings, sockets, table, .. } = self;
        let udp = Arc::new(sockets.udp);
        let mut tasks = JoinSet::new();
        let (pinger_udp, pinger_table) = (Arc::clone(&udp), Arc::clone(&table));
        tasks.spawn(udp::send_pings(pinger_udp, pinger_table, settings.peers, settings.interval));
        tasks.spawn(udp::answer(udp, Arc::clone(&table)));
        let echo_table = Arc::clone(&table);
        tasks.spawn(serve_echo(sockets.tcp, move || lock(&echo_table).tcp_connection()));
        let status = move || lock(&table).status(Instant::now());
        tasks.spawn(StatusServer::new(sockets.status, status).run());
        tasks
    }
}

/// Why a task that should run forever stopped.
fn describe(ended: Result<(), JoinError>) -> String {
    match ended {
        Ok(()) => "a task returned".to_owned(),
        Err(err) if err.is_panic() => "a task panicked".to_owned(),
        Err(err) => err.to_string(),
    }
}
