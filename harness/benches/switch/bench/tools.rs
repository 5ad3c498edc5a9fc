//! Running the measuring tools (iperf3, sockperf) inside namespaces.
//!
//! Every process is spawned through the [`Launcher`], so it runs under
//! `quiesce-init` in the namespace given, in its own process group and PID
//! namespace, dies with the bench (`PR_SET_PDEATHSIG`), and is killed by
//! pid when its handle is dropped.

use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::error::BenchError;
use quiesce::launcher::Launcher;
use quiesce::supervisor::child_path;

/// Fails with the install command if a tool is not on `PATH`.
pub fn require(tools: &[&str]) -> Result<(), BenchError> {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !on_path(t)).collect();
    match missing.is_empty() {
        true => Ok(()),
        false => Err(BenchError::Environment(format!(
            "missing {}: install with `apt-get install -y {}` (`make bench` does)",
            missing.join(", "),
            missing.join(" ")
        ))),
    }
}

fn on_path(tool: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| dir.join(tool).is_file())
}

/// A server process; killed (by its pid) when dropped.
pub struct Server {
    child: tokio::process::Child,
}

impl Server {
    /// Starts `argv` in `ns` and waits until it has a socket on `port`
    /// (`proto` "tcp" listening, or "udp" bound).
    pub async fn start(
        launcher: &Launcher,
        ns: &OwnedFd,
        argv: &[String],
        proto: &str,
        port: u16,
    ) -> Result<Server, BenchError> {
        let quiet = |cmd: &mut Command| {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        };
        let child =
            launcher.spawn(ns, argv, &child_path(), quiet).await.map_err(|e| tool_error(argv, e.to_string()))?;
        let server = Server { child };
        let pid = server.child.id().ok_or_else(|| tool_error(argv, "exited at once".into()))?;
        let started = Instant::now();
        while !bound(pid, proto, port) {
            if started.elapsed() > Duration::from_secs(5) {
                return Err(tool_error(argv, format!("no {proto} socket on port {port} after 5s")));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // kill_on_drop sends SIGKILL to this pid; start_kill does it now.
        let _ = self.child.start_kill();
    }
}

/// Whether the namespace of `pid` has a socket on `port`: a TCP one
/// listening, or a UDP one bound (`/proc/PID/net/*` lists that process's
/// namespace).
fn bound(pid: u32, proto: &str, port: u16) -> bool {
    let Ok(table) = std::fs::read_to_string(format!("/proc/{pid}/net/{proto}")) else { return false };
    let want = format!(":{port:04X}");
    table.lines().skip(1).any(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let state_ok = proto != "tcp" || cols.get(3) == Some(&"0A");
        cols.get(1).is_some_and(|local| local.ends_with(&want)) && state_ok
    })
}

/// Runs `argv` in `ns` to completion within `timeout`; its stdout.
pub async fn output(
    launcher: &Launcher,
    ns: &OwnedFd,
    argv: &[String],
    timeout: Duration,
) -> Result<String, BenchError> {
    let piped = |cmd: &mut Command| {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    };
    let child = launcher.spawn(ns, argv, &child_path(), piped).await.map_err(|e| tool_error(argv, e.to_string()))?;
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| BenchError::Timeout(format!("`{}` did not finish within {timeout:?}", argv.join(" "))))?
        .map_err(|e| tool_error(argv, e.to_string()))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(tool_error(argv, format!("{}: {}{}", out.status, tail(&stdout), tail(&stderr))));
    }
    Ok(stdout)
}

/// An error for the tool run as `argv`.
pub fn tool_error(argv: &[String], message: String) -> BenchError {
    BenchError::Tool { tool: argv.join(" "), message }
}

/// The last few lines of some output.
pub fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

/// Owned argv from string slices.
pub fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}
