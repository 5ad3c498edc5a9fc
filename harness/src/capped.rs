//! Output from the programs under test, capped: a node that floods its
//! stdout, a probe that answers gigabytes, or an `exec` that never stops
//! printing cannot use up the harness's memory or the disk.
//!
//! A node's stdout and stderr (and an `exec`'s) go through a pipe that a
//! task of the harness drains into the file, up to a budget; past it, one
//! line says where the output was cut, and the rest is read and dropped, so
//! the program never blocks on a full pipe. A probe's answer is read up to
//! [`PROBE_LIMIT`]; more is the probe failing, with a message.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt};

/// The default budget of a node's log, over all its incarnations, and of
/// each `exec` output file.
pub const DEFAULT_LOG_LIMIT: u64 = 64 << 20;

/// The most a probe may answer (an HTTP answer with its headers, or a
/// command's stdout), and the most an `http` step reads.
pub const PROBE_LIMIT: u64 = 8 << 20;

/// A size in bytes as a user writes it: `64MiB`, `512KiB`, `1GiB`, `4096`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(u64);

impl Size {
    /// In bytes.
    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl std::str::FromStr for Size {
    type Err = String;

    fn from_str(text: &str) -> Result<Size, String> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let shift = match unit.trim() {
            "" | "B" => 0,
            "KiB" => 10,
            "MiB" => 20,
            "GiB" => 30,
            other => return Err(format!("unknown unit `{other}`: write a size like `64MiB`, `512KiB` or `1GiB`")),
        };
        let n: u64 = number.parse().map_err(|_| format!("`{text}` is not a size like `64MiB`"))?;
        n.checked_mul(1 << shift)
            .filter(|&b| b > 0)
            .map(Size)
            .ok_or_else(|| format!("`{text}` is not a size between 1 byte and 16 EiB"))
    }
}

/// How many bytes a file may still take.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: AtomicU64,
    cut: AtomicBool,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Arc<Budget> {
        Arc::new(Budget { limit, used: AtomicU64::new(0), cut: AtomicBool::new(false) })
    }

    /// Its limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Takes up to `want` bytes from the budget; how many were granted.
    fn take(&self, want: u64) -> u64 {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let grant = want.min(self.limit.saturating_sub(used));
            match self.used.compare_exchange_weak(used, used + grant, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return grant,
                Err(now) => used = now,
            }
        }
    }

    /// Whether this is the first time the budget ran out.
    fn first_cut(&self) -> bool {
        !self.cut.swap(true, Ordering::Relaxed)
    }
}

/// The write ends of a pipe drained into a file.
pub struct Piped {
    /// For stdout.
    pub out: Stdio,
    /// For stderr (the same pipe).
    pub err: Stdio,
    /// Ends when every write end is closed and all was written.
    pub drained: tokio::task::JoinHandle<()>,
}

/// A pipe whose output a task drains into `file`, within `budget`. Call
/// from inside a tokio runtime.
pub fn pipe_into(file: File, budget: Arc<Budget>) -> io::Result<Piped> {
    let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let receiver = tokio::net::unix::pipe::Receiver::from_owned_fd(read)?;
    let drained = tokio::spawn(drain(receiver, file, budget));
    let err: OwnedFd = write.try_clone()?;
    Ok(Piped { out: Stdio::from(write), err: Stdio::from(err), drained })
}

/// Copies `from` into `file` until EOF, within the budget.
async fn drain(mut from: impl AsyncRead + Unpin, mut file: File, budget: Arc<Budget>) {
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let keep = budget.take(n as u64) as usize;
        if keep > 0 && file.write_all(&buf[..keep]).is_err() {
            return;
        }
        if keep < n && budget.first_cut() {
            let line = format!(
                "\n=== quiesce: output cut here, at {} bytes: the rest is discarded (`--log-limit` sets the limit) ===\n",
                budget.limit()
            );
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// Reads `from` to its end, or fails once it has given more than `limit`
/// bytes.
pub async fn read_capped(from: impl AsyncRead + Unpin, limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    from.take(limit + 1).read_to_end(&mut out).await.map_err(|e| e.to_string())?;
    if out.len() as u64 > limit {
        return Err(format!("the answer is over {limit} bytes, the most quiesce reads of one"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_flood_is_cut_at_the_budget_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.log");
        let budget = Budget::new(1000);
        let flood = vec![b'x'; 10_000];
        drain(&flood[..], File::create(&path).unwrap(), budget.clone()).await;
        // A second incarnation shares the node's budget: nothing more.
        drain(&b"later"[..], std::fs::OpenOptions::new().append(true).open(&path).unwrap(), budget).await;
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches('x').count(), 1000);
        assert!(text.contains("output cut here, at 1000 bytes"), "{text}");
        assert_eq!(text.matches("cut here").count(), 1);
        assert!(!text.contains("later"));
    }

    #[test]
    fn sizes_read_as_written() {
        assert_eq!("64MiB".parse::<Size>().unwrap().bytes(), 64 << 20);
        assert_eq!("512 KiB".parse::<Size>().unwrap().bytes(), 512 << 10);
        assert_eq!("4096".parse::<Size>().unwrap().bytes(), 4096);
        assert!("64MB".parse::<Size>().unwrap_err().contains("unknown unit `MB`"));
        assert!("0".parse::<Size>().is_err());
        assert!("99999999999GiB".parse::<Size>().is_err());
    }

    #[tokio::test]
    async fn a_probe_answer_over_the_limit_is_an_error() {
        assert_eq!(read_capped(&b"{}"[..], 2).await.unwrap(), b"{}");
        let over = read_capped(&b"{} "[..], 2).await.unwrap_err();
        assert!(over.contains("over 2 bytes"), "{over}");
    }
}
