//! The switch's workers: a fixed set of OS threads, each an epoll loop
//! over the ports it owns, its delayed packets' timer and the stop eventfd.
//!
//! Port `i` belongs to worker `i % n`, for good: every packet a node sends
//! enters through its own port, so one worker reads all of a flow's
//! packets, in the order the node sent them, and judges and writes them in
//! that order. Ports are level-triggered: a worker reads at most
//! [`BURST`] packets from a ready port before it serves the next one, and
//! `epoll_wait` hands a port that still has packets back on the next
//! round, after the others.

use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::eventfd::{EfdFlags, EventFd};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use super::rules::Cached;
use super::timers::Timers;
use super::Shared;
use crate::net::offload::VNET_HDR_LEN;

/// The most workers a switch starts, however many cores there are.
pub(super) const MAX_WORKERS: usize = 8;

/// The nice value the workers ask for. They stand for the network, which
/// a kernel runs in softirq context ahead of every process: at the default
/// priority a flooding peer and its receiver take the cores from the
/// switch, and the flood is lost at the sender's TUN queue instead of
/// slowing the sender down as a veth link would. Without the privilege
/// (rootless) the workers keep the default.
const WORKER_NICE: libc::c_int = -10;

/// The most packets a worker reads from one port before serving another.
const BURST: usize = 64;

/// The most ready fds one `epoll_wait` returns.
const EVENTS: usize = 64;

/// The largest frame a port reads: a virtio-net header and a 64 KiB
/// IPv4 datagram.
const FRAME_MAX: usize = VNET_HDR_LEN + 65536;

/// Epoll data of the stop eventfd and of the timerfd; a port's is its index.
const STOP: u64 = u64::MAX;
const TIMER: u64 = u64::MAX - 1;

/// What a worker keeps for the packet path: its copy of the rules, its
/// delayed packets and a buffer to cut super-segments into.
#[derive(Debug, Default)]
pub(super) struct Local {
    pub(super) rules: Cached,
    pub(super) timers: Timers,
    pub(super) segment: Vec<u8>,
}

/// The number of workers for `ports` ports when none is asked for: one per
/// core, at most [`MAX_WORKERS`] and no more than there are ports.
pub(super) fn default_count(ports: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    cores.clamp(1, MAX_WORKERS).min(ports.max(1))
}

/// The running workers, and how to stop them.
pub(super) struct Workers {
    stop: EventFd,
    threads: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts `count` workers (at least one) over the ports of `shared`.
    pub(super) fn spawn(shared: &Arc<Shared>, count: usize) -> io::Result<Workers> {
        let count = count.max(1);
        let stop = EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)?;
        let mut workers = Workers { stop, threads: Vec::with_capacity(count) };
        for index in 0..count {
            let spawned = Worker::new(shared, index, count, workers.stop.as_fd()).and_then(|worker| {
                std::thread::Builder::new()
                    .name(format!("quiesce-sw-{index}"))
                    .stack_size(256 * 1024)
                    .spawn(move || worker.run())
            });
            match spawned {
                Ok(thread) => workers.threads.push(thread),
                Err(e) => {
                    workers.stop();
                    return Err(e);
                }
            }
        }
        Ok(workers)
    }

    /// How many workers run.
    pub(super) fn count(&self) -> usize {
        self.threads.len()
    }

    /// Tells every worker to stop and waits for them. Packets still delayed
    /// are discarded, as a link going down discards its queue.
    pub(super) fn stop(&mut self) {
        // The eventfd is never read: it stays readable for every worker.
        let _ = self.stop.write(1);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

struct Worker {
    index: usize,
    shared: Arc<Shared>,
    epoll: Epoll,
    timer: TimerFd,
    /// The due time the timerfd is set for, if set.
    armed: Option<Instant>,
    local: Local,
    buf: Vec<u8>,
}

impl Worker {
    /// A worker's epoll set: its ports (`index` modulo `count`), its timer
    /// and the stop eventfd.
    fn new(shared: &Arc<Shared>, index: usize, count: usize, stop: BorrowedFd<'_>) -> io::Result<Worker> {
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
        let timer = TimerFd::new(ClockId::CLOCK_MONOTONIC, TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC)?;
        epoll.add(stop, EpollEvent::new(EpollFlags::EPOLLIN, STOP))?;
        epoll.add(timer.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, TIMER))?;
        for (node, port) in shared.ports.iter().enumerate().skip(index).step_by(count) {
            // SAFETY: the port's fd is open: `shared` owns it, and it
            // outlives this call (the kernel keeps no borrow of it).
            let fd = unsafe { BorrowedFd::borrow_raw(port.as_raw_fd()) };
            epoll.add(fd, EpollEvent::new(EpollFlags::EPOLLIN, node as u64))?;
        }
        Ok(Worker {
            index,
            shared: shared.clone(),
            epoll,
            timer,
            armed: None,
            local: Local::default(),
            buf: vec![0; FRAME_MAX],
        })
    }

    fn run(mut self) {
        raise_priority(self.index);
        let mut events = [EpollEvent::empty(); EVENTS];
        loop {
            let ready = match self.epoll.wait(&mut events, EpollTimeout::NONE) {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(e) => {
                    tracing::warn!(worker = self.index, error = %e, "switch worker's epoll failed; its ports are closed");
                    return;
                }
            };
            for event in &events[..ready] {
                match event.data() {
                    STOP => return,
                    TIMER => {
                        // Clears its readiness; a spurious wakeup reads nothing.
                        let _ = self.timer.wait();
                        self.armed = None;
                    }
                    node => self.read_burst(node as usize),
                }
            }
            self.release_due();
        }
    }

    /// Reads and forwards up to [`BURST`] packets from a port.
    fn read_burst(&mut self, node: usize) {
        let Worker { shared, local, buf, epoll, index, .. } = self;
        let port = &shared.ports[node];
        let mut read = 0;
        while read < BURST {
            match port.read(buf) {
                Ok(len) => {
                    read += 1;
                    shared.forward(local, node, &buf[..len]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    tracing::warn!(worker = *index, node, error = %e, "switch port read failed; port closed");
                    // SAFETY: as in `Worker::new`.
                    let _ = epoll.delete(unsafe { BorrowedFd::borrow_raw(port.as_raw_fd()) });
                    return;
                }
            }
        }
    }

    /// Writes the delayed packets that are due, and sets the timer for the
    /// next one.
    fn release_due(&mut self) {
        loop {
            let now = Instant::now();
            while let Some(delayed) = self.local.timers.pop_due(now) {
                self.shared.write(delayed.to, &delayed.hdr, &delayed.packet);
            }
            let Some(due) = self.local.timers.next_due() else { return };
            if self.armed == Some(due) {
                return;
            }
            let wait = due.saturating_duration_since(Instant::now());
            // A zero expiration would disarm the timer: that one is due now.
            if wait.is_zero() {
                continue;
            }
            match self.timer.set(Expiration::OneShot(TimeSpec::from_duration(wait)), TimerSetTimeFlags::empty()) {
                Ok(()) => self.armed = Some(due),
                Err(e) => {
                    tracing::warn!(worker = self.index, error = %e, "switch timer failed; delayed packets dropped");
                    let lost = std::mem::take(&mut self.local.timers).len();
                    self.shared.drops.write_errors.fetch_add(lost as u64, Relaxed);
                }
            }
            return;
        }
    }
}

/// Gives the calling worker thread [`WORKER_NICE`], or leaves it be.
fn raise_priority(index: usize) {
    // SAFETY: gettid and setpriority take and return plain integers; on
    // Linux a thread id names that one thread.
    let set = unsafe { libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, WORKER_NICE) };
    if set != 0 {
        let error = io::Error::last_os_error();
        tracing::debug!(worker = index, %error, "switch worker keeps the default priority");
    }
}
