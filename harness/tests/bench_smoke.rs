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
    let table = result.unwrap_or_else(|e| panic!("the smoke bench failed: {e}\n{}", progress.join("\n")));
    let stdout = table.render();
    for row in [
        "TCP, 1 stream, MTU 1500",
        "TCP, 4 streams, MTU 65535",
        "UDP round trip p50",
        "64-byte UDP delivered",
        "fault activation p50",
        "5 nodes: build until every probe answers",
        "5 nodes: teardown",
        "5 nodes: harness RSS",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {row}")))
            .unwrap_or_else(|| panic!("no row {row:?}:\n{stdout}"));
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert!(cells[2].chars().next().is_some_and(|c| c.is_ascii_digit()), "row {row:?} has no figure: {line}");
    }
}
