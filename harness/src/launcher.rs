//! The launcher: one long-lived thread that starts processes and opens
//! sockets inside node namespaces.
//!
//! Processes are spawned from this thread because `PR_SET_PDEATHSIG` fires
//! when the *thread* that forked the child exits, not the process: tokio's
//! blocking threads come and go, this one lives as long as the harness.
//! Every process starts under `quiesce-init` ([`crate::contain`]), which
//! enters the node's namespace, sets its parent-death signal and runs the
//! program in a PID namespace of its own; no code of the harness runs
//! between fork and exec, so the standard library starts it with
//! `posix_spawn` (a vfork, not a copy of the harness). Nodes, `exec`
//! steps, command probes and the bench's tools all start through
//! [`Launcher::spawn`]: whatever they leave running dies when they exit.
//! Sockets are opened here because a socket belongs to the namespace of the
//! thread that created it; this thread `setns`es freely since nothing else
//! runs on it.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{mpsc, Arc, OnceLock};

use nix::sched::{setns, CloneFlags};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// Handle to the launcher thread. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Launcher {
    jobs: mpsc::Sender<Job>,
    /// `quiesce-init`, found at the first [`Launcher::spawn`].
    init: Arc<OnceLock<PathBuf>>,
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
        Ok(Launcher { jobs, init: Arc::default() })
    }

    async fn call<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> io::Result<T> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs.send(job).map_err(|_| io::Error::other("launcher thread is gone"))?;
        rx.await.map_err(|_| io::Error::other("launcher thread dropped a job"))
    }

    /// Spawns `argv` inside the namespace `ns`, contained as a node's
    /// program is: under `quiesce-init`, in a PID namespace and a process
    /// group of its own, its stdin `/dev/null`, dying with the harness. The
    /// program is looked up on `path_env` (which it also gets as `PATH`,
    /// over any `configure` sets) first, so a missing one is an error here.
    /// `configure` adds the environment and the output; it must not set
    /// stdin.
    pub async fn spawn(
        &self,
        ns: &OwnedFd,
        argv: &[String],
        path_env: &str,
        configure: impl FnOnce(&mut Command),
    ) -> io::Result<tokio::process::Child> {
        let dirs: Vec<PathBuf> = std::env::split_paths(path_env).collect();
        let program = argv
            .first()
            .and_then(|p| crate::contain::find_program(p, &dirs))
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such program, or not executable, on PATH"))?;
        let mut command = crate::contain::command(self.init(path_env)?, ns.try_clone()?, &program);
        command.args(argv.iter().skip(1));
        configure(&mut command);
        // After `configure`, as for a node: the program runs with the PATH
        // it was found on, whatever environment it is given.
        command.env("PATH", path_env);
        self.spawn_init(command).await
    }

    fn init(&self, path_env: &str) -> io::Result<&Path> {
        if let Some(init) = self.init.get() {
            return Ok(init);
        }
        let found = crate::contain::init_path(path_env)?;
        Ok(self.init.get_or_init(|| found))
    }

    /// Spawns a `quiesce-init` command ([`crate::contain::command`]), which
    /// enters its node's namespace and sets its parent-death signal
    /// itself, in its own process group. No code of the harness runs
    /// between fork and exec, so the standard library starts it with
    /// `posix_spawn` (a vfork): no copy of the harness's page tables, which
    /// at a thousand nodes cost seconds. From this thread all the same: the
    /// death signal follows the thread that started the process.
    async fn spawn_init(&self, command: Command) -> io::Result<tokio::process::Child> {
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
