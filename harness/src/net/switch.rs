//! The switch: forwards IPv4 packets between the nodes' TUN devices,
//! applying the links and the active fault rules.
//!
//! One reader task per node reads its TUN device and forwards each packet
//! itself, so the common path (no fault active) takes no lock and makes no
//! allocation: parse the header, check the link, count, write. When rules
//! are active the verdict, and the queuing of a held packet, happen under
//! one mutex, which is also held while a release flushes a hold queue: a
//! packet that arrives during a release waits behind the queue, so released
//! flows stay in order.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use quiesce_faults::{parse_ipv4, tcp_reset_for, Engine, PacketMeta, ParseError, Rule, RuleKey, Verdict};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde::Serialize;
use tokio::task::JoinHandle;
use tokio_tun::Tun;

use super::counters::{PacketKind, PairCounters};
use super::links::LinkMatrix;
use super::subnet::Subnet;

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
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct DropCounts {
    /// Not IPv4, or truncated.
    pub malformed: u64,
    /// Source address is not the sending node's own.
    pub spoofed: u64,
    /// Destination outside the run's nodes.
    pub unknown: u64,
    /// Destination not linked to the source.
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

struct Faults {
    engine: Engine,
    held: HashMap<RuleKey, Vec<(usize, Box<[u8]>)>>,
    rng: SmallRng,
}

struct Shared {
    ports: Vec<Arc<Tun>>,
    subnet: Subnet,
    links: LinkMatrix,
    faults: Mutex<Faults>,
    active: AtomicBool,
    counters: PairCounters,
    drops: Drops,
    connections: tokio::sync::mpsc::UnboundedSender<ConnEvent>,
    capture: Option<super::capture::Capture>,
    /// Time zero for rate rules.
    epoch: std::time::Instant,
}

/// Handle to a running switch. Dropping it stops the reader tasks.
pub struct Switch {
    shared: Arc<Shared>,
    readers: Vec<JoinHandle<()>>,
}

impl Switch {
    /// Starts forwarding between `ports` (index = node), on the current
    /// tokio runtime. `seed` seeds the random choices of fault rules.
    pub fn start(
        ports: Vec<Tun>,
        subnet: Subnet,
        links: LinkMatrix,
        seed: u64,
        capture: Option<super::capture::Capture>,
    ) -> (Switch, tokio::sync::mpsc::UnboundedReceiver<ConnEvent>) {
        let nodes = ports.len();
        let (connections, conn_rx) = tokio::sync::mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            ports: ports.into_iter().map(Arc::new).collect(),
            subnet,
            links,
            faults: Mutex::new(Faults {
                engine: Engine::new(),
                held: HashMap::new(),
                rng: SmallRng::seed_from_u64(seed),
            }),
            active: AtomicBool::new(false),
            counters: PairCounters::new(nodes),
            drops: Drops::default(),
            connections,
            capture,
            epoch: std::time::Instant::now(),
        });
        let readers = (0..nodes).map(|i| tokio::spawn(read_loop(shared.clone(), i))).collect();
        (Switch { shared, readers }, conn_rx)
    }

    /// Adds a fault rule after the existing ones.
    pub fn add_rule(&self, rule: Rule) -> Result<(), String> {
        let mut f = self.shared.lock();
        f.engine.add(rule).map_err(|e| e.to_string())?;
        self.shared.active.store(true, Relaxed);
        Ok(())
    }

    /// Removes a rule by id; packets it held are delivered in order.
    /// Returns whether the rule existed.
    pub fn remove_rule(&self, id: &str) -> bool {
        let mut f = self.shared.lock();
        let Some(key) = f.engine.key(id) else { return false };
        f.engine.remove(id);
        self.shared.flush(&mut f, key);
        self.shared.active.store(!f.engine.is_empty(), Relaxed);
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
        self.shared.active.store(false, Relaxed);
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
}

impl Drop for Switch {
    fn drop(&mut self) {
        for r in &self.readers {
            r.abort();
        }
    }
}

async fn read_loop(shared: Arc<Shared>, node: usize) {
    let port = shared.ports[node].clone();
    let mut buf = vec![0u8; 65536];
    loop {
        match port.recv(&mut buf).await {
            Ok(len) => shared.forward(node, &buf[..len]),
            Err(e) => {
                tracing::warn!(node, error = %e, "switch port read failed; port closed");
                return;
            }
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Faults> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn node_of(&self, addr: Ipv4Addr) -> Option<u16> {
        self.subnet.index_of(addr, self.ports.len()).map(|i| i as u16)
    }

    fn forward(self: &Arc<Self>, from: usize, packet: &[u8]) {
        let meta = match parse_ipv4(packet, |a| self.node_of(a)) {
            Ok(meta) => meta,
            Err(e) => return self.count_parse_error(e),
        };
        if usize::from(meta.from) != from {
            self.drops.spoofed.fetch_add(1, Relaxed);
            return;
        }
        let to = usize::from(meta.to);
        if !self.links.linked(from, to) {
            self.drops.unlinked.fetch_add(1, Relaxed);
            return;
        }
        let kind = kind_of(&meta);
        self.counters.record(from, to, packet.len(), kind);
        if kind.syn || kind.rst {
            let event = ConnEvent { at: std::time::Instant::now(), from, to, syn: kind.syn, rst: kind.rst };
            // The receiver goes only when the run is over.
            let _ = self.connections.send(event);
        }
        if !self.active.load(Relaxed) {
            return self.write(to, packet);
        }
        let mut f = self.lock();
        let f = &mut *f;
        let now = self.epoch.elapsed();
        match f.engine.verdict(&meta, packet.len(), now, &mut f.rng) {
            Verdict::Deliver { delay, copies } if delay.is_zero() => {
                for _ in 0..copies {
                    self.write(to, packet);
                }
            }
            Verdict::Deliver { delay, copies } => {
                for _ in 0..copies {
                    self.delay(to, packet, delay);
                }
            }
            Verdict::Drop { .. } => {
                self.drops.faults.fetch_add(1, Relaxed);
            }
            Verdict::Hold { rule } => {
                f.held.entry(rule).or_default().push((to, packet.into()));
            }
            Verdict::Reject { .. } => {
                self.drops.faults.fetch_add(1, Relaxed);
                let mut reset = Vec::with_capacity(40);
                if tcp_reset_for(packet, &mut reset) {
                    self.write(from, &reset);
                }
            }
        }
    }

    fn count_parse_error(&self, e: ParseError) {
        let counter = match e {
            ParseError::UnknownSource(_) | ParseError::UnknownDestination(_) => &self.drops.unknown,
            _ => &self.drops.malformed,
        };
        counter.fetch_add(1, Relaxed);
    }

    fn delay(self: &Arc<Self>, to: usize, packet: &[u8], by: Duration) {
        let shared = self.clone();
        let packet: Box<[u8]> = packet.into();
        tokio::spawn(async move {
            tokio::time::sleep(by).await;
            shared.write(to, &packet);
        });
    }

    fn flush(&self, f: &mut Faults, key: RuleKey) {
        for (to, packet) in f.held.remove(&key).unwrap_or_default() {
            self.write(to, &packet);
        }
    }

    fn write(&self, to: usize, packet: &[u8]) {
        if let Some(capture) = &self.capture {
            capture.record(packet);
        }
        if self.ports[to].try_send(packet).is_err() {
            self.drops.write_errors.fetch_add(1, Relaxed);
        }
    }
}

fn kind_of(meta: &PacketMeta) -> PacketKind {
    let flags = meta.tcp_flags;
    if meta.proto != 6 {
        return PacketKind::default();
    }
    PacketKind { syn: flags.is_syn(), syn_ack: flags.is_syn_ack(), fin: flags.fin(), rst: flags.rst() }
}
