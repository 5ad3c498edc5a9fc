//! The switch measured against veth pairs, in one run.
//!
//! Each row of the [`Table`](table::Table) is measured on links set up once at the
//! start: namespaces joined by the [`Switch`](quiesce::net::Switch) (TUN
//! devices, offloads on; two nodes, or eight for the four-flow and faulted
//! rows) and namespaces joined by veth pairs ([`veth`]; one pair, or four),
//! with the same MTU. Repetitions alternate which side goes first, so slow
//! drift on a shared machine (other builds, other tests) falls on both;
//! each cell is the median and range over the repetitions. Fault
//! activation and the scale rows have no baseline. The [`Report`] adds
//! the UDP packet-size sweep (drawn by [`plot`]) and the machine's load
//! at the start and the end ([`machine`]).
//!
//! Needs root, `/dev/net/tun`, `iperf3` and `sockperf`. Every address
//! (10.78.0.0/16 for veth, 10.79.0.0/24 and the run subnet for the switch)
//! lives only inside namespaces the bench makes; nothing is added to the
//! root namespace, and every namespace goes when the bench exits.

pub mod activation;
pub mod error;
pub mod faulted;
pub mod iperf;
pub mod machine;
pub mod nodes;
pub mod plot;
pub mod report;
pub mod rootless;
pub mod rows;
pub mod samples;
pub mod scale;
pub mod sockperf;
pub mod stats;
pub mod table;
pub mod tools;
pub mod veth;

mod cases;

use std::path::PathBuf;
use std::time::Duration;

pub use error::BenchError;
pub use report::Report;

/// The largest MTU tried for the jumbo rows (a TUN device's maximum).
pub const MTU_MAX: i32 = 65535;

/// The datagram sizes of the full sweep (1472 fills a 1500-byte packet).
pub const SWEEP: [usize; 5] = [64, 256, 512, 1024, 1472];

/// How much to measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Repetitions of every switch/veth row.
    pub reps: usize,
    /// Seconds per iperf3 and sockperf run.
    pub seconds: u32,
    /// Activations per repetition.
    pub activations: usize,
    /// UDP datagram sizes of the one-flow sweep (64 is the small-packet
    /// row's).
    pub sizes: Vec<usize>,
    /// Cluster sizes for the scale rows.
    pub scale: Vec<usize>,
    /// How long the switch's CPU is measured in an idle cluster.
    pub cpu_window: Duration,
    /// Where scale runs keep node logs (removed afterwards).
    pub work: PathBuf,
    /// The bench binary, which runs the rootless side of the
    /// user-namespace rows ([`rootless`]) when started with
    /// [`rootless::FLAG`]; `None` (a test binary cannot be that side) leaves
    /// those rows empty.
    pub rootless_side: Option<PathBuf>,
    /// Only the scale rows: no links, no iperf3 or sockperf, no sweep.
    pub scale_only: bool,
}

impl Settings {
    /// The full benchmark: 5 repetitions of 5 s, 200 activations each,
    /// the whole sweep, 200, 500 and 1000 nodes with 10 s of switch CPU.
    pub fn full(work: PathBuf) -> Settings {
        Settings {
            reps: 5,
            seconds: 5,
            activations: 200,
            sizes: SWEEP.to_vec(),
            scale: vec![200, 500, 1000],
            cpu_window: Duration::from_secs(10),
            work,
            rootless_side: None,
            scale_only: false,
        }
    }

    /// The smallest run that still exercises every row: for tests. One
    /// repetition of 1 s, the whole sweep (each size is its own row),
    /// 5 nodes with 1 s of switch CPU.
    pub fn smoke(work: PathBuf) -> Settings {
        Settings {
            reps: 1,
            seconds: 1,
            activations: 5,
            sizes: SWEEP.to_vec(),
            scale: vec![5],
            cpu_window: Duration::from_secs(1),
            work,
            rootless_side: None,
            scale_only: false,
        }
    }
}

/// Runs every row; `progress` gets a line per measurement. A scale size
/// that fails is reported in its rows; any other failure ends the run.
pub async fn run(settings: &Settings, progress: &mut dyn FnMut(&str)) -> Result<Report, BenchError> {
    if !nix::unistd::geteuid().is_root() {
        return Err(BenchError::Environment("the bench needs root (network namespaces, TUN, veth)".into()));
    }
    if !settings.scale_only {
        tools::require(&["iperf3", "sockperf"])?;
    }
    let mut machine = machine::Machine::at_start();
    let samples = match settings.scale_only {
        true => samples::Samples::default(),
        false => cases::run(settings, progress).await?,
    };
    let scale = scale::run_all(&settings.scale, &settings.work, settings.cpu_window, progress).await;
    let _ = std::fs::remove_dir_all(&settings.work);
    machine.finish();
    let (table, sweep) = match settings.scale_only {
        true => (rows::scale_table(&scale), Vec::new()),
        false => (rows::table(&samples, &settings.sizes, &scale), rows::sweep(&samples, &settings.sizes)),
    };
    Ok(Report { table, sweep, machine })
}
