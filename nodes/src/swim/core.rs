//! The SWIM state machine: probes, indirect probes, suspicion, refutation
//! and the broadcast queue. It owns no socket and no clock: the I/O layer
//! hands it packets and the time, and sends what it returns.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;
use serde_json::{json, Value};

use super::members::{Member, Members, Transition};
use super::queue::{retransmit_limit, BroadcastQueue};
use super::rules::{refutation, Rules, State};
use super::wire::{Broadcast, Kind, Packet, PushPull};

/// Room kept in each packet for everything but the broadcasts, in bytes.
const PACKET_OVERHEAD: usize = 160;

/// The protocol's timings and sizes.
#[derive(Debug, Clone)]
pub struct Config {
    /// memberlist before or after the fix.
    pub rules: Rules,
    /// Time between two probes (one member each).
    pub probe_interval: Duration,
    /// How long to wait for a direct ack before asking others.
    pub probe_timeout: Duration,
    /// How many members are asked to probe indirectly.
    pub indirect_checks: usize,
    /// Suspicion lasts `mult * max(1, log10(n)) * probe_interval`.
    pub suspicion_mult: u32,
    /// Updates are sent `mult * ceil(log10(n + 1))` times.
    pub retransmit_mult: u32,
    /// Time between two gossip rounds.
    pub gossip_interval: Duration,
    /// How many members each gossip round goes to.
    pub gossip_nodes: usize,
    /// How many bytes of a packet carry updates.
    pub packet_budget: usize,
    /// How long a dead member's entry stays before it is removed.
    pub dead_reap: Duration,
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Where.
    pub to: SocketAddr,
    /// To whom, for breakpoint labels (`?` when unknown).
    pub peer: String,
    /// What.
    pub packet: Packet,
}

/// What a node counts, reported in `/status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    /// State changes of members (joins, alive/suspect/dead moves): the
    /// node's flaps.
    pub flaps: u64,
    /// Members that became alive (joins and revivals).
    pub to_alive: u64,
    /// Members that became suspect.
    pub to_suspect: u64,
    /// Members that became dead.
    pub to_dead: u64,
    /// Alives accepted for a member forgotten while dead at that incarnation
    /// or a later one: the bug at work.
    pub revived_after_forget: u64,
    /// Alives ignored because the member is dead at that incarnation.
    pub stale_alives_rejected: u64,
    /// Dead members taken out of the map (`forget-on-dead`).
    pub forgotten: u64,
    /// Entries removed long after death.
    pub reaped: u64,
    /// Accusations of this node it answered with a higher incarnation.
    pub refutations: u64,
    /// Probes started.
    pub probes: u64,
    /// Probes without any ack.
    pub probe_failures: u64,
    /// Updates queued.
    pub broadcasts_queued: u64,
    /// Updates put in packets.
    pub broadcasts_sent: u64,
    /// Updates received.
    pub broadcasts_received: u64,
    /// Datagrams handed out to send.
    pub packets_sent: u64,
    /// Datagrams received.
    pub packets_received: u64,
    /// Push-pull exchanges merged.
    pub push_pulls: u64,
}

/// A probe in flight.
#[derive(Debug, Clone)]
struct Probe {
    seq: u64,
    target: String,
    addr: SocketAddr,
    incarnation: u64,
    indirect_at: Instant,
    asked_others: bool,
    deadline: Instant,
}

/// A ping sent for someone else's ping-req.
#[derive(Debug, Clone)]
struct Relay {
    seq: u64,
    origin: SocketAddr,
    origin_seq: u64,
    expires: Instant,
}

/// One node's protocol state.
#[derive(Debug)]
pub struct Swim {
    config: Config,
    me: String,
    addr: SocketAddr,
    incarnation: u64,
    members: Members,
    queue: BroadcastQueue,
    rng: SmallRng,
    seq: u64,
    probe: Option<Probe>,
    order: Vec<String>,
    next_probe: Instant,
    next_gossip: Instant,
    relays: Vec<Relay>,
    counters: Counters,
    started: Instant,
    /// The time of the packet or tick being handled, for log lines.
    now: Instant,
}

impl Swim {
    /// A node named `me` at `addr` that knows only itself, at incarnation 0.
    pub fn new(config: Config, me: &str, addr: SocketAddr, now: Instant) -> Self {
        let myself = Member { name: me.to_owned(), addr, incarnation: 0, state: State::Alive, since: now };
        let mut swim = Swim {
            next_probe: now + config.probe_interval,
            next_gossip: now + config.gossip_interval,
            config,
            me: me.to_owned(),
            addr,
            incarnation: 0,
            members: Members::new(myself),
            queue: BroadcastQueue::new(),
            rng: SmallRng::from_entropy(),
            seq: 0,
            probe: None,
            order: Vec::new(),
            relays: Vec::new(),
            counters: Counters::default(),
            started: now,
            now,
        };
        swim.enqueue(swim.alive_self());
        swim
    }

    /// The same node with its random choices (probe order, gossip targets,
    /// indirect helpers) drawn from `seed`, so a simulation replays exactly.
    pub fn seeded(mut self, seed: u64) -> Self {
        self.rng = SmallRng::seed_from_u64(seed);
        self
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.me
    }

    /// The members as held (for tests and status).
    pub fn members(&self) -> &Members {
        &self.members
    }

    /// The counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Handles one datagram from `from`; returns the datagrams to send.
    pub fn handle(&mut self, from: SocketAddr, packet: Packet, now: Instant) -> Vec<Outgoing> {
        self.now = now;
        self.counters.packets_received += 1;
        for update in packet.broadcasts() {
            self.counters.broadcasts_received += 1;
            self.learn(update, now);
        }
        let mut out = Vec::new();
        match packet {
            Packet::Ping { seq, from: peer, target, .. } if target == self.me => {
                let broadcasts = self.take_broadcasts();
                out.push(self.outgoing(from, &peer, Packet::Ack { seq, from: self.me.clone(), broadcasts }));
            }
            Packet::Ping { .. } | Packet::Gossip { .. } => {}
            Packet::Ack { seq, .. } => {
                if self.probe.as_ref().is_some_and(|p| p.seq == seq) {
                    self.probe = None;
                } else if let Some(i) = self.relays.iter().position(|r| r.seq == seq) {
                    let relay = self.relays.swap_remove(i);
                    let broadcasts = self.take_broadcasts();
                    let ack = Packet::Ack { seq: relay.origin_seq, from: self.me.clone(), broadcasts };
                    out.push(self.outgoing(relay.origin, "?", ack));
                }
            }
            Packet::PingReq { seq, target, target_addr, .. } => {
                self.seq += 1;
                let relay =
                    Relay { seq: self.seq, origin: from, origin_seq: seq, expires: now + self.config.probe_interval };
                self.relays.push(relay);
                let broadcasts = self.take_broadcasts();
                let ping = Packet::Ping { seq: self.seq, from: self.me.clone(), target: target.clone(), broadcasts };
                out.push(self.outgoing(target_addr, &target, ping));
            }
        }
        out
    }

    /// Moves timers on: suspicion timeouts, the probe in flight, the next
    /// probe and gossip round. Returns the datagrams to send.
    pub fn tick(&mut self, now: Instant) -> Vec<Outgoing> {
        self.now = now;
        self.relays.retain(|r| r.expires > now);
        self.expire_suspicions(now);
        let mut out = Vec::new();
        if let Some(probe) = self.probe.clone() {
            if !probe.asked_others && now >= probe.indirect_at {
                out.extend(self.ask_others(&probe));
            }
            if now >= probe.deadline {
                self.probe = None;
                self.counters.probe_failures += 1;
                let accusation = self.accusation(Kind::Suspect, &probe.target, probe.incarnation, probe.addr);
                self.learn(&accusation, now);
            }
        }
        if self.probe.is_none() && now >= self.next_probe {
            self.next_probe = now + self.config.probe_interval;
            self.reap(now);
            out.extend(self.start_probe(now));
        }
        if now >= self.next_gossip {
            self.next_gossip = now + self.config.gossip_interval;
            out.extend(self.gossip());
        }
        out
    }

    /// This node's state for a push-pull exchange.
    pub fn push_pull(&self) -> PushPull {
        PushPull { from: self.me.clone(), members: self.members.states() }
    }

    /// Merges a peer's push-pull state, as memberlist does: alive as alive,
    /// suspect and dead as suspect.
    pub fn merge(&mut self, remote: &PushPull, now: Instant) {
        self.now = now;
        self.counters.push_pulls += 1;
        for m in &remote.members {
            let kind = if m.state == State::Alive { Kind::Alive } else { Kind::Suspect };
            let from = (kind != Kind::Alive).then(|| remote.from.clone());
            let update = Broadcast { kind, node: m.name.clone(), incarnation: m.incarnation, addr: m.addr, from };
            self.learn(&update, now);
        }
    }

    /// A random member that is not dead, for a push-pull.
    pub fn push_pull_target(&mut self) -> Option<SocketAddr> {
        let others = self.others(|m| m.state != State::Dead);
        others.choose(&mut self.rng).map(|m| m.addr)
    }

    /// The node's `/status` body.
    pub fn status(&self) -> Value {
        let members: Vec<Value> = self
            .members
            .mapped()
            .map(|m| json!({"name": m.name, "state": m.state.as_str(), "incarnation": m.incarnation, "addr": m.addr}))
            .collect();
        let forgotten: Vec<&str> = self.members.unmapped().map(|m| m.name.as_str()).collect();
        json!({
            "name": self.me,
            "addr": self.addr,
            "incarnation": self.incarnation,
            "rules": self.config.rules.to_string(),
            "members": members,
            "forgotten": forgotten,
            "queue": self.queue.len(),
            "counters": self.counters,
        })
    }

    /// Applies one update, refuting it if it accuses this node, and queues
    /// it again if it changed anything.
    fn learn(&mut self, update: &Broadcast, now: Instant) {
        if update.node == self.me {
            let accusation = update.kind != Kind::Alive;
            if let Some(incarnation) = refutation(accusation, update.incarnation, self.incarnation) {
                self.refute(incarnation);
            }
            return;
        }
        let known = self.members.known(&update.node);
        // A forgotten entry at this incarnation or later: accepting the
        // update revives a dead member without a refutation.
        let was_forgotten = known.is_none()
            && self.members.unmapped().any(|m| m.name == update.node && m.incarnation >= update.incarnation);
        match self.members.apply(update, now) {
            None => {
                let stale = known.is_some_and(|k| k.state == State::Dead && k.incarnation == update.incarnation);
                if update.kind == Kind::Alive && stale {
                    self.counters.stale_alives_rejected += 1;
                }
            }
            Some(t) => {
                self.count(&t, was_forgotten);
                self.enqueue(update.clone());
            }
        }
    }

    fn count(&mut self, t: &Transition, was_forgotten: bool) {
        if !t.is_state_change() {
            return;
        }
        self.counters.flaps += 1;
        match t.to {
            State::Alive => self.counters.to_alive += 1,
            State::Suspect => self.counters.to_suspect += 1,
            State::Dead => self.counters.to_dead += 1,
        }
        if was_forgotten {
            self.counters.revived_after_forget += 1;
        }
        let from = t.from.map_or(if was_forgotten { "forgotten" } else { "unknown" }, State::as_str);
        self.log(format_args!("{} {from} -> {} at incarnation {}", t.node, t.to.as_str(), t.incarnation));
    }

    /// One line on stderr, stamped with the seconds since the node started.
    fn log(&self, what: std::fmt::Arguments<'_>) {
        let at = self.now.saturating_duration_since(self.started).as_secs_f64();
        eprintln!("swim {} {at:.3}s: {what}", self.me);
    }

    fn refute(&mut self, incarnation: u64) {
        self.incarnation = incarnation;
        self.members.set_incarnation(&self.me.clone(), incarnation);
        self.counters.refutations += 1;
        self.log(format_args!("refuting with incarnation {incarnation}"));
        self.enqueue(self.alive_self());
    }

    fn alive_self(&self) -> Broadcast {
        Broadcast {
            kind: Kind::Alive,
            node: self.me.clone(),
            incarnation: self.incarnation,
            addr: self.addr,
            from: None,
        }
    }

    fn accusation(&self, kind: Kind, node: &str, incarnation: u64, addr: SocketAddr) -> Broadcast {
        Broadcast { kind, node: node.to_owned(), incarnation, addr, from: Some(self.me.clone()) }
    }

    fn enqueue(&mut self, update: Broadcast) {
        self.counters.broadcasts_queued += 1;
        for replaced in self.queue.push(update) {
            self.finished(&replaced);
        }
    }

    /// The retransmission of `update` is over: under `forget-on-dead`, a
    /// dead member now leaves the map.
    fn finished(&mut self, update: &Broadcast) {
        let forget = update.kind == Kind::Dead && self.config.rules.forget_after_dead_broadcast();
        if forget && self.members.forget(&update.node, update.incarnation) {
            self.counters.forgotten += 1;
            self.log(format_args!("forgot {} (dead at incarnation {})", update.node, update.incarnation));
        }
    }

    fn take_broadcasts(&mut self) -> Vec<Broadcast> {
        let live = self.members.mapped().filter(|m| m.state != State::Dead).count();
        let limit = retransmit_limit(self.config.retransmit_mult, live);
        let taken = self.queue.take(self.config.packet_budget.saturating_sub(PACKET_OVERHEAD), limit);
        for done in &taken.finished {
            self.finished(done);
        }
        self.counters.broadcasts_sent += taken.sent.len() as u64;
        taken.sent
    }

    fn outgoing(&mut self, to: SocketAddr, peer: &str, packet: Packet) -> Outgoing {
        self.counters.packets_sent += 1;
        Outgoing { to, peer: peer.to_owned(), packet }
    }

    fn others(&self, keep: impl Fn(&Member) -> bool) -> Vec<Member> {
        self.members.mapped().filter(|m| m.name != self.me && keep(m)).cloned().collect()
    }

    fn suspicion_timeout(&self) -> Duration {
        let live = self.members.mapped().filter(|m| m.state != State::Dead).count().max(1);
        let scale = (live as f64).log10().max(1.0);
        self.config.probe_interval.mul_f64(f64::from(self.config.suspicion_mult) * scale)
    }

    fn expire_suspicions(&mut self, now: Instant) {
        let timeout = self.suspicion_timeout();
        let expired: Vec<Broadcast> = self
            .others(|m| m.state == State::Suspect && now.saturating_duration_since(m.since) >= timeout)
            .into_iter()
            .map(|m| self.accusation(Kind::Dead, &m.name, m.incarnation, m.addr))
            .collect();
        for dead in expired {
            self.learn(&dead, now);
        }
    }

    fn reap(&mut self, now: Instant) {
        let reaped = self.members.reap(now, self.config.dead_reap);
        self.counters.reaped += reaped.len() as u64;
    }

    /// The next member to probe: round robin over a shuffled order, skipping
    /// the dead.
    fn next_target(&mut self) -> Option<Member> {
        for _ in 0..2 {
            while let Some(name) = self.order.pop() {
                if let Some(m) = self.members.get(&name).filter(|m| m.state != State::Dead) {
                    return Some(m.clone());
                }
            }
            self.order = self.others(|m| m.state != State::Dead).into_iter().map(|m| m.name).collect();
            self.order.shuffle(&mut self.rng);
        }
        None
    }

    fn start_probe(&mut self, now: Instant) -> Option<Outgoing> {
        let target = self.next_target()?;
        self.seq += 1;
        self.counters.probes += 1;
        self.probe = Some(Probe {
            seq: self.seq,
            target: target.name.clone(),
            addr: target.addr,
            incarnation: target.incarnation,
            indirect_at: now + self.config.probe_timeout,
            asked_others: false,
            deadline: now + self.config.probe_interval,
        });
        let broadcasts = self.take_broadcasts();
        let ping = Packet::Ping { seq: self.seq, from: self.me.clone(), target: target.name.clone(), broadcasts };
        Some(self.outgoing(target.addr, &target.name, ping))
    }

    fn ask_others(&mut self, probe: &Probe) -> Vec<Outgoing> {
        if let Some(p) = self.probe.as_mut() {
            p.asked_others = true;
        }
        let mut helpers = self.others(|m| m.state == State::Alive && m.name != probe.target);
        helpers.shuffle(&mut self.rng);
        helpers.truncate(self.config.indirect_checks);
        helpers
            .into_iter()
            .map(|h| {
                let broadcasts = self.take_broadcasts();
                let req = Packet::PingReq {
                    seq: probe.seq,
                    from: self.me.clone(),
                    target: probe.target.clone(),
                    target_addr: probe.addr,
                    broadcasts,
                };
                self.outgoing(h.addr, &h.name, req)
            })
            .collect()
    }

    fn gossip(&mut self) -> Vec<Outgoing> {
        let mut out = Vec::new();
        if self.queue.is_empty() {
            return out;
        }
        let mut targets = self.others(|m| m.state != State::Dead);
        targets.shuffle(&mut self.rng);
        for t in targets.into_iter().take(self.config.gossip_nodes) {
            let broadcasts = self.take_broadcasts();
            if broadcasts.is_empty() {
                break;
            }
            let gossip = Packet::Gossip { from: self.me.clone(), broadcasts };
            out.push(self.outgoing(t.addr, &t.name, gossip));
        }
        out
    }
}

#[cfg(test)]
mod tests;
