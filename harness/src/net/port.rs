//! A switch port: the harness's side of one node's TUN device.
//!
//! [`Port::open`] creates `tun0` in the calling thread's namespace with a
//! virtio-net header on every packet and, when asked, TCP segmentation and
//! checksum offload (see [`super::offload`]). The fd is non-blocking and
//! belongs to no tokio event loop: the switch worker that owns the port
//! waits for it in its own epoll set and reads it until `EAGAIN` (or a
//! burst's end); any worker may write it. A port can also be made from a
//! `tokio_tun::Tun` (no header, no offloads), which keeps older callers of
//! the switch working.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;

use super::offload::{VnetHdr, VNET_HDR_LEN};

// _IOW('T', 202, int) and _IOW('T', 208, unsigned int).
const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
const TUNSETOFFLOAD: libc::c_ulong = 0x4004_54d0;
// _IOW('T', 203, int).
const TUNSETPERSIST: libc::c_ulong = 0x4004_54cb;
const TUN_F_CSUM: libc::c_ulong = 0x01;
const TUN_F_TSO4: libc::c_ulong = 0x02;

/// Whether a port asks the kernel for offloaded packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offload {
    /// Checksum offload and TCP/IPv4 segmentation offload: bulk TCP comes
    /// as super-segments of up to 64 KiB.
    Tso,
    /// Every packet as the wire carries it (still with a virtio-net header).
    Off,
}

/// The switch side of a TUN device.
pub struct Port {
    fd: Fd,
    vnet: bool,
}

enum Fd {
    Own(OwnedFd),
    /// Kept whole: its fd stays registered with tokio, which sees (and
    /// ignores) its readiness, but the switch reads it directly.
    Tun(tokio_tun::Tun),
}

impl std::fmt::Debug for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Port").field("fd", &self.as_raw_fd()).field("vnet", &self.vnet).finish()
    }
}

impl Port {
    /// Creates the TUN device `name` in the calling thread's namespace. It
    /// is down and has no address: see [`super::ifconfig`].
    pub fn open(name: &str, offload: Offload) -> io::Result<Port> {
        let file = File::options()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open("/dev/net/tun")?;
        let fd: OwnedFd = file.into();
        let mut req = super::ifconfig::ifreq(name)?;
        req.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI | libc::IFF_VNET_HDR) as libc::c_short;
        // SAFETY: TUNSETIFF reads and writes the ifreq it is given.
        if unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF, &mut req) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // Persistent, so closing the fd does not unregister the device on
        // the spot (one RCU grace period each, under RTNL): the kernel's
        // namespace cleanup removes the devices of every dying namespace
        // in one batch. The namespace fd still bounds the device's life.
        // SAFETY: TUNSETPERSIST takes its argument by value.
        if unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETPERSIST, 1 as libc::c_ulong) } < 0 {
            return Err(io::Error::last_os_error());
        }
        if offload == Offload::Tso {
            // SAFETY: TUNSETOFFLOAD takes its argument by value.
            if unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) } < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(Port { fd: Fd::Own(fd), vnet: true })
    }

    /// Whether every frame on this port starts with a virtio-net header.
    pub fn has_vnet_hdr(&self) -> bool {
        self.vnet
    }

    /// Reads one frame (header, if any, then the packet); `WouldBlock` when
    /// there is none.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: reads into `buf`, which is valid for its length.
        let n = unsafe { libc::read(self.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    /// Splits a frame read from this port into its header and packet.
    pub fn split<'a>(&self, frame: &'a [u8]) -> Option<(VnetHdr, &'a [u8])> {
        match self.vnet {
            true => Some((VnetHdr::read(frame)?, &frame[VNET_HDR_LEN..])),
            false => Some((VnetHdr::NONE, frame)),
        }
    }

    /// Writes one packet with the header it is to carry. The caller makes
    /// sure a port without headers gets only plain packets.
    pub fn write(&self, hdr: &VnetHdr, packet: &[u8]) -> io::Result<()> {
        let bytes = hdr.to_bytes();
        let iov = [
            libc::iovec { iov_base: bytes.as_ptr() as *mut _, iov_len: bytes.len() },
            libc::iovec { iov_base: packet.as_ptr() as *mut _, iov_len: packet.len() },
        ];
        let iov = if self.vnet { &iov[..] } else { &iov[1..] };
        // SAFETY: the iovecs point at live buffers of their lengths; the
        // kernel only reads them.
        let n = unsafe { libc::writev(self.as_raw_fd(), iov.as_ptr(), iov.len() as libc::c_int) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

#[cfg(test)]
impl Port {
    /// A port on any fd that reads and writes whole packets (one end of a
    /// datagram socket pair, in tests): no header, no offloads.
    pub(crate) fn plain(fd: OwnedFd) -> Port {
        Port { fd: Fd::Own(fd), vnet: false }
    }
}

impl From<tokio_tun::Tun> for Port {
    /// A port on a `tokio_tun` device: no header, no offloads.
    fn from(tun: tokio_tun::Tun) -> Port {
        Port { fd: Fd::Tun(tun), vnet: false }
    }
}

impl AsRawFd for Port {
    fn as_raw_fd(&self) -> RawFd {
        match &self.fd {
            Fd::Own(fd) => fd.as_raw_fd(),
            Fd::Tun(tun) => tun.as_raw_fd(),
        }
    }
}
