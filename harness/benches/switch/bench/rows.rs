//! What the samples show: the table's rows with their targets, and the
//! packet-size sweep's series for the plot.

use super::cases::{udp_prefix, FLOWS, SMALL};
use super::error::BenchError;
use super::plot::{Point, Series};
use super::samples::{Samples, BASELINE, QUIESCE};
use super::scale::ScaleRun;
use super::stats::Summary;
use super::table::{Row, Table, Target};
use super::MTU_MAX;

/// The size whose scale rows carry the targets for 1000 nodes.
const LARGE: usize = 1000;

/// The table: switch/veth rows, then the scale rows of each size.
pub fn table(s: &Samples, sizes: &[usize], scale: &[(usize, Result<ScaleRun, BenchError>)]) -> Table {
    let mut rows = link_rows(s, sizes);
    rows.extend(scale_table(scale).rows);
    Table { rows }
}

/// The scale rows of each size alone (`--scale-only`).
pub fn scale_table(scale: &[(usize, Result<ScaleRun, BenchError>)]) -> Table {
    let mut rows = Vec::new();
    let first_workers = scale.iter().find_map(|(_, run)| run.as_ref().ok()).map(|run| run.switch_threads as f64);
    for (i, (n, run)) in scale.iter().enumerate() {
        let workers = match (i, first_workers) {
            (0, _) | (_, None) => Target::None,
            (_, Some(first)) => Target::Equal(first),
        };
        rows.extend(scale_rows(*n, run, workers));
    }
    Table { rows }
}

/// A row of `key`'s switch and baseline figures (the baseline's from
/// another key if given).
fn row(s: &Samples, what: &str, key: &str, baseline: Option<&str>, target: Target) -> Row {
    Row::new(what, s.side(key, QUIESCE), s.side(baseline.unwrap_or(key), BASELINE), target)
}

fn ratio(ratio: f64) -> Target {
    Target::RatioAtLeast { ratio, floor: 0.0 }
}

fn link_rows(s: &Samples, sizes: &[usize]) -> Vec<Row> {
    let mut rows = tcp_rows(s);
    rows.push(row(s, "UDP round trip p50, 64 B, sockperf (us)", "rtt-p50", None, Target::AddedAtMost(15.0)));
    rows.push(row(s, "UDP round trip p99, 64 B, sockperf (us)", "rtt-p99", None, Target::None));
    rows.extend(udp_rows(s, sizes));
    rows.push(row(s, "fault activation p50: add_rule to first drop (us)", "act-p50", None, Target::None));
    rows.push(row(s, "fault activation p99 (us)", "act-p99", None, Target::None));
    rows.extend(rootless_rows(s));
    rows
}

/// The switch without root (quiesce column) against the switch as root
/// (baseline column), not veth.
fn rootless_rows(s: &Samples) -> Vec<Row> {
    vec![
        row(
            s,
            "rootless against root: TCP, 1 stream, MTU 1500 (Gbit/s)",
            "userns-tcp",
            None,
            Target::RatioOfRootAtLeast(0.9),
        ),
        row(
            s,
            "rootless against root: 64-byte UDP delivered (kpackets/s)",
            "userns-kpps",
            None,
            Target::RatioOfRootAtLeast(0.9),
        ),
        row(s, "rootless against root: 64-byte UDP lost (%)", "userns-lost", None, Target::None).by_difference(),
    ]
}

fn tcp_rows(s: &Samples) -> Vec<Row> {
    let plain = "TCP, 1 stream, MTU 1500, switch ports without offloads (Gbit/s)";
    let faulted = "TCP, 1 stream, MTU 1500, a 1% drop rule active on another flow (Gbit/s)";
    vec![
        row(s, "TCP, 1 stream, MTU 1500 (Gbit/s)", "tcp-1500-1", None, ratio(0.6)),
        row(s, "TCP, 4 streams, MTU 1500 (Gbit/s)", "tcp-1500-4", None, ratio(0.6)),
        row(s, plain, "tcp-plain", Some("tcp-1500-1"), Target::None),
        row(s, faulted, "tcp-faulted", Some("tcp-1500-1"), Target::None),
        row(s, &format!("TCP, 1 stream, MTU {MTU_MAX} (Gbit/s)"), "tcp-jumbo-1", None, ratio(0.8)),
        row(s, &format!("TCP, 4 streams, MTU {MTU_MAX} (Gbit/s)"), "tcp-jumbo-4", None, ratio(0.8)),
    ]
}

/// The sweep's rows (64 bytes with the small-packet targets), then the
/// four flows'.
fn udp_rows(s: &Samples, sizes: &[usize]) -> Vec<Row> {
    let mut rows = Vec::new();
    for &len in sizes {
        let prefix = udp_prefix(len, 1);
        let (rate, loss) = match len {
            SMALL => (ratio(0.5), Target::AddedAtMost(10.0)),
            _ => (Target::None, Target::None),
        };
        let what = format!("{len}-byte UDP delivered, iperf3 -b 0 (kpackets/s)");
        rows.push(row(s, &what, &format!("{prefix}-kpps"), None, rate));
        rows.push(row(s, &format!("{len}-byte UDP lost (%)"), &format!("{prefix}-lost"), None, loss).by_difference());
    }
    let prefix = udp_prefix(SMALL, FLOWS);
    let what = format!("{SMALL}-byte UDP, {FLOWS} flows between {FLOWS} pairs, delivered in all (kpackets/s)");
    rows.push(row(s, &what, &format!("{prefix}-kpps"), None, ratio(0.5)));
    let what = format!("{SMALL}-byte UDP, {FLOWS} flows, lost (%)");
    rows.push(row(s, &what, &format!("{prefix}-lost"), None, Target::None).by_difference());
    rows
}

/// The rows of one cluster size; `workers` is the target of its switch
/// worker count (the first size's count: workers must not grow with the
/// nodes). The harness's whole thread count has no target: it includes
/// tokio's blocking threads, which linger for 10 s after earlier work.
fn scale_rows(n: usize, run: &Result<ScaleRun, BenchError>, workers: Target) -> Vec<Row> {
    let (up, down, rss, cpu) = match n {
        200 => (Target::AtMost(10.0), Target::AtMost(3.0), Target::AtMost(200.0), Target::None),
        LARGE => (Target::AtMost(10.0), Target::AtMost(5.0), Target::AtMost(500.0), Target::AtMost(5.0)),
        _ => (Target::None, Target::None, Target::None, Target::None),
    };
    let rows = [
        (format!("{n} nodes: build until every probe answers (s)"), up),
        (format!("{n} nodes: teardown (s)"), down),
        (format!("{n} nodes: harness RSS (MB)"), rss),
        (format!("{n} nodes: harness threads"), Target::None),
        (format!("{n} nodes: harness open files"), Target::None),
        (format!("{n} nodes: of which switch workers"), workers),
        (format!("{n} nodes: switch CPU, idle ring pinging once a second (% of a core)"), cpu),
        (format!("{n} nodes: probes failed, an observation and a sample at once (of {})", 2 * n), Target::Equal(0.0)),
    ];
    let run = match run {
        Ok(run) => run,
        Err(e) => {
            let mut rows = rows.into_iter();
            let (what, target) = rows.next().expect("a build row");
            let first = Row::failed(what, target, &e.to_string());
            return std::iter::once(first)
                .chain(rows.map(|(what, target)| Row::new(what, None, None, target)))
                .collect();
        }
    };
    let values = [
        run.up.as_secs_f64(),
        run.teardown.as_secs_f64(),
        run.rss as f64 / 1e6,
        run.threads as f64,
        run.open_files as f64,
        run.switch_threads as f64,
        run.switch_cpu * 100.0,
        run.overlap_failed as f64,
    ];
    rows.into_iter().zip(values).map(|((what, target), v)| Row::new(what, Summary::of(&[v]), None, target)).collect()
}

/// The sweep's medians, one series for the switch and one for veth:
/// delivered payload in Mbit/s (kpackets/s times the size) and loss.
pub fn sweep(s: &Samples, sizes: &[usize]) -> Vec<Series> {
    let series = |name: &str, side: &str| Series {
        name: name.to_string(),
        points: sizes
            .iter()
            .filter_map(|&len| {
                let prefix = udp_prefix(len, 1);
                let kpps = s.side(&format!("{prefix}-kpps"), side)?.median;
                let lost_percent = s.side(&format!("{prefix}-lost"), side)?.median;
                Some(Point { len, mbps: kpps * 1e3 * (len * 8) as f64 / 1e6, lost_percent })
            })
            .collect(),
    };
    vec![series("quiesce switch", QUIESCE), series("veth", BASELINE)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_sweep_is_in_mbit_per_second() {
        let mut s = Samples::default();
        for (key, v) in [("udp-64-kpps/q", 100.0), ("udp-64-lost/q", 50.0), ("udp-1472-kpps/q", 10.0)] {
            s.add(key, v);
        }
        s.add("udp-1472-lost/q", 1.0);
        let series = sweep(&s, &[64, 1472]);
        assert_eq!(series[0].name, "quiesce switch");
        let mbps: Vec<f64> = series[0].points.iter().map(|p| p.mbps).collect();
        assert!((mbps[0] - 51.2).abs() < 1e-9 && (mbps[1] - 117.76).abs() < 1e-9, "{mbps:?}");
        assert!(series[1].points.is_empty(), "veth was not measured");
    }

    #[test]
    fn a_failed_size_says_why_and_the_others_still_show() {
        let ok = ScaleRun {
            up: Duration::from_secs(1),
            teardown: Duration::from_millis(100),
            rss: 20_000_000,
            threads: 12,
            open_files: 40,
            switch_threads: 2,
            switch_cpu: 0.01,
            overlap_failed: 0,
        };
        let failed = Err(BenchError::Timeout("3 of 1000 probes still unanswered after 60s".into()));
        let table = table(&Samples::default(), &[64], &[(200, Ok(ok)), (1000, failed)]).render();
        assert!(table.contains("| 200 nodes: harness threads | 12 (12–12) |"), "{table}");
        assert!(
            table.contains("| 1000 nodes: build until every probe answers (s) | failed: 3 of 1000 probes"),
            "{table}"
        );
        assert!(table.contains("| 1000 nodes: of which switch workers | — | — |  | = 2 |"), "{table}");
    }

    #[test]
    fn the_rootless_rows_compare_with_root_not_veth() {
        let mut s = Samples::default();
        for (key, v) in
            [("userns-tcp/q", 9.5), ("userns-tcp/b", 10.0), ("userns-kpps/q", 80.0), ("userns-kpps/b", 100.0)]
        {
            s.add(key, v);
        }
        let table = table(&s, &[64], &[]).render();
        let tcp = table.lines().find(|l| l.contains("rootless against root: TCP")).expect("the TCP row");
        assert!(tcp.ends_with("| 0.95 | >= 0.9 of root — met |"), "{tcp}");
        let udp = table.lines().find(|l| l.contains("rootless against root: 64-byte UDP delivered")).expect("UDP");
        assert!(udp.ends_with("| 0.80 | >= 0.9 of root — **not met** |"), "{udp}");
        assert!(!table.lines().filter(|l| l.contains("rootless")).any(|l| l.contains("veth")), "{table}");
    }
}
