//! A node's log file: stdout and stderr of every incarnation, each started
//! by a marker line, within one budget for the node ([`crate::capped`]).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use crate::capped::{pipe_into, Budget, DEFAULT_LOG_LIMIT};

/// The log of one node.
#[derive(Debug, Clone)]
pub struct NodeLog {
    path: PathBuf,
    budget: Arc<Budget>,
}

impl NodeLog {
    /// A log at `path` (created on first use) that takes at most
    /// [`DEFAULT_LOG_LIMIT`] bytes of output.
    pub fn new(path: PathBuf) -> NodeLog {
        NodeLog::with_limit(path, DEFAULT_LOG_LIMIT)
    }

    /// A log that takes at most `limit` bytes of the node's output, over all
    /// its incarnations.
    pub fn with_limit(path: PathBuf, limit: u64) -> NodeLog {
        NodeLog { path, budget: Budget::new(limit) }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(&self) -> io::Result<File> {
        OpenOptions::new().create(true).append(true).open(&self.path)
    }

    /// Appends a marker line, e.g. at the start of an incarnation.
    pub fn mark(&self, line: &str) -> io::Result<()> {
        writeln!(self.open()?, "=== quiesce: {line} ===")
    }

    /// Two handles (stdout, stderr) for a new incarnation: a pipe drained
    /// into the log within the node's budget. Call inside a tokio runtime.
    pub fn stdio(&self) -> io::Result<(Stdio, Stdio)> {
        let piped = pipe_into(self.open()?, self.budget.clone())?;
        Ok((piped.out, piped.err))
    }

    /// The last `lines` lines (reads at most the last 64 KiB).
    pub fn tail(&self, lines: usize) -> String {
        let Ok(mut f) = File::open(&self.path) else { return String::new() };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = f.seek(SeekFrom::Start(len.saturating_sub(65536)));
        let mut buf = Vec::new();
        let _ = f.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf);
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tail_returns_the_last_lines_after_markers() {
        let dir = tempfile::tempdir().unwrap();
        let log = NodeLog::new(dir.path().join("n1.log"));
        log.mark("incarnation 1").unwrap();
        let (out, _) = log.stdio().unwrap();
        drop(out);
        std::fs::OpenOptions::new().append(true).open(log.path()).unwrap().write_all(b"a\nb\nc\n").unwrap();
        assert_eq!(log.tail(2), "b\nc");
        assert!(log.tail(10).starts_with("=== quiesce: incarnation 1 ==="));
    }
}
