//! What can stop a benchmark.

use std::io;
use std::path::PathBuf;

/// Why the benchmark could not finish.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The machine cannot run it (not root, a tool missing).
    #[error("{0}")]
    Environment(String),
    /// Setting up a namespace, link or switch failed.
    #[error("setting up {what}: {source}")]
    Setup {
        /// What was being set up.
        what: String,
        /// Why it failed.
        source: io::Error,
    },
    /// A tool failed or said something unexpected.
    #[error("{tool}: {message}")]
    Tool {
        /// The tool's command line.
        tool: String,
        /// What went wrong, with the end of its output.
        message: String,
    },
    /// A measurement did not finish in time.
    #[error("{0}")]
    Timeout(String),
    /// Writing a result file (the plot) failed.
    #[error("writing {}: {message}", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// Why it could not be written.
        message: String,
    },
}

impl BenchError {
    /// A setup error for `what`.
    pub fn setup(what: impl Into<String>) -> impl FnOnce(io::Error) -> BenchError {
        let what = what.into();
        move |source| BenchError::Setup { what, source }
    }
}
