//! One anonymous network namespace per node, with `lo` up, IPv6 off (where
//! `/proc/sys` can be written) and a `tun0` carrying the node's address.
//!
//! Besides the route to the subnet, `tun0` carries routes to the multicast
//! range `224.0.0.0/4` and to the limited broadcast address
//! `255.255.255.255`, so that a program sends (and joins) multicast and
//! broadcasts without naming an interface; the subnet's own broadcast
//! address is routed by the kernel along with the address. The switch
//! copies such packets to every node linked to the sender. There is no
//! default route: a packet to anywhere else fails at once with "network
//! unreachable".
//!
//! A short-lived thread calls `unshare(CLONE_NEWNET)`, so only that thread
//! moves; the harness process stays in the root namespace. The thread hands
//! back the namespace fd and the TUN fd and exits: those two fds are all
//! that keep the namespace alive, so when the harness dies, SIGKILL
//! included, the namespace, its TUN device and its addresses go with it.

use std::fs::File;
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;

use nix::sched::{unshare, CloneFlags};

use super::ifconfig;
use super::port::{Offload, Port};

/// The interface name every node's TUN device has inside its namespace.
pub const TUN_NAME: &str = "tun0";

/// A node's namespace and the switch side of its TUN device.
pub struct NodeNamespace {
    /// The namespace, for `setns`.
    pub ns: OwnedFd,
    /// The TUN device's fd (the switch reads and writes it).
    pub tun: Port,
    /// The namespace's inode number (`net:[INODE]`), for records.
    pub inode: u64,
}

/// The routes through `tun0` besides the subnet's: multicast, and the
/// limited broadcast address.
const GROUP_ROUTES: [(Ipv4Addr, Ipv4Addr); 2] =
    [(Ipv4Addr::new(224, 0, 0, 0), Ipv4Addr::new(240, 0, 0, 0)), (Ipv4Addr::BROADCAST, Ipv4Addr::BROADCAST)];

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

/// Creates a namespace on a fresh thread and returns its fds; the TUN
/// device has segmentation and checksum offload on.
///
/// `_runtime` is unused since the switch reads ports on its own threads;
/// it stays for callers.
pub fn create(config: TunConfig, _runtime: &tokio::runtime::Handle) -> io::Result<NodeNamespace> {
    create_with(config, Offload::Tso)
}

/// Creates a namespace on a fresh thread, with the given offloads.
pub fn create_with(config: TunConfig, offload: Offload) -> io::Result<NodeNamespace> {
    std::thread::Builder::new()
        .name("quiesce-netns".into())
        .stack_size(256 * 1024)
        .spawn(move || create_here(config, offload))?
        .join()
        .map_err(|_| io::Error::other("namespace thread panicked"))?
}

fn create_here(config: TunConfig, offload: Offload) -> io::Result<NodeNamespace> {
    unshare(CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
    let ns: OwnedFd = File::open("/proc/thread-self/ns/net")?.into();
    let inode = nix::sys::stat::fstat(&ns).map_err(io::Error::from)?.st_ino;
    ifconfig::set_up("lo")?;
    disable_ipv6()?;
    let tun = Port::open(TUN_NAME, offload).map_err(|e| io::Error::other(format!("creating {TUN_NAME}: {e}")))?;
    let configure = || {
        ifconfig::set_mtu(TUN_NAME, config.mtu)?;
        ifconfig::set_ipv4(TUN_NAME, config.addr, config.netmask)?;
        ifconfig::set_up(TUN_NAME)?;
        for (dst, netmask) in GROUP_ROUTES {
            ifconfig::add_route(TUN_NAME, dst, netmask)?;
        }
        Ok(())
    };
    configure().map_err(|e: io::Error| io::Error::other(format!("configuring {TUN_NAME}: {e}")))?;
    Ok(NodeNamespace { ns, tun, inode })
}

/// `/proc/sys/net` resolves against the calling thread's namespace.
///
/// A container mounts `/proc/sys` read-only: there IPv6 stays on, unused
/// (nothing in a run has an IPv6 address but the kernel's link-local ones,
/// and the switch carries IPv4 only), rather than the run failing.
fn disable_ipv6() -> io::Result<()> {
    for scope in ["all", "default", "lo"] {
        let path = format!("/proc/sys/net/ipv6/conf/{scope}/disable_ipv6");
        match File::options().write(true).open(&path) {
            Ok(mut f) => f.write_all(b"1")?,
            // A kernel without IPv6 has nothing to turn off.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) if read_only(&e) => {
                tracing::debug!("IPv6 stays on in the node's namespace: {path}: {e}");
                return Ok(());
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A read-only `/proc/sys` (a container's), or one a security module
/// keeps from being written.
fn read_only(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EROFS) | Some(libc::EACCES) | Some(libc::EPERM))
}
