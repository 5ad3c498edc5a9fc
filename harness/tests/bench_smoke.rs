//! `quiesce-bench --smoke` runs every row of the benchmark with tiny
//! settings, so the bench cannot rot. It needs what the bench needs: root,
//! `/dev/net/tun`, `iperf3` and `sockperf` (CI installs both), and
//! `quiesce-node` built beside the test binaries (`make test` builds it).

use std::path::PathBuf;
use std::process::Command;

fn built_quiesce_node() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_quiesce-bench"));
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
    let out = Command::new(env!("CARGO_BIN_EXE_quiesce-bench")).arg("--smoke").output().expect("run quiesce-bench");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "quiesce-bench --smoke failed ({}):\n{stderr}", out.status);
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
