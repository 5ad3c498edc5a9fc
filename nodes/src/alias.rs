//! `quiesce-node alias`: a node agent with consul's node-local alias
//! checks, before and after the fix of consul #5876 (an alias check left
//! stale for good after its service was re-registered while the service it
//! aliases restarted).
//!
//! - **Services and checks.** Each service carries one check (see
//!   [`definition`]): a TCP connect or HTTP `GET` to another node, run every
//!   `--check-interval`, or an *alias* mirroring the checks of another
//!   service on this agent. They come from `--register` at startup and from
//!   `PUT /v1/agent/service/register` (see [`api`]); registering a service
//!   again replaces its check, keeping its current status.
//! - **Alias watchers.** Each alias check has a watcher task
//!   ([`watcher`]), edge-triggered: notified when a check of the aliased
//!   service changes status, it reads the current state and writes the
//!   alias. Re-registration stops the old watcher and starts a new one.
//! - **Rules** (`--rules`, see [`rules`]): `no-wait` starts the new watcher
//!   at once, writes in place and only follows edges, so an old watcher
//!   still holding what it read before the re-registration can overwrite
//!   the new one's answer and nothing corrects it; `wait-and-reconcile`
//!   starts the new watcher after the old one ended, copies on write, and
//!   re-checks every `--reconcile`.
//! - **Breakpoints** `alias.start` and `alias.write`: see [`watcher`].
//!
//! # Status
//!
//! `GET /status` on `--api`:
//!
//! ```json
//! {
//!   "name": "agent", "rules": "no-wait",
//!   "checks": {
//!     "service:web": {"service": "web", "kind": "tcp", "target": "10.77.0.1:7000",
//!                     "status": "passing", "generation": 1},
//!     "service:web-sidecar": {"service": "web-sidecar", "kind": "alias", "target": "web",
//!                             "status": "passing", "generation": 3}
//!   },
//!   "counters": {"registrations": 3, "status_changes": 4, "notifications": 3,
//!                "watchers_started": 2, "watchers_ended": 1, "alias_writes": 5,
//!                "stale_writes_dropped": 0}
//! }
//! ```

mod agent;
pub mod api;
pub mod definition;
mod probe;
pub mod rules;
pub mod table;
pub mod watcher;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::args::{parse_duration, parse_interval, NodeName};
use crate::error::NodeError;
pub use agent::{Agent, AgentSettings};
pub use definition::{CheckKind, Definition};
pub use rules::{Rules, Status};

/// Command line of `quiesce-node alias`.
#[derive(Debug, Clone, clap::Args)]
pub struct AliasArgs {
    /// This agent's name, reported in /status.
    #[arg(long)]
    pub name: NodeName,
    /// Address of the HTTP API (GET /status, PUT /v1/agent/service/register).
    #[arg(long, value_name = "ADDR:PORT")]
    pub api: SocketAddr,
    /// consul's behaviour before (no-wait) or after (wait-and-reconcile) #5876.
    #[arg(long, value_enum)]
    pub rules: Rules,
    /// A service to register at startup: NAME=tcp:IP:PORT, NAME=http://IP:PORT/PATH
    /// or NAME=alias:SERVICE. Repeatable.
    #[arg(long, value_name = "NAME=CHECK")]
    pub register: Vec<Definition>,
    /// Time between two runs of a TCP or HTTP check.
    #[arg(long, default_value = "200ms", value_parser = parse_interval)]
    pub check_interval: Duration,
    /// How long one run of a TCP or HTTP check may take.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub check_timeout: Duration,
    /// Period of the reconcile timer of wait-and-reconcile (consul: 1m).
    #[arg(long, default_value = "1m", value_parser = parse_interval)]
    pub reconcile: Duration,
}

impl AliasArgs {
    /// What the agent does, apart from where it listens.
    pub fn settings(&self) -> AgentSettings {
        AgentSettings {
            rules: self.rules,
            check_interval: self.check_interval,
            check_timeout: self.check_timeout,
            reconcile_interval: self.reconcile,
        }
    }
}

/// Runs an agent from its command line until `shutdown` completes.
pub async fn run(args: AliasArgs, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
    // Connects to the harness's control socket when QUIESCE_CONTROL is set.
    let _ = tokio::task::spawn_blocking(quiesce_faults::breakpoint::init).await;
    let listener = TcpListener::bind(args.api).await.map_err(NodeError::bind("API listener", args.api))?;
    let agent = Agent::new(args.name.as_str(), args.settings());
    for definition in &args.register {
        agent.register(definition.clone());
    }
    eprintln!("alias {} ({}) API on http://{}/status", args.name, args.rules, args.api);
    tokio::select! {
        () = shutdown => {}
        () = api::serve(listener, agent) => {}
    }
    Ok(())
}
