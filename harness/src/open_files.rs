//! Open files: how many a run needs, and the limit it has.
//!
//! The harness holds several file descriptors for every node: the node's
//! namespace (three handles: the cluster's, the supervisor's, the
//! sampler's), its TUN device, its control socket, the pipe its output is
//! drained from and the log file it goes to, the pidfd of its process, and
//! a socket for each probe in flight. A thousand nodes need more than the
//! soft limit most shells give (1024), so [`raise`] lifts the soft limit to
//! the hard one when the harness starts, and [`check`] says, before a
//! cluster is built, whether its nodes fit in what is left.
//!
//! Caveat: [`PER_NODE`] is an estimate, measured with `quiesce-node` peers
//! (BENCHMARKS.md, scale rows); `exec` steps and the files a suite opens
//! itself are not counted.

use std::io;

/// File descriptors the harness holds per node, with room to spare: 9
/// counted with every node up and a probe in flight (namespace ×3, TUN,
/// control socket, log pipe and file, pidfd, the probe's socket).
pub const PER_NODE: u64 = 12;

/// File descriptors the harness holds whatever the node count: standard
/// streams, the runtime's, the switch workers' epolls and wakers, the
/// events file, probes in flight ([`crate::probe::IN_FLIGHT`]) and room
/// for `exec` steps.
pub const BASE: u64 = 256;

/// The soft and hard limit on open files (`RLIMIT_NOFILE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What is enforced now.
    pub soft: u64,
    /// The most the soft limit may be raised to without privilege.
    pub hard: u64,
}

/// The current limit.
pub fn limit() -> io::Result<Limit> {
    let mut raw = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes only to `raw`.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut raw) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Limit { soft: raw.rlim_cur, hard: raw.rlim_max })
}

/// Raises the soft limit on open files to the hard limit; the limit after.
/// Call once at startup (the `quiesce` binary does; so does the bench).
/// Children inherit the raised limit.
pub fn raise() -> io::Result<Limit> {
    let now = limit()?;
    if now.soft >= now.hard {
        return Ok(now);
    }
    // An unlimited hard limit cannot be the soft one: no more than the
    // kernel's per-process maximum can be open.
    let soft = match now.hard {
        libc::RLIM_INFINITY => kernel_maximum().unwrap_or(now.soft),
        hard => hard,
    };
    let raw = libc::rlimit { rlim_cur: soft, rlim_max: now.hard };
    // SAFETY: setrlimit reads only `raw`.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raw) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Limit { soft, hard: now.hard })
}

/// `fs.nr_open`: the most files one process may have open.
fn kernel_maximum() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/fs/nr_open").ok()?.trim().parse().ok()
}

/// About how many open files a run of `nodes` nodes needs.
pub fn needed(nodes: usize) -> u64 {
    BASE + PER_NODE * nodes as u64
}

/// Whether `nodes` nodes fit in `limit`; if not, an error naming the limit
/// and how to raise it.
pub fn fits(nodes: usize, limit: Limit) -> Result<(), String> {
    let needed = needed(nodes);
    if needed <= limit.soft {
        return Ok(());
    }
    let raise = match needed <= limit.hard {
        true => format!("`ulimit -n {needed}` in the shell that runs quiesce"),
        false => format!(
            "raise the hard limit: `ulimit -Hn {needed}` as root, `LimitNOFILE={needed}` in a systemd unit, \
             or `--ulimit nofile={needed}` for docker"
        ),
    };
    Err(format!(
        "{nodes} nodes need about {needed} open files ({PER_NODE} per node and {BASE} for the harness), but the \
         limit on open files (RLIMIT_NOFILE) is {} (hard limit {}).\n  fix: {raise}",
        limit.soft, limit.hard
    ))
}

/// [`fits`] with this process's limit now.
pub fn check(nodes: usize) -> Result<(), String> {
    let limit = limit().map_err(|e| format!("reading the limit on open files: {e}"))?;
    fits(nodes, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_that_does_not_fit_names_the_limit_and_the_fix() {
        let limit = Limit { soft: 1024, hard: 4096 };
        assert!(fits(50, limit).is_ok());
        let soft = fits(200, limit).unwrap_err();
        assert!(soft.starts_with("200 nodes need about 2656 open files"), "{soft}");
        assert!(soft.contains("(RLIMIT_NOFILE) is 1024 (hard limit 4096)"), "{soft}");
        assert!(soft.contains("`ulimit -n 2656`"), "{soft}");
        let hard = fits(1000, limit).unwrap_err();
        assert!(hard.contains("raise the hard limit: `ulimit -Hn 12256`"), "{hard}");
    }

    #[test]
    fn raising_reaches_the_hard_limit() {
        let raised = raise().unwrap();
        assert!(raised.soft == raised.hard || raised.hard == libc::RLIM_INFINITY, "{raised:?}");
        assert_eq!(limit().unwrap(), raised);
    }
}
