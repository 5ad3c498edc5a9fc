//! The documented exit codes of `quiesce`.

/// Why `quiesce` exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Every suite met its expectation (or every file checked is valid).
    Ok = 0,
    /// A suite did not meet its expectation.
    Failed = 1,
    /// The input was invalid (a suite file, a flag).
    Invalid = 2,
    /// The environment cannot run suites (not root, no /dev/net/tun).
    Environment = 3,
    /// Something went wrong inside the harness.
    Internal = 4,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}
