//! Sockets opened inside a node's namespace, for tests that send and
//! receive real packets through the switch.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{FromRawFd, IntoRawFd};
use std::time::Duration;

use quiesce::cluster::Cluster;

/// A UDP socket in `node`'s namespace bound to its address and `port`.
pub async fn udp(cluster: &Cluster, node: usize, port: u16) -> tokio::net::UdpSocket {
    let fd = cluster.launcher().socket(cluster.namespace(node), libc::AF_INET, libc::SOCK_DGRAM).await.unwrap();
    // SAFETY: a fresh owned UDP socket.
    let sock = unsafe { std::net::UdpSocket::from_raw_fd(fd.into_raw_fd()) };
    let sock = socket2_bind(sock, SocketAddrV4::new(cluster.addrs()[node], port));
    tokio::net::UdpSocket::from_std(sock).unwrap()
}

fn socket2_bind(sock: std::net::UdpSocket, addr: SocketAddrV4) -> std::net::UdpSocket {
    let raw: libc::sockaddr_in = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: addr.port().to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from(*addr.ip()).to_be() },
        sin_zero: [0; 8],
    };
    use std::os::fd::AsRawFd;
    // SAFETY: binding a valid socket to a valid sockaddr_in.
    let rc = unsafe {
        libc::bind(
            sock.as_raw_fd(),
            &raw as *const _ as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as u32,
        )
    };
    assert_eq!(rc, 0, "bind {addr}: {}", std::io::Error::last_os_error());
    sock
}

/// A TCP listener in `node`'s namespace on its address and `port`.
pub async fn listen(cluster: &Cluster, node: usize, port: u16) -> tokio::net::TcpListener {
    let fd = cluster.launcher().socket(cluster.namespace(node), libc::AF_INET, libc::SOCK_STREAM).await.unwrap();
    // SAFETY: a fresh owned TCP socket.
    let socket = unsafe { tokio::net::TcpSocket::from_raw_fd(fd.into_raw_fd()) };
    socket.set_reuseaddr(true).unwrap();
    socket.bind(SocketAddrV4::new(cluster.addrs()[node], port).into()).unwrap();
    socket.listen(64).unwrap()
}

/// Connects from `node`'s namespace to `to:port`, giving up after `limit`.
pub async fn connect(
    cluster: &Cluster,
    node: usize,
    to: Ipv4Addr,
    port: u16,
    limit: Duration,
) -> std::io::Result<tokio::net::TcpStream> {
    let fd = cluster.launcher().socket(cluster.namespace(node), libc::AF_INET, libc::SOCK_STREAM).await?;
    // SAFETY: a fresh owned TCP socket.
    let socket = unsafe { tokio::net::TcpSocket::from_raw_fd(fd.into_raw_fd()) };
    match tokio::time::timeout(limit, socket.connect(SocketAddrV4::new(to, port).into())).await {
        Ok(result) => result,
        Err(_) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out")),
    }
}
