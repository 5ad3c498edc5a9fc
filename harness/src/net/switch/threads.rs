//! The port threads: one OS thread per port reads it and forwards what it
//! reads; an eventfd tells them all to stop.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::Shared;
use crate::net::offload::VNET_HDR_LEN;

/// The largest frame a port reads: a virtio-net header and a 64 KiB
/// IPv4 datagram.
const FRAME_MAX: usize = VNET_HDR_LEN + 65536;

/// The threads reading the ports, and how to stop them.
pub(super) struct Readers {
    stop: Arc<OwnedFd>,
    threads: Vec<JoinHandle<()>>,
}

impl Readers {
    /// Starts one thread per port of `shared`.
    pub(super) fn spawn(shared: &Arc<Shared>) -> io::Result<Readers> {
        // SAFETY: eventfd(2) returns a new fd or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nobody else.
        let stop = Arc::new(unsafe { OwnedFd::from_raw_fd(fd) });
        let mut readers = Readers { stop, threads: Vec::with_capacity(shared.ports.len()) };
        for node in 0..shared.ports.len() {
            let (shared, stop) = (shared.clone(), readers.stop.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("quiesce-port-{node}"))
                .stack_size(256 * 1024)
                .spawn(move || read_loop(&shared, node, &stop));
            match spawned {
                Ok(thread) => readers.threads.push(thread),
                Err(e) => {
                    readers.stop();
                    return Err(e);
                }
            }
        }
        Ok(readers)
    }

    /// Tells every thread to stop and waits for them.
    pub(super) fn stop(&mut self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our eventfd.
        unsafe { libc::write(self.stop.as_raw_fd(), (&one as *const u64).cast(), 8) };
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn read_loop(shared: &Arc<Shared>, node: usize, stop: &OwnedFd) {
    let port = &shared.ports[node];
    let mut buf = vec![0u8; FRAME_MAX];
    loop {
        match port.read(&mut buf) {
            Ok(len) => shared.forward(node, &buf[..len]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => match wait(port.as_raw_fd(), stop.as_raw_fd()) {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    tracing::warn!(node, error = %e, "switch port poll failed; port closed");
                    return;
                }
            },
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                tracing::warn!(node, error = %e, "switch port read failed; port closed");
                return;
            }
        }
    }
}

/// Waits until the port is readable (`true`) or the switch stops (`false`).
fn wait(port: i32, stop: i32) -> io::Result<bool> {
    let mut fds = [
        libc::pollfd { fd: port, events: libc::POLLIN, revents: 0 },
        libc::pollfd { fd: stop, events: libc::POLLIN, revents: 0 },
    ];
    loop {
        // SAFETY: `fds` is a live array of two pollfds.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if n >= 0 {
            return Ok(fds[1].revents == 0);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}
