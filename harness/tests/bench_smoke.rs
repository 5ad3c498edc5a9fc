//! The switch bench's smoke settings run every row of the benchmark, so the
//! bench cannot rot. The bench's modules (`harness/benches/switch/bench/`)
//! are compiled into this test and run in-process, as `cargo bench --bench
//! switch -- --smoke` would run them. It needs what the bench needs: root,
//! `/dev/net/tun`, `iperf3` and `sockperf` (CI installs both), and
//! `quiesce-node` built beside `quiesce` (`make test` builds it).

#[allow(dead_code)]
#[path = "../benches/switch/bench/mod.rs"]
mod bench;

use std::path::PathBuf;
use std::process::Command;

fn built_quiesce_node() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_quiesce"));
    exe.with_file_name("quiesce-node")
}

#[test]
fn the_smoke_bench_prints_every_row() {
    assert!(nix::unistd::geteuid().is_root(), "the bench smoke test needs root: run `make test` as root");
    for tool in ["iperf3", "sockperf"] {
        let found =
            Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success());
        assert!(found, "{tool} is missing: `apt-get install -y iperf3 sockperf` (.ci/run installs them)");
    }
    assert!(built_quiesce_node().is_file(), "build quiesce-node first: `cargo build --workspace --bins`");
    let work = std::env::temp_dir().join(format!("quiesce-bench-smoke-{}", std::process::id()));
    let settings = bench::Settings::smoke(work);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime");
    let mut progress = Vec::new();
    let result = runtime.block_on(bench::run(&settings, &mut |line| progress.push(line.to_string())));
    drop(runtime);
    let report = result.unwrap_or_else(|e| panic!("the smoke bench failed: {e}\n{}", progress.join("\n")));
    let stdout = report.render();
    println!("{stdout}");
    for row in [
        "TCP, 1 stream, MTU 1500",
        "TCP, 4 streams, MTU 65535",
        "TCP, 1 stream, MTU 1500, a 1% drop rule active on another flow",
        "UDP round trip p50",
        "64-byte UDP delivered",
        "64-byte UDP lost",
        "256-byte UDP delivered",
        "1472-byte UDP delivered",
        "1472-byte UDP lost",
        "64-byte UDP, 4 flows between 4 pairs, delivered in all",
        "64-byte UDP, 4 flows, lost",
        "fault activation p50",
        "5 nodes: build until every probe answers",
        "5 nodes: teardown",
        "5 nodes: harness RSS",
        "5 nodes: harness threads",
        "5 nodes: of which switch workers",
        "5 nodes: switch CPU",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {row}")))
            .unwrap_or_else(|| panic!("no row {row:?}:\n{stdout}"));
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert!(cells[2].chars().next().is_some_and(|c| c.is_ascii_digit()), "row {row:?} has no figure: {line}");
    }
    let load = stdout.lines().find(|l| l.starts_with("Load average")).unwrap_or_else(|| panic!("no load:\n{stdout}"));
    assert!(load.contains("at the start") && load.contains("at the end") && load.contains("CPUs"), "{load}");
    assert!(!load.contains("unreadable"), "{load}");
    the_plot_shows_the_sweep(&report);
}

/// The sweep drawn as the bench draws it: an SVG document with a line per
/// link and both charts.
fn the_plot_shows_the_sweep(report: &bench::Report) {
    assert!(report.sweep.iter().all(|s| s.points.len() == bench::SWEEP.len()), "{:?}", report.sweep);
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("bench-plot.svg");
    bench::plot::write(&path, &report.sweep).unwrap_or_else(|e| panic!("{e}"));
    let svg = std::fs::read_to_string(&path).expect("the plot was written");
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "not an SVG: {}", &svg[..svg.len().min(200)]);
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("the plot does not parse: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    for text in ["quiesce switch", "veth", "Throughput vs datagram size", "Loss vs datagram size"] {
        assert!(svg.contains(text), "no {text:?} in the plot");
    }
}
