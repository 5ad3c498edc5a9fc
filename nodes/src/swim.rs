//! `quiesce-node swim`: a SWIM membership peer over UDP, with memberlist's
//! behaviour before and after the fix of its dead/alive flapping (see
//! `seeds/memberlist-dead-alive-flapping.txt`).
//!
//! - **Probes.** Every `--probe-interval` a node pings one member (round
//!   robin over a shuffled list, skipping the dead). Without an ack within
//!   `--probe-timeout` it asks `--indirect-checks` others to ping it
//!   (`ping-req`) and relay the ack; without any ack by the end of the
//!   interval it marks the member *suspect*.
//! - **Suspicion.** A suspect that does not refute within
//!   `--suspicion-mult * max(1, log10(n)) * --probe-interval` is declared
//!   *dead*. A node accused (suspect or dead at its incarnation) refutes by
//!   raising its incarnation and broadcasting `alive`.
//! - **Broadcasts.** Every change is queued and piggybacked on pings, acks,
//!   ping-reqs and gossip datagrams (every `--gossip-interval` to
//!   `--gossip-nodes` members), at most `--packet-budget` bytes a datagram,
//!   until sent `--retransmit-mult * ceil(log10(n + 1))` times; the least
//!   sent go first, so on a busy bus old updates wait ([`queue`]). With
//!   `--gossip-port` the gossip datagrams leave from a socket of their own on
//!   that port, so a fault on it (a `rate` or a `stall` on
//!   `{proto: udp, port: ...}`) saturates the gossip bus while probes and
//!   acks still go through: what memberlist's full queues did, without
//!   making the failure detector itself lose probes.
//! - **Push-pull.** A node joins by exchanging its whole state over TCP with
//!   one of `--peers` (retrying every second until one answers), and then
//!   with a random member every `--push-pull-interval`.
//! - **Rules** (`--rules`, see [`rules`]): `forget-on-dead` takes a dead
//!   member out of the lookup map once its death has been retransmitted, so
//!   a replayed alive of the same incarnation revives it; `keep-on-dead`
//!   keeps it (until `--dead-reap` later) and rejects stale alives.
//! - **Breakpoints** `broadcast.send` and `broadcast.receive`: see
//!   [`breakpoints`].
//!
//! # Status
//!
//! `GET /status` on `--status`. `members` is the lookup map in list order;
//! `forgotten` names the list entries missing from it. `counters.flaps`
//! counts every change of a member's state this node made (joins, alive ->
//! suspect -> dead, revivals): a quiet cluster stops counting.
//!
//! ```json
//! {
//!   "name": "n1", "addr": "10.77.0.2:7946", "incarnation": 0, "rules": "keep-on-dead",
//!   "members": [{"name": "n1", "state": "alive", "incarnation": 0, "addr": "10.77.0.2:7946"},
//!               {"name": "n2", "state": "dead", "incarnation": 3, "addr": "10.77.0.3:7946"}],
//!   "forgotten": [], "queue": 0,
//!   "counters": {"flaps": 4, "to_alive": 2, "to_suspect": 1, "to_dead": 1, "revived_after_forget": 0,
//!                "stale_alives_rejected": 7, "forgotten": 0, "reaped": 0, "refutations": 0, ...}
//! }
//! ```
//!
//! The wire format is in [`wire`]; the state machine, without sockets or
//! clock, in `core`.

pub mod breakpoints;
mod core;
pub mod members;
mod net;
pub mod queue;
pub mod rules;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, UdpSocket};

pub use self::core::{Config, Counters, Outgoing, Swim};
use crate::args::parse_interval;
use crate::cli::PeerArgs;
use crate::error::NodeError;
use crate::status_http::StatusServer;
pub use rules::Rules;

/// Command line of `quiesce-node swim`: `--listen` is the address of the
/// UDP socket and of the push-pull TCP listener; the node joins through
/// `--peers`.
#[derive(Debug, Clone, clap::Args)]
pub struct SwimArgs {
    /// Name, addresses and peers.
    #[command(flatten)]
    pub node: PeerArgs,
    /// memberlist before (forget-on-dead) or after (keep-on-dead) the fix.
    #[arg(long, value_enum)]
    pub rules: Rules,
    /// Time between two probes.
    #[arg(long, default_value = "1s", value_parser = parse_interval)]
    pub probe_interval: Duration,
    /// How long to wait for a direct ack before probing indirectly.
    #[arg(long, default_value = "500ms", value_parser = parse_interval)]
    pub probe_timeout: Duration,
    /// How many members are asked to probe indirectly.
    #[arg(long, default_value_t = 3)]
    pub indirect_checks: usize,
    /// Suspicion timeout, in probe intervals times max(1, log10(members)).
    #[arg(long, default_value_t = 4)]
    pub suspicion_mult: u32,
    /// Retransmissions of an update, times ceil(log10(members + 1)).
    #[arg(long, default_value_t = 4)]
    pub retransmit_mult: u32,
    /// Time between two gossip rounds.
    #[arg(long, default_value = "200ms", value_parser = parse_interval)]
    pub gossip_interval: Duration,
    /// How many members each gossip round goes to.
    #[arg(long, default_value_t = 3)]
    pub gossip_nodes: usize,
    /// Bytes of updates a datagram carries at most.
    #[arg(long, default_value_t = 1400)]
    pub packet_budget: usize,
    /// Send gossip datagrams from this UDP port of the --listen address
    /// instead of the main socket, so that a fault can pace or stall gossip
    /// without touching probes and acks.
    #[arg(long, value_name = "PORT")]
    pub gossip_port: Option<u16>,
    /// Time between two push-pull exchanges with a random member.
    #[arg(long, default_value = "30s", value_parser = parse_interval)]
    pub push_pull_interval: Duration,
    /// How long a dead member stays known before it is removed.
    #[arg(long, default_value = "30s", value_parser = parse_interval)]
    pub dead_reap: Duration,
}

impl SwimArgs {
    /// The protocol's settings.
    pub fn config(&self) -> Config {
        Config {
            rules: self.rules,
            probe_interval: self.probe_interval,
            probe_timeout: self.probe_timeout,
            indirect_checks: self.indirect_checks,
            suspicion_mult: self.suspicion_mult,
            retransmit_mult: self.retransmit_mult,
            gossip_interval: self.gossip_interval,
            gossip_nodes: self.gossip_nodes,
            packet_budget: self.packet_budget,
            dead_reap: self.dead_reap,
        }
    }
}

/// Runs a SWIM node from its command line until `shutdown` completes.
pub async fn run(args: SwimArgs, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
    let _ = tokio::task::spawn_blocking(breakpoints::init).await;
    let PeerArgs { name, peers, .. } = &args.node;
    let udp = UdpSocket::bind(args.node.listen).await.map_err(NodeError::bind("UDP socket", args.node.listen))?;
    let listen = udp.local_addr().map_err(NodeError::LocalAddr)?;
    let tcp = TcpListener::bind(listen).await.map_err(NodeError::bind("push-pull listener", listen))?;
    let gossip = match args.gossip_port {
        Some(port) => {
            let addr = SocketAddr::new(listen.ip(), port);
            Some(UdpSocket::bind(addr).await.map_err(NodeError::bind("gossip socket", addr))?)
        }
        None => None,
    };
    let status =
        TcpListener::bind(args.node.status).await.map_err(NodeError::bind("status listener", args.node.status))?;
    let status_addr = status.local_addr().map_err(NodeError::LocalAddr)?;

    let swim = Swim::new(args.config(), name.as_str(), listen, Instant::now());
    let shared = Arc::new(Mutex::new(swim));
    let seeds = peers.with_port(listen.port());
    let sockets = net::Sockets { udp, gossip, tcp };
    let mut tasks = net::spawn(Arc::clone(&shared), sockets, seeds, args.push_pull_interval);
    eprintln!("swim {name} listening on {listen} ({})", args.rules);
    eprintln!("swim {name} status on http://{status_addr}/status");
    let server = StatusServer::new(status, move || net::lock(&shared).status());
    tasks.spawn(server.run());
    tokio::select! {
        () = shutdown => {
            tasks.abort_all();
            Ok(())
        }
        Some(ended) = tasks.join_next() => {
            let why = match ended {
                Err(err) if err.is_panic() => "a task panicked".to_owned(),
                Err(err) => err.to_string(),
                Ok(()) => "a task returned".to_owned(),
            };
            Err(NodeError::TaskEnded(why))
        }
    }
}
