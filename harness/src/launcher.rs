//! The launcher: one long-lived thread that starts processes and opens
//! sockets inside node namespaces.
//!
//! Processes are spawned from this thread because `PR_SET_PDEATHSIG` fires
//! when the *thread* that forked the child exits, not the process: tokio's
//! blocking threads come and go, this one lives as long as the harness.
//! [`Launcher::spawn`] enters the namespace between fork and exec (a fork
//! of the whole harness); nodes start through [`Launcher::spawn_init`],
//! whose `quiesce-init` does that itself.
//! Sockets are opened here because a socket belongs to the namespace of the
//! thread that created it; this thread `setns`es freely since nothing else
//! runs on it.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::mpsc;

use nix::sched::{setns, CloneFlags};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// Handle to the launcher thread. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Launcher {
    jobs: mpsc::Sender<Job>,
}

impl Launcher {
    /// Starts the launcher thread; `runtime` is entered there so that
    /// spawned children are reaped by tokio.
    pub fn start(runtime: tokio::runtime::Handle) -> io::Result<Launcher> {
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("quiesce-launcher".into()).spawn(move || {
            let _guard = runtime.enter();
            for job in rx {
                job();
            }
        })?;
        Ok(Launcher { jobs })
    }

    async fn call<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> io::Result<T> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs.send(job).map_err(|_| io::Error::other("launcher thread is gone"))?;
        rx.await.map_err(|_| io::Error::other("launcher thread dropped a job"))
    }

    /// Spawns `command` inside the namespace `ns`, in its own process
    /// group, with SIGKILL as its parent-death signal.
    pub async fn spawn(&self, ns: &OwnedFd, command: Command) -> io::Result<tokio::process::Child> {
        let ns = ns.try_clone()?;
        self.call(move || spawn_in(ns, command)).await?
    }

    /// Spawns a `quiesce-init` command ([`crate::contain::command`]), which
    /// enters its node's namespace and sets its parent-death signal
    /// itself, in its own process group. No code of the harness runs
    /// between fork and exec, so the standard library starts it with
    /// `posix_spawn` (a vfork): no copy of the harness's page tables, which
    /// at a thousand nodes cost seconds. From this thread all the same: the
    /// death signal follows the thread that started the process.
    pub async fn spawn_init(&self, command: Command) -> io::Result<tokio::process::Child> {
        self.call(move || {
            let mut command = command;
            command.process_group(0);
            tokio::process::Command::from(command).kill_on_drop(true).spawn()
        })
        .await?
    }

    /// Opens a socket of `domain`/`kind` inside the namespace `ns`.
    pub async fn socket(&self, ns: &OwnedFd, domain: libc::c_int, kind: libc::c_int) -> io::Result<OwnedFd> {
        let ns = ns.try_clone()?;
        self.call(move || socket_in(ns.as_fd(), domain, kind)).await?
    }
}

fn spawn_in(ns: OwnedFd, command: Command) -> io::Result<tokio::process::Child> {
    let mut command = command;
    let ns_fd: RawFd = ns.as_raw_fd();
    let parent = std::process::id() as libc::pid_t;
    command.process_group(0);
    // SAFETY: the closure runs between fork and exec and calls only
    // async-signal-safe functions (setns, prctl, getppid, _exit).
    unsafe {
        command.pre_exec(move || {
            if libc::setns(ns_fd, libc::CLONE_NEWNET) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The harness may have died between fork and prctl.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let child = tokio::process::Command::from(command).kill_on_drop(true).spawn();
    drop(ns);
    child
}

fn socket_in(ns: BorrowedFd<'_>, domain: libc::c_int, kind: libc::c_int) -> io::Result<OwnedFd> {
    setns(ns, CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
    // SAFETY: plain socket(2); the fd is owned right away.
    let fd = unsafe { libc::socket(domain, kind | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
}
