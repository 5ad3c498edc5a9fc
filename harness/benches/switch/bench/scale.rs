//! Scale: a cluster of N `quiesce-node ping` peers, built the way `quiesce
//! run` builds one (namespaces, TUN devices, switch, supervisor), timed
//! until every node's probe answers, and torn down again.
//!
//! The peers form a ring (`links`), each pinging its two neighbours every
//! second, so the switch carries a steady trickle rather than N² pings.

use std::path::Path;
use std::time::{Duration, Instant};

use super::error::BenchError;
use quiesce::cluster::{Cluster, NetOptions};
use quiesce::observe::NodeView;

/// One cluster's numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleRun {
    /// From the start of the build until every probe answered.
    pub up: Duration,
    /// From stopping the nodes until every namespace is released.
    pub teardown: Duration,
    /// The harness's resident memory with every node up, in bytes.
    pub rss: u64,
}

/// Starts `nodes` ping peers with their logs in `folder`, and stops them.
pub async fn run(nodes: usize, folder: &Path) -> Result<ScaleRun, BenchError> {
    std::fs::create_dir_all(folder).map_err(BenchError::setup(folder.display().to_string()))?;
    let suite = folder.join("scale.yaml");
    let plan = quiesce::suite::load_str(&suite_yaml(nodes), &suite)
        .map_err(|e| BenchError::Environment(format!("the scale suite does not load: {e}")))?;
    let started = Instant::now();
    let setup = |e: String| BenchError::Setup { what: format!("{nodes} nodes"), source: std::io::Error::other(e) };
    let mut cluster = Cluster::build(&plan, &plan.variants[0], folder, NetOptions::default()).await.map_err(setup)?;
    for i in 0..nodes {
        cluster.supervisor.start(i).await.map_err(|e| setup(e.to_string()))?;
    }
    let up = loop {
        let observed = cluster.observe().await;
        if observed.nodes.iter().all(|n| matches!(n, NodeView::Answered(_))) {
            break started.elapsed();
        }
        if started.elapsed() > Duration::from_secs(60) {
            let down = observed.nodes.iter().filter(|n| !matches!(n, NodeView::Answered(_))).count();
            return Err(BenchError::Timeout(format!("{down} of {nodes} probes still unanswered after 60s")));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let rss = resident_bytes();
    let stopping = Instant::now();
    cluster.supervisor.stop_all().await;
    drop(cluster);
    Ok(ScaleRun { up, teardown: stopping.elapsed(), rss })
}

fn suite_yaml(nodes: usize) -> String {
    let mut yaml = String::from(
        "programs:\n  ping:\n    command: [quiesce-node, ping, --name, \"{name}\", --listen, \"{addr}:7000\", \
         --peers, \"{peers}\", --status, \"127.0.0.1:7001\", --interval, 1s]\n    \
         probe: { http: \"http://127.0.0.1:7001/status\", timeout: 2s }\n    grace: 1s\nnodes:\n",
    );
    for i in 0..nodes {
        yaml.push_str(&format!("  n{i}: ping\n"));
    }
    if nodes > 1 {
        yaml.push_str("links:\n");
        let pairs = if nodes == 2 { 1 } else { nodes };
        for i in 0..pairs {
            yaml.push_str(&format!("  - n{i}-n{}\n", (i + 1) % nodes));
        }
    }
    yaml.push_str("steps:\n  - sleep: 1s\n");
    yaml
}

/// VmRSS of this process, in bytes (0 if unreadable).
pub fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_suite_loads_as_a_ring() {
        let plan = quiesce::suite::load_str(&suite_yaml(5), Path::new("scale.yaml")).unwrap();
        assert_eq!(plan.nodes.len(), 5);
        assert!(resident_bytes() > 0);
    }
}
