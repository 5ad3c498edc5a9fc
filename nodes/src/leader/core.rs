//! The election core: one task that owns the [`Election`], reads the
//! peers' messages and the requests of the rest of the node, and announces
//! leadership changes on the notify channel.
//!
//! The announcement is awaited inside the core's loop, as Raft's
//! `runLeader` writes to `NotifyCh`: with a rendezvous channel the core
//! answers nothing else (no peer, no request, no status) until the monitor
//! takes the value.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

use super::election::{Election, Role, To};
use super::notify;
use super::rules::Rules;
use super::wire::Msg;

/// How often the core looks at its timers.
const TICK: Duration = Duration::from_millis(10);

/// The cluster configuration the leader loop reads (Raft's
/// `GetConfiguration`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// The term it was read in.
    pub term: u64,
    /// Every member's name, this node included, as far as known.
    pub members: Vec<String>,
}

/// The core is not the leader (Raft's `ErrNotLeader`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotLeader;

/// A request to the core, answered on its channel.
#[derive(Debug)]
pub enum Request {
    /// Read the configuration.
    Configuration(oneshot::Sender<Configuration>),
    /// Wait until a majority has acknowledged this leader after the request
    /// (Raft's `Barrier`); fails at once on a non-leader, or when
    /// leadership is lost first.
    Barrier(oneshot::Sender<Result<u64, NotLeader>>),
    /// The node's `/status` body; a std channel, so that a plain thread can
    /// wait for it.
    Status(std::sync::mpsc::SyncSender<Value>),
}

/// How the rest of the node talks to the core. Every call waits for the
/// answer with no timeout, as Nomad's leader loop calls into Raft.
#[derive(Debug, Clone)]
pub struct CoreHandle {
    requests: mpsc::UnboundedSender<Request>,
}

impl CoreHandle {
    /// The configuration; `None` once the core is gone.
    pub async fn configuration(&self) -> Option<Configuration> {
        let (tx, rx) = oneshot::channel();
        self.requests.send(Request::Configuration(tx)).ok()?;
        rx.await.ok()
    }

    /// A barrier; `None` once the core is gone.
    pub async fn barrier(&self) -> Option<Result<u64, NotLeader>> {
        let (tx, rx) = oneshot::channel();
        self.requests.send(Request::Barrier(tx)).ok()?;
        rx.await.ok()
    }

    /// The status, from a thread that is not async: blocks until the core
    /// answers (forever if it is wedged). `None` once the core is gone.
    pub fn status_blocking(&self) -> Option<Value> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.requests.send(Request::Status(tx)).ok()?;
        rx.recv().ok()
    }
}

/// What the leader loop reports about itself, read by the core for
/// `/status` (plain counters, so reading them never waits).
#[derive(Debug, Default)]
pub struct LoopStats {
    /// Leader loops started.
    pub started: AtomicU64,
    /// Establishments completed.
    pub established: AtomicU64,
    /// Leader loops stopped.
    pub stopped: AtomicU64,
    /// Reconciliations done.
    pub reconciles: AtomicU64,
}

impl LoopStats {
    fn snapshot(&self) -> Value {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let (started, stopped) = (get(&self.started), get(&self.stopped));
        json!({
            "running": started > stopped,
            "started": started,
            "established": get(&self.established),
            "stopped": stopped,
            "reconciles": get(&self.reconciles),
        })
    }
}

/// Everything the core task needs.
pub struct Core {
    /// The node's name.
    pub name: String,
    /// Before or after the fix, for `/status`.
    pub rules: Rules,
    /// The election.
    pub election: Election,
    /// Messages from peers: `(name, message)`.
    pub inbound: mpsc::Receiver<(String, Msg)>,
    /// One queue per peer address, drained by that peer's dialer.
    pub outbound: HashMap<SocketAddr, mpsc::Sender<Msg>>,
    /// Which address each peer name listens on, learned from hellos.
    pub routes: mpsc::UnboundedReceiver<(String, SocketAddr)>,
    /// Where leadership changes go.
    pub notify: notify::Sender<bool>,
    /// The leader loop's counters.
    pub loop_stats: Arc<LoopStats>,
}

/// The core's own counters.
#[derive(Debug, Default)]
struct Counters {
    gained: u64,
    lost: u64,
    notified: u64,
}

/// Starts the core; returns the handle to reach it and its task.
pub fn spawn(core: Core) -> (CoreHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (CoreHandle { requests: tx }, tokio::spawn(run(core, rx)))
}

async fn run(mut core: Core, mut requests: mpsc::UnboundedReceiver<Request>) {
    let mut names: HashMap<String, SocketAddr> = HashMap::new();
    let mut barriers: Vec<(Instant, oneshot::Sender<Result<u64, NotLeader>>)> = Vec::new();
    let mut acked: HashMap<String, Instant> = HashMap::new();
    let mut counters = Counters::default();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let now = Instant::now();
        let fx = tokio::select! {
            Some((from, msg)) = core.inbound.recv() => {
                if matches!(msg, Msg::HeartbeatReply { term } if term == core.election.term()) {
                    acked.insert(from.clone(), now);
                }
                core.election.handle(&from, msg, now)
            }
            Some((name, addr)) = core.routes.recv() => {
                names.insert(name, addr);
                continue;
            }
            Some(request) = requests.recv() => {
                answer(&core, request, &names, &mut barriers, &counters);
                continue;
            }
            _ = ticker.tick() => core.election.tick(now),
            else => return,
        };
        send(&core, &names, fx.send);
        settle_barriers(&core.election, &acked, &mut barriers);
        if let Some(leader) = announce(&core, fx.leadership, &mut counters) {
            // The await that Raft's runLeader makes: with a rendezvous
            // channel, nothing else in this loop runs until it returns.
            if core.notify.send(leader).await {
                counters.notified += 1;
            }
        }
    }
}

/// Logs and counts a leadership change; returns it if there is one.
fn announce(core: &Core, change: Option<bool>, counters: &mut Counters) -> Option<bool> {
    let leader = change?;
    if leader {
        counters.gained += 1;
    } else {
        counters.lost += 1;
    }
    let what = if leader { "gained" } else { "lost" };
    eprintln!("leader {}: {what} leadership in term {}", core.name, core.election.term());
    Some(leader)
}

fn send(core: &Core, names: &HashMap<String, SocketAddr>, messages: Vec<(To, Msg)>) {
    for (to, msg) in messages {
        match to {
            To::All => {
                for queue in core.outbound.values() {
                    let _ = queue.try_send(msg.clone());
                }
            }
            To::Peer(name) => {
                if let Some(queue) = names.get(&name).and_then(|addr| core.outbound.get(addr)) {
                    let _ = queue.try_send(msg);
                }
            }
        }
    }
}

/// Answers barriers: with the term once a majority acked after the
/// request, with [`NotLeader`] once this node no longer leads.
fn settle_barriers(
    election: &Election,
    acked: &HashMap<String, Instant>,
    barriers: &mut Vec<(Instant, oneshot::Sender<Result<u64, NotLeader>>)>,
) {
    let leading = election.role() == Role::Leader;
    let mut waiting = Vec::new();
    for (asked, reply) in barriers.drain(..) {
        let acks = acked.values().filter(|&&t| t >= asked).count() + 1;
        if !leading {
            let _ = reply.send(Err(NotLeader));
        } else if acks >= election.quorum() {
            let _ = reply.send(Ok(election.term()));
        } else {
            waiting.push((asked, reply));
        }
    }
    *barriers = waiting;
}

fn answer(
    core: &Core,
    request: Request,
    names: &HashMap<String, SocketAddr>,
    barriers: &mut Vec<(Instant, oneshot::Sender<Result<u64, NotLeader>>)>,
    counters: &Counters,
) {
    match request {
        Request::Configuration(reply) => {
            let mut members: Vec<String> = names.keys().cloned().collect();
            members.push(core.name.clone());
            members.sort();
            let _ = reply.send(Configuration { term: core.election.term(), members });
        }
        Request::Barrier(reply) => {
            if core.election.role() == Role::Leader {
                barriers.push((Instant::now(), reply));
            } else {
                let _ = reply.send(Err(NotLeader));
            }
        }
        Request::Status(reply) => {
            let e = &core.election;
            let _ = reply.send(json!({
                "name": core.name,
                "rules": core.rules.to_string(),
                "term": e.term(),
                "role": e.role().as_str(),
                "leader": e.leader(),
                "voted_for": e.voted_for(),
                "counters": {
                    "elections": e.elections(),
                    "leadership_gained": counters.gained,
                    "leadership_lost": counters.lost,
                    "notifications": counters.notified,
                },
                "leader_loop": core.loop_stats.snapshot(),
            }));
        }
    }
}
