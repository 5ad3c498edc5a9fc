//! Per directed node pair packet counters, kept by the switch.
//!
//! This is how churn is measured for any peer with no instrumentation:
//! every TCP SYN a node sends is a connection attempt, every RST a reset.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

/// Counts for one directed pair, as a snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairStats {
    /// Packets sent from `from` towards `to` (seen at the switch's ingress).
    pub packets: u64,
    /// Bytes of those packets (IP header included).
    pub bytes: u64,
    /// TCP SYN without ACK: connection attempts.
    pub syn: u64,
    /// TCP SYN+ACK: accepted connections.
    pub syn_ack: u64,
    /// TCP FIN.
    pub fin: u64,
    /// TCP RST.
    pub rst: u64,
}

impl PairStats {
    /// The counts accumulated since `earlier`.
    pub fn since(&self, earlier: &PairStats) -> PairStats {
        PairStats {
            packets: self.packets.saturating_sub(earlier.packets),
            bytes: self.bytes.saturating_sub(earlier.bytes),
            syn: self.syn.saturating_sub(earlier.syn),
            syn_ack: self.syn_ack.saturating_sub(earlier.syn_ack),
            fin: self.fin.saturating_sub(earlier.fin),
            rst: self.rst.saturating_sub(earlier.rst),
        }
    }
}

#[derive(Default)]
struct Cell {
    packets: AtomicU64,
    bytes: AtomicU64,
    syn: AtomicU64,
    syn_ack: AtomicU64,
    fin: AtomicU64,
    rst: AtomicU64,
}

/// What one packet contributes to its pair's counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct PacketKind {
    /// SYN without ACK.
    pub syn: bool,
    /// SYN with ACK.
    pub syn_ack: bool,
    /// FIN set.
    pub fin: bool,
    /// RST set.
    pub rst: bool,
}

/// Lock-free counters for every directed pair of `n` nodes.
pub struct PairCounters {
    nodes: usize,
    cells: Vec<Cell>,
}

impl PairCounters {
    /// Zeroed counters for `nodes` nodes.
    pub fn new(nodes: usize) -> PairCounters {
        let cells = (0..nodes * nodes).map(|_| Cell::default()).collect();
        PairCounters { nodes, cells }
    }

    /// Records one packet from `from` to `to` of `len` bytes.
    pub fn record(&self, from: usize, to: usize, len: usize, kind: PacketKind) {
        let cell = &self.cells[from * self.nodes + to];
        cell.packets.fetch_add(1, Relaxed);
        cell.bytes.fetch_add(len as u64, Relaxed);
        let bump = |flag: bool, c: &AtomicU64| {
            if flag {
                c.fetch_add(1, Relaxed);
            }
        };
        bump(kind.syn, &cell.syn);
        bump(kind.syn_ack, &cell.syn_ack);
        bump(kind.fin, &cell.fin);
        bump(kind.rst, &cell.rst);
    }

    /// A snapshot of one pair.
    pub fn get(&self, from: usize, to: usize) -> PairStats {
        let c = &self.cells[from * self.nodes + to];
        PairStats {
            packets: c.packets.load(Relaxed),
            bytes: c.bytes.load(Relaxed),
            syn: c.syn.load(Relaxed),
            syn_ack: c.syn_ack.load(Relaxed),
            fin: c.fin.load(Relaxed),
            rst: c.rst.load(Relaxed),
        }
    }

    /// A snapshot of every pair, row-major (`from * n + to`).
    pub fn snapshot(&self) -> Vec<PairStats> {
        (0..self.nodes).flat_map(|f| (0..self.nodes).map(move |t| (f, t))).map(|(f, t)| self.get(f, t)).collect()
    }

    /// The number of nodes.
    pub fn nodes(&self) -> usize {
        self.nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_directed_pair() {
        let c = PairCounters::new(3);
        let syn = PacketKind { syn: true, ..Default::default() };
        c.record(0, 1, 60, syn);
        c.record(0, 1, 40, PacketKind::default());
        c.record(1, 0, 60, PacketKind { syn_ack: true, ..Default::default() });
        assert_eq!(c.get(0, 1), PairStats { packets: 2, bytes: 100, syn: 1, ..Default::default() });
        assert_eq!(c.get(1, 0).syn_ack, 1);
        assert_eq!(c.get(2, 0), PairStats::default());
        let before = c.get(0, 1);
        c.record(0, 1, 60, syn);
        assert_eq!(c.get(0, 1).since(&before).syn, 1);
    }
}
