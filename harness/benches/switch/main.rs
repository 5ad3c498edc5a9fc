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

use bench::{BenchError, Report, Settings};
use clap::Parser;
use quiesce::exit::ExitCode;

/// Measure the switch against veth pairs (needs root, iperf3, sockperf).
#[derive(Debug, Parser)]
#[command(
    name = "switch-bench",
    version,
    after_help = "Prints one markdown table (BENCHMARKS.md says how each row is measured) with the \
                  load average at the start and the end and the CPUs under it, and draws the UDP \
                  packet-size sweep (throughput and loss against datagram size, switch and veth) \
                  as an SVG.\n\nExit codes: 0 done, 2 bad arguments, 3 this machine cannot run it \
                  (not root, iperf3 or sockperf missing), 4 a measurement failed or a result could \
                  not be written. A cluster size that fails is shown as failed in its row; the run \
                  goes on."
)]
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
    /// Only the scale rows (the cluster sizes of --nodes): no link rows, so
    /// no iperf3 or sockperf, and no plot.
    #[arg(long)]
    scale_only: bool,
    /// Also write the table to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Where to draw the packet-size sweep (SVG; default
    /// target/bench-plot.svg in the workspace).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Be the rootless side of the user-namespace rows (started by the
    /// bench itself, as an ordinary user).
    #[arg(long = "rootless-side", hide = true)]
    rootless_side: bool,
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

impl Args {
    /// The settings: `--smoke`'s or the full run's, with the flags given.
    fn settings(&self) -> Settings {
        let work = std::env::temp_dir().join(format!("quiesce-bench-{}", std::process::id()));
        let mut settings = if self.smoke { Settings::smoke(work) } else { Settings::full(work) };
        settings.reps = self.reps.unwrap_or(settings.reps);
        settings.seconds = self.seconds.unwrap_or(settings.seconds);
        if let Some(sizes) = &self.sizes {
            settings.sizes = sizes.iter().copied().map(usize::from).collect();
        }
        settings.scale = self.nodes.clone().unwrap_or(settings.scale);
        settings.rootless_side = std::env::current_exe().ok();
        settings.scale_only = self.scale_only;
        if let Some(secs) = self.cpu_seconds {
            settings.cpu_window = std::time::Duration::from_secs(secs);
        }
        settings
    }
}

/// Prints the report, writes it to `out` if given, and draws the plot.
fn write(report: &Report, out: Option<&Path>, plot: &Path) -> Result<(), BenchError> {
    let text = report.render();
    print!("{text}");
    if let Some(path) = out {
        std::fs::write(path, &text)
            .map_err(|e| BenchError::Output { path: path.to_path_buf(), message: e.to_string() })?;
    }
    if !report.sweep.is_empty() {
        bench::plot::write(plot, &report.sweep)?;
        eprintln!("plot: {}", plot.display());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if args.rootless_side {
        // Before any thread: it enters a user namespace.
        return bench::rootless::child(args.seconds.unwrap_or(5));
    }
    if let Err(e) = quiesce::open_files::raise() {
        eprintln!("warning: cannot raise the limit on open files: {e}");
    }
    let settings = args.settings();
    let plot = args.plot.clone().unwrap_or_else(default_plot);
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::Internal.into();
        }
    };
    let result = runtime.block_on(bench::run(&settings, &mut |line| eprintln!("{line}")));
    drop(runtime);
    match result.and_then(|report| write(&report, args.out.as_deref(), &plot)) {
        Ok(()) => ExitCode::Ok.into(),
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
