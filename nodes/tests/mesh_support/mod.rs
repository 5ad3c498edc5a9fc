//! Helpers for the mesh integration tests: loopback ports, node processes
//! killed on drop, and reading `(name, uid)` out of `/status`. Everything
//! talks to 127.0.0.1 only.

use std::collections::BTreeSet;
use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;
use serde_json::Value;

use crate::common::{eventually, get_status};

const BIN: &str = env!("CARGO_BIN_EXE_quiesce-node");

/// A loopback TCP port free right now and not handed out before in this
/// process, below the kernel's ephemeral range (from 32768) so that the
/// nodes' own outgoing connections cannot take it before the node binds it.
pub fn free_port() -> SocketAddr {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    loop {
        let port = rand::thread_rng().gen_range(20_000..32_000);
        let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
        if given.contains(&port) {
            continue;
        }
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)) {
            given.insert(port);
            return listener.local_addr().expect("addr");
        }
    }
}

/// The addresses of one node.
#[derive(Debug, Clone, Copy)]
pub struct Addrs {
    /// Mesh connections.
    pub listen: SocketAddr,
    /// `GET /status`.
    pub status: SocketAddr,
}

impl Addrs {
    /// Fresh loopback ports.
    pub fn new() -> Self {
        Addrs { listen: free_port(), status: free_port() }
    }
}

/// A node process, killed (SIGKILL) when dropped, also when a test fails;
/// its stderr goes to a file removed with it.
pub struct Node {
    child: Child,
    log: PathBuf,
}

impl Node {
    /// The node's stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::env::var_os("MESH_TEST_LOGS").is_some() {
            eprint!("{}", self.log());
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// How to start one node.
pub struct Spawn<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its addresses.
    pub me: Addrs,
    /// The nodes it dials.
    pub dial: Vec<Addrs>,
    /// `pre-1554` or `post-1554`.
    pub rules: &'a str,
    /// The breakpoint control socket, if any.
    pub control: Option<&'a Path>,
}

impl Spawn<'_> {
    /// Starts the process (heartbeat 100ms, gossip every 300ms) and waits
    /// until it answers `/status`. Its stderr is printed when it is dropped
    /// if `MESH_TEST_LOGS` is set.
    pub fn start(&self) -> Node {
        let peers: Vec<String> = self.dial.iter().map(|a| a.listen.to_string()).collect();
        let unique = format!("quiesce-mesh-{}-{}-{}.log", std::process::id(), rand::random::<u32>(), self.name);
        let log = std::env::temp_dir().join(unique);
        let stderr = File::create(&log).expect("create the node's log file");
        let mut command = Command::new(BIN);
        command
            .args(["mesh", "--name", self.name, "--rules", self.rules])
            .args(["--listen", &self.me.listen.to_string(), "--peers", &peers.join(",")])
            .args(["--status", &self.me.status.to_string()])
            .args(["--heartbeat", "100ms", "--gossip-interval", "300ms"])
            .env_remove("QUIESCE_CONTROL")
            .env("QUIESCE_NODE", self.name)
            .stdout(Stdio::null())
            .stderr(stderr);
        if let Some(path) = self.control {
            command.env("QUIESCE_CONTROL", path);
        }
        let child = command.spawn().expect("spawn quiesce-node mesh");
        let mut node = Node { child, log };
        let up = eventually(Duration::from_secs(5), || {
            get_status(self.me.status).is_some() || node.child.try_wait().is_ok_and(|s| s.is_some())
        });
        let exited = node.child.try_wait().ok().flatten();
        assert!(up && exited.is_none(), "{} did not start ({exited:?}): {}", self.name, node.log());
        node
    }
}

/// `(name, uid)` of every peer a status lists, sorted by name.
pub fn held(status: &Value) -> Vec<(String, u64)> {
    let peers = status["peers"].as_array().cloned().unwrap_or_default();
    let pair = |p: &Value| Some((p["name"].as_str()?.to_owned(), p["uid"].as_u64()?));
    peers.iter().filter_map(pair).collect()
}

/// The uid a node holds for `name`.
pub fn uid_held(status: &Value, name: &str) -> Option<u64> {
    held(status).into_iter().find(|(n, _)| n == name).map(|(_, uid)| uid)
}

/// Whether every node answers, all hold the same map (versions and
/// connections included), and it lists exactly the nodes, each with the
/// uid that node reports for itself; returns those `(name, uid)`.
pub fn converged(addrs: &[Addrs]) -> Option<Vec<(String, u64)>> {
    let statuses: Vec<Value> = addrs.iter().map(|a| get_status(a.status)).collect::<Option<_>>()?;
    let mut truth: Vec<(String, u64)> =
        statuses.iter().map(|s| Some((s["name"].as_str()?.to_owned(), s["uid"].as_u64()?))).collect::<Option<_>>()?;
    truth.sort();
    let same_maps = statuses.windows(2).all(|w| w[0]["peers"] == w[1]["peers"]);
    (same_maps && held(&statuses[0]) == truth).then_some(truth)
}

/// Every node's status, for failure messages.
pub fn dump(addrs: &[Addrs]) -> String {
    let statuses: Vec<Option<Value>> = addrs.iter().map(|a| get_status(a.status)).collect();
    format!("{statuses:#?}")
}
