//! The switch without root against the switch as root, in one run.
//!
//! The rootless side is this bench binary run again as an ordinary user
//! (uid 65534, no capabilities) with [`FLAG`]: it enters a user namespace
//! the way `quiesce run` does ([`quiesce::userns`]), makes two switched
//! nodes there, measures, and prints its figures as one JSON line. The root
//! side measures the same two rows in this process, on the same kind of
//! nodes. `/dev/net/tun` is set to mode 0666 (the one Debian, Ubuntu and
//! Fedora ship) while the child runs, and put back after.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::BenchError;
use super::iperf;
use super::nodes::Nodes;
use quiesce::launcher::Launcher;
use quiesce::net::Offload;

/// The flag that makes the bench binary the rootless side.
pub const FLAG: &str = "--rootless-side";

/// The user the rootless side runs as.
const UID: u32 = 65534;
const TUN: &str = "/dev/net/tun";

/// One side's figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// TCP, one stream, MTU 1500, Gbit/s.
    pub tcp_gbps: f64,
    /// 64-byte UDP delivered, kpackets/s.
    pub kpps: f64,
    /// 64-byte UDP lost, percent.
    pub lost: f64,
}

/// Measures both rows on `nodes` (two switched nodes).
pub async fn figures(launcher: &Launcher, nodes: &Nodes, seconds: u32, port: u16) -> Result<Figures, BenchError> {
    let route = nodes.route(0, 1);
    let tcp = iperf::tcp(launcher, route, 1, seconds, port).await?;
    let udp = iperf::udp(launcher, route, 64, seconds, port + 1).await?;
    Ok(Figures { tcp_gbps: tcp / 1e9, kpps: udp.delivered_pps() / 1e3, lost: udp.lost_percent() })
}

/// The rootless side's `main`: enters a user namespace (the process must
/// still have one thread), measures, prints the figures as JSON.
pub fn child(seconds: u32) -> std::process::ExitCode {
    match quiesce::userns::enter() {
        Ok(quiesce::userns::Privilege::UserNamespace { .. }) => {}
        Ok(quiesce::userns::Privilege::Root) => {
            eprintln!("error: the rootless side was started as root");
            return std::process::ExitCode::from(3);
        }
        Err(why) => {
            eprintln!("error: {why}");
            return std::process::ExitCode::from(3);
        }
    }
    let measured = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map(|rt| {
        rt.block_on(async {
            let launcher =
                Launcher::start(tokio::runtime::Handle::current()).map_err(BenchError::setup("the launcher"))?;
            let nodes = Nodes::switched(2, 1500, Offload::Tso)?;
            figures(&launcher, &nodes, seconds, 5201).await
        })
    });
    match measured {
        Ok(Ok(figures)) => {
            println!("{}", serde_json::to_string(&figures).unwrap_or_default());
            std::process::ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(4)
        }
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            std::process::ExitCode::from(4)
        }
    }
}

/// Runs the rootless side once: a copy of the bench binary `exe` the user
/// can run, as uid 65534, with `/dev/net/tun` open to it for the while.
pub async fn measure(exe: &Path, seconds: u32) -> Result<Figures, BenchError> {
    let stage = tempfile::Builder::new()
        .prefix("quiesce-bench-rootless-")
        .tempdir()
        .map_err(BenchError::setup("a folder for the rootless side"))?;
    let copy = stage.path().join("switch-bench");
    let open = |p: &Path, mode: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
    std::fs::copy(exe, &copy)
        .and_then(|_| open(stage.path(), 0o755))
        .and_then(|()| open(&copy, 0o755))
        .map_err(BenchError::setup("a copy of the bench binary the user can run"))?;
    let tun = TunMode::open_to_all().map_err(BenchError::setup(format!("mode 0666 on {TUN}")))?;
    let mut command = std::process::Command::new(&copy);
    command.arg(FLAG).arg("--seconds").arg(seconds.to_string()).current_dir(stage.path());
    // SAFETY: between fork and exec, only raw syscalls.
    unsafe {
        command.pre_exec(|| Ok(quiesce::userns::become_user(UID)?));
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| BenchError::Timeout(format!("the rootless side's waiter: {e}")))?
        .map_err(BenchError::setup("starting the rootless side"))?;
    drop(tun);
    let tool = format!("{} {FLAG} (as uid {UID})", copy.display());
    let said = |what: &str| BenchError::Tool {
        tool: tool.clone(),
        message: format!(
            "{what}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("")
        ),
    };
    if !output.status.success() {
        return Err(said(&format!("exited with {}", output.status)));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| said(&format!("its figures do not parse ({e})")))
}

/// `/dev/net/tun` at mode 0666 until dropped, then its mode as it was.
struct TunMode(u32);

impl TunMode {
    fn open_to_all() -> std::io::Result<TunMode> {
        let old = std::fs::metadata(TUN)?.permissions().mode() & 0o7777;
        std::fs::set_permissions(TUN, std::fs::Permissions::from_mode(old | 0o666))?;
        Ok(TunMode(old))
    }
}

impl Drop for TunMode {
    fn drop(&mut self) {
        let _ = std::fs::set_permissions(TUN, std::fs::Permissions::from_mode(self.0));
    }
}
