//! The switch: forwards IPv4 packets between the nodes' TUN devices,
//! applying the links and the active fault rules.
//!
//! Every IP protocol is forwarded (TCP, UDP, ICMP, VRRP's 112, ...). A
//! packet to the subnet's broadcast address, to `255.255.255.255` or to a
//! multicast group (`224.0.0.0/4`) is copied to every node linked to the
//! sender, never back to it (see [`super::subnet::Destination`]); each
//! copy is counted for its pair and judged by the rules exactly as a
//! unicast packet from the sender to that receiver, so a partition or a
//! drop toward one receiver removes only that receiver's copy.
//!
//! # How packets flow
//!
//! - **Workers and fds.** A fixed set of workers (one per core, at most
//!   eight, never more than ports; see `workers.rs`) serves every port, so
//!   a thousand nodes cost the same threads as ten. Port `i` belongs to
//!   worker `i % n` for the switch's life. A worker is an epoll loop over
//!   its ports (non-blocking TUN fds, level-triggered), a timerfd and the
//!   stop eventfd; from a ready port it reads up to 64 packets, forwarding
//!   each as it is read, before it serves the next port. It writes each
//!   packet with one `writev` to the destination's fd, whichever worker
//!   owns that port: a write is a syscall on an fd, and each is one packet.
//! - **Per-flow order.** All of a flow's packets enter through the
//!   sender's port, so one worker reads them, in order, and judges and
//!   writes each before it reads the next; delayed packets leave its timer
//!   heap by due time, ties in the order they were delayed. The workers
//!   never reorder a flow: only a rule's delay does (reorder, jitter).
//! - **Routing** (`Shared::forward`): split the virtio-net header, read the
//!   IP header, check the source is the port's node, find the destination
//!   (a node, or every linked node for a broadcast), check the link.
//! - **Counters and churn** (`Shared::deliver`): per receiver, the per-pair
//!   atomic counters (a super-segment counts as its segments) and a
//!   [`ConnEvent`] for a SYN or RST on an unbounded channel; drops are
//!   atomics too.
//! - **Verdicts** (`faulted.rs`, `rules.rs`). Each worker holds a copy of
//!   the rules' matchers and checks, per packet, one atomic generation
//!   number that says whether it is stale (then, once, it takes the faults
//!   mutex to fetch the new copy). A packet no rule matches (every
//!   packet, when there are no rules) is written at once: no lock, no
//!   allocation. Only a packet some rule matches takes the faults mutex,
//!   where the engine, its counters, its rate pacers and its seeded RNG
//!   live, and gets its verdict there exactly as before: a drop's `count`
//!   and a rate rule's queue are the rule's, not a worker's.
//! - **Held packets** go into a queue per rule key under the faults mutex.
//!   `remove_rule`/`remove_all` flush it from the caller's thread while
//!   holding the mutex, and publish the new rules only then: a packet of
//!   the flow that arrives meanwhile either still sees the rule and waits
//!   for the mutex, or sees it gone after the flush ended. Either way it
//!   is written after the released queue.
//! - **Delayed packets** (delay, jitter, reorder, rate) wait in the heap of
//!   the worker that judged them (`timers.rs`), due at the engine's clock
//!   plus the delay, and its timerfd wakes it for the first one, to the
//!   nanosecond. When the switch stops, packets still delayed are
//!   discarded, as a link going down discards its queue.
//! - **Capture**: every packet written, when a capture runs, is copied
//!   (checksum completed) down the capture's channel, from the writing
//!   thread, with no lock of the switch's; super-segments are cut into
//!   their wire segments first, by the worker, in its own buffer.
//! - **A refused write** (`EAGAIN` included: the destination's queue is
//!   full) is dropped and counted as a write error, as a NIC drops what
//!   its full ring cannot take; a worker never waits on one port's
//!   receiver. (A TUN write does not refuse in practice: the packet goes
//!   up the receiving namespace's stack within the write, which drops what
//!   a full socket buffer cannot take, as it would from a NIC.)
//!
//! Per packet, then: no lock unless a rule matches it, a `writev`, and one
//! `read` (TUN has no multi-packet read or write). Workers on io_uring,
//! with a multishot read per port, were measured against this on a
//! 2-core machine and did not pay (BENCHMARKS.md: small packets equal,
//! round trip and idle CPU worse). Multi-queue TUN could let several
//! workers read one busy port, but a second queue per port would hand a
//! port's flows to more than one worker, and 2 cores have no worker to
//! spare for it.
//!
//! Before issue 18 each port had an OS thread of its own, which read only
//! that port and forwarded what it read; a delayed packet was a tokio task
//! sleeping on a 1 ms timer, and while any rule was active (or a capture
//! ran) every packet took the faults mutex.
//!
//! Ports made by [`super::namespace`] carry offloaded packets (see
//! [`super::offload`]): TCP super-segments pass whole on the common path,
//! and are counted as the segments they stand for. Fault rules always see
//! wire packets: a super-segment that any rule could match is cut into its
//! segments first and each gets its own verdict; one that no rule matches
//! passes whole, which is exact because a rule that does not match a
//! packet neither changes it nor draws a random number nor moves its rate
//! clock.

mod faulted;
mod rules;
mod timers;
mod workers;

use std::collections::HashMap;
use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed, Ordering::Release};
use std::sync::{Arc, Mutex, MutexGuard};

use quiesce_faults::{read_ipv4, Engine, NodeIx, PacketHeaders, PacketMeta, ParseError, Rule, RuleKey};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::counters::{PacketKind, PairCounters};
use super::links::LinkMatrix;
use super::offload::{complete_checksum, Segments, VnetHdr};
use super::port::Port;
use super::subnet::{Destination, Subnet};
use rules::RuleSet;
use workers::{Local, Workers};

/// A TCP connection attempt or reset seen by the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnEvent {
    /// When the switch saw it.
    pub at: std::time::Instant,
    /// Sender's node index.
    pub from: usize,
    /// Receiver's node index.
    pub to: usize,
    /// A SYN without ACK (a connection attempt, retransmissions included).
    pub syn: bool,
    /// A RST.
    pub rst: bool,
}

/// Packets the switch did not deliver, by reason.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, Deserialize)]
pub struct DropCounts {
    /// Not IPv4, or truncated.
    pub malformed: u64,
    /// Source address is not the sending node's own.
    pub spoofed: u64,
    /// Source, or destination, neither a node of the run nor (for the
    /// destination) a broadcast or multicast address.
    pub unknown: u64,
    /// Destination not linked to the source. A broadcast or multicast
    /// packet is copied to the linked nodes only and counts nothing here.
    pub unlinked: u64,
    /// Dropped by a fault rule.
    pub faults: u64,
    /// The destination TUN refused the write.
    pub write_errors: u64,
}

#[derive(Default)]
struct Drops {
    malformed: AtomicU64,
    spoofed: AtomicU64,
    unknown: AtomicU64,
    unlinked: AtomicU64,
    faults: AtomicU64,
    write_errors: AtomicU64,
}

/// A packet a hold rule keeps until its release.
struct Held {
    to: usize,
    hdr: VnetHdr,
    packet: Box<[u8]>,
}

/// What the faults mutex guards.
struct Faults {
    engine: Engine,
    held: HashMap<RuleKey, Vec<Held>>,
    rng: SmallRng,
    /// The engine's matchers, for the workers (see `rules.rs`).
    rules: Arc<RuleSet>,
}

struct Shared {
    ports: Vec<Port>,
    subnet: Subnet,
    links: LinkMatrix,
    faults: Mutex<Faults>,
    /// Bumped, under the faults mutex, each time `Faults::rules` changes.
    generation: AtomicU64,
    counters: PairCounters,
    drops: Drops,
    connections: tokio::sync::mpsc::UnboundedSender<ConnEvent>,
    capture: Option<super::capture::Capture>,
    /// Time zero for rate rules.
    epoch: std::time::Instant,
    /// When a rule last dropped or rejected a packet: nanoseconds since
    /// `epoch`, plus one (0 = never).
    last_fault_drop: AtomicU64,
}

/// Handle to a running switch. Dropping it stops and joins the workers.
pub struct Switch {
    shared: Arc<Shared>,
    workers: Workers,
}

impl Switch {
    /// Starts forwarding between `ports` (index = node), with one worker
    /// per core (at most eight, and no more than there are ports). `seed`
    /// seeds the random choices of fault rules. Fails if the OS refuses a
    /// thread, an epoll set, a timerfd or an eventfd. Needs no tokio
    /// runtime.
    pub fn try_start<P: Into<Port>>(
        ports: Vec<P>,
        subnet: Subnet,
        links: LinkMatrix,
        seed: u64,
        capture: Option<super::capture::Capture>,
    ) -> io::Result<(Switch, tokio::sync::mpsc::UnboundedReceiver<ConnEvent>)> {
        let workers = workers::default_count(ports.len());
        Switch::try_start_with_workers(ports, subnet, links, seed, capture, workers)
    }

    /// As [`Switch::try_start`], with `workers` workers (at least one).
    pub fn try_start_with_workers<P: Into<Port>>(
        ports: Vec<P>,
        subnet: Subnet,
        links: LinkMatrix,
        seed: u64,
        capture: Option<super::capture::Capture>,
        workers: usize,
    ) -> io::Result<(Switch, tokio::sync::mpsc::UnboundedReceiver<ConnEvent>)> {
        let nodes = ports.len();
        let (connections, conn_rx) = tokio::sync::mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            ports: ports.into_iter().map(Into::into).collect(),
            subnet,
            links,
            faults: Mutex::new(Faults {
                engine: Engine::new(),
                held: HashMap::new(),
                rng: SmallRng::seed_from_u64(seed),
                rules: Arc::default(),
            }),
            generation: AtomicU64::new(0),
            counters: PairCounters::new(nodes),
            drops: Drops::default(),
            connections,
            capture,
            epoch: std::time::Instant::now(),
            last_fault_drop: AtomicU64::new(0),
        });
        let workers = Workers::spawn(&shared, workers)?;
        Ok((Switch { shared, workers }, conn_rx))
    }

    /// Adds a fault rule after the existing ones.
    pub fn add_rule(&self, rule: Rule) -> Result<(), String> {
        let mut f = self.shared.lock();
        f.engine.add(rule).map_err(|e| e.to_string())?;
        self.shared.publish(&mut f);
        Ok(())
    }

    /// Removes a rule by id; packets it held are delivered in order.
    /// Returns whether the rule existed.
    pub fn remove_rule(&self, id: &str) -> bool {
        let mut f = self.shared.lock();
        let Some(key) = f.engine.key(id) else { return false };
        f.engine.remove(id);
        self.shared.flush(&mut f, key);
        self.shared.publish(&mut f);
        true
    }

    /// Removes every rule, delivering every held packet.
    pub fn remove_all(&self) -> Vec<String> {
        let mut f = self.shared.lock();
        let keys: Vec<RuleKey> = f.engine.rules().map(|(k, _)| k).collect();
        let ids: Vec<String> = f.engine.remove_all().into_iter().map(|r| r.id).collect();
        for key in keys {
            self.shared.flush(&mut f, key);
        }
        self.shared.publish(&mut f);
        ids
    }

    /// The ids of the active rules, in order.
    pub fn rule_ids(&self) -> Vec<String> {
        self.shared.lock().engine.ids().map(str::to_string).collect()
    }

    /// Packets currently held by the rule `id`.
    pub fn held(&self, id: &str) -> usize {
        let f = self.shared.lock();
        f.engine.key(id).and_then(|k| f.held.get(&k)).map_or(0, Vec::len)
    }

    /// The per-pair counters.
    pub fn counters(&self) -> &PairCounters {
        &self.shared.counters
    }

    /// Packets not delivered, by reason.
    pub fn drops(&self) -> DropCounts {
        let d = &self.shared.drops;
        DropCounts {
            malformed: d.malformed.load(Relaxed),
            spoofed: d.spoofed.load(Relaxed),
            unknown: d.unknown.load(Relaxed),
            unlinked: d.unlinked.load(Relaxed),
            faults: d.faults.load(Relaxed),
            write_errors: d.write_errors.load(Relaxed),
        }
    }

    /// How many worker threads serve the ports.
    pub fn workers(&self) -> usize {
        self.workers.count()
    }
}

impl Switch {
    /// When a rule last dropped or rejected a packet, if one ever did: with
    /// a rule that drops one packet, how soon after `add_rule` it bit.
    pub fn last_fault_drop(&self) -> Option<std::time::Instant> {
        match self.shared.last_fault_drop.load(Relaxed) {
            0 => None,
            n => Some(self.shared.epoch + std::time::Duration::from_nanos(n - 1)),
        }
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        self.workers.stop();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Faults> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands the engine's current rules to the workers. Call it with the
    /// faults mutex held, after any held packets were flushed.
    fn publish(&self, f: &mut Faults) {
        f.rules = Arc::new(RuleSet::of(&f.engine));
        self.generation.fetch_add(1, Release);
    }

    fn node_of(&self, addr: Ipv4Addr) -> Option<NodeIx> {
        self.subnet.index_of(addr, self.ports.len()).map(|i| i as NodeIx)
    }

    /// Forwards one frame read from `from`'s port: to the node it is
    /// addressed to, or a copy to every node linked to `from` for a
    /// broadcast or multicast packet.
    fn forward(&self, local: &mut Local, from: usize, frame: &[u8]) {
        let Some((hdr, packet)) = self.ports[from].split(frame) else {
            self.drops.malformed.fetch_add(1, Relaxed);
            return;
        };
        let headers = match read_ipv4(packet) {
            Ok(headers) => headers,
            Err(e) => return self.count_parse_error(e),
        };
        match self.node_of(headers.src) {
            Some(sender) if usize::from(sender) == from => {}
            Some(_) => return drop_one(&self.drops.spoofed),
            None => return drop_one(&self.drops.unknown),
        }
        match self.subnet.destination(headers.dst, self.ports.len()) {
            Some(Destination::Node(to)) if self.links.linked(from, to) => {
                self.deliver(local, from, to, &headers, hdr, packet);
            }
            Some(Destination::Node(_)) => drop_one(&self.drops.unlinked),
            Some(Destination::Linked) => {
                for to in self.links.neighbours(from) {
                    self.deliver(local, from, to, &headers, hdr, packet);
                }
            }
            None => drop_one(&self.drops.unknown),
        }
    }

    /// Counts and delivers one packet, or one copy of a broadcast, from
    /// `from` to `to`, as the rules judge it.
    fn deliver(&self, local: &mut Local, from: usize, to: usize, headers: &PacketHeaders, hdr: VnetHdr, packet: &[u8]) {
        let meta = headers.meta(from as NodeIx, to as NodeIx);
        let segments = hdr.tcp4_segment_size().and_then(|mss| Segments::new(packet, mss));
        let kind = kind_of(&meta);
        self.count(from, to, packet.len(), kind, segments.as_ref());
        if kind.syn || kind.rst {
            let event = ConnEvent { at: std::time::Instant::now(), from, to, syn: kind.syn, rst: kind.rst };
            // The receiver goes only when the run is over.
            let _ = self.connections.send(event);
        }
        self.judge(local, from, to, &meta, hdr, packet, segments);
    }

    /// Counts a packet, or the segments a super-segment stands for (only
    /// the last of which carries FIN).
    fn count(&self, from: usize, to: usize, len: usize, kind: PacketKind, segments: Option<&Segments<'_>>) {
        match segments {
            Some(s) if s.count() > 1 => {
                for i in 0..s.count() - 1 {
                    self.counters.record(from, to, s.len_of(i), PacketKind::default());
                }
                self.counters.record(from, to, s.len_of(s.count() - 1), kind);
            }
            _ => self.counters.record(from, to, len, kind),
        }
    }

    fn count_parse_error(&self, e: ParseError) {
        let counter = match e {
            ParseError::UnknownSource(_) | ParseError::UnknownDestination(_) => &self.drops.unknown,
            _ => &self.drops.malformed,
        };
        counter.fetch_add(1, Relaxed);
    }

    /// Writes the packets `key` held, in the order they came.
    fn flush(&self, f: &mut Faults, key: RuleKey) {
        for held in f.held.remove(&key).unwrap_or_default() {
            self.write(held.to, &held.hdr, &held.packet);
        }
    }

    /// Writes a packet to `to`'s port (and the capture).
    fn write(&self, to: usize, hdr: &VnetHdr, packet: &[u8]) {
        let port = &self.ports[to];
        if !port.has_vnet_hdr() && !hdr.is_plain() {
            return self.write_finished(to, hdr, packet);
        }
        if let Some(capture) = &self.capture {
            match hdr.needs_csum() {
                false => capture.record(packet),
                true => {
                    let mut copy = packet.to_vec();
                    complete_checksum(&mut copy, hdr);
                    capture.record(&copy);
                }
            }
        }
        if port.write(hdr, packet).is_err() {
            self.drops.write_errors.fetch_add(1, Relaxed);
        }
    }

    /// Writes an offloaded packet to a port that takes only plain ones:
    /// cut into segments, or with its checksum filled in.
    fn write_finished(&self, to: usize, hdr: &VnetHdr, packet: &[u8]) {
        let mut plain = Vec::with_capacity(packet.len());
        match hdr.tcp4_segment_size().and_then(|mss| Segments::new(packet, mss)) {
            Some(segments) => {
                for i in 0..segments.count() {
                    segments.write(i, &mut plain);
                    self.write(to, &VnetHdr::NONE, &plain);
                }
            }
            None => {
                plain.extend_from_slice(packet);
                complete_checksum(&mut plain, hdr);
                self.write(to, &VnetHdr::NONE, &plain);
            }
        }
    }
}

fn drop_one(counter: &AtomicU64) {
    counter.fetch_add(1, Relaxed);
}

fn kind_of(meta: &PacketMeta) -> PacketKind {
    let flags = meta.tcp_flags;
    if meta.proto != 6 {
        return PacketKind::default();
    }
    PacketKind { syn: flags.is_syn(), syn_ack: flags.is_syn_ack(), fin: flags.fin(), rst: flags.rst() }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod flow_tests;
