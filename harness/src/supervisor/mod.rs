//! The supervisor: starts, stops, pauses and restarts node processes inside
//! their namespaces, keeps their logs, and notices when one exits on its own.
//!
//! Processes are spawned by the [`Launcher`] thread, each in its own process
//! group with SIGKILL as its parent-death signal, under `quiesce-init` in a
//! PID namespace of the node's own ([`crate::contain`]): whatever the
//! program starts dies with it. `quiesce-init` enters the node's network
//! namespace itself, so starting a node does not fork the harness. Signals go to the whole group. A stop is
//! TERM, the program's grace period, then KILL, and every child is reaped.

pub mod log;
pub mod process;

use std::io;
use std::process::ExitStatus;

use nix::sys::signal::Signal;

pub use log::NodeLog;
pub use process::{LaunchSpec, NodeProcess, NodeState};

use crate::launcher::Launcher;

/// A node that exited without the harness asking it to.
#[derive(Debug, Clone)]
pub struct UnexpectedExit {
    /// The node's index.
    pub node: usize,
    /// How it exited.
    pub status: ExitStatus,
    /// The last lines of its log.
    pub tail: String,
}

/// Owns every node's process.
pub struct Supervisor {
    launcher: Launcher,
    nodes: Vec<NodeProcess>,
    path_env: String,
}

impl Supervisor {
    /// A supervisor for `nodes`, none started. Children get a `PATH` with
    /// the harness's own directory first, so `quiesce-node` is found beside
    /// `quiesce`. Fails when `quiesce-init` cannot be found.
    pub fn new(launcher: Launcher, nodes: Vec<NodeProcess>) -> io::Result<Supervisor> {
        let path_env = child_path();
        // Found now, so a missing one fails before any node starts.
        crate::contain::init_path(&path_env)?;
        Ok(Supervisor { launcher, nodes, path_env })
    }

    /// The `PATH` children get.
    pub fn path_env(&self) -> &str {
        &self.path_env
    }

    /// Sets how much output each node's log takes (over all its
    /// incarnations), before the nodes start.
    pub fn set_log_limit(&mut self, limit: u64) {
        self.nodes.iter_mut().for_each(|n| n.set_log_limit(limit));
    }

    /// The node at `index`.
    pub fn node(&self, index: usize) -> &NodeProcess {
        &self.nodes[index]
    }

    /// How many nodes there are.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Whether the node's process is running (paused counts).
    pub fn is_up(&self, index: usize) -> bool {
        matches!(self.nodes[index].state(), NodeState::Running | NodeState::Paused)
    }

    /// Starts a node; returns its pid.
    pub async fn start(&mut self, index: usize) -> io::Result<u32> {
        let path = self.path_env.clone();
        self.nodes[index].start(&self.launcher, &path).await
    }

    /// Stops a node (TERM, grace, KILL) and reaps it.
    pub async fn stop(&mut self, index: usize) -> io::Result<Option<ExitStatus>> {
        self.nodes[index].stop(Signal::SIGTERM).await
    }

    /// Signals a node: KILL and other terminating signals stop it and reap
    /// it (KILL after the grace period if it lingers).
    pub async fn kill(&mut self, index: usize, signal: Signal) -> io::Result<Option<ExitStatus>> {
        self.nodes[index].stop(signal).await
    }

    /// Sends a signal and does not wait.
    pub fn signal(&mut self, index: usize, signal: Signal) -> io::Result<()> {
        self.nodes[index].signal(signal)
    }

    /// Stops and starts a node: a new incarnation with the same address.
    pub async fn restart(&mut self, index: usize) -> io::Result<u32> {
        self.stop(index).await?;
        self.start(index).await
    }

    /// SIGSTOPs a node.
    pub fn pause(&mut self, index: usize) -> io::Result<()> {
        self.nodes[index].pause()
    }

    /// SIGCONTs a node.
    pub fn resume(&mut self, index: usize) -> io::Result<()> {
        self.nodes[index].resume()
    }

    /// Reaps nodes that exited on their own since the last call.
    pub fn poll_exits(&mut self) -> Vec<UnexpectedExit> {
        let mut exits = Vec::new();
        for (node, p) in self.nodes.iter_mut().enumerate() {
            if let Some(status) = p.poll_exit() {
                exits.push(UnexpectedExit { node, status, tail: p.log().tail(20) });
            }
        }
        exits
    }

    /// Stops every node, in parallel; returns how each node that was
    /// running exited, by index.
    pub async fn stop_all(&mut self) -> Vec<(usize, ExitStatus)> {
        let stops = self.nodes.iter_mut().map(|p| p.stop(Signal::SIGTERM));
        let mut stopped = Vec::new();
        for (node, result) in futures::future::join_all(stops).await.into_iter().enumerate() {
            match result {
                Ok(Some(status)) => stopped.push((node, status)),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "stopping a node failed"),
            }
        }
        stopped
    }
}

/// The `PATH` children get: the folder of the running binary first (and,
/// for a binary in `target/*/deps`, the one above it), then the harness's
/// own `PATH`.
pub fn child_path() -> String {
    let inherited = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    let Some(dir) = std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.to_path_buf())) else {
        return inherited;
    };
    // Test binaries live in target/*/deps, beside which the binaries are.
    match dir.file_name().is_some_and(|n| n == "deps") {
        true => format!("{}:{}:{inherited}", dir.display(), dir.parent().unwrap_or(&dir).display()),
        false => format!("{}:{inherited}", dir.display()),
    }
}
