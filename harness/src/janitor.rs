//! A folder outside the run folder that must not outlive the harness,
//! even when the harness is killed with SIGKILL.
//!
//! The harness starts `quiesce-init --janitor DIR` in a process group of
//! its own, holding the write end of its stdin. However the harness ends,
//! the kernel closes that pipe; the janitor reads end-of-file, removes
//! `DIR` and exits. A janitor started this way cannot be reached by a
//! signal sent to the harness's process group (Ctrl-C included), so it
//! always outlives the harness long enough to clean up.

use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// The flag of `quiesce-init` that makes it a janitor.
pub const FLAG: &str = "--janitor";

/// A running janitor for one folder. Dropping it removes the folder (the
/// janitor does, at once) and reaps the janitor.
#[derive(Debug)]
pub struct Janitor {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Janitor {
    /// Starts the janitor of `dir`, with `init` the `quiesce-init` binary.
    pub fn guard(init: &Path, dir: &Path) -> io::Result<Janitor> {
        let mut child = Command::new(init)
            .arg(FLAG)
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()?;
        let stdin = child.stdin.take();
        Ok(Janitor { child, stdin })
    }
}

impl Drop for Janitor {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// The janitor's side: waits for end-of-file on stdin, then removes `dir`.
pub fn main(dir: PathBuf) -> i32 {
    let mut sink = [0u8; 64];
    let mut stdin = io::stdin().lock();
    loop {
        match stdin.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // Nothing more can be read: the harness is as good as gone.
            Err(_) => break,
        }
    }
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(e) => {
            eprintln!("{}: removing {}: {e}", crate::contain::INIT, dir.display());
            1
        }
    }
}
