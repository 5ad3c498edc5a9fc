//! One node's process across its incarnations.

use std::collections::BTreeMap;
use std::io;
use std::os::fd::OwnedFd;
use std::process::ExitStatus;
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use super::log::NodeLog;
use crate::launcher::Launcher;

/// What to run for a node, already templated.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    /// argv.
    pub argv: Vec<String>,
    /// Extra environment.
    pub env: BTreeMap<String, String>,
    /// TERM-to-KILL grace period.
    pub grace: Duration,
}

/// Where a node's process is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    /// Not started yet, or stopped by the harness.
    Stopped,
    /// Running.
    Running,
    /// Stopped with SIGSTOP.
    Paused,
    /// Exited on its own (or killed by something other than the harness).
    Exited(ExitStatus),
}

/// A node's process.
pub struct NodeProcess {
    name: String,
    spec: LaunchSpec,
    ns: OwnedFd,
    log: NodeLog,
    child: Option<tokio::process::Child>,
    pid: Option<u32>,
    incarnation: u32,
    state: NodeState,
}

impl NodeProcess {
    /// A node that is not running yet.
    pub fn new(name: String, spec: LaunchSpec, ns: OwnedFd, log: NodeLog) -> NodeProcess {
        NodeProcess { name, spec, ns, log, child: None, pid: None, incarnation: 0, state: NodeState::Stopped }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its current state.
    pub fn state(&self) -> NodeState {
        self.state
    }

    /// The pid of the current incarnation, if running or paused.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// How many times it has been started.
    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }

    /// Its log.
    pub fn log(&self) -> &NodeLog {
        &self.log
    }

    /// Sets how much of its output its log takes, before it first starts.
    pub fn set_log_limit(&mut self, limit: u64) {
        self.log = NodeLog::with_limit(self.log.path().to_path_buf(), limit);
    }

    /// Starts a new incarnation; a no-op error if one is running.
    /// The program runs contained ([`Launcher::spawn`]); a program not
    /// found on `path_env` is an error here, before anything starts.
    pub async fn start(&mut self, launcher: &Launcher, path_env: &str) -> io::Result<u32> {
        if self.child.is_some() {
            return Err(io::Error::other(format!("node {} is already running", self.name)));
        }
        self.incarnation += 1;
        self.log.mark(&format!("incarnation {} of {}: {}", self.incarnation, self.name, self.spec.argv.join(" ")))?;
        let (out, err) = self.log.stdio()?;
        let env = &self.spec.env;
        let child = launcher
            .spawn(&self.ns, &self.spec.argv, path_env, |cmd| {
                cmd.envs(env).stdout(out).stderr(err);
            })
            .await
            .map_err(|e| {
                io::Error::new(e.kind(), format!("starting node {} (`{}`): {e}", self.name, self.spec.argv[0]))
            })?;
        let pid = child.id().ok_or_else(|| io::Error::other("child exited before its pid was read"))?;
        self.child = Some(child);
        self.pid = Some(pid);
        self.state = NodeState::Running;
        Ok(pid)
    }

    fn signal_group(&self, signal: Signal) -> io::Result<()> {
        let pid = self.pid.ok_or_else(|| io::Error::other(format!("node {} is not running", self.name)))?;
        match killpg(Pid::from_raw(pid as i32), signal) {
            Ok(()) | Err(nix::errno::Errno::ESRCH) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// SIGSTOPs the process group.
    pub fn pause(&mut self) -> io::Result<()> {
        self.signal_group(Signal::SIGSTOP)?;
        self.state = NodeState::Paused;
        Ok(())
    }

    /// SIGCONTs the process group.
    pub fn resume(&mut self) -> io::Result<()> {
        self.signal_group(Signal::SIGCONT)?;
        self.state = NodeState::Running;
        Ok(())
    }

    /// Sends `signal` to the process group without waiting.
    pub fn signal(&self, signal: Signal) -> io::Result<()> {
        self.signal_group(signal)
    }

    /// Stops the node: `first` (TERM for a stop), the grace period, then
    /// KILL; always reaps. Returns how it exited, if it was running.
    pub async fn stop(&mut self, first: Signal) -> io::Result<Option<ExitStatus>> {
        let Some(mut child) = self.child.take() else { return Ok(None) };
        let _ = self.signal_group(first);
        if self.state == NodeState::Paused && first != Signal::SIGKILL {
            let _ = self.signal_group(Signal::SIGCONT);
        }
        let status = match tokio::time::timeout(self.spec.grace, child.wait()).await {
            Ok(status) => status?,
            Err(_) => {
                let _ = self.signal_group(Signal::SIGKILL);
                child.wait().await?
            }
        };
        // Anything the node left in its group goes too.
        let _ = self.signal_group(Signal::SIGKILL);
        self.pid = None;
        self.state = NodeState::Stopped;
        self.log.mark(&format!("incarnation {} stopped by the harness: {status}", self.incarnation))?;
        Ok(Some(status))
    }

    /// If the process exited on its own, reaps it and returns its status.
    pub fn poll_exit(&mut self) -> Option<ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        self.child = None;
        let _ = self.signal_group(Signal::SIGKILL);
        self.pid = None;
        self.state = NodeState::Exited(status);
        let _ = self.log.mark(&format!("incarnation {} exited: {status}", self.incarnation));
        Some(status)
    }
}
