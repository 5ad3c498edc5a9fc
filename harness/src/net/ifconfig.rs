//! Interface settings by ioctl, in the calling thread's namespace: up,
//! MTU, IPv4 address and netmask, and routes through an interface.
//!
//! These run on the thread that just `unshare`d into a node's namespace,
//! before anything else exists there, so they need no netlink socket.

use std::io;
use std::net::{Ipv4Addr, UdpSocket};
use std::os::fd::AsRawFd;

/// An `ifreq` naming `name`; fails if the name does not fit.
pub fn ifreq(name: &str) -> io::Result<libc::ifreq> {
    // SAFETY: ifreq is plain data; all zeroes is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    if name.len() >= req.ifr_name.len() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("interface name {name:?} is too long")));
    }
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *dst = src as libc::c_char;
    }
    Ok(req)
}

/// A socket of the calling thread's namespace to issue ioctls on.
fn control_socket() -> io::Result<UdpSocket> {
    // `lo` may be down: binding to the wildcard address works regardless.
    UdpSocket::bind("0.0.0.0:0")
}

fn ioctl(sock: &UdpSocket, request: libc::c_ulong, req: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: the interface ioctls read and write only the ifreq given.
    match unsafe { libc::ioctl(sock.as_raw_fd(), request, req as *mut libc::ifreq) } {
        r if r < 0 => Err(io::Error::last_os_error()),
        _ => Ok(()),
    }
}

/// Sets IFF_UP on an interface.
pub fn set_up(name: &str) -> io::Result<()> {
    let sock = control_socket()?;
    let mut req = ifreq(name)?;
    ioctl(&sock, libc::SIOCGIFFLAGS, &mut req)?;
    // SAFETY: SIOCGIFFLAGS filled in the flags member.
    unsafe { req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
    ioctl(&sock, libc::SIOCSIFFLAGS, &mut req)
}

/// Sets an interface's MTU.
pub fn set_mtu(name: &str, mtu: i32) -> io::Result<()> {
    let sock = control_socket()?;
    let mut req = ifreq(name)?;
    req.ifr_ifru.ifru_mtu = mtu;
    ioctl(&sock, libc::SIOCSIFMTU, &mut req)
}

/// Adds a route to `dst`/`netmask` through the interface `name`, with no
/// gateway (`ip route add DST/LEN dev NAME`). The interface must be up.
pub fn add_route(name: &str, dst: Ipv4Addr, netmask: Ipv4Addr) -> io::Result<()> {
    let sock = control_socket()?;
    let mut dev = ifreq(name)?.ifr_name;
    // SAFETY: rtentry is plain data (and a null device pointer); all zeroes
    // is a valid value.
    let mut route: libc::rtentry = unsafe { std::mem::zeroed() };
    route.rt_dst = sockaddr(dst);
    route.rt_genmask = sockaddr(netmask);
    route.rt_flags = libc::RTF_UP;
    if netmask == Ipv4Addr::BROADCAST {
        route.rt_flags |= libc::RTF_HOST;
    }
    // `ifreq` left a NUL after the name.
    route.rt_dev = dev.as_mut_ptr();
    // SAFETY: SIOCADDRT reads the rtentry and the NUL-terminated name it
    // points at, both live for the call.
    match unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCADDRT, &mut route as *mut libc::rtentry) } {
        r if r < 0 => Err(io::Error::last_os_error()),
        _ => Ok(()),
    }
}

/// An IPv4 address as a generic `sockaddr`.
fn sockaddr(addr: Ipv4Addr) -> libc::sockaddr {
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr { s_addr: u32::from(addr).to_be() },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_in and sockaddr have the same size, and any bytes
    // are a valid sockaddr.
    unsafe { std::mem::transmute::<libc::sockaddr_in, libc::sockaddr>(sin) }
}

/// Gives an interface an IPv4 address and netmask (which also adds the
/// route to the subnet).
pub fn set_ipv4(name: &str, addr: Ipv4Addr, netmask: Ipv4Addr) -> io::Result<()> {
    let sock = control_socket()?;
    for (request, value) in [(libc::SIOCSIFADDR, addr), (libc::SIOCSIFNETMASK, netmask)] {
        let mut req = ifreq(name)?;
        req.ifr_ifru.ifru_addr = sockaddr(value);
        ioctl(&sock, request, &mut req)?;
    }
    Ok(())
}
