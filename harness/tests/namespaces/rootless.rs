//! `quiesce run` as an ordinary user: a real uid with no capabilities,
//! which quiesce turns into root of a user namespace of its own.
//!
//! The binaries and suites are copied into a folder the user can read (the
//! checkout may sit under a home only root enters), and the run folder is
//! the user's. `/dev/net/tun` is set to the mode Debian, Ubuntu and Fedora
//! ship (0666) for the run and put back after, whatever happens.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::common::{quiesce_bin, require_root};

/// The user the tests run quiesce as (`nobody` on Debian).
const UID: u32 = 65534;
const TUN: &str = "/dev/net/tun";

/// Sets `/dev/net/tun` to `mode` and restores the mode it had on drop.
struct TunMode(u32);

impl TunMode {
    fn set(mode: u32) -> TunMode {
        let old = std::fs::metadata(TUN).expect("stat /dev/net/tun").permissions().mode() & 0o7777;
        std::fs::set_permissions(TUN, std::fs::Permissions::from_mode(mode)).expect("chmod /dev/net/tun");
        TunMode(old)
    }
}

impl Drop for TunMode {
    fn drop(&mut self) {
        let _ = std::fs::set_permissions(TUN, std::fs::Permissions::from_mode(self.0));
    }
}

/// A folder the user can read, holding the binaries and the suites, and a
/// run folder the user owns.
struct Stage {
    dir: tempfile::TempDir,
}

impl Stage {
    fn new() -> Stage {
        let dir = tempfile::Builder::new().prefix("quiesce-rootless-").tempdir().expect("temp dir");
        let open = |p: &Path| std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        open(dir.path());
        let built = quiesce_bin();
        let from = built.parent().expect("the binaries' folder");
        std::fs::create_dir(dir.path().join("bin")).expect("bin");
        open(&dir.path().join("bin"));
        for bin in ["quiesce", "quiesce-init", "quiesce-node"] {
            std::fs::copy(from.join(bin), dir.path().join("bin").join(bin)).expect("copy a binary");
        }
        let suites = Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites");
        std::fs::create_dir(dir.path().join("suites")).expect("suites");
        open(&dir.path().join("suites"));
        for suite in std::fs::read_dir(&suites).expect("suites folder") {
            let suite = suite.expect("entry").path();
            let copy = dir.path().join("suites").join(suite.file_name().expect("name"));
            std::fs::copy(&suite, &copy).expect("copy a suite");
            std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        std::fs::create_dir(dir.path().join("out")).expect("out");
        nix::unistd::chown(&dir.path().join("out"), Some(UID.into()), Some(UID.into())).expect("chown out");
        Stage { dir }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// `quiesce run <suite>` as the user, with no capabilities.
    fn run_as_user(&self, suite: &str, extra: &[&str]) -> Output {
        let mut command = self.command(suite, extra);
        // SAFETY: between fork and exec, only async-signal-safe calls.
        unsafe {
            command.pre_exec(|| Ok(quiesce::userns::become_user(UID)?));
        }
        command.output().expect("run quiesce")
    }

    fn command(&self, suite: &str, extra: &[&str]) -> Command {
        let mut command = Command::new(self.dir.path().join("bin/quiesce"));
        command.current_dir(self.dir.path()).arg("run").arg(format!("suites/{suite}")).arg("--out").arg(self.out());
        command.args(extra).env("HOME", self.dir.path());
        command
    }
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Every file under `dir`, with its owner.
fn owners(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("stat");
            if meta.is_dir() {
                stack.push(path.clone());
            }
            found.push((path, meta.uid()));
        }
    }
    found
}

#[test]
fn an_ordinary_user_runs_the_demo_suite_and_owns_its_run_folder() {
    require_root();
    let _tun = TunMode::set(0o666);
    let stage = Stage::new();
    let output = stage.run_as_user("weave-1554.yaml", &[]);
    let said = text(&output);
    assert_eq!(output.status.code(), Some(0), "both variants meet their expectation as uid {UID}:\n{said}");
    assert!(said.contains("before-fix") && said.contains("after-fix"), "{said}");
    let files = owners(&stage.out());
    assert!(files.iter().any(|(p, _)| p.ends_with("events.jsonl")), "a run folder was written: {files:?}");
    let foreign: Vec<_> = files.iter().filter(|(_, uid)| *uid != UID).collect();
    assert!(foreign.is_empty(), "every file of the run belongs to uid {UID}: {foreign:?}");
}

#[test]
fn a_tun_device_only_root_may_open_exits_3_and_names_the_fix() {
    require_root();
    let _tun = TunMode::set(0o600);
    let stage = Stage::new();
    let output = stage.run_as_user("weave-1554.yaml", &[]);
    let said = text(&output);
    assert_eq!(output.status.code(), Some(3), "{said}");
    assert!(said.contains("/dev/net/tun") && said.contains("0600"), "{said}");
    assert!(said.contains("chmod 0666 /dev/net/tun"), "{said}");
    assert!(owners(&stage.out()).is_empty(), "nothing was written: {:?}", owners(&stage.out()));
}

#[test]
fn user_namespaces_forbidden_exit_3_and_name_the_setting() {
    require_root();
    let _tun = TunMode::set(0o666);
    let stage = Stage::new();
    // quiesce runs as the user inside a user namespace of the test's own,
    // whose user.max_user_namespaces is 0: the machine's setting is not
    // touched, and goes with the namespace.
    // The child says its pid once it has unshared, then waits for its id
    // maps: written by a thread, since `spawn` returns only after the exec.
    let (ready_read, ready_write) = nix::unistd::pipe().expect("pipe");
    let (go_read, go_write) = nix::unistd::pipe().expect("pipe");
    let mapper = std::thread::spawn(move || {
        let mut pid = [0u8; 4];
        nix::unistd::read(&ready_read, &mut pid).expect("the child unshared");
        let pid = i32::from_ne_bytes(pid);
        // The test's namespace maps the first 65536 ids to themselves.
        std::fs::write(format!("/proc/{pid}/uid_map"), "0 0 65536").expect("uid_map");
        std::fs::write(format!("/proc/{pid}/gid_map"), "0 0 65536").expect("gid_map");
        nix::unistd::write(&go_write, b"g").expect("go");
    });
    let mut command = stage.command("weave-1554.yaml", &[]);
    // SAFETY: between fork and exec, only raw syscalls: no allocation.
    unsafe {
        command.pre_exec(move || {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWUSER)?;
            nix::unistd::write(&ready_write, &nix::unistd::getpid().as_raw().to_ne_bytes())?;
            let mut byte = [0u8];
            nix::unistd::read(&go_read, &mut byte)?;
            nix::unistd::setgid(0.into())?;
            nix::unistd::setuid(0.into())?;
            let setting = nix::fcntl::open(
                "/proc/sys/user/max_user_namespaces",
                nix::fcntl::OFlag::O_WRONLY,
                nix::sys::stat::Mode::empty(),
            )?;
            nix::unistd::write(&setting, b"0")?;
            drop(setting);
            Ok(quiesce::userns::become_user(UID)?)
        });
    }
    let output = command.output().expect("run quiesce");
    // Our copies of the child's pipe ends go, so a child that never got as
    // far as saying its pid ends the mapper instead of hanging it.
    drop(command);
    mapper.join().expect("the maps were written");
    let said = text(&output);
    assert_eq!(output.status.code(), Some(3), "{said}");
    assert!(said.contains("user.max_user_namespaces is 0"), "{said}");
    assert!(said.contains("sudo sysctl -w user.max_user_namespaces="), "{said}");
    let machine = std::fs::read_to_string("/proc/sys/user/max_user_namespaces").expect("read the setting");
    assert_ne!(machine.trim(), "0", "the machine's own setting is untouched");
}
