//! The switch measured against a veth pair, in one run.
//!
//! Each row of the [`Table`] is measured on two links set up once at the
//! start: two namespaces joined by the [`Switch`](quiesce::net::Switch) (TUN
//! devices, offloads on) and two joined by a veth pair ([`veth`]), with
//! the same MTU. Repetitions alternate which side goes first, so slow
//! drift on a shared machine (other builds, other tests) falls on both;
//! each cell is the median and range over the repetitions. Fault
//! activation and the scale rows have no baseline.
//!
//! Needs root, `/dev/net/tun`, `iperf3` and `sockperf`. Every address
//! (10.78.0.0/24 for veth, 10.79.0.0/24 and the run subnet for the switch)
//! lives only inside namespaces the bench makes; nothing is added to the
//! root namespace, and every namespace goes when the bench exits.

pub mod activation;
pub mod error;
pub mod iperf;
pub mod pair;
pub mod scale;
pub mod sockperf;
pub mod stats;
pub mod table;
pub mod tools;
pub mod veth;

mod cases;

use std::path::PathBuf;

pub use error::BenchError;
pub use table::Table;

/// The largest MTU tried for the jumbo rows (a TUN device's maximum).
pub const MTU_MAX: i32 = 65535;

/// How much to measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Repetitions of every switch/veth row.
    pub reps: usize,
    /// Seconds per iperf3 and sockperf run.
    pub seconds: u32,
    /// Activations per repetition.
    pub activations: usize,
    /// Cluster sizes for the scale rows.
    pub scale: Vec<usize>,
    /// Where scale runs keep node logs (removed afterwards).
    pub work: PathBuf,
}

impl Settings {
    /// The full benchmark: 5 repetitions of 5 s, 200 activations each,
    /// 50, 100 and 200 nodes.
    pub fn full(work: PathBuf) -> Settings {
        Settings { reps: 5, seconds: 5, activations: 200, scale: vec![50, 100, 200], work }
    }

    /// The smallest run that still exercises every row: for tests.
    pub fn smoke(work: PathBuf) -> Settings {
        Settings { reps: 1, seconds: 1, activations: 5, scale: vec![5], work }
    }
}

/// Runs every row; `progress` gets a line per measurement.
pub async fn run(settings: &Settings, progress: &mut dyn FnMut(&str)) -> Result<Table, BenchError> {
    if !nix::unistd::geteuid().is_root() {
        return Err(BenchError::Environment("the bench needs root (network namespaces, TUN, veth)".into()));
    }
    tools::require(&["iperf3", "sockperf"])?;
    let table = cases::run(settings, progress).await;
    let _ = std::fs::remove_dir_all(&settings.work);
    table
}
