//! The validated plan of a suite: names resolved to indices, durations typed,
//! templates checked. Built by [`super::load`] without I/O beyond reading the
//! file; consumed by the runtime.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use quiesce_faults::Proto;

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
    /// `points:` the breakpoints the program has, if declared; steps that
    /// arm, continue, disarm or await a point not listed are rejected.
    pub points: Option<Vec<String>>,
}

/// A probe, run inside the node's namespace.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// `{ http: URL, body }`: GET (POST with a body), the answer parsed as
    /// JSON. URL and body are templates.
    Http {
        /// The URL, a template.
        url: Template,
        /// What to POST, if anything.
        body: Option<Template>,
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
    /// `{dir}`: the node's own folder, kept across its restarts.
    Dir,
    /// `{dir:NODE}`: another node's folder.
    DirOf(NodeId),
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

/// What a variant's checks are expected to do: `expect: pass` or `fail`.
pub use super::vocabulary::Expect;

/// One step, with the line it came from (for progress and errors).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 1-based line of the step in the suite file.
    pub line: usize,
    /// What it does.
    pub action: Action,
    /// Whether a target is `{where: JQ}`: every node is probed just before
    /// the step runs.
    pub probes: bool,
    /// `variants:`: the variants it runs in; `None` for every variant.
    pub variants: Option<Vec<String>>,
}

impl Step {
    /// Whether the step runs in the variant named `variant`.
    pub fn runs_in(&self, variant: &str) -> bool {
        self.variants.as_ref().is_none_or(|names| names.iter().any(|n| n == variant))
    }
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `sleep: 5s`
    Sleep(Duration),
    /// `await: CONDITION`, with `within:` (default 60s).
    Await {
        /// What to wait for.
        condition: AwaitCondition,
        /// The deadline.
        within: Duration,
    },
    /// `pause: TARGETS`: SIGSTOP.
    Pause(Targets),
    /// `resume: TARGETS`: SIGCONT.
    Resume(Targets),
    /// `kill: TARGETS` (optional `signal:`, default KILL): signal and reap.
    Kill {
        /// The nodes.
        nodes: Targets,
        /// Signal name, upper case, without `SIG`.
        signal: String,
    },
    /// `signal: TARGETS` with `name:` (required, e.g. USR1): send, don't wait.
    Signal {
        /// The nodes.
        nodes: Targets,
        /// Signal name, upper case, without `SIG`.
        signal: String,
    },
    /// `start: TARGETS`
    Start(Targets),
    /// `restart: TARGETS`
    Restart(Targets),
    /// `partition: [[a, b], [c, d, e]]` (groups; overlapping allowed) or
    /// `partition: {from: A, to: B}` (one-way: A cannot reach B).
    Partition {
        /// The fault id, for `heal`.
        id: String,
        /// Who cannot reach whom.
        shape: PartitionShape,
    },
    /// `heal: all` or `heal: ID` or `heal: [ID, ...]`.
    Heal(Heal),
    /// `drop: FLOW` with `probability:` (default 1.0) and/or `count:`.
    Drop {
        /// The fault id, for `heal`.
        id: String,
        /// Which packets.
        flow: FlowSpec,
        /// Chance of dropping each packet.
        probability: f64,
        /// Drop only this many packets, then let the flow through.
        count: Option<u64>,
    },
    /// `stall: FLOW`: hold the flow's packets in the switch.
    Stall {
        /// The fault id, for `release`/`heal`.
        id: String,
        /// Which packets.
        flow: FlowSpec,
    },
    /// `release: all` or `release: ID`: deliver held packets in order.
    Release(Heal),
    /// `delay: FLOW` with `by:` (fixed) and `jitter:` (default 0).
    Delay {
        /// The fault id, for `heal`.
        id: String,
        /// Which packets.
        flow: FlowSpec,
        /// Fixed delay.
        by: Duration,
        /// Extra uniform random delay, up to this.
        jitter: Duration,
    },
    /// `duplicate: FLOW` with `probability:` (default 1.0): deliver twice.
    Duplicate {
        /// The fault id, for `heal`.
        id: String,
        /// Which packets.
        flow: FlowSpec,
        /// Chance of duplicating each packet.
        probability: f64,
    },
    /// `reorder: FLOW` with `probability:` (default 0.5) and `gap:` (default
    /// 10ms): that share of packets is held back by `gap`, so later ones
    /// overtake it.
    Reorder {
        /// The fault id, for `heal`.
        id: String,
        /// Which packets.
        flow: FlowSpec,
        /// Share of packets held back.
        probability: f64,
        /// How long they are held back.
        gap: Duration,
    },
    /// `rate: FLOW` with `limit:` (e.g. `1mbit`) and `queue:` (default
    /// 5s): pace the flow; a packet that would wait longer is dropped.
    Rate {
        /// The fault id, for `heal`.
        id: String,
        /// Which packets.
        flow: FlowSpec,
        /// Bits per second.
        bits_per_second: u64,
        /// The longest a packet may wait.
        queue: Duration,
    },
    /// `reject: FLOW`: answer the flow's TCP packets with RST (other
    /// protocols are dropped): a noisy failure.
    Reject {
        /// The fault id, for `heal`.
        id: String,
        /// Which packets.
        flow: FlowSpec,
    },
    /// `breakpoint: {nodes, point, match, action}`: arm a code point in
    /// instrumented peers.
    Breakpoint {
        /// The nodes.
        nodes: Targets,
        /// The point's name, e.g. `gossip.send`.
        point: String,
        /// Labels the hit must carry (all of them, equal values).
        matcher: BTreeMap<String, String>,
        /// What a matching hit does.
        action: BreakAction,
    },
    /// `continue: {nodes, point}`: release callers held at a point (it
    /// stays armed).
    Continue {
        /// The nodes.
        nodes: Targets,
        /// The point.
        point: String,
    },
    /// `disarm: {nodes, point}`: disarm a point and release its callers.
    Disarm {
        /// The nodes.
        nodes: Targets,
        /// The point.
        point: String,
    },
    /// `exec: [argv...]` with `on:` (nodes), `wait:` (default true),
    /// `timeout:` (default 60s), `check:` (default true: a non-zero exit
    /// fails the run).
    Exec {
        /// Where to run it (once per node).
        nodes: Targets,
        /// argv, templates rendered for each node.
        argv: Vec<Template>,
        /// Wait for it to end.
        wait: bool,
        /// How long it may run when waited for.
        timeout: Duration,
        /// Fail the run on a non-zero exit.
        check: bool,
    },
    /// `http: URL` with `on:` (nodes), `method:` (default GET), `body:`,
    /// `expect:` (status, default any 2xx), `timeout:` (default 10s).
    Http {
        /// Where to send it from (once per node; the URL is rendered per node).
        nodes: Targets,
        /// The method.
        method: String,
        /// The URL.
        url: Template,
        /// The request body.
        body: Option<Template>,
        /// The status expected; `None` means any 2xx.
        expect: Option<u16>,
        /// How long it may take.
        timeout: Duration,
    },
    /// `nemesis: {...}`: random faults, drawn from the seed before the run
    /// ([`crate::nemesis`]) and replaced by the steps they are.
    Nemesis(Nemesis),
}

/// A `nemesis` step: what to draw faults from.
#[derive(Debug, Clone, PartialEq)]
pub struct Nemesis {
    /// How long it runs; every fault ends by then.
    pub time: Duration,
    /// The kinds of fault to draw from.
    pub faults: Vec<NemesisFault>,
    /// How a fault's nodes are drawn.
    pub shapes: Vec<Shape>,
    /// The time from one fault's start to the next, `(min, max)`.
    pub gap: (Duration, Duration),
    /// How long each fault lasts, `(min, max)`.
    pub duration: (Duration, Duration),
    /// The most faults active at once.
    pub max_active: usize,
    /// How long to wait, with no fault, after `time`.
    pub settle: Duration,
    /// The step's index in the file's `steps:` list.
    pub index: usize,
}

/// The kinds of fault a nemesis draws, and how it draws nodes.
pub use super::vocabulary::{NemesisFault, Shape};

/// The nodes a step acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// Named nodes.
    Nodes(Vec<NodeId>),
    /// Chosen at run time from the seed; the choice is recorded.
    Spec(TargetSpec),
    /// `{where: JQ}`: when the step runs, the nodes whose probe result
    /// makes JQ true.
    Where(String),
}

/// A choice of nodes made at run time (`one`, `minority`, `majority`,
/// `all`, `others`): the fault crate's own, resolved with its `choose`.
/// `others` means every node not named elsewhere in the same step (in a
/// partition or a flow), or else not chosen by the previous random choice.
pub use quiesce_faults::TargetSpec;

/// Who cannot reach whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionShape {
    /// Nodes in different groups cannot reach each other; a node in two
    /// groups reaches both; nodes in no group reach everyone.
    Groups(Vec<Targets>),
    /// `from` cannot reach `to`; `to` still reaches `from`.
    OneWay {
        /// The senders cut off.
        from: Targets,
        /// The receivers they cannot reach.
        to: Targets,
    },
}

/// What an armed breakpoint does to a matching hit: `pause` or `skip`.
pub use super::vocabulary::BreakAction;

/// A condition `await` waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwaitCondition {
    /// Every running node answers and all views are equal.
    Converged,
    /// Every running node answers and the views are not all equal.
    Diverged,
    /// `await: {hit: POINT, nodes: [...]}`: each node has reported a hit
    /// of the point since it was last armed.
    Hit {
        /// The point.
        point: String,
        /// The nodes.
        nodes: Targets,
    },
    /// `await: {up: NODES}`: each node answers its probe.
    Up(Targets),
    /// `await: {holds: JQ}`: every running node answers its probe and the
    /// jq expression, given an object of each node's name to its view
    /// (`null` for a node that is down), gives `true`.
    Holds(String),
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
    pub from: Option<Targets>,
    /// Destination nodes.
    pub to: Option<Targets>,
    /// Transport protocol: the faults crate's own.
    pub proto: Option<Proto>,
    /// Source or destination port.
    pub port: Option<u16>,
}

/// A check evaluated after the steps.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// `converged: {within, stable-for}` (defaults 60s, 3s).
    Converged {
        /// The deadline, from the check's start.
        within: Duration,
        /// How long the views must stay equal.
        stable_for: Duration,
    },
    /// `live: {timeout}` (default 2s): every running node answers its probe.
    Live {
        /// How long the probes may take.
        timeout: Duration,
    },
    /// `churn: {max-connects, max-resets, window, after}`: TCP connection
    /// attempts (SYNs) and resets the switch saw per directed node pair in
    /// the window; at least one bound is given.
    Churn {
        /// The most SYNs allowed per pair.
        max_connects: Option<u64>,
        /// The most RSTs allowed per pair.
        max_resets: Option<u64>,
        /// The window's length (default 30s).
        window: Duration,
        /// Where the window starts (default: the end of the steps).
        after: ChurnFrom,
    },
    /// `churn: {counter: JQ, max, window, after}`: the increase of a counter
    /// read through each node's probe over the window, at most `max`.
    CounterChurn {
        /// jq expression over the probe result that yields a number.
        counter: String,
        /// The largest increase allowed per node.
        max: u64,
        /// The window's length (default 30s).
        window: Duration,
        /// Where the window starts.
        after: ChurnFrom,
    },
    /// `always: {name, holds, every}`: sampled from the first step to the
    /// end of the checks; fails at the first sample that is not `true`.
    Always(Invariant),
    /// `eventually: {name, holds, within, stable-for, every}`: after the
    /// steps, true within `within` and for `stable-for`.
    Eventually {
        /// The condition.
        invariant: Invariant,
        /// The deadline, from the check's start.
        within: Duration,
        /// How long it must stay true.
        stable_for: Duration,
    },
}

/// A named jq condition over every node's probe result, and how often it
/// is sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct Invariant {
    /// Its name in reports.
    pub name: String,
    /// The jq expression; `true` is holding.
    pub holds: String,
    /// Time between samples.
    pub every: Duration,
    /// `always` only: how long it may keep giving something other than
    /// `true` before it counts as broken (zero: at once).
    pub tolerate: Duration,
}

/// Where a churn window starts: `after: steps` or `heal`.
pub use super::vocabulary::ChurnFrom;
