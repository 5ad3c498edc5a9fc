//! One anonymous network namespace per node, with `lo` up, IPv6 off and a
//! `tun0` carrying the node's address.
//!
//! A short-lived thread calls `unshare(CLONE_NEWNET)`, so only that thread
//! moves; the harness process stays in the root namespace. The thread hands
//! back the namespace fd and the TUN fd and exits: those two fds are all
//! that keep the namespace alive, so when the harness dies, SIGKILL
//! included, the namespace, its TUN device and its addresses go with it.

use std::fs::File;
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};

use nix::sched::{unshare, CloneFlags};
use tokio_tun::Tun;

/// The interface name every node's TUN device has inside its namespace.
pub const TUN_NAME: &str = "tun0";

/// A node's namespace and the switch side of its TUN device.
pub struct NodeNamespace {
    /// The namespace, for `setns`.
    pub ns: OwnedFd,
    /// The TUN device's fd (the switch reads and writes it).
    pub tun: Tun,
    /// The namespace's inode number (`net:[INODE]`), for records.
    pub inode: u64,
}

/// Settings for a namespace's TUN device.
#[derive(Debug, Clone, Copy)]
pub struct TunConfig {
    /// The node's address.
    pub addr: Ipv4Addr,
    /// The subnet's netmask.
    pub netmask: Ipv4Addr,
    /// The device MTU.
    pub mtu: i32,
}

/// Creates a namespace on a fresh thread and returns its fds.
///
/// `runtime` is entered on that thread so that the TUN fd registers with it.
pub fn create(config: TunConfig, runtime: &tokio::runtime::Handle) -> io::Result<NodeNamespace> {
    let runtime = runtime.clone();
    std::thread::Builder::new()
        .name("quiesce-netns".into())
        .spawn(move || {
            let _guard = runtime.enter();
            create_here(config)
        })?
        .join()
        .map_err(|_| io::Error::other("namespace thread panicked"))?
}

fn create_here(config: TunConfig) -> io::Result<NodeNamespace> {
    unshare(CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
    let ns: OwnedFd = File::open("/proc/thread-self/ns/net")?.into();
    let inode = nix::sys::stat::fstat(&ns).map_err(io::Error::from)?.st_ino;
    set_up("lo")?;
    disable_ipv6()?;
    let tun = Tun::builder()
        .name(TUN_NAME)
        .address(config.addr)
        .netmask(config.netmask)
        .mtu(config.mtu)
        .close_on_exec()
        .up()
        .build()
        .map_err(|e| io::Error::other(format!("creating {TUN_NAME}: {e}")))?
        .pop()
        .ok_or_else(|| io::Error::other("tokio-tun returned no queue"))?;
    Ok(NodeNamespace { ns, tun, inode })
}

/// `/proc/sys/net` resolves against the calling thread's namespace.
fn disable_ipv6() -> io::Result<()> {
    for scope in ["all", "default", "lo"] {
        let path = format!("/proc/sys/net/ipv6/conf/{scope}/disable_ipv6");
        match File::options().write(true).open(&path) {
            Ok(mut f) => f.write_all(b"1")?,
            // A kernel without IPv6 has nothing to turn off.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Sets IFF_UP on an interface of the calling thread's namespace.
fn set_up(name: &str) -> io::Result<()> {
    let sock = std::net::UdpSocket::bind("0.0.0.0:0").or_else(|_| {
        // `lo` is down, so binding may still work; any AF_INET socket will do.
        std::net::UdpSocket::bind("127.0.0.1:0")
    })?;
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *dst = src as libc::c_char;
    }
    // SAFETY: `req` is a valid ifreq with a NUL-terminated name; the ioctls
    // read and write only that struct.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) < 0 {
            return Err(io::Error::last_os_error());
        }
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
