//! The janitor removes its folder when whoever holds its pipe is gone:
//! dropped in order, or killed with SIGKILL.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use quiesce::janitor::Janitor;

fn init() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_quiesce-init"))
}

fn folder_with_a_file(base: &std::path::Path) -> PathBuf {
    let dir = base.join("sockets");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("a.sock"), b"").unwrap();
    dir
}

#[test]
fn a_dropped_janitor_removes_its_folder() {
    let base = tempfile::tempdir().unwrap();
    let dir = folder_with_a_file(base.path());
    let janitor = Janitor::guard(&init(), &dir).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(dir.exists(), "the janitor waits while its pipe is open");
    drop(janitor);
    assert!(!dir.exists(), "the janitor removed the folder");
}

#[test]
fn the_folder_goes_when_its_holder_is_killed_with_sigkill() {
    let base = tempfile::tempdir().unwrap();
    let dir = folder_with_a_file(base.path());
    // `sleep` stands in for the harness: it alone holds the write end of
    // the janitor's stdin.
    let mut holder = Command::new("sleep").arg("60").stdout(Stdio::piped()).spawn().unwrap();
    let pipe = holder.stdout.take().unwrap();
    let mut janitor = Command::new(init()).arg("--janitor").arg(&dir).stdin(pipe).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(dir.exists(), "the janitor waits while its pipe is open");
    holder.kill().unwrap();
    holder.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while janitor.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(janitor.try_wait().unwrap().is_some_and(|s| s.success()), "the janitor exited cleanly");
    assert!(!dir.exists(), "the janitor removed the folder after its holder was killed");
}
