//! The validated plan of a suite: names resolved to indices, durations typed,
//! templates checked. Built by [`super::load`] without I/O beyond reading the
//! file; consumed by the runtime.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

/// Index of a node in [`Plan::nodes`] (also its offset in the subnet).
pub type NodeId = usize;

/// A whole suite, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// `name:`; defaults to the file stem.
    pub name: String,
    /// `about:`
    pub about: Option<String>,
    /// The file it was loaded from.
    pub source: PathBuf,
    /// `subnet:` network address; default 10.77.0.0.
    pub subnet: Ipv4Addr,
    /// `subnet:` prefix length; default 16.
    pub prefix: u8,
    /// `seed:`; default 1.
    pub seed: u64,
    /// `programs:` by name.
    pub programs: BTreeMap<String, Program>,
    /// `nodes:` in file order; `NodeId` indexes this.
    pub nodes: Vec<NodePlan>,
    /// `links:`
    pub links: Links,
    /// `variants:`; a single `default` variant (expect pass) when absent.
    pub variants: Vec<Variant>,
    /// `steps:`
    pub steps: Vec<Step>,
    /// `checks:`
    pub checks: Vec<Check>,
}

/// How to run and observe one kind of peer.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Its key under `programs:`.
    pub name: String,
    /// argv, each element a template (see [`Template`]).
    pub command: Vec<Template>,
    /// Extra environment, values are templates.
    pub env: BTreeMap<String, Template>,
    /// How to read a node's state; `None` means the node is observed only
    /// by being alive.
    pub probe: Option<Probe>,
    /// jq expression turning the probe's JSON into the node's view;
    /// `None` means the whole probe result is the view.
    pub view: Option<String>,
    /// Grace period between TERM and KILL when stopping (`grace:`, default 3s).
    pub grace: Duration,
}

/// A probe, run inside the node's namespace.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// `{ http: URL }`: GET, body parsed as JSON. URL is a template.
    Http {
        /// The URL, a template.
        url: Template,
        /// How long the probe may take.
        timeout: Duration,
    },
    /// `{ command: [argv...] }`: stdout parsed as JSON. Elements are templates.
    Command {
        /// argv, templates.
        argv: Vec<Template>,
        /// How long the probe may take.
        timeout: Duration,
    },
}

/// A string with `{name}`, `{addr}`, `{peers}`, `{index}`, `{variant.KEY}`,
/// `{addr:NODE}` placeholders, already checked for unknown placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(pub Vec<Piece>);

/// One piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text (`{{` and `}}` already unescaped).
    Text(String),
    /// `{name}`
    Name,
    /// `{addr}`
    Addr,
    /// `{peers}`: comma-separated addresses of the linked nodes.
    Peers,
    /// `{index}`
    Index,
    /// `{variant.KEY}`
    Variant(String),
    /// `{addr:NODE}`
    AddrOf(NodeId),
}

/// One node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodePlan {
    /// Its key under `nodes:`.
    pub name: String,
    /// The key of its program.
    pub program: String,
}

/// Which node pairs can exchange packets.
#[derive(Debug, Clone, PartialEq)]
pub enum Links {
    /// Every pair (the default).
    FullMesh,
    /// Only these undirected pairs (`a-b`).
    Pairs(Vec<(NodeId, NodeId)>),
}

/// A variant of the suite.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Its key under `variants:`.
    pub name: String,
    /// `expect:`; default pass.
    pub expect: Expect,
    /// Every other key, for `{variant.KEY}`.
    pub values: BTreeMap<String, String>,
}

/// What a variant's checks are expected to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The checks pass.
    Pass,
    /// The checks fail: a reproduction of a known bug.
    Fail,
}

/// One step, with the line it came from (for progress and errors).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 1-based line of the step in the suite file.
    pub line: usize,
    /// What it does.
    pub action: Action,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `sleep: 5s`
    Sleep(Duration),
    /// `await: converged` / `await: diverged`, with `within:` (default 60s).
    Await {
        /// What to wait for.
        condition: AwaitCondition,
        /// The deadline.
        within: Duration,
    },
    /// `pause: NODES`
    Pause(Vec<NodeId>),
    /// `resume: NODES`
    Resume(Vec<NodeId>),
    /// `kill: NODES` (optional `signal:`, default SIGKILL)
    Kill {
        /// The nodes.
        nodes: Vec<NodeId>,
        /// Signal name, upper case, without `SIG`.
        signal: String,
    },
    /// `start: NODES`
    Start(Vec<NodeId>),
    /// `restart: NODES`
    Restart(Vec<NodeId>),
    /// `partition: [[a, b], [c, d, e]]`: no packets between groups.
    Partition {
        /// The fault id, for `heal`/`release`.
        id: String,
        /// Node groups.
        groups: Vec<Vec<NodeId>>,
    },
    /// `heal: all` or `heal: ID` or `heal: [ID, ...]`.
    Heal(Heal),
    /// `drop: FLOW` with `probability:` (default 1.0).
    Drop {
        /// The fault id, for `heal`/`release`.
        id: String,
        /// Which packets.
        flow: FlowSpec,
        /// Chance of dropping each packet.
        probability: f64,
    },
    /// `stall: FLOW`: hold the flow's packets in the switch.
    Stall {
        /// The fault id, for `heal`/`release`.
        id: String,
        /// Which packets.
        flow: FlowSpec,
    },
    /// `release: all` or `release: ID`: deliver held packets in order.
    Release(Heal),
    /// `delay: FLOW` with `by:` (fixed) and `jitter:` (default 0).
    Delay {
        /// The fault id, for `heal`/`release`.
        id: String,
        /// Which packets.
        flow: FlowSpec,
        /// Fixed delay.
        by: Duration,
        /// Extra uniform random delay, up to this.
        jitter: Duration,
    },
}

/// A condition `await` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwaitCondition {
    /// Every running node answers and all views are equal.
    Converged,
    /// Every running node answers and the views are not all equal.
    Diverged,
}

/// Which faults `heal`/`release` undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heal {
    /// Every active fault (of the kind, for `release`).
    All,
    /// These fault ids.
    Ids(Vec<String>),
}

/// `{from, to, proto, port}`; absent fields match everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowSpec {
    /// Source nodes.
    pub from: Option<Vec<NodeId>>,
    /// Destination nodes.
    pub to: Option<Vec<NodeId>>,
    /// Transport protocol.
    pub proto: Option<Proto>,
    /// Source or destination port.
    pub port: Option<u16>,
}

/// A transport protocol in a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// `tcp`
    Tcp,
    /// `udp`
    Udp,
    /// `icmp`
    Icmp,
}

/// A check evaluated after the steps.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// `converged: {within, stable-for}` (defaults 60s, 3s).
    Converged {
        /// The deadline.
        within: Duration,
        /// How long the views must stay equal.
        stable_for: Duration,
    },
    /// `live: {timeout}` (default 2s): every running node answers its probe.
    Live {
        /// How long the probe may take.
        timeout: Duration,
    },
}
