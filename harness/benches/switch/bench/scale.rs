//! Scale: a cluster of N `quiesce-node ping` peers, built the way `quiesce
//! run` builds one (namespaces, TUN devices, switch, supervisor), timed
//! until every node's probe answers, and torn down again.
//!
//! The peers form a ring (`links`), each pinging its two neighbours every
//! second, so the switch carries a steady trickle rather than N² pings;
//! the switch's CPU is measured over a window of that near-idle cluster.
//! A size that fails (cannot be built, or its probes do not all answer
//! within 60 s) is reported and the next size tried.

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
    /// The harness's threads with every node up (`/proc/self/task`).
    pub threads: usize,
    /// The harness's open files with every node up (`/proc/self/fd`).
    pub open_files: usize,
    /// Of those, the switch's workers (named `quiesce-sw-N`).
    pub switch_threads: usize,
    /// CPU time of the switch's workers while the ring pings (every node
    /// once a second), as a share of one core: near idle.
    pub switch_cpu: f64,
    /// Probes that failed when every node was probed twice at once, as an
    /// observation and an invariant's sample overlap in a run: none should.
    pub overlap_failed: usize,
}

/// Runs every size of `sizes` in turn, each with its logs in a folder of
/// `work`; `progress` gets a line per size.
pub async fn run_all(
    sizes: &[usize],
    work: &Path,
    cpu_window: Duration,
    progress: &mut dyn FnMut(&str),
) -> Vec<(usize, Result<ScaleRun, BenchError>)> {
    let mut runs = Vec::new();
    for &n in sizes {
        let run = run(n, &work.join(format!("scale-{n}")), cpu_window, progress).await;
        match &run {
            Ok(run) => progress(&format!(
                "scale {n}: up {:?}, teardown {:?}, rss {} MB, {} threads ({} switch workers), {} open files, \
                 switch cpu {:.1}%, {} of {} overlapping probes failed",
                run.up,
                run.teardown,
                run.rss / 1_000_000,
                run.threads,
                run.switch_threads,
                run.open_files,
                run.switch_cpu * 100.0,
                run.overlap_failed,
                2 * n
            )),
            Err(e) => progress(&format!("scale {n}: failed: {e}")),
        }
        runs.push((n, run));
    }
    runs
}

/// Starts `nodes` ping peers with their logs in `folder`, measures the
/// switch's CPU over `cpu_window` and probes overlapping, and stops them.
pub async fn run(
    nodes: usize,
    folder: &Path,
    cpu_window: Duration,
    progress: &mut dyn FnMut(&str),
) -> Result<ScaleRun, BenchError> {
    std::fs::create_dir_all(folder).map_err(BenchError::setup(folder.display().to_string()))?;
    let suite = folder.join("scale.yaml");
    let plan = quiesce::suite::load_str(&suite_yaml(nodes), &suite)
        .map_err(|e| BenchError::Environment(format!("the scale suite does not load: {e}")))?;
    let started = Instant::now();
    let setup = |e: String| BenchError::Setup { what: format!("{nodes} nodes"), source: std::io::Error::other(e) };
    let mut cluster = Cluster::build(&plan, &plan.variants[0], folder, NetOptions::default()).await.map_err(setup)?;
    let built = started.elapsed();
    for i in 0..nodes {
        cluster.supervisor.start(i).await.map_err(|e| setup(e.to_string()))?;
    }
    let spawned = started.elapsed();
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
    progress(&format!("scale {nodes}: built {built:?}, nodes started {spawned:?}, every probe answered {up:?}"));
    let rss = resident_bytes();
    let threads = std::fs::read_dir("/proc/self/task").map_or(0, Iterator::count);
    let switch_threads = switch_stats().len();
    let open_files = std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count);
    let (cpu_before, window) = (switch_ticks(), Instant::now());
    tokio::time::sleep(cpu_window).await;
    let ticks = switch_ticks().saturating_sub(cpu_before) as f64;
    let switch_cpu = ticks / clock_ticks_per_second() / window.elapsed().as_secs_f64();
    let overlap_failed = overlap(&cluster, progress).await;
    let stopping = Instant::now();
    cluster.supervisor.stop_all().await;
    drop(cluster);
    Ok(ScaleRun {
        up,
        teardown: stopping.elapsed(),
        rss,
        threads,
        open_files,
        switch_threads,
        switch_cpu,
        overlap_failed,
    })
}

/// Probes every node twice at once, as an observation and an invariant's
/// sample (the same probes, [`Cluster::probe_raw`]) overlap in a run; how
/// many failed. `progress` gets the distinct errors, with their counts.
async fn overlap(cluster: &Cluster, progress: &mut dyn FnMut(&str)) -> usize {
    let sample = futures::future::join_all((0..cluster.names().len()).map(|i| cluster.probe_raw(i)));
    let (observed, sampled) = tokio::join!(cluster.observe(), sample);
    let mut errors: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let observe_errors = observed.nodes.into_iter().filter_map(|n| match n {
        NodeView::Answered(_) => None,
        NodeView::Down => Some("down".to_string()),
        NodeView::Failed(e) => Some(e),
    });
    for error in observe_errors.chain(sampled.into_iter().filter_map(Result::err)) {
        // One line per kind of error: the node's address varies.
        let kind = error.rsplit(": ").next().unwrap_or(&error).to_string();
        *errors.entry(kind).or_default() += 1;
    }
    for (error, count) in &errors {
        progress(&format!("  overlapping probes: {count} x {error}"));
    }
    errors.values().sum()
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

/// User and system CPU time of the switch's workers so far, in clock
/// ticks.
fn switch_ticks() -> u64 {
    switch_stats().iter().map(|stat| cpu_ticks(stat)).sum()
}

/// The `/proc/self/task/*/stat` line of each of the switch's workers
/// (threads named `quiesce-sw-N`).
fn switch_stats() -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Vec::new() };
    tasks
        .filter_map(|task| {
            let path = task.ok()?.path();
            let comm = std::fs::read_to_string(path.join("comm")).ok()?;
            comm.starts_with("quiesce-sw-").then(|| std::fs::read_to_string(path.join("stat")).ok())?
        })
        .collect()
}

/// `utime + stime` from a `/proc/.../stat` line (fields 14 and 15; the
/// name in parentheses may hold spaces).
fn cpu_ticks(stat: &str) -> u64 {
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After the name, field 3 (state) is index 0: utime is 14, stime 15.
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    field(14) + field(15)
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf reads a constant.
    match unsafe { libc::sysconf(libc::_SC_CLK_TCK) } {
        n if n > 0 => n as f64,
        _ => 100.0,
    }
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

    #[test]
    fn cpu_ticks_are_utime_plus_stime() {
        let stat = "42 (quiesce-sw 0) S 1 2 3 4 5 6 7 8 9 10 250 31 0 0 20 0 1 0";
        assert_eq!(cpu_ticks(stat), 281);
        assert_eq!(cpu_ticks("garbage"), 0);
    }
}
