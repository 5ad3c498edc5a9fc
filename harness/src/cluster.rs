//! A cluster: the nodes of one run of one variant, on their network, with
//! their processes, probes and views.
//!
//! Building it creates every namespace and TUN device and starts the
//! switch; nothing is started until [`Cluster::start_all`]. Dropping it
//! kills what still runs and releases every namespace.

use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::rc::Rc;

use futures::future::join_all;
use futures::StreamExt;

use crate::control::{ControlServer, MAX_SOCKET_PATH};
use crate::janitor::Janitor;
use crate::launcher::Launcher;
use crate::net::capture::Capture;
use crate::net::namespace::{self, TunConfig};
use crate::net::{LinkMatrix, Subnet, Switch};
use crate::observe::{NodeView, Observation};
use crate::probe::Probe;
use crate::render::NodeContext;
use crate::suite::limits::MAX_NAME_BYTES;
use crate::suite::plan::{self, Links, Plan, Variant};
use crate::supervisor::{LaunchSpec, NodeLog, NodeProcess, Supervisor};
use crate::view::View;

/// Options that shape the network.
#[derive(Debug, Clone, Copy)]
pub struct NetOptions {
    /// MTU of every TUN device.
    pub mtu: i32,
    /// Write every delivered packet to `capture.pcap` in the run folder.
    pub pcap: bool,
}

impl Default for NetOptions {
    fn default() -> Self {
        NetOptions { mtu: 1500, pcap: false }
    }
}

/// The runtime side of one node.
struct Node {
    ns: OwnedFd,
    peers: Vec<usize>,
    env: std::collections::BTreeMap<String, String>,
    probe: Option<Probe>,
    view: Option<Rc<View>>,
}

/// Every node of a run, on its network.
pub struct Cluster {
    names: Vec<String>,
    addrs: Vec<Ipv4Addr>,
    inodes: Vec<u64>,
    nodes: Vec<Node>,
    variant: std::collections::BTreeMap<String, String>,
    /// Each node's folder (`{dir}`), kept across its restarts.
    dirs: Vec<std::path::PathBuf>,
    /// The switch every packet crosses.
    pub switch: Switch,
    /// TCP connection attempts and resets, as the switch sees them.
    pub connections: tokio::sync::mpsc::UnboundedReceiver<crate::net::switch::ConnEvent>,
    /// The node processes.
    pub supervisor: Supervisor,
    launcher: Launcher,
    capture_writer: Option<crate::net::capture::CaptureWriter>,
    controls: Vec<ControlServer>,
    /// Holds the control sockets when the run folder's path is too long
    /// for a unix socket address; removed with the cluster, or by its
    /// janitor when the harness dies first.
    _control_dir: Option<(tempfile::TempDir, Janitor)>,
}

impl Cluster {
    /// Creates the namespaces, TUN devices and switch for `plan` run as
    /// `variant`; node logs go to `folder`.
    pub async fn build(plan: &Plan, variant: &Variant, folder: &Path, net: NetOptions) -> Result<Cluster, String> {
        let subnet = Subnet::new(plan.subnet, plan.prefix);
        let count = plan.nodes.len();
        crate::open_files::check(count)?;
        let links = match &plan.links {
            Links::FullMesh => LinkMatrix::full_mesh(count),
            Links::Pairs(pairs) => LinkMatrix::pairs(count, pairs),
        };
        let addrs: Vec<Ipv4Addr> = (0..count).map(|i| subnet.addr(i)).collect();
        // Absolute: a peer may change its working directory.
        let base = std::path::absolute(folder).map_err(|e| format!("the run folder {}: {e}", folder.display()))?;
        let dirs = crate::render::node_dirs(&base, plan.nodes.iter().map(|n| &n.name));
        for dir in &dirs {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        let runtime = tokio::runtime::Handle::current();
        let launcher = Launcher::start(runtime.clone()).map_err(|e| format!("starting the launcher thread: {e}"))?;
        let made = make_namespaces(&addrs, subnet, net, &runtime).await?;
        let mut views = std::collections::BTreeMap::new();
        for (name, program) in &plan.programs {
            if let Some(src) = &program.view {
                views.insert(name.clone(), Rc::new(View::compile(src)?));
            }
        }
        let (control_dir, _control_dir) = control_dir(folder, &plan.nodes)?;
        let (mut nodes, mut procs, mut tuns, mut inodes) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut controls = Vec::new();
        for (i, made) in made.into_iter().enumerate() {
            let spec = &plan.nodes[i];
            let program = &plan.programs[&spec.program];
            let peers: Vec<usize> = links.neighbours(i).collect();
            let cx = NodeContext {
                name: &spec.name,
                index: i,
                addrs: &addrs,
                peers: &peers,
                variant: &variant.values,
                dirs: &dirs,
            };
            let control = ControlServer::bind(&control_dir, &spec.name)
                .map_err(|e| format!("control socket of {}: {e}", spec.name))?;
            let mut launch = launch_spec(program, &cx, subnet);
            launch.env.insert("QUIESCE_CONTROL".into(), control.path().display().to_string());
            controls.push(control);
            let env = launch.env.clone();
            let log = NodeLog::new(folder.join(format!("{}.log", spec.name)));
            let ns_for_proc = made.ns.try_clone().map_err(|e| e.to_string())?;
            procs.push(NodeProcess::new(spec.name.clone(), launch, ns_for_proc, log));
            let probe = program.probe.as_ref().map(|p| render_probe(p, &cx)).transpose()?;
            nodes.push(Node { ns: made.ns, peers, env, probe, view: views.get(&spec.program).cloned() });
            tuns.push(made.tun);
            inodes.push(made.inode);
        }
        let (capture, capture_writer) = match net.pcap {
            true => {
                let path = folder.join("capture.pcap");
                let (c, w) = Capture::create(&path).map_err(|e| format!("creating {}: {e}", path.display()))?;
                (Some(c), Some(w))
            }
            false => (None, None),
        };
        let (switch, connections) = Switch::try_start(tuns, subnet, links, plan.seed, capture)
            .map_err(|e| format!("starting the switch threads: {e}"))?;
        let names = plan.nodes.iter().map(|n| n.name.clone()).collect();
        let supervisor = Supervisor::new(launcher.clone(), procs).map_err(|e| e.to_string())?;
        let variant = variant.values.clone();
        Ok(Cluster {
            names,
            addrs,
            inodes,
            nodes,
            variant,
            dirs,
            switch,
            connections,
            supervisor,
            launcher,
            capture_writer,
            controls,
            _control_dir,
        })
    }

    /// Node names, by index.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Node addresses, by index.
    pub fn addrs(&self) -> &[Ipv4Addr] {
        &self.addrs
    }

    /// The inode numbers of the nodes' namespaces.
    pub fn netns_inodes(&self) -> &[u64] {
        &self.inodes
    }

    /// The launcher, to run things inside namespaces.
    pub fn launcher(&self) -> &Launcher {
        &self.launcher
    }

    /// The namespace fd of a node.
    pub fn namespace(&self, node: usize) -> &OwnedFd {
        &self.nodes[node].ns
    }

    /// Renders a template for a node, as its program's templates are.
    pub fn render(&self, node: usize, template: &plan::Template) -> String {
        let cx = NodeContext {
            name: &self.names[node],
            index: node,
            addrs: &self.addrs,
            peers: &self.nodes[node].peers,
            variant: &self.variant,
            dirs: &self.dirs,
        };
        cx.render(template)
    }

    /// The environment a node's program runs with (without `PATH`).
    pub fn env(&self, node: usize) -> &std::collections::BTreeMap<String, String> {
        &self.nodes[node].env
    }

    /// The control socket of a node, for breakpoints.
    pub fn control(&self, node: usize) -> &ControlServer {
        &self.controls[node]
    }

    /// Closes `capture.pcap` (if capturing); the number of packets in it.
    pub fn finish_capture(&mut self) -> Option<std::io::Result<u64>> {
        self.capture_writer.take().map(|w| w.finish())
    }

    /// Probes one node and returns its raw answer (no view applied).
    pub async fn probe_raw(&self, node: usize) -> Result<serde_json::Value, String> {
        match &self.nodes[node].probe {
            None => Err(format!("node {} has no probe", self.names[node])),
            Some(p) => p.run(&self.nodes[node].ns, &self.launcher).await,
        }
    }

    /// A sampler of every node's probe for invariants, with its own handles
    /// on the namespaces.
    pub fn sampler(&self) -> std::io::Result<crate::invariant::Sampler> {
        let mut nodes = Vec::new();
        for (name, node) in self.names.iter().zip(&self.nodes) {
            nodes.push((name.clone(), node.probe.clone(), node.ns.try_clone()?));
        }
        Ok(crate::invariant::Sampler::new(nodes, self.launcher.clone()))
    }

    /// Probes every node at once and computes the views.
    pub async fn observe(&self) -> Observation {
        let answers = join_all(self.nodes.iter().enumerate().map(|(i, node)| async move {
            match (&node.probe, self.supervisor.is_up(i)) {
                (_, false) => None,
                (None, true) => Some(Ok(serde_json::Value::Null)),
                (Some(p), true) => Some(p.run(&node.ns, &self.launcher).await),
            }
        }))
        .await;
        let nodes = answers
            .into_iter()
            .zip(&self.nodes)
            .map(|(answer, node)| match answer {
                None => NodeView::Down,
                Some(Err(e)) => NodeView::Failed(e),
                Some(Ok(json)) => match &node.view {
                    None => NodeView::Answered(json),
                    Some(view) => view.apply(&json).map_or_else(NodeView::Failed, NodeView::Answered),
                },
            })
            .collect();
        Observation { nodes }
    }
}

/// The short folder for control sockets when the run folder is too deep:
/// `/tmp/quiesce-XXXXXX`.
const SHORT_DIR: usize = "/tmp/quiesce-XXXXXX".len();

// Validation keeps names short enough for the short folder always to do.
const _: () = assert!(SHORT_DIR + "/".len() + MAX_NAME_BYTES + ".sock".len() <= MAX_SOCKET_PATH);

/// The run folder if every node's socket path fits in a unix socket
/// address, else a short temporary directory (in `$TMPDIR` if it is short
/// enough, else in `/tmp`) with a janitor that removes it even if the
/// harness is killed.
fn control_dir(
    folder: &Path,
    nodes: &[plan::NodePlan],
) -> Result<(std::path::PathBuf, Option<(tempfile::TempDir, Janitor)>), String> {
    let longest = nodes.iter().map(|n| n.name.len()).max().unwrap_or(0);
    let fits = |dir_len: usize| dir_len + "/".len() + longest + ".sock".len() <= MAX_SOCKET_PATH;
    if fits(folder.as_os_str().len()) {
        return Ok((folder.to_path_buf(), None));
    }
    let tmp = std::env::temp_dir();
    let parent = match fits(tmp.as_os_str().len() + SHORT_DIR - "/tmp".len()) {
        true => tmp,
        false => std::path::PathBuf::from("/tmp"),
    };
    let dir = tempfile::Builder::new()
        .prefix("quiesce-")
        .tempdir_in(&parent)
        .map_err(|e| format!("control socket folder in {}: {e}", parent.display()))?;
    let init = crate::contain::init_path(&crate::supervisor::child_path()).map_err(|e| e.to_string())?;
    let janitor = Janitor::guard(&init, dir.path()).map_err(|e| format!("control socket folder's janitor: {e}"))?;
    Ok((dir.path().to_path_buf(), Some((dir, janitor))))
}

/// How many namespaces are made at once. The kernel makes them one at a
/// time for the most part; each one made at once costs a thread, so more
/// would make the harness's threads grow with the nodes, not the speed.
const NAMESPACES_AT_ONCE: usize = 8;

async fn make_namespaces(
    addrs: &[Ipv4Addr],
    subnet: Subnet,
    net: NetOptions,
    runtime: &tokio::runtime::Handle,
) -> Result<Vec<namespace::NodeNamespace>, String> {
    let jobs = addrs.iter().map(|&addr| {
        let config = TunConfig { addr, netmask: subnet.netmask(), mtu: net.mtu };
        let runtime = runtime.clone();
        async move { tokio::task::spawn_blocking(move || namespace::create(config, &runtime)).await }
    });
    let results: Vec<_> = futures::stream::iter(jobs).buffered(NAMESPACES_AT_ONCE).collect().await;
    let mut made = Vec::with_capacity(addrs.len());
    for (result, addr) in results.into_iter().zip(addrs) {
        let ns = result
            .map_err(|e| format!("namespace task failed: {e}"))?
            .map_err(|e| format!("creating the namespace of {addr}: {e}"))?;
        made.push(ns);
    }
    Ok(made)
}

fn launch_spec(program: &plan::Program, cx: &NodeContext<'_>, subnet: Subnet) -> LaunchSpec {
    let mut env: std::collections::BTreeMap<String, String> =
        program.env.iter().map(|(k, v)| (k.clone(), cx.render(v))).collect();
    env.insert("QUIESCE_NODE".into(), cx.name.to_string());
    env.insert("QUIESCE_ADDR".into(), cx.addrs[cx.index].to_string());
    env.insert("QUIESCE_INDEX".into(), cx.index.to_string());
    env.insert("QUIESCE_SUBNET".into(), subnet.to_string());
    LaunchSpec { argv: cx.render_all(&program.command), env, grace: program.grace }
}

fn render_probe(probe: &plan::Probe, cx: &NodeContext<'_>) -> Result<Probe, String> {
    match probe {
        plan::Probe::Http { url, body, timeout } => {
            Probe::http(&cx.render(url), body.as_ref().map(|b| cx.render(b)), *timeout)
        }
        plan::Probe::Command { argv, timeout } => Ok(Probe::Command { argv: cx.render_all(argv), timeout: *timeout }),
    }
}
