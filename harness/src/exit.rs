//! The documented exit codes of `quiesce` (docs/exit-codes.md), and the one
//! error type every command returns, each kind with its code.

use std::path::PathBuf;

use crate::events::ReadError;
use crate::nemesis::expand::ExpandError;
use crate::report::ReportError;
use crate::suite::SuiteError;

/// Why `quiesce` exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Every suite met its expectation (or every file checked is valid).
    Ok = 0,
    /// A suite did not meet its expectation.
    Failed = 1,
    /// The input was invalid (a suite file, a flag, a run folder), found
    /// before anything started.
    Invalid = 2,
    /// The environment cannot run suites (not root, no /dev/net/tun).
    Environment = 3,
    /// Something went wrong inside the harness: a bug in quiesce.
    Internal = 4,
    /// Interrupted by SIGINT or SIGTERM: teardown done, a partial report
    /// written with the verdict `interrupted`.
    Interrupted = 130,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

/// Why a command could not do its job (a suite that fails its checks is
/// not an error: it is [`ExitCode::Failed`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Suite files that are missing or invalid (every one is listed).
    #[error("{}", render_suites(.0))]
    Suites(Vec<SuiteError>),
    /// Paths given that name no suite file.
    #[error("error: no suite files in {}\n  fix: give suite files (*.yaml) or folders that hold them", list(.0))]
    NoSuites(Vec<PathBuf>),
    /// A flag's value, or a combination of flags, that cannot be used.
    #[error("error: {0}")]
    Usage(String),
    /// A run folder whose record cannot be read.
    #[error("error: {0}")]
    Events(#[from] ReadError),
    /// This machine cannot run suites; the message says how to fix it.
    #[error("error: {0}")]
    Environment(String),
    /// A report or run folder could not be written (a path that does not
    /// exist, a full disk, no permission).
    #[error("error: {0}")]
    Report(#[from] ReportError),
    /// A bug in quiesce, or a failure it did not foresee.
    #[error("error: internal: {0}")]
    Internal(String),
}

impl Error {
    /// The exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Suites(_) | Error::NoSuites(_) | Error::Usage(_) | Error::Events(_) => ExitCode::Invalid,
            Error::Environment(_) | Error::Report(_) => ExitCode::Environment,
            Error::Internal(_) => ExitCode::Internal,
        }
    }
}

impl From<ExpandError> for Error {
    fn from(e: ExpandError) -> Error {
        match e {
            ExpandError::Io { .. } => Error::Environment(e.to_string()),
            ExpandError::Changed(_) => Error::Usage(e.to_string()),
            ExpandError::Invalid(_) => Error::Internal(e.to_string()),
        }
    }
}

fn render_suites(errors: &[SuiteError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}
