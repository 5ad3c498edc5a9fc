//! The switch benchmark: measures the switch against veth pairs, prints
//! one markdown table with the machine's load under it, and draws the UDP
//! packet-size sweep as an SVG (see the [`bench`] module). Run it as root
//! with `cargo bench --bench switch` (`make bench` does, with `--out
//! target/bench-table.md`). Exit codes as `quiesce`'s: 0 done, 2 bad
//! arguments, 3 this machine cannot run it (not root, iperf3 or sockperf
//! missing), 4 a measurement failed or a result could not be written.

// Bench targets are also built with `--cfg test` but no test harness
// (`cargo build --all-targets`, clippy): the modules' unit tests then
// compile without their `#[test]` functions. They run in
// harness/tests/bench_smoke.rs, which includes these modules.
#[cfg_attr(test, allow(dead_code, unused_imports))]
mod bench;

use std::path::{Path, PathBuf};

use bench::{BenchError, Settings};
use clap::Parser;
use quiesce::exit::ExitCode;

/// Measure the switch against veth pairs (needs root, iperf3, sockperf).
#[derive(Debug, Parser)]
#[command(name = "switch-bench", version, about)]
struct Args {
    /// Tiny settings that still run every row: 1 repetition of 1 s, 5 nodes,
    /// 1 s of switch CPU.
    #[arg(long)]
    smoke: bool,
    /// Repetitions of every row (default 5; 1 with --smoke).
    #[arg(long)]
    reps: Option<usize>,
    /// Seconds per iperf3/sockperf run (default 5; 1 with --smoke).
    #[arg(long)]
    seconds: Option<u32>,
    /// UDP datagram sizes of the packet-size sweep, comma-separated, bytes
    /// of payload (default 64,256,512,1024,1472; 64 has the small-packet
    /// targets).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(16..=1472))]
    sizes: Option<Vec<u16>>,
    /// Cluster sizes for the scale rows, comma-separated (default
    /// 200,500,1000; 5 with --smoke).
    #[arg(long, value_delimiter = ',')]
    nodes: Option<Vec<usize>>,
    /// Seconds of the idle cluster over which the switch's CPU is measured
    /// (default 10; 1 with --smoke).
    #[arg(long)]
    cpu_seconds: Option<u64>,
    /// Also write the table to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Where to draw the packet-size sweep (SVG; default
    /// target/bench-plot.svg in the workspace).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Passed by `cargo bench` to every bench target; changes nothing.
    #[arg(long, hide = true)]
    bench: bool,
}

/// `target/bench-plot.svg` in the workspace (`cargo bench` runs in the
/// package's folder, one below).
fn default_plot() -> PathBuf {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    package.parent().expect("the harness package sits in the workspace").join("target/bench-plot.svg")
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let work = std::env::temp_dir().join(format!("quiesce-bench-{}", std::process::id()));
    let mut settings = if args.smoke { Settings::smoke(work) } else { Settings::full(work) };
    settings.reps = args.reps.unwrap_or(settings.reps);
    settings.seconds = args.seconds.unwrap_or(settings.seconds);
    settings.scale = args.nodes.unwrap_or(settings.scale);
    if let Some(sizes) = args.sizes {
        settings.sizes = sizes.into_iter().map(usize::from).collect();
    }
    if let Some(secs) = args.cpu_seconds {
        settings.cpu_window = std::time::Duration::from_secs(secs);
    }
    let plot = args.plot.unwrap_or_else(default_plot);
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::Internal.into();
        }
    };
    let result = runtime.block_on(bench::run(&settings, &mut |line| eprintln!("{line}")));
    drop(runtime);
    match result {
        Ok(report) => {
            let text = report.render();
            print!("{text}");
            if let Some(path) = args.out {
                if let Err(e) = std::fs::write(&path, &text) {
                    eprintln!("error: writing {}: {e}", path.display());
                    return ExitCode::Internal.into();
                }
            }
            if let Err(e) = bench::plot::write(&plot, &report.sweep) {
                eprintln!("error: {e}");
                return ExitCode::Internal.into();
            }
            eprintln!("plot: {}", plot.display());
            ExitCode::Ok.into()
        }
        Err(e @ BenchError::Environment(_)) => {
            eprintln!("error: {e}");
            ExitCode::Environment.into()
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::Internal.into()
        }
    }
}
