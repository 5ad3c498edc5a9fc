//! `quiesce-node`: the reference peers quiesce runs, one per namespace.
//!
//! Each mode is a subcommand whose arguments and behaviour live in the
//! library (`quiesce_nodes::<mode>`); this binary only parses the command
//! line, installs the signal handlers and maps the result to an exit code:
//!
//! - `0`: stopped by SIGTERM or SIGINT;
//! - `1`: the node could not start or died (a [`NodeError`] on stderr);
//! - `2`: invalid command line (clap's usage error).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use quiesce_nodes::error::NodeError;
use quiesce_nodes::{alias, leader, mesh, ping, rpc, shutdown::Shutdown, swim};

#[derive(Debug, Parser)]
#[command(name = "quiesce-node", version, about = "Reference peers for quiesce")]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// A consul-like agent with alias checks (consul #5876 rules).
    Alias(alias::AliasArgs),
    /// UDP ping/pong with every peer, a TCP echo listener and GET /status.
    Ping(ping::PingArgs),
    /// Storage peers and a client querying them all (Tahoe-LAFS #502 rules).
    Rpc(rpc::RpcArgs),
    /// A weave-like TCP mesh with topology gossip (weave #1554 rules).
    Mesh(mesh::MeshArgs),
    /// A SWIM membership peer over UDP (memberlist dead/alive flapping rules).
    Swim(swim::SwimArgs),
    /// A leader election whose leader loop calls back into the core (nomad #6977 rules).
    Leader(leader::LeaderArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("quiesce-node: error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(mode: Mode) -> Result<(), NodeError> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(NodeError::Runtime)?;
    runtime.block_on(async {
        let shutdown = Shutdown::install().map_err(NodeError::Signals)?;
        let stopped = async {
            let signal = shutdown.wait().await;
            eprintln!("quiesce-node: {signal} received, stopping");
        };
        match mode {
            Mode::Alias(args) => alias::run(args, stopped).await,
            Mode::Ping(args) => ping::run(args, stopped).await,
            Mode::Rpc(args) => rpc::run(args, stopped).await,
            Mode::Swim(args) => swim::run(args, stopped).await,
            Mode::Leader(args) => leader::run(args, stopped).await,
            Mode::Mesh(args) => mesh::run(args, stopped).await,
        }
    })
}
