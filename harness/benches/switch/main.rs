//! The switch benchmark: measures the switch against a veth pair and prints
//! one markdown table (see the [`bench`] module). Run it as root with
//! `cargo bench --bench switch` (`make bench` does, with `--out
//! target/bench-table.md`). Exit codes as `quiesce`'s: 0 done, 2 bad
//! arguments, 3 this machine cannot run it (not root, iperf3 or sockperf
//! missing), 4 a measurement failed.

// Bench targets are also built with `--cfg test` but no test harness
// (`cargo build --all-targets`, clippy): the modules' unit tests then
// compile without their `#[test]` functions. They run in
// harness/tests/bench_smoke.rs, which includes these modules.
#[cfg_attr(test, allow(dead_code, unused_imports))]
mod bench;

use std::path::PathBuf;

use bench::{BenchError, Settings};
use clap::Parser;
use quiesce::exit::ExitCode;

/// Measure the switch against a veth pair (needs root, iperf3, sockperf).
#[derive(Debug, Parser)]
#[command(name = "switch-bench", version, about)]
struct Args {
    /// Tiny settings that still run every row: 1 repetition of 1 s, 5 nodes.
    #[arg(long)]
    smoke: bool,
    /// Repetitions of every row (default 5; 1 with --smoke).
    #[arg(long)]
    reps: Option<usize>,
    /// Seconds per iperf3/sockperf run (default 5; 1 with --smoke).
    #[arg(long)]
    seconds: Option<u32>,
    /// Cluster sizes for the scale rows, comma-separated (default 50,100,200).
    #[arg(long, value_delimiter = ',')]
    nodes: Option<Vec<usize>>,
    /// Also write the table to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Passed by `cargo bench` to every bench target; changes nothing.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let work = std::env::temp_dir().join(format!("quiesce-bench-{}", std::process::id()));
    let mut settings = if args.smoke { Settings::smoke(work) } else { Settings::full(work) };
    settings.reps = args.reps.unwrap_or(settings.reps);
    settings.seconds = args.seconds.unwrap_or(settings.seconds);
    settings.scale = args.nodes.unwrap_or(settings.scale);
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
        Ok(table) => {
            let text = table.render();
            print!("{text}");
            if let Some(path) = args.out {
                if let Err(e) = std::fs::write(&path, &text) {
                    eprintln!("error: writing {}: {e}", path.display());
                    return ExitCode::Internal.into();
                }
            }
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
