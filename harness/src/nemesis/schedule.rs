//! A drawn schedule: the faults a nemesis step starts, each with its start,
//! its length and its nodes, as data. [`super::draw`] makes one from a
//! seed, [`super::render`] writes it as ordinary steps, [`super::shrink`]
//! makes it smaller. Times are milliseconds from the nemesis' start.
//!
//! A schedule is *sound* ([`Schedule::problems`]) when every fault ends by
//! the nemesis' end, no more than `max_active` are active at once, and no
//! node is in two process faults (pause, kill, restart, breakpoint) at once:
//! those are what make every fault's undo step (heal, release, resume,
//! start, disarm) undo exactly that fault.

use serde::{Deserialize, Serialize};

use crate::suite::plan::{NemesisFault, Shape};

/// The faults one nemesis step starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// The seed it was drawn from.
    pub seed: u64,
    /// How long the nemesis runs, in milliseconds.
    pub time_ms: u64,
    /// The most faults active at once it was drawn with.
    pub max_active: usize,
    /// How long it waits, with no fault, after `time_ms` (the nemesis'
    /// `settle`); shrinking leaves it alone.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub settle_ms: u64,
    /// The faults, by start.
    pub faults: Vec<Drawn>,
}

fn is_zero(ms: &u64) -> bool {
    *ms == 0
}

/// One fault of a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drawn {
    /// Its number in the schedule as drawn, from 1; it stays through
    /// shrinking, and names the fault (`nemesis-3`).
    pub number: usize,
    /// When it starts.
    pub start_ms: u64,
    /// How long it lasts (0 for `restart`, which is over at once).
    pub length_ms: u64,
    /// How its nodes were drawn.
    pub shape: Shape,
    /// What it does.
    pub fault: Fault,
}

/// What a fault does, with its nodes by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Fault {
    /// Nodes in different groups cannot reach each other.
    Partition {
        /// The groups.
        groups: Vec<Vec<String>>,
    },
    /// `from` cannot reach `to`.
    OneWay {
        /// The senders cut off.
        from: Vec<String>,
        /// The receivers they cannot reach.
        to: Vec<String>,
    },
    /// Drops that share of the flow's packets.
    Drop {
        /// The packets.
        flow: Flow,
        /// The share dropped.
        probability: f64,
    },
    /// Holds the flow's packets until released.
    Stall {
        /// The packets.
        flow: Flow,
    },
    /// Delays the flow's packets.
    Delay {
        /// The packets.
        flow: Flow,
        /// The fixed delay.
        by_ms: u64,
        /// The most random extra delay.
        jitter_ms: u64,
    },
    /// Delivers that share of the flow's packets twice.
    Duplicate {
        /// The packets.
        flow: Flow,
        /// The share duplicated.
        probability: f64,
    },
    /// Holds that share of the flow's packets back by `gap_ms`.
    Reorder {
        /// The packets.
        flow: Flow,
        /// The share held back.
        probability: f64,
        /// How long.
        gap_ms: u64,
    },
    /// Paces the flow.
    Rate {
        /// The packets.
        flow: Flow,
        /// Bits per second.
        bits_per_second: u64,
    },
    /// Answers the flow's TCP packets with RST.
    Reject {
        /// The packets.
        flow: Flow,
    },
    /// SIGSTOP, then SIGCONT.
    Pause {
        /// The nodes.
        nodes: Vec<String>,
    },
    /// SIGKILL, then start.
    Kill {
        /// The nodes.
        nodes: Vec<String>,
    },
    /// Stop and start at once.
    Restart {
        /// The nodes.
        nodes: Vec<String>,
    },
    /// Arms a point, then disarms it.
    Breakpoint {
        /// The nodes.
        nodes: Vec<String>,
        /// The point.
        point: String,
        /// `pause` or `skip`.
        action: String,
    },
}

/// The packets a network fault applies to: from these nodes to those.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// Senders.
    pub from: Vec<String>,
    /// Receivers.
    pub to: Vec<String>,
}

impl Fault {
    /// Its kind, as the nemesis step names it.
    pub fn kind(&self) -> NemesisFault {
        match self {
            Fault::Partition { .. } => NemesisFault::Partition,
            Fault::OneWay { .. } => NemesisFault::OneWay,
            Fault::Drop { .. } => NemesisFault::Drop,
            Fault::Stall { .. } => NemesisFault::Stall,
            Fault::Delay { .. } => NemesisFault::Delay,
            Fault::Duplicate { .. } => NemesisFault::Duplicate,
            Fault::Reorder { .. } => NemesisFault::Reorder,
            Fault::Rate { .. } => NemesisFault::Rate,
            Fault::Reject { .. } => NemesisFault::Reject,
            Fault::Pause { .. } => NemesisFault::Pause,
            Fault::Kill { .. } => NemesisFault::Kill,
            Fault::Restart { .. } => NemesisFault::Restart,
            Fault::Breakpoint { .. } => NemesisFault::Breakpoint,
        }
    }

    /// The nodes whose processes it acts on (none for a network fault):
    /// no two active faults may share one.
    pub fn processes(&self) -> &[String] {
        match self {
            Fault::Pause { nodes } | Fault::Kill { nodes } | Fault::Restart { nodes } => nodes,
            Fault::Breakpoint { nodes, .. } => nodes,
            _ => &[],
        }
    }

    /// The flow of a flow fault, to change it.
    pub fn flow_mut(&mut self) -> Option<&mut Flow> {
        match self {
            Fault::Drop { flow, .. }
            | Fault::Stall { flow }
            | Fault::Delay { flow, .. }
            | Fault::Duplicate { flow, .. }
            | Fault::Reorder { flow, .. }
            | Fault::Rate { flow, .. }
            | Fault::Reject { flow } => Some(flow),
            _ => None,
        }
    }
}

impl Drawn {
    /// When it ends.
    pub fn end_ms(&self) -> u64 {
        self.start_ms + self.length_ms
    }

    /// Whether it is active at `t`: started, and not yet ended (a restart,
    /// of length 0, is active only at its start).
    pub fn active_at(&self, t: u64) -> bool {
        self.start_ms <= t && (t < self.end_ms() || t == self.start_ms)
    }

    /// The fault's id in the steps it is written as.
    pub fn id(&self) -> String {
        format!("nemesis-{}", self.number)
    }
}

impl Schedule {
    /// How many faults, and the time from the start to the last fault's
    /// end: a schedule's size, which shrinking reduces.
    pub fn size(&self) -> (usize, u64) {
        (self.faults.len(), self.faults.iter().map(Drawn::end_ms).max().unwrap_or(0))
    }

    /// What makes the schedule unsound, if anything (empty when sound).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.faults {
            if f.end_ms() > self.time_ms {
                out.push(format!(
                    "fault {} ends at {} ms, after the nemesis ({} ms)",
                    f.number,
                    f.end_ms(),
                    self.time_ms
                ));
            }
            let (restart, instant) = (matches!(f.fault, Fault::Restart { .. }), f.length_ms == 0);
            if restart != instant {
                out.push(format!("fault {} has length {} ms", f.number, f.length_ms));
            }
        }
        for f in &self.faults {
            let t = f.start_ms;
            let active: Vec<&Drawn> = self.faults.iter().filter(|g| g.active_at(t)).collect();
            if active.len() > self.max_active {
                out.push(format!("{} faults are active at {t} ms, more than {}", active.len(), self.max_active));
            }
            for g in active.iter().filter(|g| g.number != f.number) {
                if let Some(n) = f.fault.processes().iter().find(|n| g.fault.processes().contains(n)) {
                    out.push(format!("faults {} and {} both act on {n}'s process at {t} ms", f.number, g.number));
                }
            }
        }
        out
    }
}
