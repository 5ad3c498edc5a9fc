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
    let workers = switch_threads();
    let open_files = std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count);
    let (cpu_before, window) = (cpu_time(&workers), Instant::now());
    tokio::time::sleep(cpu_window).await;
    let used = cpu_time(&workers).saturating_sub(cpu_before);
    let switch_cpu = used.as_secs_f64() / window.elapsed().as_secs_f64();
    let switch_threads = workers.len();
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

/// The thread ids of the switch's workers (threads named `quiesce-sw-N`).
fn switch_threads() -> Vec<libc::pid_t> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Vec::new() };
    tasks
        .filter_map(|task| {
            let task = task.ok()?;
            let comm = std::fs::read_to_string(task.path().join("comm")).ok()?;
            comm.starts_with("quiesce-sw-").then(|| task.file_name().to_str()?.parse().ok())?
        })
        .collect()
}

/// The CPU time the threads `tids` of this process have used so far, by
/// their own CPU clocks: the scheduler's exact runtime, where `/proc`'s
/// utime and stime count clock ticks (4 ms at HZ=250, charged to whichever
/// thread a tick finds running). A thread that has ended counts nothing.
fn cpu_time(tids: &[libc::pid_t]) -> Duration {
    tids.iter().map(|&tid| thread_cpu_time(tid)).sum()
}

/// The CPU clock of thread `tid` of this process, read as
/// `pthread_getcpuclockid` would name it (Linux's per-thread, scheduler
/// clock: the thread id inverted, shifted by 3, with bits 4 and 2 set).
fn thread_cpu_time(tid: libc::pid_t) -> Duration {
    let clock: libc::clockid_t = (!tid << 3) | 6;
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only the timespec it is given.
    if unsafe { libc::clock_gettime(clock, &mut now) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(now.tv_sec.max(0) as u64, now.tv_nsec.clamp(0, 999_999_999) as u32)
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
    fn a_thread_cpu_clock_reads_what_the_thread_used() {
        // SAFETY: gettid takes nothing and returns this thread's id.
        let me = unsafe { libc::gettid() };
        let before = thread_cpu_time(me);
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(30) {
            std::hint::black_box(spin.elapsed());
        }
        let used = thread_cpu_time(me).saturating_sub(before);
        assert!(used >= Duration::from_millis(10), "30 ms of spinning read as {used:?}");
        assert!(used <= spin.elapsed() + Duration::from_millis(5), "more than the wall clock: {used:?}");
        assert_eq!(cpu_time(&[]), Duration::ZERO);
        // Above the kernel's highest pid (PID_MAX_LIMIT, 2^22): no such thread.
        assert_eq!(thread_cpu_time(4_194_305), Duration::ZERO);
    }
}
