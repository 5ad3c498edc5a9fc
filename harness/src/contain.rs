//! Containment: everything a node starts lives and dies with the node.
//!
//! A peer under test may fork, double-fork into a daemon, call `setsid`,
//! ignore SIGTERM or crash-loop; the harness must not depend on its good
//! behaviour. So every node's program runs under two small inits of
//! quiesce's own (the `quiesce-init` binary, [`main`]):
//!
//! ```text
//! harness ── outer init ── inner init (pid 1 of a new PID namespace) ── program
//! ```
//!
//! - The **inner init** is the first process of a PID namespace of the
//!   node's own. It starts the program, reaps every orphan the program
//!   leaves, and exits as soon as the program does (saying in the
//!   program's output how many processes it left); the kernel then kills
//!   every process still in the namespace: daemons, `setsid` escapees,
//!   children that ignore SIGTERM.
//! - The **outer init** stays in the harness's PID namespace: it is the
//!   process the harness started, so the harness's signals to the node's
//!   process group reach all three, and its exit is the program's (the same
//!   code, or death by the same signal), so reports read as before.
//! - Both catch every signal they can and do nothing with it: TERM, HUP or
//!   USR1 sent to the group reach the program alone, and STOP/CONT and KILL
//!   reach everyone.
//! - Each init dies with its parent (`PR_SET_PDEATHSIG`): a SIGKILL of the
//!   harness takes the outer init, then the inner one, then the namespace.
//! - The outer init also does what the harness would otherwise do between
//!   fork and exec ([`command`]): it enters the node's network namespace
//!   (given as its stdin), sets its parent-death signal, and checks that
//!   the harness did not die before that. So the harness starts it with no
//!   code of its own in the child, which lets the standard library use
//!   `posix_spawn` (a vfork) rather than fork: a fork copies the harness's
//!   page tables, which at a thousand nodes costs seconds.
//!
//! Nodes, `exec` steps, command probes and the bench's tools all start
//! this way ([`crate::launcher::Launcher::spawn`]).
//!
//! Caveat: a process that leaves the node's process group (a daemon) still
//! dies with the node, but `pause` (SIGSTOP to the group) does not reach it.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::sched::{setns, unshare, CloneFlags};
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::{fork, pipe2, ForkResult};

/// The name of the init binary, installed beside `quiesce`.
pub const INIT: &str = "quiesce-init";

/// The flag of `quiesce-init` for a node's program as the harness starts
/// it: `quiesce-init --node HARNESS_PID PROGRAM [ARGS...]`, its stdin the
/// node's network namespace ([`command`]).
pub const NODE_FLAG: &str = "--node";

/// The command that runs `program` contained, inside the network
/// namespace `ns`: `quiesce-init` enters the namespace (its stdin until
/// then; the program's stdin is `/dev/null`) and dies with the calling
/// thread of the harness. Add the program's arguments, environment and
/// output; do not set stdin, and add no `pre_exec`: then the command is
/// started without a fork of the harness. Spawn it in its own process
/// group from a thread that lives as long as the harness (as
/// [`crate::launcher::Launcher::spawn`] does).
pub fn command(init: &Path, ns: OwnedFd, program: &Path) -> Command {
    let mut command = Command::new(init);
    command.arg(NODE_FLAG).arg(std::process::id().to_string()).arg(program).stdin(Stdio::from(ns));
    command
}

/// `quiesce-init [--node HARNESS_PID] PROGRAM [ARGS...]`: runs the program
/// contained as the module docs say, and exits as it did. Returns only on
/// a usage error.
pub fn main(args: Vec<OsString>) -> i32 {
    let args = match args.split_first() {
        Some((flag, rest)) if flag == NODE_FLAG => match rest.split_first() {
            Some((harness, rest)) => {
                enter_node(harness);
                rest
            }
            None => &[],
        },
        _ => &args[..],
    };
    let Some(program) = args.first() else {
        eprintln!(
            "usage: {INIT} [{NODE_FLAG} HARNESS_PID] PROGRAM [ARGS...] (quiesce starts each node's program this way)"
        );
        return 2;
    };
    catch_all();
    let (from_inner, to_outer) = match pipe2(nix::fcntl::OFlag::O_CLOEXEC) {
        Ok(pipe) => pipe,
        Err(e) => fail(&format!("a pipe for the program's status: {e}")),
    };
    if let Err(e) = unshare(CloneFlags::CLONE_NEWPID) {
        eprintln!("{INIT}: no PID namespace for this node ({e}): its processes are held by its process group only");
        exec(program, &args[1..]);
    }
    // SAFETY: this process has one thread (nothing before has started
    // another), so the child may run any code.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            drop(from_inner);
            inner(program, &args[1..], to_outer)
        }
        Ok(ForkResult::Parent { child }) => {
            drop(to_outer);
            outer(child.as_raw(), from_inner)
        }
        Err(e) => fail(&format!("starting the node's PID namespace: {e}")),
    }
}

/// What the harness does not do between fork and exec: dies with the
/// harness's thread that started it (`harness` is the harness's pid), and
/// enters the node's network namespace, its stdin, putting `/dev/null` in
/// its place.
fn enter_node(harness: &OsStr) {
    let Some(harness) = harness.to_str().and_then(|h| h.parse::<libc::pid_t>().ok()) else {
        fail(&format!("{NODE_FLAG} takes the harness's pid, not `{}`", harness.to_string_lossy()));
    };
    // SAFETY: prctl with integer arguments; no memory is passed.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } != 0 {
        fail(&format!("setting the parent-death signal: {}", io::Error::last_os_error()));
    }
    // The harness may have died before the signal was set: this process
    // was then handed to another parent, and must not start the node.
    // SAFETY: getppid cannot fail.
    if unsafe { libc::getppid() } != harness {
        std::process::exit(1);
    }
    let stdin = io::stdin();
    if let Err(e) = setns(stdin.as_fd(), CloneFlags::CLONE_NEWNET) {
        fail(&format!("entering the node's network namespace (its stdin): {e}"));
    }
    let null = match std::fs::File::open("/dev/null") {
        Ok(null) => null,
        Err(e) => fail(&format!("opening /dev/null: {e}")),
    };
    // SAFETY: dup2 onto stdin, which holds only the namespace this process
    // has entered; the file stays open until after the call.
    if unsafe { libc::dup2(null.as_raw_fd(), libc::STDIN_FILENO) } < 0 {
        fail(&format!("/dev/null as stdin: {}", io::Error::last_os_error()));
    }
}

/// The outer init: waits for the inner one and exits as the program did.
fn outer(inner: libc::pid_t, from_inner: OwnedFd) -> ! {
    let inner_status = wait_for(inner);
    let mut raw = [0u8; 4];
    let program = std::fs::File::from(from_inner).read_exact(&mut raw).ok().map(|()| i32::from_ne_bytes(raw));
    exit_as(program.or(inner_status).unwrap_or(0))
}

/// The inner init, pid 1 of the node's PID namespace: starts the program,
/// reaps orphans, and exits when the program does, passing on its status.
fn inner(program: &OsString, args: &[OsString], to_outer: OwnedFd) -> ! {
    // SAFETY: prctl with an integer argument; no memory is passed.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    // SAFETY: as in `main`: one thread.
    let child = match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            drop(to_outer);
            exec(program, args)
        }
        Ok(ForkResult::Parent { child }) => child.as_raw(),
        Err(e) => fail(&format!("starting the program: {e}")),
    };
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes only to `status`.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid == child {
            let _ = std::fs::File::from(to_outer).write_all(&status.to_ne_bytes());
            say_what_is_left(program);
            std::process::exit(0);
        }
        if pid < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            std::process::exit(0);
        }
    }
}

/// Says on the program's stderr (its log) how many processes it left
/// running: the orphans this init adopted, which the kernel kills when
/// this init exits. A daemon that vanishes is then no mystery.
fn say_what_is_left(program: &OsString) {
    let Ok(children) = std::fs::read_to_string("/proc/thread-self/children") else { return };
    let left = children.split_whitespace().count();
    if left > 0 {
        let program = program.to_string_lossy();
        eprintln!("{INIT}: `{program}` exited and left {left} process(es) running; they end with it");
    }
}

/// Waits for `pid`; its raw wait status, if it could be read.
fn wait_for(pid: libc::pid_t) -> Option<i32> {
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes only to `status`.
        if unsafe { libc::waitpid(pid, &mut status, 0) } == pid {
            return Some(status);
        }
        if io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return None;
        }
    }
}

/// Exits as a process with raw wait status `raw` did: the same code, or
/// killed by the same signal.
fn exit_as(raw: i32) -> ! {
    if libc::WIFSIGNALED(raw) {
        let signal = libc::WTERMSIG(raw);
        // SAFETY: restoring the default action and raising a signal at
        // ourselves; no memory is shared.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            let mut unblocked: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut unblocked);
            libc::sigaddset(&mut unblocked, signal);
            libc::sigprocmask(libc::SIG_UNBLOCK, &unblocked, std::ptr::null_mut());
            libc::raise(signal);
        }
        std::process::exit(128 + signal);
    }
    std::process::exit(if libc::WIFEXITED(raw) { libc::WEXITSTATUS(raw) } else { 1 })
}

/// Replaces this process with the program; on failure says why in the
/// node's log and exits 127, as a shell does.
fn exec(program: &OsString, args: &[OsString]) -> ! {
    // `Command` restores SIGPIPE (which Rust ignores) and the handlers of
    // `catch_all` go back to their defaults across exec.
    let error = std::process::Command::new(program).args(args).exec();
    eprintln!("{INIT}: cannot run `{}`: {error}", program.to_string_lossy());
    std::process::exit(127)
}

fn fail(what: &str) -> ! {
    eprintln!("{INIT}: {what}");
    std::process::exit(126)
}

extern "C" fn ignore(_: libc::c_int) {}

/// Catches every signal that may be caught and that does not report a
/// fault of this process, doing nothing with it. A handler, not `SIG_IGN`:
/// handlers go back to the default across exec, ignored signals would not.
fn catch_all() {
    let action = SigAction::new(SigHandler::Handler(ignore), SaFlags::SA_RESTART, SigSet::empty());
    let faults = [Signal::SIGSEGV, Signal::SIGBUS, Signal::SIGFPE, Signal::SIGILL, Signal::SIGTRAP, Signal::SIGSYS];
    let stops = [Signal::SIGTSTP, Signal::SIGTTIN, Signal::SIGTTOU, Signal::SIGCONT, Signal::SIGCHLD];
    for signal in Signal::iterator() {
        if matches!(signal, Signal::SIGKILL | Signal::SIGSTOP) || faults.contains(&signal) || stops.contains(&signal) {
            continue;
        }
        // SAFETY: `ignore` touches nothing; installing it cannot break
        // any invariant of this single-threaded process.
        let _ = unsafe { sigaction(signal, &action) };
    }
}

/// Where `quiesce-init` is: beside the running binary (or, for test
/// binaries in `target/*/deps`, one folder up), else on `PATH`.
pub fn init_path(path_env: &str) -> io::Result<PathBuf> {
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(dir) = beside {
        if let Some(parent) = dir.parent().filter(|_| dir.file_name().is_some_and(|n| n == "deps")) {
            dirs.push(parent.to_path_buf());
        }
        dirs.push(dir);
    }
    dirs.extend(std::env::split_paths(path_env));
    find_program(INIT, &dirs).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("`{INIT}` is not beside quiesce nor on PATH: install it with quiesce (`cargo install` puts both in one folder)"),
        )
    })
}

/// `program` resolved as `execvp` would: a path as it is, a bare name in
/// the first of `dirs` that has it executable.
pub fn find_program(program: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let executable = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let path = PathBuf::from(program);
        return executable(&path).then_some(path);
    }
    dirs.iter().map(|d| d.join(program)).find(|p| executable(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_is_found_as_execvp_finds_it() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("tool"), "not executable").unwrap();
        std::fs::write(b.join("tool"), "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(b.join("tool"), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(find_program("tool", &[a.clone(), b.clone()]), Some(b.join("tool")));
        assert_eq!(find_program("missing", &[a, b.clone()]), None);
        assert_eq!(find_program(b.join("tool").to_str().unwrap(), &[]), Some(b.join("tool")));
        assert_eq!(find_program("/no/such/tool", &[]), None);
    }
}
